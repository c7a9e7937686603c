"""The Catalog: registering from every kind of source, documenting, reading, errors."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa

import pipelinekit as pk
from pipelinekit.catalog import Catalog, DatabaseUnreachableError
from pipelinekit.datasets import Dataset
from pipelinekit.errors import InvalidValueError, UnknownNameError


@pytest.fixture(scope="module")
def shop():
    return pk.datasets.load("ecommerce", scale="tiny", seed=1, dirty=True)


@pytest.fixture(scope="module")
def catalog(shop):
    catalog = Catalog()
    catalog.register_dataset(shop)
    return catalog


def test_register_dataset_registers_every_table_with_its_card(catalog, shop):
    tables = catalog.tables()
    assert tables["table"].tolist() == list(shop)
    assert tables["rows"].tolist() == [len(frame) for frame in shop.values()]
    assert tables["documented"].all()
    assert set(tables["owner"]) == {"pipelinekit course team"}
    assert tables.set_index("table")["discrepancies"].to_dict() == {
        "customers": 1, "products": 0, "orders": 0, "order_items": 0, "returns": 0,
    }  # fmt: skip
    assert list(catalog) == list(shop) and len(catalog) == 5 and "orders" in catalog


def test_columns_merge_the_card_with_the_data(catalog):
    birth_year = catalog.column("customers", "birth_year")
    assert birth_year[["type", "family", "unit", "tags", "documented_type"]].tolist() == [
        "int64", "integer", "year", ("pii",), "int64",
    ]  # fmt: skip
    assert catalog.columns("order_items")["column"].tolist() == [
        "order_id", "line_number", "product_id", "quantity", "unit_price", "discount",
    ]  # fmt: skip


def test_discrepancies_of_every_table_name_the_table(catalog):
    found = catalog.discrepancies()
    assert found.values.tolist() == [
        ["customers", "town", "in the data but undocumented", "", "str (string)"]
    ]
    assert Catalog().discrepancies().columns.tolist() == [
        "table", "column", "problem", "documented", "found",
    ]  # fmt: skip


def test_search_the_shop(catalog):
    found = catalog.search("tag:pii")
    assert found[["table", "column"]].values.tolist() == [
        ["customers", c] for c in ["birth_year", "city", "email", "first_name", "last_name"]
    ]
    assert catalog.search("order_id").iloc[:3][["table", "match"]].values.tolist() == [
        ["order_items", "exact name"],
        ["orders", "exact name"],
        ["returns", "exact name"],
    ]
    assert catalog.search("refund").iloc[0].tolist()[:3] == [
        "returns",
        "refund_amount",
        "name contains",
    ]


def test_a_dataset_without_a_card_is_registered_undocumented():
    data = Dataset("demo", {"t": pd.DataFrame({"x": [1]})}, scale=1, seed=0)
    catalog = Catalog()
    catalog.register_dataset(data)
    assert catalog.tables()["documented"].tolist() == [False]
    assert catalog.discrepancies("t").empty


def test_document_merges_column_docs_key_by_key():
    catalog = Catalog()
    catalog.register("t", pd.DataFrame({"a": [1], "b": ["x"]}), docs={"description": "Old."})
    catalog.document("t", {"columns": {"a": {"description": "A.", "type": "int64"}}})
    catalog.document("t", {"owner": "me", "columns": {"a": {"tags": ["key"]}, "b": {}}})
    a = catalog.column("t", "a")
    assert a[["description", "tags", "documented_type"]].tolist() == ["A.", ("key",), "int64"]
    assert catalog.tables().loc[0, ["owner", "description"]].tolist() == ["me", "Old."]
    assert catalog.discrepancies("t").empty


def test_register_again_replaces_the_table():
    catalog = Catalog()
    catalog.register("t", pd.DataFrame({"a": [1]}))
    catalog.register("t", pd.DataFrame({"a": [1, 2, 3]}))
    assert catalog.metadata("t").rows == 3 and len(catalog) == 1


def test_register_a_duckdb_table(shop):
    connection = duckdb.connect()
    connection.register("frame", shop.orders)
    connection.execute("CREATE TABLE orders AS SELECT * FROM frame")
    catalog = Catalog()
    catalog.register(
        "orders",
        "orders",
        connection=connection,
        docs=pk.datasets.card("ecommerce")["tables"]["orders"],
    )
    assert catalog.metadata("orders").source == "DuckDB table main.orders"
    # DuckDB's types are of the card's families, ENUM for category included
    assert catalog.discrepancies("orders").empty
    assert catalog.column("orders", "status")["type"].startswith("ENUM(")


def test_register_a_sqlalchemy_table_by_engine_and_by_url(tmp_path, shop):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    shop.products.to_sql("products", engine, index=False)
    catalog = Catalog()
    catalog.register("by_engine", "products", connection=engine)
    catalog.register("by_url", "products", connection=url)
    engine.dispose()
    columns = ["non_null", "distinct", "min", "max", "examples"]
    pd.testing.assert_frame_equal(
        catalog.columns("by_engine")[columns], catalog.columns("by_url")[columns]
    )
    assert catalog.metadata("by_url").source == "sqlite table main.products"


def test_an_unknown_table_names_the_nearest(catalog):
    for call in [
        lambda: catalog.card("ordrs"),
        lambda: catalog.columns("ordrs"),
        lambda: catalog.document("ordrs", {}),
        lambda: catalog.attach_quality("ordrs", pd.DataFrame()),
        lambda: catalog.discrepancies("ordrs"),
    ]:
        with pytest.raises(
            UnknownNameError, match=r"(?s)Unknown catalog table 'ordrs'.*did you mean.*'orders'"
        ):
            call()


def test_an_unknown_column_names_the_nearest(catalog):
    with pytest.raises(
        UnknownNameError,
        match=r"(?s)Unknown column 'orders.ordered'.*did you mean one of 'orders.ordered_at'",
    ):
        catalog.column("orders", "ordered")


def test_an_unknown_sql_table_names_the_nearest():
    connection = duckdb.connect()
    connection.execute("CREATE TABLE orders (id INTEGER)")
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown DuckDB table 'order'.*did you mean 'orders'"
    ):
        Catalog().register("orders", "order", connection=connection)


def test_an_unreachable_database_is_one_clear_line():
    with pytest.raises(
        DatabaseUnreachableError,
        match=r"Cannot reach the database at postgresql\+psycopg://u:\*\*\*@127\.0\.0\.1:1/db",
    ):
        Catalog().register("t", "t", connection="postgresql+psycopg://u:pw@127.0.0.1:1/db")


@pytest.mark.parametrize(
    ("source", "kwargs", "match"),
    [
        ([1, 2], {}, r"(?s)source of table 't' is of type list.*Hint: .*pd.DataFrame"),
        (pd.Series([1]), {}, r"(?s)source of table 't' is of type Series.*to_frame"),
        ("orders", {}, r"(?s)Table 'orders' is named with no connection; expected connection="),
        ("orders", {"connection": 3}, r"Table 'orders' is named with a connection of type int"),
        (
            pd.DataFrame({"a": [1]}),
            {"connection": "sqlite://"},
            r"is a DataFrame, given with a connection",
        ),
        (
            pd.DataFrame({"a": [1]}),
            {"schema": "s"},
            r"is a DataFrame, given with a connection or schema",
        ),
    ],
)
def test_register_what_is_not_a_table(source, kwargs, match):
    with pytest.raises(InvalidValueError, match=match):
        Catalog().register("t", source, **kwargs)


def test_other_bad_input():
    catalog = Catalog()
    with pytest.raises(InvalidValueError, match=r"catalog name ''; expected a non-empty string"):
        catalog.register("", pd.DataFrame())
    with pytest.raises(
        InvalidValueError, match=r"Documentation of table 't' has the key 'colunms'"
    ):
        catalog.register("t", pd.DataFrame({"a": [1]}), docs={"colunms": {}})
    assert "t" not in catalog  # nothing registered when the docs are wrong
    catalog.register("t", pd.DataFrame({"a": [1]}))
    with pytest.raises(InvalidValueError, match=r"dataset given is of type dict"):
        catalog.register_dataset({"t": pd.DataFrame()})
    with pytest.raises(InvalidValueError, match=r"lineage graph given is of type dict"):
        catalog.attach_lineage({})
    with pytest.raises(InvalidValueError, match=r"Quality results of 't' are of type list"):
        catalog.attach_quality("t", [])
    with pytest.raises(InvalidValueError, match=r"has nothing to look for"):
        catalog.search("")


def test_repr_lists_the_tables(catalog):
    assert repr(catalog) == "Catalog of 5 tables: customers, products, orders, order_items, returns"
    assert repr(Catalog()) == "Catalog of 0 tables: none yet"
    assert "<b>Catalog</b> of 5 tables<table" in catalog._repr_html_()
