"""Numbers in query strings never make a 500.

``"²".isdigit()`` and ``"①".isdigit()`` are true while ``int()`` refuses them, and ``int()``
refuses more than 4,300 digits. ``page_size`` and ``page`` take ASCII digits only: anything
else is a 400 naming ``page_size`` (a 404 for ``page``, as DRF answers). The product filters
go through Django's form fields, which refuse those values (and accept the decimal digits of
every script, as Django does)."""

from __future__ import annotations

import pytest

from nexus_catalog.services.ordering import place_order

pytestmark = pytest.mark.django_db

NOT_ASCII_NUMBERS = ["²", "①", "\u0661\u0660", "1²", "9" * 5000]
NOT_NUMBERS = ["²", "①", "1²", "9" * 5000]
IDS = ["superscript", "circled", "arabic-indic", "digit-superscript", "5000-digits"]


@pytest.fixture
def order(customer, product):
    return place_order(customer, [{"product": product.pk, "quantity": 1}])


@pytest.fixture
def lists(order) -> dict[str, str]:
    return {
        "products": "/api/products/",
        "categories": "/api/categories/",
        "orders": "/api/orders/",
        "audit": f"/api/orders/{order.pk}/audit/",
    }


@pytest.mark.parametrize("value", NOT_ASCII_NUMBERS, ids=IDS)
@pytest.mark.parametrize("name", ["products", "categories", "orders", "audit"])
def test_page_size_that_is_not_ascii_digits_is_400_naming_it(
    auth_client, customer, lists, name, value
):
    response = auth_client(customer).get(lists[name], {"page_size": value})

    assert response.status_code == 400, response.content
    assert "page_size" in response.json()


@pytest.mark.parametrize("value", NOT_ASCII_NUMBERS, ids=IDS)
@pytest.mark.parametrize("name", ["products", "categories", "orders", "audit"])
def test_page_that_is_not_ascii_digits_is_404(auth_client, customer, lists, name, value):
    response = auth_client(customer).get(lists[name], {"page": value})

    assert response.status_code == 404, response.content
    assert "detail" in response.json()


@pytest.mark.parametrize("value", NOT_NUMBERS, ids=IDS[:2] + IDS[3:])
@pytest.mark.parametrize("param", ["category", "min_price", "max_price"])
def test_product_filter_that_is_not_ascii_digits_is_400_naming_it(
    api_client, product, param, value
):
    response = api_client.get("/api/products/", {param: value})

    assert response.status_code == 400, response.content
    assert param in response.json()


def test_ascii_page_size_still_works(api_client, product):
    response = api_client.get("/api/products/", {"page_size": "1"})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_order_of_a_product_id_past_the_id_column_is_400_naming_it(auth_client, customer):
    items = [{"product": 2**63, "quantity": 1}]

    response = auth_client(customer).post("/api/orders/", {"items": items}, format="json")

    assert response.status_code == 400
    assert "product" in response.json()["items"]["0"]
