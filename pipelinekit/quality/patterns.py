"""Pattern classes of text values, and the semantic type a profile infers for a column.

A text column often holds something more specific than "text": e-mail addresses,
numbers stored as text, dates stored as text. The profile puts every non-null text value
in exactly one **pattern class** — the first of :data:`PATTERNS` whose regular expression
matches the whole value, ``"other"`` when none does — and reports the share of each
class. A column of e-mail addresses with 1 % malformed ones shows
``{"email": 0.99, "other": 0.01}``: the malformed ones are the 1 %.

The expressions use only what DuckDB (RE2), PostgreSQL (``~``) and Python's ``re`` read
the same way (``[0-9]`` rather than ``\\d``), so every engine puts a value in the same
class; :func:`pattern_class` is the Python twin, used as the oracle in tests.

From the column's type family, its pattern shares, its number of distinct values and its
name, :func:`semantic_type` infers what the column *is* ("identifier", "email",
"category", "measure", ...), which the suggestions and the catalog build on.

Examples
--------
>>> [pattern_class(v) for v in ["ada@example.com", "ada.example.com", " 42", "2024-05-01"]]
['email', 'other', 'other', 'date']
>>> semantic_type("email", "string", non_null=100, distinct=98, patterns={"email": 0.99})
'email'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

__all__ = [
    "CLASSES",
    "PATTERNS",
    "SEMANTIC_TYPES",
    "TEXT_FAMILIES",
    "anchored",
    "dominant_pattern",
    "pattern_class",
    "pattern_shares",
    "semantic_type",
]

#: Pattern classes in the order they are tried; the first whose expression matches the
#: whole value wins, so ``"42"`` is an integer and not a decimal nor a phone number.
PATTERNS: Final[dict[str, str]] = {
    "blank": r"\s*",
    "integer": r"[+-]?[0-9]+",
    "decimal": r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?",
    "date": r"[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}|[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{2,4}",
    "timestamp": (
        r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?"
        r" ?(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?)?"
    ),
    "uuid": r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    "email": r"[^@\s]+@[^@\s]+\.[^@\s]+",
    "url": r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s]+|www\.[^\s]+",
    "phone": r"[+(]?[0-9][0-9 ().-]{5,}[0-9]",
}

#: Every class a value can fall in: those of :data:`PATTERNS`, then ``"other"``.
CLASSES: Final[tuple[str, ...]] = (*PATTERNS, "other")

#: Type families whose values are text and get pattern classes.
TEXT_FAMILIES: Final[tuple[str, ...]] = ("string", "category")

#: What :func:`semantic_type` can answer.
SEMANTIC_TYPES: Final[tuple[str, ...]] = (
    "empty",
    "constant",
    "boolean",
    "timestamp",
    "date",
    "email",
    "url",
    "phone",
    "identifier",
    "numeric-as-text",
    "date-as-text",
    "timestamp-as-text",
    "category",
    "free text",
    "text",
    "measure",
    "other",
)

_COMPILED = {name: re.compile(body) for name, body in PATTERNS.items()}
_ID_NAME = re.compile(r"(^|_)(id|key|uuid|guid|code|number|no|nr)$|[a-z]Id$|ID$")
# A pattern class must describe at least this share of the values to name the column.
_DOMINANT = 0.9
# A text column with at most this many distinct values (each repeated, on average) or
# with distinct values at most this share of its values is a category.
_CATEGORY_DISTINCT = 50
_CATEGORY_SHARE = 0.05
_FREE_TEXT_LENGTH = 30


def anchored(name: str) -> str:
    """The expression of class ``name`` anchored to match a whole value, as SQL uses it.

    Examples
    --------
    >>> anchored("integer")
    '^(?:[+-]?[0-9]+)$'
    """
    return f"^(?:{PATTERNS[name]})$"


def pattern_class(value: str) -> str:
    """The pattern class of one text value (the Python twin of the SQL expression).

    Examples
    --------
    >>> [pattern_class(v) for v in ["", "-7", "3.5e2", "2024-05-01 10:30:00", "+44 20 7946 0958"]]
    ['blank', 'integer', 'decimal', 'timestamp', 'phone']
    >>> [pattern_class(v) for v in ["https://x.org/a", "ada@@example.com", "Ada Lovelace"]]
    ['url', 'other', 'other']
    """
    for name, expression in _COMPILED.items():
        if expression.fullmatch(value):
            return name
    return "other"


def pattern_shares(values: object) -> dict[str, float]:
    """The share of each pattern class among the non-null values of an iterable.

    Classes no value falls in are left out; an iterable without values gives ``{}``.

    Examples
    --------
    >>> pattern_shares(["a@b.io", "c@d.io", "oops", None])
    {'email': 0.6666666666666666, 'other': 0.3333333333333333}
    """
    counts: dict[str, int] = {}
    total = 0
    for value in values:  # type: ignore[attr-defined]
        if value is None or value != value:  # None or NaN
            continue
        name = pattern_class(str(value))
        counts[name] = counts.get(name, 0) + 1
        total += 1
    return {name: counts[name] / total for name in CLASSES if name in counts}


def dominant_pattern(patterns: Mapping[str, float]) -> tuple[str, float] | None:
    """The most common class other than ``"other"``, with its share; None if there is none.

    Examples
    --------
    >>> dominant_pattern({"email": 0.97, "other": 0.03})
    ('email', 0.97)
    >>> dominant_pattern({"other": 1.0}) is None
    True
    """
    named = [(share, name) for name, share in patterns.items() if name != "other" and share > 0]
    if not named:
        return None
    share, name = max(named)
    return name, share


def semantic_type(
    column: str,
    family: str,
    *,
    non_null: int,
    distinct: int | None,
    patterns: Mapping[str, float] | None = None,
    is_key: bool = False,
    mean_length: float | None = None,
    low: object = None,
    high: object = None,
) -> str:
    """What a column holds, inferred from its family, patterns, cardinality and name.

    Parameters
    ----------
    column : str
        The column's name (``customer_id`` reads as an identifier).
    family : str
        Its type family (:func:`pipelinekit.catalog.type_family`).
    non_null, distinct : int
        How many values are present, and how many of them differ.
    patterns : dict, optional
        Share of each pattern class among the values (text columns).
    is_key : bool
        Whether the column alone is a candidate key (unique, no nulls).
    mean_length : float, optional
        The mean number of characters (text columns).
    low, high : optional
        The smallest and largest value (an integer column of 0 and 1 is a boolean).

    Returns
    -------
    str
        One of :data:`SEMANTIC_TYPES`.

    Examples
    --------
    >>> semantic_type("order_id", "integer", non_null=500, distinct=500, is_key=True)
    'identifier'
    >>> semantic_type("status", "category", non_null=500, distinct=3)
    'category'
    >>> semantic_type("amount", "float", non_null=500, distinct=480)
    'measure'
    >>> semantic_type("code", "string", non_null=9, distinct=9, patterns={"integer": 1.0})
    'identifier'
    >>> semantic_type("total", "string", non_null=9, distinct=9, patterns={"decimal": 1.0})
    'numeric-as-text'
    >>> semantic_type("note", "string", non_null=0, distinct=0)
    'empty'
    """
    patterns = patterns or {}
    if non_null == 0:
        return "empty"
    if distinct == 1:
        return "constant"
    if family == "boolean":
        return "boolean"
    if family in ("datetime", "date"):
        return "timestamp" if family == "datetime" else "date"
    unique_share = (distinct or 0) / non_null
    id_like = bool(_ID_NAME.search(column)) and (is_key or unique_share >= 0.01)
    if family in TEXT_FAMILIES:
        found = dominant_pattern(patterns)
        name, share = found if found else ("other", 0.0)
        if share >= _DOMINANT:
            if name == "blank":
                return "empty"
            if name in ("email", "url", "phone"):
                return name
            if name == "uuid":
                return "identifier"
        if mean_length is not None and mean_length >= _FREE_TEXT_LENGTH:
            return "free text"
        if id_like:
            return "identifier"
        if share >= _DOMINANT and name in ("integer", "decimal"):
            return "numeric-as-text"
        if share >= _DOMINANT and name in ("date", "timestamp"):
            return f"{name}-as-text"
        if is_key:
            return "identifier"
        few = (distinct or 0) <= _CATEGORY_DISTINCT and unique_share <= 0.5
        if family == "category" or few or unique_share <= _CATEGORY_SHARE:
            return "category"
        return "text"
    if family in ("integer", "decimal", "float"):
        if family == "integer" and (is_key or id_like):
            return "identifier"
        if distinct == 2 and {low, high} == {0, 1}:
            return "boolean"
        return "measure"
    return "other"
