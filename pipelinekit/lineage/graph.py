"""One lineage graph for every step, pandas or SQL: a networkx DiGraph you can ask questions.

Nodes are datasets (``"orders"``), their columns (``"orders.amount"``) and steps
(``"step:daily_sales"``). Edges run the way data flows:

* dataset -> step -> dataset: which step read what and wrote what;
* column -> column: where each output column came from, with OpenLineage's ``type``
  and ``subtype`` (see :mod:`pipelinekit.lineage.model`).

A column belongs to its dataset through the node attribute ``dataset``, not an edge,
so following edges only ever follows data.

Examples
--------
>>> from pipelinekit.lineage.model import StepRecord
>>> graph = LineageGraph()
>>> graph.add(StepRecord.from_mapping(
...     "clean", inputs={"orders": ["id", "amount"]}, outputs={"clean_orders": ["id", "amount"]},
...     derived={"clean_orders.id": ["orders.id"], "clean_orders.amount": ["orders.amount"]},
...     subtype="IDENTITY"))
>>> graph.add(StepRecord.from_mapping(
...     "totals", inputs={"clean_orders": ["id", "amount"]}, outputs={"totals": ["revenue"]},
...     derived={"totals.revenue": ["clean_orders.amount"]}, subtype="AGGREGATION"))
>>> graph.downstream("orders.amount")[["name", "distance", "how"]]
                  name  distance                     how
0  clean_orders.amount         1                IDENTITY
1       totals.revenue         2  IDENTITY → AGGREGATION
>>> print(graph.downstream("orders.amount").path.iloc[-1])
orders.amount → clean_orders.amount → totals.revenue
>>> graph.upstream("totals").name.tolist()
['clean_orders', 'orders']
"""

from __future__ import annotations

import dataclasses
import os
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
import pandas as pd

from pipelinekit.errors import PipelinekitError, UnknownNameError, format_list
from pipelinekit.lineage.model import Edge, StepRecord, column_id

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from pipelinekit.lineage.svg import SvgDrawing

__all__ = ["Impact", "LineageCycleError", "LineageGraph", "step_id"]

Direction = Literal["upstream", "downstream"]
_ANSWER_COLUMNS = ["name", "kind", "dataset", "distance", "how", "steps", "path"]


class LineageCycleError(PipelinekitError, ValueError):
    """A step would make data flow in a circle (a dataset upstream of itself)."""


def step_id(name: str) -> str:
    """The graph name of a step.

    Examples
    --------
    >>> step_id("daily_sales")
    'step:daily_sales'
    """
    return f"step:{name}"


@dataclasses.dataclass
class Impact:
    """What a change to one dataset or column touches downstream."""

    changed: str
    datasets: list[str]
    columns: list[str]
    checks: list[str]

    def __str__(self) -> str:
        lines = [f"A change to '{self.changed}' reaches:"]
        for label, names in (
            ("datasets", self.datasets),
            ("columns", self.columns),
            ("quality checks", self.checks),
        ):
            lines.append(f"  {len(names)} {label}: {format_list(names, most=8) or '-'}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><th style='text-align:left'>{label}</th><td>{escape(', '.join(names)) or '-'}"
            "</td></tr>"
            for label, names in (
                (f"{len(self.datasets)} datasets", self.datasets),
                (f"{len(self.columns)} columns", self.columns),
                (f"{len(self.checks)} quality checks", self.checks),
            )
        )
        return (
            f"<b>A change to <code>{escape(self.changed)}</code> reaches</b><table>{rows}</table>"
        )


