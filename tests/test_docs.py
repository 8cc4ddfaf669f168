"""The documentation: it builds clean, covers every setting and command, and its tutorial
code works (the plugins of ``docs/snippets/shop_plugins`` place real orders)."""

from __future__ import annotations

import html
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings

from nexus_catalog.services.ordering import place_order
from tests.factories import ProductFactory, UserFactory
from tests.fresh_venv import ROOT, fresh_venv, run

DOCS = ROOT / "docs"

sphinx = pytest.importorskip("sphinx", reason="the docs extra is not installed")


@pytest.fixture
def reference(monkeypatch: pytest.MonkeyPatch):
    """The docs' own Sphinx extension, ``docs/_ext/nexus_reference.py``."""
    monkeypatch.syspath_prepend(str(DOCS / "_ext"))
    import nexus_reference

    return nexus_reference


def directive_arguments(page: str, directive: str) -> set[str]:
    text = (DOCS / page).read_text()
    return set(re.findall(rf"^```{{{re.escape(directive)}}} (\S+)$", text, flags=re.MULTILINE))


# -- The build, as Read the Docs runs it ------------------------------------------------------


@pytest.fixture(scope="module")
def docs_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip install -e ".[docs]"`` in a fresh virtualenv, then ``sphinx-build -W``.

    Nothing else is installed (no test extra, no example extra): the docs must build with what
    ``.readthedocs.yaml`` installs. The build failing fails the fixture, so every test below.
    """
    base = tmp_path_factory.mktemp("docs")
    bin_dir = fresh_venv(base / "venv", "-e", f"{ROOT}[docs]")
    html = base / "html"
    run(
        [bin_dir / "sphinx-build", "-W", "--keep-going", "-E", "-q", "-b", "html", DOCS, html],
        timeout=300,
    )
    return html


@pytest.mark.slow
def test_docs_build_clean_in_a_fresh_virtualenv_with_the_docs_extra_only(docs_html: Path) -> None:
    assert (docs_html / "reference" / "hooks.html").exists()
    assert (docs_html / "quickstart.html").exists()


def hooks_page_text(docs_html: Path) -> str:
    page = (docs_html / "reference" / "hooks.html").read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.slow
def test_hooks_page_has_one_introduction(docs_html: Path) -> None:
    assert hooks_page_text(docs_html).count("The plugin contract") == 1


@pytest.mark.slow
def test_hooks_page_shows_no_object_repr(docs_html: Path) -> None:
    text = hooks_page_text(docs_html)
    assert "<pluggy" not in text
    assert "HookimplMarker object" not in text


@pytest.mark.slow
def test_hooks_page_documents_hookimpl_once(docs_html: Path) -> None:
    page = (docs_html / "reference" / "hooks.html").read_text()
    assert page.count('id="nexus_catalog.plugins.hookspecs.hookimpl"') == 1


def test_readthedocs_config_installs_the_docs_extra_and_fails_on_warnings() -> None:
    import yaml

    config = yaml.safe_load((ROOT / ".readthedocs.yaml").read_text())
    assert config["version"] == 2
    assert config["python"]["install"] == [
        {"method": "pip", "path": ".", "extra_requirements": ["docs"]}
    ]
    assert config["sphinx"] == {"configuration": "docs/conf.py", "fail_on_warning": True}


def test_settings_reference_documents_every_key(reference) -> None:
    assert directive_arguments("reference/settings.md", "nexus-setting") == set(
        reference.all_settings()
    )


def test_settings_reference_covers_nested_idempotency_keys(reference) -> None:
    assert "NEXUS_CATALOG.IDEMPOTENCY.TTL" in reference.all_settings()


def test_commands_reference_documents_every_command(reference) -> None:
    assert directive_arguments("reference/commands.md", "nexus-command") == set(
        reference.app_commands()
    )


def test_timedelta_default_is_shown_in_its_largest_whole_unit(reference) -> None:
    from datetime import timedelta

    assert reference.format_default(timedelta(hours=24)) == "timedelta(days=1)"
    assert reference.format_default(timedelta(minutes=90)) == "timedelta(minutes=90)"
    assert reference.format_default(timedelta(seconds=1.5)) == "timedelta(seconds=1.5)"


def build_tiny_site(tmp_path: Path, page: str) -> str:
    """Build a one-page site with the docs' extension; return the warnings."""
    from sphinx.application import Sphinx

    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(DOCS / '_ext')!r})\n"
        "extensions = ['myst_parser', 'nexus_reference']\n"
    )
    (source / "index.md").write_text(page)
    warnings = io.StringIO()
    Sphinx(
        str(source),
        str(source),
        str(tmp_path / "out"),
        str(tmp_path / "doctrees"),
        "html",
        status=None,
        warning=warnings,
    ).build()
    return warnings.getvalue()


