"""Time series: buckets, gap filling, rolling windows, changes over time, decomposition.

Every function works on a datetime column ``on``, optionally per entity (``by=``, e.g.
one series per device), and — except :func:`decompose` — has a SQL twin
(``resample.sql(...)``, ...) that DuckDB runs to the same frame.

Import them all from here; each lives in a module of its own:

- :mod:`.timeseries_common`: :class:`Every`, :func:`parse_every` and the shared checks
- :mod:`.timeseries_resample`: :func:`resample` (time buckets)
- :mod:`.timeseries_gaps`: :func:`fill_gaps` (missing timestamps and their values)
- :mod:`.timeseries_rolling`: :func:`rolling_time` (windows of ``3D``, ``12h``, ...)
- :mod:`.timeseries_changes`: :func:`lag`, :func:`diff`, :func:`pct_change`,
  :func:`period_over_period`
- :mod:`.timeseries_decompose`: :func:`decompose` (trend, seasonal, residual)

Examples
--------
>>> import pipelinekit as pk
>>> readings = pk.datasets.load("iot", scale="tiny").readings
>>> daily = resample(readings, on="read_at", every="1d", by="device_id",
...                  agg={"temperature_c": ["mean", "max"]})
>>> daily.columns.tolist()
['device_id', 'read_at', 'temperature_c_mean', 'temperature_c_max']
>>> len(daily), daily["read_at"].min()
(176, Timestamp('2025-01-06 00:00:00'))
"""

from __future__ import annotations

# ``X as X`` marks a name kept importable from here though it is not in __all__: the
# argument types, and _fill_columns (the tests check fill_gaps' SQL twin with it).
from pipelinekit.transforms.timeseries_changes import Period as Period
from pipelinekit.transforms.timeseries_changes import (
    diff,
    diff_sql,
    lag,
    lag_sql,
    pct_change,
    pct_change_sql,
    period_over_period,
    period_over_period_sql,
)
from pipelinekit.transforms.timeseries_common import By as By
from pipelinekit.transforms.timeseries_common import Every, parse_every
from pipelinekit.transforms.timeseries_decompose import decompose
from pipelinekit.transforms.timeseries_gaps import FillMethod as FillMethod
from pipelinekit.transforms.timeseries_gaps import _fill_columns as _fill_columns
from pipelinekit.transforms.timeseries_gaps import fill_gaps, fill_gaps_sql
from pipelinekit.transforms.timeseries_resample import Label as Label
from pipelinekit.transforms.timeseries_resample import WeekStart as WeekStart
from pipelinekit.transforms.timeseries_resample import resample, resample_sql
from pipelinekit.transforms.timeseries_rolling import rolling_time, rolling_time_sql

__all__ = [
    "Every",
    "parse_every",
    "resample",
    "resample_sql",
    "fill_gaps",
    "fill_gaps_sql",
    "rolling_time",
    "rolling_time_sql",
    "lag",
    "lag_sql",
    "diff",
    "diff_sql",
    "pct_change",
    "pct_change_sql",
    "period_over_period",
    "period_over_period_sql",
    "decompose",
]
