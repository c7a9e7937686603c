"""A lineage graph as an SVG picture: what Jupyter shows for a :class:`LineageGraph`.

The SVG is written by hand from :func:`pipelinekit.lineage.layout.layout`: plain
elements with their colours as attributes (no stylesheet that could leak into the
notebook page), fixed fonts and sizes, coordinates rounded to one decimal, no ids and
no timestamps. The same graph therefore always gives the same bytes, and a notebook's
stored output can be checked by nbval.

Hover over a name for its full text (long names are cut with an ellipsis), over a
line for how one column came from another.

Examples
--------
>>> from pipelinekit.lineage.graph import LineageGraph
>>> from pipelinekit.lineage.model import StepRecord
>>> graph = LineageGraph()
>>> graph.add(StepRecord.from_mapping(
...     "totals", inputs={"orders": ["id", "amount"]}, outputs={"totals": ["revenue"]},
...     derived={"totals.revenue": ["orders.amount"]}, subtype="AGGREGATION"))
>>> picture = draw_svg(graph)
>>> picture
SvgDrawing(2 datasets, 1 step, 1 column edge)
>>> print(picture.text[:80])
<svg xmlns="http://www.w3.org/2000/svg" width="526" height="138" viewBox="0 0 52
>>> draw_svg(graph).text == picture.text
True
"""

from __future__ import annotations

import dataclasses
import math
import os
from html import escape
from typing import TYPE_CHECKING

from pipelinekit.errors import OutputError
from pipelinekit.lineage.layout import (
    ROW_CHAR,
    ROW_HEIGHT,
    TITLE_HEIGHT,
    Box,
    Emphasis,
    Layout,
    Link,
    Row,
    StepNode,
    emphasis,
    layout,
    row_chars,
    shorten,
    step_chars,
    title_chars,
)

if TYPE_CHECKING:
    from pipelinekit.lineage.graph import LineageGraph

__all__ = ["COLOURS", "MAX_INLINE_COLUMNS", "SvgDrawing", "draw_svg", "inline_svg"]

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
#: Above this many columns, the picture Jupyter shows by itself leaves the columns out.
MAX_INLINE_COLUMNS = 300
FADED = "0.18"
LEGEND_WIDTH = 262.0
COLOURS = {
    "text": "#1f2933",
    "muted": "#616e7c",
    "box": "#7b93b0",
    "title": "#dce7f3",
    "source": "#e3eedc",  # title of a dataset no step wrote
    "rule": "#e4e9ef",
    "step": "#fff1d6",
    "step_line": "#d29a3a",
    "flow": "#b8c2cc",
    "DIRECT": "#3a6ea5",
    "INDIRECT": "#9aa5b1",
    "accent": "#d9480f",
    "accent_fill": "#ffe3d1",
    "unknown": "#c2410c",
}


@dataclasses.dataclass(frozen=True)
class SvgDrawing:
    """An SVG picture: shows itself in Jupyter, ``.text`` is the SVG, ``.save`` writes it."""

    text: str
    summary: str

    def _repr_svg_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"SvgDrawing({self.summary})"

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the SVG to ``path`` (UTF-8), to open in a browser or put in a report."""
        try:
            with open(path, "w", encoding="utf-8") as file:
                file.write(self.text)
        except OSError as error:
            raise OutputError(
                f"Cannot write the lineage picture to '{os.fspath(path)}' ({error.strerror})",
                "a path in a folder that exists and can be written",
                "create the folder first, or save to the notebook's folder",
            ) from error


def draw_svg(
    graph: LineageGraph, *, columns: bool = True, highlight: str | None = None
) -> SvgDrawing:
    """Draw ``graph``: datasets with their columns, the steps between, column lineage.

    Parameters
    ----------
    graph : LineageGraph
        What to draw; narrow it first with ``graph.neighbourhood(name)`` or
        ``graph.dataset(name)`` when it is large.
    columns : bool
        Draw each dataset's columns and the column-to-column lineage (DIRECT solid,
        INDIRECT dashed); ``False`` draws datasets and steps only.
    highlight : str, optional
        A dataset or ``"dataset.column"``: it and everything upstream and downstream
        of it stay bright, the rest fades.
    """
    lit = emphasis(graph, highlight)
    plan = layout(graph, columns=columns)
    edges = sum(link.type != "FLOW" for link in plan.links)
    summary = (
        f"{len(plan.boxes)} dataset{_s(len(plan.boxes))}, {len(plan.steps)} step"
        f"{_s(len(plan.steps))}, {edges} column edge{_s(edges)}"
    )
    return SvgDrawing(_render(graph, plan, lit), summary)


def inline_svg(graph: LineageGraph) -> str:
    """The SVG Jupyter shows for ``graph``: with its columns, unless there are very many.

    Past :data:`MAX_INLINE_COLUMNS` columns the picture would be too large to read and
    to store in a notebook, so it shows datasets and steps only; ``graph.svg()`` still
    draws every column, and ``graph.neighbourhood(name)`` narrows the graph first.
    """
    count = sum(kind == "column" for _, kind in graph.graph.nodes(data="kind"))
    return draw_svg(graph, columns=count <= MAX_INLINE_COLUMNS).text


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _f(value: float) -> str:
    """A coordinate with at most one decimal, the same way every time."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _attrs(**attributes: str | float) -> str:
    parts = []
    for key, value in attributes.items():
        text = _f(value) if isinstance(value, float) else escape(str(value))
        parts.append(f'{key.rstrip("_").replace("_", "-")}="{text}"')
    return " ".join(parts)


