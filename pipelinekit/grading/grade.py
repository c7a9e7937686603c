"""Grade submissions: run each in a fresh kernel, then check its answers outside it.

The grader never trusts the learner's kernel. A submission runs in a kernel of its own
(time and memory limited, see :mod:`pipelinekit.grading.runner`); only the *values* of
the answer variables come back out. The hidden checks then run here, in the grader's
process, against reference values computed here from the reference solution. A
submission that rewrites ``pk.grading``, the datasets or the checks inside its kernel
changes nothing the grader looks at.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipelinekit.grading.build import SOLUTIONS_DIR, Exercise, reference_values
from pipelinekit.grading.hidden import evaluate_question
from pipelinekit.grading.markers import Question
from pipelinekit.grading.result import CheckResult, question_score
from pipelinekit.grading.runner import RunResult

__all__ = ["QuestionGrade", "SubmissionGrade", "grade_run", "failed_grade", "References"]


@dataclass(frozen=True)
class QuestionGrade:
    """The grade of one question of one submission."""

    id: str
    points: float
    earned: float
    checks: list[CheckResult] = field(default_factory=list)
    problem: str | None = None


@dataclass(frozen=True)
class SubmissionGrade:
    """The grade of one submission, with the reasons for every lost point."""

    student: str
    exercise: str
    path: str
    status: str
    earned: float
    points: float
    questions: list[QuestionGrade]
    problems: list[str]
    seconds: float

    @property
    def percent(self) -> float:
        """The score as a percentage of the points available."""
        return 100.0 * self.earned / self.points if self.points else 0.0

    def to_json(self) -> str:
        """The grade as JSON (what ``--out DIR/results/`` holds)."""
        data = asdict(self)
        data["percent"] = round(self.percent, 2)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


class References:
    """Reference answers of each exercise, computed once by running its solution here."""

    def __init__(self, root: Path = Path(".")) -> None:
        self.root = root
        self._values: dict[str, dict[str, object]] = {}

    def __getitem__(self, exercise: Exercise) -> dict[str, object]:
        if exercise.name not in self._values:
            reference = self.root / SOLUTIONS_DIR / f"{exercise.name}.ipynb"
            self._values[exercise.name] = reference_values(exercise, reference)
        return self._values[exercise.name]


def grade_run(
    run: RunResult,
    *,
    student: str,
    exercise: Exercise,
    expected: dict[str, object],
    path: Path,
) -> SubmissionGrade:
    """Turn one run of a submission into its grade."""
    questions = []
    for question in exercise.questions:
        if question.answer not in run.values:
            reason = _missing_reason(question, run)
            questions.append(QuestionGrade(question.id, question.points, 0.0, problem=reason))
            continue
        results = evaluate_question(
            question, run.values[question.answer], expected[question.answer]
        )
        earned = round(question_score(results, points=question.points), 4)
        questions.append(QuestionGrade(question.id, question.points, earned, results))
    earned = round(sum(q.earned for q in questions), 4)
    return SubmissionGrade(
        student=student,
        exercise=exercise.name,
        path=str(path),
        status=run.status,
        earned=earned,
        points=exercise.points,
        questions=questions,
        problems=list(run.problems),
        seconds=round(run.seconds, 2),
    )


def failed_grade(student: str, exercise: Exercise, path: Path, reason: str) -> SubmissionGrade:
    """The grade of a submission that could not be run at all: zero, with the reason."""
    questions = [QuestionGrade(q.id, q.points, 0.0, problem=reason) for q in exercise.questions]
    return SubmissionGrade(student, exercise.name, str(path), "invalid", 0.0, exercise.points,
                           questions, [reason], 0.0)  # fmt: skip


def _missing_reason(question: Question, run: RunResult) -> str:
    reason = f"`{question.answer}` was not defined when the notebook finished"
    if run.status in {"dead", "timeout", "invalid"} and run.problems:
        reason += f" ({run.problems[-1]})"
    return reason
