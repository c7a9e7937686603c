"""Lineage: where every dataset and column came from, for pandas and SQL alike."""

from pipelinekit.lineage.graph import Impact, LineageCycleError, LineageGraph
from pipelinekit.lineage.model import Column, Edge, StepRecord

__all__ = ["Column", "Edge", "Impact", "LineageCycleError", "LineageGraph", "StepRecord"]
