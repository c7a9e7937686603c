"""Self-validating exercises: solutions score 100 %, untouched exercises 0, and known-wrong
submissions exactly their expected partial scores (tests/grading/known_wrong.yml).

Every exercise under solutions/source/ is graded the way an instructor grades a class:
fresh kernels, hidden checks in this process, a gradebook at the end.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import yaml

from pipelinekit.cli import main
from pipelinekit.grading.build import SOURCE_DIR, load_exercise
from pipelinekit.grading.grade import References
from pipelinekit.grading.gradebook import find_submissions, grade_all, gradebook, write_reports

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / SOURCE_DIR).glob("*.ipynb"))
KNOWN_WRONG = yaml.safe_load((Path(__file__).parent / "known_wrong.yml").read_text())

pytestmark = pytest.mark.notebooks


def submission(base: Path, extra_code: str | None, target: Path) -> Path:
    nb = nbformat.read(base, as_version=4)
    if extra_code:
        nb.cells.append(nbformat.v4.new_code_cell(extra_code))
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target


@pytest.fixture(scope="module")
def exercises():
    return {exercise.name: exercise for exercise, _ in map(load_exercise, SOURCES)}


@pytest.fixture(scope="module")
def graded(exercises, tmp_path_factory):
    """Grade the whole class once: solution, untouched and known-wrong per exercise."""
    folder = tmp_path_factory.mktemp("class")
    for name in exercises:
        submission(
            ROOT / "solutions" / f"{name}.ipynb", None, folder / "solution" / f"{name}.ipynb"
        )
        submission(
            ROOT / "exercises" / f"{name}.ipynb", None, folder / "untouched" / f"{name}.ipynb"
        )
        for case in KNOWN_WRONG.get(name, []):
            base = ROOT / f"{case['base']}s" / f"{name}.ipynb"
            submission(base, case["append"], folder / case["name"] / f"{name}.ipynb")
    submissions = find_submissions([folder], exercises)
    grades = grade_all(submissions, exercises, references=References(ROOT), jobs=2)
    write_reports(grades, folder / "out")
    return {(g.student, g.exercise): g for g in grades}, folder / "out"


def test_every_exercise_is_registered_in_the_manifest(exercises):
    manifest = yaml.safe_load((ROOT / "notebooks" / "curriculum.yml").read_text())
    assert {entry["name"] for entry in manifest.get("exercises", [])} == set(exercises)


def test_built_notebooks_are_current():
    assert main(["exercises", "build", "--check", "--root", str(ROOT)]) == 0


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_solution_scores_full_marks(graded, source):
    grade = graded[0][("solution", source.stem)]
    assert grade.percent == 100.0, [c for q in grade.questions for c in q.checks if not c.passed]
    assert grade.status == "ok"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_untouched_exercise_scores_zero(graded, source):
    grade = graded[0][("untouched", source.stem)]
    assert grade.earned == 0.0
    assert all(question.checks or question.problem for question in grade.questions)


@pytest.mark.parametrize(
    ("exercise", "case"),
    [(name, case) for name, cases in KNOWN_WRONG.items() for case in cases],
    ids=lambda value: value["name"] if isinstance(value, dict) else value,
)
def test_known_wrong_submission_gets_its_partial_score(graded, exercise, case):
    grade = graded[0][(case["name"], exercise)]
    scores = {question.id: question.earned for question in grade.questions}
    assert scores == pytest.approx(case["expected"], abs=0.01)


def test_gradebook_has_a_row_per_student_and_a_column_per_question(graded):
    grades, out = graded
    table = gradebook(list(grades.values()))
    assert set(table.index) >= {"solution", "untouched"}
    assert {"total", "points", "percent"} <= set(table.columns)
    assert any(str(column).endswith("q1") for column in table.columns)
    assert (out / "gradebook.csv").read_text().startswith("student,")
    feedback = out / "feedback" / f"untouched__{SOURCES[0].stem}.md"
    assert "Score: 0 /" in feedback.read_text()
    assert (out / "results" / f"solution__{SOURCES[0].stem}.json").exists()


def test_feedback_never_shows_the_hidden_checks(graded):
    for path in (graded[1] / "feedback").glob("*.md"):
        assert "HIDDEN CHECKS" not in path.read_text()


def test_a_running_grader_grades_batch_after_batch(exercises, tmp_path):
    """Started kernels are reused across calls, one kernel per submission still."""
    from pipelinekit.grading.gradebook import Grader

    name = SOURCES[0].stem
    first = submission(ROOT / "solutions" / f"{name}.ipynb", None, tmp_path / "a" / f"{name}.ipynb")
    second = submission(
        ROOT / "exercises" / f"{name}.ipynb", None, tmp_path / "b" / f"{name}.ipynb"
    )
    with Grader(exercises, references=References(ROOT), jobs=1) as grader:
        (one,) = grader.grade(find_submissions([first], exercises))
        (two,) = grader.grade(find_submissions([second], exercises))
    assert (one.percent, two.percent) == (100.0, 0.0)
