"""``pipelinekit lineage``: ask the lineage kept in a metadata database, from the shell.

Examples (after a notebook or a pipeline ran ``graph.save()``)::

    pipelinekit lineage show
    pipelinekit lineage upstream daily_sales.revenue
    pipelinekit lineage impact orders.order_total
    pipelinekit lineage draw --out lineage.svg --highlight orders.order_total
    pipelinekit lineage events --out events.jsonl
    pipelinekit lineage sql "SELECT ..." --database warehouse.duckdb
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from pipelinekit.errors import PipelinekitError

EXAMPLES = """examples:
  pipelinekit lineage show
  pipelinekit lineage upstream daily_sales.revenue --depth 2
  pipelinekit lineage downstream orders.order_total --direct-only
  pipelinekit lineage impact orders.order_total
  pipelinekit lineage draw --out lineage.svg --highlight orders.order_total
  pipelinekit lineage events --out events.jsonl
  pipelinekit lineage sql "SELECT country, sum(amount) AS revenue FROM orders GROUP BY 1" \\
      --table orders=order_id,country,amount
"""


def _examples(*lines: str) -> dict[str, object]:
    """``epilog`` and ``formatter_class`` for an action whose --help shows ``lines``."""
    text = "examples:\n" + "".join(f"  pipelinekit lineage {line}\n" for line in lines)
    return {"epilog": text, "formatter_class": argparse.RawDescriptionHelpFormatter}


ACTION_EXAMPLES = {
    "show": _examples("show", "show --metadata runs/metadata.duckdb"),
    "upstream": _examples("upstream daily_sales.revenue", "upstream daily_sales.revenue --depth 2"),
    "downstream": _examples(
        "downstream orders.order_total", "downstream orders.order_total --direct-only"
    ),
    "impact": _examples("impact orders.order_total", "impact orders"),
    "draw": _examples(
        "draw --out lineage.svg",
        "draw --out lineage.svg --highlight orders.order_total --datasets-only",
    ),
    "events": _examples(
        "events --out events.jsonl",
        "events --url http://localhost:5000/api/v1/lineage --namespace shop",
    ),
    "sql": _examples(
        'sql "SELECT country, sum(amount) AS revenue FROM orders GROUP BY 1" \\\n'
        "      --table orders=order_id,country,amount",
        "sql query.sql --database warehouse.duckdb",
    ),
}


def register(commands: argparse._SubParsersAction) -> None:
    lineage = commands.add_parser(
        "lineage",
        help="ask the lineage kept in a metadata database",
        description="Datasets, columns and steps recorded by pk.lineage (graph.save()).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = lineage.add_subparsers(dest="action", metavar="ACTION", parser_class=type(lineage))
    actions.required = True

    show = actions.add_parser(
        "show", help="the datasets, steps and latest runs", **ACTION_EXAMPLES["show"]
    )
    _metadata_option(show)
    show.set_defaults(handler=run_show)

    for direction, helptext in (
        ("upstream", "what a dataset or column comes from, with the path"),
        ("downstream", "what comes from a dataset or column, with the path"),
    ):
        walk = actions.add_parser(direction, help=helptext, **ACTION_EXAMPLES[direction])
        walk.add_argument("name", help="a dataset, or a column as dataset.column")
        walk.add_argument("--depth", type=int, default=None, help="at most this many steps away")
        walk.add_argument(
            "--direct-only", action="store_true", help="leave out FILTER, JOIN, GROUP_BY... edges"
        )
        _metadata_option(walk)
        walk.set_defaults(handler=run_walk, direction=direction)

    impact = actions.add_parser(
        "impact", help="datasets, columns and checks a change reaches", **ACTION_EXAMPLES["impact"]
    )
    impact.add_argument("name", help="a dataset, or a column as dataset.column")
    _metadata_option(impact)
    impact.set_defaults(handler=run_impact)

    draw = actions.add_parser(
        "draw", help="write the lineage graph as an SVG picture", **ACTION_EXAMPLES["draw"]
    )
    draw.add_argument("--out", required=True, help="the .svg file to write")
    draw.add_argument("--highlight", help="a dataset or column to light up with its lineage")
    draw.add_argument("--datasets-only", action="store_true", help="leave the columns out")
    _metadata_option(draw)
    draw.set_defaults(handler=run_draw)

    events = actions.add_parser(
        "events", help="export the runs as OpenLineage events", **ACTION_EXAMPLES["events"]
    )
    events.add_argument("--out", help="a .jsonl file to write (one event a line)")
    events.add_argument("--url", help="an OpenLineage endpoint to POST them to")
    events.add_argument("--namespace", default="pipelinekit", help="the job namespace")
    _metadata_option(events)
    events.set_defaults(handler=run_events)

    sql = actions.add_parser(
        "sql",
        help="the column lineage of a DuckDB query, without running it",
        **ACTION_EXAMPLES["sql"],
    )
    sql.add_argument("query", help="the query, or the path of a .sql file")
    sql.add_argument("--database", help="a DuckDB file whose tables the query reads")
    sql.add_argument(
        "--table",
        action="append",
        default=[],
        metavar="NAME=COL,COL",
        help="a table the query reads and its columns (repeat for more tables)",
    )
    sql.set_defaults(handler=run_sql)


def _metadata_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--metadata",
        help="metadata database (default: $PIPELINEKIT_METADATA or .pipelinekit/metadata.duckdb)",
    )


def _graph(args: argparse.Namespace):
    from pipelinekit.lineage import store
    from pipelinekit.metadata import metadata_path

    path = metadata_path(args.metadata)
    if not path.exists():
        raise PipelinekitError(
            f"No metadata database at {path}",
            "a file written by graph.save() or a pipeline run",
            "run a tracked notebook or pipeline first, or pass --metadata PATH",
        )
    return store.load(path)


def _print(frame: pd.DataFrame) -> None:
    if frame.empty:
        print("(nothing)")
    else:
        print(frame.to_string(index=False))


def run_show(args: argparse.Namespace) -> int:
    graph = _graph(args)
    print(repr(graph))
    datasets = pd.DataFrame(
        {
            "dataset": graph.datasets(),
            "columns": [len(graph.columns(d)) for d in graph.datasets()],
            "written by": [
                ", ".join(s.name for s in graph.steps.values() if d in s.outputs) or "(source)"
                for d in graph.datasets()
            ],
        }
    )
    _print(datasets)
    if graph.runs:
        print()
        runs = pd.DataFrame(graph.runs)[["step", "status", "started_at", "ended_at"]]
        _print(runs.tail(10))
    return 0


def run_walk(args: argparse.Namespace) -> int:
    graph = _graph(args)
    walk = graph.upstream if args.direction == "upstream" else graph.downstream
    answer = walk(args.name, indirect=not args.direct_only, depth=args.depth)
    _print(answer[["name", "distance", "how", "path"]])
    return 0


def run_impact(args: argparse.Namespace) -> int:
    print(_graph(args).impact(args.name))
    return 0


def run_draw(args: argparse.Namespace) -> int:
    graph = _graph(args)
    drawing = graph.svg(columns=not args.datasets_only, highlight=args.highlight)
    drawing.save(args.out)
    print(f"wrote {args.out}")
    return 0


def run_events(args: argparse.Namespace) -> int:
    from pipelinekit.lineage import openlineage

    if not args.out and not args.url:
        raise PipelinekitError(
            "Nowhere to send the events", "--out FILE.jsonl, --url URL or both", None
        )
    events = openlineage.events(_graph(args), namespace=args.namespace)
    if args.out:
        openlineage.write_events(events, args.out)
        print(f"wrote {len(events)} events to {args.out}")
    if args.url:
        sent = openlineage.emit(events, args.url)
        print(f"sent {sent} events to {args.url}")
    return 0


def _tables(specs: list[str]) -> dict[str, list[str]]:
    """``["orders=id,amount"]`` -> ``{"orders": ["id", "amount"]}``."""
    tables = {}
    for spec in specs:
        name, equals, columns = spec.partition("=")
        if not equals or not name.strip() or not columns.strip():
            raise PipelinekitError(
                f"--table {spec!r}",
                "NAME=COLUMN,COLUMN,... such as orders=order_id,amount",
                "name the table, an equals sign, then its columns separated by commas",
            )
        tables[name.strip()] = [c.strip() for c in columns.split(",") if c.strip()]
    return tables


def run_sql(args: argparse.Namespace) -> int:
    import duckdb

    from pipelinekit.lineage.sql_lineage import sql_lineage

    query = args.query
    if query.strip().lower().endswith(".sql"):
        path = Path(query)
        if not path.is_file():
            raise PipelinekitError(f"No SQL file at {path}", "a query or a .sql file", None)
        query = path.read_text()
    connection = None
    if args.database:
        if not Path(args.database).is_file():
            raise PipelinekitError(
                f"No DuckDB database at {args.database}",
                "the path of an existing DuckDB file",
                "check the path; the query is only read, never run",
            )
        connection = duckdb.connect(args.database, read_only=True)
    try:
        step = sql_lineage(query, schema=_tables(args.table), connection=connection)
    finally:
        if connection is not None:
            connection.close()
    rows = [
        (edge.target.id, edge.source.id, edge.type, edge.subtype, edge.description)
        for edge in step.edges
    ]
    _print(pd.DataFrame(rows, columns=["output", "input", "type", "subtype", "description"]))
    return 0
