"""Automatic lineage: plain pandas code in a tracked block records where every column came from.

Two ways to track, no annotations inside:

* ``with pk.lineage.track():`` around a block (a notebook cell). The DataFrames in
  the caller's variables when the block starts are its inputs, named after their
  variable; the tables of a :class:`~pipelinekit.datasets.Dataset` (``shop.orders``)
  are named after the table. DataFrame variables made or rebound in the block are its
  outputs, named after their variable.
* ``@pk.lineage.tracked`` on a function: its DataFrame arguments are the inputs, named
  after their parameters (Hamilton style: ``def daily_sales(orders, customers)``); what
  it returns is the output, named after the function (a dict of frames: one output per
  key).

Either way one :class:`~pipelinekit.lineage.model.StepRecord` (``kind="pandas"``) is
added to a :class:`~pipelinekit.lineage.graph.LineageGraph` (the one given, or
:func:`default_graph`) with a run: COMPLETE, or FAIL with the error when the block
raises (the lineage gathered so far is still recorded, and the error propagates).

Naming rules. An output cannot take the name of one of the block's inputs, nor of a
dataset upstream of them (that would be a cycle), so rebinding a variable to a new
version of itself (``orders = orders[orders.amount > 0]``) gives the dataset
``"orders@2"`` (then ``"orders@3"``...). A frame recorded as an output keeps its
dataset name in later blocks, whatever variable holds it.

Column lineage comes from the pandas operations the block runs (see
:mod:`pipelinekit.lineage.pandas_hooks`); what the capture cannot see into (numpy
arrays, ``apply`` with a function, constructors) is listed in ``StepRecord.unknown`` and
the outputs still depend on every input the block read.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.lineage.graph import LineageGraph
>>> orders = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [10.0, -1.0, 5.0]})
>>> graph = LineageGraph()
>>> with track(graph, name="spend") as tracker:
...     paid = orders[orders.amount > 0]
...     spend = paid.groupby("customer_id", as_index=False).agg(total=("amount", "sum"))
>>> graph.upstream("spend.total")[["name", "how"]]
                  name          how
0         orders.amount  AGGREGATION
1    orders.customer_id     GROUP_BY
>>> tracker.step.outputs
{'paid': ['customer_id', 'amount'], 'spend': ['customer_id', 'total']}
>>> graph.runs[-1]["status"]
'COMPLETE'
"""

from __future__ import annotations

import datetime
import functools
import inspect
import sys
import threading
import types
import uuid
import weakref
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar, overload

import networkx as nx
import pandas as pd

from pipelinekit.errors import PipelinekitError
from pipelinekit.lineage import pandas_hooks as hooks
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import DIRECT_SUBTYPES, Column, Edge, StepRecord, Subtype
from pipelinekit.lineage.provenance import Origin, Origins, Prov, Provenance, is_unknown, then
from pipelinekit.lineage.provenance import unknown as unknown_origin

__all__ = ["Tracker", "active", "default_graph", "records_lineage", "track", "tracked"]

F = TypeVar("F", bound=Callable[..., Any])
_DEFAULT = LineageGraph()
_NAMES: weakref.WeakKeyDictionary[LineageGraph, dict[int, str]] = weakref.WeakKeyDictionary()
_STRENGTH = {subtype: rank for rank, subtype in enumerate(DIRECT_SUBTYPES)}
_UNSEEN = "made by code the capture cannot see into (a constructor, numpy, apply)"


class _Local(threading.local):
    def __init__(self) -> None:
        self.trackers: list[Tracker] = []


_local = _Local()


def default_graph() -> LineageGraph:
    """The graph :func:`track` and :func:`tracked` record into when given none."""
    return _DEFAULT


def active() -> Tracker | None:
    """The innermost tracker running in this thread; None when nothing is tracked.

    Examples
    --------
    >>> active() is None
    True
    """
    if hooks.is_suspended() or not _local.trackers:
        return None
    return _local.trackers[-1]


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def _column_name(label: Hashable) -> str:
    if isinstance(label, tuple):
        return "_".join(str(part) for part in label if part != "")
    return str(label)


def _remember(graph: LineageGraph, frame: object, name: str) -> None:
    names = _NAMES.setdefault(graph, {})
    if id(frame) not in names:
        weakref.finalize(frame, names.pop, id(frame), None)
    names[id(frame)] = name


