"""The IoT patterns the lessons rely on, measured on the generated data.

The answer key (anomalies, failures, maintenance) must be where the readings say it is.
Without events a device repeats its week up to noise and weather, so several checks
compare a window with the same hours one week earlier ("seasonal difference").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.datasets import iot

WEEK = pd.Timedelta(days=7)
DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def plant() -> pk.datasets.Dataset:
    return pk.datasets.load("iot", scale="small", seed=42)


def series(data: pk.datasets.Dataset, device: int, metric: str) -> pd.Series:
    """One metric of one device, indexed by read_at."""
    readings = data.readings[data.readings["device_id"] == device]
    return readings.set_index("read_at")[metric]


def interval(data: pk.datasets.Dataset) -> pd.Timedelta:
    return data.readings["read_at"].drop_duplicates().sort_values().diff().min()


def busy(data: pk.datasets.Dataset, device: int, metric: str) -> list[tuple]:
    """Every (start, end) during which an event changes ``metric`` of ``device``."""
    anomalies = data.anomalies[
        (data.anomalies["device_id"] == device) & data.anomalies["metric"].isin([metric, "all"])
    ]
    failures = data.failures[data.failures["device_id"] == device].merge(
        data.maintenance[["maintenance_id", "ended_at"]], on="maintenance_id"
    )
    work = data.maintenance[data.maintenance["device_id"] == device]
    return [
        *zip(anomalies["start_at"], anomalies["end_at"], strict=True),
        *zip(failures["degradation_started_at"], failures["ended_at"], strict=True),
        *zip(work["started_at"], work["ended_at"], strict=True),
    ]


def seasonal_difference(
    data: pk.datasets.Dataset, device: int, metric: str, start, end
) -> pd.Series | None:
    """``metric`` in [start, end] minus the same hours a week before (or after) when
    those hours are free of events; None when neither week is."""
    values = series(data, device, metric)
    window = values[start:end]
    events = busy(data, device, metric)
    for shift in (-WEEK, WEEK):
        lo, hi = start + shift, end + shift
        if lo < values.index[0] or hi > values.index[-1]:
            continue
        if any(lo <= event_end and event_start <= hi for event_start, event_end in events):
            continue
        reference = values[lo:hi]
        if len(reference) == len(window):
            return pd.Series(window.to_numpy() - reference.to_numpy(), index=window.index)
    return None


def of_kind(data: pk.datasets.Dataset, kind: str) -> pd.DataFrame:
    return data.anomalies[data.anomalies["kind"] == kind]


# --- size and clock ---------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 29, 100, 4_201, 75_000])
def test_exactly_the_asked_number_of_readings(n):
    assert len(iot.generate(n, seed=3)["readings"]) == n


def test_scales_sample_from_hourly_to_every_minute():
    minutes = {scale: iot.clock_for(n).interval // 60 for scale, n in iot.SCALES.items()}
    assert minutes == {"tiny": 60, "small": 15, "medium": 5, "large": 1}
    tiny = pk.datasets.load("iot", scale="tiny", seed=42)
    assert interval(tiny) == pd.Timedelta(hours=1)
    assert 2_000 <= len(tiny.readings) <= 5_000


def test_readings_tick_regularly_except_in_gaps(plant):
    step = interval(plant)
    last = plant.readings["read_at"].max()
    gaps = of_kind(plant, "gap")
    for device, readings in plant.readings.groupby("device_id"):
        expected = pd.date_range(readings["read_at"].min(), last, freq=step, unit="us")
        for gap in gaps[gaps["device_id"] == device].itertuples():
            expected = expected[(expected < gap.start_at) | (expected > gap.end_at)]
        assert readings["read_at"].sort_values().tolist() == expected.tolist(), device


def test_gaps_have_no_readings_and_readings_on_both_sides(plant):
    step = interval(plant)
    gaps = of_kind(plant, "gap")
    assert len(gaps) > 0
    for gap in gaps.itertuples():
        times = set(series(plant, gap.device_id, "power_kw").index)
        assert not any(gap.start_at <= t <= gap.end_at for t in times)
        assert {gap.start_at - step, gap.end_at + step} <= times


def test_new_machines_report_from_their_installation(plant):
    first = plant.readings.groupby("device_id")["read_at"].min()
    installed = plant.devices.set_index("device_id")["installed_at"][first.index]
    late = first > pd.Timestamp(iot.START)
    assert late.any() and (first[~late] > installed[~late]).all()
    wait = first[late] - installed[late]
    assert ((wait > pd.Timedelta(0)) & (wait <= interval(plant))).all()
    new = plant.devices["device_id"].isin(first[late].index)
    events = pd.concat([plant.anomalies, plant.maintenance, plant.failures])["device_id"]
    assert not events.isin(plant.devices.loc[new, "device_id"]).any()


# --- cycles -----------------------------------------------------------------------


def local_readings(data: pk.datasets.Dataset) -> pd.DataFrame:
    """Readings with the local time of their site, in 'local_at'."""
    zones = data.devices.merge(data.sites, on="site_id").set_index("device_id")["timezone"]
    parts = []
    for zone, readings in data.readings.groupby(data.readings["device_id"].map(zones)):
        local = readings["read_at"].dt.tz_localize("UTC").dt.tz_convert(zone).dt.tz_localize(None)
        parts.append(readings.assign(local_at=local))
    return pd.concat(parts)


def test_temperature_follows_the_local_working_day(plant):
    readings = local_readings(plant)
    by_hour = readings.groupby(readings["local_at"].dt.hour)["temperature_c"].mean()
    assert by_hour[[13, 14, 15, 16]].mean() - by_hour[[1, 2, 3, 4]].mean() > 3
    site = readings["device_id"].map(plant.devices.set_index("device_id")["site_id"])
    per_site = readings.groupby([site, readings["local_at"].dt.hour])["temperature_c"].mean()
    peaks = per_site.groupby(level=0).idxmax().str[1]
    troughs = per_site.groupby(level=0).idxmin().str[1]
    assert peaks.between(14, 16).all() and troughs.between(2, 4).all()
    assert plant.sites["timezone"].nunique() > 1


def test_weekends_draw_less_power(plant):
    readings = local_readings(plant)
    weekend = readings["local_at"].dt.day_of_week >= 5
    assert (
        readings.loc[weekend, "power_kw"].mean() < 0.85 * readings.loc[~weekend, "power_kw"].mean()
    )


# --- anomalies --------------------------------------------------------------------


def test_every_kind_of_anomaly_is_in_the_answer_key(plant):
    assert set(plant.anomalies["kind"]) == set(iot.ANOMALY_KINDS)
    assert (plant.anomalies["metric"] == "all").eq(plant.anomalies["kind"] == "gap").all()
    sized = plant.anomalies["kind"].isin(["spike", "level_shift", "drift"])
    assert plant.anomalies.loc[sized, "magnitude"].notna().all()
    assert plant.anomalies.loc[~sized, "magnitude"].isna().all()


def test_spikes_stand_far_from_the_rolling_median(plant):
    spikes = of_kind(plant, "spike")
    assert len(spikes) > 0
    for spike in spikes.itertuples():
        values = series(plant, spike.device_id, spike.metric)
        residual = values - values.rolling(5, center=True, min_periods=1).median()
        assert spike.start_at == spike.end_at
        assert abs(residual[spike.start_at]) > 10 * residual.abs().median(), spike
        assert np.sign(residual[spike.start_at]) == np.sign(spike.magnitude)


def test_stuck_sensors_repeat_one_value(plant):
    stuck = of_kind(plant, "stuck")
    assert len(stuck) > 0
    for fault in stuck.itertuples():
        values = series(plant, fault.device_id, fault.metric)
        window = values[fault.start_at : fault.end_at]
        assert len(window) >= 3 and window.nunique() == 1, fault
        assert values[: fault.start_at].iloc[-2] == window.iloc[0]  # the last good value


def compared_with_another_week(data: pk.datasets.Dataset, kind: str) -> list[tuple]:
    """(anomaly, its seasonal difference) for each anomaly of ``kind`` that has one."""
    pairs = []
    for fault in of_kind(data, kind).itertuples():
        change = seasonal_difference(
            data, fault.device_id, fault.metric, fault.start_at, fault.end_at
        )
        if change is not None:
            pairs.append((fault, change))
    return pairs


def test_level_shifts_move_the_mean_by_their_magnitude(plant):
    pairs = compared_with_another_week(plant, "level_shift")
    assert len(pairs) >= 2
    for shift, change in pairs:
        assert change.mean() == pytest.approx(shift.magnitude, rel=0.25), shift


def test_drifts_grow_linearly_to_their_magnitude(plant):
    pairs = compared_with_another_week(plant, "drift")
    assert len(pairs) >= 2
    for drift, change in pairs:
        hours = (change.index - change.index[0]) / pd.Timedelta(hours=1)
        slope = np.polyfit(hours, change.to_numpy(), 1)[0]
        assert slope * hours[-1] == pytest.approx(drift.magnitude, rel=0.3), drift
        assert np.corrcoef(hours, change.to_numpy())[0, 1] * np.sign(drift.magnitude) > 0.6


# --- failures and maintenance -----------------------------------------------------


def test_failures_come_after_days_of_rising_vibration_and_temperature(plant):
    checked = 0
    for failure in plant.failures.itertuples():
        assert (
            pd.Timedelta(days=3)
            <= failure.failed_at - failure.degradation_started_at
            <= pd.Timedelta(days=6)
        )
        last_day = (failure.failed_at - DAY, failure.failed_at - pd.Timedelta(seconds=1))
        vibration = seasonal_difference(plant, failure.device_id, "vibration_mm_s", *last_day)
        temperature = seasonal_difference(plant, failure.device_id, "temperature_c", *last_day)
        if vibration is None or temperature is None:
            continue
        checked += 1
        baseline = series(plant, failure.device_id, "vibration_mm_s")[
            failure.degradation_started_at - WEEK : failure.degradation_started_at
        ].median()
        assert vibration.median() > 0.5 * baseline, failure  # 1.5 times the week before
        assert temperature.median() > 3, failure
    assert checked >= min(3, len(plant.failures))


def test_machines_are_off_while_repaired_or_maintained(plant):
    readings = plant.readings.merge(plant.devices[["device_id", "rated_power_kw"]], on="device_id")
    repairs = plant.failures.merge(plant.maintenance, on=["maintenance_id", "device_id"])
    stops = [
        *zip(repairs["device_id"], repairs["failed_at"], repairs["ended_at"], strict=True),
        *zip(
            plant.maintenance["device_id"],
            plant.maintenance["started_at"],
            plant.maintenance["ended_at"],
            strict=True,
        ),
    ]
    off = 0
    for device, start, end in stops:
        rows = readings[
            (readings["device_id"] == device)
            & readings["read_at"].between(start, end, inclusive="left")
        ]
        assert (rows["power_kw"] < 0.02 * rows["rated_power_kw"]).all()
        assert (rows["vibration_mm_s"] < 0.2).all()
        off += len(rows)
    assert off > 0


def test_events_fall_inside_the_data_and_repairs_follow_failures(plant):
    first, last = plant.readings["read_at"].min(), plant.readings["read_at"].max()
    for column in ["started_at", "ended_at"]:
        assert plant.maintenance[column].between(first, last).all()
    for column in ["failed_at", "degradation_started_at"]:
        assert plant.failures[column].between(first, last).all()
    assert (plant.maintenance["started_at"] < plant.maintenance["ended_at"]).all()
    repairs = plant.failures.merge(plant.maintenance, on="maintenance_id", suffixes=("", "_repair"))
    assert (repairs["device_id"] == repairs["device_id_repair"]).all()
    assert (repairs["kind"] == "corrective").all() and (
        repairs["started_at"] > repairs["failed_at"]
    ).all()
    assert (plant.maintenance["kind"] == "corrective").sum() == len(plant.failures)


def test_events_of_one_device_never_overlap(plant):
    """An anomaly, a failure (degradation to repaired) or a planned stop: one at a time."""
    columns = ["device_id", "start_at", "end_at"]
    repairs = plant.failures.merge(
        plant.maintenance[["maintenance_id", "ended_at"]], on="maintenance_id"
    )
    planned = plant.maintenance[plant.maintenance["kind"] == "planned"]
    spans = pd.concat(
        [
            plant.anomalies[columns],
            repairs[["device_id", "degradation_started_at", "ended_at"]].set_axis(columns, axis=1),
            planned[["device_id", "started_at", "ended_at"]].set_axis(columns, axis=1),
        ]
    ).sort_values(["device_id", "start_at"])
    next_start = spans.groupby("device_id")["start_at"].shift(-1)
    assert (spans["end_at"] < next_start)[next_start.notna()].all()
    assert next_start.notna().sum() > 10


def test_older_machines_fail_more_often():
    data = pk.datasets.load("iot", scale="medium", seed=1)
    age = (
        pd.Timestamp(iot.START) - data.devices.set_index("device_id")["installed_at"]
    ).dt.days / 365.25
    failed = age.index.isin(data.failures["device_id"])
    assert age[failed].mean() > age[~failed].mean() + 1
