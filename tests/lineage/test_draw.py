"""Drawing a lineage graph: the SVG picture, the plotly view and the layout under both."""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET

import pytest

from pipelinekit.errors import OutputError, UnknownNameError
from pipelinekit.lineage import svg as svg_module
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.layout import layout
from pipelinekit.lineage.model import Column, Edge, StepRecord
from pipelinekit.lineage.plot import draw_plot
from pipelinekit.lineage.svg import FADED, draw_svg

SVG = "{http://www.w3.org/2000/svg}"
LONG = "customer_lifetime_value_by_country_and_signup_month"
RAW_ORDERS = ["order_id", "customer_id", "amount", "status", "currency"]
ORDERS = ["order_id", "customer_id", "amount", "currency"]
EUR = ["order_id", "customer_id", "amount_eur"]
CUSTOMERS = ["customer_id", "country", "profit & <loss>"]


def identity(source: str, target: str, names: list[str]) -> list[Edge]:
    return [Edge(Column(source, c), Column(target, c)) for c in names]


def shop_steps() -> list[StepRecord]:
    """Clean, convert to EUR, summarise per day and per country; one column unknown."""
    return [
        StepRecord(
            "clean_orders",
            inputs={"raw.orders": RAW_ORDERS},
            outputs={"orders": ORDERS},
            edges=identity("raw.orders", "orders", ORDERS)
            + [Edge(Column("raw.orders", "status"), Column("orders", c), "FILTER") for c in ORDERS],
            kind="sql",
        ),
        StepRecord(
            "to_eur",
            inputs={"orders": ORDERS, "fx": ["currency", "rate"]},
            outputs={"orders_eur": EUR},
            edges=identity("orders", "orders_eur", ["order_id", "customer_id"])
            + [
                Edge(
                    Column("orders", "amount"), Column("orders_eur", "amount_eur"), "TRANSFORMATION"
                ),
                Edge(Column("fx", "rate"), Column("orders_eur", "amount_eur"), "TRANSFORMATION"),
                Edge(Column("orders", "currency"), Column("orders_eur", "amount_eur"), "JOIN"),
                Edge(Column("fx", "currency"), Column("orders_eur", "amount_eur"), "JOIN"),
            ],
            kind="transform",
        ),
        StepRecord(
            "daily",
            inputs={"orders_eur": EUR},
            outputs={"daily_sales": ["revenue", "orders"]},
            edges=[
                Edge(
                    Column("orders_eur", "amount_eur"),
                    Column("daily_sales", "revenue"),
                    "AGGREGATION",
                ),
                Edge(
                    Column("orders_eur", "order_id"), Column("daily_sales", "orders"), "AGGREGATION"
                ),
            ],
        ),
        StepRecord(
            "customer_value",
            inputs={"orders_eur": EUR, "customers": CUSTOMERS},
            outputs={LONG: ["country", "lifetime_value", "score"]},
            edges=[
                Edge(Column("customers", "country"), Column(LONG, "country")),
                Edge(
                    Column("orders_eur", "amount_eur"),
                    Column(LONG, "lifetime_value"),
                    "AGGREGATION",
                    "sum(amount_eur)",
                ),
                Edge(Column("customers", "country"), Column(LONG, "lifetime_value"), "GROUP_BY"),
            ],
            unknown=[f"{LONG}.score"],
            kind="pandas",
            description="lifetime value per country",
        ),
    ]


def shop_graph(order: tuple[int, ...] = (0, 1, 2, 3)) -> LineageGraph:
    graph = LineageGraph()
    steps = shop_steps()
    for i in order:
        graph.add(steps[i])
    return graph


@pytest.fixture
def shop() -> LineageGraph:
    return shop_graph()


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == cls]


