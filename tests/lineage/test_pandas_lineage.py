"""Column lineage of plain pandas code in a tracked block, one operation at a time.

Each case runs a line of pandas inside ``track()`` and lists, for some columns of the
output ``out``, every (input column, subtype) edge that must reach it — no more, no less.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest
from pandas.errors import Pandas4Warning

from pipelinekit.lineage.capture import Tracker, track
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import DIRECT_SUBTYPES, StepRecord


def frames() -> dict[str, pd.DataFrame]:
    orders = pd.DataFrame(
        {
            "order_id": [1, 2, 3, 4],
            "customer_id": [10, 10, 20, 30],
            "amount": [100.0, -5.0, 40.0, None],
            "discount": [0.1, 0.0, 0.2, 0.0],
            "status": ["paid", "paid", "open", "paid"],
            "ordered_at": ["2024-01-03", "2024-01-09", "2024-02-01", "2024-02-11"],
        }
    )
    customers = pd.DataFrame(
        {"customer_id": [10, 20, 30], "country": ["FR", "DE", "FR"], "amount": [1, 2, 3]}
    )
    return {"orders": orders, "customers": customers}


def run(code: str, **extra: object) -> StepRecord:
    """Run ``code`` in a tracked block over ``orders`` and ``customers``; the step."""
    namespace: dict[str, object] = {"pd": pd, "np": np, "track": track, **frames(), **extra}
    namespace["graph"] = LineageGraph()
    block = "with track(graph, name='step') as tracker:\n" + textwrap.indent(code, "    ")
    exec(block, namespace)
    tracker = namespace["tracker"]
    assert isinstance(tracker, Tracker) and tracker.step is not None
    return tracker.step


def into(step: StepRecord, column: str) -> set[tuple[str, str]]:
    return {(e.source.id, e.subtype) for e in step.edges if e.target.id == column}


CASES = [
    ("select columns", 'out = orders[["order_id", "amount"]]',
     {"out.amount": {("orders.amount", "IDENTITY")}}),
    ("attribute access and arithmetic",
     "out = orders.assign(net=orders.amount * (1 - orders.discount))",
     {"out.net": {("orders.amount", "TRANSFORMATION"), ("orders.discount", "TRANSFORMATION")},
      "out.status": {("orders.status", "IDENTITY")}}),
    ("assign with a callable", "out = orders.assign(net=lambda d: d.amount.round(1), one=1)",
     {"out.net": {("orders.amount", "TRANSFORMATION")}, "out.one": set()}),
    ("column assignment", 'out = orders.copy()\nout["twice"] = out["amount"] * 2',
     {"out.twice": {("orders.amount", "TRANSFORMATION")}}),
    ("flex method with a Series operand",
     "out = orders.assign(x=orders.amount.mul(orders.discount))",
     {"out.x": {("orders.amount", "TRANSFORMATION"), ("orders.discount", "TRANSFORMATION")}}),
    ("rename", 'out = orders.rename(columns={"amount": "value"})',
     {"out.value": {("orders.amount", "IDENTITY")}}),
    ("drop", 'out = orders.drop(columns=["status"])',
     {"out.amount": {("orders.amount", "IDENTITY")}}),
    ("boolean filter", "out = orders[orders.amount > 0]",
     {"out.order_id": {("orders.order_id", "IDENTITY"), ("orders.amount", "FILTER")}}),
    ("two conditions", 'out = orders[(orders.amount > 0) & (orders.status == "paid")]',
     {"out.order_id": {("orders.order_id", "IDENTITY"), ("orders.amount", "FILTER"),
                       ("orders.status", "FILTER")}}),
    ("negated mask", "out = orders[~orders.amount.isna()]",
     {"out.order_id": {("orders.order_id", "IDENTITY"), ("orders.amount", "FILTER")}}),
    ("query", 'out = orders.query("amount > 0 and `status` == \'paid\'")',
     {"out.order_id": {("orders.order_id", "IDENTITY"), ("orders.amount", "FILTER"),
                       ("orders.status", "FILTER")}}),
    ("loc with a mask and columns", 'out = orders.loc[orders.status == "paid", ["amount"]]',
     {"out.amount": {("orders.amount", "IDENTITY"), ("orders.status", "FILTER")}}),
    ("conditional assignment with loc",
     'out = orders.copy()\nout.loc[out.amount < 0, "amount"] = 0',
     {"out.amount": {("orders.amount", "IDENTITY"), ("orders.amount", "CONDITIONAL")},
      "out.status": {("orders.status", "IDENTITY")}}),
    ("where", "out = orders.assign(clean=orders.amount.where(orders.discount > 0, 0))",
     {"out.clean": {("orders.amount", "TRANSFORMATION"), ("orders.discount", "CONDITIONAL")}}),
    ("sort", 'out = orders.sort_values("ordered_at")[["amount"]]',
     {"out.amount": {("orders.amount", "IDENTITY"), ("orders.ordered_at", "SORT")}}),
    ("dropna", 'out = orders.dropna(subset=["amount"])[["order_id"]]',
     {"out.order_id": {("orders.order_id", "IDENTITY"), ("orders.amount", "FILTER")}}),
    ("string and date accessors",
     "out = orders.assign(s=orders.status.str.upper(),"
     " m=pd.to_datetime(orders.ordered_at).dt.month)",
     {"out.s": {("orders.status", "TRANSFORMATION")},
      "out.m": {("orders.ordered_at", "TRANSFORMATION")}}),
    ("merge on a key", 'out = orders.merge(customers, on="customer_id")',
     {"out.country": {("customers.country", "IDENTITY"), ("orders.customer_id", "JOIN"),
                      ("customers.customer_id", "JOIN")},
      "out.customer_id": {("orders.customer_id", "IDENTITY"), ("orders.customer_id", "JOIN"),
                          ("customers.customer_id", "JOIN")},
      "out.amount_x": {("orders.amount", "IDENTITY"), ("orders.customer_id", "JOIN"),
                       ("customers.customer_id", "JOIN")},
      "out.amount_y": {("customers.amount", "IDENTITY"), ("orders.customer_id", "JOIN"),
                       ("customers.customer_id", "JOIN")}}),
    ("pd.merge with suffixes, outer", 'out = pd.merge(orders, customers, on="customer_id",'
     ' how="outer", suffixes=("", "_c"))',
     {"out.customer_id": {("orders.customer_id", "IDENTITY"), ("customers.customer_id", "IDENTITY"),
                          ("orders.customer_id", "JOIN"), ("customers.customer_id", "JOIN")},
      "out.amount_c": {("customers.amount", "IDENTITY"), ("orders.customer_id", "JOIN"),
                       ("customers.customer_id", "JOIN")}}),
    ("concat", "out = pd.concat([orders[['amount']], customers[['amount']]])",
     {"out.amount": {("orders.amount", "IDENTITY"), ("customers.amount", "IDENTITY")}}),
    ("concat side by side", "out = pd.concat([orders.amount, orders.status.rename('s')], axis=1)",
     {"out.s": {("orders.status", "IDENTITY")}}),
    ("groupby sum and reset_index",
     'out = orders.groupby("customer_id").amount.sum().reset_index()',
     {"out.amount": {("orders.amount", "AGGREGATION"), ("orders.customer_id", "GROUP_BY")},
      "out.customer_id": {("orders.customer_id", "IDENTITY"), ("orders.customer_id", "GROUP_BY")}}),
    ("named aggregation", 'out = orders.groupby(["customer_id", "status"], as_index=False)'
     '.agg(total=("amount", "sum"), n=("order_id", "count"))',
     {"out.total": {("orders.amount", "AGGREGATION"), ("orders.customer_id", "GROUP_BY"),
                    ("orders.status", "GROUP_BY")},
      "out.n": {("orders.order_id", "AGGREGATION"), ("orders.customer_id", "GROUP_BY"),
                ("orders.status", "GROUP_BY")},
      "out.status": {("orders.status", "IDENTITY"), ("orders.status", "GROUP_BY"),
                     ("orders.customer_id", "GROUP_BY")}}),
    ("agg with a dict of lists", 'out = orders.groupby("status").agg({"amount": ["min", "max"]})',
     {"out.amount_min": {("orders.amount", "AGGREGATION"), ("orders.status", "GROUP_BY")}}),
    ("size", 'out = orders.groupby("status").size().reset_index(name="n")',
     {"out.n": {("orders.status", "GROUP_BY")}}),
    ("running sum per group",
     'out = orders.assign(run=orders.groupby("customer_id").amount.cumsum())',
     {"out.run": {("orders.amount", "AGGREGATION"), ("orders.customer_id", "WINDOW")}}),
    ("filter then aggregate composes", 'paid = orders[orders.status == "paid"]\n'
     'out = paid.groupby("customer_id", as_index=False).amount.mean()',
     {"out.amount": {("orders.amount", "AGGREGATION"), ("orders.customer_id", "GROUP_BY"),
                     ("orders.status", "FILTER")}}),
]  # fmt: skip


@pytest.mark.parametrize(("code", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_operation_gives_expected_edges(code: str, expected: dict[str, set]) -> None:
    step = run(code)
    for column, edges in expected.items():
        assert into(step, column) == edges, column
    assert not [c for c in step.unknown if c in expected]


UNKNOWN = [
    ("numpy array", 'out = orders.copy()\nout["x"] = orders.discount.to_numpy() * 2', "out.x",
     "numpy"),
    ("apply with a lambda", 'out = orders.assign(x=orders.amount.apply(lambda v: v + 1))', "out.x",
     "apply"),
    ("constructor", 'out = pd.DataFrame({"x": orders.amount.to_numpy()})', "out.x", "constructor"),
    ("groupby apply", 'out = orders.groupby("status")[["amount"]].apply(lambda g: g.sum())',
     "out.amount", "apply"),
    ("np.where", 'out = orders.assign(x=np.where(orders.amount > 0, 1, 0))', "out.x", "numpy"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "column", "reason"), [c[1:] for c in UNKNOWN],
                         ids=[c[0] for c in UNKNOWN])  # fmt: skip
def test_what_cannot_be_seen_is_unknown_not_guessed(code: str, column: str, reason: str) -> None:
    step = run(code)
    assert column in step.unknown
    assert not {edge for edge in into(step, column) if edge[1] in DIRECT_SUBTYPES}
    assert reason in step.description
    assert "orders" in step.inputs  # the dataset still depends on what the block read


def test_unknown_columns_next_to_known_ones() -> None:
    step = run('out = orders.copy()\nout["x"] = np.arange(4)\nout["y"] = out.amount + 1')
    assert step.unknown == ["out.x"]
    assert into(step, "out.y") == {("orders.amount", "TRANSFORMATION")}


def test_in_place_operations() -> None:
    with pytest.warns(Pandas4Warning, match="inplace"):  # deprecated, but learners meet it
        step = run(
            'out = orders.copy()\nout.rename(columns={"amount": "value"}, inplace=True)\n'
            'out.sort_values("status", inplace=True)'
        )
    assert into(step, "out.value") == {("orders.amount", "IDENTITY"), ("orders.status", "SORT")}


def test_set_index_then_reset_index_keeps_the_key() -> None:
    step = run('out = orders.set_index("order_id")[["amount"]].reset_index()')
    assert into(step, "out.order_id") == {("orders.order_id", "IDENTITY")}


def test_row_labels_with_no_origin_are_unknown() -> None:
    step = run("out = orders[['amount']].reset_index()")
    assert step.unknown == ["out.index"]
    assert "row labels" in step.description


def test_only_frames_the_block_reads_are_inputs() -> None:
    step = run('out = orders[["amount"]]')
    assert list(step.inputs) == ["orders"]
