"""Smaller checks on a table: its schema, row count, unique key and value ranges.

Each looks at one property of the learner's DataFrame, so an exercise can give points
for a right schema even when the values are still wrong. Compare whole tables with
:func:`~pipelinekit.grading.checks.frame_equal`.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.grading.checks_frames import row_count, schema
>>> orders = pd.DataFrame({"order_id": [1, 2, 3], "amount": [9.5, 20.0, 4.25]})
>>> schema(orders, {"order_id": "integer", "amount": "float"}).score
1.0
>>> print(row_count(orders, 3))
✓ row_count: 3 rows, as expected (score 1.00)
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, format_list
from pipelinekit.grading.checks_feedback import (
    _column_hint,
    _Findings,
    _kind_hint,
    _named,
    _not_a_frame,
    _plural,
    _row_count_hint,
    _show_rows,
    _type_hint,
    describe_value,
)
from pipelinekit.grading.checks_guards import _never_crash, _require_frame
from pipelinekit.grading.checks_values import Kind, column_kind, column_tokens, dtype_kind
from pipelinekit.grading.result import CheckResult


def _schema_spec(expected: object) -> dict[object, str]:
    if isinstance(expected, pd.DataFrame):
        _require_frame(expected, "schema")
        return {c: column_kind(expected[c]) for c in expected.columns}
    if isinstance(expected, Mapping) and expected:
        kinds = Kind.__args__  # type: ignore[attr-defined]
        try:
            return {c: k if k in kinds else dtype_kind(k) for c, k in expected.items()}
        except TypeError as error:
            raise InvalidValueError(
                f"Schema {expected!r}", f"column names mapped to one of {format_list(kinds)}"
            ) from error
    raise InvalidValueError(
        f"The expected schema is {describe_value(expected)}",
        "a DataFrame or a mapping of column names to kinds ({'n': 'integer'})",
    )


@_never_crash
def schema(answer: object, expected: pd.DataFrame | Mapping[str, str]) -> CheckResult:
    """Check the column names and the kind of each column (integer, float, string, ...).

    The score is the share of columns, of all named on either side, that are present
    with the right kind.

    Examples
    --------
    >>> answer = pd.DataFrame({"day": ["2024-01-01"], "n": [1.0]})
    >>> result = schema(answer, {"day": "datetime", "n": "integer"})
    >>> result.score
    0.0
    >>> print(result.message)
    Column 'day' holds string values, datetime expected; column 'n' holds float values, ...
    """
    spec = _schema_spec(expected)
    wrong = _not_a_frame(answer, list(spec), "schema")
    if wrong is not None:
        return wrong
    assert isinstance(answer, pd.DataFrame)
    found = _Findings()
    actual = {c: column_kind(answer[c]) for c in answer.columns}
    missing = [c for c in spec if c not in actual]
    extra = [c for c in actual if c not in spec]
    if missing or extra:
        found.add(
            "; ".join(
                [f"missing {_named('column', missing)}"] * bool(missing)
                + [f"unexpected {_named('column', extra)}"] * bool(extra)
            ),
            _column_hint(answer, missing, extra),
        )
    kinds_off = [c for c in spec if c in actual and actual[c] != spec[c]]
    for column in kinds_off:
        found.add(
            f"column '{column}' holds {actual[column]} values, {spec[column]} expected",
            _kind_hint(column, actual[column], spec[column]),
        )
    right = len(spec) - len(missing) - len(kinds_off)
    total = len(spec) + len(extra)
    return found.result("schema", right / total if total else 1.0, f"All {len(spec)} columns match")


@_never_crash
def row_count(answer: object, expected: int | pd.DataFrame | pd.Series) -> CheckResult:
    """Check the number of rows; scores 1 or 0, with how far off and why that may be.

    Examples
    --------
    >>> result = row_count(pd.DataFrame({"a": range(12)}), 10)
    >>> print(result)
    ✗ row_count: 12 rows, 10 expected (+20 %) (score 0.00)
      Hint: 2 rows too many: duplicates from a join on a non-unique key, ...
    """
    if isinstance(expected, pd.DataFrame | pd.Series):
        expected = len(expected)
    if not isinstance(expected, numbers.Integral) or isinstance(expected, bool) or expected < 0:
        raise InvalidValueError(
            f"Expected row count {expected!r}", "a whole number >= 0 or a DataFrame"
        )
    if not isinstance(answer, pd.DataFrame | pd.Series):
        return CheckResult(
            "row_count",
            0.0,
            f"Expected a DataFrame, found {describe_value(answer)}",
            _type_hint(answer, "DataFrame"),
        )
    found_rows, wanted = len(answer), int(expected)
    if found_rows == wanted:
        return CheckResult("row_count", 1.0, f"{_plural(wanted, 'row')}, as expected")
    change = f" ({(found_rows - wanted) / wanted:+.0%})".replace("%", " %") if wanted else ""
    return CheckResult(
        "row_count",
        0.0,
        f"{found_rows} rows, {wanted} expected{change}",
        _row_count_hint(found_rows, wanted),
    )


@_never_crash
def unique_key(answer: object, columns: str | Sequence[str]) -> CheckResult:
    """Check that ``columns`` identify every row: no repeated and no NULL key.

    The score is the share of rows whose key is present and unique.

    Examples
    --------
    >>> orders = pd.DataFrame({"order_id": [1, 2, 2, 3]})
    >>> result = unique_key(orders, "order_id")
    >>> result.score, result.message
    (0.5, "1 key of 'order_id' appears more than once (2 rows); 2 of 4 rows have a unique key")
    """
    keys = [columns] if isinstance(columns, str) else list(columns)
    if not keys:
        raise InvalidValueError("No key columns", "one or more column names")
    wrong = _not_a_frame(answer, keys, "unique_key")
    if wrong is not None:
        return wrong
    assert isinstance(answer, pd.DataFrame)
    absent = [k for k in keys if k not in answer.columns]
    if absent:
        return CheckResult(
            "unique_key",
            0.0,
            f"Key {_named('column', absent)} not found",
            _column_hint(answer, absent, [c for c in answer.columns if c not in keys]),
        )
    if not len(answer):
        return CheckResult("unique_key", 1.0, "No rows, so no repeated keys")
    tokens = pd.DataFrame({str(i): column_tokens(answer[k]) for i, k in enumerate(keys)})
    null = (tokens == "null").any(axis=1).to_numpy()
    repeated = tokens.duplicated(keep=False).to_numpy() & ~null
    good = len(answer) - int(repeated.sum()) - int(null.sum())
    found = _Findings()
    label = format_list(keys)
    if repeated.any():
        n_keys = len(tokens[repeated].drop_duplicates())
        found.add(
            f"{_plural(n_keys, 'key')} of {label} {'appears' if n_keys == 1 else 'appear'} more "
            f"than once ({_plural(int(repeated.sum()), 'row')})",
            "a join on a non-unique key repeats rows; drop_duplicates(subset=...) or aggregate",
        )
        found.details.append(
            _show_rows(answer, np.flatnonzero(repeated), "Rows with a repeated key")
        )
    if null.any():
        found.add(
            f"{_plural(int(null.sum()), 'row')} {'has' if null.sum() == 1 else 'have'} a NULL key",
            "a key must be present: drop or fill the rows without one",
        )
    if found.problems:
        found.problems.append(f"{good} of {_plural(len(answer), 'row')} have a unique key")
    return found.result("unique_key", good / len(answer), f"{label} is a unique key")


@_never_crash
def value_range(
    answer: object, column: str, low: Any = None, high: Any = None, *, allow_null: bool = True
) -> CheckResult:
    """Check that every value of ``column`` lies within ``[low, high]`` (both included).

    The score is the share of values in range; NULLs count as in range unless
    ``allow_null`` is False.

    Examples
    --------
    >>> prices = pd.DataFrame({"price": [5.0, -1.0, 12.5, None]})
    >>> result = value_range(prices, "price", 0, 100)
    >>> result.score
    0.75
    >>> print(result.message)
    1 of 4 values of 'price' lies outside [0, 100]
    """
    if low is None and high is None:
        raise InvalidValueError("value_range without bounds", "low, high or both")
    if low is not None and high is not None and low > high:
        raise InvalidValueError(f"low={low!r} above high={high!r}", "low <= high")
    bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
    wrong = _not_a_frame(answer, [column], "value_range")
    if wrong is not None:
        return wrong
    assert isinstance(answer, pd.DataFrame)
    if column not in answer.columns:
        return CheckResult(
            "value_range",
            0.0,
            f"Column '{column}' not found",
            _column_hint(answer, [column], list(answer.columns)),
        )
    values = answer[column]
    if not len(values):
        return CheckResult("value_range", 1.0, f"No values of '{column}' to check")
    null = values.isna().to_numpy()
    try:
        inside = np.ones(len(values), dtype=bool)
        if low is not None:
            inside &= (values >= low).fillna(False).to_numpy(dtype=bool)
        if high is not None:
            inside &= (values <= high).fillna(False).to_numpy(dtype=bool)
    except TypeError:
        return CheckResult(
            "value_range",
            0.0,
            f"Column '{column}' holds {column_kind(values)} values that cannot be compared "
            f"with {bounds}",
            _kind_hint(
                column,
                column_kind(values),
                "float" if isinstance(low or high, float) else "integer",
            ),
        )
    good = inside | (null if allow_null else False)
    if good.all():
        return CheckResult("value_range", 1.0, f"All values of '{column}' lie within {bounds}")
    outside = np.flatnonzero(~good)
    verb = "lies" if len(outside) == 1 else "lie"
    return CheckResult(
        "value_range",
        float(good.mean()),
        f"{len(outside)} of {len(values)} values of '{column}' {verb} outside {bounds}",
        "look at how these values were computed (units, signs, a division) or filter them out",
        _show_rows(answer, outside, "Rows out of range"),
    )
