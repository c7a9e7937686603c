"""The runs a runs folder holds: their status, runs that were killed, the run to resume.

Every run writes ``runs/<run_id>/metrics.json`` when it starts (status ``RUNNING``, with
the process id) and again when it ends (``COMPLETE`` or ``FAIL``). A run killed with
``kill -9`` (or a machine that lost power) never writes the second one; the next run in
the same folder finds its process gone and records it as ``FAIL`` (:func:`mark_abandoned`).
A failed run keeps its working database (``work.duckdb``): :func:`resumable_run` finds it
for ``pipelinekit run NAME --resume``.

Examples
--------
>>> import json, tempfile, pathlib
>>> runs = pathlib.Path(tempfile.mkdtemp())
>>> (runs / "r1").mkdir()
>>> record = {"run_id": "r1", "pipeline": "shop", "status": "RUNNING",
...           "started_at": "2026-01-01T00:00:00+00:00", "pid": 2**22 + 1, "host": HOST}
>>> _ = (runs / "r1" / "metrics.json").write_text(json.dumps(record))
>>> mark_abandoned(runs)
['r1']
>>> list_runs(runs)[["run_id", "status"]]
  run_id status
0     r1   FAIL
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from pathlib import Path
from typing import Any

import pandas as pd

from pipelinekit.errors import PipelinekitError, format_list

__all__ = ["HOST", "WORK_FILE", "list_runs", "mark_abandoned", "resumable_run", "running_record"]

WORK_FILE = "work.duckdb"
"""The run's working database in its folder (kept when the run fails, for a resume)."""

HOST = socket.gethostname()
ABANDONED = "the run stopped without finishing (its process ended: killed, or the machine stopped)"


def running_record(run_id: str, pipeline: str, started_at: str, **extra: Any) -> dict[str, Any]:
    """What ``metrics.json`` says while a run is active: who runs it, where."""
    return {
        "run_id": run_id,
        "pipeline": pipeline,
        "status": "RUNNING",
        "started_at": started_at,
        "pid": os.getpid(),
        "host": HOST,
        **extra,
    }


def _read(folder: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((folder / "metrics.json").read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def mark_abandoned(runs_dir: str | os.PathLike[str]) -> list[str]:
    """Record as FAIL the runs still marked RUNNING whose process on this machine is gone.

    Returns their run ids. A run of another machine (a shared folder) is left alone.
    """
    marked: list[str] = []
    folder = Path(runs_dir)
    if not folder.is_dir():
        return marked
    for run_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        record = _read(run_dir)
        if record is None or record.get("status") != "RUNNING":
            continue
        if record.get("host") != HOST or _alive(record.get("pid")):
            continue
        record.update(status="FAIL", error=ABANDONED, interrupted=True)
        (run_dir / "metrics.json").write_text(json.dumps(record, indent=2) + "\n")
        line = {"level": "error", "event": "run_abandoned", "run_id": record.get("run_id")}
        with contextlib.suppress(OSError), (run_dir / "log.jsonl").open("a") as log:
            log.write(json.dumps({**line, "error": ABANDONED}) + "\n")
        marked.append(run_dir.name)
    return marked


def list_runs(runs_dir: str | os.PathLike[str] = "runs") -> pd.DataFrame:
    """One row per run in ``runs_dir``, the newest last: id, pipeline, status, start,
    seconds, error, and whether it can be resumed (a failed run with its work database).

    Examples
    --------
    >>> list_runs("no/such/folder").columns.tolist()
    ['run_id', 'pipeline', 'status', 'started_at', 'seconds', 'error', 'resumable']
    """
    rows = []
    folder = Path(runs_dir)
    for run_dir in sorted(folder.iterdir()) if folder.is_dir() else []:
        record = _read(run_dir) if run_dir.is_dir() else None
        if record is None:
            continue
        rows.append(
            {
                "run_id": record.get("run_id", run_dir.name),
                "pipeline": record.get("pipeline"),
                "status": record.get("status"),
                "started_at": record.get("started_at"),
                "seconds": record.get("seconds"),
                "error": record.get("error"),
                "resumable": record.get("status") == "FAIL" and (run_dir / WORK_FILE).exists(),
            }
        )
    columns = ["run_id", "pipeline", "status", "started_at", "seconds", "error", "resumable"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("started_at", kind="stable").reset_index(drop=True)


def resumable_run(
    runs_dir: str | os.PathLike[str], pipeline: str, run_id: str | None = None
) -> Path:
    """The folder of the failed run of ``pipeline`` to resume: ``run_id``, or the latest.

    Raises
    ------
    PipelinekitError
        No such run, or it cannot be resumed (it completed, or its work database is gone).
    """
    mark_abandoned(runs_dir)
    runs = list_runs(runs_dir)
    runs = runs[runs["pipeline"] == pipeline]
    if run_id is None:
        failed = runs[runs["resumable"]]
        if failed.empty:
            raise PipelinekitError(
                f"No failed run of pipeline '{pipeline}' to resume in '{runs_dir}'",
                "a run that failed or was interrupted, with its work.duckdb",
                "run it without --resume (a complete run removes its work database)",
            )
        run_id = str(failed["run_id"].iloc[-1])
    chosen = runs[runs["run_id"] == run_id]
    if chosen.empty:
        ids = runs["run_id"].tolist()[-5:]
        raise PipelinekitError(
            f"No run '{run_id}' of pipeline '{pipeline}' in '{runs_dir}'",
            f"one of {format_list(ids)}" if ids else "a run of this pipeline",
            "`pipelinekit runs` lists them",
        )
    if not bool(chosen["resumable"].iloc[0]):
        raise PipelinekitError(
            f"Run '{run_id}' cannot be resumed (status {chosen['status'].iloc[0]},"
            " no work database)",
            "a failed run with its work.duckdb",
            "rerun the pipeline without --resume",
        )
    return Path(runs_dir) / run_id
