"""Catalog cards: content, highlighting, escaping, lineage and quality, stable output."""

from __future__ import annotations

import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.catalog import Catalog, CatalogCard
from pipelinekit.catalog.card import CARD_COLUMNS, QUALITY_ROWS, format_value
from pipelinekit.errors import UnknownNameError
from pipelinekit.lineage import LineageGraph, StepRecord


def shop_graph() -> LineageGraph:
    graph = LineageGraph()
    graph.add(
        StepRecord.from_mapping(
            "load",
            inputs={"raw_customers": ["id"]},
            outputs={"customers": ["customer_id"]},
            derived={"customers.customer_id": ["raw_customers.id"]},
        )
    )
    graph.add(
        StepRecord.from_mapping(
            "segments",
            inputs={"customers": ["customer_id"], "orders": ["customer_id"]},
            outputs={"rfm": ["customer_id"]},
            derived={"rfm.customer_id": ["customers.customer_id"]},
        )
    )
    graph.add(
        StepRecord.from_mapping(
            "scores",
            inputs={"rfm": ["customer_id"]},
            outputs={"scores": ["customer_id"]},
            derived={"scores.customer_id": ["rfm.customer_id"]},
        )
    )
    return graph


def dirty_catalog(**kwargs) -> Catalog:
    catalog = Catalog(**kwargs)
    catalog.register_dataset(pk.datasets.load("ecommerce", scale="tiny", seed=1, dirty=True))
    return catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return dirty_catalog(lineage=shop_graph())


def test_markdown_shows_docs_metadata_and_the_discrepancy(catalog):
    text = catalog.card("customers").to_markdown()
    assert text.startswith("## `customers`\n\nPeople who signed up at the shop, one row each.\n")
    for line in [
        "- Owner: pipelinekit course team",
        "- Grain: one row per customer",
        "- Rows: 125",
        "- Primary key: customer_id",
        "| " + " | ".join(CARD_COLUMNS) + " |",
        "| `customer_id` | int64 | Surrogate key, 1..N. |  |  | 0.0 % | 125 | 1 | 125 | 1, 2, 3 |",
        "| `town` ⚠ | str |  |  |  | 90.4 % | 12 | Claireberg | Victoriaberg |"
        " Claireberg, Cousindan, Granada |",
        "| `town` | in the data but undocumented |  | str (string) |",
    ]:
        assert line in text.splitlines(), line


def test_pii_values_are_hidden_unless_asked_for(catalog):
    hidden = catalog.card("customers").to_markdown()
    assert (
        "| `email` | str | E-mail address, unique per customer. |  | pii | 1.6 % | 123 |" in hidden
    )
    assert "adem.karz97@proton.me" not in hidden
    assert "| 123 | (pii) | (pii) | (pii) |" in hidden
    shown = catalog.card("customers", show_pii=True)
    assert "adem.karz97@proton.me" in shown.to_markdown()
    assert "adem.karz97@proton.me" in shown._repr_html_()


def test_markdown_shows_keys_units_and_lineage(catalog):
    text = catalog.card("orders").to_markdown()
    assert "- Foreign key: customer_id → customers.customer_id" in text
    assert "| `shipping_cost` | float64 | Shipping charged to the customer. | EUR |" in text
    assert "### Lineage\n\n- Upstream: none\n- Downstream: `rfm` (step `segments`)" in text
    customers = catalog.card("customers").to_markdown()
    # one step away only: scores (two steps downstream) is left out
    assert "- Upstream: `raw_customers` (step `load`)\n- Downstream: `rfm` (step `segments`)" in (
        customers
    )
    assert "scores" not in customers


def test_no_lineage_section_without_a_graph_or_for_a_table_not_in_it(catalog):
    assert "### Lineage" not in catalog.card("products").to_markdown()
    assert "<h4>Lineage</h4>" not in catalog.card("products")._repr_html_()
    plain = dirty_catalog()
    assert plain.card("customers").upstream is None
    assert "### Lineage" not in plain.card("customers").to_markdown()
    plain.attach_lineage(shop_graph())
    assert plain.card("customers").upstream == (("raw_customers", "load"),)


