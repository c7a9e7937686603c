"""Building alerts: grouping, how badly, downstream from lineage, and the three renderings."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import StepRecord
from pipelinekit.quality.alerts import build_alerts, slack_payload
from pipelinekit.quality.alerts.message import how_badly, results_of
from pipelinekit.quality.result import Outcome, RuleResult, judge
from pipelinekit.quality.rule import Rule

AT = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def result(
    kind: str = "between",
    *,
    column: str | None = "amount",
    table: str | None = "orders",
    severity: str = "error",
    rows: int = 200,
    failing: int = 3,
    value: float | None = None,
    sample: pd.DataFrame | None = None,
    error: str | None = None,
    **params: object,
) -> RuleResult:
    if kind == "between" and not params:
        params = {"min": 0, "max": 5000}
    rule = Rule(kind, column=column, table=table, severity=severity, **params)  # type: ignore[arg-type]
    outcome = Outcome(rows=rows, failing=failing, value=value, sample=sample, error=error)
    return judge(rule, outcome, sql="SELECT 1", engine="pandas")


@pytest.fixture
def lineage() -> LineageGraph:
    graph = LineageGraph()
    graph.add(
        StepRecord.from_mapping(
            "clean",
            inputs={"orders": ["id", "amount"]},
            outputs={"clean_orders": ["id", "amount"]},
            derived={"clean_orders.id": ["orders.id"], "clean_orders.amount": ["orders.amount"]},
            subtype="IDENTITY",
        )
    )
    graph.add(
        StepRecord.from_mapping(
            "totals",
            inputs={"clean_orders": ["id", "amount"]},
            outputs={"totals": ["revenue"]},
            derived={"totals.revenue": ["clean_orders.amount"]},
            subtype="AGGREGATION",
        )
    )
    graph.attach_check("totals.revenue", "revenue_positive")
    return graph


def test_only_failed_and_unchecked_results_make_alerts() -> None:
    passed = result(failing=0)
    assert build_alerts([passed], at=AT) == []
    unchecked = result("not_null", column="amout", error="unknown column 'amout'")
    [alert] = build_alerts([passed, unchecked], at=AT)
    assert alert.rules == ["not_null(amout)"]
    assert "could not be checked: unknown column 'amout'" in alert.text()


def test_failures_of_one_table_are_grouped_into_one_alert() -> None:
    results = [
        result(column="amount"),
        result("not_null", column="id", severity="warn", failing=1),
        result("not_null", column="email", table="customers", failing=7),
    ]
    alerts = build_alerts(results, at=AT)
    assert [a.title for a in alerts] == [
        "ERROR: 2 quality rules failed on orders",
        "ERROR: 1 quality rule failed on customers",
    ]
    orders = alerts[0]
    assert orders.group == (("table", "orders"),)
    assert orders.severity == "error"
    assert orders.rules == ["between(amount)", "not_null(id)"]  # worst first
    assert orders.key == "table=orders|orders/between(amount);orders/not_null(id)"


def test_grouping_by_nothing_or_by_severity() -> None:
    results = [result(), result("not_null", column="id", severity="warn"), result(table="x")]
    [one] = build_alerts(results, group_by=(), at=AT)
    assert one.title == "ERROR: 3 quality rules failed on 2 tables (orders, x)"
    by_severity = build_alerts(results, group_by=("severity",), at=AT)
    assert [(a.severity, len(a.results)) for a in by_severity] == [("error", 2), ("warn", 1)]
    with pytest.raises(UnknownNameError, match="Unknown alert grouping field 'tabel'"):
        build_alerts(results, group_by=("tabel",))


def test_min_severity_leaves_warnings_out() -> None:
    results = [result(severity="warn"), result("not_null", column="id", table="c")]
    assert [a.tables for a in build_alerts(results, min_severity="error", at=AT)] == [["c"]]
    assert len(build_alerts(results, min_severity="warn", at=AT)) == 2
    with pytest.raises(UnknownNameError, match="Unknown severity 'fatal'"):
        build_alerts(results, min_severity="fatal")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        (
            lambda: result(rows=200, failing=3),
            "3 of 200 rows (1.50 %) fail (expects min=0, max=5000)",
        ),
        (
            lambda: result("mean_between", value=812.5, min=100, max=500, failing=0),
            "value 812.5, expected between 100 and 500",
        ),
        (
            lambda: result("null_share_at_most", column="email", value=0.05, max=0.01),
            "value 0.05, expected at most 0.01",
        ),
        (
            lambda: result("row_count_between", column=None, value=None, rows=0, min=1),
            "no value to compare (empty table or all NULL)",
        ),
        (
            lambda: result("freshness", column="ts", value=36 * 3600.0, max_age="1 day"),
            "newest row is 1.5 days old, expected at most 1 day",
        ),
        (
            lambda: result("in_set", column="status", values=list("abcdefgh")),
            "3 of 200 rows (1.50 %) fail (expects values=['a', 'b', 'c', 'd', 'e' ... and 3 more])",
        ),
    ],
)
def test_how_badly_says_counts_and_share_or_value_and_bounds(made, expected) -> None:
    assert how_badly(made()) == expected


def test_schema_failures_say_what_is_missing() -> None:
    rule = Rule("column_type", column="amount", family="float", table="orders")
    found = Outcome(rows=5, failing=1, details="amount is text (object), not float")
    failed = judge(rule, found, sql="", engine="pandas")
    assert how_badly(failed) == "amount is text (object), not float"


def test_downstream_comes_from_lineage_impact(lineage: LineageGraph) -> None:
    [alert] = build_alerts([result(column="amount")], lineage=lineage, at=AT)
    down = alert.downstream
    assert down.known
    assert down.datasets == ("clean_orders", "totals")
    assert down.columns == ("clean_orders.amount", "totals.revenue")
    assert down.checks == ("revenue_positive",)
    text = alert.text()
    assert "Downstream (from lineage):" in text
    assert "2 datasets: 'clean_orders', 'totals'" in text
    assert "2 columns: 'clean_orders.amount', 'totals.revenue'" in text
    assert "1 quality check: 'revenue_positive'" in text


def test_table_rules_and_unknown_tables_in_lineage(lineage: LineageGraph) -> None:
    whole = result("row_count_between", column=None, value=3.0, min=10)
    elsewhere = result(table="refunds")
    [alert] = build_alerts([whole, elsewhere], lineage=lineage, group_by=(), at=AT)
    assert alert.downstream.datasets == ("clean_orders", "totals")  # the whole table's reach
    assert alert.downstream.missing == ("refunds",)
    assert "not in the lineage graph: 'refunds'" in alert.text()


def test_a_lineage_graph_that_cannot_answer_does_not_stop_the_alert() -> None:
    [alert] = build_alerts([result()], lineage=object(), at=AT)
    assert not alert.downstream.known
    assert "Downstream: not known (the lineage graph failed: TypeError:" in alert.text()


def test_without_lineage_the_alert_says_how_to_get_it() -> None:
    [alert] = build_alerts([result()], at=AT)
    assert not alert.downstream.known
    assert "pass lineage= to see what these failures reach" in alert.text()


def test_text_shows_a_short_sample_of_failing_rows() -> None:
    sample = pd.DataFrame({"id": [1, 2, 3, 4], "amount": [-5.0, -1.0, None, 9000.0]})
    [alert] = build_alerts([result(sample=sample, failing=4)], sample_rows=2, at=AT)
    text = alert.text()
    assert "Sample of failing rows of between(amount) (2 of 4):" in text
    assert "-5.0" in text and "-1.0" in text and "9000" not in text
    [none] = build_alerts([result(sample=sample)], sample_rows=0, at=AT)
    assert "Sample" not in none.text()


def test_markdown_slack_and_html_escape_what_they_must() -> None:
    sample = pd.DataFrame({"note": ["<script>&"]})
    failed = result("not_null", column="id", sample=sample, failing=1)
    failed.rule.__dict__["name"] = "id <not> null & more"  # a rule name with markup in it
    [alert] = build_alerts([failed], at=AT)
    slack = alert.markdown(flavor="slack")
    assert "&lt;not&gt;" in slack and "&amp; more" in slack and "<script>" not in slack
    assert slack.startswith("*ERROR: 1 quality rule failed on orders*")
    markdown = alert.markdown()
    assert markdown.startswith("**ERROR: 1 quality rule failed on orders**")
    assert "- `id <not> null & more on orders` [error, completeness]" in markdown
    html = alert.html()
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert html.startswith("<div class='pipelinekit-alert'>") and "<table" in html
    assert alert._repr_html_() == html


def test_slack_payload_stays_within_block_kit_limits() -> None:
    results = [result("not_null", column=f"column_{i:03}", failing=i + 1) for i in range(120)]
    [alert] = build_alerts(results, at=AT)
    payload = slack_payload(alert)
    assert len(payload["blocks"]) <= 50
    header = payload["blocks"][0]
    assert header["type"] == "header" and len(header["text"]["text"]) <= 150
    for block in payload["blocks"][1:-1]:
        assert block["type"] == "section" and len(block["text"]["text"]) <= 3000
    assert payload["blocks"][1]["text"]["text"].endswith("…")
    assert payload["text"].endswith("... and 116 more")


def test_results_of_accepts_reports_lists_and_single_results() -> None:
    one = result()

    class Report:  # what check() returns: anything with .results
        results = [one]

    assert results_of(Report()) == [one]
    assert results_of([one]) == [one]
    assert results_of(one) == [one]
    with pytest.raises(InvalidValueError, match="Alerts were given dict"):
        results_of({"results": 1})
