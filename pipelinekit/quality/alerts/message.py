"""What an alert says: which rules failed on which table, how badly, and what lies downstream.

:func:`build_alerts` turns the failed results of one quality run into :class:`Alert`
records, one per group (by default one per table). An alert is plain data; it renders
itself as plain text (:meth:`Alert.text`), Markdown or Slack mrkdwn
(:meth:`Alert.markdown`) and HTML (:meth:`Alert.html`). The channels only carry it.

A result counts as failed when its status is ``"failed"`` or ``"error"`` (the rule could
not be checked: that is never a silent pass). With a lineage graph, the alert lists the
datasets, columns and quality checks downstream of the failing columns
(:meth:`~pipelinekit.lineage.graph.LineageGraph.impact`).

Examples
--------
>>> from datetime import datetime, timezone
>>> from pipelinekit.quality.rule import Rule
>>> from pipelinekit.quality.result import Outcome, judge
>>> amount = Rule("between", column="amount", min=0, table="orders")
>>> emails = Rule("null_share_at_most", column="email", max=0.01, table="orders", severity="warn")
>>> results = [
...     judge(amount, Outcome(rows=200, failing=3), sql="", engine="pandas"),
...     judge(emails, Outcome(rows=200, value=0.05), sql="", engine="pandas"),
... ]
>>> [alert] = build_alerts(results, at=datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc))
>>> print(alert.text())
ERROR: 2 quality rules failed on orders
Checked 2024-05-01 09:30 UTC.
<BLANKLINE>
What failed, how badly:
  - between(amount) on orders [error, validity]: 3 of 200 rows (1.50 %) fail (expects min=0)
  - null_share_at_most(email) on orders [warn, completeness]: value 0.05, expected at most 0.01
<BLANKLINE>
Downstream: not known (pass lineage= to see what these failures reach).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any, Literal

import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError, format_list
from pipelinekit.quality.result import RuleResult
from pipelinekit.quality.rule import Severity

__all__ = [
    "GROUP_FIELDS",
    "SEVERITY_RANK",
    "Alert",
    "Downstream",
    "build_alerts",
    "failed_results",
    "results_of",
]

#: How much each severity weighs; an alert has the severity of its worst failure.
SEVERITY_RANK: Mapping[str, int] = {"warn": 1, "error": 2}
#: What failed results can be grouped by (``group_by=()`` makes one alert per run).
GROUP_FIELDS = ("table", "severity", "dimension", "kind", "rule", "column")
Flavor = Literal["markdown", "slack"]
_NO_TABLE = "(no table)"


@dataclasses.dataclass(frozen=True)
class Downstream:
    """What the failing tables and columns reach, from a lineage graph.

    ``known`` is False when no graph was given, or when asking it failed (``problem``
    says why: the alert goes out anyway); ``missing`` lists the tables the graph does
    not know (their failures reach nothing the graph can tell).
    """

    datasets: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    known: bool = False
    problem: str = ""

    def lines(self) -> list[tuple[str, tuple[str, ...]]]:
        """``(label, names)`` pairs: dataset, column, quality check (singular labels)."""
        return [
            ("dataset", self.datasets),
            ("column", self.columns),
            ("quality check", self.checks),
        ]


@dataclasses.dataclass(frozen=True, eq=False)
class Alert:
    """One alert: the failed rules of one group, how badly they failed, what they reach.

    Attributes
    ----------
    title : str
        One line for a subject or a header ("ERROR: 2 quality rules failed on orders").
    severity : {"error", "warn"}
        The worst severity among the failures.
    group : tuple of (str, str)
        The group's fields and values (``(("table", "orders"),)``).
    key : str
        What the rate limit compares: the group and the set of failed rules.
    results : tuple of RuleResult
        The failed results, worst first.
    downstream : Downstream
        Datasets, columns and checks downstream (from lineage).
    at : datetime
        When the run was checked (UTC).
    sample_rows : int
        How many failing rows to show (0: none).
    repeats : int
        How many times this alert was held back by the rate limit since it was last
        sent (the :class:`~pipelinekit.quality.alerts.Alerter` fills it in).
    """

    title: str
    severity: Severity
    group: tuple[tuple[str, str], ...]
    key: str
    results: tuple[RuleResult, ...]
    downstream: Downstream
    at: datetime
    sample_rows: int = 3
    repeats: int = 0

    @property
    def id(self) -> str:
        """A short fingerprint of :attr:`key` (16 hex digits), for mail filters and logs."""
        return hashlib.sha256(self.key.encode("utf-8")).hexdigest()[:16]

    @property
    def tables(self) -> list[str]:
        """The tables of the failed rules, in order."""
        return list(dict.fromkeys(_table(r) for r in self.results))

    @property
    def rules(self) -> list[str]:
        """The names of the failed rules."""
        return [r.rule.name for r in self.results]

    def failures(self) -> list[tuple[RuleResult, str]]:
        """Each failed result with a sentence on how badly it failed."""
        return [(result, how_badly(result)) for result in self.results]

    def sample(self) -> tuple[RuleResult, pd.DataFrame] | None:
        """The first failing rows of the worst failure that kept some, or None."""
        if self.sample_rows <= 0:
            return None
        for result in self.results:
            if result.sample is not None and len(result.sample):
                return result, result.sample.head(self.sample_rows).iloc[:, :8]
        return None

    def summary(self) -> str:
        """One line: the failed rules, for notifications that show little text."""
        rules = self.rules
        more = f" ... and {len(rules) - 4} more" if len(rules) > 4 else ""
        return f"{self.title}: {', '.join(rules[:4])}{more}"

    # ------------------------------------------------------------------ rendering
    def text(self) -> str:
        """The alert as plain text (console, e-mail body)."""
        lines = [self.title, f"Checked {_when(self.at)}.", "", "What failed, how badly:"]
        for result, badly in self.failures():
            lines.append(f"  - {_what(result)} [{_tags(result)}]: {badly}")
        lines.append("")
        lines.extend(self._downstream_text())
        sample = self.sample()
        if sample is not None:
            result, frame = sample
            lines += ["", _sample_heading(result, frame) + ":"]
            lines += ["  " + row for row in _frame_text(frame).splitlines()]
        if self.repeats:
            lines += ["", _repeats(self.repeats)]
        return "\n".join(lines)

    def markdown(self, *, flavor: Flavor = "markdown") -> str:
        """The alert as Markdown, or as Slack's mrkdwn with ``flavor="slack"``."""
        parts = [_bold(self.title, flavor), f"Checked {_when(self.at)}."]
        parts.append("\n".join(self.failure_lines(flavor)))
        parts.append(self.downstream_markdown(flavor))
        sample = self.sample_markdown(flavor)
        if sample:
            parts.append(sample)
        if self.repeats:
            parts.append(_italic(_repeats(self.repeats), flavor))
        return "\n\n".join(parts)

    def failure_lines(self, flavor: Flavor = "markdown") -> list[str]:
        """One bullet per failed rule, in Markdown or mrkdwn."""
        bullet = "•" if flavor == "slack" else "-"
        return [
            f"{bullet} {_code(_what(r), flavor)} [{_tags(r)}]: {_esc(badly, flavor)}"
            for r, badly in self.failures()
        ]

    def downstream_markdown(self, flavor: Flavor = "markdown") -> str:
        """The downstream section in Markdown or mrkdwn."""
        lines = self._downstream_text()
        head, rest = lines[0], lines[1:]
        return "\n".join([_bold(head, flavor), *(_esc(line.strip(), flavor) for line in rest)])

    def sample_markdown(self, flavor: Flavor = "markdown") -> str:
        """The sample of failing rows as a heading and a code block ("" when none)."""
        sample = self.sample()
        if sample is None:
            return ""
        result, frame = sample
        heading = _esc(_sample_heading(result, frame), flavor)
        return f"{heading}:\n```\n{_esc(_frame_text(frame), flavor)}\n```"

    def html(self) -> str:
        """The alert as an HTML fragment (notebook, e-mail)."""
        colour = "#b00020" if self.severity == "error" else "#b26a00"
        rows = "".join(
            f"<tr><td><code>{escape(_what(r))}</code></td><td>{escape(r.severity)}</td>"
            f"<td>{escape(r.dimension)}</td><td>{escape(badly)}</td></tr>"
            for r, badly in self.failures()
        )
        head = "".join(f"<th style='text-align:left'>{h}</th>" for h in _HEADERS)
        parts = [
            f"<div class='pipelinekit-alert'><h3 style='color:{colour};margin:0'>"
            f"{escape(self.title)}</h3><p>Checked {escape(_when(self.at))}.</p>",
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>",
            self._downstream_html(),
        ]
        sample = self.sample()
        if sample is not None:
            result, frame = sample
            parts.append(f"<p>{escape(_sample_heading(result, frame))}:</p>")
            parts.append(frame.to_html(index=False, border=0, na_rep="NULL"))
        if self.repeats:
            parts.append(f"<p><i>{escape(_repeats(self.repeats))}</i></p>")
        return "".join(parts) + "</div>"

    def _downstream_text(self) -> list[str]:
        down = self.downstream
        if down.problem:
            return [f"Downstream: not known (the lineage graph failed: {down.problem})."]
        if not down.known:
            return ["Downstream: not known (pass lineage= to see what these failures reach)."]
        lines = ["Downstream (from lineage):"]
        for label, names in down.lines():
            plural = "" if len(names) == 1 else "s"
            lines.append(f"  {len(names)} {label}{plural}: {format_list(names, most=8) or '-'}")
        if down.missing:
            lines.append(f"  not in the lineage graph: {format_list(down.missing)}")
        return lines

    def _downstream_html(self) -> str:
        lines = self._downstream_text()
        if len(lines) == 1:
            return f"<p>{escape(lines[0])}</p>"
        items = "".join(f"<li>{escape(line.strip())}</li>" for line in lines[1:])
        return f"<p><b>{escape(lines[0])}</b></p><ul>{items}</ul>"

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"Alert({self.title!r}, key={self.key!r})"


