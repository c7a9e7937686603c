"""The built-in pipelines load the same marts into PostgreSQL as into DuckDB.

Each built-in pipeline runs twice at scale ``tiny`` with the same seed: once into a DuckDB
file, once into a schema of its own on the local PostgreSQL server (dropped afterwards).
Every loaded table must then have the same columns, the same number of rows and the same
rows. The two databases hand values back in different Python types (PostgreSQL gives a
nullable integer column as float, a boolean column with NULLs as objects, time-zone-aware
timestamps in UTC), so both sides are normalised to text first; see :func:`comparable`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import pipelinekit.pipeline as pp
from pipelinekit.pipeline.targets import open_target

NAMES = ["ecommerce", "finance", "iot"]
SEED = 42
SIGNIFICANT_DIGITS = 9


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as text that reads the same whichever database it came from.

    Datetimes become UTC without a time zone; numbers (integers stored as float
    included) are rounded to 9 significant digits; booleans read ``True``/``False`` and
    every missing value reads ``<NA>``. Rows are sorted by every column, index reset.
    """
    text = pd.DataFrame({name: _text(frame[name]) for name in frame.columns})
    return text.sort_values(list(text.columns), kind="stable").reset_index(drop=True)


def _text(series: pd.Series) -> pd.Series:
    missing = series.isna()
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        values = series.dt.tz_convert("UTC").dt.tz_localize(None).astype(str)
    elif pd.api.types.is_datetime64_any_dtype(series.dtype) or pd.api.types.is_bool_dtype(
        series.dtype
    ):
        values = series.astype(str)
    elif pd.api.types.is_numeric_dtype(series.dtype):
        values = series.astype("float64").map(_number)
    else:
        values = series.map(_value)
    return values.where(~missing, "<NA>").astype(str)


def _number(value: float) -> str:
    if np.isnan(value):
        return "<NA>"
    return f"{value + 0.0:.{SIGNIFICANT_DIGITS}g}"  # + 0.0: -0.0 reads 0


def _value(value: object) -> str:
    """One value of an object column (booleans, dates, decimals, text)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "<NA>"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, pd.Timestamp):
        stamp = value.tz_convert("UTC").tz_localize(None) if value.tzinfo else value
        return str(stamp)
    if isinstance(value, (int, float, Decimal, np.integer, np.floating)):
        return _number(float(value))
    return str(value)


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A fresh schema name and the target URL that loads into it; dropped afterwards."""
    schema = f"pk_test_builtin_{uuid.uuid4().hex[:10]}"
    separator = "&" if "?" in postgres_url else "?"
    yield schema, f"{postgres_url}{separator}schema={schema}"
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        engine.dispose()


def run_into(name: str, target: str, tmp_path: Path, label: str) -> pp.RunResult:
    """Run the built-in pipeline ``name`` at scale tiny into ``target``."""
    result = pp.run(
        name,
        target=target,
        scale="tiny",
        seed=SEED,
        runs_dir=tmp_path / label / "runs",
        data_dir=tmp_path / "data",  # shared: the second run reuses the generated data
        metadata=tmp_path / label / "metadata.duckdb",
        progress=False,
    )
    assert result.ok, result.summary()
    return result


@pytest.mark.services
@pytest.mark.parametrize("name", NAMES)
def test_postgres_loads_the_same_marts_as_duckdb(
    name: str, postgres_schema: tuple[str, str], tmp_path: Path
) -> None:
    schema, postgres_target = postgres_schema
    duckdb_target = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    on_duckdb = run_into(name, duckdb_target, tmp_path, "duckdb")
    on_postgres = run_into(name, postgres_target, tmp_path, "postgres")
    assert on_duckdb.loaded_tables() == on_postgres.loaded_tables()
    assert on_duckdb.loaded_tables(), "the pipeline loaded no table"

    duckdb_side = open_target(duckdb_target)
    postgres_side = open_target(postgres_target)
    try:
        assert postgres_side.tables() == duckdb_side.tables() == on_duckdb.loaded_tables()
        for table in on_duckdb.loaded_tables():
            expected = duckdb_side.read(table)
            got = postgres_side.read(table)
            assert list(got.columns) == list(expected.columns), table
            assert len(got) == len(expected), table
            pd.testing.assert_frame_equal(
                comparable(got), comparable(expected), obj=f"{name}.{table}"
            )
    finally:
        duckdb_side.close()
        postgres_side.close()
