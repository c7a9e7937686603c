"""Keep a lineage graph in the metadata database, and get it back.

:func:`save` writes a :class:`~pipelinekit.lineage.graph.LineageGraph` into the DuckDB
metadata database (:mod:`pipelinekit.metadata`); :func:`load` rebuilds the same graph.
Between the two, the lineage is plain tables you can ask with SQL
(:func:`pipelinekit.metadata.query`, or ``duckdb.connect(path)``):

========================= ==============================================================
table                     one row per
========================= ==============================================================
``lineage_datasets``      dataset: ``name``, ``namespace``, ``description``,
                          ``attributes`` (other catalog notes, JSON), ``position``
``lineage_columns``       column of a dataset: ``dataset``, ``name``, ``position`` (its
                          place in the dataset, from 0), ``type``, ``unknown`` (true when a
                          step could not tell where it came from), ``attributes`` (JSON)
``lineage_steps``         step: ``name``, ``kind`` (transform, sql, pandas, python),
                          ``sql``, ``description``, ``attributes`` (JSON), ``position``
``lineage_step_datasets`` dataset a step read (``role`` ``'input'``) or wrote
                          (``'output'``): ``step``, ``dataset``, ``role``,
                          ``column_names`` (the columns the step saw, a list), ``position``
``lineage_edges``         column lineage edge a step declared: ``step``,
                          ``source_dataset``, ``source_column``, ``target_dataset``,
                          ``target_column``, ``type`` (DIRECT, INDIRECT), ``subtype``,
                          ``description``, ``position``
``lineage_unknown``       output column whose origin a step could not tell: ``step``,
                          ``dataset``, ``column_name``, ``position``
``lineage_runs``          run of a step: ``run_id``, ``step``, ``status`` (COMPLETE, FAIL,
                          ABORT), ``started_at``, ``ended_at`` (ISO-8601 text as recorded;
                          ``started_at::TIMESTAMPTZ`` makes it a time), ``error``,
                          ``position``
``lineage_checks``        quality check watching a dataset or a column: ``target``,
                          ``check_name``, ``position``
========================= ==============================================================

``position`` keeps the order things were added in, so :func:`load` rebuilds them in it.
``lineage_edges`` holds the edges as each step declared them: when a step both filters on
and sums ``amount``, both edges are there, while the graph keeps the DIRECT one.

Every :func:`save` replaces the contents of these tables in one transaction: if it fails,
the previous contents stay.

Examples
--------
>>> import tempfile, pathlib
>>> from pipelinekit.lineage.graph import LineageGraph
>>> from pipelinekit.lineage.model import StepRecord
>>> graph = LineageGraph()
>>> graph.add(StepRecord.from_mapping(
...     "totals", inputs={"orders": ["amount"]}, outputs={"totals": ["revenue"]},
...     derived={"totals.revenue": ["orders.amount"]}, subtype="AGGREGATION"))
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder) / "metadata.duckdb"
...     _ = save(graph, path)
...     print(query("SELECT step, source_column, target_column, subtype FROM lineage_edges",
...                 path))
...     load(path).upstream("totals.revenue").name.tolist()
     step source_column target_column      subtype
0  totals        amount       revenue  AGGREGATION
['orders.amount']
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import duckdb
import pyarrow as pa

from pipelinekit.errors import InvalidValueError
from pipelinekit.lineage.graph import LineageGraph, step_id
from pipelinekit.lineage.model import Column, Edge, StepRecord
from pipelinekit.metadata import Schema, connect, mark_written, metadata_path, query, transaction

__all__ = ["LINEAGE", "TABLES", "load", "query", "save"]

# Version 1 of the lineage tables. Never edit a released migration: append a new one.
_V1 = """
CREATE TABLE lineage_datasets (
    name VARCHAR NOT NULL PRIMARY KEY,
    namespace VARCHAR NOT NULL,
    description VARCHAR,
    attributes JSON,
    position INTEGER NOT NULL
);
CREATE TABLE lineage_columns (
    dataset VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    type VARCHAR,
    unknown BOOLEAN,
    attributes JSON,
    PRIMARY KEY (dataset, name)
);
CREATE TABLE lineage_steps (
    name VARCHAR NOT NULL PRIMARY KEY,
    kind VARCHAR NOT NULL,
    sql VARCHAR,
    description VARCHAR NOT NULL,
    attributes JSON,
    position INTEGER NOT NULL
);
CREATE TABLE lineage_step_datasets (
    step VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    role VARCHAR NOT NULL CHECK (role IN ('input', 'output')),
    column_names VARCHAR[] NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE lineage_edges (
    step VARCHAR NOT NULL,
    source_dataset VARCHAR NOT NULL,
    source_column VARCHAR NOT NULL,
    target_dataset VARCHAR NOT NULL,
    target_column VARCHAR NOT NULL,
    type VARCHAR NOT NULL CHECK (type IN ('DIRECT', 'INDIRECT')),
    subtype VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE lineage_unknown (
    step VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE lineage_runs (
    run_id VARCHAR NOT NULL,
    step VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    started_at VARCHAR,
    ended_at VARCHAR,
    error VARCHAR,
    position INTEGER NOT NULL
);
CREATE TABLE lineage_checks (
    target VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL,
    position INTEGER NOT NULL
);
"""

#: The columns :func:`save` fills, table by table, with their Arrow types.
_COLUMNS: dict[str, dict[str, pa.DataType]] = {
    "lineage_datasets": {
        "name": pa.string(),
        "namespace": pa.string(),
        "description": pa.string(),
        "attributes": pa.string(),
        "position": pa.int32(),
    },
    "lineage_columns": {
        "dataset": pa.string(),
        "name": pa.string(),
        "position": pa.int32(),
        "type": pa.string(),
        "unknown": pa.bool_(),
        "attributes": pa.string(),
    },
    "lineage_steps": {
        "name": pa.string(),
        "kind": pa.string(),
        "sql": pa.string(),
        "description": pa.string(),
        "attributes": pa.string(),
        "position": pa.int32(),
    },
    "lineage_step_datasets": {
        "step": pa.string(),
        "dataset": pa.string(),
        "role": pa.string(),
        "column_names": pa.list_(pa.string()),
        "position": pa.int32(),
    },
    "lineage_edges": {
        "step": pa.string(),
        "source_dataset": pa.string(),
        "source_column": pa.string(),
        "target_dataset": pa.string(),
        "target_column": pa.string(),
        "type": pa.string(),
        "subtype": pa.string(),
        "description": pa.string(),
        "position": pa.int32(),
    },
    "lineage_unknown": {
        "step": pa.string(),
        "dataset": pa.string(),
        "column_name": pa.string(),
        "position": pa.int32(),
    },
    "lineage_runs": {
        "run_id": pa.string(),
        "step": pa.string(),
        "status": pa.string(),
        "started_at": pa.string(),
        "ended_at": pa.string(),
        "error": pa.string(),
        "position": pa.int32(),
    },
    "lineage_checks": {
        "target": pa.string(),
        "check_name": pa.string(),
        "position": pa.int32(),
    },
}

#: The tables lineage keeps in the metadata database.
TABLES: tuple[str, ...] = tuple(_COLUMNS)
#: The lineage part of the metadata database (see :mod:`pipelinekit.metadata`).
LINEAGE = Schema("lineage", (_V1,), TABLES)

# Node attributes the graph sets itself (rebuilt from the steps); the rest is stored.
_BUILT = {"dataset": {"kind", "label", "columns"}, "column": {"kind", "label", "dataset"}}
_BUILT["step"] = {"kind", "label", "step_kind"}

Rows = list[dict[str, Any]]


def save(graph: LineageGraph, path: str | os.PathLike[str] | None = None) -> Path:
    """Write ``graph`` into the metadata database, replacing the lineage stored there.

    Parameters
    ----------
    graph : LineageGraph
        What to keep.
    path : path, optional
        The metadata database (see :func:`pipelinekit.metadata.metadata_path`); created,
        with its folder, when missing.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InvalidValueError
        A dataset, column or step carries an attribute JSON cannot hold.
    pipelinekit.metadata.MetadataError
        The file is not a metadata database, is damaged, or is newer than this pipelinekit.
    """
    where = metadata_path(path)
    tables = _rows(graph)  # every value checked before the file is touched
    with connect(where, schemas=[LINEAGE]) as con, transaction(con):
        for table in TABLES:
            con.execute(f"DELETE FROM {table}")  # nosec B608
        for table, rows in tables.items():
            _insert(con, table, rows)
        mark_written(con, LINEAGE)
    return where


def load(path: str | os.PathLike[str] | None = None) -> LineageGraph:
    """Rebuild the lineage graph :func:`save` stored: the same nodes, edges, runs and checks.

    Steps are added again in the order they were added first, then datasets no step
    touches, then runs, quality checks, namespaces and the catalog's attributes. Opening
    the file brings its tables up to date first (a file from an older pipelinekit is
    migrated in place); the file is never created.

    Raises
    ------
    pipelinekit.metadata.MetadataError
        No file at ``path``, or one that is not a metadata database, is damaged, or is
        newer than this pipelinekit.
    """
    with connect(path, schemas=[LINEAGE], create=False) as con:
        tables = {table: _read(con, table) for table in TABLES}
    graph = LineageGraph()
    for step in _steps(tables):
        graph.add(step)
    _restore_datasets(graph, tables)
    _restore_attributes(graph, tables)
    graph.runs.extend(
        {key: row[key] for key in ("run_id", "step", "status", "started_at", "ended_at", "error")}
        for row in tables["lineage_runs"]
    )
    for row in tables["lineage_checks"]:
        graph.checks.setdefault(row["target"], []).append(row["check_name"])
    return graph


# ---------------------------------------------------------------------- graph -> rows
def _rows(graph: LineageGraph) -> dict[str, Rows]:
    nodes = graph.graph.nodes
    tables: dict[str, Rows] = {table: [] for table in TABLES}
    datasets = [n for n, kind in nodes(data="kind") if kind == "dataset"]
    for position, name in enumerate(datasets):
        description, attributes = _split(name, nodes[name], "dataset", description=str)
        tables["lineage_datasets"].append(
            {
                "name": name,
                "namespace": graph.namespaces.get(name, "pipelinekit"),
                "description": description,
                "attributes": attributes,
                "position": position,
            }
        )
        for place, column in enumerate(nodes[name].get("columns", [])):
            node = f"{name}.{column}"
            type_, unknown, extra = _split(node, nodes[node], "column", type=str, unknown=bool)
            tables["lineage_columns"].append(
                {
                    "dataset": name,
                    "name": column,
                    "position": place,
                    "type": type_,
                    "unknown": unknown,
                    "attributes": extra,
                }
            )
    for position, step in enumerate(graph.steps.values()):
        node = step_id(step.name)
        (attributes,) = _split(node, nodes[node], "step") if node in nodes else (None,)
        tables["lineage_steps"].append(
            {
                "name": step.name,
                "kind": step.kind,
                "sql": step.sql,
                "description": step.description,
                "attributes": attributes,
                "position": position,
            }
        )
        _step_rows(step, tables)
    for position, run in enumerate(graph.runs):
        tables["lineage_runs"].append({**run, "position": position})
    position = 0
    for target, checks in graph.checks.items():
        for check in checks:
            tables["lineage_checks"].append(
                {"target": target, "check_name": check, "position": position}
            )
            position += 1
    return tables


def _step_rows(step: StepRecord, tables: dict[str, Rows]) -> None:
    role_rows = tables["lineage_step_datasets"]
    for role, datasets in (("input", step.inputs), ("output", step.outputs)):
        for dataset, columns in datasets.items():
            role_rows.append(
                {
                    "step": step.name,
                    "dataset": dataset,
                    "role": role,
                    "column_names": list(columns),
                    "position": len(role_rows),
                }
            )
    for position, edge in enumerate(step.edges):
        tables["lineage_edges"].append(
            {
                "step": step.name,
                "source_dataset": edge.source.dataset,
                "source_column": edge.source.name,
                "target_dataset": edge.target.dataset,
                "target_column": edge.target.name,
                "type": edge.type,
                "subtype": edge.subtype,
                "description": edge.description,
                "position": position,
            }
        )
    for position, column in enumerate(step.unknown):
        dataset, _, name = column.rpartition(".")
        tables["lineage_unknown"].append(
            {"step": step.name, "dataset": dataset, "column_name": name, "position": position}
        )


def _split(node: str, attributes: Mapping[str, object], kind: str, **readable: type) -> tuple:
    """The ``readable`` attributes (``None`` when absent or of another type), then the rest.

    The rest is the JSON text of every attribute the graph does not build itself, or
    ``None`` when there is none.
    """
    rest = {k: v for k, v in attributes.items() if k not in _BUILT[kind]}
    values = []
    for key, expected in readable.items():
        value = rest.get(key)
        if isinstance(value, expected):
            values.append(rest.pop(key))
        else:
            values.append(None)
    try:
        text = json.dumps(rest, sort_keys=True, allow_nan=False) if rest else None
    except (TypeError, ValueError) as error:
        raise InvalidValueError(
            f"The {kind} '{node}' has an attribute that cannot be saved ({error})",
            "text, numbers, true/false, lists and dicts of them",
            "convert the attribute to text (str(value)) before saving the graph",
        ) from error
    return (*values, text)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: Rows) -> None:
    if not rows:
        return
    types = _COLUMNS[table]
    arrow = pa.table({c: pa.array([row.get(c) for row in rows], t) for c, t in types.items()})
    con.register("_pk_rows", arrow)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _pk_rows")  # nosec B608
    finally:
        con.unregister("_pk_rows")


# ---------------------------------------------------------------------- rows -> graph
def _read(con: duckdb.DuckDBPyConnection, table: str) -> Rows:
    names = list(_COLUMNS[table])
    sql = f"SELECT {', '.join(names)} FROM {table} ORDER BY position"  # nosec B608
    result = con.execute(sql)
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _steps(tables: dict[str, Rows]) -> list[StepRecord]:
    def of(table: str, step: str) -> Rows:
        return [row for row in tables[table] if row["step"] == step]

    steps = []
    for row in tables["lineage_steps"]:
        name = row["name"]
        uses = of("lineage_step_datasets", name)
        steps.append(
            StepRecord(
                name,
                inputs={
                    u["dataset"]: list(u["column_names"]) for u in uses if u["role"] == "input"
                },
                outputs={
                    u["dataset"]: list(u["column_names"]) for u in uses if u["role"] == "output"
                },
                edges=[
                    Edge(
                        Column(e["source_dataset"], e["source_column"]),
                        Column(e["target_dataset"], e["target_column"]),
                        e["subtype"],
                        e["description"],
                    )
                    for e in of("lineage_edges", name)
                ],
                unknown=[f"{u['dataset']}.{u['column_name']}" for u in of("lineage_unknown", name)],
                kind=row["kind"],
                sql=row["sql"],
                description=row["description"],
            )
        )
    return steps


def _columns_by_dataset(uses: Rows, role: str) -> dict[str, list[str]]:
    return {u["dataset"]: list(u["column_names"]) for u in uses if u["role"] == role}


def _restore_datasets(graph: LineageGraph, tables: dict[str, Rows]) -> None:
    columns: dict[str, list[str]] = {}
    for row in tables["lineage_columns"]:
        columns.setdefault(row["dataset"], []).append(row["name"])
    for row in tables["lineage_datasets"]:
        name = row["name"]
        graph.add_dataset(name, columns.get(name, []), namespace=row["namespace"])
        graph.graph.nodes[name]["columns"] = columns.get(name, [])
        graph.namespaces[name] = row["namespace"]


def _restore_attributes(graph: LineageGraph, tables: dict[str, Rows]) -> None:
    nodes = graph.graph.nodes
    for row in tables["lineage_datasets"]:
        _update(nodes[row["name"]], row, "description")
    for row in tables["lineage_columns"]:
        _update(nodes[f"{row['dataset']}.{row['name']}"], row, "type", "unknown")
    for row in tables["lineage_steps"]:
        _update(nodes[step_id(row["name"])], row)


def _update(attributes: dict[str, object], row: Mapping[str, Any], *readable: str) -> None:
    for key in readable:
        if row[key] is None:
            attributes.pop(key, None)
        else:
            attributes[key] = row[key]
    if row["attributes"] is not None:
        attributes.update(cast(dict[str, object], json.loads(row["attributes"])))
