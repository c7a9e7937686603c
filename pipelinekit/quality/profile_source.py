"""Where a profile reads its table: a DataFrame, a DuckDB table, a Parquet file, a database.

:func:`open_source` turns what the learner passes to :func:`~pipelinekit.quality.profile`
into a :class:`Source`: the SQL dialect to write, the table as SQL, its columns with
their type families, and a function that runs a query. Nothing is copied:

* a pandas DataFrame is registered in a fresh in-memory DuckDB database, which scans its
  arrays in place;
* a Parquet file is read by DuckDB's ``read_parquet`` as the query runs, never loaded
  into pandas;
* a DuckDB table is queried on the connection given;
* a table in PostgreSQL is queried there with portable SQL, through SQLAlchemy. Tables in
  other SQLAlchemy databases (SQLite, ...) are read into a DataFrame first.

Examples
--------
>>> import pandas as pd
>>> with open_source(pd.DataFrame({"a": [1, 2]}), connection=None, name=None) as source:
...     source.dialect, source.relation, source.columns[0].family
('duckdb', 'frame', 'integer')
>>> with open_source([1, 2], connection=None, name=None) as source:
...     pass
Traceback (most recent call last):
...
pipelinekit.errors.InvalidValueError: The table to profile is of type list; ...
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import sqlalchemy as sa

from pipelinekit.catalog.extract import duckdb_columns, scannable, unknown_table
from pipelinekit.catalog.extract_database import connect
from pipelinekit.catalog.families import sqlalchemy_family, type_family
from pipelinekit.errors import InvalidValueError, PipelinekitError
from pipelinekit.quality.profile_sql import ColumnSpec, Dialect, quote

__all__ = ["Source", "open_source"]

Fetch = Callable[[str, Sequence[object]], list[tuple[Any, ...]]]
Fork = Callable[[], AbstractContextManager[Fetch]]


@dataclasses.dataclass(frozen=True)
class Source:
    """A table ready to be profiled.

    Parameters
    ----------
    dialect : {"duckdb", "postgresql"}
        The SQL the table understands.
    relation : str
        The table as SQL, to write after ``FROM``.
    columns : list of ColumnSpec
        Its columns, in order.
    label : str
        Where it was read, for people ("pandas DataFrame", "Parquet file orders.parquet").
    name : str or None
        The table's name.
    fetch : callable
        ``fetch(sql, params)`` runs a query and returns its rows.
    fork : callable or None
        ``with fork() as fetch:`` gives a ``fetch`` on a second connection to the same
        table, whose queries may run while ``fetch`` runs another (from another thread);
        None where the table is reachable from one connection only.
    rows : int or None
        The number of rows, when known without a query (a DataFrame's length).
    """

    dialect: Dialect
    relation: str
    columns: list[ColumnSpec]
    label: str
    name: str | None
    fetch: Fetch
    fork: Fork | None = None
    rows: int | None = None


@contextmanager
def open_source(source: object, *, connection: object, name: str | None) -> Iterator[Source]:
    """Open ``source`` for profiling (see the module's docstring for what it may be)."""
    if isinstance(source, pd.DataFrame):
        with _frame(source, name=name) as opened:
            yield opened
    elif _is_parquet(source):
        with _parquet(Path(str(source)), name=name) as opened:
            yield opened
    elif isinstance(source, str | sa.Table) and connection is not None:
        table = source.name if isinstance(source, sa.Table) else source
        schema = source.schema if isinstance(source, sa.Table) else None
        if isinstance(connection, duckdb.DuckDBPyConnection):
            with _without_progress_bar(connection):
                yield _duckdb_table(connection, table, schema=schema, name=name)
        elif isinstance(connection, sa.Engine | str):
            with _database(connection, table, schema=schema, name=name) as opened:
                yield opened
        else:
            raise InvalidValueError(
                f"The connection given is of type {type(connection).__name__}",
                "a DuckDB connection, a SQLAlchemy Engine or a database URL",
                "duckdb.connect(...) or sqlalchemy.create_engine(url)",
            )
    elif isinstance(source, str | Path):
        raise InvalidValueError(
            f"The table name {str(source)!r} came without connection=",
            "a DataFrame, a path ending in .parquet, or a table name with connection=",
            "pass connection=duckdb_connection (or a SQLAlchemy Engine or URL)",
        )
    else:
        hint = "a Series becomes a table with .to_frame()"
        if not isinstance(source, pd.Series):
            hint = "pass a DataFrame, a Parquet path, or a table name with connection="
        raise InvalidValueError(
            f"The table to profile is of type {type(source).__name__}",
            "a pandas DataFrame, a Parquet path, or a table name with connection=",
            hint,
        )


def _is_parquet(source: object) -> bool:
    """A path ending in .parquet is a file (whatever connection= says)."""
    return isinstance(source, str | Path) and str(source).lower().endswith(".parquet")


@contextmanager
def _without_progress_bar(connection: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """No progress bar on the learner's connection while profiling (it is restored)."""
    found = connection.execute("SELECT current_setting('enable_progress_bar')").fetchall()
    connection.execute("SET enable_progress_bar = false")
    try:
        yield
    finally:
        connection.execute(f"SET enable_progress_bar = {'true' if found[0][0] else 'false'}")


# the profiler's in-memory database, by the process that made it
_DATABASE: dict[int, duckdb.DuckDBPyConnection] = {}
_DATABASE_LOCK = threading.Lock()


def _connect() -> duckdb.DuckDBPyConnection:
    """A new connection to the profiler's own in-memory DuckDB database, made once per
    process (making a database takes longer than many a profile's queries; a forked
    process makes its own). What a connection registers (a DataFrame) or creates as
    temporary is seen by it alone, and goes when it is closed."""
    with _DATABASE_LOCK:
        if os.getpid() not in _DATABASE:
            _DATABASE[os.getpid()] = duckdb.connect()
        return _quiet(_DATABASE[os.getpid()].cursor())


def _close_database() -> None:
    """Before the process forks: close the profiler's database, which the child could
    neither use nor close (DuckDB's threads are not copied); it is made anew when needed.
    Should another thread be connecting just then, the child leaves the database alone."""
    if _DATABASE_LOCK.acquire(blocking=False):
        try:
            for connection in _DATABASE.values():
                connection.close()
            _DATABASE.clear()
        finally:
            _DATABASE_LOCK.release()


os.register_at_fork(before=_close_database)


def _quiet(connection: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A connection of the profiler's own: no progress bar, in a notebook or elsewhere."""
    connection.execute("SET enable_progress_bar = false")
    return connection


def _duckdb_fetch(connection: duckdb.DuckDBPyConnection) -> Fetch:
    def fetch(sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return connection.execute(sql, list(params) or None).fetchall()

    return fetch


def _describe(connection: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [
        (row[0], row[1])
        for row in connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    ]


@contextmanager
def _frame(frame: pd.DataFrame, *, name: str | None) -> Iterator[Source]:
    scanned = scannable(frame)
    names = list(scanned.columns)
    with _connect() as connection:
        columns = []
        if names:
            connection.register("frame", scanned)
            found = _describe(connection, "frame")
            for (column, duck_type), dtype in zip(found, scanned.dtypes, strict=True):
                family = type_family(str(dtype))
                if family == "other":  # an object column: DuckDB knows what it holds
                    family = type_family(duck_type)
                columns.append(ColumnSpec(column, str(dtype), family))
        else:  # DuckDB cannot scan a frame without columns; count its rows alone
            connection.execute(
                f"CREATE TEMPORARY VIEW frame AS SELECT * FROM range({len(scanned)})"
            )

        @contextmanager
        def fork() -> Iterator[Fetch]:
            with _quiet(connection.cursor()) as cursor:
                if names:  # a registered frame is seen by its own connection only
                    cursor.register("frame", scanned)
                yield _duckdb_fetch(cursor)

        yield Source(
            "duckdb",
            "frame",
            columns,
            "pandas DataFrame",
            name,
            _duckdb_fetch(connection),
            fork,
            len(scanned),
        )


@contextmanager
def _parquet(path: Path, *, name: str | None) -> Iterator[Source]:
    if "*" not in str(path) and not path.is_file():
        raise InvalidValueError(
            f"No Parquet file at {str(path)!r}",
            "the path of an existing .parquet file",
            "check the path; frame.to_parquet(path) writes one",
        )
    relation = "read_parquet('" + str(path).replace("'", "''") + "')"
    with _connect() as connection:
        try:
            found = _describe(connection, relation)
        except duckdb.Error as error:
            raise InvalidValueError(
                f"DuckDB cannot read {str(path)!r} as Parquet ({str(error).splitlines()[0]})",
                "a Parquet file",
                "check that the file was written completely, e.g. with frame.to_parquet(path)",
            ) from error
        columns = [ColumnSpec(column, t, type_family(t)) for column, t in found]

        @contextmanager
        def fork() -> Iterator[Fetch]:
            with _quiet(connection.cursor()) as cursor:
                yield _duckdb_fetch(cursor)

        yield Source(
            "duckdb",
            relation,
            columns,
            f"Parquet file {path.name}",
            name or path.name.split(".")[0],
            _duckdb_fetch(connection),
            fork,
        )


def _duckdb_table(
    connection: duckdb.DuckDBPyConnection, table: str, *, schema: str | None, name: str | None
) -> Source:
    if schema is None and "." in table:
        schema, table = table.split(".", 1)
    schema, found = duckdb_columns(
        connection, table, schema=schema, another="write 'schema.table' for another"
    )
    columns = [ColumnSpec(c, t, type_family(t)) for c, t in found]
    return Source(
        "duckdb",
        f"{quote(schema)}.{quote(table)}",
        columns,
        f"DuckDB table {schema}.{table}",
        name or table,
        _duckdb_fetch(connection),
    )


@contextmanager
def _database(
    database: sa.Engine | str, table: str, *, schema: str | None, name: str | None
) -> Iterator[Source]:
    with connect(database) as connection:
        inspector = sa.inspect(connection)
        if schema is None and "." in table and not inspector.has_table(table):
            schema, table = table.split(".", 1)
        schema = schema or inspector.default_schema_name
        if not inspector.has_table(table, schema=schema):
            names = sorted(
                inspector.get_table_names(schema=schema) + inspector.get_view_names(schema=schema)
            )
            kind = f"{connection.dialect.name} table"
            raise unknown_table(table, names, kind=kind, schema=str(schema))
        dialect = connection.dialect.name
        label = f"{dialect} table {schema}.{table}"
        if dialect != "postgresql":  # no portable regex or percentile: profile a copy
            frame = pd.read_sql_table(table, connection, schema=schema)
            with _frame(frame, name=name or table) as opened:
                yield dataclasses.replace(opened, label=f"{label} (read into pandas)")
            return
        columns = [
            ColumnSpec(
                c["name"], _type_name(c["type"], connection.dialect), sqlalchemy_family(c["type"])
            )
            for c in inspector.get_columns(table, schema=schema)
        ]

        def fetch(sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
            try:
                # the driver reads % as the start of a placeholder: double it
                escaped = sql.replace("%", "%%")
                return [tuple(row) for row in connection.exec_driver_sql(escaped).fetchall()]
            except sa.exc.DBAPIError as error:
                connection.rollback()
                reason = str(error.orig or error).strip().splitlines()[0]
                raise PipelinekitError(
                    f"PostgreSQL could not profile {label}: {reason}",
                    "columns PostgreSQL can count, compare and group",
                    "profile a query of the usable columns instead",
                ) from error

        yield Source(
            "postgresql",
            f"{quote(str(schema))}.{quote(table)}",
            columns,
            label,
            name or table,
            fetch,
        )


def _type_name(sql_type: sa.types.TypeEngine, dialect: sa.Dialect) -> str:
    try:
        return str(sql_type.compile(dialect=dialect))
    except sa.exc.SQLAlchemyError:
        return type(sql_type).__name__.upper()
