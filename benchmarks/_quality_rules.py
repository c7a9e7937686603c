"""How fast does `pk.quality.check` run 20 rules on 1M rows? Against plain pandas.

One orders frame of 1M rows (and a customers frame for the foreign key), 20 realistic
rules across every dimension — nulls, a unique key, ranges, an allowed set, an email
regex, a foreign key, a late-arrival delay, freshness, volume, mean, quantile, share:

* ``check (duckdb)``: :func:`pipelinekit.quality.check`, the frame scanned in place by
  DuckDB, every rule of the table in one aggregate query, samples of failing rows;
* ``plain pandas``: the same 20 checks written as the pandas expressions a user would
  type (``isna().sum()``, ``duplicated(keep=False)``, ``str.contains``, ``isin``, ...),
  failing counts and values only (no samples, no report).

Both give the same failing counts and values (checked before timing). Each time is the
median of ``--repeat`` runs, in the same process. Target: check <= 0.5 s.

Run: ``.venv/bin/python benchmarks/_quality_rules.py [--rows 1000000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from pipelinekit.quality.check import check
from pipelinekit.quality.rule import Rule

NOW = pd.Timestamp("2025-01-05")
EMAIL = r"^[^@ ]+@[^@ ]+\.[^@ ]+$"


def tables(rows: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    amount = rng.normal(100, 30, rows).round(2)
    amount[rng.random(rows) < 0.02] = np.nan
    start = np.datetime64("2024-01-01T00:00:00", "s")
    ordered = start + rng.integers(0, 365 * 86_400, rows).astype("timedelta64[s]")
    loaded = ordered + rng.integers(60, 3 * 86_400, rows).astype("timedelta64[s]")
    customers = rows // 4
    customer_id = rng.integers(0, customers + 50, rows)  # a few orphans
    email = pd.Series(customer_id).map("user{}@example.com".format)
    email[rng.random(rows) < 0.001] = "broken.example.com"
    orders = pd.DataFrame(
        {
            "order_id": np.arange(rows),
            "customer_id": customer_id,
            "amount": amount,
            "quantity": rng.integers(0, 12, rows),
            "ordered_at": ordered.astype("datetime64[us]"),
            "loaded_at": loaded.astype("datetime64[us]"),
            "status": pd.Categorical(rng.choice(["delivered", "shipped", "cancelled"], rows)),
            "email": email.astype("str"),
        }
    )
    return {"orders": orders, "customers": pd.DataFrame({"customer_id": np.arange(customers)})}


def rules() -> list[Rule]:
    def o(kind: str, **fields: object) -> Rule:
        return Rule(kind, table="orders", **fields)

    return [
        o("not_null", column="order_id"),
        o("not_null", column="amount"),
        o("not_null", column="email"),
        o("unique", column="order_id"),
        o("between", column="amount", min=0, max=1000),
        o("between", column="quantity", min=1, max=10),
        o("in_set", column="status", values=["delivered", "shipped", "cancelled"]),
        o("matches_regex", column="email", pattern=EMAIL),
        o("length_between", column="email", min=5, max=64),
        o("foreign_key", column="customer_id", to="customers.customer_id"),
        o("compare_columns", column="loaded_at", op=">=", other="ordered_at"),
        o("max_delay", column="loaded_at", since="ordered_at", max="2 days"),
        o("not_future", column="ordered_at"),
        o("freshness", column="loaded_at", max_age="7 days"),
        o("row_count_between", min=1_000),
        o("null_share_at_most", column="amount", max=0.05),
        o("mean_between", column="amount", min=90, max=110),
        o("quantile_between", column="amount", q=0.99, max=200),
        o("share_between", column="amount", low=0, high=200, min=0.99),
        o("distinct_count_between", column="status", min=2, max=5),
    ]


def plain_pandas(data: dict[str, pd.DataFrame]) -> list[float]:
    """The same 20 checks as a pandas user would write them: failing counts or values."""
    orders, customers = data["orders"], data["customers"]
    amount, email = orders["amount"], orders["email"]
    delay = orders["loaded_at"] - orders["ordered_at"]
    present = email.dropna()
    length = present.str.len()
    return [
        float(orders["order_id"].isna().sum()),
        float(amount.isna().sum()),
        float(email.isna().sum()),
        float(orders["order_id"].duplicated(keep=False).sum()),
        float(((amount < 0) | (amount > 1000)).sum()),
        float(((orders["quantity"] < 1) | (orders["quantity"] > 10)).sum()),
        float((~orders["status"].isin(["delivered", "shipped", "cancelled"])).sum()),
        float((~present.str.contains(EMAIL, regex=True)).sum()),
        float(((length < 5) | (length > 64)).sum()),
        float((~orders["customer_id"].isin(customers["customer_id"])).sum()),
        float((orders["loaded_at"] < orders["ordered_at"]).sum()),
        float((delay > pd.Timedelta(days=2)).sum()),
        float((orders["ordered_at"] > NOW).sum()),
        (NOW - orders["loaded_at"].max()).total_seconds(),
        float(len(orders)),
        float(amount.isna().mean()),
        float(amount.mean()),
        float(amount.quantile(0.99)),
        float(amount.dropna().between(0, 200).mean()),
        float(orders["status"].nunique()),
    ]


def through_check(data: dict[str, pd.DataFrame]) -> list[float]:
    report = check(data, rules(), now=NOW)
    return [float(r.value if r.rule.level == "metric" else r.failing) for r in report.results]


def median_time(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(rows: int = 1_000_000, repeat: int = 5) -> list[str]:
    """Time 20 rules through check() against plain pandas on the same frame."""
    data = tables(rows)
    ours, theirs = through_check(data), plain_pandas(data)
    assert np.allclose(ours, theirs), list(zip(ours, theirs, strict=True))
    checked = median_time(repeat, lambda: through_check(data))
    pandas = median_time(repeat, lambda: plain_pandas(data))
    return [
        f"{rows:,} rows, 20 rules, median of {repeat} (same answers checked first)",
        f"  {'check (duckdb)':<24}{checked:7.3f} s  (target <= 0.5 s)",
        f"  {'plain pandas':<24}{pandas:7.3f} s  check/pandas {checked / pandas:.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("\n".join(run(args.rows, args.repeat)))


if __name__ == "__main__":
    main()
