"""Metric and schema rules in pandas: one number per table, or the table's columns.

A metric function returns the number :func:`~pipelinekit.quality.result.judge` compares
with ``[min, max]`` — the pandas twin of one SQL aggregate — or ``None`` where SQL gives
NULL (the mean of no values, say). Aggregates skip NULLs, as SQL's do:

=====================  ========================================  ==========================
kind                   pandas                                    SQL
=====================  ========================================  ==========================
null_share_at_most     ``s.isna().mean()``                       ``avg((c IS NULL)::int)``
distinct_count_between ``s.nunique()``                           ``count(DISTINCT c)``
row_count_between      ``len(frame)``                            ``count(*)``
mean_between           ``s.mean()``                              ``avg(c)``
std_between            ``s.std()`` (``ddof=1``)                  ``stddev_samp(c)``
quantile_between       ``s.quantile(q)`` (linear)                ``percentile_cont(q)``
share_between          ``s.dropna().between(low, high).mean()``  ``avg`` of a condition
sum_between            ``s.sum(min_count=1)``                    ``sum(c)``
freshness              ``now - s.max()`` in seconds              ``now - max(c)``
=====================  ========================================  ==========================

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.quality.rule import Rule
>>> from pipelinekit.quality.pandas_rows import NOW, Context
>>> data = pd.DataFrame({"amount": [1.0, 2.0, None, 10.0]})
>>> quantile(Rule("quantile_between", column="amount", q=0.5, max=5), data, Context({}, NOW))
2.0
>>> column_type(Rule("column_type", column="amount", family="integer"), data)
(1, "column 'amount' is float64 (float), expected integer")
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from pipelinekit.catalog.families import compatible, type_family
from pipelinekit.errors import InvalidValueError, format_list
from pipelinekit.quality import pandas_sql
from pipelinekit.quality.pandas_rows import Context, now_of, numbers, utc_times
from pipelinekit.quality.rule import Rule

__all__ = ["METRICS", "SCHEMA_CHECKS", "column_type", "columns_present", "family", "quantile"]


def _number(value: object) -> float | None:
    """A float, or None for NULL/NaN (what SQL would give as NULL)."""
    if value is None or pd.isna(value):
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def null_share(rule: Rule, data: pd.DataFrame, context: Context) -> float | None:
    return float(data[rule.column].isna().mean())


def distinct_count(rule: Rule, data: pd.DataFrame, context: Context) -> float | None:
    return float(data[rule.column].nunique(dropna=True))


def row_count(rule: Rule, data: pd.DataFrame, context: Context) -> float | None:
    return float(len(data))


def mean(rule: Rule, data: pd.DataFrame, context: Context) -> float | None:
    return _number(numbers(rule, data, str(rule.column)).mean())


def std(rule: Rule, data: pd.DataFrame, context: Context) -> float | None:
    return _number(numbers(rule, data, str(rule.column)).std(ddof=1))


def quantile(rule: Rule, data: pd.DataFrame, context: Context) -> float | None:
    q = float(rule.params["q"])
    if not 0 <= q <= 1:
        raise InvalidValueError(f"'q' of rule '{rule.name}' is {q}", "a number from 0 to 1")
    values = numbers(rule, data, str(rule.column)).dropna()
    return _number(values.quantile(q, interpolation="linear")) if len(values) else None


def share(rule: Rule, data: pd.DataFrame, context: Context) -> float | None:
    values = numbers(rule, data, str(rule.column)).dropna()
    if values.empty:
        return None
    low, high = rule.params.get("low"), rule.params.get("high")
    inside = pd.Series(True, index=values.index)
    if low is not None:
        inside &= values >= low
    if high is not None:
        inside &= values <= high
    return float(inside.mean())


def total(rule: Rule, data: pd.DataFrame, context: Context) -> float | None:
    series = data[rule.column]
    numbers(rule, data, str(rule.column))  # refuses a non-numeric column
    return _number(series.sum(min_count=1))  # exact for integers; NULL when all are NULL


def freshness(rule: Rule, data: pd.DataFrame, context: Context) -> float | None:
    newest = utc_times(rule, data, str(rule.column)).max()
    if pd.isna(newest):
        return None
    return float((now_of(rule, context) - newest).total_seconds())


def sql_metric(rule: Rule, data: pd.DataFrame, context: Context) -> float | None:
    return pandas_sql.value(str(rule.params["query"]), data, context.tables)


#: The metric kinds: kind -> function giving the value (None: no value, as SQL NULL).
METRICS: dict[str, Callable[[Rule, pd.DataFrame, Context], float | None]] = {
    "null_share_at_most": null_share,
    "distinct_count_between": distinct_count,
    "row_count_between": row_count,
    "mean_between": mean,
    "std_between": std,
    "quantile_between": quantile,
    "share_between": share,
    "sum_between": total,
    "freshness": freshness,
    "sql_metric": sql_metric,
}

# -- schema -----------------------------------------------------------------------------

_INFERRED = {
    "string": "string",
    "empty": "string",
    "integer": "integer",
    "floating": "float",
    "mixed-integer-float": "float",
    "decimal": "decimal",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "datetime64": "datetime",
}


def family(series: pd.Series) -> str:
    """The family of a column's type, as ``column_type`` names them.

    The dtype's name is read by :func:`pipelinekit.catalog.families.type_family` (as the
    SQL engines read their type names); an ``object`` column by the values it holds.

    Examples
    --------
    >>> family(pd.Series([1, 2])), family(pd.Series(["a"])), family(pd.Series([1.5]))
    ('integer', 'string', 'float')
    >>> family(pd.Series(["a"], dtype="category")), family(pd.Series([True]))
    ('category', 'boolean')
    >>> import datetime
    >>> family(pd.Series([datetime.date(2024, 6, 1)])), family(pd.Series([[1, 2]]))
    ('date', 'other')
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if isinstance(dtype, pd.ArrowDtype):
        return _arrow_family(dtype)
    if pd.api.types.is_object_dtype(dtype):
        return _INFERRED.get(pd.api.types.infer_dtype(series, skipna=True), "other")
    return type_family(str(dtype))


