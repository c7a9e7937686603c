"""Anomaly detectors on a month of recorded history: flagged at the threshold, never before."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.detect import (
    DETECTORS,
    describe,
    detect,
    mad,
    rate_of_change,
    seasonal,
    zscore,
)
from pipelinekit.quality.history import metric_history, record
from pipelinekit.quality.suggest import HandProfile

DROP_DAY = 25  # the row count falls to 4,000
JUMP_DAY = 18  # the null share of email jumps from 1 % to 5 % and stays there
START = pd.Timestamp("2024-04-01")  # a Monday


def month() -> list[tuple[pd.Timestamp, int, int]]:
    """(day, rows, nulls) for 30 daily runs with seeded noise (no weekly pattern here).

    The seed gives a first week like the rest of the month. With only 7 to 20 earlier
    points a spread is a rough estimate, and a 3-sigma band then has a few per cent of
    false alarms per point: other seeds flag an ordinary day or two before the drop.
    """
    rng = np.random.default_rng(2)
    days = []
    for day in range(1, 31):
        at = START + pd.Timedelta(days=day - 1)
        rows = 10_000 + int(rng.normal(0, 50))
        if day == DROP_DAY:
            rows = 4_000
        share = (0.05 if day >= JUMP_DAY else 0.01) + rng.normal(0, 0.0005)
        days.append((at, rows, round(rows * share)))
    return days


def profile(rows: int, nulls: int) -> HandProfile:
    columns = pd.DataFrame(
        [
            {
                "column": "email",
                "family": "string",
                "rows": rows,
                "non_null": rows - nulls,
                "nulls": nulls,
                "null_share": nulls / rows,
            }
        ]
    )
    return HandProfile({"rows": rows, "duplicate_rows": 0, "name": "customers"}, columns)


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory):
    where = tmp_path_factory.mktemp("history") / "metadata.duckdb"
    for at, rows, nulls in month():
        record(profile=profile(rows, nulls), path=where, at=at)
    return where


@pytest.fixture(scope="module")
def rows(path) -> pd.DataFrame:
    return metric_history("customers", "rows", path=path)


@pytest.fixture(scope="module")
def null_share(path) -> pd.DataFrame:
    return metric_history("customers", "null_share", column="email", path=path)


def day(found: pd.DataFrame, number: int) -> pd.Series:
    return found.iloc[number - 1]


def flagged_days(found: pd.DataFrame) -> list[int]:
    return [int((at - START).days) + 1 for at in found.loc[found["is_anomaly"], "at"]]


# ---------------------------------------------------------------------- the month
@pytest.mark.parametrize("method", sorted(DETECTORS))
def test_the_row_count_drop_is_the_first_anomaly(rows: pd.DataFrame, method: str) -> None:
    found = detect(rows, method)
    assert flagged_days(found)[0] == DROP_DAY
    drop = day(found, DROP_DAY)
    assert drop["value"] == 4_000 and drop["value"] < drop["lower"]
    assert found.attrs["detector"] == method and found.attrs["table"] == "customers"


@pytest.mark.parametrize("method", sorted(DETECTORS))
def test_the_null_share_jump_is_the_first_anomaly(null_share: pd.DataFrame, method: str) -> None:
    found = detect(null_share, method)
    assert flagged_days(found)[0] == JUMP_DAY
    assert day(found, JUMP_DAY)["value"] > day(found, JUMP_DAY)["upper"]


@pytest.mark.parametrize(
    ("method", "key"),
    [
        ("zscore", "threshold"),
        ("mad", "threshold"),
        ("seasonal", "threshold"),
        ("rate_of_change", "max_change"),
    ],
)
def test_a_point_is_flagged_exactly_when_its_score_passes_the_threshold(
    rows: pd.DataFrame, method: str, key: str
) -> None:
    drop = abs(day(detect(rows, method), DROP_DAY)["score"])
    assert day(detect(rows, method, **{key: drop * 0.99}), DROP_DAY)["is_anomaly"]
    assert not day(detect(rows, method, **{key: drop * 1.01}), DROP_DAY)["is_anomaly"]


def test_the_band_is_the_baseline_plus_or_minus_the_threshold(rows: pd.DataFrame) -> None:
    found = zscore(rows, threshold=3)
    before = rows["value"].iloc[: DROP_DAY - 1]
    drop = day(found, DROP_DAY)
    assert drop["expected"] == pytest.approx(before.mean())
    assert drop["upper"] - drop["expected"] == pytest.approx(3 * before.std())
    assert drop["score"] == pytest.approx((4_000 - before.mean()) / before.std())
    last_week = zscore(rows, window=7)
    assert day(last_week, DROP_DAY)["expected"] == pytest.approx(before.iloc[-7:].mean())


def test_rate_of_change_compares_with_the_previous_run(rows: pd.DataFrame) -> None:
    found = rate_of_change(rows, max_change=0.5)
    drop, previous = day(found, DROP_DAY), rows["value"].iloc[DROP_DAY - 2]
    assert drop["expected"] == previous
    assert drop["score"] == pytest.approx((4_000 - previous) / previous)
    assert (drop["lower"], drop["upper"]) == (previous * 0.5, previous * 1.5)
    assert flagged_days(found) == [DROP_DAY, DROP_DAY + 1]  # down, then back up


def test_describe_says_the_rule_the_thresholds_and_the_anomalies(rows: pd.DataFrame) -> None:
    text = describe(mad(rows, threshold=4))
    assert text.startswith(
        "mad on rows of customers: a point is an anomaly when 0.6745 × |value - median| / MAD"
        " > 4, over the earlier points (all of them), once there are at least 7. 30 points,"
        " 23 judged, 1 anomaly:"
    )
    assert "\n  2024-04-25: 4000 outside [" in text
    assert mad(rows, threshold=4).attrs["params"] == {
        "threshold": 4,
        "window": None,
        "min_history": 7,
    }
    assert "same phase" in describe(seasonal(rows)) and "period 7 rows" in describe(seasonal(rows))


def test_a_weekly_pattern_hides_a_weekday_drop_from_zscore_but_not_from_seasonal() -> None:
    values = [1000.0 if (d % 7) < 5 else 200.0 for d in range(28)]
    values = [v + (d % 3) for d, v in enumerate(values)]
    values[23] = 600.0  # a Wednesday at weekend level-ish: low for a weekday
    history = pd.DataFrame({"at": pd.date_range(START, periods=28), "value": values})
    assert not zscore(history)["is_anomaly"].any()
    found = seasonal(history, period=7)
    assert flagged_days(found) == [24]
    assert day(found, 24)["expected"] == pytest.approx(np.mean([values[2], values[9], values[16]]))


# ---------------------------------------------------------------------- little history
def test_too_little_history_flags_nothing_and_says_so() -> None:
    history = pd.DataFrame({"at": [1, 2, 3], "value": [10.0, 11.0, 500.0]})
    for method in ("zscore", "mad", "seasonal"):
        found = detect(history, method)
        assert not found["is_anomaly"].any()
        assert found["note"].iloc[-1] == (
            f"too little history: 2 earlier points, {method} needs"
            f" {14 if method == 'seasonal' else 7}"
        )
        assert "0 judged, 0 anomalies." in describe(found)
        assert "too little history" in describe(found)
    first = rate_of_change(history)
    assert first["note"].iloc[0] == "too little history: 0 earlier points, rate_of_change needs 1"
    assert detect(history.iloc[:0], "zscore").empty


def test_a_steady_history_flags_any_change() -> None:
    history = pd.DataFrame({"at": range(9), "value": [5.0] * 8 + [6.0]})
    found = zscore(history)
    assert found["is_anomaly"].tolist() == [False] * 8 + [True]
    assert math.isinf(found["score"].iloc[-1]) and found["score"].iloc[-2] == 0
    assert rate_of_change(pd.DataFrame({"at": [1, 2], "value": [0.0, 3.0]}))["is_anomaly"].iloc[1]


def test_missing_values_are_skipped_not_flagged() -> None:
    values = [10.0, 11.0, 10.0, 9.0, 10.0, 11.0, 10.0, None, 10.0]
    found = zscore(pd.DataFrame({"at": range(9), "value": values}))
    assert found["note"].iloc[7] == "no value" and not found["is_anomaly"].any()
    assert found["expected"].iloc[8] == pytest.approx(np.mean(values[:7]))


# ---------------------------------------------------------------------- bad input
def test_a_history_of_another_table_is_refused(rows: pd.DataFrame) -> None:
    with pytest.raises(InvalidValueError, match="is of table 'customers', not of 'orders'"):
        zscore(rows, table="orders")
    assert len(zscore(rows, table="customers")) == 30
    mixed = pd.DataFrame({"at": [1, 2], "value": [1.0, 2.0], "table": ["a", "b"]})
    with pytest.raises(InvalidValueError, match="mixes the tables 'a', 'b'"):
        mad(mixed)


def test_a_history_of_several_metrics_is_refused(path) -> None:
    from pipelinekit.quality.history import metrics_history

    with pytest.raises(InvalidValueError, match="(?s)mixes .* metrics.*metric_history"):
        zscore(metrics_history("customers", path=path))


def test_malformed_histories_are_explained() -> None:
    with pytest.raises(InvalidValueError, match="has no column 'at'"):
        zscore(pd.DataFrame({"value": [1.0]}))
    with pytest.raises(InvalidValueError, match="not in time order"):
        zscore(pd.DataFrame({"at": [2, 1], "value": [1.0, 2.0]}))
    with pytest.raises(InvalidValueError, match="is a list"):
        zscore([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="threshold=-1"):
        zscore(pd.DataFrame({"at": [1], "value": [1.0]}), threshold=-1)
    with pytest.raises(UnknownNameError, match="did you mean 'seasonal'"):
        detect(pd.DataFrame({"at": [1], "value": [1.0]}), "seasonl")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="not made by a detector"):
        describe(pd.DataFrame())
