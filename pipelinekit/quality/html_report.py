"""A quality report as one HTML file that opens anywhere, offline, and can be mailed.

:func:`write_html_report` writes the verdict, the score and its arithmetic, every
failing rule with its failing rows and its SQL, the table of all rules, the profile of
each table and the history (score, metric trends with their anomalies) into **one
file**: the CSS is inline, the charts are small SVG drawn here, and there is no script,
font or picture to fetch — nothing outside the file is referenced. Every name and value
taken from the data is HTML-escaped. The file is written under a temporary name beside
the target and renamed when complete, so a failure never leaves half a report.

The page depends only on its inputs (no time of writing, no random ids): the same
check gives the same file.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd
>>> from pipelinekit.quality.check import check
>>> from pipelinekit.quality.rule import Rule
>>> orders = pd.DataFrame({"order_id": [1, 2, 2], "amount": [10.0, -5.0, 20.0]})
>>> report = check(orders, [Rule("unique", column="order_id"),
...                         Rule("between", column="amount", min=0)],
...                name="orders", now="2024-05-01")
>>> with tempfile.TemporaryDirectory() as folder:
...     path = write_html_report(pathlib.Path(folder) / "quality.html", report=report)
...     page = path.read_text()
>>> "FAILED" in page, "unique(order_id)" in page, "http" in page
(True, True, False)
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from pipelinekit.errors import InvalidValueError, OutputError
from pipelinekit.quality.dashboard import COLOURS

__all__ = ["render_html_report", "svg_trend", "write_html_report"]

_SAMPLE_ROWS = 10
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;
margin:0;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:24px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;
border-bottom:1px solid #d0d7de;padding-bottom:4px}h3{font-size:15px;margin:16px 0 4px}
nav a{margin-right:12px;color:#0969da}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{padding:3px 8px;border-bottom:1px solid #d8dee4;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f6f8fa;border:1px solid #d8dee4;padding:8px;overflow:auto;font-size:12px}
.verdict{font-size:16px;font-weight:600}.passed{color:#1a7f37}.failed{color:#cf222e}
.error{color:#8250df}.skipped{color:#57606a}.warn{color:#9a6700}
.big{font-size:32px;font-weight:700;margin:4px 0}
.bar{display:inline-block;width:120px;height:9px;background:#eaeef2;vertical-align:middle;
margin-right:6px}.bar span{display:block;height:9px}
.rule{border-left:4px solid #cf222e;padding:2px 12px;margin:12px 0}
.rule.warn{border-color:#d4a72c}.rule.error{border-color:#8250df}
figure{margin:8px 0 16px}figcaption{font-size:13px;color:#57606a}
footer{margin-top:32px;font-size:12px;color:#57606a}
"""


def write_html_report(
    path: str | os.PathLike[str],
    *,
    report: Any = None,
    profile: Any = None,
    score: Any = None,
    history: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
    title: str = "Data quality report",
) -> Path:
    """Write a self-contained HTML quality report to ``path``; return the path.

    Parameters
    ----------
    path : path
        The ``.html`` file to write (its folder is created when missing).
    report : QualityReport, optional
        What :func:`pipelinekit.quality.check.check` returned: the verdict, every failing
        rule with its failing rows and SQL, and the table of all rules.
    profile : Profile, list of Profile or mapping of name to Profile, optional
        What :func:`pipelinekit.quality.profile.profile` returned, for one or more tables.
    score : QualityScore, optional
        Default: :func:`pipelinekit.quality.score.score` of ``report``.
    history : DataFrame or mapping of caption to DataFrame, optional
        Charts of the history: :func:`~pipelinekit.quality.history.runs` (the score of
        every run), :func:`~pipelinekit.quality.history.metric_history` (a metric), a
        detector's answer (:mod:`pipelinekit.quality.detect`: the metric, its threshold
        band and its anomalies) or :func:`~pipelinekit.quality.history.results_history`
        (a grid of verdicts).
    title : str
        The page's title.

    Returns
    -------
    Path

    Raises
    ------
    InvalidValueError
        Neither a report nor a profile, or a history frame of an unknown shape.
    OutputError
        The file cannot be written (nothing is left behind).
    """
    page = render_html_report(
        report=report, profile=profile, score=score, history=history, title=title
    )
    return _write(Path(path), page)


