"""Metadata extracted from the data itself: a DataFrame or a DuckDB table.

For each column: its type (the source's own name and a :mod:`family
<pipelinekit.catalog.families>`), how many values are present, the share of nulls, the
number of distinct values (exact), the smallest and largest value and a few example
values (the most frequent, ties broken by value, so the same data always gives the
same examples).

All of it comes from **one DuckDB query per table**. The query groups each column once
(``value, count(*)``) in a materialised CTE, then reads the distinct count, the minimum,
the maximum, the non-null count and the most frequent values from that small grouped
table. A pandas frame is scanned in place: DuckDB reads its arrays without copying.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"channel": ["web", "app", "web", None], "amount": [5, 7, 5, 9]})
>>> meta = extract_frame(frame)
>>> meta.rows
4
>>> meta.columns[["column", "type", "family", "null_share", "distinct", "min", "max"]]
    column type   family  null_share  distinct  min  max
0  channel  str   string        0.25         2  app  web
1   amount  int64  integer        0.00         3    5    9
>>> meta.columns.examples.tolist()
[('web', 'app'), (5, 7, 9)]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pandas as pd

from pipelinekit.catalog.families import type_family
from pipelinekit.errors import InvalidValueError, PipelinekitError, UnknownNameError

__all__ = [
    "COLUMN_FIELDS",
    "EXAMPLES",
    "TableMetadata",
    "column_frame",
    "duckdb_columns",
    "extract_duckdb",
    "extract_frame",
    "profile_query",
    "quote",
    "scannable",
    "unknown_table",
]

#: How many example values a column shows.
EXAMPLES = 3

#: The columns of :attr:`TableMetadata.columns`, in order.
COLUMN_FIELDS = [
    "column",
    "type",
    "family",
    "non_null",
    "null_share",
    "distinct",
    "min",
    "max",
    "examples",
]


@dataclasses.dataclass(frozen=True)
class TableMetadata:
    """What the data says about one table.

    Parameters
    ----------
    source : str
        Where it was read ("pandas DataFrame", "DuckDB table main.orders", ...).
    rows : int
        The number of rows.
    columns : DataFrame
        One row per column, in the table's order, with :data:`COLUMN_FIELDS`:
        ``type`` (the source's name), ``family``, ``non_null`` (values present),
        ``null_share`` (0 to 1; NaN for an empty table), ``distinct`` (exact count of
        distinct non-null values), ``min``, ``max`` and ``examples`` (a tuple of the
        most frequent values). Columns of family ``"other"`` (lists, JSON, ...) have
        only the counts of values and nulls.
    primary_key : tuple of str
        Primary-key columns the source declares (a DataFrame declares none).
    foreign_keys : dict of str to str
        Declared foreign keys, column to ``"table.column"``.
    """

    source: str
    rows: int
    columns: pd.DataFrame
    primary_key: tuple[str, ...] = ()
    foreign_keys: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        """The columns' names, in order."""
        return self.columns["column"].tolist()


def scannable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as DuckDB scans it: column labels as text, a default index.

    Raises
    ------
    InvalidValueError
        Two columns with the same name (DuckDB could not tell them apart).

    Examples
    --------
    >>> scannable(pd.DataFrame({1: [5]}, index=[9])).columns.tolist()
    ['1']
    >>> scannable(pd.DataFrame([[1, 2]], columns=["a", "a"]))
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: The frame has more than one column named 'a'; ...
    """
    names = [str(label) for label in frame.columns]
    doubled = sorted({name for name in names if names.count(name) > 1})
    if doubled:
        raise InvalidValueError(
            f"The frame has more than one column named {', '.join(map(repr, doubled))}",
            "unique column names",
            "rename them, e.g. frame.columns = [...]",
        )
    return frame.set_axis(names, axis=1).reset_index(drop=True)


def extract_frame(frame: pd.DataFrame, *, source: str = "pandas DataFrame") -> TableMetadata:
    """Metadata of a pandas DataFrame (its index is not a column and is left out).

    ``type`` is the pandas dtype (``int64``, ``str``, ``category``, ...); values are
    computed by DuckDB, which sees NaN in a float column as null, as pandas does.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"size": pd.Categorical(["M", "S", "M"], ["S", "M", "L"])})
    >>> extract_frame(frame).columns.loc[0, ["type", "family", "examples"]].tolist()
    ['category', 'category', ('M', 'S')]
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidValueError(
            f"The table given is of type {type(frame).__name__}",
            "a pandas DataFrame",
            "a Series becomes a table with .to_frame()",
        )
    scanned = scannable(frame)
    with duckdb.connect() as connection:
        connection.register("frame", scanned)
        found = connection.execute("DESCRIBE frame").fetchall()
        columns = []
        for (name, duck_type, *_), dtype in zip(found, scanned.dtypes, strict=True):
            family = type_family(str(dtype))
            if family == "other":  # an object column: DuckDB knows what it holds
                family = type_family(duck_type)
            columns.append((name, str(dtype), family))
        return _profile(connection, "frame", columns, source=source)