class Tracker:
    """One tracked block or call: gathers provenance, then records one step.

    Get one from :func:`track` (or :func:`tracked` does it for you). After the block,
    :attr:`step` is the recorded :class:`~pipelinekit.lineage.model.StepRecord` and
    :attr:`run_id` its run.

    Parameters
    ----------
    graph : LineageGraph, optional
        Where to record; by default the enclosing tracker's graph, or :func:`default_graph`.
    name : str, optional
        The step's name; by default ``cell_N`` (a block) or the function's name.
    """

    def __init__(
        self,
        graph: LineageGraph | None = None,
        *,
        name: str | None = None,
        scope: types.FrameType | None = None,
    ):
        enclosing = active()
        if graph is None:
            graph = enclosing.graph if enclosing is not None else default_graph()
        self.graph: LineageGraph = graph
        self.name = name
        self.step: StepRecord | None = None
        self.run_id: str | None = None
        self.provenance = Provenance()
        self._scope = scope
        self._inputs: dict[str, list[str]] = {}
        self._roots: dict[int, tuple[str, Prov, object]] = {}
        self._tables: dict[str, list[str]] = {}
        self._before: dict[str, int] = {}
        self._outputs: dict[str, object] = {}
        self._started: str | None = None
        self._output_names: dict[str, str] = {}

    # ------------------------------------------------------------------ inputs
    def register(self, name: str, frame: pd.DataFrame) -> str:
        """Make ``frame`` an input dataset (named ``name`` unless already known); its name."""
        if id(frame) in self._roots:
            return self._roots[id(frame)][0]
        name = _NAMES.get(self.graph, {}).get(id(frame)) or self._enclosing_name(frame) or name
        while name in self._inputs:
            name = _next_version(name)
        prov = Prov.root(name, frame.columns, frame.index.names)
        self.provenance.set(frame, prov)
        self._roots[id(frame)] = (name, prov, frame)
        named_levels = [str(level) for level in frame.index.names if level is not None]
        self._inputs[name] = [*map(str, frame.columns), *named_levels]
        return name

    def _enclosing_name(self, frame: object) -> str | None:
        """The name an enclosing block of the same graph gave ``frame``, if an input there."""
        for tracker in reversed(_local.trackers):
            root = tracker._roots.get(id(frame))
            if tracker.graph is self.graph and root is not None:
                return root[0]
        return None

    def _register_scope(self, variables: Mapping[str, object]) -> None:
        from pipelinekit.datasets.dataset import Dataset

        self._before = {name: id(value) for name, value in variables.items()}
        for name, value in variables.items():
            if isinstance(value, pd.DataFrame) and not name.startswith("_"):
                self.register(name, value)
        for name, value in variables.items():
            if isinstance(value, Dataset) and not name.startswith("_"):
                for table in value:
                    label = table if table not in self._inputs else f"{name}.{table}"
                    self.register(label, value[table])

    # ------------------------------------------------------------------ block
    def __enter__(self) -> Tracker:
        if self._started is not None:
            raise PipelinekitError(
                f"Tracker '{self.name}' was already used",
                "a new pk.lineage.track() for each block",
                "write `with pk.lineage.track():` again instead of reusing the tracker",
            )
        self._started = _now()
        if self._scope is not None:
            self._register_scope(dict(self._scope.f_locals))
            if self.name is None:
                self.name = _cell_name(self.graph)
        _local.trackers.append(self)
        hooks.stack().append(self.provenance)
        hooks.install()
        return self

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        try:
            if self._scope is not None:
                self._outputs = self._scope_outputs(dict(self._scope.f_locals))
        finally:
            hooks.uninstall()
            hooks.stack().remove(self.provenance)
            _local.trackers.remove(self)
            self._scope = None
        self._record(error)

    def _scope_outputs(self, variables: Mapping[str, object]) -> dict[str, object]:
        outputs: dict[str, object] = {}
        seen: set[int] = set()
        for name, value in variables.items():
            if name.startswith("_") or not isinstance(value, pd.DataFrame) or id(value) in seen:
                continue
            root = self._roots.get(id(value))
            if root is not None and not self._modified(value, root[1]):
                continue
            if root is None and self._before.get(name) == id(value):
                continue
            outputs[name] = value
            seen.add(id(value))
        return outputs

    def _modified(self, frame: object, original: Prov) -> bool:
        now = self.provenance.peek(frame)
        return now is not None and (now.columns != original.columns or now.rows != original.rows)

    # ------------------------------------------------------------------ interface for pk.sql
    def _chain(self) -> list[Tracker]:
        trackers = _local.trackers
        if self not in trackers:
            return [self]
        return trackers[: trackers.index(self) + 1]

    def derive(self, output: pd.DataFrame, step: StepRecord, frames: Mapping[str, Any]) -> None:
        """``output`` was computed by ``step`` (a query or transform) from ``frames``.

        ``frames`` maps the names the frames had inside the query to the frames. Each
        output column's origins are the frames' own origins pushed through
        ``step.edges``; inputs of ``step`` that are not in ``frames`` are real tables
        and become inputs of the block.
        """
        for tracker in self._chain():
            tracker._derive(output, step, frames)

    def _derive(self, output: pd.DataFrame, step: StepRecord, frames: Mapping[str, Any]) -> None:
        store = self.provenance
        provs = {name: store.get(frame) for name, frame in frames.items()}
        labels = {name: {str(c): c for c in frame.columns} for name, frame in frames.items()}
        for table, names in step.inputs.items():
            if table not in frames:
                self._tables[table] = list(names)
                store.read.add(table)
        target = next(iter(step.outputs), "")
        by_target: dict[str, list[Edge]] = {}
        for edge in step.edges:
            if edge.target.dataset == target:
                by_target.setdefault(edge.target.name, []).append(edge)
        columns: dict[Hashable, Origins] = {}
        for label in output.columns:
            found: set[Origin] = set()
            if f"{target}.{label}" in step.unknown:
                found |= unknown_origin(f"{step.name}: the query hides where '{label}' came from")
            for edge in by_target.get(str(label), []):
                source = edge.source.dataset
                if source not in frames:
                    found.add(Origin(source, edge.source.name, edge.subtype, edge.description))
                    continue
                prov = provs[source]
                if prov is None:
                    found |= unknown_origin(f"the frame '{source}' was {_UNSEEN}")
                    continue
                inner = prov.column(labels[source].get(edge.source.name, edge.source.name))
                found |= then(inner, edge.subtype, edge.description) | prov.rows
            columns[label] = frozenset(found)
        datasets = frozenset(
            o.dataset for origins in columns.values() for o in origins if o.dataset
        ).union(*[prov.datasets for prov in provs.values() if prov is not None])
        store.set(output, Prov(columns, datasets=datasets))

    def record(self, step: StepRecord) -> None:
        """Add a step over named tables (``CREATE TABLE t AS ...``) to the graph, with a run."""
        graphs: list[LineageGraph] = []
        for tracker in self._chain():
            if all(tracker.graph is not g for g in graphs):
                graphs.append(tracker.graph)
        for graph in graphs:
            graph.add(step)
            time = _now()
            graph.record_run(
                step.name, run_id=str(uuid.uuid4()), status="COMPLETE", started_at=time,
                ended_at=time,
            )  # fmt: skip

    def unknown(self, output: pd.DataFrame, frames: Mapping[str, Any], *, reason: str) -> None:
        """``output``'s columns have unknown origins, but it depends on ``frames``."""
        for tracker in self._chain():
            store = tracker.provenance
            provs = [store.get(frame) for frame in frames.values()]
            datasets = frozenset().union(*[p.datasets for p in provs if p is not None])
            columns = dict.fromkeys(output.columns, unknown_origin(reason))
            store.set(output, Prov(columns, datasets=datasets))
            store.note(reason)

    # ------------------------------------------------------------------ recording
    def _record(self, error: BaseException | None) -> None:
        try:
            step = self._build_step()
        except Exception:
            if error is None:
                raise
            return  # the block's own error is the one to show
        finally:
            self.provenance.close()
            roots, self._roots = self._roots, {}
        self.run_id = str(uuid.uuid4())
        try:
            self.graph.add(step)
        except PipelinekitError:
            if error is None:
                raise
            return  # the block's own error is the one to show
        self.step = step
        self.graph.record_run(
            step.name,
            run_id=self.run_id,
            status="FAIL" if error is not None else "COMPLETE",
            started_at=self._started or _now(),
            ended_at=_now(),
            error=f"{type(error).__name__}: {error}" if error is not None else None,
        )
        for name, _, frame in roots.values():
            if name in step.inputs:
                _remember(self.graph, frame, name)
        for name, frame in self._outputs.items():
            _remember(self.graph, frame, self._output_names[name])
        self._outputs = {}

    def _build_step(self) -> StepRecord:
        store = self.provenance
        provs = {name: store.get(frame) for name, frame in self._outputs.items()}
        read = set(store.read)
        inputs = {name: list(cols) for name, cols in self._inputs.items() if name in read}
        inputs.update(self._tables)
        names: dict[str, str] = {}
        for name in self._outputs:
            names[name] = self._output_name(name, set(inputs), set(names.values()))
        self._output_names = names
        outputs: dict[str, list[str]] = {}
        edges: list[Edge] = []
        unknown: list[str] = []
        for name, frame in self._outputs.items():
            dataset = names[name]
            labels = list(getattr(frame, "columns", [getattr(frame, "name", None) or dataset]))
            outputs[dataset] = [_column_name(label) for label in labels]
            prov = provs[name]
            if prov is None:
                store.note(f"'{dataset}' was {_UNSEEN}")
                unknown += [f"{dataset}.{_column_name(label)}" for label in labels]
                continue
            if any(is_unknown(o) for o in prov.rows):
                store.note(f"the rows of '{dataset}' depend on something the capture cannot see")
            rows = frozenset(o for o in prov.rows if not is_unknown(o))
            for label in labels:
                own = prov.column(label) if isinstance(frame, pd.DataFrame) else prov.value
                target = Column(dataset, _column_name(label))
                reasons = [o.description for o in own if is_unknown(o)]
                if reasons:
                    unknown.append(target.id)
                    store.note(f"{target.id}: {reasons[0]}")
                edges += _edges(own | rows, target, inputs)
        description = "pandas code"
        if store.notes:
            description += "; could not tell: " + "; ".join(store.notes[:5])
            if len(store.notes) > 5:
                description += f" ... and {len(store.notes) - 5} more"
        return StepRecord(
            self.name or "pandas",
            inputs=inputs,
            outputs=outputs,
            edges=edges,
            unknown=unknown,
            kind="pandas",
            description=description,
        )

    def _output_name(self, name: str, inputs: set[str], taken: set[str]) -> str:
        candidate = name
        while candidate in inputs or candidate in taken or self._upstream(candidate, inputs):
            candidate = _next_version(candidate)
        return candidate

    def _upstream(self, dataset: str, inputs: set[str]) -> bool:
        graph = self.graph.graph
        if dataset not in graph:
            return False
        return any(name in graph and nx.has_path(graph, dataset, name) for name in inputs)

    def __repr__(self) -> str:
        state = "recorded" if self.step is not None else "running"
        return f"Tracker(name={self.name!r}, {state})"