def _render(graph: LineageGraph, plan: Layout, lit: Emphasis | None) -> str:
    kinds = [kind for _, kind in graph.graph.nodes(data="kind")]
    counts = " · ".join(
        f"{kinds.count(kind)} {kind}{_s(kinds.count(kind))}"
        for kind in ("dataset", "column", "step")
    )
    if lit is not None:
        counts += f" · highlight: {shorten(lit.name, 40)}"
    legend = LEGEND_WIDTH if plan.columns else 0.0
    width = float(math.ceil(max(plan.width, 20 + len(counts) * ROW_CHAR + 30 + legend)))
    height = max(plan.height, 70.0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(width)}" height="{_f(height)}" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" font-family="{FONT}" font-size="12">',
        f"<rect {_attrs(width=width, height=height, fill='#ffffff')}/>",
        f"<text {_attrs(x=20.0, y=22.0, fill=COLOURS['muted'])}>{escape(counts)}</text>",
        _legend(width, plan.columns),
    ]
    if not plan.boxes and not plan.steps:
        out.append(f"<text {_attrs(x=20.0, y=50.0)}>An empty lineage graph.</text>")
    out.append('<g class="flow">')
    out += [_link(link, lit) for link in plan.links if link.type == "FLOW"]
    out.append('</g>\n<g class="edges">')
    out += [_link(link, lit) for link in plan.links if link.type != "FLOW"]
    out.append('</g>\n<g class="steps">')
    out += [_step(graph, step, lit) for step in plan.steps]
    out.append('</g>\n<g class="datasets">')
    out += [_box(graph, box, lit) for box in plan.boxes]
    out.append("</g>\n</svg>\n")
    return "\n".join(out)


def _legend(width: float, columns: bool) -> str:
    if not columns:
        return ""
    x = width - LEGEND_WIDTH
    parts = ['<g class="legend">']
    for i, (kind, dash) in enumerate((("DIRECT", ""), ("INDIRECT", "4 3"))):
        left = x + i * 90
        dashes = {"stroke_dasharray": dash} if dash else {}
        line = _attrs(
            x1=left,
            y1=18.0,
            x2=left + 22,
            y2=18.0,
            stroke=COLOURS[kind],
            stroke_width=1.6,
            **dashes,
        )
        parts.append(f"<line {line}/>")
        parts.append(f"<text {_attrs(x=left + 27, y=22.0, fill=COLOURS['muted'])}>{kind}</text>")
    parts.append(
        f"<text {_attrs(x=x + 190, y=22.0, fill=COLOURS['unknown'], font_weight='bold')}>?</text>"
        f"<text {_attrs(x=x + 200, y=22.0, fill=COLOURS['muted'])}>unknown</text>"
    )
    parts.append("</g>")
    return "".join(parts)


def _link(link: Link, lit: Emphasis | None) -> str:
    (x0, y0), (x1, y1) = link.start, link.end
    bend = max((x1 - x0) / 2, 16.0)
    d = (
        f"M{_f(x0)} {_f(y0)}C{_f(x0 + bend)} {_f(y0)} "
        f"{_f(x1 - bend)} {_f(y1)} {_f(x1 - 5)} {_f(y1)}"
    )
    on = lit is not None and (link.source, link.target) in lit.links
    colour = COLOURS["accent"] if on else COLOURS["flow" if link.type == "FLOW" else link.type]
    width = {"FLOW": 2.2, "DIRECT": 1.4, "INDIRECT": 1.1}[link.type] + (0.8 if on else 0.0)
    style: dict[str, str | float] = {"stroke_width": width}
    if link.type == "INDIRECT":
        style["stroke_dasharray"] = "4 3"
    opacity = FADED if lit is not None and not on else "1"
    head = f"M{_f(x1 - 6)} {_f(y1 - 3.5)}L{_f(x1)} {_f(y1)}L{_f(x1 - 6)} {_f(y1 + 3.5)}Z"
    if link.type == "FLOW":
        tip = f"{link.source} → {link.target}".replace("step:", "step ")
    else:
        tip = f"{link.source} → {link.target}\n{link.type}/{link.subtype} in step '{link.step}'"
        tip += f": {link.description}" if link.description else ""
    return (
        f'<g class="edge {link.type.lower()}" opacity="{opacity}"><title>{escape(tip)}</title>'
        f"<path {_attrs(d=d, fill='none', stroke=colour, **style)}/>"
        f"<path {_attrs(d=head, fill=colour)}/></g>"
    )


