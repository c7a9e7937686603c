"""Metadata from DataFrames and DuckDB tables, checked against pandas (the oracle)."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.catalog.extract import COLUMN_FIELDS, extract_duckdb, extract_frame
from pipelinekit.errors import InvalidValueError, UnknownNameError

TABLES = ["customers", "products", "orders", "order_items", "returns"]
VALUES = ["non_null", "null_share", "distinct", "min", "max", "examples"]


@pytest.fixture(scope="module")
def shop():
    return pk.datasets.load("ecommerce", scale="tiny", seed=1, dirty=True)


def pandas_profile(series: pd.Series) -> dict[str, object]:
    """What the catalog should say about a column, computed with pandas alone."""
    present = series.dropna()
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = present.astype("str")  # categories compare as text, as in SQL
    counts = present.value_counts().rename("n").rename_axis("value").reset_index()
    top = counts.sort_values(["n", "value"], ascending=[False, True]).head(3)
    return {
        "non_null": int(series.notna().sum()),
        "null_share": float(series.isna().mean()),
        "distinct": int(series.nunique()),
        "min": present.min() if len(present) else None,
        "max": present.max() if len(present) else None,
        "examples": tuple(top["value"]),
    }


def assert_same_values(found: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Every value column agrees, column by column (datetimes equal Timestamps)."""
    assert found["column"].tolist() == expected["column"].tolist()
    for field in VALUES:
        for name, got, want in zip(found["column"], found[field], expected[field], strict=True):
            if field == "examples":
                assert list(got) == list(want), (name, field)
            elif isinstance(want, float) and np.isnan(want):
                assert np.isnan(got), (name, field)
            else:
                assert got == want, (name, field, got, want)


@pytest.mark.parametrize("table", TABLES)
def test_frame_metadata_agrees_with_pandas(shop, table):
    frame = shop[table]
    meta = extract_frame(frame)
    oracle = pd.DataFrame(
        [{"column": name, **pandas_profile(frame[name])} for name in frame.columns]
    )
    assert meta.rows == len(frame)
    assert list(meta.columns.columns) == COLUMN_FIELDS
    assert meta.columns["type"].tolist() == [str(dtype) for dtype in frame.dtypes]
    assert_same_values(meta.columns, oracle)


def test_the_dirty_columns_show_their_damage(shop):
    customers = extract_frame(shop.customers).columns.set_index("column")
    injected = shop.injected
    emails_nulled = (injected.problem == "nulls") & (injected.column == "email")
    late_batch = int((injected.problem == "schema_drift").sum())
    assert customers.loc["email", "non_null"] == len(shop.customers) - emails_nulled.sum()
    assert customers.loc["town", "non_null"] == late_batch
    assert customers.loc["city", "non_null"] == len(shop.customers) - late_batch


def test_families_of_the_ecommerce_orders(shop):
    families = extract_frame(shop.orders).columns.set_index("column")["family"]
    assert families.to_dict() == {
        "order_id": "integer",
        "customer_id": "integer",
        "ordered_at": "datetime",
        "status": "category",
        "channel": "category",
        "payment_method": "category",
        "shipping_cost": "float",
        "loaded_at": "datetime",
        "order_total": "float",
    }


def test_examples_are_the_most_frequent_values_ties_by_value():
    frame = pd.DataFrame({"x": ["b", "c", "c", "a", "b", "d", None]})
    assert extract_frame(frame).columns.loc[0, "examples"] == ("b", "c", "a")


def test_nan_counts_as_null_and_categories_compare_as_text():
    frame = pd.DataFrame(
        {
            "amount": [1.5, np.nan, 2.5, np.nan],
            "size": pd.Categorical(["S", "L", None, "S"], categories=["S", "M", "L"]),
        }
    )
    columns = extract_frame(frame).columns.set_index("column")
    assert columns.loc["amount", ["non_null", "null_share", "min", "max"]].tolist() == [
        2, 0.5, 1.5, 2.5,
    ]  # fmt: skip
    # by category order S would be the minimum; as text L comes first
    assert columns.loc["size", ["distinct", "min", "max"]].tolist() == [2, "L", "S"]


