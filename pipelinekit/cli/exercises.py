"""``pipelinekit exercises build [--check]``: student and reference notebooks from sources."""

from __future__ import annotations

import argparse
import filecmp
import tempfile
from pathlib import Path

from pipelinekit.errors import PipelinekitError, UnknownNameError

EXAMPLES = """examples:
  pipelinekit exercises build                 # every solutions/source/*.ipynb
  pipelinekit exercises build 00_datasets_tour
  pipelinekit exercises build --check         # CI: fail if the built files are stale
"""


def register(commands: argparse._SubParsersAction) -> None:
    exercises = commands.add_parser(
        "exercises",
        help="build exercise notebooks from their sources",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = exercises.add_subparsers(
        dest="action", metavar="ACTION", parser_class=type(exercises)
    )
    actions.required = True
    build = actions.add_parser(
        "build",
        help="write exercises/NAME.ipynb, solutions/NAME.ipynb and the public-check fingerprints",
        description="Generate student and reference notebooks from solutions/source/.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument("names", nargs="*", help="exercise names (default: all sources)")
    build.add_argument("--root", default=".", help="repository root (default: .)")
    build.add_argument(
        "--check", action="store_true", help="only check the built files are current"
    )
    build.set_defaults(handler=run_build)


def run_build(args: argparse.Namespace) -> int:
    from pipelinekit.grading.build import build_exercise  # nbformat: loaded when used

    root = Path(args.root)
    sources = _sources(root, args.names)
    if not args.check:
        for source in sources:
            for path in build_exercise(source, root):
                print(f"wrote {path}")
        return 0
    with tempfile.TemporaryDirectory(prefix="pk-build-") as scratch:
        stale = []
        for source in sources:
            for built in build_exercise(source, scratch):
                committed = root / built.relative_to(scratch)
                if not committed.exists() or not filecmp.cmp(built, committed, shallow=False):
                    stale.append(str(committed))
    if stale:
        print(f"out of date: {', '.join(stale)}; run 'pipelinekit exercises build'")
        return 1
    print(f"{len(sources)} exercise(s) up to date")
    return 0


def _sources(root: Path, names: list[str]) -> list[Path]:
    from pipelinekit.grading.build import SOURCE_DIR

    available = {path.stem: path for path in sorted((root / SOURCE_DIR).glob("*.ipynb"))}
    if not available:
        raise PipelinekitError(
            f"No exercise source in '{root / SOURCE_DIR}'",
            "solution notebooks solutions/source/NN_topic.ipynb",
            "run the command from the repository root, or pass --root",
        )
    for name in names:
        if name not in available:
            raise UnknownNameError.for_name(name, available, kind="exercise")
    return [available[name] for name in names] if names else list(available.values())
