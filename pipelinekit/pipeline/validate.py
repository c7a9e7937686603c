"""Check a pipeline before anything runs: tables, names, columns and the order of the steps.

:func:`validate` builds the steps' dependency graph (a DAG, with networkx): a SQL step
depends on the tables its query reads (read with sqlglot), a transform on its ``input``,
a Python step on its ``inputs``. It reports, each with the file, the line and a hint:

* a step reading a table that no source and no step produces (with the nearest name);
* steps that depend on each other in a cycle;
* an unknown transform, a parameter a transform does not take, a Python function that
  cannot be imported;
* a column that does not exist. Columns are followed step by step: the sources' columns
  (a dataset's card, files' headers, the database's catalog), then each SQL step's output
  columns (:func:`pipelinekit.lineage.sql_lineage`, which also checks every column the
  query names), each transform's (the column-like parameters must exist in its input;
  the output columns come from its SQL twin). A Python step's output columns are not
  known before it runs, so the columns of what reads it are not checked (a note says so);
* a gate or a target naming a table nothing makes, keys and watermarks that are not
  columns of their table.

Examples
--------
>>> from pipelinekit.pipeline.yaml_load import load_pipeline
>>> pipeline = load_pipeline('''
... pipeline: shop
... sources:
...   raw: {dataset: ecommerce, scale: tiny}
... steps:
...   - name: big
...     sql: SELECT order_id, amount FROM ordrs WHERE amount > 100
... ''')
>>> checked = validate(pipeline)
>>> checked.ok
False
>>> print(checked.problems[0])
<text>, line 7: step 'big' reads table 'ordrs', which no source or step produces; ...
<BLANKLINE>
Hint: did you mean 'orders', 'order_items'?
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import networkx as nx
import sqlglot
from sqlglot import exp

from pipelinekit.errors import PipelinekitError, format_list, nearest
from pipelinekit.pipeline.spec import Pipeline, PipelineFileError, Step

__all__ = [
    "COLUMN_PARAMS",
    "Validation",
    "import_function",
    "sql_tables",
    "transform_function",
    "transform_names",
    "validate",
]

#: Parameters of pk.transforms functions that name columns of the input table.
COLUMN_PARAMS = (
    "column",
    "columns",
    "partition_by",
    "order_by",
    "on",
    "by",
    "index",
    "values",
    "id_columns",
    "value_columns",
)
_NOT_TRANSFORMS = ("Order", "WindowFrame", "sql")
Columns = list[str] | None


@dataclasses.dataclass
class Validation:
    """What :func:`validate` found.

    Attributes
    ----------
    pipeline : Pipeline
    order : list of str
        The steps in the order they run (dependencies first, else file order).
    graph : networkx.DiGraph
        Tables and steps: an edge from each table a step reads to the step.
    schemas : dict of str to list of str or None
        The columns of every source table and step output (None: unknown before running).
    problems : list of PipelineFileError
        Everything that would stop the run; empty when the pipeline is fine.
    notes : list of str
        What could not be checked, and why.
    source_of : dict of str to str
        The source group each source table comes from.
    """

    pipeline: Pipeline
    order: list[str]
    graph: nx.DiGraph
    schemas: dict[str, Columns]
    problems: list[PipelineFileError]
    notes: list[str]
    source_of: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise the first problem (its ``problems`` lists every one) if there is any."""
        if not self.problems:
            return
        first = self.problems[0]
        if len(self.problems) > 1:
            more = len(self.problems) - 1
            lines = format_list(
                [p.line for p in self.problems[1:] if p.line is not None], most=5
            ).replace("'", "")
            hint = (first.hint or "").rstrip(".")
            hint = (hint + "; " if hint else "") + (
                f"{more} more problem{'s' if more > 1 else ''} (line {lines});"
                " --validate-only lists them all"
            )
            error = PipelineFileError(
                first.source, first.line, first.found.partition(": ")[2], first.expected, hint
            )
            error.problems = list(self.problems)
            raise error
        raise first


def validate(
    pipeline: Pipeline | str | os.PathLike[str], *, check_sources: bool = True
) -> Validation:
    """Check ``pipeline`` without running it; see the module's description.

    Parameters
    ----------
    pipeline : Pipeline, or a built-in pipeline's name or a YAML file's path
        What :func:`pipelinekit.pipeline.yaml_load.load_pipeline` read, or what to read.
    check_sources : bool
        Read the sources' tables and columns (files' headers, the database's catalog).
        When false, only generated datasets' columns are known.

    Returns
    -------
    Validation
        The run order, the columns of every table, the problems and the notes.
    """
    if not isinstance(pipeline, Pipeline):
        from pipelinekit.pipeline.yaml_load import load_pipeline, resolve_pipeline

        pipeline = load_pipeline(resolve_pipeline(pipeline))
    return _Validator(pipeline, check_sources).run()


