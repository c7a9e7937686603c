"""How each pandas operation passes column provenance on (rows and columns; no groupby).

One rule per operation, ``rule(store, result, *args, **kwargs)``, called by the
wrappers of :mod:`pipelinekit.lineage.pandas_hooks` with the operation's own arguments.
A rule reads its operands' :class:`~pipelinekit.lineage.provenance.Prov` and stores the
result's. :data:`HOOKS` lists what is patched.

Examples
--------
>>> import pandas as pd
>>> query_columns("amount > 0 and `order status` == @wanted", ["amount", "order status"])
['amount', 'order status']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_scalar
from pandas.core import indexing
from pandas.core.generic import NDFrame

from pipelinekit.lineage.model import Subtype
from pipelinekit.lineage.pandas_hooks import hooked
from pipelinekit.lineage.provenance import NONE, VALUE, Origins, Prov, Provenance, then, unknown

__all__ = ["HOOKS", "query_columns"]

_UNSEEN = "a pandas object made outside what the capture sees (a constructor, numpy or a library)"
_ARRAY = "a numpy array or list the capture cannot see into"


# ---------------------------------------------------------------------------- helpers
def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, pd.Index, np.ndarray)):
        return list(value)
    return [value]


def _hashable(key: object) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def _is_mask(key: object) -> bool:
    if isinstance(key, (pd.Series, np.ndarray)):
        return is_bool_dtype(key.dtype)
    return False


def operand(store: Provenance, value: object) -> tuple[Origins, Origins]:
    """(value origins, row origins) of an operand: a scalar has none; untracked is unknown."""
    if isinstance(value, NDFrame):
        prov = store.get(value)
        if prov is None:
            return unknown(_UNSEEN), NONE
        return prov.value, prov.rows
    if is_scalar(value) or value is None:
        return NONE, NONE
    return unknown(_ARRAY), NONE


def mask_rows(store: Provenance, mask: object, subtype: Any = "FILTER") -> Origins:
    """The INDIRECT origins a boolean mask gives the rows it keeps."""
    if isinstance(mask, pd.Series):
        prov = store.get(mask)
        if prov is not None:
            return then(prov.value, subtype, "filter") | prov.rows
    store.note(f"a {subtype.lower()} by a mask the capture cannot see into (numpy or untracked)")
    return NONE


def _datasets(*origin_sets: Origins) -> frozenset[str]:
    return frozenset(o.dataset for origins in origin_sets for o in origins if o.dataset)


def _by_name(
    prov: Prov, labels: Iterable[Hashable], subtype: Any, description: str = ""
) -> dict[Hashable, Origins]:
    return {label: then(prov.column(label), subtype, description) for label in labels}


def _set_frame(store: Provenance, target: object, columns: dict, base: Prov, rows: Origins = NONE):
    datasets = base.datasets | _datasets(rows, *columns.values())
    store.set(target, Prov(columns, base.rows | rows, dict(base.index), datasets))


# ---------------------------------------------------------------------------- selection
def frame_getitem(store: Provenance, result: object, frame: pd.DataFrame, key: object) -> None:
    """``df["a"]``, ``df.a``, ``df[["a", "b"]]``, ``df[mask]`` (a FILTER)."""
    prov = store.get(frame)
    if isinstance(result, pd.Series):
        if prov is not None:
            found = prov.columns.get(key) if _hashable(key) else None
            origins = found if found is not None else unknown(f"part of column(s) {key!r}")
            store.set(result, Prov.series(origins, prov.rows, index=dict(prov.index)))
    elif isinstance(result, pd.DataFrame):
        rows = mask_rows(store, key) if _is_mask(key) else NONE
        if prov is not None:
            store.set(result, prov.selected(result.columns, rows))


def series_getitem(store: Provenance, result: object, series: pd.Series, key: object) -> None:
    """``s[mask]`` (a FILTER) and slices of a Series."""
    if not isinstance(result, pd.Series):
        return
    prov = store.get(series)
    if prov is None:
        return
    rows = mask_rows(store, key) if _is_mask(key) else NONE
    store.set(result, Prov.series(prov.value, prov.rows | rows, index=dict(prov.index)))


def loc_getitem(store: Provenance, result: object, indexer: Any, key: object) -> None:
    """``df.loc[mask, cols]``, ``df.iloc[...]``: masks filter, columns are selected."""
    obj = indexer.obj
    prov = store.get(obj)
    if prov is None or not isinstance(result, NDFrame):
        return
    rows_key, columns_key = key, None
    if isinstance(obj, pd.DataFrame) and isinstance(key, tuple) and len(key) == 2:
        rows_key, columns_key = key
    rows = mask_rows(store, rows_key) if _is_mask(rows_key) else NONE
    if isinstance(result, pd.DataFrame):
        store.set(result, prov.selected(result.columns, rows))
    elif isinstance(obj, pd.Series):
        store.set(result, Prov.series(prov.value, prov.rows | rows, index=dict(prov.index)))
    elif columns_key is not None and _hashable(columns_key) and columns_key in prov.columns:
        store.set(result, Prov.series(prov.columns[columns_key], prov.rows | rows))
    else:
        store.set(result, Prov.series(unknown("a row of a DataFrame (values of many columns)")))


# ---------------------------------------------------------------------------- assignment
def _value_origins(store: Provenance, value: object, frame_rows: Origins) -> Origins:
    origins, rows = operand(store, value)
    return origins | (rows - frame_rows)


def _writable(store: Provenance, frame: pd.DataFrame, value: object) -> Prov | None:
    prov = store.get(frame)
    if prov is not None:
        return prov
    if isinstance(value, NDFrame) and store.peek(value) is not None:
        return Prov(dict.fromkeys(frame.columns, unknown(_UNSEEN)))
    return None


def frame_setitem(store: Provenance, _: object, frame: pd.DataFrame, key: Any, value: Any) -> None:
    """``df["x"] = expression`` (and ``assign``, which calls it)."""
    prov = _writable(store, frame, value)
    if prov is None:
        return
    columns = dict(prov.columns)
    if _is_mask(key) or isinstance(key, pd.DataFrame):
        condition = mask_rows(store, key, "CONDITIONAL") if _is_mask(key) else unknown(_UNSEEN)
        new = _value_origins(store, value, prov.rows) | condition
        columns = {label: prov.column(label) | new for label in frame.columns}
    elif _hashable(key) and (not isinstance(key, tuple) or key in frame.columns):
        columns[key] = _value_origins(store, value, prov.rows)
    elif isinstance(value, pd.DataFrame) and store.peek(value) is not None:
        source = store.get(value)
        assert source is not None
        for label, column in zip(key, value.columns, strict=False):
            columns[label] = source.column(column) | (source.rows - prov.rows)
    else:
        for label in key:
            columns[label] = _value_origins(store, value, prov.rows)
    columns = {label: columns.get(label, unknown(_UNSEEN)) for label in frame.columns}
    _set_frame(store, frame, columns, prov)


def loc_setitem(store: Provenance, _: object, indexer: Any, key: Any, value: Any) -> None:
    """``df.loc[mask, "x"] = value``: the mask is a CONDITIONAL origin of ``x``."""
    obj = indexer.obj
    if isinstance(obj, pd.Series):
        prov = store.get(obj)
        if prov is None:
            return
        rows_key, labels = key, [VALUE]
    else:
        prov = _writable(store, obj, value)
        if prov is None:
            return
        rows_key, columns_key = key if isinstance(key, tuple) and len(key) == 2 else (key, None)
        if columns_key is None or (isinstance(columns_key, slice) and columns_key == slice(None)):
            labels = list(obj.columns)
        elif _hashable(columns_key):
            labels = [columns_key]
        else:
            labels = list(obj.columns[obj.columns.isin(_as_list(columns_key))])
    whole = isinstance(rows_key, slice) and rows_key == slice(None)
    new = _value_origins(store, value, prov.rows)
    if _is_mask(rows_key):
        new = new | mask_rows(store, rows_key, "CONDITIONAL")
    columns = dict(prov.columns)
    for label in labels:
        columns[label] = new if whole else new | prov.columns.get(label, NONE)
    if isinstance(obj, pd.Series):
        store.set(obj, Prov(columns, prov.rows, dict(prov.index), prov.datasets | _datasets(new)))
        return
    columns = {label: columns.get(label, unknown(_UNSEEN)) for label in obj.columns}
    _set_frame(store, obj, columns, prov)


# ---------------------------------------------------------------------------- arithmetic
_SYMBOLS = {
    "add": "+", "sub": "-", "mul": "*", "truediv": "/", "div": "/", "floordiv": "//",
    "mod": "%", "pow": "**", "and": "&", "or": "|", "xor": "^", "eq": "==", "ne": "!=",
    "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
}  # fmt: skip


def binary(symbol: str) -> Callable[..., None]:
    """The rule of a binary operator: the union of both operands' origins, TRANSFORMATION."""

    def rule(store: Provenance, result: object, left: Any, right: Any, *_: Any, **__: Any):
        if not isinstance(result, NDFrame):
            return
        if store.peek(left) is None and store.peek(right) is None:
            return
        if isinstance(result, pd.Series):
            left_origins, left_rows = operand(store, left)
            right_origins, right_rows = operand(store, right)
            origins = then(left_origins | right_origins, "TRANSFORMATION", symbol)
            store.set(result, Prov.series(origins, left_rows | right_rows))
            return
        assert isinstance(result, pd.DataFrame)
        columns = {}
        rows = NONE
        for side in (left, right):
            prov = store.get(side) if isinstance(side, pd.DataFrame) else None
            if prov is not None:
                rows |= prov.rows
        for label in result.columns:
            origins = NONE
            for side in (left, right):
                if isinstance(side, pd.DataFrame):
                    prov = store.peek(side)
                    origins |= prov.column(label) if prov is not None else unknown(_UNSEEN)
                else:
                    origins |= operand(store, side)[0]
                    if isinstance(side, pd.Series):  # aligned on the column labels
                        origins |= unknown("a Series broadcast across a DataFrame's columns")
            columns[label] = then(origins, "TRANSFORMATION", symbol)
        store.set(result, Prov(columns, rows, datasets=_datasets(rows, *columns.values())))

    return rule