def render_html_report(
    *,
    report: Any = None,
    profile: Any = None,
    score: Any = None,
    history: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
    title: str = "Data quality report",
) -> str:
    """The HTML text :func:`write_html_report` writes (same parameters, no path).

    Examples
    --------
    >>> import pandas as pd
    >>> from pipelinekit.quality.profile import profile
    >>> page = render_html_report(profile=profile(pd.DataFrame({"<b>x</b>": [1, None]})))
    >>> page.startswith("<!DOCTYPE html>"), "&lt;b&gt;x&lt;/b&gt;" in page, "<b>x" in page
    (True, True, False)
    """
    if report is None and profile is None:
        raise InvalidValueError(
            "Nothing to report: no quality report and no profile",
            "report=check(...) or profile=profile(...), or both",
            "write_html_report('quality.html', report=check(data, rules))",
        )
    if report is not None and score is None:
        from pipelinekit.quality.score import score as make_score

        score = make_score(report)
    profiles = _profiles(profile)
    charts = _histories(history)
    sections: list[tuple[str, str, str]] = []  # (anchor, heading, html)
    if report is not None:
        sections.append(("failures", f"Failing rules ({len(report.failures)})", _failures(report)))
        sections.append(("rules", f"All rules ({len(report)})", _all_rules(report)))
    if score is not None:
        sections.insert(0, ("score", "Score", _score(score)))
    for name, one in profiles:
        sections.append((f"profile-{len(sections)}", f"Profile of {name}", _profile(one)))
    if charts:
        sections.append(("history", "History", "".join(_chart(c, f) for c, f in charts)))
    nav = " ".join(f'<a href="#{anchor}">{escape(heading)}</a>' for anchor, heading, _ in sections)
    body = "".join(
        f'<section id="{anchor}"><h2>{escape(heading)}</h2>{content}</section>'
        for anchor, heading, content in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>\n"
        f"<body><main><header><h1>{escape(title)}</h1>{_headline(report, profiles)}</header>"
        f"<nav>{nav}</nav>{body}"
        f"<footer>Written by pipelinekit {escape(_version())}. One self-contained file:"
        " no script, no font, no picture fetched from elsewhere.</footer>"
        "</main></body></html>\n"
    )


# ---------------------------------------------------------------------- sections
def _headline(report: Any, profiles: list[tuple[str, Any]]) -> str:
    if report is None:
        tables = ", ".join(name for name, _ in profiles)
        return f"<p>Profile of {escape(tables)}.</p>"
    verdict = "PASSED" if report.passed else "FAILED"
    counts = ", ".join(f"{n} {status}" for status, n in report.counts.items() if n)
    facts = [f"{len(report)} rules: {counts}", f"engine {report.engine}"]
    if report.name:
        facts.insert(0, f"checked {report.name}")
    if report.now is not None:
        facts.append(f"reference time {pd.Timestamp(report.now).isoformat(sep=' ')}")
    if report.mode == "fail_fast":
        facts.append("stopped at the first failing error rule (fail fast)")
    css = "passed" if report.passed else "failed"
    return (
        f'<p class="verdict {css}">{verdict}</p>'
        f"<p>{escape(' · '.join(facts))}. A rule of severity <em>error</em> that fails"
        " fails the check; one of severity <em>warn</em> is reported only.</p>"
    )


