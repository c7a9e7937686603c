"""The sorted layout of a window: rows ordered by partition and ORDER BY, with their runs.

The pandas path of :func:`pipelinekit.transforms.window.window` sorts the rows once.
:class:`_Layout` keeps that order and, for each sorted row, where its partition and its
peers (rows with equal ORDER BY values) start and end, so every window function becomes
arithmetic on positions.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.transforms.window_spec import _spec
>>> frame = pd.DataFrame({"team": ["x", "y", "x"], "goals": [3, 2, 1]})
>>> spec = _spec(
...     "rank", None, partition_by="team", order_by="goals",
...     window_frame=None, n=None, offset=1, default=None, name=None,
... )
>>> layout = _Layout(frame, spec)
>>> layout.order.tolist(), layout.part_start.tolist(), layout.part_end.tolist()
([2, 0, 1], [0, 0, 2], [2, 2, 3])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipelinekit.transforms.window_spec import _is_number_column, _Spec


class _Layout:
    """The rows sorted by (partition, ORDER BY), with each sorted row's partition and peers.

    Every array is in sorted order: ``part_start[i]``/``part_end[i]`` bound the partition
    of sorted row ``i`` (end exclusive), ``peer_start``/``peer_end`` its peers.

    The sort is a least-significant-key-first chain of stable argsorts (each key's NULLs
    moved to their end afterwards), then a stable sort by partition number — partitions
    only need to be contiguous, not ordered, so their numbers come from an unsorted
    ``factorize`` and fit a fast 16-bit radix sort for up to 32767 partitions.
    """

    def __init__(self, frame: pd.DataFrame, spec: _Spec):
        size = len(frame)
        self.size = size
        self.index = np.arange(size)
        self.frame_index = frame.index
        order = self.index
        keys = [_sort_key(frame[key.column], key.descending) for key in spec.order_by]
        for (values, is_null), key in zip(reversed(keys), reversed(spec.order_by), strict=True):
            order = order[np.argsort(values[order], kind="stable")]
            null_here = is_null[order]
            if null_here.any():
                parts = (order[null_here], order[~null_here])
                order = np.concatenate(parts if key.nulls == "first" else parts[::-1])
        partition = _partition_numbers(frame, spec.partition_by)
        order = order[np.argsort(partition[order], kind="stable")]
        self.order = order
        self.inverse = np.empty(size, dtype="int64")
        self.inverse[order] = self.index
        new_part = self._changes([partition])
        new_peer = new_part | self._changes([array for key in keys for array in key])
        self.part_start, self.part_end = self._runs(new_part)
        self.peer_start, self.peer_end = self._runs(new_peer)
        self.new_peer = new_peer
        self.part_id = np.cumsum(new_part)

    def _changes(self, arrays: list[np.ndarray]) -> np.ndarray:
        """True where a sorted row differs from the one before it (or starts the data)."""
        changed = np.zeros(self.size, dtype=bool)
        changed[:1] = True
        for array in arrays:
            ordered = array[self.order]
            changed[1:] |= ordered[1:] != ordered[:-1]
        return changed

    def _runs(self, starts_here: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start and end (exclusive) of the run of rows each sorted row belongs to."""
        starts = np.flatnonzero(starts_here)
        lengths = np.diff(np.append(starts, self.size))
        return np.repeat(starts, lengths), np.repeat(starts + lengths, lengths)

    def sorted_values(self, series: pd.Series) -> pd.Series:
        return series.iloc[self.order].reset_index(drop=True)

    def unsort(self, values: np.ndarray | pd.Series) -> np.ndarray | pd.Series:
        """Values given in sorted order, back in the frame's order."""
        if isinstance(values, pd.Series):
            return values.iloc[self.inverse].set_axis(self.frame_index)
        return values[self.inverse]


def _sort_key(series: pd.Series, descending: bool) -> tuple[np.ndarray, np.ndarray]:
    """Numbers that sort like ``series`` (NULLs as 0) and its NULL mask.

    Numbers and datetimes sort by value, anything else by its sorted factorize code.
    Descending flips the order: ``-x`` for floats, ``~x`` (= -x - 1, no overflow) for ints.
    """
    is_null = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series):
        values = _time_ticks(series)[0]
    elif pd.api.types.is_float_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=0.0)
    elif _is_number_column(series):
        values = series.to_numpy(dtype="int64", na_value=0)
    else:
        values = pd.factorize(series, sort=True)[0].astype("int64")
    values = np.where(is_null, 0, values) if is_null.any() else values
    if descending:
        values = -values if values.dtype.kind == "f" else ~values
    return values, is_null


def _partition_numbers(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """A number per row, equal for rows of the same partition (NULLs form one partition)."""
    numbers = np.zeros(len(frame), dtype="int64")
    for position, column in enumerate(columns):
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
        numbers = numbers * (len(uniques) + 1) + codes + 1
        if position:  # keep the numbers small: renumber the combinations seen
            numbers = pd.factorize(numbers)[0].astype("int64")
    small = numbers.max(initial=0) < np.iinfo("int16").max
    return numbers.astype("int16") if small else numbers


def _time_ticks(series: pd.Series) -> tuple[np.ndarray, str]:
    """Datetimes as int64 ticks since the epoch (UTC for tz-aware), and the tick unit."""
    if series.dt.tz is not None:
        series = series.dt.tz_convert(None)
    values = series.to_numpy()
    return values.view("int64"), np.datetime_data(values.dtype)[0]