def where(store: Provenance, result: object, obj: Any, cond: Any, other: Any = np.nan, **kw):
    """``s.where(cond, other)`` / ``s.mask(...)``: ``cond`` is a CONDITIONAL origin."""
    target = obj if kw.get("inplace") else result
    prov = store.get(obj)
    if prov is None or not isinstance(target, NDFrame):
        return
    if callable(cond):
        condition = unknown("a condition computed by a function")
    elif _is_mask(cond):
        condition = mask_rows(store, cond, "CONDITIONAL")
    else:
        condition = then(operand(store, cond)[0], "CONDITIONAL", "where")
    other_origins = unknown("a value computed by a function") if callable(other) else NONE
    if not callable(other):
        other_origins = operand(store, other)[0]
    extra = then(other_origins, "TRANSFORMATION", "where") | condition
    if isinstance(target, pd.Series):
        origins = then(prov.value, "TRANSFORMATION", "where") | extra
        store.set(target, Prov.series(origins, prov.rows, index=dict(prov.index)))
    else:
        columns = {c: then(prov.column(c), "TRANSFORMATION", "where") | extra for c in target}
        _set_frame(store, target, columns, prov)


def converted(name: str) -> Callable[..., None]:
    """``pd.to_datetime(s)``, ``pd.cut(s, ...)``: a TRANSFORMATION of the argument."""

    def rule(store: Provenance, result: object, arg: Any = None, *_: Any, **__: Any) -> None:
        if not isinstance(result, NDFrame):
            return
        prov = store.get(arg) if isinstance(arg, NDFrame) else None
        if prov is not None:
            origins = then(prov.value, "TRANSFORMATION", name)
            store.set(result, Prov.series(origins, prov.rows, index=dict(prov.index)))

    return rule


