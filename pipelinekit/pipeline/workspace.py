"""A run's working database: every table a pipeline makes lives in one DuckDB file.

A run does not keep its tables in memory. Sources and step outputs are tables (Parquet
sources: views over the files) in ``runs/<run_id>/work.duckdb``, so a SQL step is one
``CREATE TABLE ... AS SELECT`` that DuckDB runs in parallel and spills to disk when it
needs more memory than ``memory_limit`` allows. Only a Python step (and a transform
without a SQL twin) sees pandas frames: its inputs are read out, its result written back.

Each table is written in one transaction together with a *fingerprint*: a hash of what
made it (the step's definition and the fingerprints of the tables it read). A run that
resumes a failed one reuses the tables whose fingerprint is unchanged and runs the rest
(:func:`pipelinekit.pipeline.run.run` with ``resume=``).

When the work is done the workspace is closed and the targets read the tables as
:class:`WorkTable` objects: a DuckDB target copies them inside DuckDB (no pandas copy),
the other targets read one table at a time.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> work = Workspace(folder / "work.duckdb")
>>> work.add_frame("orders", pd.DataFrame({"id": [1, 2, 3], "amount": [5.0, 7.5, 2.0]}),
...                fingerprint="raw-v1")
3
>>> work.add_query("big_orders", "SELECT id FROM orders WHERE amount > 4",
...                fingerprint=fingerprint("big_orders", "raw-v1"))
2
>>> work.fingerprint_of("orders")
'raw-v1'
>>> work.close()
>>> table = WorkTable(folder / "work.duckdb", "big_orders")
>>> table.columns, len(table)
(['id'], 2)
>>> table.to_pandas()
   id
0  1
1  2
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipelinekit.transforms.sql import quote, sql_error

__all__ = [
    "STEPS_TABLE",
    "WorkTable",
    "Workspace",
    "check_memory_limit",
    "fingerprint",
    "plain_columns",
]

STEPS_TABLE = "_pk_steps"
"""The workspace's own table: name, fingerprint, rows and time of each table it holds."""

MEMORY_LIMIT = "2GB"
"""DuckDB's memory limit in a workspace unless ``PIPELINEKIT_MEMORY_LIMIT`` says otherwise;
above it DuckDB spills to ``<run_dir>/work.tmp/`` instead of growing."""


def check_memory_limit(limit: str | None) -> str:
    """The memory limit to use (``limit``, ``PIPELINEKIT_MEMORY_LIMIT`` or 2 GB), checked.

    Examples
    --------
    >>> check_memory_limit("500MB")
    '500MB'
    >>> check_memory_limit("lots")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: Memory limit 'lots'; expected a size such as 2GB...
    """
    from pipelinekit.errors import InvalidValueError

    chosen = limit or os.environ.get("PIPELINEKIT_MEMORY_LIMIT") or MEMORY_LIMIT
    try:
        with duckdb.connect() as con:
            con.execute(f"SET memory_limit = '{chosen.replace(chr(39), '')}'")
    except duckdb.Error as error:
        raise InvalidValueError(
            f"Memory limit '{chosen}'",
            "a size such as 2GB or 500MB",
            "pass memory_limit='2GB' (or set PIPELINEKIT_MEMORY_LIMIT)",
        ) from error
    return chosen


def fingerprint(*parts: Any) -> str:
    """A short hash of ``parts`` (JSON-encoded, keys sorted): what made a table.

    Examples
    --------
    >>> step = {"sql": "SELECT 1"}
    >>> fingerprint("stg_orders", step) == fingerprint("stg_orders", step)
    True
    >>> fingerprint("a") == fingerprint("b")
    False
    """
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with categorical columns (and object columns of nothing but missing
    values) as text and a default index, as every table is stored and loaded.

    DuckDB would turn a categorical into an ENUM, which sorts by category, not by text.

    Examples
    --------
    >>> frame = pd.DataFrame({"c": pd.Categorical(["b", "a"])}, index=[7, 9])
    >>> plain_columns(frame)["c"].tolist(), plain_columns(frame).index.tolist()
    (['b', 'a'], [0, 1])
    """
    prepared = frame.reset_index(drop=True)
    text = {
        c: _as_text(prepared[c])
        if isinstance(prepared[c].dtype, pd.CategoricalDtype)
        else prepared[c].astype("str")
        for c in prepared.columns
        if isinstance(prepared[c].dtype, pd.CategoricalDtype)
        or (prepared[c].dtype == object and prepared[c].isna().all())
    }
    return prepared.assign(**text) if text else prepared


def _as_text(series: pd.Series) -> pd.Series:
    """A categorical column as text (its categories' text, missing stays missing)."""
    categories = series.cat.categories.astype("str").tolist()
    return series.cat.rename_categories(categories).astype("str")


def _connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(path), read_only=read_only)
    connection.execute("SET TimeZone = 'UTC'")
    return connection


