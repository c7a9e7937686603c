"""The DuckDB target: a warehouse in one file, the default target of a pipeline run.

A load is ONE DuckDB transaction. Each table is first staged as ``_pk_stage_<table>``
in the target schema (DuckDB has no ``ALTER TABLE ... SET SCHEMA``, so staging tables
cannot move between schemas; inside the transaction no other connection sees them), then
swapped or merged:

* ``replace``: ``DROP TABLE t`` and ``ALTER TABLE _pk_stage_t RENAME TO t``;
* ``append``: ``INSERT INTO t BY NAME SELECT * FROM _pk_stage_t``;
* ``merge``: ``DELETE FROM t USING _pk_stage_t`` on the keys, then the insert (DuckDB's
  ``ON CONFLICT`` needs a primary key the table may not have);
* ``incremental``: staged rows not newer than ``max(watermark)`` are deleted first.

Any error (or Ctrl-C) rolls the transaction back: every previous table is intact and no
staging table survives. A killed process leaves an uncommitted transaction that DuckDB
discards when the file is next opened. Each load is logged in ``_pipelinekit_loads``.

Time-zone-aware timestamps are stored as ``TIMESTAMPTZ`` and read back in UTC;
categoricals are stored as text; a float ``NaN`` is stored as ``NULL``.

Examples
--------
>>> import pandas as pd
>>> target = DuckDBTarget(":memory:")
>>> _ = target.load({"events": pd.DataFrame({"id": [1, 2], "day": [1, 2]})})
>>> new = pd.DataFrame({"id": [2, 3], "day": [2, 3]})
>>> [r.rows_written for r in target.load({"events": new}, mode="incremental",
...                                       watermark={"events": "day"})]
[1]
>>> target.read("events")["id"].tolist()
[1, 2, 3]
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from pipelinekit.errors import PipelinekitError
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
    unknown_table,
)
from pipelinekit.pipeline.workspace import WorkTable

__all__ = ["DuckDBTarget"]

STAGE_PREFIX = "_pk_stage_"
WORK_ALIAS = "_pk_work_"  # a run workspace attached while its tables are copied


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


class DuckDBTarget(TargetBase):
    """Load tables into a DuckDB file (or an in-memory database).

    Parameters
    ----------
    path : str or Path
        The database file (created with its folder on the first load), or
        ``":memory:"`` for a database that lives as long as this object.
    schema : str, default "main"
        The schema the tables go to (created when missing).

    Notes
    -----
    A file is opened for each call and closed after it, so a notebook can read the
    warehouse between pipeline runs; DuckDB lets one process at a time write a file.
    """

    def __init__(self, path: str | Path, *, schema: str = "main") -> None:
        self.schema = schema if schema == "main" else _check_name(schema, "schema")
        self._memory: duckdb.DuckDBPyConnection | None = None
        self._loading: str | None = None  # the table being loaded, for error messages
        if str(path) == ":memory:":
            self.path: Path | None = None
            self._memory = duckdb.connect(":memory:")
            self._memory.execute("SET TimeZone = 'UTC'")
            self.url = "duckdb:///:memory:"
        else:
            self.path = Path(path)
            self.url = f"duckdb:///{self.path}"
        if self.schema != "main":
            self.url += f"?schema={self.schema}"

    # --- connections ---------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._memory is not None:
            yield self._memory
            return
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = duckdb.connect(str(self.path))
        except (duckdb.Error, OSError) as error:
            reason = str(error).strip().splitlines()[0]
            hint = (
                "another process (a notebook kernel?) has the file open: close its "
                "connection, then rerun"
                if "lock" in reason.lower()
                else "check the path and that the folder can be written"
            )
            raise TargetError(
                f"Cannot open the DuckDB target {self.url} ({reason})", None, hint
            ) from error
        try:
            connection.execute("SET TimeZone = 'UTC'")
            yield connection
        finally:
            connection.close()

    def _exists(self) -> bool:
        return self._memory is not None or (self.path is not None and self.path.exists())

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
        """Load every table in one transaction; see the module docstring.

        Raises
        ------
        TargetError
            When a table cannot be loaded; nothing was changed.
        """
        frames, table_keys = prepare_load(
            tables, mode=mode, keys=keys, watermark=watermark, work_tables=True
        )
        if not frames:
            return []
        with self._connection() as con:
            con.execute("BEGIN TRANSACTION")
            self._loading = None
            try:
                results = self._load(con, frames, table_keys, mode, watermark, run_id)
                self._loading = None
                con.execute("COMMIT")
            except BaseException as error:
                _rollback(con)
                if isinstance(error, PipelinekitError) or not isinstance(error, Exception):
                    raise
                raise self._failure(self._loading, error) from error
            finally:
                _detach_work(con)
        return results

    def read(self, table: str) -> pd.DataFrame:
        """The rows of ``table`` (time-zone-aware timestamps in UTC); also the load log.

        Raises
        ------
        UnknownNameError
            When the target holds no such table.
        """
        known = self.tables()
        if table not in [*known, LOAD_LOG_TABLE] or not self._exists():
            raise unknown_table(table, known, self.url)
        with self._connection() as con:
            return con.execute(f"SELECT * FROM {_q(self.schema)}.{_q(table)}").df()

    def tables(self) -> list[str]:
        """The tables of the target schema, sorted (the load log and staging left out)."""
        if not self._exists():
            return []
        with self._connection() as con:
            rows = con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = "
                "current_database() AND schema_name = ? ORDER BY table_name",
                [self.schema],
            ).fetchall()
        return [r[0] for r in rows if not r[0].startswith(("_pipelinekit", STAGE_PREFIX))]

    def close(self) -> None:
        """Close the in-memory database (a file target holds no connection between calls)."""
        if self._memory is not None:
            self._memory.close()

    # --- loading ---------------------------------------------------------------------

    def _load(
        self,
        con: duckdb.DuckDBPyConnection,
        frames: dict[str, TableData],
        table_keys: dict[str, list[str]],
        mode: str,
        watermark: Mapping[str, str],
        run_id: str | None,
    ) -> list[LoadResult]:
        schema = _q(self.schema)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        log = f"{schema}.{_q(LOAD_LOG_TABLE)}"
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {log} (run_id VARCHAR, table_name VARCHAR, "
            "mode VARCHAR, rows_in BIGINT, rows_written BIGINT, seconds DOUBLE, "
            "loaded_at TIMESTAMPTZ)"
        )
        staged: dict[str, tuple[float, list[str] | None]] = {}
        results: list[LoadResult] = []
        for name, frame in frames.items():  # 1. stage every table
            self._loading = name
            started = time.perf_counter()
            if mode == "append" and run_id is not None and self._appended(con, name, run_id):
                results.append(LoadResult(name, mode, len(frame), 0, 0.0))
                continue
            existing = self._columns(con, name)
            if existing is not None and mode != "replace":
                check_columns_match(name, existing, list(frame.columns), self.url)
            self._stage(con, name, frame)
            staged[name] = (time.perf_counter() - started, existing)
        for name, (seconds, existing) in staged.items():  # 2. swap or merge them
            self._loading = name
            started = time.perf_counter()
            written = self._swap(
                con, name, mode, table_keys[name], watermark.get(name), existing is not None
            )
            seconds += time.perf_counter() - started
            results.append(LoadResult(name, mode, len(frames[name]), written, seconds))
        logged = [
            [run_id, r.table, r.mode, r.rows_in, r.rows_written, r.seconds]
            for r in results
            if r.table in staged
        ]
        if logged:
            con.executemany(f"INSERT INTO {log} VALUES (?, ?, ?, ?, ?, ?, now())", logged)
        order = list(frames)
        return sorted(results, key=lambda r: order.index(r.table))

    def _appended(self, con: duckdb.DuckDBPyConnection, name: str, run_id: str) -> bool:
        row = con.execute(
            f"SELECT count(*) FROM {_q(self.schema)}.{_q(LOAD_LOG_TABLE)} "
            "WHERE run_id = ? AND table_name = ? AND mode = 'append'",
            [run_id, name],
        ).fetchone()
        return bool(row and row[0])

    def _columns(self, con: duckdb.DuckDBPyConnection, name: str) -> list[str] | None:
        rows = con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = "
            "current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index",
            [self.schema, name],
        ).fetchall()
        return [r[0] for r in rows] or None

    def _stage(self, con: duckdb.DuckDBPyConnection, name: str, frame: TableData) -> None:
        stage = f"{_q(self.schema)}.{_q(STAGE_PREFIX + name)}"
        if isinstance(frame, WorkTable):  # a run's table: copied inside DuckDB, no pandas
            alias = WORK_ALIAS + hashlib.sha256(str(frame.database).encode()).hexdigest()[:8]
            if not con.execute(
                "SELECT 1 FROM duckdb_databases() WHERE database_name = ?", [alias]
            ).fetchall():
                path = str(frame.database.resolve()).replace("'", "''")
                con.execute(f"ATTACH '{path}' AS {alias} (READ_ONLY)")
            source = f"{alias}.main.{_q(frame.name)}"
            con.execute(f"CREATE OR REPLACE TABLE {stage} AS SELECT * FROM {source}")
            return
        view = "_pk_frame"
        con.register(view, frame)
        try:
            con.execute(f"CREATE OR REPLACE TABLE {stage} AS SELECT * FROM {_q(view)}")
        finally:
            con.unregister(view)

    def _swap(
        self,
        con: duckdb.DuckDBPyConnection,
        name: str,
        mode: str,
        keys: list[str],
        watermark: str | None,
        exists: bool,
    ) -> int:
        target = f"{_q(self.schema)}.{_q(name)}"
        stage = f"{_q(self.schema)}.{_q(STAGE_PREFIX + name)}"
        if mode == "incremental" and exists:
            assert watermark is not None
            column, latest = _q(watermark), f"(SELECT max({_q(watermark)}) FROM {target})"
            con.execute(
                f"DELETE FROM {stage} WHERE {latest} IS NOT NULL "
                f"AND ({column} IS NULL OR {column} <= {latest})"
            )
        count = con.execute(f"SELECT count(*) FROM {stage}").fetchone()
        rows = int(count[0]) if count else 0
        if mode == "replace" or not exists:
            if exists:
                con.execute(f"DROP TABLE {target}")
            con.execute(f"ALTER TABLE {stage} RENAME TO {_q(name)}")
            return rows
        if keys and mode in ("merge", "incremental"):
            on = " AND ".join(f"t.{_q(k)} = s.{_q(k)}" for k in keys)
            con.execute(f"DELETE FROM {target} AS t USING {stage} AS s WHERE {on}")
        con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM {stage}")
        con.execute(f"DROP TABLE {stage}")
        return rows

    def _failure(self, table: str | None, error: Exception) -> TargetError:
        reason = " ".join(str(error).split()) or type(error).__name__
        where = f"table {table!r} into {self.url}" if table else f"into {self.url}"
        return TargetError(
            f"Loading {where} failed ({reason})",
            None,
            "nothing was changed: the previous tables are intact; fix the cause and rerun",
        )


def _detach_work(con: duckdb.DuckDBPyConnection) -> None:
    """Detach the run workspaces a load attached to read its tables from."""
    rows = con.execute(
        "SELECT database_name FROM duckdb_databases() WHERE starts_with(database_name, ?)",
        [WORK_ALIAS],
    ).fetchall()
    for (alias,) in rows:
        con.execute(f"DETACH {alias}")


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # a failed COMMIT already ended it
        con.execute("ROLLBACK")
