"""Window functions with exact SQL semantics: ranking, offsets, running and moving aggregates.

A window function computes one value per row from the rows of its *window*: the rows
of the same partition (``PARTITION BY``), in a given order (``ORDER BY``), within a
*frame* around the row (``ROWS``/``RANGE BETWEEN ... AND ...``). :func:`window` is the
one entry point; :func:`rank`, :func:`lag`, ... are thin named wrappers. Each has a
``.sql`` twin that writes the DuckDB query computing the same column.

Examples
--------
>>> import pandas as pd
>>> orders = pd.DataFrame({
...     "customer": ["a", "a", "a", "b"],
...     "day": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-01"]),
...     "amount": [10.0, 20.0, 5.0, 7.0],
... })
>>> window(orders, "sum", "amount", partition_by="customer", order_by="day")
  customer        day  amount  amount_running_sum
0        a 2024-01-01    10.0                10.0
1        a 2024-01-02    20.0                30.0
2        a 2024-01-05     5.0                35.0
3        b 2024-01-01     7.0                 7.0
>>> print(window.sql("mean", "amount", partition_by="customer", order_by="day"))
SELECT *,
  avg(amount) OVER (PARTITION BY customer ORDER BY day ASC NULLS LAST) AS amount_running_mean
FROM input
>>> parse_frame("range between interval '3 days' preceding and current row").sql()
"RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW"

Notes
-----
*Running sums and peers.* ``groupby(...).cumsum()`` adds row by row. SQL's default frame
with an ORDER BY is ``RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW``: it ends at the
last *peer* (row with the same ORDER BY values), so tied rows all get the total up to and
including every one of them. The same holds for ``last_value``: with the default frame it
is the value of the last peer of the current row, not the last row of the partition —
ask for ``window_frame="rows between unbounded preceding and unbounded following"`` to get
that.

*rank(pct=True) is not percent_rank.* pandas' ``Series.rank(pct=True)`` is
``rank / n``; SQL's ``percent_rank`` is ``(rank - 1) / (n - 1)`` (0 for a single row), and
``cume_dist`` is (rows up to and including the last peer) ``/ n`` which equals
``rank(method="max", pct=True)``.

*rolling("3D") is not RANGE INTERVAL '3 days' PRECEDING.* pandas' time-based rolling
window is ``(t - 3 days, t]``: open on the left, and it ends at the current *row*, not at
its last peer. SQL's ``RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW`` is
``[t - 3 days, t]`` with all peers: a row exactly three days earlier is in the frame.

*NULLs in the ORDER BY.* pandas' ``rank`` leaves NaN rows unranked (NaN out). SQL ranks
NULLs like any value: they sort together (``NULLS FIRST`` or ``NULLS LAST``, per key) and
are peers of each other. With a RANGE offset the frame of a NULL row is its NULL peers,
and a non-NULL row's offset never reaches a NULL row.

*Ties.* ``row_number``, ``lag``, ``lead``, ``ntile`` and ROWS frames depend on the order of
tied rows, which SQL leaves to the engine. The pandas path keeps the frame's order among
ties; add a unique column as a last ORDER BY key when the result must not depend on it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, get_args

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.order import Order, OrderLike, parse_order, require_columns
from pipelinekit.transforms.sql import literal, quote
from pipelinekit.transforms.twin import (
    TABLE,
    Engine,
    add_columns_sql,
    check_engine,
    run_add_columns,
)

__all__ = [
    "WindowFrame",
    "parse_frame",
    "window",
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "nth_value",
]

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
_SQL_NAMES = {"mean": "avg", "std": "stddev_samp"}

Offset: TypeAlias = int | float | pd.Timedelta
Bound: TypeAlias = Offset | None


# --------------------------------------------------------------------------- the frame


@dataclass(frozen=True)
class WindowFrame:
    """Which rows around the current one a window function sees.

    Parameters
    ----------
    kind : {"rows", "range"}
        ``"rows"`` counts rows; ``"range"`` compares ORDER BY values (peers included).
    start, end : int, float, pandas.Timedelta or None
        Signed offsets from the current row: ``None`` is UNBOUNDED (preceding for
        ``start``, following for ``end``), ``0`` is CURRENT ROW, ``-2`` is 2 PRECEDING,
        ``3`` is 3 FOLLOWING. A RANGE frame over a datetime key takes Timedeltas.

    Examples
    --------
    >>> WindowFrame("rows", -2, 0).sql()
    'ROWS BETWEEN 2 PRECEDING AND CURRENT ROW'
    >>> WindowFrame("range", -pd.Timedelta("3 days"), 0).sql()
    "RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW"
    """

    kind: Literal["rows", "range"] = "range"
    start: Bound = None
    end: Bound = 0

    def __post_init__(self) -> None:
        if self.kind not in ("rows", "range"):
            raise UnknownNameError.for_name(self.kind, ["rows", "range"], kind="frame kind")
        for bound in (self.start, self.end):
            _check_offset(bound, self.kind)
        if _is_interval(self.start) != _is_interval(self.end) and not (
            _is_plain(self.start) or _is_plain(self.end)
        ):
            raise InvalidValueError(
                f"Frame {self.start!r} to {self.end!r} mixes a number with an interval",
                "both offsets numbers or both intervals",
                "use pd.Timedelta for both ends of a RANGE frame over a datetime column",
            )
        low = -np.inf if self.start is None else _as_number(self.start)
        high = np.inf if self.end is None else _as_number(self.end)
        if low > high:
            raise InvalidValueError(
                f"Frame {self.sql()} starts after it ends",
                "a start at or before the end",
                "offsets are signed: -2 is 2 PRECEDING, 0 CURRENT ROW, 1 is 1 FOLLOWING",
            )

    @property
    def has_offsets(self) -> bool:
        """Whether a bound is a PRECEDING/FOLLOWING offset (not UNBOUNDED or CURRENT ROW)."""
        return not (_is_plain(self.start) and _is_plain(self.end))

    @property
    def uses_interval(self) -> bool:
        return _is_interval(self.start) or _is_interval(self.end)

    def sql(self) -> str:
        """The frame clause: ``ROWS BETWEEN 2 PRECEDING AND CURRENT ROW``."""
        start = _bound_sql(self.start, "PRECEDING")
        end = _bound_sql(self.end, "FOLLOWING")
        return f"{self.kind.upper()} BETWEEN {start} AND {end}"


def _is_plain(bound: Bound) -> bool:
    """UNBOUNDED (None) or CURRENT ROW (0)."""
    return bound is None or _as_number(bound) == 0


def _is_interval(bound: Bound) -> bool:
    return isinstance(bound, pd.Timedelta) and bound.value != 0


def _as_number(bound: Offset) -> float:
    return bound.value if isinstance(bound, pd.Timedelta) else float(bound)


def _check_offset(bound: object, kind: str) -> None:
    numeric = isinstance(bound, (int, float, np.integer, np.floating)) and not isinstance(
        bound, (bool, np.bool_)
    )
    if bound is None or (isinstance(bound, pd.Timedelta) and kind == "range"):
        return
    if kind == "rows" and (isinstance(bound, (int, np.integer)) and numeric):
        return
    if kind == "range" and numeric and np.isfinite(float(bound)):  # type: ignore[arg-type]
        return
    expected = (
        "a whole number of rows, 0 or None"
        if kind == "rows"
        else "a number, a pd.Timedelta, 0 or None"
    )
    raise InvalidValueError(
        f"Frame offset {bound!r} ({type(bound).__name__}) in a {kind.upper()} frame",
        expected,
        "ROWS frames count rows; RANGE frames take a number (numeric ORDER BY) "
        "or pd.Timedelta('3 days') (datetime ORDER BY)",
    )


def _bound_sql(bound: Bound, unbounded: str) -> str:
    if bound is None:
        return f"UNBOUNDED {unbounded}"
    if _is_plain(bound):
        return "CURRENT ROW"
    side = "PRECEDING" if _as_number(bound) < 0 else "FOLLOWING"
    if isinstance(bound, pd.Timedelta):
        return f"INTERVAL '{_interval_text(abs(bound))}' {side}"
    return f"{abs(bound)!r} {side}"


def _interval_text(delta: pd.Timedelta) -> str:
    parts = delta.components
    if parts.nanoseconds:
        raise InvalidValueError(
            f"Interval {delta} has nanoseconds",
            "an interval in whole microseconds",
            "SQL intervals stop at microseconds; round it with .round('us')",
        )
    units = [
        ("days", parts.days),
        ("hours", parts.hours),
        ("minutes", parts.minutes),
        ("seconds", parts.seconds),
        ("milliseconds", parts.milliseconds),
        ("microseconds", parts.microseconds),
    ]
    return " ".join(f"{n} {unit}" for unit, n in units if n) or "0 days"


_OFFSET = r"interval\s+'[^']+'|'[^']+'|[0-9.]+(?:\s+(?!preceding\b|following\b)[a-z]+)?"
_BOUND = (
    rf"unbounded\s+preceding|unbounded\s+following|current\s+row"
    rf"|(?:{_OFFSET})\s+(?:preceding|following)"
)
_FRAME = re.compile(
    rf"^\s*(rows|range)\s+(?:between\s+({_BOUND})\s+and\s+({_BOUND})|({_BOUND}))\s*$"
)

FrameLike = WindowFrame | str


def parse_frame(spec: FrameLike) -> WindowFrame:
    """Read a frame clause as SQL writes it (case does not matter).

    ``"rows between 2 preceding and current row"``,
    ``"range between interval '3 days' preceding and current row"`` (or ``'3 days'``, or
    ``3 days``), ``"rows unbounded preceding"`` (the end is then CURRENT ROW).

    Examples
    --------
    >>> parse_frame("rows between 2 preceding and 1 following")
    WindowFrame(kind='rows', start=-2, end=1)
    >>> parse_frame("RANGE BETWEEN '3 days' PRECEDING AND CURRENT ROW").start
    Timedelta('-3 days +00:00:00')
    """
    if isinstance(spec, WindowFrame):
        return spec
    if not isinstance(spec, str):
        raise InvalidValueError(
            f"Window frame {spec!r} ({type(spec).__name__})",
            "a WindowFrame or a frame clause string",
            "write 'rows between 2 preceding and current row' or WindowFrame('rows', -2, 0)",
        )
    match = _FRAME.match(spec.lower())
    if not match:
        raise InvalidValueError(
            f"Window frame '{spec}'",
            "'ROWS|RANGE BETWEEN <bound> AND <bound>' where a bound is UNBOUNDED PRECEDING, "
            "N PRECEDING, CURRENT ROW, N FOLLOWING or UNBOUNDED FOLLOWING",
            "for time ranges write \"range between interval '3 days' preceding and current row\"",
        )
    kind, start, end, only = match.groups()
    if only is not None:
        start, end = only, "current row"
    return WindowFrame(kind, _parse_bound(start), _parse_bound(end))  # type: ignore[arg-type]


def _parse_bound(text: str) -> Bound:
    words = text.split()
    if words[0] == "unbounded":
        return None
    if words[0] == "current":
        return 0
    side = -1 if words[-1] == "preceding" else 1
    amount = " ".join(words[:-1]).removeprefix("interval").strip().strip("'")
    if re.fullmatch(r"[0-9]+", amount):
        return side * int(amount)
    if re.fullmatch(r"[0-9]*\.[0-9]+|[0-9]+\.[0-9]*", amount):
        return side * float(amount)
    try:
        return side * pd.Timedelta(amount)
    except ValueError as error:
        raise InvalidValueError(
            f"Interval '{amount}' in the window frame",
            "a fixed length such as '3 days', '2 hours' or '90 minutes'",
            "months and years have no fixed length; use days",
        ) from error


# --------------------------------------------------------------------------- validation


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


# --------------------------------------------------------------------------- SQL twin


def window_sql(
    function: WindowFunction,
    column: str | None = None,
    *,
    partition_by: str | Sequence[str] | None = (),
    order_by: OrderLike | None = (),
    window_frame: FrameLike | None = None,
    n: int | None = None,
    offset: int = 1,
    default: Any = None,
    name: str | None = None,
    table: str = TABLE,
) -> str:
    """The DuckDB query that adds the column :func:`window` adds (same arguments).

    Examples
    --------
    >>> print(window_sql("rank", order_by="amount DESC"))
    SELECT *,
      rank() OVER (ORDER BY amount DESC NULLS LAST) AS amount_rank
    FROM input
    """
    spec = _spec(
        function,
        column,
        partition_by=partition_by,
        order_by=order_by,
        window_frame=window_frame,
        n=n,
        offset=offset,
        default=default,
        name=name,
    )
    return add_columns_sql({spec.name: _expression_sql(spec)}, table=table)


def _expression_sql(spec: _Spec) -> str:
    function = spec.function
    column = quote(spec.column) if spec.column else "*"
    if function in ("ntile",):
        call = f"ntile({spec.n})"
    elif function in RANKING:
        call = f"{function}()"
    elif function in OFFSETS:
        default = "" if spec.default is None else f", {_literal(spec.default)}"
        call = f"{function}({column}, {spec.offset}{default})"
    elif function == "nth_value":
        call = f"nth_value({column}, {spec.n})"
    else:
        call = f"{_SQL_NAMES.get(function, function)}({column})"
    over = []
    if spec.partition_by:
        over.append("PARTITION BY " + ", ".join(map(quote, spec.partition_by)))
    if spec.order_by:
        over.append("ORDER BY " + ", ".join(key.sql() for key in spec.order_by))
    if spec.frame is not None:
        over.append(spec.frame.sql())
    return f"{call} OVER ({' '.join(over)})"


def _literal(value: object) -> str:
    """A lag/lead default as SQL (the shared :func:`literal`), named as a default in errors."""
    try:
        return literal(value)
    except InvalidValueError as error:
        raise InvalidValueError(
            f"Default {value!r} ({type(value).__name__})",
            "a number, a string, a bool or None",
            "fill other types afterwards with .fillna(...)",
        ) from error


# --------------------------------------------------------------------------- pandas path


def window(
    frame: pd.DataFrame,
    function: WindowFunction,
    column: str | None = None,
    *,
    partition_by: str | Sequence[str] | None = (),
    order_by: OrderLike | None = (),
    window_frame: FrameLike | None = None,
    n: int | None = None,
    offset: int = 1,
    default: Any = None,
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add the column ``function(column) OVER (PARTITION BY ... ORDER BY ... frame)``.

    Parameters
    ----------
    frame : DataFrame
        The rows.
    function : str
        ``row_number``, ``rank``, ``dense_rank``, ``percent_rank``, ``cume_dist``,
        ``ntile`` (needs ``n``); ``lag``, ``lead`` (``offset``, ``default``);
        ``first_value``, ``last_value``, ``nth_value`` (needs ``n``); aggregates ``sum``,
        ``mean`` (SQL ``avg``), ``min``, ``max``, ``count`` (``count(*)`` without a
        column), ``std`` (SQL ``stddev_samp``).
    column : str, optional
        The column the function reads (none for ranking functions).
    partition_by : str or list of str
        Columns whose equal values form a partition; ``()`` for one partition.
    order_by : str, Order or list
        ORDER BY keys: ``"day"``, ``"-amount"``, ``"amount DESC NULLS FIRST"``.
    window_frame : WindowFrame or str, optional
        ``"rows between 2 preceding and current row"``. Default as in SQL: with an
        ORDER BY, RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (peers included);
        without one, the whole partition.
    n, offset, default
        ``ntile(n)``, ``nth_value(column, n)``, ``lag(column, offset, default)``.
    name : str, optional
        Name of the new column; by default made from the inputs (``amount_running_sum``).
    engine : {"pandas", "duckdb"}
        Compute with pandas/numpy, or run the SQL twin (:func:`window_sql`) in DuckDB.

    Returns
    -------
    DataFrame
        ``frame`` with the new column, rows in their original order.

    Examples
    --------
    >>> scores = pd.DataFrame({"player": ["a", "b", "c", "d"], "points": [7, 9, 7, None]})
    >>> window(scores, "rank", order_by="points DESC")
      player  points  points_rank
    0      a     7.0            2
    1      b     9.0            1
    2      c     7.0            2
    3      d     NaN            4
    """
    spec = _spec(
        function,
        column,
        partition_by=partition_by,
        order_by=order_by,
        window_frame=window_frame,
        n=n,
        offset=offset,
        default=default,
        name=name,
    )
    check_engine(engine)
    _check_frame(frame, spec)
    if engine == "duckdb":
        return run_add_columns(frame, add_columns_sql({spec.name: _expression_sql(spec)}))
    return frame.assign(**{spec.name: _compute(frame, spec)})


