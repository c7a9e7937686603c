"""Window functions with exact SQL semantics: ranking, offsets, running and moving aggregates.

A window function computes one value per row from the rows of its *window*: the rows
of the same partition (``PARTITION BY``), in a given order (``ORDER BY``), within a
*frame* around the row (``ROWS``/``RANGE BETWEEN ... AND ...``). :func:`window` is the
one entry point; :func:`rank`, :func:`lag`, ... are thin named wrappers. Each has a
``.sql`` twin that writes the DuckDB query computing the same column.

Examples
--------
>>> import pandas as pd
>>> orders = pd.DataFrame({
...     "customer": ["a", "a", "a", "b"],
...     "day": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-01"]),
...     "amount": [10.0, 20.0, 5.0, 7.0],
... })
>>> window(orders, "sum", "amount", partition_by="customer", order_by="day")
  customer        day  amount  amount_running_sum
0        a 2024-01-01    10.0                10.0
1        a 2024-01-02    20.0                30.0
2        a 2024-01-05     5.0                35.0
3        b 2024-01-01     7.0                 7.0
>>> print(window.sql("mean", "amount", partition_by="customer", order_by="day"))
SELECT *,
  avg(amount) OVER (PARTITION BY customer ORDER BY day ASC NULLS LAST) AS amount_running_mean
FROM input
>>> parse_frame("range between interval '3 days' preceding and current row").sql()
"RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW"

Notes
-----
*Running sums and peers.* ``groupby(...).cumsum()`` adds row by row. SQL's default frame
with an ORDER BY is ``RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW``: it ends at the
last *peer* (row with the same ORDER BY values), so tied rows all get the total up to and
including every one of them. The same holds for ``last_value``: with the default frame it
is the value of the last peer of the current row, not the last row of the partition —
ask for ``window_frame="rows between unbounded preceding and unbounded following"`` to get
that.

*rank(pct=True) is not percent_rank.* pandas' ``Series.rank(pct=True)`` is
``rank / n``; SQL's ``percent_rank`` is ``(rank - 1) / (n - 1)`` (0 for a single row), and
``cume_dist`` is (rows up to and including the last peer) ``/ n`` which equals
``rank(method="max", pct=True)``.

*rolling("3D") is not RANGE INTERVAL '3 days' PRECEDING.* pandas' time-based rolling
window is ``(t - 3 days, t]``: open on the left, and it ends at the current *row*, not at
its last peer. SQL's ``RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW`` is
``[t - 3 days, t]`` with all peers: a row exactly three days earlier is in the frame.

*NULLs in the ORDER BY.* pandas' ``rank`` leaves NaN rows unranked (NaN out). SQL ranks
NULLs like any value: they sort together (``NULLS FIRST`` or ``NULLS LAST``, per key) and
are peers of each other. With a RANGE offset the frame of a NULL row is its NULL peers,
and a non-NULL row's offset never reaches a NULL row.

*Ties.* ``row_number``, ``lag``, ``lead``, ``ntile`` and ROWS frames depend on the order of
tied rows, which SQL leaves to the engine. The pandas path keeps the frame's order among
ties; add a unique column as a last ORDER BY key when the result must not depend on it.

*Where the code lives.* This module gathers the public names; the code is split by what
it does: :mod:`~pipelinekit.transforms.window_frame` (the frame and its parser),
:mod:`~pipelinekit.transforms.window_spec` (checking a call),
:mod:`~pipelinekit.transforms.window_function` (:func:`window` and its SQL twin),
:mod:`~pipelinekit.transforms.window_layout` and
:mod:`~pipelinekit.transforms.window_compute` (the pandas path), and
:mod:`~pipelinekit.transforms.window_named` (:func:`rank`, :func:`lag`, ...).
"""

from __future__ import annotations

# Every name importable from this module before the split still is: ``X as X`` marks
# the ones outside __all__ as deliberate re-exports.
from pipelinekit.transforms.window_frame import Bound as Bound
from pipelinekit.transforms.window_frame import FrameLike as FrameLike
from pipelinekit.transforms.window_frame import Offset as Offset
from pipelinekit.transforms.window_frame import WindowFrame, parse_frame
from pipelinekit.transforms.window_function import window
from pipelinekit.transforms.window_function import window_sql as window_sql
from pipelinekit.transforms.window_named import (
    cume_dist,
    dense_rank,
    first_value,
    lag,
    last_value,
    lead,
    nth_value,
    ntile,
    percent_rank,
    rank,
    row_number,
)
from pipelinekit.transforms.window_spec import ALIASES as ALIASES
from pipelinekit.transforms.window_spec import FUNCTIONS as FUNCTIONS
from pipelinekit.transforms.window_spec import OFFSETS as OFFSETS
from pipelinekit.transforms.window_spec import RANKING as RANKING
from pipelinekit.transforms.window_spec import VALUES as VALUES
from pipelinekit.transforms.window_spec import WindowFunction as WindowFunction

__all__ = [
    "WindowFrame",
    "parse_frame",
    "window",
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "nth_value",
]
