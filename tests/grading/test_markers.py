"""Exercise sources: questions, solution regions and hidden checks, and their errors."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from pipelinekit.grading.build import reference_notebook, student_notebook, without_public_checks
from pipelinekit.grading.markers import (
    MarkerError,
    parse_questions,
    remove_markers,
    strip_solutions,
)


def source(*cells):
    """A notebook of copies of ``cells`` (a cell may appear twice), each with its own id."""
    copies = [nbformat.from_dict({**cell, "id": f"cell-{n}"}) for n, cell in enumerate(cells)]
    return new_notebook(cells=copies)


QUESTION = new_markdown_cell("### Question q1 (2 points)\nCount.")
SOLUTION = new_code_cell("x = 1\n# BEGIN SOLUTION total = ...\ntotal = 3\n# END SOLUTION\ntotal")
HIDDEN = new_code_cell("# HIDDEN CHECKS q1 answer=total\nchecks = [scalar_equal(answer, expected)]")
PUBLIC = new_code_cell('pk.grading.check("demo", "q1", total)')


def test_questions_are_read_from_the_cell_text():
    (question,) = parse_questions(source(QUESTION, SOLUTION, PUBLIC, HIDDEN), source="demo")
    assert (question.id, question.points, question.answer) == ("q1", 2.0, "total")
    assert question.checks == "checks = [scalar_equal(answer, expected)]"


def test_student_notebook_has_stubs_no_hidden_checks_no_outputs():
    nb = source(QUESTION, SOLUTION, PUBLIC, HIDDEN)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="3")]
    student = student_notebook(nb, "00_demo")
    code = [cell.source for cell in student.cells if cell.cell_type == "code"]
    assert code[0] == "x = 1\ntotal = ...  # your code here\ntotal"
    assert not any("HIDDEN" in text or "total = 3" in text for text in code)
    assert all(cell.outputs == [] for cell in student.cells if cell.cell_type == "code")
    assert student.metadata["pipelinekit"] == {"exercise": "00_demo", "role": "exercise"}


def test_reference_keeps_the_solution_without_markers_and_builds_the_same_twice():
    nb = source(QUESTION, SOLUTION, PUBLIC, HIDDEN)
    reference = reference_notebook(nb, "00_demo")
    assert reference.cells[1].source == "x = 1\ntotal = 3\ntotal"
    assert reference == reference_notebook(nb, "00_demo")
    assert [c.id for c in reference.cells] == ["00-demo-01", "00-demo-02", "00-demo-03"]
    assert len(without_public_checks(reference).cells) == 2


def test_default_stub_is_an_ellipsis():
    assert strip_solutions("# BEGIN SOLUTION\ny = 2\n# END SOLUTION") == "...  # your code here"
    assert remove_markers("# BEGIN SOLUTION\ny = 2\n# END SOLUTION") == "y = 2"


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ((QUESTION, SOLUTION), r"question\(s\) q1 have no hidden checks"),
        ((HIDDEN, QUESTION), r"cell 1: hidden checks for question 'q1' come before"),
        ((QUESTION, HIDDEN, QUESTION, HIDDEN), r"cell 3: question id 'q1' is used twice"),
        ((SOLUTION,), r"no question found"),
        (
            (QUESTION, new_code_cell("# BEGIN SOLUTION\nx = 1"), HIDDEN),
            r"cell 2: a solution region is never closed",
        ),
        (
            (QUESTION, new_code_cell("x = 1\n# END SOLUTION"), HIDDEN),
            r"'# END SOLUTION' without a BEGIN",
        ),
        (
            (QUESTION, new_code_cell("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION"), HIDDEN),
            r"inside another solution region",
        ),
    ],
)
def test_malformed_sources_name_the_cell_and_the_fix(cells, message):
    with pytest.raises(MarkerError, match=message) as error:
        parse_questions(source(*cells), source="demo")
    assert "Hint:" in str(error.value)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("checks = [", r"hidden checks of question 'q1' raised SyntaxError"),
        ("checks = [no_such_check(answer)]", r"raised NameError"),
        ("checks = 'all good'", r"set checks='all good'.*non-empty list of CheckResult"),
    ],
)
def test_broken_hidden_checks_are_the_authors_error_not_the_learners(code, message):
    from pipelinekit.errors import PipelinekitError
    from pipelinekit.grading.hidden import evaluate_question
    from pipelinekit.grading.markers import Question

    with pytest.raises(PipelinekitError, match=f"(?s){message}"):
        evaluate_question(Question("q1", 1, "x", code), 1, 1)


def test_hidden_checks_run_here_and_score_the_answer():
    from pipelinekit.grading.hidden import evaluate_question
    from pipelinekit.grading.markers import Question

    question = Question("q1", 1, "x", "checks = [scalar_equal(answer, expected)]")
    assert [r.score for r in evaluate_question(question, 41, 41)] == [1.0]
    assert [r.score for r in evaluate_question(question, 40, 41)] == [0.0]
