"""`pipelinekit health`: a table of checks and an exit status scripts can use."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from pipelinekit.cli import main


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthy_checks_print_a_table_and_exit_0(capsys):
    assert main(["health", "--only", "duckdb,disk", "--min-free", "0"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["check", "target", "status", "seconds", "detail"]
    assert lines[1].split()[:3] == ["duckdb", ":memory:", "ok"]
    assert lines[2].split()[:2] == ["disk", "."]
    assert lines[-1] == "healthy: 2 ok"


def test_json_output(capsys, tmp_path):
    assert (
        main(["health", "--only", "disk", "--disk", str(tmp_path), "--json", "--min-free", "0"])
        == 0
    )
    answer = json.loads(capsys.readouterr().out)
    assert answer["healthy"] is True
    [check] = answer["checks"]
    assert (check["name"], check["target"], check["status"]) == ("disk", str(tmp_path), "ok")
    assert set(check) == {"name", "target", "status", "seconds", "detail"}


def test_a_failing_check_exits_1_and_hides_the_password(monkeypatch, capsys):
    monkeypatch.setenv("PIPELINEKIT_REDIS_URL", f"redis://:hunter2@127.0.0.1:{closed_port()}/0")
    assert main(["health", "--only", "redis,duckdb", "--timeout", "1"]) == 1
    out = capsys.readouterr().out
    assert "redis://:***@127.0.0.1" in out and "hunter2" not in out
    assert "fail" in out and out.splitlines()[-1] == "unhealthy: 1 ok, 1 fail"
    assert main(["health", "--only", "redis", "--timeout", "1", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["healthy"] is False


@pytest.mark.services
def test_configured_postgres_and_redis_exit_0(postgres_url, redis_url, monkeypatch, capsys):
    monkeypatch.setenv("PIPELINEKIT_POSTGRES_URL", postgres_url)
    monkeypatch.setenv("PIPELINEKIT_REDIS_URL", redis_url)
    assert main(["health", "--only", "postgres,redis", "--json"]) == 0
    statuses = [c["status"] for c in json.loads(capsys.readouterr().out)["checks"]]
    assert statuses == ["ok", "ok"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "postgress"], "Unknown check 'postgress'"),
        (["--only", " , "], "--only ' , '; expected check names separated by commas"),
        (["--timeout", "0"], "timeout=0.0; expected a number of seconds above 0"),
        (["--min-free", "2"], "min_free_share=2.0; expected a share from 0 to 1"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(args, message, capsys):
    assert main(["health", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pipelinekit: error: ") and message in err
    assert len(err.strip().splitlines()) == 1


def test_the_installed_command_exits_with_the_status():
    """What a compose healthcheck runs: a process whose exit status is the answer."""
    done = subprocess.run(
        [sys.executable, "-m", "pipelinekit", "health", "--only", "duckdb", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["checks"][0]["status"] == "ok"
