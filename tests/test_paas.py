"""The example project deploys to a Heroku-style platform from the repository root: the
``Procfile``, ``runtime.txt`` and ``requirements.txt`` there agree with each other and with
the project (the WSGI application the web process names serves the landing page)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from tests.fresh_venv import ROOT, clean_env

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

PAAS_FILES = ("Procfile", "runtime.txt", "requirements.txt")
# What the example project imports or runs beyond the package's own dependencies.
EXAMPLE_NEEDS = {"gunicorn", "whitenoise", "dj-database-url", "python-dotenv", "psycopg", "redis"}


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def requirement_lines() -> list[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("name", PAAS_FILES)
def test_paas_file_is_at_the_repository_root_only(name: str) -> None:
    assert (ROOT / name).is_file()
    assert not (ROOT / "example_project" / name).exists()


def test_procfile_release_phase_migrates_the_example_project() -> None:
    release = shlex.split(procfile()["release"])
    assert release[:4] == ["python", "example_project/manage.py", "migrate", "--no-input"]
    assert (ROOT / release[1]).is_file()


def gunicorn_target() -> tuple[str, str]:
    """The folder and the ``module:attribute`` that the web process's gunicorn serves."""
    web = procfile()["web"]
    args = shlex.split(web[web.index("gunicorn") :])
    folder = args[args.index("--chdir") + 1]
    (target,) = [arg for arg in args[1:] if re.fullmatch(r"[\w.]+:\w+", arg)]
    return folder, target


def test_procfile_web_process_is_gunicorn_on_the_platform_port() -> None:
    web = procfile()["web"]
    assert "gunicorn" in web
    assert "--bind 0.0.0.0:$PORT" in web
    assert gunicorn_target() == ("example_project", "example_project.wsgi:application")


def test_procfile_wsgi_application_imports_and_serves_the_landing_page() -> None:
    # As gunicorn would: from the --chdir folder, with production settings (DEBUG off).
    folder, target = gunicorn_target()
    module, attribute = target.split(":")
    script = f"""
import importlib, sys
sys.path.insert(0, ".")
app = getattr(importlib.import_module({module!r}), {attribute!r})
statuses = []
environ = {{
    "REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "shop.example.com",
    "SERVER_PORT": "443", "HTTP_HOST": "shop.example.com", "wsgi.url_scheme": "https",
    "wsgi.input": __import__("io").BytesIO(), "wsgi.errors": sys.stderr,
}}
body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
assert statuses == ["200 OK"], statuses
assert b"/swagger/" in body
"""
    env = clean_env(DEBUG="False", SECRET_KEY="paas-test", ALLOWED_HOSTS="shop.example.com")
    for name in ("DATABASE_URL", "USE_POSTGRES", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT / folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]


def test_requirements_install_the_repository_with_the_example_extras() -> None:
    (package,) = [line for line in requirement_lines() if line.startswith(".[")]
    extras = Requirement(f"django-nexus-commerce{package[1:]}").extras
    optional = pyproject()["project"]["optional-dependencies"]
    assert extras <= set(optional), extras - set(optional)
    installed = {Requirement(dep).name for extra in extras for dep in optional[extra]}
    assert installed >= EXAMPLE_NEEDS, EXAMPLE_NEEDS - installed


def test_requirements_install_the_demo_plugins_the_example_project_uses() -> None:
    assert "./example_project/demo_plugins" in requirement_lines()
    assert (ROOT / "example_project" / "demo_plugins" / "pyproject.toml").is_file()


def test_runtime_is_a_python_the_package_supports() -> None:
    match = re.fullmatch(r"python-(3\.\d+)\.(\d+)", (ROOT / "runtime.txt").read_text().strip())
    assert match, "runtime.txt must read python-3.X.Y"
    project = pyproject()["project"]
    assert f"{match[1]}.{match[2]}" in SpecifierSet(project["requires-python"])
    assert f"Programming Language :: Python :: {match[1]}" in project["classifiers"]