# ---------------------------------------------------------------------------- finalize
_IDENTITY_METHODS = frozenset(["copy", "sort_index", "reindex", "infer_objects", "squeeze"])
_RESHAPING = ["apply", "pivot_table", "melt", "stack", "unstack", "transpose", "explode", "dot"]
_SUMMARISING = ["corr", "cov", "describe", "mode", "combine", "value_counts", "idxmin", "idxmax"]
_REDUCING = ["quantile", "argsort", "sum", "mean", "min", "max", "std", "var", "sem", "skew"]
_UNKNOWN_METHODS = frozenset(
    [*_RESHAPING, *_SUMMARISING, *_REDUCING, "kurt", "prod", "median", "count", "any", "all"]
)


def finalize(store: Provenance, _: object, new: Any, other: Any, method: Any = None, **__: Any):
    """What pandas copies metadata onto: same labels, same origins (TRANSFORMATION).

    Only reached for operations no other rule covers (``round``, ``fillna``, ``astype``,
    ``.str`` and ``.dt`` accessors, ``~mask``, ...). Methods that reshape or summarise
    (``apply``, ``pivot_table``, ``transpose``, DataFrame reductions) give unknown.
    """
    if not isinstance(other, NDFrame):
        return
    prov = store.get(other)
    if prov is None:
        return
    if method in _UNKNOWN_METHODS:
        reason = f"{method}() reshapes or summarises in a way the capture cannot follow"
        if isinstance(new, pd.Series):
            store.set(new, Prov.series(unknown(reason), datasets=prov.datasets))
        else:
            columns = dict.fromkeys(new.columns, unknown(reason))
            store.set(new, Prov(columns, datasets=prov.datasets))
        store.note(reason)
        return
    subtype: Subtype = "IDENTITY" if method in _IDENTITY_METHODS else "TRANSFORMATION"
    description = method if isinstance(method, str) else ""
    if isinstance(new, pd.Series):
        origins = then(prov.value, subtype, description)
        store.set(new, Prov.series(origins, prov.rows, index=dict(prov.index)))
    elif isinstance(other, pd.Series):
        columns = dict.fromkeys(new.columns, then(prov.value, subtype, description))
        _set_frame(store, new, columns, prov)
    else:
        _set_frame(store, new, _by_name(prov, new.columns, subtype, description), prov)


