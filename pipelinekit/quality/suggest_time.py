"""Rules from a table's timestamps: which one is never before another, and by how much.

:func:`time_pairs` finds, for each timestamp column, the nearest other one it never
precedes, and suggests ``compare_columns`` (the order) and ``max_delay`` (the delay,
rounded up to a readable duration such as ``15 minutes``).

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({
...     "ordered_at": pd.to_datetime(["2024-05-01 10:00", "2024-05-01 11:00"]),
...     "loaded_at": pd.to_datetime(["2024-05-01 10:04", "2024-05-01 11:02"]),
... })
>>> [(kind, args["column"]) for kind, args, _evidence in time_pairs(frame)["loaded_at"]]
[('compare_columns', 'loaded_at'), ('max_delay', 'loaded_at')]
"""

from __future__ import annotations

import math

import pandas as pd

from pipelinekit.quality.suggest_profile import QUANTILE_MIN_VALUES, Found

__all__ = ["time_pairs"]


def time_pairs(frame: pd.DataFrame) -> dict[str, list[Found]]:
    """For each timestamp column never before another (and sometimes after it), the
    nearest such other: ``compare_columns`` (the order) and ``max_delay`` (how late)."""
    times = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    out: dict[str, list[Found]] = {}
    for later in times:
        best: tuple[pd.Timedelta, str, pd.Series] | None = None
        for since in times:
            if since == later:
                continue
            try:
                delay = (frame[later] - frame[since]).dropna()
            except TypeError:  # one with a time zone, one without
                continue
            if not len(delay) or (delay < pd.Timedelta(0)).any():
                continue
            if not (delay > pd.Timedelta(0)).any():
                continue
            median = delay.median()
            if best is None or median < best[0]:
                best = (median, str(since), delay)
        if best is not None:
            out[str(later)] = _delay_rules(str(later), best[1], best[2])
    return out


def _delay_rules(later: str, since: str, delay: pd.Series) -> list[Found]:
    seconds = delay.dt.total_seconds()
    count = len(seconds)
    equal = int((seconds == 0).sum())
    ties = f" ({equal:,} at the same time)" if equal else ""
    order: Found = (
        "compare_columns",
        {"column": later, "op": ">=", "other": since},
        f"{later} is never before {since} in {count:,} rows{ties}",
    )
    p50, top = float(seconds.median()), float(seconds.max())
    if count >= QUANTILE_MIN_VALUES:
        p999 = float(seconds.quantile(0.999))
        limit = _readable_duration(p999)
        seen = f"p50 {_span(p50)}, p99.9 {_span(p999)}, max {_span(top)}"
        bound, severity = "p99.9", "warn"
    else:
        limit = _readable_duration(top)
        seen = f"p50 {_span(p50)}, max {_span(top)}"
        bound, severity = "the max", "error"
    evidence = f"{later} - {since} in {count:,} rows: {seen}; at most {limit} ({bound}, rounded up)"
    arguments = {"column": later, "since": since, "max": limit}
    return [order, ("max_delay", {**arguments, "severity": severity}, evidence)]


#: Durations a bound is rounded up to (seconds).
_DURATIONS = (
    1, 2, 5, 10, 15, 30,
    60, 2 * 60, 5 * 60, 10 * 60, 15 * 60, 30 * 60,
    3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600,
    86400, 2 * 86400, 3 * 86400, 604800, 2 * 604800, 4 * 604800,
)  # fmt: skip
_UNITS = (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def _readable_duration(seconds: float) -> str:
    """The first readable duration at or above ``seconds``, as max_delay writes it.

    Examples
    --------
    >>> _readable_duration(8220.1), _readable_duration(1277), _readable_duration(0)
    ('3 hours', '30 minutes', '1 second')
    >>> _readable_duration(40 * 86400)
    '6 weeks'
    """
    size = next((d for d in _DURATIONS if d >= seconds), None)
    if size is None:
        size = math.ceil(seconds / 604800) * 604800
    unit, length = next((u, n) for u, n in _UNITS if size % n == 0)
    number = size // length
    return f"{number} {unit}{'' if number == 1 else 's'}"


def _span(seconds: float) -> str:
    """A length of time for people, in its largest unit (``2.28 hours``)."""
    for unit, length in _UNITS[1:]:
        if seconds >= length or length == 1:
            value = seconds / length
            return f"{value:.3g} {unit}{'' if value == 1 else 's'}"
    raise AssertionError("unreachable")  # pragma: no cover
