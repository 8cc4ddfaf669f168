"""Swagger UI and ReDoc render in a real browser in production mode.

The example project runs under gunicorn with ``DEBUG=False``, its static files collected and
served by WhiteNoise, and headless Chromium (Debian's ``chromium`` and ``chromedriver``; no
browser is downloaded) loads ``/swagger/`` and ``/redoc/`` and waits for the operations.
Without Chromium the tests are skipped, except on CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_project"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SERVER_START_TIMEOUT = 60.0
RENDER_TIMEOUT = 30.0


def require(condition: bool, reason: str) -> None:
    """Skip when ``condition`` fails, except on CI, where the test must run."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI: {reason}")
    pytest.skip(reason)


def production_env(tmp_path: Path) -> dict[str, str]:
    """The example project as deployed (DEBUG off), but over plain HTTP on localhost."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    env.update(
        DEBUG="False",
        SECRET_KEY="browser-test-secret-key-not-used-anywhere-else-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        USE_POSTGRES="False",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        STATIC_ROOT=str(tmp_path / "static"),
        SECURE_SSL_REDIRECT="False",
        SECURE_PROXY_SSL_HEADER="False",
        SECURE_HSTS_SECONDS="0",
        SESSION_COOKIE_SECURE="False",
        CSRF_COOKIE_SECURE="False",
        NEXUS_DISABLE_PLUGIN_AUTOLOAD="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr[-4000:]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer in {SERVER_START_TIMEOUT} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example project under gunicorn, DEBUG off, static files from WhiteNoise."""
    tmp_path = tmp_path_factory.mktemp("production")
    env = production_env(tmp_path)
    manage(env, "collectstatic", "--no-input")
    manage(env, "migrate", "--no-input")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "--chdir", str(EXAMPLE)),
                *("--bind", f"127.0.0.1:{port}", "--workers", "2"),
                "example_project.wsgi:application",
            ],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(base_url + "/swagger/", process, log)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    require(Path(CHROMIUM).exists(), f"Chromium is not installed ({CHROMIUM})")
    require(Path(CHROMEDRIVER).exists(), f"chromedriver is not installed ({CHROMEDRIVER})")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        require(False, "selenium is not installed (the test extra)")
    # Never let Selenium Manager fetch a browser or a driver: the system's are given.
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        "--window-size=1280,1024",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def wait_for_elements(driver, selector: str) -> list:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, RENDER_TIMEOUT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, selector),
        message=f"no {selector!r} rendered on {driver.current_url}",
    )
    return driver.find_elements(By.CSS_SELECTOR, selector)


@pytest.fixture(scope="module")
def swagger_paths(server: str, browser) -> set[str]:
    """The API paths of the operations Swagger UI rendered at /swagger/."""
    browser.get(server + "/swagger/")
    summaries = wait_for_elements(browser, ".opblock .opblock-summary-path")
    return {element.get_attribute("data-path") for element in summaries}


@pytest.mark.parametrize(
    "path",
    ["/products/", "/products/{id}/", "/orders/", "/orders/{id}/transition/", "/auth/register/"],
)
def test_swagger_ui_renders_the_operation(swagger_paths: set[str], path: str) -> None:
    assert path in swagger_paths, sorted(swagger_paths)


def test_redoc_renders_products_orders_and_auth_operations(server: str, browser) -> None:
    browser.get(server + "/redoc/")
    sections = wait_for_elements(browser, "[data-section-id^='operation/']")
    operation_ids = {element.get_attribute("data-section-id") for element in sections}
    for prefix in ("operation/products_", "operation/orders_", "operation/auth_register"):
        assert any(op.startswith(prefix) for op in operation_ids), sorted(operation_ids)
