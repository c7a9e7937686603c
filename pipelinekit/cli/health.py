"""``pipelinekit health``: can this machine reach the services pipelinekit uses?

Checks DuckDB and the disk always; PostgreSQL, Redis, Kafka and S3 when configured (their
``PIPELINEKIT_*`` variable set, or named by ``--only``), and otherwise at their default
local address, skipped when nothing answers there (see :mod:`pipelinekit.observe.health`).
Every check has a time limit, ``--timeout`` seconds, and they run side by side.

Exit status: 0 when every check that ran is ok, 1 when one failed, 2 for a mistake in the
command (an unknown check name, a timeout of 0), printed on one line. That makes it a
container healthcheck::

    healthcheck:
      test: ["CMD", "pipelinekit", "health", "--timeout", "3"]
"""

from __future__ import annotations

import argparse
import json

from pipelinekit.errors import InvalidValueError

EXAMPLES = """examples:
  pipelinekit health
  pipelinekit health --only postgres,redis --timeout 2
  pipelinekit health --json
  pipelinekit health --only duckdb,disk --duckdb warehouse.duckdb --disk runs/
"""

STYLES = {"ok": "green", "fail": "bold red", "skipped": "dim"}


def register(commands: argparse._SubParsersAction) -> None:
    health = commands.add_parser(
        "health",
        help="check DuckDB, PostgreSQL, Redis, Kafka, S3 and disk space",
        description=(
            "Check the services pipelinekit uses. Exit status 0 when every check that ran\n"
            "is ok, 1 when one failed, 2 for a mistake in the command.\n\n"
            "DuckDB and the disk are always checked. PostgreSQL, Redis, Kafka and S3 must\n"
            "answer when their PIPELINEKIT_* variable is set or --only names them; else\n"
            "they are tried at their default address and skipped when nothing answers."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    health.add_argument(
        "--only",
        metavar="NAMES",
        help="comma-separated checks to run, all required: duckdb,postgres,redis,kafka,s3,disk",
    )
    health.add_argument(
        "--timeout", type=float, default=5.0, metavar="S", help="seconds per check (default 5)"
    )
    health.add_argument("--json", action="store_true", help="print the results as JSON")
    health.add_argument("--duckdb", metavar="PATH", help="a DuckDB file to open (default: memory)")
    health.add_argument(
        "--disk", metavar="PATH", default=".", help="a folder on the disk to check (default: .)"
    )
    health.add_argument(
        "--min-free",
        type=float,
        default=0.05,
        metavar="SHARE",
        help="least free share of the disk, 0 to 1 (default 0.05)",
    )
    health.set_defaults(handler=run_health)


def run_health(args: argparse.Namespace) -> int:
    from pipelinekit.cli.quality import cell, console, show, table
    from pipelinekit.observe.health import check_health

    only = None
    if args.only is not None:
        only = [name.strip() for name in args.only.split(",") if name.strip()]
        if not only:
            raise InvalidValueError(
                f"--only {args.only!r}", "check names separated by commas, as postgres,redis"
            )
    results = check_health(
        only,
        timeout=args.timeout,
        duckdb_path=args.duckdb,
        disk_path=args.disk,
        min_free_share=args.min_free,
    )
    healthy = not results["status"].eq("fail").any()
    if args.json:
        rows = results.assign(seconds=results["seconds"].round(3)).to_dict(orient="records")
        print(json.dumps({"healthy": healthy, "checks": rows}, indent=2))
        return 0 if healthy else 1
    con = console()
    shown = table(con, ["check", "target", "status", "seconds", "detail"])
    for row in results.itertuples(index=False):
        shown.add_row(
            cell(row.name),
            cell(row.target),
            cell(row.status, STYLES[row.status]),
            cell(f"{row.seconds:.2f}"),
            cell(row.detail),
        )
    show(con, shown)
    counts = results["status"].value_counts()
    summary = ", ".join(f"{counts[s]} {s}" for s in ("ok", "fail", "skipped") if s in counts)
    show(con, cell(f"{'healthy' if healthy else 'unhealthy'}: {summary}", "bold"))
    return 0 if healthy else 1
