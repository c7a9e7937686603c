"""IoT: sites, devices, sensor readings, anomalies, maintenance and failures.

What makes the data realistic (and what the lessons rely on):

- **regular sampling**: every device reports on one shared clock for four weeks from
  :data:`START`; the interval shrinks as the scale grows (hourly for ``tiny``, every
  minute for ``large``), and readings are missing only where a ``gap`` anomaly says
  (or before a machine commissioned late in the window was installed);
- **cycles**: a machine's load follows its site's *local* working day (trough at 03:00,
  peak at 15:00) and week (lighter weekends); temperature, vibration, pressure and
  power follow the load, humidity runs the other way, and each site has its own weather.
  Without anomalies, failures and maintenance a device repeats its week exactly, up to
  noise and weather, so comparing with the same hour a week earlier isolates events;
- **anomalies with an answer key**: spikes, level shifts, drifts, stuck sensors and gaps,
  each listed in ``anomalies`` with its device, metric, first and last reading;
- **failures you can predict**: over the 3-6 days before a failure, vibration and
  temperature climb (and for a seal leak, pressure falls); then the machine stops until
  the corrective repair ends. During planned maintenance it is off too: power near zero,
  vibration at the floor's level, temperature cooling towards the room's.

Foreign keys hold by construction; all randomness comes from one seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from pipelinekit.datasets.dirty import Injection
from pipelinekit.datasets.pools import ascii_slug, pools
from pipelinekit.datasets.sampling import concat_strings, ids

MAIN_TABLE = "readings"
SCALES = {"tiny": 4_200, "small": 75_000, "medium": 1_000_000, "large": 10_000_000}
START, END = "2025-01-06", "2025-02-02"  # a Monday to a Sunday: four whole weeks
DAYS = 28
#: Candidate sampling intervals in minutes, finest first (all divide a day).
INTERVALS = (1, 5, 15, 60, 180, 360, 1440)
#: Events are laid out in slots of this many days, one event per device and slot.
SLOT_DAYS = 4


class DeviceType(NamedTuple):
    share: float  # of all devices
    temperature_rise: float  # degrees C above the room at full load
    vibration: float  # mm/s RMS at full load
    pressure: float  # kPa (gauge) at full load
    prefix: str  # of the model name
    ratings: tuple[int, ...]  # rated power of the models, kW


DEVICE_TYPES = {
    "pump": DeviceType(0.35, 28.0, 2.2, 420.0, "CP", (4, 7, 11, 15, 22, 30)),
    "compressor": DeviceType(0.20, 50.0, 3.5, 780.0, "SC", (30, 45, 55, 75, 90, 110)),
    "hvac": DeviceType(0.30, 16.0, 1.4, 1650.0, "RTU", (10, 15, 20, 30, 40, 60)),
    "chiller": DeviceType(0.15, 38.0, 1.8, 950.0, "WC", (120, 180, 250, 320, 400, 500)),
}


class FailureMode(NamedTuple):
    vibration_gain: float  # vibration x (1 + gain) at the moment of failure
    temperature_gain: float  # degrees C added at the moment of failure
    pressure_drop: float  # fraction of pressure lost at the moment of failure
    repair_hours: tuple[float, float]
    cost: float  # EUR of parts, before labour
    action: str  # of the corrective maintenance


FAILURE_MODES = {
    "bearing_wear": FailureMode(3.0, 10.0, 0.0, (6, 24), 2500.0, "bearing replacement"),
    "overheating": FailureMode(1.5, 25.0, 0.0, (3, 12), 1800.0, "cooling repair"),
    "seal_leak": FailureMode(1.5, 8.0, 0.3, (4, 16), 1200.0, "seal replacement"),
}
PLANNED_ACTIONS = ["inspection", "lubrication", "filter replacement", "sensor calibration"]
ACTIONS = PLANNED_ACTIONS + [mode.action for mode in FAILURE_MODES.values()]
WEEKLY_LOAD = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.65])  # Monday ... Sunday
SITE_KINDS = np.array(["Plant", "Works", "Campus", "Depot", "Center"])
#: IANA time zone of each country and its UTC offset in January (no DST change in the window).
TIMEZONES = {
    "US": ("America/Chicago", -6),
    "GB": ("Europe/London", 0),
    "DE": ("Europe/Berlin", 1),
    "FR": ("Europe/Paris", 1),
    "ES": ("Europe/Madrid", 1),
}

ANOMALY_KINDS = ["spike", "level_shift", "drift", "stuck", "gap"]
ANOMALY_METRICS = ["temperature_c", "vibration_mm_s", "pressure_kpa"]
#: kind: (shortest and longest duration in hours, fewest readings, size in standard deviations)
ANOMALY_SHAPES = {
    "spike": ((0, 0), 1, (6.0, 10.0)),
    "level_shift": ((24, 48), 2, (3.0, 5.0)),
    "drift": ((24, 48), 3, (3.0, 5.0)),
    "stuck": ((2, 12), 3, (0.0, 0.0)),
    "gap": ((2, 24), 1, (0.0, 0.0)),
}
#: Share of a metric's full-load value that remains at idle (zero load).
AT_IDLE = {"vibration_mm_s": 0.35, "pressure_kpa": 0.8, "power_kw": 0.1}
#: Metric: decimals the sensor reports.
DECIMALS = {
    "temperature_c": 2,
    "vibration_mm_s": 2,
    "pressure_kpa": 1,
    "power_kw": 2,
    "humidity_pct": 1,
}


def generate(n_readings: int, seed: int) -> dict[str, pd.DataFrame]:
    """Generate the IoT tables with exactly ``n_readings`` sensor readings.

    :func:`clock_for` picks the sampling interval and the number of devices that report
    for all four weeks; the readings still missing (the remainder, and as many as the
    gaps removed) come from machines commissioned during the last weeks, which report
    from their installation on and have no anomalies, failures or maintenance yet.

    Examples
    --------
    >>> tables = generate(2_000, seed=1)
    >>> list(tables)
    ['sites', 'devices', 'readings', 'anomalies', 'maintenance', 'failures']
    >>> len(tables["readings"]), tables["readings"]["read_at"].diff().max()
    (2000, Timedelta('0 days 03:00:00'))
    """
    rng = np.random.default_rng(seed)
    clock = clock_for(n_readings)
    sites = _sites(rng, n_sites=max(2, -(-clock.devices // 8)), seed=seed)
    companies = pools(seed).companies.ravel()
    brands = companies[rng.choice(len(companies), 6, replace=False)]
    devices, physics = _devices(rng, sites, clock.devices, brands=brands)
    climate = _climate(rng, sites, clock)
    events = _schedule(rng, devices, physics, climate, clock)
    gap = events.faults[:, 3] == ANOMALY_KINDS.index("gap")
    missing = int((events.faults[gap, 2] - events.faults[gap, 1]).sum())
    remainder = n_readings - clock.devices * clock.points + missing
    sizes = [clock.points] * (remainder // clock.points) + [remainder % clock.points] * (
        remainder % clock.points > 0
    )
    first_tick = clock.points - np.array(sizes, dtype="int64")
    if len(sizes):
        before = rng.integers(1, clock.interval // 60 + 1, len(sizes)) * 60  # within a tick
        installed_at = clock.times()[first_tick] - before.astype("timedelta64[s]")
        new, new_physics = _devices(
            rng,
            sites,
            len(sizes),
            brands=brands,
            first_id=clock.devices + 1,
            installed_at=installed_at,
        )
        devices = pd.concat([devices, new], ignore_index=True)
        physics = Physics(
            *(np.concatenate(pair) for pair in zip(physics, new_physics, strict=True))
        )
    first_tick = np.concatenate([np.zeros(clock.devices, "int64"), first_tick])
    return {
        "sites": sites,
        "devices": devices,
        "readings": _readings(rng, devices, physics, climate, events, clock, first_tick),
        "anomalies": events.anomalies,
        "maintenance": events.maintenance,
        "failures": events.failures,
    }


@dataclass(frozen=True)
class Clock:
    """The shared clock: every ``interval`` seconds, ``devices`` devices report all four weeks."""

    interval: int
    devices: int

    @property
    def per_day(self) -> int:
        return 86_400 // self.interval

    @property
    def points(self) -> int:
        return DAYS * self.per_day

    def times(self) -> np.ndarray:
        return np.datetime64(START, "s") + (np.arange(self.points) * self.interval).astype(
            "timedelta64[s]"
        )


def clock_for(n_readings: int) -> Clock:
    """The finest interval that still leaves enough devices (at least ``sqrt(n) / 16``).

    Examples
    --------
    >>> [(c.interval // 60, c.devices) for c in map(clock_for, SCALES.values())]
    [(60, 6), (15, 27), (5, 124), (1, 248)]
    """
    for minutes in INTERVALS:
        devices = n_readings // (DAYS * 1440 // minutes)
        if devices >= max(4.0, np.sqrt(n_readings) / 16):
            return Clock(minutes * 60, devices)
    return Clock(86_400, n_readings // DAYS)


def _sites(rng: np.random.Generator, n_sites: int, seed: int) -> pd.DataFrame:
    pool = pools(seed)
    country = rng.choice(len(pool.countries), size=n_sites, p=pool.country_share)
    person = pool.draw(country, rng)
    city = pool.take("cities", pool.draw(country, rng))
    company = pool.take("companies", pool.draw(country, rng))
    domain = [ascii_slug(name.split()[0]) or "plant" for name in company]  # a few dozen sites
    zones = np.array([TIMEZONES.get(code, ("UTC", 0))[0] for code in pool.countries])
    kind = SITE_KINDS[rng.integers(0, len(SITE_KINDS), n_sites)]
    return pd.DataFrame(
        {
            "site_id": ids(n_sites),
            "name": concat_strings(city, " ", kind),
            "city": city,
            "country": pd.Categorical(pool.countries[country], categories=pool.countries),
            "timezone": pd.Series(zones[country], dtype="str"),
            "contact_email": pool.emails(
                person, person, unique="", domain=concat_strings(np.array(domain), ".com")
            ),
        }
    )  # fmt: skip


class Physics(NamedTuple):
    """Hidden per-device parameters of the signal model (not in any table)."""

    utilisation: np.ndarray  # load at the busiest hour, 0.6-1
    temperature_rise: np.ndarray
    vibration: np.ndarray
    pressure: np.ndarray
    rated_power: np.ndarray
    site: np.ndarray  # row of the device's site


def _devices(
    rng: np.random.Generator,
    sites: pd.DataFrame,
    n: int,
    *,
    brands: np.ndarray,
    first_id: int = 1,
    installed_at: np.ndarray | None = None,
) -> tuple[pd.DataFrame, Physics]:
    """``n`` machines, installed 0.5-15 years before START unless ``installed_at`` says."""
    specs = list(DEVICE_TYPES.values())
    kind = rng.choice(len(specs), size=n, p=[spec.share for spec in specs])
    n_sites = len(sites)
    first = rng.permutation(n_sites)[: min(n, n_sites)]  # every site gets a device if it can
    site = np.sort(np.concatenate([first, rng.integers(0, n_sites, n - len(first))]))
    ratings = np.array([spec.ratings for spec in specs], dtype=float)
    rated = ratings[kind, rng.integers(0, ratings.shape[1], n)]
    prefix = np.array([spec.prefix for spec in specs])[kind]
    if installed_at is None:
        age_days = rng.uniform(0.5 * 365.25, 15 * 365.25, n).astype("int64")
        installed_at = (
            np.datetime64(START, "s")
            - age_days.astype("timedelta64[D]")
            + (rng.integers(7, 17, n) * 3600).astype("timedelta64[s]")
        )
    devices = pd.DataFrame(
        {
            "device_id": ids(n, start=first_id),
            "site_id": sites["site_id"].to_numpy()[site],
            "device_type": pd.Categorical.from_codes(kind, categories=list(DEVICE_TYPES)),
            "manufacturer": pd.Series(brands[rng.integers(0, len(brands), n)], dtype="str"),
            "model": concat_strings(prefix, "-", rated.astype("int64")),
            "rated_power_kw": rated,
            "installed_at": installed_at.astype("datetime64[s]"),
        }
    )  # fmt: skip
    base = np.array([[s.temperature_rise, s.vibration, s.pressure] for s in specs])[kind]
    physics = Physics(
        utilisation=rng.uniform(0.6, 1.0, n),
        temperature_rise=base[:, 0] * rng.lognormal(0, 0.1, n),
        vibration=base[:, 1] * rng.lognormal(0, 0.2, n),
        pressure=base[:, 2] * rng.uniform(0.9, 1.1, n),
        rated_power=rated,
        site=site,
    )
    return devices, physics


class Climate(NamedTuple):
    """Per-site series on the clock, shape (points, sites)."""

    offset_hours: np.ndarray  # of each site's local time from UTC
    load: np.ndarray  # relative load of a machine with utilisation 1
    room: np.ndarray  # room temperature, degrees C
    humidity: np.ndarray  # relative humidity, %


def _climate(rng: np.random.Generator, sites: pd.DataFrame, clock: Clock) -> Climate:
    n_sites = len(sites)
    offset_hours = np.array([TIMEZONES.get(str(c), ("UTC", 0))[1] for c in sites["country"]])
    utc = np.datetime64(START, "s").astype("int64") + np.arange(clock.points) * clock.interval
    local = utc[:, None] + offset_hours[None, :] * 3600
    hour = (local % 86_400) / 3600
    daily = 0.5 - 0.5 * np.cos(2 * np.pi * (hour - 3) / 24)  # 0 at 03:00, 1 at 15:00
    load = WEEKLY_LOAD[(local // 86_400 + 3) % 7] * (0.45 + 0.55 * daily)  # 1970-01-01: Thursday
    days = (utc - utc[0])[:, None] / 86_400
    period = rng.uniform(3, 10, (3, n_sites))
    phase = rng.uniform(0, 2 * np.pi, (3, n_sites))
    weather = sum(np.sin(2 * np.pi * days / period[k] + phase[k]) for k in range(3)) / 3
    room = 19 + rng.uniform(-2, 3, n_sites) + 1.5 * daily + 0.8 * weather
    humidity = 45 + rng.uniform(-8, 8, n_sites) - 8 * daily + 6 * weather
    return Climate(offset_hours=offset_hours, load=load, room=room, humidity=humidity)


class Events(NamedTuple):
    """Failures, maintenance and anomalies: the tables, and where they act on the clock.

    Positions are reading numbers on the clock; every range is ``[first, end)``.
    """

    failures: pd.DataFrame
    maintenance: pd.DataFrame
    anomalies: pd.DataFrame
    degrading: np.ndarray  # rows (device, onset, failure, mode)
    off: np.ndarray  # rows (device, first reading off, first reading on again)
    faults: np.ndarray  # rows (device, first, end, kind, metric)
    fault_size: np.ndarray  # magnitude of each fault in the metric's unit (nan if none)


def _schedule(
    rng: np.random.Generator,
    devices: pd.DataFrame,
    physics: Physics,
    climate: Climate,
    clock: Clock,
) -> Events:
    """Place failures, planned maintenance and anomalies so that none overlap on a device.

    The four weeks are cut into slots of :data:`SLOT_DAYS` days; a failure (degradation
    and repair) blocks the slots it touches, then each planned maintenance and each
    anomaly takes a free slot of its own, at least a day from the slot's edges.
    """
    n, slot = len(devices), SLOT_DAYS * clock.per_day
    n_slots = clock.points // slot
    age = (np.datetime64(START, "s") - devices["installed_at"].to_numpy()).astype("int64")
    failing, mode, times = _failure_times(rng, age / (365.25 * 86_400), clock)
    onset, failed, repair_start, repaired = times
    reading = [-(-t // clock.interval) for t in times]  # first reading at or after
    slots = np.arange(n_slots)
    blocked = np.zeros((n, n_slots), bool)
    blocked[failing] = (slots >= (reading[0] // slot)[:, None]) & (
        slots <= (reading[3] // slot)[:, None]
    )

    # Planned maintenance: most machines get one, 1-4 hours from 07:00-15:00 local time,
    # on a day inside a free slot (not its first or last day).
    priority = rng.random((n, n_slots))
    priority[blocked] = 2.0
    chosen = np.argmin(priority, axis=1)
    planned = np.flatnonzero((rng.random(n) < 0.6) & (priority[np.arange(n), chosen] <= 1))
    blocked[planned, chosen[planned]] = True
    duration = _minutes(rng.uniform(1, 4, len(planned)) * 3600)
    day = chosen[planned] * SLOT_DAYS + rng.integers(1, SLOT_DAYS - 1, len(planned))
    local = rng.uniform(7, 15, len(planned)) - climate.offset_hours[physics.site[planned]]
    begun = _minutes(day * 86_400 + local * 3600)
    maintenance, event_id = _maintenance(
        rng,
        device=np.concatenate([planned, failing]),
        action=np.concatenate(
            [rng.integers(0, len(PLANNED_ACTIONS), len(planned)), len(PLANNED_ACTIONS) + mode]
        ),
        started=np.concatenate([begun, repair_start]),
        ended=np.concatenate([begun + duration, repaired]),
        parts=np.r_[
            np.zeros(len(planned)), np.array([m.cost for m in FAILURE_MODES.values()])[mode]
        ],
    )
    order = np.argsort(failed, kind="stable")
    failures = pd.DataFrame(
        {
            "failure_id": ids(len(failing)),
            "device_id": failing[order] + 1,
            "failed_at": _timestamps(failed[order]),
            "failure_mode": pd.Categorical.from_codes(mode[order], categories=list(FAILURE_MODES)),
            "degradation_started_at": _timestamps(onset[order]),
            "maintenance_id": event_id[len(planned) + order],
        }
    )
    anomalies, faults, size = _anomalies(rng, ~blocked, physics, climate, clock)
    off_first = np.concatenate([-(-begun // clock.interval), reading[1]])
    off_end = np.concatenate([-(-(begun + duration) // clock.interval), reading[3]])
    return Events(
        failures=failures,
        maintenance=maintenance,
        anomalies=anomalies,
        degrading=np.column_stack([failing, reading[0], reading[1], mode]),
        off=np.column_stack([np.concatenate([planned, failing]), off_first, off_end]),
        faults=faults,
        fault_size=size,
    )


def _failure_times(
    rng: np.random.Generator, age_years: np.ndarray, clock: Clock
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """Which devices fail, how, and when (seconds after START): onset, failure, repair, restart.

    Each machine's risk grows with its age; as many fail as the risks add up to (at
    least one), drawn in proportion to risk. Every failure comes after eight
    clean days plus its degradation, and its repair ends before the data does.
    """
    risk = np.clip(0.1 + 0.03 * age_years, 0, 0.6)  # of failing within the four weeks
    failing = np.zeros(0, "int64")
    if len(risk):
        count = max(1, round(risk.sum()))
        failing = np.sort(rng.choice(len(risk), size=count, replace=False, p=risk / risk.sum()))
    k = len(failing)
    modes = list(FAILURE_MODES.values())
    mode = rng.integers(0, len(modes), k)
    lead = _minutes(rng.uniform(3, 6, k) * 86_400)
    response = _minutes(rng.uniform(1, 6, k) * 3600)
    hours = np.array([m.repair_hours for m in modes])[mode]
    repair = _minutes(rng.uniform(hours[:, 0], hours[:, 1]) * 3600)
    latest = DAYS * 86_400 - 2 * clock.interval - response - repair
    failed = _minutes(rng.uniform(lead + 8 * 86_400, latest))
    return failing, mode, (failed - lead, failed, failed + response, failed + response + repair)


def _maintenance(
    rng: np.random.Generator,
    *,
    device: np.ndarray,
    action: np.ndarray,
    started: np.ndarray,
    ended: np.ndarray,
    parts: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The maintenance table in time order, and the id given to each event passed in."""
    corrective = parts > 0
    order = np.argsort(started, kind="stable")
    event_id = np.empty(len(order), "int64")
    event_id[order] = ids(len(order))
    hours = (ended - started) / 3600
    cost = (
        parts * rng.lognormal(0, 0.25, len(parts)) + hours * 95 + rng.uniform(80, 300, len(parts))
    )
    return pd.DataFrame(
        {
            "maintenance_id": ids(len(order)),
            "device_id": device[order] + 1,
            "kind": pd.Categorical.from_codes(
                corrective[order].astype("int64"), categories=["planned", "corrective"]
            ),
            "action": pd.Categorical.from_codes(action[order], categories=ACTIONS),
            "started_at": _timestamps(started[order]),
            "ended_at": _timestamps(ended[order]),
            "cost_eur": np.round(cost[order], 2),
        }
    ), event_id


def _anomalies(
    rng: np.random.Generator, free: np.ndarray, physics: Physics, climate: Climate, clock: Clock
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """One anomaly per chosen free (device, slot), every kind at least once if there is room.

    Sizes are multiples of the device's usual spread of the metric (its standard
    deviation in normal operation), so a spike stands out on a quiet fan as on a big
    compressor.
    """
    per_day, slot = clock.per_day, SLOT_DAYS * clock.per_day
    n_slots = free.shape[1]
    candidates = np.flatnonzero(free.ravel())
    count = min(len(candidates), max(len(ANOMALY_KINDS), round(1.2 * free.shape[0])))
    cell = np.sort(rng.choice(candidates, size=count, replace=False))
    device, where = cell // n_slots, cell % n_slots
    kind = rng.permutation(np.resize(np.arange(len(ANOMALY_KINDS)), count))
    metric = rng.integers(0, len(ANOMALY_METRICS), count)
    shapes = [ANOMALY_SHAPES[name] for name in ANOMALY_KINDS]
    hours = np.array([shape[0] for shape in shapes], dtype=float)[kind]
    fewest = np.array([shape[1] for shape in shapes])[kind]
    length = np.maximum(fewest, np.round(rng.uniform(hours[:, 0], hours[:, 1]) * per_day / 24))
    length = np.minimum(length, max(1, slot - 2)).astype("int64")
    margin = np.minimum(per_day, (slot - length) // 2)
    room = slot - 2 * margin - length + 1
    first = where * slot + margin + (rng.random(count) * room).astype("int64")
    size = np.array([shape[2] for shape in shapes])[kind]
    sign = np.where((rng.random(count) < 0.5) & (metric != 1), -1.0, 1.0)  # vibration only rises
    spread = _spread(climate, physics)[device, metric]
    magnitude = np.round(
        np.where(size[:, 1] > 0, sign * rng.uniform(size[:, 0], size[:, 1]) * spread, np.nan), 2
    )
    is_gap = kind == ANOMALY_KINDS.index("gap")
    times = clock.times()
    order = np.lexsort((device, first))
    table = pd.DataFrame(
        {
            "anomaly_id": ids(count),
            "device_id": device[order] + 1,
            "metric": pd.Categorical(
                np.where(is_gap, "all", np.array(ANOMALY_METRICS)[metric])[order],
                categories=ANOMALY_METRICS + ["all"],
            ),
            "kind": pd.Categorical.from_codes(kind[order], categories=ANOMALY_KINDS),
            "start_at": times[first[order]],
            "end_at": times[(first + length - 1)[order]],
            "magnitude": magnitude[order],
        }
    )
    faults = np.column_stack([device, first, first + length, kind, metric])
    return table, faults, magnitude


def _spread(climate: Climate, physics: Physics) -> np.ndarray:
    """Standard deviation of each anomaly metric in normal operation, shape (devices, 3)."""
    load = climate.load.std(axis=0)[physics.site] * physics.utilisation
    return np.column_stack(
        [
            np.maximum(physics.temperature_rise * load, 1.0),
            physics.vibration * (1 - AT_IDLE["vibration_mm_s"]) * load,
            physics.pressure * (1 - AT_IDLE["pressure_kpa"]) * load,
        ]
    )


#: Standard deviation of each metric's sensor noise (power: 2 % of the draw).
NOISE = {
    "temperature_c": lambda physics: 0.3,
    "vibration_mm_s": lambda physics: 0.05 * physics.vibration,
    "pressure_kpa": lambda physics: 0.01 * physics.pressure,
    "humidity_pct": lambda physics: 1.5,
}


def _readings(
    rng: np.random.Generator,
    devices: pd.DataFrame,
    physics: Physics,
    climate: Climate,
    events: Events,
    clock: Clock,
    first_tick: np.ndarray,
) -> pd.DataFrame:
    """One row per device and tick of the clock from its first tick on, in time order,
    minus the gaps.

    Each metric is computed on a (ticks, devices) array in a few whole-array numpy
    operations; events then change short slices of it, one event at a time.
    """
    shape = (clock.points, len(devices))
    load = np.take(climate.load, physics.site, axis=1, mode="clip")
    load *= physics.utilisation
    keep = np.ones(shape, bool)
    for device in np.flatnonzero(first_tick):
        keep[: first_tick[device], device] = False
    gap = ANOMALY_KINDS.index("gap")
    for device, first, end, kind, _metric in events.faults:
        if kind == gap:
            keep[first:end, device] = False
    kept = keep.ravel()
    columns: dict[str, np.ndarray] = {
        "device_id": np.tile(devices["device_id"].to_numpy(), clock.points)[kept],
        "read_at": np.repeat(clock.times(), len(devices))[kept],
    }
    level = np.empty(shape)  # the noiseless signal, one metric at a time
    for name in DECIMALS:
        values = rng.standard_normal(shape)
        _noiseless(level, name, load, physics, climate)
        if name == "power_kw":  # noise proportional to the draw
            values *= 0.02
            values += 1
            values *= level
        else:
            values *= NOISE[name](physics)
            values += level
        if name == "vibration_mm_s":
            np.maximum(values, 0.05, out=values)
        elif name == "humidity_pct":
            np.clip(values, 5, 95, out=values)
        _degrade(values, name, events.degrading)
        _switch_off(rng, values, name, events.off, physics, climate, clock)
        _add_faults(values, name, events.faults, events.fault_size)
        columns[name] = np.round(values, DECIMALS[name], out=values).ravel()[kept]
        del values
    delay = rng.exponential(30.0, len(columns["read_at"])).astype("int64")
    delay += 1
    columns["loaded_at"] = columns["read_at"] + delay.view("timedelta64[s]")
    return pd.DataFrame(columns, copy=False)


def _noiseless(
    out: np.ndarray, name: str, load: np.ndarray, physics: Physics, climate: Climate
) -> None:
    """Write the metric's value without noise or events into ``out`` (no new arrays)."""
    if name in ("temperature_c", "humidity_pct"):
        series = climate.room if name == "temperature_c" else climate.humidity
        np.take(series, physics.site, axis=1, out=out, mode="clip")
        if name == "temperature_c":
            out += load * physics.temperature_rise
        return
    at_full = {
        "vibration_mm_s": physics.vibration,
        "pressure_kpa": physics.pressure,
        "power_kw": physics.rated_power,
    }[name]
    np.multiply(load, at_full * (1 - AT_IDLE[name]), out=out)
    out += at_full * AT_IDLE[name]


def _degrade(values: np.ndarray, name: str, degrading: np.ndarray) -> None:
    """Wear before each failure: grows with the square of the time since its onset."""
    modes = list(FAILURE_MODES.values())
    for device, onset, failed, mode in degrading:
        wear = ((np.arange(onset, failed) - onset + 1) / max(failed - onset, 1)) ** 2
        spec = modes[mode]
        if name == "vibration_mm_s":
            values[onset:failed, device] *= 1 + spec.vibration_gain * wear
        elif name == "temperature_c":
            values[onset:failed, device] += spec.temperature_gain * wear
        elif name == "pressure_kpa":
            values[onset:failed, device] *= 1 - spec.pressure_drop * wear
        elif name == "power_kw":
            values[onset:failed, device] *= 1 + 0.15 * wear


def _switch_off(
    rng: np.random.Generator,
    values: np.ndarray,
    name: str,
    off: np.ndarray,
    physics: Physics,
    climate: Climate,
    clock: Clock,
) -> None:
    """A stopped machine: no power, floor vibration, no pressure, cooling to the room."""
    if name == "humidity_pct":
        return
    for device, first, end in off:
        n = end - first
        if n <= 0:
            continue
        noise = rng.standard_normal(n)
        if name == "vibration_mm_s":
            values[first:end, device] = 0.05 + 0.02 * np.abs(noise)
        elif name == "power_kw":
            values[first:end, device] = physics.rated_power[device] * 0.002 * np.abs(noise)
        elif name == "pressure_kpa":
            values[first:end, device] = physics.pressure[device] * (0.02 + 0.005 * np.abs(noise))
        else:
            room = climate.room[first:end, physics.site[device]]
            cooling = np.exp(-np.arange(1, n + 1) * clock.interval / 2700)  # 45 minutes
            warm = values[first - 1, device] - room[0]
            values[first:end, device] = room + warm * cooling + 0.2 * noise


def _add_faults(values: np.ndarray, name: str, faults: np.ndarray, size: np.ndarray) -> None:
    """Sensor faults on this metric: spike, level shift, drift or stuck value."""
    if name not in ANOMALY_METRICS:
        return
    this = ANOMALY_METRICS.index(name)
    for (device, first, end, kind, metric), magnitude in zip(faults, size, strict=True):
        if metric != this:
            continue
        match ANOMALY_KINDS[kind]:
            case "spike" | "level_shift":
                values[first:end, device] += magnitude
            case "drift":
                values[first:end, device] += (
                    magnitude * np.arange(1, end - first + 1) / (end - first)
                )
            case "stuck":
                values[first:end, device] = values[first - 1, device]


def _minutes(seconds: np.ndarray) -> np.ndarray:
    """Seconds rounded down to whole minutes, as int64 (work orders carry minutes)."""
    return (np.asarray(seconds) // 60).astype("int64") * 60


def _timestamps(seconds: np.ndarray) -> np.ndarray:
    """Seconds after START as datetime64[s]."""
    return np.datetime64(START, "s") + seconds.astype("timedelta64[s]")


#: The quality problems ``dirty=True`` injects; the log records each changed row.
DIRTY_PLAN = [
    Injection("nulls", "readings", column="vibration_mm_s", share=0.01),
    Injection("nulls", "devices", column="model", share=0.05),
    Injection("bad_emails", "sites", column="contact_email", share=0.1),
    Injection("duplicates", "readings", share=0.005),
    Injection("out_of_range", "readings", column="humidity_pct", share=0.002),
    Injection("out_of_range", "devices", column="rated_power_kw", share=0.03),
    Injection(
        "orphan_keys", "readings", column="device_id", share=0.001, parent="devices.device_id"
    ),
    Injection(
        "orphan_keys", "maintenance", column="device_id", share=0.02, parent="devices.device_id"
    ),
    Injection("late_arrivals", "readings", column="loaded_at", share=0.01),
    # Machines registered by the new asset system (the last rows) call the maker "vendor".
    Injection("schema_drift", "devices", column="manufacturer", share=0.1, renamed_to="vendor"),
]
