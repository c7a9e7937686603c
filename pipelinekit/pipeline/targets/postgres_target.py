"""The PostgreSQL target: tables created from the frames' types and loaded with COPY.

The URL is SQLAlchemy's (``postgresql+psycopg://user:password@host:5432/db``, psycopg 3);
``?schema=marts`` picks the schema the tables go to (default: the server's current
schema, usually ``public``).

A load is ONE transaction on one connection:

1. a staging schema ``_pk_stage_<id>`` is created; each table is created there — with
   the types of :func:`postgres_type` for a new or replaced table, ``LIKE`` the existing
   table otherwise — and filled with ``COPY ... FROM STDIN (FORMAT csv)``, the CSV written
   by Arrow in C++ (3-4x faster here than psycopg's row-by-row ``write_row``, text or
   binary: see ``benchmarks/_pipeline_postgres.py``);
2. each table is swapped or merged:

   * ``replace``: ``DROP TABLE t`` then ``ALTER TABLE _pk_stage_<id>.t SET SCHEMA ...``;
   * ``append``: ``INSERT INTO t SELECT ... FROM`` the staged table;
   * ``merge``: ``INSERT ... ON CONFLICT (keys) DO UPDATE``, after making sure a unique
     index on the keys exists (it is created, named ``<table>_pk_key``, when none is);
   * ``incremental``: staged rows not newer than ``max(watermark)`` are deleted first;

3. the staging schema is dropped, the load logged in ``_pipelinekit_loads``, and the
   transaction committed.

PostgreSQL's DDL is transactional, so any error, Ctrl-C or lost connection rolls
everything back, staging schema included: the previous tables are intact.

Column types (:func:`postgres_type`)
-----------------------------------
=======================================  ==============================
pandas                                   PostgreSQL
=======================================  ==============================
bool, boolean                            BOOLEAN
int8, int16 (and Int8, Int16), uint8     SMALLINT
int32, Int32, uint16                     INTEGER
int64, Int64, uint32                     BIGINT
uint64                                   NUMERIC(20)
float32, Float32                         REAL
float64, Float64 (NaN stored as NULL)    DOUBLE PRECISION
datetime64                               TIMESTAMP
datetime64 with a time zone              TIMESTAMPTZ (read back in UTC)
datetime.date objects, date32[pyarrow]   DATE
decimal.Decimal objects                  NUMERIC
str, string, category, all-missing       TEXT
=======================================  ==============================

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"id": [1], "at": pd.to_datetime(["2024-05-01"], utc=True)})
>>> create_table_sql("orders", frame, schema="marts")
'CREATE TABLE "marts"."orders" ("id" BIGINT, "at" TIMESTAMPTZ)'
"""

from __future__ import annotations

import hashlib
import io
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import sqlalchemy as sa

from pipelinekit.config import redact
from pipelinekit.errors import InvalidValueError, PipelinekitError
from pipelinekit.pipeline.targets import (
    LOAD_LOG_TABLE,
    LoadMode,
    LoadResult,
    TableData,
    TargetBase,
    TargetError,
    _check_name,
    check_columns_match,
    prepare_load,
    read_frame,
    unknown_table,
)

__all__ = ["PostgresTarget", "create_table_sql", "postgres_type"]

STAGE_PREFIX = "_pk_stage_"
COPY_CHUNK_ROWS = 100_000  # rows per CSV chunk: one is written while the next is encoded

