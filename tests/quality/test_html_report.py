"""The self-contained HTML quality report: one file, nothing fetched, everything escaped."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from pipelinekit.errors import InvalidValueError, OutputError
from pipelinekit.quality.check import check
from pipelinekit.quality.detect import zscore
from pipelinekit.quality.history import metric_history, record, results_history, runs
from pipelinekit.quality.html_report import render_html_report, svg_trend, write_html_report
from pipelinekit.quality.profile import profile
from pipelinekit.quality.rule import Rule

HOSTILE = '<script>alert("x")</script>'
EXTERNAL = re.compile(r"""(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture
def report():
    customers = pd.DataFrame(
        {
            "customer_id": [1, 2, 2, 4],
            "email": ["a@shop.io", HOSTILE, None, "d@shop.io"],
            "<img src=x onerror=alert(1)>": [1, None, 3, 4],
        }
    )
    rules = [
        Rule("unique", column="customer_id"),
        Rule("matches_regex", column="email", pattern="^[^@ ]+@[^@ ]+$", severity="warn",
             name=f"email {HOSTILE}", description="</pre><script>steal()</script>"),
        Rule("not_null", column="<img src=x onerror=alert(1)>"),
        Rule("row_count_between", min=1),
    ]  # fmt: skip
    return check(customers, rules, name="customers", now="2024-05-01")


@pytest.fixture
def history(tmp_path):
    path = tmp_path / "metadata.duckdb"
    good = check(pd.DataFrame({"id": range(100)}), [Rule("not_null", column="id")], name="orders")
    for day in range(12):
        rows = 30 if day == 10 else 100 + day % 3
        record(good, table="orders", rows=rows, at=f"2024-05-{day + 1:02d}", path=path)
    return path


def test_the_report_is_one_file_with_no_external_reference(report, history, tmp_path):
    out = tmp_path / "out" / "quality.html"
    rows = metric_history("orders", "rows", path=history)
    written = write_html_report(
        out,
        report=report,
        profile=profile(report_frame(), name="customers"),
        history={
            "rows of orders": zscore(rows, min_history=5),
            "score": runs(history),
            "verdicts": results_history("orders", path=history),
        },
        title=f"Quality of {HOSTILE}",
    )
    assert written == out
    assert [p.name for p in out.parent.iterdir()] == ["quality.html"]  # nothing staged is left
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not EXTERNAL.search(page)
    assert "http" not in page.lower()  # no URL at all, not even the SVG namespace
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert "@import" not in page and "url(" not in page
    assert "<style>" in page  # the CSS is inline


def report_frame():
    return pd.DataFrame({"customer_id": [1, 2, 2, 4], "email": ["a@b.io", None, "c@d.io", HOSTILE]})


def test_failing_rules_show_with_their_sql_and_rows(report):
    page = render_html_report(report=report)
    failing = [r for r in report.results if r.status != "passed"]
    assert len(failing) == 3
    for result in failing:
        assert html.escape(result.rule.name) in page
        assert html.escape(result.message) in page
        if result.sql:
            assert html.escape(result.sql) in page
    assert "unique(customer_id)" in page and "SELECT" in page
    assert "FAILED" in page and "Failing rules (3)" in page
    assert "Failing rows: 2 of 2" in page  # the two rows with customer_id 2
    assert "Score" in page and "%" in page


def test_hostile_names_and_values_are_escaped(report):
    page = render_html_report(report=report, title=HOSTILE)
    assert HOSTILE not in page
    assert html.escape(HOSTILE) in page
    assert "<img" not in page and html.escape("<img src=x onerror=alert(1)>") in page
    assert "</pre><script>" not in page
    assert "<script" not in page


def test_the_page_depends_only_on_its_inputs(report):
    assert render_html_report(report=report) == render_html_report(report=report)


def test_a_profile_alone_makes_a_report(tmp_path):
    path = write_html_report(
        tmp_path / "profile.html", profile=[profile(report_frame(), name="customers")]
    )
    page = path.read_text()
    assert "Profile of customers" in page and "candidate keys" in page
    assert "Failing rules" not in page


def test_history_charts_are_inline_svg_with_the_band_and_anomalies(history):
    rows = metric_history("orders", "rows", path=history)
    found = zscore(rows, min_history=5)
    assert found["is_anomaly"].sum() == 1
    page = render_html_report(report=check(pd.DataFrame({"x": [1]}), []), history=found)
    (svg,) = re.findall(r"<svg.*?</svg>", page, flags=re.DOTALL)
    assert svg.count("<polygon") == 1  # the band, from the 6th point on
    assert svg.count('stroke="#cf222e"') == 1  # one ring: the anomaly
    assert "2024-05-11: 30 — anomaly, outside" in svg
    assert "rows of orders — zscore: 1 anomaly" in page
    grid = render_html_report(report=check(pd.DataFrame({"x": [1]}), []),
                              history=results_history("orders", path=history))  # fmt: skip
    assert grid.count("<rect") == 12


def test_svg_trend_leaves_gaps_for_missing_values():
    svg = svg_trend([1, 2, 3, 4, 5], [1.0, 2.0, float("nan"), 4.0, 5.0], label="x")
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 4
    assert "no value recorded" in svg_trend([1], [float("nan")])


def test_mistakes_are_named(report, tmp_path):
    with pytest.raises(InvalidValueError, match="Nothing to report"):
        render_html_report()
    with pytest.raises(InvalidValueError, match="history= is a list"):
        render_html_report(report=report, history=[1])
    with pytest.raises(InvalidValueError, match="A history frame with the columns x"):
        render_html_report(report=report, history=pd.DataFrame({"x": [1]}))
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="Cannot write the HTML report"):
        write_html_report(blocker / "quality.html", report=report)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
