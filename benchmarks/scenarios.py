"""The scenarios, each paired with the reference it is measured against, and their targets.

Order placement is judged against ``order_place_same_work``'s reference: raw SQL doing the
writes the design asks of every order (issue 15). The raw placement that writes only the stock,
the order and its lines stays in the table as the floor (``order_place_spread``, no target).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from benchmarks.loadgen import Load

if TYPE_CHECKING:  # seed imports models: only after django.setup()
    from benchmarks.seed import Fixtures

LIST_PAGES = 10
DETAIL_SAMPLE = 2000
PRICE_FILTER = "min_price=10&max_price=300"
RAW_PLACE = "/bench/orders/place/"
# The raw placement that also writes what the design asks of an order (see baselines.py).
RAW_PLACE_SAME_WORK = "/bench/orders/place-same-work/"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    load: Load
    # The raw baseline, except for the Idempotency-Key scenario: the same API call without it.
    reference: Load
    reference_name: str
    # The least acceptable ratio of throughputs (scenario / reference), from issues 9 and 15.
    min_ratio: float | None
    writes: bool = False
    # The reference is the floor (a raw placement doing less than the design asks): shown, not
    # judged.
    floor: bool = False


def write_lines(path: Path, lines: Iterable[object]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def paths_pair(workdir: Path, name: str, api: list[str], raw: list[str]) -> tuple[Load, Load]:
    return (
        Load(paths=write_lines(workdir / f"{name}.api.paths", api)),
        Load(paths=write_lines(workdir / f"{name}.raw.paths", raw)),
    )


def product_list(
    workdir: Path, size: int, categories: list[int], filtered: bool, listed: int | None = None
) -> Scenario:
    """The list's pages 1 to ``LIST_PAGES``, or as many as ``listed`` rows (what the list
    shows: parents and standalone products) fill: a page past the end is the API's 404."""
    pages = LIST_PAGES if listed is None else max(1, min(LIST_PAGES, listed // size))
    if filtered:
        queries = [f"category={c}&{PRICE_FILTER}&page_size={size}" for c in categories]
    else:
        queries = [f"page={p}&page_size={size}" for p in range(1, pages + 1)]
    name = f"product_list_{size}" + ("_filtered" if filtered else "")
    api, raw = paths_pair(
        workdir,
        name,
        [f"/api/products/?{q}" for q in queries],
        [f"/bench/products/?{q}" for q in queries],
    )
    what = "category and price filters" if filtered else f"pages 1-{pages}"
    return Scenario(
        name=name,
        description=f"GET /api/products/, page of {size}, {what}",
        load=api,
        reference=raw,
        reference_name="raw .values() + orjson",
        min_ratio=0.7 if size == 20 else 0.6,
    )


def searches(workdir: Path, fixtures: Fixtures) -> list[Scenario]:
    """``product_search``: a shopper looking for a product by its name (the names of 50
    products among the first thousand, the same at every size), judged on its p50 growth
    with the catalog; ``product_search_broad``: one common word (one product in 25 has
    it), shown, not judged: every match is ranked, so its cost grows with the catalog."""
    from benchmarks.seed import NOUNS

    named = [quote(name) for name in fixtures.search_names]
    broad = [quote(noun) for noun in NOUNS]
    built = []
    for name, words, what in (
        ("product_search", named, "a product's name"),
        ("product_search_broad", broad, "one common word"),
    ):
        api, raw = paths_pair(
            workdir,
            name,
            [f"/api/products/?search={w}&page_size=20" for w in words],
            [f"/bench/products/?search={w}&page_size=20" for w in words],
        )
        built.append(
            Scenario(
                name=name,
                description=f"GET /api/products/?search=<{what}>, page of 20",
                load=api,
                reference=raw,
                reference_name="the same search query, raw .values() + orjson",
                min_ratio=None,
            )
        )
    return built


def build(fixtures: Fixtures, workdir: Path) -> list[Scenario]:
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(9)
    sample = rng.sample(fixtures.product_ids, min(DETAIL_SAMPLE, len(fixtures.product_ids)))
    reader = write_lines(workdir / "reader.tokens", [fixtures.reader_token])
    buyers = write_lines(workdir / "buyers.tokens", fixtures.buyer_tokens)
    spread = write_lines(workdir / "spread.products", fixtures.product_ids)
    hot = write_lines(workdir / "hot.products", [fixtures.hot_product_id])

    scenarios = [
        product_list(workdir, 20, fixtures.category_ids, False, fixtures.listed),
        product_list(workdir, 100, fixtures.category_ids, False, fixtures.listed),
        product_list(workdir, 20, fixtures.category_ids, filtered=True),
        product_list(workdir, 100, fixtures.category_ids, filtered=True),
    ]
    scenarios += searches(workdir, fixtures)
    facet_queries = [f"category={c}&{PRICE_FILTER}" for c in fixtures.category_ids] + [""]
    facets_api, facets_raw = paths_pair(
        workdir,
        "product_facets",
        [f"/api/products/facets/?{q}" for q in facet_queries],
        [f"/bench/products/facets/?{q}" for q in facet_queries],
    )
    scenarios.append(
        Scenario(
            name="product_facets",
            description="GET /api/products/facets/, each category with the price filters, "
            "and the whole catalog",
            load=facets_api,
            reference=facets_raw,
            reference_name="the same three queries without DRF",
            min_ratio=None,
        )
    )
    detail_api, detail_raw = paths_pair(
        workdir,
        "product_detail",
        [f"/api/products/{pk}/" for pk in sample],
        [f"/bench/products/{pk}/" for pk in sample],
    )
    scenarios.append(
        Scenario(
            name="product_detail",
            description="GET /api/products/<id>/, random active products",
            load=detail_api,
            reference=detail_raw,
            reference_name="raw .values() + orjson",
            min_ratio=0.7,
        )
    )
    category_api, category_raw = paths_pair(
        workdir, "category_list", ["/api/categories/"], ["/bench/categories/"]
    )
    scenarios.append(
        Scenario(
            name="category_list",
            description="GET /api/categories/, first page",
            load=category_api,
            reference=category_raw,
            reference_name="raw .values() + orjson",
            min_ratio=0.7,
        )
    )
    pages = ["?page=1", "?page=2", "?page=3"]
    scenarios.append(
        Scenario(
            name="order_list",
            description="GET /api/orders/ of a user with 50 orders, pages 1-3",
            load=Load(
                paths=write_lines(
                    workdir / "order_list.api.paths", [f"/api/orders/{p}" for p in pages]
                ),
                tokens=reader,
            ),
            reference=Load(
                paths=write_lines(
                    workdir / "order_list.raw.paths", [f"/bench/orders/{p}" for p in pages]
                ),
                tokens=reader,
            ),
            reference_name="raw .values() + orjson",
            min_ratio=None,
        )
    )

    def placing(products: Path, *, path: str = "/api/orders/", idempotency: bool = False) -> Load:
        return Load(
            method="POST",
            path=path,
            tokens=buyers,
            products=products,
            idempotency=idempotency,
        )

    scenarios += [
        Scenario(
            name="order_place_spread",
            description="POST /api/orders/, one unit of a random product, 16 buyers",
            load=placing(spread),
            reference=placing(spread, path=RAW_PLACE),
            reference_name="raw SQL floor (stock, order, lines only)",
            min_ratio=None,
            writes=True,
            floor=True,
        ),
        Scenario(
            name="order_place_same_work",
            description="POST /api/orders/ as order_place_spread, against the same writes in SQL",
            load=placing(spread),
            reference=placing(spread, path=RAW_PLACE_SAME_WORK),
            reference_name="raw SQL placement with the ledger, audit row and task",
            min_ratio=0.6,
            writes=True,
        ),
        Scenario(
            name="order_place_hot",
            description="POST /api/orders/, one unit of the same product, 16 buyers",
            load=placing(hot),
            reference=placing(hot, path=RAW_PLACE),
            reference_name="raw SQL floor (stock, order, lines only)",
            min_ratio=None,
            writes=True,
            floor=True,
        ),
        Scenario(
            name="order_place_idempotent",
            description="POST /api/orders/ as order_place_spread, with a fresh Idempotency-Key",
            load=placing(spread, idempotency=True),
            reference=placing(spread),
            reference_name="the same without Idempotency-Key",
            min_ratio=0.85,
            writes=True,
        ),
    ]
    return scenarios
