"""Rules suggested from a profile or from tables (and from history): evidence and SQL.

Writing rules from scratch is slow; reading what the data already does is quick. A
profile (:func:`pipelinekit.quality.profile.profile`) knows every column's nulls, range,
values and text patterns; :func:`suggest` turns what it sees into candidate rules, each
with one sentence of **evidence** ("0 nulls in 1,003 rows", "values within [0, 5000] at
p0.1..p99.9") and the SQL that checks it. Given the tables themselves (one DataFrame,
several by name, or a ``pk.datasets`` Dataset) it also reads what a profile cannot:
how two timestamps of a row relate, and which column refers to another table's key.
Learners then **accept**, **edit** or **reject** each suggestion and save the accepted
rules as YAML.

What is suggested, and from what
--------------------------------
=========================== ==============================================================
rule                        when
=========================== ==============================================================
``not_null``                the column has no null (here, and in every recorded run)
``null_share_at_most``      the column has some nulls: the largest share seen plus a
                            margin (half of it, at least 1 point), rounded up to 1 %
``unique``                  a candidate key of the profile (integer or text columns)
``no_duplicate_rows``       the table has no duplicate row
``between``                 a numeric column (not an identifier, whose values grow):
                            p0.1..p99.9 from 1,000 values on (severity
                            ``warn``: the 0.2 % beyond are worth a look, not a stop),
                            min..max below; each bound rounded outwards to two
                            significant digits (of the bound, or of the width if finer)
``in_set``                  text with at most 20 distinct values, each seen twice on
                            average, all of them listed by the profile
``matches_regex``           text whose values are at least 95 % e-mail addresses, URLs,
                            phone numbers, UUIDs, dates or timestamps (the evidence says how
                            many do not match)
``castable_to``             text that is at least 95 % numbers
``not_future``              a date or timestamp column whose newest value is not in the
                            future
``row_count_between``       always: ±50 % of the row count with no history; with history,
                            mean ± 3·std of the row counts (at least ±10 % of the mean)
``columns_present``         always, ``exact``: the profiled columns and no other (a
                            renamed column shows as one missing and one unexpected)
=========================== ==============================================================

From the tables (not from a profile alone):

=========================== ==============================================================
rule                        when
=========================== ==============================================================
``compare_columns``         a timestamp never before another one of its row (and later
                            at least once): ``later >= earlier``, with the nearest earlier
``max_delay``               the same pair: how much later, at most: p99.9 of the delay
                            from 1,000 rows on (severity ``warn``), the max below, rounded
                            up to a readable duration (15 minutes, 3 hours, 1 week)
``foreign_key``             several tables: the foreign keys a Dataset's card declares;
                            without a card, a column named like another table's
                            one-column key (``customer_id``, or ``customer_id`` for
                            ``customers.id``) with at least 99 % of its values there;
                            severity ``warn`` when some are not
``unique``                  a Dataset's card declares the primary key and the data keeps
                            it: that key (``(device_id, read_at)``), besides one-column
                            candidate keys
=========================== ==============================================================

A suggestion describes the data as it is: on dirty data, it describes the dirt too (a
range that includes the one negative price). Suggest from data you trust, check the
next delivery — or read the evidence before accepting.

Examples
--------
>>> import pandas as pd
>>> profile = HandProfile(
...     table={"rows": 4, "columns": 1, "duplicate_rows": 0, "candidate_keys": (("id",),),
...            "source": "DataFrame", "name": "orders"},
...     columns=pd.DataFrame([{"column": "id", "family": "integer", "rows": 4, "non_null": 4,
...                            "nulls": 0, "null_share": 0.0, "distinct": 4,
...                            "distinct_exact": True, "min": 1, "max": 4}]))
>>> suggestions = suggest(profile)
>>> print(suggestions)
id  rule                   evidence                                               status
1   not_null(id)           0 nulls in 4 rows                                      pending
2   unique(id)             4 distinct values in 4 rows, no nulls: a candidate key pending
3   between(id)            all 4 values within [1, 4] (min 1, max 4)              pending
4   no_duplicate_rows()    no duplicate rows among 4                              pending
5   row_count_between()    4 rows now and no history: ±50 % gives [2, 6]          pending
6   columns_present()      the table has this 1 column                            pending
>>> [rule.name for rule in suggestions.accept(1, 2).reject(5).rules()]
['not_null(id)', 'unique(id)']
>>> suggestions.edit(3, max=1000).rules()[-1]
Rule(orders.between(id), min=1, max=1000, error)
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError, format_list
from pipelinekit.quality.history import require_table
from pipelinekit.quality.rule import Rule

__all__ = ["HandProfile", "Suggestion", "Suggestions", "suggest"]

Status = Literal["pending", "accepted", "rejected"]

#: From this many values on, ``between`` takes p0.1 and p99.9 rather than min and max.
QUANTILE_MIN_VALUES = 1000
#: A pattern class must describe this share of a text column's values.
PATTERN_SHARE = 0.95
#: ``in_set`` is suggested for at most this many distinct values.
IN_SET_MAX = 20
#: ``row_count_between`` with history: mean ± this many standard deviations.
ROW_COUNT_K = 3.0
#: A column named like another table's key must hold this share of values found there.
FOREIGN_KEY_SHARE = 0.99

_REGEX_CLASSES = {
    "email": "an e-mail address",
    "url": "a URL",
    "phone": "a phone number",
    "uuid": "a UUID",
    "date": "a date",
    "timestamp": "a timestamp",
}
_KEY_FAMILIES = ("integer", "string", "category")
_NUMERIC = ("integer", "float", "decimal")
_TEXT = ("string", "category")
_TIME = ("datetime", "date")


@dataclasses.dataclass
class HandProfile:
    """A profile written by hand: ``table`` (a dict) and ``columns`` (one row each).

    :func:`suggest` reads only these two attributes, so any object with them works;
    :func:`pipelinekit.quality.profile.profile` returns the real thing, and this small
    stand-in lets a lesson (or a test) write one by hand.
    """

    table: dict[str, Any]
    columns: pd.DataFrame


@dataclasses.dataclass
class Suggestion:
    """One suggested rule: the rule, why (``evidence``) and what the learner decided."""

    id: int
    rule: Rule
    evidence: str
    status: Status = "pending"
    edited: bool = False

    @property
    def sql(self) -> str:
        """The DuckDB SQL that checks the rule (:func:`pipelinekit.quality.compile.rule_sql`)."""
        from pipelinekit.quality.compile import rule_sql

        return rule_sql(self.rule, table=self.rule.table or "data", dialect="duckdb")

    @property
    def label(self) -> str:
        """The status as shown: ``accepted (edited)`` after an edit."""
        return f"{self.status} (edited)" if self.edited else self.status


class Suggestions:
    """Suggested rules to accept, edit or reject, then save (:meth:`to_yaml`).

    Refer to a suggestion by its number (``1``) or its rule's name (``"not_null(id)"``).
    :meth:`accept`, :meth:`reject` and :meth:`edit` return the suggestions, so a notebook
    cell shows the table after each decision.
    """

    def __init__(self, items: list[Suggestion], table: str | None = None) -> None:
        self._items = items
        self.table = table

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Suggestion]:
        return iter(self._items)

    def __getitem__(self, key: int | str) -> Suggestion:
        for item in self._items:
            if key == item.id:
                return item
        named = [i for i in self._items if key in (i.rule.name, _qualified(i.rule))]
        if len(named) == 1:
            return named[0]
        if named:
            raise InvalidValueError(
                f"{len(named)} suggestions are called {key!r}"
                f" (tables {format_list(i.rule.table for i in named)})",
                "a name that picks one suggestion",
                f"add the table, e.g. {_qualified(named[0].rule)!r}, or use its id",
            )
        several = len({i.rule.table for i in self._items}) > 1
        raise UnknownNameError.for_name(
            key,
            [_qualified(i.rule) if several else i.rule.name for i in self._items]
            + [str(i.id) for i in self._items],
            kind="suggestion",
            hint="refer to a suggestion by its id (1, 2, ...) or its rule's name",
        )

    # ------------------------------------------------------------------ decisions
    def accept(self, *ids: int | str) -> Suggestions:
        """Accept suggestions by id or rule name; ``"all"`` accepts every one."""
        for item in self._chosen(ids, "accept"):
            item.status = "accepted"
        return self

    def reject(self, *ids: int | str) -> Suggestions:
        """Reject suggestions by id or rule name; ``"all"`` rejects every one."""
        for item in self._chosen(ids, "reject"):
            item.status = "rejected"
        return self

    def edit(self, id: int | str, **changes: Any) -> Suggestions:
        """Change a suggestion's parameters (or ``severity``, ``description``), and accept it.

        The changed rule is made anew, so it is checked like any rule: a mistake raises
        and leaves the suggestion as it was.
        """
        item = self[id]
        rule = item.rule
        moved = sorted({"column", "columns", "table", "kind"} & set(changes))
        if moved:
            raise InvalidValueError(
                f"edit() was given {format_list(moved)}",
                "parameters of the rule (min=..., values=...), severity or description",
                "to check another column, reject this suggestion and write a Rule(...)",
            )
        fields = {
            "severity": rule.severity,
            "description": rule.description,
            "name": None
            if rule.name == Rule(rule.kind, **_where(rule), **rule.params).name
            else rule.name,
        }
        extra = {k: changes.pop(k) for k in list(changes) if k in fields}
        params = {**rule.params, **changes}
        params = {k: v for k, v in params.items() if v is not None}
        item.rule = Rule(
            rule.kind, table=rule.table, **_where(rule), **{**fields, **extra}, **params
        )
        item.status, item.edited = "accepted", True
        return self

    def rules(self, status: Status = "accepted") -> list[Rule]:
        """The rules of the suggestions with ``status`` (the accepted ones by default)."""
        return [item.rule for item in self._items if item.status == status]

    def to_yaml(self, path: str | os.PathLike[str]) -> Path:
        """Save the accepted rules as YAML (:func:`pipelinekit.quality.rules_yaml.save_rules`).

        Raises
        ------
        InvalidValueError
            No suggestion is accepted yet.
        """
        rules = self.rules()
        if not rules:
            raise InvalidValueError(
                f"No accepted suggestion to save ({len(self._items)} pending or rejected)",
                "at least one accepted rule",
                "accept some first: suggestions.accept(1, 2) or suggestions.accept('all')",
            )
        from pipelinekit.quality.rules_yaml import save_rules

        return save_rules(rules, path)

    # ------------------------------------------------------------------ showing
    @property
    def frame(self) -> pd.DataFrame:
        """One row per suggestion: id, table, rule, kind, column, dimension, severity,
        params, evidence, status."""
        return pd.DataFrame(
            [
                {
                    "id": item.id,
                    "table": item.rule.table,
                    "rule": item.rule.name,
                    "kind": item.rule.kind,
                    "column": item.rule.column or ", ".join(item.rule.columns) or None,
                    "dimension": item.rule.dimension,
                    "severity": item.rule.severity,
                    "params": dict(item.rule.params),
                    "evidence": item.evidence,
                    "status": item.label,
                }
                for item in self._items
            ],
            columns=[
                "id",
                "table",
                "rule",
                "kind",
                "column",
                "dimension",
                "severity",
                "params",
                "evidence",
                "status",
            ],
        )

    def _rows(self) -> list[list[str]]:
        """The header and one row per suggestion; a ``table`` column for several tables."""
        several = len({i.rule.table for i in self._items}) > 1
        head = ["id", "table", "rule", "evidence", "status"] if several else []
        rows = [
            [str(i.id), str(i.rule.table), i.rule.name, i.evidence, i.label]
            if several
            else [str(i.id), i.rule.name, i.evidence, i.label]
            for i in self._items
        ]
        return [head or ["id", "rule", "evidence", "status"], *rows]

    def __str__(self) -> str:
        rows = self._rows()
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        return "\n".join(
            " ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True))
            + " "
            + row[-1]
            for row in rows
        )

    def __repr__(self) -> str:
        accepted = sum(i.status == "accepted" for i in self._items)
        where = f" for '{self.table}'" if self.table else ""
        return f"Suggestions({len(self._items)} rules{where}, {accepted} accepted)\n{self}"

    def _repr_html_(self) -> str:
        header, *rows = self._rows()
        head = "".join(f"<th>{c}</th>" for c in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
        )
        where = f" for <code>{escape(self.table)}</code>" if self.table else ""
        title = f"<b>{len(self._items)} suggested rules{where}</b>"
        return f"{title}<table><tr>{head}</tr>{body}</table>"

    def _chosen(self, ids: tuple[int | str, ...], verb: str) -> list[Suggestion]:
        if not ids:
            raise InvalidValueError(
                f"Nothing to {verb}",
                "suggestion ids or rule names, or 'all'",
                f"suggestions.{verb}(1, 2) or suggestions.{verb}('all')",
            )
        if ids == ("all",):
            return list(self._items)
        return [self[key] for key in ids]


def _qualified(rule: Rule) -> str:
    return f"{rule.table}.{rule.name}" if rule.table else rule.name


def _where(rule: Rule) -> dict[str, Any]:
    if rule.spec.column == "one":
        return {"column": rule.column}
    if rule.spec.column == "many":
        return {"columns": list(rule.columns)}
    return {}


# ---------------------------------------------------------------------- suggesting
#: (kind, arguments of the Rule, evidence): one suggestion before it is numbered.
Found = tuple[str, dict[str, Any], str]


def suggest(
    data: Any,
    *,
    history: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
    table: str | None = None,
) -> Suggestions:
    """Suggest rules from a profile or from tables, and from recorded history when there is some.

    Parameters
    ----------
    data : Profile, DataFrame, mapping of str to DataFrame, or Dataset
        What :func:`pipelinekit.quality.profile.profile` returned, or the data itself: one
        DataFrame, or several tables by name (a ``pk.datasets`` Dataset is one). Frames
        are profiled first, keeping the 20 most common values of each column (``in_set``
        needs every value of a column listed). With the frames at hand, pairs of
        timestamps give ``compare_columns`` and ``max_delay``; with several tables,
        foreign keys are suggested too: the ones a Dataset's card declares, or else
        columns named like another table's key whose values it holds.
    history : DataFrame or mapping of str to DataFrame, optional
        The table's recorded metrics, :func:`pipelinekit.quality.history.metrics_history`:
        a column is only ``not_null`` when no run had a null, and the row count bounds come
        from every run. With several tables, a mapping of table name to its history (or
        one history that names its table).
    table : str, optional
        The table the rules are about (default: the profile's name). With several
        tables, suggest for this one only (the others still serve as referenced tables).
        A history of another table is refused.

    Returns
    -------
    Suggestions
        Every suggestion pending, table by table; in each, column by column (a
        column's foreign key and delay after its own rules), table rules last.

    Raises
    ------
    InvalidValueError
        A history of another table, or one without ``metric`` and ``value`` columns; a
        mapping holding something else than DataFrames.
    UnknownNameError
        ``table=`` names none of several tables.

    Examples
    --------
    >>> import pandas as pd
    >>> shop = {
    ...     "customers": pd.DataFrame({"customer_id": [1, 2, 3]}),
    ...     "orders": pd.DataFrame({
    ...         "order_id": [10, 11, 12, 13],
    ...         "customer_id": [1, 1, 3, 2],
    ...         "ordered_at": pd.to_datetime(["2024-05-01 10:00", "2024-05-01 11:00",
    ...                                       "2024-05-02 09:30", "2024-05-03 18:00"]),
    ...         "loaded_at": pd.to_datetime(["2024-05-01 10:04", "2024-05-01 11:02",
    ...                                      "2024-05-02 09:41", "2024-05-03 18:03"]),
    ...     }),
    ... }
    >>> suggestions = suggest(shop, table="orders")
    >>> suggestions["foreign_key(customer_id)"].rule
    Rule(orders.foreign_key(customer_id), to='customers.customer_id', error)
    >>> print(suggestions["foreign_key(customer_id)"].evidence)
    100 % of 4 values of orders.customer_id are in customers.customer_id
    (the key of customers)
    >>> delay = suggestions["max_delay(loaded_at)"]
    >>> delay.rule.params, delay.rule.severity
    ({'since': 'ordered_at', 'max': '15 minutes'}, 'error')
    >>> print(delay.evidence)
    loaded_at - ordered_at in 4 rows: p50 3.5 minutes, max 11 minutes;
    at most 15 minutes (the max, rounded up)
    >>> print(suggestions["columns_present()"].evidence)
    the table has these 4 columns
    """
    if isinstance(data, Mapping):
        return _suggest_tables(data, history=history, table=table)
    frame = data if isinstance(data, pd.DataFrame) else None
    profile = _profile(frame, table) if frame is not None else data
    info = dict(profile.table)
    name = table or info.get("name") or None
    if isinstance(history, Mapping):
        raise InvalidValueError(
            "A mapping of histories for one table",
            "the history of that table, as metrics_history(table) returns it",
            "suggest(profile, history=metrics_history('orders'))",
        )
    past = _history(history, name)
    if name is None and past is not None and past.attrs.get("table"):
        name = str(past.attrs["table"])
    pairs = _time_pairs(frame) if frame is not None else {}
    found = _suggest_table(profile, past, extra=pairs)
    return Suggestions(_numbered([(name, f) for f in found]), name)


def _profile(frame: pd.DataFrame, name: str | None) -> Any:
    from pipelinekit.quality.profile import profile as make_profile

    return make_profile(frame, name=name, top=IN_SET_MAX)  # every value of a set


def _numbered(found: list[tuple[str | None, Found]]) -> list[Suggestion]:
    return [
        Suggestion(i, Rule(kind, table=name, **arguments), evidence)
        for i, (name, (kind, arguments, evidence)) in enumerate(found, start=1)
    ]


def _suggest_table(
    profile: Any,
    past: pd.DataFrame | None,
    *,
    extra: Mapping[str, list[Found]] | None = None,
    declared: tuple[tuple[str, ...], str] | None = None,
) -> list[Found]:
    """The suggestions of one table: each column's own rules, then ``extra`` rules about
    that column (foreign keys, delays), then the table's rules. ``declared`` is a primary
    key from a dataset card (and where it comes from), used as the table's key."""
    info = dict(profile.table)
    rows = int(info.get("rows") or 0)
    keys = _keys(profile, info)
    if declared is not None:
        keys = [declared[0], *(key for key in keys if len(key) == 1 and key != declared[0])]
    found: list[Found] = []
    for column in profile.columns.to_dict("records"):
        more = (extra or {}).get(str(column["column"]), [])
        mine = _column(column, rows, keys, past)
        if any(kind == "foreign_key" for kind, _, _ in more):  # a reference, not a measure:
            mine = [item for item in mine if item[0] not in ("between", "in_set")]
        found += mine + more
    if declared is not None:
        found = [
            (kind, args, f"{declared[1]}; {evidence}")
            if kind == "unique" and tuple(args["columns"]) == declared[0]
            else (kind, args, evidence)
            for kind, args, evidence in found
        ]
    found += _table(info, rows, past)
    names = [str(c) for c in profile.columns["column"]]
    if names:
        found.append(_columns_present(names))
    return found


def _columns_present(names: list[str]) -> Found:
    these = "this 1 column" if len(names) == 1 else f"these {len(names)} columns"
    return ("columns_present", {"columns": names, "exact": True}, f"the table has {these}")


# ---------------------------------------------------------------------- several tables
def _suggest_tables(
    data: Mapping[str, Any],
    *,
    history: pd.DataFrame | Mapping[str, pd.DataFrame] | None,
    table: str | None,
) -> Suggestions:
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
    profiles = {name: _profile(frame, name) for name, frame in frames.items()}
    card = _card_of(data)
    if card is not None:
        relations = _declared_foreign_keys(frames, card)
    else:
        relations = _matched_foreign_keys(frames, profiles)
    found: list[tuple[str | None, Found]] = []
    for name in chosen:
        extra = {column: list(rules) for column, rules in relations.get(name, {}).items()}
        for column, rules in _time_pairs(frames[name]).items():
            extra.setdefault(column, []).extend(rules)
        declared = _declared_key(frames[name], name, card)
        mine = _suggest_table(profiles[name], pasts.get(name), extra=extra, declared=declared)
        found += [(name, item) for item in mine]
    return Suggestions(_numbered(found), table)


def _histories(
    history: pd.DataFrame | Mapping[str, pd.DataFrame] | None, tables: list[str]
) -> dict[str, pd.DataFrame | None]:
    if history is None:
        return {}
    if isinstance(history, Mapping):
        for name in history:
            if name not in tables:
                raise UnknownNameError.for_name(name, tables, kind="table of a history")
        return {name: _history(past, name) for name, past in history.items()}
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
    return {target: _history(history, target)}


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
        for (key,) in (k for k in _keys(profile, dict(profile.table)) if len(k) == 1):
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


# ---------------------------------------------------------------------- timestamps
def _time_pairs(frame: pd.DataFrame) -> dict[str, list[Found]]:
    """For each timestamp column never before another (and sometimes after it), the
    nearest such other: ``compare_columns`` (the order) and ``max_delay`` (how late)."""
    times = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    out: dict[str, list[Found]] = {}
    for later in times:
        best: tuple[pd.Timedelta, str, pd.Series] | None = None
        for since in times:
            if since == later:
                continue
            try:
                delay = (frame[later] - frame[since]).dropna()
            except TypeError:  # one with a time zone, one without
                continue
            if not len(delay) or (delay < pd.Timedelta(0)).any():
                continue
            if not (delay > pd.Timedelta(0)).any():
                continue
            median = delay.median()
            if best is None or median < best[0]:
                best = (median, str(since), delay)
        if best is not None:
            out[str(later)] = _delay_rules(str(later), best[1], best[2])
    return out


def _delay_rules(later: str, since: str, delay: pd.Series) -> list[Found]:
    seconds = delay.dt.total_seconds()
    count = len(seconds)
    equal = int((seconds == 0).sum())
    ties = f" ({equal:,} at the same time)" if equal else ""
    order: Found = (
        "compare_columns",
        {"column": later, "op": ">=", "other": since},
        f"{later} is never before {since} in {count:,} rows{ties}",
    )
    p50, top = float(seconds.median()), float(seconds.max())
    if count >= QUANTILE_MIN_VALUES:
        p999 = float(seconds.quantile(0.999))
        limit = _readable_duration(p999)
        seen = f"p50 {_span(p50)}, p99.9 {_span(p999)}, max {_span(top)}"
        bound, severity = "p99.9", "warn"
    else:
        limit = _readable_duration(top)
        seen = f"p50 {_span(p50)}, max {_span(top)}"
        bound, severity = "the max", "error"
    evidence = f"{later} - {since} in {count:,} rows: {seen}; at most {limit} ({bound}, rounded up)"
    arguments = {"column": later, "since": since, "max": limit}
    return [order, ("max_delay", {**arguments, "severity": severity}, evidence)]


#: Durations a bound is rounded up to (seconds).
_DURATIONS = (
    1, 2, 5, 10, 15, 30,
    60, 2 * 60, 5 * 60, 10 * 60, 15 * 60, 30 * 60,
    3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600,
    86400, 2 * 86400, 3 * 86400, 604800, 2 * 604800, 4 * 604800,
)  # fmt: skip
_UNITS = (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def _readable_duration(seconds: float) -> str:
    """The first readable duration at or above ``seconds``, as max_delay writes it.

    Examples
    --------
    >>> _readable_duration(8220.1), _readable_duration(1277), _readable_duration(0)
    ('3 hours', '30 minutes', '1 second')
    >>> _readable_duration(40 * 86400)
    '6 weeks'
    """
    size = next((d for d in _DURATIONS if d >= seconds), None)
    if size is None:
        size = math.ceil(seconds / 604800) * 604800
    unit, length = next((u, n) for u, n in _UNITS if size % n == 0)
    number = size // length
    return f"{number} {unit}{'' if number == 1 else 's'}"


def _span(seconds: float) -> str:
    """A length of time for people, in its largest unit (``2.28 hours``)."""
    for unit, length in _UNITS[1:]:
        if seconds >= length or length == 1:
            value = seconds / length
            return f"{value:.3g} {unit}{'' if value == 1 else 's'}"
    raise AssertionError("unreachable")  # pragma: no cover


def _history(history: pd.DataFrame | None, table: str | None) -> pd.DataFrame | None:
    if history is None:
        return None
    if not isinstance(history, pd.DataFrame) or not {"metric", "value"} <= set(history.columns):
        raise InvalidValueError(
            "The history given to suggest has no 'metric' and 'value' columns",
            "the recorded metrics of the table, as metrics_history(table) returns them",
            "suggest(profile, history=metrics_history('orders'))",
        )
    require_table(history, table, what="suggest")
    return history


def _series(past: pd.DataFrame | None, metric: str, column: str | None) -> list[float]:
    if past is None or past.empty:
        return []
    mine = past[past["metric"] == metric]
    if "column" in mine.columns:
        mine = mine[mine["column"].isna()] if column is None else mine[mine["column"] == column]
    return [float(v) for v in mine["value"] if v is not None and not math.isnan(float(v))]


def _keys(profile: Any, info: Mapping[str, Any]) -> list[tuple[str, ...]]:
    columns = profile.columns
    family = dict(zip(columns["column"], columns.get("family", [None] * len(columns)), strict=True))
    keys = info.get("candidate_keys")
    if keys is None:  # no key search in the profile: one-column keys from the counts
        keys = [
            (row["column"],)
            for row in columns.to_dict("records")
            if row.get("nulls") == 0
            and row.get("distinct") == info.get("rows")
            and row.get("distinct_exact", True)
        ]
    eligible = [tuple(map(str, k)) for k in keys if all(family.get(c) in _KEY_FAMILIES for c in k)]
    singles: list[tuple[str, ...]] = [k for k in eligible if len(k) == 1]
    return singles or eligible[:1]


def _column(
    column: Mapping[str, Any], rows: int, keys: list[tuple[str, ...]], past: pd.DataFrame | None
) -> list[tuple[str, dict[str, Any], str]]:
    name, family = str(column["column"]), str(column.get("family"))
    non_null = int(_get(column, "non_null", rows - int(_get(column, "nulls", 0))))
    nulls = int(_get(column, "nulls", 0))
    out: list[tuple[str, dict[str, Any], str]] = []
    if rows:
        out += _completeness(name, rows, nulls, past)
    if (name,) in keys:
        distinct = int(_get(column, "distinct", rows))
        evidence = f"{distinct:,} distinct values in {rows:,} rows, no nulls: a candidate key"
        out.append(("unique", {"columns": [name]}, evidence))
    for key in keys:
        if len(key) > 1 and key[-1] == name:
            out.append(
                (
                    "unique",
                    {"columns": list(key)},
                    f"no two of the {rows:,} rows share ({', '.join(key)})",
                )
            )
    if not non_null:
        return out
    if family in _NUMERIC and column.get("semantic_type") != "identifier":
        out += _range(name, family, column, non_null)
    if family in _TEXT:
        out += _values(name, column, non_null)
        out += _patterns(name, column, non_null)
    if family in _TIME:
        out += _not_future(name, column)
    return out


def _get(column: Mapping[str, Any], key: str, default: Any) -> Any:
    value = column.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    return value


def _completeness(
    name: str, rows: int, nulls: int, past: pd.DataFrame | None
) -> list[tuple[str, dict[str, Any], str]]:
    earlier = _series(past, "nulls", name)
    runs = len(earlier)
    if nulls == 0 and not any(earlier):
        where = f" here and in {runs} recorded run{'s' if runs != 1 else ''}" if runs else ""
        return [("not_null", {"column": name}, f"0 nulls in {rows:,} rows{where}")]
    share = nulls / rows
    shares = [share, *_series(past, "null_share", name)]
    worst = max(shares)
    limit = min(1.0, math.ceil((worst + max(worst / 2, 0.01)) * 100 - 1e-9) / 100)
    seen = f"{_pct(share)} nulls ({nulls:,} of {rows:,} rows)"
    if len(shares) > 1:
        seen += f", at most {_pct(worst)} in {len(shares)} runs"
    return [
        (
            "null_share_at_most",
            {"column": name, "max": limit},
            f"{seen}; max {limit:g} = the largest share plus half of it (at least 1 point)",
        ),
    ]


def _range(
    name: str, family: str, column: Mapping[str, Any], non_null: int
) -> list[tuple[str, dict[str, Any], str]]:
    low, high = _get(column, "min", None), _get(column, "max", None)
    p001, p999 = _get(column, "p001", None), _get(column, "p999", None)
    if low is None or high is None:
        return []
    extremes = f"min {_num(low)}, max {_num(high)}"
    if non_null >= QUANTILE_MIN_VALUES and p001 is not None and p999 is not None:
        lo, hi = _nice(float(p001), float(p999), integer=family == "integer")
        evidence = (
            f"values within [{_num(lo)}, {_num(hi)}] at p0.1..p99.9 ({non_null:,} values:"
            f" p0.1 = {_num(p001)}, p99.9 = {_num(p999)}; {extremes})"
        )
        return [("between", {"column": name, "min": lo, "max": hi, "severity": "warn"}, evidence)]
    lo, hi = _nice(float(low), float(high), integer=family == "integer")
    evidence = f"all {non_null:,} values within [{_num(lo)}, {_num(hi)}] ({extremes})"
    return [("between", {"column": name, "min": lo, "max": hi}, evidence)]


def _values(
    name: str, column: Mapping[str, Any], non_null: int
) -> list[tuple[str, dict[str, Any], str]]:
    distinct = int(_get(column, "distinct", 0))
    top = _get(column, "top_values", None) or ()
    listed = [value for value, _count in top]
    if (
        not 1 < distinct <= IN_SET_MAX
        or not column.get("distinct_exact", True)
        or non_null < 2 * distinct
        or len(listed) < distinct
    ):
        return []
    values = sorted((_plain(v) for v in listed), key=str)
    evidence = f"{distinct} distinct values in {non_null:,} rows, all listed: {format_list(values)}"
    return [("in_set", {"column": name, "values": values}, evidence)]


def _patterns(
    name: str, column: Mapping[str, Any], non_null: int
) -> list[tuple[str, dict[str, Any], str]]:
    from pipelinekit.quality.patterns import anchored

    shares = _get(column, "patterns", None) or {}
    if not shares:
        return []
    number = float(shares.get("integer", 0)) + float(shares.get("decimal", 0))
    if float(shares.get("integer", 0)) >= PATTERN_SHARE or number >= PATTERN_SHARE:
        kind = "integer" if float(shares.get("integer", 0)) >= PATTERN_SHARE else "number"
        share = float(shares["integer"]) if kind == "integer" else number
        return [
            (
                "castable_to",
                {"column": name, "type": kind},
                f"{_pct(share)} of {non_null:,} values read as {kind}s; {_misses(share, non_null)}",
            )
        ]
    for cls, what in _REGEX_CLASSES.items():
        share = float(shares.get(cls, 0))
        if share >= PATTERN_SHARE:
            return [
                (
                    "matches_regex",
                    {"column": name, "pattern": anchored(cls)},
                    f"{_pct(share)} of {non_null:,} values look like {what};"
                    f" {_misses(share, non_null)}",
                )
            ]
    return []


def _misses(share: float, non_null: int) -> str:
    missing = round((1 - share) * non_null)
    if not missing:
        return "every one matches"
    return f"{missing:,} {'does' if missing == 1 else 'do'} not match"


def _not_future(name: str, column: Mapping[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    newest = _get(column, "max", None)
    if newest is None:
        return []
    try:
        moment = pd.Timestamp(newest)
    except (TypeError, ValueError):
        return []
    now = pd.Timestamp(datetime.now(UTC))
    if (moment.tz_localize("UTC") if moment.tzinfo is None else moment) > now:
        return []
    return [("not_future", {"column": name}, f"the newest value, {moment}, is in the past")]


def _table(
    info: Mapping[str, Any], rows: int, past: pd.DataFrame | None
) -> list[tuple[str, dict[str, Any], str]]:
    out: list[tuple[str, dict[str, Any], str]] = []
    duplicates = info.get("duplicate_rows")
    if duplicates == 0 and rows:
        out.append(("no_duplicate_rows", {}, f"no duplicate rows among {rows:,}"))
    out.append(_row_count(rows, _series(past, "rows", None)))
    return out


def _row_count(rows: int, earlier: list[float]) -> tuple[str, dict[str, Any], str]:
    counts = [float(rows), *earlier]
    if len(counts) == 1:
        lo, hi = math.floor(rows * 0.5), math.ceil(rows * 1.5)
        evidence = f"{rows:,} rows now and no history: ±50 % gives [{lo:,}, {hi:,}]"
        return ("row_count_between", {"min": lo, "max": hi, "severity": "warn"}, evidence)
    series = pd.Series(counts)
    mean, std = float(series.mean()), float(series.std(ddof=1))
    half = max(ROW_COUNT_K * std, 0.1 * mean)
    lo, hi = max(0, math.floor(mean - half)), math.ceil(mean + half)
    rule = f"mean ± {ROW_COUNT_K:g}·std" + (
        "" if ROW_COUNT_K * std >= 0.1 * mean else ", widened to ±10 % of the mean"
    )
    evidence = (
        f"{rows:,} rows now, {len(earlier)} recorded runs: mean {mean:,.0f}, std {std:,.1f};"
        f" {rule} gives [{lo:,}, {hi:,}]"
    )
    return ("row_count_between", {"min": lo, "max": hi, "severity": "warn"}, evidence)


# ---------------------------------------------------------------------- numbers
def _nice(low: float, high: float, *, integer: bool) -> tuple[float | int, float | int]:
    """Round ``low`` down and ``high`` up to two significant digits of the bound or of the
    width, whichever is finer (a year stays a year; 4.99 does not become 0).

    Examples
    --------
    >>> _nice(1.2, 4871.0, integer=False), _nice(312, 849, integer=True)
    ((1.2, 4900), (310, 850))
    >>> _nice(1939, 2006, integer=True), _nice(-705, 0.087, integer=False)
    ((1939, 2006), (-710, 0.087))
    """
    width = _exponent(high - low) if high > low else None
    return _round(low, math.floor, integer, width), _round(high, math.ceil, integer, width)


def _exponent(value: float) -> int:
    return math.floor(math.log10(abs(value))) - 1


def _round(
    value: float, way: Callable[[float], int], integer: bool, width: int | None
) -> float | int:
    if value == 0:
        return 0
    exponent = _exponent(value) if width is None else min(_exponent(value), width)
    if integer:
        exponent = max(exponent, 0)
    steps = value / 10.0**exponent
    if abs(steps - round(steps)) < 1e-9:  # 4.9 / 0.1 is 48.999...: already round
        steps = round(steps)
    if exponent >= 0:
        return int(way(steps)) * 10**exponent
    return round(way(steps) * 10.0**exponent, -exponent)


def _num(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,.6g}" if abs(number) >= 10_000 else f"{number:.6g}"


def _pct(share: float) -> str:
    return f"{share:.1%}".replace("%", " %")


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value YAML and SQL expect."""
    return value.item() if hasattr(value, "item") else value
