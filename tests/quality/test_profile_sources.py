"""pk.quality.profile on DuckDB tables, Parquet files, PostgreSQL, and in approximate mode."""

from __future__ import annotations

import importlib
import math
import re
import uuid
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import pipelinekit as pk
from pipelinekit.catalog import DatabaseUnreachableError
from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.patterns import pattern_shares
from pipelinekit.quality.profile import Profile, profile
from pipelinekit.quality.profile_sql import QUANTILES

# The module itself (pipelinekit.quality may export a function of the same name).
profile_module = importlib.import_module("pipelinekit.quality.profile")

# The source's own type names differ; PostgreSQL and Parquet keep categories as text.
SOURCE_FIELDS = ("type", "family")


def assert_same_profile(expected: Profile, found: Profile, *, skip: tuple[str, ...] = ()) -> None:
    """Two profiles of the same data agree, field by field (floats to 1e-9)."""
    for key in ("rows", "columns", "duplicate_rows", "candidate_keys"):
        assert found.table[key] == expected.table[key], key
    assert found.columns["column"].tolist() == expected.columns["column"].tolist()
    for field in expected.columns.columns:
        if field in (*SOURCE_FIELDS, *skip):
            continue
        for name, a, b in zip(
            expected.columns["column"], expected.columns[field], found.columns[field], strict=True
        ):
            if _missing(a) or _missing(b):
                assert _missing(a) and _missing(b), (name, field, a, b)
            elif isinstance(a, float) and isinstance(b, float):
                assert b == pytest.approx(a, rel=1e-9), (name, field)
            elif isinstance(a, dict):
                assert b == pytest.approx(a), (name, field)
            else:
                assert a == b, (name, field, a, b)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    ecommerce = pk.datasets.load("ecommerce", scale="tiny", dirty=True)
    finance = pk.datasets.load("finance", scale="tiny", dirty=True)
    return {
        "customers": ecommerce["customers"],
        "orders": ecommerce["orders"],
        "order_items": ecommerce["order_items"],
        "transactions": finance["transactions"],
    }


# -- DuckDB tables ---------------------------------------------------------------------


def test_duckdb_table_gives_the_profile_of_the_frame(tables):
    connection = duckdb.connect()
    for name, frame in tables.items():
        connection.register("frame", frame)
        connection.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
        connection.unregister("frame")
        found = profile(name, connection=connection)
        assert found.table["source"] == f"DuckDB table main.{name}"
        assert found.table["name"] == name
        assert_same_profile(profile(frame), found)


def test_duckdb_table_in_another_schema_and_unknown_tables():
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA shop")
    connection.execute("CREATE TABLE shop.orders AS SELECT range AS order_id FROM range(5)")
    assert profile("shop.orders", connection=connection).table["candidate_keys"] == (("order_id",),)
    with pytest.raises(UnknownNameError, match=r"did you mean 'orders'"):
        profile("shop.ordrs", connection=connection)
    with pytest.raises(UnknownNameError, match=r"(?s)expected one of 'orders'.*schema 'shop'"):
        profile("shop.zzz", connection=connection)
    connection.execute("CREATE TABLE orders_2024 (x INTEGER)")
    with pytest.raises(UnknownNameError, match=r"did you mean 'orders_2024'"):
        profile("orders_2023", connection=connection)
    with pytest.raises(UnknownNameError, match=r"schema 'nowhere', which has none"):
        profile("nowhere.orders", connection=connection)


def test_approximate_mode_leaves_no_table_behind():
    connection = duckdb.connect()
    connection.execute("CREATE TABLE t AS SELECT range AS id, range % 7 AS k FROM range(5000)")
    result = profile("t", connection=connection, approx=True)
    assert result.table["approx"]
    assert connection.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == (1,)


# -- Parquet ---------------------------------------------------------------------------


