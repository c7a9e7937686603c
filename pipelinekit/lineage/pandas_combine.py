"""How ``merge``, ``join`` and ``concat`` pass column provenance on.

A merge's result columns come from one side each (keys named by ``on`` from the left,
or from both sides for an outer join); the key columns of both sides are JOIN origins
of every row. The result's column names are predicted the way pandas makes them
(suffixes on clashes); if the prediction does not match, the columns are reported as
unknown rather than matched up by guess. ``concat`` unions the origins of each column
over the pieces that have it.

Examples
--------
>>> merged_names(["k", "x", "y"], ["k", "x", "z"], ["k"], ["k"], ("_x", "_y"))
(['k', 'x_x', 'y', 'x_y', 'z'], ['left', 'left', 'left', 'right', 'right'])
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import pandas as pd
from pandas.core.generic import NDFrame

from pipelinekit.lineage.pandas_hooks import hooked
from pipelinekit.lineage.pandas_rules import _as_list, _datasets
from pipelinekit.lineage.provenance import NONE, VALUE, Origins, Prov, Provenance, then, unknown

__all__ = ["HOOKS", "merged_names"]

_UNSEEN = "a pandas object made outside what the capture sees (a constructor, numpy or a library)"


def _label(name: Hashable, suffix: str | None) -> Hashable:
    return name if suffix is None else f"{name}{suffix}"


def merged_names(
    left: Sequence[Hashable],
    right: Sequence[Hashable],
    left_on: Sequence[Hashable],
    right_on: Sequence[Hashable],
    suffixes: Sequence[str | None],
) -> tuple[list[Hashable], list[str]]:
    """The columns pandas' merge makes, and which side each comes from."""
    shared = {a for a, b in zip(left_on, right_on, strict=False) if a == b}
    names, sides = [], []
    for name in left:
        clash = name in right and name not in shared
        names.append(_label(name, suffixes[0]) if clash else name)
        sides.append("left")
    for name in right:
        if name in shared:
            continue
        names.append(_label(name, suffixes[1]) if name in left else name)
        sides.append("right")
    return names, sides


def _prov(store: Provenance, obj: Any) -> Prov:
    prov = store.get(obj)
    if prov is not None:
        return prov
    if isinstance(obj, pd.Series):
        return Prov.series(unknown(_UNSEEN))
    return Prov(dict.fromkeys(getattr(obj, "columns", []), unknown(_UNSEEN)))


def _columns(obj: Any) -> list[Hashable]:
    return [obj.name] if isinstance(obj, pd.Series) else list(obj.columns)


def _origins(prov: Prov, obj: Any, label: Hashable) -> Origins:
    return prov.value if isinstance(obj, pd.Series) else prov.column(label)


def _key_origins(prov: Prov, obj: Any, keys: list[Any], by_index: bool) -> Origins:
    if by_index:
        return frozenset().union(*prov.index.values()) if prov.index else NONE
    found = NONE
    for key in keys:
        if isinstance(key, pd.Series):
            found |= prov.value if key is obj else unknown("a join key given as a Series")
        else:
            found |= _origins(prov, obj, key)
    return found


def merge(store: Provenance, result: Any, left: Any, right: Any, how: str = "inner", **kw):
    """``left.merge(right, on=...)`` and ``pd.merge``: keys are JOIN origins of every row."""
    if not isinstance(result, pd.DataFrame):
        return
    if store.peek(left) is None and store.peek(right) is None:
        return
    lp, rp = _prov(store, left), _prov(store, right)
    on = _as_list(kw.get("on"))
    left_on = _as_list(kw.get("left_on")) or on
    right_on = _as_list(kw.get("right_on")) or on
    left_index, right_index = kw.get("left_index", False), kw.get("right_index", False)
    if not (left_on or right_on or left_index or right_index):
        left_on = right_on = [c for c in _columns(left) if c in _columns(right)]
    names, sides = merged_names(
        _columns(left), _columns(right), left_on, right_on, kw.get("suffixes", ("_x", "_y"))
    )
    keys = f"merge on {', '.join(map(str, left_on or ['index']))}"
    left_keys = _key_origins(lp, left, left_on, left_index)
    joined = then(left_keys | _key_origins(rp, right, right_on, right_index), "JOIN", keys)
    rows = lp.rows | rp.rows | joined
    if names != list(result.columns)[: len(names)]:
        reason = "a merge whose column names the capture could not predict"
        columns = dict.fromkeys(result.columns, unknown(reason))
        store.note(reason)
    else:
        shared = {a for a, b in zip(left_on, right_on, strict=False) if a == b}
        originals = [*_columns(left), *[c for c in _columns(right) if c not in shared]]
        columns = {}
        for name, side, original in zip(names, sides, originals, strict=True):
            if side == "left":
                origins = _origins(lp, left, original)
                if original in shared and how in ("right", "outer"):
                    right_side = _origins(rp, right, original)
                    origins = right_side if how == "right" else origins | right_side
            else:
                origins = _origins(rp, right, original)
            columns[name] = origins
        for extra in list(result.columns)[len(names) :]:  # indicator=True
            columns[extra] = NONE
    store.set(result, Prov(columns, rows, datasets=lp.datasets | rp.datasets | _datasets(rows)))