def _step(graph: LineageGraph, step: StepNode, lit: Emphasis | None) -> str:
    record = graph.steps.get(step.name)
    tip = f"step {step.name} ({step.kind})"
    if record is not None and record.description:
        tip += f"\n{record.description}"
    on = lit is None or step.node in lit.nodes
    stroke = (
        COLOURS["accent"] if lit is not None and lit.name == step.node else COLOURS["step_line"]
    )
    rect = _attrs(
        x=step.x, y=step.y, width=step.width, height=step.height, rx=11.0,
        fill=COLOURS["step"], stroke=stroke, stroke_width=1.2,
    )  # fmt: skip
    label = _attrs(
        x=step.x + step.width / 2, y=step.y + 15, text_anchor="middle", font_size="11",
        fill=COLOURS["text"],
    )  # fmt: skip
    return (
        f'<g class="step" data-name="{escape(step.name)}" opacity="{"1" if on else FADED}">'
        f"<title>{escape(tip)}</title><rect {rect}/>"
        f"<text {label}>{escape(shorten(step.name, step_chars(step.width)))}</text></g>"
    )


def _box(graph: LineageGraph, box: Box, lit: Emphasis | None) -> str:
    on = lit is None or box.name in lit.nodes
    chosen = lit is not None and lit.name == box.name
    is_source = graph.graph.in_degree(box.name) == 0
    x, y, w, h = box.x, box.y, box.width, box.height
    title_fill = COLOURS["source" if is_source else "title"]
    stroke = COLOURS["accent"] if chosen else COLOURS["box"]
    parts = [
        f'<g class="dataset" data-name="{escape(box.name)}" opacity="{"1" if on else FADED}">',
        f"<rect {_attrs(x=x, y=y, width=w, height=h, rx=4.0, fill='#ffffff', stroke='none')}/>",
    ]
    if box.rows:
        r = 4.0
        title = (
            f"M{_f(x)} {_f(y + TITLE_HEIGHT)}V{_f(y + r)}Q{_f(x)} {_f(y)} {_f(x + r)} {_f(y)}"
            f"H{_f(x + w - r)}Q{_f(x + w)} {_f(y)} {_f(x + w)} {_f(y + r)}"
            f"V{_f(y + TITLE_HEIGHT)}Z"
        )
        parts.append(f"<path {_attrs(d=title, fill=title_fill)}/>")
    else:
        parts.append(f"<rect {_attrs(x=x, y=y, width=w, height=h, rx=4.0, fill=title_fill)}/>")
    name = escape(shorten(box.name, title_chars(w)))
    text = _attrs(x=x + 8, y=y + 17.5, font_size="13", font_weight="bold", fill=COLOURS["text"])
    parts.append(f"<g><title>{escape(box.name)}</title><text {text}>{name}</text></g>")
    for i, row in enumerate(box.rows):
        parts.append(_row(box, row, i, lit if on else None))
    parts.append(
        f"<rect {_attrs(x=x, y=y, width=w, height=h, rx=4.0, fill='none', stroke=stroke)}"
        f' stroke-width="{"2" if chosen else "1"}"/></g>'
    )
    return "".join(parts)


def _row(box: Box, row: Row, index: int, lit: Emphasis | None) -> str:
    x, w = box.x, box.width
    top = row.y - ROW_HEIGHT / 2
    parts = [f'<g class="column" data-name="{escape(row.column)}"', ""]
    if lit is not None and row.column not in lit.nodes:
        parts[1] = ' opacity="0.35"'
    parts.append(
        f"><title>{escape(row.column)}{' (origin unknown)' if row.unknown else ''}</title>"
    )
    if lit is not None and lit.name == row.column:
        band = _attrs(x=x + 1, y=top, width=w - 2, height=ROW_HEIGHT, fill=COLOURS["accent_fill"])
        parts.append(f"<rect {band}/>")
    elif index:
        line = _attrs(x1=x + 6, y1=top, x2=x + w - 6, y2=top, stroke=COLOURS["rule"])
        parts.append(f"<line {line}/>")
    label = escape(shorten(row.label, row_chars(w)))
    parts.append(f"<text {_attrs(x=x + 10, y=row.y + 4.2, fill=COLOURS['text'])}>{label}</text>")
    if row.unknown:
        mark = _attrs(x=x + w - 16, y=row.y + 4.2, fill=COLOURS["unknown"], font_weight="bold")
        parts.append(f"<text {mark}>?</text>")
    parts.append("</g>")
    return "".join(parts)
