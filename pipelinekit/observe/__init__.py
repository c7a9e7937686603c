"""Observability: structured logs, Prometheus metrics, health checks, log analysis.

* :class:`RunLogger` writes each event as a JSON line (for programs) and a readable line
  (for people); :func:`bind` adds context such as ``run_id`` and ``step`` to a block.
* :class:`PipelineMetrics` counts rows, times steps, keeps quality scores, failures and
  the last success, for Prometheus to scrape, read as a textfile, or receive by push.
* :func:`check_health` checks DuckDB, PostgreSQL, Redis, Kafka, S3 and the disk
  (``pipelinekit health`` at the command line).
* :func:`read_logs` reads the JSON logs back into a DataFrame; :func:`slowest_steps`,
  :func:`error_rates` and :func:`row_count_changes` summarise them.

>>> from pipelinekit import observe
>>> metrics = observe.PipelineMetrics("shop")
>>> with observe.RunLogger(console=False, run_id="r1") as log:
...     with log.step("stg_orders", rows_in=3) as step:
...         step.rows_out = 2
...     metrics.record_step("stg_orders", rows=step.rows_out, seconds=step.seconds)
>>> metrics.sample("pipelinekit_rows_processed_total", step="stg_orders")
2.0
"""

from pipelinekit.observe.health import CHECKS, check_health
from pipelinekit.observe.log import RunLogger, bind, get_logger
from pipelinekit.observe.logs import error_rates, read_logs, row_count_changes, slowest_steps
from pipelinekit.observe.metrics import MetricsServer, PipelineMetrics

__all__ = [
    "CHECKS",
    "MetricsServer",
    "PipelineMetrics",
    "RunLogger",
    "bind",
    "check_health",
    "error_rates",
    "get_logger",
    "read_logs",
    "row_count_changes",
    "slowest_steps",
]
