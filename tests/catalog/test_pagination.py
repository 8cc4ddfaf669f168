"""Every list counts at most COUNT_LIMIT rows: past it ``count`` is null, and next, previous,
the 404 past the end and ``page=last`` stay right."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from nexus_catalog.services import audit
from nexus_catalog.services.ordering import place_order
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"


@pytest.fixture
def count_limit(settings):
    """``count_limit(n)``: lists count at most ``n`` rows for this test."""

    def set_limit(limit: int | None) -> None:
        settings.NEXUS_CATALOG = {"COUNT_LIMIT": limit}

    return set_limit


@pytest.fixture
def twelve(category) -> list[int]:
    """Twelve products, listed in this order of ids (by name)."""
    return [ProductFactory(category=category, name=f"P{n:02d}").pk for n in range(12)]


def page_of(response) -> tuple[int | None, list[int], str | None, str | None]:
    assert response.status_code == 200, response.content
    body = response.json()
    return body["count"], [p["id"] for p in body["results"]], body["next"], body["previous"]


def page_param(link: str) -> str | None:
    values = parse_qs(urlsplit(link).query).get("page")
    return values[0] if values else None


def test_count_is_exact_up_to_the_limit(api_client, count_limit, twelve):
    count_limit(12)

    assert page_of(api_client.get(PRODUCTS, {"page_size": 5}))[0] == 12


def test_count_is_null_past_the_limit(api_client, count_limit, twelve):
    count_limit(11)

    count, ids, next_link, previous = page_of(api_client.get(PRODUCTS, {"page_size": 5}))

    assert count is None
    assert ids == twelve[:5]
    assert page_param(next_link) == "2" and previous is None


def test_pages_past_the_limit_link_to_each_other(api_client, count_limit, twelve):
    count_limit(5)

    first = page_of(api_client.get(PRODUCTS, {"page_size": 4}))
    second = page_of(api_client.get(PRODUCTS, {"page_size": 4, "page": 2}))
    third = page_of(api_client.get(PRODUCTS, {"page_size": 4, "page": 3}))

    assert [page[0] for page in (first, second, third)] == [None, None, None]
    assert first[1] + second[1] + third[1] == twelve
    assert (page_param(first[2]), first[3]) == ("2", None)
    assert (page_param(second[2]), page_param(second[3])) == ("3", None)  # page 1: no param
    assert (third[2], page_param(third[3])) == (None, "2")


def test_following_next_visits_every_row_once(api_client, count_limit, twelve):
    count_limit(3)
    seen, link = [], f"{PRODUCTS}?page_size=5"

    while link:
        count, ids, link, _ = page_of(api_client.get(link))
        assert count is None
        seen += ids

    assert seen == twelve


def test_page_that_ends_within_the_counted_rows_has_a_next(api_client, count_limit, twelve):
    count_limit(10)

    count, ids, next_link, previous = page_of(api_client.get(PRODUCTS, {"page_size": 3, "page": 2}))

    assert (count, ids) == (None, twelve[3:6])
    assert page_param(next_link) == "3" and page_param(previous) is None


def test_last_page_past_the_limit_has_no_next(api_client, count_limit, twelve):
    count_limit(5)

    count, ids, next_link, previous = page_of(api_client.get(PRODUCTS, {"page_size": 6, "page": 2}))

    assert (count, ids, next_link) == (None, twelve[6:], None)
    assert page_param(previous) is None


@pytest.mark.parametrize("limit", [5, None])
@pytest.mark.parametrize("page", ["4", "99", "0", "abc", str(10**30)])
def test_page_past_the_end_or_malformed_is_a_404(api_client, count_limit, twelve, limit, page):
    count_limit(limit)

    response = api_client.get(PRODUCTS, {"page_size": 4, "page": page})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


def test_empty_list_is_a_first_page_with_count_zero(api_client, count_limit):
    count_limit(5)

    assert page_of(api_client.get(PRODUCTS)) == (0, [], None, None)


def test_page_last_counts_exactly(api_client, count_limit, twelve):
    count_limit(5)

    count, ids, next_link, previous = page_of(
        api_client.get(PRODUCTS, {"page_size": 5, "page": "last"})
    )

    assert (count, ids, next_link) == (12, twelve[10:], None)
    assert page_param(previous) == "2"


def test_none_limit_counts_exactly(api_client, count_limit, twelve):
    count_limit(None)

    count, ids, next_link, _ = page_of(api_client.get(PRODUCTS, {"page_size": 5}))

    assert (count, ids) == (12, twelve[:5])
    assert page_param(next_link) == "2"


def test_default_limit_is_one_thousand():
    from nexus_catalog.conf import catalog_settings

    assert catalog_settings.COUNT_LIMIT == 1_000


@pytest.mark.parametrize("params", [{"page": 1}, {"page": 2}, {"page": 3}, {"page": "last"}])
def test_a_page_is_three_queries_whatever_the_count(
    api_client, count_limit, twelve, django_assert_num_queries, params
):
    # The count, the page, and the images of its products (standalone products: no
    # variants to read).
    count_limit(5)

    with django_assert_num_queries(3):
        response = api_client.get(PRODUCTS, {"page_size": 4, **params})

    assert response.status_code == 200


def test_filtered_count_is_bounded_too(api_client, count_limit, twelve, category):
    ProductFactory.create_batch(3, category=CategoryFactory())
    count_limit(20)

    assert page_of(api_client.get(PRODUCTS, {"category": category.pk}))[0] == 12
    count_limit(11)
    assert page_of(api_client.get(PRODUCTS, {"category": category.pk}))[0] is None


def test_category_list_count_is_bounded(api_client, count_limit):
    CategoryFactory.create_batch(4)
    count_limit(3)

    count, ids, next_link, _ = page_of(api_client.get("/api/categories/", {"page_size": 3}))

    assert (count, len(ids)) == (None, 3)
    assert page_param(next_link) == "2"


def test_order_list_count_is_bounded(auth_client, customer, product, count_limit):
    for _ in range(3):
        place_order(customer, [{"product": product.pk, "quantity": 1}])
    count_limit(2)

    count, ids, next_link, _ = page_of(auth_client(customer).get("/api/orders/", {"page_size": 2}))

    assert (count, len(ids)) == (None, 2)
    assert page_param(next_link) == "2"


def test_audit_trail_count_is_bounded(auth_client, staff, pending_order, count_limit):
    for n in range(3):
        audit.record("order.noted", pending_order, actor=staff, after={"n": n})
    count_limit(3)

    trail = f"/api/orders/{pending_order.pk}/audit/"
    first = auth_client(staff).get(trail, {"page_size": 3}).json()
    second = auth_client(staff).get(trail, {"page_size": 3, "page": 2}).json()

    # order.created and three notes
    assert (first["count"], len(first["results"]), page_param(first["next"])) == (None, 3, "2")
    assert (second["count"], len(second["results"]), second["next"]) == (None, 1, None)


def test_browsable_api_links_the_next_page_past_the_limit(api_client, count_limit, twelve):
    count_limit(5)

    response = api_client.get(PRODUCTS, {"page_size": 4, "page": 2}, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    html = response.content.decode()
    assert "page=3" in html and "page_size=4" in html
    # The count is unknown: the page links end at the next page.
    assert "page=4" not in html