class _Validator:
    def __init__(self, pipeline: Pipeline, check_sources: bool):
        self.pipeline = pipeline
        self.check_sources = check_sources
        self.problems: list[PipelineFileError] = []
        self.notes: list[str] = []
        self.schemas: dict[str, Columns] = {}
        self.source_of: dict[str, str] = {}  # table -> source group
        self.unknown_because: dict[str, str] = {}  # table -> why its columns are unknown

    def problem(
        self,
        line: int | None,
        found: str,
        expected: str | None = None,
        hint: str | None = None,
        *,
        source: str | None = None,
    ) -> None:
        self.problems.append(
            PipelineFileError(source or self.pipeline.source, line, found, expected, hint)
        )

    def run(self) -> Validation:
        self.sources()
        steps = {step.name: step for step in self.pipeline.steps}
        reads = {step.name: self.reads(step) for step in self.pipeline.steps}
        graph = nx.DiGraph()
        for table in self.schemas:
            graph.add_node(table, kind="source")
        for name, step in steps.items():
            graph.add_node(name, kind="step")
            if name in self.source_of:
                self.problem(
                    step.line,
                    f"step '{name}' would make a table of the same name as source"
                    f" '{self.source_of[name]}' has",
                    "a new name for every table a step makes",
                    f"call it '{name}_clean' or 'stg_{name}'",
                )
        known = [*self.schemas, *steps]
        for name, tables in reads.items():
            for table, line, where in tables:
                if table in steps or table in self.source_of:
                    graph.add_edge(table, name)
                else:
                    close = nearest(table, [k for k in known if k != name])
                    self.problem(
                        line,
                        f"step '{name}' reads table '{table}', which no source or step produces",
                        f"one of {format_list(known)}",
                        f"did you mean {format_list(close)}?"
                        if close
                        else "add a source or a step that makes it",
                        source=where,
                    )
        order = self.order(graph, steps)
        for name in order:
            self.columns(steps[name])
        self.gates()
        self.targets()
        return Validation(
            self.pipeline, order, graph, self.schemas, self.problems, self.notes, self.source_of
        )

    # ------------------------------------------------------------------ sources
    def sources(self) -> None:
        from pipelinekit.pipeline.sources import source_columns

        for source in self.pipeline.sources:
            if not self.check_sources and source.__class__.__name__ != "DatasetSource":
                tables: dict[str, Columns] = dict.fromkeys(_declared_tables(source))
            else:
                try:
                    tables = source_columns(source)
                except PipelinekitError as error:
                    self.problem(source.line, error.found, error.expected, error.hint)
                    tables = dict.fromkeys(_declared_tables(source))
            for table, columns in tables.items():
                if table in self.source_of:
                    self.problem(
                        source.line,
                        f"table '{table}' comes from two sources ('{self.source_of[table]}' and"
                        f" '{source.name}')",
                        "each table from one source",
                        "pick the tables of one of them with 'tables: [...]'",
                    )
                    continue
                self.source_of[table] = source.name
                self.schemas[table] = columns
                if columns is None:
                    self.unknown_because[table] = f"source '{source.name}' is read only when run"

    # ------------------------------------------------------------------ dependencies
    def reads(self, step: Step) -> list[tuple[str, int | None, str | None]]:
        """The tables ``step`` reads, each with the line (and file) to blame if missing."""
        if step.kind == "sql":
            try:
                tables = sql_tables(step.sql or "")
            except PipelinekitError as error:
                self.sql_problem(step, error)
                return []
            return [(t, *self.sql_line(step, _line_naming(step.sql or "", t))) for t in tables]
        if step.kind == "transform":
            return [(step.input, step.line_of("input"), None)] if step.input else []
        return [(t, step.line_of("inputs"), None) for t in step.inputs]

    def sql_line(self, step: Step, offset: int | None) -> tuple[int | None, str | None]:
        """Line ``offset`` of a step's query: in its .sql file, or in the pipeline file."""
        if step.sql_file is not None:
            return offset, str(step.sql_file)
        start = step.lines.get("sql_text", step.line_of("sql"))
        return start + (offset or 1) - 1, None

    def order(self, graph: nx.DiGraph, steps: Mapping[str, Step]) -> list[str]:
        position = {name: i for i, name in enumerate(steps)}
        flow = graph.subgraph(steps).copy()
        for cycle in nx.simple_cycles(flow):
            first = min(cycle, key=position.__getitem__)
            at = cycle.index(first)
            loop = [*cycle[at:], *cycle[:at], first]  # from the step written first
            self.problem(
                steps[first].line,
                f"steps read each other in a cycle: {' → '.join(loop)}",
                "steps that depend on earlier steps only (a DAG)",
                "one of them must read a source or an earlier table instead;"
                " a step cannot read its own output",
            )
        if self.problems and not nx.is_directed_acyclic_graph(flow):
            return []
        return list(nx.lexicographical_topological_sort(flow, key=position.__getitem__))

    # ------------------------------------------------------------------ columns
    def columns(self, step: Step) -> None:
        if step.kind == "sql":
            self.sql_columns(step)
        elif step.kind == "transform":
            self.transform_columns(step)
        else:
            self.python_step(step)

    def unknown_inputs(self, step: Step, tables: Sequence[str]) -> bool:
        unknown = [t for t in tables if t in self.schemas and self.schemas[t] is None]
        if unknown:
            why = self.unknown_because.get(unknown[0], "its columns are unknown")
            self.schemas[step.name] = None
            self.unknown_because[step.name] = f"it reads '{unknown[0]}'"
            self.notes.append(
                f"step '{step.name}': columns not checked, it reads '{unknown[0]}' ({why})"
            )
        return bool(unknown) or any(t not in self.schemas for t in tables)

    def sql_columns(self, step: Step) -> None:
        from pipelinekit.lineage.sql_lineage import sql_lineage

        try:
            tables = sql_tables(step.sql or "")
        except PipelinekitError:
            self.schemas[step.name] = None
            return
        if self.unknown_inputs(step, tables):
            self.schemas.setdefault(step.name, None)
            return
        schema = {t: list(self.schemas[t] or []) for t in tables}
        try:
            record = sql_lineage(step.sql or "", schema=schema, output=step.name, name=step.name)
        except PipelinekitError as error:
            self.sql_problem(step, error)
            self.schemas[step.name] = None
            self.unknown_because[step.name] = "its query has a problem"
            return
        self.schemas[step.name] = record.outputs[step.name]

    def sql_problem(self, step: Step, error: PipelinekitError) -> None:
        """Report a query's problem at its line: in the .sql file, or in the pipeline."""
        offset = getattr(error, "query_line", None) or _query_line(
            step.sql or "", getattr(error, "snippet", None)
        )
        found = f"step '{step.name}': {error.found}"
        snippet = getattr(error, "snippet", None)
        if snippet:
            found += "\n" + snippet
        line, where = self.sql_line(step, offset)
        self.problem(line, found, error.expected, error.hint, source=where)

    def transform_columns(self, step: Step) -> None:
        name = step.transform or ""
        function = transform_function(name)
        if function is None:
            close = nearest(name, transform_names())
            self.problem(
                step.line_of("transform"),
                f"step '{step.name}' uses unknown transform '{name}'",
                f"one of {format_list(transform_names(), most=8)}",
                f"did you mean {format_list(close)}?"
                if close
                else "pk.transforms lists them; a python: step runs your own function",
            )
            self.schemas[step.name] = None
            return
        signature = inspect.signature(function)
        parameters = list(signature.parameters)[1:]  # the frame comes first
        for key in step.params:
            if key not in parameters or key == "engine":
                close = nearest(key, parameters)
                self.problem(
                    step.line_of("params"),
                    f"transform '{name}' of step '{step.name}' takes no parameter '{key}'",
                    f"its parameters: {format_list([p for p in parameters if p != 'engine'])}",
                    f"did you mean {format_list(close)}?" if close else None,
                )
        for parameter in list(signature.parameters.values())[1:]:
            if parameter.default is inspect.Parameter.empty and parameter.name not in step.params:
                self.problem(
                    step.line_of("params"),
                    f"transform '{name}' of step '{step.name}' needs parameter '{parameter.name}'",
                    f"params: {{{parameter.name}: ...}}",
                )
        if step.input is None or self.unknown_inputs(step, [step.input]):
            self.schemas.setdefault(step.name, None)
            return
        columns = list(self.schemas[step.input] or [])
        missing = False
        for key, column in _column_params(step.params):
            if column not in columns:
                missing = True
                close = nearest(column, columns)
                self.problem(
                    step.line_of("params"),
                    f"step '{step.name}': {key}={column!r} is not a column of '{step.input}'",
                    f"one of {format_list(columns)}",
                    f"did you mean {format_list(close)}?" if close else None,
                )
        self.schemas[step.name] = None if missing else _twin_columns(function, step, columns)
        if self.schemas[step.name] is None:
            self.unknown_because[step.name] = f"transform '{name}' adds columns read from data"

    def python_step(self, step: Step) -> None:
        self.schemas[step.name] = None
        self.unknown_because[step.name] = f"Python step '{step.name}' makes it"
        try:
            function = import_function(step.python or "")
        except PipelinekitError as error:
            self.problem(step.line_of("python"), error.found, error.expected, error.hint)
            return
        arguments = {**dict.fromkeys(step.inputs), **step.params}
        try:
            inspect.signature(function).bind(**arguments)
        except TypeError as error:
            self.problem(
                step.line_of("python"),
                f"step '{step.name}': {step.python} cannot be called with"
                f" {format_list(arguments) or 'no arguments'} ({error})",
                "a function taking the inputs and params as keyword arguments",
            )
        except ValueError:
            pass  # no signature to read (a builtin): find out when it runs
        self.notes.append(
            f"step '{step.name}': a Python step; the columns of what reads it are checked"
            " when it runs"
        )

    # ------------------------------------------------------------------ gates, targets
    def table_problem(self, table: str, line: int, what: str) -> bool:
        known = [*self.schemas]
        if table in self.schemas:
            return False
        close = nearest(table, known)
        self.problem(
            line,
            f"{what} names table '{table}', which no source or step produces",
            f"one of {format_list(known)}",
            f"did you mean {format_list(close)}?" if close else None,
        )
        return True

    def column_problem(self, table: str, column: str, line: int, what: str) -> None:
        columns = self.schemas.get(table)
        if columns is None or column in columns:
            return
        close = nearest(column, columns)
        self.problem(
            line,
            f"{what}: '{column}' is not a column of '{table}'",
            f"one of {format_list(columns)}",
            f"did you mean {format_list(close)}?" if close else None,
        )

    def gates(self) -> None:
        for gate in self.pipeline.gates:
            if self.table_problem(gate.table, gate.line, f"the gate on '{gate.table}'"):
                continue
            for rule in gate.rules:
                table = rule.table or gate.table
                if table != gate.table and self.table_problem(table, gate.line, rule.name):
                    continue
                for column in rule.columns:
                    self.column_problem(table, column, gate.line, f"rule {rule.name}")

    def targets(self) -> None:
        outputs = {s.name for s in self.pipeline.steps}
        for target in self.pipeline.targets:
            tables = list(target.tables) if target.tables is not None else self.pipeline.outputs()
            for table in tables:
                self.table_problem(table, target.line, "a target")
            for table, keys in target.keys.items():
                if table not in tables:
                    self.problem(
                        target.line,
                        f"keys for '{table}', which the target does not load",
                        f"keys for its tables: {format_list(tables)}",
                    )
                for key in keys:
                    self.column_problem(table, key, target.line, f"the merge key of '{table}'")
            for table, column in target.watermark.items():
                if table not in tables:
                    self.problem(
                        target.line,
                        f"a watermark for '{table}', which the target does not load",
                        f"watermarks for its tables: {format_list(tables)}",
                    )
                self.column_problem(table, column, target.line, f"the watermark of '{table}'")
            if not tables and outputs:
                self.problem(
                    target.line,
                    "a target with no table to load",
                    "tables: [...] or steps whose names do not start with 'stg_'",
                )


