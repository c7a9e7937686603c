"""`sql`: run DuckDB SQL over pandas DataFrames, the oracle every transform is tested against.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.transforms.sql import sql
>>> orders = pd.DataFrame({"customer": ["a", "a", "b"], "amount": [10, 5, 7]})
>>> sql("SELECT customer, sum(amount) AS total FROM orders GROUP BY ALL ORDER BY 1", orders=orders)
  customer  total
0        a   15.0
1        b    7.0
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from pipelinekit.errors import InvalidValueError, PipelinekitError

__all__ = ["quote", "sql", "SqlError"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SqlError(PipelinekitError, ValueError):
    """A query DuckDB could not parse or run."""


def quote(name: str) -> str:
    """A column or table name as a SQL identifier, quoted only when it must be.

    Examples
    --------
    >>> quote("amount"), quote("order total"), quote("order")
    ('amount', '"order total"', '"order"')
    """
    if _IDENTIFIER.match(name) and name.upper() not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def sql(query: str, **frames: pd.DataFrame) -> pd.DataFrame:
    """Run a DuckDB query over DataFrames given by name; return the result as a DataFrame.

    Each call uses a fresh in-memory DuckDB connection that sees only the ``frames``
    passed in (scanned in place, not copied), so a lesson cell cannot depend on state
    left by an earlier one.

    Parameters
    ----------
    query : str
        One SQL statement; the tables it reads are the keyword arguments' names.
    **frames : DataFrame
        The tables, e.g. ``orders=shop.orders``.

    Raises
    ------
    SqlError
        When DuckDB cannot parse or run the query: its message, with the line and a
        caret pointing at the problem, and a hint.
    """
    for name, frame in frames.items():
        if not isinstance(frame, pd.DataFrame):
            raise InvalidValueError(
                f"Table '{name}' is a {type(frame).__name__}",
                "a pandas DataFrame for every keyword argument",
                f"pass {name}=your_frame (a Series needs .to_frame())",
            )
    with duckdb.connect() as connection:
        for name, frame in frames.items():
            connection.register(name, frame)
        try:
            return connection.sql(query).df()
        except duckdb.Error as error:
            first, _, rest = str(error).partition("\n")
            tables = ", ".join(frames) or "none"
            raise SqlError(
                f"DuckDB could not run the query: {first}" + (f"\n{rest.strip()}" if rest else ""),
                f"a query over the tables passed in ({tables})",
                "check the names against the tables' columns; quote names with spaces in \"...\"",
            ) from error


_RESERVED = {
    "ALL", "AND", "AS", "ASC", "BY", "CASE", "CAST", "DESC", "DISTINCT", "ELSE", "END", "FROM",
    "GROUP", "HAVING", "IN", "IS", "JOIN", "LIMIT", "NOT", "NULL", "ON", "OR", "ORDER",
    "OVER", "PARTITION", "RANGE", "ROWS", "SELECT", "TABLE", "THEN", "UNION", "USING", "WHEN",
    "WHERE", "WINDOW", "WITH", "DATE", "TIME", "TIMESTAMP", "INTERVAL", "USER", "DEFAULT",
}  # fmt: skip
