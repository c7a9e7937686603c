"""Rules from several tables: foreign keys, declared or matched, and declared primary keys.

:func:`suggest_tables` suggests each table's rules
(:func:`pipelinekit.quality.suggest_profile.suggest_table`) and, across tables,
``foreign_key``: the ones a ``pk.datasets`` Dataset's card declares or, without a card,
columns named like another table's one-column key whose values are (almost all) there.
A card's primary key, when the data keeps it, is suggested as ``unique``.

Examples
--------
>>> import pandas as pd
>>> shop = {"customers": pd.DataFrame({"id": [1, 2]}),
...         "orders": pd.DataFrame({"order_id": [7, 8, 9], "customer_id": [1, 2, 2]})}
>>> [(name, args) for name, (kind, args, _evidence) in suggest_tables(shop, history=None,
...  table="orders") if kind == "foreign_key"]
[('orders', {'column': 'customer_id', 'to': 'customers.id'})]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality import suggest_profile
from pipelinekit.quality.suggest_profile import Found
from pipelinekit.quality.suggest_time import time_pairs

__all__ = ["FOREIGN_KEY_SHARE", "suggest_tables"]

#: A column named like another table's key must hold this share of values found there.
FOREIGN_KEY_SHARE = 0.99


def suggest_tables(
    data: Mapping[str, Any],
    *,
    history: pd.DataFrame | Mapping[str, pd.DataFrame] | None,
    table: str | None,
) -> list[tuple[str | None, Found]]:
    """The suggestions of several tables by name (or of ``table`` only, the others
    serving as referenced tables), each with its table, ready to be numbered."""
    frames: dict[str, pd.DataFrame] = {}
    for name, frame in data.items():
        if not isinstance(frame, pd.DataFrame):
            raise InvalidValueError(
                f"Table {name!r} is a {type(frame).__name__}",
                "a pandas DataFrame for every table",
                "suggest({'orders': orders, 'customers': customers})",
            )
        frames[str(name)] = frame
    if table is not None and table not in frames:
        raise UnknownNameError.for_name(table, frames, kind="table")
    chosen = [table] if table is not None else list(frames)
    pasts = _histories(history, chosen)
    profiles = {name: suggest_profile.profile(frame, name) for name, frame in frames.items()}
    card = _card_of(data)
    if card is not None:
        relations = _declared_foreign_keys(frames, card)
    else:
        relations = _matched_foreign_keys(frames, profiles)
    found: list[tuple[str | None, Found]] = []
    for name in chosen:
        extra = {column: list(rules) for column, rules in relations.get(name, {}).items()}
        for column, rules in time_pairs(frames[name]).items():
            extra.setdefault(column, []).extend(rules)
        declared = _declared_key(frames[name], name, card)
        mine = suggest_profile.suggest_table(
            profiles[name], pasts.get(name), extra=extra, declared=declared
        )
        found += [(name, item) for item in mine]
    return found


def _histories(
    history: pd.DataFrame | Mapping[str, pd.DataFrame] | None, tables: list[str]
) -> dict[str, pd.DataFrame | None]:
    if history is None:
        return {}
    if isinstance(history, Mapping):
        for name in history:
            if name not in tables:
                raise UnknownNameError.for_name(name, tables, kind="table of a history")
        return {name: suggest_profile.history(past, name) for name, past in history.items()}
    from pipelinekit.quality.history import history_table

    mine = history_table(history) if isinstance(history, pd.DataFrame) else None
    if mine is None and len(tables) > 1:
        raise InvalidValueError(
            f"One history that names no table, for {len(tables)} tables",
            "a mapping of table name to history, or a history that names its table",
            "suggest(tables, history={'orders': metrics_history('orders')})",
        )
    target = mine or tables[0]
    if target not in tables:
        raise UnknownNameError.for_name(target, tables, kind="table of the history")
    return {target: suggest_profile.history(history, target)}


def _card_of(data: Any) -> tuple[str, dict[str, Any]] | None:
    """The domain and card of a ``pk.datasets`` Dataset that has one."""
    from pipelinekit.datasets.cards import CARD_DOMAINS, card
    from pipelinekit.datasets.dataset import Dataset

    if isinstance(data, Dataset) and data.domain in CARD_DOMAINS:
        return data.domain, card(data.domain)
    return None


def _declared_key(
    frame: pd.DataFrame, name: str, card: tuple[str, dict[str, Any]] | None
) -> tuple[tuple[str, ...], str] | None:
    """The card's primary key of ``name``, when the frame keeps it (no NULL, no repeat)."""
    if card is None:
        return None
    key = tuple((card[1]["tables"].get(name) or {}).get("primary_key") or ())
    if not key or not set(key) <= set(frame.columns) or not len(frame):
        return None
    values = frame[list(key)]
    if values.isna().any().any() or values.duplicated().any():
        return None
    return key, f"the primary key in the {card[0]} card"