_HEADERS = ("rule", "severity", "dimension", "how badly")


# ---------------------------------------------------------------------- building
def results_of(report: Any) -> list[RuleResult]:
    """The results of a quality report (anything with ``.results``) or of a list.

    Examples
    --------
    >>> results_of([])
    []
    >>> results_of(42)
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: Alerts were given int; ...
    """
    if isinstance(report, RuleResult):
        return [report]
    items = getattr(report, "results", report)
    if isinstance(items, Iterable) and not isinstance(items, str | bytes | Mapping):
        results = list(items)
        if all(hasattr(r, "rule") and hasattr(r, "status") for r in results):
            return results
    raise InvalidValueError(
        f"Alerts were given {type(report).__name__}",
        "a quality report (pk.quality.check(...)) or a list of RuleResult",
        "pass what check() returned",
    )


def failed_results(results: Iterable[RuleResult]) -> list[RuleResult]:
    """The results that failed or could not be checked."""
    return [r for r in results if r.status in ("failed", "error")]


def build_alerts(
    report: Any,
    *,
    lineage: Any = None,
    group_by: Sequence[str] = ("table",),
    min_severity: Severity = "warn",
    sample_rows: int = 3,
    at: datetime | None = None,
) -> list[Alert]:
    """Group the failed results of one run into alerts.

    Parameters
    ----------
    report : QualityReport or list of RuleResult
        What :func:`pk.quality.check` returned, or its ``results``.
    lineage : LineageGraph, optional
        Where to look up what lies downstream of each failing table or column.
    group_by : sequence of str
        Fields of :data:`GROUP_FIELDS`; one alert per distinct combination.
        ``()`` gathers every failure of the run into one alert.
    min_severity : {"warn", "error"}
        Leave out failures of lower severity (``"error"``: errors only).
    sample_rows : int
        Failing rows to show (0: none).
    at : datetime, optional
        When the run was checked; now by default (a time without zone is UTC).

    Returns
    -------
    list of Alert
        Empty when nothing failed; errors first, then in the order of the results.

    Examples
    --------
    >>> from pipelinekit.quality.rule import Rule
    >>> from pipelinekit.quality.result import Outcome, judge
    >>> results = [
    ...     judge(Rule("not_null", column=c, table=t), Outcome(rows=10, failing=1),
    ...           sql="", engine="pandas")
    ...     for t, c in [("orders", "id"), ("orders", "amount"), ("customers", "email")]
    ... ]
    >>> [a.title for a in build_alerts(results)]
    ['ERROR: 2 quality rules failed on orders', 'ERROR: 1 quality rule failed on customers']
    >>> [a.title for a in build_alerts(results, group_by=())]
    ['ERROR: 3 quality rules failed on 2 tables (orders, customers)']
    >>> build_alerts(results, group_by=["tabel"])
    Traceback (most recent call last):
    ...
    pipelinekit.errors.UnknownNameError: Unknown alert grouping field 'tabel'; ...
    """
    group_by = check_group_by(group_by)
    check_severity(min_severity)
    at = at or datetime.now(UTC)
    at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # a naive time is UTC
    failed = [
        r
        for r in failed_results(results_of(report))
        if SEVERITY_RANK[r.severity] >= SEVERITY_RANK[min_severity]
    ]
    groups: dict[tuple[tuple[str, str], ...], list[RuleResult]] = {}
    for result in failed:
        key = tuple((field, _field(result, field)) for field in group_by)
        groups.setdefault(key, []).append(result)
    alerts = [
        _alert(group, members, lineage=lineage, sample_rows=sample_rows, at=at)
        for group, members in groups.items()
    ]
    return sorted(alerts, key=lambda a: -SEVERITY_RANK[a.severity])


