"""Quality dashboards for a notebook: the score over time, failing checks, metric trends.

Each function returns a plotly :class:`~plotly.graph_objects.Figure` with a title and
labelled axes, built only from the data it is given — no random ids, no time of
drawing — so the same history gives the same figure JSON, run after run (a notebook
that stores its outputs can check them):

========================== ================================================================
function                   shows
========================== ================================================================
:func:`score_over_time`    the quality score (0 to 100 %) of every run, one line per table
:func:`failing_checks`     a report's failing rules as bars (share of failing rows), or a
                           results history as a grid: one row per rule, one column per
                           run, one coloured square per verdict
:func:`metric_trend`       one metric over the runs; with a detector's answer
                           (:mod:`pipelinekit.quality.detect`), its expected value, the
                           threshold band and a red cross on every anomaly
:func:`dashboard`          the three together, read from the metadata database
========================== ================================================================

Examples
--------
>>> history = pd.DataFrame({
...     "at": pd.date_range("2024-05-01", periods=10, freq="D"),
...     "value": [100, 102, 98, 101, 99, 100, 103, 97, 100, 40],
... })
>>> history.attrs.update(table="orders", metric="rows")
>>> from pipelinekit.quality.detect import zscore
>>> figure = metric_trend(history, zscore(history, min_history=5))
>>> [trace.name for trace in figure.data]
['threshold band', 'threshold band', 'expected', 'rows', 'anomaly']
>>> figure.data[-1].y
(40,)
>>> figure.layout.title.text
'rows of orders, with zscore anomalies'
>>> figure.to_json() == metric_trend(history, zscore(history, min_history=5)).to_json()
True
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pipelinekit.errors import InvalidValueError

__all__ = ["COLOURS", "dashboard", "failing_checks", "metric_trend", "score_over_time"]

#: The colour of every verdict, the same in the figures and in the HTML report.
COLOURS = {
    "passed": "#1a7f37",
    "warn": "#d4a72c",
    "failed": "#cf222e",
    "error": "#8250df",
    "skipped": "#afb8c1",
    "line": "#0969da",
    "band": "rgba(9, 105, 218, 0.12)",
}
_TEMPLATE = "plotly_white"  # named, so a user's default template does not change the JSON
_GRID = {  # verdict in a results history -> (legend label, colour)
    "passed": ("passed", COLOURS["passed"]),
    "warn": ("failed (warn)", COLOURS["warn"]),
    "failed": ("failed (error)", COLOURS["failed"]),
    "error": ("could not be checked", COLOURS["error"]),
    "skipped": ("skipped", COLOURS["skipped"]),
}


# ---------------------------------------------------------------------- score
def score_over_time(history: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """The quality score of every recorded run, one line per table.

    Parameters
    ----------
    history : DataFrame
        :func:`pipelinekit.quality.history.runs` (``started_at``, ``table_name``,
        ``score``), or :func:`~pipelinekit.quality.history.metric_history` of the metric
        ``score`` (``at``, ``value``).
    title : str, optional
        Default: "Quality score over time" (with the table's name when there is one).

    Returns
    -------
    Figure
        One ``lines+markers`` trace per table; y is the score in percent (0 to 100).

    Examples
    --------
    >>> runs = pd.DataFrame({
    ...     "started_at": pd.to_datetime(["2024-05-01", "2024-05-02", "2024-05-01"]),
    ...     "table_name": ["orders", "orders", "customers"],
    ...     "score": [1.0, 0.75, 0.5],
    ... })
    >>> figure = score_over_time(runs)
    >>> [(trace.name, trace.y) for trace in figure.data]
    [('customers', (50.0,)), ('orders', (100.0, 75.0))]
    >>> figure.layout.yaxis.title.text, figure.layout.xaxis.title.text
    ('score (%)', 'run')
    """
    frame = _score_frame(history)
    figure = go.Figure()
    for table, rows in frame.groupby("table", sort=True):
        figure.add_trace(
            go.Scatter(
                x=list(rows["at"]),
                y=[_percent(v) for v in rows["score"]],
                mode="lines+markers",
                name=str(table),
                hovertemplate="%{x}<br>score %{y:.1f} %<extra>" + _plain(table) + "</extra>",
            )
        )
    tables = sorted(frame["table"].unique())
    default = "Quality score over time" + (f" of {tables[0]}" if len(tables) == 1 else "")
    figure.update_layout(
        title=title or default,
        xaxis_title="run",
        yaxis_title="score (%)",
        yaxis_range=[0, 105],
        template=_TEMPLATE,
        legend_title_text="table",
    )
    if frame.empty:
        _note(figure, "no run recorded yet")
    return figure


def _score_frame(history: pd.DataFrame) -> pd.DataFrame:
    _require_frame(history, "score_over_time")
    table = history.attrs.get("table") or "data"
    if {"started_at", "score"} <= set(history.columns):
        names = history["table_name"] if "table_name" in history.columns else table
        frame = pd.DataFrame(
            {"at": history["started_at"], "table": names, "score": history["score"]}
        )
    elif {"at", "value"} <= set(history.columns):
        metric = history.attrs.get("metric")
        if metric not in (None, "score"):
            raise InvalidValueError(
                f"The history of the metric '{metric}' given to score_over_time",
                "the runs (runs(path)) or the history of the metric 'score'",
                f"metric_history('{table}', 'score') reads the score; metric_trend draws"
                f" '{metric}'",
            )
        frame = pd.DataFrame({"at": history["at"], "table": table, "score": history["value"]})
    else:
        raise _missing(history, "started_at and score (runs) or at and value", "score_over_time")
    frame["table"] = frame["table"].astype(str)
    return frame.reset_index(drop=True)


# ---------------------------------------------------------------------- failing checks
def failing_checks(source: Any, *, top: int = 20, title: str | None = None) -> go.Figure:
    """The rules that failed: bars for one report, a verdict grid for a history of runs.

    Parameters
    ----------
    source : QualityReport, list of RuleResult or DataFrame
        A report (:func:`pipelinekit.quality.check.check`): one horizontal bar per
        failing rule, its length the share of failing rows (100 % for a metric or
        schema rule that failed), coloured by severity; a rule that could not be
        checked is a violet bar. A results history
        (:func:`pipelinekit.quality.history.results_history`, with ``at``, ``rule``,
        ``status`` and ``severity``): one row per rule, one column per run, a square
        coloured by the verdict.
    top : int
        At most this many rules are shown: the worst ones (largest share, or most
        failing runs).
    title : str, optional
        Default: "Failing checks" with the report's or history's name.

    Examples
    --------
    >>> from pipelinekit.quality.result import Outcome, judge
    >>> from pipelinekit.quality.rule import Rule
    >>> results = [
    ...     judge(Rule("not_null", column="email"), Outcome(rows=100, failing=2), sql="",
    ...           engine="duckdb", table="customers"),
    ...     judge(Rule("between", column="age", min=0, severity="warn"),
    ...           Outcome(rows=100, failing=10), sql="", engine="duckdb", table="customers"),
    ...     judge(Rule("unique", column="id"), Outcome(rows=100), sql="", engine="duckdb"),
    ... ]
    >>> figure = failing_checks(results)
    >>> [(trace.name, trace.y, trace.x) for trace in figure.data]
    [('warn', ('customers: between(age)',), (10.0,)),
     ('error', ('customers: not_null(email)',), (2.0,))]
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InvalidValueError(f"top={top!r}", "a positive whole number of rules", "top=20")
    if isinstance(source, pd.DataFrame):
        return _failing_grid(source, top, title)
    results = getattr(source, "results", source)
    if not isinstance(results, Sequence) or any(not hasattr(r, "rule") for r in results):
        raise InvalidValueError(
            f"failing_checks was given a {type(source).__name__}",
            "a quality report (check(...)), its results, or results_history(table)",
        )
    failing = [r for r in results if r.status in ("failed", "error")]
    failing.sort(key=lambda r: (-_share(r), _label(r.table, r.rule.name)))
    failing = failing[:top]
    figure = go.Figure()
    for kind in ("error-status", "warn", "error"):  # drawn bottom to top: worst on top
        if kind == "error-status":
            mine = [r for r in failing if r.status == "error"]
            name, colour = "could not be checked", COLOURS["error"]
        else:
            mine = [r for r in failing if r.status == "failed" and r.severity == kind]
            name, colour = kind, COLOURS["failed" if kind == "error" else "warn"]
        if not mine:
            continue
        mine = mine[::-1]  # plotly draws the first category at the bottom
        figure.add_trace(
            go.Bar(
                x=[_share(r) for r in mine],
                y=[_label(r.table, r.rule.name) for r in mine],
                orientation="h",
                name=name,
                marker_color=colour,
                customdata=[[r.message] for r in mine],
                hovertemplate="%{y}<br>%{customdata[0]}<extra></extra>",
            )
        )
    checked = getattr(source, "name", None)
    figure.update_layout(
        title=title or f"Failing checks{f' of {checked}' if checked else ''} ({len(failing)})",
        xaxis_title="failing rows (%)",
        yaxis_title="rule",
        xaxis_range=[0, 105],
        template=_TEMPLATE,
        barmode="overlay",
        legend_title_text="severity",
    )
    if not failing:
        _note(figure, "every rule passed")
    return figure


def _failing_grid(history: pd.DataFrame, top: int, title: str | None) -> go.Figure:
    missing = {"at", "rule", "status"} - set(history.columns)
    if missing:
        raise _missing(history, "at, rule and status (results_history(table))", "failing_checks")
    frame = history.copy()
    warn = frame["severity"].eq("warn") if "severity" in frame.columns else False
    frame["verdict"] = frame["status"].mask(frame["status"].eq("failed") & warn, "warn")
    frame["bad"] = frame["status"].isin(["failed", "error"])
    worst = (
        frame.groupby("rule", sort=False)["bad"].sum().reset_index()
        .sort_values(["bad", "rule"], ascending=[False, True], kind="stable").head(top)
    )  # fmt: skip
    order = list(worst["rule"])[::-1]  # the worst rule on top
    frame = frame[frame["rule"].isin(order)]
    figure = go.Figure()
    for verdict, (label, colour) in _GRID.items():
        mine = frame[frame["verdict"] == verdict]
        if mine.empty:
            continue
        figure.add_trace(
            go.Scatter(
                x=list(mine["at"]),
                y=list(mine["rule"]),
                mode="markers",
                name=label,
                marker={"symbol": "square", "size": 12, "color": colour},
                customdata=[[_plain(m)] for m in mine.get("message", mine["status"])],
                hovertemplate="%{y}<br>%{x}<br>%{customdata[0]}<extra></extra>",
            )
        )
    table = history.attrs.get("table")
    failing = int(worst["bad"].gt(0).sum())
    figure.update_layout(
        title=title
        or f"Failing checks over time{f' of {table}' if table else ''}"
        f" ({failing} of {len(worst)} rules failed at least once)",
        xaxis_title="run",
        yaxis_title="rule",
        yaxis={"categoryorder": "array", "categoryarray": order},
        template=_TEMPLATE,
        legend_title_text="verdict",
    )
    if frame.empty:
        _note(figure, "no verdict recorded yet")
    return figure


def _share(result: Any) -> float:
    """The failing share of a result in percent (100 for a failed metric, or an error)."""
    if result.status == "error" or result.rule.level != "row":
        return 100.0
    return round(100 * float(result.failing_share), 4)


# ---------------------------------------------------------------------- metric trend
def metric_trend(
    history: pd.DataFrame,
    found: pd.DataFrame | str | None = None,
    *,
    title: str | None = None,
    **params: Any,
) -> go.Figure:
    """One metric over the runs; with a detector's answer, its band and its anomalies.

    Parameters
    ----------
    history : DataFrame
        ``at`` and ``value``, oldest first
        (:func:`pipelinekit.quality.history.metric_history`).
    found : DataFrame or str, optional
        What a detector of :mod:`pipelinekit.quality.detect` returned for ``history``,
        or the name of one (``"zscore"``, ``"mad"``, ``"rate_of_change"``,
        ``"seasonal"``) to run with ``params``.
    title : str, optional
        Default: the metric, column and table, and the detector.

    Returns
    -------
    Figure
        Traces, in order: the threshold band (two traces, its upper then its lower
        edge, filled between), ``expected`` (dashed), the metric (named after it) and
        ``anomaly`` (red crosses). Without ``found``, only the metric.

    Raises
    ------
    InvalidValueError
        A detector's answer that is not about ``history`` (other times or values).
    """
    _require_frame(history, "metric_trend")
    if not {"at", "value"} <= set(history.columns):
        raise _missing(history, "at and value (metric_history(table, metric))", "metric_trend")
    answer: pd.DataFrame | None
    if isinstance(found, str):
        from pipelinekit.quality.detect import detect

        answer = detect(history, found, **params)  # type: ignore[arg-type]
    elif params:
        raise InvalidValueError(
            f"Detector parameters {', '.join(sorted(params))} without a detector's name",
            "found='zscore' (or mad, rate_of_change, seasonal) with its parameters",
        )
    else:
        answer = found
    metric = str(history.attrs.get("metric") or "value")
    where = " of ".join(str(history.attrs[k]) for k in ("column", "table") if history.attrs.get(k))
    figure = go.Figure()
    if answer is not None:
        _same_points(history, answer)
        band = answer["lower"].notna()
        upper, lower = answer["upper"].where(band), answer["lower"].where(band)
        x = list(answer["at"])
        figure.add_trace(
            go.Scatter(
                x=x, y=_nones(upper), mode="lines", name="threshold band",
                line={"width": 0}, legendgroup="band", showlegend=False, hoverinfo="skip",
            )
        )  # fmt: skip
        figure.add_trace(
            go.Scatter(
                x=x, y=_nones(lower), mode="lines", name="threshold band",
                line={"width": 0}, fill="tonexty", fillcolor=COLOURS["band"],
                legendgroup="band", hoverinfo="skip",
            )
        )  # fmt: skip
        figure.add_trace(
            go.Scatter(
                x=x, y=_nones(answer["expected"]), mode="lines", name="expected",
                line={"dash": "dash", "color": COLOURS["line"], "width": 1},
            )
        )  # fmt: skip
    figure.add_trace(
        go.Scatter(
            x=list(history["at"]),
            y=_nones(history["value"]),
            mode="lines+markers",
            name=metric,
            line={"color": COLOURS["line"]},
        )
    )
    detector = None
    if answer is not None:
        detector = answer.attrs.get("detector") or "detector"
        anomalies = answer[answer["is_anomaly"].astype(bool)]
        figure.add_trace(
            go.Scatter(
                x=list(anomalies["at"]),
                y=_nones(anomalies["value"]),
                mode="markers",
                name="anomaly",
                marker={"symbol": "x", "size": 13, "color": COLOURS["failed"]},
                customdata=[[f"{s:.3g}"] for s in anomalies["score"]],
                hovertemplate="%{x}<br>%{y} (score %{customdata[0]})<extra>anomaly</extra>",
            )
        )
    default = f"{metric}{f' of {where}' if where else ''}"
    if detector:
        default += f", with {detector} anomalies"
    figure.update_layout(
        title=title or default,
        xaxis_title="run",
        yaxis_title=metric,
        template=_TEMPLATE,
    )
    if history.empty:
        _note(figure, "no value recorded yet")
    return figure


def _same_points(history: pd.DataFrame, found: pd.DataFrame) -> None:
    _require_frame(found, "metric_trend (as found=)")
    needed = {"at", "value", "expected", "lower", "upper", "is_anomaly"}
    if not needed <= set(found.columns):
        raise _missing(found, "a detector's answer (zscore(history), ...)", "metric_trend")
    same = len(found) == len(history) and list(found["at"]) == list(history["at"])
    if not same:
        raise InvalidValueError(
            f"The detector's answer has {len(found)} points that are not those of the"
            f" history ({len(history)} points)",
            "the answer of a detector run on this very history",
            "metric_trend(history, zscore(history))",
        )


# ---------------------------------------------------------------------- all together
def dashboard(
    table: str,
    *,
    path: str | os.PathLike[str] | None = None,
    metric: str = "rows",
    column: str | None = None,
    detector: str = "zscore",
    report: Any = None,
    title: str | None = None,
    **params: Any,
) -> go.Figure:
    """The quality of ``table`` at a glance: score, failing checks and one metric's trend.

    Reads the history recorded by :func:`pipelinekit.quality.history.record` and stacks
    :func:`score_over_time`, :func:`failing_checks` and :func:`metric_trend` in one
    figure, one panel each.

    Parameters
    ----------
    table : str
        The table, as recorded.
    path : path, optional
        The metadata database (see :func:`pipelinekit.metadata.metadata_path`).
    metric, column : str
        The metric drawn in the third panel (``rows``, ``score``, or a column metric
        such as ``null_share`` with ``column``).
    detector : str
        The detector run on the metric (``zscore``, ``mad``, ``rate_of_change``,
        ``seasonal``), with ``params`` (``threshold=...``).
    report : QualityReport, optional
        Show this report's failing rules rather than the recorded verdicts.
    title : str, optional
        Default: "Data quality of TABLE".

    Raises
    ------
    UnknownNameError
        A table, metric or column never recorded (the message lists those that were).
    """
    from pipelinekit.quality.detect import detect
    from pipelinekit.quality.history import metric_history, results_history, runs

    history = metric_history(table, metric, column, path=path)
    found = detect(history, detector, **params)  # type: ignore[arg-type]
    panels = [
        score_over_time(runs(path, table=table)),
        failing_checks(report if report is not None else results_history(table, path=path)),
        metric_trend(history, found),
    ]
    return _stack(panels, title or f"Data quality of {table}")


def _stack(panels: list[go.Figure], title: str) -> go.Figure:
    titles = [str(panel.layout.title.text or "") for panel in panels]
    figure = make_subplots(rows=len(panels), cols=1, subplot_titles=titles, vertical_spacing=0.1)
    for row, panel in enumerate(panels, start=1):
        group = f"panel{row}"
        for trace in panel.data:
            trace.update(legendgroup=f"{group}-{trace.legendgroup or trace.name}")
            figure.add_trace(trace, row=row, col=1)
        layout = panel.layout
        figure.update_xaxes(title_text=layout.xaxis.title.text, row=row, col=1)
        figure.update_yaxes(title_text=layout.yaxis.title.text, row=row, col=1)
        if layout.yaxis.range is not None:
            figure.update_yaxes(range=layout.yaxis.range, row=row, col=1)
        if layout.yaxis.categoryarray is not None:
            figure.update_yaxes(
                categoryorder="array", categoryarray=layout.yaxis.categoryarray, row=row, col=1
            )
    figure.update_layout(
        title=title, template=_TEMPLATE, height=320 * len(panels), barmode="overlay"
    )
    return figure


# ---------------------------------------------------------------------- helpers
def _require_frame(value: Any, where: str) -> None:
    if not isinstance(value, pd.DataFrame):
        raise InvalidValueError(
            f"{where} was given a {type(value).__name__}",
            "a DataFrame read from the quality history",
            "runs(path), results_history(table) or metric_history(table, metric)",
        )


def _missing(frame: pd.DataFrame, expected: str, where: str) -> InvalidValueError:
    columns = ", ".join(map(str, frame.columns)) or "none"
    return InvalidValueError(
        f"The frame given to {where} has the columns {columns}",
        f"a frame with {expected}",
        "read it from the quality history (pk.quality.history)",
    )


def _label(table: str | None, rule: str) -> str:
    return f"{table}: {rule}" if table else rule


def _percent(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(100 * float(value), 4)


def _nones(values: pd.Series) -> list[Any]:
    """Values for plotly, with None (a gap) for NaN: JSON has no NaN."""
    plain = [v.item() if hasattr(v, "item") else v for v in values]
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in plain]


def _plain(value: Any) -> str:
    """Text shown by plotly's hover (which reads some HTML): escaped."""
    import html

    return html.escape(str(value))


def _note(figure: go.Figure, text: str) -> None:
    figure.add_annotation(
        text=text, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5, font_size=14
    )
