"""Lineage: where every dataset and column came from, for pandas and SQL alike.

One :class:`LineageGraph` holds datasets, their columns and the steps between them.
Ask it ``upstream("daily_sales.revenue")``, ``downstream("orders.amount")`` or
``impact("orders.amount")``; in Jupyter it draws itself. Runs export as OpenLineage
events and the whole graph is kept in a DuckDB metadata database (``save``/``load``).
"""

from pipelinekit.lineage.capture import default_graph, track, tracked
from pipelinekit.lineage.graph import Impact, LineageCycleError, LineageGraph
from pipelinekit.lineage.model import Column, Edge, StepRecord
from pipelinekit.lineage.openlineage import emit, events, run_events, write_events
from pipelinekit.lineage.sql_lineage import SqlLineageError, sql_lineage
from pipelinekit.lineage.store import load, query, save

__all__ = [
    "Column",
    "Edge",
    "Impact",
    "LineageCycleError",
    "LineageGraph",
    "SqlLineageError",
    "StepRecord",
    "default_graph",
    "emit",
    "events",
    "load",
    "query",
    "run_events",
    "save",
    "sql_lineage",
    "track",
    "tracked",
    "write_events",
]
