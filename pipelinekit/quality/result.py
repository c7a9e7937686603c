"""What checking a rule gives: plain records, the same whichever engine computed them.

An engine (:mod:`.compile` for DuckDB and PostgreSQL, :mod:`.pandas_backend` for
pandas) turns a :class:`~pipelinekit.quality.rule.Rule` and a table into an
:class:`Outcome` — the raw numbers. :func:`judge` turns an outcome into a
:class:`RuleResult`: passed or failed, how badly, and why.

Examples
--------
>>> from pipelinekit.quality.rule import Rule
>>> rule = Rule("between", column="amount", min=0)
>>> result = judge(rule, Outcome(rows=200, failing=3), sql="SELECT ...", engine="duckdb")
>>> result.passed, result.failing_share
(False, 0.015)
>>> print(result.message)
3 of 200 rows (1.50 %) fail between(amount)
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

import pandas as pd

from pipelinekit.quality.rule import Dimension, Rule, Severity, duration_seconds

__all__ = ["Engine", "Outcome", "RuleResult", "Status", "judge"]

Engine = Literal["duckdb", "postgresql", "pandas", "sqlalchemy"]
Status = Literal["passed", "failed", "error", "skipped"]


@dataclasses.dataclass
class Outcome:
    """The raw numbers an engine computed for one rule on one table.

    Row-level rules fill ``rows`` and ``failing`` (and ``sample``: up to a few failing
    rows, all columns); metric rules fill ``value`` (and ``rows``); schema rules fill
    ``failing`` with the number of problems and ``details`` with them. ``error`` is set
    instead when the rule could not be checked (an unknown column, a broken query): that
    is reported, never counted as a pass.
    """

    rows: int = 0
    failing: int = 0
    value: float | None = None
    sample: pd.DataFrame | None = None
    details: str = ""
    error: str | None = None


@dataclasses.dataclass
class RuleResult:
    """One rule's verdict on one table."""

    rule: Rule
    status: Status
    rows: int
    failing: int
    failing_share: float
    value: float | None
    message: str
    sql: str
    engine: str
    sample: pd.DataFrame | None = None
    table: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def dimension(self) -> Dimension:
        return self.rule.dimension

    def as_row(self) -> dict[str, Any]:
        """One row of a results table."""
        return {
            "table": self.table or self.rule.table or "",
            "rule": self.rule.name,
            "kind": self.rule.kind,
            "dimension": self.dimension,
            "severity": self.severity,
            "status": self.status,
            "rows": self.rows,
            "failing": self.failing,
            "failing_share": self.failing_share,
            "value": self.value,
            "message": self.message,
        }


def judge(
    rule: Rule, outcome: Outcome, *, sql: str, engine: str, table: str | None = None
) -> RuleResult:
    """Turn an engine's numbers into a verdict, with a message for people."""
    share = outcome.failing / outcome.rows if outcome.rows else 0.0
    if outcome.error is not None:
        status: Status = "error"
        message = f"{rule.name} could not be checked: {outcome.error}"
    elif rule.level == "metric":
        status, message = _judge_metric(rule, outcome)
        share = 0.0 if status == "passed" else 1.0
    elif outcome.failing:
        status = "failed"
        if rule.level == "schema":
            message = f"{rule.name}: {outcome.details}"
        else:
            message = (
                f"{outcome.failing:,} of {outcome.rows:,} rows ({share:.2%}) fail {rule.name}"
            ).replace("%", " %")
    else:
        status = "passed"
        message = f"{rule.name}: all {outcome.rows:,} rows pass"
    return RuleResult(
        rule=rule,
        status=status,
        rows=outcome.rows,
        failing=outcome.failing,
        failing_share=share,
        value=outcome.value,
        message=message,
        sql=sql,
        engine=engine,
        sample=outcome.sample,
        table=table or rule.table,
    )


def _judge_metric(rule: Rule, outcome: Outcome) -> tuple[Status, str]:
    low, high = rule.params.get("min"), rule.params.get("max")
    if rule.kind == "freshness":  # the value is the age of the newest row, in seconds
        high = duration_seconds(rule.params["max_age"])
    bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
    value = outcome.value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "failed", f"{rule.name}: no value to compare (empty table or all NULL)"
    inside = (low is None or value >= low) and (high is None or value <= high)
    verdict = "within" if inside else "outside"
    return ("passed" if inside else "failed"), f"{rule.name} = {value:.6g}, {verdict} {bounds}"
