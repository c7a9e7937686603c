"""Warehouse targets: where a pipeline run loads its tables.

A target is opened from a URL and loads a set of tables at once, with one of four load
modes:

``replace``
    Each table becomes exactly the frame given.
``append``
    The frame's rows are added to the table. With a ``run_id``, a table already appended
    by that run is skipped, so rerunning an interrupted run adds no duplicates.
``merge``
    Upsert on a key (``keys={"orders": ["order_id"]}``): rows whose key is in the table
    are updated, the others inserted.
``incremental``
    Only rows whose watermark column (``watermark={"orders": "ordered_at"}``) is newer
    than the table's latest value are added (all rows when the table is new or empty);
    with ``keys`` as well, those rows are merged instead of appended.

Loading is **atomic across all the tables of a call**: every table is staged first, then
swapped or merged in one transaction, so a failure (a bad value, a lost connection,
Ctrl-C) leaves every previous table as it was and no staging behind. Loading the same
input twice gives the same tables (``append`` needs a ``run_id`` for that).

======================================  ==============================================
URL                                     Target
======================================  ==============================================
``duckdb:///warehouse.duckdb``          DuckDB file, relative path (the default target)
``duckdb:////abs/warehouse.duckdb``     DuckDB file, absolute path
``warehouse.duckdb``                    DuckDB file (a bare path ending ``.duckdb``)
``duckdb:///:memory:``                  DuckDB in memory (lives as long as the target)
``parquet:///abs/dir``                  Parquet files, one per table, absolute folder
``parquet://relative/dir``              Parquet files, relative folder
``postgresql+psycopg://user@host/db``   PostgreSQL (psycopg 3), loaded with COPY
``s3://bucket/prefix``                  Parquet objects in S3-compatible storage
======================================  ==============================================

DuckDB and PostgreSQL URLs take ``?schema=name``, the schema the tables go to (default
``main`` / the server's current schema). Relative DuckDB and Parquet paths start at
``base_dir`` (the current folder when not given).

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.pipeline.targets import open_target
>>> target = open_target("duckdb:///:memory:")
>>> orders = pd.DataFrame({"order_id": [1, 2], "amount": [9.5, 20.0]})
>>> [r.rows_written for r in target.load({"orders": orders})]
[2]
>>> update = pd.DataFrame({"order_id": [2, 3], "amount": [25.0, 7.0]})
>>> [r.rows_written for r in target.load({"orders": update}, mode="merge",
...                                       keys={"orders": ["order_id"]})]
[2]
>>> target.read("orders").sort_values("order_id")
   order_id  amount
0         1     9.5
1         2    25.0
2         3     7.0
>>> target.close()
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, Self, TypeAlias, get_args, runtime_checkable
from urllib.parse import parse_qs

import pandas as pd

from pipelinekit.config import redact
from pipelinekit.errors import (
    InvalidValueError,
    PipelinekitError,
    UnknownNameError,
    format_list,
    nearest,
)
from pipelinekit.pipeline.workspace import WorkTable, plain_columns

__all__ = [
    "LOAD_LOG_TABLE",
    "LOAD_MODES",
    "LoadMode",
    "LoadResult",
    "SCHEMES",
    "Target",
    "TargetBase",
    "TableData",
    "TargetError",
    "check_columns_match",
    "merge_frames",
    "newer_rows",
    "open_target",
    "prepare_load",
    "read_frame",
    "unknown_table",
]

LoadMode = Literal["replace", "append", "merge", "incremental"]
TableData: TypeAlias = pd.DataFrame | WorkTable
"""What a target loads: a DataFrame, or a table a pipeline run made (read when needed)."""
LOAD_MODES: tuple[str, ...] = get_args(LoadMode)

SCHEMES = ("duckdb", "parquet", "postgresql+psycopg", "s3")
"""The URL schemes :func:`open_target` knows (``postgresql`` means ``postgresql+psycopg``)."""

LOAD_LOG_TABLE = "_pipelinekit_loads"
"""The table (or manifest entry) where targets record each load: run_id, table, mode, rows."""

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED_PREFIXES = ("_pipelinekit", "_pk_")
_MAX_NAME = 63  # PostgreSQL truncates longer identifiers


class TargetError(PipelinekitError):
    """A load, read or connection to a target failed (the target's tables are intact)."""


@dataclass
class LoadResult:
    """What one table's load did.

    Parameters
    ----------
    table : str
        The table loaded.
    mode : str
        The load mode used.
    rows_in : int
        Rows in the frame given.
    rows_written : int
        Rows inserted or updated (``incremental``: the newer rows; ``append`` skipped
        because the run already appended the table: 0).
    seconds : float
        Time spent staging and swapping this table.
    """

    table: str
    mode: str
    rows_in: int
    rows_written: int
    seconds: float


@runtime_checkable
class Target(Protocol):
    """What every warehouse target does (DuckDB, Parquet, PostgreSQL, S3).

    ``url`` is the target's address with any password replaced by ``***``.
    """

    url: str

    def load(
        self,
        tables: Mapping[str, TableData],
        *,
        mode: LoadMode = "replace",
        keys: Mapping[str, Sequence[str]] = {},  # noqa: B006 - read only
        watermark: Mapping[str, str] = {},  # noqa: B006 - read only
        run_id: str | None = None,
    ) -> list[LoadResult]:
        """Load every table atomically (see the module docstring for the modes)."""
        ...

    def read(self, table: str) -> pd.DataFrame:
        """The table's rows as a DataFrame."""
        ...

    def tables(self) -> list[str]:
        """The tables the target holds, sorted (its load log excluded)."""
        ...

    def close(self) -> None:
        """Release connections; the target's data stays."""
        ...


class TargetBase:
    """What the targets share: a repr with the password hidden, and ``with`` support.

    ``with open_target(url) as target: ...`` closes the target's connections at the end.
    """

    url: str

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact(self.url)!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release connections; the target's data stays."""


def open_target(
    url: str | os.PathLike[str], *, base_dir: str | os.PathLike[str] | None = None
) -> Target:
    """Open the warehouse target at ``url``.

    Parameters
    ----------
    url : str or path
        A target URL (see the table in the module docstring) or a path ending ``.duckdb``.
    base_dir : str or path, optional
        Where relative DuckDB and Parquet paths start; the current folder when not given.

    Returns
    -------
    Target
        A :class:`DuckDBTarget`, :class:`ParquetTarget`, :class:`PostgresTarget` or
        ``S3Target``.

    Raises
    ------
    UnknownNameError
        For a scheme no target handles.
    InvalidValueError
        For a URL that cannot be read.
    TargetError
        When the server (PostgreSQL) cannot be reached.

    Examples
    --------
    >>> open_target("duckdb:///:memory:")
    DuckDBTarget('duckdb:///:memory:')
    >>> open_target("mysql://learner:secret@db/shop")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.UnknownNameError: Unknown target scheme 'mysql' in
    'mysql://learner:***@db/shop'; expected one of 'duckdb', 'parquet', ...
    """
    text = os.fspath(url).strip()
    base = Path(base_dir) if base_dir is not None else None
    if "://" not in text:
        if text.endswith(".duckdb"):
            from pipelinekit.pipeline.targets.duckdb_target import DuckDBTarget

            return DuckDBTarget(_resolve(text, base))
        raise InvalidValueError(
            f"The target {redact(text)!r} is not a URL",
            "a URL such as 'duckdb:///warehouse.duckdb', 'parquet://marts', "
            "'postgresql+psycopg://user@host:5432/db' or 's3://bucket/prefix'",
            "a DuckDB file may also be given as a path ending '.duckdb'",
        )
    scheme, _, rest = text.partition("://")
    scheme = scheme.lower()
    if scheme == "duckdb":
        from pipelinekit.pipeline.targets.duckdb_target import DuckDBTarget

        path, options = _path_and_options(text, rest, {"schema"})
        # SQLAlchemy's convention, as for SQLite: three slashes then a relative path,
        # four for an absolute one.
        path = path.removeprefix("/")
        schema = options.get("schema", "main")
        if path in ("", ":memory:"):
            return DuckDBTarget(":memory:", schema=schema)
        return DuckDBTarget(_resolve(path, base), schema=schema)
    if scheme == "parquet":
        from pipelinekit.pipeline.targets.parquet_target import ParquetTarget

        path, _options = _path_and_options(text, rest, set())
        if not path.strip("/"):
            raise InvalidValueError(
                f"The Parquet target {text!r} names no folder",
                "'parquet:///absolute/folder' or 'parquet://relative/folder'",
            )
        return ParquetTarget(_resolve(path, base))
    if scheme.partition("+")[0] in ("postgresql", "postgres"):
        from pipelinekit.pipeline.targets.postgres_target import PostgresTarget

        return PostgresTarget(text)
    if scheme == "s3":
        from pipelinekit.pipeline.targets.s3_target import S3Target

        return S3Target(text)  # type: ignore[no-any-return,unused-ignore]
    close = nearest(scheme, SCHEMES)
    hint = (
        f"did you mean {format_list(close)}?"
        if close
        else "PostgreSQL URLs start 'postgresql+psycopg://'; other databases are not targets"
    )
    raise UnknownNameError(
        f"Unknown target scheme {scheme!r} in {redact(text)!r}",
        f"one of {format_list(SCHEMES)}",
        hint,
    )


def _resolve(path: str, base: Path | None) -> Path:
    candidate = Path(path).expanduser()
    if base is not None and not candidate.is_absolute():
        return base / candidate
    return candidate


def _path_and_options(url: str, rest: str, allowed: set[str]) -> tuple[str, dict[str, str]]:
    """Split ``path?name=value`` and check the option names."""
    path, _, query = rest.partition("?")
    options = {name: values[-1] for name, values in parse_qs(query).items()}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise InvalidValueError(
            f"The target URL {redact(url)!r} has the unknown option {unknown[0]!r}",
            f"only {format_list(sorted(allowed))}" if allowed else "no '?' options",
        )
    return path, options


# --- helpers shared by the targets -------------------------------------------------------


def _check_name(name: object, kind: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name) or len(name) > _MAX_NAME:
        raise InvalidValueError(
            f"The {kind} name {name!r} cannot be used in a warehouse",
            f"letters, digits and underscores, not starting with a digit, at most "
            f"{_MAX_NAME} characters",
            "rename it (snake_case, as in 'fct_orders')",
        )
    if name.lower().startswith(_RESERVED_PREFIXES):
        raise InvalidValueError(
            f"The {kind} name {name!r} starts with a prefix pipelinekit keeps for itself",
            f"a name not starting with {format_list(_RESERVED_PREFIXES)}",
            "rename it",
        )
    return name


def prepare_load(
    tables: Mapping[str, TableData],
    *,
    mode: str,
    keys: Mapping[str, Sequence[str] | str],
    watermark: Mapping[str, str],
    work_tables: bool = False,
) -> tuple[dict[str, TableData], dict[str, list[str]]]:
    """Check a load request and give the frames to write and the keys of each table.

    Every target calls this first, so a bad request fails before anything is written
    and reads the same everywhere. Checks: the mode is known; table and column names are
    usable (letters, digits, underscores; columns unique ignoring case, which DuckDB
    needs); ``merge`` has keys and ``incremental`` a watermark for every table, naming
    columns of the frame; merge keys have no missing value and no repeat.

    Returns the frames with categorical columns (and object columns holding nothing but
    missing values) turned into text and a default index, and each table's keys as a
    list (a single key may be given as a string). A
    :class:`~pipelinekit.pipeline.workspace.WorkTable` (a table a pipeline run made) is
    checked in its database and read as a frame, or given back as it is with
    ``work_tables=True`` (a target that can copy it without pandas).

    Examples
    --------
    >>> frame = pd.DataFrame({"id": [1, 1], "v": ["a", "b"]})
    >>> prepare_load({"t": frame}, mode="merge", keys={"t": "id"}, watermark={})
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: Table 't' has 2 rows sharing a key (id), first 1;
    expected each key once for a merge...
    >>> prepare_load({"t": frame}, mode="upsert", keys={}, watermark={})
    Traceback (most recent call last):
    ...
    pipelinekit.errors.UnknownNameError: Unknown load mode 'upsert'; expected one of
    'replace', 'append', 'merge', 'incremental'...
    """
    if mode not in LOAD_MODES:
        raise UnknownNameError.for_name(
            mode, LOAD_MODES, kind="load mode", hint="merge upserts on keys=..."
        )
    frames: dict[str, TableData] = {}
    table_keys: dict[str, list[str]] = {}
    for name, frame in tables.items():
        _check_name(name, "table")
        if not isinstance(frame, pd.DataFrame | WorkTable):
            raise InvalidValueError(
                f"Table {name!r} is a {type(frame).__name__}",
                "a pandas DataFrame",
                "pass {'table': frame}",
            )
        if len(frame.columns) == 0:
            raise InvalidValueError(
                f"Table {name!r} has no columns", "at least one column", "check the step's output"
            )
        seen: dict[str, object] = {}
        for column in frame.columns:
            _check_name(column, f"column (table {name!r})")
            if column.lower() in seen:
                raise InvalidValueError(
                    f"Table {name!r} has columns {seen[column.lower()]!r} and {column!r}",
                    "column names that differ in more than letter case",
                    "DuckDB and SQL in general ignore case in names: rename one",
                )
            seen[column.lower()] = column
        raw_keys = keys.get(name, [])
        columns = [raw_keys] if isinstance(raw_keys, str) else list(raw_keys)
        if mode == "merge" and not columns:
            raise InvalidValueError(
                f"Table {name!r} is loaded with mode 'merge' without keys",
                "the columns that identify a row",
                f"add keys: {{{name}: [id_column]}}",
            )
        _check_columns(name, frame, columns, "key")
        if mode == "incremental":
            column = watermark.get(name)
            if not column:
                raise InvalidValueError(
                    f"Table {name!r} is loaded with mode 'incremental' without a watermark",
                    "the column whose newer values mark new rows",
                    f"add watermark: {{{name}: updated_at}}",
                )
            _check_columns(name, frame, [column], "watermark")
        if columns and mode in ("merge", "incremental"):
            _check_unique_keys(name, frame, columns)
        if isinstance(frame, WorkTable):
            frames[name] = frame if work_tables else frame.to_pandas()
        else:
            frames[name] = plain_columns(frame)
        table_keys[name] = columns
    return frames, table_keys


def read_frame(table: TableData) -> pd.DataFrame:
    """``table`` as a DataFrame: a :class:`WorkTable` is read now, so a target that loads
    table by table holds one table in memory at a time.

    Examples
    --------
    >>> read_frame(pd.DataFrame({"id": [1]}))["id"].tolist()
    [1]
    """
    return table.to_pandas() if isinstance(table, WorkTable) else table


def unknown_table(table: str, known: Sequence[str], target: str) -> UnknownNameError:
    """The error for reading a table the target does not hold.

    Examples
    --------
    >>> print(unknown_table("fct_order", ["dim_customer", "fct_orders"], "duckdb:///w.duckdb"))
    Unknown table 'fct_order' in duckdb:///w.duckdb; expected one of 'dim_customer', 'fct_orders'.
    <BLANKLINE>
    Hint: did you mean 'fct_orders'?
    """
    close = nearest(table, known)
    return UnknownNameError(
        f"Unknown table {table!r} in {target}",
        f"one of {format_list(known)}" if known else "a table loaded first (it has none)",
        f"did you mean {format_list(close)}?" if close else None,
    )


def _check_columns(table: str, frame: TableData, columns: list[str], kind: str) -> None:
    for column in columns:
        if column not in frame.columns:
            close = nearest(column, map(str, frame.columns))
            raise UnknownNameError(
                f"Unknown {kind} column {column!r} in table {table!r}",
                f"one of {format_list(frame.columns)}",
                f"did you mean {format_list(close)}?" if close else None,
            )


def _check_unique_keys(table: str, frame: TableData, keys: list[str]) -> None:
    if isinstance(frame, WorkTable):
        missing, repeated, first = frame.repeated_keys(keys)
    else:
        missing = int(frame[keys].isna().any(axis=1).sum())
        shared = frame.duplicated(keys, keep=False)
        repeated = int(shared.sum())
        first = frame.loc[shared, keys].iloc[0].tolist() if repeated else []
    if missing:
        raise InvalidValueError(
            f"Table {table!r} has {missing} rows with a missing key ({', '.join(keys)})",
            "a value in every key column",
            "drop or fill those rows before loading",
        )
    if repeated:
        raise InvalidValueError(
            f"Table {table!r} has {repeated} rows sharing a key "
            f"({', '.join(keys)}), first {', '.join(map(str, first))}",
            "each key once for a merge",
            "deduplicate the frame (keep the latest row per key) before loading",
        )


def check_columns_match(
    table: str, existing: Sequence[str], frame_columns: Sequence[str], target: str
) -> None:
    """Appending or merging needs the frame to have the table's columns, no more or less.

    Examples
    --------
    >>> check_columns_match("t", ["id", "v"], ["v", "id"], "duckdb:///w.duckdb")
    >>> check_columns_match("t", ["id", "v"], ["id", "w"], "duckdb:///w.duckdb")
    Traceback (most recent call last):
    ...
    pipelinekit.pipeline.targets.TargetError: Table 't' in duckdb:///w.duckdb has columns
    'id', 'v' but the frame has 'id', 'w' (missing 'v'; extra 'w')...
    """
    have = set(existing)
    given = set(frame_columns)
    if have == given:
        return
    missing = [c for c in existing if c not in given]
    extra = [c for c in frame_columns if c not in have]
    parts = [f"missing {format_list(missing)}"] if missing else []
    parts += [f"extra {format_list(extra)}"] if extra else []
    raise TargetError(
        f"Table {table!r} in {target} has columns {format_list(existing)} but the frame has "
        f"{format_list(frame_columns)} ({'; '.join(parts)})",
        "the same columns to append or merge",
        "load with mode='replace' to change a table's columns",
    )


def newer_rows(frame: pd.DataFrame, column: str, latest: object) -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` is after ``latest`` (all when it is missing).

    The incremental rule every target follows: rows with a missing watermark are loaded
    only into a new or empty table.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": [1, 2, 3], "day": [1, 5, 9]})
    >>> newer_rows(frame, "day", 5)["id"].tolist()
    [3]
    >>> len(newer_rows(frame, "day", None))
    3
    """
    if latest is None or pd.isna(latest):
        return frame
    values = frame[column]
    if isinstance(latest, pd.Timestamp) and isinstance(values.dtype, pd.DatetimeTZDtype):
        latest = latest if latest.tzinfo else latest.tz_localize("UTC")
    newer = (values > latest).fillna(False).astype(bool)
    return frame.loc[newer.to_numpy()]


def merge_frames(old: pd.DataFrame, new: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Upsert in pandas: ``old`` without the rows whose key is in ``new``, then ``new``.

    Examples
    --------
    >>> old = pd.DataFrame({"id": [1, 2], "v": ["a", "b"]})
    >>> new = pd.DataFrame({"id": [2, 3], "v": ["B", "c"]})
    >>> merge_frames(old, new, ["id"])
       id  v
    0   1  a
    1   2  B
    2   3  c
    """
    keys = list(keys)
    old_index = pd.MultiIndex.from_frame(old[keys].astype(object))
    new_index = pd.MultiIndex.from_frame(new[keys].astype(object))
    kept = old.loc[~old_index.isin(new_index)]
    return pd.concat([kept, new[list(old.columns)]], ignore_index=True)
