"""The raw baseline counts as the API does: at most COUNT_LIMIT rows, null past it."""

from __future__ import annotations

import orjson
import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from benchmarks import baselines
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def listed(params: dict) -> dict:
    request = RequestFactory().get("/bench/products/", params)
    return orjson.loads(baselines.product_list(request).content)


@pytest.fixture
def seven(category) -> list[int]:
    return [ProductFactory(category=category, name=f"P{n}").pk for n in range(7)]


def test_count_is_exact_up_to_the_limit(settings, seven):
    settings.NEXUS_CATALOG = {"COUNT_LIMIT": 7}

    assert listed({"page_size": 3})["count"] == 7


def test_count_is_null_past_the_limit_and_next_still_right(settings, seven):
    settings.NEXUS_CATALOG = {"COUNT_LIMIT": 4}

    pages = [listed({"page_size": 3, "page": page}) for page in (1, 2, 3)]

    assert [page["count"] for page in pages] == [None, None, None]
    assert [bool(page["next"]) for page in pages] == [True, True, False]
    assert [p["id"] for page in pages for p in page["results"]] == seven


def test_count_is_bounded_in_sql(settings, seven):
    settings.NEXUS_CATALOG = {"COUNT_LIMIT": 4}

    with CaptureQueriesContext(connection) as captured:
        listed({"page_size": 3})

    count_sql = next(q["sql"] for q in captured if "COUNT(" in q["sql"].upper())
    assert "LIMIT 5" in count_sql


def test_none_counts_exactly(settings, seven):
    settings.NEXUS_CATALOG = {"COUNT_LIMIT": None}

    assert listed({"page_size": 3})["count"] == 7
