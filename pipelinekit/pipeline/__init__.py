"""Pipelines in YAML: sources, steps, quality gates and targets, validated, then run.

>>> import pipelinekit.pipeline as pp
>>> pipeline = pp.load_pipeline('''
... pipeline: paid_orders
... sources:
...   raw: {dataset: ecommerce, scale: tiny, tables: [orders]}
... steps:
...   - name: paid
...     sql: SELECT order_id, order_total FROM orders WHERE status = 'delivered'
... ''')
>>> checked = pp.validate(pipeline)
>>> checked.ok, checked.order, checked.schemas["paid"]
(True, ['paid'], ['order_id', 'order_total'])

``pp.run(pipeline, target="duckdb:///shop.duckdb")`` runs it (``pipelinekit run`` at the
command line) and returns a :class:`RunResult`; ``pp.list_runs("runs")`` lists the runs
(``pipelinekit runs``), and ``pp.run(..., resume=True)`` resumes the latest failed one.
"""

from pipelinekit.pipeline.run import RunFailed, RunResult, run
from pipelinekit.pipeline.runs import list_runs
from pipelinekit.pipeline.spec import Pipeline, PipelineFileError
from pipelinekit.pipeline.validate import Validation, validate
from pipelinekit.pipeline.yaml_load import load_pipeline, resolve_pipeline

__all__ = [
    "Pipeline",
    "PipelineFileError",
    "RunFailed",
    "RunResult",
    "Validation",
    "list_runs",
    "load_pipeline",
    "resolve_pipeline",
    "run",
    "validate",
]
