"""The report: a results table, text, deterministic escaped HTML and JSON-able data."""

from __future__ import annotations

import json

import pandas as pd

from pipelinekit.quality.check import check
from pipelinekit.quality.report import RESULT_COLUMNS, QualityReport
from pipelinekit.quality.rule import Rule

SHOP = {
    "orders": pd.DataFrame(
        {
            "order_id": [1, 2, 2],
            "note": ["<b>ok</b>", "fine", "x & y"],
            "at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
        }
    ),
    "customers": pd.DataFrame({"customer_id": [1]}),
}
RULES = [
    Rule("unique", column="order_id", table="orders"),
    Rule("in_set", column="note", values=["fine"], table="orders", severity="warn"),
    Rule("mean_between", column="order_id", min=0, max=10, table="orders"),
    Rule("not_null", column="customer_id", table="customers"),
    Rule("not_null", column="nope", table="customers", severity="warn"),
]


def report() -> QualityReport:
    return check(SHOP, RULES, now="2024-06-01", name="shop")


def test_frame_failures_passed_and_by_table():
    result = report()
    assert result.frame.columns.tolist() == RESULT_COLUMNS
    assert result.frame["status"].tolist() == ["failed", "failed", "passed", "passed", "error"]
    assert [r.rule.name for r in result.failures] == [
        "unique(order_id)",
        "in_set(note)",
        "not_null(nope)",
    ]
    assert not result.passed  # unique is an error rule
    assert list(result.by_table) == ["orders", "customers"]
    assert result.by_table["customers"]["rule"].tolist() == [
        "not_null(customer_id)",
        "not_null(nope)",
    ]
    assert result.counts == {"passed": 2, "failed": 2, "error": 1, "skipped": 0}
    only_warnings = check(SHOP, RULES[1:], now="2024-06-01")
    assert only_warnings.passed and len(only_warnings.failures) == 2


def test_text():
    lines = str(report()).splitlines()
    assert lines[0] == (
        "Quality report 'shop' (duckdb): 5 rules, 2 passed, 2 failed, 1 error -> FAILED"
    )
    assert lines[1] == "  FAILED  error  orders: 2 of 3 rows (66.67 %) fail unique(order_id)"
    assert lines[5].startswith("  ERROR   warn   customers: not_null(nope) could not be checked")
    assert repr(report()) == "<QualityReport shop FAILED: passed=2, failed=2, error=1>"


def test_html_is_deterministic_escaped_and_shows_samples_and_sql():
    html = report()._repr_html_()
    assert html == report()._repr_html_()
    assert "&lt;b&gt;ok&lt;/b&gt;" in html and "<b>ok</b>" not in html
    assert "x &amp; y" in html
    assert "Failing rows of orders: unique(order_id) (2 of 2)" in html
    assert "Failing rows of orders: in_set(note) (2 of 2)" in html
    assert "<details><summary>SQL of each rule</summary>" in html
    assert "count(*) FILTER (WHERE note NOT IN (&#x27;fine&#x27;))" in html
    assert "reference time 2024-06-01 00:00:00" in html
    assert "seconds" not in html


def test_to_dict_is_json_able_and_keeps_rules_samples_and_sql():
    data = report().to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["passed"] is False and data["now"] == "2024-06-01T00:00:00"
    first = data["results"][0]
    assert first["rule"] == {"kind": "unique", "table": "orders", "columns": ["order_id"]}
    assert first["sample"][0] == {"order_id": 2, "note": "fine", "at": "2024-01-02T00:00:00"}
    assert "GROUP BY order_id HAVING count(*) > 1" in first["sql"]
    assert data["results"][2]["value"] == 5 / 3 and data["results"][2]["sample"] is None
    assert data["results"][4]["status"] == "error"


def test_skipped_rules_show_in_every_form():
    from pipelinekit.quality.check import QualityGateError

    try:
        check(SHOP, RULES, mode="fail_fast")
    except QualityGateError as error:
        stopped = error.report
    assert stopped.counts["skipped"] == 4
    assert "skipped" in str(stopped) and "skipped" in stopped._repr_html_()
    assert stopped.to_dict()["results"][-1]["status"] == "skipped"
