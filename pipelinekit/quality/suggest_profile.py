"""Rules from one table's profile: each column's own rules, then the table's.

:func:`suggest_table` reads a profile (and the table's recorded history, :func:`history`)
and returns what :func:`pipelinekit.quality.suggest.suggest` numbers: ``not_null`` or
``null_share_at_most``, ``unique`` for candidate keys (:func:`keys`), ``between``,
``in_set``, ``matches_regex``, ``castable_to`` and ``not_future`` column by column, then
``no_duplicate_rows``, ``row_count_between`` and ``columns_present``. :func:`profile`
profiles a DataFrame the way these rules need (every value of a small set listed).

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"id": [1, 2, 3], "price": [1.5, 2.0, 3.25]})
>>> [kind for kind, _arguments, _evidence in suggest_table(profile(frame, "orders"), None)]
['not_null', 'unique', 'not_null', 'between', 'no_duplicate_rows', 'row_count_between',
 'columns_present']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from pipelinekit.errors import InvalidValueError, format_list
from pipelinekit.quality.history import require_table
from pipelinekit.quality.suggest_numbers import nice, num, pct, plain

__all__ = [
    "IN_SET_MAX",
    "PATTERN_SHARE",
    "QUANTILE_MIN_VALUES",
    "ROW_COUNT_K",
    "Found",
    "history",
    "keys",
    "profile",
    "suggest_table",
]

#: From this many values on, ``between`` takes p0.1 and p99.9 rather than min and max.
QUANTILE_MIN_VALUES = 1000
#: A pattern class must describe this share of a text column's values.
PATTERN_SHARE = 0.95
#: ``in_set`` is suggested for at most this many distinct values.
IN_SET_MAX = 20
#: ``row_count_between`` with history: mean ± this many standard deviations.
ROW_COUNT_K = 3.0

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

#: (kind, arguments of the Rule, evidence): one suggestion before it is numbered.
Found = tuple[str, dict[str, Any], str]


def profile(frame: pd.DataFrame, name: str | None) -> Any:
    """The profile of ``frame``, listing up to :data:`IN_SET_MAX` values of each column."""
    from pipelinekit.quality.profile import profile as make_profile

    return make_profile(frame, name=name, top=IN_SET_MAX)  # every value of a set


def suggest_table(
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
    table_keys = keys(profile, info)
    if declared is not None:
        table_keys = [
            declared[0],
            *(key for key in table_keys if len(key) == 1 and key != declared[0]),
        ]
    found: list[Found] = []
    for column in profile.columns.to_dict("records"):
        more = (extra or {}).get(str(column["column"]), [])
        mine = _column(column, rows, table_keys, past)
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


def history(history: pd.DataFrame | None, table: str | None) -> pd.DataFrame | None:
    """``history`` checked: recorded metrics (``metric``, ``value``) of ``table``."""
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


def keys(profile: Any, info: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The candidate keys to suggest as ``unique``: the one-column ones, else the first."""
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
    seen = f"{pct(share)} nulls ({nulls:,} of {rows:,} rows)"
    if len(shares) > 1:
        seen += f", at most {pct(worst)} in {len(shares)} runs"
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
    extremes = f"min {num(low)}, max {num(high)}"
    if non_null >= QUANTILE_MIN_VALUES and p001 is not None and p999 is not None:
        lo, hi = nice(float(p001), float(p999), integer=family == "integer")
        evidence = (
            f"values within [{num(lo)}, {num(hi)}] at p0.1..p99.9 ({non_null:,} values:"
            f" p0.1 = {num(p001)}, p99.9 = {num(p999)}; {extremes})"
        )
        return [("between", {"column": name, "min": lo, "max": hi, "severity": "warn"}, evidence)]
    lo, hi = nice(float(low), float(high), integer=family == "integer")
    evidence = f"all {non_null:,} values within [{num(lo)}, {num(hi)}] ({extremes})"
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
    values = sorted((plain(v) for v in listed), key=str)
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
                f"{pct(share)} of {non_null:,} values read as {kind}s; {_misses(share, non_null)}",
            )
        ]
    for cls, what in _REGEX_CLASSES.items():
        share = float(shares.get(cls, 0))
        if share >= PATTERN_SHARE:
            return [
                (
                    "matches_regex",
                    {"column": name, "pattern": anchored(cls)},
                    f"{pct(share)} of {non_null:,} values look like {what};"
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
