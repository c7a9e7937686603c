"""Load tables into S3-compatible storage, all of them at once or none.

Why a manifest
--------------
A database publishes a load in one transaction: readers see every table old or every
table new. S3 has no transactions and no rename of many objects at once. What it does
have is this: **a single PUT of one object is atomic** -- a reader gets the old object or
the new one, never half of either. So the target never overwrites data in place. It
writes each load as a new *version* and then flips one small pointer object::

    s3://bucket/prefix/
        _current.json                          <- the manifest: which version is current
        _versions/<version>/orders.parquet     <- data, never changed once written
        _versions/<version>/customers.parquet
        _staging/<run_id>/...                  <- work in progress, deleted after the load

``load()`` works in four steps:

1. **Compute**, table by table (one in memory at a time). Check the request
   (:func:`~pipelinekit.pipeline.targets.prepare_load`, shared by every target), then
   apply the load mode in pandas to the current version of the table: ``replace`` keeps
   the new frame; ``append`` adds its rows; ``merge`` replaces rows whose ``keys`` match
   and adds the others (an upsert); ``incremental`` adds only rows whose ``watermark``
   column is greater than the current maximum (merging them when ``keys`` are given too).
2. **Stage** the result at once to ``_staging/<run_id>/<table>.parquet``. A table that
   cannot be combined or written fails here, before anything a reader can see has
   changed (the staging objects are deleted).
3. **Publish.** Copy the staged objects to ``_versions/<version>/`` (a server-side
   copy), then PUT the new manifest, naming the new version of each loaded table and the
   unchanged version of every other table. **The manifest is written last**: until that
   one PUT succeeds, readers (:meth:`S3Target.read`, :func:`~pipelinekit.pipeline.s3.
   read_s3`) follow the old manifest to the old, untouched objects. If anything fails
   before it, the new objects are deleted and the previous tables stay as they were.
4. **Clean up.** Delete the staging objects, and versions older than the newest
   ``keep_versions`` that the manifest no longer names. Keeping a few old versions lets a
   reader who fetched the previous manifest a moment ago finish reading it.

The manifest also keeps the load log (``loads``: run_id, table, mode, rows written; the
last 1000 entries). Loading the same input twice with ``replace``, ``merge`` or
``incremental`` gives the same tables (a new version with the same rows); ``append`` adds
the rows again -- unless it is given the same ``run_id``, which the log shows has
appended that table already, so rerunning an interrupted run adds no duplicates.

Limits: two loads into the same prefix at the same time are not isolated -- the last
manifest written wins, and the other load's tables are lost from it (S3 conditional
writes, ``If-Match`` on the manifest's ETag, would detect that; pyarrow does not expose
them). Every mode except ``replace`` reads the whole current table into memory.

Examples
--------
>>> from pipelinekit.pipeline.targets.s3_target import S3Target
>>> target = S3Target("s3://warehouse/shop")              # doctest: +SKIP
>>> target.load({"orders": orders}, mode="merge", keys={"orders": ["order_id"]})
...                                                       # doctest: +SKIP
>>> target.read("orders").head()                          # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pandas as pd
import pyarrow.fs as pafs

from pipelinekit.errors import InvalidValueError
from pipelinekit.pipeline.s3 import (
    PARQUET_SUFFIX,
    Manifest,
    S3Location,
    check_table_name,
    parse_s3_url,
    read_manifest,
    read_parquet_object,
    read_s3,
    require_bucket,
    s3_errors,
    s3_filesystem,
    write_manifest,
    write_parquet_object,
)
from pipelinekit.pipeline.targets import (
    LoadMode,
    LoadResult,
    TableData,
    TargetBase,
    check_columns_match,
    merge_frames,
    newer_rows,
    prepare_load,
    read_frame,
)

__all__ = ["S3Target"]

LOAD_LOG_LENGTH = 1000  # load-log entries the manifest keeps
STAGING = "_staging"
VERSIONS = "_versions"


class S3Target(TargetBase):
    """Parquet tables under ``s3://bucket/prefix``, published atomically via a manifest.

    Parameters
    ----------
    url : str
        ``s3://bucket/prefix``. The bucket must exist.
    filesystem : pyarrow.fs.S3FileSystem, optional
        From the environment (``PIPELINEKIT_S3_ENDPOINT`` and the credential variables,
        see :mod:`pipelinekit.pipeline.s3`) when not given.
    keep_versions : int
        How many of the newest versions to keep besides those the manifest names.

    Raises
    ------
    S3Error
        The server is unreachable, or the bucket does not exist.
    """

    def __init__(
        self, url: str, *, filesystem: pafs.FileSystem | None = None, keep_versions: int = 3
    ) -> None:
        if keep_versions < 1:
            raise InvalidValueError(
                f"keep_versions={keep_versions}", "at least 1", "keep the current version"
            )
        self.location: S3Location = parse_s3_url(url)
        self.url = self.location.url
        self.keep_versions = keep_versions
        self.filesystem = filesystem or s3_filesystem()
        require_bucket(self.filesystem, self.location)

    # --- reading ----------------------------------------------------------------------

    def tables(self) -> list[str]:
        """The tables the current manifest names (empty before the first load)."""
        manifest = read_manifest(self.filesystem, self.location)
        return sorted(manifest.versions) if manifest else []

    def read(self, table: str) -> pd.DataFrame:
        """The current version of ``table``.

        Raises
        ------
        UnknownNameError
            No table of that name was loaded; the hint names the nearest ones.
        """
        return read_s3(self.url, [table], filesystem=self.filesystem)[table]

    def close(self) -> None:
        """Nothing to release: every request opens and closes its own connection."""

    # --- loading ----------------------------------------------------------------------

    def load(
        self,
        tables: Mapping[str, TableData],
        *,
        mode: LoadMode = "replace",
        keys: Mapping[str, Sequence[str]] = {},  # noqa: B006 - read only
        watermark: Mapping[str, str] = {},  # noqa: B006 - read only
        run_id: str | None = None,
    ) -> list[LoadResult]:
        """Load every table, then publish them all at once (see the module docstring).

        Parameters
        ----------
        tables : mapping of str to DataFrame
            Table name -> rows to load. The index is not stored.
        mode : {"replace", "append", "merge", "incremental"}
            How the rows combine with the current version of each table.
        keys : mapping of str to list of str
            ``merge`` (and optionally ``incremental``): the columns that identify a row.
        watermark : mapping of str to str
            ``incremental``: the ever-growing column (a timestamp, an id), per table.
        run_id : str, optional
            Names the staging folder and the new version, and is written to the load
            log; ``append`` skips tables this run_id appended already. Random when not
            given.

        Returns
        -------
        list of LoadResult
            One per table: rows given, rows written (``incremental``: only the new ones).

        Raises
        ------
        PipelinekitError
            An unknown mode, missing keys or watermark, repeated keys, or columns that do
            not match the current table (``TargetError``). Nothing is written.
        S3Error
            Storage failed; the previous tables are still current.
        """
        frames, table_keys = prepare_load(
            tables, mode=mode, keys=keys, watermark=watermark, work_tables=True
        )
        run = _check_run_id(run_id or uuid.uuid4().hex[:12])
        previous = read_manifest(self.filesystem, self.location)
        log = list(previous.loads) if previous else []
        results: dict[str, LoadResult] = {}
        staged: dict[str, int] = {}  # table -> rows of its new version
        version = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{run}"
        staging = self.location.path(STAGING, run)
        published: list[str] = []
        try:
            self._delete(staging)  # leftovers of an earlier attempt with this run_id
            for table, frame in frames.items():  # 1. compute and 2. stage, table by table
                started = time.perf_counter()
                written = 0  # append, and this run appended the table already: add nothing
                if not (mode == "append" and run_id and _appended(log, run_id, table)):
                    before = self._previous(previous, table) if mode != "replace" else None
                    frame_now = read_frame(frame)
                    content, written = self._combine(
                        before, frame_now, table, mode, table_keys[table], watermark.get(table)
                    )
                    path = f"{staging}/{table}{PARQUET_SUFFIX}"
                    with s3_errors(self.filesystem, self.location, f"staging table '{table}'"):
                        write_parquet_object(content, self.filesystem, path)
                    staged[table] = len(content)
                    del before, content, frame_now
                seconds = time.perf_counter() - started
                results[table] = LoadResult(table, mode, len(frame), written, seconds)
            for table in staged:  # 3. publish
                started = time.perf_counter()
                target = self.location.path(Manifest.object_key(table, version))
                with s3_errors(self.filesystem, self.location, f"publishing table '{table}'"):
                    self.filesystem.copy_file(f"{staging}/{table}{PARQUET_SUFFIX}", target)
                published.append(target)
                results[table].seconds += time.perf_counter() - started
            versions = dict(previous.versions) if previous else {}
            rows = dict(previous.rows) if previous else {}
            for table, count in staged.items():
                versions[table], rows[table] = version, count
            log += [
                {"run_id": run, "table": r.table, "mode": mode, "rows_written": r.rows_written}
                for r in results.values()
            ]
            manifest = Manifest(versions, rows, run_id=run, loads=log[-LOAD_LOG_LENGTH:])
            self._publish(manifest)
        except BaseException:
            if published:
                self._delete(self.location.path(VERSIONS, version))
            self._delete(staging)
            raise
        self._delete(staging)
        self._clean_versions(keep=set(versions.values()))
        return list(results.values())

    # --- steps ------------------------------------------------------------------------

    def _combine(
        self,
        before: pd.DataFrame | None,
        frame: pd.DataFrame,
        table: str,
        mode: LoadMode,
        keys: list[str],
        watermark: str | None,
    ) -> tuple[pd.DataFrame, int]:
        """The table after loading ``frame`` into ``before`` with ``mode``; rows written."""
        if before is None or mode == "replace":
            return frame, len(frame)
        check_columns_match(table, list(before.columns), list(frame.columns), self.url)
        frame = frame[list(before.columns)]
        if mode == "append":
            return _concat(before, frame), len(frame)
        if mode == "merge":
            return merge_frames(before, frame, keys), len(frame)
        column = watermark or ""  # prepare_load made sure incremental has one
        latest = before[column].max() if len(before) else None
        new = newer_rows(frame, column, latest)
        combined = merge_frames(before, new, keys) if keys else _concat(before, new)
        return combined, len(new)

    def _previous(self, manifest: Manifest | None, table: str) -> pd.DataFrame | None:
        if manifest is None or table not in manifest.versions:
            return None
        path = self.location.path(manifest.key(table))
        with s3_errors(self.filesystem, self.location, f"reading current table '{table}'"):
            return read_parquet_object(self.filesystem, path)

    def _publish(self, manifest: Manifest) -> None:
        """The one atomic step: PUT the manifest naming the new versions."""
        write_manifest(self.filesystem, self.location, manifest)

    def _delete(self, path: str) -> None:
        """Delete everything under ``path``; best effort (a leftover is only clutter)."""
        with contextlib.suppress(OSError):
            self.filesystem.delete_dir(path)

    def _clean_versions(self, *, keep: set[str]) -> None:
        selector = pafs.FileSelector(self.location.path(VERSIONS), allow_not_found=True)
        try:
            names = sorted(i.base_name for i in self.filesystem.get_file_info(selector))
        except OSError:
            return
        newest = set(names[-self.keep_versions :])
        for name in names:
            if name not in keep and name not in newest:
                self._delete(self.location.path(VERSIONS, name))


# --- load modes, in pandas ----------------------------------------------------------


def _appended(log: Sequence[Mapping[str, object]], run_id: str, table: str) -> bool:
    """Whether the load log shows ``run_id`` appending ``table`` already."""
    return any(
        e.get("run_id") == run_id and e.get("table") == table and e.get("mode") == "append"
        for e in log
    )


def _check_run_id(run_id: str) -> str:
    try:
        return check_table_name(run_id)
    except InvalidValueError:
        raise InvalidValueError(
            f"run_id {run_id!r} cannot name an S3 folder",
            "letters, digits, '_', '-' or '.'",
            "leave run_id out to get a random one",
        ) from None


def _concat(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    if second.empty:
        return first.reset_index(drop=True)
    if first.empty:
        return second.reset_index(drop=True)
    return pd.concat([first, second], ignore_index=True)
