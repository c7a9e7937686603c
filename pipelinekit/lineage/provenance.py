"""Where each column of a pandas object came from, while a tracked block runs.

Inside :func:`pipelinekit.lineage.track`, every DataFrame or Series the block makes
carries a :class:`Prov`: for each column, the set of input columns it came from (an
:class:`Origin` says which dataset and column, and how: the subtypes of
:mod:`pipelinekit.lineage.model`). A Series has one column, :data:`VALUE`. Row-shaping
origins (a filter, a join key, a sort) apply to every column, so they are kept once in
``rows`` instead of once per column; index levels keep their origins in ``index`` so
``reset_index`` can bring group keys back as columns.

Origins compose: a column that is ``orders.amount`` (IDENTITY), multiplied (a
TRANSFORMATION) and then summed (an AGGREGATION) has the origin
``orders.amount, AGGREGATION``. :func:`then` pushes origins through one more step.
What the capture cannot see into has the origin :func:`unknown`, with the reason; it
never guesses.

A :class:`Provenance` stores the Prov of each object by ``id`` (DataFrames cannot be
dictionary keys), forgetting it when the object is collected.

Examples
--------
>>> orders = Prov.root("orders", ["amount", "status"])
>>> sorted(orders.column("amount"))
[Origin(dataset='orders', column='amount', subtype='IDENTITY', description='')]
>>> doubled = then(orders.column("amount"), "TRANSFORMATION", "*")
>>> summed = then(doubled, "AGGREGATION", "sum(amount)")
>>> [(o.column, o.subtype, o.description) for o in summed]
[('amount', 'AGGREGATION', 'sum(amount)')]
>>> [(o.column, o.subtype) for o in then(orders.column("status"), "FILTER", "mask")]
[('status', 'FILTER')]
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, NamedTuple

from pipelinekit.lineage.model import DIRECT_SUBTYPES, Subtype

__all__ = [
    "NONE",
    "VALUE",
    "Origin",
    "Origins",
    "Prov",
    "Provenance",
    "is_unknown",
    "then",
    "unknown",
]


class Origin(NamedTuple):
    """One input column an output column depends on, and how."""

    dataset: str
    column: str
    subtype: Subtype
    description: str = ""


Origins = frozenset[Origin]
NONE: Origins = frozenset()
#: The key of a Series' only column in :attr:`Prov.columns`.
VALUE = "__pk_value__"
_STRENGTH = {subtype: rank for rank, subtype in enumerate(DIRECT_SUBTYPES)}


def unknown(reason: str) -> Origins:
    """The origin of something the capture could not see into, with the reason.

    Examples
    --------
    >>> is_unknown(next(iter(unknown("a numpy array"))))
    True
    """
    return frozenset([Origin("", "", "TRANSFORMATION", reason)])


def is_unknown(origin: Origin) -> bool:
    """Whether ``origin`` stands for "could not tell" (see :func:`unknown`)."""
    return not origin.dataset


def then(origins: Iterable[Origin], subtype: Subtype, description: str = "") -> Origins:
    """``origins`` pushed through one more step that uses them as ``subtype``.

    An INDIRECT step makes every origin INDIRECT of its own subtype (``amount`` used in
    a filter is a FILTER origin, however it was computed). A DIRECT step keeps INDIRECT
    origins as they are and makes DIRECT ones as strong as the stronger of the two:
    IDENTITY then X is X, TRANSFORMATION then AGGREGATION is AGGREGATION, AGGREGATION
    then TRANSFORMATION stays AGGREGATION. Unknown origins stay unknown.

    Examples
    --------
    >>> amount = frozenset([Origin("orders", "amount", "AGGREGATION", "sum(amount)")])
    >>> [o.subtype for o in then(amount, "TRANSFORMATION", "round")]
    ['AGGREGATION']
    """
    if subtype == "IDENTITY":
        return frozenset(origins)
    indirect = subtype not in _STRENGTH
    out = []
    for origin in origins:
        if not origin.dataset:
            out.append(origin)
        elif indirect:
            out.append(origin._replace(subtype=subtype, description=description))
        elif origin.subtype not in _STRENGTH:
            out.append(origin)
        elif _STRENGTH[subtype] >= _STRENGTH[origin.subtype]:
            out.append(origin._replace(subtype=subtype, description=description))
        else:
            out.append(origin)
    return frozenset(out)


def _datasets(origins: Iterable[Origin]) -> frozenset[str]:
    return frozenset(origin.dataset for origin in origins if origin.dataset)


@dataclasses.dataclass(eq=False)
class Prov:
    """The origins of one DataFrame's (or Series') columns, rows and index levels.

    Parameters
    ----------
    columns : dict
        Column label (:data:`VALUE` for a Series) to the origins of its values.
    rows : frozenset of Origin
        INDIRECT origins that decided which rows there are, for every column.
    index : dict
        Named index level to its origins (group keys after a groupby, say).
    datasets : frozenset of str
        Every dataset the object was computed from, known columns or not.
    """

    columns: dict[Hashable, Origins]
    rows: Origins = NONE
    index: dict[Hashable, Origins] = dataclasses.field(default_factory=dict)
    datasets: frozenset[str] = frozenset()

    @classmethod
    def root(cls, dataset: str, columns: Iterable[Hashable], index: Iterable[Hashable] = ()):
        """An input dataset: each column is itself (IDENTITY)."""
        return cls(
            {c: frozenset([Origin(dataset, str(c), "IDENTITY")]) for c in columns},
            index={
                level: frozenset([Origin(dataset, str(level), "IDENTITY")])
                for level in index
                if level is not None
            },
            datasets=frozenset([dataset]),
        )

    @classmethod
    def series(cls, origins: Origins, rows: Origins = NONE, **kwargs) -> Prov:
        """The provenance of a Series whose values come from ``origins``."""
        kwargs.setdefault("datasets", _datasets(origins) | _datasets(rows))
        return cls({VALUE: origins}, rows, **kwargs)

    def column(self, label: Hashable) -> Origins:
        """The origins of column ``label``; :func:`unknown` when it has none recorded."""
        found = self.columns.get(label)
        if found is None:
            return unknown(f"column {label!r} was made by an operation the capture cannot see")
        return found

    @property
    def value(self) -> Origins:
        """The origins of a Series' values (every column's, for a DataFrame)."""
        if VALUE in self.columns:
            return self.columns[VALUE]
        return frozenset().union(*self.columns.values())

    def with_columns(self, columns: Mapping[Hashable, Origins], rows: Origins = NONE) -> Prov:
        """A new Prov with these columns, this one's rows plus ``rows``, and no index."""
        return Prov(
            dict(columns),
            self.rows | rows,
            datasets=self.datasets | _datasets(rows),
        )

    def selected(self, labels: Iterable[Hashable], rows: Origins = NONE) -> Prov:
        """The columns ``labels`` (by name) with this one's rows and index."""
        new = self.with_columns({label: self.column(label) for label in labels}, rows)
        new.index = dict(self.index)
        return new