def _next_version(name: str) -> str:
    """``orders`` -> ``orders@2`` -> ``orders@3``.

    Examples
    --------
    >>> _next_version("orders"), _next_version("orders@2")
    ('orders@2', 'orders@3')
    """
    base, at, version = name.rpartition("@")
    if at and version.isdigit():
        return f"{base}@{int(version) + 1}"
    return f"{name}@2"


def _edges(origins: Origins, target: Column, inputs: dict[str, list[str]]) -> list[Edge]:
    """The edges into ``target``: per input column its strongest DIRECT way, and every
    INDIRECT one (``customer_id`` both copied and grouped by gives two edges, as in SQL)."""
    best: dict[tuple[str, str, str], Origin] = {}
    for origin in sorted(origins):
        if is_unknown(origin):
            continue
        way = "DIRECT" if origin.subtype in _STRENGTH else origin.subtype
        key = (origin.dataset, origin.column, way)
        kept = best.get(key)
        if kept is None or _STRENGTH.get(origin.subtype, 0) > _STRENGTH.get(kept.subtype, 0):
            best[key] = origin
    edges = []
    for (dataset, column, _), origin in sorted(best.items()):
        columns = inputs.setdefault(dataset, [])
        if column not in columns:
            columns.append(column)
        edges.append(Edge(Column(dataset, column), target, origin.subtype, origin.description))
    return edges


