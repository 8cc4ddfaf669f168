"""The first hour of a new user, as the README and the quickstart tell it.

The README's two code blocks are the snippet files that the quickstart includes (one source).
Then, as the README says: the package installed from a clone (``pip install
"<clone>[postgres]"``) into a fresh virtualenv, a ``django-admin startproject`` host with the
README's blocks appended, ``migrate``, ``nexus_seed_demo``, and the quickstart's requests
through Django's test client: products listed, a JWT login, an order placed with a fresh
``Idempotency-Key`` and replayed. (The wheel path is ``tests/test_packaging.py``'s.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.fresh_venv import ROOT, fresh_venv, run

README = ROOT / "README.md"
QUICKSTART = ROOT / "docs" / "quickstart.md"
SNIPPETS = ROOT / "docs" / "snippets"
# The files the blocks are appended to, and the snippet that each receives.
APPENDED = (("settings.py", "settings_snippet.py"), ("urls.py", "urls_snippet.py"))


def readme_python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", README.read_text(), flags=re.S | re.M)


def test_readme_code_blocks_are_the_snippet_files() -> None:
    assert readme_python_blocks() == [(SNIPPETS / name).read_text() for _, name in APPENDED]


@pytest.mark.parametrize("snippet", [name for _, name in APPENDED])
def test_quickstart_includes_the_snippet_file(snippet: str) -> None:
    assert f"```{{literalinclude}} snippets/{snippet}\n" in QUICKSTART.read_text()


@pytest.mark.parametrize("page", [README, QUICKSTART], ids=["README", "quickstart"])
def test_install_from_a_clone_is_shown_before_the_published_name(page: Path) -> None:
    text = page.read_text()
    assert 'pip install "./django-nexus-commerce[postgres]"' in text
    assert text.index("./django-nexus-commerce[postgres]") < text.index(
        'pip install "django-nexus-commerce[postgres]"'
    )


def test_quickstart_takes_a_fresh_idempotency_key_per_attempt() -> None:
    text = QUICKSTART.read_text()
    assert 'KEY=$(python -c "import uuid; print(uuid.uuid4())")' in text
    assert '-H "Idempotency-Key: $KEY"' in text
    assert "ACCESS=$(" in text
    assert "nexus_seed_demo" in text


# -- The README followed in a fresh virtualenv ---------------------------------------------

# Run inside the host project with its own Python: the quickstart's requests, each answer
# printed as JSON for the tests below to read.
REQUESTS_SCRIPT = """
import json, os, uuid
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()  # lets the client's "testserver" host through ALLOWED_HOSTS

client = Client()
answers = {}

def keep(name, response):
    is_json = response.get("Content-Type", "").startswith("application/json")
    answers[name] = {
        "status": response.status_code,
        "json": response.json() if is_json else None,
        "replayed": response.get("Idempotent-Replayed"),
        "location": response.get("Location"),
    }
    return answers[name]["json"]

def post(name, path, body, **headers):
    return keep(name, client.post(path, body, content_type="application/json", **headers))

products = keep("products", client.get("/api/products/?in_stock=true&page_size=1"))
user = {"username": "ann", "email": "ann@example.com"}
password = "correct-horse-42"
post("register", "/api/auth/register/", {**user, "password": password, "password2": password})
tokens = post("login", "/api/auth/login/", {"username": "ann", "password": password})
bearer = {"HTTP_AUTHORIZATION": "Bearer " + tokens["access"]}
keep("me", client.get("/api/auth/me/", **bearer))
order = {"items": [{"product": products["results"][0]["id"], "quantity": 2}]}
key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
post("order", "/api/orders/", order, **bearer, **key)
post("order_retry", "/api/orders/", order, **bearer, **key)
post("order_without_slash", "/api/orders", order, **bearer)
keep("schema", client.get("/swagger.json"))
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    base = tmp_path_factory.mktemp("first-hour")
    bin_dir = fresh_venv(base / "venv", f"{ROOT}[postgres]")
    python = bin_dir / "python"
    project = base / "project"
    project.mkdir()
    run([bin_dir / "django-admin", "startproject", "shop", project])
    for (generated, _), block in zip(APPENDED, readme_python_blocks(), strict=True):
        target = project / "shop" / generated
        target.write_text(target.read_text() + "\n\n" + block)
    manage = [python, project / "manage.py"]
    run([*manage, "check", "--fail-level", "WARNING"], cwd=project)
    run([*manage, "migrate", "--no-input"], cwd=project)
    run([*manage, "nexus_seed_demo"], cwd=project)
    run([python, "-c", "import psycopg"])  # the [postgres] extra came with it
    (project / "first_requests.py").write_text(REQUESTS_SCRIPT)
    return json.loads(run([python, "first_requests.py"], cwd=project))


@pytest.mark.slow
def test_new_project_lists_the_products(answers: dict[str, dict]) -> None:
    assert answers["products"]["status"] == 200
    assert answers["products"]["json"]["count"] > 0


@pytest.mark.slow
def test_new_project_registers_and_logs_in_with_jwt(answers: dict[str, dict]) -> None:
    assert answers["register"]["status"] == 201, answers["register"]
    assert answers["login"]["status"] == 200
    assert answers["me"]["status"] == 200
    assert answers["me"]["json"]["username"] == "ann"


@pytest.mark.slow
def test_new_project_places_the_quickstart_order(answers: dict[str, dict]) -> None:
    assert answers["order"]["status"] == 201, answers["order"]


@pytest.mark.slow
def test_new_project_replays_a_retry_with_the_same_key(answers: dict[str, dict]) -> None:
    retry = answers["order_retry"]
    assert retry["status"] == 201
    assert retry["replayed"] == "true"
    assert retry["json"]["id"] == answers["order"]["json"]["id"]


@pytest.mark.slow
def test_new_project_answers_a_post_without_slash_in_json(answers: dict[str, dict]) -> None:
    # startproject's settings have DEBUG on: Django alone would answer an HTML 500 here.
    answer = answers["order_without_slash"]
    assert answer["status"] == 308
    assert answer["location"] == "/api/orders/"
    assert answer["json"] is not None


@pytest.mark.slow
def test_new_project_serves_the_schema(answers: dict[str, dict]) -> None:
    assert answers["schema"]["status"] == 200