def extract_duckdb(
    connection: duckdb.DuckDBPyConnection, table: str, *, schema: str | None = None
) -> TableMetadata:
    """Metadata of a table (or view) in a DuckDB database, with its declared keys.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, note VARCHAR)")
    >>> _ = con.execute("INSERT INTO t VALUES (1, 'a'), (2, NULL)")
    >>> meta = extract_duckdb(con, "t")
    >>> meta.source, meta.primary_key, meta.columns["type"].tolist()
    ('DuckDB table main.t', ('id',), ['INTEGER', 'VARCHAR'])
    >>> extract_duckdb(con, "tt")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.UnknownNameError: Unknown DuckDB table 'tt'; expected one of 't'...
    """
    schema, found = duckdb_columns(connection, table, schema=schema)
    columns = [(name, duck_type, type_family(duck_type)) for name, duck_type in found]
    relation = f"{quote(schema)}.{quote(table)}"
    metadata = _profile(connection, relation, columns, source=f"DuckDB table {schema}.{table}")
    primary_key: tuple[str, ...] = ()
    foreign_keys: dict[str, str] = {}
    constraints = connection.execute(
        "SELECT constraint_type, constraint_column_names, referenced_table,"
        " referenced_column_names FROM duckdb_constraints()"
        " WHERE schema_name = ? AND table_name = ?"
        " AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY') ORDER BY constraint_index",
        [schema, table],
    ).fetchall()
    for kind, own, parent, referenced in constraints:
        if kind == "PRIMARY KEY":
            primary_key = tuple(own)
        else:
            foreign_keys[", ".join(own)] = f"{parent}.{', '.join(referenced)}"
    return dataclasses.replace(metadata, primary_key=primary_key, foreign_keys=foreign_keys)


def quote(name: str) -> str:
    """A name as a DuckDB identifier, always in double quotes.

    Examples
    --------
    >>> print(quote("order total"), quote('the "x" column'))
    "order total" "the ""x"" column"
    """
    return '"' + name.replace('"', '""') + '"'


def profile_query(source: str, columns: Sequence[tuple[str, str, str]]) -> str:
    """The one DuckDB query that profiles every column of ``source``.

    ``columns`` are ``(name, type, family)``. Categories (DuckDB ENUMs) are read as text,
    so their minimum is the first in alphabetical order, as in a SQL database, rather than
    the first category.

    Examples
    --------
    >>> print(profile_query("t", [("x", "BIGINT", "integer")]))
    WITH g0 AS MATERIALIZED (
      SELECT "x" AS v, count(*) AS n FROM t WHERE "x" IS NOT NULL GROUP BY ALL
    )
    SELECT
      (SELECT count(*) FROM t),
      (SELECT (sum(n), count(*), min(v), max(v)) FROM g0),
      (SELECT list(v) FROM (SELECT v FROM g0 ORDER BY n DESC, v LIMIT 3))
    """
    groups, selected = [], ["(SELECT count(*) FROM " + source + ")"]
    for i, (name, _, family) in enumerate(columns):
        column = quote(name)
        if family == "other":
            selected.append(f"(SELECT (count({column}), NULL, NULL, NULL) FROM {source})")
            selected.append("NULL")
            continue
        value = f"{column}::VARCHAR" if family == "category" else column
        groups.append(
            f"g{i} AS MATERIALIZED (\n  SELECT {value} AS v, count(*) AS n FROM {source}"
            f" WHERE {column} IS NOT NULL GROUP BY ALL\n)"
        )
        selected.append(f"(SELECT (sum(n), count(*), min(v), max(v)) FROM g{i})")
        selected.append(
            f"(SELECT list(v) FROM (SELECT v FROM g{i} ORDER BY n DESC, v LIMIT {EXAMPLES}))"
        )
    with_clause = f"WITH {', '.join(groups)}\n" if groups else ""
    return with_clause + "SELECT\n  " + ",\n  ".join(selected)


