"""`pipelinekit grade` and `pipelinekit exercises build` at the command line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from pipelinekit.cli import main

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "pipelinekit"]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grade", "no/such/folder"], "No file or folder at 'no/such/folder'"),
        (["grade"], "the following arguments are required: PATH"),
        (["grade", "x.ipynb", "--jobs", "many"], "invalid int value: 'many'"),
        (["exercises", "build", "00_datasets_tuor"], "did you mean '00_datasets_tour'"),
        (["grade", "tests", "--exercise", "00_datasets"], "Unknown exercise '00_datasets'"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_2(args, message):
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_build_outside_the_repository_says_where_sources_go(tmp_path):
    result = run("exercises", "build", cwd=tmp_path)
    assert result.returncode == 2 and "No exercise source in 'solutions/source'" in result.stderr


@pytest.mark.notebooks
def test_check_mode_catches_an_edited_exercise(tmp_path, capsys):
    for folder in ("solutions", "exercises"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    assert main(["exercises", "build", "--check", "--root", str(tmp_path)]) == 0
    student = tmp_path / "exercises" / "00_datasets_tour.ipynb"
    nb = nbformat.read(student, as_version=4)
    nb.cells[1].source += "\nprint('edited by hand')"
    nbformat.write(nb, student)
    assert main(["exercises", "build", "--check", "--root", str(tmp_path)]) == 1
    assert "exercises/00_datasets_tour.ipynb" in capsys.readouterr().out


@pytest.mark.notebooks
def test_grade_a_folder_writes_gradebook_results_and_feedback(tmp_path):
    shutil.copy(ROOT / "solutions" / "00_datasets_tour.ipynb", tmp_path / "ada.ipynb")
    (tmp_path / "broken.ipynb").write_text("{ not json")
    out = tmp_path / "grades"
    result = run(
        "grade", str(tmp_path), "--out", str(out), "--jobs", "2", "--exercise", "00_datasets_tour"
    )
    assert result.returncode == 0, result.stderr
    assert "ada" in result.stdout and "100.0" in result.stdout
    gradebook = (out / "gradebook.csv").read_text().splitlines()
    assert gradebook[0].startswith("student,q1,q2,q3,q4,q5,total,points,percent")
    assert any(line.startswith("broken,0.0") for line in gradebook)
    feedback = (out / "feedback" / "broken__00_datasets_tour.md").read_text()
    assert "not" in feedback.lower() and "Score: 0 / 12" in feedback
    assert (
        (out / "feedback" / "ada__00_datasets_tour.html").read_text().startswith("<!doctype html>")
    )