def _cell_name(graph: LineageGraph) -> str:
    count = None
    ipython = sys.modules.get("IPython")
    if ipython is not None:
        shell = ipython.get_ipython()
        count = getattr(shell, "execution_count", None)
    base = f"cell_{count}" if count else "cell_1"
    if base not in graph.steps:
        return base
    number = 2 if count else len(graph.steps) + 1
    while (name := f"{base}_{number}" if count else f"cell_{number}") in graph.steps:
        number += 1
    return name


def track(graph: LineageGraph | None = None, *, name: str | None = None) -> Tracker:
    """Record the lineage of a block of pandas code: ``with pk.lineage.track(): ...``.

    Parameters
    ----------
    graph : LineageGraph, optional
        Where to record; by default the enclosing block's graph, or :func:`default_graph`.
    name : str, optional
        The step's name; by default ``cell_N`` (N is the notebook's execution count).

    Returns
    -------
    Tracker
        Use it as a context manager; after the block, ``tracker.step`` is the step.

    Examples
    --------
    >>> import pandas as pd
    >>> from pipelinekit.lineage.graph import LineageGraph
    >>> orders = pd.DataFrame({"amount": [10.0, 20.0], "vat": [0.2, 0.1]})
    >>> graph = LineageGraph()
    >>> with track(graph, name="gross"):
    ...     orders = orders.assign(gross=orders.amount * (1 + orders.vat))
    >>> graph.upstream("orders@2.gross").name.tolist()
    ['orders.amount', 'orders.vat']
    """
    return Tracker(graph, name=name, scope=sys._getframe(1))


