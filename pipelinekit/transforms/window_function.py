"""The general window function :func:`window` and its SQL twin :func:`window_sql`.

``window(frame, function, column, partition_by=..., order_by=..., window_frame=...)``
adds the column ``function(column) OVER (...)``, computed with pandas (the default) or
by running :func:`window_sql`'s DuckDB query. Both check the call the same way
(:mod:`pipelinekit.transforms.window_spec`); ``window.sql`` is ``window_sql``.

Examples
--------
>>> import pandas as pd
>>> days = pd.DataFrame({"day": [1, 2, 3], "amount": [10.0, 20.0, 5.0]})
>>> window(days, "sum", "amount", order_by="day", window_frame="rows 1 preceding")
   day  amount  amount_moving_sum
0    1    10.0               10.0
1    2    20.0               30.0
2    3     5.0               25.0
>>> print(window.sql("lag", "amount", order_by="day"))
SELECT *,
  lag(amount, 1) OVER (ORDER BY day ASC NULLS LAST) AS amount_lag_1
FROM input
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipelinekit.errors import InvalidValueError
from pipelinekit.transforms.order import OrderLike
from pipelinekit.transforms.sql import literal, quote
from pipelinekit.transforms.twin import (
    TABLE,
    Engine,
    add_columns_sql,
    check_engine,
    run_add_columns,
)
from pipelinekit.transforms.window_compute import _compute
from pipelinekit.transforms.window_frame import FrameLike
from pipelinekit.transforms.window_spec import (
    OFFSETS,
    RANKING,
    WindowFunction,
    _check_frame,
    _Spec,
    _spec,
)

__all__ = ["window", "window_sql"]

_SQL_NAMES = {"mean": "avg", "std": "stddev_samp"}


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
