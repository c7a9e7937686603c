"""pk.observe.logs: JSON logs of runs back into a DataFrame, and what they say."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipelinekit.errors import PipelinekitError
from pipelinekit.observe.log import RunLogger
from pipelinekit.observe.logs import error_rates, read_logs, row_count_changes, slowest_steps


def run(folder, run_id: str, steps: dict[str, tuple[int, int | None]], *, fail: str | None = None):
    """Log one run: each step with (rows_in, rows_out); ``fail`` raises in that step."""
    with RunLogger(folder / run_id / "log.jsonl", run_id=run_id, console=False) as log:
        log.info("run_started", pipeline="shop")
        for name, (rows_in, rows_out) in steps.items():
            try:
                with log.step(name, rows_in=rows_in) as step:
                    if name == fail:
                        raise OSError("disk full")
                    step.rows_out = rows_out
            except OSError:
                log.error("run_failed")
                return
        log.info("run_finished")


@pytest.fixture
def runs(tmp_path):
    folder = tmp_path / "runs"
    run(folder, "r1", {"stg_orders": (100, 90), "fct_orders": (90, 90)})
    run(folder, "r2", {"stg_orders": (120, 110), "fct_orders": (110, 0)})
    run(folder, "r3", {"stg_orders": (130, 120), "fct_orders": (120, None)}, fail="fct_orders")
    run(folder, "r4", {"stg_orders": (140, 60), "fct_orders": (60, 60)})
    return folder


def test_read_logs_of_a_folder_of_runs(runs):
    logs = read_logs(runs)
    assert list(logs.columns[:9]) == [
        "timestamp", "level", "event", "run_id", "step", "rows_in", "rows_out", "seconds", "error",
    ]  # fmt: skip
    assert logs.columns[-1] == "file" and "pipeline" in logs.columns
    assert (
        isinstance(logs["timestamp"].dtype, pd.DatetimeTZDtype)
        and str(logs["timestamp"].dt.tz) == "UTC"
    )
    assert logs["timestamp"].is_monotonic_increasing
    assert str(logs["rows_out"].dtype) == "Int64"
    assert list(logs["run_id"].drop_duplicates()) == ["r1", "r2", "r3", "r4"]
    assert (logs["event"] == "step_finished").sum() == 7
    one = read_logs(runs / "r2")
    assert set(one["run_id"]) == {"r2"}
    assert len(read_logs([runs / "r1" / "log.jsonl", runs / "r2"])) == len(
        logs[logs["run_id"].isin(["r1", "r2"])]
    )


def test_slowest_steps(tmp_path):
    path = tmp_path / "log.jsonl"
    events = [
        {"timestamp": f"2025-01-0{day}T00:00:00+00:00", "level": "info", "event": "step_finished",
         "run_id": f"r{day}", "step": step, "seconds": seconds}
        for day, step, seconds in [(1, "a", 1.0), (2, "a", 3.0), (1, "b", 5.0), (2, "c", 0.1)]
    ]  # fmt: skip
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    slow = slowest_steps(read_logs(path))
    assert slow.to_dict(orient="list") == {
        "step": ["b", "a", "c"],
        "runs": [1, 2, 1],
        "mean_seconds": [5.0, 2.0, 0.1],
        "max_seconds": [5.0, 3.0, 0.1],
        "last_seconds": [5.0, 3.0, 0.1],
    }
    assert list(slowest_steps(read_logs(path), n=1)["step"]) == ["b"]


def test_error_rates_by_step_and_by_run(runs):
    logs = read_logs(runs)
    rates = error_rates(logs)
    assert list(rates["step"]) == ["fct_orders", "stg_orders"]
    fct = rates.iloc[0]
    assert (fct["finished"], fct["failed"], fct["error_rate"]) == (3, 1, 0.25)
    assert fct["last_error"] == "OSError: disk full"
    assert pd.isna(rates.iloc[1]["last_error"]) and rates.iloc[1]["error_rate"] == 0
    by_run = error_rates(logs, by="run_id")
    assert by_run.iloc[0]["run_id"] == "r3" and by_run.iloc[0]["failed"] == 1
    with pytest.raises(PipelinekitError, match="by='day'"):
        error_rates(logs, by="day")


def test_row_count_changes_between_runs(runs):
    changes = row_count_changes(read_logs(runs))
    stg = changes[changes["step"] == "stg_orders"]
    assert stg[["run_id", "previous_run", "rows", "previous_rows", "change"]].values.tolist() == [
        ["r2", "r1", 110, 90, 20],
        ["r3", "r2", 120, 110, 10],
        ["r4", "r3", 60, 120, -60],
    ]
    assert stg["change_share"].tolist() == pytest.approx([20 / 90, 10 / 110, -0.5])
    fct = changes[changes["step"] == "fct_orders"]  # r3 failed: compared with the run before
    assert fct[["run_id", "previous_run", "change"]].values.tolist() == [
        ["r2", "r1", -90],
        ["r4", "r2", 60],
    ]
    assert fct["change_share"].isna().tolist() == [False, True]  # from 0 rows: no share
    rows_in = row_count_changes(read_logs(runs), column="rows_in")
    assert rows_in[rows_in["step"] == "stg_orders"]["change"].tolist() == [20, 10, 10]


def test_a_line_cut_short_at_the_end_is_left_out(tmp_path):
    path = tmp_path / "log.jsonl"
    good = json.dumps({"timestamp": "2025-01-01T00:00:00+00:00", "event": "run_started"})
    path.write_text(good + "\n" + '{"timestamp": "2025-01-0')
    assert list(read_logs(path)["event"]) == ["run_started"]


def test_bad_input_is_named(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"event": "a"}\nnot json\n{"event": "b"}\n')
    with pytest.raises(PipelinekitError, match=r"Line 2 of .*bad.jsonl is not JSON"):
        read_logs(bad)
    bad.write_text("[1, 2]\n")
    with pytest.raises(PipelinekitError, match="Line 1 of .* is a JSON list"):
        read_logs(bad)
    (tmp_path / "empty").mkdir()
    with pytest.raises(PipelinekitError, match="No log.jsonl in"):
        read_logs(tmp_path / "empty")
    with pytest.raises(PipelinekitError, match="No log file or folder at"):
        read_logs(tmp_path / "missing")
    with pytest.raises(PipelinekitError, match="The logs have no column 'event'"):
        slowest_steps(pd.DataFrame({"step": ["a"]}))


def test_an_empty_log_gives_an_empty_frame_with_the_columns(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text("")
    logs = read_logs(path)
    assert logs.empty and "rows_out" in logs.columns
    assert slowest_steps(logs).empty and error_rates(logs).empty and row_count_changes(logs).empty
