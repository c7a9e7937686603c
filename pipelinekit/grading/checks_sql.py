"""Running a learner's SQL safely, for :func:`~pipelinekit.grading.checks.sql_equal`.

:func:`_run_select` runs one SELECT query in its own in-memory DuckDB that sees only the
tables given: no files, no extensions, no settings, no Python variables, one thread and
a memory limit; it is interrupted after a timeout. :data:`_SQL_HINTS` turns DuckDB's
kinds of error into advice for the learner.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.grading.checks_sql import _run_select
>>> orders = pd.DataFrame({"id": [1, 2, 3]})
>>> _run_select("SELECT count(*) AS n FROM orders", {"orders": orders}, 5.0, 10)
   n
0  3
>>> _run_select("DROP TABLE orders", {"orders": orders}, 5.0, 10)
Traceback (most recent call last):
...
pipelinekit.grading.checks_sql._QueryProblem: a DROP statement; expected a SELECT query
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import pandas as pd

_SQL_HINTS = {
    "ParserException": "a syntax error: look where DuckDB points (^) for a missing comma, "
    "an unclosed quote or bracket, or a misspelt keyword",
    "BinderException": "a column that is not known where it is used: check its name and "
    "table, and that every selected column is in GROUP BY or inside an aggregate",
    "ConversionException": "a value that cannot be converted: check CASTs and literals",
    "InterruptException": "the query ran too long: look for a join without a condition "
    "(every row times every row)",
    "OutOfMemoryException": "the query needs too much memory: look for a join without a "
    "condition (every row times every row)",
    "PermissionException": "files, extensions and settings are not available here: "
    "query the tables given",
}


class _QueryProblem(Exception):
    """The SQL is not one SELECT statement (a learner mistake, not DuckDB's)."""


def _run_select(
    sql: str, tables: Mapping[str, pd.DataFrame], timeout: float, max_rows: int
) -> pd.DataFrame:
    """Run one SELECT over ``tables`` in a locked-down in-memory DuckDB and fetch the result."""
    import duckdb

    statements = duckdb.extract_statements(sql)
    if len(statements) != 1:
        raise _QueryProblem(f"{len(statements)} statements; expected one SELECT query")
    if statements[0].type != duckdb.StatementType.SELECT:
        kind = statements[0].type.name
        raise _QueryProblem(f"a {kind} statement; expected a SELECT query")
    config: dict[str, str | bool | int | float | list[str]] = {
        "enable_external_access": False,
        "python_enable_replacements": False,  # no reading the grader's own variables
        "threads": 1,
        "memory_limit": "1GB",
    }
    with duckdb.connect(":memory:", config=config) as con:
        for table_name, frame in tables.items():
            con.register(table_name, frame)
        con.execute("SET lock_configuration = true")
        timer = threading.Timer(timeout, con.interrupt)
        timer.daemon = True
        timer.start()
        try:
            result = con.sql(sql).limit(max_rows + 1).df()
        finally:
            timer.cancel()
    if len(result) > max_rows:
        raise _QueryProblem(f"more than {max_rows:,} rows; a join without a condition?")
    return result
