"""How ``groupby`` and its aggregations pass column provenance on.

``df.groupby(keys)`` gets a :class:`Grouped` record (the frame's provenance and the
keys'); selecting columns (``["amount"]``) narrows it; an aggregation (``sum``,
``agg(revenue=("amount", "sum"))``, ...) makes each output column an AGGREGATION of its
input column, with the keys as GROUP_BY origins of every row and as the origins of the
result's index levels (so ``reset_index`` brings them back as columns). Running
functions (``cumsum``, ``shift``, ``rank``, ``transform("sum")``) keep the rows and get
the keys as WINDOW origins. ``apply`` and functions over whole groups are unknown.

Examples
--------
>>> agg_sources({"revenue": ("amount", "sum")}, ["revenue"], ["amount", "status"], None)
{'revenue': ('amount', 'sum')}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd
from pandas.core.groupby.generic import DataFrameGroupBy, SeriesGroupBy

from pipelinekit.lineage.model import Subtype
from pipelinekit.lineage.pandas_hooks import hooked
from pipelinekit.lineage.pandas_rules import _as_list, _hashable, operand
from pipelinekit.lineage.provenance import NONE, Origins, Prov, Provenance, then, unknown

__all__ = ["GROUPBY_HOOKS", "Grouped", "agg_sources"]

REDUCTIONS = ["sum", "mean", "median", "min", "max", "count", "nunique", "std", "var", "sem"]
REDUCTIONS += ["prod", "first", "last", "any", "all", "size"]
RUNNING = ["cumsum", "cumprod", "cummax", "cummin", "cumcount", "shift", "diff", "pct_change"]
RUNNING += ["rank", "ffill", "bfill"]
_RUNNING_AGGREGATES = {"cumsum", "cumprod", "cummax", "cummin"}


@dataclasses.dataclass
class Grouped:
    """The provenance of a GroupBy: its frame's, its keys' and the selected columns."""

    parent: Prov
    keys: dict[Hashable, Origins]
    key_columns: list[Hashable]
    selection: Any = None
    series: bool = False
    as_index: bool = True

    @property
    def datasets(self) -> frozenset[str]:
        return self.parent.datasets

    def values(self) -> list[Hashable]:
        """The columns being aggregated."""
        if self.selection is not None:
            return _as_list(self.selection) if not self.series else [self.selection]
        return [c for c in self.parent.columns if c not in self.key_columns]

    def key_rows(self, subtype: Any) -> Origins:
        """The keys as INDIRECT origins of every row (GROUP_BY or WINDOW)."""
        names = ", ".join(str(k) for k in self.keys)
        verb = "group by" if subtype == "GROUP_BY" else "partition by"
        keys = frozenset().union(*self.keys.values()) if self.keys else NONE
        return self.parent.rows | then(keys, subtype, f"{verb} {names}")


def _how(how: Any) -> str:
    if isinstance(how, str):
        return how
    return getattr(how, "__name__", "function")


def groupby(store: Provenance, result: Any, obj: Any, by: Any = None, level: Any = None, **kw):
    """``df.groupby(keys)`` / ``s.groupby(keys)``: remember the keys' origins."""
    prov = store.get(obj)
    if prov is None:
        return
    keys: dict[Hashable, Origins] = {}
    key_columns = []
    for key in _as_list(by):
        if isinstance(key, pd.Series):
            keys[key.name] = operand(store, key)[0]
        elif _hashable(key) and isinstance(obj, pd.DataFrame) and key in prov.columns:
            keys[key] = prov.columns[key]
            key_columns.append(key)
        elif _hashable(key) and key in prov.index:
            keys[key] = prov.index[key]
        else:
            name = key if _hashable(key) and not callable(key) else None
            keys[name] = unknown("a group key the capture cannot see (a function or an array)")
    for name in _as_list(level):
        keys[name] = prov.index.get(name, unknown(f"index level {name!r} with no recorded origin"))
    series = isinstance(obj, pd.Series)
    selection = None
    if series:
        prov = Prov({obj.name: prov.value}, prov.rows, dict(prov.index), prov.datasets)
        selection = obj.name
    grouped = Grouped(prov, keys, key_columns, selection, series, kw.get("as_index", True))
    store.set(result, grouped)


def select(store: Provenance, result: Any, grouped_by: Any, key: Any) -> None:
    """``grouped["amount"]`` or ``grouped[["a", "b"]]``."""
    grouped = store.get_other(grouped_by)
    if isinstance(grouped, Grouped):
        series = isinstance(result, SeriesGroupBy)
        store.set(result, dataclasses.replace(grouped, selection=key, series=series))


def agg_sources(
    named: dict[str, Any], labels: list[Hashable], values: list[Hashable], func: Any
) -> dict[Hashable, tuple[Hashable, Any]]:
    """For each output label, the (input column, function) it aggregates, where known."""
    found: dict[Hashable, tuple[Hashable, Any]] = {}
    for label in labels:
        if label in named:
            spec = named[label]
            found[label] = tuple(spec) if isinstance(spec, tuple) else (values[0], spec)
        elif isinstance(label, tuple) and len(label) == 2 and label[0] in values:
            found[label] = (label[0], label[1])
        elif label in values:
            how = func.get(label, func) if isinstance(func, dict) else func
            found[label] = (label, how)
        elif len(values) == 1 and isinstance(func, (list, tuple)) and label in func:
            found[label] = (values[0], label)
    return found


