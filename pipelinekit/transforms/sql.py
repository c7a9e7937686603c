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

import math
import re
import threading
from functools import lru_cache

import duckdb
import pandas as pd

from pipelinekit.errors import InvalidValueError, PipelinekitError

__all__ = ["literal", "quote", "sql", "sql_error", "SqlError"]

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
    if _IDENTIFIER.match(name) and name.lower() not in keywords():
        return name
    return '"' + name.replace('"', '""') + '"'


def literal(value: object) -> str:
    """A Python value as a SQL literal that DuckDB reads back as exactly the same value.

    Floats with up to 15 significant digits are written as decimals (DuckDB turns them
    into the same double Python has); longer ones get an exponent (``e0``), which DuckDB
    parses straight to a double, so no digit is rounded twice.

    Examples
    --------
    >>> literal("O'Brien"), literal(2.5), literal(0.1 + 0.2), literal(float("inf"))
    ("'O''Brien'", '2.5', '0.30000000000000004e0', "CAST('Infinity' AS DOUBLE)")
    >>> literal(None), literal(True), literal(7)
    ('NULL', 'TRUE', '7')
    """
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "CAST('NaN' AS DOUBLE)"
        if math.isinf(value):
            return f"CAST('{'-' if value < 0 else ''}Infinity' AS DOUBLE)"
        text = repr(value)
        digits = len(text.partition("e")[0].replace("-", "").replace(".", "").lstrip("0"))
        return text if "e" in text or digits <= 15 else text + "e0"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise InvalidValueError(
        f"Value {value!r} of type {type(value).__name__}",
        "None, a bool, a number or a string",
        "convert it first, e.g. str(value)",
    )


def sql(
    query: str, *, connection: duckdb.DuckDBPyConnection | None = None, **frames: pd.DataFrame
) -> pd.DataFrame:
    """Run a DuckDB query over DataFrames given by name; return the result as a DataFrame.

    Each call opens its own connection (a cursor on an in-memory database) that sees only
    the ``frames`` passed in, scanned in place, not copied: a cell cannot read frames
    another cell registered. (A ``CREATE TABLE`` does persist between calls; use
    ``CREATE TEMP TABLE`` for scratch tables.)

    Parameters
    ----------
    query : str
        One SQL statement; the tables it reads are the keyword arguments' names.
    connection : duckdb connection, optional
        A database whose tables the query may also read (and write). The frames are
        registered on a cursor of it for this call only; temporary tables made by the
        query go with that cursor.
    **frames : DataFrame
        The tables, e.g. ``orders=shop.orders``.

    Raises
    ------
    SqlError
        When DuckDB cannot parse or run the query: its message, with the line and a
        caret pointing at the problem, and a hint.

    Notes
    -----
    Inside :func:`pipelinekit.lineage.track`, the query's column lineage is recorded
    (:func:`pipelinekit.lineage.sql_lineage.sql_lineage`); a query whose lineage cannot be
    read still runs, and its columns are recorded as of unknown origin.

    Examples
    --------
    >>> import duckdb
    >>> warehouse = duckdb.connect()
    >>> _ = warehouse.execute("CREATE TABLE customers AS SELECT 'a' AS customer, 'FR' AS country")
    >>> orders = pd.DataFrame({"customer": ["a", "a"], "amount": [10, 5]})
    >>> sql("SELECT country, sum(amount) AS total FROM orders JOIN customers USING (customer)"
    ...     " GROUP BY country", connection=warehouse, orders=orders)
      country  total
    0      FR   15.0
    """
    for name, frame in frames.items():
        if not isinstance(frame, pd.DataFrame):
            raise InvalidValueError(
                f"Table '{name}' is a {type(frame).__name__}",
                "a pandas DataFrame for every keyword argument",
                f"pass {name}=your_frame (a Series needs .to_frame())",
            )
    database = connection if connection is not None else _database()
    with database.cursor() as cursor:
        for name, frame in frames.items():
            cursor.register(name, frame)
        try:
            result = cursor.sql(query).df()
        except duckdb.Error as error:
            tables = ", ".join(frames) or "none"
            if connection is not None:
                tables += " and the connection's tables"
            raise sql_error(error, f"the tables passed in ({tables})") from error
        finally:
            for name in frames:
                cursor.unregister(name)
    _record_lineage(query, result, frames, connection)
    return result


def sql_error(error: duckdb.Error, tables: str) -> SqlError:
    """The error for a query DuckDB refused: its message (with DuckDB's caret), the tables
    the query could read, a hint.

    Examples
    --------
    >>> try:
    ...     duckdb.sql("SELECT nme FROM range(1) t(name)")
    ... except duckdb.Error as error:
    ...     print(sql_error(error, "t").expected)
    a query over t
    """
    first, _, rest = str(error).partition("\n")
    return SqlError(
        f"DuckDB could not run the query: {first}" + (f"\n{rest.strip()}" if rest else ""),
        f"a query over {tables}",
        'check the names against the tables\' columns; quote names with spaces in "..."',
    )


def _record_lineage(
    query: str,
    result: pd.DataFrame,
    frames: dict[str, pd.DataFrame],
    connection: duckdb.DuckDBPyConnection | None,
) -> None:
    """Tell the active lineage tracker, if any, where the query's columns came from.

    Never fails a query DuckDB ran: when the lineage cannot be read, the tracker hears
    that the result's columns are of unknown origin, and why.
    """
    from pipelinekit.lineage import capture

    tracker = capture.active()
    if tracker is None:
        return
    from pipelinekit.lineage.sql_lineage import sql_lineage, writes_table

    try:
        step = sql_lineage(
            query,
            schema={name: list(frame.columns) for name, frame in frames.items()},
            connection=connection,
        )
    except Exception as error:  # any failure: lineage is a by-product, the query ran
        tracker.unknown(result, frames, reason=str(error))
        return
    if writes_table(query):
        tracker.record(step)  # the datasets are the tables the statement names
    else:
        tracker.derive(result, step, frames)  # the result frame gets provenance


_local = threading.local()


def _database() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB; each :func:`sql` call takes a cursor (5x cheaper
    than a new connection, and just as isolated for registered frames)."""
    if not hasattr(_local, "database"):
        _local.database = duckdb.connect()
    return _local.database


@lru_cache(maxsize=1)
def keywords() -> frozenset[str]:
    """DuckDB's keywords that cannot stand unquoted as a column name (lower case)."""
    query = (
        "SELECT lower(keyword_name) FROM duckdb_keywords() WHERE keyword_category <> 'unreserved'"
    )
    with duckdb.connect() as connection:
        return frozenset(row[0] for row in connection.sql(query).fetchall())