def column_frame(rows: int, profiles: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The :attr:`TableMetadata.columns` frame from one mapping per column.

    Each mapping has ``column``, ``type``, ``family``, ``non_null`` and, unless the
    family is ``"other"``, ``distinct``, ``min``, ``max`` and ``examples``.

    Examples
    --------
    >>> column_frame(2, [{"column": "x", "type": "BIGINT", "family": "integer",
    ...                   "non_null": 1, "distinct": 1, "min": 3, "max": 3, "examples": [3]}])
      column    type   family  non_null  null_share  distinct min max examples
    0      x  BIGINT  integer         1         0.5         1   3   3     (3,)
    """
    records = []
    for profile in profiles:
        non_null = int(profile["non_null"] or 0)
        records.append(
            {
                "column": str(profile["column"]),
                "type": str(profile["type"]),
                "family": str(profile["family"]),
                "non_null": non_null,
                "null_share": (rows - non_null) / rows if rows else float("nan"),
                "distinct": profile.get("distinct"),
                "min": profile.get("min"),
                "max": profile.get("max"),
                "examples": tuple(profile.get("examples") or ()),
            }
        )
    dtypes = {
        "column": "str",
        "type": "str",
        "family": "str",
        "non_null": "int64",
        "null_share": "float64",
        "distinct": "Int64",
        "min": "object",  # values keep their own type: 1 stays 1 next to 9.5
        "max": "object",
        "examples": "object",
    }
    return pd.DataFrame(
        {
            field: pd.Series([record[field] for record in records], dtype=dtype)
            for field, dtype in dtypes.items()
        }
    )


def _profile(
    connection: duckdb.DuckDBPyConnection,
    relation: str,
    columns: Sequence[tuple[str, str, str]],
    *,
    source: str,
) -> TableMetadata:
    """Run :func:`profile_query` on ``relation`` and shape the answer."""
    try:
        answer = connection.execute(profile_query(relation, columns)).fetchall()[0]
    except duckdb.Error as error:
        raise PipelinekitError(
            f"DuckDB could not profile the {source}: {str(error).splitlines()[0]}",
            "columns DuckDB can group, count and compare",
            "convert unusual columns first (e.g. frame.astype({'col': 'str'}))",
        ) from error
    rows = int(answer[0])
    profiles = []
    for i, (name, type_name, family) in enumerate(columns):
        non_null, distinct, low, high = answer[1 + 2 * i]
        examples = answer[2 + 2 * i]
        profiles.append(
            {
                "column": name,
                "type": type_name,
                "family": family,
                "non_null": non_null,
                "distinct": distinct,
                "min": low,
                "max": high,
                "examples": examples,
            }
        )
    return TableMetadata(source, rows, column_frame(rows, profiles))


def duckdb_columns(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    *,
    schema: str | None = None,
    another: str = "pass schema= for another one",
) -> tuple[str, list[tuple[str, str]]]:
    """The schema and the ``(column, DuckDB type)`` pairs of a table, in their order.

    Raises :class:`~pipelinekit.errors.UnknownNameError` naming the tables of the schema
    when there is no such table; ``another`` says how the caller names another schema.
    The catalog and the profiler both read tables this way.
    """
    schema = schema or connection.execute("SELECT current_schema()").fetchall()[0][0]
    found = connection.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    if not found:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
            " ORDER BY table_name",
            [schema],
        ).fetchall()
        names = [name for (name,) in tables]
        raise unknown_table(table, names, kind="DuckDB table", schema=schema, another=another)
    return schema, [(name, duck_type) for name, duck_type in found]


def unknown_table(
    table: str,
    names: list[str],
    *,
    kind: str,
    schema: str,
    another: str = "write 'schema.table' for another",
) -> UnknownNameError:
    """The error for a table that is not there, naming the tables that are.

    Examples
    --------
    >>> print(unknown_table("ordrs", ["orders"], kind="table", schema="main"))
    Unknown table 'ordrs'; expected one of 'orders'.
    <BLANKLINE>
    Hint: did you mean 'orders'?
    >>> unknown_table("orders", [], kind="table", schema="x").expected
    "a table of schema 'x', which has none"
    """
    if not names:
        return UnknownNameError(
            f"Unknown {kind} '{table}'",
            f"a table of schema '{schema}', which has none",
            f"there are no tables of schema '{schema}'; {another}, or create the table first",
        )
    return UnknownNameError.for_name(
        table, names, kind=kind, hint=f"these are the tables of schema '{schema}'; {another}"
    )
