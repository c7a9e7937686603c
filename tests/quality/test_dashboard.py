"""Plotly dashboards of the quality history: score, failing checks, metric trends."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.check import check
from pipelinekit.quality.dashboard import (
    dashboard,
    failing_checks,
    metric_trend,
    score_over_time,
)
from pipelinekit.quality.detect import mad, zscore
from pipelinekit.quality.history import metric_history, record, results_history, runs
from pipelinekit.quality.result import Outcome, judge
from pipelinekit.quality.rule import Rule

START = pd.Timestamp("2024-05-01")
DROP = 24  # the day the row count collapses


def day_results(day: int) -> list:
    rows = 300 if day == DROP else 1000 + 10 * (day % 7)
    return [
        judge(Rule("not_null", column="email", table="orders"),
              Outcome(rows=rows, failing=4 if day in (10, DROP) else 0),
              sql="SELECT count(*) FROM orders WHERE email IS NULL", engine="duckdb"),
        judge(Rule("between", column="amount", min=0, severity="warn", table="orders"),
              Outcome(rows=rows, failing=1 if day % 5 == 0 else 0), sql="", engine="duckdb"),
        judge(Rule("row_count_between", min=200, table="orders"),
              Outcome(rows=rows, value=float(rows)), sql="", engine="duckdb"),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def metadata(tmp_path_factory):
    """30 daily runs of 'orders'; on day 24 the row count collapses, within the rule."""
    path = tmp_path_factory.mktemp("history") / "metadata.duckdb"
    for day in range(30):
        record(day_results(day), at=START + pd.Timedelta(days=day), path=path)
    return path


def test_score_over_time_has_one_line_per_table_in_percent(metadata):
    figure = score_over_time(runs(metadata))
    (trace,) = figure.data
    assert trace.name == "orders" and trace.mode == "lines+markers"
    assert len(trace.y) == 30
    assert trace.y[0] == pytest.approx(100 * 2 / 3)  # between fails on day 0: 2 of 3 dimensions
    assert trace.y[DROP] == pytest.approx(100 * 2 / 3)  # not_null failed, volume passed
    assert trace.y[1] == 100.0
    assert figure.layout.title.text == "Quality score over time of orders"
    assert figure.layout.xaxis.title.text == "run"
    assert figure.layout.yaxis.title.text == "score (%)"
    same = score_over_time(metric_history("orders", "score", path=metadata))
    assert same.data[0].y == trace.y


def test_score_over_time_refuses_another_metric(metadata):
    with pytest.raises(InvalidValueError, match="metric 'rows' given to score_over_time"):
        score_over_time(metric_history("orders", "rows", path=metadata))
    with pytest.raises(InvalidValueError, match="started_at and score"):
        score_over_time(pd.DataFrame({"x": [1]}))


def test_failing_checks_of_a_history_is_a_grid_of_verdicts(metadata):
    figure = failing_checks(results_history("orders", path=metadata))
    traces = {trace.name: trace for trace in figure.data}
    assert set(traces) == {"passed", "failed (warn)", "failed (error)"}
    failed = traces["failed (error)"]
    assert set(failed.y) == {"not_null(email)"}
    assert [pd.Timestamp(x) for x in failed.x] == [START + pd.Timedelta(days=d) for d in (10, DROP)]
    assert len(traces["failed (warn)"].x) == 6  # days 0, 5, ..., 25
    assert all(trace.marker.symbol == "square" for trace in figure.data)
    assert figure.layout.yaxis.categoryarray[-1] == "between(amount)"  # most failures on top
    assert "2 of 3 rules failed at least once" in figure.layout.title.text
    assert figure.layout.xaxis.title.text == "run" and figure.layout.yaxis.title.text == "rule"


def test_failing_checks_of_a_report_are_bars_by_severity():
    orders = pd.DataFrame({"order_id": [1, 2, 2, 4], "amount": [10.0, -5.0, 20.0, None]})
    report = check(
        orders,
        [
            Rule("unique", column="order_id"),
            Rule("between", column="amount", min=0, severity="warn"),
            Rule("not_null", column="amuont"),
            Rule("row_count_between", min=1),
        ],
        name="orders",
    )
    figure = failing_checks(report)
    bars = {trace.name: trace for trace in figure.data}
    assert set(bars) == {"could not be checked", "warn", "error"}
    assert bars["error"].y == ("orders: unique(order_id)",) and bars["error"].x == (50.0,)
    assert bars["warn"].x == (25.0,)
    assert bars["could not be checked"].x == (100.0,)
    assert figure.layout.xaxis.title.text == "failing rows (%)"
    assert figure.layout.title.text == "Failing checks of orders (3)"
    passing = failing_checks(check(orders, [Rule("row_count_between", min=1)]))
    assert not passing.data and passing.layout.annotations[0].text == "every rule passed"
    with pytest.raises(InvalidValueError, match="top=0"):
        failing_checks(report, top=0)
    with pytest.raises(InvalidValueError, match="failing_checks was given a str"):
        failing_checks("orders")


def test_metric_trend_marks_the_anomaly_inside_a_threshold_band(metadata):
    history = metric_history("orders", "rows", path=metadata)
    found = zscore(history)
    figure = metric_trend(history, found)
    names = [trace.name for trace in figure.data]
    assert names == ["threshold band", "threshold band", "expected", "rows", "anomaly"]
    upper, lower, expected, rows, anomaly = figure.data
    assert lower.fill == "tonexty" and upper.fill is None
    assert upper.y[:7] == (None,) * 7  # too little history: no band yet
    assert all(u > lo for u, lo in zip(upper.y[7:], lower.y[7:], strict=True))
    assert expected.line.dash == "dash"
    assert len(rows.y) == 30
    assert anomaly.mode == "markers" and anomaly.marker.symbol == "x"
    assert [pd.Timestamp(x) for x in anomaly.x] == [START + pd.Timedelta(days=DROP)]
    assert anomaly.y == (300.0,)
    assert figure.layout.title.text == "rows of orders, with zscore anomalies"
    assert figure.layout.yaxis.title.text == "rows" and figure.layout.xaxis.title.text == "run"
    by_name = metric_trend(history, "mad", threshold=3.5)
    assert by_name.to_json() == metric_trend(history, mad(history, threshold=3.5)).to_json()
    plain = metric_trend(history)
    assert [trace.name for trace in plain.data] == ["rows"]


def test_metric_trend_refuses_an_answer_about_another_history(metadata):
    history = metric_history("orders", "rows", path=metadata)
    with pytest.raises(InvalidValueError, match="not those of the history"):
        metric_trend(history, zscore(history.head(20)))
    with pytest.raises(InvalidValueError, match="without a detector's name"):
        metric_trend(history, threshold=3)
    with pytest.raises(InvalidValueError, match="at and value"):
        metric_trend(pd.DataFrame({"when": [1]}))


def test_the_dashboard_stacks_three_panels_and_its_json_is_deterministic(metadata):
    figure = dashboard("orders", path=metadata)
    titles = [annotation.text for annotation in figure.layout.annotations]
    assert titles[0] == "Quality score over time of orders"
    assert titles[1].startswith("Failing checks over time of orders")
    assert titles[2] == "rows of orders, with zscore anomalies"
    assert figure.layout.title.text == "Data quality of orders"
    assert {trace.yaxis for trace in figure.data} == {"y", "y2", "y3"}
    assert figure.layout.yaxis.title.text == "score (%)"
    assert figure.layout.yaxis2.title.text == "rule"
    assert figure.layout.yaxis3.title.text == "rows"
    assert [t.name for t in figure.data if t.yaxis == "y3"][-1] == "anomaly"
    first, second = figure.to_json(), dashboard("orders", path=metadata).to_json()
    assert first == second
    assert '"uid"' not in first
    assert json.loads(first)["layout"]["template"]["layout"]  # a named template, embedded


def test_the_dashboard_names_an_unknown_table_or_metric(metadata):
    with pytest.raises(UnknownNameError, match="did you mean 'orders'"):
        dashboard("order", path=metadata)
    with pytest.raises(UnknownNameError, match="No metric 'row'"):
        dashboard("orders", path=metadata, metric="row")
