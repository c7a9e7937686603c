import math

import pandas as pd
import pytest
from feature_engines import three_ways
from hypothesis import given, settings
from hypothesis import strategies as st

import pipelinekit as pk
from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.dates import (
    DATE_PARTS,
    cyclical_features,
    cyclical_features_sql,
    date_parts,
    date_parts_sql,
)


def parts_three_ways(frame, engine=True, **kwargs):
    query = date_parts_sql("ts", **kwargs)
    return three_ways(date_parts, frame, "ts", query=query, engine=engine, **kwargs)


def cyclical_three_ways(frame, engine=True, **kwargs):
    query = cyclical_features_sql("ts", **kwargs)
    return three_ways(cyclical_features, frame, "ts", query=query, engine=engine, **kwargs)


TIMES = pd.DataFrame(
    {
        "ts": pd.to_datetime(
            [
                "2024-12-29 23:59:59",
                "2024-12-30 00:00:00",
                "2021-01-03 12:00:00",
                None,
                "2024-02-29 06:30:00",
            ]
        )
    }
)


@pytest.mark.parametrize("week_start", ["monday", "sunday"])
def test_all_parts_golden(week_start):
    out = parts_three_ways(TIMES, parts=DATE_PARTS, week_start=week_start)
    row = out.iloc[0]  # Sunday 29 December 2024
    assert row["ts_weekday"] == (7 if week_start == "monday" else 1)
    assert bool(row["ts_is_weekend"]) is True
    assert (row["ts_iso_week"], row["ts_iso_year"], row["ts_day_of_year"]) == (52, 2024, 364)
    monday = out.iloc[1]
    assert (monday["ts_iso_week"], monday["ts_iso_year"], monday["ts_year"]) == (1, 2025, 2024)
    assert out.iloc[2][["ts_iso_week", "ts_iso_year"]].tolist() == [53, 2020]
    assert out.iloc[3].drop("ts").isna().all()
    assert out["ts_quarter"].dtype == "Int64" and out["ts_is_weekend"].dtype == "boolean"


def test_ecommerce_orders():
    orders = pk.datasets.load("ecommerce", scale="tiny").orders[["order_id", "ordered_at"]]
    out = three_ways(
        date_parts,
        orders,
        "ordered_at",
        query=date_parts_sql("ordered_at", parts=["month"]),
        parts=["month"],
    )
    assert out["ordered_at_month"].between(1, 12).all()


def test_cyclical_golden_values_are_on_the_circle():
    out = cyclical_three_ways(TIMES)
    sin, cos = out["ts_hour_sin"], out["ts_hour_cos"]
    assert ((sin**2 + cos**2).dropna() - 1).abs().max() < 1e-12
    assert out.loc[4, "ts_hour_sin"] == math.sin(2 * math.pi * 6 / 24)
    assert out.loc[1, "ts_weekday_sin"] == 0.0  # Monday is 0
    assert out.loc[3].drop("ts").isna().all()


def test_empty_frame():
    empty = pd.DataFrame({"ts": pd.Series([], dtype="datetime64[us]")})
    assert parts_three_ways(empty, parts=["year", "is_weekend"]).empty
    assert cyclical_three_ways(empty, parts=["month"]).empty


timestamps = st.one_of(
    st.none(),
    st.datetimes(min_value=pd.Timestamp("1990-01-01"), max_value=pd.Timestamp("2040-12-31")),
)


@settings(max_examples=15, deadline=None)
@given(values=st.lists(timestamps, max_size=8), week_start=st.sampled_from(["monday", "sunday"]))
def test_parts_agree_with_sql(values, week_start):
    frame = pd.DataFrame({"ts": pd.Series(values, dtype="datetime64[us]")})
    parts_three_ways(frame, parts=DATE_PARTS, week_start=week_start, engine=False)


@settings(max_examples=15, deadline=None)
@given(values=st.lists(timestamps, max_size=8))
def test_cyclical_agree_with_sql(values):
    frame = pd.DataFrame({"ts": pd.Series(values, dtype="datetime64[us]")})
    cyclical_three_ways(frame, engine=False)


def test_text_dates_hint_to_datetime():
    with pytest.raises(InvalidValueError, match=r"(?s)dtype str.*pd.to_datetime"):
        date_parts(pd.DataFrame({"ts": ["2024-01-01"]}), "ts")
    with pytest.raises(InvalidValueError, match="expected a datetime column"):
        cyclical_features(pd.DataFrame({"ts": [1, 2]}), "ts")


def test_time_zone_aware_column_runs_in_pandas_only():
    frame = pd.DataFrame({"ts": pd.to_datetime(["2024-01-01 23:30"]).tz_localize("Europe/Paris")})
    assert date_parts(frame, "ts", parts=["hour"])["ts_hour"].tolist() == [23]
    with pytest.raises(InvalidValueError, match=r"(?s)time-zone aware.*tz_localize"):
        date_parts(frame, "ts", parts=["hour"], engine="duckdb")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda f: date_parts(f, "ts", parts=["weekdays"]), UnknownNameError, "did you mean"),
        (lambda f: date_parts(f, "ts", parts=[]), InvalidValueError, "No date parts"),
        (lambda f: date_parts(f, "ts", parts=["year", "year"]), InvalidValueError, "Repeated"),
        (lambda f: date_parts(f, "ts", week_start="friday"), UnknownNameError, "week start"),
        (lambda f: date_parts(f, "ta"), UnknownNameError, "Unknown column 'ta'"),
        (lambda f: cyclical_features(f, "ts", parts=["day"]), UnknownNameError, "cyclical part"),
        (lambda f: cyclical_features(f, "ts", engine="sql"), UnknownNameError, "engine"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call(TIMES)
