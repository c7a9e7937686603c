"""(c) Drawing a 200-node lineage graph: pipelinekit's SVG and plotly views against
networkx + matplotlib, the picture a user would otherwise make, in the same run.

The graph: 20 datasets of 9 columns (6 raw sources, 6 cleaned copies, 4 joins, 4 marts
with aggregations) and the 14 steps between them, about 215 nodes and 200 column edges.
Target: <= 2 s per drawing. Each time is the median of ``REPEAT`` runs.

Run alone: ``.venv/bin/python benchmarks/_lineage_draw.py``.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable

import matplotlib
import networkx as nx
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import Column, Edge, StepRecord
from pipelinekit.lineage.plot import draw_plot
from pipelinekit.lineage.svg import draw_svg

REPEAT = 5
TARGET_SECONDS = 2.0
WIDTH = 9  # columns per dataset
SOURCES = ["orders", "customers", "products", "payments", "shipments", "returns"]


def columns(stem: str) -> list[str]:
    return ["id", "customer_id", "created_at", *(f"{stem}_attr_{i}" for i in range(WIDTH - 3))]


def build() -> LineageGraph:
    """The 200-node graph: clean every source, join them in pairs, aggregate the joins."""
    graph = LineageGraph()
    for stem in SOURCES:
        cols = columns(stem)
        edges = [Edge(Column(f"raw_{stem}", c), Column(f"stg_{stem}", c)) for c in cols]
        edges += [
            Edge(Column(f"raw_{stem}", "created_at"), Column(f"stg_{stem}", c), "FILTER")
            for c in cols
        ]
        graph.add(
            StepRecord(
                f"clean_{stem}",
                inputs={f"raw_{stem}": cols},
                outputs={f"stg_{stem}": cols},
                edges=edges,
                kind="sql",
            )
        )
    pairs = [(0, 1), (0, 2), (3, 4), (5, 1)]
    for n, (a, b) in enumerate(pairs):
        left, right = f"stg_{SOURCES[a]}", f"stg_{SOURCES[b]}"
        out = f"int_{SOURCES[a]}_{SOURCES[b]}"
        out_cols = [*columns(SOURCES[a])[:5], *columns(SOURCES[b])[3:7]]
        edges = [Edge(Column(left, c), Column(out, c)) for c in out_cols[:5]]
        edges += [
            Edge(Column(right, c), Column(out, c), "TRANSFORMATION", f"upper({c})")
            for c in out_cols[5:]
        ]
        edges += [
            Edge(Column(side, "customer_id"), Column(out, c), "JOIN", "customer_id")
            for side in (left, right)
            for c in out_cols
        ]
        graph.add(
            StepRecord(
                f"join_{n}",
                inputs={left: columns(SOURCES[a]), right: columns(SOURCES[b])},
                outputs={out: out_cols},
                edges=edges,
                kind="transform",
            )
        )
    joins = [f"int_{SOURCES[a]}_{SOURCES[b]}" for a, b in pairs]
    for n, source in enumerate(joins):
        cols = graph.columns(source)
        out = f"mart_{n}"
        out_cols = ["customer_id", *(f"total_{c}" for c in cols[5:]), "rows", "first", "last"]
        edges = [Edge(Column(source, "customer_id"), Column(out, "customer_id"))]
        edges += [
            Edge(Column(source, c), Column(out, f"total_{c}"), "AGGREGATION", f"sum({c})")
            for c in cols[5:]
        ]
        edges += [Edge(Column(source, "id"), Column(out, "rows"), "AGGREGATION", "count(id)")]
        edges += [
            Edge(Column(source, "created_at"), Column(out, c), "AGGREGATION")
            for c in ("first", "last")
        ]
        edges += [Edge(Column(source, "customer_id"), Column(out, c), "GROUP_BY") for c in out_cols]
        graph.add(
            StepRecord(
                f"mart_{n}", inputs={source: cols}, outputs={out: out_cols}, edges=edges, kind="sql"
            )
        )
    return graph


def median_seconds(work: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def matplotlib_png(graph: nx.DiGraph, layout: str) -> bytes:
    """What a user would write: networkx.draw of the whole graph, saved as PNG in memory."""
    if layout == "multipartite":
        for i, generation in enumerate(nx.topological_generations(graph)):
            for node in generation:
                graph.nodes[node]["layer"] = i
        pos = nx.multipartite_layout(graph, subset_key="layer")
    else:
        pos = nx.spring_layout(graph, seed=0)
    figure = Figure(figsize=(16, 10))
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    nx.draw(graph, pos, ax=ax, with_labels=True, node_size=80, font_size=5, arrowsize=6)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def run() -> list[str]:
    matplotlib.use("Agg")
    graph = build()
    nodes, edges = len(graph), sum(1 for _ in graph.column_edges())
    draw_plot(graph)  # import plotly once, outside the timings
    times = {
        "pipelinekit SVG (graph.svg())": median_seconds(lambda: draw_svg(graph).text),
        "pipelinekit SVG, highlight a column": median_seconds(
            lambda: draw_svg(graph, highlight="stg_orders.customer_id")
        ),
        "pipelinekit SVG, datasets only": median_seconds(lambda: draw_svg(graph, columns=False)),
        "pipelinekit plotly figure (graph.plot())": median_seconds(lambda: draw_plot(graph)),
        "pipelinekit plotly figure as JSON": median_seconds(lambda: draw_plot(graph).to_json()),
        "networkx.draw + matplotlib PNG, multipartite": median_seconds(
            lambda: matplotlib_png(graph.graph.copy(), "multipartite")
        ),
        "networkx.draw + matplotlib PNG, spring_layout": median_seconds(
            lambda: matplotlib_png(graph.graph.copy(), "spring")
        ),
    }
    baseline = times["networkx.draw + matplotlib PNG, multipartite"]
    lines = [
        f"graph: {nodes} nodes ({len(graph.datasets())} datasets, {len(graph.steps)} steps),"
        f" {edges} column edges; median of {REPEAT} runs; target <= {TARGET_SECONDS:g} s",
        f"SVG size: {len(draw_svg(graph).text) / 1024:,.0f} KiB",
    ]
    for label, seconds in times.items():
        if "networkx" in label:
            verdict = f"{seconds / baseline:6.2f}x the multipartite time"
        else:
            verdict = f"{baseline / seconds:6.0f}x faster than matplotlib"
            verdict += " ok" if seconds <= TARGET_SECONDS else " SLOW (target missed)"
        lines.append(f"{label:<46} {seconds * 1000:8.1f} ms  {verdict}")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
