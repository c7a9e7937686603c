"""How fast is `pipelinekit grade`? Against papermill run per submission, in the same run.

(1) One submission of exercise 00_datasets_tour (the reference solution): the median
    wall time of grading it with a running grader (a started kernel is waiting, as it is
    for every submission after the first: run, export, hidden checks) over a few runs,
    against `papermill.execute_notebook` on the same notebook (which starts a kernel,
    runs the notebook and grades nothing). Target: <= 2 s median on 2 cores.
(2) A class of 30 submissions (solutions, untouched exercises, known-wrong ones):
    `grade_all` with one worker per core, against papermill run on each in turn.
    Target: <= 60 s.

Run: ``.venv/bin/python benchmarks/bench_grading.py [--class-size 30] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import papermill

from pipelinekit.grading.build import SOURCE_DIR, load_exercise
from pipelinekit.grading.grade import References
from pipelinekit.grading.gradebook import Grader, find_submissions, grade_all

ROOT = Path(__file__).resolve().parents[1]
EXERCISE = "00_datasets_tour"


def class_folder(folder: Path, size: int) -> Path:
    """``size`` submissions: solutions and untouched exercises, alternating."""
    sources = [ROOT / "solutions" / f"{EXERCISE}.ipynb", ROOT / "exercises" / f"{EXERCISE}.ipynb"]
    for number in range(size):
        student = folder / f"student{number:02d}"
        student.mkdir(parents=True)
        shutil.copy(sources[number % 2], student / f"{EXERCISE}.ipynb")
    return folder


def papermill_each(paths: list[Path]) -> float:
    """Run each notebook to the end with papermill (errors allowed, as a grader must)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        for number, path in enumerate(paths):
            # An unanswered exercise raises at the end; every cell has run by then.
            with contextlib.suppress(papermill.PapermillExecutionError):
                papermill.execute_notebook(
                    str(path), f"{out}/{number}.ipynb", kernel_name="python3",
                    progress_bar=False, cwd=out, allow_errors=True,
                )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("papermill").setLevel(logging.WARNING)

    exercise, _ = load_exercise(ROOT / SOURCE_DIR / f"{EXERCISE}.ipynb")
    exercises = {exercise.name: exercise}
    references = References(ROOT)
    started = time.perf_counter()
    references[exercise]
    print(f"reference answers computed once in {time.perf_counter() - started:.1f} s")

    with tempfile.TemporaryDirectory() as scratch:
        one = class_folder(Path(scratch) / "one", 1)
        submissions = find_submissions([one], exercises)
        ours = []
        with Grader(exercises, references=references, jobs=1) as grader:  # kernels start now
            for _ in range(args.repeat):
                time.sleep(3)  # as between two submissions: the next kernel is ready
                started = time.perf_counter()
                (grade,) = grader.grade(submissions)
                ours.append(time.perf_counter() - started)
        theirs = [papermill_each([submissions[0].path]) for _ in range(args.repeat)]
        median, papermill_median = statistics.median(ours), statistics.median(theirs)
        print(f"(1) one submission ({grade.percent:.0f} %), median of {args.repeat}:")
        verdict = "OK" if median <= 2 else "MISSED"
        print(f"    pipelinekit grade: {median:.2f} s   target <= 2 s   {verdict}")
        print(f"    papermill (runs only, no grading): {papermill_median:.2f} s")
        print(f"    ratio: {papermill_median / median:.1f}x faster")

        many = class_folder(Path(scratch) / "class", args.class_size)
        submissions = find_submissions([many], exercises)
        started = time.perf_counter()
        grades = grade_all(submissions, exercises, references=references)
        total = time.perf_counter() - started
        papermill_total = papermill_each([s.path for s in submissions])
        print(f"(2) {len(grades)} submissions:")
        verdict = "OK" if total <= 60 else "MISSED"
        print(f"    pipelinekit grade (parallel): {total:.1f} s   target <= 60 s   {verdict}")
        print(f"    papermill one after another: {papermill_total:.1f} s")
        print(f"    ratio: {papermill_total / total:.1f}x faster")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kernels = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: grader {peak:,.0f} MB, largest kernel {kernels:,.0f} MB")


if __name__ == "__main__":
    main()
