"""Time series transforms: pandas path, engine="duckdb" and the .sql() text agree."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import pipelinekit as pk
from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms import timeseries as ts
from pipelinekit.transforms.sql import sql

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Equal cell by cell; NULL is NULL whatever its dtype."""
    assert list(left.columns) == list(right.columns)
    pd.testing.assert_frame_equal(
        left.astype(object).where(left.notna(), None).reset_index(drop=True),
        right.astype(object).where(right.notna(), None).reset_index(drop=True),
        check_dtype=False,
        check_exact=False,
        rtol=1e-9,
    )


def three_ways(function, query: str, frame: pd.DataFrame, **kwargs) -> pd.DataFrame:
    by_pandas = function(frame, **kwargs)
    by_duckdb = function(frame, engine="duckdb", **kwargs)
    pd.testing.assert_frame_equal(by_pandas, by_duckdb, check_exact=False, rtol=1e-9)
    numbered = frame.reset_index(drop=True).assign(__pk_row=range(len(frame)))
    by_hand = sql(query, input=numbered)
    if "__pk_row" in by_hand.columns:  # add-column twins: back in the frame's order
        by_hand = by_hand.sort_values("__pk_row").drop(columns="__pk_row")
    same(by_pandas, by_hand)
    return by_pandas


@pytest.fixture(scope="module")
def readings() -> pd.DataFrame:
    return pk.datasets.load("iot", scale="tiny").readings


def stamps(*texts: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(texts), format="ISO8601")).astype("datetime64[us]")


# ----------------------------------------------------------------------------- resample


@pytest.mark.parametrize("every", ["1h", "6h", "1d", "2d", "1w", "1mo", "3mo"])
@pytest.mark.parametrize(("label", "week_start"), [("start", "monday"), ("end", "sunday")])
def test_resample_iot_engines_agree(
    readings: pd.DataFrame, every: str, label: str, week_start: str
) -> None:
    frame = readings.iloc[::7]
    agg = {"temperature_c": ["mean", "max"], "power_kw": "count"}
    kwargs = dict(
        on="read_at", every=every, by="device_id", agg=agg, label=label, week_start=week_start
    )
    result = three_ways(ts.resample, ts.resample.sql(**kwargs), frame, **kwargs)
    assert result.columns.tolist() == [
        "device_id",
        "read_at",
        "temperature_c_mean",
        "temperature_c_max",
        "power_kw_count",
    ]


def test_resample_golden_weeks_and_labels() -> None:
    frame = pd.DataFrame(
        {
            "ts": stamps("2024-01-06 10:00", "2024-01-07 10:00", "2024-01-08 00:00", None),
            "x": [1, 2, 4, 8],
        }
    )
    monday = ts.resample(frame, on="ts", every="1w", agg="sum")
    assert monday["ts"].tolist()[:2] == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08")]
    assert monday["x_sum"].tolist() == [3.0, 4.0, 8.0]  # the NULL timestamp is a NULL bucket
    sunday = ts.resample(frame, on="ts", every="1w", agg="sum", week_start="sunday", label="end")
    assert sunday["ts"].tolist()[:2] == [pd.Timestamp("2024-01-07"), pd.Timestamp("2024-01-14")]
    assert sunday["x_sum"].tolist() == [1.0, 6.0, 8.0]


# ----------------------------------------------------------------------------- fill_gaps


def gappy() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "device": ["a", "a", "a", "b", "b", None],
            "ts": stamps(
                "2024-01-01 00:00",
                "2024-01-01 03:00",
                "2024-01-01 04:00",
                "2024-01-01 01:00",
                "2024-01-01 02:00",
                "2024-01-01 05:00",
            ),
            "kw": [1.0, 4.0, None, 2.0, 3.0, 7.0],
            "note": ["x", None, "z", "p", "q", "r"],
        }
    )


@pytest.mark.parametrize("method", ["none", "ffill", "interpolate", 0.5])
def test_fill_gaps_engines_agree(method: object) -> None:
    frame = gappy()
    columns = ["kw"] if method == 0.5 else None
    kwargs = dict(on="ts", every="1h", by="device", method=method, columns=columns)
    filled = ts._fill_columns(frame, "ts", ["device"], method, columns)
    query = ts.fill_gaps.sql(
        on="ts",
        every="1h",
        by="device",
        method=method,
        columns=filled,
        all_columns=list(frame.columns),
    )
    result = three_ways(ts.fill_gaps, query, frame, **kwargs)
    assert result["ts"].tolist()[:5] == list(pd.date_range("2024-01-01", periods=5, freq="h"))
    expected = {
        "none": [1.0, None, None, 4.0, None],
        "ffill": [1.0, 1.0, 1.0, 4.0, 4.0],
        "interpolate": [1.0, 2.0, 3.0, 4.0, None],
        0.5: [1.0, 0.5, 0.5, 4.0, 0.5],
    }[method]
    assert [None if pd.isna(v) else v for v in result["kw"][:5]] == expected
    assert len(result) == 5 + 2 + 1