_SIGNED = {1: "SMALLINT", 2: "SMALLINT", 4: "INTEGER", 8: "BIGINT"}
_UNSIGNED = {1: "SMALLINT", 2: "INTEGER", 4: "BIGINT", 8: "NUMERIC(20)"}
_INFERRED = {  # pandas.api.types.infer_dtype of an object column
    "string": "TEXT",
    "empty": "TEXT",
    "boolean": "BOOLEAN",
    "integer": "BIGINT",
    "floating": "DOUBLE PRECISION",
    "mixed-integer-float": "DOUBLE PRECISION",
    "decimal": "NUMERIC",
    "date": "DATE",
}


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def postgres_type(series: pd.Series) -> str:
    """The PostgreSQL type a column is created with (see the table in the module docs).

    Raises
    ------
    InvalidValueError
        For a column PostgreSQL cannot take as it is (mixed values, timedeltas, bytes).

    Examples
    --------
    >>> postgres_type(pd.Series([1, 2], dtype="Int32"))
    'INTEGER'
    >>> postgres_type(pd.Series(["a", None]))
    'TEXT'
    >>> postgres_type(pd.Series([1, "a"], name="mixed"))
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: Column 'mixed' holds mixed-integer values...
    """
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype):
        return _arrow_type(dtype.pyarrow_dtype, series)
    if isinstance(dtype, pd.CategoricalDtype) or (
        pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype)
    ):
        return "TEXT"
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOLEAN"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "TIMESTAMPTZ"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "TIMESTAMP"
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        numpy = np.dtype(getattr(dtype, "numpy_dtype", dtype))
        if numpy.kind == "f":
            return "REAL" if numpy.itemsize == 4 else "DOUBLE PRECISION"
        return (_SIGNED if numpy.kind == "i" else _UNSIGNED)[numpy.itemsize]
    if pd.api.types.is_object_dtype(dtype):
        kind = pd.api.types.infer_dtype(series, skipna=True)
        if kind in _INFERRED:
            return _INFERRED[kind]
        if kind == "datetime":
            return _arrow_type(pa.array(series, from_pandas=True).type, series)
        raise _unsupported(series, f"{kind} values")
    raise _unsupported(series, f"values of type {dtype}")


def _arrow_type(arrow: pa.DataType, series: pd.Series) -> str:
    if pa.types.is_timestamp(arrow):
        return "TIMESTAMPTZ" if arrow.tz else "TIMESTAMP"
    if pa.types.is_date(arrow):
        return "DATE"
    if pa.types.is_string(arrow) or pa.types.is_large_string(arrow) or pa.types.is_null(arrow):
        return "TEXT"
    if pa.types.is_boolean(arrow):
        return "BOOLEAN"
    if pa.types.is_decimal(arrow):
        return "NUMERIC"
    if pa.types.is_integer(arrow) or pa.types.is_floating(arrow):
        return postgres_type(pd.Series(np.zeros(0, dtype=arrow.to_pandas_dtype())))
    raise _unsupported(series, f"values of type {arrow}")


def _unsupported(series: pd.Series, what: str) -> InvalidValueError:
    return InvalidValueError(
        f"Column {series.name!r} holds {what}, which the PostgreSQL target cannot store",
        "numbers, booleans, text, datetimes, dates or decimals, one kind per column",
        "cast the column first (astype(str), pd.to_datetime, pd.to_numeric, ...)",
    )


def create_table_sql(table: str, frame: pd.DataFrame, *, schema: str) -> str:
    """The ``CREATE TABLE`` statement for ``frame``'s columns and types."""
    columns = ", ".join(f"{_q(str(c))} {postgres_type(frame[c])}" for c in frame.columns)
    return f"CREATE TABLE {_q(schema)}.{_q(table)} ({columns})"


