"""The lineage graph: building it, asking it questions, refusing cycles."""

from __future__ import annotations

import pytest

from pipelinekit.errors import InvalidValueError, PipelinekitError, UnknownNameError
from pipelinekit.lineage.graph import LineageCycleError, LineageGraph
from pipelinekit.lineage.model import Column, Edge, StepRecord, parse_column

SALES = "country_sales"


def shop_graph() -> LineageGraph:
    """orders -> clean_orders (filter on status) -> daily_sales; customers joins in."""
    graph = LineageGraph()
    graph.add(
        StepRecord(
            "clean",
            inputs={"orders": ["order_id", "customer_id", "amount", "status"]},
            outputs={"clean_orders": ["order_id", "customer_id", "amount"]},
            edges=[
                *(
                    Edge(Column("orders", c), Column("clean_orders", c))
                    for c in ("order_id", "customer_id", "amount")
                ),
                *(
                    Edge(Column("orders", "status"), Column("clean_orders", c), "FILTER")
                    for c in ("order_id", "customer_id", "amount")
                ),
            ],
        )
    )
    graph.add(
        StepRecord(
            "by_country",
            inputs={
                "clean_orders": ["order_id", "customer_id", "amount"],
                "customers": ["customer_id", "country"],
            },
            outputs={"country_sales": ["country", "revenue"]},
            edges=[
                Edge(Column("customers", "country"), Column("country_sales", "country")),
                Edge(
                    Column("clean_orders", "amount"),
                    Column(SALES, "revenue"),
                    "AGGREGATION",
                    "sum(amount)",
                ),
                Edge(Column("customers", "country"), Column(SALES, "revenue"), "GROUP_BY"),
                Edge(
                    Column("clean_orders", "customer_id"),
                    Column(SALES, "revenue"),
                    "JOIN",
                ),
                Edge(Column("customers", "customer_id"), Column(SALES, "revenue"), "JOIN"),
            ],
        )
    )
    return graph


def test_datasets_come_in_flow_order_with_their_columns():
    graph = shop_graph()
    order = graph.datasets()
    assert order.index("orders") < order.index("clean_orders") < order.index("country_sales")
    assert graph.columns("orders") == ["order_id", "customer_id", "amount", "status"]
    assert repr(graph) == "LineageGraph(4 datasets, 11 columns, 2 steps)"


def test_downstream_of_a_column_explains_each_answer():
    answer = shop_graph().downstream("orders.amount")
    assert answer.name.tolist() == ["clean_orders.amount", "country_sales.revenue"]
    last = answer.iloc[-1]
    assert last.path == "orders.amount → clean_orders.amount → country_sales.revenue"
    assert last.how == "IDENTITY → AGGREGATION"
    assert last.steps == "clean → by_country"
    assert last.distance == 2


def test_indirect_edges_can_be_left_out():
    graph = shop_graph()
    assert "country_sales.revenue" in graph.downstream("orders.status").name.tolist()
    assert graph.downstream("orders.status", indirect=False).empty


def test_upstream_of_a_column_and_of_a_dataset():
    graph = shop_graph()
    up = graph.upstream("country_sales.revenue")
    assert set(up.name) == {
        "clean_orders.amount",
        "clean_orders.customer_id",
        "customers.country",
        "customers.customer_id",
        "orders.amount",
        "orders.customer_id",
        "orders.status",
    }
    row = up.set_index("name").loc["orders.amount"]
    assert row.path == "orders.amount → clean_orders.amount → country_sales.revenue"
    datasets = graph.upstream("country_sales")
    assert datasets.name.tolist() == ["clean_orders", "customers", "orders"]
    assert datasets.set_index("name").loc["orders", "steps"] == "clean → by_country"


def test_depth_limits_the_walk():
    graph = shop_graph()
    assert graph.upstream("country_sales", depth=1).name.tolist() == ["clean_orders", "customers"]
    assert graph.downstream("orders.amount", depth=1).name.tolist() == ["clean_orders.amount"]


def test_impact_follows_indirect_edges_to_whole_datasets_and_lists_checks():
    graph = shop_graph()
    graph.attach_check("country_sales.revenue", "revenue_not_negative")
    graph.attach_check("clean_orders", "row_count_between")
    impact = graph.impact("orders.status")
    assert impact.datasets == ["clean_orders", "country_sales"]
    assert "clean_orders.order_id" in impact.columns
    assert "country_sales.country" in impact.columns  # its rows depend on the filter
    assert impact.checks == ["row_count_between", "revenue_not_negative"]
    assert "2 datasets" in str(impact) and "<code>orders.status</code>" in impact._repr_html_()


