"""Run a pipeline: sources, steps in dependency order, quality gates, targets, artifacts.

:func:`run` validates the pipeline (:func:`~pipelinekit.pipeline.validate.validate`),
opens its targets (an unreachable one fails before any work), reads the sources, then runs
each step over the tables made so far — DuckDB SQL, a pk.transforms function or a Python
function — recording its column lineage in a :class:`~pipelinekit.lineage.LineageGraph`.
A gate's rules are checked as soon as the tables they read exist: a failing ``fail`` gate
stops the run, a ``warn`` gate is reported and the run goes on. Only when every step and
gate is done are the tables loaded, each target in one transaction, so a failure leaves
the target's previous tables as they were. Loading the same data again gives the same
tables (``replace``, ``merge`` and ``incremental`` modes).

Whatever happens — success, a failing step or gate, Ctrl-C — the run is recorded: its
lineage and quality history go to the metadata database, and ``runs/<run_id>/`` gets

================== ==========================================================
lineage.svg        the lineage graph of the run
quality.html       the gates' report (pk.quality.write_html_report)
openlineage.jsonl  OpenLineage events, one a line
metrics.json       rows and seconds per step, the quality score, the loads
metrics.prom       the same as Prometheus metrics (pk.observe.PipelineMetrics), for
                   node-exporter's textfile collector
log.jsonl          the run's structured log, one JSON object a line
================== ==========================================================

The Prometheus metrics (rows processed and seconds per step, failures, the quality score
of each gated table, the last success) are also served over HTTP while the run is active
when ``metrics_port`` is given (``0``: any free port; the URL is printed on standard
error), and pushed to the Pushgateway that ``PIPELINEKIT_PUSHGATEWAY`` names, if any (a
failed push is a warning in the log and a note, never a failed run).

Examples
--------
>>> import tempfile, pathlib
>>> from pipelinekit.pipeline.yaml_load import load_pipeline
>>> pipeline = load_pipeline('''
... pipeline: paid_orders
... sources:
...   raw: {dataset: ecommerce, scale: tiny, tables: [orders]}
... steps:
...   - name: paid
...     sql: SELECT order_id, customer_id FROM orders WHERE status = 'delivered'
... gates:
...   - table: paid
...     rules: [{kind: unique, columns: [order_id]}]
... ''')
>>> with tempfile.TemporaryDirectory() as folder:
...     folder = pathlib.Path(folder)
...     result = run(pipeline, target=f"duckdb:///{folder}/shop.duckdb", runs_dir=folder / "runs",
...                  metadata=folder / "meta.duckdb", progress=False)
...     print(result.status, result.loaded_tables())
COMPLETE ['paid']
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pipelinekit.errors import PipelinekitError, format_list
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import StepRecord
from pipelinekit.observe.metrics import PipelineMetrics
from pipelinekit.pipeline.spec import DEFAULT_TARGET, Gate, Pipeline, Step, TargetSpec
from pipelinekit.pipeline.validate import Validation, import_function, sql_tables, validate
from pipelinekit.quality.report import QualityReport

__all__ = ["GateResult", "RunFailed", "RunResult", "StepResult", "run"]

Status = Literal["COMPLETE", "FAIL"]


class RunFailed(PipelinekitError):
    """A step or a gate stopped the run (raised by ``run(..., raise_on_failure=True)``)."""

    def __init__(self, result: RunResult):
        self.result = result
        super().__init__(
            f"Pipeline '{result.pipeline}' run {result.run_id} failed: {result.error}",
            "every step to run and every 'fail' gate to pass",
            f"the target was left as it was; see {result.run_dir / 'log.jsonl'}",
        )


@dataclasses.dataclass
class StepResult:
    """How one step (or source table) went: rows made, seconds, error."""

    name: str
    kind: str
    status: Literal["ok", "failed"]
    rows: int | None = None
    seconds: float = 0.0
    error: str | None = None


@dataclasses.dataclass
class GateResult:
    """One gate's verdict: ``stopped`` when it is a ``fail`` gate that failed."""

    table: str
    on_fail: str
    report: QualityReport
    stopped: bool

    @property
    def failures(self) -> int:
        return len(self.report.failures)


