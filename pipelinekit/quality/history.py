"""Keep every quality run in the metadata database, and read the history back.

:func:`record` stores one run of the checks — the verdict of every rule and, with a
profile, the metrics of every column — in the DuckDB metadata database
(:mod:`pipelinekit.metadata`), next to the lineage tables. :func:`metric_history` reads
one metric back as a time series (``at``, ``value``) for the detectors of
:mod:`pipelinekit.quality.detect`; :func:`metrics_history` reads every metric of a table
(for :func:`pipelinekit.quality.suggest.suggest`); :func:`results_history` and
:func:`runs` read the verdicts.

========================= ==============================================================
table                     one row per
========================= ==============================================================
``quality_runs``          table checked in a run: ``run_id``, ``table_name``,
                          ``started_at`` (UTC), ``engine``, ``rows``, ``rules``,
                          ``passed``, ``failed``, ``errors``, ``skipped``, ``score``
                          (:func:`pipelinekit.quality.score.score`, 0 to 1)
``quality_results``       rule checked in a run: ``run_id``, ``table_name``,
                          ``position``, ``rule``, ``kind``, ``column_name``,
                          ``dimension``, ``severity``, ``status``, ``rows``,
                          ``failing``, ``failing_share``, ``value``, ``message``,
                          ``sql``
``quality_metrics``       metric measured in a run: ``run_id``, ``table_name``,
                          ``column_name`` (NULL for the whole table), ``metric``,
                          ``value``
========================= ==============================================================

Table-level metrics are ``rows``, ``duplicate_rows``, ``failing_rules`` and ``score``;
column metrics (from a profile) are :data:`COLUMN_METRICS`. Times are stored in UTC
without a time zone; ``at=`` lets a lesson record a month of runs in a few lines.

A history carries its table (``frame.attrs["table"]``): handing the history of one
table to a detector or to ``suggest`` for another one is refused with a clear error.

Examples
--------
>>> import tempfile, pathlib
>>> from pipelinekit.quality.result import Outcome, judge
>>> from pipelinekit.quality.rule import Rule
>>> result = judge(Rule("not_null", column="email", table="customers"),
...                Outcome(rows=100, failing=2), sql="", engine="pandas")
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder) / "metadata.duckdb"
...     for day, rows in enumerate([100, 104, 98], start=1):
...         _ = record([result], rows=rows, at=f"2024-05-0{day}", path=path)
...     history = metric_history("customers", "rows", path=path)
>>> history[["at", "value"]]
          at  value
0 2024-05-01  100.0
1 2024-05-02  104.0
2 2024-05-03   98.0
>>> history.attrs["table"], history.attrs["metric"]
('customers', 'rows')
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError, format_list, nearest
from pipelinekit.metadata import Schema, connect, mark_written, metadata_path, transaction
from pipelinekit.quality.result import RuleResult

__all__ = [
    "COLUMN_METRICS",
    "QUALITY",
    "TABLES",
    "history_table",
    "metric_history",
    "metrics_history",
    "record",
    "require_table",
    "results_history",
    "runs",
]

# Version 1 of the quality tables. Never edit a released migration: append a new one.
_V1 = """
CREATE TABLE quality_runs (
    run_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    engine VARCHAR,
    rows BIGINT,
    rules INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    score DOUBLE,
    PRIMARY KEY (run_id, table_name)
);
CREATE TABLE quality_results (
    run_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    rule VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    column_name VARCHAR,
    dimension VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    rows BIGINT,
    failing BIGINT,
    failing_share DOUBLE,
    value DOUBLE,
    message VARCHAR,
    sql VARCHAR
);
CREATE TABLE quality_metrics (
    run_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    column_name VARCHAR,
    metric VARCHAR NOT NULL,
    value DOUBLE
);
"""

#: The tables quality keeps in the metadata database.
TABLES: tuple[str, ...] = ("quality_runs", "quality_results", "quality_metrics")
#: The quality part of the metadata database (see :mod:`pipelinekit.metadata`).
QUALITY = Schema("quality", (_V1,), TABLES)

#: The column metrics :func:`record` takes from a profile (numbers only).
COLUMN_METRICS: tuple[str, ...] = (
    "rows",
    "non_null",
    "nulls",
    "null_share",
    "distinct",
    "min",
    "max",
    "mean",
    "std",
    "p001",
    "p01",
    "p05",
    "p25",
    "p50",
    "p75",
    "p95",
    "p99",
    "p999",
    "min_length",
    "max_length",
    "mean_length",
)
_UNNAMED = "data"

Path = str | os.PathLike[str]


# ---------------------------------------------------------------------- writing
def record(
    report: Any = None,
    *,
    profile: Any = None,
    table: str | None = None,
    rows: int | None = None,
    path: Path | None = None,
    run_id: str | None = None,
    at: datetime | date | str | None = None,
    weights: Mapping[str, float] | None = None,
) -> str:
    """Store one run of the checks (and, with ``profile``, its metrics); return its id.

    Parameters
    ----------
    report : QualityReport or list of RuleResult, optional
        What :func:`pipelinekit.quality.check.check` returned. Rules of several tables
        make one ``quality_runs`` row per table, under the same ``run_id``.
    profile : Profile, optional
        What :func:`pipelinekit.quality.profile.profile` returned: its column metrics
        (:data:`COLUMN_METRICS`) and row count are stored too.
    table : str, optional
        The table's name, when the results do not name it (default: the profile's name,
        else the report's, else ``'data'``).
    rows : int, optional
        The table's row count, when there is no profile (default: read from the results).
    path : path, optional
        The metadata database (see :func:`pipelinekit.metadata.metadata_path`).
    run_id : str, optional
        Default: a new UUID.
    at : datetime, date or ISO-8601 text, optional
        When the run happened (default: now). A time with a time zone is converted to
        UTC; one without is taken as UTC.
    weights : mapping, optional
        Dimension weights for the stored score (:func:`pipelinekit.quality.score.score`).

    Returns
    -------
    str
        The run id.

    Raises
    ------
    InvalidValueError
        Nothing to record, a run id already recorded for the table, or an unreadable
        ``at``.
    """
    results = _results(report)
    if not results and profile is None:
        raise InvalidValueError(
            "Nothing to record: no results and no profile",
            "a quality report (check(...)) or a profile (profile(...)), or both",
            "record(check(data, rules), profile=profile(data))",
        )
    named = getattr(report, "name", None)
    default = table or _profile_name(profile) or (named if isinstance(named, str) else None)
    default = default or _UNNAMED
    by_table: dict[str, list[RuleResult]] = {}
    for result in results:
        by_table.setdefault(result.table or result.rule.table or default, []).append(result)
    if profile is not None:
        by_table.setdefault(default, [])
    started = _utc(at)
    run = run_id or str(uuid.uuid4())
    from pipelinekit.quality.score import score

    with connect(path, schemas=[QUALITY]) as con, transaction(con):
        for name, mine in by_table.items():
            taken = con.execute(
                "SELECT count(*) FROM quality_runs WHERE run_id = ? AND table_name = ?",
                [run, name],
            ).fetchone()
            if taken and taken[0]:
                raise InvalidValueError(
                    f"Run '{run}' of table '{name}' is already recorded",
                    "a new run id for every run",
                    "leave run_id out: record() makes a new one",
                )
            counts = {s: sum(r.status == s for r in mine) for s in _STATUSES}
            table_rows = _rows(mine, profile if name == default else None, rows)
            value = score(mine, weights=weights).overall if mine else math.nan
            con.execute(
                "INSERT INTO quality_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run,
                    name,
                    started,
                    _engine(report, mine),
                    table_rows,
                    len(mine),
                    counts["passed"],
                    counts["failed"],
                    counts["error"],
                    counts["skipped"],
                    None if math.isnan(value) else value,
                ],
            )
            if mine:
                con.executemany(
                    "INSERT INTO quality_results VALUES"
                    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [[run, name, i, *_result_row(r)] for i, r in enumerate(mine)],
                )
            metrics = _table_metrics(table_rows, mine, value, profile if name == default else None)
            metrics += _column_metrics(profile) if name == default and profile is not None else []
            if metrics:
                con.executemany(
                    "INSERT INTO quality_metrics VALUES (?, ?, ?, ?, ?)",
                    [[run, name, column, metric, v] for column, metric, v in metrics],
                )
        mark_written(con, QUALITY)
    return run


_STATUSES = ("passed", "failed", "error", "skipped")


def _results(report: Any) -> list[RuleResult]:
    if report is None:
        return []
    results = getattr(report, "results", report)
    if isinstance(results, RuleResult):
        return [results]
    if isinstance(results, Iterable) and not isinstance(results, str | bytes | Mapping):
        listed = list(results)
        if all(isinstance(r, RuleResult) for r in listed):
            return listed
    raise InvalidValueError(
        f"Cannot record a {type(report).__name__}",
        "a quality report (check(...)) or a list of RuleResult",
        "record(check(data, rules), profile=profile(data))",
    )


def _profile_name(profile: Any) -> str | None:
    if profile is None:
        return None
    name = getattr(profile, "table", {}).get("name")
    return str(name) if name else None


def _rows(results: list[RuleResult], profile: Any, rows: int | None) -> int | None:
    if rows is not None:
        return int(rows)
    if profile is not None and profile.table.get("rows") is not None:
        return int(profile.table["rows"])
    counted = [r.rows for r in results if r.status != "error" and r.rule.level == "row"]
    return max(counted) if counted else None


def _engine(report: Any, results: list[RuleResult]) -> str | None:
    engine = getattr(report, "engine", None)
    if isinstance(engine, str):
        return engine
    return results[0].engine if results else None


def _utc(at: datetime | date | str | None) -> datetime:
    if at is None:
        return datetime.now(UTC).replace(tzinfo=None)
    try:
        moment = pd.Timestamp(at)
    except (ValueError, TypeError) as error:
        raise InvalidValueError(
            f"Run time at={at!r}",
            "a datetime, a date or ISO-8601 text such as '2024-05-01T09:00:00'",
        ) from error
    if moment.tzinfo is not None:
        moment = moment.tz_convert("UTC").tz_localize(None)
    return moment.to_pydatetime()


def _result_row(result: RuleResult) -> list[object]:
    rule = result.rule
    column = rule.column or (", ".join(rule.columns) if rule.columns else None)
    return [
        rule.name,
        rule.kind,
        column,
        rule.dimension,
        rule.severity,
        result.status,
        result.rows,
        result.failing,
        _number(result.failing_share),
        _number(result.value),
        result.message,
        result.sql,
    ]


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _table_metrics(
    rows: int | None, results: list[RuleResult], score: float, profile: Any
) -> list[tuple[str | None, str, float | None]]:
    metrics: list[tuple[str | None, str, float | None]] = []
    if rows is not None:
        metrics.append((None, "rows", float(rows)))
    if profile is not None and profile.table.get("duplicate_rows") is not None:
        metrics.append((None, "duplicate_rows", float(profile.table["duplicate_rows"])))
    if results:
        failing = sum(r.status in ("failed", "error") for r in results)
        metrics.append((None, "failing_rules", float(failing)))
        if not math.isnan(score):
            metrics.append((None, "score", score))
    return metrics


def _column_metrics(profile: Any) -> list[tuple[str | None, str, float | None]]:
    frame = profile.columns
    metrics: list[tuple[str | None, str, float | None]] = []
    for row in frame.to_dict("records"):
        for metric in COLUMN_METRICS:
            if metric not in row:
                continue
            value = _number(row[metric])
            if value is not None:
                metrics.append((str(row["column"]), metric, value))
    return metrics


# ---------------------------------------------------------------------- reading
def runs(path: Path | None = None, *, table: str | None = None) -> pd.DataFrame:
    """Every recorded run (one row per table checked), oldest first.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from pipelinekit.quality.result import Outcome, judge
    >>> from pipelinekit.quality.rule import Rule
    >>> passed = judge(Rule("not_null", column="id"), Outcome(rows=10), sql="", engine="pandas")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "metadata.duckdb"
    ...     _ = record([passed], table="orders", run_id="r1", at="2024-05-01", path=path)
    ...     runs(path)[["run_id", "table_name", "started_at", "rows", "rules", "score"]]
      run_id table_name started_at  rows  rules  score
    0     r1     orders 2024-05-01    10      1    1.0
    """
    sql = "SELECT * FROM quality_runs"
    params: list[object] = []
    if table is not None:
        _require_recorded(table, path)
        sql += " WHERE table_name = ?"
        params.append(table)
    frame = _read(sql + " ORDER BY started_at, run_id, table_name", params, path)
    if table is not None:
        frame.attrs["table"] = table
    return frame


def results_history(
    table: str, *, rule: str | None = None, path: Path | None = None
) -> pd.DataFrame:
    """Every recorded verdict for ``table`` (or one rule of it), oldest run first.

    Columns: ``run_id``, ``at``, ``rule``, ``kind``, ``column_name``, ``dimension``,
    ``severity``, ``status``, ``rows``, ``failing``, ``failing_share``, ``value``,
    ``message``; ``attrs["table"]`` names the table.
    """
    _require_recorded(table, path)
    sql = (
        "SELECT r.run_id, q.started_at AS at, r.rule, r.kind, r.column_name, r.dimension,"
        " r.severity, r.status, r.rows, r.failing, r.failing_share, r.value, r.message"
        " FROM quality_results r JOIN quality_runs q USING (run_id, table_name)"
        " WHERE r.table_name = ?"
    )
    params: list[object] = [table]
    if rule is not None:
        known = _distinct(
            "SELECT DISTINCT rule FROM quality_results WHERE table_name = ?", [table], path
        )
        if rule not in known:
            raise UnknownNameError.for_name(rule, sorted(known), kind=f"rule of table '{table}'")
        sql += " AND r.rule = ?"
        params.append(rule)
    frame = _read(sql + " ORDER BY q.started_at, r.run_id, r.position", params, path)
    frame["column_name"] = _nones(frame["column_name"])
    frame.attrs.update(table=table, rule=rule)
    return frame


def metrics_history(table: str, *, path: Path | None = None) -> pd.DataFrame:
    """Every recorded metric of ``table``, one row per run, column and metric.

    Columns: ``run_id``, ``at``, ``column`` (None for the whole table), ``metric``,
    ``value``; ``attrs["table"]`` names the table. :func:`metric_history` picks one series.
    """
    _require_recorded(table, path)
    frame = _read(
        "SELECT m.run_id, q.started_at AS at, m.column_name AS column, m.metric, m.value"
        " FROM quality_metrics m JOIN quality_runs q USING (run_id, table_name)"
        " WHERE m.table_name = ? ORDER BY q.started_at, m.run_id",
        [table],
        path,
    )
    frame["column"] = _nones(frame["column"])
    frame.attrs["table"] = table
    return frame


def metric_history(
    table: str, metric: str, column: str | None = None, *, path: Path | None = None
) -> pd.DataFrame:
    """One metric of ``table`` (of one ``column``, or of the whole table) over the runs.

    Parameters
    ----------
    table : str
        The table, as recorded.
    metric : str
        ``rows``, ``score``, ``duplicate_rows``, ``failing_rules`` for the table; a name of
        :data:`COLUMN_METRICS` (``null_share``, ``mean``, ...) with ``column``.
    column : str, optional
        The column, for column metrics.
    path : path, optional
        The metadata database.

    Returns
    -------
    DataFrame
        ``run_id``, ``at``, ``value``, oldest first; ``attrs`` holds ``table``,
        ``metric`` and ``column``.

    Raises
    ------
    UnknownNameError
        A table never recorded, or a metric (or column) never recorded for it; the
        message lists what was.
    """
    history = metrics_history(table, path=path)
    mine = history[(history["metric"] == metric)]
    mine = mine[mine["column"].isna()] if column is None else mine[mine["column"] == column]
    if mine.empty:
        where = "the whole table" if column is None else f"column '{column}'"
        pairs = history[["column", "metric"]].drop_duplicates()
        if column is not None and column not in set(history["column"].dropna()):
            raise UnknownNameError.for_name(
                column, sorted(set(history["column"].dropna())), kind=f"column of '{table}'"
            )
        options = sorted(
            pairs[pairs["column"].isna() if column is None else pairs["column"] == column]["metric"]
        )
        close = nearest(metric, options)
        raise UnknownNameError(
            f"No metric '{metric}' recorded for {where} of '{table}'",
            f"one of {format_list(options)}" if options else "a recorded metric",
            f"did you mean {format_list(close)}?"
            if close
            else "record(report, profile=profile(data)) stores the column metrics",
        )
    frame = mine[["run_id", "at", "value"]].reset_index(drop=True)
    frame.attrs.update(table=table, metric=metric, column=column)
    return frame


# ---------------------------------------------------------------------- one table
def history_table(history: pd.DataFrame) -> str | None:
    """The table a history belongs to: ``attrs["table"]``, or its one ``table`` value.

    Examples
    --------
    >>> frame = pd.DataFrame({"at": [1], "value": [2.0]})
    >>> frame.attrs["table"] = "orders"
    >>> history_table(frame), history_table(pd.DataFrame({"value": [1.0]}))
    ('orders', None)
    """
    named = history.attrs.get("table")
    if named:
        return str(named)
    for key in ("table", "table_name"):
        if key in history.columns:
            values = history[key].dropna().unique().tolist()
            if len(values) > 1:
                raise InvalidValueError(
                    f"The history mixes the tables {format_list(sorted(map(str, values)))}",
                    "the history of one table",
                    "read one table's history: metric_history('orders', 'rows')",
                )
            if values:
                return str(values[0])
    return None


def require_table(history: pd.DataFrame, table: str | None, *, what: str) -> str | None:
    """Refuse a history of another table than ``table``; return the history's table.

    Examples
    --------
    >>> frame = pd.DataFrame({"at": [1], "value": [2.0]})
    >>> frame.attrs["table"] = "orders"
    >>> require_table(frame, "customers", what="the detector")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: The history given to the detector is of table ...
    """
    mine = history_table(history)
    if table is not None and mine is not None and mine != table:
        raise InvalidValueError(
            f"The history given to {what} is of table '{mine}', not of '{table}'",
            f"the history of '{table}'",
            f"read it with metric_history('{table}', ...) or metrics_history('{table}')",
        )
    return mine


# ---------------------------------------------------------------------- helpers
def _read(sql: str, params: Sequence[object], path: Path | None) -> pd.DataFrame:
    with connect(_existing(path), schemas=[QUALITY]) as con:
        return con.execute(sql, params).df()


def _distinct(sql: str, params: Sequence[object], path: Path | None) -> set[str]:
    with connect(_existing(path), schemas=[QUALITY]) as con:
        return {str(v) for (v,) in con.execute(sql, params).fetchall()}


def _nones(values: pd.Series) -> pd.Series:
    """Missing text as None (as SQL NULL reads), not NaN."""
    return values.astype(object).where(values.notna(), None)


def _existing(path: Path | None) -> os.PathLike[str]:
    where = metadata_path(path)
    if not where.exists():
        raise UnknownNameError(
            f"No quality history: there is no metadata database at '{where}'",
            "a metadata database with recorded runs",
            "record runs first: pk.quality.record(report, profile=profile) after each check",
        )
    return where


def _require_recorded(table: str, path: Path | None) -> None:
    tables = _distinct("SELECT DISTINCT table_name FROM quality_runs", [], path)
    if table not in tables:
        raise UnknownNameError.for_name(
            table,
            sorted(tables) or ["(no table recorded yet)"],
            kind="table in the quality history",
            hint="record(report, profile=...) stores a run of a table",
        )
