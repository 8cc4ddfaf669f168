"""The harness's arithmetic: wrk results, medians, ratios, HOT shares and the targets."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from benchmarks import loadgen, report


def measurement(rps: float = 100, p50_ms: float = 10, **overrides) -> loadgen.Measurement:
    fields = {
        "requests": int(rps * 2),
        "duration_us": 2_000_000,
        "p50_us": int(p50_ms * 1000),
        "p90_us": int(p50_ms * 1500),
        "p99_us": int(p50_ms * 3000),
        "mean_us": p50_ms * 1000,
        "max_us": int(p50_ms * 5000),
        "status": {"2xx": int(rps * 2), "3xx": 0, "4xx": 0, "5xx": 0},
        "errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0},
    }
    return loadgen.Measurement(**{**fields, **overrides})


def scenario(name: str, min_ratio: float | None = 0.7, writes: bool = False) -> SimpleNamespace:
    return SimpleNamespace(
        name=name,
        description=name,
        reference_name="raw",
        min_ratio=min_ratio,
        writes=writes,
        floor=False,
    )


def test_parse_output_reads_the_result_line():
    stdout = (
        "Running 1s test @ http://127.0.0.1:1\n"
        'BENCH_RESULT {"requests": 10, "duration_us": 1000000, "bytes": 5, "p50_us": 1, '
        '"p90_us": 2, "p99_us": 3, "mean_us": 1.5, "max_us": 4, '
        '"errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 1}, '
        '"status": {"2xx": 9, "3xx": 0, "4xx": 0, "5xx": 1}}\n'
    )
    result = loadgen.parse_output(stdout)
    assert (result.requests, result.rps, result.server_errors) == (10, 10.0, 1)


def test_parse_output_without_a_result_line_is_an_error():
    with pytest.raises(loadgen.LoadGeneratorError, match="no result line"):
        loadgen.parse_output("unable to connect to 127.0.0.1:1\n")


def test_failed_counts_non_2xx_responses_and_socket_errors():
    result = measurement(
        requests=100,
        status={"2xx": 90, "3xx": 0, "4xx": 7, "5xx": 3},
        errors={"connect": 2, "read": 0, "write": 0, "timeout": 1, "status": 10},
    )
    assert result.failed == 10 + 3


def test_run_wrk_refuses_anything_but_loopback():
    with pytest.raises(loadgen.LoadGeneratorError, match="loopback"):
        loadgen.run_wrk("http://example.com", loadgen.Load(), duration=1, connections=1, threads=1)


def test_summary_ratio_is_the_median_of_the_round_ratios():
    rounds = [
        (measurement(rps=80), measurement(rps=100)),
        (measurement(rps=30), measurement(rps=100)),
        (measurement(rps=90), measurement(rps=100)),
    ]
    row = report.summarise(1000, scenario("product_list_20"), rounds)
    assert row["ratio"] == 0.8
    assert row["rps"] == 80
    assert len(row["rounds"]) == 3


def row(name: str, size: int = 1000, **values) -> dict:
    base = {
        "size": size,
        "scenario": name,
        "reference_name": "raw",
        "min_ratio": None,
        "writes": False,
        "rps": 100.0,
        "p50_ms": 10.0,
        "server_errors": 0,
        "ratio": 1.0,
    }
    return {**base, **values}


def failed_checks(
    rows: list[dict], deadlocks: int | None = 0, hot_updates: tuple = ()
) -> list[str]:
    return [
        check.name for check in report.evaluate(rows, deadlocks, hot_updates) if not check.passed
    ]


def test_a_ratio_under_its_target_fails():
    rows = [row("product_list_20", min_ratio=0.7, ratio=0.69)]
    assert failed_checks(rows) == ["product_list_20 @ 1000: ratio to raw"]


def test_a_ratio_at_its_target_passes():
    assert failed_checks([row("product_list_100", min_ratio=0.6, ratio=0.6)]) == []


def test_server_errors_fail():
    assert failed_checks([row("order_place_hot", server_errors=1)]) == [
        "order_place_hot @ 1000: 5xx responses"
    ]


def test_hot_product_under_half_of_spread_fails():
    rows = [row("order_place_spread", rps=100.0), row("order_place_hot", rps=49.0)]
    assert failed_checks(rows) == ["order_place_hot / order_place_spread @ 1000"]


def test_product_list_p50_growing_over_one_and_a_half_times_fails():
    rows = [
        row("product_list_20", size=1000, p50_ms=10.0),
        row("product_list_20", size=100_000, p50_ms=15.1),
    ]
    assert failed_checks(rows) == ["product_list_20: p50 @ 100000 / p50 @ 1000"]


def test_deadlocks_fail_and_are_not_judged_without_postgres():
    assert failed_checks([], deadlocks=1) == ["PostgreSQL deadlocks during the run"]
    assert report.evaluate([], None) == []


def test_hot_share_is_the_heap_only_part_of_the_updates_between_two_readings():
    share = report.hot_share(1000, before=(100, 10), after=(1100, 960))
    assert share == {"size": 1000, "updates": 1000, "hot_updates": 950, "ratio": 0.95}
    assert report.hot_share(1000, (5, 5), (5, 5))["ratio"] is None


def test_product_updates_mostly_not_hot_fail():
    shares = [
        report.hot_share(1000, (0, 0), (1000, 900)),
        report.hot_share(100_000, (0, 0), (1000, 7)),
    ]
    assert failed_checks([], hot_updates=shares) == ["product updates that are HOT @ 100000"]


def test_floor_rows_say_so_in_the_target_column():
    rows = [
        row(
            "order_place_spread",
            floor=True,
            failed=0,
            p99_ms=20.0,
            reference_rps=300.0,
            reference_p50_ms=8.0,
            ratio=0.4,
        )
    ]
    assert report.markdown_table(rows).splitlines()[-1].endswith("| 0.40 | floor |")
    assert failed_checks(rows) == []


def test_tables_hold_every_row():
    rows = [
        row(
            "product_list_20",
            min_ratio=0.7,
            failed=0,
            p99_ms=20.0,
            reference_rps=120.0,
            reference_p50_ms=8.0,
        ),
        row(
            "order_list",
            failed=2,
            p99_ms=30.0,
            reference_rps=90.0,
            reference_p50_ms=9.0,
            ratio=None,
        ),
    ]
    text, markdown = report.text_table(rows), report.markdown_table(rows)
    assert "product_list_20" in text and "order_list" in text
    assert markdown.count("\n") == 3


def test_plot_writes_a_png(tmp_path):
    # matplotlib comes with the bench extra, which make test installs; skipped elsewhere.
    if not os.environ.get("CI"):
        pytest.importorskip("matplotlib")
    rows = [
        row(name, size=size, reference_rps=120.0, writes=name.startswith("order"))
        for name in ("product_list_20", "order_place_spread")
        for size in (1000, 10_000)
    ]
    path = report.plot(rows, tmp_path / "plot.png", "test")
    assert path.read_bytes().startswith(b"\x89PNG")