def test_impact_of_a_dataset_lists_every_column_downstream():
    impact = shop_graph().impact("customers")
    assert impact.datasets == ["country_sales"]
    assert impact.columns == ["country_sales.country", "country_sales.revenue"]


def test_a_cycle_is_refused_and_leaves_the_graph_as_it_was():
    graph = shop_graph()
    edges_before = set(graph.graph.edges)
    loop = StepRecord.from_mapping(
        "mislabelled",
        inputs={"country_sales": ["revenue"]},
        outputs={"orders": ["amount"]},
        derived={"orders.amount": ["country_sales.revenue"]},
    )
    with pytest.raises(
        LineageCycleError,
        match=r"(?s)cycle: step:mislabelled → orders → .*Hint: a step must not",
    ):
        graph.add(loop)
    assert set(graph.graph.edges) == edges_before
    assert "mislabelled" not in graph.steps


def test_adding_a_step_again_replaces_its_edges():
    graph = shop_graph()
    graph.add(
        StepRecord.from_mapping(
            "clean",
            inputs={"orders": ["order_id"]},
            outputs={"clean_orders": ["order_id"]},
            derived={"clean_orders.order_id": ["orders.order_id"]},
            subtype="IDENTITY",
        )
    )
    assert graph.downstream("orders.status").empty
    assert graph.steps["clean"].inputs == {"orders": ["order_id"]}


def test_a_direct_edge_wins_over_an_indirect_one_between_the_same_columns():
    graph = LineageGraph()
    graph.add(
        StepRecord(
            "big",
            inputs={"orders": ["amount"]},
            outputs={"big": ["amount"]},
            edges=[
                Edge(Column("orders", "amount"), Column("big", "amount"), "FILTER"),
                Edge(Column("orders", "amount"), Column("big", "amount")),
            ],
        )
    )
    assert graph.graph.edges["orders.amount", "big.amount"]["subtype"] == "IDENTITY"


def test_neighbourhood_and_dataset_views_are_smaller_graphs():
    graph = shop_graph()
    near = graph.neighbourhood("customers.country")
    assert "country_sales.country" in near and "orders" not in near
    view = graph.dataset("clean_orders")
    assert set(view.datasets()) == {"orders", "clean_orders", "country_sales", "customers"}


def test_runs_and_unknown_columns_are_kept():
    graph = LineageGraph()
    graph.add(
        StepRecord(
            "score",
            inputs={"orders": ["amount"]},
            outputs={"scored": ["score"]},
            unknown=["scored.score"],
        )
    )
    graph.record_run(
        "score", run_id="r1", status="FAIL", started_at="t0", ended_at="t1", error="boom"
    )
    assert graph.graph.nodes["scored.score"]["unknown"] is True
    assert graph.runs[0]["status"] == "FAIL"
    assert graph.upstream("scored").name.tolist() == ["orders"]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda g: g.downstream("orders.amout"),
            UnknownNameError,
            "did you mean one of 'orders.amount'",
        ),
        (lambda g: g.upstream("order"), UnknownNameError, "did you mean .*'orders'"),
        (lambda g: g.columns("orders.amount"), UnknownNameError, "Unknown dataset"),
        (lambda g: g.attach_check("nowhere", "c"), UnknownNameError, "Unknown dataset"),
        (
            lambda g: g.record_run(
                "nope", run_id="r", status="COMPLETE", started_at="", ended_at=""
            ),
            UnknownNameError,
            "Unknown step",
        ),
        (lambda g: g.add_dataset("step:clean"), PipelinekitError, "already a step"),
    ],
)
def test_bad_names_get_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(shop_graph())


def test_step_records_refuse_edges_outside_their_schema():
    with pytest.raises(UnknownNameError, match="Unknown input column of step 's'.*'orders.amount'"):
        StepRecord(
            "s",
            inputs={"orders": ["amount"]},
            outputs={"out": ["x"]},
            edges=[Edge(Column("orders", "amuont"), Column("out", "x"))],
        )
    with pytest.raises(UnknownNameError, match="Unknown lineage subtype 'AGGREGATE'"):
        Edge(Column("a", "x"), Column("b", "x"), "AGGREGATE")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="lists 'out.y' as unknown"):
        StepRecord("s", inputs={}, outputs={"out": ["x"]}, unknown=["out.y"])
    with pytest.raises(InvalidValueError, match="has no dataset"):
        parse_column("amount")