def check_group_by(group_by: Sequence[str]) -> tuple[str, ...]:
    """``group_by`` as a tuple, or an error naming the unknown field."""
    fields = (group_by,) if isinstance(group_by, str) else tuple(group_by)
    for field in fields:
        if field not in GROUP_FIELDS:
            raise UnknownNameError.for_name(field, GROUP_FIELDS, kind="alert grouping field")
    return fields


def check_severity(severity: str) -> Severity:
    """``severity`` if it is one, or an error listing the severities."""
    if severity not in SEVERITY_RANK:
        raise UnknownNameError.for_name(severity, SEVERITY_RANK, kind="severity")
    return severity  # type: ignore[return-value]


def _alert(
    group: tuple[tuple[str, str], ...],
    members: list[RuleResult],
    *,
    lineage: Any,
    sample_rows: int,
    at: datetime,
) -> Alert:
    members = sorted(members, key=lambda r: -SEVERITY_RANK[r.severity])  # stable
    severity: Severity = members[0].severity
    tables = list(dict.fromkeys(_table(r) for r in members))
    where = tables[0] if len(tables) == 1 else f"{len(tables)} tables ({', '.join(tables)})"
    count = f"{len(members)} quality rule{'s' if len(members) != 1 else ''}"
    title = f"{severity.upper()}: {count} failed on {where}"
    rules = sorted({f"{_table(r)}/{r.rule.name}" for r in members})
    key = "|".join([*(f"{field}={value}" for field, value in group), ";".join(rules)])
    return Alert(
        title=title,
        severity=severity,
        group=group,
        key=key,
        results=tuple(members),
        downstream=downstream(members, lineage),
        at=at,
        sample_rows=sample_rows,
    )


