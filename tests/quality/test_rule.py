"""Rules as plain data: every kind declared once, validated when a rule is made."""

from __future__ import annotations

import pytest

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.result import Outcome, judge
from pipelinekit.quality.rule import DIMENSIONS, KINDS, Rule, duration_seconds, kinds_table


def test_at_least_25_kinds_cover_every_dimension():
    assert len(KINDS) >= 25
    assert {kind.dimension for kind in KINDS.values()} == set(DIMENSIONS)
    assert {row["kind"] for row in kinds_table()} == set(KINDS)


def test_a_rule_knows_its_name_dimension_and_level():
    rule = Rule("between", column="amount", min=0, max=5000, table="orders")
    assert (rule.name, rule.dimension, rule.level, rule.table) == (
        "between(amount)",
        "validity",
        "row",
        "orders",
    )
    assert Rule("unique", column="order_id").columns == ("order_id",)
    assert Rule("unique", columns=["a", "b"]).name == "unique(a, b)"
    assert Rule("row_count_between", min=1).name == "row_count_between()"


@pytest.mark.parametrize(
    "rule",
    [
        Rule("between", column="amount", min=0, max=5000, table="orders", severity="warn"),
        Rule("unique", columns=["order_id", "line"], name="one line per order"),
        Rule("matches_regex", column="email", pattern="^[^@]+@[^@]+$", description="why"),
        Rule("row_count_between", min=10),
    ],
)
def test_to_dict_round_trips(rule):
    data = rule.to_dict()
    kind = data.pop("kind")
    assert Rule(kind, **data) == rule


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Rule("betwen", column="a", min=1), UnknownNameError, "one of 'between'"),
        (lambda: Rule("between", column="a"), InvalidValueError, "neither min nor max"),
        (lambda: Rule("between", column="a", min=5, max=1), InvalidValueError, "above max"),
        (lambda: Rule("between", column="a", mn=1), UnknownNameError, "mean 'min'"),
        (lambda: Rule("between", column="a", min="0"), InvalidValueError, "a number"),
        (lambda: Rule("between", min=1), InvalidValueError, "exactly one column"),
        (lambda: Rule("unique"), InvalidValueError, "one or more key columns"),
        (lambda: Rule("row_count_between", column="x", min=1), InvalidValueError, "no column"),
        (
            lambda: Rule("matches_regex", column="e", pattern="(["),
            InvalidValueError,
            "not a valid regular expression",
        ),
        (lambda: Rule("in_set", column="c", values="FR"), InvalidValueError, "a list"),
        (lambda: Rule("castable_to", column="c", type="int"), UnknownNameError, "'integer'"),
        (lambda: Rule("freshness", column="t", max_age="2 dayz"), InvalidValueError, "duration"),
        (lambda: Rule("not_null", column="c", severity="fatal"), UnknownNameError, "severity"),
        (lambda: Rule("foreign_key", column="c"), InvalidValueError, "missing 'to'"),
    ],
)
def test_bad_rules_are_refused_when_made(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_durations():
    assert duration_seconds("2 days") == 172_800
    assert duration_seconds("1 week") == 604_800
    with pytest.raises(InvalidValueError, match="a duration"):
        duration_seconds("soon")


def test_judging_row_metric_and_error_outcomes():
    row = Rule("not_null", column="email")
    assert judge(row, Outcome(rows=10, failing=0), sql="", engine="duckdb").passed
    failed = judge(row, Outcome(rows=10, failing=2), sql="", engine="duckdb")
    assert (failed.status, failed.failing_share) == ("failed", 0.2)
    metric = Rule("mean_between", column="amount", min=10, max=20)
    assert judge(metric, Outcome(rows=5, value=15.0), sql="", engine="duckdb").passed
    outside = judge(metric, Outcome(rows=5, value=25.0), sql="", engine="duckdb")
    assert outside.status == "failed" and "outside [10, 20]" in outside.message
    empty = judge(metric, Outcome(rows=0, value=None), sql="", engine="duckdb")
    assert empty.status == "failed" and "no value" in empty.message  # never a silent pass
    fresh = Rule("freshness", column="t", max_age="1 day")
    assert judge(fresh, Outcome(rows=1, value=3600.0), sql="", engine="duckdb").passed
    assert not judge(fresh, Outcome(rows=1, value=90_000.0), sql="", engine="duckdb").passed
    broken = judge(row, Outcome(error="Unknown column 'emial'"), sql="", engine="duckdb")
    assert broken.status == "error" and not broken.passed


def test_columns_present_takes_its_columns_as_a_parameter():
    rule = Rule("columns_present", columns=["city", "email"], exact="true")
    assert rule.columns == () and rule.params["columns"] == ["city", "email"]
    data = rule.to_dict()
    assert data == {"kind": "columns_present", "columns": ["city", "email"], "exact": "true"}
    kind = data.pop("kind")
    assert Rule(kind, **data) == rule
