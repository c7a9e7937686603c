"""Read an exercise's source notebook: its questions, solution regions and hidden checks.

One solution notebook is the source of an exercise. The markers live in the cell text,
so copying or moving cells cannot break grading:

- a Markdown cell whose first line is ``### Question q1 (2 points)`` opens a question;
- in code cells, the lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` are the
  answer; text after ``BEGIN SOLUTION`` is the stub learners get instead
  (``# BEGIN SOLUTION orders_per_status = ...``);
- a code cell whose first line is ``# HIDDEN CHECKS q1 answer=orders_per_status`` holds
  the grader's checks for ``q1``: Python run by the grader (never in the learner's
  kernel) with ``answer``, ``expected`` and every function of
  :mod:`pipelinekit.grading.checks` in scope, assigning ``checks = [...]``.

Examples
--------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[
...     nbformat.v4.new_markdown_cell("### Question q1 (2 points)\\nCount the orders."),
...     nbformat.v4.new_code_cell("# BEGIN SOLUTION n = ...\\nn = 3\\n# END SOLUTION"),
...     nbformat.v4.new_code_cell("# HIDDEN CHECKS q1 answer=n\\nchecks = []"),
... ])
>>> [(q.id, q.points, q.answer) for q in parse_questions(nb, source="demo")]
[('q1', 2.0, 'n')]
>>> strip_solutions("a = 1\\n# BEGIN SOLUTION n = ...\\nn = 3\\n# END SOLUTION")
'a = 1\\nn = ...  # your code here'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nbformat import NotebookNode

from pipelinekit.errors import PipelinekitError

__all__ = [
    "Question",
    "is_hidden",
    "parse_questions",
    "remove_markers",
    "strip_solutions",
]

QUESTION = re.compile(
    r"^#{1,6}\s*Question\s+(?P<id>[A-Za-z0-9_.-]+)\s*\((?P<points>\d+(?:\.\d+)?)\s*points?\)"
)
HIDDEN = re.compile(
    r"^#\s*HIDDEN CHECKS\s+(?P<id>[A-Za-z0-9_.-]+)\s+answer=(?P<answer>[A-Za-z_]\w*)\s*$"
)
BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION\s*(?P<stub>.*)$")
END = re.compile(r"^\s*# END SOLUTION\s*$")


@dataclass(frozen=True)
class Question:
    """One graded question of an exercise."""

    id: str
    points: float
    answer: str  #: the variable the learner stores the answer in
    checks: str  #: the hidden checks' Python source


class MarkerError(PipelinekitError, ValueError):
    """An exercise source whose markers do not fit together."""


def is_hidden(cell: NotebookNode) -> bool:
    """Whether a cell holds hidden checks (and so never reaches a learner)."""
    return cell.cell_type == "code" and bool(HIDDEN.match(_first_line(cell)))


def parse_questions(nb: NotebookNode, *, source: str) -> list[Question]:
    """The questions of an exercise source notebook, in order.

    Raises :class:`MarkerError` naming the cell when a question has no hidden checks,
    checks name an unknown question, an id repeats, or a solution region is unclosed.
    """
    points: dict[str, float] = {}
    hidden: dict[str, tuple[str, str]] = {}
    for number, cell in enumerate(nb.cells, start=1):
        first = _first_line(cell)
        if cell.cell_type == "markdown" and (match := QUESTION.match(first)):
            _unique(match["id"], points, source, number)
            points[match["id"]] = float(match["points"])
        elif cell.cell_type == "code" and (match := HIDDEN.match(first)):
            if match["id"] not in points:
                raise MarkerError(
                    f"{source}, cell {number}: hidden checks for question '{match['id']}' "
                    "come before (or without) its question",
                    "a Markdown cell '### Question <id> (<n> points)' above the checks",
                    "move the checks below their question, or fix the id",
                )
            _unique(match["id"], hidden, source, number)
            hidden[match["id"]] = (match["answer"], cell.source.split("\n", 1)[-1])
        elif cell.cell_type == "code":
            strip_solutions(cell.source, where=f"{source}, cell {number}")
    unchecked = [qid for qid in points if qid not in hidden]
    if unchecked:
        raise MarkerError(
            f"{source}: question(s) {', '.join(unchecked)} have no hidden checks",
            "one '# HIDDEN CHECKS <id> answer=<variable>' cell per question",
            "a question without checks could never earn or lose points",
        )
    if not points:
        raise MarkerError(
            f"{source}: no question found",
            "Markdown cells starting '### Question q1 (2 points)'",
            "see pipelinekit/grading/markers.py for the format",
        )
    return [Question(qid, points[qid], *hidden[qid]) for qid in points]


def strip_solutions(code: str, *, where: str = "cell") -> str:
    """Replace each solution region with its stub (``...  # your code here`` by default)."""
    return _rewrite(code, where=where, keep_solution=False)


def remove_markers(code: str, *, where: str = "cell") -> str:
    """Keep the solutions but drop the marker lines (for the reference notebook)."""
    return _rewrite(code, where=where, keep_solution=True)


def _rewrite(code: str, *, where: str, keep_solution: bool) -> str:
    lines: list[str] = []
    inside = False
    for line in code.split("\n"):
        if match := BEGIN.match(line):
            if inside:
                raise MarkerError(
                    f"{where}: '# BEGIN SOLUTION' inside another solution region",
                    "each BEGIN closed by '# END SOLUTION' first",
                    "add the missing END",
                )
            inside = True
            if not keep_solution:
                stub = match["stub"].strip() or "..."
                lines.append(f"{match['indent']}{stub}  # your code here")
        elif END.match(line):
            if not inside:
                raise MarkerError(
                    f"{where}: '# END SOLUTION' without a BEGIN",
                    "'# BEGIN SOLUTION' before it",
                    "remove it or add the BEGIN",
                )
            inside = False
        elif keep_solution or not inside:
            lines.append(line)
    if inside:
        raise MarkerError(
            f"{where}: a solution region is never closed",
            "'# END SOLUTION' after '# BEGIN SOLUTION'",
            "add '# END SOLUTION' where the answer ends",
        )
    return "\n".join(lines)


def _first_line(cell: NotebookNode) -> str:
    return cell.source.lstrip().split("\n", 1)[0].strip()


def _unique(qid: str, seen: dict, source: str, number: int) -> None:
    if qid in seen:
        raise MarkerError(
            f"{source}, cell {number}: question id '{qid}' is used twice",
            "a unique id per question",
            "rename one of them (ids are how grades are recorded)",
        )
