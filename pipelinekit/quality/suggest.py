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
import os
from collections.abc import Iterator, Mapping
from html import escape
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError, format_list
from pipelinekit.quality import suggest_profile
from pipelinekit.quality.rule import Rule
from pipelinekit.quality.suggest_profile import IN_SET_MAX as IN_SET_MAX
from pipelinekit.quality.suggest_profile import PATTERN_SHARE as PATTERN_SHARE
from pipelinekit.quality.suggest_profile import QUANTILE_MIN_VALUES as QUANTILE_MIN_VALUES
from pipelinekit.quality.suggest_profile import ROW_COUNT_K as ROW_COUNT_K
from pipelinekit.quality.suggest_profile import Found
from pipelinekit.quality.suggest_tables import FOREIGN_KEY_SHARE as FOREIGN_KEY_SHARE
from pipelinekit.quality.suggest_tables import suggest_tables
from pipelinekit.quality.suggest_time import time_pairs

__all__ = ["HandProfile", "Suggestion", "Suggestions", "suggest"]

Status = Literal["pending", "accepted", "rejected"]


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
        return Suggestions(_numbered(suggest_tables(data, history=history, table=table)), table)
    frame = data if isinstance(data, pd.DataFrame) else None
    profile = suggest_profile.profile(frame, table) if frame is not None else data
    info = dict(profile.table)
    name = table or info.get("name") or None
    if isinstance(history, Mapping):
        raise InvalidValueError(
            "A mapping of histories for one table",
            "the history of that table, as metrics_history(table) returns it",
            "suggest(profile, history=metrics_history('orders'))",
        )
    past = suggest_profile.history(history, name)
    if name is None and past is not None and past.attrs.get("table"):
        name = str(past.attrs["table"])
    pairs = time_pairs(frame) if frame is not None else {}
    found = suggest_profile.suggest_table(profile, past, extra=pairs)
    return Suggestions(_numbered([(name, f) for f in found]), name)


def _numbered(found: list[tuple[str | None, Found]]) -> list[Suggestion]:
    return [
        Suggestion(i, Rule(kind, table=name, **arguments), evidence)
        for i, (name, (kind, arguments, evidence)) in enumerate(found, start=1)
    ]
