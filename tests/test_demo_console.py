"""The demo of the example project keeps the terminal quiet: ``nexus_seed_demo`` under the
example settings with ``DEBUG=True`` (what ``make demo`` runs) prints no e-mail and no audit
JSON, writes the order e-mails to files, and says where they are."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.fresh_venv import ROOT, clean_env, run_capturing

pytestmark = pytest.mark.slow

MANAGE = ROOT / "example_project" / "manage.py"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The output of ``migrate`` then ``nexus_seed_demo`` as ``make demo`` runs them."""
    base = tmp_path_factory.mktemp("demo")
    emails = base / "sent_emails"
    env = clean_env(
        DEBUG="True",
        SQLITE_PATH=str(base / "db.sqlite3"),
        EMAIL_FILE_PATH=str(emails),
        MEDIA_ROOT=str(base / "media"),
        DJANGO_SETTINGS_MODULE="example_project.settings",
    )
    # The environment of `make`, not of this suite (which may set these for its own use).
    for name in ("EMAIL_BACKEND", "AUDIT_LOG_LEVEL", "LOG_LEVEL", "DATABASE_URL", "USE_POSTGRES"):
        env.pop(name, None)
    env.pop("NEXUS_DISABLE_PLUGIN_AUTOLOAD", None)
    output = ""
    for command in (["migrate", "--no-input"], ["nexus_seed_demo"]):
        result = run_capturing([sys.executable, MANAGE, *command], cwd=ROOT, env=env)
        output += result.stdout + result.stderr
    return output, emails


def test_seed_demo_prints_no_email(demo: tuple[str, Path]) -> None:
    output, _ = demo
    assert "Subject:" not in output
    assert "Content-Type: text/plain" not in output


def test_seed_demo_prints_no_audit_json(demo: tuple[str, Path]) -> None:
    output, _ = demo
    assert '"action": "order.created"' not in output
    assert '"event_id"' not in output


def test_seed_demo_writes_the_order_emails_to_files(demo: tuple[str, Path]) -> None:
    _, emails = demo
    messages = [path.read_text() for path in emails.iterdir()]
    assert len(messages) == 2  # the demo customer's two orders
    assert all("Subject:" in message for message in messages)


def test_seed_demo_says_where_the_emails_are(demo: tuple[str, Path]) -> None:
    output, emails = demo
    assert f"Their order e-mails are files in {emails}." in output
