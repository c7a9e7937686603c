"""Metadata from SQLAlchemy databases: the local PostgreSQL server, and SQLite in memory.

The same data must give the same metadata as the DataFrame it came from.
"""

from __future__ import annotations

import decimal
import uuid

import pandas as pd
import pytest
import sqlalchemy as sa

import pipelinekit as pk
from pipelinekit.catalog import Catalog
from pipelinekit.catalog.extract import extract_frame
from pipelinekit.catalog.extract_database import (
    DatabaseUnreachableError,
    connect,
    extract_database,
)
from pipelinekit.errors import InvalidValueError, UnknownNameError

TABLES = ["customers", "products", "orders", "order_items", "returns"]
VALUES = ["non_null", "null_share", "distinct", "min", "max", "examples"]


@pytest.fixture(scope="module")
def shop():
    return pk.datasets.load("ecommerce", scale="tiny", seed=1, dirty=True)


@pytest.fixture(scope="module")
def postgres(postgres_url, shop):
    """The dirty shop in a schema of its own on the local server, dropped afterwards."""
    engine = sa.create_engine(postgres_url)
    schema = f"pk_catalog_{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        for name in TABLES:
            shop[name].to_sql(name, engine, schema=schema, index=False)
        yield engine, schema
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def assert_same_values(found: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert found["column"].tolist() == expected["column"].tolist()
    for field in VALUES:
        assert found[field].tolist() == expected[field].tolist(), field


@pytest.mark.services
@pytest.mark.parametrize("table", TABLES)
def test_postgres_table_gives_the_same_metadata_as_the_frame(postgres, shop, table):
    engine, schema = postgres
    in_postgres = extract_database(engine, table, schema=schema)
    from_frame = extract_frame(shop[table])
    assert in_postgres.source == f"postgresql table {schema}.{table}"
    assert in_postgres.rows == from_frame.rows
    assert_same_values(in_postgres.columns, from_frame.columns)
    # PostgreSQL has no categories: to_sql stores them as TEXT, of family string
    expected = from_frame.columns["family"].replace("category", "string")
    assert in_postgres.columns["family"].tolist() == expected.tolist()


@pytest.mark.services
def test_postgres_reports_its_own_type_names(postgres):
    engine, schema = postgres
    types = extract_database(engine, "orders", schema=schema).columns.set_index("column")["type"]
    assert types["order_id"] == "BIGINT"
    assert types["shipping_cost"] == "DOUBLE PRECISION"
    assert types["ordered_at"] == "TIMESTAMP WITHOUT TIME ZONE"
    assert types["status"] == "TEXT"


@pytest.mark.services
def test_postgres_keys_booleans_decimals_enums_and_json(postgres):
    engine, schema = postgres
    with engine.begin() as connection:
        for statement in [
            f"CREATE TYPE {schema}.mood AS ENUM ('sad', 'ok', 'glad')",
            f"CREATE TABLE {schema}.people (id INTEGER PRIMARY KEY, name TEXT)",
            f"CREATE TABLE {schema}.notes (id INTEGER PRIMARY KEY,"
            f" person INTEGER REFERENCES {schema}.people (id), flag BOOLEAN,"
            f" price NUMERIC(10, 2), mood {schema}.mood, doc JSON)",
            f"INSERT INTO {schema}.people VALUES (1, 'Ann'), (2, 'bob')",
            f"INSERT INTO {schema}.notes VALUES"
            " (1, 1, TRUE, 9.90, 'sad', '{}'), (2, 1, TRUE, 0.50, 'glad', NULL),"
            " (3, 2, NULL, NULL, 'sad', '[1]')",
        ]:
            connection.execute(sa.text(statement))
    meta = extract_database(engine, "notes", schema=schema)
    columns = meta.columns.set_index("column")
    assert meta.primary_key == ("id",)
    assert dict(meta.foreign_keys) == {"person": "people.id"}
    assert columns["family"].tolist() == [
        "integer", "integer", "boolean", "decimal", "category", "other",
    ]  # fmt: skip
    assert columns.loc["flag", ["min", "max", "examples"]].tolist() == [True, True, (True,)]
    assert columns.loc["price", "max"] == decimal.Decimal("9.90")
    # an enum orders by its labels (sad < ok < glad); the catalog compares the text
    assert columns.loc["mood", ["min", "max", "examples"]].tolist() == [
        "glad",
        "sad",
        ("sad", "glad"),
    ]
    assert columns.loc["doc", ["non_null", "distinct", "min"]].tolist() == [2, pd.NA, None]
    # strings in byte order, as pandas sorts them: 'Ann' < 'bob'
    people = extract_database(engine, "people", schema=schema).columns.set_index("column")
    assert people.loc["name", ["min", "max"]].tolist() == ["Ann", "bob"]


@pytest.mark.services
def test_an_unknown_postgres_table_names_the_nearest(postgres):
    engine, schema = postgres
    with pytest.raises(UnknownNameError, match=r"(?s)Unknown postgresql table 'ordrs'.*'orders'"):
        extract_database(engine, "ordrs", schema=schema)


@pytest.mark.services
def test_the_catalog_registers_a_postgres_table_by_url(postgres, postgres_url, shop):
    _, schema = postgres
    catalog = Catalog()
    catalog.register("orders", "orders", connection=postgres_url, schema=schema)
    assert catalog.metadata("orders").rows == len(shop.orders)


def test_sqlite_booleans_and_a_table_made_by_pandas():
    engine = sa.create_engine("sqlite://")
    frame = pd.DataFrame({"flag": [True, None, False, True], "word": ["b", "a", "b", None]})
    frame.to_sql("t", engine, index=False)
    meta = extract_database(engine, "t")
    assert meta.columns["family"].tolist() == ["boolean", "string"]
    assert_same_values(meta.columns, extract_frame(frame.astype({"flag": "boolean"})).columns)


def test_an_unreachable_database_says_where_without_the_password():
    url = "postgresql+psycopg://learner:s3cret@127.0.0.1:1/shop"
    with pytest.raises(DatabaseUnreachableError) as caught:
        extract_database(url, "orders")
    message = caught.value.one_line()
    assert "\n" not in message
    assert message.startswith(
        "Cannot reach the database at postgresql+psycopg://learner:***@127.0.0.1:1/shop ("
    )
    assert "s3cret" not in str(caught.value)
    assert "Hint: start the server" in message


def test_an_engine_passed_in_is_not_disposed():
    engine = sa.create_engine("sqlite://")
    with connect(engine) as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    assert extract_database(engine, "t").column_names == ["x"]  # the same in-memory database


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("nosuchdb://host/db", r"names a kind of database SQLAlchemy does not know"),
        ("not a url", r"cannot be read"),
    ],
)
def test_unreadable_urls(url, match):
    with pytest.raises(InvalidValueError, match=match):
        extract_database(url, "t")


def test_something_else_than_an_engine():
    with pytest.raises(InvalidValueError, match=r"The database given is of type int"):
        extract_database(42, "t")
