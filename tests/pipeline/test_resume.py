"""Runs keep their tables in a work database: resumed after a failure or a kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pandas as pd
import pytest

from pipelinekit.cli import main
from pipelinekit.errors import PipelinekitError
from pipelinekit.pipeline.runs import WORK_FILE, list_runs
from pipelinekit.pipeline.workspace import WorkTable
from pipelinekit.transforms import row_number

from .conftest import FIXTURES
from .test_run import go, target_tables, variant

MADE = ["stg_orders", "orders_numbered", "customer_orders"]  # before customer_flags


def statuses(result) -> dict[str, str]:
    return {s.name: s.status for s in result.steps}


def test_a_complete_run_removes_its_work_database_a_failed_one_keeps_it(place):
    done = go(place)
    assert done.ok and not (done.run_dir / WORK_FILE).exists()
    assert done.resume_command is None and "resume" not in done.summary()
    failed = go(place, variant(place, "tiny_steps:flag_customers", "tiny_steps:explode"))
    assert failed.status == "FAIL" and (failed.run_dir / WORK_FILE).exists()
    command = f"pipelinekit run {place / 'variant.yml'} --resume {failed.run_id}"
    assert failed.resume_command == command and command in failed.summary()


def test_resume_keeps_the_finished_steps_and_gives_the_same_tables(place):
    assert go(place).ok
    clean = target_tables(place)
    failed = go(place, variant(place, "tiny_steps:flag_customers", "tiny_steps:explode"))
    assert failed.failed_step == "customer_flags"
    resumed = go(place, resume=True)
    assert resumed.ok, resumed.error
    assert resumed.resumed_from == failed.run_id
    state = statuses(resumed)
    assert [state[name] for name in MADE] == ["reused"] * 3
    assert state["customer_flags"] == "ok"
    assert {state["orders"], state["customers"]} == {"reused"}
    assert "3 reused (resumed " in resumed.summary()
    after = target_tables(place)
    for name in clean:
        pd.testing.assert_frame_equal(after[name], clean[name])
    # the reused steps keep their lineage (from the metadata database)
    assert "orders.order_total" in set(resumed.graph.upstream("customer_orders.revenue")["name"])
    log = (resumed.run_dir / "log.jsonl").read_text().splitlines()
    events = [json.loads(line)["event"] for line in log]
    assert events.count("step_reused") == 3 and "run_resumed" in events
    assert not (failed.run_dir / WORK_FILE).exists()  # moved into the resumed run


def test_a_changed_step_and_everything_after_it_run_again(place):
    go(place, variant(place, "tiny_steps:flag_customers", "tiny_steps:explode"))
    changed = variant(
        place, "WHERE status <> 'cancelled'", "WHERE status <> 'cancelled' -- changed", "c.yml"
    )
    resumed = go(place, changed, resume=True)
    assert resumed.ok, resumed.error
    state = statuses(resumed)
    assert state["orders"] == "reused"
    assert [state[name] for name in MADE] == ["ok"] * 3


def test_a_changed_scale_reads_the_sources_again(place):
    go(place, variant(place, "tiny_steps:flag_customers", "tiny_steps:explode"))
    resumed = go(place, resume=True, scale=300)
    assert resumed.ok
    assert {s.status for s in resumed.steps} == {"ok"}
    assert {s.name: s.rows for s in resumed.steps}["orders"] == 300


def test_nothing_to_resume_is_a_clear_error(place):
    assert go(place).ok
    with pytest.raises(PipelinekitError, match="No failed run of pipeline 'tiny_shop'"):
        go(place, resume=True)
    with pytest.raises(PipelinekitError, match="No run 'nope' of pipeline 'tiny_shop'"):
        go(place, resume="nope")
    done = list_runs(place / "runs")["run_id"].iloc[0]
    with pytest.raises(PipelinekitError, match="cannot be resumed .status COMPLETE"):
        go(place, resume=done)


def test_transform_steps_run_their_sql_twin_without_pandas(place, monkeypatch):
    def no_pandas(self):
        raise AssertionError(f"{self.name} was read into pandas")

    monkeypatch.setattr(WorkTable, "to_pandas", no_pandas)  # the DuckDB target copies in SQL
    result = go(place)
    assert result.ok, result.error
    tables = target_tables(place)
    numbered = tables["orders_numbered"]
    stg = numbered.drop(columns="order_number")
    expected = row_number(
        stg, partition_by="customer_id", order_by=["ordered_at", "order_id"], name="order_number"
    )
    key = ["order_id"]
    pd.testing.assert_frame_equal(
        numbered.sort_values(key).reset_index(drop=True),
        expected.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    assert result.graph.steps["orders_numbered"].kind == "transform"


def _cli(place, *args):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(FIXTURES), *sys.path])}
    command = [sys.executable, "-m", "pipelinekit", *args]
    return subprocess.run(command, cwd=place, env=env, capture_output=True, text=True, timeout=180)


def test_a_killed_run_is_marked_failed_and_can_be_resumed(place):
    killer = variant(place, "tiny_steps:flag_customers", "tiny_steps:kill_self", "killer.yml")
    common = ["--runs-dir", "runs", "--data-dir", "data", "--metadata", "meta.duckdb"]
    killed = _cli(place, "run", str(killer), "--no-progress", *common)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    [folder] = (place / "runs").iterdir()
    assert json.loads((folder / "metrics.json").read_text())["status"] == "RUNNING"

    listed = _cli(place, "runs", "--runs-dir", "runs")
    assert listed.returncode == 0, listed.stderr
    assert "FAIL" in listed.stdout and "killed" in listed.stdout
    record = json.loads((folder / "metrics.json").read_text())
    assert (record["status"], record["interrupted"]) == ("FAIL", True)

    resumed = _cli(place, "run", "tiny_shop.yml", "--no-progress", "--resume", *common)
    assert resumed.returncode == 0, resumed.stderr
    assert f"(resumed {folder.name})" in resumed.stdout
    assert "3 reused" in resumed.stdout


def test_cli_resume_mistakes_are_one_line(place, capsys):
    assert main(["run", str(place / "tiny_shop.yml"), "--resume", "--runs-dir", str(place)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("pipelinekit: error: No failed run") and "\n" not in error
    assert main(["run", "ecommerce", "--memory-limit", "heaps"]) == 2
    assert "Memory limit 'heaps'" in capsys.readouterr().err


def test_runs_lists_nothing_in_an_empty_folder(tmp_path, capsys):
    assert main(["runs", "--runs-dir", str(tmp_path)]) == 0
    assert "No runs in" in capsys.readouterr().out


def test_the_resume_command_names_a_builtin_by_name():
    from pipelinekit.pipeline import load_pipeline, resolve_pipeline
    from pipelinekit.pipeline.run import _command_name

    assert _command_name(load_pipeline(resolve_pipeline("ecommerce"))) == "ecommerce"