window.sql = window_sql  # type: ignore[attr-defined]


class _Layout:
    """The rows sorted by (partition, ORDER BY), with each sorted row's partition and peers.

    Every array is in sorted order: ``part_start[i]``/``part_end[i]`` bound the partition
    of sorted row ``i`` (end exclusive), ``peer_start``/``peer_end`` its peers.

    The sort is a least-significant-key-first chain of stable argsorts (each key's NULLs
    moved to their end afterwards), then a stable sort by partition number — partitions
    only need to be contiguous, not ordered, so their numbers come from an unsorted
    ``factorize`` and fit a fast 16-bit radix sort for up to 32767 partitions.
    """

    def __init__(self, frame: pd.DataFrame, spec: _Spec):
        size = len(frame)
        self.size = size
        self.index = np.arange(size)
        self.frame_index = frame.index
        order = self.index
        keys = [_sort_key(frame[key.column], key.descending) for key in spec.order_by]
        for (values, is_null), key in zip(reversed(keys), reversed(spec.order_by), strict=True):
            order = order[np.argsort(values[order], kind="stable")]
            null_here = is_null[order]
            if null_here.any():
                parts = (order[null_here], order[~null_here])
                order = np.concatenate(parts if key.nulls == "first" else parts[::-1])
        partition = _partition_numbers(frame, spec.partition_by)
        order = order[np.argsort(partition[order], kind="stable")]
        self.order = order
        self.inverse = np.empty(size, dtype="int64")
        self.inverse[order] = self.index
        new_part = self._changes([partition])
        new_peer = new_part | self._changes([array for key in keys for array in key])
        self.part_start, self.part_end = self._runs(new_part)
        self.peer_start, self.peer_end = self._runs(new_peer)
        self.new_peer = new_peer
        self.part_id = np.cumsum(new_part)

    def _changes(self, arrays: list[np.ndarray]) -> np.ndarray:
        """True where a sorted row differs from the one before it (or starts the data)."""
        changed = np.zeros(self.size, dtype=bool)
        changed[:1] = True
        for array in arrays:
            ordered = array[self.order]
            changed[1:] |= ordered[1:] != ordered[:-1]
        return changed

    def _runs(self, starts_here: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start and end (exclusive) of the run of rows each sorted row belongs to."""
        starts = np.flatnonzero(starts_here)
        lengths = np.diff(np.append(starts, self.size))
        return np.repeat(starts, lengths), np.repeat(starts + lengths, lengths)

    def sorted_values(self, series: pd.Series) -> pd.Series:
        return series.iloc[self.order].reset_index(drop=True)

    def unsort(self, values: np.ndarray | pd.Series) -> np.ndarray | pd.Series:
        """Values given in sorted order, back in the frame's order."""
        if isinstance(values, pd.Series):
            return values.iloc[self.inverse].set_axis(self.frame_index)
        return values[self.inverse]


def _sort_key(series: pd.Series, descending: bool) -> tuple[np.ndarray, np.ndarray]:
    """Numbers that sort like ``series`` (NULLs as 0) and its NULL mask.

    Numbers and datetimes sort by value, anything else by its sorted factorize code.
    Descending flips the order: ``-x`` for floats, ``~x`` (= -x - 1, no overflow) for ints.
    """
    is_null = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series):
        values = _time_ticks(series)[0]
    elif pd.api.types.is_float_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=0.0)
    elif _is_number_column(series):
        values = series.to_numpy(dtype="int64", na_value=0)
    else:
        values = pd.factorize(series, sort=True)[0].astype("int64")
    values = np.where(is_null, 0, values) if is_null.any() else values
    if descending:
        values = -values if values.dtype.kind == "f" else ~values
    return values, is_null


