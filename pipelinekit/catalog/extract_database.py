"""Metadata of a table in any database SQLAlchemy speaks to (PostgreSQL, SQLite, ...).

``sqlalchemy.inspect`` gives the columns, their types and the declared primary and
foreign keys. The values come from **one aggregate query** in portable SQL::

    SELECT count(*), count(c), count(DISTINCT c), min(c), max(c), ... FROM table

and, per column, a small ``GROUP BY c ORDER BY count(*) DESC, c LIMIT 3`` for the
example values. The answers are the ones :func:`~pipelinekit.catalog.extract.extract_frame`
gives for the same data: strings compare byte by byte in PostgreSQL (``COLLATE "C"``),
as in pandas and DuckDB, booleans are compared as 0 and 1, and categories (enums) as
text.

Examples
--------
>>> import sqlalchemy as sa
>>> engine = sa.create_engine("sqlite://")
>>> with engine.begin() as connection:
...     _ = connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, city TEXT)")
...     _ = connection.exec_driver_sql("INSERT INTO t VALUES (1, 'Lyon'), (2, 'Bonn'), (3, NULL)")
>>> meta = extract_database(engine, "t")
>>> meta.source, meta.rows, meta.primary_key
('sqlite table main.t', 3, ('id',))
>>> meta.columns[["column", "type", "family", "null_share", "distinct", "min", "max"]]
  column     type   family  null_share  distinct   min   max
0     id  INTEGER  integer    0.000000         3     1     3
1   city     TEXT   string    0.333333         2  Bonn  Lyon
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from pipelinekit.catalog.extract import EXAMPLES, TableMetadata, column_frame
from pipelinekit.catalog.families import sqlalchemy_family
from pipelinekit.config import redact
from pipelinekit.errors import InvalidValueError, PipelinekitError, UnknownNameError, format_message

__all__ = ["DatabaseUnreachableError", "connect", "extract_database"]


class DatabaseUnreachableError(PipelinekitError, ConnectionError):
    """A database that does not answer (not running, wrong address, wrong password)."""

    def __str__(self) -> str:  # ConnectionError would otherwise format its own message
        return format_message(self.found, self.expected, self.hint)


def address(engine: sa.Engine) -> str:
    """The engine's URL with its password hidden, safe to print."""
    return redact(engine.url.render_as_string(hide_password=False))


@contextmanager
def connect(database: sa.Engine | str) -> Iterator[sa.Connection]:
    """A connection to ``database`` (an Engine or a URL), with errors that say what to do.

    An engine made here from a URL is disposed of on the way out; an Engine passed in is
    left as it was.

    Examples
    --------
    >>> with connect("sqlite://") as connection:
    ...     connection.exec_driver_sql("SELECT 1").scalar()
    1
    >>> with connect("postgresql+psycopg://learner:secret@127.0.0.1:1/shop") as connection:
    ...     pass
    Traceback (most recent call last):
    ...
    pipelinekit.catalog.extract_database.DatabaseUnreachableError: Cannot reach the database at
    postgresql+psycopg://learner:***@127.0.0.1:1/shop (...
    """
    engine = _engine(database) if isinstance(database, str) else database
    if not isinstance(engine, sa.Engine):
        raise InvalidValueError(
            f"The database given is of type {type(database).__name__}",
            "a SQLAlchemy Engine or a URL such as 'postgresql+psycopg://user@host:5432/db'",
            "make one with sqlalchemy.create_engine(url), or pass the URL itself",
        )
    try:
        try:
            connection = engine.connect()
        except sa.exc.DBAPIError as error:
            reason = str(error.orig or error).strip().splitlines()[0]
            raise DatabaseUnreachableError(
                f"Cannot reach the database at {address(engine)} ({reason})",
                "a running server that accepts this address and its credentials",
                "start the server, or check host, port, user and password in the URL",
            ) from error
        with connection:
            yield connection
    finally:
        if engine is not database:
            engine.dispose()


def _engine(url: str) -> sa.Engine:
    shown = redact(url)
    try:
        return sa.create_engine(url)
    except sa.exc.NoSuchModuleError as error:
        raise InvalidValueError(
            f"The database URL {shown!r} names a kind of database SQLAlchemy does not know",
            "a URL such as 'postgresql+psycopg://user@host:5432/db' or 'sqlite:///file.db'",
            "check the part before '://'",
        ) from error
    except sa.exc.ArgumentError as error:
        raise InvalidValueError(
            f"The database URL {shown!r} cannot be read",
            "a URL such as 'postgresql+psycopg://user@host:5432/db'",
            "check its spelling; pipelinekit.config.service_url('postgres') gives the course's",
        ) from error
    except ImportError as error:
        raise PipelinekitError(
            f"The driver for {shown} is not installed ({error})",
            "the Python package SQLAlchemy needs for this database",
            "for PostgreSQL: pip install 'pipelinekit[postgres]'",
        ) from error


