"""Every pipelinekit transform, called in a tracked block, records where each output column
came from and how: from its SQL twin, or from lineage it declares when SQL cannot
express it. A transform added to ``pk.transforms`` without a case here fails."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.lineage.capture import records_lineage, track
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import StepRecord
from pipelinekit.lineage.sql_lineage import SqlLineageError, UnknownSqlNameError, sql_lineage

TRANSFORMS = [
    name
    for name in pk.transforms.__all__
    if name != "sql" and not inspect.isclass(getattr(pk.transforms, name))
]


def readings() -> pd.DataFrame:
    """48 hourly readings of two devices (each a regular 2-hour series)."""
    n = 48
    return pd.DataFrame(
        {
            "ts": pd.date_range("2024-01-01", periods=n, freq="h"),
            "device": np.arange(n) % 2,
            "city": np.where(np.arange(n) % 3 == 0, "Paris", "Lyon"),
            "temp": np.sin(np.arange(n) / 3.0) * 5 + 20,
            "note": ["red shoe SKU-12", "blue hat", "red red hat SKU-7"] * 16,
        }
    )


def wide() -> pd.DataFrame:
    return pd.DataFrame({"device": [1, 2], "low": [3.0, None], "high": [9.0, 8.0]})


@dataclasses.dataclass
class Case:
    """A typical call and, for the columns it makes, the edges expected (SORT left out)."""

    args: tuple
    kwargs: dict[str, Any]
    expected: dict[str, set[tuple[str, str]]]
    frame: Any = readings


WINDOW_BY_DEVICE = {("device", "WINDOW"), ("ts", "WINDOW")}
RANKED = {("device", "WINDOW"), ("temp", "WINDOW")}
OVER_TIME = {("temp", "AGGREGATION"), *WINDOW_BY_DEVICE}
BY_DEVICE = {("device", "GROUP_BY")}

CASES: dict[str, Case] = {
    "binned": Case(("temp",), {"bins": 3}, {"temp_bin": {("temp", "CONDITIONAL")}}),
    "cume_dist": Case(
        (), {"order_by": "temp", "partition_by": "device"}, {"temp_cume_dist": RANKED}
    ),
    "cyclical_features": Case(
        ("ts",),
        {"parts": ["hour"]},
        {"ts_hour_sin": {("ts", "TRANSFORMATION")}, "ts_hour_cos": {("ts", "TRANSFORMATION")}},
    ),
    "date_parts": Case(
        ("ts",),
        {"parts": ["month", "hour"]},
        {"ts_month": {("ts", "TRANSFORMATION")}, "ts_hour": {("ts", "TRANSFORMATION")}},
    ),
    "decompose": Case(
        (),
        {"on": "ts", "column": "temp", "period": 6, "by": "device"},
        {
            "device": {("device", "IDENTITY")},
            "ts": {("ts", "IDENTITY")},
            "observed": {("temp", "IDENTITY")},
            "trend": OVER_TIME,
            "seasonal": OVER_TIME,
            "residual": OVER_TIME,
        },
    ),
    "dense_rank": Case(
        (), {"order_by": "temp", "partition_by": "device"}, {"temp_dense_rank": RANKED}
    ),
    "diff": Case((), {"on": "ts", "column": "temp", "by": "device"}, {"temp_diff": OVER_TIME}),
    "extract_pattern": Case(
        ("note",),
        {"pattern": r"SKU-(\d+)"},
        {"note_match": {("note", "TRANSFORMATION"), ("note", "CONDITIONAL")}},
    ),
    "fill_gaps": Case(
        (),
        {"on": "ts", "every": "2h", "by": "device", "method": "ffill", "columns": ["temp"]},
        {
            # last_value(temp IGNORE NULLS) over each device's calendar, joined on device, ts
            "temp": {
                ("temp", "AGGREGATION"),
                *WINDOW_BY_DEVICE,
                *BY_DEVICE,
                ("device", "JOIN"),
                ("ts", "JOIN"),
            },
            "city": {("city", "IDENTITY"), *BY_DEVICE, ("device", "JOIN"), ("ts", "JOIN")},
        },
        frame=lambda: readings().drop(index=[4, 5]),
    ),
    "first_value": Case(
        (),
        {"column": "temp", "order_by": "ts", "partition_by": "device"},
        {"temp_first_value": OVER_TIME},
    ),
    "frequency_encoding": Case(("city",), {}, {"city_count": {("city", "WINDOW")}}),
    "lag": Case(
        (),
        {"column": "temp", "order_by": "ts", "partition_by": "device"},
        {"temp_lag_1": OVER_TIME},
    ),
    "last_value": Case(
        (),
        {"column": "temp", "order_by": "ts", "partition_by": "device"},
        {"temp_last_value": OVER_TIME},
    ),
    "lead": Case(
        (),
        {"column": "temp", "order_by": "ts", "partition_by": "device"},
        {"temp_lead_1": OVER_TIME},
    ),
    "nth_value": Case(
        (),
        {"column": "temp", "n": 2, "order_by": "ts", "partition_by": "device"},
        {"temp_nth_value_2": OVER_TIME},
    ),
    "ntile": Case((), {"n": 4, "order_by": "temp"}, {"temp_ntile_4": {("temp", "WINDOW")}}),
    "one_hot": Case(
        ("city",),
        {},
        {"city=Lyon": {("city", "CONDITIONAL")}, "city=Paris": {("city", "CONDITIONAL")}},
    ),
    "pct_change": Case(
        (), {"on": "ts", "column": "temp", "by": "device"}, {"temp_pct_change": OVER_TIME}
    ),
    "percent_rank": Case(
        (), {"order_by": "temp", "partition_by": "device"}, {"temp_percent_rank": RANKED}
    ),
    "percentile_cont": Case(
        (),
        {"column": "temp", "q": 0.5, "by": "device"},
        {
            "device": {("device", "IDENTITY"), *BY_DEVICE},
            "temp_p50": {("temp", "AGGREGATION"), *BY_DEVICE},
        },
    ),
    "percentile_disc": Case(
        (),
        {"column": "temp", "q": [0.25, 0.75], "by": "device"},
        {
            "temp_p25": {("temp", "AGGREGATION"), *BY_DEVICE},
            "temp_p75": {("temp", "AGGREGATION"), *BY_DEVICE},
        },
    ),
    "period_over_period": Case(
        (),
        {"on": "ts", "column": "temp", "period": "day", "by": "device"},
        {
            "temp_prev_day": {("temp", "IDENTITY"), ("device", "JOIN"), ("ts", "JOIN")},
            "temp_diff_day": {("temp", "TRANSFORMATION"), ("device", "JOIN"), ("ts", "JOIN")},
        },
    ),
    "pivot": Case(
        (),
        {"index": "device", "columns": "city", "values": "temp", "agg": ["mean", "max"]},
        {
            "device": {("device", "IDENTITY"), *BY_DEVICE},
            "temp_mean_Lyon": {("temp", "AGGREGATION"), ("city", "FILTER"), *BY_DEVICE},
            "temp_max_Paris": {("temp", "AGGREGATION"), ("city", "FILTER"), *BY_DEVICE},
        },
    ),
    "polynomial_features": Case(
        (["temp", "device"],),
        {"degree": 2},
        {
            "temp^2": {("temp", "TRANSFORMATION")},
            "temp*device": {("temp", "TRANSFORMATION"), ("device", "TRANSFORMATION")},
        },
    ),
    "rank": Case((), {"order_by": "temp", "partition_by": "device"}, {"temp_rank": RANKED}),
    "resample": Case(
        (),
        {"on": "ts", "every": "1d", "agg": "mean", "by": "device"},
        {
            "ts": {("ts", "TRANSFORMATION"), ("ts", "GROUP_BY"), *BY_DEVICE},
            "temp_mean": {("temp", "AGGREGATION"), ("ts", "GROUP_BY"), *BY_DEVICE},
        },
    ),
    "rolling_time": Case(
        (),
        {"on": "ts", "column": "temp", "window": "3h", "by": "device"},
        {"temp_mean_3h": OVER_TIME},
    ),
    "row_number": Case(
        (), {"order_by": "ts", "partition_by": "device"}, {"ts_row_number": WINDOW_BY_DEVICE}
    ),
    "text_stats": Case(
        ("note",),
        {},
        {
            "note_length": {("note", "TRANSFORMATION")},
            "note_word_count": {("note", "TRANSFORMATION")},
        },
    ),
    "tfidf_top_terms": Case(("note",), {"top": 2}, {"note_top_terms": {("note", "AGGREGATION")}}),
    "unpivot": Case(
        (),
        {"id_columns": "device", "name": "stat"},
        {
            # UNPIVOT leaves out NULL values: the melted columns decide the rows
            "device": {("device", "IDENTITY"), ("low", "FILTER"), ("high", "FILTER")},
            "stat": {("low", "FILTER"), ("high", "FILTER")},  # the column names: a constant
            "value": {
                ("low", "IDENTITY"),
                ("high", "IDENTITY"),
                ("low", "FILTER"),
                ("high", "FILTER"),
            },
        },
        frame=wide,
    ),
    "window": Case(
        ("sum", "temp"),
        {"partition_by": "device", "order_by": "ts"},
        {"temp_running_sum": OVER_TIME},
    ),
}


def ways(step: StepRecord | None, target: str) -> set[tuple[str, str]]:
    """(input column, subtype) of every edge into ``target`` but SORT (the rows' order)."""
    assert step is not None
    return {
        (edge.source.name, edge.subtype)
        for edge in step.edges
        if edge.target.id == target and edge.subtype != "SORT"
    }


def run_tracked(name: str, case: Case) -> tuple[StepRecord, pd.DataFrame]:
    frame = case.frame()
    transform = getattr(pk.transforms, name)
    with track(LineageGraph(), name=name) as tracker:
        out = transform(frame, *case.args, **case.kwargs)
    assert isinstance(out, pd.DataFrame)
    assert tracker.step is not None
    return tracker.step, out


# ---------------------------------------------------------------------------- every transform
@pytest.mark.parametrize("name", TRANSFORMS)
def test_a_transform_records_the_lineage_of_every_column(name: str) -> None:
    case = CASES.get(name)
    assert case is not None, f"pk.transforms.{name} has no lineage case: add one to CASES"
    step, out = run_tracked(name, case)
    assert step.unknown == []
    assert "could not tell" not in step.description
    assert set(case.expected) <= {str(c) for c in out.columns}
    for column, expected in case.expected.items():
        assert ways(step, f"out.{column}") == expected, column
    for column in out.columns:  # every column has a source, unless it is a constant
        assert ways(step, f"out.{column}") or (name, column) == ("unpivot", "stat"), column


def test_every_case_is_a_transform() -> None:
    assert sorted(CASES) == sorted(TRANSFORMS)


@pytest.mark.parametrize("name", TRANSFORMS)
def test_a_transform_carries_its_sql_twin_or_declared_lineage(name: str) -> None:
    transform = getattr(pk.transforms, name)
    assert hasattr(transform, "__wrapped__"), f"wrap {name} with records_lineage"
    assert hasattr(transform, "sql") != hasattr(transform, "lineage")


# ---------------------------------------------------------------------------- twin arguments
def test_arguments_the_twin_does_not_take_are_left_out() -> None:
    sales = readings()
    with track(LineageGraph()) as tracker:
        wide = pk.transforms.pivot(
            sales, index="device", columns="city", values="temp", max_columns=10, engine="duckdb"
        )
    assert list(wide.columns) == ["device", "temp_sum_Lyon", "temp_sum_Paris"]
    assert tracker.step is not None and tracker.step.unknown == []
    assert ("temp", "AGGREGATION") in ways(tracker.step, "wide.temp_sum_Paris")


def test_arguments_given_by_the_call_win_over_those_read_from_the_data() -> None:
    frame = readings()
    with track(LineageGraph()) as tracker:
        coded = pk.transforms.one_hot(frame, "city", categories=["Paris"])
    assert list(coded.columns)[-1] == "city=Paris"
    assert tracker.step is not None and tracker.step.unknown == []
    assert ways(tracker.step, "coded.city=Paris") == {("city", "CONDITIONAL")}


def test_lineage_composes_with_the_frames_own() -> None:
    frame = readings()
    with track(LineageGraph()) as tracker:
        one = frame[frame.device == 1]
        parts = pk.transforms.decompose(one, on="ts", column="temp", period=6)
    assert len(parts) == len(one)
    assert ways(tracker.step, "parts.trend") == {
        ("temp", "AGGREGATION"),
        ("ts", "WINDOW"),
        ("device", "FILTER"),  # the readings of device 1 only
    }


# ---------------------------------------------------------------------------- fallbacks
def test_a_transform_without_twin_or_declaration_is_unknown_with_the_reason() -> None:
    def scaled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(scaled=frame.temp / 10)

    transform = records_lineage(scaled)
    frame = readings()
    with track(LineageGraph()) as tracker:
        out = transform(frame)
    assert len(out) == len(frame)
    assert tracker.step is not None
    assert "out.scaled" in tracker.step.unknown
    assert "scaled has no SQL twin nor declared lineage" in tracker.step.description


def test_a_failing_declaration_is_unknown_with_the_reason() -> None:
    def scaled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(scaled=frame.temp / 10)

    scaled.lineage = lambda frame, result: {"scaled": [("tmp", "TRANSFORMATION", "")]}  # type: ignore[attr-defined]
    transform = records_lineage(scaled)
    frame = readings()
    with track(LineageGraph()) as tracker:
        out = transform(frame)
    assert len(out) == len(frame)
    assert tracker.step is not None
    assert "out.scaled" in tracker.step.unknown
    assert "scaled: its declared lineage failed (UnknownNameError" in tracker.step.description


def test_a_column_the_declaration_leaves_out_is_unknown() -> None:
    def scaled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(scaled=frame.temp / 10, other=1)

    scaled.lineage = lambda frame, result: {"scaled": [("temp", "TRANSFORMATION", "temp / 10")]}  # type: ignore[attr-defined]
    transform = records_lineage(scaled)
    frame = readings()
    with track(LineageGraph()) as tracker:
        out = transform(frame)
    assert len(out) == len(frame)
    assert tracker.step is not None
    assert tracker.step.unknown == ["out.other"]
    assert ways(tracker.step, "out.scaled") == {("temp", "TRANSFORMATION")}
    assert ways(tracker.step, "out.note") == {("note", "IDENTITY")}


# ---------------------------------------------------------------------------- PIVOT / UNPIVOT
PIVOTS = {
    "input": pd.DataFrame(
        {"region": ["n", "s"], "month": ["m1", "m2"], "amount": [1.0, 2.0], "other": [1, 2]}
    )
}


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM input PIVOT (sum(amount) FOR month IN ('m1', 'm2'))",
        "SELECT * FROM input PIVOT (sum(amount) AS s, count(*) FOR month IN ('m1', 'm2'))",
        "SELECT * FROM input PIVOT (sum(amount), max(amount) FOR month IN ('m1' AS a, 'm2'))",
        "SELECT * FROM input PIVOT (sum(amount) FOR month IN ('m1') other IN (1, 2))",
        "SELECT * FROM input UNPIVOT (value FOR name IN (amount, other))",
        "SELECT * FROM input UNPIVOT INCLUDE NULLS ((v, w) FOR name IN ((amount, other) AS x))",
    ],
)
def test_pivot_columns_are_named_as_duckdb_names_them(query: str) -> None:
    step = sql_lineage(query, schema={"input": list(PIVOTS["input"].columns)})
    connection = duckdb.connect()
    connection.register("input", PIVOTS["input"])
    assert step.outputs["result"] == connection.sql(query).columns


