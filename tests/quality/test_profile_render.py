"""What a profile turns into: HTML for Jupyter, plain data for JSON, a catalog summary."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.catalog import Catalog
from pipelinekit.quality.patterns import CLASSES, PATTERNS, anchored, pattern_class
from pipelinekit.quality.profile import profile
from pipelinekit.quality.profile_html import bar, format_value


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    return pk.datasets.load("ecommerce", scale="tiny", dirty=True)["orders"]


def test_html_is_deterministic_and_compact(orders):
    page = profile(orders, name="orders")._repr_html_()
    assert page == profile(orders, name="orders")._repr_html_()
    assert page.count("<tr>") == 1 + orders.shape[1]
    assert "id=" not in page and "<script" not in page
    assert "502 rows × 9 columns" in page and "2 duplicate rows" in page
    assert "delivered (462)" in page  # top values with their counts


def test_html_escapes_values_and_draws_the_null_bar():
    frame = pd.DataFrame({"note": ["<b>bold</b>", None, None, None]})
    page = profile(frame, name="<t>")._repr_html_()
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;t&gt;" in page
    assert "width:36px" in page and "75.0%" in page  # 3 of 4 values are null
    assert bar(0.0).count("width:0px") == 1 and bar(1.5).count("width:48px") == 2


def test_approximate_counts_are_marked_in_html():
    frame = pd.DataFrame({"id": range(300_000), "x": [1.5, 2.5, 3.5] * 100_000})
    page = profile(frame, approx=True)._repr_html_()
    assert "approximate distinct counts and quantiles" in page


def test_format_value():
    assert format_value(float("nan")) == "" and format_value(pd.NA) == ""
    assert format_value(-1234.5678) == "-1,234.57"
    assert format_value(pd.Timestamp("2024-05-01 10:30")) == "2024-05-01 10:30:00"


def test_to_dict_is_json_ready_and_keeps_the_numbers(orders):
    result = profile(orders, name="orders", correlations=True)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["table"]["rows"] == 502 and data["table"]["candidate_keys"] == []
    status = next(c for c in data["columns"] if c["column"] == "status")
    assert status["top_values"][0] == ["delivered", 462]
    ordered = next(c for c in data["columns"] if c["column"] == "ordered_at")
    assert ordered["min"] == result.column("ordered_at")["min"].isoformat()
    assert ordered["mean"] is None
    assert data["correlations"]["order_total"]["order_total"] == 1.0


def test_to_frame_is_a_copy(orders):
    result = profile(orders)
    frame = result.to_frame()
    frame.loc[0, "nulls"] = 999
    assert result.columns.loc[0, "nulls"] == 0


def test_repr_names_the_table(orders):
    assert repr(profile(orders, name="orders")) == (
        "<Profile of orders: 502 rows x 9 columns, 2 duplicate rows, candidate keys: none>"
    )


def test_catalog_card_shows_the_profile(orders):
    summary = profile(orders).as_catalog_quality()
    assert summary.columns.tolist() == [
        "check",
        "column",
        "semantic_type",
        "nulls",
        "distinct",
        "pattern",
    ]
    catalog = Catalog()
    catalog.register("orders", orders)
    catalog.attach_quality("orders", summary)
    card = catalog.card("orders").to_markdown()
    assert "| profile | order_id | identifier | 0% | 500 |" in card


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("   ", "blank"),
        ("+12", "integer"),
        ("-0.5", "decimal"),
        ("1e-3", "decimal"),
        ("31/12/2024", "date"),
        ("2024-12-31T23:59:59Z", "timestamp"),
        ("2024-12-31 23:59:59.123+01:00", "timestamp"),
        ("123E4567-E89B-12D3-A456-426614174000", "uuid"),
        ("first.last+tag@mail.example.org", "email"),
        ("first.last@localhost", "other"),
        ("ftp://files.example.org/a.csv", "url"),
        ("(555) 123-4567", "phone"),
        ("42 apples", "other"),
        ("1,5", "other"),
    ],
)
def test_pattern_classes(value, expected):
    assert pattern_class(value) == expected


def test_sql_and_python_put_values_in_the_same_class():
    import duckdb

    values = ["", "12", "3.5", "2024-01-31", "2024-01-31 10:00", "a@b.co", "x@@y.z", "hello"]
    connection = duckdb.connect()
    for name in PATTERNS:
        found = connection.execute(
            "SELECT list(v ORDER BY v) FROM unnest(?) t(v) WHERE regexp_matches(v, ?)",
            [values, anchored(name)],
        ).fetchone()[0]
        assert sorted(v for v in values if _matches(name, v)) == (found or []), name
    assert CLASSES[-1] == "other"


def _matches(name: str, value: str) -> bool:
    import re

    return re.fullmatch(PATTERNS[name], value) is not None
