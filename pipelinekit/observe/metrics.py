"""Pipeline metrics for Prometheus: scraped over HTTP, written as a textfile, or pushed.

A :class:`PipelineMetrics` holds five metrics, named the Prometheus way (a ``pipelinekit_``
prefix, base units such as seconds, ``_total`` on counters):

=============================================== ======= ================================
metric                                          type    labels
=============================================== ======= ================================
``pipelinekit_rows_processed_total``            counter pipeline, step
``pipelinekit_step_duration_seconds``           gauge   pipeline, step
``pipelinekit_quality_score``                   gauge   pipeline, table (0 to 1)
``pipelinekit_failures_total``                  counter pipeline, step
``pipelinekit_last_success_timestamp_seconds``  gauge   pipeline
=============================================== ======= ================================

Three ways to hand them to Prometheus, because a pipeline is a batch job that may not
live long enough to be scraped:

* :meth:`~PipelineMetrics.serve` answers scrapes while a long run is active;
* :meth:`~PipelineMetrics.write_textfile` leaves a ``.prom`` file for node-exporter's
  textfile collector (written atomically: a scrape never sees half a file);
* :meth:`~PipelineMetrics.push` sends them to a Pushgateway when
  ``PIPELINEKIT_PUSHGATEWAY`` names one.

Why the step duration is a gauge, not a histogram: a pipeline run times each step once.
Pushed or written as a textfile, each run *replaces* the previous run's values, so a
histogram would hold one observation per series and its buckets would never add up
across runs. The Prometheus guidance for batch jobs is a gauge with the last duration;
Prometheus itself keeps the history (``max_over_time(...[7d])``, ``quantile_over_time``).

Each instance owns its :class:`~prometheus_client.CollectorRegistry` (never the global
one), so two pipelines, or two tests, in one process do not see each other's numbers.
The client's ``*_created`` series (when a counter was made) are left out: for a batch job
they only say when the process started, and a Pushgateway would keep a new value each run.

Examples
--------
>>> metrics = PipelineMetrics("shop")
>>> metrics.record_step("stg_orders", rows=480, seconds=0.25)
>>> metrics.record_quality("fct_orders", 0.98)
>>> print(metrics.sample("pipelinekit_rows_processed_total", step="stg_orders"))
480.0
>>> "pipelinekit_quality_score" in metrics.exposition()
True
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.error import URLError
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Metric,
    generate_latest,
    push_to_gateway,
    start_http_server,
    write_to_textfile,
)
from prometheus_client.registry import Collector

from pipelinekit.config import redact
from pipelinekit.errors import InvalidValueError, OutputError

__all__ = ["PUSHGATEWAY_ENV", "MetricsServer", "PipelineMetrics", "StepTimer"]

#: The variable naming a Pushgateway (``http://pushgateway:9091``); unset: nothing is pushed.
PUSHGATEWAY_ENV = "PIPELINEKIT_PUSHGATEWAY"
PREFIX = "pipelinekit"


@dataclass
class StepTimer:
    """What :meth:`PipelineMetrics.time_step` yields: set ``rows`` before the block ends."""

    step: str
    rows: int | None = None
    seconds: float | None = None


@dataclass
class MetricsServer:
    """An HTTP endpoint serving one registry's metrics; stop it, or use it in ``with``."""

    host: str
    port: int
    _httpd: WSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def url(self) -> str:
        """Where Prometheus (or ``urllib``) scrapes: ``http://host:port/metrics``."""
        return f"http://{self.host}:{self.port}/metrics"

    def stop(self) -> None:
        """Stop answering and free the port (calling it twice is harmless)."""
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()

    def __enter__(self) -> MetricsServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class _WithoutCreated(Collector):
    """The metrics of a registry, less the ``*_created`` samples the client adds."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        for family in self._registry.collect():
            samples = [s for s in family.samples if not s.name.endswith("_created")]
            kept = Metric(family.name, family.documentation, family.type, family.unit)
            kept.samples = samples
            yield kept

    def describe(self) -> Iterator[Metric]:
        for family in self._registry.collect():
            yield Metric(family.name, family.documentation, family.type, family.unit)


class PipelineMetrics:
    """The Prometheus metrics of one pipeline, in a registry of their own.

    Parameters
    ----------
    pipeline : str
        The value of every metric's ``pipeline`` label.
    """

    def __init__(self, pipeline: str) -> None:
        if not pipeline:
            raise InvalidValueError("An empty pipeline name", "the pipeline's name, as 'shop'")
        self.pipeline = pipeline
        metrics = CollectorRegistry(auto_describe=True)
        #: What is scraped, written and pushed: the metrics without ``*_created``.
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_WithoutCreated(metrics))
        steps = ["pipeline", "step"]
        self.rows_processed = Counter(
            f"{PREFIX}_rows_processed",  # the client adds _total
            "Rows written by a pipeline step.",
            steps,
            registry=metrics,
        )
        self.step_duration = Gauge(
            f"{PREFIX}_step_duration_seconds",
            "How long the latest run of a pipeline step took, in seconds.",
            steps,
            registry=metrics,
        )
        self.quality_score = Gauge(
            f"{PREFIX}_quality_score",
            "The latest data quality score of a table, from 0 (every rule failed) to 1.",
            ["pipeline", "table"],
            registry=metrics,
        )
        self.failures = Counter(
            f"{PREFIX}_failures",
            "Pipeline steps that raised an error (or gates that stopped the run).",
            steps,
            registry=metrics,
        )
        self.last_success = Gauge(
            f"{PREFIX}_last_success_timestamp_seconds",
            "When the pipeline last finished without error, in seconds since 1970 (UTC).",
            ["pipeline"],
            registry=metrics,
        )

    def __repr__(self) -> str:
        return f"PipelineMetrics({self.pipeline!r})"

    # -- recording
    def record_step(
        self, step: str, *, rows: int | None = None, seconds: float | None = None
    ) -> None:
        """A step finished: add its ``rows`` to the counter, set its duration."""
        if rows is not None:
            if rows < 0:
                raise InvalidValueError(f"rows={rows} for step {step!r}", "a count, 0 or more")
            self.rows_processed.labels(self.pipeline, step).inc(rows)
        if seconds is not None:
            self.step_duration.labels(self.pipeline, step).set(seconds)

    def record_failure(self, step: str) -> None:
        """A step failed (its duration, when known, goes to :meth:`record_step`)."""
        self.failures.labels(self.pipeline, step).inc()

    def record_quality(self, table: str, score: float) -> None:
        """Set a table's quality score, 0 to 1 (NaN: no rule was checked)."""
        score = float(score)
        if not math.isnan(score) and not 0.0 <= score <= 1.0:
            raise InvalidValueError(
                f"Quality score {score} for table {table!r}",
                "a share from 0 to 1",
                "pass QualityScore.overall or a value of QualityScore.by_table",
            )
        self.quality_score.labels(self.pipeline, table).set(score)

    def record_success(self, *, at: float | None = None) -> None:
        """The run finished without error: remember when (``at``: seconds since 1970)."""
        self.last_success.labels(self.pipeline).set(time.time() if at is None else at)

    @contextmanager
    def time_step(self, step: str) -> Iterator[StepTimer]:
        """Time the block as ``step``; count a failure when it raises.

        Examples
        --------
        >>> metrics = PipelineMetrics("shop")
        >>> with metrics.time_step("clean") as timer:
        ...     timer.rows = 10
        >>> metrics.sample("pipelinekit_rows_processed_total", step="clean")
        10.0
        """
        timer = StepTimer(step)
        start = time.perf_counter()
        try:
            yield timer
        except BaseException:
            timer.seconds = time.perf_counter() - start
            self.record_failure(step)
            self.record_step(step, seconds=timer.seconds)
            raise
        timer.seconds = time.perf_counter() - start
        self.record_step(step, rows=timer.rows, seconds=timer.seconds)

    # -- reading
    def exposition(self) -> str:
        """The metrics in the Prometheus text format, as a scrape would see them."""
        return generate_latest(self.registry).decode("utf-8")

    def sample(self, name: str, **labels: str) -> float | None:
        """The value of one sample (``pipeline`` is filled in); None when absent."""
        return self.registry.get_sample_value(name, {"pipeline": self.pipeline, **labels})

    # -- handing over
    def write_textfile(self, path: str | os.PathLike[str]) -> Path:
        """Write the metrics to ``path`` (a ``.prom`` file) atomically; return the path.

        node-exporter's textfile collector reads every ``*.prom`` file of its folder; the
        file is written beside its final name and renamed, so a scrape never reads half.
        """
        path = Path(path)
        if path.suffix != ".prom":
            raise InvalidValueError(
                f"Metrics file {path}",
                "a name ending in .prom (node-exporter reads only those)",
                f"use {path.with_suffix('.prom').name}",
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_to_textfile(str(path), self.registry)
        except OSError as error:
            raise OutputError(
                f"Cannot write the metrics file {path} ({error.strerror or error})",
                "a folder this process may write to",
            ) from error
        return path

    def serve(self, port: int = 0, *, host: str = "127.0.0.1") -> MetricsServer:
        """Answer scrapes at ``http://host:port/metrics`` until ``stop()``.

        ``port=0`` lets the system choose a free port; the returned server's ``port``
        says which. Use it as a context manager to serve while a run is active.
        """
        try:
            httpd, thread = start_http_server(port, addr=host, registry=self.registry)
        except OSError as error:
            raise OutputError(
                f"Cannot serve metrics on {host}:{port} ({error.strerror or error})",
                "a free port",
                "pass port=0 to let the system choose one",
            ) from error
        return MetricsServer(host, int(httpd.server_port), httpd, thread)

    def push(
        self,
        gateway: str | None = None,
        *,
        job: str = PREFIX,
        timeout: float = 10.0,
        environ: Mapping[str, str] | None = None,
    ) -> str | None:
        """Push the metrics to a Pushgateway; return its (redacted) address, or None.

        ``gateway`` defaults to ``PIPELINEKIT_PUSHGATEWAY``; when neither is set nothing
        is pushed. The metrics replace the group ``job`` / ``pipeline`` (an HTTP PUT),
        so each pipeline keeps its own group and a run replaces the previous run's.
        """
        if gateway is None:
            gateway = (os.environ if environ is None else environ).get(PUSHGATEWAY_ENV) or None
        if gateway is None:
            return None
        shown = redact(gateway)
        try:
            push_to_gateway(
                gateway,
                job=job,
                registry=self.registry,
                grouping_key={"pipeline": self.pipeline},
                timeout=timeout,
            )
        except (URLError, OSError, ValueError) as error:
            reason: Any = getattr(error, "reason", None) or error
            raise OutputError(
                f"Cannot push metrics to the Pushgateway at {shown} ({reason})",
                "a Pushgateway accepting pushes",
                f"check {PUSHGATEWAY_ENV}, or unset it to skip pushing",
            ) from error
        return shown
