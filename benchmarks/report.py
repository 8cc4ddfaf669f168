"""Turning measurements into results: medians, ratios, the targets, table and plot."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.loadgen import Measurement

HOT_OVER_SPREAD = 0.5
P50_GROWTH = 1.5
# Issue 20: a search by a product's name at the largest size within 2x of the smallest.
SEARCH_P50_GROWTH = 2.0
# Taking stock must be a heap-only (HOT) update of the product row (issue 15).
HOT_UPDATE_SHARE = 0.9


def summarise(
    size: int, scenario: Any, rounds: Sequence[tuple[Measurement, Measurement]]
) -> dict[str, Any]:
    """Medians over the interleaved rounds; the ratio is the median of the per-round ratios."""
    measured = [pair[0] for pair in rounds]
    reference = [pair[1] for pair in rounds]

    def median(values: list[float]) -> float:
        return round(statistics.median(values), 3)

    ratios = [m.rps / r.rps for m, r in rounds if r.rps]
    return {
        "size": size,
        "scenario": scenario.name,
        "description": scenario.description,
        "reference_name": scenario.reference_name,
        "min_ratio": scenario.min_ratio,
        "floor": scenario.floor,
        "writes": scenario.writes,
        "rps": median([m.rps for m in measured]),
        "p50_ms": median([m.p50_us / 1000 for m in measured]),
        "p99_ms": median([m.p99_us / 1000 for m in measured]),
        "failed": sum(m.failed for m in measured),
        "server_errors": sum(m.server_errors for m in measured),
        "reference_rps": median([r.rps for r in reference]),
        "reference_p50_ms": median([r.p50_us / 1000 for r in reference]),
        "reference_p99_ms": median([r.p99_us / 1000 for r in reference]),
        "reference_failed": sum(r.failed for r in reference),
        "reference_server_errors": sum(r.server_errors for r in reference),
        "ratio": median(ratios) if ratios else None,
        "rounds": [{"scenario": m.as_dict(), "reference": r.as_dict()} for m, r in rounds],
    }


@dataclass(frozen=True)
class Check:
    name: str
    value: float | None
    target: str
    passed: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "target": self.target,
            "passed": self.passed,
        }


def hot_share(size: int, before: tuple[int, int], after: tuple[int, int]) -> dict[str, Any]:
    """The product table's updates between two readings of ``(n_tup_upd, n_tup_hot_upd)``,
    and the share of them that were heap-only (HOT): no index entry written."""
    updates, hot = after[0] - before[0], after[1] - before[1]
    return {
        "size": size,
        "updates": updates,
        "hot_updates": hot,
        "ratio": round(hot / updates, 3) if updates else None,
    }


def evaluate(
    rows: Sequence[dict[str, Any]],
    deadlocks: int | None,
    hot_updates: Sequence[dict[str, Any]] = (),
) -> list[Check]:
    """Every target that the rows, the deadlock count and the HOT shares let us judge."""
    checks = []
    by_key = {(row["size"], row["scenario"]): row for row in rows}
    sizes = sorted({row["size"] for row in rows})
    for row in rows:
        where = f"{row['scenario']} @ {row['size']}"
        if row["min_ratio"] is not None and row["ratio"] is not None:
            checks.append(
                Check(
                    f"{where}: ratio to {row['reference_name']}",
                    row["ratio"],
                    f">= {row['min_ratio']}",
                    row["ratio"] >= row["min_ratio"],
                )
            )
        checks.append(
            Check(
                f"{where}: 5xx responses", row["server_errors"], "== 0", row["server_errors"] == 0
            )
        )
    for size in sizes:
        hot, spread = (
            by_key.get((size, "order_place_hot")),
            by_key.get((size, "order_place_spread")),
        )
        if hot and spread and spread["rps"]:
            ratio = round(hot["rps"] / spread["rps"], 3)
            checks.append(
                Check(
                    f"order_place_hot / order_place_spread @ {size}",
                    ratio,
                    f">= {HOT_OVER_SPREAD}",
                    ratio >= HOT_OVER_SPREAD,
                )
            )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        bounds = {
            row["scenario"]: P50_GROWTH
            for row in rows
            if row["scenario"].startswith("product_list")
        }
        bounds["product_search"] = SEARCH_P50_GROWTH
        for name, bound in sorted(bounds.items()):
            first, last = by_key.get((small, name)), by_key.get((large, name))
            if first and last and first["p50_ms"]:
                growth = round(last["p50_ms"] / first["p50_ms"], 3)
                checks.append(
                    Check(
                        f"{name}: p50 @ {large} / p50 @ {small}",
                        growth,
                        f"<= {bound}",
                        growth <= bound,
                    )
                )
    for share in hot_updates:
        if share["ratio"] is not None:
            checks.append(
                Check(
                    f"product updates that are HOT @ {share['size']}",
                    share["ratio"],
                    f">= {HOT_UPDATE_SHARE}",
                    share["ratio"] >= HOT_UPDATE_SHARE,
                )
            )
    if deadlocks is not None:
        checks.append(
            Check("PostgreSQL deadlocks during the run", deadlocks, "== 0", deadlocks == 0)
        )
    return checks


COLUMNS = (
    ("size", "size", "{:>7}"),
    ("scenario", "scenario", "{:<24}"),
    ("rps", "req/s", "{:>8.0f}"),
    ("p50_ms", "p50 ms", "{:>7.1f}"),
    ("p99_ms", "p99 ms", "{:>7.1f}"),
    ("failed", "errors", "{:>6}"),
    ("reference_rps", "ref req/s", "{:>9.0f}"),
    ("reference_p50_ms", "ref p50", "{:>7.1f}"),
    ("ratio", "ratio", "{:>6.2f}"),
    ("min_ratio", "target", "{:>6}"),
)


def cell(row: dict[str, Any], key: str, fmt: str) -> str:
    value = row[key]
    if key == "min_ratio" and value is None and row.get("floor"):
        return fmt.format("floor")
    if value is None:
        return fmt.replace(".0f", "").replace(".1f", "").replace(".2f", "").format("-")
    if key == "min_ratio":
        return fmt.format(f">={value}")
    return fmt.format(value)


def text_table(rows: Sequence[dict[str, Any]]) -> str:
    header = "  ".join(
        fmt.replace(".0f", "").replace(".1f", "").replace(".2f", "").format(title)
        for _, title, fmt in COLUMNS
    )
    lines = [header, "-" * len(header)]
    lines += ["  ".join(cell(row, key, fmt) for key, _, fmt in COLUMNS) for row in rows]
    return "\n".join(lines)


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| " + " | ".join(title for _, title, _ in COLUMNS) + " |",
        "|" + "|".join(" --- " if key == "scenario" else " ---: " for key, _, _ in COLUMNS) + "|",
    ]
    lines += [
        "| " + " | ".join(cell(row, key, fmt).strip() for key, _, fmt in COLUMNS) + " |"
        for row in rows
    ]
    return "\n".join(lines)


def hot_text(hot_updates: Sequence[dict[str, Any]]) -> str:
    """One line per size: the product table's updates during the order scenarios."""
    return "\n".join(
        f"product table @ {share['size']}: {share['hot_updates']} HOT of {share['updates']} "
        f"updates ({'-' if share['ratio'] is None else format(share['ratio'], '.3f')})"
        for share in hot_updates
    )


