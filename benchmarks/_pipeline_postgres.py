"""How fast does the PostgreSQL target load? Against pandas ``to_sql``, in the same run.

One frame of 1M rows x 10 columns (integers, floats with NaN, a nullable integer, text,
a categorical, a boolean, naive and time-zone-aware timestamps, a date) is loaded into
the local PostgreSQL:

* ``target``: :class:`pipelinekit.pipeline.targets.postgres_target.PostgresTarget`
  (``mode="replace"``): a staging table, ``COPY ... FROM STDIN (FORMAT csv)`` with the CSV
  written by Arrow, and the swap, all in one transaction;
* ``to_sql``: ``frame.to_sql(..., method=None, chunksize=10_000)`` (SQLAlchemy's batched
  ``executemany``), the whole frame;
* ``to_sql multi``: ``method="multi"`` — one INSERT with many VALUES rows. PostgreSQL
  takes at most 65,535 parameters per statement, so 10,000 rows x 10 columns cannot be
  sent: the chunk is the largest that fits (6,553 rows). It runs ~10x slower than
  ``method=None``, so it loads only ``--multi-rows`` rows (the rate is what compares);
* ``write_row``: psycopg's ``copy.write_row`` with binary types, the alternative the
  target does not use, on ``--multi-rows`` rows.

Every load is checked with ``count(*)``. Target: the target >= 5x faster than to_sql.
Each result goes to its own schema, dropped at the end. When PostgreSQL is not
reachable the benchmark says so in one line and skips.

Run: ``.venv/bin/python benchmarks/_pipeline_postgres.py [--rows 1000000] [--multi-rows 100000]``
"""

from __future__ import annotations

import argparse
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from pipelinekit.config import redact, service_address, service_url
from pipelinekit.pipeline.targets.postgres_target import PostgresTarget

PARAMETER_LIMIT = 65_535


def orders(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00", "s")
    ordered = (start + rng.integers(0, 365 * 86_400, rows).astype("timedelta64[s]")).astype(
        "datetime64[us]"
    )
    amount = rng.normal(100, 30, rows).round(2)
    amount[rng.random(rows) < 0.02] = np.nan
    discount = pd.array(rng.integers(0, 50, rows), dtype="Int64")
    discount[rng.random(rows) < 0.1] = pd.NA
    return pd.DataFrame(
        {
            "order_id": np.arange(rows),
            "customer_id": rng.integers(0, rows // 4 + 1, rows),
            "amount": amount,
            "discount": discount,
            "email": pd.Series(rng.integers(0, 10**6, rows)).map("user{}@example.com".format),
            "status": pd.Categorical(rng.choice(["delivered", "shipped", "cancelled"], rows)),
            "paid": rng.random(rows) < 0.7,
            "ordered_at": ordered,
            "loaded_at": pd.Series(ordered).dt.tz_localize("UTC") + pd.Timedelta(hours=3),
            "order_day": pd.Series(ordered).dt.date,
        }
    )


def _timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _count(engine: sa.Engine, schema: str, table: str) -> int:
    with engine.connect() as connection:
        found = connection.exec_driver_sql(f'SELECT count(*) FROM "{schema}"."{table}"')
        return int(found.scalar_one())


def _write_row(engine: sa.Engine, schema: str, frame: pd.DataFrame) -> None:
    """psycopg's row-by-row COPY with binary types (what the target does not use)."""
    types = [
        "int8",
        "int8",
        "float8",
        "int8",
        "text",
        "text",
        "bool",
        "timestamp",
        "timestamptz",
        "date",
    ]
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    values = frame.astype(object).where(frame.notna(), None)
    raw = engine.raw_connection()
    try:
        connection: Any = raw.driver_connection
        with connection.cursor() as cursor:
            cursor.execute(
                f'CREATE TABLE "{schema}".write_row (order_id BIGINT, customer_id BIGINT, '
                "amount DOUBLE PRECISION, discount BIGINT, email TEXT, status TEXT, paid "
                "BOOLEAN, ordered_at TIMESTAMP, loaded_at TIMESTAMPTZ, order_day DATE)"
            )
            with cursor.copy(
                f'COPY "{schema}".write_row ({columns}) FROM STDIN (FORMAT binary)'
            ) as copy:
                copy.set_types(types)
                for row in values.itertuples(index=False, name=None):
                    copy.write_row(row)
        connection.commit()
    finally:
        raw.close()


def run(rows: int = 1_000_000, multi_rows: int = 100_000) -> list[str]:
    url = service_url("postgres")
    try:
        with socket.create_connection(service_address("postgres"), timeout=1.0):
            pass
    except OSError as error:
        return [f"PostgreSQL is not reachable at {redact(url)} ({error}): skipped"]
    frame = orders(rows)
    small = frame.head(multi_rows)
    schema = f"pk_bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url)
    target = PostgresTarget(url, schema=schema)
    lines = [f"rows: {rows:,} x {frame.shape[1]} columns ({redact(url)})"]
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        copy_s = _timed(lambda: target.load({"target": frame}))
        assert _count(engine, schema, "target") == rows
        plain_s = _timed(
            lambda: frame.to_sql(
                "to_sql", engine, schema=schema, index=False, method=None, chunksize=10_000
            )
        )
        assert _count(engine, schema, "to_sql") == rows
        chunk = min(10_000, PARAMETER_LIMIT // frame.shape[1])
        multi_s = _timed(
            lambda: small.to_sql(
                "to_sql_multi",
                engine,
                schema=schema,
                index=False,
                method="multi",
                chunksize=chunk,
            )
        )
        assert _count(engine, schema, "to_sql_multi") == len(small)
        write_row_s = _timed(lambda: _write_row(engine, schema, small))
        assert _count(engine, schema, "write_row") == len(small)
    finally:
        target.close()
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()
    copy_rate, plain_rate = rows / copy_s, rows / plain_s
    multi_rate, write_row_rate = len(small) / multi_s, len(small) / write_row_s
    ratio = copy_rate / plain_rate
    lines += [
        f"target (COPY csv by Arrow, staged + swapped): {copy_s:6.2f} s = "
        f"{copy_rate:>9,.0f} rows/s",
        f"to_sql method=None, chunksize 10,000:         {plain_s:6.2f} s = "
        f"{plain_rate:>9,.0f} rows/s",
        f"to_sql method='multi', chunksize {chunk:,} ({len(small):,} rows): {multi_s:6.2f} s = "
        f"{multi_rate:>9,.0f} rows/s",
        f"psycopg write_row binary ({len(small):,} rows):  {write_row_s:6.2f} s = "
        f"{write_row_rate:>9,.0f} rows/s",
        f"target vs to_sql(None): {ratio:.1f}x, vs to_sql(multi): {copy_rate / multi_rate:.1f}x,"
        f" vs write_row: {copy_rate / write_row_rate:.1f}x "
        f"(target >= 5x: {'met' if ratio >= 5 else 'MISSED'})",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--multi-rows", type=int, default=100_000)
    args = parser.parse_args()
    for line in run(args.rows, args.multi_rows):
        print(line, flush=True)


if __name__ == "__main__":
    main()
