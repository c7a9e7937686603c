"""``pipelinekit generate data DOMAIN``: write a seeded dataset to files.

``pipelinekit generate analysis TABLE`` lives in :mod:`pipelinekit.cli.generate_analysis`.
"""

from __future__ import annotations

import argparse
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from pipelinekit.cli import generate_analysis
from pipelinekit.datasets import DOMAINS, FORMATS, SCALE_NAMES, load, write
from pipelinekit.datasets.load import resolve_size

EXAMPLES = """examples:
  pipelinekit generate data ecommerce --scale small --out data/ecommerce
  pipelinekit generate data iot --scale 50000 --seed 7 --format csv --out /tmp/iot
  pipelinekit generate data finance --dirty --out data/finance_dirty
"""

GROUP_EXAMPLES = """examples:
  pipelinekit generate data ecommerce --scale small --out data/ecommerce
  pipelinekit generate analysis fct_orders --language python --pipeline ecommerce
"""


def register(commands: argparse._SubParsersAction) -> None:
    generate = commands.add_parser(
        "generate",
        help="generate data, or a starter analysis of a table",
        epilog=GROUP_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kinds = generate.add_subparsers(dest="kind", metavar="KIND", parser_class=type(generate))
    kinds.required = True
    data = kinds.add_parser(
        "data",
        help="write a seeded dataset, one file per table",
        description="Generate the related tables of a domain and write one file per table.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    data.add_argument("domain", choices=DOMAINS, help="which dataset")
    data.add_argument(
        "--scale",
        default="small",
        help=f"{', '.join(SCALE_NAMES)} or a number of main-table rows (default: small)",
    )
    data.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    data.add_argument("--out", required=True, help="folder to write the files to")
    data.add_argument("--format", choices=FORMATS, default="parquet", help="file format")
    data.add_argument("--dirty", action="store_true", help="inject logged quality problems")
    data.set_defaults(handler=run_generate_data)
    generate_analysis.register(kinds)


def run_generate_data(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    size = resolve_size(args.domain, args.scale)  # a bad scale fails before any work
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=size < 100_000,
    ) as progress:
        task = progress.add_task(f"generating {args.domain} ({size:,} rows)", total=None)
        dataset = load(args.domain, scale=args.scale, seed=args.seed, dirty=args.dirty)
        progress.update(task, description="writing tables", total=len(dataset) + dataset.dirty)
        paths = write(
            dataset,
            args.out,
            format=args.format,
            on_table=lambda name: progress.advance(task),
        )
    elapsed = time.perf_counter() - started
    summary = dataset.summary()
    print(f"Wrote {len(paths)} files to {args.out} in {elapsed:.1f} s")
    print(summary[["rows", "columns"]].to_string())
    if dataset.dirty:
        print(f"Injected {len(dataset.injected):,} problems; the log is _injected.{args.format}")
    return 0
