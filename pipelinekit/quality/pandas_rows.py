"""Row-level rules in pandas: one boolean mask per kind, ``True`` where a row fails.

Each function below is the pandas twin of one ``WHERE`` clause that :mod:`.compile`
writes for DuckDB and PostgreSQL, and follows the SQL meaning exactly:

* a NULL (``None``, ``NaN``, ``NaT``, ``pd.NA``) in the checked column **passes**, as in
  a SQL ``CHECK`` constraint — only ``not_null`` looks at NULLs;
* text is compared character by character (code points, as DuckDB ``length`` and
  PostgreSQL ``length`` in a UTF-8 database count);
* timestamps are compared in UTC; a timestamp without a time zone is taken as UTC.

:data:`CASTABLE_PATTERNS` holds the one regular expression per type that ``castable_to``
uses — the same text as the SQL engines (:data:`.compile.CAST_PATTERNS`), so every
engine gives the same verdict.

A text rule on a column that does not hold text reads the values as SQL's ``CAST(...
AS VARCHAR)`` would: integers as digits, booleans as ``true``/``false``. (Floats and
timestamps are written differently by DuckDB, PostgreSQL and Python — ``1.0`` or
``1`` — so a text rule on them may not agree across engines; cast them yourself.)

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.quality.rule import Rule
>>> data = pd.DataFrame({"amount": [5.0, -1.0, None, 9000.0]})
>>> between(Rule("between", column="amount", min=0, max=5000), data, Context({}, NOW))
array([False,  True, False,  True])
"""

from __future__ import annotations

import dataclasses
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality import pandas_sql
from pipelinekit.quality.compile import CAST_PATTERNS
from pipelinekit.quality.rule import Rule, duration_seconds

__all__ = [
    "CASTABLE_PATTERNS",
    "ROW_CHECKS",
    "Context",
    "between",
    "numbers",
    "text",
    "utc_times",
]

#: One regular expression per type of ``castable_to``: the very text the SQL engines use
#: (:data:`.compile.CAST_PATTERNS`), matched against the whole value.
CASTABLE_PATTERNS: dict[str, str] = CAST_PATTERNS


@dataclasses.dataclass(frozen=True)
class Context:
    """What a check may need besides the table: other tables by name, and now (UTC)."""

    tables: Mapping[str, pd.DataFrame]
    now: pd.Timestamp


NOW = pd.Timestamp("2024-06-01")  # a fixed "now" for examples


# -- reading a column as numbers, text or UTC timestamps --------------------------------


def numbers(rule: Rule, data: pd.DataFrame, column: str) -> pd.Series:
    """The column as float64 (NULL -> NaN); a teaching error for a non-numeric column."""
    series = data[column]
    untyped = pd.api.types.is_object_dtype(series.dtype)
    if untyped and pd.api.types.infer_dtype(series, skipna=True) == "empty":
        return pd.Series(np.nan, index=series.index)  # only NULLs: no type
    if not pd.api.types.is_numeric_dtype(series.dtype):
        raise InvalidValueError(
            f"Rule '{rule.name}' needs numbers but column '{column}' holds {series.dtype}",
            "a numeric column",
            f"convert it first, e.g. pd.to_numeric(frame['{column}'])",
        )
    return series.astype("float64")


def text(rule: Rule, data: pd.DataFrame, column: str) -> pd.Series:
    """The column as Python strings (object dtype, NULL -> NaN), cast as SQL casts to text."""
    series = data[column]
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return series.astype(object)
    if pd.api.types.is_bool_dtype(series.dtype):
        words = {True: "true", False: "false"}
        return series.astype(object).map(lambda v: words.get(v, v))
    return series.astype(object).map(lambda v: v if pd.isna(v) else str(v))


def utc_times(rule: Rule, data: pd.DataFrame, column: str) -> pd.Series:
    """The column as naive UTC timestamps (a zone is converted; no zone means UTC)."""
    series = data[column]
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(series.dtype):
        return series
    if isinstance(series.dtype, pd.ArrowDtype) and series.dtype.kind == "M":  # date, timestamp
        return pd.to_datetime(series.astype(object), utc=True).dt.tz_localize(None)
    if pd.api.types.infer_dtype(series, skipna=True) in ("date", "datetime", "datetime64"):
        return pd.to_datetime(series, utc=True).dt.tz_localize(None)
    if pd.api.types.infer_dtype(series, skipna=True) == "empty":  # only NULLs: no type
        return pd.Series(pd.NaT, index=series.index, dtype="datetime64[us]")
    raise InvalidValueError(
        f"Rule '{rule.name}' needs timestamps but column '{column}' holds {series.dtype}",
        "a datetime or date column",
        f"convert it first, e.g. pd.to_datetime(frame['{column}'])",
    )


