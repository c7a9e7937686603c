import pandas as pd
import pytest
from feature_engines import three_ways
from hypothesis import given, settings
from hypothesis import strategies as st

import pipelinekit as pk
from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.encoding import (
    frequency_encoding,
    frequency_encoding_sql,
    one_hot,
    one_hot_sql,
)


def one_hot_three_ways(frame, categories=None, engine=True, **kwargs):
    if categories is None:
        expected = sorted(frame["c"].dropna().unique().tolist())
        query = one_hot_sql("c", categories=expected, **kwargs)
    else:
        query = one_hot_sql("c", categories=categories, **kwargs)
        kwargs["categories"] = categories
    return three_ways(one_hot, frame, "c", query=query, engine=engine, **kwargs)


def frequency_three_ways(frame, engine=True, **kwargs):
    query = frequency_encoding_sql("c", **kwargs)
    return three_ways(frequency_encoding, frame, "c", query=query, engine=engine, **kwargs)


def test_one_hot_ecommerce_channel_names_and_order():
    orders = pk.datasets.load("ecommerce", scale="tiny").orders[["order_id", "channel"]]
    out = three_ways(
        one_hot,
        orders,
        "channel",
        query=one_hot_sql("channel", categories=["app", "marketplace", "web"]),
    )
    assert out.columns.tolist()[2:] == ["channel=app", "channel=marketplace", "channel=web"]
    assert (out.iloc[:, 2:].sum(axis=1) == 1).all()


def test_one_hot_null_and_unseen_values_are_all_zeros():
    frame = pd.DataFrame({"c": ["web", None, "fax", "app"]})
    out = one_hot_three_ways(frame, categories=["web", "app"])
    assert out[["c=web", "c=app"]].values.tolist() == [[1, 0], [0, 0], [0, 0], [0, 1]]


def test_one_hot_numbers_and_categoricals():
    numbers = pd.DataFrame({"c": [3, 1, 3]})
    assert one_hot_three_ways(numbers).columns.tolist() == ["c", "c=1", "c=3"]
    categorical = pd.DataFrame({"c": pd.Categorical(["b", None, "a"], categories=["b", "a", "z"])})
    assert one_hot_three_ways(categorical).columns.tolist() == ["c", "c=a", "c=b"]


def test_frequency_count_and_share_with_nulls_as_a_group():
    frame = pd.DataFrame({"c": ["web", None, "web", None, "app"]})
    assert frequency_three_ways(frame)["c_count"].tolist() == [2, 2, 2, 2, 1]
    shares = frequency_three_ways(frame, frequency="share", name="share")["share"]
    assert shares.tolist() == [0.4, 0.4, 0.4, 0.4, 0.2]


def test_empty_frames():
    empty = pd.DataFrame({"c": pd.Series([], dtype="str")})
    assert frequency_three_ways(empty).empty
    assert one_hot_three_ways(empty, categories=["a"]).empty


values = st.lists(
    st.one_of(st.none(), st.sampled_from(["a", "b", "O'Neil", "é", "B"])), max_size=10
)


@settings(max_examples=15, deadline=None)
@given(values=values, frequency=st.sampled_from(["count", "share"]))
def test_frequency_agrees_with_sql(values, frequency):
    frame = pd.DataFrame({"c": pd.Series(values, dtype="str")})
    frequency_three_ways(frame, frequency=frequency, engine=False)


@settings(max_examples=15, deadline=None)
@given(values=values)
def test_one_hot_agrees_with_sql(values):
    frame = pd.DataFrame({"c": pd.Series(values, dtype="str")})
    distinct = frame["c"].dropna().unique()
    if len(distinct) and len({value.casefold() for value in distinct}) == len(distinct):
        one_hot_three_ways(frame, engine=False)


def test_too_many_categories_hint():
    frame = pd.DataFrame({"c": [f"id{i}" for i in range(30)]})
    with pytest.raises(InvalidValueError, match=r"(?s)30 categories.*max_categories=30"):
        one_hot(frame, "c")
    assert one_hot(frame, "c", max_categories=30).shape == (30, 31)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda f: one_hot(f, "chanel"), UnknownNameError, "did you mean 'channel'"),
        (lambda f: one_hot(f, "channel", categories=["a", "a"]), InvalidValueError, "Repeated"),
        (lambda f: one_hot(f, "channel", categories=["Web", "web"]), InvalidValueError, "case"),
        (
            lambda f: frequency_encoding(f, "channel", frequency="ratio"),
            UnknownNameError,
            "frequency",
        ),
        (lambda f: frequency_encoding(f, "chanel"), UnknownNameError, "channel"),
        (lambda f: one_hot(f, "channel", engine="spark"), UnknownNameError, "engine"),
        (
            lambda f: one_hot(f.assign(**{"channel=web": 1}), "channel"),
            InvalidValueError,
            "already",
        ),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call(pd.DataFrame({"channel": ["web"]}))
