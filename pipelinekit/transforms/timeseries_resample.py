"""Resampling: aggregate rows into time buckets (``GROUP BY`` a truncated timestamp).

:func:`resample` puts each timestamp in its bucket as DuckDB's ``date_trunc`` and
``time_bucket`` do, then aggregates; :func:`resample_sql` is its SQL twin.

Examples
--------
>>> import pandas as pd
>>> rides = pd.DataFrame({
...     "at": pd.to_datetime(["2024-01-01 08:10", "2024-01-01 08:50", "2024-01-01 10:05"]),
...     "km": [3.0, 5.0, 2.0],
... })
>>> resample(rides, on="at", every="1h", agg="sum")
                   at  km_sum
0 2024-01-01 08:00:00     8.0
1 2024-01-01 10:00:00     2.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, cast

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.order import Order, require_columns, sort_positions
from pipelinekit.transforms.reshape import (
    AGGREGATIONS,
    _aggregate,
    _is_numeric,
    _measures,
    check_aggregable,
)
from pipelinekit.transforms.sql import quote, sql
from pipelinekit.transforms.timeseries_common import (
    _SECONDS,
    By,
    Every,
    _as_list,
    _check_choice,
    _check_time_column,
    _like,
    parse_every,
)
from pipelinekit.transforms.twin import TABLE, Engine, check_engine

__all__ = ["resample", "resample_sql"]

Label = Literal["start", "end"]
WeekStart = Literal["monday", "sunday"]

# DuckDB's time_bucket origin for buckets shorter than a month is Monday 2000-01-03.
_ORIGINS = {"monday": pd.Timestamp("2000-01-03"), "sunday": pd.Timestamp("2000-01-02")}
_MONTH_ORIGIN = 360  # 2000-01 in months since 1970-01, time_bucket's origin for months


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
