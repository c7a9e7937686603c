"""The metadata database: one DuckDB file where pipelinekit keeps what it learns about runs.

Lineage (:mod:`pipelinekit.lineage.store`) and, later, data-quality history keep their
tables in the same file, so one SQL query can join them. The file is an ordinary DuckDB
database: open it with :func:`connect`, ask it questions with :func:`query`, or point
``duckdb`` (or DBeaver) at it yourself.

Where it lives
--------------
The ``path`` argument when given, else the environment variable ``PIPELINEKIT_METADATA``,
else ``.pipelinekit/metadata.duckdb`` under the working folder (:func:`metadata_path`).
A missing parent folder is created.

How it knows what it holds
--------------------------
Each part of pipelinekit that stores tables declares a :class:`Schema`: its name and
its migrations, the SQL that builds its tables and, one step per version, changes them.
The table ``pk_metadata`` has one row per part:

==================== =========================================================
column               meaning
==================== =========================================================
component            the part: ``metadata`` (this table itself), ``lineage``, ...
schema_version       how many of the part's migrations have run
pipelinekit_version  the pipelinekit that last wrote the part's tables
updated_at           when it did
==================== =========================================================

Opening the file with a part's schema runs the migrations it has not run yet, in one
transaction. The file is never silently replaced: a file that is not a DuckDB database,
a DuckDB database that pipelinekit did not create, a damaged file and a file written by a
newer pipelinekit are all reported (:class:`MetadataError`) and left as they were.

Examples
--------
>>> import tempfile, pathlib
>>> notes = Schema("notes", ("CREATE TABLE notes (note VARCHAR)",))
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder) / "metadata.duckdb"
...     with connect(path, schemas=[notes]) as con:
...         _ = con.execute("INSERT INTO notes VALUES ('hello')")
...     query("SELECT component, schema_version FROM pk_metadata ORDER BY 1", path)
   component  schema_version
0   metadata               1
1      notes               1
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipelinekit.errors import OutputError, PipelinekitError, format_list

__all__ = [
    "DEFAULT_PATH",
    "ENV",
    "FORMAT_VERSION",
    "MetadataError",
    "Migration",
    "Schema",
    "connect",
    "mark_written",
    "metadata_path",
    "query",
    "transaction",
]

#: The environment variable that says where the metadata database is.
ENV = "PIPELINEKIT_METADATA"
#: Where it is when neither a path nor ``PIPELINEKIT_METADATA`` says (relative to the
#: working folder).
DEFAULT_PATH = Path(".pipelinekit") / "metadata.duckdb"

#: One step of a schema's history: SQL to run, or a function given the connection.
Migration = str | Callable[[duckdb.DuckDBPyConnection], None]

_CORE = "metadata"
_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


class MetadataError(PipelinekitError):
    """The metadata database cannot be used: not one, damaged, in use or too new."""


@dataclass(frozen=True)
class Schema:
    """The tables one part of pipelinekit keeps in the metadata database.

    Parameters
    ----------
    name : str
        The part (``"lineage"``); its row in ``pk_metadata``.
    migrations : sequence of str or callable
        Version ``n`` of the tables is what the first ``n`` migrations build. Only ever
        append: a file at version 1 runs migrations 2, 3, ... when opened.
    tables : sequence of str
        The tables the part owns, for people and for code that empties them.

    Examples
    --------
    >>> Schema("notes", ("CREATE TABLE notes (note VARCHAR)",)).version
    1
    """

    name: str
    migrations: Sequence[Migration]
    tables: Sequence[str] = ()

    @property
    def version(self) -> int:
        """The version this pipelinekit writes: the number of migrations."""
        return len(self.migrations)


_PK_METADATA = Schema(
    _CORE,
    (
        """
        CREATE TABLE pk_metadata (
            component VARCHAR PRIMARY KEY,
            schema_version INTEGER NOT NULL,
            pipelinekit_version VARCHAR NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        )
        """,
    ),
    ("pk_metadata",),
)
#: The version of ``pk_metadata`` itself (the ``metadata`` component).
FORMAT_VERSION = _PK_METADATA.version


def metadata_path(
    path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> Path:
    """Where the metadata database is: ``path``, else ``PIPELINEKIT_METADATA``, else the default.

    Examples
    --------
    >>> metadata_path(environ={}).as_posix()
    '.pipelinekit/metadata.duckdb'
    >>> metadata_path(environ={"PIPELINEKIT_METADATA": "/data/meta.duckdb"}).as_posix()
    '/data/meta.duckdb'
    >>> metadata_path("class.duckdb", environ={"PIPELINEKIT_METADATA": "x"}).as_posix()
    'class.duckdb'
    """
    if path is None:
        path = (os.environ if environ is None else environ).get(ENV) or DEFAULT_PATH
    return Path(path).expanduser()


def connect(
    path: str | os.PathLike[str] | None = None,
    *,
    schemas: Iterable[Schema] = (),
    create: bool = True,
) -> duckdb.DuckDBPyConnection:
    """Open the metadata database and bring the tables of ``schemas`` up to date.

    The answer is an ordinary DuckDB connection; close it when done, or use it in a
    ``with`` block, which closes it at the end.

    Parameters
    ----------
    path : path, optional
        The file (see :func:`metadata_path`).
    schemas : iterable of Schema
        The parts whose tables the caller needs; their missing migrations run first.
    create : bool
        Create the file when it does not exist. When false, a missing file is an error.

    Raises
    ------
    MetadataError
        The file is missing (``create=False``), not a DuckDB database, a DuckDB database
        pipelinekit did not create, damaged, in use by another program, or written by a
        newer pipelinekit. The file is left as it was.
    OutputError
        The file or its folder cannot be created.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with connect(pathlib.Path(folder) / "new" / "metadata.duckdb") as con:
    ...         con.sql("SELECT component FROM pk_metadata").fetchall()
    [('metadata',)]
    """
    where = metadata_path(path)
    con = _open(where, create=create)
    try:
        _prepare(con, where, list(schemas))
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All of the block's changes, or none: commit at the end, roll back on any error.

    Examples
    --------
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE t (x INTEGER)")
    >>> try:
    ...     with transaction(con):
    ...         _ = con.execute("INSERT INTO t VALUES (1)")
    ...         raise KeyboardInterrupt
    ... except KeyboardInterrupt:
    ...     pass
    >>> con.sql("SELECT count(*) FROM t").fetchall()
    [(0,)]
    """
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