def test_a_pivot_aggregates_its_values_for_each_key_grouped_by_the_other_columns() -> None:
    step = sql_lineage(
        "SELECT p.region, p.m1 AS first FROM (SELECT region, month, amount * 2 AS amount"
        " FROM input WHERE other > 0) PIVOT (sum(amount) FOR month IN ('m1', 'm2')) AS p",
        schema={"input": ["region", "month", "amount", "other"]},
    )
    assert ways(step, "result.first") == {
        ("amount", "AGGREGATION"),
        ("month", "FILTER"),  # FOR month = 'm1'
        ("other", "FILTER"),  # the subquery's WHERE
        ("region", "GROUP_BY"),
    }
    assert ways(step, "result.region") == {
        ("region", "IDENTITY"),
        ("region", "GROUP_BY"),
        ("other", "FILTER"),
    }


def test_an_unpivot_copies_each_melted_column_into_the_value() -> None:
    step = sql_lineage(
        'SELECT * FROM input AS i UNPIVOT INCLUDE NULLS (value FOR month IN (jan, feb AS "2"))',
        schema={"input": ["region", "jan", "feb"]},
    )
    assert step.outputs == {"result": ["region", "month", "value"]}
    assert ways(step, "result.value") == {("jan", "IDENTITY"), ("feb", "IDENTITY")}
    assert ways(step, "result.month") == set()  # the melted columns' names: a constant
    assert ways(step, "result.region") == {("region", "IDENTITY")}


