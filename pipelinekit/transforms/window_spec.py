"""Checking a window function call: the function names, the arguments, the data.

:func:`_spec` turns the arguments of :func:`pipelinekit.transforms.window.window` into a
checked :class:`_Spec` (function, column, PARTITION BY, ORDER BY, frame, output name),
raising a helpful error for a call SQL would reject. :func:`_check_frame` then checks the
data: the columns exist and have the dtype the function and frame need. Both paths (pandas
and the SQL twin) start here, so they accept the same calls.

Examples
--------
>>> spec = _spec(
...     "avg", "amount", partition_by="customer", order_by="day",
...     window_frame=None, n=None, offset=1, default=None, name=None,
... )
>>> spec.function, spec.partition_by, spec.name
('mean', ('customer',), 'amount_running_mean')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.order import Order, OrderLike, parse_order, require_columns
from pipelinekit.transforms.window_frame import FrameLike, WindowFrame, parse_frame

WindowFunction = Literal[
    "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile",
    "lag", "lead", "first_value", "last_value", "nth_value",
    "sum", "mean", "min", "max", "count", "std",
]  # fmt: skip
FUNCTIONS: tuple[str, ...] = get_args(WindowFunction)
RANKING = ("row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile")
OFFSETS = ("lag", "lead")
VALUES = ("first_value", "last_value", "nth_value")
ALIASES = {"avg": "mean", "stddev_samp": "std", "stddev": "std"}


@dataclass(frozen=True)
class _Spec:
    """A window function call, checked: what to compute over which window."""

    function: str
    column: str | None
    partition_by: tuple[str, ...]
    order_by: tuple[Order, ...]
    frame: WindowFrame | None
    n: int | None
    offset: int
    default: Any
    name: str


def _partition_columns(partition_by: str | Sequence[str] | None) -> tuple[str, ...]:
    if partition_by is None:
        return ()
    columns = (partition_by,) if isinstance(partition_by, str) else partition_by
    if not isinstance(columns, Sequence) or not all(
        isinstance(column, str) and column for column in columns
    ):
        raise InvalidValueError(
            f"partition_by={partition_by!r}",
            "a column name, a list of column names, or () for one partition",
            "write partition_by='customer' or partition_by=['region', 'customer']",
        )
    return tuple(columns)


def _spec(
    function: str,
    column: str | None,
    *,
    partition_by: str | Sequence[str] | None,
    order_by: OrderLike | None,
    window_frame: FrameLike | None,
    n: int | None,
    offset: int,
    default: Any,
    name: str | None,
) -> _Spec:
    function = ALIASES.get(function, function)
    if function not in FUNCTIONS:
        raise UnknownNameError.for_name(function, FUNCTIONS, kind="window function")
    needs_column = function not in RANKING and function != "count"
    if needs_column and column is None:
        raise InvalidValueError(
            f"{function} without a column",
            f"the column {function} reads",
            f"write window(frame, '{function}', 'amount', ...)",
        )
    if function in RANKING and column is not None:
        raise InvalidValueError(
            f"{function} given column='{column}'",
            f"no column: {function} depends only on the ORDER BY",
            "rank by a column with order_by='amount'",
        )
    keys = parse_order(order_by) if order_by not in (None, (), []) else ()
    frame = None if window_frame is None else parse_frame(window_frame)
    if frame is not None and function in RANKING + OFFSETS:
        raise InvalidValueError(
            f"A window frame for {function}",
            "no frame: ranking functions, lag and lead ignore it in SQL",
            "drop window_frame=; frames apply to aggregates and first/last/nth_value",
        )
    if function in ("ntile", "nth_value") and not (
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1
    ):
        raise InvalidValueError(
            f"{function} with n={n!r}", "a whole number n >= 1", f"write {function}(..., n=4)"
        )
    if function in OFFSETS and not (
        isinstance(offset, (int, np.integer)) and not isinstance(offset, bool) and offset >= 0
    ):
        other = "lead" if function == "lag" else "lag"
        raise InvalidValueError(
            f"{function} with offset={offset!r}",
            "a whole number of rows >= 0",
            f"to look the other way use {other}",
        )
    if frame is not None and frame.kind == "range" and frame.has_offsets and len(keys) != 1:
        raise InvalidValueError(
            f"A RANGE frame with offsets ({frame.sql()}) and {len(keys)} ORDER BY keys",
            "exactly one ORDER BY key: the offsets are added to its value",
            "order by one numeric or datetime column, or use a ROWS frame",
        )
    if name is None:
        name = _default_name(function, column, keys, frame, n, offset)
    return _Spec(
        function, column, _partition_columns(partition_by), keys, frame, n, offset, default, name
    )


def _default_name(
    function: str,
    column: str | None,
    keys: tuple[Order, ...],
    frame: WindowFrame | None,
    n: int | None,
    offset: int,
) -> str:
    if function in RANKING:
        base = f"{keys[0].column}_{function}" if keys else function
        return f"{base}_{n}" if function == "ntile" else base
    base = column or "rows"
    if function in OFFSETS:
        return f"{base}_{function}_{offset}"
    if function == "nth_value":
        return f"{base}_nth_value_{n}"
    if function in VALUES:
        return f"{base}_{function}"
    if frame is not None:
        return f"{base}_moving_{function}"
    return f"{base}_running_{function}" if keys else f"{base}_{function}"


def _check_frame(frame: pd.DataFrame, spec: _Spec) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InvalidValueError(
            f"A {type(frame).__name__} as the data",
            "a pandas DataFrame",
            "a Series becomes a frame with .to_frame()",
        )
    columns = [*spec.partition_by, *(key.column for key in spec.order_by)]
    require_columns(frame, columns + ([spec.column] if spec.column else []))
    if spec.function in ("sum", "mean", "std"):
        _require_kind(frame, spec.column, spec.function, datetime_ok=False)
    if spec.function in ("min", "max"):
        _require_kind(frame, spec.column, spec.function, datetime_ok=True)
    window_frame = spec.frame
    if window_frame is not None and window_frame.kind == "range" and window_frame.has_offsets:
        key = spec.order_by[0].column
        is_time = pd.api.types.is_datetime64_any_dtype(frame[key])
        if window_frame.uses_interval and not is_time:
            raise InvalidValueError(
                f"An interval offset over ORDER BY '{key}' of dtype {frame[key].dtype}",
                "a datetime ORDER BY column for interval offsets",
                "use a number offset for a numeric key, e.g. 'range between 3 preceding ...'",
            )
        if not window_frame.uses_interval and not _is_number_column(frame[key]):
            raise InvalidValueError(
                f"A numeric offset over ORDER BY '{key}' of dtype {frame[key].dtype}",
                "a numeric ORDER BY column for numeric offsets",
                "over a datetime key write the offset as an interval: "
                "\"range between interval '3 days' preceding and current row\"",
            )


def _is_number_column(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _require_kind(frame: pd.DataFrame, column: str | None, function: str, *, datetime_ok: bool):
    series = frame[column]
    if _is_number_column(series):
        return
    if datetime_ok and pd.api.types.is_datetime64_any_dtype(series):
        return
    kinds = "a numeric or datetime column" if datetime_ok else "a numeric column"
    raise InvalidValueError(
        f"{function} of column '{column}' of dtype {series.dtype}",
        kinds,
        f"convert it first, e.g. pd.to_numeric(frame['{column}'])",
    )
