import numpy as np
import pandas as pd
import pytest
from feature_engines import three_ways
from hypothesis import given, settings
from hypothesis import strategies as st

import pipelinekit as pk
from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.interactions import (
    polynomial_features,
    polynomial_features_sql,
    polynomial_terms,
)


def run(frame, columns, engine=True, **kwargs):
    query = polynomial_features_sql(columns, **kwargs)
    return three_ways(polynomial_features, frame, columns, query=query, engine=engine, **kwargs)


def test_names_follow_scikit_learn_order():
    names = list(polynomial_terms(["price", "quantity"], degree=3))
    assert names == [
        "price^2",
        "price*quantity",
        "quantity^2",
        "price^3",
        "price^2*quantity",
        "price*quantity^2",
        "quantity^3",
    ]
    assert list(polynomial_terms(["a", "b", "c"], interaction_only=True)) == ["a*b", "a*c", "b*c"]


def test_ecommerce_items_and_null_propagation():
    items = pk.datasets.load("ecommerce", scale="tiny").order_items
    out = run(items, ["unit_price", "quantity"], degree=3)
    assert np.array_equal(out["unit_price*quantity"], items["unit_price"] * items["quantity"])
    frame = pd.DataFrame({"a": [2.0, None], "b": [3, 4]})
    out = run(frame, ["a", "b"])
    assert out["b^2"].tolist() == [9.0, 16.0] and out.loc[1, ["a^2", "a*b"]].isna().all()


def test_integers_do_not_overflow_and_names_are_quoted():
    frame = pd.DataFrame({"order total": [3_000_000_000], "q": pd.Series([2], dtype="Int64")})
    out = run(frame, ["order total", "q"])
    assert out["order total^2"].tolist() == [9e18]


def test_empty_frame():
    assert run(pd.DataFrame({"a": pd.Series([], dtype="float64")}), ["a"]).empty


numbers = st.one_of(st.none(), st.floats(-1e5, 1e5, allow_nan=False), st.integers(-9, 9).map(float))


@settings(max_examples=15, deadline=None)
@given(rows=st.lists(st.tuples(numbers, numbers), max_size=6), degree=st.integers(2, 3))
def test_products_agree_with_sql_to_the_bit(rows, degree):
    frame = pd.DataFrame(rows, columns=["a", "b"], dtype="float64")
    run(frame, ["a", "b"], degree=degree, engine=False)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda f: polynomial_features(f, ["prize"]), UnknownNameError, "did you mean 'price'"),
        (lambda f: polynomial_features(f, ["name"]), InvalidValueError, "pd.to_numeric"),
        (lambda f: polynomial_features(f, ["price"], degree=1), InvalidValueError, "degree=1"),
        (lambda f: polynomial_features(f, []), InvalidValueError, "columns="),
        (lambda f: polynomial_features(f, ["price", "price"]), InvalidValueError, "distinct"),
        (lambda f: polynomial_features(f, ["price"], engine="x"), UnknownNameError, "engine"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call(pd.DataFrame({"price": [1.0], "name": ["a"]}))
