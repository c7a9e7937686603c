"""Computing a window function with pandas and numpy: ranks, offsets, frames, aggregates.

:func:`_compute` is the pandas path of :func:`pipelinekit.transforms.window.window`. On
the sorted :class:`~pipelinekit.transforms.window_layout._Layout` each row's frame is a
range of positions ``[start, end)``: ROWS frames by adding offsets, RANGE frames by a
binary search among the ORDER BY values of the partition. Sums and counts come from
prefix sums, min and max from a sparse table, so no function loops over rows.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.transforms.window_spec import _spec
>>> frame = pd.DataFrame({"day": [1, 2, 2, 3], "amount": [10.0, 20.0, 5.0, 1.0]})
>>> spec = _spec(
...     "sum", "amount", partition_by=(), order_by="day",
...     window_frame=None, n=None, offset=1, default=None, name=None,
... )
>>> _compute(frame, spec).tolist()  # the tied rows (day 2) both include each other
[10.0, 35.0, 35.0, 36.0]
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from pipelinekit.transforms.window_frame import Bound, _is_plain
from pipelinekit.transforms.window_layout import _Layout, _time_ticks
from pipelinekit.transforms.window_spec import OFFSETS, RANKING, VALUES, _Spec


def _compute(frame: pd.DataFrame, spec: _Spec) -> pd.Series | np.ndarray:
    layout = _Layout(frame, spec)
    function = spec.function
    if function in RANKING:
        return layout.unsort(_ranking(layout, function, spec.n))
    if function in OFFSETS:
        step = -spec.offset if function == "lag" else spec.offset
        source = layout.index + step
        valid = (source >= layout.part_start) & (source < layout.part_end)
        return _take(frame[spec.column], layout, source, valid, spec.default)
    start, end = _frame_bounds(frame, layout, spec)
    if function in VALUES:
        if function == "first_value":
            source = start
        elif function == "last_value":
            source = end - 1
        else:
            source = start + (spec.n or 1) - 1
        inside = (source >= start) & (source < end)
        return _take(frame[spec.column], layout, source, inside, None)
    return layout.unsort(_aggregate(frame, layout, spec, start, end))


def _ranking(layout: _Layout, function: str, n: int | None) -> np.ndarray:
    size = layout.part_end - layout.part_start
    position = layout.index - layout.part_start  # 0-based row number in the partition
    rank = layout.peer_start - layout.part_start + 1
    if function == "row_number":
        return position + 1
    if function == "rank":
        return rank
    if function == "dense_rank":
        peers_so_far = np.cumsum(layout.new_peer)
        return peers_so_far - peers_so_far[layout.part_start] + 1
    if function == "percent_rank":
        return np.where(size > 1, (rank - 1) / np.maximum(size - 1, 1), 0.0)
    if function == "cume_dist":
        return (layout.peer_end - layout.part_start) / size
    # ntile: n buckets whose sizes differ by at most one, the larger ones first.
    assert n is not None
    small, extra = size // n, size % n
    in_large = position < extra * (small + 1)
    large_bucket = position // (small + 1)
    small_bucket = extra + (position - extra * (small + 1)) // np.maximum(small, 1)
    return np.where(in_large, large_bucket, small_bucket) + 1


def _take(
    series: pd.Series, layout: _Layout, source: np.ndarray, valid: np.ndarray, default: Any
) -> pd.Series:
    """``series`` at sorted positions ``source`` where ``valid``, else ``default``; unsorted."""
    positions = layout.unsort(layout.order[np.where(valid, source, 0)])
    keep = layout.unsort(valid)
    values = series.iloc[positions].reset_index(drop=True)
    values.index = series.index
    if keep.all():
        return values
    if default is None and pd.api.types.is_integer_dtype(values) and values.dtype.kind in "iu":
        values = values.astype("Int64")
    return values.where(keep, default)


def _frame_bounds(
    frame: pd.DataFrame, layout: _Layout, spec: _Spec
) -> tuple[np.ndarray, np.ndarray]:
    """Each sorted row's frame as sorted positions ``[start, end)`` (empty when start >= end)."""
    window_frame = spec.frame
    if window_frame is None:  # the SQL default
        end = layout.peer_end if spec.order_by else layout.part_end
        return layout.part_start, end
    if window_frame.kind == "rows":
        start, end = layout.part_start, layout.part_end
        if window_frame.start is not None:
            start = np.clip(layout.index + int(window_frame.start), start, end)
        if window_frame.end is not None:
            end = np.clip(layout.index + int(window_frame.end) + 1, layout.part_start, end)
    else:
        start = _range_bound(frame, layout, spec, window_frame.start, "start")
        end = _range_bound(frame, layout, spec, window_frame.end, "end")
    return start, np.maximum(start, end)


