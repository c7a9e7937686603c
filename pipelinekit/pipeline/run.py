"""Run a pipeline: sources, steps in dependency order, quality gates, targets, artifacts.

:func:`run` validates the pipeline (:func:`~pipelinekit.pipeline.validate.validate`),
opens its targets (an unreachable one fails before any work), reads the sources, then runs
each step over the tables made so far — DuckDB SQL, a pk.transforms function or a Python
function — recording its column lineage in a :class:`~pipelinekit.lineage.LineageGraph`.
The tables live in the run's working DuckDB database, not in memory
(:mod:`~pipelinekit.pipeline.workspace`): a SQL step is one ``CREATE TABLE ... AS``, a
transform runs as its SQL twin, and only a Python step sees pandas frames.
A gate's rules are checked as soon as the tables they read exist: a failing ``fail`` gate
stops the run, a ``warn`` gate is reported and the run goes on. Only when every step and
gate is done are the tables loaded, each target in one transaction, so a failure leaves
the target's previous tables as they were. Loading the same data again gives the same
tables (``replace``, ``merge`` and ``incremental`` modes).

A failed or interrupted run keeps its working database; ``run(..., resume=True)``
(``pipelinekit run NAME --resume``) moves it into a new run and makes again only the
tables whose definition or inputs changed — the others are reused, checked by
fingerprint. Several targets are each loaded atomically, one after the other: when a
later target fails, the earlier ones hold the new tables (rerun, or resume, to finish).

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
import inspect
import json
import os
import shutil
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pipelinekit.errors import PipelinekitError, format_list
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import StepRecord
from pipelinekit.observe.log import RunLogger
from pipelinekit.observe.metrics import PipelineMetrics
from pipelinekit.pipeline.progress import progress_bar
from pipelinekit.pipeline.result import GateResult, RunFailed, RunResult, StepResult
from pipelinekit.pipeline.runs import WORK_FILE, mark_abandoned, resumable_run, running_record
from pipelinekit.pipeline.sources import store_source
from pipelinekit.pipeline.spec import (
    DEFAULT_TARGET,
    Gate,
    Pipeline,
    Step,
    TargetSpec,
)
from pipelinekit.pipeline.validate import Validation, import_function, sql_tables, validate
from pipelinekit.pipeline.workspace import (
    Workspace,
    WorkTable,
    check_memory_limit,
    fingerprint,
)
from pipelinekit.quality.report import QualityReport

__all__ = ["GateResult", "RunFailed", "RunResult", "StepResult", "run"]


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
    resume: bool | str = False,
    memory_limit: str | None = None,
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
    resume : bool or str
        Resume a failed run of this pipeline in ``runs_dir`` (``True``: the latest; or
        its run id): its working database is moved into the new run, and every table
        whose fingerprint is unchanged (same definition, same inputs) is kept instead
        of being made again.
    memory_limit : str, optional
        DuckDB's memory limit for the run's tables (``"2GB"``; default
        ``PIPELINEKIT_MEMORY_LIMIT`` or 2 GB); DuckDB spills to disk above it.

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

    Notes
    -----
    The tables live in ``runs/<run_id>/work.duckdb`` while the run is active
    (:mod:`pipelinekit.pipeline.workspace`): a complete run deletes it, a failed one
    keeps it for ``resume``. Runs of this ``runs_dir`` still marked RUNNING whose
    process has gone (``kill -9``) are recorded as FAIL first
    (:func:`pipelinekit.pipeline.runs.mark_abandoned`).
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
    check_memory_limit(memory_limit)
    resume_from = None
    if resume:  # (resumable_run records killed runs as failed first)
        chosen = resume if isinstance(resume, str) else None
        resume_from = resumable_run(runs_dir, pipeline.name, chosen)
    else:
        mark_abandoned(runs_dir)
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
        resume_from=resume_from,
        memory_limit=memory_limit,
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
        resume_from: Path | None = None,
        memory_limit: str | None = None,
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
        self.resume_from = resume_from
        self.memory_limit = memory_limit
        self.work: Workspace | None = None  # the run's tables (see workspace.py)
        self.prints: dict[str, str] = {}  # table -> fingerprint: what made it
        self.graph = LineageGraph()
        self.stored_graph: LineageGraph | None = None  # lineage of reused steps
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
        resumed = None if self.resume_from is None else self.resume_from.name
        self.result.resumed_from = resumed
        running = running_record(self.run_id, self.pipeline.name, self.result.started_at)
        (self.run_dir / "metrics.json").write_text(json.dumps(running) + "\n")  # until the end
        log = RunLogger(self.run_dir / "log.jsonl", run_id=self.run_id, console=False)
        interrupted: KeyboardInterrupt | None = None
        try:
            log.info("run_started", pipeline=self.pipeline.name, steps=len(self.pipeline.steps))
            if resumed is not None:
                log.info("run_resumed", resumed_from=resumed)
            if self.result.metrics_url is not None:
                log.info("metrics_served", url=self.result.metrics_url)
            with progress_bar(self.progress, len(self.checked.order) + 2) as advance:
                try:
                    self.open_workspace()
                    self.make_tables(log, advance)
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
                finally:
                    self.close_workspace()
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

    # ------------------------------------------------------------------ the workspace
    def open_workspace(self) -> None:
        """Open ``work.duckdb`` in the run's folder; a resumed run's is moved in first."""
        path = self.run_dir / WORK_FILE
        if self.resume_from is not None:
            for suffix in ("", ".wal"):  # a killed run may leave its write-ahead log
                old = self.resume_from / (WORK_FILE + suffix)
                if old.exists():
                    os.replace(old, path.with_name(WORK_FILE + suffix))
        self.work = Workspace(path, memory_limit=self.memory_limit)

    def close_workspace(self) -> None:
        """Close the workspace; a complete run's is deleted, a failed run's kept to resume."""
        self.close_workspace_file()
        if self.result.ok:
            for leftover in (WORK_FILE, WORK_FILE + ".wal", "work.tmp"):
                path = self.run_dir / leftover
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        elif (self.run_dir / WORK_FILE).exists():
            self.result.resume_command = (
                f"pipelinekit run {_command_name(self.pipeline)} --resume {self.run_id}"
            )

    @property
    def workspace(self) -> Workspace:
        assert self.work is not None, "the workspace is open while tables are made"  # nosec B101
        return self.work

    # ------------------------------------------------------------------ sources and steps
    def make_tables(self, log: Any, advance: Callable[[str], None]) -> None:
        advance("sources")
        for source in self.pipeline.sources:
            started = time.perf_counter()
            try:
                made, prints, reused = store_source(
                    self.workspace, source, scale=self.scale, seed=self.seed, data_dir=self.data_dir
                )
                self.prints.update(prints)
            except Exception as error:
                message = f"source '{source.name}' cannot be read: {_describe(error)}"
                self.fail(message, source.name, log)
                raise _Stop from error
            share = (time.perf_counter() - started) / max(len(made), 1)
            for name, rows in made.items():
                columns = self.workspace.columns(name)
                self.graph.add_dataset(name, columns)
                status: Literal["ok", "reused"] = "reused" if reused else "ok"
                self.result.steps.append(StepResult(name, "source", status, rows, share))
                self.metrics.record_step(name, rows=rows, seconds=share)
                event = "source_reused" if reused else "source_read"
                log.info(event, table=name, source=source.name, rows=rows)
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
        print_ = self.step_fingerprint(step, reads)
        self.prints[step.name] = print_
        if self.workspace.fingerprint_of(step.name) == print_:
            self.reuse(step, log)
            return
        rows_in = sum(self.workspace.rows(t) for t in reads if t in self.workspace)
        started = time.perf_counter()
        began = _now()
        try:
            with log.step(step.name, rows_in=rows_in, kind=step.kind) as handle:
                rows = self.compute(step, reads, began, print_)
                handle.rows_out = rows
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
        seconds = time.perf_counter() - started
        self.result.steps.append(StepResult(step.name, step.kind, "ok", rows, seconds))
        self.metrics.record_step(step.name, rows=rows, seconds=seconds)

    def step_fingerprint(self, step: Step, reads: list[str]) -> str:
        """What makes the step's table: its definition, its code, its inputs' fingerprints."""
        code: str | None = None
        if step.kind == "python":
            function = import_function(step.python or "")
            try:
                code = inspect.getsource(function)
            except (OSError, TypeError):
                code = f"{step.python} (source unavailable)"
        definition = [step.kind, step.sql, step.transform, step.python, dict(step.params), code]
        return fingerprint(step.name, definition, [self.prints.get(t) for t in reads])

    def reuse(self, step: Step, log: Any) -> None:
        """Keep the table the resumed run made (same fingerprint) and its lineage."""
        rows = self.workspace.rows(step.name)
        if self.stored_graph is None:
            self.stored_graph = _stored_lineage(self.metadata)
        record = self.stored_graph.steps.get(step.name)
        if record is not None:
            self.graph.add(record)
        else:
            self.graph.add_dataset(step.name, self.workspace.columns(step.name))
        self.result.steps.append(StepResult(step.name, step.kind, "reused", rows, 0.0))
        log.info("step_reused", step=step.name, rows_out=rows)

    def compute(self, step: Step, reads: list[str], began: str, print_: str) -> int:
        """Make the step's table in the workspace; record its lineage. Give its rows."""
        from pipelinekit.lineage.capture import tracked

        if step.kind == "sql":
            return self.sql_step(step, step.sql or "", reads, began, print_)
        if step.kind == "transform":
            from pipelinekit.pipeline.validate import transform_function

            query = twin_query(step)
            if query is not None:  # the transform's SQL twin, run where the table is
                return self.sql_step(step, query, reads, began, print_)
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

        inputs = {t: self.workspace.frame(t) for t in reads}
        result = tracked(function, graph=self.graph, name=step.name)(**inputs)
        del inputs
        if not isinstance(result, pd.DataFrame):
            raise PipelinekitError(
                f"{step.python or step.transform} returned {type(result).__name__}",
                "a pandas DataFrame: the table the step makes",
                "return one DataFrame; make one step per table",
            )
        return self.workspace.add_frame(step.name, result, fingerprint=print_)

    def sql_step(self, step: Step, query: str, reads: list[str], began: str, print_: str) -> int:
        from pipelinekit.lineage.sql_lineage import sql_lineage

        status: Literal["COMPLETE", "FAIL"] = "FAIL"
        error: str | None = None
        schema = {name: self.workspace.columns(name) for name in reads}
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
        record.kind = "sql" if step.kind == "sql" else step.kind
        try:
            rows = self.workspace.add_query(step.name, query, fingerprint=print_)
            status = "COMPLETE"
        except BaseException as failure:
            error = _describe(failure)
            raise
        finally:
            if status == "COMPLETE" and not record.outputs[step.name]:
                columns = self.workspace.columns(step.name)
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
        return rows

    # ------------------------------------------------------------------ gates
    def gates(self, log: Any) -> None:
        from pipelinekit.quality.check import check

        made = set(self.workspace.tables())
        for gate in list(self.pending):
            needed = {gate.table, *(_referenced_tables(rule.params) for rule in gate.rules)}
            needed = {t for t in needed if t}
            if not needed <= made:
                continue
            self.pending.remove(gate)
            report = check(
                sorted(needed), list(gate.rules), connection=self.workspace.con, name=gate.table
            )
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
        """Load the targets from the closed workspace (a DuckDB target copies inside
        DuckDB; the others read one table at a time)."""
        database = self.workspace.path
        self.close_workspace_file()
        made: dict[str, WorkTable] = {}  # each table's columns and rows read once
        for spec, target in opened:
            names = list(spec.tables) if spec.tables is not None else self.pipeline.outputs()
            for name in names:
                if name not in made:
                    made[name] = WorkTable(database, name)
            results = target.load(
                {name: made[name] for name in names},
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

    def close_workspace_file(self) -> None:
        """Close the workspace connection (targets open its file themselves)."""
        if self.work is not None:
            self.work.close()
            self.work = None

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
        metrics = self.result.as_record()
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


_ROW = "__pk_row"  # the input's row order, kept through a twin that adds columns


def twin_query(step: Step) -> str | None:
    """The SQL twin of a transform step over its input table, or None.

    A transform with a SQL twin (``row_number.sql(...)``) runs as that query in the
    workspace: the same result (the transforms' tests hold the two to it) without
    copying the table into pandas. A twin that adds columns (``SELECT *, ... FROM
    input``) keeps the input's row order, as the pandas transform does, so a rerun gives
    the same table row for row. A transform whose twin needs to look at the data first
    (``one_hot``'s categories) or does not take every parameter runs in pandas.

    Examples
    --------
    >>> step = Step("numbered", "transform", line=1, transform="row_number", input="orders",
    ...             params={"partition_by": "customer_id", "order_by": "ordered_at", "name": "nth"})
    >>> print(twin_query(step))
    WITH input AS (SELECT *, row_number() OVER () AS __pk_row FROM orders)
    SELECT * EXCLUDE (__pk_row) FROM (SELECT *,
      row_number() OVER (PARTITION BY customer_id ORDER BY ordered_at ASC NULLS LAST) AS nth
    FROM input)
    ORDER BY __pk_row
    """
    from pipelinekit.pipeline.validate import transform_function
    from pipelinekit.transforms.sql import quote

    transform = transform_function(step.transform or "")
    twin = getattr(transform, "sql", None)
    if twin is None or getattr(transform, "twin_arguments", None) is not None:
        return None
    accepted = inspect.signature(twin).parameters
    if any(name not in accepted or name == "table" for name in step.params):
        return None
    query = twin(**step.params)
    table = quote(step.input or "")
    if not query.startswith("SELECT *,"):
        return f"WITH input AS (SELECT * FROM {table})\nSELECT * FROM ({query})"
    numbered = f"SELECT *, row_number() OVER () AS {_ROW} FROM {table}"
    return f"WITH input AS ({numbered})\nSELECT * EXCLUDE ({_ROW}) FROM ({query})\nORDER BY {_ROW}"


def _command_name(pipeline: Pipeline) -> str:
    """How ``pipelinekit run`` names the pipeline: a built-in's name, or its file."""
    from pipelinekit.pipeline.yaml_load import BUILTIN_FOLDER

    path = Path(pipeline.source)
    if path.suffix not in (".yml", ".yaml"):
        return "PIPELINE.yml"
    return pipeline.name if path.resolve().parent == BUILTIN_FOLDER else pipeline.source


def _stored_lineage(metadata: str | os.PathLike[str] | None) -> LineageGraph:
    """The lineage in the metadata database (what earlier runs recorded), or none."""
    from pipelinekit.lineage.store import load
    from pipelinekit.metadata import metadata_path

    path = metadata_path(metadata)
    try:
        return load(path) if path.exists() else LineageGraph()
    except PipelinekitError:
        return LineageGraph()


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