def _score(quality: Any) -> str:
    overall = quality.overall
    if math.isnan(overall):
        return "<p>No rule was checked: no score.</p>"
    rows = []
    for row in quality.breakdown.to_dict("records"):
        rows.append(
            [
                escape(str(row["dimension"])),
                _num(row["rules"]),
                _num(row["passed"]),
                _bar(row["rate"], COLOURS["passed"]) + _pct(row["rate"]),
                f"{row['weight']:g}",
                _pct(row["contribution"]),
            ]
        )
    table = _table(["dimension", "rules", "passed", "rate", "weight", "contribution"], rows)
    tables = ""
    if len(quality.by_table) > 1:
        tables = _table(
            ["table", "score"],
            [
                [escape(name), _bar(v, COLOURS["line"]) + _pct(v)]
                for name, v in quality.by_table.items()
            ],
        )  # fmt: skip
    return f'<p class="big">{_pct(overall)}</p><p>{escape(quality.formula)}.</p>{table}{tables}'


def _failures(report: Any) -> str:
    failing = report.failures
    if not failing:
        return '<p class="passed">Every rule passed.</p>'
    parts = []
    for r in failing:
        css = "error" if r.status == "error" else ("warn" if r.severity == "warn" else "")
        where = f"{r.table}: " if r.table else ""
        status = "could not be checked" if r.status == "error" else "failed"
        parts.append(
            f'<div class="{f"rule {css}".strip()}"><h3>{escape(where + r.rule.name)}</h3>'
            f'<p><span class="{css or "failed"}">{status}</span> · severity'
            f" {escape(r.severity)} · {escape(r.dimension)}"
            f"{' · ' + escape(r.rule.description) if r.rule.description else ''}</p>"
            f"<p>{escape(r.message)}</p>{_sample(r)}"
            f"<details open><summary>SQL</summary><pre>{escape(r.sql or '(no SQL)')}</pre>"
            "</details></div>"
        )
    return "".join(parts)


def _sample(result: Any) -> str:
    sample = result.sample
    if sample is None or not len(sample):
        return ""
    shown = sample.head(_SAMPLE_ROWS)
    caption = f"Failing rows: {len(shown)} of {result.failing:,}"
    rows = [[escape(_text(v)) for v in row] for row in shown.itertuples(index=False)]
    return f"<p>{caption}</p>" + _table([escape(str(c)) for c in shown.columns], rows)


def _all_rules(report: Any) -> str:
    rows = []
    for r in report.results:
        share = f"{r.failing_share:.2%}" if r.rule.level == "row" and r.rows else ""
        rows.append(
            [
                f'<span class="{r.status}">{escape(r.status)}</span>',
                escape(r.table or ""),
                escape(r.rule.name),
                escape(r.dimension),
                escape(r.severity),
                _num(r.rows),
                _num(r.failing),
                share,
                escape(_text(r.value, "")),
                escape(r.message),
            ]
        )
    header = ["status", "table", "rule", "dimension", "severity", "rows", "failing", "share",
              "value", "message"]  # fmt: skip
    return _table(header, rows)


def _profile(one: Any) -> str:
    info = one.table
    keys = ", ".join("(" + ", ".join(map(str, k)) + ")" for k in info.get("candidate_keys", ()))
    summary = (
        f"{_num(info.get('rows'))} rows × {_num(info.get('columns'))} columns ·"
        f" {_num(info.get('duplicate_rows'))} duplicate rows · candidate keys:"
        f" {escape(keys or 'none')}"
    )
    rows = []
    for col in one.columns.to_dict("records"):
        share = col.get("null_share")
        rows.append(
            [
                f"<strong>{escape(str(col['column']))}</strong>",
                escape(f"{col.get('type', '')} ({col.get('family', '')})"),
                escape(str(col.get("semantic_type", ""))),
                _bar(share, COLOURS["failed"]) + _pct(share),
                escape(_text(col.get("distinct"), "")),
                escape(_text(col.get("min"), "")),
                escape(_text(col.get("max"), "")),
                escape(_text(col.get("mean"), "")),
            ]
        )
    header = ["column", "type", "semantic type", "nulls", "distinct", "min", "max", "mean"]
    return f"<p>{summary}</p>" + _table(header, rows)


