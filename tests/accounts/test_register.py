from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.accounts.conftest import STRONG_PASSWORD, url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def payload(**overrides: str) -> dict[str, str]:
    data = {
        "username": "newbie",
        "email": "newbie@example.com",
        "password": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    data.update(overrides)
    return data


def test_register_creates_user_and_answers_201_with_it(api_client):
    response = api_client.post(url("register"), payload(first_name="New"))

    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "newbie"
    assert body["email"] == "newbie@example.com"
    assert body["first_name"] == "New"
    user = get_user_model().objects.get(username="newbie")
    assert body["id"] == user.pk
    assert user.check_password(STRONG_PASSWORD)
    assert user.is_active


def test_register_never_returns_the_password(api_client):
    response = api_client.post(url("register"), payload())

    assert response.status_code == 201
    assert not {"password", "password2"} & set(response.json())
    assert STRONG_PASSWORD not in response.content.decode()


def test_registered_user_can_log_in(api_client):
    api_client.post(url("register"), payload())

    response = api_client.post(url("login"), {"username": "newbie", "password": STRONG_PASSWORD})

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Xy7-a", "too short"),
        ("password123", "too common"),
        ("83749201948372", "entirely numeric"),
        ("newbie99x", "too similar to the username"),
    ],
)
def test_register_refuses_weak_password(api_client, password, reason):
    response = api_client.post(url("register"), payload(password=password, password2=password))

    assert response.status_code == 400, reason
    assert response.json()["password"]
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_register_refuses_password2_mismatch(api_client):
    response = api_client.post(url("register"), payload(password2=STRONG_PASSWORD + "x"))

    assert response.status_code == 400
    assert response.json() == {"password2": ["The two password fields didn't match."]}
    assert not get_user_model().objects.filter(username="newbie").exists()


@pytest.mark.parametrize("username", ["taken", "TAKEN", "Taken"])
def test_register_refuses_duplicate_username_in_any_case(api_client, username):
    UserFactory(username="taken", email="taken@example.com")

    response = api_client.post(url("register"), payload(username=username))

    assert response.status_code == 400
    assert response.json() == {"username": ["A user with that username already exists."]}
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@EXAMPLE.COM", "Taken@Example.com"])
def test_register_refuses_duplicate_email_in_any_case(api_client, email):
    UserFactory(username="someone", email="taken@example.com")

    response = api_client.post(url("register"), payload(email=email))

    assert response.status_code == 400
    assert response.json() == {"email": ["A user with that email address already exists."]}
    assert get_user_model().objects.count() == 1


def test_register_reports_every_broken_rule_at_once(api_client):
    UserFactory(username="taken", email="taken@example.com")

    response = api_client.post(
        url("register"),
        payload(username="Taken", email="TAKEN@example.com", password="123", password2="123"),
    )

    assert response.status_code == 400
    assert set(response.json()) == {"username", "email", "password"}


@pytest.mark.parametrize("missing", ["username", "email", "password", "password2"])
def test_register_requires_each_field(api_client, missing):
    data = payload()
    del data[missing]

    response = api_client.post(url("register"), data)

    assert response.status_code == 400
    assert response.json()[missing] == ["This field is required."]


@pytest.mark.parametrize(
    ("field", "value"), [("email", "not-an-address"), ("username", "has spaces")]
)
def test_register_refuses_malformed_field(api_client, field, value):
    response = api_client.post(url("register"), payload(**{field: value}))

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_register_lowercases_the_email_domain(api_client):
    response = api_client.post(url("register"), payload(email="Newbie@EXAMPLE.COM"))

    assert response.status_code == 201
    assert response.json()["email"] == "Newbie@example.com"


def test_register_ignores_a_bad_authorization_header(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.post(url("register"), payload())

    assert response.status_code == 201
