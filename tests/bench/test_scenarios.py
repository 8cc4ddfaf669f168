"""The scenario list: each scenario, with its reference and its target."""

from __future__ import annotations

from benchmarks import scenarios
from benchmarks.seed import Fixtures


def fixtures() -> Fixtures:
    return Fixtures(
        product_ids=list(range(1, 101)),
        category_ids=[1, 2, 3],
        hot_product_id=1,
        reader_token="reader",
        buyer_tokens=["b1", "b2"],
    )


def test_every_scenario_of_the_issue_is_built(tmp_path):
    names = [s.name for s in scenarios.build(fixtures(), tmp_path)]
    assert names == [
        "product_list_20",
        "product_list_100",
        "product_list_20_filtered",
        "product_list_100_filtered",
        "product_search",
        "product_search_broad",
        "product_facets",
        "product_detail",
        "category_list",
        "order_list",
        "order_place_spread",
        "order_place_same_work",
        "order_place_hot",
        "order_place_idempotent",
    ]


def test_read_baselines_ask_the_same_queries_under_bench(tmp_path):
    for scenario in scenarios.build(fixtures(), tmp_path):
        if scenario.writes:
            continue
        api = scenario.load.paths.read_text().splitlines()
        raw = scenario.reference.paths.read_text().splitlines()
        assert [p.replace("/api/", "/bench/", 1) for p in api] == raw


def test_hot_scenario_orders_only_the_hot_product(tmp_path):
    hot = {s.name: s for s in scenarios.build(fixtures(), tmp_path)}["order_place_hot"]
    assert hot.load.products.read_text() == "1\n"
    assert hot.reference.path == "/bench/orders/place/"


def test_idempotent_scenario_is_measured_against_the_same_call_without_a_key(tmp_path):
    by_name = {s.name: s for s in scenarios.build(fixtures(), tmp_path)}
    idempotent = by_name["order_place_idempotent"]
    assert idempotent.load.idempotency and not idempotent.reference.idempotency
    assert idempotent.reference == by_name["order_place_spread"].load
    assert idempotent.min_ratio == 0.85


def test_order_placement_is_judged_against_the_same_writes_in_sql(tmp_path):
    by_name = {s.name: s for s in scenarios.build(fixtures(), tmp_path)}
    same_work = by_name["order_place_same_work"]
    assert same_work.load == by_name["order_place_spread"].load
    assert same_work.reference.path == "/bench/orders/place-same-work/"
    assert same_work.min_ratio == 0.6


def test_the_minimal_raw_placement_is_the_floor_without_a_target(tmp_path):
    by_name = {s.name: s for s in scenarios.build(fixtures(), tmp_path)}
    for name in ("order_place_spread", "order_place_hot"):
        scenario = by_name[name]
        assert scenario.reference.path == "/bench/orders/place/"
        assert scenario.floor and scenario.min_ratio is None


def test_every_read_keeps_its_target(tmp_path):
    targets = {s.name: s.min_ratio for s in scenarios.build(fixtures(), tmp_path)}
    assert targets["product_list_20"] == targets["product_list_20_filtered"] == 0.7
    assert targets["product_list_100"] == targets["product_list_100_filtered"] == 0.6
    assert targets["product_detail"] == targets["category_list"] == 0.7


def test_list_pages_stop_where_the_listed_rows_end(tmp_path):
    # 830 listed rows fill 8 pages of 100: page 9 would be the API's 404.
    short = Fixtures(**{**fixtures().__dict__, "listed": 830})
    by_name = {s.name: s for s in scenarios.build(short, tmp_path)}
    assert len(by_name["product_list_100"].load.paths.read_text().splitlines()) == 8
    assert len(by_name["product_list_20"].load.paths.read_text().splitlines()) == 10