def query(
    sql: str,
    path: str | os.PathLike[str] | None = None,
    *,
    params: Sequence[object] | Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Run ``sql`` on the metadata database and return the answer as a DataFrame.

    The database must exist already; ``params`` fill ``?`` or ``$name`` placeholders.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "metadata.duckdb"
    ...     query("SELECT 1 AS one", path)
    Traceback (most recent call last):
    ...
    pipelinekit.metadata.MetadataError: No metadata database at '...metadata.duckdb'; ...
    """
    with connect(path, create=False) as con:
        return con.execute(sql, params).df()


# ---------------------------------------------------------------------- opening
def _open(path: Path, *, create: bool) -> duckdb.DuckDBPyConnection:
    if path.is_dir():
        raise MetadataError(
            f"'{path}' is a folder, not a metadata database",
            "the path of a DuckDB file",
            f"add a file name, such as '{path / DEFAULT_PATH.name}'",
        )
    if path.exists():
        _check_header(path)
    elif not create:
        raise MetadataError(
            f"No metadata database at '{path}'",
            "a file written by pipelinekit",
            f"save something first (graph.save()), or set {ENV} to where the file is",
        )
    else:
        _make_parent(path)
    try:
        return duckdb.connect(str(path))
    except duckdb.Error as error:
        raise _open_error(path, error) from error


def _check_header(path: Path) -> None:
    """A DuckDB file starts with an 8-byte checksum, then ``DUCK``; read before opening."""
    try:
        with path.open("rb") as file:
            head = file.read(12)
    except OSError as error:
        raise MetadataError(
            f"Cannot read '{path}' ({error.strerror or error})",
            "a metadata database you may read",
            "check the file's permissions, or pass another path",
        ) from error
    if head[8:12] != _MAGIC:
        what = "an empty file" if not head else "not a DuckDB database"
        raise MetadataError(
            f"'{path}' is {what}, so it is not a pipelinekit metadata database",
            "a DuckDB file written by pipelinekit",
            "pass another path (pipelinekit never overwrites a file it did not write);"
            " move the file away if it is not needed",
        )


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"Cannot create the folder '{path.parent}' ({error.strerror or error})",
            "a folder you can create files in",
            f"pass another path, or set {ENV} to a file in your home folder",
        ) from error


def _open_error(path: Path, error: duckdb.Error) -> PipelinekitError:
    text = str(error)
    lowered = text.lower()
    if "corrupt" in lowered or "checksum" in lowered:
        return _damaged(path, text)
    if "conflicting lock" in lowered or "could not set lock" in lowered:
        return MetadataError(
            f"Metadata database '{path}' is in use by another program ({text})",
            "a file no other process has open",
            "close the other notebook or program that uses it, or pass another path",
        )
    if "version" in lowered:
        return MetadataError(
            f"'{path}' was written by a DuckDB this one cannot read ({text})",
            f"a file of DuckDB {duckdb.__version__} or older",
            "upgrade duckdb and pipelinekit (pip install -U pipelinekit duckdb)",
        )
    if isinstance(error, duckdb.IOException) and not path.exists():
        return OutputError(
            f"Cannot create the metadata database '{path}' ({text})",
            "a place you can write files",
            f"pass another path, or set {ENV} to a file in your home folder",
        )
    return MetadataError(
        f"Cannot open the metadata database '{path}' ({text})",
        "a DuckDB file written by pipelinekit",
        "pass another path; move the file away if it is damaged",
    )


def _damaged(path: Path, detail: str) -> MetadataError:
    return MetadataError(
        f"Metadata database '{path}' is damaged ({detail})",
        "a DuckDB file pipelinekit can read",
        "keep the file for inspection and pass another path; pipelinekit does not replace it",
    )


# ---------------------------------------------------------------------- versions
def _prepare(con: duckdb.DuckDBPyConnection, path: Path, schemas: list[Schema]) -> None:
    """Check the versions, then run what migrations are missing (all-or-nothing)."""
    try:
        tables = _tables(con)
        fresh = not tables
        if not fresh and "pk_metadata" not in tables:
            raise MetadataError(
                f"'{path}' is a DuckDB database but not a pipelinekit metadata database"
                f" (it has {format_list(sorted(tables))} and no pk_metadata table)",
                "a file written by pipelinekit",
                "pass another path; pipelinekit never writes into a database it did not create",
            )
        stored = {} if fresh else _versions(con, path)
        every = [_PK_METADATA, *schemas]
        for schema in every:
            _check_not_newer(path, schema, stored)
        pending = [s for s in every if stored.get(s.name, (0, ""))[0] < s.version]
        if pending:
            _migrate(con, path, pending, stored)
    except duckdb.Error as error:
        raise _damaged(path, str(error)) from error


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_catalog = current_database() AND table_schema = 'main'"
    ).fetchall()
    return {name for (name,) in rows}


def _versions(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, tuple[int, str]]:
    rows = con.execute(
        "SELECT component, schema_version, pipelinekit_version FROM pk_metadata"
    ).fetchall()
    stored = {name: (int(version), str(writer)) for name, version, writer in rows}
    if _CORE not in stored:
        raise _damaged(path, "pk_metadata has no row for 'metadata'")
    return stored


def _check_not_newer(path: Path, schema: Schema, stored: dict[str, tuple[int, str]]) -> None:
    from pipelinekit import __version__

    version, writer = stored.get(schema.name, (0, ""))
    if version > schema.version:
        raise MetadataError(
            f"Metadata database '{path}' has {schema.name} tables of version {version},"
            f" written by pipelinekit {writer}",
            f"version {schema.version} or older, the newest pipelinekit {__version__} knows",
            f"upgrade pipelinekit (pip install -U pipelinekit) to at least {writer},"
            " or pass another path",
        )


def _migrate(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    pending: list[Schema],
    stored: dict[str, tuple[int, str]],
) -> None:
    from pipelinekit import __version__

    schema = pending[0]
    try:
        with transaction(con):
            for schema in pending:
                for migration in schema.migrations[stored.get(schema.name, (0, ""))[0] :]:
                    if callable(migration):
                        migration(con)
                    else:
                        con.execute(migration)
                con.execute(
                    "INSERT OR REPLACE INTO pk_metadata VALUES (?, ?, ?, current_timestamp)",
                    [schema.name, schema.version, __version__],
                )
    except duckdb.Error as error:
        raise MetadataError(
            f"Cannot bring the {schema.name} tables of '{path}' to version {schema.version}"
            f" ({error})",
            "migrations that run",
            "the file was left as it was; this is a bug in pipelinekit, please report it",
        ) from error


def mark_written(con: duckdb.DuckDBPyConnection, schema: Schema) -> None:
    """Record in ``pk_metadata`` that this pipelinekit just wrote ``schema``'s tables.

    Call it inside the transaction that writes them.
    """
    from pipelinekit import __version__

    con.execute(
        "UPDATE pk_metadata SET pipelinekit_version = ?, updated_at = current_timestamp"
        " WHERE component = ?",
        [__version__, schema.name],
    )
