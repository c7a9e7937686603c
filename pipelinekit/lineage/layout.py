"""Where each part of a lineage drawing goes: layers left to right, boxes top to bottom.

The drawing (:mod:`pipelinekit.lineage.svg`, :mod:`pipelinekit.lineage.plot`) only paints
what :func:`layout` decides, so the picture and the interactive view always agree.

* Datasets are boxes: a title row, then one row per column, in the dataset's order.
* Steps are small rounded nodes between the datasets they read and write.
* Layers come from :func:`networkx.topological_generations` of the dataset/step graph,
  left to right; a source is moved right, next to the first step that reads it.
* Inside a layer, a few barycentre sweeps order the nodes so that fewer links cross,
  and each node is then moved up or down towards its neighbours without overlapping.

Everything is sorted by name before it is used, so the same graph always gets the same
layout, whatever order its steps were added in.

Examples
--------
>>> from pipelinekit.lineage.graph import LineageGraph
>>> from pipelinekit.lineage.model import StepRecord
>>> graph = LineageGraph()
>>> graph.add(StepRecord.from_mapping(
...     "totals", inputs={"orders": ["id", "amount"]}, outputs={"totals": ["revenue"]},
...     derived={"totals.revenue": ["orders.amount"]}, subtype="AGGREGATION"))
>>> drawing = layout(graph)
>>> [box.name for box in drawing.boxes]
['orders', 'totals']
>>> drawing.boxes[0].x < drawing.steps[0].x < drawing.boxes[1].x
True
>>> [(link.source, link.target, link.subtype) for link in drawing.links if link.type != "FLOW"]
[('orders.amount', 'totals.revenue', 'AGGREGATION')]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

import networkx as nx

from pipelinekit.lineage.model import column_id

if TYPE_CHECKING:
    from pipelinekit.lineage.graph import LineageGraph

__all__ = ["Box", "Emphasis", "Layout", "Link", "Row", "StepNode", "emphasis", "layout", "shorten"]

# Sizes in pixels, fixed so that a drawing never depends on the fonts of the machine.
TITLE_HEIGHT = 26.0
ROW_HEIGHT = 19.0
STEP_HEIGHT = 22.0
TITLE_CHAR = 8.4  # average width of a bold 13px character
ROW_CHAR = 6.9  # of a 12px character
STEP_CHAR = 6.4  # of an 11px character
BOX_MIN, BOX_MAX = 110.0, 230.0
STEP_MIN, STEP_MAX = 56.0, 150.0
MARGIN = 20.0
HEADER = 30.0  # room for the caption and legend above the drawing
GAP_Y = 22.0  # between two nodes of one layer
GAP_X = {True: 70.0, False: 40.0}  # between layers, with and without columns
SWEEPS = 4


@dataclasses.dataclass(frozen=True)
class Row:
    """One column inside its dataset box; ``y`` is the middle of the row."""

    column: str
    label: str
    y: float
    unknown: bool


@dataclasses.dataclass(frozen=True)
class Box:
    """A dataset: top-left corner, size, and its column rows (none when drawn without)."""

    name: str
    x: float
    y: float
    width: float
    height: float
    rows: tuple[Row, ...]

    @property
    def anchor(self) -> float:
        """The height where links to steps meet the box: the middle of the title row."""
        return self.y + TITLE_HEIGHT / 2


@dataclasses.dataclass(frozen=True)
class StepNode:
    """A step: top-left corner and size; ``node`` is its graph name (``"step:..."``)."""

    name: str
    node: str
    x: float
    y: float
    width: float
    height: float
    kind: str


@dataclasses.dataclass(frozen=True)
class Link:
    """A line to draw from ``start`` to ``end`` (both ``(x, y)``).

    ``type`` is ``"FLOW"`` for dataset -> step -> dataset links and the edge's
    OpenLineage type (``"DIRECT"`` or ``"INDIRECT"``) for column -> column links.
    """

    source: str
    target: str
    start: tuple[float, float]
    end: tuple[float, float]
    type: Literal["FLOW", "DIRECT", "INDIRECT"]
    subtype: str = ""
    step: str = ""
    description: str = ""


@dataclasses.dataclass(frozen=True)
class Layout:
    """Every box, step and link of one drawing, and the size of the canvas."""

    boxes: tuple[Box, ...]
    steps: tuple[StepNode, ...]
    links: tuple[Link, ...]
    width: float
    height: float
    columns: bool


@dataclasses.dataclass(frozen=True)
class Emphasis:
    """What ``highlight`` lights up: itself and what lies upstream and downstream of it.

    ``nodes`` holds dataset, column and step names (``"step:..."``); ``links`` holds
    ``(source, target)`` pairs. Everything else is drawn faded.
    """

    name: str
    nodes: frozenset[str]
    links: frozenset[tuple[str, str]]


def shorten(text: str, most: int) -> str:
    """``text`` cut to ``most`` characters, ending with an ellipsis when cut.

    Examples
    --------
    >>> shorten("customer_lifetime_value", 12)
    'customer_li…'
    >>> shorten("amount", 12)
    'amount'
    """
    return text if len(text) <= most else text[: most - 1] + "…"


def title_chars(width: float) -> int:
    """How many title characters fit in a box ``width`` wide."""
    return int((width - 16) / TITLE_CHAR)


def row_chars(width: float) -> int:
    """How many column-name characters fit in a box ``width`` wide (room kept for '?')."""
    return int((width - 30) / ROW_CHAR)


def step_chars(width: float) -> int:
    """How many step-name characters fit in a step node ``width`` wide."""
    return int((width - 14) / STEP_CHAR)


def layout(graph: LineageGraph, *, columns: bool = True) -> Layout:
    """Place every dataset, step and link of ``graph``; see the module docstring."""
    g = graph.graph
    flow = nx.DiGraph()
    for node in sorted(n for n, kind in g.nodes(data="kind") if kind != "column"):
        flow.add_node(node, kind=g.nodes[node]["kind"])
    flow.add_edges_from(sorted((u, v) for u, v in g.edges if u in flow and v in flow))
    sizes = {node: _size(graph, node, columns) for node in flow}
    layers = _order(flow, _layers(flow))
    tops = _place(flow, layers, sizes)
    lefts, width = _columns_x(flow, layers, sizes, columns)

    boxes, steps = [], []
    for node in sorted(flow):
        w, h = sizes[node]
        x, y = lefts[node], tops[node]
        attributes = g.nodes[node]
        if attributes["kind"] == "dataset":
            rows = tuple(
                Row(
                    column_id(node, column),
                    column,
                    y + TITLE_HEIGHT + ROW_HEIGHT * (i + 0.5),
                    bool(g.nodes[column_id(node, column)].get("unknown", False)),
                )
                for i, column in enumerate(attributes.get("columns", []) if columns else [])
            )
            boxes.append(Box(node, x, y, w, h, rows))
        else:
            kind = str(attributes.get("step_kind", ""))
            steps.append(StepNode(str(attributes.get("label", node)), node, x, y, w, h, kind))
    links = _flow_links(flow, boxes, steps) + (_column_links(graph, boxes) if columns else [])
    height = max((top + sizes[n][1] for n, top in tops.items()), default=HEADER) + MARGIN
    return Layout(tuple(boxes), tuple(steps), tuple(links), width, height, columns)


def _size(graph: LineageGraph, node: str, columns: bool) -> tuple[float, float]:
    attributes = graph.graph.nodes[node]
    if attributes["kind"] != "dataset":
        label = str(attributes.get("label", node))
        return _clamp(len(label) * STEP_CHAR + 14, STEP_MIN, STEP_MAX), STEP_HEIGHT
    names = list(attributes.get("columns", [])) if columns else []
    wanted = max([len(node) * TITLE_CHAR + 16, *(len(c) * ROW_CHAR + 30 for c in names)])
    return _clamp(wanted, BOX_MIN, BOX_MAX), TITLE_HEIGHT + ROW_HEIGHT * len(names) + (
        4.0 if names else 0.0
    )


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _layers(flow: nx.DiGraph) -> list[list[str]]:
    """Topological generations, each source moved right next to its first reader."""
    layer = {n: i for i, gen in enumerate(nx.topological_generations(flow)) for n in gen}
    for node in flow:
        successors = [layer[s] for s in flow.successors(node)]
        if flow.in_degree(node) == 0 and successors:
            layer[node] = min(successors) - 1
    count = max(layer.values(), default=-1) + 1
    layers: list[list[str]] = [[] for _ in range(count)]
    for node in sorted(layer):
        layers[layer[node]].append(node)
    return [names for names in layers if names]


def _order(flow: nx.DiGraph, layers: list[list[str]]) -> list[list[str]]:
    """Barycentre sweeps: each node moves to the mean position of its neighbours."""
    rank = {n: (i + 0.5) / len(names) for names in layers for i, n in enumerate(names)}
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        neighbours = flow.predecessors if forward else flow.successors
        for names in layers if forward else reversed(layers):
            keys = {}
            for i, node in enumerate(names):
                near = sorted(rank[m] for m in neighbours(node))
                keys[node] = (sum(near) / len(near) if near else rank[node], i)
            names.sort(key=keys.__getitem__)
            rank.update({n: (i + 0.5) / len(names) for i, n in enumerate(names)})
    return layers


def _place(
    flow: nx.DiGraph,
    layers: list[list[str]],
    sizes: dict[str, tuple[float, float]],
) -> dict[str, float]:
    """Top of every node: first stacked, then pulled towards its neighbours' anchors."""
    offset = {
        n: STEP_HEIGHT / 2 if kind == "step" else TITLE_HEIGHT / 2
        for n, kind in flow.nodes(data="kind")
    }
    tallest = max((_stack_height(names, sizes) for names in layers), default=0.0)
    top: dict[str, float] = {}
    for names in layers:
        y = (tallest - _stack_height(names, sizes)) / 2
        for node in names:
            top[node] = y
            y += sizes[node][1] + GAP_Y
    rounds = ["in", "out", "in", "both"]
    for direction in rounds:
        order = layers if direction != "out" else list(reversed(layers))
        for names in order:
            wanted = []
            for node in names:
                near = _neighbours(flow, node, direction)
                anchors = [top[m] + offset[m] for m in near]
                centre = sum(anchors) / len(anchors) if anchors else top[node] + offset[node]
                wanted.append(centre - offset[node])
            placed = _pack(wanted, [sizes[n][1] for n in names], GAP_Y)
            top.update(zip(names, placed, strict=True))
    lowest = min(top.values(), default=0.0)
    return {n: round(y - lowest + MARGIN + HEADER, 1) for n, y in top.items()}