@dataclass
class WorkTable:
    """A table in a closed workspace file, read only when asked.

    Targets accept it wherever they accept a DataFrame. ``columns`` and ``len()`` come
    from the file's catalog without reading the rows.

    Parameters
    ----------
    database : path
        The workspace's DuckDB file (closed by its writer).
    name : str
        The table (or view) in it.
    """

    database: Path
    name: str
    columns: list[str] = field(init=False)
    rows: int = field(init=False)

    def __post_init__(self) -> None:
        with _connect(self.database, read_only=True) as con:
            self.columns = _columns(con, self.name)
            self.rows = _rows(con, self.name)

    def __len__(self) -> int:
        return self.rows

    def to_pandas(self) -> pd.DataFrame:
        """The rows as a DataFrame (time-zone-aware timestamps in UTC)."""
        with _connect(self.database, read_only=True) as con:
            return con.execute(f"SELECT * FROM {quote(self.name)}").df()

    def repeated_keys(self, keys: Sequence[str]) -> tuple[int, int, list[Any]]:
        """Rows with a missing key, rows sharing a key, and the first shared key."""
        columns = ", ".join(quote(k) for k in keys)
        missing = " OR ".join(f"{quote(k)} IS NULL" for k in keys)
        with _connect(self.database, read_only=True) as con:
            row = _first(con, f"SELECT count(*) FROM {quote(self.name)} WHERE {missing}")
            shared = _first(
                con,
                f"SELECT sum(n) OVER (), {columns} FROM "
                f"(SELECT {columns}, count(*) AS n FROM {quote(self.name)} "
                f"WHERE NOT ({missing}) GROUP BY ALL HAVING count(*) > 1) "
                f"ORDER BY {columns} LIMIT 1",
            )
        if shared is None:
            return int(row[0] if row else 0), 0, []
        return int(row[0] if row else 0), int(shared[0]), list(shared[1:])


def _columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    return [str(c) for c in con.sql(f"SELECT * FROM {quote(name)} LIMIT 0").columns]


def _first(con: duckdb.DuckDBPyConnection, query: str, params: list[Any] | None = None) -> Any:
    """The first row of ``query`` or None, the result read to its end (DuckDB refuses
    other work on a connection while a result is unfinished)."""
    rows = con.execute(query, params or []).fetchall()
    return rows[0] if rows else None


def _rows(con: duckdb.DuckDBPyConnection, name: str) -> int:
    row = _first(con, f"SELECT count(*) FROM {quote(name)}")
    return int(row[0]) if row else 0


