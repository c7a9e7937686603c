"""What a pipeline run did: :class:`RunResult` with a :class:`StepResult` per table and a
:class:`GateResult` per gate, and :class:`RunFailed` for ``run(..., raise_on_failure=True)``.

Examples
--------
>>> from pathlib import Path
>>> result = RunResult("r1", "shop", "FAIL", Path("runs/r1"), "2026-01-01T00:00:00+00:00",
...                    error="step 'paid' failed: boom", failed_step="paid")
>>> print(result.summary())
Pipeline shop: run r1 FAIL in 0.0 s — step 'paid' failed: boom
  steps: 0 ran, rows: -
  loaded: nothing; the target's previous tables are intact
  artifacts: runs/r1
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Literal

from pipelinekit.errors import PipelinekitError
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.quality.report import QualityReport

__all__ = ["GateResult", "RunFailed", "RunResult", "Status", "StepResult"]

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
    """How one step (or source table) went: rows made, seconds, error.

    ``reused``: a resumed run kept the table the failed run had made (same fingerprint).
    """

    name: str
    kind: str
    status: Literal["ok", "failed", "reused"]
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
    resumed_from: str | None = None
    resume_command: str | None = None  # set when the run failed and can be resumed
    notes: list[str] = dataclasses.field(default_factory=list)
    graph: LineageGraph = dataclasses.field(default_factory=LineageGraph, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "COMPLETE"

    def loaded_tables(self) -> list[str]:
        """The tables loaded into the targets, sorted."""
        return sorted({str(load["table"]) for load in self.loads})

    def as_record(self) -> dict[str, Any]:
        """What ``metrics.json`` holds: the run, each step, each gate, each load."""
        return {
            "run_id": self.run_id,
            "pipeline": self.pipeline,
            "status": self.status,
            "error": self.error,
            "failed_step": self.failed_step,
            "started_at": self.started_at,
            "resumed_from": self.resumed_from,
            "seconds": round(self.seconds, 3),
            "quality_score": self.quality_score,
            "steps": [dataclasses.asdict(s) for s in self.steps],
            "gates": [
                {
                    "table": g.table,
                    "on_fail": g.on_fail,
                    "rules": len(g.report),
                    "failing": g.failures,
                    "stopped": g.stopped,
                }
                for g in self.gates
            ],
            "loads": self.loads,
            "notes": self.notes,
        }

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"Pipeline {self.pipeline}: run {self.run_id} {self.status}"
            f" in {self.seconds:.1f} s" + (f" — {self.error}" if self.error else "")
        ]
        made = [s for s in self.steps if s.kind != "source" and s.status != "failed"]
        reused = sum(s.status == "reused" for s in made)
        ran = f"{len(made) - reused} ran" + (f", {reused} reused" if reused else "")
        if self.resumed_from:
            ran += f" (resumed {self.resumed_from})"
        lines.append(
            f"  steps: {ran}, rows: "
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
        if self.resume_command:
            lines.append(f"  resume: {self.resume_command} (the tables already made are kept)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