def test_min_and_max_keep_the_types_of_the_values():
    frame = pd.DataFrame(
        {
            "n": pd.array([3, None, 1], dtype="Int64"),
            "flag": [True, False, True],
            "day": pd.to_datetime(["2024-03-01", "2024-01-05", None]),
        }
    )
    columns = extract_frame(frame).columns.set_index("column")
    assert columns.loc["n", ["family", "min", "max"]].tolist() == ["integer", 1, 3]
    assert columns.loc["flag", ["family", "min", "max"]].tolist() == ["boolean", False, True]
    assert columns.loc["day", "min"] == dt.datetime(2024, 1, 5)
    assert type(columns.loc["n", "min"]) is int


def test_columns_of_family_other_get_only_counts():
    frame = pd.DataFrame({"items": [[1, 2], None, [3]]})
    row = extract_frame(frame).columns.iloc[0]
    assert (row["family"], row["non_null"], row["examples"]) == ("other", 2, ())
    assert pd.isna(row["distinct"]) and row["min"] is None


def test_the_index_is_not_a_column_and_labels_become_strings():
    frame = pd.DataFrame({0: [1, 2], "b": [3, 4]}, index=pd.Index([10, 20], name="key"))
    assert extract_frame(frame).column_names == ["0", "b"]


def test_an_empty_frame_has_rows_zero_and_no_null_share():
    meta = extract_frame(pd.DataFrame({"x": pd.Series([], dtype="float64")}))
    assert meta.rows == 0
    assert np.isnan(meta.columns.loc[0, "null_share"])
    assert meta.columns.loc[0, "non_null"] == 0


def test_duplicate_column_names_are_refused():
    frame = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(InvalidValueError, match=r"more than one column named 'a'"):
        extract_frame(frame)


def test_a_series_is_not_a_table():
    with pytest.raises(
        InvalidValueError, match=r"(?s)The table given is of type Series.*Hint: .*to_frame"
    ):
        extract_frame(pd.Series([1, 2]))


@pytest.fixture
def duck(shop):
    connection = duckdb.connect()
    for name in TABLES:
        connection.register("frame", shop[name])
        connection.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
        connection.unregister("frame")
    yield connection
    connection.close()


@pytest.mark.parametrize("table", TABLES)
def test_duckdb_table_gives_the_same_metadata_as_the_frame(shop, duck, table):
    in_duckdb = extract_duckdb(duck, table)
    from_frame = extract_frame(shop[table])
    assert in_duckdb.source == f"DuckDB table main.{table}"
    assert in_duckdb.rows == from_frame.rows
    assert in_duckdb.columns["family"].tolist() == from_frame.columns["family"].tolist()
    assert_same_values(in_duckdb.columns, from_frame.columns)


def test_duckdb_reports_its_own_types_and_declared_keys():
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA shop")
    connection.execute("CREATE TABLE shop.customers (id INTEGER PRIMARY KEY, name VARCHAR)")
    connection.execute(
        "CREATE TABLE shop.orders (id BIGINT PRIMARY KEY, customer INTEGER"
        " REFERENCES shop.customers (id), total DECIMAL(10, 2), placed_at TIMESTAMP, day DATE)"
    )
    connection.execute("INSERT INTO shop.customers VALUES (1, 'Ann')")
    connection.execute("INSERT INTO shop.orders VALUES (1, 1, 9.90, '2024-01-01 10:00', NULL)")
    meta = extract_duckdb(connection, "orders", schema="shop")
    assert meta.primary_key == ("id",)
    assert dict(meta.foreign_keys) == {"customer": "customers.id"}
    assert meta.columns["type"].tolist() == [
        "BIGINT",
        "INTEGER",
        "DECIMAL(10,2)",
        "TIMESTAMP",
        "DATE",
    ]
    assert meta.columns["family"].tolist() == ["integer", "integer", "decimal", "datetime", "date"]
    assert str(meta.columns.loc[2, "max"]) == "9.90"


def test_an_unknown_duckdb_table_names_the_nearest(duck):
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown DuckDB table 'ordrs'.*did you mean.*'orders'"
    ):
        extract_duckdb(duck, "ordrs")
    with pytest.raises(UnknownNameError, match=r"tables of schema 'elsewhere'; pass schema="):
        extract_duckdb(duck, "orders", schema="elsewhere")
