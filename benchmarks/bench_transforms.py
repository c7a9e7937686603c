"""How fast are `pk.transforms`? The pandas path and engine="duckdb" against hand-written
DuckDB SQL on the same frame, in the same run.

1M rows in 10,000 partitions: rank, lag, running sum, a 7-day RANGE moving average and a
pivot (200 regions x 12 months). Targets (2 cores): pandas path <= 2x DuckDB SQL,
engine="duckdb" <= 1.2x DuckDB SQL. Each time is the best of ``--repeat`` runs.

Run: ``.venv/bin/python benchmarks/bench_transforms.py [--rows 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import functools
import resource
import time
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd

from pipelinekit import transforms as T


def frame(rows: int, partitions: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00", "s")
    return pd.DataFrame(
        {
            "account": rng.integers(0, partitions, rows),
            "ts": start + rng.integers(0, 365 * 86_400, rows).astype("timedelta64[s]"),
            "amount": rng.normal(100, 30, rows).round(2),
            "region": rng.integers(0, 200, rows).astype(str),
            "month": pd.Series(rng.integers(1, 13, rows)).map("{:02d}".format),
        }
    ).astype({"ts": "datetime64[us]"})


def best(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def hand_written(data: pd.DataFrame, query: str) -> Callable[[], object]:
    """The SQL a user would write, on an open connection, fetched into pandas."""
    connection = duckdb.connect()
    connection.register("input", data)
    return lambda: connection.sql(query).df()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = frame(args.rows, args.partitions)
    week = "range between interval '6 days' preceding and current row"
    cases = {
        "rank": (
            lambda engine: T.rank(data, partition_by="account", order_by="-amount", engine=engine),
            "SELECT *, rank() OVER (PARTITION BY account ORDER BY amount DESC) AS r FROM input",
        ),
        "lag": (
            lambda engine: T.lag(data, column="amount", partition_by="account", order_by="ts",
                                 engine=engine),
            "SELECT *, lag(amount) OVER (PARTITION BY account ORDER BY ts) AS p FROM input",
        ),
        "running sum": (
            lambda engine: T.window(data, "sum", "amount", partition_by="account",
                                    order_by="ts", engine=engine),
            "SELECT *, sum(amount) OVER (PARTITION BY account ORDER BY ts) AS s FROM input",
        ),
        "7-day RANGE avg": (
            lambda engine: T.window(data, "mean", "amount", partition_by="account",
                                    order_by="ts", window_frame=week, engine=engine),
            "SELECT *, avg(amount) OVER (PARTITION BY account ORDER BY ts RANGE BETWEEN "
            "INTERVAL 6 DAYS PRECEDING AND CURRENT ROW) AS m FROM input",
        ),
        "pivot": (
            lambda engine: T.pivot(data, index="region", columns="month", values="amount",
                                   agg="sum", engine=engine),
            "PIVOT input ON month USING sum(amount) GROUP BY region ORDER BY region",
        ),
    }  # fmt: skip
    print(f"{args.rows:,} rows, {args.partitions:,} partitions; best of {args.repeat}")
    print(
        f"{'transform':<17}{'pandas':>9}{'duckdb':>9}{'SQL':>9}{'pandas/SQL':>12}{'duckdb/SQL':>12}"
    )
    verdicts = []
    for label, (transform, query) in cases.items():
        ours = best(args.repeat, functools.partial(transform, "pandas"))
        engine = best(args.repeat, functools.partial(transform, "duckdb"))
        baseline = best(args.repeat, hand_written(data, query))
        verdicts.append(ours / baseline <= 2 and engine / baseline <= 1.2)
        print(f"{label:<17}{ours:>8.2f}s{engine:>8.2f}s{baseline:>8.2f}s"
              f"{ours / baseline:>11.2f}x{engine / baseline:>11.2f}x")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"targets (pandas <= 2x, duckdb <= 1.2x): {sum(verdicts)} of {len(verdicts)} met")
    print(f"peak memory: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
