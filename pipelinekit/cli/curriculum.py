"""``pipelinekit curriculum``: check the lesson manifest and render the contents page."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelinekit.curriculum import (
    CONTENTS,
    MANIFEST,
    check_files,
    execute_in_place,
    load_curriculum,
    render_contents,
)

EXAMPLES = f"""examples:
  pipelinekit curriculum check                 # {MANIFEST} against the notebooks on disk
  pipelinekit curriculum contents              # write notebooks/{CONTENTS}
  pipelinekit curriculum contents --check      # exit 1 if notebooks/{CONTENTS} is stale
  pipelinekit curriculum run                   # re-run every lesson, store its outputs
"""


def register(commands: argparse._SubParsersAction) -> None:
    curriculum = commands.add_parser(
        "curriculum",
        help="the lesson manifest and the contents page",
        description=f"Check notebooks/{MANIFEST} and render the contents page from it.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = curriculum.add_subparsers(
        dest="action", metavar="ACTION", parser_class=type(curriculum)
    )
    actions.required = True
    contents = actions.add_parser(
        "contents",
        help=f"write notebooks/{CONTENTS} from the manifest",
        description=f"Render the contents page notebooks/{CONTENTS} from notebooks/{MANIFEST}.",
        epilog=f"""examples:
  pipelinekit curriculum contents              # write notebooks/{CONTENTS}
  pipelinekit curriculum contents --check      # exit 1 if notebooks/{CONTENTS} is stale
""",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    contents.add_argument(
        "--check", action="store_true", help="only check the page is up to date (exit 1 if not)"
    )
    contents.set_defaults(handler=run_contents)
    check = actions.add_parser(
        "check",
        help="compare the manifest with the notebooks on disk (exit 1 if they disagree)",
        description="List notebooks missing from the manifest, entries without a file, "
        "and notebooks not named NN_topic.ipynb.",
        epilog=f"""examples:
  pipelinekit curriculum check                 # notebooks/{MANIFEST} against the files
  pipelinekit curriculum check --notebooks path/to/notebooks
""",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.set_defaults(handler=run_check)
    run = actions.add_parser(
        "run",
        help="execute lessons top to bottom and store their outputs (what nbval checks)",
        description="Execute each lesson in a fresh kernel with its default parameters and "
        "store the outputs, without run-time metadata, so diffs show only what changed.",
        epilog="""examples:
  pipelinekit curriculum run                   # every lesson of the manifest
  pipelinekit curriculum run 01_ecommerce/01_window_functions.ipynb
""",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("lessons", nargs="*", help="lesson paths under notebooks/ (default: all)")
    run.set_defaults(handler=run_lessons)
    for action in (contents, check, run):
        action.add_argument(
            "--notebooks",
            default="notebooks",
            metavar="DIR",
            help="the lessons folder holding the manifest (default: notebooks)",
        )


def run_contents(args: argparse.Namespace) -> int:
    text = render_contents(load_curriculum(args.notebooks))
    path = Path(args.notebooks) / CONTENTS
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if args.check:
        if current != text:
            print(f"out of date: {path}; run 'pipelinekit curriculum contents'")
            return 1
        print(f"up to date: {path}")
        return 0
    if current == text:
        print(f"unchanged: {path}")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    curriculum = load_curriculum(args.notebooks)
    report = check_files(curriculum, args.notebooks)
    for problem in report.problems():
        print(problem)
    if not report.ok:
        return 1
    count = len(curriculum.lessons)
    print(f"{count} lesson{'s' if count != 1 else ''} in {curriculum.source}, all on disk")
    return 0


def run_lessons(args: argparse.Namespace) -> int:
    curriculum = load_curriculum(args.notebooks)
    paths = args.lessons or [lesson.path for lesson in curriculum.lessons]
    for path in paths:
        curriculum.lesson(path)  # an unknown path fails here, with the nearest names
        execute_in_place(Path(args.notebooks) / path)
        print(f"ran {path}")
    return 0