class PostgresTarget(TargetBase):
    """Load tables into PostgreSQL with COPY, atomically.

    Parameters
    ----------
    url : str
        A SQLAlchemy URL: ``postgresql+psycopg://user:password@host:5432/db`` (a plain
        ``postgresql://`` means psycopg 3 too), optionally with ``?schema=name``.
    schema : str, optional
        The schema the tables go to (created when missing); overrides ``?schema=``.

    Raises
    ------
    TargetError
        When the server cannot be reached.
    """

    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.url = redact(url)
        try:
            parsed = sa.engine.make_url(url)
        except sa.exc.ArgumentError as error:
            raise InvalidValueError(
                f"The PostgreSQL URL {self.url!r} cannot be read",
                "a URL such as 'postgresql+psycopg://user:password@host:5432/db'",
            ) from error
        backend, _, driver = parsed.drivername.partition("+")
        if backend not in ("postgresql", "postgres") or driver not in ("", "psycopg"):
            raise InvalidValueError(
                f"The PostgreSQL URL {self.url!r} names the driver {driver!r}",
                "psycopg 3: a URL starting 'postgresql+psycopg://'",
                "the target loads with psycopg 3's COPY; pip install 'pipelinekit[postgres]'",
            )
        query = dict(parsed.query)
        url_schema = query.pop("schema", None)
        if isinstance(url_schema, tuple):
            url_schema = url_schema[-1]
        self._secret = parsed.password or None
        connect_args = {} if "connect_timeout" in query else {"connect_timeout": 10}
        try:
            self._engine = sa.create_engine(
                parsed.set(drivername="postgresql+psycopg", query=query),
                connect_args=connect_args,
            )
            with self._engine.connect() as connection:
                current = connection.exec_driver_sql("SELECT current_schema()").scalar()
        except ImportError as error:
            raise TargetError(
                f"The driver for {self.url} is not installed ({error})",
                "psycopg 3",
                "pip install 'pipelinekit[postgres]'",
            ) from error
        except sa.exc.DBAPIError as error:
            raise self._unreachable(error) from error
        chosen = schema or url_schema or current or "public"
        self.schema = _check_name(chosen, "schema") if chosen != "public" else chosen
        self._loading: str | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r}, schema={self.schema!r})"

    # --- the Target interface --------------------------------------------------------

    def load(
        self,
        tables: Mapping[str, TableData],
        *,
        mode: LoadMode = "replace",
        keys: Mapping[str, Sequence[str]] = {},  # noqa: B006 - read only
        watermark: Mapping[str, str] = {},  # noqa: B006 - read only
        run_id: str | None = None,
    ) -> list[LoadResult]:
        """Stage every table with COPY and swap or merge them in one transaction.

        Raises
        ------
        InvalidValueError
            For a column PostgreSQL cannot store (before anything is sent).
        TargetError
            When a table cannot be loaded; nothing was changed.
        """
        frames, table_keys = prepare_load(
            tables, mode=mode, keys=keys, watermark=watermark, work_tables=True
        )
        if not frames:
            return []
        for frame in frames.values():  # unsupported columns fail before the server is asked
            if isinstance(frame, pd.DataFrame):  # (a run's table: when it is read)
                for column in frame.columns:
                    postgres_type(frame[column])
        self._loading = None
        try:
            raw = self._engine.raw_connection()
        except sa.exc.DBAPIError as error:
            raise self._failure(None, error) from error
        try:
            connection: Any = raw.driver_connection
            try:
                with connection.cursor() as cursor:
                    results = self._load(cursor, frames, table_keys, mode, watermark, run_id)
                self._loading = None
                connection.commit()
            except BaseException as error:
                try:
                    connection.rollback()
                except Exception:  # a broken connection: closing it rolls back
                    raw.invalidate()
                if isinstance(error, PipelinekitError) or not isinstance(error, Exception):
                    raise
                raise self._failure(self._loading, error) from error
        finally:
            raw.close()
        return results

    def read(self, table: str) -> pd.DataFrame:
        """The rows of ``table`` (time-zone-aware timestamps in UTC); also the load log."""
        known = self.tables()
        if table not in [*known, LOAD_LOG_TABLE]:
            raise unknown_table(table, known, self.url)
        query = f"SELECT * FROM {_q(self.schema)}.{_q(table)}"
        with self._connect() as connection:
            return pd.read_sql_query(sa.text(query), connection)

    def tables(self) -> list[str]:
        """The tables of the target schema, sorted (the load log left out)."""
        with self._connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                    ":schema AND table_type = 'BASE TABLE' ORDER BY table_name"
                ),
                {"schema": self.schema},
            ).fetchall()
        return [r[0] for r in rows if not r[0].startswith("_pipelinekit")]

    def close(self) -> None:
        """Close the connection pool."""
        self._engine.dispose()

    def _unreachable(self, error: Exception) -> TargetError:
        return TargetError(
            f"Cannot reach PostgreSQL at {self.url} ({self._reason(error)})",
            "a running server that accepts this address and its credentials",
            "start the server, or check host, port, user and password in the URL",
        )

    @contextmanager
    def _connect(self) -> Iterator[sa.Connection]:
        try:
            connection = self._engine.connect()
        except sa.exc.DBAPIError as error:
            raise self._unreachable(error) from error
        with connection:
            yield connection

    # --- loading ---------------------------------------------------------------------

    def _load(
        self,
        cursor: Any,
        frames: dict[str, TableData],
        table_keys: dict[str, list[str]],
        mode: str,
        watermark: Mapping[str, str],
        run_id: str | None,
    ) -> list[LoadResult]:
        schema = _q(self.schema)
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [self.schema])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE SCHEMA {schema}")
        stage_name = f"{STAGE_PREFIX}{uuid.uuid4().hex[:12]}"
        stage = _q(stage_name)
        cursor.execute(f"CREATE SCHEMA {stage}")
        log = f"{schema}.{_q(LOAD_LOG_TABLE)}"
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {log} (run_id TEXT, table_name TEXT, mode TEXT, "
            "rows_in BIGINT, rows_written BIGINT, seconds DOUBLE PRECISION, "
            "loaded_at TIMESTAMPTZ DEFAULT now())"
        )
        staged: dict[str, tuple[float, bool]] = {}
        results: dict[str, LoadResult] = {}
        for name, frame in frames.items():  # 1. stage every table
            self._loading = name
            started = time.perf_counter()
            if mode == "append" and run_id is not None:
                cursor.execute(
                    f"SELECT 1 FROM {log} WHERE run_id = %s AND table_name = %s "
                    "AND mode = 'append'",
                    [run_id, name],
                )
                if cursor.fetchone() is not None:
                    results[name] = LoadResult(name, mode, len(frame), 0, 0.0)
                    continue
            existing = self._columns(cursor, name)
            data = read_frame(frame)  # a run's table is read now: one in memory at a time
            if existing is not None and mode != "replace":
                check_columns_match(name, list(existing), list(data.columns), self.url)
                cursor.execute(f"CREATE TABLE {stage}.{_q(name)} (LIKE {schema}.{_q(name)})")
            else:
                cursor.execute(create_table_sql(name, data, schema=stage_name))
            _copy(cursor, f"{stage}.{_q(name)}", _arrow(data, existing))
            del data
            staged[name] = (time.perf_counter() - started, existing is not None)
        for name, (seconds, exists) in staged.items():  # 2. swap or merge them
            self._loading = name
            started = time.perf_counter()
            written = self._swap(
                cursor,
                stage,
                name,
                list(frames[name].columns),
                mode,
                table_keys[name],
                watermark.get(name),
                exists,
            )
            seconds += time.perf_counter() - started
            results[name] = LoadResult(name, mode, len(frames[name]), written, seconds)
        cursor.execute(f"DROP SCHEMA {stage} CASCADE")
        for name in staged:
            r = results[name]
            cursor.execute(
                f"INSERT INTO {log} (run_id, table_name, mode, rows_in, rows_written, seconds)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                [run_id, r.table, r.mode, r.rows_in, r.rows_written, r.seconds],
            )
        return [results[name] for name in frames]

    def _columns(self, cursor: Any, name: str) -> dict[str, str] | None:
        """The existing table's columns and their types, or None when it does not exist."""
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            [self.schema, name],
        )
        rows = cursor.fetchall()
        return {r[0]: r[1] for r in rows} or None

    def _swap(
        self,
        cursor: Any,
        stage: str,
        name: str,
        columns: list[str],
        mode: str,
        keys: list[str],
        watermark: str | None,
        exists: bool,
    ) -> int:
        target = f"{_q(self.schema)}.{_q(name)}"
        staged = f"{stage}.{_q(name)}"
        if mode == "incremental" and exists:
            assert watermark is not None
            column, latest = _q(watermark), f"(SELECT max({_q(watermark)}) FROM {target})"
            cursor.execute(
                f"DELETE FROM {staged} WHERE {latest} IS NOT NULL "
                f"AND ({column} IS NULL OR {column} <= {latest})"
            )
        cursor.execute(f"SELECT count(*) FROM {staged}")
        rows = int(cursor.fetchone()[0])
        if mode == "replace" or not exists:
            cursor.execute(f"DROP TABLE IF EXISTS {target}")
            cursor.execute(f"ALTER TABLE {staged} SET SCHEMA {_q(self.schema)}")
            if keys:
                self._ensure_unique_index(cursor, name, keys)
            return rows
        listed = ", ".join(_q(c) for c in columns)
        insert = f"INSERT INTO {target} ({listed}) SELECT {listed} FROM {staged}"
        if keys and mode in ("merge", "incremental"):
            self._ensure_unique_index(cursor, name, keys)
            others = [c for c in columns if c not in keys]
            action = (
                "DO UPDATE SET " + ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in others)
                if others
                else "DO NOTHING"
            )
            insert += f" ON CONFLICT ({', '.join(_q(k) for k in keys)}) {action}"
        cursor.execute(insert)
        return rows

    def _ensure_unique_index(self, cursor: Any, name: str, keys: list[str]) -> None:
        """A unique index on exactly ``keys`` (ON CONFLICT needs one); made when missing."""
        cursor.execute(
            "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND i.indisunique "
            "AND i.indpred IS NULL AND i.indexprs IS NULL AND ("
            "  SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a"
            "  WHERE a.attrelid = c.oid AND a.attnum = ANY(i.indkey)) = %s::text[]",
            [self.schema, name, sorted(keys)],
        )
        if cursor.fetchone() is not None:
            return
        index = f"{name}_pk_key"
        if len(index) > 63:
            digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:8]
            index = f"{name[:46]}_{digest}_pk_key"
        listed = ", ".join(_q(k) for k in keys)
        cursor.execute(
            f"CREATE UNIQUE INDEX {_q(index)} ON {_q(self.schema)}.{_q(name)} ({listed})"
        )

    # --- messages ----------------------------------------------------------------------

    def _reason(self, error: BaseException) -> str:
        """The error's message on one line, without the password."""
        original = getattr(error, "orig", None) or error
        reason = " ".join(str(original).split()) or type(original).__name__
        return reason.replace(self._secret, "***") if self._secret else reason

    def _failure(self, table: str | None, error: BaseException) -> TargetError:
        reason = self._reason(error)
        where = f"table {table!r} into {self.url}" if table else f"into {self.url}"
        hint = "nothing was changed: the previous tables are intact; fix the cause and rerun"
        if "depend on" in reason:
            hint = "drop the views that read the table (or load with mode='merge'); " + hint
        elif "violates unique constraint" in reason:
            hint = (
                "the table has a unique index on its keys (made for merge): load with "
                "mode='merge', or drop the index; " + hint
            )
        elif "could not create unique index" in reason:
            hint = "the table repeats a key: reload it with mode='replace'; " + hint
        return TargetError(f"Loading {where} failed ({reason})", None, hint)