def utc(moment: Any) -> pd.Timestamp:
    """A point in time as a naive UTC timestamp (naive input is taken as UTC).

    Examples
    --------
    >>> utc("2024-06-01T12:00:00+02:00"), utc("2024-06-01 12:00")
    (Timestamp('2024-06-01 10:00:00'), Timestamp('2024-06-01 12:00:00'))
    """
    stamp = pd.Timestamp(moment)
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo is not None else stamp


def _failing_present(values: pd.Series, passes: Callable[[pd.Series], Any]) -> np.ndarray:
    """Run ``passes`` on the non-NULL values only; NULL rows pass."""
    present = values.notna().to_numpy(bool)
    failing = np.zeros(len(values), dtype=bool)
    if present.any():
        failing[present] = ~np.asarray(passes(values[present]), dtype=bool)
    return failing


# -- completeness and uniqueness ----------------------------------------------------


def not_null(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """``WHERE column IS NULL`` (NaN counts as NULL)."""
    return data[rule.column].isna().to_numpy(bool)


def not_blank(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """``WHERE length(trim(column)) = 0``: SQL ``trim`` removes spaces only, not tabs."""
    return _failing_present(
        text(rule, data, str(rule.column)), lambda s: s.str.strip(" ").str.len() > 0
    )


def unique(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """Every row of a repeated key fails; a row with a NULL in the key passes."""
    keys = list(rule.columns)
    complete = data[keys].notna().all(axis=1)
    return (complete & data.duplicated(subset=keys, keep=False)).to_numpy(bool)


def no_duplicate_rows(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """Each extra copy of a row fails (the first passes); NULLs compare equal here."""
    return data.duplicated(keep="first").to_numpy(bool)


# -- validity ---------------------------------------------------------------------------


def between(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """``WHERE column < min OR column > max`` (``<=``/``>=`` with ``strict: true``)."""
    values = numbers(rule, data, str(rule.column))
    low, high = rule.params.get("min"), rule.params.get("max")
    strict = str(rule.params.get("strict", False)).lower() == "true"
    below, above = (operator.le, operator.ge) if strict else (operator.lt, operator.gt)
    failing = pd.Series(False, index=values.index)
    if low is not None:
        failing |= below(values, low)
    if high is not None:
        failing |= above(values, high)
    return failing.to_numpy(bool)  # NaN compares False both ways: NULL passes


def _listed(rule: Rule) -> list[Any]:
    """The rule's ``values`` without NULLs (a NULL in a SQL IN list matches nothing)."""
    return [value for value in rule.params["values"] if not pd.isna(value)]


def _category_free(series: pd.Series) -> pd.Series:
    return series.astype(object) if isinstance(series.dtype, pd.CategoricalDtype) else series


def in_set(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """``WHERE column NOT IN (values)`` — NULLs in ``values`` are left out."""
    values = _category_free(data[rule.column])
    return _failing_present(values, lambda s: s.isin(_listed(rule)))


def not_in_set(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """``WHERE column IN (values)``."""
    values = _category_free(data[rule.column])
    return _failing_present(values, lambda s: ~s.isin(_listed(rule)))


def matches_regex(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """``WHERE NOT regexp_matches(column, pattern)``: Python ``re.search`` semantics."""
    search = re.compile(str(rule.params["pattern"])).search
    return _failing_present(
        text(rule, data, str(rule.column)), lambda s: s.map(lambda v: search(v) is not None)
    )


def length_between(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """``WHERE length(column) NOT BETWEEN min AND max`` (characters, not bytes)."""
    low, high = rule.params.get("min"), rule.params.get("max")

    def passes(values: pd.Series) -> pd.Series:
        length = values.str.len()
        return (length >= (low if low is not None else 0)) & (
            length <= (high if high is not None else np.inf)
        )

    return _failing_present(text(rule, data, str(rule.column)), passes)


def castable_to(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """The whole text matches :data:`CASTABLE_PATTERNS` of the type."""
    pattern = CASTABLE_PATTERNS[str(rule.params["type"]).lower()]
    return _failing_present(text(rule, data, str(rule.column)), lambda s: s.str.fullmatch(pattern))


# -- consistency ------------------------------------------------------------------------


def foreign_key(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """Non-NULL values missing from the referenced ``table.column`` fail."""
    target = str(rule.params["to"])
    table, dot, column = target.rpartition(".")
    if not dot or not table:
        raise InvalidValueError(
            f"'to' of rule '{rule.name}' is {target!r}",
            "a 'table.column' such as 'customers.customer_id'",
        )
    if table not in context.tables:
        raise UnknownNameError.for_name(
            table, context.tables, kind="table", hint="pass the table in tables={...}"
        )
    parent = context.tables[table]
    if column not in parent.columns:
        raise UnknownNameError.for_name(column, map(str, parent.columns), kind="column")
    known = _category_free(parent[column]).dropna().unique()
    return _failing_present(_category_free(data[rule.column]), lambda s: s.isin(known))


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "!=": operator.ne,
}


def _comparable(rule: Rule, data: pd.DataFrame, column: str) -> pd.Series:
    series = data[column]
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
        series.dtype
    ):
        return utc_times(rule, data, column)
    return _category_free(series)


def compare_columns(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """``WHERE NOT (column op other)``; a NULL on either side passes."""
    left = _comparable(rule, data, str(rule.column))
    right = _comparable(rule, data, str(rule.params["other"]))
    both = (left.notna() & right.notna()).to_numpy(bool)
    failing = np.zeros(len(data), dtype=bool)
    if both.any():
        holds = _OPERATORS[str(rule.params["op"])](left[both], right[both])
        failing[both] = ~np.asarray(holds, dtype=bool)
    return failing


def conditional(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """Where ``when`` is TRUE and ``then`` is FALSE (SQL conditions, run by DuckDB)."""
    when, then = rule.params["when"], rule.params["then"]
    return pandas_sql.rows_where(data, f"({when}) AND NOT ({then})", what="condition")


def reconcile_totals(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """``column`` differs from the sum of ``expression`` over ``table``'s rows with the same
    ``key`` by more than ``tolerance`` (a key with no rows there sums to 0; a row whose
    key or ``column`` is NULL passes, as the SQL comparison is NULL)."""
    name, key = str(rule.params["parts"]), str(rule.params["key"])
    if name not in context.tables:
        raise UnknownNameError.for_name(
            name, context.tables, kind="table", hint="pass the table in tables={...}"
        )
    parts = context.tables[name]
    if key not in parts.columns:
        raise UnknownNameError.for_name(key, map(str, parts.columns), kind="column")
    parts = parts.reset_index(drop=True)
    amounts = pandas_sql.amounts(parts, str(rule.params["expression"]))
    totals = amounts.groupby(_category_free(parts[key]), dropna=True).sum()
    expected = _category_free(data[key]).map(totals).astype("float64").fillna(0.0)
    tolerance = float(rule.params.get("tolerance", 0.01))
    values = numbers(rule, data, str(rule.column)).where(data[key].notna())  # NULL key passes
    return _failing_present(values, lambda s: (s - expected[s.index]).abs() <= tolerance)


# -- timeliness -------------------------------------------------------------------------


def now_of(rule: Rule, context: Context) -> pd.Timestamp:
    """The rule's ``now`` parameter if it has one, else the time of the check (UTC)."""
    given = rule.params.get("now")
    return utc(given) if given is not None else utc(context.now)


def not_future(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """``WHERE column > now`` (in UTC)."""
    return (utc_times(rule, data, str(rule.column)) > now_of(rule, context)).to_numpy(bool)


def max_delay(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """``WHERE column - since > max``: a row that arrived too late fails."""
    delay = utc_times(rule, data, str(rule.column)) - utc_times(
        rule, data, str(rule.params["since"])
    )
    limit = duration_seconds(str(rule.params["max"]))
    return (delay.dt.total_seconds() > limit).to_numpy(bool)  # NaT gives NaN: passes


# -- custom -----------------------------------------------------------------------------


def sql_predicate(rule: Rule, data: pd.DataFrame, context: Context) -> np.ndarray:
    """``WHERE NOT (expression)`` — a SQL condition, so DuckDB runs it over the frame."""
    return pandas_sql.rows_where(data, f"NOT ({rule.params['expression']})", what="condition")


#: The row-level kinds: kind -> function giving the failing rows' mask.
ROW_CHECKS: dict[str, Callable[[Rule, pd.DataFrame, Context], np.ndarray]] = {
    "not_null": not_null,
    "not_blank": not_blank,
    "unique": unique,
    "no_duplicate_rows": no_duplicate_rows,
    "between": between,
    "in_set": in_set,
    "not_in_set": not_in_set,
    "matches_regex": matches_regex,
    "length_between": length_between,
    "castable_to": castable_to,
    "foreign_key": foreign_key,
    "compare_columns": compare_columns,
    "conditional": conditional,
    "reconcile_totals": reconcile_totals,
    "not_future": not_future,
    "max_delay": max_delay,
    "sql_predicate": sql_predicate,
}
