"""``pipelinekit run``: run a pipeline end to end, or only validate it; ``pipelinekit runs``
lists the runs of a runs folder.

Examples::

    pipelinekit run ecommerce --scale tiny
    pipelinekit run pipelines/shop.yml --target postgresql+psycopg://postgres@127.0.0.1/test
    pipelinekit run ecommerce --validate-only
    pipelinekit run ecommerce --resume
    pipelinekit runs

Exit status: 0 when the run completes, 1 when a step or a ``fail`` gate stops it (the
target keeps its previous tables), 2 for a mistake in the command or the pipeline file
(nothing ran), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from pipelinekit.errors import InvalidValueError

EXAMPLES = """examples:
  pipelinekit run ecommerce --scale tiny
  pipelinekit run ecommerce --target duckdb:///shop.duckdb --seed 7
  pipelinekit run pipelines/shop.yml --validate-only
  pipelinekit run ecommerce --scale large --metrics-port 0
  pipelinekit run ecommerce --resume            # the latest failed run, from where it stopped
  pipelinekit run ecommerce --resume 20261127T101500Z-ecommerce-1a2b3c
"""

RUNS_EXAMPLES = """examples:
  pipelinekit runs
  pipelinekit runs --runs-dir runs --last 5
"""

RUN_FAILED = 1


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run",
        help="run a pipeline: sources, steps, quality gates, targets",
        description=(
            "Run a built-in pipeline (ecommerce, finance, iot) or a pipeline YAML file:"
            " generate the data if missing, run every step, check the quality gates, load"
            " the target, and write the run's artifacts to RUNS_DIR/<run_id>/."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("pipeline", metavar="NAME|PATH", help="a built-in pipeline or a file")
    parser.add_argument("--target", metavar="URL", help="load here instead of the file's target")
    parser.add_argument("--scale", help="scale of generated data: tiny, small, ... or rows")
    parser.add_argument("--seed", type=int, help="seed of generated data")
    parser.add_argument("--runs-dir", default="runs", help="where run folders go (default runs)")
    parser.add_argument("--data-dir", default="data", help="where generated data is kept")
    parser.add_argument(
        "--metadata",
        help="metadata database (default: $PIPELINEKIT_METADATA or .pipelinekit/metadata.duckdb)",
    )
    parser.add_argument(
        "--validate-only", action="store_true", help="check the pipeline, run nothing"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--metrics-port",
        type=int,
        metavar="N",
        help="serve Prometheus metrics on port N while the run is active (0: any free port)",
    )
    parser.add_argument(
        "--resume",
        nargs="?",
        const=True,
        default=False,
        metavar="RUN_ID",
        help="resume a failed run (default: the latest): keep the tables it made whose"
        " definition and inputs are unchanged, make the rest",
    )
    parser.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="DuckDB's memory limit for the run's tables, e.g. 2GB (default"
        " $PIPELINEKIT_MEMORY_LIMIT or 2GB); above it DuckDB spills to disk",
    )
    parser.set_defaults(handler=run_pipeline)

    runs = commands.add_parser(
        "runs",
        help="list the runs of a runs folder: status, time, error, resumable",
        description="List pipeline runs, oldest first; runs killed mid-way are marked FAIL.",
        epilog=RUNS_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    runs.add_argument("--runs-dir", default="runs", help="the runs folder (default runs)")
    runs.add_argument("--last", type=int, default=20, metavar="N", help="show the last N runs")
    runs.set_defaults(handler=list_runs)


def list_runs(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from pipelinekit.pipeline.runs import list_runs as runs_of
    from pipelinekit.pipeline.runs import mark_abandoned

    if args.last < 1:
        raise InvalidValueError(f"--last {args.last}", "a whole number >= 1", "try --last 5")
    mark_abandoned(args.runs_dir)
    runs = runs_of(args.runs_dir).tail(args.last)
    if runs.empty:
        print(f"No runs in '{args.runs_dir}'.")
        return 0
    table = Table("run_id", "pipeline", "status", "seconds", "resumable", "error")
    for row in runs.itertuples():
        seconds = "" if row.seconds is None or row.seconds != row.seconds else f"{row.seconds:.1f}"
        error = "" if row.error is None else str(row.error)
        table.add_row(
            str(row.run_id),
            str(row.pipeline),
            str(row.status),
            seconds,
            "yes" if row.resumable else "",
            error,
        )
    Console(width=160).print(table)
    return 0


def run_pipeline(args: argparse.Namespace) -> int:
    from pipelinekit.pipeline import load_pipeline, resolve_pipeline, run, validate

    if args.seed is not None and args.seed < 0:
        raise InvalidValueError(f"--seed {args.seed}", "a whole number >= 0", "try --seed 42")
    if args.metrics_port is not None and not 0 <= args.metrics_port <= 65_535:
        raise InvalidValueError(
            f"--metrics-port {args.metrics_port}",
            "a TCP port from 1 to 65535, or 0 for any free port",
            "try --metrics-port 0",
        )
    pipeline = load_pipeline(resolve_pipeline(args.pipeline))
    if args.validate_only:
        checked = validate(pipeline)
        for note in checked.notes:
            print(f"note: {note}")
        if not checked.ok:
            for problem in checked.problems:
                print(f"pipelinekit: error: {problem.one_line()}", file=sys.stderr)
            return 2
        print(
            f"{pipeline.source}: pipeline '{pipeline.name}' is valid:"
            f" {len(pipeline.sources)} sources, {len(checked.order)} steps"
            f" ({' → '.join(checked.order)}), {len(pipeline.gates)} gates"
        )
        return 0
    with _terminate_as_interrupt():
        result = run(
            pipeline,
            target=args.target,
            scale=_scale(args.scale),
            seed=args.seed,
            runs_dir=args.runs_dir,
            metadata=args.metadata,
            data_dir=args.data_dir,
            progress=not args.no_progress,
            metrics_port=args.metrics_port,
            resume=args.resume,
            memory_limit=args.memory_limit,
        )
    print(result.summary())
    return 0 if result.ok else RUN_FAILED


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """``kill`` (SIGTERM) stops the run as Ctrl-C does: recorded as failed, target untouched."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _scale(scale: str | None) -> str | int | None:
    if scale is not None and scale.replace("_", "").isdigit():
        return int(scale)
    return scale