def _declared_foreign_keys(
    frames: Mapping[str, pd.DataFrame], card: tuple[str, dict[str, Any]]
) -> dict[str, dict[str, list[Found]]]:
    domain, spec = card
    out: dict[str, dict[str, list[Found]]] = {}
    for child, table in spec["tables"].items():
        for column, target in (table.get("foreign_keys") or {}).items():
            parent, key = str(target).split(".")
            if child not in frames or parent not in frames:
                continue
            if column not in frames[child] or key not in frames[parent]:
                continue
            found = _foreign_key(
                frames, (child, column), (parent, key), f"declared in the {domain} card"
            )
            if found is not None:
                out.setdefault(child, {}).setdefault(column, []).append(found)
    return out


def _matched_foreign_keys(
    frames: Mapping[str, pd.DataFrame], profiles: Mapping[str, Any]
) -> dict[str, dict[str, list[Found]]]:
    """Columns named like another table's one-column key, whose values are in it."""
    out: dict[str, dict[str, list[Found]]] = {}
    for parent, profile in profiles.items():
        for (key,) in (
            k for k in suggest_profile.keys(profile, dict(profile.table)) if len(k) == 1
        ):
            names = {key}
            if key == "id":  # customers.id <- orders.customer_id
                names |= {f"{parent}_id", f"{parent.removesuffix('s')}_id"}
            for child, frame in frames.items():
                for column in (c for c in frame.columns if c in names and child != parent):
                    found = _foreign_key(
                        frames,
                        (child, str(column)),
                        (parent, key),
                        f"the key of {parent}",
                        least=FOREIGN_KEY_SHARE,
                    )
                    if found is not None:
                        out.setdefault(child, {}).setdefault(str(column), []).append(found)
    return out


def _foreign_key(
    frames: Mapping[str, pd.DataFrame],
    child: tuple[str, str],
    parent: tuple[str, str],
    why: str,
    *,
    least: float = 0.0,
) -> Found | None:
    values = frames[child[0]][child[1]].dropna()
    if not len(values):
        return None
    known = frames[parent[0]][parent[1]].dropna().unique()
    try:
        inside = int(values.isin(known).sum())
    except TypeError:  # values that cannot be compared: not a reference
        return None
    share = inside / len(values)
    if share < least:
        return None
    evidence = (
        f"{_floor_pct(share)} of {len(values):,} values of {child[0]}.{child[1]} are in"
        f" {parent[0]}.{parent[1]} ({why})"
    )
    arguments: dict[str, Any] = {"column": child[1], "to": f"{parent[0]}.{parent[1]}"}
    if inside < len(values):
        missing = len(values) - inside
        evidence += f"; {missing:,} {'is' if missing == 1 else 'are'} not: worth a look"
        arguments["severity"] = "warn"
    return ("foreign_key", arguments, evidence)


def _floor_pct(share: float) -> str:
    """A share as a percentage that never rounds up to 100 % (99.96 % shows 99.9 %)."""
    if share >= 1:
        return "100 %"
    return f"{math.floor(share * 1000) / 10:.1f} %"