def _partition_numbers(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """A number per row, equal for rows of the same partition (NULLs form one partition)."""
    numbers = np.zeros(len(frame), dtype="int64")
    for position, column in enumerate(columns):
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
        numbers = numbers * (len(uniques) + 1) + codes + 1
        if position:  # keep the numbers small: renumber the combinations seen
            numbers = pd.factorize(numbers)[0].astype("int64")
    small = numbers.max(initial=0) < np.iinfo("int16").max
    return numbers.astype("int16") if small else numbers


def _compute(frame: pd.DataFrame, spec: _Spec) -> pd.Series | np.ndarray:
    layout = _Layout(frame, spec)
    function = spec.function
    if function in RANKING:
        return layout.unsort(_ranking(layout, function, spec.n))
    if function in OFFSETS:
        step = -spec.offset if function == "lag" else spec.offset
        source = layout.index + step
        valid = (source >= layout.part_start) & (source < layout.part_end)
        return _take(frame[spec.column], layout, source, valid, spec.default)
    start, end = _frame_bounds(frame, layout, spec)
    if function in VALUES:
        if function == "first_value":
            source = start
        elif function == "last_value":
            source = end - 1
        else:
            source = start + (spec.n or 1) - 1
        inside = (source >= start) & (source < end)
        return _take(frame[spec.column], layout, source, inside, None)
    return layout.unsort(_aggregate(frame, layout, spec, start, end))


def _ranking(layout: _Layout, function: str, n: int | None) -> np.ndarray:
    size = layout.part_end - layout.part_start
    position = layout.index - layout.part_start  # 0-based row number in the partition
    rank = layout.peer_start - layout.part_start + 1
    if function == "row_number":
        return position + 1
    if function == "rank":
        return rank
    if function == "dense_rank":
        peers_so_far = np.cumsum(layout.new_peer)
        return peers_so_far - peers_so_far[layout.part_start] + 1
    if function == "percent_rank":
        return np.where(size > 1, (rank - 1) / np.maximum(size - 1, 1), 0.0)
    if function == "cume_dist":
        return (layout.peer_end - layout.part_start) / size
    # ntile: n buckets whose sizes differ by at most one, the larger ones first.
    assert n is not None
    small, extra = size // n, size % n
    in_large = position < extra * (small + 1)
    large_bucket = position // (small + 1)
    small_bucket = extra + (position - extra * (small + 1)) // np.maximum(small, 1)
    return np.where(in_large, large_bucket, small_bucket) + 1


def _take(
    series: pd.Series, layout: _Layout, source: np.ndarray, valid: np.ndarray, default: Any
) -> pd.Series:
    """``series`` at sorted positions ``source`` where ``valid``, else ``default``; unsorted."""
    positions = layout.unsort(layout.order[np.where(valid, source, 0)])
    keep = layout.unsort(valid)
    values = series.iloc[positions].reset_index(drop=True)
    values.index = series.index
    if keep.all():
        return values
    if default is None and pd.api.types.is_integer_dtype(values) and values.dtype.kind in "iu":
        values = values.astype("Int64")
    return values.where(keep, default)


def _frame_bounds(
    frame: pd.DataFrame, layout: _Layout, spec: _Spec
) -> tuple[np.ndarray, np.ndarray]:
    """Each sorted row's frame as sorted positions ``[start, end)`` (empty when start >= end)."""
    window_frame = spec.frame
    if window_frame is None:  # the SQL default
        end = layout.peer_end if spec.order_by else layout.part_end
        return layout.part_start, end
    if window_frame.kind == "rows":
        start, end = layout.part_start, layout.part_end
        if window_frame.start is not None:
            start = np.clip(layout.index + int(window_frame.start), start, end)
        if window_frame.end is not None:
            end = np.clip(layout.index + int(window_frame.end) + 1, layout.part_start, end)
    else:
        start = _range_bound(frame, layout, spec, window_frame.start, "start")
        end = _range_bound(frame, layout, spec, window_frame.end, "end")
    return start, np.maximum(start, end)


def _range_bound(
    frame: pd.DataFrame, layout: _Layout, spec: _Spec, bound: Bound, side: str
) -> np.ndarray:
    if bound is None:
        return layout.part_start if side == "start" else layout.part_end
    if _is_plain(bound):
        return layout.peer_start if side == "start" else layout.peer_end
    key = spec.order_by[0]
    series = layout.sorted_values(frame[key.column])
    is_null = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series):
        values, unit = _time_ticks(series)
        step = pd.Timedelta(bound).to_numpy().astype(f"timedelta64[{unit}]").view("int64")
    elif pd.api.types.is_integer_dtype(series) and isinstance(bound, (int, np.integer)):
        values, step = series.to_numpy(dtype="int64", na_value=0), np.int64(bound)
    else:
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        step = np.float64(bound)
    if key.descending:  # sort ascending so "preceding" always means "smaller"
        values = -values
    nulls_first, right = key.nulls == "first", side == "end"
    targets = values + step
    found = _search_partitions(
        values, targets, is_null, layout, nulls_first=nulls_first, right=right
    )
    # A NULL row's offset reaches exactly its NULL peers.
    return np.where(is_null, layout.peer_start if side == "start" else layout.peer_end, found)