def _arrow(frame: pd.DataFrame, existing: Mapping[str, str] | None) -> pa.Table:
    """The frame as Arrow, floats that hold whole numbers cast for integer columns."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if not existing:
        return table
    for i, name in enumerate(table.column_names):
        column = table.column(i)
        wanted = existing.get(name, "")
        if wanted in ("smallint", "integer", "bigint") and pa.types.is_floating(column.type):
            table = table.set_column(i, name, column.cast(pa.int64()))  # fails on 1.5
    return table


def _csv(batch: pa.RecordBatch) -> bytes:
    sink = io.BytesIO()
    pcsv.write_csv(batch, sink, pcsv.WriteOptions(include_header=False))
    return sink.getvalue()


def _copy(cursor: Any, table: str, data: pa.Table) -> None:
    """``COPY table FROM STDIN`` the Arrow table as CSV, encoding the next chunk meanwhile."""
    columns = ", ".join(_q(c) for c in data.column_names)
    with (
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy,
        ThreadPoolExecutor(1) as pool,
    ):
        pending: Future[bytes] | None = None
        for batch in data.to_batches(max_chunksize=COPY_CHUNK_ROWS):
            encoding = pool.submit(_csv, batch)
            if pending is not None:
                copy.write(pending.result())
            pending = encoding
        if pending is not None:
            copy.write(pending.result())
