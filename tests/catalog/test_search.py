"""Search: ranking by where the words were found, deterministic order."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelinekit.catalog.search import MATCHES, SEARCH_COLUMNS, SearchableTable, search_tables
from pipelinekit.errors import InvalidValueError


def columns(*rows: tuple[str, str, tuple[str, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["column", "description", "tags"])


@pytest.fixture
def tables():
    return {
        "customers": SearchableTable(
            "People who signed up.",
            ("crm",),
            columns(
                ("email", "The email address.", ("pii",)),
                ("email_domain", "Part after the @.", ()),
                ("city", "Where the email is sent? No: the parcel.", ("pii",)),
                ("segment", "Marketing group.", ("Email",)),
            ),
        ),
        "email": SearchableTable("Messages sent.", (), columns(("sent_at", "When.", ()))),
        "orders": SearchableTable("Checkouts.", ("pii",), columns(("id", "Key.", ()))),
    }


def test_ranking_exact_name_then_contains_then_description_then_tag(tables):
    found = search_tables(tables, "Email")
    assert list(found.columns) == SEARCH_COLUMNS
    assert found[["table", "column", "match"]].values.tolist() == [
        ["customers", "email", "exact name"],
        ["email", "", "exact name"],
        ["customers", "email_domain", "name contains"],
        ["customers", "city", "description"],
        ["customers", "segment", "tag"],
    ]


def test_each_item_is_listed_once_for_its_best_match(tables):
    found = search_tables(tables, "email")
    assert not found.duplicated(["table", "column"]).any()
    # "segment" is tagged Email but its description does not say it: a tag match
    assert found.set_index("column").loc["segment", "match"] == MATCHES[-1]


def test_tag_prefix_looks_at_tags_only_tables_too(tables):
    found = search_tables(tables, "tag:PII")
    assert found[["table", "column"]].values.tolist() == [
        ["customers", "city"],
        ["customers", "email"],
        ["orders", ""],
    ]
    assert set(found["match"]) == {"tag"}


def test_descriptions_and_tags_are_shown(tables):
    row = search_tables(tables, "address").iloc[0]
    assert (row["column"], row["description"], row["tags"]) == (
        "email",
        "The email address.",
        "pii",
    )


def test_no_match_gives_an_empty_frame_with_the_columns(tables):
    found = search_tables(tables, "zebra")
    assert found.empty and list(found.columns) == SEARCH_COLUMNS


def test_the_same_query_gives_the_same_answer(tables):
    reordered = dict(reversed(list(tables.items())))
    pd.testing.assert_frame_equal(search_tables(tables, "e"), search_tables(reordered, "e"))


@pytest.mark.parametrize("query", ["", "   ", "tag:", "tag:  "])
def test_an_empty_search_is_refused(tables, query):
    with pytest.raises(InvalidValueError, match=r"(?s)has nothing to look for.*Hint: e.g."):
        search_tables(tables, query)
