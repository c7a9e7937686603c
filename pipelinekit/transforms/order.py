"""ORDER BY keys as SQL means them: direction and NULL placement per key, stable ties.

pandas' ``sort_values`` has one ``na_position`` for all keys; SQL sets ``NULLS FIRST``
or ``NULLS LAST`` per key. :func:`sort_positions` sorts the SQL way, and every key
renders itself as the SQL it stands for (:meth:`Order.sql`).

pipelinekit's default is ``NULLS LAST`` in both directions, as DuckDB does.
PostgreSQL differs: it puts NULLs *first* in a descending sort unless told otherwise.
pipelinekit always writes the NULL order into the SQL it shows, so both engines agree.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"x": [2.0, None, 1.0, 2.0]})
>>> sort_positions(frame, parse_order("x DESC NULLS FIRST")).tolist()
[1, 0, 3, 2]
>>> [key.sql() for key in parse_order(["region", "-amount"])]
['region ASC NULLS LAST', 'amount DESC NULLS LAST']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError, format_list
from pipelinekit.transforms.sql import quote

__all__ = ["Order", "parse_order", "require_columns", "sort_positions", "OrderLike"]

Nulls = Literal["first", "last"]


@dataclass(frozen=True)
class Order:
    """One ORDER BY key: a column, its direction and where its NULLs go."""

    column: str
    descending: bool = False
    nulls: Nulls = "last"

    def sql(self) -> str:
        """The key as SQL: ``amount DESC NULLS LAST``."""
        direction = "DESC" if self.descending else "ASC"
        return f"{quote(self.column)} {direction} NULLS {self.nulls.upper()}"


OrderLike = str | Order | Sequence[str | Order]


def parse_order(order_by: OrderLike) -> tuple[Order, ...]:
    """Read ORDER BY keys: ``"amount"``, ``"-amount"`` (descending), ``"amount DESC NULLS
    FIRST"``, an :class:`Order`, or a list of them."""
    keys = [order_by] if isinstance(order_by, (str, Order)) else list(order_by)
    return tuple(key if isinstance(key, Order) else _parse_key(key) for key in keys)


def _parse_key(text: str) -> Order:
    words = text.split()
    if not words:
        raise InvalidValueError(
            "An empty ORDER BY key", "a column name", "write 'amount' or 'amount DESC'"
        )
    column, rest = words[0], [word.upper() for word in words[1:]]
    descending = column.startswith("-")
    column = column.lstrip("-")
    if rest[:1] in (["ASC"], ["DESC"]):
        descending = rest.pop(0) == "DESC"
    nulls: Nulls = "last"
    if rest[:2] in (["NULLS", "FIRST"], ["NULLS", "LAST"]):
        nulls = "first" if rest[1] == "FIRST" else "last"
        rest = rest[2:]
    if rest:
        raise InvalidValueError(
            f"ORDER BY key '{text}'",
            "'column [ASC|DESC] [NULLS FIRST|NULLS LAST]'",
            "put one key per list item: ['region', 'amount DESC']",
        )
    return Order(column, descending, nulls)


def require_columns(frame: pd.DataFrame, columns: Sequence[str], *, role: str = "column") -> None:
    """Fail, naming the nearest existing columns, when any of ``columns`` is missing.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"amount": [1]}), ["amout"])
    Traceback (most recent call last):
    ...
    pipelinekit.errors.UnknownNameError: Unknown column 'amout'; expected one of 'amount'...
    """
    for column in columns:
        if column not in frame.columns:
            raise UnknownNameError.for_name(column, map(str, frame.columns), kind=role)


def sort_positions(frame: pd.DataFrame, keys: Sequence[Order]) -> np.ndarray:
    """Row positions of ``frame`` sorted by ``keys``, SQL-style, ties kept in frame order."""
    require_columns(frame, [key.column for key in keys])
    lexsort_keys = []
    for key in keys:
        values = frame[key.column]
        codes, _ = pd.factorize(values, sort=True, use_na_sentinel=True)
        codes = codes.astype("float64")
        if key.descending:
            codes = -codes
        null_rank = -np.inf if key.nulls == "first" else np.inf
        codes[values.isna().to_numpy()] = null_rank
        lexsort_keys.append(codes)
    if not lexsort_keys:
        return np.arange(len(frame))
    # np.lexsort sorts by the last key first and is stable.
    return np.lexsort([np.arange(len(frame)), *reversed(lexsort_keys)])


def describe(keys: Sequence[Order]) -> str:
    """The keys as an ORDER BY list, for messages and SQL."""
    return format_list(key.sql() for key in keys) if keys else "(no order)"
