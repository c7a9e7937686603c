"""What a pipeline is: plain data read from its YAML file, apart from the code that runs it.

A :class:`Pipeline` lists its sources (where raw tables come from), its steps (each makes
one table, named after the step), its quality gates and its targets (where the results are
loaded). Every part remembers the line of the YAML file it was read from, so the checks of
:mod:`pipelinekit.pipeline.validate` can point at it.

Examples
--------
>>> step = Step("stg_orders", "sql", line=7, sql="SELECT * FROM orders")
>>> step.name, step.kind, step.reads
('stg_orders', 'sql', ())
>>> Step("ranked", "transform", line=9, transform="row_number", input="stg_orders").reads
('stg_orders',)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pipelinekit.quality.rule import Rule
from pipelinekit.yaml_lines import FileLineError

__all__ = [
    "DEFAULT_TARGET",
    "LOAD_MODES",
    "DatabaseSource",
    "DatasetSource",
    "FilesSource",
    "Gate",
    "LoadMode",
    "OnFail",
    "Pipeline",
    "PipelineFileError",
    "S3Source",
    "Source",
    "Step",
    "StepKind",
    "TargetSpec",
]

StepKind = Literal["sql", "transform", "python"]
LoadMode = Literal["replace", "append", "merge", "incremental"]
LOAD_MODES: tuple[str, ...] = ("replace", "append", "merge", "incremental")
OnFail = Literal["fail", "warn"]
#: Where results go when the pipeline names no target and none is given to ``run``.
DEFAULT_TARGET = "duckdb:///warehouse.duckdb"


class PipelineFileError(FileLineError, ValueError):
    """A pipeline file that cannot be read or would not run, naming the file and line.

    ``problems`` holds every problem validation found (this one first).
    """

    def __init__(
        self,
        source: str,
        line: int | None,
        found: str,
        expected: str | None = None,
        hint: str | None = None,
    ):
        super().__init__(source, line, found, expected, hint)
        self.problems: list[PipelineFileError] = [self]


@dataclasses.dataclass(frozen=True)
class DatasetSource:
    """A built-in generated dataset (``dataset: ecommerce``); ``tables`` picks some."""

    name: str
    dataset: str
    line: int
    scale: str | int = "small"
    seed: int = 42
    dirty: bool = False
    tables: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True)
class FilesSource:
    """Parquet/CSV files: every file of a folder (``path``), or named files (``tables``)."""

    name: str
    line: int
    path: Path | None = None
    tables: Mapping[str, Path] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class DatabaseSource:
    """Tables of a SQL database, read through SQLAlchemy."""

    name: str
    url: str
    tables: tuple[str, ...]
    line: int
    schema: str | None = None


@dataclasses.dataclass(frozen=True)
class S3Source:
    """Parquet objects under an ``s3://bucket/prefix``, one table per object."""

    name: str
    url: str
    tables: tuple[str, ...]
    line: int


Source = DatasetSource | FilesSource | DatabaseSource | S3Source


@dataclasses.dataclass(frozen=True)
class Step:
    """One step: it makes the table called ``name``.

    ``kind`` is ``sql`` (a DuckDB query in ``sql``, read from ``sql_file`` when given
    there), ``transform`` (the pk.transforms function ``transform`` applied to the table
    ``input`` with ``params``) or ``python`` (the function ``python``, ``module:function``,
    called with the tables ``inputs`` as keyword arguments and ``params``). ``lines`` maps
    each key of the step's YAML block to its line.
    """

    name: str
    kind: StepKind
    line: int
    sql: str | None = None
    sql_file: Path | None = None
    transform: str | None = None
    input: str | None = None
    python: str | None = None
    inputs: tuple[str, ...] = ()
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    description: str = ""
    lines: Mapping[str, int] = dataclasses.field(default_factory=dict)

    @property
    def reads(self) -> tuple[str, ...]:
        """The tables the step names as its inputs (a SQL step's are read from its query)."""
        if self.kind == "transform":
            return (self.input,) if self.input else ()
        return self.inputs

    def line_of(self, key: str) -> int:
        """The line of ``key`` in the step's block (the step's first line if absent)."""
        return self.lines.get(key, self.line)


@dataclasses.dataclass(frozen=True)
class Gate:
    """Quality rules checked on ``table`` once it is made; ``on_fail`` says what a failure does.

    ``fail`` stops the run before anything is loaded; ``warn`` reports and goes on.
    """

    table: str
    rules: tuple[Rule, ...]
    line: int
    on_fail: OnFail = "fail"


@dataclasses.dataclass(frozen=True)
class TargetSpec:
    """Where tables are loaded, and how (see :data:`LOAD_MODES`).

    ``tables`` None means every step output whose name does not start with ``stg_``.
    """

    url: str
    line: int
    tables: tuple[str, ...] | None = None
    mode: LoadMode = "replace"
    keys: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    watermark: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Pipeline:
    """A whole pipeline file, parsed.

    ``source`` is the file's name as errors show it; ``folder`` is where relative paths
    (``sql_file``, files sources, ``rules_file``) are read from.
    """

    name: str
    source: str
    folder: Path
    line: int = 1
    description: str = ""
    sources: tuple[Source, ...] = ()
    steps: tuple[Step, ...] = ()
    gates: tuple[Gate, ...] = ()
    targets: tuple[TargetSpec, ...] = ()
    lines: Mapping[str, int] = dataclasses.field(default_factory=dict)

    def step(self, name: str) -> Step:
        """The step called ``name``."""
        for step in self.steps:
            if step.name == name:
                return step
        from pipelinekit.errors import UnknownNameError

        raise UnknownNameError.for_name(name, [s.name for s in self.steps], kind="step")

    def outputs(self) -> list[str]:
        """The tables loaded by default: step outputs not starting with ``stg_``."""
        return [s.name for s in self.steps if not s.name.startswith("stg_")]