# ---------------------------------------------------------------------- charts
def _chart(caption: str, frame: pd.DataFrame) -> str:
    columns = set(frame.columns)
    if {"is_anomaly", "lower", "upper", "at", "value"} <= columns:
        anomalies = int(frame["is_anomaly"].astype(bool).sum())
        detector = frame.attrs.get("detector", "detector")
        picture = svg_trend(
            frame["at"], frame["value"], lower=frame["lower"], upper=frame["upper"],
            anomalies=frame["is_anomaly"], label=caption,
        )  # fmt: skip
        caption += f" — {detector}: {anomalies} anomal{'y' if anomalies == 1 else 'ies'}"
    elif {"started_at", "score"} <= columns:
        names = frame["table_name"] if "table_name" in columns else pd.Series("", frame.index)
        parts = []
        for name in sorted(names.astype(str).unique()):
            mine = frame[names.astype(str) == name]
            parts.append(
                _figure(
                    f"{caption}: {name}" if name else caption,
                    svg_trend(mine["started_at"], mine["score"] * 100, label=caption, unit=" %"),
                )
            )
        return "".join(parts)
    elif {"at", "rule", "status"} <= columns:
        picture = _svg_grid(frame, caption)
    elif {"at", "value"} <= columns:
        picture = svg_trend(frame["at"], frame["value"], label=caption)
    else:
        raise InvalidValueError(
            f"A history frame with the columns {', '.join(map(str, frame.columns))}",
            "runs(path), metric_history(...), results_history(...) or a detector's answer",
        )
    return _figure(caption, picture)


def _figure(caption: str, picture: str) -> str:
    return f"<figure>{picture}<figcaption>{escape(caption)}</figcaption></figure>"


