"""Read the JSON logs of runs into a DataFrame, and ask them the usual questions.

:func:`read_logs` turns ``log.jsonl`` files (as a :class:`~pipelinekit.observe.RunLogger`
writes them) into one frame, one row per event. Three summaries answer what an engineer
asks first when a pipeline misbehaves:

* :func:`slowest_steps`: which steps take the time?
* :func:`error_rates`: which steps fail, and how often?
* :func:`row_count_changes`: did a step suddenly write many more, or fewer, rows than
  in the run before? (The cheapest data-quality alarm there is.)

Examples
--------
>>> import pandas as pd
>>> logs = pd.DataFrame({
...     "timestamp": pd.to_datetime(["2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z"]),
...     "level": "info", "event": "step_finished", "run_id": ["r1", "r2"],
...     "step": "stg_orders", "rows_out": [100, 80], "seconds": [1.0, 3.0]})
>>> row_count_changes(logs)[["step", "run_id", "rows", "previous_rows", "change"]]
         step run_id  rows  previous_rows  change
0  stg_orders     r2    80            100     -20
>>> slowest_steps(logs)[["step", "runs", "mean_seconds", "max_seconds"]]
         step  runs  mean_seconds  max_seconds
0  stg_orders     2           2.0          3.0
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import pandas as pd

from pipelinekit.errors import PipelinekitError, format_list
from pipelinekit.observe.log import FIRST_KEYS

__all__ = ["error_rates", "read_logs", "row_count_changes", "slowest_steps"]

LOG_NAME = "log.jsonl"
#: Columns every frame of :func:`read_logs` has, whatever the files hold.
COLUMNS = [*FIRST_KEYS, "rows_in", "rows_out", "seconds", "error"]

PathLike = str | os.PathLike[str]


def read_logs(source: PathLike | Iterable[PathLike]) -> pd.DataFrame:
    """One row per logged event, from JSON-lines log files, oldest first.

    Parameters
    ----------
    source : path or iterable of paths
        A ``.jsonl`` file; a run folder holding ``log.jsonl``; a folder of run folders
        (``runs/*/log.jsonl``); or several of these.

    Returns
    -------
    DataFrame
        ``timestamp`` (UTC datetimes), ``level``, ``event``, ``run_id``, ``step``,
        ``rows_in``, ``rows_out`` (nullable integers), ``seconds``, ``error``, the other
        fields the events carried, and ``file``, the log each row came from.

    Notes
    -----
    A last line without its newline is a write cut short by a crash and is left out;
    any other line that is not a JSON object is an error naming the file and line.
    """
    sources = [source] if isinstance(source, str | os.PathLike) else list(source)
    files = [file for item in sources for file in _log_files(Path(item))]
    records = [record for file in files for record in _read(file)]
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    extra = [c for c in frame.columns if c not in COLUMNS and c != "file"]
    frame = frame.reindex(columns=[*COLUMNS, *extra, "file"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    for column in ("rows_in", "rows_out"):
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    frame["seconds"] = pd.to_numeric(frame["seconds"]).astype("float64")
    return frame.sort_values("timestamp", kind="stable", ignore_index=True)


def slowest_steps(logs: pd.DataFrame, *, n: int = 10) -> pd.DataFrame:
    """The ``n`` steps with the longest mean duration over the finished runs.

    Returns ``step``, ``runs``, ``mean_seconds``, ``max_seconds`` and ``last_seconds``
    (the latest run), slowest first.
    """
    done = _events(logs, ["step_finished"], ["timestamp", "step", "seconds"])
    done = done.dropna(subset=["step", "seconds"]).sort_values("timestamp", kind="stable")
    summary = done.groupby("step", sort=False)["seconds"].agg(
        runs="count", mean_seconds="mean", max_seconds="max", last_seconds="last"
    )
    summary = summary.sort_values(["mean_seconds", "max_seconds"], ascending=False)
    return summary.head(n).reset_index()


def error_rates(logs: pd.DataFrame, *, by: Literal["step", "run_id"] = "step") -> pd.DataFrame:
    """How often each step (or run) failed: ``finished``, ``failed``, ``error_rate``.

    A step counts once per ``step_finished`` or ``step_failed`` event; ``last_error`` is
    the error of its latest failure. Highest error rate first.

    Examples
    --------
    >>> import pandas as pd
    >>> logs = pd.DataFrame({"timestamp": pd.to_datetime(["2025-01-01", "2025-01-02"]),
    ...     "event": ["step_finished", "step_failed"], "step": "load", "run_id": ["a", "b"],
    ...     "error": [None, "OSError: disk full"]})
    >>> error_rates(logs)
       step  finished  failed  error_rate          last_error
    0  load         1       1         0.5  OSError: disk full
    """
    if by not in ("step", "run_id"):
        raise PipelinekitError(f"by={by!r}", "'step' or 'run_id'")
    ends = _events(logs, ["step_finished", "step_failed"], ["timestamp", by, "event"])
    ends = ends.dropna(subset=[by]).sort_values("timestamp", kind="stable")
    if "error" not in ends.columns:
        ends["error"] = None
    failed = ends["event"].eq("step_failed")
    summary = pd.DataFrame(
        {
            by: ends[by],
            "finished": (~failed).astype(int),
            "failed": failed.astype(int),
            "last_error": ends["error"].where(failed),
        }
    )
    grouped = summary.groupby(by, sort=False)
    table = grouped[["finished", "failed"]].sum()
    table["error_rate"] = table["failed"] / (table["finished"] + table["failed"])
    table["last_error"] = grouped["last_error"].last()
    table = table.sort_values(["error_rate", "failed"], ascending=False, kind="stable")
    return table.reset_index()


def row_count_changes(
    logs: pd.DataFrame, *, column: Literal["rows_out", "rows_in"] = "rows_out"
) -> pd.DataFrame:
    """How each step's row count changed from one run to the next.

    Runs are ordered by when they started. For every step and every run after its first,
    one row: ``step``, ``run_id``, ``started``, ``rows``, ``previous_run``,
    ``previous_rows``, ``change`` and ``change_share`` (``change / previous_rows``; NaN
    when the previous count was 0).
    """
    done = _events(logs, ["step_finished"], ["timestamp", "run_id", "step", column])
    done = done.dropna(subset=["run_id", "step", column])
    columns = ["step", "run_id", "started", "rows", "previous_run", "previous_rows", "change",
               "change_share"]  # fmt: skip
    if done.empty:
        return pd.DataFrame(columns=columns)
    started = logs.dropna(subset=["run_id"]).groupby("run_id")["timestamp"].min()
    latest = done.sort_values("timestamp", kind="stable").groupby(["step", "run_id"]).last()
    counts = latest[[column]].rename(columns={column: "rows"}).reset_index()
    counts["started"] = counts["run_id"].map(started)
    counts = counts.sort_values(["step", "started", "run_id"], kind="stable", ignore_index=True)
    steps = counts.groupby("step", sort=False)
    counts["previous_run"] = steps["run_id"].shift()
    counts["previous_rows"] = steps["rows"].shift()
    counts = counts.dropna(subset=["previous_run"]).reset_index(drop=True)
    rows = counts["rows"].astype("int64")
    previous = counts["previous_rows"].astype("int64")
    counts["rows"], counts["previous_rows"] = rows, previous
    counts["change"] = rows - previous
    counts["change_share"] = (counts["change"] / previous.where(previous != 0)).astype("float64")
    return counts[columns]


# ---------------------------------------------------------------------- helpers
def _log_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        own = [path / LOG_NAME] if (path / LOG_NAME).is_file() else []
        files = own + sorted(path.glob(f"*/{LOG_NAME}"))
        if files:
            return files
        raise PipelinekitError(
            f"No {LOG_NAME} in {path} or in its subfolders",
            f"a run folder holding {LOG_NAME}, or a folder of run folders",
            "point at the folder a pipeline run wrote, such as runs/",
        )
    raise PipelinekitError(f"No log file or folder at {path}", f"a {LOG_NAME} file or a folder")


def _read(file: Path) -> list[dict]:
    text = file.read_text(encoding="utf-8")
    lines = text.split("\n")
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            if number == len(lines):  # no newline after it: a write cut short
                continue
            raise PipelinekitError(
                f"Line {number} of {file} is not JSON ({error.msg})",
                "one JSON object a line, as RunLogger writes",
                "remove or fix that line",
            ) from error
        if not isinstance(record, dict):
            raise PipelinekitError(
                f"Line {number} of {file} is a JSON {type(record).__name__}",
                "one JSON object a line, as RunLogger writes",
            )
        record["file"] = str(file)
        records.append(record)
    return records


def _events(logs: pd.DataFrame, events: list[str], needed: list[str]) -> pd.DataFrame:
    missing = [c for c in ["event", *needed] if c not in logs.columns]
    if missing:
        raise PipelinekitError(
            f"The logs have no column {format_list(missing)}",
            "a frame from read_logs()",
            "pass the frame read_logs() returned",
        )
    return logs.loc[logs["event"].isin(events)].copy()