def test_parquet_file_gives_the_profile_of_the_frame(tables, tmp_path):
    frame = tables["transactions"]
    path = tmp_path / "transactions.parquet"
    frame.to_parquet(path)
    found = profile(path)
    assert found.table["source"] == "Parquet file transactions.parquet"
    assert found.table["name"] == "transactions"
    assert_same_profile(profile(frame), found, skip=("semantic_type",))
    assert profile(str(path), name="tx").table["name"] == "tx"


def test_missing_or_broken_parquet_files(tmp_path):
    with pytest.raises(InvalidValueError, match=r"(?s)No Parquet file at .*nope.parquet"):
        profile(tmp_path / "nope.parquet")
    broken = tmp_path / "broken.parquet"
    broken.write_text("not parquet")
    with pytest.raises(InvalidValueError, match=r"DuckDB cannot read .*broken.parquet"):
        profile(broken)


# -- SQLAlchemy databases ---------------------------------------------------------------


def test_unreachable_database_is_one_clear_line_without_the_password():
    url = "postgresql+psycopg://learner:secret@127.0.0.1:1/shop"
    with pytest.raises(DatabaseUnreachableError, match=r"learner:\*\*\*@127\.0\.0\.1:1") as info:
        profile("orders", connection=url)
    assert "secret" not in str(info.value)
    assert "\n" not in info.value.one_line()


