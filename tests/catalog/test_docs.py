"""Documentation merged with the data, and the discrepancies between the two."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.catalog.docs import (
    MISSING,
    PRIMARY_KEY,
    TYPE_MISMATCH,
    UNDOCUMENTED,
    check_docs,
    find_discrepancies,
    merge_docs,
)
from pipelinekit.catalog.extract import extract_duckdb, extract_frame
from pipelinekit.datasets.cards import card
from pipelinekit.errors import InvalidValueError

DOCS = {
    "description": "Customers.",
    "primary_key": ["customer_id"],
    "columns": {
        "customer_id": {"type": "int64", "description": "Key."},
        "email": {"type": "string", "description": "Mail.", "tags": ["pii"]},
        "country": {"type": "category", "description": "Where."},
        "city": {"type": "string", "description": "City.", "unit": "", "tags": ["pii"]},
    },
}


@pytest.fixture
def frame():
    """A hand-made extract: the key arrived as text, city is gone, town is new."""
    return pd.DataFrame(
        {
            "customer_id": ["1", "2"],
            "email": ["a@x.org", None],
            "country": ["DE", "FR"],  # plain text where the card says category: fine
            "town": ["Bonn", "Lyon"],
        }
    )


def test_discrepancies_of_a_hand_made_frame(frame):
    found = find_discrepancies(extract_frame(frame), DOCS)
    assert found.to_dict("records") == [
        {
            "column": "customer_id",
            "problem": TYPE_MISMATCH,
            "documented": "int64 (integer)",
            "found": "str (string)",
        },
        {"column": "city", "problem": MISSING, "documented": "string (string)", "found": ""},
        {"column": "town", "problem": UNDOCUMENTED, "documented": "", "found": "str (string)"},
    ]


def test_merge_puts_docs_next_to_metadata_and_appends_documented_only_columns(frame):
    merged = merge_docs(extract_frame(frame), DOCS).set_index("column")
    assert merged.index.tolist() == ["customer_id", "email", "country", "town", "city"]
    assert merged.loc["email", ["description", "tags", "null_share"]].tolist() == [
        "Mail.", ("pii",), 0.5,
    ]  # fmt: skip
    assert merged.loc["city", ["in_data", "documented", "type"]].tolist() == [False, True, ""]
    assert merged.loc["town", ["in_data", "documented", "description"]].tolist() == [
        True,
        False,
        "",
    ]
    assert merged.loc["customer_id", "documented_type"] == "int64"


def test_the_clean_datasets_agree_with_their_cards():
    for domain in ["ecommerce", "finance", "iot"]:
        data = pk.datasets.load(domain, scale="tiny", seed=3)
        for name, table in data.items():
            docs = card(domain)["tables"][name]
            assert find_discrepancies(extract_frame(table), docs).empty, (domain, name)


def test_the_dirty_ecommerce_data_shows_its_schema_drift():
    shop = pk.datasets.load("ecommerce", scale="tiny", seed=1, dirty=True)
    tables = card("ecommerce")["tables"]
    found = {name: find_discrepancies(extract_frame(shop[name]), tables[name]) for name in shop}
    assert found["customers"].to_dict("records") == [
        {"column": "town", "problem": UNDOCUMENTED, "documented": "", "found": "str (string)"}
    ]
    assert all(found[name].empty for name in shop if name != "customers")
    # a late batch that holds only the new name: the card's column is missing
    late = shop.customers.drop(columns="city")
    problems = find_discrepancies(extract_frame(late), tables["customers"])
    assert problems[["column", "problem"]].values.tolist() == [
        ["city", MISSING],
        ["town", UNDOCUMENTED],
    ]


def test_nulls_in_an_integer_column_show_as_a_type_mismatch():
    orders = pk.datasets.load("ecommerce", scale="tiny", seed=1).orders.copy()
    orders["customer_id"] = orders["customer_id"].where(orders.index > 0)  # int64 -> float64
    found = find_discrepancies(extract_frame(orders), card("ecommerce")["tables"]["orders"])
    assert found.values.tolist() == [
        ["customer_id", TYPE_MISMATCH, "int64 (integer)", "float64 (float)"]
    ]


def test_a_declared_primary_key_that_differs_from_the_card():
    connection = duckdb.connect()
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, code VARCHAR)")
    docs = {"primary_key": ["code"], "columns": {"id": {}, "code": {}}}
    found = find_discrepancies(extract_duckdb(connection, "t"), docs)
    assert found.values.tolist() == [["", PRIMARY_KEY, "code", "id"]]


def test_without_docs_there_is_nothing_to_disagree_with(frame):
    meta = extract_frame(frame)
    assert find_discrepancies(meta, None).empty
    assert merge_docs(meta, None)["documented"].tolist() == [False] * 4


def test_docs_with_only_a_description_leave_every_column_undocumented(frame):
    found = find_discrepancies(extract_frame(frame), {"description": "x"})
    assert found["problem"].tolist() == [UNDOCUMENTED] * 4


@pytest.mark.parametrize(
    ("docs", "match"),
    [
        (["not", "a", "dict"], r"Documentation of t is of type list"),
        (
            {"colums": {}},
            r"(?s)has the key 'colums'; expected only .*'columns'.*did you mean 'columns'\?",
        ),
        ({"columns": ["a"]}, r"columns documented for t are of type list"),
        ({"columns": {"a": "text"}}, r"Column 'a' of t is documented by a value of type str"),
        ({"columns": {"a": {"typ": "int64"}}}, r"column 'a' of t has the key 'typ'"),
        (
            {"columns": {"a": {"tags": "pii"}}},
            r"tags of column 'a' of t are 'pii'; expected a list",
        ),
        ({"tags": [1]}, r"tags of t are \[1\]"),
    ],
)
def test_docs_of_the_wrong_shape(docs, match):
    with pytest.raises(InvalidValueError, match=match):
        check_docs(docs, table="t")
