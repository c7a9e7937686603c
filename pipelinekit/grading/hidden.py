"""Hidden checks: the grader's own checks, run in the grader's process.

A ``# HIDDEN CHECKS q1 answer=name`` cell of an exercise source is Python written by the
exercise's author. It runs here — never in the learner's kernel — with ``answer`` (the
learner's exported value), ``expected`` (the reference value), ``pd``, ``np`` and every
function of :mod:`pipelinekit.grading.checks` in scope, and assigns ``checks = [...]``.

Examples
--------
>>> from pipelinekit.grading.markers import Question
>>> question = Question("q1", 2, "total", "checks = [scalar_equal(answer, expected)]")
>>> [result.score for result in evaluate_question(question, 41, 42)]
[0.0]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from pipelinekit.errors import PipelinekitError
from pipelinekit.grading import checks as check_functions
from pipelinekit.grading.markers import Question
from pipelinekit.grading.result import CheckResult

__all__ = ["evaluate_question", "self_check"]


def evaluate_question(question: Question, answer: Any, expected: Any) -> list[CheckResult]:
    """Run a question's hidden checks on ``answer`` (here, never in the learner's kernel).

    Raises
    ------
    PipelinekitError
        When the checks themselves are broken (an author's mistake, not the learner's).
    """
    namespace: dict[str, Any] = {
        name: getattr(check_functions, name) for name in check_functions.__all__
    }
    namespace |= {"pd": pd, "np": np, "answer": answer, "expected": expected}
    try:
        code = compile(question.checks, f"<hidden checks {question.id}>", "exec")
        # The exercise author's own code, from the source notebook: trusted, unlike answers.
        exec(code, namespace)  # nosec B102
    except Exception as error:
        raise PipelinekitError(
            f"The hidden checks of question '{question.id}' raised {type(error).__name__}: {error}",
            "checks that return CheckResults for any answer",
            "run `pipelinekit exercises build`: it tries the checks on the reference answer",
        ) from error
    results = namespace.get("checks")
    if (
        not isinstance(results, list)
        or not results
        or not all(isinstance(result, CheckResult) for result in results)
    ):
        raise PipelinekitError(
            f"The hidden checks of question '{question.id}' set checks={results!r:.60}",
            "a non-empty list of CheckResult, e.g. checks = [frame_equal(answer, expected)]",
            "assign the list to a variable named checks",
        )
    return results


def self_check(questions: tuple[Question, ...], values: dict[str, object]) -> None:
    """The reference answers must earn full marks: a check that fails them is broken."""
    for question in questions:
        value = values[question.answer]
        for result in evaluate_question(question, value, value):
            if not result.passed or math.isnan(result.score):
                raise PipelinekitError(
                    f"The hidden check '{result.name}' of question '{question.id}' gives the "
                    f"reference answer {result.score:.2f}: {result.message}",
                    "every check to give the reference answer full marks",
                    "fix the check's arguments in the HIDDEN CHECKS cell",
                )
