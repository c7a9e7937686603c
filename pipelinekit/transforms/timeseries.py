"""Time series: buckets, gap filling, rolling windows, changes over time, decomposition.

Every function works on a datetime column ``on``, optionally per entity (``by=``, e.g.
one series per device), and — except :func:`decompose` — has a SQL twin
(``resample.sql(...)``, ...) that DuckDB runs to the same frame.

Examples
--------
>>> import pipelinekit as pk
>>> readings = pk.datasets.load("iot", scale="tiny").readings
>>> daily = resample(readings, on="read_at", every="1d", by="device_id",
...                  agg={"temperature_c": ["mean", "max"]})
>>> daily.columns.tolist()
['device_id', 'read_at', 'temperature_c_mean', 'temperature_c_max']
>>> len(daily), daily["read_at"].min()
(176, Timestamp('2025-01-06 00:00:00'))
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError, format_list
from pipelinekit.lineage.model import Subtype
from pipelinekit.transforms.order import Order, require_columns, sort_positions
from pipelinekit.transforms.reshape import (
    AGGREGATIONS,
    _aggregate,
    _is_numeric,
    _measures,
    check_aggregable,
)
from pipelinekit.transforms.sql import literal, quote, sql
from pipelinekit.transforms.twin import TABLE, Engine, add_columns_sql, check_engine
from pipelinekit.transforms.twin import run_add_columns as _run_add_columns
from pipelinekit.transforms.window import WindowFrame
from pipelinekit.transforms.window import window as window_function

__all__ = [
    "Every",
    "parse_every",
    "resample",
    "resample_sql",
    "fill_gaps",
    "fill_gaps_sql",
    "rolling_time",
    "rolling_time_sql",
    "lag",
    "lag_sql",
    "diff",
    "diff_sql",
    "pct_change",
    "pct_change_sql",
    "period_over_period",
    "period_over_period_sql",
    "decompose",
]

Label = Literal["start", "end"]
WeekStart = Literal["monday", "sunday"]
FillMethod = Literal["none", "ffill", "interpolate"]
Period = Literal["day", "week", "month", "quarter", "year"]
By = str | Sequence[str]

# DuckDB's time_bucket origin for buckets shorter than a month is Monday 2000-01-03.
_ORIGINS = {"monday": pd.Timestamp("2000-01-03"), "sunday": pd.Timestamp("2000-01-02")}
_MONTH_ORIGIN = 360  # 2000-01 in months since 1970-01, time_bucket's origin for months
_UNITS = {
    "s": "second", "sec": "second", "second": "second", "seconds": "second",
    "min": "minute", "minute": "minute", "minutes": "minute",
    "h": "hour", "hour": "hour", "hours": "hour",
    "d": "day", "day": "day", "days": "day",
    "w": "week", "week": "week", "weeks": "week",
    "mo": "month", "month": "month", "months": "month",
    "y": "year", "year": "year", "years": "year",
}  # fmt: skip
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}


# --------------------------------------------------------------------------- durations


@dataclass(frozen=True)
class Every:
    """A bucket width: ``n`` ``unit`` s (``Every(15, "minute")``); read by :func:`parse_every`."""

    n: int
    unit: str

    @property
    def months(self) -> int | None:
        """The width in months, or None for fixed-length widths (seconds to weeks)."""
        return {"month": self.n, "year": 12 * self.n}.get(self.unit)

    def timedelta(self) -> pd.Timedelta:
        return pd.Timedelta(seconds=self.n * _SECONDS[self.unit])

    def sql(self) -> str:
        """The width as a SQL interval literal: ``INTERVAL '15 minutes'``."""
        return f"INTERVAL '{self.n} {self.unit}{'s' if self.n != 1 else ''}'"

    def add(self, values: np.ndarray, times: int = 1) -> np.ndarray:
        """``values`` (datetime64[us]) plus ``times`` widths, month arithmetic for months."""
        if self.months is None:
            return values + np.timedelta64(self.n * _SECONDS[self.unit] * times, "s")
        return _shift_months(values, self.months * times)


def parse_every(every: str | Every) -> Every:
    """Read a width: ``"1h"``, ``"15min"``, ``"3d"``/``"3D"``, ``"1w"``, ``"1mo"``, ``"1y"``.

    Examples
    --------
    >>> parse_every("15min"), parse_every("1D").sql()
    (Every(n=15, unit='minute'), "INTERVAL '1 day'")
    """
    if isinstance(every, Every):
        return every
    match = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]+)\s*", str(every))
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None or int(match.group(1)) < 1:
        raise InvalidValueError(
            f"Interval '{every}'",
            "a positive count and a unit: s, min, h, d, w, mo or y (e.g. '1h', '15min', '1mo')",
            "write minutes as 'min' and months as 'mo' ('m' would be ambiguous)",
        )
    return Every(int(match.group(1)), unit)


# --------------------------------------------------------------------------- resample


def resample(
    frame: pd.DataFrame,
    *,
    on: str,
    every: str | Every,
    agg: str | Sequence[str] | Mapping[str, str | Sequence[str]],
    by: By = (),
    label: Label = "start",
    week_start: WeekStart = "monday",
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Aggregate rows into time buckets of width ``every`` (per ``by`` group).

    Parameters
    ----------
    frame : DataFrame
        Rows with a datetime column ``on``.
    on : str
        The timestamp column (naive datetimes).
    every : str
        Bucket width: ``"15min"``, ``"1h"``, ``"1d"``, ``"1w"``, ``"1mo"``, ``"1y"``.
    agg : str, list or dict
        ``{"temperature_c": ["mean", "max"]}``; a name or list applies to every numeric
        column other than ``on`` and ``by``. Aggregations as in :func:`~.reshape.pivot`.
    by : str or list of str
        Entity columns: one series per distinct value (NULLs form one group).
    label : {"start", "end"}
        Label each bucket with its first instant or with its end (the start of the next
        bucket). Buckets are always closed on the left: ``[start, end)``.
    week_start : {"monday", "sunday"}
        Where weeks (and multi-day buckets) begin: DuckDB's ``time_bucket`` origin
        Monday 2000-01-03, or Sunday 2000-01-02.
    engine : {"pandas", "duckdb"}
        Compute with pandas, or run the SQL twin in DuckDB.

    Returns
    -------
    DataFrame
        ``by`` columns, ``on`` (the bucket label), then ``<column>_<agg>`` per aggregate.
        Only buckets holding rows appear (see :func:`fill_gaps` for the others); rows with
        a NULL timestamp form a NULL bucket, as ``GROUP BY`` does. Sorted by ``by``, ``on``.

    Notes
    -----
    pandas' ``resample("W")`` labels weeks by their *end* (Sunday) and closes them on the
    right; ``resample("D")`` labels by the start. Here the label is always explicit. Buckets
    of n days, hours, ... count from the origin 2000-01-03 (as DuckDB's ``time_bucket``),
    not from the first timestamp; months count from 2000-01.

    Examples
    --------
    >>> import pandas as pd
    >>> rides = pd.DataFrame({
    ...     "at": pd.to_datetime(["2024-01-01 08:10", "2024-01-01 08:50", "2024-01-01 10:05"]),
    ...     "km": [3.0, 5.0, 2.0],
    ... })
    >>> resample(rides, on="at", every="1h", agg="sum", label="end")
                       at  km_sum
    0 2024-01-01 09:00:00     8.0
    1 2024-01-01 11:00:00     2.0
    """
    check_engine(engine)
    by = _as_list(by)
    width = parse_every(every)
    _check_time_column(frame, on, by)
    _check_choice(label, ("start", "end"), "label")
    _check_choice(week_start, ("monday", "sunday"), "week_start")
    measures = _resample_measures(frame, on, by, agg)
    agg_dict = _as_agg_dict(measures)
    if engine == "duckdb":
        query = resample_sql(
            on=on, every=width, agg=agg_dict, by=by, label=label, week_start=week_start
        )
        result = sql(query, **{TABLE: frame})
    else:
        buckets = _bucket(frame[on], width, week_start)
        if label == "end":
            buckets = pd.Series(width.add(buckets.to_numpy()), index=frame.index)
        keyed = frame[by].assign(**{on: buckets})
        grouped = frame.groupby([keyed[c] for c in [*by, on]], dropna=False, sort=False)
        parts = [
            _aggregate(grouped[value], how).rename(f"{value}_{how}") for value, how in measures
        ]
        result = pd.concat(parts, axis=1).reset_index()
        result = result.iloc[sort_positions(result, [Order(c) for c in [*by, on]])]
    return _normalise(result.reset_index(drop=True), frame, measures)


