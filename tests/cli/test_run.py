"""`pipelinekit run`: exit status 0 (complete), 1 (a step or gate failed), 2 (a mistake)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipelinekit.cli import main

FIXTURES = Path(__file__).parent.parent / "pipeline" / "fixtures"


@pytest.fixture
def place(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURES))
    shutil.copytree(FIXTURES / "sql", tmp_path / "sql")
    shutil.copy(FIXTURES / "tiny_shop.yml", tmp_path / "tiny_shop.yml")
    return tmp_path


def options(place: Path) -> list[str]:
    return [
        "--target",
        f"duckdb:///{place / 'w.duckdb'}",
        "--runs-dir",
        str(place / "runs"),
        "--metadata",
        str(place / "meta.duckdb"),
        "--data-dir",
        str(place / "data"),
        "--no-progress",
    ]


def test_run_completes(place, capsys):
    assert main(["run", str(place / "tiny_shop.yml"), *options(place)]) == 0
    out = capsys.readouterr().out
    assert "Pipeline tiny_shop: run " in out and "COMPLETE" in out
    assert "loaded: orders_numbered 475, customer_orders 87, customer_flags 87" in out
    (run_dir,) = (place / "runs").iterdir()
    assert json.loads((run_dir / "metrics.json").read_text())["status"] == "COMPLETE"


def test_failed_gate_exits_1(place, capsys):
    text = (place / "tiny_shop.yml").read_text()
    failing = place / "failing.yml"
    failing.write_text(text.replace("on_fail: warn", "on_fail: fail"))
    assert main(["run", str(failing), *options(place)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "gate on 'customer_orders' failed" in out
    assert "loaded: nothing; the target's previous tables are intact" in out


def test_validate_only(place, capsys):
    assert main(["run", str(place / "tiny_shop.yml"), "--validate-only"]) == 0
    out = capsys.readouterr().out
    assert "pipeline 'tiny_shop' is valid: 1 sources, 4 steps" in out
    assert "stg_orders → orders_numbered → customer_orders → customer_flags" in out
    assert not (place / "runs").exists()


def test_validate_only_lists_every_problem(place, capsys):
    broken = place / "broken.yml"
    text = (place / "tiny_shop.yml").read_text()
    broken.write_text(text.replace("FROM orders\n", "FROM ordrs\n").replace("row_number", "rank_"))
    assert main(["run", str(broken), "--validate-only"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert "broken.yml, line 12: step 'stg_orders' reads table 'ordrs'" in err[0]
    assert "line 15: step 'orders_numbered' uses unknown transform 'rank_'" in err[1]


def test_invalid_pipeline_exits_2_in_one_line(place, capsys):
    broken = place / "broken.yml"
    broken.write_text((place / "tiny_shop.yml").read_text().replace("input:", "inptu:"))
    assert main(["run", str(broken), *options(place)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "broken.yml, line 16: unknown key 'inptu'" in err and "did you mean 'input'" in err


def test_unknown_pipeline_name_and_scale(place, capsys):
    assert main(["run", "ecomerce", "--validate-only"]) == 2
    assert "Unknown pipeline 'ecomerce'" in capsys.readouterr().err
    assert main(["run", str(place / "tiny_shop.yml"), "--scale", "huge", *options(place)]) == 2
    assert "Unknown scale 'huge'" in capsys.readouterr().err
    assert not (place / "runs").exists()


def test_builtin_name_resolves(capsys):
    assert main(["run", "ecommerce", "--validate-only"]) == 0
    assert "pipeline 'ecommerce' is valid" in capsys.readouterr().out


def test_interrupt_exits_130(place, capsys):
    stopped = place / "stopped.yml"
    text = (place / "tiny_shop.yml").read_text()
    stopped.write_text(text.replace("tiny_steps:flag_customers", "tiny_steps:interrupt"))
    assert main(["run", str(stopped), *options(place)]) == 130
    assert "interrupted" in capsys.readouterr().err
    (run_dir,) = (place / "runs").iterdir()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert (metrics["status"], metrics["error"]) == ("FAIL", "interrupted")
    assert not (place / "w.duckdb").exists() or "customer_flags" not in _tables(place / "w.duckdb")


def _tables(path: Path) -> list[str]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return [
            name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        ]


def test_kill_is_an_interrupt(place, capsys):
    import os
    import signal

    import tiny_steps

    def terminate(customer_orders, threshold=2):
        os.kill(os.getpid(), signal.SIGTERM)

    tiny_steps.terminate = terminate  # looked up by path when the step runs
    stopped = place / "killed.yml"
    text = (place / "tiny_shop.yml").read_text()
    stopped.write_text(text.replace("tiny_steps:flag_customers", "tiny_steps:terminate"))
    try:
        assert main(["run", str(stopped), *options(place)]) == 130
    finally:
        del tiny_steps.terminate
    (run_dir,) = (place / "runs").iterdir()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert (metrics["status"], metrics["error"]) == ("FAIL", "interrupted")
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
