"""Anomaly detectors on a metric's history: is today's row count (or null share) unusual?

Each detector takes a history — a DataFrame with ``at`` and ``value``, oldest first, as
:func:`pipelinekit.quality.history.metric_history` returns it — and judges every point
**against the points before it only**, the way a nightly monitor would have seen it:

========================== ==================================================================
detector                   a point is an anomaly when
========================== ==================================================================
:func:`zscore`             ``|value - mean| > threshold · std`` of the earlier points (or
                           of the last ``window`` of them)
:func:`mad`                ``0.6745 · |value - median| / MAD > threshold``, with the median
                           and the median absolute deviation (MAD) of the earlier points:
                           one wild point barely moves them
:func:`rate_of_change`     ``|value - previous| / |previous| > max_change``
:func:`seasonal`           ``|value - expected| > threshold · std``, where ``expected`` is
                           the mean of the earlier points of the same phase (``period=7``
                           on daily runs: the same weekday) and ``std`` the spread of the
                           earlier points around their own phase's mean
========================== ==================================================================

Every answer has the columns ``at``, ``value``, ``expected`` (the baseline), ``lower`` and
``upper`` (the band outside which a point is an anomaly), ``score`` (the detector's
statistic), ``is_anomaly`` and ``note``. Points with too little history before them are
never flagged: their note says how many earlier points the detector needs.
``frame.attrs`` holds the detector's name and thresholds; :func:`describe` says it all
in words. Earlier anomalies stay in the baseline of later points (nothing is hidden).

With few earlier points the spread is a rough estimate: a band of 3 standard deviations
drawn from 7 to 20 points is crossed by an ordinary point a few times in a hundred. Raise
``min_history`` (or the threshold) where false alarms cost more than late ones.

Examples
--------
>>> history = pd.DataFrame({
...     "at": pd.date_range("2024-05-01", periods=10, freq="D"),
...     "value": [100, 102, 98, 101, 99, 100, 103, 97, 100, 40],
... })
>>> found = zscore(history, threshold=3, min_history=5)
>>> found.loc[found["is_anomaly"], ["at", "value", "expected"]]
          at  value  expected
9 2024-05-10     40     100.0
>>> print(describe(found))
zscore: a point is an anomaly when |value - mean| > 3 × std of the earlier points (all of
them), once there are at least 5. 10 points, 5 judged, 1 anomaly:
  2024-05-10: 40 outside [94.39, 105.6] (score -32.1)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.history import history_table, require_table

__all__ = ["DETECTORS", "describe", "detect", "mad", "rate_of_change", "seasonal", "zscore"]

Method = Literal["zscore", "mad", "rate_of_change", "seasonal"]
_COLUMNS = ["at", "value", "expected", "lower", "upper", "score", "is_anomaly", "note"]
_MAD_SCALE = 0.6745  # MAD / 0.6745 estimates the std of normal data


def zscore(
    history: pd.DataFrame,
    *,
    threshold: float = 3.0,
    window: int | None = None,
    min_history: int = 7,
    table: str | None = None,
) -> pd.DataFrame:
    """Flag points more than ``threshold`` standard deviations from the earlier mean.

    Parameters
    ----------
    history : DataFrame
        ``at`` and ``value``, one row per run.
    threshold : float
        How many (sample) standard deviations away is an anomaly.
    window : int, optional
        Only the last ``window`` earlier points make the baseline (default: all).
    min_history : int
        Earlier points needed before a point is judged.
    table : str, optional
        The table the history should be of; a history of another table is refused.
    """
    _positive(threshold=threshold, min_history=min_history, window=window)
    values = _values(history, table, "zscore")

    def judge(past: np.ndarray, value: float) -> tuple[float, float, float]:
        past = past[-window:] if window else past
        center, spread = float(past.mean()), float(past.std(ddof=1)) if len(past) > 1 else 0.0
        return center, spread * threshold, _ratio(value - center, spread)

    return _run(
        history,
        values,
        judge,
        threshold,
        min_history,
        "zscore",
        {"threshold": threshold, "window": window, "min_history": min_history},
    )


def mad(
    history: pd.DataFrame,
    *,
    threshold: float = 3.5,
    window: int | None = None,
    min_history: int = 7,
    table: str | None = None,
) -> pd.DataFrame:
    """Flag points whose robust z-score, 0.6745·(value - median)/MAD, exceeds ``threshold``.

    The median and the MAD (median absolute deviation) of the earlier points hardly move
    when one of them is wild, so a past anomaly does not hide the next one. Parameters as
    :func:`zscore`; 3.5 is the usual threshold (Iglewicz and Hoaglin).
    """
    _positive(threshold=threshold, min_history=min_history, window=window)
    values = _values(history, table, "mad")

    def judge(past: np.ndarray, value: float) -> tuple[float, float, float]:
        past = past[-window:] if window else past
        center = float(np.median(past))
        spread = float(np.median(np.abs(past - center))) / _MAD_SCALE
        return center, spread * threshold, _ratio(value - center, spread)

    return _run(
        history,
        values,
        judge,
        threshold,
        min_history,
        "mad",
        {"threshold": threshold, "window": window, "min_history": min_history},
    )


def rate_of_change(
    history: pd.DataFrame, *, max_change: float = 0.5, table: str | None = None
) -> pd.DataFrame:
    """Flag points that differ from the previous one by more than ``max_change`` (a share).

    ``max_change=0.5`` flags a row count that halves or grows by more than half from one
    run to the next. A change from 0 to anything else is infinite, so it is flagged.
    """
    _positive(max_change=max_change)
    values = _values(history, table, "rate_of_change")

    def judge(past: np.ndarray, value: float) -> tuple[float, float, float]:
        previous = float(past[-1])
        return previous, abs(previous) * max_change, _ratio(value - previous, abs(previous))

    return _run(history, values, judge, max_change, 1, "rate_of_change", {"max_change": max_change})


def seasonal(
    history: pd.DataFrame,
    *,
    period: int = 7,
    threshold: float = 3.0,
    min_periods: int = 2,
    table: str | None = None,
) -> pd.DataFrame:
    """Flag points far from the usual value of their phase (their weekday, for daily runs).

    ``expected`` is the mean of the earlier points ``period``, ``2·period``, ... rows
    before; the spread is the standard deviation of every earlier point around its own
    phase's mean (with ``n - phases`` degrees of freedom, since each phase's mean is
    estimated from the same points). Phases are counted in rows: one row per run, at a
    steady pace.

    Parameters
    ----------
    period : int
        Rows per season: 7 for daily runs and a weekly pattern, 24 for hourly runs.
    threshold : float
        How many standard deviations away is an anomaly.
    min_periods : int
        Whole seasons needed before a point is judged (``min_periods · period`` points).
    """
    _positive(period=period, threshold=threshold, min_periods=min_periods)
    values = _values(history, table, "seasonal")

    def judge(past: np.ndarray, value: float) -> tuple[float, float, float]:
        phase = [i % period for i in range(len(past))]
        means = {p: float(past[np.array(phase) == p].mean()) for p in set(phase)}
        residuals = past - np.array([means[p] for p in phase])
        freedom = len(past) - len(means)  # one mean estimated per phase
        spread = math.sqrt(float((residuals**2).sum()) / freedom) if freedom > 0 else 0.0
        center = means[len(past) % period]
        return center, spread * threshold, _ratio(value - center, spread)

    return _run(
        history,
        values,
        judge,
        threshold,
        min_periods * period,
        "seasonal",
        {"period": period, "threshold": threshold, "min_periods": min_periods},
    )


#: The detectors, by the name :func:`detect` takes.
DETECTORS: dict[str, Callable[..., pd.DataFrame]] = {
    "zscore": zscore,
    "mad": mad,
    "rate_of_change": rate_of_change,
    "seasonal": seasonal,
}


def detect(history: pd.DataFrame, method: Method = "zscore", **params: Any) -> pd.DataFrame:
    """Run the detector ``method`` on ``history`` (``params`` are the detector's).

    Examples
    --------
    >>> history = pd.DataFrame({"at": [1, 2, 3], "value": [10.0, 11.0, 30.0]})
    >>> detect(history, "rate_of_change", max_change=0.5)["is_anomaly"].tolist()
    [False, False, True]
    >>> detect(history, "z_score")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.UnknownNameError: Unknown detector 'z_score'; ...
    """
    if method not in DETECTORS:
        raise UnknownNameError.for_name(method, DETECTORS, kind="detector")
    return DETECTORS[method](history, **params)


def describe(found: pd.DataFrame) -> str:
    """What a detector did, in words: its rule, its thresholds and the anomalies it found."""
    name = found.attrs.get("detector")
    if name not in _RULES:
        raise InvalidValueError(
            "The frame was not made by a detector (no attrs['detector'])",
            "the answer of zscore, mad, rate_of_change, seasonal or detect",
        )
    params = found.attrs["params"]
    judged = int((found["note"] == "").sum())
    anomalies = found[found["is_anomaly"]]
    what = " of ".join(
        str(found.attrs[k]) for k in ("column", "metric", "table") if found.attrs.get(k)
    )
    lines = [
        f"{name}{' on ' + what if what else ''}: {_RULES[name](params)}."
        f" {len(found)} points, {judged} judged,"
        f" {len(anomalies)} anomal{'y' if len(anomalies) == 1 else 'ies'}"
        + (":" if len(anomalies) else ".")
    ]
    if not judged and len(found):
        lines.append(f"  too little history: {found['note'].iloc[-1]}")
    for row in anomalies.to_dict("records"):
        lines.append(
            f"  {_when(row['at'])}: {row['value']:.6g} outside"
            f" [{row['lower']:.4g}, {row['upper']:.4g}] (score {row['score']:.3g})"
        )
    return "\n".join(lines)


_RULES: dict[str, Callable[[dict[str, Any]], str]] = {
    "zscore": lambda p: (
        f"a point is an anomaly when |value - mean| > {p['threshold']:g} × std of the earlier"
        f" points ({_window(p)}), once there are at least {p['min_history']}"
    ),
    "mad": lambda p: (
        f"a point is an anomaly when 0.6745 × |value - median| / MAD > {p['threshold']:g},"
        f" over the earlier points ({_window(p)}), once there are at least {p['min_history']}"
    ),
    "rate_of_change": lambda p: (
        f"a point is an anomaly when it differs from the previous one by more than"
        f" {p['max_change']:.0%} of it".replace("%", " %")
    ),
    "seasonal": lambda p: (
        f"a point is an anomaly when |value - mean of the same phase| > {p['threshold']:g} ×"
        f" std of the earlier points around their phase's mean (period {p['period']} rows),"
        f" once there are {p['min_periods']} whole periods"
    ),
}


def _window(params: dict[str, Any]) -> str:
    return f"the last {params['window']}" if params.get("window") else "all of them"


def _when(at: object) -> str:
    if isinstance(at, pd.Timestamp):
        return at.strftime("%Y-%m-%d") if at == at.normalize() else at.isoformat()
    return str(at)


# ---------------------------------------------------------------------- machinery
def _values(history: pd.DataFrame, table: str | None, name: str) -> np.ndarray:
    if not isinstance(history, pd.DataFrame):
        raise InvalidValueError(
            f"The history given to {name} is a {type(history).__name__}",
            "a DataFrame with 'at' and 'value' columns",
            "metric_history('orders', 'rows') reads one from the metadata database",
        )
    require_table(history, table, what=f"the detector '{name}'")
    missing = [c for c in ("at", "value") if c not in history.columns]
    if missing:
        raise InvalidValueError(
            f"The history has no column {', '.join(repr(c) for c in missing)}"
            f" (it has {', '.join(map(str, history.columns))})",
            "a DataFrame with 'at' and 'value' columns, one row per run",
            "metric_history('orders', 'rows') reads one; for metrics_history(...) pick one"
            " metric first",
        )
    for key in ("metric", "column"):
        if key in history.columns and history[key].nunique(dropna=False) > 1:
            raise InvalidValueError(
                f"The history mixes {history[key].nunique(dropna=False)} {key}s",
                "one metric of one column (or of the table)",
                "metric_history('orders', 'null_share', column='email') reads one series",
            )
    if history["at"].is_monotonic_increasing is False:
        raise InvalidValueError(
            "The history is not in time order",
            "'at' increasing, oldest run first",
            "sort it: history.sort_values('at')",
        )
    try:
        return history["value"].astype(float).to_numpy()
    except (TypeError, ValueError) as error:
        raise InvalidValueError(
            f"The history's values are not numbers ({error})", "numbers in 'value'"
        ) from error


def _run(
    history: pd.DataFrame,
    values: np.ndarray,
    judge: Callable[[np.ndarray, float], tuple[float, float, float]],
    limit: float,
    needed: int,
    name: str,
    params: dict[str, Any],
) -> pd.DataFrame:
    rows = []
    for i, value in enumerate(values):
        past = values[:i][~np.isnan(values[:i])]
        if math.isnan(value):
            rows.append([math.nan] * 4 + [False, "no value"])
            continue
        if len(past) < max(needed, 1):
            rows.append(
                [math.nan] * 4
                + [False, f"too little history: {len(past)} earlier points, {name} needs {needed}"]
            )
            continue
        center, half, statistic = judge(past, float(value))
        flagged = bool(abs(statistic) > limit)
        rows.append([center, center - half, center + half, statistic, flagged, ""])
    found = pd.DataFrame(rows, columns=_COLUMNS[2:], index=history.index)
    found.insert(0, "value", history["value"])
    found.insert(0, "at", history["at"])
    found = found.reset_index(drop=True)
    found.attrs.update(
        detector=name,
        params=params,
        table=history_table(history),
        metric=history.attrs.get("metric"),
        column=history.attrs.get("column"),
    )
    return found


def _ratio(difference: float, spread: float) -> float:
    """``difference / spread``; with no spread, 0 for no difference and ±inf otherwise."""
    if spread > 0:
        return difference / spread
    if difference == 0:
        return 0.0
    return math.copysign(math.inf, difference)


def _positive(**params: float | None) -> None:
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise InvalidValueError(f"{key}={value!r}", f"a positive number for {key}")