@overload
def tracked(function: F, *, graph: LineageGraph | None = ..., name: str | None = ...) -> F: ...
@overload
def tracked(
    function: None = ..., *, graph: LineageGraph | None = ..., name: str | None = ...
) -> Callable[[F], F]: ...
def tracked(
    function: Callable[..., Any] | None = None,
    *,
    graph: LineageGraph | None = None,
    name: str | None = None,
) -> Any:
    """Record the lineage of every call of a function: inputs are its frame arguments.

    Each DataFrame argument is an input dataset named after its parameter (or the name
    a tracked block gave that frame); the returned frame is the output, named after the
    function (a returned dict of frames gives one output per key).

    Examples
    --------
    >>> import pandas as pd
    >>> from pipelinekit.lineage.graph import LineageGraph
    >>> graph = LineageGraph()
    >>> @tracked(graph=graph)
    ... def big_orders(orders):
    ...     return orders[orders.amount > 100][["order_id"]]
    >>> big_orders(pd.DataFrame({"order_id": [1, 2], "amount": [50, 500]}))
       order_id
    1         2
    >>> graph.upstream("big_orders.order_id")[["name", "how"]]
                 name       how
    0   orders.amount    FILTER
    1  orders.order_id  IDENTITY
    """
    if function is None:
        return lambda f: tracked(f, graph=graph, name=name)
    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tracker = Tracker(graph, name=name or function.__name__)
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return function(*args, **kwargs)  # let Python explain the wrong call
        with tracker:
            _register_arguments(tracker, bound)
            result = function(*args, **kwargs)
            tracker._outputs = _returned(result, tracker.name or function.__name__)
        return result

    return wrapper


def _register_arguments(tracker: Tracker, bound: inspect.BoundArguments) -> None:
    from pipelinekit.datasets.dataset import Dataset

    for parameter, value in bound.arguments.items():
        values = value.items() if isinstance(value, dict) else [(parameter, value)]
        if isinstance(value, tuple):
            values = [(f"{parameter}_{i}", item) for i, item in enumerate(value)]
        for label, item in values:
            if isinstance(item, pd.DataFrame):
                tracker.register(str(label), item)
            elif isinstance(item, Dataset):
                for table in item:
                    tracker.register(table, item[table])


def _returned(result: object, name: str) -> dict[str, object]:
    if isinstance(result, (pd.DataFrame, pd.Series)):
        return {name: result}
    if isinstance(result, Mapping):
        return {str(k): v for k, v in result.items() if isinstance(v, (pd.DataFrame, pd.Series))}
    return {}