def test_ordered_set_aggregates_aggregate_their_ordered_values() -> None:
    step = sql_lineage(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) AS median FROM input",
        schema={"input": ["amount"]},
    )
    assert ways(step, "result.median") == {("amount", "AGGREGATION")}


@pytest.mark.parametrize(
    ("query", "error", "match"),
    [
        (
            "SELECT * FROM input PIVOT (sum(amount) FOR month IN ('m1') GROUP BY region)",
            SqlLineageError,
            r"(?s)GROUP BY region.*not one lineage can read.*Hint: select only the columns",
        ),
        (
            "SELECT * FROM input PIVOT (sum(amount) FOR month IN (SELECT 'm1'))",
            SqlLineageError,
            r"expected the keys written out",
        ),
        (
            "SELECT * FROM input UNPIVOT (value FOR name IN (amount, amout))",
            UnknownSqlNameError,
            r"(?s)Unknown column 'amout'.*did you mean 'amount'",
        ),
        (
            "SELECT * FROM input UNPIVOT (value FOR name IN (amount + 1, other))",
            SqlLineageError,
            r"expected column names, such as IN \(jan, feb\)",
        ),
    ],
)
def test_pivots_lineage_cannot_read_fail_clearly(
    query: str, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        sql_lineage(query, schema={"input": ["region", "month", "amount", "other"]})