def test_sqlite_table_is_read_into_pandas(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    pd.DataFrame({"id": [1, 2, 3], "city": ["Lyon", None, "Bonn"]}).to_sql("shops", engine)
    result = profile("shops", connection=engine)
    assert result.table["source"] == "sqlite table main.shops (read into pandas)"
    assert result.column("city")["nulls"] == 1
    with pytest.raises(UnknownNameError, match=r"did you mean 'shops'"):
        profile("shop", connection=engine)
    engine.dispose()


@pytest.fixture
def postgres_tables(postgres_url, tables):
    """The tables written to a fresh schema of the PostgreSQL server, dropped after."""
    engine = sa.create_engine(postgres_url)
    schema = f"pk_profile_{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        for name, frame in tables.items():
            frame.to_sql(name, engine, schema=schema, index=False)
        yield engine, schema
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


@pytest.mark.services
def test_postgresql_table_gives_the_profile_of_the_frame(postgres_tables, tables):
    engine, schema = postgres_tables
    for name, frame in tables.items():
        found = profile(f"{schema}.{name}", connection=engine)
        assert found.table["source"] == f"postgresql table {schema}.{name}"
        assert not found.table["approx"]
        assert_same_profile(profile(frame), found)


@pytest.mark.services
def test_postgresql_by_url_with_sampled_patterns_and_correlations(postgres_tables, tables):
    engine, schema = postgres_tables
    url = engine.url.render_as_string(hide_password=False)
    found = profile(f"{schema}.customers", connection=url, sample_patterns=50, correlations=True)
    assert found.table["sample_rows"] == 50
    email = found.column("email")["patterns"]
    assert email["email"] > 0.8 and sum(email.values()) == pytest.approx(1)
    expected = tables["customers"].select_dtypes("number").corr()
    pd.testing.assert_frame_equal(found.correlations, expected, check_exact=False, rtol=1e-9)
    with pytest.raises(UnknownNameError, match=r"did you mean 'customers'"):
        profile(f"{schema}.customer", connection=engine)
    odd = pd.DataFrame({"share %": [0.5, None], "url": ["www.example.org", "100%"]})
    odd.to_sql("odd names", engine, schema=schema, index=False)
    found = profile(f"{schema}.odd names", connection=engine)
    assert found.column("share %")["nulls"] == 1
    assert found.column("url")["patterns"] == {"url": 0.5, "other": 0.5}


# -- approximate mode -------------------------------------------------------------------


@pytest.fixture(scope="module")
def large() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = 400_000
    return pd.DataFrame(
        {
            "id": rng.permutation(rows),
            "customer": rng.integers(0, 300_000, rows),
            "store": rng.integers(0, 40, rows),
            "amount": rng.normal(100, 20, rows),
            "mail": pd.Series(rng.integers(0, 50, rows)).map("u{}@example.com".format),
        }
    )


def test_approximate_mode_within_tolerance(large):
    result = profile(large, approx=True)
    assert result.table["approx"] and result.table["sample_rows"] == profile_module.SAMPLE_ROWS
    assert result.table["candidate_keys"] == (("id",),)  # confirmed by an exact count
    assert result.table["duplicate_rows"] == 0
    rows = result.columns.set_index("column")
    # varied columns: HyperLogLog counts, exact key check
    assert rows.loc["id", "distinct"] == len(large) and rows.loc["id", "distinct_exact"]
    customers = large["customer"].nunique()
    assert not rows.loc["customer", "distinct_exact"]
    assert abs(rows.loc["customer", "distinct"] - customers) / customers < 0.05
    # few distinct values: grouped exactly
    assert rows.loc["store", "distinct_exact"] and rows.loc["store", "distinct"] == 40
    expected_top = large["store"].value_counts().sort_index().sort_values(ascending=False)
    assert rows.loc["store", "top_values"][0] == (expected_top.index[0], expected_top.iloc[0])
    # quantiles from the sample: within one percentile rank
    amount = large["amount"]
    for field, q in QUANTILES.items():
        if 0.01 <= q <= 0.99:
            low, high = amount.quantile(max(q - 0.01, 0)), amount.quantile(min(q + 0.01, 1))
            assert low <= rows.loc["amount", field] <= high, field
    # exact everywhere else
    assert rows.loc["amount", "mean"] == pytest.approx(amount.mean())
    assert rows.loc["amount", "std"] == pytest.approx(amount.std())
    assert rows.loc["customer", "max"] == large["customer"].max()
    # top values of a varied column: counted exactly over the whole table
    counts = large["customer"].value_counts()
    for value, n in rows.loc["customer", "top_values"]:
        assert counts[value] == n
    assert rows.loc["mail", "patterns"] == {"email": 1.0}


def test_approximate_mode_is_reproducible(large):
    first = profile(large, approx=True)
    assert_same_profile(first, profile(large, approx=True))
    # to the last digit: lessons store the output (compensated sums, seeded sample)
    assert first.to_dict() == profile(large, approx=True).to_dict()


def test_approximate_mode_same_from_a_frame_and_its_parquet_file(large, tmp_path):
    path = tmp_path / "large.parquet"
    large.to_parquet(path)
    found = [profile(source, approx=True).to_dict()["columns"] for source in (large, path)]
    for column in (*found[0], *found[1]):
        del column["type"]  # the source's own type names differ
    assert found[0] == found[1]


def test_grouped_columns_have_exact_quantiles_and_patterns_in_approximate_mode(large):
    frame = large.assign(code=large["store"].map("{:03d}".format).where(large["store"] != 3))
    rows = profile(frame, approx=True).columns.set_index("column")
    for field, q in QUANTILES.items():
        assert rows.loc["store", field] == pytest.approx(frame["store"].quantile(q)), field
    assert rows.loc["code", "patterns"] == {"integer": 1.0}
    assert rows.loc["mail", "patterns"] == pattern_shares(frame["mail"])


def test_duckdb_connection_keeps_its_progress_bar_setting():
    connection = duckdb.connect()
    connection.execute("CREATE TABLE t AS SELECT range AS i FROM range(5)")
    connection.execute("SET enable_progress_bar = true")
    profile("t", connection=connection)
    assert connection.execute("SELECT current_setting('enable_progress_bar')").fetchall() == [
        (True,)
    ]


def test_auto_switches_to_approximate_mode(monkeypatch, large):
    small = large.head(2_000)
    assert not profile(small).table["approx"]
    monkeypatch.setattr(profile_module, "APPROX_ROWS", 1_999)
    assert profile(small).table["approx"]
    assert not profile(small, approx=False).table["approx"]


def test_auto_is_approximate_from_exactly_approx_rows(monkeypatch, large):
    small = large.head(2_000)
    monkeypatch.setattr(profile_module, "APPROX_ROWS", 2_000)
    assert profile(small).table["approx"]  # 1M rows is "large": approximate
    assert not profile(small.head(1_999)).table["approx"]
    exact = profile(small, approx=False)
    assert not exact.table["approx"] and exact.columns["distinct_exact"].all()


def test_grouped_columns_are_exact_in_approximate_mode(large):
    """Columns with few values get every statistic but quantiles from their groups."""
    frame = large.assign(
        flag=large["store"] % 3 == 0,
        level=pd.Categorical(large["store"].map("L{:02d}".format)),
        price=(large["store"] * 0.1).where(large["store"] != 5),
        same=0.1,
    )
    rows = profile(frame, approx=True).columns.set_index("column")
    for name in ["store", "mail", "flag", "level", "price", "same"]:
        values = frame[name].dropna()
        row = rows.loc[name]
        assert row["distinct_exact"] and row["distinct"] == values.nunique(), name
        assert row["non_null"] == len(values) and row["nulls"] == len(frame) - len(values)
        text = values.astype(str) if name == "level" else values
        assert (row["min"], row["max"]) == (text.min(), text.max()), name
        counts = text.value_counts()
        assert row["top_values"][0] == (counts.index[0], counts.iloc[0]), name
        if name in ("mail", "level"):
            lengths = text.str.len()
            assert (row["min_length"], row["max_length"]) == (lengths.min(), lengths.max())
            assert row["mean_length"] == pytest.approx(lengths.mean(), rel=1e-12)
        else:
            numbers = values.astype(float)
            assert row["mean"] == pytest.approx(numbers.mean(), rel=1e-12), name
            assert row["std"] == pytest.approx(numbers.std(), rel=1e-9), name
    assert rows.loc["same", "std"] == 0.0  # one value: exactly 0, not a rounding residue
    one = profile(pd.DataFrame({"x": [4]}), approx=True).column("x")
    assert math.isnan(one["std"]) and one["mean"] == 4.0


def test_approximate_mode_duplicates_without_a_key():
    frame = pd.DataFrame(
        {"a": [1, 2, 2, 3, 3, 3] * 50_000, "b": ["x", "y", "y", "z", "z", "z"] * 50_000}
    )
    result = profile(frame, approx=True)
    assert result.table["duplicate_rows"] == len(frame) - 3
    assert result.table["candidate_keys"] == ()
    assert all(math.isnan(result.column("b")[f]) for f in QUANTILES)


@pytest.mark.services
def test_postgresql_regular_expressions_agree_with_python(postgres_url):
    from pipelinekit.quality.patterns import PATTERNS, anchored, pattern_class

    values = [
        "",
        " ",
        "12",
        "-3.5e2",
        "2024-01-31",
        "31.12.2024",
        "2024-01-31T10:00:00Z",
        "123e4567-e89b-12d3-a456-426614174000",
        "a@b.co",
        "x@@y.z",
        "a b@c.d",
        "https://x.org/?q=1",
        "+44 20 7946 0958",
        "hello",
    ]
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        for name in PATTERNS:
            found = connection.execute(
                sa.text("SELECT v FROM unnest(CAST(:values AS text[])) AS t(v) WHERE v ~ :regex"),
                {"values": values, "regex": anchored(name)},
            ).scalars()
            expected = {v for v in values if re.fullmatch(PATTERNS[name], v)}
            assert set(found) == expected, name
    engine.dispose()
    assert pattern_class("x@@y.z") == "other"


def _profile_rows_in_child(queue: Any) -> None:
    queue.put(profile(pd.DataFrame({"x": [1, 2, 3]})).table["rows"])


def test_a_forked_process_can_profile():
    """The profiler's own DuckDB database is not handed to a forked child (it would crash)."""
    import multiprocessing

    profile(pd.DataFrame({"x": [1, 2]}))
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_profile_rows_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0 and queue.get(timeout=5) == 3
