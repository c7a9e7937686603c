"""pk.observe.log: JSON lines for programs, readable lines for people, bound context."""

from __future__ import annotations

import io
import json
import threading

import numpy as np
import pytest
from rich.console import Console

from pipelinekit.errors import InvalidValueError, OutputError
from pipelinekit.observe.log import FIRST_KEYS, RunLogger, bind, bound, get_logger, redact_text


def screen() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=200, no_color=True), out


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_line_is_an_object_with_the_same_first_keys(tmp_path):
    path = tmp_path / "run" / "log.jsonl"
    with RunLogger(path, run_id="r1", console=False) as log:
        log.info("run_started", pipeline="shop")
        log.warning("slow_source", seconds=12.5)
    records = lines(path)
    assert [tuple(r)[:5] for r in records] == [FIRST_KEYS, FIRST_KEYS]
    assert [r["event"] for r in records] == ["run_started", "slow_source"]
    assert records[0]["run_id"] == "r1" and records[0]["step"] is None
    assert records[0]["pipeline"] == "shop" and records[1]["level"] == "warning"
    assert records[0]["timestamp"].endswith("+00:00")


def test_step_logs_start_and_finish_with_rows_and_seconds(tmp_path):
    path = tmp_path / "log.jsonl"
    with (
        RunLogger(path, run_id="r1", console=False) as log,
        log.step("stg_orders", rows_in=10) as step,
    ):
        log.debug("hidden", detail="below the level")
        step.rows_out = 8
    started, finished = lines(path)
    assert (started["event"], started["step"], started["rows_in"]) == (
        "step_started",
        "stg_orders",
        10,
    )
    assert finished["event"] == "step_finished"
    assert (finished["rows_in"], finished["rows_out"]) == (10, 8)
    assert finished["seconds"] == pytest.approx(step.seconds) and finished["seconds"] >= 0


def test_a_failing_step_is_logged_as_an_error_and_raised_again(tmp_path):
    path = tmp_path / "log.jsonl"
    log = RunLogger(path, run_id="r1", console=False)
    with pytest.raises(ZeroDivisionError), log.step("divide", rows_in=3):
        1 / 0  # noqa: B018
    log.close()
    failed = lines(path)[-1]
    assert (failed["event"], failed["level"], failed["step"]) == ("step_failed", "error", "divide")
    assert failed["error"] == "ZeroDivisionError: division by zero"
    assert "rows_out" not in failed


def test_bind_adds_context_to_a_block_and_nests():
    log = RunLogger(console=False)
    with bind(run_id="outer", pipeline="shop"):
        with bind(step="clean"):
            inner = log.info("x")
        outer = log.info("y", pipeline="override")
    after = log.info("z")
    assert inner is not None and outer is not None and after is not None
    assert (inner["run_id"], inner["step"], inner["pipeline"]) == ("outer", "clean", "shop")
    assert (outer["step"], outer["pipeline"]) == (None, "override")
    assert (after["run_id"], "pipeline" in after) == (None, False)
    assert bound() == {}


def test_bound_context_belongs_to_its_thread():
    seen = {}

    def other() -> None:
        seen["other"] = bound()

    with bind(step="main-thread"):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        seen["main"] = bound()
    assert seen == {"other": {}, "main": {"step": "main-thread"}}


def test_secrets_never_reach_the_file_or_the_console(tmp_path):
    path = tmp_path / "log.jsonl"
    con, out = screen()
    with RunLogger(path, console=con) as log:
        log.error(
            "connect_failed",
            url="postgresql+psycopg://learner:hunter2@db:5432/shop",
            error="cannot reach redis://:hunter2@cache:6379/0 (refused)",
            password="hunter2",
            api_key="hunter2",
            options={"token": "hunter2", "retries": 3},
            targets=["s3://key:hunter2@bucket/x"],
        )
    written = path.read_text() + out.getvalue()
    assert "hunter2" not in written
    record = lines(path)[0]
    assert record["url"] == "postgresql+psycopg://learner:***@db:5432/shop"
    assert record["password"] == "***" and record["options"] == {"token": "***", "retries": 3}


def test_console_line_is_readable(tmp_path):
    con, out = screen()
    log = RunLogger(console=con, run_id="r9")
    with log.step("dim_customer", rows_in=1200) as step:
        step.rows_out = 1150
    text = out.getvalue().splitlines()[-1]
    assert "INFO" in text and "step_finished" in text
    assert "run_id=r9" in text and "step=dim_customer" in text
    assert "rows_in=1,200" in text and "rows_out=1,150" in text and "seconds=" in text
    assert "{" not in text  # not JSON


def test_values_that_json_cannot_hold_are_converted(tmp_path):
    path = tmp_path / "log.jsonl"
    with RunLogger(path, console=False) as log:
        log.info(
            "counted", rows=np.int64(5), share=np.float64(0.5), missing=float("nan"), where=tmp_path
        )
    record = lines(path)[0]
    assert (record["rows"], record["share"], record["missing"]) == (5, 0.5, None)
    assert record["where"] == str(tmp_path)


def test_level_threshold_drops_events():
    con, out = screen()
    log = RunLogger(console=con, level="warning")
    assert log.info("quiet") is None
    assert log.error("loud") is not None
    assert "quiet" not in out.getvalue() and "loud" in out.getvalue()


def test_get_logger_is_the_active_run_logger(tmp_path):
    with RunLogger(tmp_path / "log.jsonl", console=False) as log:
        assert get_logger() is log
        get_logger().info("deep_inside")
    assert get_logger() is not log and get_logger().path is None
    assert lines(tmp_path / "log.jsonl")[0]["event"] == "deep_inside"


def test_redact_text_leaves_urls_without_password_alone():
    assert redact_text("http://127.0.0.1:9000/bucket") == "http://127.0.0.1:9000/bucket"
    assert (
        redact_text("a s3://u:p@h/x and redis://:q@h:1") == "a s3://u:***@h/x and redis://:***@h:1"
    )


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(InvalidValueError, match="Log level 'verbose'"):
        RunLogger(console=False, level="verbose")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="Cannot open the log file"):
        RunLogger(blocker / "log.jsonl", console=False)
