"""The result of one check, and how several results make a question's score.

A check (:mod:`pipelinekit.grading.checks`, :mod:`pipelinekit.grading.public`) returns a
:class:`CheckResult`: a score between 0 and 1, a message saying what it found, a hint on
what to look at next and, when it helps, a few rows of details. Results are plain data:
the grader stores them, a notebook shows them (as text or HTML).

Examples
--------
>>> from pipelinekit.grading.result import CheckResult, question_score
>>> columns = CheckResult("columns", 1.0, "All 3 columns are there")
>>> rows = CheckResult("rows", 0.5, "12 rows, 10 expected", hint="check the join")
>>> print(rows)
✗ rows: 12 rows, 10 expected (score 0.50)
  Hint: check the join
>>> question_score([columns, rows], points=2)
1.5
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipelinekit.errors import InvalidValueError

__all__ = ["CheckResult", "question_score"]

_COLOURS = {"pass": "#2e7d32", "partial": "#b26a00", "fail": "#c62828"}


@dataclass(frozen=True)
class CheckResult:
    """What one check found: a score in [0, 1] and words that teach.

    Parameters
    ----------
    name : str
        What was checked ("frame_equal", "q1").
    score : float
        1.0 for a full pass, 0.0 for a fail, in between for partial credit.
    message : str
        What the check found, in one sentence.
    hint : str, optional
        What to try next; ``None`` when there is nothing to fix.
    details : str, optional
        A few lines backing the message (at most a handful of rows).

    Examples
    --------
    >>> result = CheckResult("row_count", 1, "10 rows, as expected")
    >>> result.passed, result.score
    (True, 1.0)
    >>> CheckResult("row_count", 1.5, "too good")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: Score 1.5 of check 'row_count'; expected a number ...
    """

    name: str
    score: float
    message: str
    hint: str | None = None
    details: str | None = None

    def __post_init__(self) -> None:
        try:
            score = float(self.score)
        except (TypeError, ValueError):
            score = math.nan
        if not 0.0 <= score <= 1.0:  # also False for NaN
            raise InvalidValueError(
                f"Score {self.score!r} of check '{self.name}'",
                "a number from 0 to 1",
                "a check scores 1 for a pass, 0 for a fail and a share in between",
            )
        object.__setattr__(self, "score", score)

    @property
    def passed(self) -> bool:
        """Whether the check gave full marks."""
        return self.score >= 1.0

    @property
    def status(self) -> str:
        """``"pass"``, ``"partial"`` or ``"fail"``."""
        if self.passed:
            return "pass"
        return "partial" if self.score > 0 else "fail"

    def __str__(self) -> str:
        mark = "✓" if self.passed else "✗"
        lines = [f"{mark} {self.name}: {self.message} (score {self.score:.2f})"]
        if self.hint:
            lines.append(f"  Hint: {self.hint}")
        if self.details:
            lines.extend("  " + line for line in self.details.splitlines())
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Show the result as :meth:`__str__` does in IPython's plain-text output."""
        printer.text(str(self))

    def _repr_html_(self) -> str:
        """Show the result as a small coloured box in Jupyter."""
        colour = _COLOURS[self.status]
        mark = "✓" if self.passed else "✗"
        parts = [
            f'<div class="pk-check pk-check-{self.status}" style="border-left: 4px solid '
            f'{colour}; padding: 4px 10px; margin: 4px 0;">',
            f'<b style="color: {colour}">{mark} {html.escape(self.name)}</b>: '
            f"{html.escape(self.message)} "
            f'<span style="color: #666">(score {self.score:.2f})</span>',
        ]
        if self.hint:
            parts.append(f"<div><b>Hint:</b> {html.escape(self.hint)}</div>")
        if self.details:
            parts.append(f'<pre style="margin: 4px 0">{html.escape(self.details)}</pre>')
        parts.append("</div>")
        return "\n".join(parts)


def question_score(
    results: Sequence[CheckResult],
    *,
    points: float = 1.0,
    weights: Sequence[float] | None = None,
) -> float:
    """A question's score: ``points`` times the (weighted) mean score of its checks.

    Parameters
    ----------
    results : sequence of CheckResult
        The results of the question's checks (at least one).
    points : float, default 1.0
        What the question is worth.
    weights : sequence of float, optional
        One non-negative weight per result; equal weights when omitted.

    Returns
    -------
    float
        Between 0 and ``points``, rounded to 4 decimals.

    Examples
    --------
    >>> a = CheckResult("frame_equal", 0.6, "6 of 10 rows match")
    >>> b = CheckResult("unique_key", 1.0, "order_id is unique")
    >>> question_score([a, b], points=2)
    1.6
    >>> question_score([a, b], points=2, weights=[3, 1])
    1.4
    """
    results = list(results) if not isinstance(results, CheckResult) else [results]
    if not results:
        raise InvalidValueError(
            "No check results",
            "at least one CheckResult",
            "a hidden check cell assigns e.g. `checks = [frame_equal(answer, expected)]`",
        )
    strangers = [type(r).__name__ for r in results if not isinstance(r, CheckResult)]
    if strangers:
        raise InvalidValueError(
            f"Check results of type {', '.join(sorted(set(strangers)))}",
            "CheckResult objects",
            "call the check functions (frame_equal(...)) rather than listing their names",
        )
    if not (isinstance(points, int | float) and math.isfinite(points) and points >= 0):
        raise InvalidValueError(f"Points {points!r}", "a non-negative number")
    if weights is None:
        weights = [1.0] * len(results)
    weights = [float(w) for w in weights]
    if len(weights) != len(results) or any(not w >= 0 for w in weights) or sum(weights) <= 0:
        raise InvalidValueError(
            f"Weights {weights!r} for {len(results)} results",
            "one non-negative weight per result, not all zero",
        )
    mean = sum(w * r.score for w, r in zip(weights, results, strict=True)) / sum(weights)
    return round(points * mean, 4)