def downstream(results: Sequence[RuleResult], lineage: Any) -> Downstream:
    """Union of ``lineage.impact(...)`` over the failing columns (or tables) of ``results``.

    A rule on columns asks about ``"table.column"``; a rule on the whole table (or whose
    columns the graph does not know) asks about the table.
    """
    if lineage is None:
        return Downstream()
    try:
        return _downstream(results, lineage)
    except Exception as error:  # an alert must go out even when lineage cannot answer
        return Downstream(problem=f"{type(error).__name__}: {error}")


def _downstream(results: Sequence[RuleResult], lineage: Any) -> Downstream:
    datasets: dict[str, None] = {}
    columns: dict[str, None] = {}
    checks: dict[str, None] = {}
    missing: dict[str, None] = {}
    for result in results:
        table = _table(result)
        if table not in lineage:
            missing[table] = None
            continue
        targets = [f"{table}.{c}" for c in result.rule.columns if f"{table}.{c}" in lineage]
        for target in targets or [table]:
            impact = lineage.impact(target)
            datasets.update(dict.fromkeys(impact.datasets))
            columns.update(dict.fromkeys(impact.columns))
            checks.update(dict.fromkeys(impact.checks))
    return Downstream(tuple(datasets), tuple(columns), tuple(checks), tuple(missing), known=True)


