import numpy as np
import pandas as pd
import pytest
from feature_engines import three_ways
from hypothesis import given, settings
from hypothesis import strategies as st

import pipelinekit as pk
from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.binning import bin_edges, binned, binned_sql


def run(frame, column="x", engine=True, **kwargs):
    query = binned_sql(column, **kwargs)
    return three_ways(binned, frame, column, query=query, engine=engine, **kwargs)


def test_custom_edges_right_closed_include_the_lowest_edge():
    frame = pd.DataFrame({"x": [-1, 0, 5, 10, 11, 20, 21, None]})
    out = run(frame, bins=[0, 10, 20])
    assert out["x_bin"].tolist() == [pd.NA, 1, 1, 1, 2, 2, pd.NA, pd.NA]


def test_custom_edges_left_closed_include_the_highest_edge():
    frame = pd.DataFrame({"x": [-1.0, 0.0, 5.0, 10.0, 11.0, 20.0, 21.0, np.nan]})
    out = run(frame, bins=[0, 10, 20], closed="left", labels=["low", "high"])
    assert out["x_bin"].tolist()[:7] == [np.nan, "low", "low", "high", "high", "high", np.nan]
    assert out["x_bin"].dtype == "str"


def test_infinite_edges():
    frame = pd.DataFrame({"x": [-1e300, 0.5, 1e300]})
    out = run(frame, bins=[-np.inf, 0, np.inf])
    assert out["x_bin"].tolist() == [1, 2, 2]


def test_equal_width_edges_and_bins():
    frame = pd.DataFrame({"x": [0, 1, 2, 5, 7, 10]})
    assert bin_edges(frame["x"], bins=2).tolist() == [5.0]
    assert run(frame, bins=2)["x_bin"].tolist() == [1, 1, 1, 1, 2, 2]
    assert run(frame, bins=2, closed="left")["x_bin"].tolist() == [1, 1, 1, 2, 2, 2]


def test_quantile_edges_are_percentile_disc_and_ties_share_a_bin():
    frame = pd.DataFrame({"x": [1, 1, 1, 1, 2, 3, 4, 5]})
    edges = bin_edges(frame["x"], bins=4, method="quantile")
    assert (
        edges.tolist() == np.quantile(frame["x"], [0.25, 0.5, 0.75], method="inverted_cdf").tolist()
    )
    out = run(frame, bins=4, method="quantile")
    assert out["x_bin"].tolist() == [1, 1, 1, 1, 3, 3, 4, 4]  # bin 2 empty: the edge repeats


def test_ecommerce_quartiles(capsys):
    orders = pk.datasets.load("ecommerce", scale="tiny").orders
    out = run(orders, "order_total", bins=4, method="quantile", labels=["q1", "q2", "q3", "q4"])
    assert set(out["order_total_bin"]) == {"q1", "q2", "q3", "q4"}


def test_empty_all_null_and_single_row_frames():
    assert run(pd.DataFrame({"x": pd.Series([], dtype="float64")}), bins=3).empty
    assert run(pd.DataFrame({"x": [np.nan, np.nan]}), bins=3)["x_bin"].isna().all()
    assert run(pd.DataFrame({"x": [4.0]}), bins=3, method="quantile")["x_bin"].tolist() == [1]
    assert run(pd.DataFrame({"x": [4.0]}), bins=3)["x_bin"].tolist() == [1]


def test_sql_text_for_equal_width():
    query = binned.sql("price", bins=2)
    assert "CAST(min(price) AS DOUBLE) + (CAST(max(price) AS DOUBLE)" in query
    assert "WHEN price <= edges.edge_1 THEN 1" in query and "ELSE 2" in query


numbers = st.one_of(
    st.none(),
    st.integers(-5, 5).map(float),  # ties at the edges
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([0.1, 0.2, 0.30000000000000004, 1 / 3]),
)


@settings(max_examples=15, deadline=None)
@given(
    values=st.lists(numbers, max_size=12),
    bins=st.integers(2, 5),
    method=st.sampled_from(["equal_width", "quantile"]),
    closed=st.sampled_from(["right", "left"]),
)
def test_computed_edges_agree_with_sql(values, bins, method, closed):
    frame = pd.DataFrame({"x": pd.Series(values, dtype="float64")})
    run(frame, bins=bins, method=method, closed=closed, engine=False)


@settings(max_examples=15, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.integers(-3, 12)), max_size=12),
    edges=st.lists(
        st.one_of(st.integers(-2, 12), st.sampled_from([0.1, 0.30000000000000004, 2.5])),
        min_size=3,
        max_size=5,
        unique=True,
    ).map(sorted),
    closed=st.sampled_from(["right", "left"]),
)
def test_custom_edges_agree_with_sql_on_integer_columns(values, edges, closed):
    frame = pd.DataFrame({"x": pd.Series(values, dtype="Int64")})
    run(frame, bins=edges, closed=closed, engine=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"bins": 1}, InvalidValueError, "bins=1; expected at least 2 bins"),
        ({"bins": [0, 5]}, InvalidValueError, "2 bin edges"),
        ({"bins": [0, 5, 5]}, InvalidValueError, r"(?s)not increasing \(5 then 5\).*\[0, 5\]"),
        ({"bins": [0, float("nan"), 5]}, InvalidValueError, "not increasing"),
        ({"bins": 3, "labels": ["a", "b"]}, InvalidValueError, "2 labels for 3 bins"),
        ({"bins": 2, "labels": [1, 2]}, InvalidValueError, "all strings"),
        ({"method": "quantiles"}, UnknownNameError, "did you mean 'quantile'"),
        ({"closed": "both"}, UnknownNameError, "Unknown closed side 'both'"),
        ({"engine": "spark"}, UnknownNameError, "Unknown engine 'spark'"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        binned(pd.DataFrame({"x": [1.0]}), "x", **kwargs)


def test_missing_column_names_the_nearest():
    with pytest.raises(UnknownNameError, match="did you mean 'order_total'"):
        binned(pd.DataFrame({"order_total": [1.0]}), "order_totl")


def test_text_column_is_refused_with_a_hint():
    with pytest.raises(InvalidValueError, match=r"(?s)dtype str.*pd.to_numeric"):
        binned(pd.DataFrame({"x": ["1", "2"]}), "x")


def test_existing_output_column_is_refused():
    with pytest.raises(InvalidValueError, match="'x_bin' is already in the frame"):
        binned(pd.DataFrame({"x": [1.0], "x_bin": [1]}), "x")
