"""What a quality check returns: every rule's verdict, as a table, text, HTML and JSON.

A :class:`QualityReport` holds one :class:`~pipelinekit.quality.result.RuleResult` per
rule, in the order the rules were given. It shows as a table in a notebook (failing rows
of each failed rule underneath, the SQL of every rule in a fold-out), prints as text,
and turns into plain JSON-able data for run history and OpenLineage facets.

Examples
--------
>>> from pipelinekit.quality.result import Outcome, judge
>>> from pipelinekit.quality.rule import Rule
>>> results = [
...     judge(Rule("not_null", column="id"), Outcome(rows=4), sql="", engine="duckdb"),
...     judge(Rule("between", column="amount", min=0, severity="warn"),
...           Outcome(rows=4, failing=1), sql="", engine="duckdb", table="orders"),
... ]
>>> report = QualityReport(results, name="orders", engine="duckdb")
>>> report.passed  # only a warning failed
True
>>> print(report)
Quality report 'orders' (duckdb): 2 rules, 1 passed, 1 failed -> PASSED
  passed  error  not_null(id): all 4 rows pass
  FAILED  warn   orders: 1 of 4 rows (25.00 %) fail between(amount)
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
from collections.abc import Iterator
from typing import Any

import pandas as pd

from pipelinekit.quality.result import RuleResult

__all__ = ["QualityReport", "RESULT_COLUMNS"]

#: Columns of :attr:`QualityReport.frame` (those of ``RuleResult.as_row()``).
RESULT_COLUMNS = [
    "table",
    "rule",
    "kind",
    "dimension",
    "severity",
    "status",
    "rows",
    "failing",
    "failing_share",
    "value",
    "message",
]
_STATUSES = ("passed", "failed", "error", "skipped")
_COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#9a6700", "skipped": "#57606a"}
_SAMPLE_HTML_ROWS = 10


@dataclasses.dataclass
class QualityReport:
    """The results of checking rules on one or more tables.

    Attributes
    ----------
    results : list of RuleResult
        One per rule, in the order the rules were given.
    name : str, optional
        What was checked ("orders", "shop").
    engine : str
        Where the rules ran: ``duckdb``, ``postgresql`` or ``pandas``.
    now : Timestamp, optional
        The reference time of freshness rules.
    mode : {"collect", "fail_fast"}
        Whether the run went through every rule or stopped at the first failing
        ``error`` rule (the rules after it are ``skipped``).
    seconds : float
        How long the check took (not shown in the HTML, which stays deterministic).
    """

    results: list[RuleResult]
    name: str | None = None
    engine: str = "duckdb"
    now: pd.Timestamp | None = None
    mode: str = "collect"
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """No rule of severity ``error`` failed or could not be checked."""
        return not any(r.severity == "error" for r in self.failures)

    @property
    def failures(self) -> list[RuleResult]:
        """The rules that failed or could not be checked (warnings included)."""
        return [r for r in self.results if r.status in ("failed", "error")]

    @property
    def frame(self) -> pd.DataFrame:
        """One row per rule: table, rule, kind, dimension, severity, status, counts, value."""
        return pd.DataFrame([r.as_row() for r in self.results], columns=RESULT_COLUMNS)

    @property
    def by_table(self) -> dict[str, pd.DataFrame]:
        """The results table of each table checked (what a catalog card shows)."""
        frame = self.frame
        return {
            str(table): part.reset_index(drop=True)
            for table, part in frame.groupby("table", sort=False)
        }

    @property
    def counts(self) -> dict[str, int]:
        """How many rules passed, failed, errored and were skipped."""
        return {s: sum(r.status == s for r in self.results) for s in _STATUSES}

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[RuleResult]:
        return iter(self.results)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-able data: the summary and every result with its rule and sample.

        Examples
        --------
        >>> from pipelinekit.quality.result import Outcome, judge
        >>> from pipelinekit.quality.rule import Rule
        >>> result = judge(Rule("not_null", column="id"), Outcome(rows=3), sql="", engine="duckdb")
        >>> data = QualityReport([result], name="t").to_dict()
        >>> data["passed"], data["counts"]["passed"], data["results"][0]["rule"]
        (True, 1, {'kind': 'not_null', 'column': 'id'})
        """
        return {
            "name": self.name,
            "engine": self.engine,
            "mode": self.mode,
            "now": None if self.now is None else self.now.isoformat(),
            "passed": self.passed,
            "counts": self.counts,
            "results": [_result_dict(r) for r in self.results],
        }

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.counts.items() if n)
        title = f"Quality report{f' {self.name!r}' if self.name else ''} ({self.engine})"
        lines = [f"{title}: {len(self)} rules, {counts} -> {_verdict(self)}"]
        for r in self.results:
            status = r.status if r.status in ("passed", "skipped") else r.status.upper()
            where = f"{r.table}: " if r.table else ""
            lines.append(f"  {status:<7} {r.severity:<6} {where}{r.message}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        counts = ", ".join(f"{status}={n}" for status, n in self.counts.items() if n)
        return f"<QualityReport {self.name or ''} {_verdict(self)}: {counts}>"

    def _repr_html_(self) -> str:
        return _html(self)


def _verdict(report: QualityReport) -> str:
    return "PASSED" if report.passed else "FAILED"


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


def _result_dict(result: RuleResult) -> dict[str, Any]:
    row = {key: _plain(value) for key, value in result.as_row().items()}
    row["rule"] = result.rule.to_dict()
    row["name"] = result.rule.name
    row["engine"] = result.engine
    row["sql"] = result.sql
    sample = result.sample
    row["sample"] = (
        None
        if sample is None
        else json.loads(sample.to_json(orient="records", date_format="iso", date_unit="s"))
    )
    return row


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


def _html(report: QualityReport) -> str:
    counts = ", ".join(f"{n} {status}" for status, n in report.counts.items() if n)
    verdict = _verdict(report)
    colour = _COLOURS["passed" if report.passed else "failed"]
    title = f"Quality report{f' {report.name!r}' if report.name else ''}"
    now = f", reference time {report.now.isoformat(sep=' ')}" if report.now is not None else ""
    parts = [
        '<div class="pk-quality-report">',
        f"<p><strong>{html.escape(title)}</strong> ({html.escape(report.engine)}{now}):"
        f" {len(report)} rules, {html.escape(counts)} &mdash; "
        f'<strong style="color:{colour}">{verdict}</strong></p>',
        '<table class="pk-quality-results">',
        "<thead><tr><th>status</th><th>table</th><th>rule</th><th>dimension</th>"
        "<th>severity</th><th>rows</th><th>failing</th><th>share</th><th>value</th>"
        "<th>message</th></tr></thead>",
        "<tbody>",
    ]
    for r in report.results:
        share = f"{r.failing_share:.2%}" if r.rule.level == "row" and r.rows else ""
        parts.append(
            f'<tr><td style="color:{_COLOURS[r.status]}"><strong>{r.status}</strong></td>'
            f"<td>{_cell(r.table)}</td><td>{_cell(r.rule.name)}</td><td>{r.dimension}</td>"
            f"<td>{r.severity}</td><td>{_cell(r.rows)}</td><td>{_cell(r.failing)}</td>"
            f"<td>{share}</td><td>{_cell(r.value)}</td><td>{_cell(r.message)}</td></tr>"
        )
    parts += ["</tbody>", "</table>"]
    for r in report.results:
        if r.status == "failed" and r.sample is not None and len(r.sample):
            shown = r.sample.head(_SAMPLE_HTML_ROWS)
            where = f" of {r.table}" if r.table else ""
            parts.append(
                f"<details open><summary>Failing rows{html.escape(where)}: "
                f"{html.escape(r.rule.name)} ({len(shown)} of {r.failing:,})</summary>"
                + shown.to_html(index=False, escape=True, na_rep="NULL", border=0)
                + "</details>"
            )
    parts.append("<details><summary>SQL of each rule</summary>")
    for r in report.results:
        parts.append(
            f"<p><code>{html.escape(r.rule.name)}</code></p>"
            f"<pre>{html.escape(r.sql or '(no SQL)')}</pre>"
        )
    parts += ["</details>", "</div>"]
    return "\n".join(parts)