def extract_database(
    database: sa.Engine | str, table: str, *, schema: str | None = None
) -> TableMetadata:
    """Metadata of ``table`` in a SQLAlchemy database, with its declared keys.

    Parameters
    ----------
    database : Engine or str
        A SQLAlchemy Engine, or its URL (the engine is then made and disposed of here).
    table : str
        The table (or view) name.
    schema : str, optional
        Its schema; the database's default schema when not given.

    Raises
    ------
    UnknownNameError
        When the table does not exist (with the nearest names).
    DatabaseUnreachableError
        When the database does not answer.
    """
    with connect(database) as connection:
        inspector = sa.inspect(connection)
        schema = schema or inspector.default_schema_name
        if not inspector.has_table(table, schema=schema):
            names = sorted(
                inspector.get_table_names(schema=schema) + inspector.get_view_names(schema=schema)
            )
            raise UnknownNameError.for_name(
                table,
                names,
                kind=f"{connection.dialect.name} table",
                hint=f"these are the tables of schema '{schema}'; pass schema= for another one",
            )
        described = inspector.get_columns(table, schema=schema)
        columns = [
            (c["name"], _type_name(c["type"], connection.dialect), sqlalchemy_family(c["type"]))
            for c in described
        ]
        relation = sa.table(table, *(sa.column(name) for name, _, _ in columns), schema=schema)
        profiles = _profiles(connection, relation, columns)
        primary_key = tuple(
            inspector.get_pk_constraint(table, schema=schema).get("constrained_columns") or ()
        )
        foreign_keys = {
            ", ".join(key["constrained_columns"]): (
                f"{key['referred_table']}.{', '.join(key['referred_columns'])}"
            )
            for key in inspector.get_foreign_keys(table, schema=schema)
        }
    rows = profiles.pop()["rows"]
    return TableMetadata(
        f"{connection.dialect.name} table {schema}.{table}",
        rows,
        column_frame(rows, profiles),
        primary_key=primary_key,
        foreign_keys=foreign_keys,
    )


def _type_name(sql_type: sa.types.TypeEngine, dialect: sa.Dialect) -> str:
    try:
        return str(sql_type.compile(dialect=dialect))
    except sa.exc.SQLAlchemyError:
        return str(type(sql_type).__name__).upper()


def _profiles(
    connection: sa.Connection, relation: Any, columns: Sequence[tuple[str, str, str]]
) -> list[dict[str, Any]]:
    """One aggregate query for every column, then the example values column by column.

    Returns one mapping per column and, last, ``{"rows": n}``.
    """
    measures: list[Any] = [sa.func.count()]
    values = {}
    for name, _, family in columns:
        column = relation.c[name]
        measures.append(sa.func.count(column))
        if family == "other":
            continue
        value = _comparable(column, family, connection.dialect.name)
        values[name] = value
        measures += [sa.func.count(sa.distinct(column)), sa.func.min(value), sa.func.max(value)]
    answer = iter(connection.execute(sa.select(*measures).select_from(relation)).one())
    rows = int(next(answer))
    profiles: list[dict[str, Any]] = []
    for name, type_name, family in columns:
        profile: dict[str, Any] = {
            "column": name,
            "type": type_name,
            "family": family,
            "non_null": next(answer),
        }
        if name in values:
            profile["distinct"], low, high = next(answer), next(answer), next(answer)
            profile["min"], profile["max"] = _plain(low, family), _plain(high, family)
            profile["examples"] = _examples(connection, relation, name, values[name], family)
        profiles.append(profile)
    return [*profiles, {"rows": rows}]


def _comparable(column: Any, family: str, dialect: str) -> Any:
    """The expression whose min, max and order match pandas and DuckDB."""
    if family == "boolean":  # min(boolean) is not portable SQL; 0 and 1 are
        return sa.cast(column, sa.Integer)
    if family == "category":  # an enum orders by its labels' order; compare the text
        column = sa.cast(column, sa.String)
    if family in ("string", "category") and dialect == "postgresql":
        return sa.collate(column, "C")  # byte order, as in pandas and DuckDB
    return column


def _examples(connection: sa.Connection, relation: Any, name: str, value: Any, family: str):
    """The most frequent values of one column, ties broken by value."""
    query = (
        sa.select(value)
        .select_from(relation)
        .where(relation.c[name].is_not(None))
        .group_by(value)
        .order_by(sa.func.count().desc(), value)
        .limit(EXAMPLES)
    )
    return tuple(_plain(v, family) for v in connection.execute(query).scalars())


def _plain(value: Any, family: str) -> Any:
    """Booleans come back as 0 and 1 from :func:`_comparable`; make them booleans again."""
    if family == "boolean" and value is not None:
        return bool(value)
    return value