class LineageGraph:
    """Datasets, columns and the steps between them, with questions you can ask.

    Build it with :meth:`add` (a :class:`~pipelinekit.lineage.model.StepRecord` per
    step), or let :func:`pipelinekit.lineage.track` build it for you. In Jupyter the
    graph draws itself; :meth:`plot` gives an interactive view.
    """

    def __init__(self) -> None:
        self.graph = nx.DiGraph()
        self.steps: dict[str, StepRecord] = {}
        self.runs: list[dict[str, object]] = []
        self.checks: dict[str, list[str]] = {}
        self.namespaces: dict[str, str] = {}

    # ------------------------------------------------------------------ building
    def add_dataset(
        self, name: str, columns: Iterable[str] = (), *, namespace: str = "pipelinekit"
    ) -> None:
        """Add a dataset and its columns (a source no step wrote, for example)."""
        self._ensure_node(name, kind="dataset", label=name)
        self.namespaces.setdefault(name, namespace)
        columns_so_far = self.graph.nodes[name].setdefault("columns", [])
        for column in columns:
            if column not in columns_so_far:
                columns_so_far.append(column)
            self._ensure_node(column_id(name, column), kind="column", dataset=name, label=column)

    def add(self, step: StepRecord) -> None:
        """Add (or replace) a step; fail without changing the graph if it makes a cycle."""
        self._check_kinds(step)
        replaced = self.steps.get(step.name)
        if replaced is not None:
            self._remove_step(step.name)
        try:
            self._check_acyclic(step)
        except LineageCycleError:
            if replaced is not None:
                self._add_step(replaced)
                self.steps[replaced.name] = replaced
            raise
        self._add_step(step)
        self.steps[step.name] = step

    def record_run(
        self,
        step: str,
        *,
        run_id: str,
        status: Literal["COMPLETE", "FAIL", "ABORT"],
        started_at: str,
        ended_at: str,
        error: str | None = None,
    ) -> None:
        """Remember one run of ``step`` (ISO-8601 times, UTC)."""
        self._require(step_id(step), kind="step")
        self.runs.append(
            {
                "run_id": run_id,
                "step": step,
                "status": status,
                "started_at": started_at,
                "ended_at": ended_at,
                "error": error,
            }
        )

    def attach_check(self, target: str, check: str) -> None:
        """Note that quality check ``check`` watches ``target`` (a dataset or a column)."""
        self._require(target)
        names = self.checks.setdefault(target, [])
        if check not in names:
            names.append(check)

    def _add_step(self, step: StepRecord) -> None:
        node = step_id(step.name)
        self._ensure_node(node, kind="step", label=step.name, step_kind=step.kind)
        for dataset, columns in step.inputs.items():
            self.add_dataset(dataset, columns)
            self.graph.add_edge(dataset, node, kind="reads")
        for dataset, columns in step.outputs.items():
            self.add_dataset(dataset, columns)
            self.graph.add_edge(node, dataset, kind="writes")
        for edge in step.edges:
            self._add_column_edge(edge, step.name)
        for column in step.unknown:
            self.graph.nodes[column]["unknown"] = True

    def _add_column_edge(self, edge: Edge, step: str) -> None:
        data = self.graph.get_edge_data(edge.source.id, edge.target.id)
        # two ways from one column to one output (amount used to filter and summed):
        # keep the DIRECT one, it says more about the value
        same_step = data is not None and data["step"] == step
        if same_step and (data["type"] == "DIRECT" or edge.type == "INDIRECT"):
            return
        self.graph.add_edge(
            edge.source.id,
            edge.target.id,
            kind="column",
            type=edge.type,
            subtype=edge.subtype,
            description=edge.description,
            step=step,
        )

    def _remove_step(self, name: str) -> None:
        node = step_id(name)
        column_edges = [
            (u, v) for u, v, data in self.graph.edges(data=True) if data.get("step") == name
        ]
        self.graph.remove_edges_from(column_edges)
        self.graph.remove_node(node)
        del self.steps[name]

    def _ensure_node(
        self, node: str, *, kind: str, check_only: bool = False, **attributes: object
    ) -> None:
        if node in self.graph and self.graph.nodes[node]["kind"] != kind:
            raise PipelinekitError(
                f"'{node}' is already a {self.graph.nodes[node]['kind']} in the lineage graph,"
                f" so it cannot also be a {kind}",
                "distinct names for datasets, columns and steps",
                "rename the dataset or the step",
            )
        if node not in self.graph and not check_only:
            self.graph.add_node(node, kind=kind, **attributes)

    def _check_kinds(self, step: StepRecord) -> None:
        """Fail before any change when a name of ``step`` is taken by another kind of node."""
        wanted = [(step_id(step.name), "step")]
        for datasets in (step.inputs, step.outputs):
            for dataset, columns in datasets.items():
                wanted.append((dataset, "dataset"))
                wanted.extend((column_id(dataset, c), "column") for c in columns)
        for node, kind in wanted:
            self._ensure_node(node, kind=kind, check_only=True)

    def _check_acyclic(self, step: StepRecord) -> None:
        """Fail if an output of ``step`` is one of its inputs or lies upstream of one."""
        flow = self._flow()
        for output in step.outputs:
            for source in step.inputs:
                if output == source:
                    loop = [output]
                elif output in flow and source in flow and nx.has_path(flow, output, source):
                    loop = nx.shortest_path(flow, output, source)
                else:
                    continue
                node = step_id(step.name)
                raise LineageCycleError(
                    f"Step '{step.name}' makes a cycle: {' → '.join([node, *loop, node])}",
                    "data that flows one way, from sources to results",
                    "a step must not write a dataset it (or an earlier step) reads from;"
                    f" give the output a new name, such as '{output}_v2'",
                )

    # ------------------------------------------------------------------ reading
    def datasets(self) -> list[str]:
        """Every dataset, in the order data flows (sources first)."""
        order = list(nx.topological_sort(self._flow()))
        return [node for node in order if self.graph.nodes[node]["kind"] == "dataset"]

    def columns(self, dataset: str) -> list[str]:
        """The columns of ``dataset``, in their order."""
        self._require(dataset, kind="dataset")
        return list(self.graph.nodes[dataset].get("columns", []))

    def column_edges(self) -> Iterator[tuple[str, str, dict[str, object]]]:
        """Every column-to-column edge with its attributes."""
        for u, v, data in self.graph.edges(data=True):
            if data.get("kind") == "column":
                yield u, v, data

    def upstream(self, name: str, *, indirect: bool = True, depth: int | None = None):
        """Everything ``name`` (a dataset, or ``"dataset.column"``) comes from.

        Returns a DataFrame, nearest first: ``name``, ``kind``, ``dataset``,
        ``distance`` (steps away), ``how`` (the subtypes along the way), ``steps`` and
        ``path``, the chain of nodes that explains the answer.
        """
        return self._walk(name, "upstream", indirect=indirect, depth=depth)

    def downstream(self, name: str, *, indirect: bool = True, depth: int | None = None):
        """Everything that comes from ``name``; the same columns as :meth:`upstream`."""
        return self._walk(name, "downstream", indirect=indirect, depth=depth)

    def impact(self, name: str) -> Impact:
        """What breaks if ``name`` changes: datasets, columns and quality checks downstream.

        A column's change reaches the columns computed from it and, through filters,
        joins and groupings (INDIRECT edges), every column of the datasets whose rows
        it decides. A dataset's change reaches every dataset downstream of it.
        """
        reached = self.downstream(name)
        if self.graph.nodes[name]["kind"] == "dataset":
            datasets = reached.name.tolist()
            columns = [column_id(d, c) for d in datasets for c in self.columns(d)]
        else:
            columns = reached.name.tolist()
            datasets = list(dict.fromkeys(reached.dataset))
            for u, v, data in self.column_edges():
                if data["type"] == "INDIRECT" and (u == name or u in columns):
                    columns.extend(
                        column_id(d, c)
                        for d in [self.graph.nodes[v]["dataset"]]
                        for c in self.columns(d)
                    )
            columns = list(dict.fromkeys(columns))
        watched = [name, *datasets, *columns]
        checks = [check for target in watched for check in self.checks.get(target, [])]
        return Impact(name, datasets, columns, list(dict.fromkeys(checks)))

    def neighbourhood(self, name: str, *, depth: int = 1) -> LineageGraph:
        """A smaller graph: ``name`` and what lies within ``depth`` steps up and down."""
        keep = {name}
        for direction in ("upstream", "downstream"):
            keep.update(self._walk(name, direction, indirect=True, depth=depth).name)
        if self.graph.nodes[name]["kind"] == "column":
            keep |= {self.graph.nodes[n]["dataset"] for n in keep}
        return self._restricted_to(keep)

    def dataset(self, name: str) -> LineageGraph:
        """A smaller graph: one dataset, the steps next to it and their datasets."""
        return self.neighbourhood(name, depth=1)

    # ------------------------------------------------------------------ helpers
    def _flow(self) -> nx.DiGraph:
        """Datasets and steps only (the dataset-level graph)."""
        return self.graph.subgraph(
            n for n, kind in self.graph.nodes(data="kind") if kind != "column"
        )

    def _require(self, name: str, *, kind: str | None = None) -> None:
        if name in self.graph and (kind is None or self.graph.nodes[name]["kind"] == kind):
            return
        dataset = name.rpartition(".")[0]
        if kind is None:
            kind = "column" if dataset in self.graph else "dataset"
        options = [n for n, k in self.graph.nodes(data="kind") if k == kind]
        if kind == "column" and self.graph.nodes.get(dataset, {}).get("kind") == "dataset":
            options = [column_id(dataset, c) for c in self.columns(dataset)]
        raise UnknownNameError.for_name(
            name,
            sorted(options),
            kind=kind,
            hint="name a column as 'dataset.column'; graph.datasets() lists the datasets",
        )

    def _walk(self, name: str, direction: Direction, *, indirect: bool, depth: int | None):
        self._require(name)
        is_column = self.graph.nodes[name]["kind"] == "column"
        step = self.graph.predecessors if direction == "upstream" else self.graph.successors
        found: dict[str, tuple[str, ...]] = {name: (name,)}
        rows = []
        queue = deque([name])
        while queue:
            node = queue.popleft()
            path = found[node]
            at_step = self.graph.nodes[node]["kind"] == "step"
            if depth is not None and not at_step and self._distance(path, is_column) >= depth:
                continue
            for neighbour in step(node):
                if neighbour in found:
                    continue
                if is_column:
                    edge = self._edge(node, neighbour, direction)
                    if edge.get("kind") != "column" or (
                        not indirect and edge["type"] == "INDIRECT"
                    ):
                        continue
                found[neighbour] = (*path, neighbour)
                queue.append(neighbour)
                if self.graph.nodes[neighbour]["kind"] != "step":
                    rows.append(self._answer_row(found[neighbour], direction, is_column))
        answer = pd.DataFrame(rows, columns=_ANSWER_COLUMNS)
        return answer.sort_values(["distance", "name"], kind="stable", ignore_index=True)

    def _edge(self, node: str, neighbour: str, direction: Direction) -> dict:
        if direction == "upstream":
            return self.graph.edges[neighbour, node]
        return self.graph.edges[node, neighbour]

    @staticmethod
    def _distance(path: tuple[str, ...], is_column: bool) -> int:
        return len(path) - 1 if is_column else sum(p.startswith("step:") for p in path)

    def _answer_row(self, path: tuple[str, ...], direction: Direction, is_column: bool) -> dict:
        node = path[-1]
        attributes = self.graph.nodes[node]
        flow = list(path) if direction == "downstream" else list(reversed(path))
        if is_column:
            pairs = list(zip(flow, flow[1:], strict=False))
            edges = [self.graph.edges[u, v] for u, v in pairs]
            how = " → ".join(str(e["subtype"]) for e in edges)
            steps = " → ".join(str(e["step"]) for e in edges)
            shown = flow
        else:
            steps = " → ".join(p.removeprefix("step:") for p in flow if p.startswith("step:"))
            how = ""
            shown = [p for p in flow if not p.startswith("step:")]
        return {
            "name": node,
            "kind": attributes["kind"],
            "dataset": attributes.get("dataset", node),
            "distance": self._distance(path, is_column),
            "how": how,
            "steps": steps,
            "path": " → ".join(shown),
        }

    def _restricted_to(self, keep: set[str]) -> LineageGraph:
        smaller = LineageGraph()
        for step in self.steps.values():
            touched = set(step.inputs) | set(step.outputs)
            if touched & keep:
                smaller.add(step)
        for dataset in keep:
            if dataset in self.graph and self.graph.nodes[dataset]["kind"] == "dataset":
                smaller.add_dataset(dataset, self.columns(dataset))
        smaller.namespaces = {k: v for k, v in self.namespaces.items() if k in smaller.graph}
        smaller.checks = {k: v for k, v in self.checks.items() if k in smaller.graph}
        return smaller

    def __contains__(self, name: object) -> bool:
        return name in self.graph

    def __len__(self) -> int:
        return self.graph.number_of_nodes()

    def __repr__(self) -> str:
        kinds = pd.Series(dict(self.graph.nodes(data="kind"))).value_counts()
        return (
            f"LineageGraph({kinds.get('dataset', 0)} datasets, {kinds.get('column', 0)} columns,"
            f" {kinds.get('step', 0)} steps)"
        )

    # ------------------------------------------------------------------ drawing
    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Store the graph and its runs in the DuckDB metadata database (see :mod:`.store`)."""
        from pipelinekit.lineage import store

        return store.save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> LineageGraph:
        """The graph stored in a metadata database by :meth:`save`."""
        from pipelinekit.lineage import store

        return store.load(path)

    def openlineage(self, *, namespace: str = "pipelinekit") -> list[dict[str, Any]]:
        """Every recorded run as OpenLineage RunEvents (START, then COMPLETE or FAIL)."""
        from pipelinekit.lineage import openlineage

        return openlineage.events(self, namespace=namespace)

    def _repr_svg_(self) -> str:
        """Jupyter shows the graph as a picture (:meth:`svg`; datasets only when huge)."""
        from pipelinekit.lineage.svg import inline_svg

        return inline_svg(self)

    def svg(self, *, columns: bool = True, highlight: str | None = None) -> SvgDrawing:
        """The graph as an SVG picture: shows itself in Jupyter, ``.save(path)`` writes it.

        ``columns=False`` draws datasets and steps only; ``highlight`` (a dataset or
        ``"dataset.column"``) keeps it and its upstream and downstream bright and fades
        the rest. Narrow a large graph first: ``graph.neighbourhood("orders.amount").svg()``.
        """
        from pipelinekit.lineage.svg import draw_svg

        return draw_svg(self, columns=columns, highlight=highlight)

    def plot(self, *, highlight: str | None = None) -> go.Figure:
        """An interactive plotly view of the same picture, with details on hover."""
        from pipelinekit.lineage.plot import draw_plot

        return draw_plot(self, highlight=highlight)
