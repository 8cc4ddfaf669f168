"""The address book: CRUD of one's own addresses, 404 for others', one default of each kind."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from nexus_accounts.countries import COUNTRIES
from nexus_accounts.models import AbstractAddress, Address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOME = {
    "name": "Alice Liddell",
    "company": "",
    "line1": "1 Rabbit Hole",
    "line2": "",
    "city": "Oxford",
    "region": "Oxfordshire",
    "postal_code": "OX1 1AA",
    "country": "GB",
    "phone": "+44 1865 000000",
}


def addresses_url(pk: int | None = None) -> str:
    return f"/api/auth/addresses/{pk}/" if pk else "/api/auth/addresses/"


def create(client, **changes):
    response = client.post(addresses_url(), {**HOME, **changes}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_answers_201_with_the_address(alice_client, alice):
    response = alice_client.post(addresses_url(), HOME, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        **HOME,
        "is_default_shipping": False,
        "is_default_billing": False,
    }
    assert Address.objects.get(pk=body["id"]).user == alice


def test_list_shows_only_the_callers_addresses(alice_client, auth_client):
    mine = create(alice_client)
    create(auth_client(UserFactory()), name="Bob")

    response = alice_client.get(addresses_url())

    assert response.status_code == 200
    assert [a["id"] for a in response.json()] == [mine["id"]]


def test_list_runs_a_constant_number_of_queries(alice_client, django_assert_num_queries):
    for n in range(5):
        create(alice_client, name=f"Name {n}")

    # The token's user, then the addresses.
    with django_assert_num_queries(2):
        response = alice_client.get(addresses_url())
    assert len(response.json()) == 5


def test_retrieve_update_and_delete_ones_own(alice_client):
    address = create(alice_client)

    assert alice_client.get(addresses_url(address["id"])).json() == address
    patched = alice_client.patch(addresses_url(address["id"]), {"city": "Cambridge"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["city"] == "Cambridge"
    replaced = alice_client.put(
        addresses_url(address["id"]), {**HOME, "line1": "2 Looking Glass"}, format="json"
    )
    assert replaced.json()["line1"] == "2 Looking Glass"
    assert replaced.json()["city"] == "Oxford"
    assert alice_client.delete(addresses_url(address["id"])).status_code == 204
    assert not Address.objects.exists()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_other_users_address_is_404(alice_client, auth_client, method):
    others = create(auth_client(UserFactory()))

    response = getattr(alice_client, method)(addresses_url(others["id"]), HOME, format="json")

    assert response.status_code == 404
    assert Address.objects.get(pk=others["id"]).line1 == HOME["line1"]


def test_addresses_need_a_token(api_client):
    assert api_client.get(addresses_url()).status_code == 401


@pytest.mark.parametrize("country", ["XX", "gb", "GBR", "", "UK"])
def test_country_must_be_an_alpha_2_code(alice_client, country):
    response = alice_client.post(addresses_url(), {**HOME, "country": country}, format="json")

    assert response.status_code == 400
    assert "country" in response.json()


@pytest.mark.parametrize("field", ["name", "line1", "city", "country"])
def test_required_fields(alice_client, field):
    body = {k: v for k, v in HOME.items() if k != field}

    response = alice_client.post(addresses_url(), body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_new_default_shipping_address_replaces_the_old_one(alice_client, alice):
    first = create(alice_client, is_default_shipping=True)
    second = create(alice_client, name="Work", is_default_shipping=True)

    defaults = Address.objects.filter(user=alice, is_default_shipping=True)
    assert [a.pk for a in defaults] == [second["id"]]
    assert alice_client.get(addresses_url(first["id"])).json()["is_default_shipping"] is False


def test_patching_the_billing_default_moves_it(alice_client, alice):
    first = create(alice_client, is_default_billing=True)
    second = create(alice_client, name="Work")

    alice_client.patch(addresses_url(second["id"]), {"is_default_billing": True}, format="json")

    assert list(
        Address.objects.filter(user=alice, is_default_billing=True).values_list("pk", flat=True)
    ) == [second["id"]]
    assert Address.objects.get(pk=first["id"]).is_default_billing is False


def test_defaults_of_two_users_are_independent(alice_client, auth_client, alice):
    create(alice_client, is_default_shipping=True)
    create(auth_client(UserFactory()), is_default_shipping=True)

    assert Address.objects.filter(is_default_shipping=True).count() == 2


def test_one_address_may_be_both_defaults(alice_client):
    address = create(alice_client, is_default_shipping=True, is_default_billing=True)

    assert address["is_default_shipping"] and address["is_default_billing"]


@pytest.mark.parametrize("flag", ["is_default_shipping", "is_default_billing"])
def test_the_database_refuses_two_defaults_of_a_kind(alice, flag):
    Address.objects.create(user=alice, **{**HOME, flag: True})

    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(user=alice, **{**HOME, flag: True})


def test_the_address_book_has_a_limit(alice_client, settings):
    settings.NEXUS_ACCOUNTS = {**settings.NEXUS_ACCOUNTS, "MAX_ADDRESSES": 2}
    create(alice_client)
    create(alice_client)

    response = alice_client.post(addresses_url(), HOME, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["The address book is full: at most 2 addresses."]
    }


def test_user_and_id_cannot_be_set(alice_client, alice, auth_client):
    bob = UserFactory()

    address = create(alice_client, user=bob.pk, id=999)

    assert address["id"] != 999
    assert Address.objects.get(pk=address["id"]).user == alice


def test_the_address_fields_are_one_abstract_definition():
    assert AbstractAddress._meta.abstract
    assert [f.name for f in AbstractAddress._meta.fields] == list(HOME)
    assert Address(**HOME).address_fields() == HOME


def test_the_country_list_is_iso_3166_alpha_2():
    assert len(COUNTRIES) == 249
    assert all(len(code) == 2 and code.isupper() for code in COUNTRIES)
    assert COUNTRIES["FR"] == "France"
