"""Build an exercise: one source in, a student notebook and a reference notebook out.

``solutions/source/<name>.ipynb`` is the only file an author writes (see
:mod:`pipelinekit.grading.markers`). :func:`build_exercise` makes from it

- ``exercises/<name>.ipynb``: solutions replaced by stubs, hidden checks removed,
  outputs cleared, so learners start from a clean page;
- ``solutions/<name>.ipynb``: the model answer, markers and hidden checks removed;
- ``exercises/.checks/<name>.json``: fingerprints of the reference answers, which the
  public checks (``pk.grading.check``) compare against without revealing them.

Cell ids are derived from the exercise name and position, and notebooks are written
with sorted keys, so building twice gives the same bytes and CI can fail on drift.
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from pipelinekit.errors import PipelinekitError
from pipelinekit.grading.hidden import self_check
from pipelinekit.grading.markers import (
    Question,
    is_hidden,
    parse_questions,
    remove_markers,
    strip_solutions,
)
from pipelinekit.grading.public import write_fingerprints
from pipelinekit.grading.runner import run_notebook

__all__ = [
    "Exercise",
    "build_exercise",
    "load_exercise",
    "reference_notebook",
    "student_notebook",
    "without_public_checks",
]

#: Where an exercise's files live, relative to the repository root.
SOURCE_DIR = Path("solutions/source")
EXERCISES_DIR = Path("exercises")
SOLUTIONS_DIR = Path("solutions")
CHECKS_DIR = EXERCISES_DIR / ".checks"
PUBLIC_CHECK = re.compile(r"^(pk\.grading\.)?check\(")


@dataclass(frozen=True)
class Exercise:
    """An exercise as the grader sees it: its name, source notebook and questions."""

    name: str
    source: Path
    questions: tuple[Question, ...]

    @property
    def points(self) -> float:
        """Points of all questions together."""
        return sum(question.points for question in self.questions)


def load_exercise(source: str | Path) -> tuple[Exercise, NotebookNode]:
    """Read and validate an exercise source notebook."""
    path = Path(source)
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:
        raise PipelinekitError(
            f"Cannot read exercise source '{path}' ({error})",
            "a notebook written by Jupyter",
            "check the path; sources live in solutions/source/",
        ) from error
    questions = parse_questions(nb, source=str(path))
    return Exercise(path.stem, path, tuple(questions)), nb


def student_notebook(nb: NotebookNode, name: str) -> NotebookNode:
    """The learner's copy: stubs instead of solutions, no hidden checks, no outputs."""
    return _derive(nb, name, rewrite=strip_solutions, role="exercise")


def reference_notebook(nb: NotebookNode, name: str) -> NotebookNode:
    """The model answer: solutions kept, markers and hidden checks removed, no outputs."""
    return _derive(nb, name, rewrite=remove_markers, role="solution")


def build_exercise(source: str | Path, root: str | Path = ".") -> list[Path]:
    """Write the student notebook, reference notebook and fingerprints of one exercise.

    Parameters
    ----------
    source : path
        The exercise source, ``solutions/source/<name>.ipynb``.
    root : path
        The repository root the output folders are relative to.

    Returns
    -------
    list of Path
        The three files written.

    Raises
    ------
    PipelinekitError
        When the source is malformed, or the reference solution does not run cleanly
        or does not define every answer (a broken reference would grade everyone wrong).
    """
    exercise, nb = load_exercise(source)
    root = Path(root)
    student = root / EXERCISES_DIR / f"{exercise.name}.ipynb"
    reference = root / SOLUTIONS_DIR / f"{exercise.name}.ipynb"
    checks = root / CHECKS_DIR / f"{exercise.name}.json"
    _write(student, student_notebook(nb, exercise.name))
    _write(reference, reference_notebook(nb, exercise.name))
    with tempfile.TemporaryDirectory(prefix="pk-build-") as folder:
        # Public checks need the fingerprints this run makes, so the run goes without them.
        unchecked = Path(folder) / reference.name
        _write(unchecked, without_public_checks(reference_notebook(nb, exercise.name)))
        values = reference_values(exercise, unchecked)
    self_check(exercise.questions, values)
    write_fingerprints(
        checks,
        exercise.name,
        {q.id: (q.points, q.answer, values[q.answer]) for q in exercise.questions},
    )
    checks.chmod(0o644)  # a file learners read from the repository
    return [student, reference, checks]


def reference_values(exercise: Exercise, reference: Path) -> dict[str, object]:
    """Run the reference notebook and return its answers, failing loudly if it breaks."""
    with tempfile.TemporaryDirectory(prefix="pk-reference-") as folder:
        run = run_notebook(
            reference, export=[q.answer for q in exercise.questions], cwd=Path(folder), timeout=600
        )
    if run.status != "ok" or run.missing:
        problems = run.problems[:3] + [f"'{name}' is not defined" for name in run.missing]
        raise PipelinekitError(
            f"The reference solution of '{exercise.name}' does not run cleanly: "
            + "; ".join(problems),
            "a solution that runs top to bottom and defines every answer",
            f"run {reference} in Jupyter and fix it, then build again",
        )
    return run.values


def without_public_checks(nb: NotebookNode) -> NotebookNode:
    """The notebook without its ``pk.grading.check(...)`` cells."""
    kept = copy.deepcopy(nb)
    kept.cells = [cell for cell in kept.cells if not PUBLIC_CHECK.match(cell.source.strip())]
    return kept


def _derive(nb: NotebookNode, name: str, *, rewrite, role: str) -> NotebookNode:
    derived = copy.deepcopy(nb)
    derived.cells = [cell for cell in derived.cells if not is_hidden(cell)]
    for number, cell in enumerate(derived.cells, start=1):
        cell.id = f"{name}-{number:02d}".replace("_", "-")
        cell.metadata = {key: value for key, value in cell.metadata.items() if key == "tags"}
        if cell.cell_type == "code":
            cell.source = rewrite(cell.source, where=f"{name}, cell {number}")
            cell.outputs = []
            cell.execution_count = None
    derived.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "pipelinekit": {"exercise": name, "role": role},
    }
    return derived


def _write(path: Path, nb: NotebookNode) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.validate(nb)
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
