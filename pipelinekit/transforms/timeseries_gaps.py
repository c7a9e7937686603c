"""Gap filling: add the missing timestamps of a regular series, and fill their values.

:func:`fill_gaps` builds each series' calendar (every step of ``every`` from its first to
its last timestamp), joins the rows onto it and fills the holes by carrying values
forward, interpolating in time or with a constant; :func:`fill_gaps_sql` is its SQL twin.

Examples
--------
>>> import pandas as pd
>>> hourly = pd.DataFrame({
...     "ts": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 02:00"]),
...     "kw": [1.0, 3.0],
... })
>>> fill_gaps(hourly, on="ts", every="1h", method="ffill")
                   ts   kw
0 2024-01-01 00:00:00  1.0
1 2024-01-01 01:00:00  1.0
2 2024-01-01 02:00:00  3.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.order import Order, require_columns, sort_positions
from pipelinekit.transforms.reshape import _is_numeric
from pipelinekit.transforms.sql import literal, quote, sql
from pipelinekit.transforms.timeseries_common import (
    _SECONDS,
    By,
    Every,
    _as_list,
    _check_time_column,
    _like,
    _shift_months,
    parse_every,
)
from pipelinekit.transforms.twin import TABLE, Engine, check_engine

__all__ = ["fill_gaps", "fill_gaps_sql"]

FillMethod = Literal["none", "ffill", "interpolate"]


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
