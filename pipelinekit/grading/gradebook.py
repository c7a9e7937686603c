"""Grade a class: find submissions, grade them in parallel, write the gradebook.

``pipelinekit grade PATH...`` lands here. A PATH is one notebook, a folder of
notebooks (``alice.ipynb``, ``bob.ipynb``) or a class layout
(``alice/00_datasets_tour.ipynb``, ``bob/00_datasets_tour.ipynb``). Each submission runs
in a fresh kernel; kernels are started ahead of time, one pool per worker, so a batch
does not wait for kernel start-up. Results go to ``--out``:

- ``gradebook.csv``: one row per student, one column per question, total and percent;
- ``results/<student>__<exercise>.json``: every check, score and problem;
- ``feedback/<student>__<exercise>.md`` and ``.html``: what to tell the learner.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, as_completed
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelinekit.errors import OutputError, PipelinekitError, UnknownNameError
from pipelinekit.grading.build import Exercise
from pipelinekit.grading.grade import References, SubmissionGrade, failed_grade, grade_run
from pipelinekit.grading.runner import KernelPool

__all__ = ["Grader", "Submission", "find_submissions", "grade_all", "gradebook", "write_reports"]


@dataclass(frozen=True)
class Submission:
    """One notebook to grade: whose it is and which exercise it answers."""

    student: str
    exercise: str | None
    path: Path


def find_submissions(
    paths: Iterable[str | Path], exercises: Mapping[str, Exercise], *, exercise: str | None = None
) -> list[Submission]:
    """Every notebook under ``paths``, with its student and exercise worked out.

    The exercise comes from the notebook's metadata (set by ``exercises build``), else
    from its file name, else — when only one exercise exists — that one. The student is
    the folder name when the file is named after the exercise (class layout), else the
    file name. ``exercise`` says which exercise every notebook answers (a folder of one
    exercise's submissions, whatever their names).
    """
    if exercise is not None and exercise not in exercises:
        raise UnknownNameError.for_name(exercise, exercises, kind="exercise")
    found: list[Submission] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            notebooks = sorted(
                p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
            )
        elif path.exists():
            notebooks = [path]
        else:
            raise PipelinekitError(
                f"No file or folder at '{path}'",
                "a notebook, a folder of notebooks or a class folder (one folder per student)",
                "check the path; quote it if it has spaces",
            )
        found.extend(_submission(notebook, exercises, exercise) for notebook in notebooks)
    if not found:
        raise PipelinekitError(
            f"No notebook found under {', '.join(map(str, paths))}",
            "at least one .ipynb file",
            "point at the folder that holds the submissions",
        )
    return found


class Grader:
    """Worker threads, each with a pool of started kernels, that grade submissions.

    Kernels start when the grader does, so :meth:`grade` finds them ready; each kernel
    still runs exactly one submission. Use it in a ``with`` block; :meth:`grade` may be
    called many times (a watch loop, a grading service), reusing the started workers.

    Parameters
    ----------
    exercises : mapping of str to Exercise
        The exercises submissions may answer, by name.
    references : References
        Where reference answers come from (computed once per exercise).
    jobs : int, optional
        Parallel workers (default: the number of cores).
    cell_timeout, timeout : float
        Seconds per cell and per notebook.
    memory_mb : int
        Memory limit of each kernel.
    """

    def __init__(
        self,
        exercises: Mapping[str, Exercise],
        *,
        references: References,
        jobs: int | None = None,
        cell_timeout: float = 30,
        timeout: float = 300,
        memory_mb: int = 2048,
    ) -> None:
        self.exercises = exercises
        self.references = references
        self.cell_timeout = cell_timeout
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._work: queue.SimpleQueue[tuple[Submission, Future[SubmissionGrade]] | None] = (
            queue.SimpleQueue()
        )
        self._threads = [
            threading.Thread(target=self._worker, name=f"pk-grade-{n}", daemon=True)
            for n in range(max(1, jobs or os.cpu_count() or 1))
        ]
        for thread in self._threads:
            thread.start()

    def grade(
        self,
        submissions: Sequence[Submission],
        *,
        on_done: Callable[[SubmissionGrade], None] | None = None,
    ) -> list[SubmissionGrade]:
        """Grade ``submissions`` in parallel; return the grades in submission order."""
        for name in {s.exercise or "" for s in submissions}:
            if name in self.exercises:  # references first, before any learner code runs
                self.references[self.exercises[name]]
        futures: list[Future[SubmissionGrade]] = [Future() for _ in submissions]
        for submission, future in zip(submissions, futures, strict=True):
            self._work.put((submission, future))
        for future in as_completed(futures):
            if on_done is not None and future.exception() is None:
                on_done(future.result())
        return [future.result() for future in futures]

    def close(self) -> None:
        """Stop the workers and shut their waiting kernels down."""
        for _ in self._threads:
            self._work.put(None)
        for thread in self._threads:
            thread.join()

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _worker(self) -> None:
        """Take submissions from the queue until told to stop; one kernel pool per thread."""
        pool: KernelPool | None = None
        failure: BaseException | None = None
        try:
            pool = KernelPool(size=1, memory_mb=self.memory_mb)
        except BaseException as error:  # every submission of this worker reports it
            failure = error
        try:
            while (item := self._work.get()) is not None:
                submission, future = item
                try:
                    if pool is None:
                        raise failure or RuntimeError("no kernel pool")
                    future.set_result(self._grade_one(pool, submission))
                except BaseException as error:
                    future.set_exception(error)
        finally:
            if pool is not None:
                pool.close()
            _close_event_loop()  # jupyter_client opened one for this thread

    def _grade_one(self, pool: KernelPool, submission: Submission) -> SubmissionGrade:
        exercise = self.exercises.get(submission.exercise or "")
        if exercise is None:
            reason = _unknown_exercise(submission, self.exercises)
            placeholder = Exercise(submission.exercise or "unknown", submission.path, ())
            return failed_grade(submission.student, placeholder, submission.path, reason)
        with tempfile.TemporaryDirectory(prefix="pk-grade-") as folder:
            run = pool.run(
                submission.path,
                export=[q.answer for q in exercise.questions],
                cell_timeout=self.cell_timeout,
                timeout=self.timeout,
                cwd=Path(folder),
            )
        return grade_run(
            run,
            student=submission.student,
            exercise=exercise,
            expected=self.references[exercise],
            path=submission.path,
        )


def grade_all(
    submissions: Sequence[Submission],
    exercises: Mapping[str, Exercise],
    *,
    references: References,
    jobs: int | None = None,
    cell_timeout: float = 30,
    timeout: float = 300,
    memory_mb: int = 2048,
    on_done: Callable[[SubmissionGrade], None] | None = None,
) -> list[SubmissionGrade]:
    """Grade ``submissions`` once with a :class:`Grader` of ``jobs`` workers."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(submissions)))
    with Grader(
        exercises,
        references=references,
        jobs=jobs,
        cell_timeout=cell_timeout,
        timeout=timeout,
        memory_mb=memory_mb,
    ) as grader:
        return grader.grade(submissions, on_done=on_done)


def _close_event_loop() -> None:
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return
    if not loop.is_running():
        loop.close()


def gradebook(grades: Sequence[SubmissionGrade]) -> pd.DataFrame:
    """One row per student, one column per question (``exercise:question`` when several).

    Examples
    --------
    >>> from pipelinekit.grading.grade import QuestionGrade, SubmissionGrade
    >>> grade = SubmissionGrade("ada", "00_demo", "ada.ipynb", "ok", 1.5, 3.0,
    ...     [QuestionGrade("q1", 1, 1.0), QuestionGrade("q2", 2, 0.5)], [], 1.0)
    >>> gradebook([grade])
             q1   q2  total  points  percent
    student
    ada     1.0  0.5    1.5     3.0     50.0
    """
    several = len({g.exercise for g in grades}) > 1
    rows = [
        {
            "student": g.student,
            "column": f"{g.exercise}:{q.id}" if several else q.id,
            "earned": q.earned,
        }
        for g in grades
        for q in g.questions
    ]
    table = pd.DataFrame(rows).pivot_table(
        index="student", columns="column", values="earned", aggfunc="max", sort=False
    )
    table.columns.name = None
    totals = pd.DataFrame([{"student": g.student, "points": g.points} for g in grades])
    points = totals.groupby("student", sort=False)["points"].sum()
    table["total"] = table.sum(axis=1)
    table["points"] = points
    table["percent"] = (100 * table["total"] / table["points"]).round(1)
    return table.sort_index()


def write_reports(grades: Sequence[SubmissionGrade], out: str | Path) -> list[Path]:
    """Write the gradebook CSV, one JSON result and Markdown/HTML feedback per submission."""
    folder = Path(out)
    try:
        (folder / "results").mkdir(parents=True, exist_ok=True)
        (folder / "feedback").mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"Cannot write the grades to '{folder}' ({error.strerror or error})",
            "a folder you can create files in",
            "pass another --out folder",
        ) from error
    written = []
    for grade in grades:
        stem = f"{grade.student}__{grade.exercise}"
        written.append(_write(folder / "results" / f"{stem}.json", grade.to_json()))
        written.append(_write(folder / "feedback" / f"{stem}.md", feedback_markdown(grade)))
        written.append(_write(folder / "feedback" / f"{stem}.html", feedback_html(grade)))
    written.append(_write(folder / "gradebook.csv", gradebook(grades).to_csv()))
    return written