# ---------------------------------------------------------------------- helpers
def sql_tables(query: str) -> list[str]:
    """The tables a DuckDB query reads (its CTEs and table functions left out), in order.

    Raises
    ------
    PipelinekitError
        The query does not parse, or writes a table instead of returning rows.

    Examples
    --------
    >>> sql_tables("WITH paid AS (SELECT * FROM orders) SELECT * FROM paid JOIN customers c"
    ...            " USING (customer_id)")
    ['orders', 'customers']
    """
    from pipelinekit.lineage.sql_lineage import writes_table

    if writes_table(query):
        raise PipelinekitError(
            "the query writes a table (CREATE/INSERT)",
            "a query that returns rows (SELECT ... or WITH ... SELECT ...)",
            "write only the SELECT: the step's name is the table it makes",
        )
    try:
        statements = sqlglot.parse(query, dialect="duckdb")
    except sqlglot.errors.ParseError as error:
        detail = error.errors[0] if error.errors else {}
        raise _SqlParseError(
            f"the query does not parse ({detail.get('description', error)})",
            "one DuckDB SELECT statement",
            "check the spelling of keywords, commas and parentheses",
            line=detail.get("line"),
        ) from None
    statements = [s for s in statements if s is not None]
    if len(statements) != 1:
        raise PipelinekitError(
            f"the sql holds {len(statements)} statements", "one SELECT statement"
        )
    statement = statements[0]
    assert statement is not None  # Nones were filtered out above  # nosec B101
    ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
    names: list[str] = []
    for table in statement.find_all(exp.Table):
        fresh = table.name not in ctes and table.name not in names
        if isinstance(table.this, exp.Identifier) and fresh:
            names.append(table.name)
    position = {name: query.find(name) for name in names}
    return sorted(names, key=lambda n: (position[n] < 0, position[n]))