def checks_text(checks: Sequence[Check]) -> str:
    return "\n".join(
        f"{'PASS' if check.passed else 'FAIL'}  {check.name}: {check.value} (target {check.target})"
        for check in checks
    )


def plot(rows: Sequence[dict[str, Any]], path: Path, title: str) -> Path:
    """Throughput against catalog size: reads on the left, writes on the right."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(14, 6), sharex=True)
    names = list(dict.fromkeys(row["scenario"] for row in rows))
    colours = plt.get_cmap("tab10")
    for index, name in enumerate(names):
        series = sorted((r for r in rows if r["scenario"] == name), key=lambda r: r["size"])
        axis = axes[1] if series[0]["writes"] else axes[0]
        sizes = [r["size"] for r in series]
        colour = colours(index % 10)
        axis.plot(sizes, [r["rps"] for r in series], "o-", color=colour, label=name)
        axis.plot(
            sizes,
            [r["reference_rps"] for r in series],
            "x--",
            color=colour,
            alpha=0.6,
            label=f"{name} (reference)",
        )
    for axis, heading in zip(axes, ("reads", "writes"), strict=True):
        axis.set_xscale("log")
        axis.set_xlabel("products in the catalog")
        axis.set_ylabel("requests per second")
        axis.set_title(heading)
        axis.grid(True, which="both", alpha=0.3)
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=7)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