def _neighbours(flow: nx.DiGraph, node: str, direction: str) -> list[str]:
    found: list[str] = []
    if direction in ("in", "both"):
        found += flow.predecessors(node)
    if direction in ("out", "both"):
        found += flow.successors(node)
    return sorted(found)


def _stack_height(names: list[str], sizes: dict[str, tuple[float, float]]) -> float:
    return sum(sizes[n][1] for n in names) + GAP_Y * (len(names) - 1)


def _pack(wanted: list[float], heights: list[float], gap: float) -> list[float]:
    """Tops as close to ``wanted`` as can be, keeping the order and ``gap`` between.

    This is isotonic regression (pool adjacent violators) once each top is measured
    from where the stack above it ends.

    Examples
    --------
    >>> _pack([0.0, 0.0], [10.0, 10.0], 2.0)
    [-6.0, 6.0]
    >>> _pack([0.0, 100.0], [10.0, 10.0], 2.0)
    [0.0, 100.0]
    """
    offsets, acc = [], 0.0
    for h in heights:
        offsets.append(acc)
        acc += h + gap
    blocks: list[list[float]] = []  # [sum of targets, count]
    for w, o in zip(wanted, offsets, strict=True):
        blocks.append([w - o, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    tops = [total / count for total, count in blocks for _ in range(int(count))]
    return [t + o for t, o in zip(tops, offsets, strict=True)]


def _columns_x(
    flow: nx.DiGraph,
    layers: list[list[str]],
    sizes: dict[str, tuple[float, float]],
    columns: bool,
) -> tuple[dict[str, float], float]:
    """Left edge of every node and the canvas width.

    Datasets line up on the left of their layer, like tables; steps sit in its middle.
    """
    left: dict[str, float] = {}
    x = MARGIN
    for names in layers:
        widest = max(sizes[n][0] for n in names)
        for node in names:
            centred = flow.nodes[node]["kind"] == "step"
            left[node] = round(x + ((widest - sizes[node][0]) / 2 if centred else 0.0), 1)
        x += widest + GAP_X[columns]
    return left, max(x - GAP_X[columns] + MARGIN, 2 * MARGIN)


def _flow_links(flow: nx.DiGraph, boxes: list[Box], steps: list[StepNode]) -> list[Link]:
    """Dataset -> step and step -> dataset, from the right side to the left side."""
    where: dict[str, tuple[float, float, float]] = {}  # left, right, anchor
    for box in boxes:
        where[box.name] = (box.x, box.x + box.width, box.anchor)
    for step in steps:
        where[step.node] = (step.x, step.x + step.width, step.y + step.height / 2)
    return [
        Link(u, v, (where[u][1], where[u][2]), (where[v][0], where[v][2]), "FLOW")
        for u, v in sorted(flow.edges)
    ]


def _column_links(graph: LineageGraph, boxes: Iterable[Box]) -> list[Link]:
    """Column -> column, from the right of the source row to the left of the target row."""
    rows = {row.column: (box, row) for box in boxes for row in box.rows}
    links = []
    for u, v, data in sorted(graph.column_edges(), key=lambda e: (e[0], e[1])):
        (source_box, source_row), (target_box, target_row) = rows[u], rows[v]
        links.append(
            Link(
                u,
                v,
                (source_box.x + source_box.width, source_row.y),
                (target_box.x, target_row.y),
                "DIRECT" if data["type"] == "DIRECT" else "INDIRECT",
                str(data["subtype"]),
                str(data["step"]),
                str(data.get("description", "")),
            )
        )
    return links


def emphasis(graph: LineageGraph, highlight: str | None) -> Emphasis | None:
    """What to light up for ``highlight`` (a dataset or ``"dataset.column"``), if given.

    Raises :class:`~pipelinekit.errors.UnknownNameError` for a name not in the graph.

    Examples
    --------
    >>> from pipelinekit.lineage.graph import LineageGraph
    >>> from pipelinekit.lineage.model import StepRecord
    >>> graph = LineageGraph()
    >>> graph.add(StepRecord.from_mapping(
    ...     "totals", inputs={"orders": ["id", "amount"]}, outputs={"totals": ["revenue"]},
    ...     derived={"totals.revenue": ["orders.amount"]}, subtype="AGGREGATION"))
    >>> sorted(emphasis(graph, "totals.revenue").nodes)
    ['orders', 'orders.amount', 'step:totals', 'totals', 'totals.revenue']
    """
    if highlight is None:
        return None
    g = graph.graph
    up = {highlight, *graph.upstream(highlight).name}  # upstream() checks the name
    down = {highlight, *graph.downstream(highlight).name}
    if g.nodes[highlight]["kind"] == "column":
        lit_columns = up | down
        lit_edges = {
            (u, v, str(data["step"]))
            for u, v, data in graph.column_edges()
            if {u, v} <= up or {u, v} <= down
        }
        lit_steps = {f"step:{step}" for _, _, step in lit_edges}
        lit_datasets = {g.nodes[c]["dataset"] for c in lit_columns}
    else:
        lit_datasets = up | down
        lit_steps = {
            n
            for n, kind in g.nodes(data="kind")
            if kind == "step"
            and any(
                set(g.predecessors(n)) & side and set(g.successors(n)) & side for side in (up, down)
            )
        }
        lit_edges = {
            (u, v, str(data["step"]))
            for u, v, data in graph.column_edges()
            if f"step:{data['step']}" in lit_steps
            and any({g.nodes[u]["dataset"], g.nodes[v]["dataset"]} <= side for side in (up, down))
        }
        lit_columns = {column_id(d, c) for d in lit_datasets for c in graph.columns(d)}
    nodes = lit_columns | lit_steps | lit_datasets
    flow_links = {
        (u, v)
        for u, v, kind in g.edges(data="kind")
        if kind in ("reads", "writes") and u in nodes and v in nodes
    }
    links = {(u, v) for u, v, _ in lit_edges} | flow_links
    return Emphasis(highlight, frozenset(nodes), frozenset(links))
