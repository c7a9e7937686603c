"""``pipelinekit grade PATH...``: grade submissions in parallel and write a gradebook."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

EXAMPLES = """examples:
  pipelinekit grade submissions/ --out grades/            # a folder or a class layout
  pipelinekit grade alice.ipynb                            # one notebook
  pipelinekit grade inbox/ --exercise 00_datasets_tour     # any file names
  pipelinekit grade class/ --jobs 4 --timeout 600 --cell-timeout 60 --memory-mb 4096
"""


def register(commands: argparse._SubParsersAction) -> None:
    grade = commands.add_parser(
        "grade",
        help="grade exercise submissions (fresh kernel each, hidden checks, gradebook)",
        description="Run each submission in a fresh, limited kernel, then grade its answers.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grade.add_argument("paths", nargs="+", metavar="PATH", help="notebooks or folders")
    grade.add_argument("--out", default="grades", help="where results go (default: grades/)")
    grade.add_argument("--jobs", type=int, default=None, help="parallel kernels (default: cores)")
    grade.add_argument("--timeout", type=float, default=300, help="seconds per notebook")
    grade.add_argument("--cell-timeout", type=float, default=30, help="seconds per cell")
    grade.add_argument("--memory-mb", type=int, default=2048, help="memory limit per kernel")
    grade.add_argument("--exercise", help="the exercise every notebook answers (default: each "
                       "notebook's metadata or file name)")  # fmt: skip
    grade.add_argument("--root", default=".", help="repository root with solutions/ (default: .)")
    grade.set_defaults(handler=run_grade)


def run_grade(args: argparse.Namespace) -> int:
    # the grading machinery (nbformat, jsonschema, ...) is loaded only when grading
    from pipelinekit.grading.build import SOURCE_DIR, load_exercise
    from pipelinekit.grading.grade import References
    from pipelinekit.grading.gradebook import find_submissions, grade_all, gradebook, write_reports

    root = Path(args.root)
    exercises = {}
    for source in sorted((root / SOURCE_DIR).glob("*.ipynb")):
        exercise, _ = load_exercise(source)
        exercises[exercise.name] = exercise
    submissions = find_submissions(args.paths, exercises, exercise=args.exercise)
    console = Console(stderr=True)
    with Progress(
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("grading", total=len(submissions))
        grades = grade_all(
            submissions,
            exercises,
            references=References(root),
            jobs=args.jobs or os.cpu_count(),
            cell_timeout=args.cell_timeout,
            timeout=args.timeout,
            memory_mb=args.memory_mb,
            on_done=lambda grade: progress.advance(task),
        )
    write_reports(grades, args.out)
    print(gradebook(grades).to_string())
    print(
        f"\nGraded {len(grades)} submission(s); results, feedback and gradebook.csv in {args.out}"
    )
    return 0
