"""The SQL twin of a transform: the DuckDB query that computes the same result.

Transforms that *add columns* (window functions, date parts, encodings) are written as
``SELECT *, <expression> AS <name> FROM input``: :func:`add_columns_sql` writes that
text (what ``transform.sql(...)`` shows a learner) and :func:`run_add_columns` runs it
over the frame and gives the rows back in the frame's own order and index — the same
shape as the pandas path, so the two can be compared cell by cell.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"x": [3, 1, 2]}, index=[10, 11, 12])
>>> query = add_columns_sql({"x_rank": "rank() OVER (ORDER BY x ASC NULLS LAST)"})
>>> print(query)
SELECT *,
  rank() OVER (ORDER BY x ASC NULLS LAST) AS x_rank
FROM input
>>> run_add_columns(frame, query)
    x  x_rank
10  3       3
11  1       1
12  2       2
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError, format_list
from pipelinekit.transforms.sql import quote, sql

__all__ = [
    "TABLE",
    "Engine",
    "add_columns_sql",
    "check_engine",
    "require_new_columns",
    "run_add_columns",
    "run_new_columns",
]

#: The name the input frame has in a transform's SQL twin.
TABLE = "input"
Engine = Literal["pandas", "duckdb"]
_ROW = "__pk_row"


def add_columns_sql(expressions: Mapping[str, str], *, table: str = TABLE) -> str:
    """``SELECT *, expr AS name, ... FROM table``, one expression a line."""
    lines = [f"  {expression} AS {quote(name)}" for name, expression in expressions.items()]
    return "SELECT *,\n" + ",\n".join(lines) + f"\nFROM {table}"


def run_add_columns(frame: pd.DataFrame, query: str) -> pd.DataFrame:
    """Run an :func:`add_columns_sql` query; rows come back in ``frame``'s order and index.

    Only the added columns (and a row number) travel back from DuckDB; they are put in
    the frame's row order with a numpy scatter, not an SQL ``ORDER BY``, and the frame's
    own columns keep their exact pandas dtypes.
    """
    numbered = frame.reset_index(drop=True).assign(**{_ROW: np.arange(len(frame))})
    original = ", ".join(quote(str(column)) for column in frame.columns)
    only_added = f"SELECT * EXCLUDE ({original}) FROM ({query})" if original else query
    added = sql(only_added, **{TABLE: numbered})
    rows = added.pop(_ROW).to_numpy()
    position = np.empty(len(rows), dtype=np.int64)
    position[rows] = np.arange(len(rows))
    added = added.take(position)
    added.index = frame.index
    return pd.concat([frame, added], axis=1)


def check_engine(engine: str) -> None:
    """Fail clearly on an engine other than "pandas" or "duckdb"."""
    if engine not in ("pandas", "duckdb"):
        raise UnknownNameError.for_name(engine, ["pandas", "duckdb"], kind="engine")


def require_new_columns(frame: pd.DataFrame, names: list[str]) -> None:
    """Fail when a column a transform would add is already in ``frame``.

    ``SELECT *, expr AS name`` would give two columns called ``name``; pandas would
    overwrite silently. Neither is what a learner means, so both engines refuse.
    """
    taken = [name for name in names if name in frame.columns]
    if taken:
        raise InvalidValueError(
            f"Column {format_list(taken)} is already in the frame",
            "new names for the columns this transform adds",
            "pass name=... (or prefix=...), or drop the old columns first with "
            f"frame.drop(columns=[{', '.join(map(repr, taken))}])",
        )


def run_new_columns(frame: pd.DataFrame, query: str, dtypes: Mapping[str, str]) -> pd.DataFrame:
    """Run an :func:`add_columns_sql`-shaped query; give ``frame`` plus its new columns.

    Only the new columns come from DuckDB, cast to ``dtypes`` (the pandas path's), so
    the columns passed through keep their exact pandas dtypes (DuckDB would turn a
    categorical into an ordered ENUM, and its integer type depends on the NULLs).
    """
    result = run_add_columns(frame, query)
    out = frame.copy()
    for name, dtype in dtypes.items():
        out[name] = result[name].astype(dtype)
    return out