def rect_of(group: ET.Element) -> tuple[float, float, float, float]:
    rect = group.find(f"{SVG}rect")
    assert rect is not None
    return tuple(float(rect.get(k, "0")) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


# ---------------------------------------------------------------------------- determinism
def test_the_same_graph_gives_the_same_bytes(shop: LineageGraph) -> None:
    assert draw_svg(shop).text == draw_svg(shop).text
    assert shop.svg(highlight="orders.amount").text == shop.svg(highlight="orders.amount").text
    assert shop._repr_svg_() == shop.svg().text


@pytest.mark.parametrize("order", [(3, 2, 1, 0), (1, 3, 0, 2), (2, 0, 3, 1)])
def test_the_order_steps_were_added_in_does_not_change_the_picture(order) -> None:
    assert shop_graph(order).svg().text == shop_graph().svg().text
    assert shop_graph(order).svg(columns=False).text == shop_graph().svg(columns=False).text
    assert shop_graph(order).plot().to_json() == shop_graph().plot().to_json()


def test_coordinates_have_at_most_one_decimal(shop: LineageGraph) -> None:
    text = re.sub(r'opacity="[^"]*"', "", shop.svg(highlight="customers").text)
    numbers = re.findall(r"-?\d+\.\d+", text)
    assert numbers
    assert all(len(n.split(".")[1]) == 1 for n in numbers)


# ---------------------------------------------------------------------------- structure
def test_every_dataset_column_and_step_appears(shop: LineageGraph) -> None:
    root = parse(shop.svg().text)
    datasets = {g.get("data-name") for g in groups(root, "dataset")}
    assert datasets == set(shop.datasets())
    columns = {g.get("data-name") for g in groups(root, "column")}
    assert columns == {f"{d}.{c}" for d in shop.datasets() for c in shop.columns(d)}
    assert {g.get("data-name") for g in groups(root, "step")} == set(shop.steps)


def test_columns_are_listed_inside_their_dataset_in_order(shop: LineageGraph) -> None:
    root = parse(shop.svg().text)
    for box in groups(root, "dataset"):
        x, y, w, h = rect_of(box)
        rows = [g for g in box.iter(f"{SVG}g") if g.get("class") == "column"]
        labels = [g.get("data-name", "").rpartition(".")[2] for g in rows]
        assert labels == shop.columns(box.get("data-name", ""))
        ys = [float(text.get("y", "nan")) for g in rows for text in g.iter(f"{SVG}text")]
        assert ys == sorted(ys)
        assert all(y < row_y < y + h for row_y in ys)


def test_one_line_per_column_edge_indirect_dashed(shop: LineageGraph) -> None:
    root = parse(shop.svg().text)
    direct, indirect = groups(root, "edge direct"), groups(root, "edge indirect")
    edges = list(shop.column_edges())
    assert len(direct) + len(indirect) == len(edges) == 19
    assert len(indirect) == sum(data["type"] == "INDIRECT" for _, _, data in edges)
    for group, dashed in [*((g, False) for g in direct), *((g, True) for g in indirect)]:
        line = group.find(f"{SVG}path")
        assert line is not None
        assert (line.get("stroke-dasharray") is not None) is dashed


def test_datasets_only_draws_datasets_and_steps(shop: LineageGraph) -> None:
    root = parse(shop.svg(columns=False).text)
    assert not groups(root, "column")
    assert not groups(root, "edge direct") and not groups(root, "edge indirect")
    reads_writes = [e for e in shop.graph.edges(data="kind") if e[2] in ("reads", "writes")]
    assert len(groups(root, "edge flow")) == len(reads_writes) == 10
    assert len(groups(root, "dataset")) == 7


def test_unknown_columns_are_marked(shop: LineageGraph) -> None:
    root = parse(shop.svg().text)
    (score,) = [g for g in groups(root, "column") if g.get("data-name") == f"{LONG}.score"]
    assert [t.text for t in score.iter(f"{SVG}text")] == ["score", "?"]
    others = [g for g in groups(root, "column") if g is not score]
    assert all("?" not in [t.text for t in g.iter(f"{SVG}text")] for g in others)


def test_long_names_are_cut_with_the_full_name_on_hover(shop: LineageGraph) -> None:
    text = shop.svg().text
    assert LONG not in re.findall(r">([^<>]*)</text>", text)
    assert re.search(r">customer_lifetime_value_[a-z_]*…</text>", text)
    assert f"<title>{LONG}</title>" in text


def test_names_are_escaped(shop: LineageGraph) -> None:
    text = shop.svg().text
    assert "profit &amp; &lt;loss&gt;" in text
    parse(text)  # well-formed XML


def test_save_writes_the_svg(shop: LineageGraph, tmp_path) -> None:
    picture = shop.svg()
    picture.save(tmp_path / "lineage.svg")
    assert (tmp_path / "lineage.svg").read_text(encoding="utf-8") == picture.text
    assert repr(picture) == "SvgDrawing(7 datasets, 4 steps, 19 column edges)"


def test_save_to_a_missing_folder_says_so(shop: LineageGraph, tmp_path) -> None:
    with pytest.raises(OutputError, match=r"(?s)Cannot write the lineage picture .*Hint: create"):
        shop.svg().save(tmp_path / "missing" / "lineage.svg")


def test_an_empty_graph_draws_a_note() -> None:
    text = LineageGraph().svg().text
    assert "An empty lineage graph." in text
    parse(text)


# ---------------------------------------------------------------------------- layout
def test_sources_are_left_of_the_steps_and_outputs(shop: LineageGraph) -> None:
    root = parse(shop.svg().text)
    boxes = {g.get("data-name"): rect_of(g) for g in groups(root, "dataset")}
    steps = {g.get("data-name"): rect_of(g) for g in groups(root, "step")}
    for name, step in shop.steps.items():
        sx, _, sw, _ = steps[name]
        for dataset in step.inputs:
            x, _, w, _ = boxes[dataset]
            assert x + w < sx
        for dataset in step.outputs:
            assert sx + sw < boxes[dataset][0]


def test_edges_run_from_the_source_row_to_the_target_row(shop: LineageGraph) -> None:
    plan = layout(shop)
    rows = {row.column: (box, row) for box in plan.boxes for row in box.rows}
    for link in plan.links:
        if link.type == "FLOW":
            continue
        (source_box, source_row), (target_box, target_row) = rows[link.source], rows[link.target]
        assert link.start == (source_box.x + source_box.width, source_row.y)
        assert link.end == (target_box.x, target_row.y)


def chain_graph(width: int = 7) -> LineageGraph:
    """Two sources, cleaned, joined, summarised: 6 datasets x 7 columns + 5 steps + 7."""
    graph = LineageGraph()
    names = [f"col_{i}" for i in range(width)]
    for source in ("a", "b"):
        graph.add(
            StepRecord(
                f"clean_{source}",
                inputs={f"raw_{source}": names},
                outputs={f"stg_{source}": names},
                edges=identity(f"raw_{source}", f"stg_{source}", names),
            )
        )
    graph.add(
        StepRecord(
            "join",
            inputs={"stg_a": names, "stg_b": names},
            outputs={"joined": names},
            edges=identity("stg_a", "joined", names)
            + [Edge(Column("stg_b", "col_0"), Column("joined", c), "JOIN") for c in names],
        )
    )
    graph.add(
        StepRecord.from_mapping(
            "summary",
            inputs={"joined": names},
            outputs={"summary": names},
            derived={f"summary.{c}": [f"joined.{c}"] for c in names},
            subtype="AGGREGATION",
        )
    )
    graph.add(
        StepRecord.from_mapping(
            "extra",
            inputs={"stg_b": names},
            outputs={"extra": names},
            derived={f"extra.{c}": [f"stg_b.{c}"] for c in names},
        )
    )
    return graph


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def test_a_60_node_graph_has_a_sane_size_and_no_overlaps() -> None:
    graph = chain_graph()
    assert 55 <= len(graph) <= 65
    root = parse(graph.svg().text)
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert 600 < width < 2000 and 300 < height < 1500
    shapes = [rect_of(g) for g in groups(root, "dataset") + groups(root, "step")]
    assert len(shapes) == 12
    for a, b in itertools.combinations(shapes, 2):
        assert not overlap(a, b)
    for x, y, w, h in shapes:
        assert 0 <= x <= width - w
        assert 0 <= y <= height - h


# ---------------------------------------------------------------------------- highlight
def opacity(root: ET.Element, cls: str, name: str) -> str | None:
    (group,) = [g for g in groups(root, cls) if g.get("data-name") == name]
    return group.get("opacity")


def test_highlight_a_column_fades_what_is_unrelated(shop: LineageGraph) -> None:
    root = parse(shop.svg(highlight="orders_eur.amount_eur").text)
    for dataset in ("raw.orders", "orders", "fx", "orders_eur", "daily_sales", LONG):
        assert opacity(root, "dataset", dataset) == "1"
    assert opacity(root, "dataset", "customers") == FADED
    assert opacity(root, "step", "to_eur") == "1"
    lit_rows = {g.get("data-name") for g in groups(root, "column") if g.get("opacity") is None}
    assert "orders.amount" in lit_rows and "daily_sales.revenue" in lit_rows
    assert "daily_sales.orders" not in lit_rows  # from order_id, not from amount_eur
    edges = groups(root, "edge direct") + groups(root, "edge indirect")
    lit = [g for g in edges if g.get("opacity") == "1"]
    assert 0 < len(lit) < len(edges)
    assert all(g.get("opacity") == FADED for g in edges if g not in lit)


def test_highlight_a_dataset_lights_its_upstream_and_downstream(shop: LineageGraph) -> None:
    root = parse(shop.svg(highlight="orders_eur", columns=False).text)
    assert opacity(root, "dataset", "raw.orders") == "1"
    assert opacity(root, "dataset", "daily_sales") == "1"
    assert opacity(root, "dataset", "customers") == FADED
    assert opacity(root, "step", "customer_value") == "1"


@pytest.mark.parametrize("draw", ["svg", "plot"])
def test_highlight_of_an_unknown_name_says_what_exists(shop: LineageGraph, draw: str) -> None:
    with pytest.raises(UnknownNameError, match=r"Unknown dataset.* 'ordrs'"):
        getattr(shop, draw)(highlight="ordrs")
    with pytest.raises(
        UnknownNameError,
        match=r"Unknown column 'orders.amout'.*\n\nHint: did you mean .*'orders.amount'",
    ):
        getattr(shop, draw)(highlight="orders.amout")


# ---------------------------------------------------------------------------- narrowing
def test_a_neighbourhood_draws_only_what_is_near(shop: LineageGraph) -> None:
    root = parse(shop.dataset("raw.orders").svg().text)
    drawn = {g.get("data-name") for g in groups(root, "dataset")}
    assert {"raw.orders", "orders"} <= drawn
    assert not drawn & {"customers", "daily_sales", LONG}
    near = parse(shop.neighbourhood("daily_sales.revenue").svg().text)
    assert "raw.orders" not in {g.get("data-name") for g in groups(near, "dataset")}


# ---------------------------------------------------------------------------- plotly
def test_the_plot_has_the_expected_traces(shop: LineageGraph) -> None:
    figure = shop.plot()
    traces = {trace.name: trace for trace in figure.data}
    assert list(traces) == [
        "flow", "DIRECT", "INDIRECT", "edge details", "steps", "datasets", "columns"
    ]  # fmt: skip
    assert len(traces["edge details"].x) == len(list(shop.column_edges()))
    assert list(traces["steps"].text) == sorted(shop.steps)
    assert len(traces["columns"].text) == sum(len(shop.columns(d)) for d in shop.datasets())
    assert traces["INDIRECT"].line.dash == "dash" and traces["DIRECT"].line.dash == "solid"
    assert figure.layout.title.text == "Lineage: 7 datasets, 22 columns, 4 steps"
    assert "score ?" in traces["columns"].text


def test_the_plot_without_columns_has_no_column_labels(shop: LineageGraph) -> None:
    traces = {trace.name: trace for trace in draw_plot(shop, columns=False).data}
    assert len(traces["columns"].text) == 0 and len(traces["edge details"].x) == 0
    assert len(traces["datasets"].text) == 7


def test_the_plot_hover_tells_subtypes_and_descriptions(shop: LineageGraph) -> None:
    traces = {trace.name: trace for trace in shop.plot().data}
    details = " ".join(traces["edge details"].hovertext)
    assert "DIRECT/AGGREGATION in step 'customer_value'<br>sum(amount_eur)" in details
    columns = " ".join(traces["columns"].hovertext)
    assert "from orders.amount: TRANSFORMATION in step 'to_eur'" in columns
    assert "origin unknown" in columns
    assert "lifetime value per country" in " ".join(traces["steps"].hovertext)


def test_the_plot_is_plain_data(shop: LineageGraph) -> None:
    text = shop.plot(highlight="customers").to_json()
    assert text == shop.plot(highlight="customers").to_json()
    assert '"uid"' not in text
    json.loads(text)


def test_the_plot_highlight_fades_unrelated_traces(shop: LineageGraph) -> None:
    figure = shop.plot(highlight="orders_eur.amount_eur")
    traces = {trace.name: trace for trace in figure.data}
    assert traces["DIRECT (faded)"].opacity < 1 == traces["DIRECT"].opacity
    assert "(highlight: orders_eur.amount_eur)" in figure.layout.title.text
    colours = dict(zip(traces["datasets"].text, traces["datasets"].textfont.color, strict=True))
    assert colours["<b>customers</b>"] != colours["<b>orders</b>"]


def test_jupyter_leaves_the_columns_out_of_a_huge_graph(monkeypatch) -> None:
    graph = chain_graph()
    assert graph._repr_svg_() == graph.svg().text
    monkeypatch.setattr(svg_module, "MAX_INLINE_COLUMNS", 10)
    assert graph._repr_svg_() == graph.svg(columns=False).text
