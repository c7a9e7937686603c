"""percentile_cont / percentile_disc: pandas path, engine="duckdb" and .sql() text agree."""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.percentile import percentile_cont, percentile_disc
from pipelinekit.transforms.sql import sql

FUNCTIONS = [percentile_cont, percentile_disc]


def three_ways(function, frame: pd.DataFrame, **kwargs) -> pd.DataFrame:
    by_pandas = function(frame, **kwargs)
    by_duckdb = function(frame, engine="duckdb", **kwargs)
    by_hand = sql(function.sql(**kwargs), input=frame)
    for other in (by_duckdb, by_hand):
        pd.testing.assert_frame_equal(_nulls_alike(by_pandas), _nulls_alike(other), rtol=1e-12)
    return by_pandas


def _nulls_alike(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as Python objects, every NULL as None (DuckDB returns an all-NULL text column
    as object None, pandas keeps the str dtype with NaN)."""
    return frame.astype(object).where(frame.notna(), None)


SALES = pd.DataFrame(
    {
        "shop": ["a", "a", "a", "a", "b", "b", None, "c"],
        "amount": [4.0, 1.0, 3.0, 2.0, 9.0, None, 5.0, None],
    }
)


def test_cont_golden():
    result = three_ways(percentile_cont, SALES, column="amount", q=[0, 0.5, 0.9, 1], by="shop")
    assert list(result.columns) == ["shop", "amount_p0", "amount_p50", "amount_p90", "amount_p100"]
    assert result["shop"].tolist()[:3] == ["a", "b", "c"] and pd.isna(result["shop"].iloc[3])
    assert result["amount_p50"].tolist()[:2] == [2.5, 9.0]
    assert result["amount_p90"].iloc[0] == pytest.approx(3.7)
    assert pd.isna(result["amount_p50"].iloc[2])  # only NULLs in group 'c'
    assert result["amount_p50"].iloc[3] == 5.0  # the NULL group


def test_cont_is_pandas_linear_quantile():
    values = SALES[SALES.shop == "a"].amount
    result = percentile_cont(SALES, column="amount", q=0.3, by="shop")
    assert result["amount_p30"].iloc[0] == values.quantile(0.3, interpolation="linear")


def test_disc_golden_and_pandas_lower_differs():
    frame = pd.DataFrame({"x": [4, 1, 3, 2]})
    result = three_ways(percentile_disc, frame, column="x", q=[0.25, 0.5, 0.6])
    assert result.iloc[0].tolist() == [1, 2, 3]
    assert frame.x.quantile(0.6, interpolation="lower") == 2  # not SQL's 3
    assert np.quantile(frame.x, 0.6, method="inverted_cdf") == 3


def test_disc_reads_q_as_exact_decimal():
    frame = pd.DataFrame({"x": range(1, 26)})
    assert three_ways(percentile_disc, frame, column="x", q=0.28).iloc[0, 0] == 7
    assert 25 * 0.28 > 7  # the float product would have picked the 8th value
    assert np.quantile(frame.x, 0.28, method="inverted_cdf") == 8


def test_no_groups_and_empty_frames():
    empty = SALES.iloc[:0]
    result = three_ways(percentile_cont, empty, column="amount", q=0.5)
    assert len(result) == 1 and pd.isna(result.iloc[0, 0])
    assert len(three_ways(percentile_disc, empty, column="amount", q=0.5, by="shop")) == 0
    names = percentile_disc(SALES, column="amount", q=[0.025, 0.999]).columns.tolist()
    assert names == ["amount_p2_5", "amount_p99_9"]


@st.composite
def frames(draw):
    size = draw(st.integers(0, 20))
    values = st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=size, max_size=size)
    groups = st.lists(st.one_of(st.none(), st.sampled_from("ab")), min_size=size, max_size=size)
    return pd.DataFrame(
        {
            "g": pd.Series(draw(groups), dtype="str"),
            "h": pd.Series(draw(st.lists(st.integers(0, 1), min_size=size, max_size=size))),
            "x": pd.Series(draw(values), dtype="float64"),
        }
    )


QS = [0, 0.1, 0.25, 0.28, 0.3, 0.5, 0.7, 0.75, 0.99, 1]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frame=frames(),
    function=st.sampled_from(FUNCTIONS),
    q=st.lists(st.sampled_from(QS), min_size=1, max_size=3, unique=True),
    by=st.sampled_from([(), "g", ["g", "h"]]),
)
def test_three_ways(frame, function, q, by):
    three_ways(function, frame, column="x", q=q, by=by)


@pytest.mark.services
@pytest.mark.parametrize("function", FUNCTIONS)
def test_postgres_agrees(postgres_url, function):
    sqlalchemy = pytest.importorskip("sqlalchemy")
    frame = pd.DataFrame({"g": list("aaaaabbb") + [None], "x": [5, 1, 4, None, 2, 7, 7, 1, 3]})
    table = f"pk_percentile_{uuid.uuid4().hex[:8]}"
    query = function.sql(column="x", q=[0.1, 0.3, 0.5, 0.75], by="g", table=table)
    engine = sqlalchemy.create_engine(postgres_url)
    try:
        frame.to_sql(table, engine, index=False)
        with engine.connect() as connection:
            expected = pd.read_sql(sqlalchemy.text(query), connection)
    finally:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()
    ours = function(frame, column="x", q=[0.1, 0.3, 0.5, 0.75], by="g")
    pd.testing.assert_frame_equal(ours, expected, check_dtype=False, rtol=1e-12)


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"column": "amount", "q": 1.5}, InvalidValueError, "q=1.5; expected a fraction"),
        ({"column": "amount", "q": True}, InvalidValueError, "q=True"),
        ({"column": "amount", "q": []}, InvalidValueError, "An empty list of q"),
        ({"column": "amount", "q": [0.5, 0.5]}, InvalidValueError, "repeats a percentile"),
        ({"column": "amount", "q": 0.5, "by": [1]}, InvalidValueError, "by=\\[1\\]"),
        ({"column": "amonut", "q": 0.5}, UnknownNameError, "did you mean 'amount'"),
        ({"column": "amount", "q": 0.5, "by": "shp"}, UnknownNameError, "Unknown column 'shp'"),
        ({"column": "shop", "q": 0.5}, InvalidValueError, "of column 'shop' of dtype"),
        ({"column": "amount", "q": 0.5, "engine": "polars"}, UnknownNameError, "engine"),
    ],
)
def test_errors(function, kwargs, error, match):
    with pytest.raises(error, match=match):
        function(SALES, **kwargs)


def test_not_a_frame():
    with pytest.raises(InvalidValueError, match="A Series as the data"):
        percentile_cont(SALES["amount"], column="amount", q=0.5)