class _SqlParseError(PipelinekitError):
    def __init__(self, found: str, expected: str, hint: str, *, line: int | None):
        self.query_line = line
        super().__init__(found, expected, hint)


def _line_naming(query: str, table: str) -> int | None:
    """The first line of ``query`` that names ``table`` as a word."""
    pattern = re.compile(rf"(?<![\w.]){re.escape(table)}(?!\w)", re.IGNORECASE)
    for number, text in enumerate(query.splitlines(), start=1):
        if pattern.search(text.split("--")[0]):
            return number
    return None


def _query_line(query: str, snippet: str | None) -> int | None:
    """The line of ``query`` a sql_lineage snippet shows (its first line, indented)."""
    if not snippet:
        return None
    shown = snippet.splitlines()[0].strip()
    for number, text in enumerate(query.splitlines(), start=1):
        if text.strip() == shown:
            return number
    return None


def transform_names() -> list[str]:
    """The transforms a pipeline step may use (``pk.transforms`` functions)."""
    import pipelinekit.transforms as transforms

    return [n for n in transforms.__all__ if n not in _NOT_TRANSFORMS]


def transform_function(name: str) -> Callable[..., Any] | None:
    """The pk.transforms function called ``name``; None when there is none."""
    import pipelinekit.transforms as transforms

    if name not in transform_names():
        return None
    function: Callable[..., Any] = getattr(transforms, name)
    return function