class Provenance:
    """The Prov of every object one tracker has seen, by ``id``, until it is collected.

    :meth:`get` also remembers which datasets were read, so the block depends on them
    even when a column's origin is later lost.
    """

    def __init__(self) -> None:
        self._by_id: dict[int, Any] = {}
        self._finalizers: list[weakref.finalize] = []
        self.read: set[str] = set()
        self.notes: list[str] = []

    def get(self, obj: object) -> Prov | None:
        """The Prov of ``obj``, or None when the block has not seen it made."""
        prov = self._by_id.get(id(obj))
        if isinstance(prov, Prov):
            self.read |= prov.datasets
            return prov
        return None

    def peek(self, obj: object) -> Prov | None:
        """Like :meth:`get`, without counting ``obj`` as read."""
        prov = self._by_id.get(id(obj))
        return prov if isinstance(prov, Prov) else None

    def get_other(self, obj: object) -> Any:
        """What :meth:`set` stored for an object that is not a DataFrame (a GroupBy)."""
        found = self._by_id.get(id(obj))
        if found is not None:
            self.read |= found.datasets
        return found

    def set(self, obj: object, prov: Any) -> None:
        """Remember ``prov`` (a Prov, or any record with ``datasets``) while ``obj`` lives."""
        key = id(obj)
        if key not in self._by_id:
            self._finalizers.append(weakref.finalize(obj, self._by_id.pop, key, None))
        self._by_id[key] = prov

    def note(self, text: str) -> None:
        """Remember something the capture could not tell (shown in the step description)."""
        if text not in self.notes:
            self.notes.append(text)

    def close(self) -> None:
        """Forget everything (the tracker is done); objects may outlive it."""
        for finalizer in self._finalizers:
            finalizer.detach()
        self._finalizers.clear()
        self._by_id.clear()
