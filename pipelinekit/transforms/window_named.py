"""The named window functions: ``rank``, ``row_number``, ``lag``, ``lead``, ``ntile``, ...

Each is a thin wrapper over :func:`pipelinekit.transforms.window_function.window` with
the function's own arguments (``n`` for ``ntile``, ``offset`` and ``default`` for
``lag``/``lead``, ...), and each carries a ``.sql`` twin: ``window_sql`` with the
function name filled in.

Examples
--------
>>> import pandas as pd
>>> games = pd.DataFrame({"team": ["x", "x", "y"], "goals": [1, 3, 2]})
>>> rank(games, order_by="-goals", partition_by="team")["goals_rank"].tolist()
[2, 1, 1]
>>> print(rank.sql(order_by="-goals", partition_by="team"))
SELECT *,
  rank() OVER (PARTITION BY team ORDER BY goals DESC NULLS LAST) AS goals_rank
FROM input
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipelinekit.transforms.order import OrderLike
from pipelinekit.transforms.twin import Engine
from pipelinekit.transforms.window_frame import FrameLike
from pipelinekit.transforms.window_function import window, window_sql

__all__ = [
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