def resample_sql(
    *,
    on: str,
    every: str | Every,
    agg: Mapping[str, str | Sequence[str]],
    by: By = (),
    label: Label = "start",
    week_start: WeekStart = "monday",
    table: str = TABLE,
) -> str:
    """The SQL twin of :func:`resample`: ``GROUP BY`` a ``date_trunc``/``time_bucket``.

    Examples
    --------
    >>> print(resample_sql(on="read_at", every="1d", by="device_id",
    ...                    agg={"temperature_c": "mean"}))
    SELECT
      device_id,
      date_trunc('day', read_at) AS read_at,
      avg(temperature_c) AS temperature_c_mean
    FROM input
    GROUP BY 1, 2
    ORDER BY 1 ASC NULLS LAST, 2 ASC NULLS LAST
    """
    by, width = _as_list(by), parse_every(every)
    measures = _measures(None, dict(agg))
    bucket = _bucket_sql(quote(on), width, week_start)
    if label == "end":
        bucket = f"{bucket} + {width.sql()}"
    lines = [quote(c) for c in by] + [f"{bucket} AS {quote(on)}"]
    lines += [
        f"{AGGREGATIONS[cast(str, how)]}({quote(v)}) AS {quote(f'{v}_{how}')}"
        for v, how in measures
    ]
    positions = range(1, len(by) + 2)
    return (
        "SELECT\n  " + ",\n  ".join(lines) + f"\nFROM {table}\n"
        f"GROUP BY {', '.join(map(str, positions))}\n"
        f"ORDER BY {', '.join(f'{p} ASC NULLS LAST' for p in positions)}"
    )


def _resample_twin_arguments(
    frame: pd.DataFrame,
    *,
    on: str,
    agg: str | Sequence[str] | Mapping[str, str | Sequence[str]],
    by: By = (),
    **_: object,
) -> dict[str, object]:
    """``agg`` as the mapping :func:`resample_sql` needs: a name or list of names spelt
    out over the numeric columns, as :func:`resample` does (for the lineage of a tracked
    call)."""
    return {"agg": _as_agg_dict(_resample_measures(frame, on, _as_list(by), agg))}


resample.sql = resample_sql  # type: ignore[attr-defined]
resample.twin_arguments = _resample_twin_arguments  # type: ignore[attr-defined]


def _bucket(times: pd.Series, width: Every, week_start: str) -> pd.Series:
    """The start of each timestamp's bucket, as ``time_bucket`` computes it."""
    values = times.to_numpy().astype("datetime64[us]")
    missing = np.isnat(values)
    if width.months is None:
        step = width.n * _SECONDS[width.unit] * 1_000_000
        origin = _ORIGINS[week_start].to_datetime64().astype("datetime64[us]").astype("int64")
        ticks = values.astype("int64")
        starts = origin + np.floor_divide(ticks - origin, step) * step
        out = starts.astype("datetime64[us]")
    else:
        months = values.astype("datetime64[M]").astype("int64")
        starts = (
            _MONTH_ORIGIN + np.floor_divide(months - _MONTH_ORIGIN, width.months) * width.months
        )
        out = starts.astype("datetime64[M]").astype("datetime64[us]")
    out[missing] = np.datetime64("NaT")
    return pd.Series(out, index=times.index)


def _bucket_sql(column: str, width: Every, week_start: str) -> str:
    if width.n == 1 and width.unit != "week":
        return f"date_trunc('{width.unit}', {column})"
    if width.n == 1 and week_start == "monday":
        return f"date_trunc('week', {column})"  # ISO weeks start on Monday
    if width.months is not None:
        return f"time_bucket({width.sql()}, {column})"
    origin = _ORIGINS[week_start].strftime("%Y-%m-%d")
    return f"time_bucket({width.sql()}, {column}, TIMESTAMP '{origin}')"


def _resample_measures(
    frame: pd.DataFrame, on: str, by: list[str], agg: object
) -> list[tuple[str, str]]:
    if isinstance(agg, Mapping):
        measures = _measures(None, agg)
    else:
        numeric = [c for c in frame.columns if c not in (on, *by) and _is_numeric(frame[c])]
        if not numeric:
            raise InvalidValueError(
                "No numeric columns to aggregate besides the time and group columns",
                "agg as a dict naming the columns: {'status': 'count'}",
                "a single aggregation name applies to every numeric column",
            )
        measures = _measures(numeric, agg)  # type: ignore[arg-type]
    require_columns(frame, [value for value, _ in measures])
    for value, how in measures:
        if how is None:
            raise UnknownNameError.for_name(how, AGGREGATIONS, kind="aggregation")
        if value in (on, *by):
            raise InvalidValueError(
                f"Column '{value}' is both aggregated and a time or group column",
                "agg over other columns",
                "count rows with agg={'<another column>': 'count'}",
            )
        check_aggregable(frame, value, how)
    return measures  # type: ignore[return-value]