# ---------------------------------------------------------------------------- columns
def rename(store: Provenance, result: Any, obj: Any, mapper: Any = None, **kwargs: Any) -> None:
    """``rename(columns=...)``: each new label keeps its old label's origins."""
    target = obj if kwargs.get("inplace") else result
    prov = store.get(obj)
    if prov is None or not isinstance(target, NDFrame):
        return
    if isinstance(obj, pd.Series):
        store.set(target, Prov.series(prov.value, prov.rows, index=dict(prov.index)))
        return
    axis = kwargs.get("axis")
    mapping = kwargs.get("columns", mapper if axis in (1, "columns") else None)
    if mapping is None:
        renamed = dict(prov.columns)
    elif callable(mapping):
        renamed = {mapping(label): origins for label, origins in prov.columns.items()}
    else:
        renamed = {mapping.get(label, label): o for label, o in prov.columns.items()}
    columns = {label: renamed.get(label, unknown(_UNSEEN)) for label in target.columns}
    _set_frame(store, target, columns, prov)


def same_columns(store: Provenance, result: Any, obj: Any, *_: Any, **kwargs: Any) -> None:
    """``drop``, ``head``-like operations: the columns that are left keep their origins."""
    target = obj if kwargs.get("inplace") else result
    prov = store.get(obj)
    if prov is None or not isinstance(target, NDFrame):
        return
    if isinstance(target, pd.Series):
        store.set(target, Prov.series(prov.value, prov.rows, index=dict(prov.index)))
    else:
        store.set(target, prov.selected(target.columns))


def _rows_from(
    store: Provenance, result: Any, obj: Any, labels: object, subtype: Any, text: str, kwargs: dict
) -> None:
    target = obj if kwargs.get("inplace") else result
    prov = store.get(obj)
    if prov is None or not isinstance(target, NDFrame):
        return
    if isinstance(obj, pd.Series):
        rows = then(prov.value, subtype, text)
        store.set(target, Prov.series(prov.value, prov.rows | rows, index=dict(prov.index)))
        return
    chosen = _as_list(labels) if labels is not None else list(obj.columns)
    rows = frozenset().union(*[then(prov.column(c), subtype, text) for c in chosen])
    store.set(target, prov.selected(target.columns, rows))


def sort_values(store: Provenance, result: Any, obj: Any, by: Any = None, **kwargs: Any) -> None:
    """``sort_values(by)``: the ``by`` columns are SORT origins of every column."""
    _rows_from(store, result, obj, by, "SORT", f"sort by {by}", kwargs)


def dropna(store: Provenance, result: Any, obj: Any, **kwargs: Any) -> None:
    """``dropna(subset=...)``: the columns checked for nulls FILTER the rows."""
    if kwargs.get("axis", 0) in (0, "index"):
        _rows_from(store, result, obj, kwargs.get("subset"), "FILTER", "dropna", kwargs)
    else:
        same_columns(store, result, obj, **kwargs)


def drop_duplicates(store: Provenance, result: Any, obj: Any, subset: Any = None, **kwargs):
    """``drop_duplicates(subset)``: the compared columns FILTER the rows."""
    _rows_from(store, result, obj, subset, "FILTER", "drop_duplicates", kwargs)


_NAME = re.compile(r"`([^`]*)`|(?<![@\w.])([A-Za-z_]\w*)")