def svg_trend(
    at: Sequence[Any] | pd.Series,
    values: Sequence[float] | pd.Series,
    *,
    lower: Sequence[float] | pd.Series | None = None,
    upper: Sequence[float] | pd.Series | None = None,
    anomalies: Sequence[bool] | pd.Series | None = None,
    label: str = "",
    unit: str = "",
    width: int = 720,
    height: int = 170,
) -> str:
    """A small inline SVG line chart: the values, a shaded band, red rings on anomalies.

    Every point has a tooltip (an SVG ``<title>``: no script needed). A NaN value, or a
    NaN edge of the band, leaves a gap.

    Examples
    --------
    >>> svg = svg_trend(["05-01", "05-02", "05-03"], [10, 11, 30],
    ...                 lower=[None, 9, 9.5], upper=[None, 12, 12.5],
    ...                 anomalies=[False, False, True], label="rows")
    >>> svg.count("<circle"), svg.count("<polygon"), 'stroke="#cf222e"' in svg
    (4, 1, True)
    """
    xs = [_when(a) for a in at]
    ys = [_float(v) for v in values]
    low = [_float(v) for v in lower] if lower is not None else [math.nan] * len(ys)
    high = [_float(v) for v in upper] if upper is not None else [math.nan] * len(ys)
    flagged = [bool(f) for f in anomalies] if anomalies is not None else [False] * len(ys)
    known = [v for v in ys + low + high if not math.isnan(v)]
    aria = escape(label or "trend")
    if not known:
        return f'<svg role="img" aria-label="{aria}" width="{width}" height="40"><text x="4"' \
               ' y="24" font-size="12">no value recorded</text></svg>'  # fmt: skip
    bottom, top = min(known), max(known)
    if bottom == top:
        bottom, top = bottom - 1, top + 1
    left, right, up, down = 64, 12, 10, 24

    def x(i: int) -> float:
        span = max(len(ys) - 1, 1)
        return round(left + (width - left - right) * (i / span if len(ys) > 1 else 0.5), 1)

    def y(v: float) -> float:
        return round(up + (height - up - down) * (top - v) / (top - bottom), 1)

    parts = [
        f'<svg role="img" aria-label="{aria}" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-size="11" font-family="sans-serif">',
        f'<line x1="{left}" y1="{height - down}" x2="{width - right}" y2="{height - down}"'
        ' stroke="#d0d7de"/>',
        f'<text x="{left - 6}" y="{y(top) + 4}" text-anchor="end">{escape(_short(top))}'
        f"{unit}</text>",
        f'<text x="{left - 6}" y="{y(bottom) + 4}" text-anchor="end">{escape(_short(bottom))}'
        f"{unit}</text>",
    ]
    if xs:
        parts.append(f'<text x="{left}" y="{height - 6}">{escape(xs[0])}</text>')
        if len(xs) > 1:
            parts.append(
                f'<text x="{width - right}" y="{height - 6}" text-anchor="end">'
                f"{escape(xs[-1])}</text>"
            )
    for run in _runs(
        [not (math.isnan(a) or math.isnan(b)) for a, b in zip(low, high, strict=True)]
    ):
        edge = [f"{x(i)},{y(high[i])}" for i in run] + [f"{x(i)},{y(low[i])}" for i in run[::-1]]
        parts.append(f'<polygon points="{" ".join(edge)}" fill="{COLOURS["band"]}"/>')
    for run in _runs([not math.isnan(v) for v in ys]):
        if len(run) > 1:
            points = " ".join(f"{x(i)},{y(ys[i])}" for i in run)
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{COLOURS["line"]}"'
                ' stroke-width="1.5"/>'
            )
    for i, v in enumerate(ys):
        if math.isnan(v):
            continue
        tip = f"{xs[i]}: {_short(v)}{unit}"
        if flagged[i]:
            tip += f" — anomaly, outside [{_short(low[i])}, {_short(high[i])}]"
            parts.append(
                f'<circle cx="{x(i)}" cy="{y(v)}" r="6" fill="none" stroke="{COLOURS["failed"]}"'
                f' stroke-width="2"><title>{escape(tip)}</title></circle>'
            )
        parts.append(
            f'<circle cx="{x(i)}" cy="{y(v)}" r="2.5" fill="{COLOURS["line"]}">'
            f"<title>{escape(tip)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _svg_grid(frame: pd.DataFrame, label: str) -> str:
    """One row per rule, one square per run, coloured by the verdict."""
    runs = list(dict.fromkeys(frame["at"]))
    rules = list(dict.fromkeys(frame["rule"]))
    size, left, width = 12, 220, len(runs)
    height = size * len(rules) + 4
    parts = [
        f'<svg role="img" aria-label="{escape(label)}" width="{left + (size + 2) * width + 8}"'
        f' height="{height}" font-size="11" font-family="sans-serif">'
    ]
    for row, rule in enumerate(rules):
        parts.append(f'<text x="{left - 6}" y="{row * size + 10}" text-anchor="end">'
                     f"{escape(_cut(str(rule), 34))}</text>")  # fmt: skip
    column = {at: i for i, at in enumerate(runs)}
    line = {rule: i for i, rule in enumerate(rules)}
    for item in frame.to_dict("records"):
        status = str(item["status"])
        key = "warn" if status == "failed" and item.get("severity") == "warn" else status
        colour = COLOURS.get(key, COLOURS["skipped"])
        tip = f"{item['rule']} · {_when(item['at'])} · {status}"
        parts.append(
            f'<rect x="{left + column[item["at"]] * (size + 2)}" y="{line[item["rule"]] * size}"'
            f' width="{size}" height="{size - 2}" fill="{colour}">'
            f"<title>{escape(tip)}</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _runs(present: list[bool]) -> list[list[int]]:
    """The stretches of consecutive True positions."""
    stretches: list[list[int]] = []
    for i, here in enumerate(present):
        if here and stretches and stretches[-1][-1] == i - 1:
            stretches[-1].append(i)
        elif here:
            stretches.append([i])
    return stretches


# ---------------------------------------------------------------------- inputs
def _profiles(profile: Any) -> list[tuple[str, Any]]:
    if profile is None:
        return []
    if isinstance(profile, Mapping):
        return [(str(k), v) for k, v in profile.items()]
    items = profile if isinstance(profile, list | tuple) else [profile]
    found = []
    for i, one in enumerate(items, start=1):
        if not hasattr(one, "table") or not hasattr(one, "columns"):
            raise InvalidValueError(
                f"profile= holds a {type(one).__name__}", "profiles made by profile(...)"
            )
        found.append((str(one.table.get("name") or one.table.get("source") or f"table {i}"), one))
    return found


def _histories(history: Any) -> list[tuple[str, pd.DataFrame]]:
    if history is None:
        return []
    if isinstance(history, pd.DataFrame):
        history = {_caption(history): history}
    if not isinstance(history, Mapping):
        raise InvalidValueError(
            f"history= is a {type(history).__name__}",
            "a DataFrame, or a mapping of caption to DataFrame",
            "history={'rows': zscore(metric_history('orders', 'rows'))}",
        )
    for frame in history.values():
        if not isinstance(frame, pd.DataFrame):
            raise InvalidValueError(
                f"history= holds a {type(frame).__name__}", "DataFrames read from the history"
            )
    return [(str(k), v) for k, v in history.items()]


def _caption(frame: pd.DataFrame) -> str:
    attrs = frame.attrs
    if "started_at" in frame.columns:
        return "Score of every run"
    if "rule" in frame.columns:
        return f"Verdicts of every run{' of ' + str(attrs['table']) if attrs.get('table') else ''}"
    where = " of ".join(str(attrs[k]) for k in ("column", "table") if attrs.get(k))
    return f"{attrs.get('metric') or 'value'}{' of ' + where if where else ''}"


# ---------------------------------------------------------------------- writing
def _write(path: Path, page: str) -> Path:
    staged = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged.write_text(page, encoding="utf-8")
        os.replace(staged, path)
    except BaseException as error:
        if staged.parent.is_dir():
            staged.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(
                f"Cannot write the HTML report to '{path}' ({error.strerror or error})",
                "a file in a folder you can write to",
                "choose another path, e.g. quality.html in your home folder",
            ) from error
        raise
    return path


# ---------------------------------------------------------------------- cells
def _table(header: list[str], rows: list[list[str]]) -> str:
    """A table of already escaped cells; numbers right-aligned."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(_td(cell) for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _td(cell: str) -> str:
    numeric = cell.replace(",", "").replace(".", "").replace("-", "").replace(" %", "").isdigit()
    return f'<td class="n">{cell}</td>' if numeric else f"<td>{cell}</td>"


def _bar(share: Any, colour: str) -> str:
    value = _float(share)
    if math.isnan(value):
        return ""
    width = round(100 * min(max(value, 0.0), 1.0), 1)
    return f'<span class="bar"><span style="width:{width}%;background:{colour}"></span></span>'


def _pct(share: Any) -> str:
    value = _float(share)
    return "" if math.isnan(value) else f"{value:.1%}".replace("%", " %")


def _num(value: Any) -> str:
    value = _float(value)
    return "" if math.isnan(value) else f"{value:,.0f}"


def _float(value: Any) -> float:
    if value is None or value is pd.NA or value is pd.NaT:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _text(value: Any, missing: str = "NULL") -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return missing
    if isinstance(value, float):
        return missing if math.isnan(value) else f"{value:.6g}"
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            return _text(value.item(), missing)
        except (TypeError, ValueError):
            pass
    if isinstance(value, dt.date):
        return _when(value)
    return str(value)


def _short(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.4g}"


def _when(at: Any) -> str:
    if isinstance(at, dt.date):  # datetime, date and Timestamp
        moment = pd.Timestamp(at)
        return moment.strftime("%Y-%m-%d") if moment == moment.normalize() else str(moment)
    return str(at)


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def _version() -> str:
    from pipelinekit import __version__

    return __version__
