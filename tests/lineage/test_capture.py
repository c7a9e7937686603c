"""Tracked blocks and functions: naming, runs, patches, nesting and the pk.sql interface."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.datasets.dataset import Dataset
from pipelinekit.errors import PipelinekitError
from pipelinekit.lineage import pandas_hooks
from pipelinekit.lineage.capture import (
    Tracker,
    active,
    default_graph,
    records_lineage,
    track,
    tracked,
)
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import Column, Edge, StepRecord
from pipelinekit.lineage.sql_lineage import sql_lineage

ORIGINALS = {
    (pd.DataFrame, "__getitem__"): pd.DataFrame.__getitem__,
    (pd.DataFrame, "__setitem__"): pd.DataFrame.__setitem__,
    (pd.Series, "__mul__"): pd.Series.__mul__,
    (pd.DataFrame, "merge"): pd.DataFrame.merge,
    (pd, "merge"): pd.merge,
    (pd, "concat"): pd.concat,
}


def orders_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"order_id": [1, 2, 3], "customer_id": [1, 1, 2], "amount": [10.0, -1.0, 5.0]}
    )


def edges(step: StepRecord | None, target: str) -> set[tuple[str, str]]:
    assert step is not None
    return {(e.source.id, e.subtype) for e in step.edges if e.target.id == target}


def assert_pandas_unpatched() -> None:
    for (owner, name), original in ORIGINALS.items():
        assert getattr(owner, name) is original, name
    assert not pandas_hooks.installed()
    assert active() is None


# ---------------------------------------------------------------------------- naming
def test_inputs_and_outputs_are_named_after_variables() -> None:
    graph = LineageGraph()
    orders, customers = orders_frame(), pd.DataFrame({"customer_id": [1, 2], "city": ["a", "b"]})
    with track(graph, name="enrich") as tracker:
        enriched = orders.merge(customers, on="customer_id")
    assert isinstance(enriched, pd.DataFrame)
    assert tracker.step is not None
    assert set(tracker.step.inputs) == {"orders", "customers"}
    assert list(tracker.step.outputs) == ["enriched"]
    assert graph.upstream("enriched").name.tolist() == ["customers", "orders"]


def test_rebinding_an_input_makes_a_new_version_not_a_cycle() -> None:
    graph = LineageGraph()
    orders = orders_frame()
    with track(graph, name="clean"):
        orders = orders[orders.amount > 0]
    with track(graph, name="cleaner"):
        orders = orders[orders.customer_id == 1]
    assert graph.datasets() == ["orders", "orders@2", "orders@3"]
    assert graph.upstream("orders@3.amount", indirect=False).path.tolist() == [
        "orders@2.amount → orders@3.amount",
        "orders.amount → orders@2.amount → orders@3.amount",
    ]


def test_changing_an_input_in_place_makes_a_new_version() -> None:
    graph = LineageGraph()
    orders = orders_frame()
    with track(graph) as tracker:
        orders["net"] = orders.amount * 0.8
    assert tracker.step is not None
    assert list(tracker.step.outputs) == ["orders@2"]
    assert edges(tracker.step, "orders@2.net") == {("orders.amount", "TRANSFORMATION")}


def test_an_output_keeps_its_name_in_later_blocks() -> None:
    graph = LineageGraph()
    orders = orders_frame()
    with track(graph, name="clean"):
        paid = orders[orders.amount > 0]
    alias = paid
    with track(graph, name="spend") as tracker:
        spend = alias.groupby("customer_id", as_index=False).amount.sum()
    assert isinstance(spend, pd.DataFrame)
    assert tracker.step is not None
    assert list(tracker.step.inputs) == ["paid"]
    answer = graph.upstream("spend.amount", indirect=False)
    assert answer[["name", "how"]].values.tolist() == [
        ["paid.amount", "AGGREGATION"],
        ["orders.amount", "IDENTITY → AGGREGATION"],
    ]


def test_dataset_tables_are_named_after_the_table() -> None:
    graph = LineageGraph()
    shop = Dataset("demo", {"orders": orders_frame()}, scale=3, seed=0)
    with track(graph) as tracker:
        big = shop.orders[shop.orders.amount > 1]
    assert len(big) == 2
    assert tracker.step is not None
    assert edges(tracker.step, "big.order_id") == {
        ("orders.order_id", "IDENTITY"),
        ("orders.amount", "FILTER"),
    }


def test_a_dataset_table_clashing_with_a_variable_gets_the_dataset_prefix() -> None:
    graph = LineageGraph()
    orders = orders_frame()
    shop = Dataset("demo", {"orders": orders_frame()}, scale=3, seed=0)
    with track(graph) as tracker:
        both = pd.concat([orders, shop.orders])
    assert len(both) == 6
    assert tracker.step is not None
    assert set(tracker.step.inputs) == {"orders", "shop.orders"}


def test_blocks_are_named_cell_n_by_default() -> None:
    graph = LineageGraph()
    orders = orders_frame()
    for _ in range(2):
        with track(graph):
            small = orders[["amount"]]
    assert len(small) == 3
    assert list(graph.steps) == ["cell_1", "cell_2"]


def test_the_default_graph_is_used_without_one() -> None:
    orders = orders_frame()
    with track(name="test_capture_default") as tracker:
        only_ids = orders[["order_id"]]
    assert len(only_ids) == 3
    assert tracker.graph is default_graph()
    assert "test_capture_default" in default_graph().steps


# ---------------------------------------------------------------------------- runs
def test_a_run_is_recorded() -> None:
    graph = LineageGraph()
    orders = orders_frame()
    with track(graph, name="ids") as tracker:
        ids = orders[["order_id"]]
    assert len(ids) == 3
    (run,) = graph.runs
    assert run["run_id"] == tracker.run_id
    assert run["step"] == "ids"
    assert run["status"] == "COMPLETE"
    assert run["error"] is None
    assert str(run["started_at"]).endswith("+00:00")


def test_a_failing_block_records_a_failed_run_and_what_it_saw() -> None:
    graph = LineageGraph()
    orders = orders_frame()
    with pytest.raises(KeyError, match="amout"), track(graph, name="broken"):
        paid = orders[orders.amount > 0]
        orders["amout"].sum()
    assert len(paid) == 2
    assert graph.runs[-1]["status"] == "FAIL"
    assert "KeyError" in str(graph.runs[-1]["error"])
    assert "paid.amount" in graph
    assert_pandas_unpatched()


def test_a_failing_function_records_a_failed_run() -> None:
    graph = LineageGraph()

    @tracked(graph=graph)
    def broken(orders: pd.DataFrame) -> pd.DataFrame:
        return orders["amout"]

    with pytest.raises(KeyError, match="amout"):
        broken(orders_frame())
    assert [run["status"] for run in graph.runs] == ["FAIL"]
    assert graph.steps["broken"].outputs == {}
    assert_pandas_unpatched()


def test_a_tracker_runs_once() -> None:
    tracker = track(LineageGraph())
    with tracker:
        pass
    with pytest.raises(PipelinekitError, match="already used"), tracker:
        pass


# ---------------------------------------------------------------------------- patches
def test_pandas_is_unchanged_outside_blocks() -> None:
    assert_pandas_unpatched()
    with track(LineageGraph()):
        assert pd.DataFrame.__getitem__ is not ORIGINALS[(pd.DataFrame, "__getitem__")]
        assert pandas_hooks.installed()
    assert_pandas_unpatched()


def test_patches_are_restored_after_an_exception() -> None:
    with pytest.raises(ZeroDivisionError), track(LineageGraph()):
        1 / 0  # noqa: B018
    assert_pandas_unpatched()


def test_results_are_the_same_with_and_without_tracking() -> None:
    orders = orders_frame()

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        kept = frame[frame.amount > 0].assign(net=lambda d: d.amount * 0.8)
        return kept.groupby("customer_id", as_index=False).agg(total=("net", "sum"))

    plain = pipeline(orders)
    with track(LineageGraph()):
        traced = pipeline(orders)
    pd.testing.assert_frame_equal(plain, traced)


def test_other_threads_are_not_recorded() -> None:
    seen: list[object] = []
    frame = orders_frame()

    def elsewhere() -> None:
        seen.append(active())
        seen.append(frame[["amount"]])

    with track(LineageGraph()) as tracker:
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        assert active() is tracker
    assert seen[0] is None
    assert tracker.provenance.peek(seen[1]) is None


# ---------------------------------------------------------------------------- functions
def test_a_function_is_named_after_itself_its_inputs_after_parameters() -> None:
    graph = LineageGraph()

    @tracked(graph=graph)
    def daily_sales(orders: pd.DataFrame, customers: pd.DataFrame, rate: float = 1.0):
        joined = orders.merge(customers, on="customer_id")
        return joined.groupby("city", as_index=False).agg(revenue=("amount", "sum"))

    customers = pd.DataFrame({"customer_id": [1, 2], "city": ["a", "b"]})
    result = daily_sales(orders_frame(), customers, rate=2.0)
    assert result.revenue.tolist() == [9.0, 5.0]
    step = graph.steps["daily_sales"]
    assert set(step.inputs) == {"orders", "customers"}
    assert edges(step, "daily_sales.revenue") == {
        ("orders.amount", "AGGREGATION"),
        ("customers.city", "GROUP_BY"),
        ("orders.customer_id", "JOIN"),
        ("customers.customer_id", "JOIN"),
    }
    assert daily_sales.__name__ == "daily_sales"


def test_a_function_returning_a_dict_gives_one_output_per_key() -> None:
    graph = LineageGraph()

    @tracked(graph=graph, name="split")
    def split(orders: pd.DataFrame) -> dict[str, pd.DataFrame]:
        return {"refunds": orders[orders.amount < 0], "sales": orders[orders.amount >= 0]}

    split(orders_frame())
    assert set(graph.steps["split"].outputs) == {"refunds", "sales"}


def test_a_function_named_like_its_input_does_not_make_a_cycle() -> None:
    graph = LineageGraph()

    @tracked(graph=graph)
    def orders(orders: pd.DataFrame) -> pd.DataFrame:
        return orders[orders.amount > 0]

    orders(orders_frame())
    assert graph.steps["orders"].outputs == {"orders@2": ["order_id", "customer_id", "amount"]}


# ---------------------------------------------------------------------------- nesting
def test_a_tracked_function_inside_a_block_records_both_steps() -> None:
    graph = LineageGraph()

    @tracked
    def positive(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame.amount > 0]

    orders = orders_frame()
    with track(graph, name="outer") as tracker:
        kept = positive(orders)[["order_id"]]
        assert pandas_hooks.installed()
    assert len(kept) == 2
    assert set(graph.steps) == {"outer", "positive"}
    # the outer block sees through the function: its lineage goes back to its own inputs
    assert edges(tracker.step, "kept.order_id") == {
        ("orders.order_id", "IDENTITY"),
        ("orders.amount", "FILTER"),
    }
    assert edges(graph.steps["positive"], "positive.order_id") == {
        ("orders.order_id", "IDENTITY"),
        ("orders.amount", "FILTER"),
    }
    assert_pandas_unpatched()


def test_nested_blocks() -> None:
    outer_graph, inner_graph = LineageGraph(), LineageGraph()
    orders = orders_frame()
    with track(outer_graph, name="outer"):
        with track(inner_graph, name="inner"):
            doubled = orders.assign(twice=orders.amount * 2)
        assert pandas_hooks.installed()
        total = doubled[["twice"]]
    assert len(total) == 3
    assert "inner" in inner_graph.steps and "outer" in outer_graph.steps
    assert edges(outer_graph.steps["outer"], "total.twice") == {("orders.amount", "TRANSFORMATION")}
    assert_pandas_unpatched()


# ---------------------------------------------------------------------------- transforms
def test_a_transform_in_a_block_records_edges_from_its_sql_twin() -> None:
    graph = LineageGraph()
    orders = orders_frame()
    with track(graph, name="ranked") as tracker:
        paid = orders[orders.amount > 0]
        ranked = pk.transforms.rank(paid, order_by="amount DESC", partition_by="customer_id")
        binned = pk.transforms.binned(orders, "amount", bins=2)
    assert ranked.amount_rank.tolist() == [1, 1]
    assert len(binned) == 3
    assert edges(tracker.step, "ranked.amount_rank") == {
        ("orders.amount", "WINDOW"),
        ("orders.amount", "FILTER"),  # ranked among the paid orders only
        ("orders.customer_id", "WINDOW"),
    }
    assert edges(tracker.step, "ranked.order_id") == {
        ("orders.order_id", "IDENTITY"),
        ("orders.amount", "FILTER"),
    }
    assert ("orders.amount", "CONDITIONAL") in edges(tracker.step, "binned.amount_bin")
    assert tracker.step is not None and not tracker.step.unknown


def test_a_transform_whose_twin_cannot_be_read_is_unknown_with_the_reason() -> None:
    def doubled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(twice=frame.amount * 2)

    doubled.sql = lambda: "SELECT *, amout * 2 AS twice FROM input"  # type: ignore[attr-defined]
    graph = LineageGraph()
    orders = orders_frame()
    with track(graph) as tracker:
        coded = records_lineage(doubled)(orders)
    assert list(coded.columns)[-1] == "twice"
    assert tracker.step is not None
    assert "coded.twice" in tracker.step.unknown
    assert (
        "doubled: its SQL twin could not be read (UnknownSqlNameError" in tracker.step.description
    )


def test_transforms_call_through_outside_blocks() -> None:
    orders = orders_frame()
    unwrapped = getattr(pk.transforms.rank, "__wrapped__")  # noqa: B009
    assert unwrapped is not pk.transforms.rank
    twin = getattr(pk.transforms.rank, "sql")  # noqa: B009
    assert "PARTITION BY" in twin(order_by="amount", partition_by="c")
    pd.testing.assert_frame_equal(
        pk.transforms.rank(orders, order_by="amount"), unwrapped(orders, order_by="amount")
    )


# ---------------------------------------------------------------------------- interface
def test_derive_composes_a_query_with_the_frames_own_lineage() -> None:
    graph = LineageGraph()
    orders = orders_frame()
    with track(graph, name="query") as tracker:
        paid = orders[orders.amount > 0]
        step = sql_lineage(
            "SELECT p.customer_id, sum(p.amount * r.rate) AS revenue FROM p JOIN rates r"
            " USING (customer_id) GROUP BY p.customer_id",
            schema={"p": list(paid.columns), "rates": ["customer_id", "rate"]},
        )
        result = pd.DataFrame({"customer_id": [1, 2], "revenue": [10.0, 5.0]})
        tracker.derive(result, step, {"p": paid})
    assert edges(tracker.step, "result.revenue") == {
        ("orders.amount", "AGGREGATION"),
        ("orders.amount", "FILTER"),  # paid's rows
        ("orders.customer_id", "GROUP_BY"),
        ("orders.customer_id", "JOIN"),
        ("rates.rate", "AGGREGATION"),
        ("rates.customer_id", "JOIN"),
    }
    assert tracker.step is not None
    assert tracker.step.inputs["rates"] == ["customer_id", "rate"]


def test_unknown_marks_every_column_and_keeps_the_dependency() -> None:
    graph = LineageGraph()
    orders = orders_frame()
    with track(graph) as tracker:
        opaque = pd.DataFrame({"x": np.ones(3)})
        tracker.unknown(opaque, {"o": orders}, reason="a black box")
    assert tracker.step is not None
    assert tracker.step.unknown == ["opaque.x"]
    assert "orders" in tracker.step.inputs
    assert "a black box" in tracker.step.description


def test_record_adds_a_step_with_a_run() -> None:
    graph = LineageGraph()
    step = StepRecord(
        "make_t",
        inputs={"s": ["a"]},
        outputs={"t": ["a"]},
        edges=[Edge(Column("s", "a"), Column("t", "a"))],
        kind="sql",
    )
    with track(graph) as tracker:
        tracker.record(step)
    assert "make_t" in graph.steps
    assert tracker.step is not None
    assert [run["step"] for run in graph.runs] == ["make_t", tracker.step.name]


def test_active_is_none_while_suspended() -> None:
    with track(LineageGraph()) as tracker:
        assert active() is tracker
        with pandas_hooks.suspended():
            assert active() is None
    assert isinstance(tracker, Tracker)