def feedback_markdown(grade: SubmissionGrade) -> str:
    """What the learner reads: the score, then each question with what to look at."""
    lines = [
        f"# {grade.exercise}: feedback for {grade.student}",
        "",
        f"**Score: {grade.earned:g} / {grade.points:g} ({grade.percent:.0f} %)**",
        "",
    ]
    if grade.problems:
        lines += ["While running your notebook:", ""] + [f"- {p}" for p in grade.problems] + [""]
    for question in grade.questions:
        lines += [f"## Question {question.id}: {question.earned:g} / {question.points:g}", ""]
        if question.problem:
            lines += [question.problem, ""]
        for result in question.checks:
            lines += ["```", str(result), "```", ""]
    return "\n".join(lines)


def feedback_html(grade: SubmissionGrade) -> str:
    """The same feedback as a self-contained HTML page."""
    parts = [
        "<!doctype html><meta charset='utf-8'>",
        f"<title>{html.escape(grade.exercise)}: {html.escape(grade.student)}</title>",
        f"<h1>{html.escape(grade.exercise)}: feedback for {html.escape(grade.student)}</h1>",
        f"<p><b>Score: {grade.earned:g} / {grade.points:g} ({grade.percent:.0f} %)</b></p>",
    ]
    if grade.problems:
        items = "".join(f"<li>{html.escape(p)}</li>" for p in grade.problems)
        parts.append(f"<p>While running your notebook:</p><ul>{items}</ul>")
    for question in grade.questions:
        score = f"{question.earned:g} / {question.points:g}"
        parts.append(f"<h2>Question {html.escape(question.id)}: {score}</h2>")
        if question.problem:
            parts.append(f"<p>{html.escape(question.problem)}</p>")
        parts.extend(result._repr_html_() for result in question.checks)
    return "\n".join(parts) + "\n"


def _submission(path: Path, exercises: Mapping[str, Exercise], forced: str | None) -> Submission:
    exercise = forced or _exercise_from_metadata(path)
    exercise = exercise or (path.stem if path.stem in exercises else None)
    if exercise is None and len(exercises) == 1:
        exercise = next(iter(exercises))
    student = path.parent.name if path.stem in exercises else path.stem
    return Submission(student=student, exercise=exercise, path=path)


def _exercise_from_metadata(path: Path) -> str | None:
    try:
        metadata = json.loads(path.read_text(errors="replace")).get("metadata", {})
        name = metadata.get("pipelinekit", {}).get("exercise")
    except (ValueError, AttributeError, OSError):
        return None  # the runner reports an unreadable notebook with its reason
    return name if isinstance(name, str) else None


def _unknown_exercise(submission: Submission, exercises: Mapping[str, Exercise]) -> str:
    name = submission.exercise or submission.path.stem
    return UnknownNameError.for_name(name, exercises, kind="exercise").one_line()


def _write(path: Path, text: str) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    partial.replace(path)
    return path
