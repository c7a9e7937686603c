"""`CheckResult` and `question_score`: validation, display and combining scores."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pipelinekit.errors import InvalidValueError
from pipelinekit.grading.result import CheckResult, question_score


def test_score_is_stored_as_a_plain_float_and_the_result_is_frozen():
    result = CheckResult("rows", np.float64(0.25), "1 of 4 rows")
    assert type(result.score) is float and result.status == "partial" and not result.passed
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.score = 1.0  # type: ignore[misc]


@pytest.mark.parametrize("score", [-0.1, 1.01, float("nan"), "high", None])
def test_scores_outside_zero_to_one_are_refused(score):
    with pytest.raises(InvalidValueError, match=r"Score .* of check 'x'; expected a number from 0"):
        CheckResult("x", score, "message")


def test_text_shows_mark_score_hint_and_details():
    result = CheckResult("q1", 0.0, "2 rows, 3 expected", hint="check the join", details="a\nb")
    assert str(result) == (
        "✗ q1: 2 rows, 3 expected (score 0.00)\n  Hint: check the join\n  a\n  b"
    )
    assert str(CheckResult("q1", 1, "Right")) == "✓ q1: Right (score 1.00)"


def test_html_escapes_learner_text_and_colours_by_status():
    result = CheckResult("q1", 0.5, "<script>x</script>", hint="a & b", details="<b>")
    html = result._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "a &amp; b" in html
    assert "pk-check-partial" in html and "&lt;b&gt;" in html
    assert "pk-check-pass" in CheckResult("q1", 1.0, "ok")._repr_html_()
    assert "pk-check-fail" in CheckResult("q1", 0.0, "no")._repr_html_()


def test_pretty_printer_uses_the_text_form():
    class Printer:
        text_seen = ""

        def text(self, value: str) -> None:
            self.text_seen += value

    printer = Printer()
    CheckResult("q1", 1.0, "Right")._repr_pretty_(printer, cycle=False)
    assert printer.text_seen == "✓ q1: Right (score 1.00)"


def test_question_score_weights_and_points():
    results = [CheckResult("a", 1.0, ""), CheckResult("b", 0.0, ""), CheckResult("c", 0.5, "")]
    assert question_score(results) == 0.5
    assert question_score(results, points=4) == 2.0
    assert question_score(results, points=3, weights=[2, 1, 0]) == 2.0
    assert question_score(CheckResult("a", 0.25, ""), points=2) == 0.5  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("results", "kwargs", "match"),
    [
        ([], {}, r"(?s)No check results; expected at least one CheckResult.*Hint: a hidden check"),
        ([0.5], {}, r"Check results of type float; expected CheckResult objects"),
        ([CheckResult("a", 1, "")], {"points": -1}, r"Points -1; expected a non-negative"),
        ([CheckResult("a", 1, "")], {"weights": [1, 2]}, r"Weights .* for 1 results"),
        ([CheckResult("a", 1, "")], {"weights": [0]}, r"not all zero"),
    ],
)
def test_question_score_refuses_bad_input(results, kwargs, match):
    with pytest.raises(InvalidValueError, match=match):
        question_score(results, **kwargs)
