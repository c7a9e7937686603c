"""The Parquet target: one ``<table>.parquet`` file per table in a folder.

A folder of files has no transactions, so a load follows a small journal protocol:

1. **Stage**: every table's new content is written to a hidden ``.staging-<id>/`` folder
   inside the target folder (``merge``, ``append`` and ``incremental`` read the old file
   and compute the new one in pandas). A failure here deletes the staging folder: the
   target is untouched.
2. **Commit**: ``_manifest.json`` is rewritten (to a temporary file, then renamed over
   the old one) with ``"state": "swapping"``, the staging folder's name and the new
   tables. This rename is the commit point.
3. **Swap**: each staged file is renamed over its table's file (``os.replace``: each
   file is replaced atomically, readers see the old file or the new one, never a half
   written one), then the manifest is written again with ``"state": "complete"``.

A process killed during step 3 leaves some files new and others old; the manifest still
says ``swapping``, and the next call on the target (load, read or tables) finishes the
renames from the staging folder, so the load ends all-or-nothing. Until then a reader
that globs ``*.parquet`` itself could see the mix. Killed during step 1 or 2, the staging
folder is simply deleted by the next call. One writer at a time, please.

The manifest also keeps the load log (``loads``: run_id, table, mode, rows).

Examples
--------
>>> import tempfile, pandas as pd
>>> folder = tempfile.mkdtemp()
>>> target = ParquetTarget(folder)
>>> _ = target.load({"customers": pd.DataFrame({"id": [1, 2], "name": ["Ada", "Bo"]})})
>>> target.tables()
['customers']
>>> sorted(p.name for p in target.folder.iterdir())
['_manifest.json', 'customers.parquet']
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipelinekit.errors import PipelinekitError
from pipelinekit.pipeline.targets import (
    LOAD_LOG_TABLE,
    LoadMode,
    LoadResult,
    TableData,
    TargetBase,
    TargetError,
    check_columns_match,
    merge_frames,
    newer_rows,
    prepare_load,
    read_frame,
    unknown_table,
)

__all__ = ["MANIFEST", "ParquetTarget"]

MANIFEST = "_manifest.json"
STAGING_PREFIX = ".staging-"
FORMAT = 1


class ParquetTarget(TargetBase):
    """Load tables as Parquet files, one per table, into ``folder``.

    Parameters
    ----------
    folder : str or Path
        The folder (created with its parents on the first load).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.url = f"parquet://{self.folder}"
        self._loading: str | None = None

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
        """Stage every table, then swap the files in; see the module docstring.

        Raises
        ------
        TargetError
            When a table cannot be written; every previous file is intact.
        """
        frames, table_keys = prepare_load(
            tables, mode=mode, keys=keys, watermark=watermark, work_tables=True
        )
        if not frames:
            return []
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise self._failure(None, error) from error
        self._recover()
        manifest = self._manifest()
        staging = self.folder / f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}"
        results: list[LoadResult] = []
        staged: list[str] = []
        self._loading = None
        try:
            staging.mkdir()
            for name, frame in frames.items():
                self._loading = name
                started = time.perf_counter()
                if mode == "append" and run_id is not None and _appended(manifest, name, run_id):
                    results.append(LoadResult(name, mode, len(frame), 0, 0.0))
                    continue
                table, written = self._new_content(  # one table read at a time
                    name, read_frame(frame), mode, table_keys[name], watermark.get(name)
                )
                _write(table, staging / f"{name}.parquet")
                staged.append(name)
                seconds = time.perf_counter() - started
                results.append(LoadResult(name, mode, len(frame), written, seconds))
            self._loading = None
            now = datetime.now(UTC).isoformat()
            for result in results:
                if result.table in staged:
                    manifest["tables"][result.table] = {
                        "file": f"{result.table}.parquet",
                        "columns": [str(c) for c in frames[result.table].columns],
                        "mode": mode,
                        "run_id": run_id,
                        "loaded_at": now,
                    }
                    manifest["loads"].append(
                        {
                            "run_id": run_id,
                            "table_name": result.table,
                            "mode": mode,
                            "rows_in": result.rows_in,
                            "rows_written": result.rows_written,
                            "seconds": result.seconds,
                            "loaded_at": now,
                        }
                    )
            manifest.update(state="swapping", staging=staging.name)
            self._write_manifest(manifest)  # the commit point
        except BaseException as error:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(error, PipelinekitError) or not isinstance(error, Exception):
                raise
            raise self._failure(self._loading, error) from error
        self._finish(manifest)
        return results

    def read(self, table: str) -> pd.DataFrame:
        """The rows of ``table`` (``"_pipelinekit_loads"``: the load log).

        Raises
        ------
        UnknownNameError
            When the folder holds no such table.
        """
        if table == LOAD_LOG_TABLE:
            return self.loads()
        known = self.tables()
        if table not in known:
            raise unknown_table(table, known, self.url)
        return pd.read_parquet(self.folder / f"{table}.parquet")

    def tables(self) -> list[str]:
        """The tables (``*.parquet`` files) of the folder, sorted."""
        if not self.folder.is_dir():
            return []
        self._recover()
        return sorted(p.stem for p in self.folder.glob("*.parquet") if p.is_file())

    def close(self) -> None:
        """Nothing to release: files are opened per call."""

    def loads(self) -> pd.DataFrame:
        """The load log kept in the manifest: one row per table loaded."""
        return pd.DataFrame(self._manifest()["loads"])

    # --- staging ---------------------------------------------------------------------

    def _new_content(
        self,
        name: str,
        frame: pd.DataFrame,
        mode: str,
        keys: list[str],
        watermark: str | None,
    ) -> tuple[pa.Table, int]:
        """The table's full new content and the number of rows written."""
        path = self.folder / f"{name}.parquet"
        old = pd.read_parquet(path) if mode != "replace" and path.exists() else None
        if old is None:
            return _arrow(frame), len(frame)
        check_columns_match(name, list(old.columns), list(frame.columns), self.url)
        new = frame
        if mode == "incremental":
            assert watermark is not None
            latest = old[watermark].max() if len(old) else None
            new = newer_rows(frame, watermark, latest)
        if keys and mode in ("merge", "incremental"):
            content = merge_frames(old, new, keys)
        else:
            content = pd.concat([old, new[list(old.columns)]], ignore_index=True)
        return _arrow(content, old_schema=pq.read_schema(path)), len(new)

    # --- the journal -----------------------------------------------------------------

    def _manifest(self) -> dict[str, Any]:
        path = self.folder / MANIFEST
        if not path.exists():
            return {
                "format": FORMAT,
                "state": "complete",
                "staging": None,
                "tables": {},
                "loads": [],
            }
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return manifest

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        temporary = self.folder / f"{MANIFEST}.tmp"
        with temporary.open("w", encoding="utf-8") as file:
            json.dump(manifest, file, indent=1, default=str)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.folder / MANIFEST)

    def _finish(self, manifest: dict[str, Any]) -> None:
        """Rename the staged files into place, then mark the manifest complete."""
        staging = self.folder / manifest["staging"]
        if staging.is_dir():
            for staged in sorted(staging.glob("*.parquet")):
                os.replace(staged, self.folder / staged.name)
        manifest.update(state="complete", staging=None)
        self._write_manifest(manifest)
        shutil.rmtree(staging, ignore_errors=True)

    def _recover(self) -> None:
        """Finish a committed load that was interrupted; drop stale staging folders."""
        if not self.folder.is_dir():
            return
        manifest = self._manifest()
        if manifest.get("state") == "swapping" and manifest.get("staging"):
            self._finish(manifest)
        for leftover in self.folder.glob(f"{STAGING_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)
        (self.folder / f"{MANIFEST}.tmp").unlink(missing_ok=True)

    def _failure(self, table: str | None, error: Exception) -> TargetError:
        reason = " ".join(str(error).split()) or type(error).__name__
        where = f"table {table!r} into {self.url}" if table else f"into {self.url}"
        return TargetError(
            f"Loading {where} failed ({reason})",
            None,
            "nothing was changed: the previous files are intact; fix the cause and rerun",
        )


def _appended(manifest: dict[str, Any], table: str, run_id: str) -> bool:
    return any(
        load["run_id"] == run_id and load["table_name"] == table and load["mode"] == "append"
        for load in manifest["loads"]
    )


def _arrow(frame: pd.DataFrame, old_schema: pa.Schema | None = None) -> pa.Table:
    """The frame as an Arrow table; appended rows keep the file's column types."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if old_schema is None:
        return table
    fields = {field.name: field.type for field in old_schema}
    columns = [
        column.cast(fields[name]) if name in fields and column.type != fields[name] else column
        for name, column in zip(table.column_names, table.columns, strict=True)
    ]
    return pa.Table.from_arrays(columns, names=table.column_names, metadata=table.schema.metadata)


def _write(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path)
    with path.open("rb") as file:
        os.fsync(file.fileno())
