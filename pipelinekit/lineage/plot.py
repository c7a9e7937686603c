"""A lineage graph as an interactive plotly figure: zoom, pan, hover for the details.

It uses the same :func:`pipelinekit.lineage.layout.layout` as the SVG picture, so both
put every box in the same place. Hover over a column for where it came from and where
it goes (with the subtype and the step), over a step for what it read and wrote, over
the dot in the middle of a line for that edge's subtype and description.

The figure is plain data: no random ids, so the same graph gives the same JSON.

Examples
--------
>>> from pipelinekit.lineage.graph import LineageGraph
>>> from pipelinekit.lineage.model import StepRecord
>>> graph = LineageGraph()
>>> graph.add(StepRecord.from_mapping(
...     "totals", inputs={"orders": ["id", "amount"]}, outputs={"totals": ["revenue"]},
...     derived={"totals.revenue": ["orders.amount"]}, subtype="AGGREGATION"))
>>> figure = draw_plot(graph)
>>> [trace.name for trace in figure.data]
['flow', 'DIRECT', 'INDIRECT', 'edge details', 'steps', 'datasets', 'columns']
>>> figure.layout.title.text
'Lineage: 2 datasets, 3 columns, 1 step'
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from pipelinekit.lineage.layout import (
    ROW_HEIGHT,
    TITLE_HEIGHT,
    Emphasis,
    Layout,
    Link,
    StepNode,
    emphasis,
    layout,
    row_chars,
    shorten,
    step_chars,
    title_chars,
)
from pipelinekit.lineage.svg import COLOURS, FONT

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from pipelinekit.lineage.graph import LineageGraph

__all__ = ["draw_plot"]

MAX_WIDTH = 1500.0  # pixels; wider graphs start zoomed out
CURVE_POINTS = 16
FADED = 0.15


def draw_plot(
    graph: LineageGraph, *, columns: bool = True, highlight: str | None = None
) -> go.Figure:
    """An interactive view of ``graph``; the parameters are those of the SVG picture.

    Traces, in drawing order: ``flow`` (dataset -> step -> dataset), ``DIRECT`` and
    ``INDIRECT`` column edges, ``edge details`` (a hover dot per edge), ``steps``,
    ``datasets`` and ``columns``. With ``highlight``, what is not upstream or
    downstream of it moves to traces ending in ``(faded)``.
    """
    import plotly.graph_objects as go

    lit = emphasis(graph, highlight)
    plan = layout(graph, columns=columns)
    traces: list[dict[str, Any]] = []
    for kind in ("FLOW", "DIRECT", "INDIRECT"):
        links = [link for link in plan.links if link.type == kind]
        for on in (True, False) if lit is not None else (True,):
            chosen = [link for link in links if _lit_link(link, lit) == on]
            if chosen or on:
                traces.append(_lines(kind, chosen, lit is not None and on, faded=not on))
    traces.append(_edge_details(plan, lit))
    traces += [_steps(graph, plan, lit), _datasets(graph, plan, lit), _columns(graph, plan, lit)]
    return go.Figure(data=traces, layout=_frame(graph, plan, lit))


def _lit_link(link: Link, lit: Emphasis | None) -> bool:
    return lit is None or (link.source, link.target) in lit.links


def _lit(name: str, lit: Emphasis | None) -> bool:
    return lit is None or name in lit.nodes


def _curve(link: Link) -> tuple[list[float | None], list[float | None]]:
    """Points of the same cubic Bézier curve the SVG draws, then a gap (None)."""
    (x0, y0), (x1, y1) = link.start, link.end
    bend = max((x1 - x0) / 2, 16.0)
    xs: list[float | None] = []
    ys: list[float | None] = []
    for i in range(CURVE_POINTS + 1):
        t = i / CURVE_POINTS
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
        xs.append(round(a * x0 + b * (x0 + bend) + c * (x1 - bend) + d * x1, 1))
        ys.append(round((a + b) * y0 + (c + d) * y1, 1))
    return [*xs, None], [*ys, None]


def _lines(kind: str, links: list[Link], accent: bool, *, faded: bool) -> dict[str, Any]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for link in links:
        x, y = _curve(link)
        xs += x
        ys += y
    colour = COLOURS["accent"] if accent else COLOURS["flow" if kind == "FLOW" else kind]
    width = {"FLOW": 2.2, "DIRECT": 1.4, "INDIRECT": 1.1}[kind] + (0.8 if accent else 0.0)
    return {
        "type": "scatter",
        "name": ("flow" if kind == "FLOW" else kind) + (" (faded)" if faded else ""),
        "x": xs,
        "y": ys,
        "mode": "lines",
        "line": {
            "color": colour,
            "width": width,
            "dash": "dash" if kind == "INDIRECT" else "solid",
        },
        "opacity": FADED if faded else 1.0,
        "hoverinfo": "skip",
        "showlegend": kind != "FLOW" and not faded,
    }


def _edge_details(plan: Layout, lit: Emphasis | None) -> dict[str, Any]:
    links = [link for link in plan.links if link.type != "FLOW"]
    xs, ys, texts, colours = [], [], [], []
    for link in links:
        x, y = _curve(link)
        xs.append(x[CURVE_POINTS // 2])
        ys.append(y[CURVE_POINTS // 2])
        text = (
            f"<b>{escape(link.source)} → {escape(link.target)}</b><br>"
            f"{link.type}/{link.subtype} in step '{escape(link.step)}'"
        )
        texts.append(text + (f"<br>{escape(link.description)}" if link.description else ""))
        colours.append(COLOURS[link.type])
    return {
        "type": "scatter",
        "name": "edge details",
        "x": xs,
        "y": ys,
        "mode": "markers",
        "marker": {
            "size": 5,
            "color": colours,
            "opacity": [1.0 if _lit_link(link, lit) else FADED for link in links],
        },
        "hovertext": texts,
        "hoverinfo": "text",
        "showlegend": False,
    }


def _step_hover(graph: LineageGraph, step: StepNode) -> str:
    record = graph.steps.get(step.name)
    hover = f"<b>step {escape(step.name)}</b> ({step.kind})"
    if record is not None:
        hover += "".join(
            f"<br>{label}: {escape(', '.join(names))}"
            for label, names in (("reads", record.inputs), ("writes", record.outputs))
        )
        hover += f"<br>{escape(record.description)}" if record.description else ""
    return hover


def _steps(graph: LineageGraph, plan: Layout, lit: Emphasis | None) -> dict[str, Any]:
    """Hover points; the labels themselves are annotations, drawn above the lines."""
    return _labels(
        "steps",
        [s.x + s.width / 2 for s in plan.steps],
        [s.y + s.height / 2 for s in plan.steps],
        [escape(shorten(s.name, step_chars(s.width))) for s in plan.steps],
        [_step_hover(graph, s) for s in plan.steps],
        [_lit(s.node, lit) for s in plan.steps],
        position="middle center",
        size=11,
        mode="markers",
    )


def _step_labels(graph: LineageGraph, plan: Layout, lit: Emphasis | None) -> list[dict[str, Any]]:
    chosen = lit.name if lit is not None else None
    return [
        {
            "x": round(step.x + step.width / 2, 1),
            "y": round(step.y + step.height / 2, 1),
            "xref": "x",
            "yref": "y",
            "text": escape(shorten(step.name, step_chars(step.width))),
            "hovertext": _step_hover(graph, step),
            "showarrow": False,
            "font": {"size": 11, "color": COLOURS["text"]},
            "bgcolor": COLOURS["step"],
            "bordercolor": COLOURS["accent" if chosen == step.node else "step_line"],
            "borderwidth": 1,
            "borderpad": 3,
            "opacity": 1.0 if _lit(step.node, lit) else FADED,
        }
        for step in plan.steps
    ]


def _datasets(graph: LineageGraph, plan: Layout, lit: Emphasis | None) -> dict[str, Any]:
    g = graph.graph
    hovers = []
    for box in plan.boxes:
        hover = f"<b>{escape(box.name)}</b> ({len(graph.columns(box.name))} columns)"
        writers = sorted(g.nodes[s]["label"] for s in g.predecessors(box.name))
        readers = sorted(g.nodes[s]["label"] for s in g.successors(box.name))
        hover += f"<br>written by: {escape(', '.join(writers)) or '- (a source)'}"
        hover += f"<br>read by: {escape(', '.join(readers)) or '-'}"
        checks = graph.checks.get(box.name, [])
        hover += f"<br>checks: {escape(', '.join(checks))}" if checks else ""
        hovers.append(hover)
    return _labels(
        "datasets",
        [b.x + 8 for b in plan.boxes],
        [b.y + TITLE_HEIGHT / 2 for b in plan.boxes],
        [f"<b>{escape(shorten(b.name, title_chars(b.width)))}</b>" for b in plan.boxes],
        hovers,
        [_lit(b.name, lit) for b in plan.boxes],
        position="middle right",
        size=13,
    )


def _columns(graph: LineageGraph, plan: Layout, lit: Emphasis | None) -> dict[str, Any]:
    g = graph.graph
    xs, ys, texts, hovers, on = [], [], [], [], []
    for box in plan.boxes:
        for row in box.rows:
            attributes = g.nodes[row.column]
            hover = f"<b>{escape(row.column)}</b>"
            for key in ("dtype", "type", "description"):
                if attributes.get(key):
                    hover += f"<br>{key}: {escape(str(attributes[key]))}"
            hover += "<br><i>origin unknown</i>" if row.unknown else ""
            for label, edges in (
                ("from", g.in_edges(row.column, data=True)),
                ("to", g.out_edges(row.column, data=True)),
            ):
                for u, v, data in sorted(edges, key=lambda e: (e[0], e[1])):
                    other = u if label == "from" else v
                    hover += (
                        f"<br>{label} {escape(other)}: {data['subtype']}"
                        f" in step '{escape(str(data['step']))}'"
                    )
            xs.append(box.x + 10)
            ys.append(row.y)
            texts.append(
                escape(shorten(row.label, row_chars(box.width))) + (" ?" if row.unknown else "")
            )
            hovers.append(hover)
            on.append(_lit(box.name, lit) and _lit(row.column, lit))
    return _labels("columns", xs, ys, texts, hovers, on, position="middle right", size=12)


def _labels(
    name: str,
    xs: list[float],
    ys: list[float],
    texts: list[str],
    hovers: list[str],
    on: list[bool],
    *,
    position: str,
    size: int,
    mode: str = "markers+text",
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "name": name,
        "x": [round(x, 1) for x in xs],
        "y": [round(y, 1) for y in ys],
        "mode": mode,
        "text": texts,
        "textposition": position,
        "textfont": {
            "size": size,
            "color": [COLOURS["text"] if lit else "#cbd2d9" for lit in on],
        },
        "marker": {"size": 10, "color": "rgba(0,0,0,0)"},
        "hovertext": hovers,
        "hoverinfo": "text",
        "showlegend": False,
    }


def _frame(graph: LineageGraph, plan: Layout, lit: Emphasis | None) -> dict[str, Any]:
    """Axes, size, title, the dataset boxes (shapes) and the step labels (annotations)."""
    shapes = []
    for box in plan.boxes:
        on = _lit(box.name, lit)
        title = COLOURS["source" if graph.graph.in_degree(box.name) == 0 else "title"]
        stroke = COLOURS["accent"] if lit is not None and lit.name == box.name else COLOURS["box"]
        shapes.append(
            _shape(_rounded(box.x, box.y, box.width, box.height, 4), "#ffffff", stroke, on)
        )
        shapes.append(_shape(_rounded(box.x, box.y, box.width, TITLE_HEIGHT, 4), title, None, on))
        for row in box.rows:
            if lit is not None and lit.name == row.column:
                top = row.y - ROW_HEIGHT / 2
                path = _rounded(box.x + 1, top, box.width - 2, ROW_HEIGHT, 0)
                shapes.append(_shape(path, COLOURS["accent_fill"], None, True))
    kinds = [kind for _, kind in graph.graph.nodes(data="kind")]
    counts = ", ".join(
        f"{kinds.count(k)} {k}{'' if kinds.count(k) == 1 else 's'}"
        for k in ("dataset", "column", "step")
    )
    title = f"Lineage: {counts}" + (f" (highlight: {lit.name})" if lit is not None else "")
    scale = min(1.0, MAX_WIDTH / plan.width)
    return {
        "title": {"text": title, "x": 0.01, "font": {"size": 15}},
        "width": round(plan.width * scale) + 40,
        "height": max(round(plan.height * scale) + 90, 260),
        "margin": {"l": 20, "r": 20, "t": 60, "b": 20},
        "font": {"family": FONT, "size": 12, "color": COLOURS["text"]},
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "hovermode": "closest",
        "dragmode": "pan",
        "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        "xaxis": {"visible": False, "range": [0, round(plan.width, 1)]},
        "yaxis": {
            "visible": False,
            "range": [round(plan.height, 1), 0],
            "scaleanchor": "x",
            "scaleratio": 1,
        },
        "shapes": shapes,
        "annotations": _step_labels(graph, plan, lit),
    }


def _rounded(x: float, y: float, w: float, h: float, r: float) -> str:
    """An SVG path of a rectangle with rounded corners, as plotly's path shapes take it."""
    return (
        f"M {x + r:.1f},{y:.1f} H {x + w - r:.1f} Q {x + w:.1f},{y:.1f} {x + w:.1f},{y + r:.1f}"
        f" V {y + h - r:.1f} Q {x + w:.1f},{y + h:.1f} {x + w - r:.1f},{y + h:.1f}"
        f" H {x + r:.1f} Q {x:.1f},{y + h:.1f} {x:.1f},{y + h - r:.1f}"
        f" V {y + r:.1f} Q {x:.1f},{y:.1f} {x + r:.1f},{y:.1f} Z"
    )


def _shape(path: str, fill: str, line: str | None, on: bool) -> dict[str, Any]:
    return {
        "type": "path",
        "path": path,
        "fillcolor": fill,
        "line": {"color": line or fill, "width": 1 if line else 0},
        "opacity": 1.0 if on else FADED,
        "layer": "below",
    }