@dataclasses.dataclass
class RunResult:
    """What a run did; ``status`` is COMPLETE or FAIL (``error`` says why)."""

    run_id: str
    pipeline: str
    status: Status
    run_dir: Path
    started_at: str
    seconds: float = 0.0
    error: str | None = None
    failed_step: str | None = None
    interrupted: bool = False
    steps: list[StepResult] = dataclasses.field(default_factory=list)
    gates: list[GateResult] = dataclasses.field(default_factory=list)
    loads: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    quality_score: float | None = None
    metrics_url: str | None = None
    notes: list[str] = dataclasses.field(default_factory=list)
    graph: LineageGraph = dataclasses.field(default_factory=LineageGraph, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "COMPLETE"

    def loaded_tables(self) -> list[str]:
        """The tables loaded into the targets, sorted."""
        return sorted({str(load["table"]) for load in self.loads})

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"Pipeline {self.pipeline}: run {self.run_id} {self.status}"
            f" in {self.seconds:.1f} s" + (f" — {self.error}" if self.error else "")
        ]
        made = [s for s in self.steps if s.kind != "source" and s.status == "ok"]
        lines.append(
            f"  steps: {len(made)} ran, rows: "
            + (", ".join(f"{s.name} {s.rows:,}" for s in made[-6:] if s.rows is not None) or "-")
        )
        if self.gates:
            failing = sum(g.failures for g in self.gates)
            score = "" if self.quality_score is None else f", quality {self.quality_score:.1%}"
            lines.append(f"  gates: {len(self.gates)} checked, {failing} failing rules{score}")
        if self.loads:
            written = ", ".join(f"{d['table']} {d['rows_written']:,}" for d in self.loads)
            lines.append(f"  loaded: {written}")
        elif self.status == "FAIL":
            lines.append("  loaded: nothing; the target's previous tables are intact")
        lines.append(f"  artifacts: {self.run_dir}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def run(
    pipeline: Pipeline | str | os.PathLike[str],
    *,
    target: str | None = None,
    scale: str | int | None = None,
    seed: int | None = None,
    runs_dir: str | os.PathLike[str] = "runs",
    metadata: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    run_id: str | None = None,
    progress: bool | Any = True,
    raise_on_failure: bool = False,
    metrics_port: int | None = None,
) -> RunResult:
    """Run ``pipeline`` end to end; see the module's description.

    Parameters
    ----------
    pipeline : Pipeline or path
        A parsed pipeline, or its YAML file (a built-in's name works too).
    target : str, optional
        A target URL that replaces the url of every target of the pipeline
        (``duckdb:///warehouse.duckdb`` when the pipeline names none).
    scale, seed : optional
        Override the scale and seed of generated-dataset sources.
    runs_dir : path
        Where ``<run_id>/`` with the artifacts is written.
    metadata : path, optional
        The metadata database (lineage and quality history); see
        :func:`pipelinekit.metadata.metadata_path`.
    data_dir : path, optional
        Keep generated datasets there (``<data_dir>/<domain>/``) and reuse them.
    run_id : str, optional
        Default: the UTC time, the pipeline's name and a short random part.
    progress : bool or rich Console
        Show a progress bar (on standard error, or on the Console given).
    raise_on_failure : bool
        Raise :class:`RunFailed` instead of returning a FAIL result.
    metrics_port : int, optional
        Serve the run's Prometheus metrics at ``http://127.0.0.1:<port>/metrics`` while
        it is active (``0``: a free port the system picks); the URL is printed on
        standard error and kept in ``RunResult.metrics_url``.

    Returns
    -------
    RunResult

    Raises
    ------
    PipelineFileError
        The pipeline has problems (nothing ran).
    PipelinekitError
        A target cannot be opened, or the metrics port is taken (nothing ran).
    KeyboardInterrupt
        After recording the run as FAIL ('interrupted'); the targets are untouched.
    """
    if not isinstance(pipeline, Pipeline):
        from pipelinekit.pipeline.yaml_load import load_pipeline, resolve_pipeline

        pipeline = load_pipeline(resolve_pipeline(pipeline))
    checked = validate(pipeline)
    checked.raise_for_problems()
    if scale is not None:
        from pipelinekit.datasets.load import resolve_size
        from pipelinekit.pipeline.spec import DatasetSource

        for source in pipeline.sources:
            if isinstance(source, DatasetSource):
                resolve_size(source.dataset, scale)  # an unknown scale fails before any work
    runner = _Runner(
        pipeline,
        checked,
        target=target,
        scale=scale,
        seed=seed,
        runs_dir=Path(runs_dir),
        metadata=metadata,
        data_dir=data_dir,
        run_id=run_id,
        progress=progress,
        metrics_port=metrics_port,
    )
    result = runner.run()
    if raise_on_failure and not result.ok:
        raise RunFailed(result)
    return result


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def _new_run_id(name: str) -> str:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{name}-{uuid.uuid4().hex[:6]}"


