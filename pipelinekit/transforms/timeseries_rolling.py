"""Rolling windows over time: aggregate each row's last ``3D``, ``12h``, ... of rows.

:func:`rolling_time` is SQL's ``RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT
ROW``, computed by :func:`pipelinekit.transforms.window.window`; :func:`rolling_time_sql`
is its SQL twin.

Examples
--------
>>> import pandas as pd
>>> days = pd.DataFrame({"day": pd.date_range("2024-01-01", periods=3), "kw": [1.0, 2.0, 4.0]})
>>> rolling_time(days, on="day", column="kw", window="1D", agg="sum")["kw_sum_1D"].tolist()
[1.0, 3.0, 6.0]
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.order import require_columns
from pipelinekit.transforms.timeseries_common import By, _as_list, _check_time_column
from pipelinekit.transforms.twin import TABLE, Engine
from pipelinekit.transforms.window import WindowFrame
from pipelinekit.transforms.window import window as window_function

__all__ = ["rolling_time", "rolling_time_sql"]


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