def _arrow_family(dtype: pd.ArrowDtype) -> str:
    import pyarrow as pa

    kind = dtype.pyarrow_dtype
    tests = [
        (pa.types.is_boolean, "boolean"),
        (pa.types.is_integer, "integer"),
        (pa.types.is_floating, "float"),
        (pa.types.is_decimal, "decimal"),
        (pa.types.is_timestamp, "datetime"),
        (pa.types.is_date, "date"),
        (pa.types.is_dictionary, "category"),
        (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t), "string"),
    ]
    return next((name for test, name in tests if test(kind)), "other")


def column_type(rule: Rule, data: pd.DataFrame) -> tuple[int, str]:
    """(problems, details): 1 when the column's family is not ``family``.

    A category and text agree (:func:`~pipelinekit.catalog.families.compatible`): a
    database keeps a pandas category as plain text.
    """
    wanted = str(rule.params["family"]).lower()
    found = family(data[rule.column])
    if compatible(wanted, found):
        return 0, ""
    dtype = data[rule.column].dtype
    return 1, f"column '{rule.column}' is {dtype} ({found}), expected {wanted}"


def columns_present(rule: Rule, data: pd.DataFrame) -> tuple[int, str]:
    """(problems, details): each missing column, and each extra one with ``exact: true``."""
    have = [str(column) for column in data.columns]
    wanted = [str(column) for column in rule.params["columns"]]
    missing = [column for column in wanted if column not in have]
    others = [column for column in have if column not in wanted]
    extra = others if str(rule.params.get("exact", False)).lower() == "true" else []
    details = []
    if missing:
        renamed = f" (renamed? the table also has {format_list(others)})" if others else ""
        details.append(f"missing column {format_list(missing)}{renamed}")
    if extra:
        details.append(f"unexpected column {format_list(extra)}")
    return len(missing) + len(extra), "; ".join(details)


#: The schema kinds: kind -> function giving (number of problems, details).
SCHEMA_CHECKS: dict[str, Callable[[Rule, pd.DataFrame], tuple[int, str]]] = {
    "column_type": column_type,
    "columns_present": columns_present,
}