class Workspace:
    """The DuckDB file where a run keeps its tables; see the module's description.

    Parameters
    ----------
    path : path
        The file (made when missing; an existing one is reused, for a resumed run).
    memory_limit : str, optional
        DuckDB's memory limit (default ``PIPELINEKIT_MEMORY_LIMIT`` or
        :data:`MEMORY_LIMIT`); DuckDB spills to a folder beside the file above it.
    """

    def __init__(self, path: str | os.PathLike[str], *, memory_limit: str | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = _connect(self.path)
        spill = self.path.with_suffix(".tmp")
        self.con.execute(f"SET memory_limit = '{check_memory_limit(memory_limit)}'")
        self.con.execute(f"SET temp_directory = '{spill.as_posix()}'")
        self.con.execute("SET enable_progress_bar = false")  # the run shows its own
        self.con.execute(
            f"CREATE TABLE IF NOT EXISTS {STEPS_TABLE} (name VARCHAR PRIMARY KEY, "
            "fingerprint VARCHAR, rows BIGINT, seconds DOUBLE, finished_at TIMESTAMPTZ)"
        )

    # ------------------------------------------------------------------ reading
    def tables(self) -> list[str]:
        """The tables and views made so far, sorted (the workspace's own left out)."""
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        return sorted(r[0] for r in rows if r[0] != STEPS_TABLE)

    def __contains__(self, name: object) -> bool:
        return name in self.tables()

    def columns(self, name: str) -> list[str]:
        """The columns of table ``name``."""
        return _columns(self.con, name)

    def rows(self, name: str) -> int:
        """The number of rows of table ``name``."""
        return _rows(self.con, name)

    def frame(self, name: str) -> pd.DataFrame:
        """Table ``name`` as a DataFrame (for a Python step)."""
        return self.con.execute(f"SELECT * FROM {quote(name)}").df()

    def fingerprint_of(self, name: str) -> str | None:
        """The fingerprint table ``name`` was stored with; None when it is not here."""
        if name not in self:
            return None
        row = _first(self.con, f"SELECT fingerprint FROM {STEPS_TABLE} WHERE name = ?", [name])
        return None if row is None else str(row[0])

    # ------------------------------------------------------------------ writing
    def add_query(self, name: str, query: str, *, fingerprint: str, view: bool = False) -> int:
        """Store the result of ``query`` as table ``name`` (a view with ``view=True``);
        give its rows.

        Raises
        ------
        SqlError
            DuckDB refused the query (nothing was stored).
        """
        kind = "VIEW" if view else "TABLE"
        return self._store(name, f"CREATE OR REPLACE {kind} {quote(name)} AS {query}", fingerprint)

    def add_frame(self, name: str, frame: pd.DataFrame, *, fingerprint: str | None) -> int:
        """Store ``frame`` as table ``name`` (categoricals as text); give its rows.

        ``fingerprint=None``: the table's content is its fingerprint (for data read from
        a database or S3, which only reading tells apart).
        """
        plain = plain_columns(frame)
        self.con.register("_pk_frame", plain)
        try:
            statement = f"CREATE OR REPLACE TABLE {quote(name)} AS SELECT * FROM _pk_frame"
            return self._store(name, statement, fingerprint)
        finally:
            self.con.unregister("_pk_frame")

    def add_files(self, name: str, files: Iterable[Path], *, fingerprint: str) -> int:
        """Make ``name`` a view over Parquet files (read where they lie, never copied)."""
        paths = ", ".join("'" + str(Path(p).resolve()).replace("'", "''") + "'" for p in files)
        return self.add_query(
            name, f"SELECT * FROM read_parquet([{paths}])", fingerprint=fingerprint, view=True
        )

    def _store(self, name: str, statement: str, fingerprint: str | None) -> int:
        started = time.perf_counter()
        self.con.execute("BEGIN TRANSACTION")
        try:
            for kind in ("VIEW", "TABLE"):  # a view may become a table and back
                if self._kind(name) == kind:
                    self.con.execute(f"DROP {kind} {quote(name)}")
            self.con.execute(statement)
            rows = self.rows(name)
            if fingerprint is None:
                fingerprint = self._content_hash(name)
            self.con.execute(
                f"INSERT OR REPLACE INTO {STEPS_TABLE} VALUES (?, ?, ?, ?, now())",
                [name, fingerprint, rows, time.perf_counter() - started],
            )
            self.con.execute("COMMIT")
        except duckdb.Error as error:
            self.con.execute("ROLLBACK")
            raise sql_error(error, "the tables made so far: " + ", ".join(self.tables())) from error
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return rows

    def _content_hash(self, name: str) -> str:
        """A hash of the table's rows, whatever their order."""
        sums = _first(
            self.con, f"SELECT count(*), sum(hash(COLUMNS(*))::HUGEINT) FROM {quote(name)}"
        )
        return fingerprint("content", list(sums or []))

    def _kind(self, name: str) -> str | None:
        row = _first(
            self.con,
            "SELECT table_type FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_name = ?",
            [name],
        )
        if row is None:
            return None
        return "VIEW" if row[0] == "VIEW" else "TABLE"

    def close(self) -> None:
        """Write everything to the file and close it (targets then read its tables)."""
        try:
            self.con.execute("CHECKPOINT")
        finally:
            self.con.close()