# --------------------------------------------------------------------------- gap filling


def fill_gaps(
    frame: pd.DataFrame,
    *,
    on: str,
    every: str | Every,
    by: By = (),
    method: FillMethod | float | str = "none",
    columns: Sequence[str] | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add a row for every missing bucket between each series' first and last timestamp.

    Parameters
    ----------
    frame : DataFrame
        One row per ``by`` group and timestamp, on a grid of width ``every`` (e.g. the
        output of :func:`resample`).
    on : str
        The timestamp column.
    every : str
        The grid step: ``"1h"``, ``"1d"``, ``"1mo"``, ... (months need month starts).
    by : str or list of str
        Entity columns; each group gets its own calendar, from its own first to its own
        last timestamp.
    method : {"none", "ffill", "interpolate"} or a value
        ``"none"``: new rows hold NULLs. ``"ffill"``: every NULL (new or not) takes the
        last non-NULL value before it in its group. ``"interpolate"``: NULLs between two
        values are interpolated linearly in time; leading and trailing NULLs stay. A number
        or text: NULLs become that value.
    columns : list of str, optional
        The columns to fill; by default every column but ``on`` and ``by`` (every numeric
        one for ``"interpolate"``). Other columns are NULL in the new rows.
    engine : {"pandas", "duckdb"}
        Compute with pandas, or run the SQL twin in DuckDB.

    Returns
    -------
    DataFrame
        The frame's columns, one row per group and grid timestamp, sorted by ``by``, ``on``.

    Notes
    -----
    The SQL twin builds the calendar with ``generate_series`` and ``LEFT JOIN`` s the rows
    onto it; ``ffill`` is ``last_value(x IGNORE NULLS)`` over the rows so far, and
    ``interpolate`` combines the last and next non-NULL values and their timestamps
    (``epoch`` of the time differences). pandas' ``interpolate(method="time")`` gives the
    same values inside a gap. Groups match with ``IS NOT DISTINCT FROM``, so a NULL group
    is a group, as in ``GROUP BY``.

    Examples
    --------
    >>> import pandas as pd
    >>> hourly = pd.DataFrame({
    ...     "ts": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 03:00"]),
    ...     "kw": [1.0, 4.0],
    ... })
    >>> fill_gaps(hourly, on="ts", every="1h", method="interpolate")
                       ts   kw
    0 2024-01-01 00:00:00  1.0
    1 2024-01-01 01:00:00  2.0
    2 2024-01-01 02:00:00  3.0
    3 2024-01-01 03:00:00  4.0
    """
    check_engine(engine)
    by, width = _as_list(by), parse_every(every)
    _check_time_column(frame, on, by, nulls=False, unique=True)
    filled = _fill_columns(frame, on, by, method, columns)
    if engine == "duckdb":
        query = fill_gaps_sql(
            on=on,
            every=width,
            by=by,
            method=method,
            columns=filled,
            all_columns=list(frame.columns),
        )
        result = sql(query, **{TABLE: frame})
    else:
        result = _fill_gaps_pandas(frame, on, by, width, method, filled)
    result = result.reset_index(drop=True)
    if len(result) and result[on].isna().any():
        raise InvalidValueError(
            f"Timestamps of '{on}' that are not on the {width.n} {width.unit} grid "
            "starting at each series' first timestamp",
            "one row per step of `every` from the first timestamp",
            f"put the rows on the grid first: resample(frame, on='{on}', every=...)",
        )
    for column in frame.columns:
        result[column] = _like(result[column], frame[column])
    return result


def fill_gaps_sql(
    *,
    on: str,
    every: str | Every,
    by: By = (),
    method: FillMethod | float | str = "none",
    columns: Sequence[str],
    all_columns: Sequence[str] | None = None,
    table: str = TABLE,
) -> str:
    """The SQL twin of :func:`fill_gaps`: a generated calendar ``LEFT JOIN`` the rows.

    ``columns`` are the columns to fill, ``all_columns`` the output columns (by default
    ``by``, ``on`` and ``columns``). A row of the input that is not on the calendar shows
    up with a NULL ``on`` (:func:`fill_gaps` turns that into an error).

    Examples
    --------
    >>> print(fill_gaps_sql(on="ts", every="1h", method="ffill", columns=["kw"]))
    WITH bounds AS (
      SELECT min(ts) AS lo, max(ts) AS hi
      FROM input
    ),
    calendar AS (
      SELECT unnest(generate_series(lo, hi, INTERVAL '1 hour')) AS ts
      FROM bounds
    ),
    joined AS (
      SELECT input.* EXCLUDE (ts), calendar.ts
      FROM calendar FULL JOIN input ON calendar.ts = input.ts
    )
    SELECT
      ts,
      last_value(kw IGNORE NULLS) OVER before AS kw
    FROM joined
    WINDOW before AS (ORDER BY ts ASC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ORDER BY ts ASC NULLS LAST
    """
    by, width = _as_list(by), parse_every(every)
    outputs = list(all_columns) if all_columns is not None else [*by, on, *columns]
    group = ", ".join(quote(c) for c in by)
    keys = [f"calendar.{quote(c)} IS NOT DISTINCT FROM input.{quote(c)}" for c in by]
    keys.append(f"calendar.{quote(on)} = input.{quote(on)}")
    partition = f"PARTITION BY {group} " if by else ""
    order = f"ORDER BY {quote(on)} ASC NULLS LAST"
    select_by = "".join(f"{quote(c)}, " for c in by)
    bounds = (
        f"WITH bounds AS (\n  SELECT {select_by}min({quote(on)}) AS lo, max({quote(on)}) AS hi\n"
        f"  FROM {table}" + (f"\n  GROUP BY {group}" if by else "") + "\n),\n"
    )
    calendar = (
        f"calendar AS (\n  SELECT {select_by}unnest(generate_series(lo, hi, {width.sql()})) "
        f"AS {quote(on)}\n  FROM bounds\n),\n"
    )
    # A FULL JOIN keeps input rows that miss the calendar, so they can be reported.
    excluded = ", ".join(quote(c) for c in [*by, on])
    from_calendar = "".join(
        f", coalesce(calendar.{quote(c)}, input.{quote(c)}) AS {quote(c)}" for c in by
    )
    joined = (
        f"joined AS (\n  SELECT {table}.* EXCLUDE ({excluded}){from_calendar}, "
        f"calendar.{quote(on)}\n"
        f"  FROM calendar FULL JOIN {table} ON {' AND '.join(keys)}\n)"
    ).replace("input.", f"{table}.")
    windows = [f"before AS ({partition}{order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"]
    lines, helpers = [], []
    for column in outputs:
        name = quote(column)
        if column not in columns or method == "none":
            lines.append(name)
        elif method == "ffill":
            lines.append(f"last_value({name} IGNORE NULLS) OVER before AS {name}")
        elif method == "interpolate":
            at = f"CASE WHEN {name} IS NOT NULL THEN {quote(on)} END"
            helpers += [
                f"last_value({name} IGNORE NULLS) OVER before AS {quote(column + '__prev')}",
                f"last_value({at} IGNORE NULLS) OVER before AS {quote(column + '__prev_at')}",
                f"first_value({name} IGNORE NULLS) OVER after AS {quote(column + '__next')}",
                f"first_value({at} IGNORE NULLS) OVER after AS {quote(column + '__next_at')}",
            ]
            prev, nxt = quote(column + "__prev"), quote(column + "__next")
            prev_at, next_at = quote(column + "__prev_at"), quote(column + "__next_at")
            lines.append(
                f"coalesce({name}, {prev} + ({nxt} - {prev}) * epoch({quote(on)} - {prev_at})"
                f" / epoch({next_at} - {prev_at})) AS {name}"
            )
        else:
            lines.append(f"coalesce({name}, {literal(method)}) AS {name}")
    sort = ", ".join(f"{quote(c)} ASC NULLS LAST" for c in [*by, on])
    if method == "interpolate":
        windows.append(
            f"after AS ({partition}{order} ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)"
        )
        return (
            bounds
            + calendar
            + joined
            + ",\nneighbours AS (\n  SELECT *,\n    "
            + ",\n    ".join(helpers)
            + "\n  FROM joined\n  WINDOW "
            + ",\n    ".join(windows)
            + "\n)\nSELECT\n  "
            + ",\n  ".join(lines)
            + f"\nFROM neighbours\nORDER BY {sort}"
        )
    window_clause = f"\nWINDOW {windows[0]}" if method == "ffill" else ""
    return (
        bounds
        + calendar
        + joined
        + "\nSELECT\n  "
        + ",\n  ".join(lines)
        + f"\nFROM joined{window_clause}\nORDER BY {sort}"
    )


def _fill_gaps_twin_arguments(
    frame: pd.DataFrame,
    *,
    on: str,
    by: By = (),
    method: FillMethod | float | str = "none",
    columns: Sequence[str] | None = None,
    **_: object,
) -> dict[str, object]:
    """The columns :func:`fill_gaps_sql` fills and returns, picked as :func:`fill_gaps`
    picks them (for the lineage of a tracked call)."""
    return {
        "columns": _fill_columns(frame, on, _as_list(by), method, columns),
        "all_columns": list(frame.columns),
    }


fill_gaps.sql = fill_gaps_sql  # type: ignore[attr-defined]
fill_gaps.twin_arguments = _fill_gaps_twin_arguments  # type: ignore[attr-defined]


def _fill_columns(
    frame: pd.DataFrame, on: str, by: list[str], method: object, columns: Sequence[str] | None
) -> list[str]:
    if isinstance(method, str) and method not in ("none", "ffill", "interpolate"):
        raise UnknownNameError.for_name(
            method,
            ["none", "ffill", "interpolate"],
            kind="fill method",
            hint="to fill with a text value, pass it with method= and a text column in columns=",
        )
    if method is None or isinstance(method, bool):
        raise InvalidValueError(
            f"method={method!r}",
            "'none', 'ffill', 'interpolate', or a number or text to fill",
            "write method='none' to only add the missing rows",
        )
    others = [c for c in frame.columns if c not in (on, *by)]
    if columns is None:
        if method == "interpolate":
            return [c for c in others if _is_numeric(frame[c])]
        return others
    columns = list(columns)
    require_columns(frame, columns)
    for column in columns:
        if column in (on, *by):
            raise InvalidValueError(
                f"Column '{column}' is the time or a group column",
                "columns to fill among the other columns",
                f"leave '{column}' out of columns=",
            )
        if method == "interpolate" and not _is_numeric(frame[column]):
            raise InvalidValueError(
                f"method='interpolate' on column '{column}' of type {frame[column].dtype}",
                "numeric columns to interpolate",
                "fill text columns with method='ffill' in a second call",
            )
        fill_number = not isinstance(method, str)
        if method not in ("none", "ffill", "interpolate") and fill_number != _is_numeric(
            frame[column]
        ):
            raise InvalidValueError(
                f"Fill value {method!r} for column '{column}' of type {frame[column].dtype}",
                "a value of the column's kind (a number for numbers, text for text)",
                "pass columns= to fill only the columns of that kind",
            )
    return columns


def _fill_gaps_pandas(
    frame: pd.DataFrame, on: str, by: list[str], width: Every, method: object, columns: list[str]
) -> pd.DataFrame:
    times = frame[on].to_numpy().astype("datetime64[us]")
    keys = frame[by].assign(**{on: times})
    if by:
        groups = keys.groupby(by, dropna=False, sort=False)[on]
        bounds = groups.agg(["min", "max"]).reset_index()
    else:
        bounds = (
            pd.DataFrame({"min": [times.min()], "max": [times.max()]})
            if len(frame)
            else pd.DataFrame({"min": [], "max": []})
        )
    lo = bounds["min"].to_numpy().astype("datetime64[us]")
    hi = bounds["max"].to_numpy().astype("datetime64[us]")
    steps = _steps_between(lo, hi, width) + 1
    owner = np.repeat(np.arange(len(bounds)), steps)
    offsets = np.arange(steps.sum()) - np.repeat(np.cumsum(steps) - steps, steps)
    calendar = bounds[by].iloc[owner].reset_index(drop=True)
    calendar[on] = _add_steps(lo[owner], width, offsets)
    calendar["__pk_cal"] = True
    right = frame.assign(**{on: times})
    merged = calendar.merge(right, on=[*by, on], how="outer", sort=False)
    merged.loc[merged["__pk_cal"].isna(), on] = pd.NaT  # rows off the calendar
    merged = merged.drop(columns="__pk_cal")[list(frame.columns)]
    merged = merged.iloc[sort_positions(merged, [Order(c) for c in [*by, on]])]
    merged = merged.reset_index(drop=True)
    group_keys = [merged[c] for c in by]
    if method == "ffill":
        for column in columns:
            values = merged[column]
            merged[column] = (
                values.groupby(group_keys, dropna=False).ffill() if by else values.ffill()
            )
    elif method == "interpolate":
        stamps = merged[on]
        for column in columns:
            merged[column] = _interpolate(merged[column].astype("float64"), stamps, group_keys)
    elif method != "none":
        merged[columns] = merged[columns].fillna(method)
    return merged


def _interpolate(values: pd.Series, stamps: pd.Series, group_keys: list[pd.Series]) -> pd.Series:
    """Linear in time between the last and the next non-NULL value (as the SQL twin)."""
    at = stamps.where(values.notna())

    def fill(series: pd.Series, how: str) -> pd.Series:
        grouped = series.groupby(group_keys, dropna=False) if group_keys else series
        return grouped.ffill() if how == "ffill" else grouped.bfill()

    prev, nxt = fill(values, "ffill"), fill(values, "bfill")
    prev_at, next_at = fill(at, "ffill"), fill(at, "bfill")
    second = np.timedelta64(1, "s")
    inside = prev + (nxt - prev) * ((stamps - prev_at) / second) / ((next_at - prev_at) / second)
    return values.fillna(inside)


def _steps_between(lo: np.ndarray, hi: np.ndarray, width: Every) -> np.ndarray:
    if width.months is None:
        return (hi - lo) // np.timedelta64(width.n * _SECONDS[width.unit], "s")
    months = hi.astype("datetime64[M]").astype("int64") - lo.astype("datetime64[M]").astype("int64")
    return months // width.months


def _add_steps(start: np.ndarray, width: Every, steps: np.ndarray) -> np.ndarray:
    if width.months is None:
        return start + steps * np.timedelta64(width.n * _SECONDS[width.unit], "s")
    return _shift_months(start, steps * width.months)


def _shift_months(values: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """``values + months`` calendar months, the day clamped to the month's end (as SQL)."""
    shifted = pd.DatetimeIndex(values)
    offsets = np.broadcast_to(np.asarray(months), shifted.shape)
    month_index = shifted.year.to_numpy() * 12 + shifted.month.to_numpy() - 1 + offsets
    first = (month_index - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")
    last_day = (
        (month_index + 1 - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]") - first
    ).astype("int64")
    day = np.minimum(shifted.day.to_numpy(), last_day) - 1
    time_of_day = values.astype("datetime64[us]") - values.astype("datetime64[D]").astype(
        "datetime64[us]"
    )
    result = (first + day.astype("timedelta64[D]")).astype("datetime64[us]") + time_of_day
    result[np.isnat(values)] = np.datetime64("NaT")
    return result


def _as_agg_dict(measures: Sequence[tuple[str, str | None]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for value, how in measures:
        result.setdefault(value, []).append(str(how))
    return result


def _normalise(
    result: pd.DataFrame, frame: pd.DataFrame, measures: Sequence[tuple[str, str]]
) -> pd.DataFrame:
    """Same dtypes from both engines: float64 aggregates, int64 counts, input key types."""
    for column in result.columns:
        if column in frame.columns:
            result[column] = _like(result[column], frame[column])
    for value, how in measures:
        name = f"{value}_{how}"
        if how == "count":
            result[name] = result[name].astype("int64")
        elif _is_numeric(frame[value]) or how in ("sum", "mean", "median"):
            result[name] = result[name].astype("float64")
        else:
            result[name] = _like(result[name], frame[value])
    return result


def _like(result: pd.Series, original: pd.Series) -> pd.Series:
    """``result`` in ``original``'s dtype, or float64 when NULLs came into an int column."""
    if pd.api.types.is_datetime64_any_dtype(original):
        return result.astype(original.dtype)
    if result.isna().any() and (_is_numeric(original) or pd.api.types.is_bool_dtype(original)):
        return result.astype("float64")
    if pd.api.types.is_object_dtype(original):
        return result.astype(object).where(result.notna(), None)
    return result.astype(original.dtype)


# --------------------------------------------------------------------------- rolling windows


def rolling_time(
    frame: pd.DataFrame,
    *,
    on: str,
    column: str,
    window: str | pd.Timedelta = "3D",
    agg: Literal["sum", "mean", "min", "max", "count"] = "mean",
    by: By = (),
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add ``agg(column)`` over the time window ``[t - window, t]`` of each row (per ``by``).

    This is SQL's ``RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW``, computed
    by :func:`pipelinekit.transforms.window.window`.

    Parameters
    ----------
    frame : DataFrame
        Rows with a datetime column ``on``.
    on, column : str
        The timestamp column and the column to aggregate.
    window : str or Timedelta
        The window's length: ``"3D"``, ``"12h"``, ``"30min"`` (any ``pd.Timedelta``).
    agg : {"sum", "mean", "min", "max", "count"}
        The aggregate.
    by : str or list of str
        Entity columns (``PARTITION BY``).
    name : str, optional
        Name of the new column; by default ``<column>_<agg>_<window>`` (``kw_mean_3D``).
    engine : {"pandas", "duckdb"}
        Compute with pandas, or run the SQL twin in DuckDB.

    Notes
    -----
    pandas' ``rolling("3D")`` covers ``(t - 3 days, t]`` and ends at the current *row*;
    the SQL frame covers ``[t - 3 days, t]`` and includes every row with the same
    timestamp (its *peers*). Rows with a NULL timestamp see only each other.

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.DataFrame({
    ...     "day": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-04", "2024-01-04"]),
    ...     "kw": [1.0, 2.0, 3.0, 4.0],
    ... })
    >>> rolling_time(days, on="day", column="kw", window="2D", agg="sum")
             day   kw  kw_sum_2D
    0 2024-01-01  1.0        1.0
    1 2024-01-02  2.0        3.0
    2 2024-01-04  3.0        9.0
    3 2024-01-04  4.0        9.0
    """
    by = _as_list(by)
    _check_time_column(frame, on, by)
    require_columns(frame, [column])
    if agg not in ("sum", "mean", "min", "max", "count"):
        raise UnknownNameError.for_name(
            agg, ["sum", "mean", "min", "max", "count"], kind="aggregation"
        )
    return window_function(
        frame,
        agg,
        column,
        partition_by=by,
        order_by=on,
        window_frame=_range_frame(window),
        name=name or f"{column}_{agg}_{_window_text(window)}",
        engine=engine,
    )


def rolling_time_sql(
    *,
    on: str,
    column: str,
    window: str | pd.Timedelta = "3D",
    agg: Literal["sum", "mean", "min", "max", "count"] = "mean",
    by: By = (),
    name: str | None = None,
    table: str = TABLE,
) -> str:
    """The SQL twin of :func:`rolling_time`.

    Examples
    --------
    >>> query = rolling_time_sql(on="day", column="kw", window="3D", agg="sum")
    >>> print(query.split(" OVER ")[1].split(" AS ")[0])
    (ORDER BY day ASC NULLS LAST RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW)
    """
    return window_function.sql(  # type: ignore[attr-defined]
        agg,
        column,
        partition_by=_as_list(by),
        order_by=on,
        window_frame=_range_frame(window),
        name=name or f"{column}_{agg}_{_window_text(window)}",
        table=table,
    )


rolling_time.sql = rolling_time_sql  # type: ignore[attr-defined]


def _range_frame(length: str | pd.Timedelta) -> WindowFrame:
    try:
        delta = pd.Timedelta(length)
    except ValueError as error:
        raise InvalidValueError(
            f"Window length '{length}'",
            "a duration such as '3D', '12h' or '30min'",
            "months vary in length: resample to months and use a ROWS window instead",
        ) from error
    if delta <= pd.Timedelta(0):
        raise InvalidValueError(
            f"Window length '{length}'", "a positive duration", "write window='3D'"
        )
    return WindowFrame("range", -delta, 0)


def _window_text(length: str | pd.Timedelta) -> str:
    return (
        str(length).replace(" ", "")
        if isinstance(length, str)
        else pd.Timedelta(length).isoformat()
    )


# --------------------------------------------------------------------------- lag, diff, pct_change


def lag(
    frame: pd.DataFrame,
    *,
    on: str,
    column: str,
    periods: int = 1,
    by: By = (),
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add ``column``'s value ``periods`` rows earlier in time (per ``by``): SQL ``lag``.

    Timestamps must be unique within a group (else "the row before" is ambiguous);
    a negative ``periods`` looks ahead (``lead``). The new column is ``<column>_lag_<n>``.

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.DataFrame({"day": pd.to_datetime(["2024-01-02", "2024-01-01"]),
    ...                      "kw": [5.0, 2.0]})
    >>> lag(days, on="day", column="kw")
             day   kw  kw_lag_1
    0 2024-01-02  5.0       2.0
    1 2024-01-01  2.0       NaN
    """
    return _offset_column(frame, "lag", on, column, periods, by, name, engine)


def diff(
    frame: pd.DataFrame,
    *,
    on: str,
    column: str,
    periods: int = 1,
    by: By = (),
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add ``column`` minus its value ``periods`` rows earlier in time: ``<column>_diff``.

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.DataFrame({"day": pd.date_range("2024-01-01", periods=3), "kw": [2.0, 5.0, 4.0]})
    >>> diff(days, on="day", column="kw")["kw_diff"].tolist()
    [nan, 3.0, -1.0]
    """
    return _offset_column(frame, "diff", on, column, periods, by, name, engine)


def pct_change(
    frame: pd.DataFrame,
    *,
    on: str,
    column: str,
    periods: int = 1,
    by: By = (),
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add the relative change to ``periods`` rows earlier: ``(x - prev) / prev``.

    Notes
    -----
    A previous value of 0 gives NULL (SQL ``NULLIF(prev, 0)``), where pandas'
    ``pct_change`` gives ``inf``, DuckDB's plain division ``inf`` and PostgreSQL an error.

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.DataFrame({"day": pd.date_range("2024-01-01", periods=3), "kw": [0.0, 5.0, 4.0]})
    >>> pct_change(days, on="day", column="kw")["kw_pct_change"].tolist()
    [nan, nan, -0.2]
    """
    return _offset_column(frame, "pct_change", on, column, periods, by, name, engine)


def _offset_sql(
    kind: str, on: str, column: str, periods: int, by: By, name: str | None, table: str
) -> str:
    by = _as_list(by)
    _check_periods(periods)
    function = "lag" if periods > 0 else "lead"
    partition = "PARTITION BY " + ", ".join(map(quote, by)) + " " if by else ""
    over = f"OVER ({partition}ORDER BY {quote(on)} ASC NULLS LAST)"
    previous = f"{function}({quote(column)}, {abs(periods)}) {over}"
    expression = {
        "lag": previous,
        "diff": f"{quote(column)} - {previous}",
        "pct_change": f"({quote(column)} - {previous}) / NULLIF({previous}, 0)",
    }[kind]
    return add_columns_sql({name or _offset_name(kind, column, periods): expression}, table=table)


def lag_sql(
    *,
    on: str,
    column: str,
    periods: int = 1,
    by: By = (),
    name: str | None = None,
    table: str = TABLE,
) -> str:
    """The SQL twin of :func:`lag`.

    Examples
    --------
    >>> print(lag_sql(on="read_at", column="temperature_c", by="device_id", name="prev"))
    SELECT *,
      lag(temperature_c, 1) OVER (PARTITION BY device_id ORDER BY read_at ASC NULLS LAST) AS prev
    FROM input
    """
    return _offset_sql("lag", on, column, periods, by, name, table)


def diff_sql(
    *,
    on: str,
    column: str,
    periods: int = 1,
    by: By = (),
    name: str | None = None,
    table: str = TABLE,
) -> str:
    """The SQL twin of :func:`diff`: ``x - lag(x, n) OVER (...)``."""
    return _offset_sql("diff", on, column, periods, by, name, table)


def pct_change_sql(
    *,
    on: str,
    column: str,
    periods: int = 1,
    by: By = (),
    name: str | None = None,
    table: str = TABLE,
) -> str:
    """The SQL twin of :func:`pct_change`: ``(x - prev) / NULLIF(prev, 0)``."""
    return _offset_sql("pct_change", on, column, periods, by, name, table)


lag.sql = lag_sql  # type: ignore[attr-defined]
diff.sql = diff_sql  # type: ignore[attr-defined]
pct_change.sql = pct_change_sql  # type: ignore[attr-defined]


def _offset_name(kind: str, column: str, periods: int) -> str:
    if kind == "lag":
        return f"{column}_lag_{periods}"
    return f"{column}_{kind}" + ("" if periods == 1 else f"_{periods}")


def _check_periods(periods: int) -> None:
    if isinstance(periods, bool) or not isinstance(periods, int | np.integer) or periods == 0:
        raise InvalidValueError(
            f"periods={periods!r}",
            "a whole number of rows other than 0 (negative looks ahead)",
            "periods=1 compares each row with the row before it in time",
        )


def _offset_column(
    frame: pd.DataFrame,
    kind: str,
    on: str,
    column: str,
    periods: int,
    by: By,
    name: str | None,
    engine: str,
) -> pd.DataFrame:
    check_engine(engine)
    by = _as_list(by)
    _check_periods(periods)
    _check_time_column(frame, on, by, unique=True)
    require_columns(frame, [column])
    if kind != "lag" and not _is_numeric(frame[column]):
        raise InvalidValueError(
            f"{kind} of column '{column}' of type {frame[column].dtype}",
            "a numeric column",
            "use lag() to see the previous value of any column",
        )
    name = name or _offset_name(kind, column, periods)
    if engine == "duckdb":
        return _run_add_columns(frame, _offset_sql(kind, on, column, periods, by, name, TABLE))
    positions = sort_positions(frame, [Order(c) for c in [*by, on]])
    ordered = frame.iloc[positions]
    values = ordered[column]
    grouped = values.groupby([ordered[c] for c in by], dropna=False, sort=False) if by else values
    previous = grouped.shift(periods)
    if kind == "diff":
        previous = values - previous
    elif kind == "pct_change":
        previous = (values - previous) / previous.where(previous != 0)
    inverse = np.argsort(positions)  # back from time order to the frame's order
    result = pd.Series(previous.array[inverse], index=frame.index, name=name)
    return frame.assign(**{name: result})


# --------------------------------------------------------------------------- period over period

_PERIODS: dict[str, pd.DateOffset | pd.Timedelta] = {
    "day": pd.Timedelta(days=1),
    "week": pd.Timedelta(weeks=1),
    "month": pd.DateOffset(months=1),
    "quarter": pd.DateOffset(months=3),
    "year": pd.DateOffset(years=1),
}
_PERIOD_SQL = {
    "day": "INTERVAL '1 day'",
    "week": "INTERVAL '1 week'",
    "month": "INTERVAL '1 month'",
    "quarter": "INTERVAL '3 months'",
    "year": "INTERVAL '1 year'",
}


def period_over_period(
    frame: pd.DataFrame,
    *,
    on: str,
    column: str,
    period: Period = "week",
    by: By = (),
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Compare each row with the row exactly one ``period`` earlier (week over week, ...).

    The earlier row is found by its timestamp (``on - INTERVAL '1 week'``) in the same
    ``by`` group, not by counting rows back, so a missing week gives NULL rather than a
    comparison with the wrong week.

    Parameters
    ----------
    frame : DataFrame
        Rows with unique timestamps per group (e.g. the output of :func:`resample`).
    on, column : str
        The timestamp column and the column to compare.
    period : {"day", "week", "month", "quarter", "year"}
        How far back to look. Months and years are calendar steps: 2024-03-31 looks at
        2024-02-29, 2024-02-29 at 2023-02-28, as SQL's interval arithmetic does.
    by : str or list of str
        Entity columns; NULL groups match NULL groups (``IS NOT DISTINCT FROM``).
    engine : {"pandas", "duckdb"}
        Compute with pandas, or run the SQL twin in DuckDB.

    Returns
    -------
    DataFrame
        ``frame`` plus ``<column>_prev_<period>`` (the earlier value),
        ``<column>_diff_<period>`` and ``<column>_pct_change_<period>`` (NULL when the
        earlier value is 0 or missing).

    Examples
    --------
    >>> import pandas as pd
    >>> weekly = pd.DataFrame({
    ...     "week": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-22"]),
    ...     "sales": [100.0, 120.0, 90.0],
    ... })
    >>> period_over_period(weekly, on="week", column="sales", period="week")
            week  sales  sales_prev_week  sales_diff_week  sales_pct_change_week
    0 2024-01-01  100.0              NaN              NaN                    NaN
    1 2024-01-08  120.0            100.0             20.0                    0.2
    2 2024-01-22   90.0              NaN              NaN                    NaN
    """
    check_engine(engine)
    by = _as_list(by)
    _check_choice(period, tuple(_PERIODS), "period")
    _check_time_column(frame, on, by, unique=True)
    require_columns(frame, [column])
    if not _is_numeric(frame[column]):
        raise InvalidValueError(
            f"Column '{column}' of type {frame[column].dtype}",
            "a numeric column to compare period over period",
            "cast it to numbers first",
        )
    names = _pop_names(column, period)
    if engine == "duckdb":
        return _run_add_columns(
            frame, period_over_period_sql(on=on, column=column, period=period, by=by)
        )
    earlier = frame[on] - _PERIODS[period]
    left = frame[by].assign(__pk_at=earlier.to_numpy(), __pk_row=np.arange(len(frame)))
    right = frame[[*by, on, column]].dropna(subset=[on])
    right = right.rename(columns={on: "__pk_at", column: names[0]})
    merged = left.merge(right, on=[*by, "__pk_at"], how="left", sort=False)
    previous = merged.sort_values("__pk_row")[names[0]].to_numpy()
    current = frame[column].to_numpy(dtype="float64")
    previous = previous.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        change = current - previous
        pct = np.where(previous == 0, np.nan, change / previous)
    return frame.assign(**dict(zip(names, [previous, change, pct], strict=True)))


def period_over_period_sql(
    *, on: str, column: str, period: Period = "week", by: By = (), table: str = TABLE
) -> str:
    """The SQL twin of :func:`period_over_period`: a self ``LEFT JOIN`` one period back.

    Examples
    --------
    >>> print(period_over_period_sql(on="week", column="sales", by="store"))
    SELECT cur.*,
      prev.sales AS sales_prev_week,
      cur.sales - prev.sales AS sales_diff_week,
      (cur.sales - prev.sales) / NULLIF(prev.sales, 0) AS sales_pct_change_week
    FROM input AS cur
    LEFT JOIN input AS prev
      ON prev.store IS NOT DISTINCT FROM cur.store
      AND prev.week = cur.week - INTERVAL '1 week'
    """
    by = _as_list(by)
    _check_choice(period, tuple(_PERIODS), "period")
    names = [quote(n) for n in _pop_names(column, period)]
    x = quote(column)
    conditions = [f"prev.{quote(c)} IS NOT DISTINCT FROM cur.{quote(c)}" for c in by]
    conditions.append(f"prev.{quote(on)} = cur.{quote(on)} - {_PERIOD_SQL[period]}")
    return (
        f"SELECT cur.*,\n  prev.{x} AS {names[0]},\n  cur.{x} - prev.{x} AS {names[1]},\n"
        f"  (cur.{x} - prev.{x}) / NULLIF(prev.{x}, 0) AS {names[2]}\n"
        f"FROM {table} AS cur\nLEFT JOIN {table} AS prev\n  ON " + "\n  AND ".join(conditions)
    )


period_over_period.sql = period_over_period_sql  # type: ignore[attr-defined]


def _pop_names(column: str, period: str) -> list[str]:
    return [f"{column}_prev_{period}", f"{column}_diff_{period}", f"{column}_pct_change_{period}"]


# --------------------------------------------------------------------------- decomposition


def decompose(
    frame: pd.DataFrame,
    *,
    on: str,
    column: str,
    period: int,
    method: Literal["classical", "stl"] = "classical",
    by: By = (),
) -> pd.DataFrame:
    """Split a regular series into trend, seasonal and residual parts (additive model).

    Uses statsmodels: ``seasonal_decompose`` (classical: centred moving-average trend,
    average seasonal pattern) or ``STL`` (loess; robust to outliers, trend at both ends).
    There is no SQL twin: SQL has no seasonal decomposition.

    Parameters
    ----------
    frame : DataFrame
        One row per timestamp (per group), evenly spaced, without NULL values.
    on, column : str
        The timestamp column and the values.
    period : int
        Rows per seasonal cycle: 24 for hourly data with a daily pattern, 7 for daily
        data with a weekly one. The series needs at least two full cycles.
    method : {"classical", "stl"}
        The decomposition.
    by : str or list of str
        Decompose one series per group.

    Returns
    -------
    DataFrame
        ``by`` columns, ``on``, ``observed``, ``trend``, ``seasonal``, ``residual``, with
        ``observed = trend + seasonal + residual`` (classical trend is NULL for the first
        and last ``period // 2`` rows).

    Examples
    --------
    >>> import pipelinekit as pk
    >>> readings = pk.datasets.load("iot", scale="tiny").readings
    >>> one = readings[readings["device_id"] == 1]
    >>> parts = decompose(one, on="read_at", column="temperature_c", period=24)
    >>> parts.columns.tolist()
    ['read_at', 'observed', 'trend', 'seasonal', 'residual']
    >>> inner = parts.dropna()  # the classical trend is NULL at both ends
    >>> bool(((inner.trend + inner.seasonal + inner.residual - inner.observed).abs() < 1e-9).all())
    True
    """
    from statsmodels.tsa.seasonal import STL, seasonal_decompose

    by = _as_list(by)
    _check_choice(method, ("classical", "stl"), "method")
    _check_time_column(frame, on, by, nulls=False, unique=True)
    require_columns(frame, [column])
    if isinstance(period, bool) or not isinstance(period, int | np.integer) or period < 2:
        raise InvalidValueError(
            f"period={period!r}",
            "a whole number of rows per cycle, at least 2",
            "hourly data with a daily pattern: period=24; daily data, weekly pattern: period=7",
        )
    if not _is_numeric(frame[column]) or frame[column].isna().any():
        raise InvalidValueError(
            f"Column '{column}' has NULL or non-numeric values",
            "numbers in every row",
            "fill the gaps first: fill_gaps(frame, on=..., every=..., method='interpolate')",
        )
    ordered = frame.iloc[sort_positions(frame, [Order(c) for c in [*by, on]])]
    pieces = []
    groups = ordered.groupby(by, dropna=False, sort=False) if by else [((), ordered)]
    for key, series in groups:
        _check_regular(series[on], period, key)
        values = series[column].to_numpy(dtype="float64")
        if method == "stl":
            fit = STL(values, period=period).fit()
        else:
            fit = seasonal_decompose(values, model="additive", period=period)
        piece = series[[*by, on]].reset_index(drop=True)
        piece["observed"] = values
        piece["trend"], piece["seasonal"], piece["residual"] = fit.trend, fit.seasonal, fit.resid
        pieces.append(piece)
    if not pieces:
        return pd.DataFrame(columns=[*by, on, "observed", "trend", "seasonal", "residual"])
    return pd.concat(pieces, ignore_index=True)


def _decompose_lineage(
    frame: pd.DataFrame,
    result: pd.DataFrame,
    *,
    on: str,
    column: str,
    method: str = "classical",
    by: By = (),
    **_: object,
) -> dict[str, list[tuple[str, Subtype, str]]]:
    """The column lineage of :func:`decompose`, declared as it has no SQL twin.

    ``observed`` is ``column``; ``trend``, ``seasonal`` and ``residual`` are computed from
    the values of each series (``by``) in time order (``on``), as a window aggregate
    would be. ``by`` and ``on`` are copied.
    """
    window: list[tuple[str, Subtype, str]] = [
        *[(c, "WINDOW", f"one series per {c}") for c in _as_list(by)],
        (on, "WINDOW", f"in time order of {on}"),
    ]
    parts: dict[str, list[tuple[str, Subtype, str]]] = {
        part: [(column, "AGGREGATION", f"{method} decomposition: {part}"), *window]
        for part in ("trend", "seasonal", "residual")
    }
    return {"observed": [(column, "IDENTITY", column)], **parts}


decompose.lineage = _decompose_lineage  # type: ignore[attr-defined]


def _check_regular(times: pd.Series, period: int, key: object) -> None:
    where = f" (group {key})" if key != () else ""
    if len(times) < 2 * period:
        raise InvalidValueError(
            f"A series of {len(times)} rows{where}",
            f"at least two full cycles: 2 x period = {2 * period} rows",
            "use a longer time range or a smaller period",
        )
    steps = np.unique(np.diff(times.to_numpy().astype("datetime64[us]")))
    if len(steps) > 1:
        raise InvalidValueError(
            f"Unevenly spaced timestamps{where}: steps of "
            + format_list(pd.to_timedelta(steps).astype(str)),
            "one step between all consecutive timestamps",
            "resample(...) to a fixed width, then fill_gaps(..., method='interpolate')",
        )


# --------------------------------------------------------------------------- shared checks


def _as_list(names: By) -> list[str]:
    return [names] if isinstance(names, str) else list(names)


def _check_choice(value: object, options: Sequence[str], kind: str) -> None:
    if value not in options:
        raise UnknownNameError.for_name(value, options, kind=kind)


def _check_time_column(
    frame: pd.DataFrame, on: str, by: list[str], *, nulls: bool = True, unique: bool = False
) -> None:
    """``on`` must be a naive datetime column; optionally without NULLs or repeats per group."""
    require_columns(frame, [on, *by])
    column = frame[on]
    if not pd.api.types.is_datetime64_any_dtype(column):
        raise InvalidValueError(
            f"Column '{on}' of type {column.dtype}",
            "a datetime column",
            f"parse it first: frame['{on}'] = pd.to_datetime(frame['{on}'])",
        )
    if getattr(column.dtype, "tz", None) is not None:
        raise InvalidValueError(
            f"Column '{on}' has time zone {column.dtype.tz}",
            "naive timestamps (SQL TIMESTAMP, not TIMESTAMPTZ)",
            f"convert to UTC first: frame['{on}'].dt.tz_convert('UTC').dt.tz_localize(None)",
        )
    if not nulls and column.isna().any():
        raise InvalidValueError(
            f"Column '{on}' has {int(column.isna().sum())} NULL timestamps",
            "a timestamp in every row",
            f"drop them first: frame.dropna(subset=['{on}'])",
        )
    if unique:
        repeated = frame.duplicated([*by, on], keep=False)
        if repeated.any():
            example = frame.loc[repeated, [*by, on]].iloc[0].to_dict()
            raise InvalidValueError(
                f"{int(repeated.sum())} rows share a timestamp within a group (e.g. {example})",
                f"one row per {' and '.join([*by, on])}",
                f"aggregate them first: resample(frame, on='{on}', every=..., by=...)",
            )
