"""Changes over time: lag, diff and pct_change by rows, period over period by calendar.

:func:`lag`, :func:`diff` and :func:`pct_change` look ``periods`` rows back in time order
(SQL ``lag(x, n) OVER (ORDER BY on)``); :func:`period_over_period` looks exactly one week,
month, ... back by timestamp (a self ``LEFT JOIN``), so a missing period gives NULL. Each
has a SQL twin (``diff.sql(...)``, ...).

Examples
--------
>>> import pandas as pd
>>> weeks = pd.DataFrame({"week": pd.date_range("2024-01-01", periods=3, freq="7D"),
...                       "sales": [100.0, 120.0, 90.0]})
>>> diff(weeks, on="week", column="sales")["sales_diff"].tolist()
[nan, 20.0, -30.0]
>>> period_over_period(weeks, on="week", column="sales")["sales_pct_change_week"].tolist()
[nan, 0.2, -0.25]
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError
from pipelinekit.transforms.order import Order, require_columns, sort_positions
from pipelinekit.transforms.reshape import _is_numeric
from pipelinekit.transforms.sql import quote
from pipelinekit.transforms.timeseries_common import (
    By,
    _as_list,
    _check_choice,
    _check_time_column,
)
from pipelinekit.transforms.twin import TABLE, Engine, add_columns_sql, check_engine
from pipelinekit.transforms.twin import run_add_columns as _run_add_columns

__all__ = [
    "lag",
    "lag_sql",
    "diff",
    "diff_sql",
    "pct_change",
    "pct_change_sql",
    "period_over_period",
    "period_over_period_sql",
]

Period = Literal["day", "week", "month", "quarter", "year"]


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
