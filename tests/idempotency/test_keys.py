"""Reading the header and the digests: pure functions."""

from __future__ import annotations

import hashlib

import pytest

from nexus_catalog.idempotency.keys import (
    MalformedKey,
    lookup_key,
    parse_key,
    request_fingerprint,
)


def test_bare_key_is_read_as_is():
    assert parse_key("order-42") == "order-42"


def test_quoted_key_means_its_content():
    assert parse_key('"order-42"') == "order-42"


def test_quoted_key_unescapes_quote_and_backslash():
    assert parse_key(r'"a\"b\\c"') == 'a"b\\c'


def test_surrounding_whitespace_is_not_part_of_the_key():
    assert parse_key("  order-42\t") == "order-42"


def test_key_of_255_characters_is_accepted():
    assert parse_key("k" * 255) == "k" * 255


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param('""', id="quoted-empty"),
        pytest.param("   ", id="blank"),
        pytest.param("k" * 256, id="256-chars"),
        pytest.param('"' + "k" * 256 + '"', id="quoted-256-chars"),
        pytest.param("bad\x01key", id="control-char"),
        pytest.param("bad\x7fkey", id="del"),
        pytest.param("clé", id="non-ascii"),
        pytest.param(r'"a\nb"', id="unknown-escape"),
        pytest.param('"a"b"', id="unescaped-quote"),
        pytest.param('"ab\\"', id="lone-backslash"),
        pytest.param('"abc', id="unbalanced-quote"),
        pytest.param('abc"', id="stray-quote"),
        pytest.param("k1, k2", id="two-header-lines-joined"),
        pytest.param("k1,k2", id="two-header-lines-joined-tight"),
        pytest.param('"k1", "k2"', id="two-quoted-header-lines-joined"),
    ],
)
def test_malformed_key_is_refused(raw):
    with pytest.raises(MalformedKey):
        parse_key(raw)


def test_fingerprint_ignores_query_parameter_order():
    first = request_fingerprint("POST", "/api/orders/", "a=1&b=2", b"{}")
    second = request_fingerprint("POST", "/api/orders/", "b=2&a=1", b"{}")
    assert first == second


@pytest.mark.parametrize(
    "other",
    [
        ("PUT", "/api/orders/", "a=1", b"{}"),
        ("POST", "/api/orders/1/", "a=1", b"{}"),
        ("POST", "/api/orders/", "a=2", b"{}"),
        ("POST", "/api/orders/", "a=1", b'{"x": 1}'),
    ],
    ids=["method", "path", "query", "body"],
)
def test_fingerprint_differs_when_any_part_differs(other):
    assert request_fingerprint("POST", "/api/orders/", "a=1", b"{}") != request_fingerprint(*other)


def test_fingerprint_parts_cannot_run_into_each_other():
    assert request_fingerprint("POST", "/a", "", b"b") != request_fingerprint(
        "POST", "/ab", "", b""
    )


def test_a_comma_inside_a_quoted_key_is_part_of_it():
    assert parse_key('"k1,k2"') == "k1,k2"


def test_fingerprint_is_keyed_by_the_secret_key(settings):
    first = request_fingerprint("POST", "/api/auth/register/", "", b'{"password": "x"}')
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-for-this"

    assert request_fingerprint("POST", "/api/auth/register/", "", b'{"password": "x"}') != first


def test_fingerprint_is_not_a_plain_hash_of_the_request():
    # A plain SHA-256 of what the client sent would let whoever reads the table test
    # password guesses offline.
    fingerprint = request_fingerprint("POST", "/p", "", b"secret")
    plain = hashlib.sha256(b"4:POST2:/p0:secret").hexdigest()

    assert fingerprint != plain
    assert fingerprint != hashlib.sha256(b"secret").hexdigest()


def test_lookup_key_separates_scopes():
    assert lookup_key("user:1", "POST", "/api/orders/", "k") != lookup_key(
        "user:2", "POST", "/api/orders/", "k"
    )


def test_lookup_key_is_a_64_character_digest():
    assert len(lookup_key("anon", "POST", "/api/orders/", "k")) == 64