def test_fill_gaps_months_and_the_iot_readings(readings: pd.DataFrame) -> None:
    monthly = pd.DataFrame({"m": stamps("2024-01-01", "2024-04-01"), "v": [1.0, 4.0]})
    result = ts.fill_gaps(monthly, on="m", every="1mo", method="interpolate", engine="duckdb")
    assert result["m"].dt.month.tolist() == [1, 2, 3, 4]
    np.testing.assert_allclose(result["v"], [1.0, 1 + 3 * 31 / 91, 1 + 3 * 60 / 91, 4.0])
    device_7 = readings[readings["device_id"].isin([6, 7])]
    kwargs = dict(
        on="read_at", every="1h", by="device_id", method="ffill", columns=["temperature_c"]
    )
    by_pandas = ts.fill_gaps(device_7, **kwargs)
    pd.testing.assert_frame_equal(by_pandas, ts.fill_gaps(device_7, engine="duckdb", **kwargs))
    assert len(by_pandas) > len(device_7) and by_pandas["temperature_c"].notna().all()


@SETTINGS
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", None]),
            st.integers(0, 12),
            st.one_of(st.none(), st.integers(-9, 9)),
        ),
        min_size=1,
        max_size=10,
    ),
    method=st.sampled_from(["none", "ffill", "interpolate", -1.0]),
)
def test_fill_gaps_properties(rows: list, method: object) -> None:
    frame = pd.DataFrame(rows, columns=["g", "step", "v"]).drop_duplicates(["g", "step"])
    frame = frame.assign(
        ts=pd.Timestamp("2024-01-01") + pd.to_timedelta(frame["step"] * 2, unit="h")
    )
    frame = frame[["g", "ts", "v"]].astype({"v": "float64", "g": "str", "ts": "datetime64[us]"})
    kwargs = dict(on="ts", every="2h", by="g", method=method)
    query = ts.fill_gaps.sql(columns=["v"], all_columns=["g", "ts", "v"], **kwargs)
    three_ways(ts.fill_gaps, query, frame, **kwargs)


# ----------------------------------------------------------------------------- rolling, lag, diff


def test_rolling_time_includes_the_left_edge_and_peers() -> None:
    frame = pd.DataFrame(
        {
            "ts": stamps("2024-01-01", "2024-01-03", "2024-01-03", "2024-01-05", None),
            "kw": [1.0, 2.0, 4.0, 8.0, 16.0],
        }
    )
    kwargs = dict(on="ts", column="kw", window="2D", agg="sum")
    result = three_ways(ts.rolling_time, ts.rolling_time.sql(**kwargs), frame, **kwargs)
    assert result["kw_sum_2D"].tolist() == [1.0, 7.0, 7.0, 14.0, 16.0]
    pandas_idiom = frame.dropna().rolling("2D", on="ts")["kw"].sum().tolist()
    assert pandas_idiom == [1.0, 2.0, 6.0, 8.0]  # (t - 2D, t], row by row


@pytest.mark.parametrize("function", [ts.lag, ts.diff, ts.pct_change])
@pytest.mark.parametrize("periods", [1, 2, -1])
def test_offsets_iot_engines_agree(readings: pd.DataFrame, function, periods: int) -> None:
    frame = readings.sample(300, random_state=0)  # shuffled: order by time, not by row
    kwargs = dict(on="read_at", column="temperature_c", by="device_id", periods=periods)
    three_ways(function, function.sql(**kwargs), frame, **kwargs)


def test_pct_change_of_zero_is_null_and_lag_of_text() -> None:
    frame = pd.DataFrame(
        {
            "ts": stamps("2024-01-02", "2024-01-01", "2024-01-03"),
            "v": [3.0, 0.0, 6.0],
            "s": ["b", "a", "c"],
        }
    )
    kwargs = dict(on="ts", column="v")
    result = three_ways(ts.pct_change, ts.pct_change.sql(**kwargs), frame, **kwargs)
    assert [None if pd.isna(v) else v for v in result["v_pct_change"]] == [None, None, 1.0]
    lagged = three_ways(ts.lag, ts.lag.sql(on="ts", column="s"), frame, on="ts", column="s")
    assert lagged["s_lag_1"].tolist()[0] == "a"


