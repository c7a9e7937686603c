"""Every lesson in the manifest is well-formed, runs at scale "tiny", and its stored outputs hold.

The execution tests carry the ``notebooks`` marker (``make test-fast`` skips them). Execution
uses papermill from this process, one kernel per lesson; the stored outputs are checked by
nbval in a child pytest, given exactly the manifest's lessons, so exercises/ and solutions/
are never collected.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from pipelinekit.curriculum import load_curriculum

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SANITIZE = NOTEBOOKS / "sanitize.cfg"
LESSONS = [lesson.path for lesson in load_curriculum(NOTEBOOKS).lessons]
TINY = {"scale": "tiny", "seed": 42}
ANSI_COLOURS = re.compile(r"\x1b\[[0-9;]*m")


def read(lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / lesson, as_version=4)


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_has_a_parameters_cell_with_scale_and_seed(lesson: str) -> None:
    tagged = [c for c in read(lesson).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{lesson}: expected one cell tagged 'parameters'"
    names = {line.split("=")[0].strip() for line in tagged[0].source.splitlines() if "=" in line}
    assert {"scale", "seed"} <= names, f"{lesson}: the parameters cell must set scale and seed"


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_is_stored_executed_top_to_bottom(lesson: str) -> None:
    notebook = read(lesson)
    counts = [cell.execution_count for cell in notebook.cells if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{lesson}: run it top to bottom in a fresh kernel and save it with its outputs"
    )
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.notebooks
@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_at_tiny_scale(lesson: str, tmp_path: Path) -> None:
    import papermill

    source = NOTEBOOKS / lesson
    papermill.execute_notebook(
        str(source),
        str(tmp_path / source.name),
        parameters=TINY,
        kernel_name="python3",
        cwd=str(source.parent),
        progress_bar=False,
    )  # raises PapermillExecutionError, naming the cell, when a cell fails


@pytest.mark.notebooks
def test_stored_outputs_match_a_fresh_run() -> None:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        f"--nbval-sanitize-with={SANITIZE}",
        "--nbval-kernel-name=python3",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "-q",
        *(str(NOTEBOOKS / lesson) for lesson in LESSONS),
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    report = ANSI_COLOURS.sub("", result.stdout[-6000:] + result.stderr[-2000:])
    assert result.returncode == 0, (
        "stored outputs differ from a fresh run: restart the kernel, run the lesson top to "
        "bottom with its default parameters and save it\n" + report
    )
