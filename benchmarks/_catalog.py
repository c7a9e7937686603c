"""How fast does `pk.catalog` read a table's metadata? Against what a pandas user would type.

One frame of 1M rows (integers, floats with nulls, timestamps, a category, text):

* ``extract_frame``: the catalog's one DuckDB query (counts, null share, exact distinct,
  min, max, three most frequent values for every column);
* ``pandas describe``: ``describe(include="all")`` + ``nunique()`` + ``isna().mean()``,
  the usual first look, which gives less (no min/max for text, no example values);
* ``pandas, same answers``: what it takes pandas to give everything the catalog gives
  (null share, nunique, min, max and ``value_counts`` top three per column).

Each time is the best of ``--repeat`` runs, all in the same process.

Run: ``.venv/bin/python benchmarks/_catalog.py [--rows 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd

from pipelinekit.catalog import extract_duckdb, extract_frame


def frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    amount = rng.normal(100, 30, rows).round(2)
    amount[rng.random(rows) < 0.02] = np.nan
    start = np.datetime64("2024-01-01T00:00:00", "s")
    return pd.DataFrame(
        {
            "order_id": np.arange(rows),
            "customer_id": rng.integers(0, rows // 4, rows),
            "amount": amount,
            "ordered_at": (
                start + rng.integers(0, 365 * 86_400, rows).astype("timedelta64[s]")
            ).astype("datetime64[us]"),
            "status": pd.Categorical(rng.choice(["delivered", "shipped", "cancelled"], rows)),
            "email": pd.Series(rng.integers(0, rows // 4, rows))
            .map("user{}@example.com".format)
            .astype("str"),
        }
    )


def best(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def pandas_describe(data: pd.DataFrame) -> None:
    data.describe(include="all")
    data.nunique()
    data.isna().mean()


def pandas_same_answers(data: pd.DataFrame) -> None:
    for name in data.columns:
        column = data[name]
        present = column.dropna()
        if isinstance(column.dtype, pd.CategoricalDtype):
            present = present.astype("str")
        column.isna().mean()
        column.nunique()
        present.min(), present.max()
        counts = present.value_counts().rename("n").rename_axis("v").reset_index()
        counts.sort_values(["n", "v"], ascending=[False, True]).head(3)


def run(rows: int = 1_000_000, repeat: int = 3) -> list[str]:
    """Time the catalog's extraction against pandas on the same frame; printable lines."""
    data = frame(rows)
    connection = duckdb.connect()
    connection.register("data", data)
    connection.execute("CREATE TABLE orders AS SELECT * FROM data")

    catalog = best(repeat, lambda: extract_frame(data))
    in_duckdb = best(repeat, lambda: extract_duckdb(connection, "orders"))
    describe = best(repeat, lambda: pandas_describe(data))
    same = best(repeat, lambda: pandas_same_answers(data))
    lines = [f"{rows:,} rows x {data.shape[1]} columns, best of {repeat}"]
    for label, seconds, note in [
        ("catalog extract_frame", catalog, ""),
        ("catalog extract_duckdb", in_duckdb, "(table inside DuckDB)"),
        ("pandas describe+nunique+isna", describe, f"catalog/pandas {catalog / describe:.2f}"),
        ("pandas, same answers", same, f"catalog/pandas {catalog / same:.2f}"),
    ]:
        lines.append(f"  {label:<30}{seconds:7.3f} s  {note}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("\n".join(run(args.rows, args.repeat)))


if __name__ == "__main__":
    main()