def _range_bound(
    frame: pd.DataFrame, layout: _Layout, spec: _Spec, bound: Bound, side: str
) -> np.ndarray:
    if bound is None:
        return layout.part_start if side == "start" else layout.part_end
    if _is_plain(bound):
        return layout.peer_start if side == "start" else layout.peer_end
    key = spec.order_by[0]
    series = layout.sorted_values(frame[key.column])
    is_null = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series):
        values, unit = _time_ticks(series)
        step = pd.Timedelta(bound).to_numpy().astype(f"timedelta64[{unit}]").view("int64")
    elif pd.api.types.is_integer_dtype(series) and isinstance(bound, (int, np.integer)):
        values, step = series.to_numpy(dtype="int64", na_value=0), np.int64(bound)
    else:
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        step = np.float64(bound)
    if key.descending:  # sort ascending so "preceding" always means "smaller"
        values = -values
    nulls_first, right = key.nulls == "first", side == "end"
    targets = values + step
    found = _search_partitions(
        values, targets, is_null, layout, nulls_first=nulls_first, right=right
    )
    # A NULL row's offset reaches exactly its NULL peers.
    return np.where(is_null, layout.peer_start if side == "start" else layout.peer_end, found)


def _search_partitions(
    values: np.ndarray,
    targets: np.ndarray,
    is_null: np.ndarray,
    layout: _Layout,
    *,
    nulls_first: bool,
    right: bool,
) -> np.ndarray:
    """``np.searchsorted`` of each row's target among the non-NULL values of its partition.

    One search over the whole sorted frame, with each value paired with its partition
    number so that the pairs increase from one partition to the next: as complex numbers
    ``partition + 1j * value`` for floats (numpy orders complex numbers by real part, then
    imaginary part), as ``partition * span + value`` for whole numbers when that fits.
    NULLs are put below (NULLS FIRST) or above (NULLS LAST) every target of the partition.
    """
    side: Literal["left", "right"] = "right" if right else "left"
    block = layout.part_id
    if values.dtype.kind == "f":
        null_value = -np.inf if nulls_first else np.inf
        keys = _pairs(block, np.where(is_null, null_value, values))
        return np.searchsorted(keys, _pairs(block, np.where(is_null, 0.0, targets)), side=side)
    present = values[~is_null]
    low, high = (int(present.min()), int(present.max())) if present.size else (0, 0)
    reach = int(np.abs(targets[~is_null] - present).max(initial=0))
    span = high - low + 2 * reach + 3
    if (int(block.max(initial=0)) + 1) * span >= 2**62:  # too wide: search slice by slice
        return _bisect(values, targets, is_null, layout, nulls_first=nulls_first, right=right)
    shift = reach + 1 - low
    null_value = 0 if nulls_first else span - 1
    keys = block * span + np.where(is_null, null_value, values + shift)
    return np.searchsorted(keys, block * span + targets + shift, side=side)


def _pairs(real: np.ndarray, imaginary: np.ndarray) -> np.ndarray:
    """``real + 1j * imaginary``, built part by part (``1j * inf`` would be ``nan + infj``)."""
    pairs = np.empty(len(real), dtype="complex128")
    pairs.real, pairs.imag = real, imaginary
    return pairs


def _bisect(
    values: np.ndarray,
    targets: np.ndarray,
    is_null: np.ndarray,
    layout: _Layout,
    *,
    nulls_first: bool,
    right: bool,
) -> np.ndarray:
    """:func:`_search_partitions` as a binary search run for all rows at once.

    ``log2(largest partition)`` vectorised steps; no loop over partitions.
    """
    nulls_before = np.cumsum(np.append(0, is_null))
    part_nulls = nulls_before[layout.part_end] - nulls_before[layout.part_start]
    low = layout.part_start + (part_nulls if nulls_first else 0)
    high = layout.part_end - (0 if nulls_first else part_nulls)
    active = np.flatnonzero(low < high)
    while active.size:
        lo, hi = low[active], high[active]
        middle = (lo + hi) // 2
        probe, target = values[middle], targets[active]
        go_right = probe <= target if right else probe < target
        low[active] = np.where(go_right, middle + 1, lo)
        high[active] = np.where(go_right, hi, middle)
        active = active[low[active] < high[active]]
    return low