def records_lineage(transform: F) -> F:
    """Make a pipelinekit transform record its column lineage when tracked.

    Outside a tracked block the wrapper only calls through. Inside, the transform runs
    with the pandas patches suspended (its internals are not the learner's code), and
    the result's columns get their origins through :meth:`Tracker.derive` from a step
    that says how each was made, read from what the transform carries:

    * ``transform.sql``, its SQL twin, called with the call's arguments that it takes
      (not ``engine``), plus those ``transform.twin_arguments(frame, *args, **kwargs)``
      reads from the data when the call left them out (``one_hot``'s categories,
      ``pivot``'s keys); the query is read by
      :func:`pipelinekit.lineage.sql_lineage.sql_lineage`.
    * ``transform.lineage(frame, result, *args, **kwargs)``, declared by hand for a
      transform SQL cannot express: ``{output column: [(input column, subtype,
      description), ...]}``. A result column it leaves out is a copy of the frame's
      column of that name.

    When neither gives the lineage, the result's columns are reported as unknown, with
    the reason.
    """

    @functools.wraps(transform)
    def wrapper(frame: Any, *args: Any, **kwargs: Any) -> Any:
        tracker = active()
        if tracker is None:
            return transform(frame, *args, **kwargs)
        with hooks.suspended():
            result = transform(frame, *args, **kwargs)
            if not isinstance(result, pd.DataFrame) or not isinstance(frame, pd.DataFrame):
                return result
            step, reason = _transform_step(transform, frame, result, args, kwargs)
        from pipelinekit.transforms.twin import TABLE

        if step is not None:
            tracker.derive(result, step, {TABLE: frame})
        else:
            tracker.unknown(result, {TABLE: frame}, reason=reason)
        return result

    return wrapper  # type: ignore[return-value]


def _transform_step(
    transform: Callable[..., Any],
    frame: pd.DataFrame,
    result: pd.DataFrame,
    args: tuple,
    kwargs: dict,
) -> tuple[StepRecord | None, str]:
    """The step of one transform call, or None and why it cannot be had."""
    name = transform.__name__
    declared = getattr(transform, "lineage", None)
    if declared is not None:
        try:
            return _declared_step(name, frame, result, declared(frame, result, *args, **kwargs)), ""
        except Exception as error:
            return None, f"{name}: its declared lineage failed ({type(error).__name__}: {error})"
    twin = getattr(transform, "sql", None)
    if twin is None:
        return None, f"{name} has no SQL twin nor declared lineage to read its lineage from"
    try:
        taken = inspect.signature(twin).parameters
        any_keyword = any(p.kind is p.VAR_KEYWORD for p in taken.values())
        arguments = {
            k: v for k, v in kwargs.items() if k != "engine" and (any_keyword or k in taken)
        }
        complete = getattr(transform, "twin_arguments", None)
        if complete is not None:
            arguments.update(complete(frame, *args, **kwargs))
        query = twin(*args, **arguments)
        return _twin_lineage(query, tuple(str(c) for c in frame.columns), name), ""
    except Exception as error:
        return None, f"{name}: its SQL twin could not be read ({type(error).__name__}: {error})"


def _declared_step(
    name: str,
    frame: pd.DataFrame,
    result: pd.DataFrame,
    declared: Mapping[str, Sequence[tuple[str, Subtype, str]]],
) -> StepRecord:
    """A transform's hand-declared lineage as a step from ``input`` to ``result``; a
    result column neither declared nor in the frame is unknown."""
    from pipelinekit.transforms.twin import TABLE

    inputs = [str(c) for c in frame.columns]
    outputs = [str(c) for c in result.columns]
    edges, unknown = [], []
    for column in outputs:
        uses = declared.get(column)
        if uses is None and column in inputs:
            uses = [(column, "IDENTITY", column)]
        if uses is None:
            unknown.append(f"result.{column}")
        for source, subtype, description in uses or []:
            edges.append(
                Edge(Column(TABLE, source), Column("result", column), subtype, description)
            )
    return StepRecord(
        name,
        inputs={TABLE: inputs},
        outputs={"result": outputs},
        edges=edges,
        unknown=unknown,
        kind="transform",
    )


@functools.lru_cache(maxsize=256)
def _twin_lineage(query: str, columns: tuple[str, ...], name: str) -> StepRecord:
    """The lineage of a twin's query over ``input`` with ``columns`` (re-run cells hit it)."""
    from pipelinekit.lineage.sql_lineage import sql_lineage
    from pipelinekit.transforms.twin import TABLE

    return sql_lineage(query, schema={TABLE: list(columns)}, name=name)