def _search_partitions(
    values: np.ndarray,
    targets: np.ndarray,
    is_null: np.ndarray,
    layout: _Layout,
    *,
    nulls_first: bool,
    right: bool,
) -> np.ndarray:
    """``np.searchsorted`` of each row's target among the non-NULL values of its partition.

    One search over the whole sorted frame, with each value paired with its partition
    number so that the pairs increase from one partition to the next: as complex numbers
    ``partition + 1j * value`` for floats (numpy orders complex numbers by real part, then
    imaginary part), as ``partition * span + value`` for whole numbers when that fits.
    NULLs are put below (NULLS FIRST) or above (NULLS LAST) every target of the partition.
    """
    side: Literal["left", "right"] = "right" if right else "left"
    block = layout.part_id
    if values.dtype.kind == "f":
        null_value = -np.inf if nulls_first else np.inf
        keys = _pairs(block, np.where(is_null, null_value, values))
        return np.searchsorted(keys, _pairs(block, np.where(is_null, 0.0, targets)), side=side)
    present = values[~is_null]
    low, high = (int(present.min()), int(present.max())) if present.size else (0, 0)
    reach = int(np.abs(targets[~is_null] - present).max(initial=0))
    span = high - low + 2 * reach + 3
    if (int(block.max(initial=0)) + 1) * span >= 2**62:  # too wide: search slice by slice
        return _bisect(values, targets, is_null, layout, nulls_first=nulls_first, right=right)
    shift = reach + 1 - low
    null_value = 0 if nulls_first else span - 1
    keys = block * span + np.where(is_null, null_value, values + shift)
    return np.searchsorted(keys, block * span + targets + shift, side=side)


