"""Patch pandas while a tracked block runs, so each operation passes its provenance on.

:func:`install` replaces a list of pandas methods (:data:`HOOKS`) by thin wrappers and
:func:`uninstall` puts the originals back; :mod:`pipelinekit.lineage.capture` installs
them when the first tracker starts and removes them when the last one ends, so pandas
is unchanged outside tracked blocks. A wrapper calls the original, then a *rule* that
computes the result's :class:`~pipelinekit.lineage.provenance.Prov` from its operands':
O(columns) work, no data copied, nothing per row.

While one hooked call runs, the calls pandas makes inside it go straight to the
originals (``busy``), so a rule sees the learner's operation, not pandas' internals.
Operations that no rule covers still pass provenance through ``NDFrame.__finalize__``
(by column name, as a TRANSFORMATION) when pandas calls it; anything else loses its
provenance and the column is reported as unknown — never guessed.

The rules live in :mod:`pipelinekit.lineage.pandas_rules` (rows and columns),
:mod:`pipelinekit.lineage.pandas_combine` (merge, join, concat) and
:mod:`pipelinekit.lineage.pandas_groupby` (groupby and aggregation).

Limits: the patches are class attributes, so while any thread tracks, every thread goes
through the (cheap) wrappers; only the thread that opened a block records anything
(the tracker stack is per thread). Code that saved a reference to a pandas function
before the block (``from pandas import merge``) calls the original.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

from pipelinekit.lineage.provenance import Prov, Provenance, unknown

__all__ = ["install", "installed", "is_suspended", "stack", "suspended", "uninstall"]

Rule = Callable[..., None]
_MISSING = object()


class _State(threading.local):
    def __init__(self) -> None:
        self.stack: list[Provenance] = []
        self.busy = False
        self.suspended = 0


_state = _State()
_lock = threading.Lock()
_users = 0
_saved: list[tuple[object, str, object]] = []


def stack() -> list[Provenance]:
    """This thread's provenance stores, outermost first (the live list)."""
    return _state.stack


def is_suspended() -> bool:
    """Whether :func:`suspended` is in force in this thread."""
    return _state.suspended > 0


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """Run pandas untracked for a while (a transform's internals, a query's plumbing)."""
    _state.suspended += 1
    try:
        yield
    finally:
        _state.suspended -= 1


def hooked(original: Callable[..., Any], rule: Rule) -> Callable[..., Any]:
    """``original`` followed by ``rule(store, result, *args, **kwargs)`` for each store."""

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state = _state
        if not state.stack or state.busy or state.suspended:
            return original(*args, **kwargs)
        state.busy = True
        try:
            result = original(*args, **kwargs)
        finally:
            state.busy = False
        apply_rule(rule, result, args, kwargs)
        return result

    wrapper.__pk_original__ = original  # type: ignore[attr-defined]
    return wrapper


def replaced(original: Callable[..., Any], body: Callable[..., Any]) -> Callable[..., Any]:
    """``body(original, *args, **kwargs)`` instead of ``original`` while tracking.

    For operations that run the learner's code (``assign`` with callables): ``body``
    does the work itself so that code is tracked too.
    """

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state = _state
        if not state.stack or state.busy or state.suspended:
            return original(*args, **kwargs)
        return body(original, *args, **kwargs)

    wrapper.__pk_original__ = original  # type: ignore[attr-defined]
    return wrapper


@contextlib.contextmanager
def busy() -> Iterator[None]:
    """Call pandas from a rule or a replacement without tracking its internals."""
    before = _state.busy
    _state.busy = True
    try:
        yield
    finally:
        _state.busy = before


def apply_rule(rule: Rule, result: object, args: tuple, kwargs: dict) -> None:
    """Run ``rule`` for every store; a failing rule makes the result unknown, not an error."""
    with busy():
        for store in _state.stack:
            try:
                rule(store, result, *args, **kwargs)
            except Exception as error:  # the learner's code must never break because of us
                _lose(store, result, f"lineage capture failed ({type(error).__name__}: {error})")


def _lose(store: Provenance, result: object, reason: str) -> None:
    columns = getattr(result, "columns", None)
    if columns is not None:
        store.set(result, Prov(dict.fromkeys(columns, unknown(reason))))
    elif hasattr(result, "index"):
        store.set(result, Prov.series(unknown(reason)))
    store.note(reason)


def install() -> None:
    """Patch pandas (counted: every :func:`install` needs its :func:`uninstall`)."""
    global _users
    with _lock:
        _users += 1
        if _users > 1:
            return
        for owner, name, wrapper in _wrappers():
            _saved.append((owner, name, owner.__dict__.get(name, _MISSING)))
            setattr(owner, name, wrapper)


_made: dict[tuple[int, str], tuple[object, Callable[..., Any]]] = {}


def _wrappers() -> list[tuple[object, str, Callable[..., Any]]]:
    """Every hook's wrapper, made once per original (pandas may be patched by others too)."""
    from pipelinekit.lineage import pandas_combine, pandas_groupby, pandas_rules

    found = []
    for owner, name, make in [
        *pandas_rules.HOOKS,
        *pandas_combine.HOOKS,
        *pandas_groupby.GROUPBY_HOOKS,
    ]:
        original = getattr(owner, name)
        made = _made.get((id(owner), name))
        if made is None or made[0] is not original:
            made = _made[(id(owner), name)] = (original, make(original))
        found.append((owner, name, made[1]))
    return found


def uninstall() -> None:
    """Undo one :func:`install`; the last one puts every original back."""
    global _users
    with _lock:
        if _users == 0:
            return
        _users -= 1
        if _users:
            return
        while _saved:
            owner, name, original = _saved.pop()
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


def installed() -> bool:
    """Whether pandas is patched right now."""
    return _users > 0
