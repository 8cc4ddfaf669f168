"""The distributions, built and installed as a user would: ``python -m build``, ``twine check``,
and the wheel installed into a fresh virtualenv whose new project is set up with the
quickstart's snippets (``docs/snippets/``) and serves the API.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fresh_venv import ROOT, clean_env, fresh_venv, run, run_capturing

pytestmark = pytest.mark.slow

SNIPPETS = ROOT / "docs" / "snippets"
PACKAGES = ("nexus_catalog", "nexus_accounts")
# Top-level folders of the repository that must never be distributed.
NOT_DISTRIBUTED = ("tests", "example_project", "docs", "benchmarks")
SERVER_START_TIMEOUT = 60.0


def source_files(package: str) -> set[str]:
    """Every file of ``src/<package>``, relative to ``src``, bytecode excepted."""
    base = ROOT / "src"
    return {
        path.relative_to(base).as_posix()
        for path in (base / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def build_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``python -m build`` of the repository: the folder of the distributions and the log."""
    out = tmp_path_factory.mktemp("dist")
    result = run_capturing([sys.executable, "-m", "build", "--outdir", out, ROOT])
    return out, result.stdout + result.stderr


@pytest.fixture(scope="module")
def dist(build_output: tuple[Path, str]) -> Path:
    return build_output[0]


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("*.whl")
    return found


@pytest.fixture(scope="module")
def sdist(dist: Path) -> Path:
    (found,) = dist.glob("*.tar.gz")
    return found


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@pytest.fixture(scope="module")
def sdist_names(sdist: Path) -> set[str]:
    """The sdist's file names, without its top folder (``name-version/``)."""
    with tarfile.open(sdist) as archive:
        return {
            member.name.split("/", 1)[1]
            for member in archive.getmembers()
            if member.isfile() and "/" in member.name
        }


def test_build_prints_no_deprecation_warning(build_output: tuple[Path, str]) -> None:
    # setuptools warns (and will fail from 2027) on a licence table or licence classifiers;
    # pyproject.toml uses the SPDX expression instead, and must stay that way.
    log = build_output[1]
    deprecations = [line for line in log.splitlines() if "deprecat" in line.lower()]
    assert not deprecations, "\n".join(deprecations)


def test_wheel_metadata_carries_the_spdx_licence(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = (name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        headers = archive.read(metadata).decode()
    assert "License-Expression: MIT" in headers.splitlines()
    assert "License-File: LICENSE" in headers.splitlines()
    assert "License :: OSI Approved" not in headers


@pytest.mark.parametrize("page", ["README.md", "docs/quickstart.md"])
def test_install_instructions_name_the_wheel_that_is_built(wheel: Path, page: str) -> None:
    # The README and the quickstart show `pip install "dist/<wheel>[postgres]"`: the name
    # changes with the version, and the instructions must follow it.
    assert f"{wheel.name}[postgres]" in (ROOT / page).read_text()


def test_twine_check_passes(dist: Path) -> None:
    output = run([sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir())])
    assert output.count("PASSED") == 2


@pytest.mark.parametrize("package", PACKAGES)
def test_wheel_holds_every_file_of_the_package(wheel_names: set[str], package: str) -> None:
    missing = source_files(package) - wheel_names
    assert not missing, f"not in the wheel: {sorted(missing)}"


@pytest.mark.parametrize("package", PACKAGES)
def test_sdist_holds_every_file_of_the_package(sdist_names: set[str], package: str) -> None:
    missing = {f"src/{name}" for name in source_files(package)} - sdist_names
    assert not missing, f"not in the sdist: {sorted(missing)}"


@pytest.mark.parametrize("package", PACKAGES)
def test_wheel_holds_the_migrations_and_py_typed(wheel_names: set[str], package: str) -> None:
    assert f"{package}/migrations/__init__.py" in wheel_names
    assert f"{package}/py.typed" in wheel_names


def test_wheel_holds_the_catalog_migration(wheel_names: set[str]) -> None:
    assert "nexus_catalog/migrations/0001_initial.py" in wheel_names


@pytest.mark.parametrize("archive", ["wheel_names", "sdist_names"])
def test_nothing_outside_the_packages_is_distributed(
    request: pytest.FixtureRequest, archive: str
) -> None:
    names: set[str] = request.getfixturevalue(archive)
    stray = sorted(
        name
        for name in names
        if name.removeprefix("src/").split("/", 1)[0] in NOT_DISTRIBUTED
        or "__pycache__" in name
        or name.rsplit("/", 1)[-1].startswith(("test_", "conftest"))
    )
    assert not stray, f"distributed by mistake: {stray}"


# -- The wheel in a new project, set up with the quickstart's snippets -------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(
    base_url: str, method: str, path: str, body: dict | None = None
) -> tuple[int, dict | list]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        base_url + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def wait_for_server(base_url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll until the server answers; fail with its log if it exits or never answers."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"runserver exited {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(base_url + "/api/", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"runserver did not answer in {SERVER_START_TIMEOUT} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def host_project(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh virtualenv with the wheel, and a ``startproject`` host set up as documented."""
    base = tmp_path_factory.mktemp("host")
    bin_dir = fresh_venv(base / "venv", wheel)
    python = bin_dir / "python"
    project = base / "project"
    project.mkdir()
    run([bin_dir / "django-admin", "startproject", "hostproj", project])
    for generated, snippet in (
        ("settings.py", "settings_snippet.py"),
        ("urls.py", "urls_snippet.py"),
    ):
        target = project / "hostproj" / generated
        target.write_text(target.read_text() + "\n\n" + (SNIPPETS / snippet).read_text())
    run([python, project / "manage.py", "check", "--fail-level", "WARNING"], cwd=project)
    run([python, project / "manage.py", "migrate", "--no-input"], cwd=project)
    return project


@pytest.fixture(scope="module")
def host_server(host_project: Path) -> Iterator[str]:
    python = host_project.parent / "venv" / "bin" / "python"
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = host_project / "runserver.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=host_project,
            env=clean_env(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_server(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)


def register(base_url: str) -> tuple[int, dict | list, str, str]:
    username = f"ann-{uuid.uuid4().hex[:8]}"
    password = "correct-horse-42"
    status, body = request(
        base_url,
        "POST",
        "/api/auth/register/",
        {
            "username": username,
            "email": f"{username}@example.com",
            "password": password,
            "password2": password,
        },
    )
    return status, body, username, password


def test_register_in_new_project_answers_201(host_server: str) -> None:
    status, body, username, _ = register(host_server)
    assert status == 201, body
    assert isinstance(body, dict)
    assert body["username"] == username


def test_login_in_new_project_returns_a_token_pair(host_server: str) -> None:
    _, _, username, password = register(host_server)
    status, body = request(
        host_server, "POST", "/api/auth/login/", {"username": username, "password": password}
    )
    assert status == 200, body
    assert isinstance(body, dict)
    assert set(body) >= {"access", "refresh"}


def test_product_list_in_new_project_answers_200(host_server: str) -> None:
    status, body = request(host_server, "GET", "/api/products/")
    assert status == 200, body
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_schema_of_new_project_lists_the_api(host_server: str) -> None:
    status, body = request(host_server, "GET", "/swagger.json")
    assert status == 200
    assert isinstance(body, dict)
    # drf-yasg moves the common prefix of the paths into basePath.
    paths = {body.get("basePath", "").rstrip("/") + path for path in body["paths"]}
    assert {"/api/products/", "/api/orders/", "/api/auth/register/"} <= paths
