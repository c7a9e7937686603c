"""The quality score: the stated formula, hand-computed, with weights and a visible breakdown."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.result import Outcome, RuleResult, judge
from pipelinekit.quality.rule import Rule
from pipelinekit.quality.score import FORMULA, score


def result(rule: Rule, status: str = "passed", table: str | None = None) -> RuleResult:
    if status == "error":
        outcome = Outcome(rows=10, error="unknown column")
    elif rule.level == "metric":
        outcome = Outcome(rows=10, value=5.0 if status == "passed" else 1e9)
    else:
        outcome = Outcome(rows=10, failing=0 if status == "passed" else 1)
    answer = judge(rule, outcome, sql="", engine="pandas", table=table)
    if status == "skipped":
        answer.status = "skipped"
    assert answer.status == status
    return answer


def rules_of(table: str) -> list[RuleResult]:
    """completeness 2/3, uniqueness 1/1, validity 0/1 (plus an error), volume 1/1."""
    return [
        result(Rule("not_null", column="a"), "passed", table),
        result(Rule("not_null", column="b"), "passed", table),
        result(Rule("not_null", column="c"), "failed", table),
        result(Rule("unique", column="a"), "passed", table),
        result(Rule("between", column="x", min=0), "failed", table),
        result(Rule("in_set", column="y", values=["a"]), "error", table),
        result(Rule("row_count_between", min=1, max=100), "passed", table),
        result(Rule("mean_between", column="x", max=5), "skipped", table),
    ]


def test_each_dimension_counts_the_same_by_default() -> None:
    quality = score(rules_of("orders"))
    # rates: completeness 2/3, uniqueness 1, validity 0/2, volume 1 -> mean of the four
    assert quality.overall == pytest.approx((2 / 3 + 1 + 0 + 1) / 4)
    assert quality.by_table == {"orders": quality.overall}
    breakdown = quality.breakdown.set_index("dimension")
    assert breakdown.index.tolist() == ["completeness", "uniqueness", "validity", "volume"]
    assert breakdown.loc["validity", ["rules", "passed"]].tolist() == [2, 0]  # error = failed
    assert "distribution" not in breakdown.index  # the skipped rule is left out
    assert breakdown["contribution"].sum() == pytest.approx(quality.overall)
    assert breakdown.loc["completeness", "contribution"] == pytest.approx(2 / 3 / 4)


def test_weights_change_the_share_of_each_dimension() -> None:
    quality = score(rules_of("orders"), weights={"completeness": 2, "validity": 0})
    # (2 * 2/3 + 1 * 1 + 0 * 0 + 1 * 1) / (2 + 1 + 0 + 1)
    assert quality.overall == pytest.approx((4 / 3 + 2) / 4)
    assert quality.weights["completeness"] == 2 and quality.weights["timeliness"] == 1
    assert quality.breakdown.set_index("dimension").loc["validity", "contribution"] == 0


def test_overall_pools_the_rules_of_every_table() -> None:
    perfect = [result(Rule("not_null", column="id"), "passed", "customers")]
    quality = score(rules_of("orders") + perfect)
    assert quality.by_table["customers"] == 1.0
    assert quality.by_table["orders"] == pytest.approx((2 / 3 + 1 + 0 + 1) / 4)
    # completeness pools 3 of 4 across the tables; the other dimensions as before
    assert quality.overall == pytest.approx((3 / 4 + 1 + 0 + 1) / 4)
    assert set(quality.tables["table"]) == {"orders", "customers"}
    assert "per table" in str(quality) and "customers: 100.0 %" in str(quality)


def test_the_formula_and_breakdown_are_shown() -> None:
    quality = score(rules_of("orders"))
    text = str(quality)
    assert text.splitlines()[0] == "Quality score 66.7 % = Σ w·rate / Σ w over 4 dimensions"
    assert "validity          2       0    0.0 %       1         0.0 %" in text
    html = quality._repr_html_()
    assert "<th>contribution</th>" in html and FORMULA in html.replace("&#x27;", "'")
    assert repr(quality) == "QualityScore(overall=0.6667, tables=1)"


def test_a_results_frame_scores_like_the_results() -> None:
    frame = pd.DataFrame([r.as_row() for r in rules_of("orders")])
    assert score(frame).overall == pytest.approx(score(rules_of("orders")).overall)
    with pytest.raises(InvalidValueError, match="no column dimension"):
        score(frame.drop(columns="dimension"))


def test_nothing_checked_has_no_score() -> None:
    quality = score([result(Rule("not_null", column="a"), "skipped")])
    assert math.isnan(quality.overall) and quality.by_table == {}
    assert str(quality) == "Quality score: none, no rule was checked"


def test_bad_weights_are_explained() -> None:
    with pytest.raises(UnknownNameError, match="Unknown dimension 'completenes'.*completeness"):
        score(rules_of("t"), weights={"completenes": 2})
    with pytest.raises(InvalidValueError, match="Weight -1 for 'validity'"):
        score(rules_of("t"), weights={"validity": -1})
    with pytest.raises(InvalidValueError, match="has weight 0"):
        score([result(Rule("not_null", column="a"))], weights={"completeness": 0})
    with pytest.raises(InvalidValueError, match="Cannot score a int"):
        score([1])