# ----------------------------------------------------------------------------- period over period


def test_week_over_week_joins_on_the_bucket_not_the_row() -> None:
    frame = pd.DataFrame(
        {
            "store": ["x", "x", "x", "y", None, None],
            "week": stamps(
                "2024-01-01", "2024-01-08", "2024-01-22", "2024-01-08", "2024-01-01", "2024-01-08"
            ),
            "sales": [100.0, 120.0, 90.0, 50.0, 0.0, 5.0],
        }
    )
    kwargs = dict(on="week", column="sales", by="store", period="week")
    result = three_ways(ts.period_over_period, ts.period_over_period.sql(**kwargs), frame, **kwargs)
    assert result["sales_prev_week"].fillna(-1).tolist() == [-1, 100.0, -1, -1, -1, 0.0]
    assert result["sales_pct_change_week"].fillna(-1).tolist() == [-1, 0.2, -1, -1, -1, -1]


@SETTINGS
@given(
    days=st.lists(
        st.dates(
            min_value=pd.Timestamp("2023-01-01").date(), max_value=pd.Timestamp("2024-12-31").date()
        ),
        min_size=1,
        max_size=12,
        unique=True,
    ),
    period=st.sampled_from(["day", "week", "month", "quarter", "year"]),
)
def test_period_over_period_properties(days: list, period: str) -> None:
    frame = pd.DataFrame(
        {
            "d": pd.to_datetime(days).astype("datetime64[us]"),
            "v": np.arange(len(days), dtype="float64"),
        }
    )
    frame = pd.concat(
        [frame, frame.assign(d=frame["d"] + pd.DateOffset(years=1))], ignore_index=True
    )
    frame = frame.drop_duplicates("d")
    kwargs = dict(on="d", column="v", period=period)
    three_ways(ts.period_over_period, ts.period_over_period.sql(**kwargs), frame, **kwargs)


# ----------------------------------------------------------------------------- decompose


@pytest.mark.parametrize("method", ["classical", "stl"])
def test_decompose_iot_temperature(readings: pd.DataFrame, method: str) -> None:
    frame = readings[readings["device_id"].isin([1, 2])]
    parts = ts.decompose(
        frame, on="read_at", column="temperature_c", period=24, by="device_id", method=method
    )
    assert parts.columns.tolist() == [
        "device_id",
        "read_at",
        "observed",
        "trend",
        "seasonal",
        "residual",
    ]
    assert len(parts) == len(frame)
    inner = parts.dropna()
    np.testing.assert_allclose(inner.trend + inner.seasonal + inner.residual, inner.observed)
    assert parts["seasonal"].abs().max() > 0


# ----------------------------------------------------------------------------- errors


def test_time_column_errors() -> None:
    frame = pd.DataFrame({"ts": ["2024-01-01"], "v": [1.0]})
    with pytest.raises(InvalidValueError, match="(?s)Column 'ts' of type .*pd.to_datetime"):
        ts.resample(frame, on="ts", every="1h", agg="sum")
    aware = pd.DataFrame({"ts": pd.to_datetime(["2024-01-01"]).tz_localize("UTC"), "v": [1.0]})
    with pytest.raises(InvalidValueError, match="has time zone UTC"):
        ts.resample(aware, on="ts", every="1h", agg="sum")
    with pytest.raises(UnknownNameError, match="(?s)Unknown column 'tim'"):
        ts.lag(frame, on="tim", column="v")


def test_every_and_choice_errors() -> None:
    frame = pd.DataFrame({"ts": stamps("2024-01-01"), "v": [1.0], "s": ["a"]})
    with pytest.raises(InvalidValueError, match="(?s)Interval '5m'.*'min'"):
        ts.resample(frame, on="ts", every="5m", agg="sum")
    with pytest.raises(UnknownNameError, match="Unknown label 'middle'"):
        ts.resample(frame, on="ts", every="1h", agg="sum", label="middle")
    with pytest.raises(
        UnknownNameError, match="(?s)Unknown aggregation 'avg'.*Hint: SQL's avg is called 'mean'"
    ):
        ts.resample(frame, on="ts", every="1h", agg={"v": "avg"})
    with pytest.raises(InvalidValueError, match="agg='mean' over column 's'"):
        ts.resample(frame, on="ts", every="1h", agg={"s": "mean"})
    with pytest.raises(InvalidValueError, match="both aggregated and a time or group column"):
        ts.resample(frame, on="ts", every="1h", agg={"ts": "count"})
    with pytest.raises(InvalidValueError, match="No numeric columns"):
        ts.resample(frame[["ts", "s"]], on="ts", every="1h", agg="sum")
    with pytest.raises(UnknownNameError, match="Unknown period 'fortnight'"):
        ts.period_over_period(frame, on="ts", column="v", period="fortnight")
    with pytest.raises(InvalidValueError, match="a numeric column to compare"):
        ts.period_over_period(frame, on="ts", column="s")


