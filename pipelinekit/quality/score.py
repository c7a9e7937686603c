"""One number for the quality of a table, with the arithmetic in plain sight.

The formula
-----------
For each dimension ``d`` of data quality (completeness, validity, ...):

* ``rate_d = passed_d / checked_d`` — the share of the dimension's rules that passed.
  A rule that could not be checked (status ``error``) counts as checked and not passed;
  a ``skipped`` rule does not count at all.
* ``score = Σ w_d · rate_d / Σ w_d`` over the dimensions with at least one checked rule.
  Every weight ``w_d`` is 1 unless ``weights`` says otherwise, so by default each
  dimension counts the same, however many rules it has.

A table's score applies the formula to the table's rules; the **overall** score applies
the same formula to the rules of every table together (a dimension's rate pools its rules
across tables), so with one table the overall score is that table's. The ``contribution``
column of :attr:`QualityScore.breakdown` is ``w_d · rate_d / Σ w_d``: the contributions
add up to the score.

Examples
--------
>>> from pipelinekit.quality.result import Outcome, judge
>>> from pipelinekit.quality.rule import Rule
>>> def result(rule, failing):
...     return judge(rule, Outcome(rows=10, failing=failing), sql="", engine="pandas")
>>> results = [
...     result(Rule("not_null", column="id"), 0),
...     result(Rule("not_null", column="email"), 2),
...     result(Rule("between", column="amount", min=0), 0),
... ]
>>> quality = score(results)
>>> quality.overall  # completeness 1/2, validity 1/1: (0.5 + 1) / 2
0.75
>>> score(results, weights={"completeness": 3}).overall  # (3 * 0.5 + 1 * 1) / 4
0.625
>>> print(quality)
Quality score 75.0 % = Σ w·rate / Σ w over 2 dimensions
dimension     rules  passed  rate     weight  contribution
completeness      2       1   50.0 %       1       25.0 %
validity          1       1  100.0 %       1       50.0 %
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.result import RuleResult
from pipelinekit.quality.rule import DIMENSIONS

__all__ = ["FORMULA", "QualityScore", "score"]

#: The formula, as every score shows it.
FORMULA = (
    "rate_d = passed / checked rules of dimension d (errors count as failed, skipped rules"
    " are left out); score = Σ w_d · rate_d / Σ w_d over the dimensions checked"
)
_BREAKDOWN = ["dimension", "rules", "passed", "rate", "weight", "contribution"]
_UNNAMED = "(unnamed)"


@dataclasses.dataclass(frozen=True)
class QualityScore:
    """A quality score: overall, per table, and the per-dimension arithmetic behind it.

    Attributes
    ----------
    overall : float
        0 to 1; NaN when no rule was checked.
    by_table : dict of str to float
        Each table's score (``'(unnamed)'`` for results that name no table).
    breakdown : DataFrame
        The overall arithmetic: ``dimension``, ``rules`` (checked), ``passed``, ``rate``,
        ``weight``, ``contribution``.
    tables : DataFrame
        The same, per table (a ``table`` column first).
    weights : dict of str to float
        The weight of every dimension.
    formula : str
        :data:`FORMULA`.
    """

    overall: float
    by_table: dict[str, float]
    breakdown: pd.DataFrame
    tables: pd.DataFrame
    weights: dict[str, float]
    formula: str = FORMULA

    def __str__(self) -> str:
        lines = [self._headline()]
        if not self.breakdown.empty:
            lines.append(_text_table(self.breakdown))
        if len(self.by_table) > 1:
            lines.append("per table (same formula on each table's rules):")
            lines += [f"  {name}: {_percent(value)}" for name, value in self.by_table.items()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"QualityScore(overall={self.overall:.4g}, tables={len(self.by_table)})"

    def _headline(self) -> str:
        if math.isnan(self.overall):
            return "Quality score: none, no rule was checked"
        count = len(self.breakdown)
        return (
            f"Quality score {_percent(self.overall)} = Σ w·rate / Σ w over {count}"
            f" dimension{'s' if count != 1 else ''}"
        )

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{escape(c)}</th>" for c in _BREAKDOWN)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(v)}</td>" for v in _cells(row)) + "</tr>"
            for row in self.breakdown.to_dict("records")
        )
        tables = ""
        if len(self.by_table) > 1:
            tables = (
                "<p>per table: "
                + ", ".join(
                    f"{escape(name)} {_percent(value)}" for name, value in self.by_table.items()
                )
                + "</p>"
            )
        return (
            f"<b>{escape(self._headline())}</b>"
            f"<table><tr>{head}</tr>{body}</table>{tables}"
            f"<p><small>{escape(self.formula)}</small></p>"
        )


def score(results_or_report: Any, *, weights: Mapping[str, float] | None = None) -> QualityScore:
    """Score check results: a weighted pass rate per dimension (see the module's formula).

    Parameters
    ----------
    results_or_report : QualityReport, list of RuleResult or DataFrame
        What :func:`pipelinekit.quality.check.check` returned, its ``results``, or a
        results table with ``dimension`` and ``status`` columns (and ``table``), such as
        ``report.frame`` or :func:`pipelinekit.quality.history.results_history`.
    weights : mapping of str to float, optional
        The weight of a dimension (default 1 each); ``{"completeness": 2}`` counts
        completeness twice. A weight of 0 leaves the dimension out.

    Returns
    -------
    QualityScore

    Raises
    ------
    UnknownNameError
        A weight for a dimension that does not exist.
    InvalidValueError
        A negative weight, or weights that are all 0 for the dimensions checked.
    """
    frame = _frame(results_or_report)
    chosen = _weights(weights)
    checked = frame[frame["status"] != "skipped"]
    overall, breakdown = _score(checked, chosen)
    parts, by_table = [], {}
    for name, rows in checked.groupby("table", sort=False):
        by_table[str(name)], part = _score(rows, chosen)
        parts.append(part.assign(table=str(name)))
    tables = (
        pd.concat(parts, ignore_index=True)[["table", *_BREAKDOWN]]
        if parts
        else pd.DataFrame(columns=["table", *_BREAKDOWN])
    )
    return QualityScore(overall, by_table, breakdown, tables, chosen)


def _frame(source: Any) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        missing = {"dimension", "status"} - set(source.columns)
        if missing:
            raise InvalidValueError(
                f"The results table has no column {', '.join(sorted(missing))}",
                "a results table with dimension and status columns (report.frame)",
            )
        frame = source.copy()
        if "table" not in frame.columns:
            frame["table"] = source.attrs.get("table") or _UNNAMED
    else:
        results = getattr(source, "results", source)
        if isinstance(results, RuleResult):
            results = [results]
        if not isinstance(results, Iterable) or isinstance(results, str | Mapping):
            raise InvalidValueError(
                f"Cannot score a {type(source).__name__}",
                "a quality report, a list of RuleResult or a results DataFrame",
            )
        listed = list(results)
        wrong = [r for r in listed if not isinstance(r, RuleResult)]
        if wrong:
            raise InvalidValueError(
                f"Cannot score a {type(wrong[0]).__name__} among the results",
                "RuleResult objects, as check(...) returns them",
            )
        frame = pd.DataFrame(
            {
                "table": [r.table or r.rule.table or _UNNAMED for r in listed],
                "dimension": [r.dimension for r in listed],
                "status": [r.status for r in listed],
            },
            columns=["table", "dimension", "status"],
        )
    frame["table"] = frame["table"].fillna(_UNNAMED).replace("", _UNNAMED).astype(str)
    return frame


def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    chosen: dict[str, float] = dict.fromkeys(DIMENSIONS, 1.0)
    for dimension, weight in (weights or {}).items():
        if dimension not in chosen:
            raise UnknownNameError.for_name(dimension, DIMENSIONS, kind="dimension")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            raise InvalidValueError(
                f"Weight {weight!r} for '{dimension}'",
                "a number of 0 or more",
                f"weights={{'{dimension}': 2}} counts it twice",
            )
        chosen[dimension] = float(weight)
    return chosen


def _score(checked: pd.DataFrame, weights: dict[str, float]) -> tuple[float, pd.DataFrame]:
    rows = []
    for dimension in DIMENSIONS:  # in the declared order, so every breakdown reads the same
        mine = checked[checked["dimension"] == dimension]
        if mine.empty:
            continue
        passed = int((mine["status"] == "passed").sum())
        rows.append([dimension, len(mine), passed, passed / len(mine), weights[dimension]])
    breakdown = pd.DataFrame(rows, columns=_BREAKDOWN[:-1])
    total = float(breakdown["weight"].sum()) if rows else 0.0
    if rows and total == 0:
        raise InvalidValueError(
            f"Every dimension checked ({', '.join(breakdown['dimension'])}) has weight 0",
            "a positive weight for at least one of them",
        )
    breakdown["contribution"] = (
        breakdown["weight"] * breakdown["rate"] / total if rows else pd.Series(dtype=float)
    )
    overall = float(breakdown["contribution"].sum()) if rows else math.nan
    return overall, breakdown


def _percent(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1%}".replace("%", " %")


def _cells(row: Mapping[str, Any]) -> list[str]:
    return [
        str(row["dimension"]),
        str(row["rules"]),
        str(row["passed"]),
        _percent(row["rate"]),
        f"{row['weight']:g}",
        _percent(row["contribution"]),
    ]


def _text_table(breakdown: pd.DataFrame) -> str:
    rows = [_BREAKDOWN, *(_cells(r) for r in breakdown.to_dict("records"))]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_BREAKDOWN))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
