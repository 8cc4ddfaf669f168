"""Reading an ``Idempotency-Key`` header, and the digests that identify a request.

No database and no Django request: the middleware feeds these functions what it read.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode

from django.utils.crypto import salted_hmac

MAX_KEY_LENGTH = 255

# Optional whitespace around a field value is not part of it (RFC 9110, section 5.5).
_OWS = " \t"


class MalformedKey(ValueError):
    """The header value is not 1 to 255 printable ASCII characters (after unquoting)."""


def parse_key(raw: str) -> str:
    """The key carried by a header value, bare (``abc``) or an RFC 8941 string (``"abc"``).

    A key is 1 to 255 printable ASCII characters (0x20 to 0x7E). In the quoted form the
    only escapes RFC 8941 allows are ``\\"`` and ``\\\\``; anything else is malformed.
    A bare key holds no ``"`` and no ``,``: a server joins repeated header lines with a
    comma, so ``a, b`` (or ``"a", "b"``) is two keys, and ``"abc`` an unbalanced quote.
    """
    value = raw.strip(_OWS)
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        value = _unquote_sf_string(value[1:-1])
    elif '"' in value:
        raise MalformedKey("the key holds an unbalanced double quote")
    elif "," in value:
        raise MalformedKey("the header holds more than one key")
    if not value:
        raise MalformedKey("the key is empty")
    if len(value) > MAX_KEY_LENGTH:
        raise MalformedKey(f"the key is longer than {MAX_KEY_LENGTH} characters")
    if not all(" " <= char <= "~" for char in value):
        raise MalformedKey("the key holds a character that is not printable ASCII")
    return value


def _unquote_sf_string(inner: str) -> str:
    chars: list[str] = []
    escaped = False
    for char in inner:
        if escaped:
            if char not in '"\\':
                raise MalformedKey('the quoted key holds an escape other than \\" or \\\\')
            chars.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            raise MalformedKey("the quoted key holds an unescaped double quote")
        else:
            chars.append(char)
    if escaped:
        raise MalformedKey("the quoted key ends with a lone backslash")
    return "".join(chars)


# Namespaces the fingerprint's key, derived from SECRET_KEY (Django's salted_hmac).
_FINGERPRINT_SALT = "nexus_catalog.idempotency.fingerprint"


def request_fingerprint(method: str, path: str, query_string: str, body: bytes) -> str:
    """HMAC-SHA256 (hex), keyed from ``SECRET_KEY``, of the method, the path, the query
    string with its pairs sorted, and the body bytes.

    Sorting the query pairs makes ``?a=1&b=2`` and ``?b=2&a=1`` the same request; the body
    is hashed as sent, so the same JSON serialised differently is a different request. The
    digest is keyed because it is kept for ``TTL``: a plain hash of a register or
    password-change body would let whoever reads the table test password guesses offline.
    Rotating ``SECRET_KEY`` therefore makes a retry of an earlier request a mismatch (422).
    """
    query = urlencode(sorted(parse_qsl(query_string, keep_blank_values=True)))
    parts = []
    for part in (method.upper().encode(), path.encode(), query.encode()):
        # Each part's length first, so no two different triples hash the same bytes.
        parts.append(b"%d:" % len(part))
        parts.append(part)
    parts.append(body)
    return salted_hmac(_FINGERPRINT_SALT, b"".join(parts), algorithm="sha256").hexdigest()


def lookup_key(scope: str, method: str, path: str, key: str) -> str:
    """SHA-256 (hex) of (scope, method, path, key): the unique name of one claim."""
    digest = hashlib.sha256()
    for part in (scope, method.upper(), path, key):
        encoded = part.encode()
        digest.update(b"%d:" % len(encoded))
        digest.update(encoded)
    return digest.hexdigest()