def _pairs(real: np.ndarray, imaginary: np.ndarray) -> np.ndarray:
    """``real + 1j * imaginary``, built part by part (``1j * inf`` would be ``nan + infj``)."""
    pairs = np.empty(len(real), dtype="complex128")
    pairs.real, pairs.imag = real, imaginary
    return pairs


def _bisect(
    values: np.ndarray,
    targets: np.ndarray,
    is_null: np.ndarray,
    layout: _Layout,
    *,
    nulls_first: bool,
    right: bool,
) -> np.ndarray:
    """:func:`_search_partitions` as a binary search run for all rows at once.

    ``log2(largest partition)`` vectorised steps; no loop over partitions.
    """
    nulls_before = np.cumsum(np.append(0, is_null))
    part_nulls = nulls_before[layout.part_end] - nulls_before[layout.part_start]
    low = layout.part_start + (part_nulls if nulls_first else 0)
    high = layout.part_end - (0 if nulls_first else part_nulls)
    active = np.flatnonzero(low < high)
    while active.size:
        lo, hi = low[active], high[active]
        middle = (lo + hi) // 2
        probe, target = values[middle], targets[active]
        go_right = probe <= target if right else probe < target
        low[active] = np.where(go_right, middle + 1, lo)
        high[active] = np.where(go_right, hi, middle)
        active = active[low[active] < high[active]]
    return low


