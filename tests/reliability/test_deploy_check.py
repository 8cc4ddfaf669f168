"""``manage.py check --deploy`` passes for the example project's production settings, and
each hardening switch is driven by the environment."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "example_project"

pytestmark = pytest.mark.slow


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production deployment; nothing inherited that could change it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "SYSTEMROOT", "NEXUS_DISABLE_PLUGIN_AUTOLOAD"}
    }
    env.update(
        {
            "DEBUG": "False",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "shop.example.com",
            "DJANGO_SETTINGS_MODULE": "example_project.settings",
            # The example's .env is not read over these (python-dotenv keeps set variables).
            "DATABASE_URL": "sqlite:///:memory:",
        }
    )
    env.update(overrides)
    return env


def check_deploy(**overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=EXAMPLE,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings():
    result = check_deploy()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# Each switch turned off from the environment, and the warning it must raise.
WEAKENED = {
    "SECURE_HSTS_SECONDS": ("0", "security.W004"),
    "SECURE_SSL_REDIRECT": ("False", "security.W008"),
    "SESSION_COOKIE_SECURE": ("False", "security.W012"),
    "CSRF_COOKIE_SECURE": ("False", "security.W016"),
    "SECRET_KEY": ("short-and-weak", "security.W009"),
}


def test_check_deploy_reports_every_switch_weakened_from_the_environment():
    result = check_deploy(**{name: value for name, (value, _) in WEAKENED.items()})

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert [check for _, check in WEAKENED.values() if check not in output] == []


def settings_under(**overrides: str) -> dict:
    names = [
        "DEBUG",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=EXAMPLE,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_defaults_are_hardened():
    values = settings_under()

    assert values == {
        "DEBUG": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


def test_hardening_switches_follow_the_environment():
    values = settings_under(
        SECURE_PROXY_SSL_HEADER="False",
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_PRELOAD="False",
    )

    assert (
        values["SECURE_PROXY_SSL_HEADER"],
        values["SECURE_HSTS_SECONDS"],
        values["SECURE_HSTS_PRELOAD"],
    ) == (None, 600, False)
