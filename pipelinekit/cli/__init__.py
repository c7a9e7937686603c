"""The ``pipelinekit`` command (also installed as ``data-pipeline``).

Each subcommand lives in its own module with a ``register(subparsers)`` function.
User mistakes print one line and exit with status 2; ``--verbose`` shows the
traceback behind them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from pipelinekit.cli import (
    curriculum,
    datasets_cards,
    exercises,
    generate,
    grade,
    health,
    lineage,
    quality,
    run,
)
from pipelinekit.errors import PipelinekitError

__all__ = ["main", "build_parser"]

EXAMPLES = """examples:
  pipelinekit run ecommerce --scale tiny --target duckdb:///shop.duckdb
  pipelinekit generate data ecommerce --scale small --out data/ecommerce
  pipelinekit generate analysis fct_orders --language python --pipeline ecommerce
  pipelinekit generate data finance --scale tiny --format csv --dirty --out /tmp/finance
  pipelinekit datasets cards --out datasets
  pipelinekit exercises build --check
  pipelinekit grade submissions/ --out grades/
  pipelinekit health --only postgres,redis --timeout 3
  pipelinekit lineage upstream daily_sales.revenue
  pipelinekit quality check data/ecommerce --rules rules.yml --html quality.html
"""

USAGE_ERROR = 2


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, naming the --help to read."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand (tests and docs use it too)."""
    parser = Parser(
        prog="pipelinekit",
        description="Learn data engineering by doing it: data, pipelines, quality, lineage.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--verbose", action="store_true", help="show tracebacks and details")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    generate.register(commands)
    datasets_cards.register(commands)
    curriculum.register(commands)
    exercises.register(commands)
    grade.register(commands)
    health.register(commands)
    lineage.register(commands)
    quality.register(commands)
    run.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except PipelinekitError as error:
        if args.verbose:
            raise
        print(f"pipelinekit: error: {error.one_line()}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("pipelinekit: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130


def _version() -> str:
    from pipelinekit import __version__

    return __version__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
