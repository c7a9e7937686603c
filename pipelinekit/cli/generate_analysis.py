"""``pipelinekit generate analysis TABLE``: a starter analysis of a warehouse table.

The table is looked up in the catalog of the pipelines: the marts a pipeline loads (every
step output not starting with ``stg_``), their columns (from the pipeline's validation,
without running it), their keys and foreign keys (from the quality gates) and what they
mean (the comment header of their SQL file). The starter then:

1. opens the warehouse (the pipeline's default DuckDB target unless ``--target``),
2. shows summary statistics (``pk.quality.profile`` in Python, ``SUMMARIZE`` in SQL),
3. draws the distribution of every numeric column (matplotlib histograms, or binned
   counts with text bars in SQL),
4. joins the table to the tables it shares a key with, and shows how they match.

``--language python`` writes a notebook (run it top to bottom, or with papermill: the
cell tagged ``parameters`` holds the warehouse's path); ``--language sql`` writes a
DuckDB script (``duckdb < fct_orders_analysis.sql``), which needs the warehouse to read
the column types.

Examples
--------
>>> info = find_table("fct_orders", warehouse="warehouse.duckdb")
>>> info.pipeline, info.keys, [(r.other, r.column) for r in info.relations][:2]
('ecommerce', ('order_id',), [('dim_customer', 'customer_id'), ('customer_rfm', 'customer_id')])
>>> find_table("fct_order")
Traceback (most recent call last):
...
pipelinekit.errors.UnknownNameError: Unknown warehouse table 'fct_order'; ...
<BLANKLINE>
Hint: did you mean 'fct_orders'?
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelinekit.errors import InvalidValueError, OutputError, PipelinekitError, UnknownNameError

__all__ = [
    "LANGUAGES",
    "Relation",
    "TableInfo",
    "analysis_notebook",
    "analysis_sql",
    "find_table",
    "register",
    "warehouse_path",
]

LANGUAGES = ("python", "sql")
#: Column types DuckDB reports that a histogram makes sense for.
NUMERIC_TYPES = (
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
    "UINTEGER", "UBIGINT", "FLOAT", "REAL", "DOUBLE", "DECIMAL",
)  # fmt: skip
MAX_RELATIONS = 6

EXAMPLES = """examples:
  pipelinekit run ecommerce --scale tiny
  pipelinekit generate analysis fct_orders --language python
  pipelinekit generate analysis daily_account_balances --language sql --out balances.sql
  pipelinekit generate analysis anomaly_flags --pipeline iot --target duckdb:///iot.duckdb
"""


@dataclass(frozen=True)
class Relation:
    """Another table the analysed one joins to on ``column``; ``how`` it was found."""

    other: str
    column: str
    how: str


@dataclass(frozen=True)
class TableInfo:
    """What the catalog knows of a warehouse table, enough to write its analysis."""

    table: str
    pipeline: str
    columns: tuple[str, ...]
    keys: tuple[str, ...]
    description: str
    relations: tuple[Relation, ...]
    warehouse: str


# --------------------------------------------------------------------------- the catalog


def warehouse_path(url: str) -> str:
    """The file of a DuckDB target URL (``duckdb:///w.duckdb`` or a path ending .duckdb).

    Examples
    --------
    >>> warehouse_path("duckdb:///warehouse.duckdb"), warehouse_path("duckdb:////tmp/w.duckdb")
    ('warehouse.duckdb', '/tmp/w.duckdb')
    >>> warehouse_path("postgresql+psycopg://localhost/shop")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: The target 'postgresql+psycopg://localhost/shop' ...
    """
    text = str(url)
    if text.startswith("duckdb:///"):
        text = text[len("duckdb:///") :]
    elif "://" in text or not text.endswith(".duckdb"):
        raise InvalidValueError(
            f"The target '{text}' is not a DuckDB file",
            "a DuckDB warehouse: duckdb:///warehouse.duckdb or a path ending .duckdb",
            "load the tables into DuckDB (pipelinekit run NAME --target duckdb:///w.duckdb)",
        )
    if not text or text == ":memory:":
        raise InvalidValueError(
            f"The target '{url}' has no file", "a DuckDB file the notebook can open"
        )
    return text


def _pipelines(pipeline: str | None) -> list[Any]:
    from pipelinekit import pipelines
    from pipelinekit.pipeline import load_pipeline, resolve_pipeline

    chosen = [pipeline] if pipeline is not None else pipelines.names()
    return [load_pipeline(resolve_pipeline(name)) for name in chosen]


def _loaded_tables(pipeline: Any) -> list[str]:
    """The tables the pipeline's first target holds (default: no stg_ outputs)."""
    targets = list(pipeline.targets)
    if targets and targets[0].tables is not None:
        return list(targets[0].tables)
    return [step.name for step in pipeline.steps if not step.name.startswith("stg_")]


def _description(step: Any) -> str:
    """The comment header of a SQL step (what the table is, its grain and key)."""
    if step.description:
        return str(step.description)
    lines = []
    for line in (step.sql or "").splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].removeprefix(" "))
    return "\n".join(lines).strip()