def _aggregate(
    frame: pd.DataFrame, layout: _Layout, spec: _Spec, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    if spec.column is None:  # count(*)
        return end - start
    series = layout.sorted_values(frame[spec.column])
    present = series.notna().to_numpy()
    count = _frame_sums(present.astype("int64"), start, end)
    if spec.function == "count":
        return count
    if spec.function in ("min", "max"):
        return _min_max(series, layout, spec.function, start, end, count)
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    if spec.function == "std":
        # Shift each partition by its mean rounded to a whole number: fewer digits cancel
        # in sum(x**2) - sum(x)**2 / n, and whole numbers stay exact.
        whole = _frame_sums(np.where(present, values, 0.0), layout.part_start, layout.part_end)
        n_part = _frame_sums(present.astype("int64"), layout.part_start, layout.part_end)
        values = values - np.round(whole / np.maximum(n_part, 1))
    filled = np.where(present, values, 0.0)
    total = _frame_sums(filled, start, end, layout)
    with np.errstate(invalid="ignore", divide="ignore"):
        if spec.function == "sum":
            return np.where(count > 0, total, np.nan)
        if spec.function == "mean":
            return np.where(count > 0, total / count, np.nan)
        squares = _frame_sums(filled * filled, start, end, layout)
        variance = (squares - total * total / count) / (count - 1)
        return np.where(count > 1, np.sqrt(np.maximum(variance, 0.0)), np.nan)


def _frame_sums(
    values: np.ndarray, start: np.ndarray, end: np.ndarray, layout: _Layout | None = None
) -> np.ndarray:
    """Sum of ``values[start:end]`` per row (0 for an empty frame), from prefix sums.

    Whole numbers (counts) use one running total. Floats restart it in every partition
    of ``layout``, so the rounding error stays the size of the partition's own sums.
    """
    if layout is None:
        prefix = np.concatenate([np.zeros(1, dtype=values.dtype), np.cumsum(values)])
        return prefix[end] - prefix[start]
    running = pd.Series(values).groupby(layout.part_id, sort=False).cumsum().to_numpy()
    after = layout.part_start  # prefix[i] = sum of values[part_start .. i]
    upto_end = np.where(end > after, running[np.maximum(end - 1, 0)], 0.0)
    upto_start = np.where(start > after, running[np.maximum(start - 1, 0)], 0.0)
    return upto_end - upto_start


def _time_ticks(series: pd.Series) -> tuple[np.ndarray, str]:
    """Datetimes as int64 ticks since the epoch (UTC for tz-aware), and the tick unit."""
    if series.dt.tz is not None:
        series = series.dt.tz_convert(None)
    values = series.to_numpy()
    return values.view("int64"), np.datetime_data(values.dtype)[0]


def _min_max(
    series: pd.Series,
    layout: _Layout,
    function: str,
    start: np.ndarray,
    end: np.ndarray,
    count: np.ndarray,
) -> np.ndarray | pd.Series:
    """Minimum or maximum of each frame, NULLs skipped, from a sparse table.

    Level ``k`` of the table holds the min (max) of the ``2**k`` rows starting at each
    row; a frame of length ``L`` is covered by two overlapping blocks of the largest
    ``2**k <= L``: one starting at its start and one ending at its end.
    """
    is_time = pd.api.types.is_datetime64_any_dtype(series)
    if is_time:
        values, unit = _time_ticks(series)
        info = np.iinfo("int64")
        fill: float = info.max if function == "min" else info.min + 1
    else:
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        fill = np.inf if function == "min" else -np.inf
    values = np.where(series.isna().to_numpy(), fill, values)
    pick = np.minimum if function == "min" else np.maximum
    length = end - start
    levels = [values]
    while (1 << len(levels)) <= length.max(initial=0):
        width = 1 << (len(levels) - 1)
        previous = levels[-1]
        levels.append(pick(previous, np.append(previous[width:], np.full(width, fill))))
    table = np.stack(levels)
    level = np.floor(np.log2(np.maximum(length, 1))).astype("int64")
    last = max(layout.size - 1, 0)
    first_block = table[level, np.minimum(start, last)]
    second_block = table[level, np.clip(end - (1 << level), 0, last)]
    found = pick(first_block, second_block)
    if not is_time:
        return np.where(count > 0, found, np.nan)
    times = pd.Series(found.view(f"datetime64[{unit}]")).where(count > 0)
    if series.dt.tz is not None:
        times = times.dt.tz_localize("UTC").dt.tz_convert(series.dt.tz)
    return times


# --------------------------------------------------------------------------- named wrappers


def row_number(
    frame: pd.DataFrame,
    *,
    order_by: OrderLike,
    partition_by: str | Sequence[str] | None = (),
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """The row's number in its partition, 1, 2, 3, ... (ties in frame order).

    SQL ``row_number() OVER (PARTITION BY ... ORDER BY ...)``; see :func:`window`.

    Examples
    --------
    >>> games = pd.DataFrame({"team": ["x", "x", "x", "y"], "goals": [1, 1, 3, 2]})
    >>> row_number(games, order_by="goals", partition_by="team")["goals_row_number"].tolist()
    [1, 2, 3, 1]
    """
    return window(
        frame, "row_number", order_by=order_by, partition_by=partition_by, name=name, engine=engine
    )


row_number.sql = functools.partial(window_sql, "row_number")  # type: ignore[attr-defined]


def rank(
    frame: pd.DataFrame,
    *,
    order_by: OrderLike,
    partition_by: str | Sequence[str] | None = (),
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Rank with gaps: peers share a rank, the next rank skips (1, 1, 3).

    SQL ``rank() OVER (PARTITION BY ... ORDER BY ...)``; see :func:`window`.

    Examples
    --------
    >>> games = pd.DataFrame({"team": ["x", "x", "x", "y"], "goals": [1, 1, 3, 2]})
    >>> rank(games, order_by="goals", partition_by="team")["goals_rank"].tolist()
    [1, 1, 3, 1]
    """
    return window(
        frame, "rank", order_by=order_by, partition_by=partition_by, name=name, engine=engine
    )


rank.sql = functools.partial(window_sql, "rank")  # type: ignore[attr-defined]


def dense_rank(
    frame: pd.DataFrame,
    *,
    order_by: OrderLike,
    partition_by: str | Sequence[str] | None = (),
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Rank without gaps: peers share a rank, the next rank follows (1, 1, 2).

    SQL ``dense_rank() OVER (PARTITION BY ... ORDER BY ...)``; see :func:`window`.

    Examples
    --------
    >>> games = pd.DataFrame({"team": ["x", "x", "x", "y"], "goals": [1, 1, 3, 2]})
    >>> dense_rank(games, order_by="goals", partition_by="team")["goals_dense_rank"].tolist()
    [1, 1, 2, 1]
    """
    return window(
        frame, "dense_rank", order_by=order_by, partition_by=partition_by, name=name, engine=engine
    )


dense_rank.sql = functools.partial(window_sql, "dense_rank")  # type: ignore[attr-defined]


def percent_rank(
    frame: pd.DataFrame,
    *,
    order_by: OrderLike,
    partition_by: str | Sequence[str] | None = (),
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """``(rank - 1) / (rows in partition - 1)``; 0 for a single row.

    SQL ``percent_rank() OVER (PARTITION BY ... ORDER BY ...)``; see :func:`window`.

    Examples
    --------
    >>> games = pd.DataFrame({"team": ["x", "x", "x", "y"], "goals": [1, 1, 3, 2]})
    >>> percent_rank(games, order_by="goals", partition_by="team")["goals_percent_rank"].tolist()
    [0.0, 0.0, 1.0, 0.0]
    """
    return window(
        frame,
        "percent_rank",
        order_by=order_by,
        partition_by=partition_by,
        name=name,
        engine=engine,
    )


percent_rank.sql = functools.partial(window_sql, "percent_rank")  # type: ignore[attr-defined]


def cume_dist(
    frame: pd.DataFrame,
    *,
    order_by: OrderLike,
    partition_by: str | Sequence[str] | None = (),
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Share of the partition's rows up to and including the row's last peer.

    SQL ``cume_dist() OVER (PARTITION BY ... ORDER BY ...)``; see :func:`window`.

    Examples
    --------
    >>> games = pd.DataFrame({"team": ["x", "x", "x", "y"], "goals": [1, 1, 3, 2]})
    >>> cume_dist(games, order_by="goals", partition_by="team")["goals_cume_dist"].tolist()
    [0.666..., 0.666..., 1.0, 1.0]
    """
    return window(
        frame, "cume_dist", order_by=order_by, partition_by=partition_by, name=name, engine=engine
    )


cume_dist.sql = functools.partial(window_sql, "cume_dist")  # type: ignore[attr-defined]


def ntile(
    frame: pd.DataFrame,
    *,
    n: int,
    order_by: OrderLike,
    partition_by: str | Sequence[str] | None = (),
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """The bucket 1..n of each row when its partition is cut into ``n`` near-equal parts.

    Bucket sizes differ by at most one, the larger buckets first (SQL ``ntile(n)``).

    Examples
    --------
    >>> ntile(pd.DataFrame({"x": [5, 1, 4, 2, 3]}), n=2, order_by="x")["x_ntile_2"].tolist()
    [2, 1, 2, 1, 1]
    """
    return window(
        frame, "ntile", n=n, order_by=order_by, partition_by=partition_by, name=name, engine=engine
    )


ntile.sql = functools.partial(window_sql, "ntile")  # type: ignore[attr-defined]


def lag(
    frame: pd.DataFrame,
    *,
    column: str,
    order_by: OrderLike,
    offset: int = 1,
    default: Any = None,
    partition_by: str | Sequence[str] | None = (),
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """``column`` from the row ``offset`` rows before this one in its partition, else ``default``.

    SQL ``lag(column, offset, default)``; the window frame does not apply.

    Examples
    --------
    >>> days = pd.DataFrame({"day": [1, 2, 3], "amount": [10.0, 20.0, 5.0]})
    >>> lag(days, column="amount", order_by="day")["amount_lag_1"].tolist()
    [nan, 10.0, 20.0]
    """
    return window(
        frame,
        "lag",
        column,
        order_by=order_by,
        offset=offset,
        default=default,
        partition_by=partition_by,
        name=name,
        engine=engine,
    )


lag.sql = functools.partial(window_sql, "lag")  # type: ignore[attr-defined]


def lead(
    frame: pd.DataFrame,
    *,
    column: str,
    order_by: OrderLike,
    offset: int = 1,
    default: Any = None,
    partition_by: str | Sequence[str] | None = (),
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """``column`` from the row ``offset`` rows after this one in its partition, else ``default``.

    SQL ``lead(column, offset, default)``; the window frame does not apply.

    Examples
    --------
    >>> days = pd.DataFrame({"day": [1, 2, 3], "amount": [10.0, 20.0, 5.0]})
    >>> lead(days, column="amount", order_by="day")["amount_lead_1"].tolist()
    [20.0, 5.0, nan]
    """
    return window(
        frame,
        "lead",
        column,
        order_by=order_by,
        offset=offset,
        default=default,
        partition_by=partition_by,
        name=name,
        engine=engine,
    )


lead.sql = functools.partial(window_sql, "lead")  # type: ignore[attr-defined]


def first_value(
    frame: pd.DataFrame,
    *,
    column: str,
    order_by: OrderLike = (),
    partition_by: str | Sequence[str] | None = (),
    window_frame: FrameLike | None = None,
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """``column`` at the first row of the window frame.

    SQL ``first_value(column)``; NULLs are respected (a NULL there gives NULL).

    Examples
    --------
    >>> days = pd.DataFrame({"day": [1, 2, 3], "amount": [10.0, 20.0, 5.0]})
    >>> first_value(days, column="amount", order_by="day")["amount_first_value"].tolist()
    [10.0, 10.0, 10.0]
    """
    return window(
        frame,
        "first_value",
        column,
        order_by=order_by,
        partition_by=partition_by,
        window_frame=window_frame,
        name=name,
        engine=engine,
    )


first_value.sql = functools.partial(window_sql, "first_value")  # type: ignore[attr-defined]


def last_value(
    frame: pd.DataFrame,
    *,
    column: str,
    order_by: OrderLike = (),
    partition_by: str | Sequence[str] | None = (),
    window_frame: FrameLike | None = None,
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """``column`` at the last row of the window frame (with the default frame: the last *peer*).

    SQL ``last_value(column)``; NULLs are respected (a NULL there gives NULL).

    Examples
    --------
    >>> days = pd.DataFrame({"day": [1, 2, 3], "amount": [10.0, 20.0, 5.0]})
    >>> last_value(days, column="amount", order_by="day")["amount_last_value"].tolist()
    [10.0, 20.0, 5.0]
    """
    return window(
        frame,
        "last_value",
        column,
        order_by=order_by,
        partition_by=partition_by,
        window_frame=window_frame,
        name=name,
        engine=engine,
    )


last_value.sql = functools.partial(window_sql, "last_value")  # type: ignore[attr-defined]


def nth_value(
    frame: pd.DataFrame,
    *,
    column: str,
    n: int,
    order_by: OrderLike = (),
    partition_by: str | Sequence[str] | None = (),
    window_frame: FrameLike | None = None,
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """``column`` at the ``n``-th row (from 1) of the window frame; NULL when it has fewer.

    Examples
    --------
    >>> days = pd.DataFrame({"day": [1, 2, 3], "amount": [10.0, 20.0, 5.0]})
    >>> nth_value(days, column="amount", n=2, order_by="day")["amount_nth_value_2"].tolist()
    [nan, 20.0, 20.0]
    """
    return window(
        frame,
        "nth_value",
        column,
        n=n,
        order_by=order_by,
        partition_by=partition_by,
        window_frame=window_frame,
        name=name,
        engine=engine,
    )


nth_value.sql = functools.partial(window_sql, "nth_value")  # type: ignore[attr-defined]
