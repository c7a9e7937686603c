"""Widths of time buckets and the checks every time-series transform shares.

:class:`Every` is a bucket width (``15 minutes``, ``1 month``) read from text by
:func:`parse_every`; it knows its SQL interval and how to add itself to timestamps. The
checks (a datetime ``on`` column, known choices) make every module of
:mod:`pipelinekit.transforms.timeseries` fail with the same messages.

Examples
--------
>>> width = parse_every("15min")
>>> width, width.sql()
(Every(n=15, unit='minute'), "INTERVAL '15 minutes'")
>>> width.timedelta()
Timedelta('0 days 00:15:00')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.order import require_columns
from pipelinekit.transforms.reshape import _is_numeric

__all__ = ["By", "Every", "parse_every"]

By = str | Sequence[str]

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


# --------------------------------------------------------------------------- dtypes


def _like(result: pd.Series, original: pd.Series) -> pd.Series:
    """``result`` in ``original``'s dtype, or float64 when NULLs came into an int column."""
    if pd.api.types.is_datetime64_any_dtype(original):
        return result.astype(original.dtype)
    if result.isna().any() and (_is_numeric(original) or pd.api.types.is_bool_dtype(original)):
        return result.astype("float64")
    if pd.api.types.is_object_dtype(original):
        return result.astype(object).where(result.notna(), None)
    return result.astype(original.dtype)
