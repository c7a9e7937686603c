"""`pipelinekit generate data`: files out, one clear line and exit 2 on user mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipelinekit.cli import main

CLI = [sys.executable, "-m", "pipelinekit"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


def test_writes_one_parquet_file_per_table(tmp_path, capsys):
    assert main(["generate", "data", "ecommerce", "--scale", "tiny", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        ["customers.parquet", "products.parquet", "orders.parquet", "order_items.parquet",
         "returns.parquet", "_dataset.json"]
    )  # fmt: skip
    assert len(pd.read_parquet(tmp_path / "orders.parquet")) == 500
    assert "Wrote 6 files" in capsys.readouterr().out


def test_csv_dirty_with_row_count(tmp_path, capsys):
    args = ["generate", "data", "ecommerce", "--scale", "800", "--seed", "3", "--format", "csv"]
    assert main([*args, "--dirty", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "_injected.csv").exists()
    assert "Injected" in capsys.readouterr().out


def test_data_pipeline_is_the_same_command():
    entry_points = Path(sys.executable).parent
    assert (entry_points / "data-pipeline").exists() and (entry_points / "pipelinekit").exists()
    result = subprocess.run(
        [str(entry_points / "data-pipeline"), "generate", "data", "--help"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "examples:" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["generate", "data", "ecomerce"], "invalid choice: 'ecomerce'"),
        (["generate", "data", "ecommerce", "--scale", "huge"], "Unknown scale 'huge'"),
        (["generate", "data", "ecommerce", "--scale", "-5"], "Scale -5; expected a positive"),
        (["generate", "data", "ecommerce", "--seed", "abc"], "invalid int value: 'abc'"),
        (["generate", "data", "ecommerce", "--format", "xlsx"], "invalid choice: 'xlsx'"),
        (["generate", "data"], "the following arguments are required"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_2(args, message, tmp_path):
    if "--out" not in args and args[:2] == ["generate", "data"] and len(args) > 2:
        args = [*args, "--out", str(tmp_path / "out")]
    result = run(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_unwritable_folder_exits_2_and_keeps_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run("generate", "data", "ecommerce", "--scale", "tiny", "--out", str(blocker / "x"))
    assert result.returncode == 2 and "Cannot write to" in result.stderr
    assert result.stderr.count("\n") == 1


def test_verbose_shows_the_traceback(tmp_path):
    result = run(
        "--verbose", "generate", "data", "ecommerce", "--scale", "huge", "--out", str(tmp_path)
    )
    assert result.returncode == 1 and "Traceback" in result.stderr
