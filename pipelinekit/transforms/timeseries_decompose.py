"""Seasonal decomposition: split a regular series into trend, seasonal and residual.

:func:`decompose` runs statsmodels' classical ``seasonal_decompose`` or ``STL`` on each
series. It has no SQL twin, so it declares its column lineage itself
(``decompose.lineage``).

Examples
--------
>>> import numpy as np, pandas as pd
>>> hours = pd.DataFrame({"at": pd.date_range("2024-01-01", periods=8, freq="h"),
...                       "kw": np.tile([1.0, 3.0], 4)})
>>> parts = decompose(hours, on="at", column="kw", period=2)
>>> parts["seasonal"].round(6).tolist()[:2]
[-1.0, 1.0]
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, format_list
from pipelinekit.lineage.model import Subtype
from pipelinekit.transforms.order import Order, require_columns, sort_positions
from pipelinekit.transforms.reshape import _is_numeric
from pipelinekit.transforms.timeseries_common import (
    By,
    _as_list,
    _check_choice,
    _check_time_column,
)

__all__ = ["decompose"]


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