# ---------------------------------------------------------------------- wording
def how_badly(result: RuleResult) -> str:
    """A sentence on how badly ``result`` failed: counts and share, or value and bounds.

    Examples
    --------
    >>> from pipelinekit.quality.rule import Rule
    >>> from pipelinekit.quality.result import Outcome, judge
    >>> how_badly(judge(Rule("freshness", column="ts", max_age="1 day"),
    ...                 Outcome(rows=5, value=3 * 86400.0), sql="", engine="pandas"))
    'newest row is 3.0 days old, expected at most 1 day'
    >>> how_badly(judge(Rule("row_count_between", min=100, max=200),
    ...                 Outcome(rows=0, value=None), sql="", engine="pandas"))
    'no value to compare (empty table or all NULL)'
    """
    rule = result.rule
    if result.status == "error":
        return result.message
    if rule.level == "schema":
        return result.message.removeprefix(f"{rule.name}: ")
    if rule.level == "metric":
        value = result.value
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "no value to compare (empty table or all NULL)"
        if rule.kind == "freshness":
            allowed = rule.params["max_age"]
            return f"newest row is {_age(value)} old, expected at most {allowed}"
        return f"value {value:.6g}, expected {_bounds(rule.params)}"
    share = f"{result.failing_share:.2%}".replace("%", " %")
    badly = f"{result.failing:,} of {result.rows:,} rows ({share}) fail"
    params = _params(rule.params)
    return f"{badly} (expects {params})" if params else badly


def _bounds(params: Mapping[str, Any]) -> str:
    low, high = params.get("min"), params.get("max")
    if low is None:
        return f"at most {high:.6g}"
    if high is None:
        return f"at least {low:.6g}"
    return f"between {low:.6g} and {high:.6g}"


def _params(params: Mapping[str, Any]) -> str:
    shown = []
    for name, value in params.items():
        if isinstance(value, list | tuple):
            value = "[" + format_list(value, most=5) + "]"
        shown.append(f"{name}={value}")
    return ", ".join(shown)


def _age(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} seconds"


def _table(result: RuleResult) -> str:
    return result.table or result.rule.table or _NO_TABLE


def _field(result: RuleResult, field: str) -> str:
    rule = result.rule
    values = {
        "table": _table(result),
        "severity": rule.severity,
        "dimension": rule.dimension,
        "kind": rule.kind,
        "rule": rule.name,
        "column": ", ".join(rule.columns) or "(table)",
    }
    return values[field]


def _what(result: RuleResult) -> str:
    return f"{result.rule.name} on {_table(result)}"


def _tags(result: RuleResult) -> str:
    return f"{result.severity}, {result.dimension}"


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _repeats(count: int) -> str:
    times = "time" if count == 1 else "times"
    return f"The same failures came back {count} more {times} since this alert was last sent."


def _sample_heading(result: RuleResult, frame: pd.DataFrame) -> str:
    return f"Sample of failing rows of {result.rule.name} ({len(frame)} of {result.failing:,})"


def _frame_text(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False, na_rep="NULL", max_colwidth=30)


def _esc(text: str, flavor: Flavor) -> str:
    if flavor == "slack":  # the three characters Slack asks to escape
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _bold(text: str, flavor: Flavor) -> str:
    return f"*{_esc(text, flavor)}*" if flavor == "slack" else f"**{text}**"


def _italic(text: str, flavor: Flavor) -> str:
    return f"_{_esc(text, flavor)}_"


def _code(text: str, flavor: Flavor) -> str:
    return f"`{_esc(text, flavor)}`"
