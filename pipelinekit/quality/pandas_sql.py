"""The pieces of a rule pandas cannot run: SQL conditions and queries, through DuckDB.

Four rule kinds carry SQL text: ``conditional`` (``when`` / ``then``), ``sql_predicate``
(``expression``), ``sql_metric`` (``query``) and ``reconcile_totals`` (``expression``).
pandas has no SQL interpreter, and pipelinekit does not write one: the pandas engine
hands exactly that piece to DuckDB, which reads the DataFrame in place (registered,
not copied), and does everything else in pandas. The outcome says so in its
``details`` (:data:`VIA_DUCKDB`).

One exception: a ``reconcile_totals`` expression that is plain arithmetic over column
names and numbers (``quantity * unit_price * (1 - discount)``) is computed by
:meth:`pandas.DataFrame.eval`, which gives SQL's answer for ``+ - *`` and parentheses
(a NULL makes the result NULL, as NaN does). Anything else — functions, ``CASE``,
quoted names, ``/`` (integer division in PostgreSQL, true division in DuckDB and pandas)
— goes to DuckDB.

Examples
--------
>>> import pandas as pd
>>> orders = pd.DataFrame({"status": ["paid", "paid", None], "amount": [10, 0, 3]})
>>> rows_where(orders, "status = 'paid' AND amount <= 0", what="condition")
array([False,  True, False])
>>> amounts(pd.DataFrame({"quantity": [2, 1], "unit_price": [1.5, 4.0]}), "quantity * unit_price")
0    3.0
1    4.0
dtype: float64
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping

import duckdb
import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError

__all__ = ["VIA_DUCKDB", "amounts", "is_arithmetic", "rows_where", "value"]

#: What the outcome's ``details`` say when DuckDB ran a piece of SQL for pandas.
VIA_DUCKDB = "the SQL piece of this rule ran through DuckDB over the DataFrame (pandas has no SQL)"

_TABLE = "pk_checked_table"  # the name the checked frame gets inside DuckDB
_ARITHMETIC = re.compile(r"^[\sA-Za-z_0-9.+\-*()]+$")
_NAME = re.compile(r"(?<![0-9.])\b[A-Za-z_][A-Za-z_0-9]*\b")
_MISSING_COLUMN = re.compile(r'Referenced column "([^"]+)" not found')
_local = threading.local()


def _database() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB; each call below takes a cursor of it."""
    if not hasattr(_local, "database"):
        _local.database = duckdb.connect()
    return _local.database


def _run(
    query: str, frames: Mapping[str, pd.DataFrame], *, columns: list[str], what: str
) -> pd.DataFrame:
    """Run ``query`` over ``frames`` (registered by name); errors become teaching errors."""
    with _database().cursor() as cursor:
        for name, frame in frames.items():
            cursor.register(name, frame)
        try:
            return cursor.sql(query).df()
        except duckdb.Error as error:
            first = str(error).partition("\n")[0]
            missing = _MISSING_COLUMN.search(first)
            if missing:
                raise UnknownNameError.for_name(missing.group(1), columns, kind="column") from None
            raise InvalidValueError(
                f"DuckDB could not run the SQL {what} ({first})",
                f"a SQL {what} over the table's columns",
                "quote names with spaces in \"...\" and text in '...'",
            ) from None


def rows_where(data: pd.DataFrame, condition: str, *, what: str) -> np.ndarray:
    """A boolean mask, ``True`` where the SQL ``condition`` is TRUE (NULL counts as not).

    The rows come back in the frame's order (DuckDB keeps the order of a plain scan).
    """
    query = f"SELECT coalesce(({condition}), FALSE) AS hit FROM {_TABLE}"
    result = _run(query, {_TABLE: data}, columns=[str(c) for c in data.columns], what=what)
    return result["hit"].to_numpy(bool)


def is_arithmetic(expression: str, columns: list[str]) -> bool:
    """Whether pandas ``eval`` gives SQL's answer: ``columns``, numbers, ``+ - *``, ``()``.

    Examples
    --------
    >>> columns = ["quantity", "unit_price", "discount"]
    >>> is_arithmetic("quantity * unit_price * (1 - discount)", columns)
    True
    >>> is_arithmetic("quantity / 2", columns), is_arithmetic("abs(discount)", columns)
    (False, False)
    """
    return (
        bool(_ARITHMETIC.match(expression))
        and "**" not in expression
        and all(name in columns for name in _NAME.findall(expression))
    )


def amounts(data: pd.DataFrame, expression: str) -> pd.Series:
    """The value of a SQL expression on every row, as float64 (NULL -> NaN)."""
    columns = [str(c) for c in data.columns]
    if is_arithmetic(expression, columns):
        result = data.eval(expression, engine="python")
        if isinstance(result, pd.Series):
            return result.astype("float64")
        return pd.Series(float(result), index=data.index)
    query = f"SELECT ({expression}) AS amount FROM {_TABLE}"
    result = _run(query, {_TABLE: data}, columns=columns, what="expression")["amount"]
    return pd.Series(pd.to_numeric(result).astype("float64").to_numpy(), index=data.index)


def value(query: str, data: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> float | None:
    """The one number a SQL query gives; ``{table}`` in it stands for ``data``.

    The other ``tables`` can be read by name. No row or a NULL gives ``None``.
    """
    frames = {**tables, _TABLE: data}
    result = _run(
        query.replace("{table}", _TABLE),
        frames,
        columns=[str(c) for c in data.columns],
        what="query",
    )
    if result.shape[1] != 1 or len(result) > 1:
        raise InvalidValueError(
            f"The SQL query gave {len(result)} rows of {result.shape[1]} columns",
            "one number (one row, one column)",
            "aggregate, e.g. SELECT count(*) FROM {table} WHERE ...",
        )
    if result.empty or pd.isna(result.iloc[0, 0]):
        return None
    number = result.iloc[0, 0]
    try:
        return float(number)
    except (TypeError, ValueError):
        raise InvalidValueError(
            f"The SQL query gave {number!r}", "a number", "return a count, sum or share"
        ) from None