def query_columns(expression: str, columns: Iterable[Hashable]) -> list[Hashable]:
    """The columns named in a :meth:`pandas.DataFrame.query` expression, in their order."""
    found = {a or b for a, b in _NAME.findall(expression)}
    return [label for label in columns if str(label) in found]


def query(store: Provenance, result: Any, obj: Any, expr: str, **kwargs: Any) -> None:
    """``query("amount > 0")``: the columns the expression names FILTER the rows."""
    prov = store.peek(obj)
    if prov is None:
        return
    named = query_columns(expr, prov.columns)
    if not named:
        store.note(f"the query {expr!r} names no column the capture knows")
    _rows_from(store, result, obj, named, "FILTER", f"query: {expr}", kwargs)


def set_index(store: Provenance, result: Any, obj: Any, keys: Any, **kwargs: Any) -> None:
    """``set_index(keys)``: the key columns become index levels with their origins."""
    target = obj if kwargs.get("inplace") else result
    prov = store.get(obj)
    if prov is None or not isinstance(target, pd.DataFrame):
        return
    index = dict(prov.index) if kwargs.get("append") else {}
    for key in _as_list(keys):
        if isinstance(key, pd.Series):
            index[key.name] = operand(store, key)[0]
        elif _hashable(key) and key in prov.columns:
            index[key] = prov.columns[key]
    new = prov.selected(target.columns)
    new.index = index
    store.set(target, new)


def reset_index(store: Provenance, result: Any, obj: Any, *_: Any, **kwargs: Any) -> None:
    """``reset_index()``: index levels (group keys) come back as columns with their origins."""
    target = obj if kwargs.get("inplace") else result
    prov = store.get(obj)
    if prov is None or not isinstance(target, NDFrame):
        return
    if isinstance(target, pd.Series):
        store.set(target, Prov.series(prov.value, prov.rows))
        return
    value_name = None
    if isinstance(obj, pd.Series):
        value_name = kwargs.get("name", obj.name if obj.name is not None else 0)
    columns = {}
    for label in target.columns:
        if isinstance(obj, pd.DataFrame) and label in prov.columns:
            columns[label] = prov.columns[label]
        elif label in prov.index:
            columns[label] = prov.index[label]
        elif isinstance(obj, pd.Series) and label == value_name:
            columns[label] = prov.value
        else:
            columns[label] = unknown(f"'{label}' came from row labels with no recorded origin")
    remaining = {level: o for level, o in prov.index.items() if level in target.index.names}
    datasets = prov.datasets
    store.set(target, Prov(columns, prov.rows, remaining, datasets))


HOOKS: list[tuple[object, str, Callable[[Callable[..., Any]], Callable[..., Any]]]] = []


def _hook(owner: object, name: str, rule: Callable[..., None]) -> None:
    HOOKS.append((owner, name, lambda original: hooked(original, rule)))


_hook(pd.DataFrame, "__getitem__", frame_getitem)
_hook(pd.Series, "__getitem__", series_getitem)
_hook(pd.DataFrame, "__setitem__", frame_setitem)
for _indexer in (indexing._LocIndexer, indexing._iLocIndexer):
    _hook(_indexer, "__getitem__", loc_getitem)
_hook(indexing._LocIndexer, "__setitem__", loc_setitem)
_hook(NDFrame, "__finalize__", finalize)
for _op, _symbol in _SYMBOLS.items():
    for _cls in (pd.Series, pd.DataFrame):
        _names = [f"__{_op}__"] if _op != "div" else []
        if _op not in ("eq", "ne", "lt", "le", "gt", "ge"):
            _names.append(f"__r{_op}__" if _op != "div" else "rdiv")
        _names.append(_op)
        for _name in _names:
            if hasattr(_cls, _name):
                _hook(_cls, _name, binary(_symbol))
for _cls in (pd.Series, pd.DataFrame):
    _hook(_cls, "where", where)
    _hook(_cls, "mask", where)
    _hook(_cls, "rename", rename)
    _hook(_cls, "drop", same_columns)
    _hook(_cls, "sort_values", sort_values)
    _hook(_cls, "dropna", dropna)
    _hook(_cls, "drop_duplicates", drop_duplicates)
    _hook(_cls, "reset_index", reset_index)
_hook(pd.DataFrame, "query", query)
_hook(pd.DataFrame, "set_index", set_index)
for _function in ("to_datetime", "to_numeric", "to_timedelta", "cut", "qcut"):
    _hook(pd, _function, converted(_function))