def test_undocumented_setting_is_a_build_warning(tmp_path: Path) -> None:
    warnings = build_tiny_site(
        tmp_path, "# Settings\n\n```{nexus-setting} NEXUS_CATALOG.CURRENCY\nThe currency.\n```\n"
    )
    assert "setting NEXUS_CATALOG.PAGE_SIZE has no nexus-setting entry" in warnings
    assert "setting NEXUS_CATALOG.CURRENCY has no" not in warnings


def test_setting_the_code_does_not_have_is_a_build_error(tmp_path: Path) -> None:
    warnings = build_tiny_site(
        tmp_path, "# Settings\n\n```{nexus-setting} NEXUS_CATALOG.COLOUR\nNo such key.\n```\n"
    )
    assert "'NEXUS_CATALOG.COLOUR' is not a key of any DEFAULTS" in warnings


def test_setting_default_is_rendered_from_the_code(tmp_path: Path) -> None:
    build_tiny_site(
        tmp_path, "# Settings\n\n```{nexus-setting} NEXUS_CATALOG.CURRENCY\nThe currency.\n```\n"
    )
    html = (tmp_path / "out" / "index.html").read_text()
    assert "Default: <code" in html
    assert "'USD'" in html


# -- The tutorial's plugins --------------------------------------------------------------------


@pytest.fixture
def tutorial_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(DOCS / "snippets"))


@pytest.mark.django_db
@pytest.mark.usefixtures("tutorial_plugins")
@override_settings(NEXUS_CATALOG={"PLUGINS": ["shop_plugins.pricing"]})
def test_tutorial_pricing_plugin_gives_wholesale_customers_15_percent_off() -> None:
    customer = UserFactory()
    customer.groups.add(Group.objects.create(name="wholesale"))
    product = ProductFactory(price=Decimal("20.00"))
    order = place_order(customer, [{"product": product.pk, "quantity": 1}])
    assert order.lines.get().unit_price == Decimal("17.00")


@pytest.mark.django_db
@pytest.mark.usefixtures("tutorial_plugins")
@override_settings(NEXUS_CATALOG={"PLUGINS": ["shop_plugins.pricing"]})
def test_tutorial_pricing_plugin_leaves_other_customers_on_the_catalog_price() -> None:
    product = ProductFactory(price=Decimal("20.00"))
    order = place_order(UserFactory(), [{"product": product.pk, "quantity": 1}])
    assert order.lines.get().unit_price == Decimal("20.00")


@pytest.mark.django_db
@pytest.mark.usefixtures("tutorial_plugins")
def test_tutorial_audit_sink_appends_each_event_as_a_json_line(
    tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    log = tmp_path / "audit.jsonl"
    with override_settings(
        NEXUS_CATALOG={"PLUGINS": ["shop_plugins.audit_sink.JsonLinesAuditSink"]},
        SHOP_AUDIT_LOG_PATH=log,
    ):
        product = ProductFactory()
        with django_capture_on_commit_callbacks(execute=True):
            order = place_order(UserFactory(), [{"product": product.pk, "quantity": 1}])
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert ("order.created", str(order.pk)) in [(e["action"], e["object_id"]) for e in events]
    assert len({e["event_id"] for e in events}) == len(events)
