"""`date_parts` and `cyclical_features`: calendar columns from a datetime column.

Date parts are what SQL's ``date_part`` gives (year, quarter, month, day, weekday,
hour, ...). Cyclical features put an hour, a weekday or a month on a circle
(sine and cosine), so 23:00 sits next to 00:00 and December next to January.

Examples
--------
>>> import pandas as pd
>>> orders = pd.DataFrame({"at": pd.to_datetime(["2024-01-06 19:42", "2024-12-30 08:05"])})
>>> date_parts(orders, "at", parts=["weekday", "is_weekend", "iso_week"])
                   at  at_weekday  at_is_weekend  at_iso_week
0 2024-01-06 19:42:00           6           True            1
1 2024-12-30 08:05:00           1          False            1
>>> print(date_parts.sql("ordered_at", parts=["weekday", "is_weekend"], week_start="sunday"))
SELECT *,
  date_part('dow', ordered_at) + 1 AS ordered_at_weekday,
  date_part('isodow', ordered_at) >= 6 AS ordered_at_is_weekend
FROM input
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.order import require_columns
from pipelinekit.transforms.sql import quote
from pipelinekit.transforms.twin import (
    TABLE,
    Engine,
    add_columns_sql,
    check_engine,
    require_new_columns,
    run_new_columns,
)

__all__ = ["date_parts", "date_parts_sql", "cyclical_features", "cyclical_features_sql"]

DatePart = Literal[
    "year",
    "quarter",
    "month",
    "day",
    "weekday",
    "hour",
    "is_weekend",
    "day_of_year",
    "iso_week",
    "iso_year",
]
CyclicalPart = Literal["hour", "weekday", "month"]
WeekStart = Literal["monday", "sunday"]

DATE_PARTS: tuple[DatePart, ...] = get_args(DatePart)
CYCLICAL_PARTS: tuple[CyclicalPart, ...] = get_args(CyclicalPart)
#: Length of each cycle, and where it starts (hours 0-23, weekdays and months from 1).
_PERIODS = {"hour": (24, 0), "weekday": (7, 1), "month": (12, 1)}


def date_parts(
    frame: pd.DataFrame,
    column: str,
    *,
    parts: Sequence[DatePart] = ("year", "quarter", "month", "day", "weekday", "hour"),
    week_start: WeekStart = "monday",
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add one column per calendar part of ``column``, named ``"<column>_<part>"``.

    Parameters
    ----------
    frame : DataFrame
        The data.
    column : str
        A datetime column (``datetime64``; time-zone-aware only with the pandas engine).
    parts : sequence of str
        Any of ``"year"``, ``"quarter"`` (1-4), ``"month"`` (1-12), ``"day"`` (1-31),
        ``"weekday"`` (1-7, see ``week_start``), ``"hour"`` (0-23), ``"is_weekend"``
        (Saturday or Sunday), ``"day_of_year"`` (1-366), ``"iso_week"`` (1-53) and
        ``"iso_year"`` (the year the ISO week belongs to).
    week_start : {"monday", "sunday"}, default "monday"
        Which day is weekday 1: Monday (ISO 8601, SQL ``isodow``) or Sunday
        (US calendars, SQL ``dow + 1``).
    engine : {"pandas", "duckdb"}, default "pandas"
        Compute with pandas, or run :func:`date_parts_sql` in DuckDB (same result).

    Returns
    -------
    DataFrame
        ``frame`` plus ``Int64`` part columns (``boolean`` for ``is_weekend``); a
        missing timestamp (NaT) gives missing parts.

    Notes
    -----
    Weekday numbers differ between tools, which is why ``week_start`` is spelled out:
    pandas' ``dt.day_of_week`` is Monday=0 ... Sunday=6; SQL ``date_part('dow', ...)``
    (DuckDB and PostgreSQL) is Sunday=0 ... Saturday=6; ``isodow`` is Monday=1 ...
    Sunday=7. Here weekday 1 is ``week_start``.

    The ISO week of the first days of January can be week 52 or 53 of the previous
    year and the last days of December can be week 1 of the next: use ``iso_year``
    with ``iso_week``, not ``year``.

    Examples
    --------
    >>> import pipelinekit as pk
    >>> orders = pk.datasets.load("ecommerce", scale="tiny").orders[["ordered_at"]]
    >>> date_parts(orders, "ordered_at", parts=["quarter", "hour"]).head(2)
               ordered_at  ordered_at_quarter  ordered_at_hour
    0 2024-01-06 19:42:28                   1               19
    1 2024-01-07 18:46:22                   1               18
    """
    check_engine(engine)
    parts = _check_parts(parts, DATE_PARTS, "date part")
    _check_week_start(week_start)
    require_columns(frame, [column])
    _require_datetime(frame, column, engine)
    names = {part: f"{column}_{part}" for part in parts}
    require_new_columns(frame, list(names.values()))
    dtypes = {name: "boolean" if part == "is_weekend" else "Int64" for part, name in names.items()}
    if engine == "duckdb":
        query = date_parts_sql(column, parts=parts, week_start=week_start)
        return run_new_columns(frame, query, dtypes)
    out = frame.copy()
    for part, name in names.items():
        out[name] = _part(frame[column], part, week_start).astype(dtypes[name])
    return out