def test_html_highlights_discrepancies_and_shows_every_section(catalog):
    html = catalog.card("customers")._repr_html_()
    assert html.startswith("<div class='pk-catalog-card'><h3><code>customers</code></h3>")
    assert "<tr style='background-color:#fdecea'><td style='text-align:left'>town</td>" in html
    assert "<h4>Discrepancies (1)</h4>" in html
    assert "<p><b>Upstream:</b> raw_customers (step load)</p>" in html
    assert html.count("background-color") == 2  # the town line and the discrepancy


def test_output_is_the_same_for_the_same_catalog(catalog):
    again = dirty_catalog(lineage=shop_graph())
    for name in ["customers", "orders"]:
        assert catalog.card(name).to_markdown() == again.card(name).to_markdown()
        assert catalog.card(name)._repr_html_() == again.card(name)._repr_html_()


def test_html_and_markdown_escape_what_they_show():
    catalog = Catalog()
    frame = pd.DataFrame({"<b>x</b>": ["a|b & <c>"]})
    catalog.register(
        "t<1>", frame, docs={"description": "Rows & <script>", "columns": {"<b>x</b>": {}}}
    )
    html = catalog.card("t<1>")._repr_html_()
    assert "<script>" not in html and "<b>x</b>" not in html
    assert "Rows &amp; &lt;script&gt;" in html
    assert "a|b &amp; &lt;c&gt;" in html
    markdown = catalog.card("t<1>").to_markdown()
    assert "| a\\|b & <c> | a\\|b & <c> |" in markdown


def test_documented_but_missing_columns_are_shown_and_flagged():
    catalog = Catalog()
    catalog.register(
        "t",
        pd.DataFrame({"id": ["1"]}),
        docs={"columns": {"id": {"type": "int64"}, "gone": {"type": "string", "unit": "x"}}},
    )
    text = catalog.card("t").to_markdown()
    assert "| `id` ⚠ | str (card: int64) |" in text
    assert "| `gone` ⚠ | missing in the data |  | x |  |  |  |  |  |  |" in text
    assert "| `gone` | documented but missing in the data | string (string) |  |" in text
    assert repr(catalog.card("t")) == "CatalogCard('t': 1 rows, 1 columns, 2 discrepancies)"


def test_quality_results_are_shown_when_attached():
    catalog = Catalog()
    catalog.register("t", pd.DataFrame({"id": [1, 1]}))
    assert catalog.card("t").quality is None
    assert "Quality" not in catalog.card("t").to_markdown()
    results = pd.DataFrame({"check": [f"c{i}" for i in range(QUALITY_ROWS + 2)], "passed": True})
    catalog.attach_quality("t", results)
    results.loc[0, "check"] = "changed later"  # the catalog kept its own copy
    text = catalog.card("t").to_markdown()
    assert "### Quality\n\n| check | passed |\n|---|---|\n| c0 | True |" in text
    assert text.endswith(f"| c{QUALITY_ROWS - 1} | True |\n\n... and 2 more")
    html = catalog.card("t")._repr_html_()
    assert "<h4>Quality</h4>" in html and "<p>... and 2 more</p>" in html


def test_a_card_column_by_name(catalog):
    card = catalog.card("orders")
    assert isinstance(card, CatalogCard)
    assert card.column("status")["distinct"] == 3
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown column 'orders.stauts'.*'orders.status'"
    ):
        card.column("stauts")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (pd.NA, ""),
        (pd.Timestamp("2024-01-02 03:04:05"), "2024-01-02 03:04:05"),
        (pd.Timestamp("2024-01-02"), "2024-01-02 00:00:00"),
        (0.1 + 0.2, "0.30000000000000004"),
        ("two\nlines", "two lines"),
        ("y" * 41, "y" * 39 + "…"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text