def test_fill_gaps_errors() -> None:
    frame = gappy()
    with pytest.raises(InvalidValueError, match="(?s)not on the 2 hour grid.*resample"):
        ts.fill_gaps(frame, on="ts", every="2h", by="device")
    with pytest.raises(InvalidValueError, match="(?s)2 rows share a timestamp.*resample"):
        ts.fill_gaps(pd.concat([frame.iloc[:1], frame.iloc[:1]]), on="ts", every="1h")
    with pytest.raises(InvalidValueError, match="1 NULL timestamps"):
        ts.fill_gaps(
            frame.assign(ts=frame["ts"].where(frame.index > 0)), on="ts", every="1h", by="device"
        )
    with pytest.raises(UnknownNameError, match="Unknown fill method 'linear'"):
        ts.fill_gaps(frame, on="ts", every="1h", by="device", method="linear")
    with pytest.raises(InvalidValueError, match="method='interpolate' on column 'note'"):
        ts.fill_gaps(
            frame, on="ts", every="1h", by="device", method="interpolate", columns=["note"]
        )
    with pytest.raises(InvalidValueError, match="Fill value 0 for column 'note'"):
        ts.fill_gaps(frame, on="ts", every="1h", by="device", method=0, columns=["note"])
    with pytest.raises(InvalidValueError, match="is the time or a group column"):
        ts.fill_gaps(frame, on="ts", every="1h", by="device", columns=["device"])
    with pytest.raises(InvalidValueError, match=r"method=None"):
        ts.fill_gaps(frame, on="ts", every="1h", by="device", method=None)


def test_rolling_and_offset_errors() -> None:
    frame = pd.DataFrame(
        {"ts": stamps("2024-01-01", "2024-01-01"), "v": [1.0, 2.0], "s": ["a", "b"]}
    )
    with pytest.raises(InvalidValueError, match="(?s)Window length '1 month'.*ROWS window"):
        ts.rolling_time(frame, on="ts", column="v", window="1 month")
    with pytest.raises(InvalidValueError, match="a positive duration"):
        ts.rolling_time(frame, on="ts", column="v", window="-1D")
    with pytest.raises(UnknownNameError, match="Unknown aggregation 'median'"):
        ts.rolling_time(frame, on="ts", column="v", agg="median")
    with pytest.raises(InvalidValueError, match="(?s)2 rows share a timestamp.*one row per ts"):
        ts.diff(frame, on="ts", column="v")
    with pytest.raises(InvalidValueError, match="periods=0"):
        ts.lag(frame.iloc[:1], on="ts", column="v", periods=0)
    with pytest.raises(InvalidValueError, match="diff of column 's'"):
        ts.diff(frame.iloc[:1], on="ts", column="s")


def test_decompose_errors(readings: pd.DataFrame) -> None:
    one = readings[readings["device_id"] == 1]
    with pytest.raises(InvalidValueError, match="(?s)A series of 30 rows.*2 x period = 48"):
        ts.decompose(one.iloc[:30], on="read_at", column="temperature_c", period=24)
    with pytest.raises(InvalidValueError, match="(?s)Unevenly spaced.*fill_gaps"):
        ts.decompose(one.drop(one.index[5]), on="read_at", column="temperature_c", period=24)
    with pytest.raises(InvalidValueError, match="(?s)NULL or non-numeric.*interpolate"):
        ts.decompose(
            one.assign(temperature_c=np.nan), on="read_at", column="temperature_c", period=24
        )
    with pytest.raises(InvalidValueError, match="period=1"):
        ts.decompose(one, on="read_at", column="temperature_c", period=1)
    with pytest.raises(UnknownNameError, match="Unknown method 'x11'"):
        ts.decompose(one, on="read_at", column="temperature_c", period=24, method="x11")