class _Runner:
    def __init__(
        self,
        pipeline: Pipeline,
        checked: Validation,
        *,
        target: str | None,
        scale: str | int | None,
        seed: int | None,
        runs_dir: Path,
        metadata: str | os.PathLike[str] | None,
        data_dir: str | os.PathLike[str] | None,
        run_id: str | None,
        progress: bool | Any,
        metrics_port: int | None = None,
    ):
        self.pipeline = pipeline
        self.checked = checked
        self.targets = _targets(pipeline, target)
        self.scale, self.seed = scale, seed
        self.data_dir = None if data_dir is None else Path(data_dir)
        self.metadata = metadata
        self.run_id = run_id or _new_run_id(pipeline.name)
        self.run_dir = runs_dir / self.run_id
        self.progress = progress
        self.frames: dict[str, pd.DataFrame] = {}
        self.graph = LineageGraph()
        self.pending: list[Gate] = list(pipeline.gates)
        self.result = RunResult(
            self.run_id, pipeline.name, "COMPLETE", self.run_dir, _now(), notes=checked.notes
        )
        self.result.graph = self.graph
        self.metrics = PipelineMetrics(pipeline.name)
        self.metrics_port = metrics_port
        self.current: str | None = None  # the step running, for an interrupt's failure

    # ------------------------------------------------------------------ the run
    def run(self) -> RunResult:
        if self.metrics_port is None:
            return self.run_served()
        if self.metrics_port < 0 or self.metrics_port > 65_535:
            from pipelinekit.errors import InvalidValueError

            raise InvalidValueError(
                f"metrics_port={self.metrics_port}",
                "a TCP port from 1 to 65535, or 0 for any free port",
                "pass metrics_port=0",
            )
        server = self.metrics.serve(self.metrics_port)
        self.result.metrics_url = server.url
        print(f"Serving the run's metrics at {server.url}", file=sys.stderr, flush=True)
        try:
            return self.run_served()
        finally:
            server.stop()

    def run_served(self) -> RunResult:
        opened = [(spec, _open_target(spec.url)) for spec in self.targets]
        started = time.perf_counter()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        running = {"run_id": self.run_id, "pipeline": self.pipeline.name, "status": "RUNNING"}
        (self.run_dir / "metrics.json").write_text(json.dumps(running) + "\n")  # until the end
        log = _logger(self.run_dir / "log.jsonl", self.run_id)
        interrupted: KeyboardInterrupt | None = None
        try:
            log.info("run_started", pipeline=self.pipeline.name, steps=len(self.pipeline.steps))
            if self.result.metrics_url is not None:
                log.info("metrics_served", url=self.result.metrics_url)
            with _progress(self.progress, len(self.checked.order) + 2) as advance:
                try:
                    self.work(log, advance)
                    if self.result.ok:
                        advance("loading")
                        self.load(opened, log)
                except KeyboardInterrupt as error:
                    interrupted = error
                    self.fail("interrupted", None, log, failing=self.current)
                    self.result.interrupted = True
                except _Stop:
                    pass
                except Exception as error:  # a failure outside any step (a target's load)
                    self.fail(f"{type(error).__name__}: {error}", None, log, failing="load")
            self.result.seconds = time.perf_counter() - started
            if self.result.ok:
                self.metrics.record_success()
            self.push_metrics(log)
            self.record(log)
            log.info(
                "run_finished",
                status=self.result.status,
                error=self.result.error,
                seconds=self.result.seconds,
            )
        finally:
            log.close()
            for _, opened_target in opened:
                opened_target.close()
        if interrupted is not None:
            raise interrupted
        return self.result

    def fail(self, error: str, step: str | None, log: Any, *, failing: str | None = None) -> None:
        """Mark the run failed; count a failure of ``step`` (or ``failing``) in the metrics."""
        self.metrics.record_failure(step or failing or "run")
        self.result.status = "FAIL"
        self.result.error = error
        self.result.failed_step = step
        log.error("run_failed", error=error, failed_step=step)

    def work(self, log: Any, advance: Callable[[str], None]) -> None:
        from pipelinekit.pipeline.sources import read_source

        advance("sources")
        for source in self.pipeline.sources:
            started = time.perf_counter()
            try:
                tables = read_source(
                    source, scale=self.scale, seed=self.seed, data_dir=self.data_dir
                )
            except Exception as error:
                message = f"source '{source.name}' cannot be read: {_describe(error)}"
                self.fail(message, source.name, log)
                raise _Stop from error
            seconds = time.perf_counter() - started
            for name, frame in tables.items():
                self.frames[name] = frame
                self.graph.add_dataset(name, [str(c) for c in frame.columns])
                share = seconds / max(len(tables), 1)
                self.result.steps.append(StepResult(name, "source", "ok", len(frame), share))
                self.metrics.record_step(name, rows=len(frame), seconds=share)
                log.info("source_read", table=name, source=source.name, rows=len(frame))
        self.gates(log)
        steps = {step.name: step for step in self.pipeline.steps}
        for name in self.checked.order:
            advance(name)
            self.current = name
            self.step(steps[name], log)
            self.current = None
            self.gates(log)

    def step(self, step: Step, log: Any) -> None:
        reads = _reads(step)
        rows_in = sum(len(self.frames[t]) for t in reads if t in self.frames)
        started = time.perf_counter()
        began = _now()
        try:
            with _step_log(log, step.name, rows_in, step.kind) as handle:
                frame = self.compute(step, reads, began)
                handle.rows_out = len(frame)
        except Exception as error:
            seconds = time.perf_counter() - started
            self.metrics.record_step(step.name, seconds=seconds)
            message = f"step '{step.name}' failed: {_describe(error)}"
            self.result.steps.append(
                StepResult(step.name, step.kind, "failed", None, seconds, _describe(error))
            )
            log.error("step_error", step=step.name, traceback=traceback.format_exc(limit=8))
            self.fail(message, step.name, log)
            raise _Stop from error
        self.frames[step.name] = frame
        seconds = time.perf_counter() - started
        self.result.steps.append(StepResult(step.name, step.kind, "ok", len(frame), seconds))
        self.metrics.record_step(step.name, rows=len(frame), seconds=seconds)

    def compute(self, step: Step, reads: list[str], began: str) -> pd.DataFrame:
        """Run one step over the tables it reads; record its lineage in the graph."""
        from pipelinekit.lineage.capture import tracked

        inputs = {t: self.frames[t] for t in reads}
        if step.kind == "sql":
            return self.sql_step(step, inputs, began)
        if step.kind == "transform":
            from pipelinekit.pipeline.validate import transform_function

            transform = transform_function(step.transform or "")
            assert transform is not None  # validated  # nosec B101
            table = step.input or ""

            def call(**frames: pd.DataFrame) -> pd.DataFrame:
                return transform(frames[table], **step.params)

            function: Callable[..., Any] = call
        else:
            user = import_function(step.python or "")

            def function(**frames: pd.DataFrame) -> Any:
                return user(**frames, **step.params)

        result = tracked(function, graph=self.graph, name=step.name)(**inputs)
        if not isinstance(result, pd.DataFrame):
            raise PipelinekitError(
                f"{step.python or step.transform} returned {type(result).__name__}",
                "a pandas DataFrame: the table the step makes",
                "return one DataFrame; make one step per table",
            )
        return result

    def sql_step(self, step: Step, inputs: Mapping[str, pd.DataFrame], began: str) -> pd.DataFrame:
        from pipelinekit.lineage.sql_lineage import sql_lineage
        from pipelinekit.transforms.sql import sql

        query = step.sql or ""
        status: Literal["COMPLETE", "FAIL"] = "FAIL"
        error: str | None = None
        schema = {name: [str(c) for c in frame.columns] for name, frame in inputs.items()}
        try:
            record = sql_lineage(query, schema=schema, output=step.name, name=step.name)
        except PipelinekitError as lineage_error:
            record = StepRecord(
                step.name,
                inputs=schema,
                outputs={step.name: []},
                kind="sql",
                sql=query,
                description=f"column lineage unknown: {lineage_error.found}",
            )
        try:
            frame = sql(query, **inputs)
            status = "COMPLETE"
        except BaseException as failure:
            error = _describe(failure)
            raise
        finally:
            if status == "COMPLETE" and not record.outputs[step.name]:
                columns = [str(c) for c in frame.columns]
                record.outputs = {step.name: columns}
                record.unknown = [f"{step.name}.{c}" for c in columns]
            self.graph.add(record)
            self.graph.record_run(
                step.name,
                run_id=str(uuid.uuid4()),
                status=status,
                started_at=began,
                ended_at=_now(),
                error=error,
            )
        return frame

    # ------------------------------------------------------------------ gates
    def gates(self, log: Any) -> None:
        from pipelinekit.quality.check import check

        for gate in list(self.pending):
            needed = {gate.table, *(_referenced_tables(rule.params) for rule in gate.rules)}
            needed = {t for t in needed if t}
            if not needed <= set(self.frames):
                continue
            self.pending.remove(gate)
            data = {t: self.frames[t] for t in sorted(needed)}
            report = check(data, list(gate.rules), name=gate.table)
            stopped = gate.on_fail == "fail" and not report.passed
            self.result.gates.append(GateResult(gate.table, gate.on_fail, report, stopped))
            for failure in report.failures:
                log.warning(
                    "gate_rule_failed",
                    table=gate.table,
                    rule=failure.rule.name,
                    on_fail=gate.on_fail,
                    message=failure.message,
                )
            log.info(
                "gate_checked",
                table=gate.table,
                on_fail=gate.on_fail,
                rules=len(report),
                failing=len(report.failures),
            )
            self.record_quality(gate.table)
            if gate.table in self.graph:
                for rule in gate.rules:
                    self.graph.attach_check(gate.table, rule.name)
            if stopped:
                names = format_list([r.rule.name for r in report.failures if r.severity == "error"])
                self.fail(f"gate on '{gate.table}' failed: {names}", gate.table, log)
                raise _Stop

    def record_quality(self, table: str) -> None:
        """Set ``table``'s quality score in the metrics: every gate on it checked so far."""
        from pipelinekit.quality.score import score

        results = [r for g in self.result.gates if g.table == table for r in g.report.results]
        if results:
            self.metrics.record_quality(table, score(results).overall)

    # ------------------------------------------------------------------ loading
    def load(self, opened: list[tuple[TargetSpec, Any]], log: Any) -> None:
        for spec, target in opened:
            names = list(spec.tables) if spec.tables is not None else self.pipeline.outputs()
            tables = {name: self.frames[name] for name in names}
            results = target.load(
                tables,
                mode=spec.mode,
                keys={k: list(v) for k, v in spec.keys.items()},
                watermark=dict(spec.watermark),
                run_id=self.run_id,
            )
            for loaded in results:
                row = _load_row(loaded)
                row["target"] = _redact(spec.url)
                self.result.loads.append(row)
                log.info("table_loaded", **row)

    # ------------------------------------------------------------------ recording
    def record(self, log: Any) -> None:
        """Lineage and quality history into the metadata database, artifacts into run_dir."""
        report = self.quality_report()
        for what, action in (
            ("lineage", self.save_lineage),
            ("quality history", lambda: self.save_quality(report)),
            ("artifacts", lambda: self.write_artifacts(report)),
        ):
            try:
                action()
            except Exception as error:  # recording must not hide how the run went
                message = f"{what} not recorded: {_describe(error)}"
                self.result.notes.append(message)
                log.warning("record_failed", what=what, error=_describe(error))

    def quality_report(self) -> QualityReport | None:
        if not self.result.gates:
            return None
        results = [r for gate in self.result.gates for r in gate.report.results]
        report = QualityReport(results, name=self.pipeline.name, engine="duckdb")
        if results:
            from pipelinekit.quality.score import score

            overall = score(report).overall
            self.result.quality_score = None if overall != overall else float(overall)
        return report

    def save_lineage(self) -> None:
        from pipelinekit.lineage.store import load, save
        from pipelinekit.metadata import metadata_path

        path = metadata_path(self.metadata)
        stored = load(path) if path.exists() else LineageGraph()
        for step in self.graph.steps.values():
            stored.add(step)
        for name in self.graph.datasets():
            stored.add_dataset(name, self.graph.columns(name))
        stored.runs.extend(self.graph.runs)
        for target, checks in self.graph.checks.items():
            for name in checks:
                stored.attach_check(target, name)
        save(stored, path)

    def save_quality(self, report: QualityReport | None) -> None:
        if report is None or not report.results:
            return
        from pipelinekit.quality.history import record

        record(report, path=self.metadata, run_id=self.run_id)

    def write_artifacts(self, report: QualityReport | None) -> None:
        from pipelinekit.lineage.openlineage import events, write_events
        from pipelinekit.quality.html_report import write_html_report

        folder = self.run_dir
        self.graph.svg().save(folder / "lineage.svg")
        write_events(events(self.graph, namespace=self.pipeline.name), folder / "openlineage.jsonl")
        title = f"Quality gates of {self.pipeline.name}, run {self.run_id}"
        write_html_report(
            folder / "quality.html",
            report=report or QualityReport([], name=self.pipeline.name),
            title=title,
        )
        metrics = {
            "run_id": self.run_id,
            "pipeline": self.pipeline.name,
            "status": self.result.status,
            "error": self.result.error,
            "failed_step": self.result.failed_step,
            "started_at": self.result.started_at,
            "seconds": round(self.result.seconds, 3),
            "quality_score": self.result.quality_score,
            "steps": [dataclasses.asdict(s) for s in self.result.steps],
            "gates": [
                {
                    "table": g.table,
                    "on_fail": g.on_fail,
                    "rules": len(g.report),
                    "failing": g.failures,
                    "stopped": g.stopped,
                }
                for g in self.result.gates
            ],
            "loads": self.result.loads,
            "notes": self.result.notes,
        }
        (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str) + "\n")
        self.metrics.write_textfile(folder / "metrics.prom")

    def push_metrics(self, log: Any) -> None:
        """Push to ``PIPELINEKIT_PUSHGATEWAY`` when set; a failure is only a warning."""
        try:
            pushed = self.metrics.push()
        except Exception as error:
            message = f"metrics not pushed: {_describe(error)}"
            self.result.notes.append(message)
            log.warning("metrics_push_failed", error=_describe(error))
            return
        if pushed is not None:
            log.info("metrics_pushed", gateway=pushed)