def find_table(
    table: str, *, pipeline: str | None = None, warehouse: str | None = None
) -> TableInfo:
    """Look ``table`` up in the catalog of the built-in pipelines (or of ``pipeline``).

    Parameters
    ----------
    table : str
        A table the pipeline loads into the warehouse.
    pipeline : str, optional
        A built-in pipeline's name or the path of a pipeline file; default: the built-in
        pipeline that loads ``table``.
    warehouse : str, optional
        The DuckDB warehouse the analysis opens; default: the pipeline's first target,
        else ``duckdb:///warehouse.duckdb`` (relative to the current folder).

    Raises
    ------
    UnknownNameError
        For a table no pipeline loads (with the nearest names).
    """
    from pipelinekit.pipeline import validate

    known: dict[str, Any] = {}
    for candidate in _pipelines(pipeline):
        for name in _loaded_tables(candidate):
            known.setdefault(name, candidate)
    if table not in known:
        raise UnknownNameError.for_name(
            table,
            sorted(known),
            kind="warehouse table",
            hint="name a table a pipeline loads, or pass --pipeline with your pipeline file",
        )
    chosen = known[table]
    schemas = validate(chosen).schemas
    loaded = [name for name in _loaded_tables(chosen) if schemas.get(name)]
    keys: tuple[str, ...] = ()
    relations: list[Relation] = []
    for gate in chosen.gates:
        for rule in gate.rules:
            if rule.kind == "unique" and gate.table == table and not keys:
                keys = tuple(rule.columns)
            if rule.kind != "foreign_key":
                continue
            other_table, other_column = str(rule.params["to"]).split(".", 1)
            if gate.table == table and other_column == rule.column:
                relations.append(Relation(other_table, rule.column, "foreign key (gate)"))
            elif other_table == table and other_column == rule.column:
                relations.append(Relation(gate.table, rule.column, "referenced by (gate)"))
    columns = schemas.get(table) or []
    for other in loaded:
        for column in columns:
            if other != table and column.endswith("_id") and column in (schemas[other] or ()):
                relations.append(Relation(other, column, "shared key column"))
    unique: dict[tuple[str, str], Relation] = {}
    for relation in relations:
        unique.setdefault((relation.other, relation.column), relation)
    url = warehouse or (chosen.targets[0].url if chosen.targets else None)
    return TableInfo(
        table=table,
        pipeline=chosen.name,
        columns=tuple(columns),
        keys=keys,
        description=_description(next(s for s in chosen.steps if s.name == table)),
        relations=tuple(list(unique.values())[:MAX_RELATIONS]),
        warehouse=warehouse_path(url or "duckdb:///warehouse.duckdb"),
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _relation_sql(info: TableInfo, relation: Relation) -> str:
    table, other, key = _quote(info.table), _quote(relation.other), _quote(relation.column)
    return f"""-- {info.table} and {relation.other} share {relation.column} ({relation.how}).
-- How many rows find a partner, and how many partners each has (1 for a dimension).
SELECT
    count(*)                                            AS {_quote(info.table + "_rows")},
    count(*) FILTER (WHERE p.partner_rows IS NOT NULL)  AS rows_with_a_partner,
    count(DISTINCT t.{key})                             AS distinct_keys,
    max(p.partner_rows)                                 AS most_partners
FROM {table} AS t
LEFT JOIN (
    SELECT {key}, count(*) AS partner_rows FROM {other} GROUP BY {key}
) AS p USING ({key})"""


def _preview_sql(info: TableInfo, relation: Relation) -> str:
    table, other, key = _quote(info.table), _quote(relation.other), _quote(relation.column)
    return f"SELECT * FROM {table} AS t JOIN {other} AS o USING ({key}) LIMIT 5"


# --------------------------------------------------------------------------- the notebook


def analysis_notebook(info: TableInfo) -> Any:
    """The starter notebook (an ``nbformat`` v4 notebook) for the table of ``info``."""
    import nbformat
    from nbformat import v4

    table = info.table
    description = "\n".join(f"> {line}" if line else ">" for line in info.description.splitlines())
    cells = [
        v4.new_markdown_cell(
            f"# Analysis of `{table}`\n\n"
            f"A starter generated by `pipelinekit generate analysis {table}` from the catalog"
            f" of the `{info.pipeline}` pipeline. Run the pipeline first "
            f"(`pipelinekit run {info.pipeline}`), then this notebook top to bottom.\n\n"
            + (description + "\n" if description else "")
        ),
        v4.new_code_cell(
            "# Parameters: papermill can replace them (-p WAREHOUSE other.duckdb)\n"
            f"WAREHOUSE = {json.dumps(info.warehouse)}\n"
            f"TABLE = {json.dumps(table)}\n"
            "SAMPLE_ROWS = 100_000  # histograms read at most this many rows",
            metadata={"tags": ["parameters"]},
        ),
        v4.new_code_cell(
            "import duckdb\n"
            "import matplotlib.pyplot as plt\n"
            "import pipelinekit as pk\n\n"
            "warehouse = duckdb.connect(WAREHOUSE, read_only=True)\n"
            "(rows,) = warehouse.execute(f'SELECT count(*) FROM \"{TABLE}\"').fetchall()[0]\n"
            "print(f'{TABLE}: {rows:,} rows')\n"
            "warehouse.sql(f'SELECT * FROM \"{TABLE}\" LIMIT 5').df()"
        ),
        v4.new_markdown_cell(
            "## Summary statistics\n\n"
            "One row per column: its type family, how many values are missing, how many are"
            " distinct, and the range and spread of the numbers (`pk.quality.profile`)."
        ),
        v4.new_code_cell(
            "profile = pk.quality.profile(TABLE, connection=warehouse)\n"
            "print(profile)\n"
            "profile.columns[['column', 'type', 'nulls', 'distinct', 'min', 'max', 'mean', 'std']]"
        ),
        v4.new_markdown_cell(
            "## Distributions\n\n"
            "A histogram per numeric column (identifiers left out). A long tail, a spike at"
            " one value or an empty stretch is worth a question."
        ),
        v4.new_code_cell(
            f"KEYS = {list(info.keys)!r}\n"
            f"NUMERIC = {list(NUMERIC_TYPES)!r}\n"
            "types = warehouse.execute(\n"
            "    'SELECT column_name, data_type FROM information_schema.columns '\n"
            "    'WHERE table_name = ? ORDER BY ordinal_position', [TABLE]\n"
            ").fetchall()\n"
            "# identifiers (the key, columns ending in _id) are numbers, not measurements\n"
            "numeric = [name for name, kind in types if kind.split('(')[0] in NUMERIC\n"
            "           and name not in KEYS and not name.endswith('_id')]\n"
            "names = ', '.join(f'\"{name}\"' for name in numeric)\n"
            "sample = warehouse.sql(\n"
            "    f'SELECT {names} FROM \"{TABLE}\"'\n"
            "    f' USING SAMPLE {SAMPLE_ROWS} ROWS (reservoir, 42)'  # a seeded sample\n"
            ").df() if numeric else None\n"
            "print(f'{len(numeric)} numeric columns:', ', '.join(numeric))"
        ),
        v4.new_code_cell(
            "columns_per_row = 3\n"
            "rows = max(1, -(-len(numeric) // columns_per_row))\n"
            "figure, axes = plt.subplots(rows, columns_per_row, figsize=(13, 3.2 * rows),\n"
            "                            squeeze=False, layout='constrained')\n"
            "for axis, name in zip(axes.flat, numeric):\n"
            "    values = sample[name].dropna().astype(float)\n"
            "    axis.hist(values, bins=30, color='steelblue')\n"
            "    axis.set_title(name)\n"
            "    axis.set_xlabel(name)\n"
            "    axis.set_ylabel('rows')\n"
            "for axis in axes.flat[len(numeric):]:\n"
            "    axis.set_visible(False)\n"
            "figure.suptitle(f'Distributions of the numeric columns of {TABLE}')\n"
            "plt.show()"
        ),
        v4.new_markdown_cell(
            "## Relationships to other tables\n\n"
            + (
                "The catalog links this table to the ones below, through the foreign keys"
                " its quality gates check and the key columns the tables share. For each:"
                " how many rows find a partner (a foreign key should match every row), then"
                " a few joined rows."
                if info.relations
                else "The catalog knows no table that shares a key with this one."
            )
        ),
    ]
    for relation in info.relations:
        cells.append(
            v4.new_code_cell(f'warehouse.sql("""\n{_relation_sql(info, relation)}\n""").df()')
        )
        cells.append(v4.new_code_cell(f"warehouse.sql({_preview_sql(info, relation)!r}).df()"))
    cells.append(v4.new_code_cell("warehouse.close()"))
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.validate(notebook)
    return notebook


# --------------------------------------------------------------------------- the SQL file


def _column_types(warehouse: str, table: str) -> list[tuple[str, str]]:
    import duckdb

    if not Path(warehouse).is_file():
        raise PipelinekitError(
            f"No warehouse at {warehouse}",
            "the DuckDB file a pipeline run loaded (the SQL starter reads the column types)",
            "run the pipeline first (pipelinekit run NAME), pass --target, or write the"
            " Python notebook, which reads them when it runs",
        )
    with duckdb.connect(warehouse, read_only=True) as connection:
        rows = connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
    if not rows:
        raise PipelinekitError(
            f"The warehouse {warehouse} has no table '{table}'",
            "the table loaded by a pipeline run",
            "run the pipeline that loads it, or pass --target with the right warehouse",
        )
    return [(str(name), str(kind)) for name, kind in rows]


def analysis_sql(info: TableInfo, column_types: list[tuple[str, str]]) -> str:
    """The starter DuckDB script for the table of ``info``, given its column types."""
    table = _quote(info.table)
    numeric = [
        name
        for name, kind in column_types
        if kind.split("(")[0] in NUMERIC_TYPES
        and name not in info.keys
        and not name.endswith("_id")  # identifiers are numbers, not measurements
    ]
    text_columns = [name for name, kind in column_types if kind == "VARCHAR"]
    header = "\n".join(f"--   {line}".rstrip() for line in info.description.splitlines())
    parts = [
        f"-- Analysis of {info.table} (pipeline {info.pipeline}): a starter generated by\n"
        f"-- pipelinekit generate analysis {info.table} --language sql\n"
        f"--\n{header}\n--\n"
        "-- Run it with the DuckDB command line (duckdb < this_file.sql) or statement by\n"
        "-- statement in any DuckDB client.",
        "-- 0. Open the warehouse (read only: an analysis never changes it)\n"
        f"ATTACH {_literal(info.warehouse)} AS warehouse (READ_ONLY);\nUSE warehouse;",
        f"-- 1. A first look\nSELECT count(*) AS rows FROM {table};\n\n"
        f"SELECT * FROM {table} LIMIT 5;",
        "-- 2. Summary statistics: type, min, max, distinct values, mean, quartiles, nulls\n"
        f"SUMMARIZE {table};",
    ]
    parts.append(
        "-- 3. Distributions: each numeric column in 10 bins of equal width, with a text\n"
        "-- bar (bar() draws it); then the most frequent values of each text column."
    )
    for name in numeric:
        column = _quote(name)
        parts.append(
            f"-- Distribution of {name}\n"
            f"WITH bounds AS (\n"
            f"    SELECT min({column}) AS low, max({column}) AS high FROM {table}\n"
            f"),\nbinned AS (\n"
            f"    SELECT least(floor(({column} - low) / nullif(high - low, 0) * 10), 9) AS bin\n"
            f"    FROM {table}, bounds\n"
            f"    WHERE {column} IS NOT NULL\n"
            f")\nSELECT\n"
            f"    round(low + (high - low) * coalesce(bin, 0) / 10, 4)  AS {name}_from,\n"
            f"    count(*)                                             AS rows,\n"
            f"    bar(count(*), 0, max(count(*)) OVER (), 40)          AS chart\n"
            f"FROM binned, bounds\nGROUP BY ALL\nORDER BY 1;"
        )
    for name in text_columns:
        column = _quote(name)
        parts.append(
            f"-- The most frequent values of {name}\n"
            f"SELECT {column}, count(*) AS rows\nFROM {table}\nGROUP BY ALL\n"
            "ORDER BY rows DESC\nLIMIT 10;"
        )
    parts.append(
        "-- 4. Relationships to other tables: the foreign keys the quality gates check and"
        "\n-- the key columns the tables share. How the rows match, then a few joined rows."
    )
    for relation in info.relations:
        parts.append(_relation_sql(info, relation) + f";\n\n{_preview_sql(info, relation)};")
    return "\n\n".join(parts) + "\n"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --------------------------------------------------------------------------- the command


def register(kinds: argparse._SubParsersAction) -> None:
    """Add ``analysis`` to the subcommands of ``pipelinekit generate``."""
    analysis = kinds.add_parser(
        "analysis",
        help="write a starter analysis notebook (or SQL file) for a warehouse table",
        description=(
            "Write a starter analysis of a table a pipeline loads: summary statistics,"
            " distributions and relationships to other tables, ready to run."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    analysis.add_argument("table", help="a table a pipeline loads, e.g. fct_orders")
    analysis.add_argument(
        "--language", choices=LANGUAGES, default="python", help="notebook or SQL file"
    )
    analysis.add_argument(
        "--pipeline", help="a built-in pipeline or a pipeline file (default: the one loading it)"
    )
    analysis.add_argument(
        "--target", help="the DuckDB warehouse (default: the pipeline's, warehouse.duckdb)"
    )
    analysis.add_argument("--out", help="the file to write (default: TABLE_analysis.ipynb or .sql)")
    analysis.set_defaults(handler=run_generate_analysis)


def run_generate_analysis(args: argparse.Namespace) -> int:
    info = find_table(args.table, pipeline=args.pipeline, warehouse=args.target)
    if not os.path.isabs(info.warehouse):
        info = _with_warehouse(info, str(Path(info.warehouse).resolve()))
    suffix = ".ipynb" if args.language == "python" else ".sql"
    out = Path(args.out or f"{info.table}_analysis{suffix}")
    if args.language == "python":
        import nbformat

        text = nbformat.writes(analysis_notebook(info))
    else:
        text = analysis_sql(info, _column_types(info.warehouse, info.table))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise OutputError(
            f"Cannot write {out} ({error.strerror or error})",
            "a file in a folder you can write to",
            "pass --out with another path",
        ) from error
    kind = "notebook" if args.language == "python" else "SQL file"
    print(f"Wrote the {kind} {out} for {info.table} (pipeline {info.pipeline})")
    print(f"It reads the warehouse {info.warehouse}")
    if not Path(info.warehouse).is_file():
        print(f"No warehouse there yet: run 'pipelinekit run {info.pipeline}' first")
    return 0


def _with_warehouse(info: TableInfo, warehouse: str) -> TableInfo:
    import dataclasses

    return dataclasses.replace(info, warehouse=warehouse)