def date_parts_sql(
    column: str,
    *,
    parts: Sequence[DatePart] = ("year", "quarter", "month", "day", "weekday", "hour"),
    week_start: WeekStart = "monday",
    table: str = TABLE,
) -> str:
    """The DuckDB query that adds the columns :func:`date_parts` adds (same arguments).

    Examples
    --------
    >>> print(date_parts_sql("ordered_at", parts=["year", "iso_week"]))
    SELECT *,
      date_part('year', ordered_at) AS ordered_at_year,
      date_part('week', ordered_at) AS ordered_at_iso_week
    FROM input
    """
    parts = _check_parts(parts, DATE_PARTS, "date part")
    _check_week_start(week_start)
    expressions = {f"{column}_{part}": _part_sql(quote(column), part, week_start) for part in parts}
    return add_columns_sql(expressions, table=table)


date_parts.sql = date_parts_sql  # type: ignore[attr-defined]


def cyclical_features(
    frame: pd.DataFrame,
    column: str,
    *,
    parts: Sequence[CyclicalPart] = ("hour", "weekday", "month"),
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add ``"<column>_<part>_sin"`` and ``"_cos"`` columns: each part on a circle.

    A part ``v`` with a cycle of ``p`` steps becomes ``sin(2 * pi * v / p)`` and
    ``cos(2 * pi * v / p)``, with ``v`` counted from 0: hour 0-23 (p = 24), weekday
    Monday=0 ... Sunday=6 (p = 7), month January=0 ... December=11 (p = 12).

    Parameters
    ----------
    frame : DataFrame
        The data.
    column : str
        A datetime column.
    parts : sequence of {"hour", "weekday", "month"}
        Which cycles to encode.
    engine : {"pandas", "duckdb"}, default "pandas"
        Compute with pandas, or run :func:`cyclical_features_sql` in DuckDB.

    Returns
    -------
    DataFrame
        ``frame`` plus two ``float64`` columns per part; NaT gives NaN.

    Notes
    -----
    Both engines compute ``2 * pi * v / p`` in the same order and call the C
    library's ``sin``/``cos``, so the results agree to the last bit. Which weekday
    counts as 0 only turns the circle; distances between days stay the same.

    Examples
    --------
    >>> import pandas as pd
    >>> times = pd.DataFrame({"at": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 06:00"])})
    >>> cyclical_features(times, "at", parts=["hour"])[["at_hour_sin", "at_hour_cos"]].round(3)
       at_hour_sin  at_hour_cos
    0          0.0          1.0
    1          1.0          0.0
    """
    check_engine(engine)
    parts = _check_parts(parts, CYCLICAL_PARTS, "cyclical part")
    require_columns(frame, [column])
    _require_datetime(frame, column, engine)
    names = [f"{column}_{part}_{wave}" for part in parts for wave in ("sin", "cos")]
    require_new_columns(frame, names)
    if engine == "duckdb":
        query = cyclical_features_sql(column, parts=parts)
        return run_new_columns(frame, query, dict.fromkeys(names, "float64"))
    out = frame.copy()
    for part in parts:
        period, first = _PERIODS[part]
        steps = _part(frame[column], part, "monday").astype("float64") - first
        known = steps.notna().to_numpy()
        codes = np.where(known, steps.fillna(0).to_numpy(), 0).astype(np.int64)
        for wave, function in (("sin", math.sin), ("cos", math.cos)):
            # One libm call per step of the cycle, exactly as SQL computes it.
            table = np.array([function(2 * math.pi * step / period) for step in range(period)])
            out[f"{column}_{part}_{wave}"] = np.where(known, table[codes], np.nan)
    return out


def cyclical_features_sql(
    column: str, *, parts: Sequence[CyclicalPart] = ("hour", "weekday", "month"), table: str = TABLE
) -> str:
    """The DuckDB query that adds the columns :func:`cyclical_features` adds.

    Examples
    --------
    >>> print(cyclical_features_sql("ordered_at", parts=["month"]))
    SELECT *,
      sin(2 * pi() * (date_part('month', ordered_at) - 1) / 12) AS ordered_at_month_sin,
      cos(2 * pi() * (date_part('month', ordered_at) - 1) / 12) AS ordered_at_month_cos
    FROM input
    """
    parts = _check_parts(parts, CYCLICAL_PARTS, "cyclical part")
    expressions = {}
    for part in parts:
        period, first = _PERIODS[part]
        step = _part_sql(quote(column), part, "monday")
        if first:
            step = f"({step} - {first})"
        for wave in ("sin", "cos"):
            expressions[f"{column}_{part}_{wave}"] = f"{wave}(2 * pi() * {step} / {period})"
    return add_columns_sql(expressions, table=table)


cyclical_features.sql = cyclical_features_sql  # type: ignore[attr-defined]


def _part(values: pd.Series, part: str, week_start: WeekStart) -> pd.Series:
    dt = values.dt
    if part == "weekday":
        monday_zero = dt.day_of_week
        return monday_zero + 1 if week_start == "monday" else (monday_zero + 1) % 7 + 1
    if part == "is_weekend":
        return (dt.day_of_week >= 5).mask(values.isna())
    if part in ("iso_week", "iso_year"):
        return dt.isocalendar()["week" if part == "iso_week" else "year"]
    attribute = {"day_of_year": "day_of_year"}.get(part, part)
    return getattr(dt, attribute)


def _part_sql(column: str, part: str, week_start: WeekStart) -> str:
    if part == "weekday":
        if week_start == "monday":
            return f"date_part('isodow', {column})"
        return f"date_part('dow', {column}) + 1"
    if part == "is_weekend":
        return f"date_part('isodow', {column}) >= 6"
    field = {"day_of_year": "doy", "iso_week": "week", "iso_year": "isoyear"}.get(part, part)
    return f"date_part('{field}', {column})"


def _check_parts(parts: Sequence[str], allowed: tuple[str, ...], kind: str) -> tuple[Any, ...]:
    parts = (parts,) if isinstance(parts, str) else tuple(parts)
    if not parts:
        raise InvalidValueError(
            f"No {kind}s", f"at least one of {', '.join(allowed)}", f"try parts=['{allowed[0]}']"
        )
    for part in parts:
        if part not in allowed:
            raise UnknownNameError.for_name(part, allowed, kind=kind)
    if len(set(parts)) != len(parts):
        raise InvalidValueError(f"Repeated {kind}s {list(parts)}", f"each {kind} once")
    return parts


def _check_week_start(week_start: str) -> None:
    if week_start not in ("monday", "sunday"):
        raise UnknownNameError.for_name(week_start, ["monday", "sunday"], kind="week start")


def _require_datetime(frame: pd.DataFrame, column: str, engine: str) -> None:
    series = frame[column]
    if not pd.api.types.is_datetime64_any_dtype(series):
        raise InvalidValueError(
            f"Column '{column}' has dtype {series.dtype}",
            "a datetime column (datetime64)",
            f"convert it first: frame['{column}'] = pd.to_datetime(frame['{column}'])",
        )
    if engine == "duckdb" and getattr(series.dtype, "tz", None) is not None:
        raise InvalidValueError(
            f"Column '{column}' is time-zone aware ({series.dtype})",
            "a naive datetime column for engine='duckdb' (DuckDB would use its own "
            "session time zone, not the column's)",
            f"use the pandas engine, or drop the zone: frame['{column}'].dt.tz_localize(None)",
        )