class _Stop(Exception):
    """Internal: the run stopped (already recorded as failed)."""


# ---------------------------------------------------------------------- helpers
def _targets(pipeline: Pipeline, url: str | None) -> list[TargetSpec]:
    specs = list(pipeline.targets) or [TargetSpec(DEFAULT_TARGET, line=pipeline.line)]
    if url is not None:
        specs = [dataclasses.replace(spec, url=url) for spec in specs]
    return specs


def _open_target(url: str) -> Any:
    from pipelinekit.pipeline.targets import open_target

    return open_target(url)


def _reads(step: Step) -> list[str]:
    if step.kind == "sql":
        return sql_tables(step.sql or "")
    return list(step.reads)


def _referenced_tables(params: Mapping[str, Any]) -> str:
    """The table a rule's ``to: table.column`` names (foreign keys), or ''."""
    to = params.get("to")
    return to.rpartition(".")[0] if isinstance(to, str) and "." in to else ""


def _describe(error: BaseException) -> str:
    if isinstance(error, PipelinekitError):
        return error.one_line()
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    return f"{type(error).__name__}: {error}"


def _redact(url: str) -> str:
    from pipelinekit.config import redact

    return redact(url)


def _load_row(loaded: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(loaded) and not isinstance(loaded, type):
        return dataclasses.asdict(loaded)
    return dict(loaded)


def _logger(path: Path, run_id: str) -> Any:
    try:
        from pipelinekit.observe.log import RunLogger
    except ImportError:  # pragma: no cover - observe ships with pipelinekit
        return _JsonLog(path, run_id)
    return RunLogger(path, run_id=run_id, console=False)


@contextmanager
def _step_log(log: Any, name: str, rows_in: int, kind: str) -> Iterator[Any]:
    with log.step(name, rows_in=rows_in, kind=kind) as handle:
        yield handle


class _JsonLog:
    """The few RunLogger methods the runner uses, as plain JSON lines."""

    @dataclasses.dataclass
    class _Handle:
        rows_out: int | None = None

    def __init__(self, path: Path, run_id: str):
        self.file = path.open("a", encoding="utf-8")
        self.run_id = run_id

    def log(self, level: str, event: str, **fields: Any) -> None:
        record = {"timestamp": _now(), "level": level, "event": event, "run_id": self.run_id}
        self.file.write(json.dumps({**record, **fields}, default=str) + "\n")
        self.file.flush()

    def info(self, event: str, **fields: Any) -> None:
        self.log("info", event, **fields)

    def warning(self, event: str, **fields: Any) -> None:
        self.log("warning", event, **fields)

    def error(self, event: str, **fields: Any) -> None:
        self.log("error", event, **fields)

    @contextmanager
    def step(self, name: str, *, rows_in: int, **fields: Any) -> Iterator[Any]:
        handle = self._Handle()
        started = time.perf_counter()
        self.info("step_started", step=name, rows_in=rows_in, **fields)
        try:
            yield handle
        except BaseException as error:
            self.error("step_failed", step=name, error=_describe(error), **fields)
            raise
        seconds = time.perf_counter() - started
        self.info("step_finished", step=name, rows_out=handle.rows_out, seconds=seconds)

    def close(self) -> None:
        self.file.close()


@contextmanager
def _progress(show: bool | Any, total: int) -> Iterator[Callable[[str], None]]:
    """A rich progress bar over the steps; ``advance(label)`` moves it on by one."""
    if show is False or show is None:
        yield lambda label: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = show if isinstance(show, Console) else Console(stderr=True)
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with bar:
        task = bar.add_task("starting", total=total)
        first = [True]

        def advance(label: str) -> None:
            if not first[0]:
                bar.advance(task)
            first[0] = False
            bar.update(task, description=label)

        yield advance
        bar.update(task, completed=total)