def import_function(path: str) -> Callable[..., Any]:
    """The function ``module:function`` names.

    Raises
    ------
    PipelinekitError
        The module cannot be imported, has no such function, or it is not callable.

    Examples
    --------
    >>> import_function("pipelinekit.errors:nearest").__name__
    'nearest'
    """
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise PipelinekitError(
            f"cannot import module '{module_name}' of python step '{path}' ({error})",
            "an importable module",
            "run from the folder that holds it, or install it (pip install -e .)",
        ) from error
    function = getattr(module, attribute, None)
    if function is None or not callable(function):
        options = [n for n in dir(module) if not n.startswith("_") and callable(getattr(module, n))]
        close = nearest(attribute, options)
        raise PipelinekitError(
            f"module '{module_name}' has no function '{attribute}'",
            f"one of {format_list(options)}",
            f"did you mean {format_list(close)}?" if close else None,
        )
    return function


def _column_params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(parameter, column) for every column a transform's parameters name."""
    from pipelinekit.transforms.order import Order, parse_order

    found: list[tuple[str, str]] = []
    for key in COLUMN_PARAMS:
        if key not in params or params[key] is None:
            continue
        value = params[key]
        if key == "order_by":
            try:
                found += [(key, order.column) for order in parse_order(value)]
            except PipelinekitError:
                continue
            continue
        values = [value] if isinstance(value, (str, Order)) else value
        if isinstance(values, (list, tuple)):
            found += [(key, str(v)) for v in values if isinstance(v, str)]
    return found


def _twin_columns(function: Callable[..., Any], step: Step, columns: list[str]) -> Columns:
    """A transform's output columns, read from its SQL twin; None when it has none."""
    from pipelinekit.lineage.sql_lineage import sql_lineage
    from pipelinekit.transforms.twin import TABLE

    twin = getattr(function, "sql", None)
    if twin is None or getattr(function, "twin_arguments", None) is not None:
        return None
    try:
        taken = inspect.signature(twin).parameters
        anything = any(p.kind is p.VAR_KEYWORD for p in taken.values())
        arguments = {k: v for k, v in step.params.items() if anything or k in taken}
        record = sql_lineage(twin(**arguments), schema={TABLE: columns}, output=step.name)
    except Exception:  # a twin that needs the data: the columns are known when it runs
        return None
    return record.outputs[step.name]


def _declared_tables(source: Any) -> list[str]:
    tables = getattr(source, "tables", None)
    if isinstance(tables, Mapping):
        return list(tables)
    return list(tables or [])