def _aggregate(
    frame: pd.DataFrame, layout: _Layout, spec: _Spec, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    if spec.column is None:  # count(*)
        return end - start
    series = layout.sorted_values(frame[spec.column])
    present = series.notna().to_numpy()
    count = _frame_sums(present.astype("int64"), start, end)
    if spec.function == "count":
        return count
    if spec.function in ("min", "max"):
        return _min_max(series, layout, spec.function, start, end, count)
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    if spec.function == "std":
        # Shift each partition by its mean rounded to a whole number: fewer digits cancel
        # in sum(x**2) - sum(x)**2 / n, and whole numbers stay exact.
        whole = _frame_sums(np.where(present, values, 0.0), layout.part_start, layout.part_end)
        n_part = _frame_sums(present.astype("int64"), layout.part_start, layout.part_end)
        values = values - np.round(whole / np.maximum(n_part, 1))
    filled = np.where(present, values, 0.0)
    total = _frame_sums(filled, start, end, layout)
    with np.errstate(invalid="ignore", divide="ignore"):
        if spec.function == "sum":
            return np.where(count > 0, total, np.nan)
        if spec.function == "mean":
            return np.where(count > 0, total / count, np.nan)
        squares = _frame_sums(filled * filled, start, end, layout)
        variance = (squares - total * total / count) / (count - 1)
        return np.where(count > 1, np.sqrt(np.maximum(variance, 0.0)), np.nan)


def _frame_sums(
    values: np.ndarray, start: np.ndarray, end: np.ndarray, layout: _Layout | None = None
) -> np.ndarray:
    """Sum of ``values[start:end]`` per row (0 for an empty frame), from prefix sums.

    Whole numbers (counts) use one running total. Floats restart it in every partition
    of ``layout``, so the rounding error stays the size of the partition's own sums.
    """
    if layout is None:
        prefix = np.concatenate([np.zeros(1, dtype=values.dtype), np.cumsum(values)])
        return prefix[end] - prefix[start]
    running = pd.Series(values).groupby(layout.part_id, sort=False).cumsum().to_numpy()
    after = layout.part_start  # prefix[i] = sum of values[part_start .. i]
    upto_end = np.where(end > after, running[np.maximum(end - 1, 0)], 0.0)
    upto_start = np.where(start > after, running[np.maximum(start - 1, 0)], 0.0)
    return upto_end - upto_start


def _min_max(
    series: pd.Series,
    layout: _Layout,
    function: str,
    start: np.ndarray,
    end: np.ndarray,
    count: np.ndarray,
) -> np.ndarray | pd.Series:
    """Minimum or maximum of each frame, NULLs skipped, from a sparse table.

    Level ``k`` of the table holds the min (max) of the ``2**k`` rows starting at each
    row; a frame of length ``L`` is covered by two overlapping blocks of the largest
    ``2**k <= L``: one starting at its start and one ending at its end.
    """
    is_time = pd.api.types.is_datetime64_any_dtype(series)
    if is_time:
        values, unit = _time_ticks(series)
        info = np.iinfo("int64")
        fill: float = info.max if function == "min" else info.min + 1
    else:
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        fill = np.inf if function == "min" else -np.inf
    values = np.where(series.isna().to_numpy(), fill, values)
    pick = np.minimum if function == "min" else np.maximum
    length = end - start
    levels = [values]
    while (1 << len(levels)) <= length.max(initial=0):
        width = 1 << (len(levels) - 1)
        previous = levels[-1]
        levels.append(pick(previous, np.append(previous[width:], np.full(width, fill))))
    table = np.stack(levels)
    level = np.floor(np.log2(np.maximum(length, 1))).astype("int64")
    last = max(layout.size - 1, 0)
    first_block = table[level, np.minimum(start, last)]
    second_block = table[level, np.clip(end - (1 << level), 0, last)]
    found = pick(first_block, second_block)
    if not is_time:
        return np.where(count > 0, found, np.nan)
    times = pd.Series(found.view(f"datetime64[{unit}]")).where(count > 0)
    if series.dt.tz is not None:
        times = times.dt.tz_localize("UTC").dt.tz_convert(series.dt.tz)
    return times