def _aggregated(
    store: Provenance, result: Any, grouped: Grouped, func: Any, named: dict[str, Any]
) -> None:
    rows = grouped.key_rows("GROUP_BY")
    index = {k: o for k, o in grouped.keys.items() if k is not None} if grouped.as_index else {}

    def origins(source: Hashable, how: Any) -> Origins:
        if how == "size":
            return NONE
        if callable(how) and not grouped.series:
            return unknown(f"{_how(how)} applied to whole groups")
        return then(grouped.parent.column(source), "AGGREGATION", f"{_how(how)}({source})")

    values = grouped.values()
    if isinstance(result, pd.Series):
        source = values[0] if len(values) == 1 else None
        value = origins(source, func) if source is not None or func == "size" else None
        store.set(
            result,
            Prov.series(value if value is not None else unknown("an aggregation of many columns"),
                        rows, index=index, datasets=grouped.datasets),
        )  # fmt: skip
        return
    if not isinstance(result, pd.DataFrame):
        return
    labels = list(result.columns)
    sources = agg_sources(named, labels, values, func)
    columns: dict[Hashable, Origins] = {}
    for label in labels:
        if label in sources:
            columns[label] = origins(*sources[label])
        elif not grouped.as_index and label in grouped.keys:
            columns[label] = grouped.keys[label]
        elif func == "size":
            columns[label] = NONE
        else:
            columns[label] = unknown(f"aggregated column {label!r} the capture could not follow")
    store.set(result, Prov(columns, rows, index, grouped.datasets))


def reduction(name: str) -> Callable[..., None]:
    """The rule of ``grouped.sum()`` and the other reductions."""

    def rule(store: Provenance, result: Any, grouped_by: Any, *_: Any, **__: Any) -> None:
        grouped = store.get_other(grouped_by)
        if isinstance(grouped, Grouped):
            _aggregated(store, result, grouped, name, {})

    return rule


def aggregate(store: Provenance, result: Any, grouped_by: Any, func: Any = None, *_, **kw):
    """``agg("sum")``, ``agg(["sum", "mean"])``, ``agg({"a": "sum"})``, named aggregation."""
    grouped = store.get_other(grouped_by)
    if not isinstance(grouped, Grouped):
        return
    named = {k: v for k, v in kw.items() if k not in ("engine", "engine_kwargs")}
    _aggregated(store, result, grouped, func, named)


def running(name: str) -> Callable[..., None]:
    """The rule of ``cumsum``, ``shift``, ``rank``, ``transform``: rows kept, keys WINDOW."""

    def rule(store: Provenance, result: Any, grouped_by: Any, *args: Any, **kw: Any) -> None:
        grouped = store.get_other(grouped_by)
        if not isinstance(grouped, Grouped):
            return
        how = args[0] if name == "transform" and args else kw.get("func", name)
        rows = grouped.key_rows("WINDOW")
        subtype: Subtype | None
        if not isinstance(how, str):
            subtype, reason = None, f"transform({_how(how)}) runs a function over whole groups"
        elif how in REDUCTIONS or how in _RUNNING_AGGREGATES:
            subtype, reason = "AGGREGATION", ""
        else:
            subtype, reason = "TRANSFORMATION", ""

        def origins(label: Hashable) -> Origins:
            if subtype is None:
                return unknown(reason)
            if how in ("cumcount", "size", "count") or how == "size":
                return NONE
            return then(grouped.parent.column(label), subtype, f"{how}({label}) over groups")

        values = grouped.values()
        index = dict(grouped.parent.index)
        if isinstance(result, pd.Series):
            value = origins(values[0]) if len(values) == 1 else unknown("many columns")
            store.set(result, Prov.series(value, rows, index=index, datasets=grouped.datasets))
        elif isinstance(result, pd.DataFrame):
            columns = {label: origins(label) for label in result.columns}
            store.set(result, Prov(columns, rows, index, grouped.datasets))

    return rule


def applied(store: Provenance, result: Any, grouped_by: Any, *_: Any, **__: Any) -> None:
    """``grouped.apply(function)``: unknown, the function is not visible to the capture."""
    grouped = store.get_other(grouped_by)
    if not isinstance(grouped, Grouped):
        return
    reason = "groupby(...).apply runs a function the capture cannot see into"
    store.note(reason)
    if isinstance(result, pd.Series):
        store.set(result, Prov.series(unknown(reason), datasets=grouped.datasets))
    elif isinstance(result, pd.DataFrame):
        columns = dict.fromkeys(result.columns, unknown(reason))
        store.set(result, Prov(columns, datasets=grouped.datasets))


def _make(rule: Callable[..., None]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return lambda original: hooked(original, rule)


GROUPBY_HOOKS: list[tuple[object, str, Callable[[Callable[..., Any]], Callable[..., Any]]]] = [
    (pd.DataFrame, "groupby", _make(groupby)),
    (pd.Series, "groupby", _make(groupby)),
    (DataFrameGroupBy, "__getitem__", _make(select)),
]
for _cls in (DataFrameGroupBy, SeriesGroupBy):
    GROUPBY_HOOKS += [(_cls, name, _make(reduction(name))) for name in REDUCTIONS]
    GROUPBY_HOOKS += [(_cls, name, _make(running(name))) for name in [*RUNNING, "transform"]]
    GROUPBY_HOOKS += [(_cls, "agg", _make(aggregate)), (_cls, "aggregate", _make(aggregate))]
    GROUPBY_HOOKS.append((_cls, "apply", _make(applied)))