def frame_merge(store: Provenance, result: Any, left: Any, right: Any, *args: Any, **kw: Any):
    """``DataFrame.merge``: ``how`` may come positionally."""
    if args:
        kw["how"] = args[0]
    merge(store, result, left, right, **kw)


def join(store: Provenance, result: Any, left: Any, other: Any, on: Any = None, **kw: Any):
    """``left.join(other, on=...)``: ``on`` and the other's index are JOIN origins."""
    if not isinstance(result, pd.DataFrame) or not isinstance(other, NDFrame):
        return
    if store.peek(left) is None and store.peek(other) is None:
        return
    lp, rp = _prov(store, left), _prov(store, other)
    suffixes = kw.get("suffixes", (kw.get("lsuffix", ""), kw.get("rsuffix", "")))
    names, sides = merged_names(_columns(left), _columns(other), [], [], suffixes)
    keys = _key_origins(lp, left, _as_list(on), on is None) | _key_origins(rp, other, [], True)
    rows = lp.rows | rp.rows | then(keys, "JOIN", f"join on {on or 'index'}")
    if names != list(result.columns):
        columns = dict.fromkeys(result.columns, unknown("a join the capture could not follow"))
    else:
        originals = [*_columns(left), *_columns(other)]
        columns = {
            name: _origins(lp, left, original) if side == "left" else _origins(rp, other, original)
            for name, side, original in zip(names, sides, originals, strict=True)
        }
    store.set(result, Prov(columns, rows, datasets=lp.datasets | rp.datasets | _datasets(rows)))


def concat(store: Provenance, result: Any, objs: Any, *args: Any, **kw: Any) -> None:
    """``pd.concat``: stacked, a column comes from that column of every piece that has it."""
    if not isinstance(result, NDFrame):
        return
    pieces = list(objs.values()) if isinstance(objs, dict) else list(objs)
    if all(store.peek(piece) is None for piece in pieces):
        return
    provs = [_prov(store, piece) for piece in pieces]
    rows = frozenset().union(*[prov.rows for prov in provs])
    datasets = frozenset().union(*[prov.datasets for prov in provs])
    axis = kw.get("axis", args[0] if args else 0)
    if isinstance(result, pd.Series):
        value = frozenset().union(*[prov.value for prov in provs])
        store.set(result, Prov({VALUE: value}, rows, datasets=datasets))
        return
    columns: dict[Hashable, Origins] = {}
    if axis in (1, "columns"):
        labels = [label for piece in pieces for label in _columns(piece)]
        if len(labels) == len(result.columns):
            origins = [
                _origins(prov, piece, label)
                for piece, prov in zip(pieces, provs, strict=True)
                for label in _columns(piece)
            ]
            columns = dict(zip(result.columns, origins, strict=True))
        else:
            reason = "a concat the capture could not follow"
            columns = dict.fromkeys(result.columns, unknown(reason))
    else:
        for label in result.columns:
            found = NONE
            for piece, prov in zip(pieces, provs, strict=True):
                if label in _columns(piece):
                    found |= _origins(prov, piece, label)
            columns[label] = found
    store.set(result, Prov(columns, rows, datasets=datasets))


HOOKS = [
    (pd, "merge", lambda original: hooked(original, merge)),
    (pd.DataFrame, "merge", lambda original: hooked(original, frame_merge)),
    (pd.DataFrame, "join", lambda original: hooked(original, join)),
    (pd, "concat", lambda original: hooked(original, concat)),
]
