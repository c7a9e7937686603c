"""Checks the grader runs on a learner's answer, with partial credit and hints that teach.

Each check compares an ``answer`` (whatever the learner's notebook produced) with what
the exercise expects and returns a :class:`~pipelinekit.grading.result.CheckResult`. A
hidden check cell of an exercise calls them, e.g. ``checks = [frame_equal(answer,
expected)]``.

Checks are written for learners: the message says what differs, the details show a few
of the learner's rows (never the expected rows: "3 expected rows are missing"), and the
hint is the more specific the closer the answer is (first the type, then the columns, the
row count, then which columns hold wrong values).

A check never raises because of the answer: an answer of any type scores 0 with a message.
It raises :class:`~pipelinekit.errors.InvalidValueError` when the *expected* side is
wrong, because that is a mistake of the exercise's author and must not go unnoticed.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.grading.checks import frame_equal
>>> expected = pd.DataFrame({"status": ["paid", "shipped"], "n": [3, 5]})
>>> answer = pd.DataFrame({"status": ["shipped", "paid"], "n": [5, 3]})
>>> frame_equal(answer, expected).score
1.0
>>> print(frame_equal(answer.rename(columns={"n": "count"}), expected))
✗ frame_equal: Missing column 'n'; unexpected column 'count' (score 0.57)
  Hint: if 'count' holds what 'n' should, rename it (answer.rename(columns={'count': 'n'}))
"""

from __future__ import annotations

import functools
import json
import math
import numbers
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from pipelinekit.errors import InvalidValueError, PipelinekitError, format_list, nearest
from pipelinekit.grading.result import CheckResult

__all__ = [
    "Kind",
    "column_kind",
    "describe_value",
    "dtype_kind",
    "frame_equal",
    "row_count",
    "scalar_equal",
    "schema",
    "sql_equal",
    "unique_key",
    "value_range",
    "value_token",
]

Kind = Literal[
    "integer", "float", "boolean", "string", "datetime", "timedelta", "category", "object"
]

#: Share of a frame_equal score for the column names, the row count and the values.
WEIGHTS = {"columns": 0.2, "rows": 0.2, "values": 0.6}
MAX_SHOWN = 5  # rows shown in a diff
MAX_ROWS = 5_000_000  # answers with more rows are not compared value by value
_TOLERANCE_PAIRS = 2_000_000  # pairs of leftover rows compared one by one with a tolerance


# --- describing values --------------------------------------------------------------


def _safe_repr(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, or a placeholder when repr fails."""
    try:
        text = repr(value)
    except Exception:
        return f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_value(value: object) -> str:
    """Say what ``value`` is, for a message ("a Series 'n' of 3 values", "None").

    Examples
    --------
    >>> describe_value(None)
    'None'
    >>> describe_value(pd.Series([1, 2], name="n"))
    "a Series 'n' of 2 values"
    >>> describe_value(x for x in [])
    'a generator'
    """
    if value is None:
        return "None"
    if isinstance(value, pd.DataFrame):
        return f"a DataFrame of {len(value)} rows and {len(value.columns)} columns"
    if isinstance(value, pd.Series):
        named = "" if value.name is None else f" '{value.name}'"
        return f"a Series{named} of {len(value)} values"
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    if isinstance(value, list | tuple | dict | set | frozenset):
        return f"{article} {name} of {len(value)} items"
    if isinstance(value, str | numbers.Number | Decimal):
        return f"{article} {name} ({_safe_repr(value, 40)})"
    return f"{article} {name}"


def _type_hint(value: object, wanted: str) -> str:
    """How to turn ``value`` into the ``wanted`` kind of answer."""
    name = type(value).__name__
    module = type(value).__module__ or ""
    if value is None:
        return (
            "the answer is None: make sure the cell assigns the result (a function without "
            "`return` and in-place methods such as sort_values(inplace=True) give None)"
        )
    if name == "generator" or (hasattr(value, "__next__") and hasattr(value, "__iter__")):
        return f"a generator has no values until it is consumed: build the {wanted} from it"
    if name == "DuckDBPyRelation":
        return "that is a DuckDB relation: call .df() on it to get a DataFrame"
    if module.startswith(("pyarrow", "polars")):
        return "convert it with .to_pandas()"
    if name.endswith("GroupBy"):
        return (
            "finish the groupby with an aggregation (.agg(...), .size(), .sum()) and .reset_index()"
        )
    if name == "Styler":
        return "a Styler only displays a table: assign the DataFrame itself (styler.data)"
    if wanted == "DataFrame" and isinstance(value, list | dict):
        return "build a table from it with pd.DataFrame(...)"
    return f"assign a {wanted} to the answer variable"


def _series_hint(answer: pd.Series, expected_columns: Sequence[object]) -> str:
    """Hint for a Series where a DataFrame is expected: reset_index or to_frame."""
    index_names = [n for n in answer.index.names if n is not None]
    missing = [c for c in expected_columns if c not in index_names]
    if index_names and set(index_names) <= set(expected_columns):
        if answer.name in missing and len(missing) == 1:
            return "turn it into a table with .reset_index() (its index becomes a column)"
        if len(missing) == 1:
            return f"turn it into a table with .reset_index(name='{missing[0]}')"
    if answer.name in expected_columns and len(expected_columns) == 1:
        return "turn it into a one-column table with .to_frame()"
    return (
        "a Series is one column: use .reset_index() to keep its index (e.g. groupby keys) "
        "as a column, or .to_frame()"
    )


def _not_a_frame(answer: object, columns: Sequence[object], name: str) -> CheckResult | None:
    """A failing result when ``answer`` is not a DataFrame with unique, flat column names.

    ``columns`` are the expected columns (for the hint on a Series); ``None`` means the
    answer is fine.
    """
    if isinstance(answer, pd.DataFrame):
        return _bad_labels(answer, name)
    if isinstance(answer, pd.Series):
        hint = _series_hint(answer, list(columns))
    else:
        hint = _type_hint(answer, "DataFrame")
    return CheckResult(name, 0.0, f"Expected a DataFrame, found {describe_value(answer)}", hint)


def _bad_labels(answer: pd.DataFrame, name: str) -> CheckResult | None:
    """A failing result for nested or repeated column names; ``None`` when they are fine."""
    if isinstance(answer.columns, pd.MultiIndex):
        return CheckResult(
            name,
            0.0,
            "The columns have several levels (a MultiIndex)",
            "flatten them, e.g. answer.columns = ['_'.join(map(str, c)) for c in answer.columns], "
            "or aggregate with named aggregation: .agg(total=('amount', 'sum'))",
        )
    repeated = answer.columns[answer.columns.duplicated()].unique()
    if len(repeated):
        return CheckResult(
            name,
            0.0,
            f"Column names appear more than once: {format_list(repeated)}",
            "give every column its own name (rename, or drop the copy a join or concat made)",
        )
    return None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _named(word: str, items: Sequence[object]) -> str:
    """``column 'a'`` for one item, ``2 columns 'a', 'b'`` for more."""
    return (
        f"{word} {format_list(items)}"
        if len(items) == 1
        else f"{len(items)} {word}s {format_list(items)}"
    )


# --- kinds of columns ---------------------------------------------------------------


def dtype_kind(dtype: object) -> Kind:
    """The kind of values a dtype holds, ignoring width and nullability.

    Examples
    --------
    >>> dtype_kind("Int64"), dtype_kind("float32"), dtype_kind("str")
    ('integer', 'float', 'string')
    """
    dtype = pd.api.types.pandas_dtype(dtype)
    types = pd.api.types
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if types.is_bool_dtype(dtype):
        return "boolean"
    if types.is_integer_dtype(dtype):
        return "integer"
    if types.is_float_dtype(dtype):
        return "float"
    if types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if types.is_timedelta64_dtype(dtype):
        return "timedelta"
    if dtype != np.dtype(object) and types.is_string_dtype(dtype):
        return "string"
    return "object"


def column_kind(values: pd.Series) -> Kind:
    """The kind of a column; an object column of text counts as ``"string"``.

    Examples
    --------
    >>> column_kind(pd.Series(["a", None], dtype=object))
    'string'
    >>> column_kind(pd.Series([1.5, 2.0]))
    'float'
    """
    kind = dtype_kind(values.dtype)
    if kind == "object" and pd.api.types.infer_dtype(values, skipna=True) == "string":
        return "string"
    return kind


def _kind_hint(column: object, found: str, wanted: str) -> str:
    """How to turn a column of kind ``found`` into kind ``wanted``."""
    where = f"column '{column}'"
    if (found, wanted) == ("float", "integer"):
        return (
            f"{where} holds floats: NaN (e.g. from a left join) turns integers into floats; "
            "fill them (fillna(0)) and use .astype('int64'), or keep NULLs with .astype('Int64')"
        )
    if wanted == "datetime" and found in ("string", "object"):
        return f"parse {where} with pd.to_datetime(...)"
    if wanted in ("integer", "float") and found in ("string", "object"):
        return f"convert {where} with pd.to_numeric(...)"
    if wanted == "string":
        return f"convert {where} with .astype('str')"
    return f"convert {where} to {wanted} values (.astype(...))"


# --- canonical values ---------------------------------------------------------------

_TWO_53 = 2**53


def value_token(value: object, *, digits: int | None = None) -> str:
    """A canonical text for one value, so that equal values give equal tokens.

    NULLs (None, NaN, NA, NaT) all give ``"null"``; ints and floats of the same value
    give the same token; with ``digits``, numbers are rounded to that many significant
    digits. Types are tagged so that ``1``, ``"1"`` and ``True`` stay different.

    Examples
    --------
    >>> value_token(3), value_token(3.0), value_token("3"), value_token(True)
    ('n:3', 'n:3', 's:3', 'b:1')
    >>> value_token(float("nan")) == value_token(None) == "null"
    True
    >>> value_token(2 / 3, digits=4)
    'n:6.667e-01'
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return "null"
    if isinstance(value, bool | np.bool_):
        return "b:1" if value else "b:0"
    if isinstance(value, numbers.Real | Decimal) and not isinstance(value, bool):
        if isinstance(value, numbers.Integral) and digits is None:
            return f"n:{int(value)}"
        return _float_token(float(value), digits)
    if isinstance(value, str):
        if "\\" in value or "\x1e" in value or "\x1f" in value:  # keep separators unique
            value = value.replace("\\", "\\\\").replace("\x1e", "\\x1e").replace("\x1f", "\\x1f")
        return "s:" + value
    if isinstance(value, pd.Timestamp | np.datetime64) or type(value).__name__ == "datetime":
        stamp = pd.Timestamp(value)
        if stamp is pd.NaT:
            return "null"
        tag = "T:" if stamp.tzinfo else "t:"  # an instant, or a wall-clock time
        try:
            return f"{tag}{stamp.value}"  # nanoseconds since 1970 (UTC when an instant)
        except OverflowError:  # beyond the years 1677-2262
            return tag + stamp.isoformat()
    if isinstance(value, pd.Timedelta | np.timedelta64) or type(value).__name__ == "timedelta":
        delta = pd.Timedelta(value)
        return "null" if delta is pd.NaT else f"td:{delta.value}"
    if type(value).__name__ == "date":
        return "d:" + value.isoformat()  # type: ignore[attr-defined]
    if isinstance(value, bytes):
        return "x:" + value.hex()
    if isinstance(value, list | tuple | np.ndarray):
        return "l:" + json.dumps([value_token(v, digits=digits) for v in value])
    if isinstance(value, dict):
        pairs = sorted([value_token(k), value_token(v, digits=digits)] for k, v in value.items())
        return "m:" + json.dumps(pairs)
    return f"o:{type(value).__name__}:{_safe_repr(value, 200)}"


def _float_token(number: float, digits: int | None) -> str:
    """:func:`value_token` of a float (ints that fit a float exactly look like ints)."""
    if number != number:  # NaN
        return "null"
    if math.isinf(number):
        return "n:inf" if number > 0 else "n:-inf"
    if digits is not None:
        return "n:" + format(number + 0.0, f".{digits - 1}e")
    if number.is_integer() and abs(number) < _TWO_53:
        return f"n:{int(number)}"
    return f"n:{number!r}"


def column_tokens(values: pd.Series, *, digits: int | None = None) -> np.ndarray:
    """:func:`value_token` of every value of a column, as an object array."""
    if values.dtype == np.dtype(object):  # compared value by value: no hashing, no __eq__
        return np.array([value_token(v, digits=digits) for v in values], dtype=object)
    if _is_number(values.dtype):  # the same tokens as value_token, with less work
        if pd.api.types.is_integer_dtype(values.dtype) and digits is None and not values.hasnans:
            return np.array([f"n:{v}" for v in values.tolist()], dtype=object)
        floats = values.to_numpy(dtype="float64", na_value=np.nan).tolist()
        return np.array([_float_token(v, digits) for v in floats], dtype=object)
    kind = dtype_kind(values.dtype)
    if kind in ("datetime", "timedelta"):  # the same tokens as value_token, without a loop
        try:
            if kind == "datetime":
                tag = "t:" if getattr(values.dtype, "tz", None) is None else "T:"
                if tag == "T:":
                    values = values.dt.tz_convert("UTC").dt.tz_localize(None)
                ints = values.dt.as_unit("ns").to_numpy().view("int64")
            else:
                tag, ints = "td:", values.dt.as_unit("ns").to_numpy().view("int64")
        except (OverflowError, ValueError):
            pass  # out of nanosecond range: one value at a time below
        else:
            tokens = np.char.add(tag, ints.astype(str)).astype(object)
            tokens[values.isna().to_numpy()] = "null"
            return tokens
    codes, uniques = pd.factorize(values)
    known = [value_token(v, digits=digits) for v in uniques] + ["null"]  # code -1: NULL
    return np.asarray(known, dtype=object)[codes]


def _is_number(dtype: object) -> bool:
    types = pd.api.types
    return types.is_numeric_dtype(dtype) and not types.is_bool_dtype(dtype)


@dataclass
class _Column:
    """One common column in comparable form: floats compare with a tolerance."""

    name: object
    tolerant: bool
    answer: np.ndarray
    expected: np.ndarray


def _comparable(name: object, answer: pd.Series, expected: pd.Series) -> _Column:
    if _is_number(answer.dtype) and _is_number(expected.dtype):
        integers = all(pd.api.types.is_integer_dtype(s.dtype) for s in (answer, expected))
        if integers and not (answer.hasnans or expected.hasnans):
            try:
                return _Column(
                    name, False, answer.to_numpy(dtype="int64"), expected.to_numpy(dtype="int64")
                )
            except (OverflowError, ValueError, TypeError):
                pass
        return _Column(
            name,
            True,
            answer.to_numpy(dtype="float64", na_value=np.nan),
            expected.to_numpy(dtype="float64", na_value=np.nan),
        )
    return _Column(name, False, column_tokens(answer), column_tokens(expected))


def _rounded(values: np.ndarray, bits: int | None) -> dict[str, np.ndarray]:
    """Float values as exact integer keys: binary (mantissa, exponent) kept to ``bits`` bits.

    ``np.frexp`` splits a float exactly, so this neither overflows nor loses tiny values.
    """
    values = np.asarray(values, dtype="float64") + 0.0  # -0.0 becomes 0.0
    if bits is None:
        return {"v": np.where(np.isnan(values), np.nan, values)}
    finite = np.isfinite(values)
    fraction, exponent = np.frexp(np.where(finite, values, 0.0))
    mantissa = np.round(fraction * 2.0**bits)
    carry = np.abs(mantissa) == 2.0**bits  # rounding up to the next power of two
    mantissa[carry] /= 2
    exponent = exponent.astype("int64") + carry
    exponent[np.isnan(values)] = 10**6
    exponent[np.isposinf(values)] = 10**6 + 1
    exponent[np.isneginf(values)] = 10**6 + 2
    return {"m": mantissa.astype("int64"), "e": exponent}


def _row_keys(columns: Sequence[_Column], side: str, bits: int | None) -> np.ndarray:
    """One 64-bit hash per row of the comparable columns of one side."""
    parts: list[np.ndarray] = []
    for column in columns:
        values = getattr(column, side)
        parts.extend(_rounded(values, bits).values() if column.tolerant else [values])
    keys = np.zeros(len(getattr(columns[0], side)) if columns else 0, dtype="uint64")
    for part in parts:  # mix column hashes in order (uint64 arithmetic wraps around)
        keys = keys * np.uint64(1_000_003) ^ pd.util.hash_array(np.asarray(part))
    return keys


def _match_keys(keys_a: np.ndarray, keys_e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Multiset matching of row keys: which rows of each side have a partner."""
    a, e = pd.Series(keys_a), pd.Series(keys_e)
    occurrence_a = a.groupby(a).cumcount().to_numpy()
    occurrence_e = e.groupby(e).cumcount().to_numpy()
    partners_a = a.map(e.value_counts()).fillna(0).to_numpy()
    partners_e = e.map(a.value_counts()).fillna(0).to_numpy()
    return occurrence_a < partners_a, occurrence_e < partners_e


def _bits(rtol: float) -> int | None:
    """Bits of mantissa that group floats equal within ``rtol`` (None: exact)."""
    return None if rtol <= 0 else int(min(52, max(1, math.ceil(-math.log2(rtol)) + 1)))


def _isclose(answer: ArrayLike, expected: ArrayLike, rtol: float, atol: float) -> np.ndarray:
    with np.errstate(all="ignore"):  # inf - inf and overflowing differences are not errors
        return np.isclose(answer, expected, rtol=rtol, atol=atol, equal_nan=True)


@dataclass
class _Matching:
    matched_answer: np.ndarray  # bool per answer row
    matched_expected: np.ndarray  # bool per expected row
    tolerance_skipped: bool = False

    @property
    def matched(self) -> int:
        return int(self.matched_answer.sum())


def _match_rows(columns: Sequence[_Column], rtol: float, atol: float) -> _Matching:
    """Match rows of answer and expected as multisets, floats within the tolerance.

    Rows are first matched on exact keys (floats rounded to the bits ``rtol`` allows);
    leftover rows are then compared one by one with ``np.isclose``, so values that fall
    on two sides of a rounding boundary still match.
    """
    bits = _bits(rtol)
    matching = _Matching(
        *_match_keys(_row_keys(columns, "answer", bits), _row_keys(columns, "expected", bits))
    )
    tolerant = [c for c in columns if c.tolerant]
    left_a = np.flatnonzero(~matching.matched_answer)
    left_e = np.flatnonzero(~matching.matched_expected)
    if not tolerant or not len(left_a) or not len(left_e):
        return matching
    exact = [c for c in columns if not c.tolerant]
    group_a = _row_keys(exact, "answer", None)[left_a] if exact else np.zeros(len(left_a))
    group_e = _row_keys(exact, "expected", None)[left_e] if exact else np.zeros(len(left_e))
    floats_a = np.column_stack([c.answer for c in tolerant])[left_a]
    floats_e = np.column_stack([c.expected for c in tolerant])[left_e]
    groups = np.intersect1d(group_a, group_e)
    pairs = sum(int((group_a == g).sum()) * int((group_e == g).sum()) for g in groups[:10_000])
    if len(groups) > 10_000 or pairs > _TOLERANCE_PAIRS:
        matching.tolerance_skipped = True
        return matching
    for group in groups:
        rows_a, rows_e = np.flatnonzero(group_a == group), np.flatnonzero(group_e == group)
        free = np.ones(len(rows_e), dtype=bool)
        for row in rows_a:
            close = _isclose(floats_a[row], floats_e[rows_e], rtol, atol)
            partner = np.flatnonzero(close.all(axis=1) & free)
            if len(partner):
                free[partner[0]] = False
                matching.matched_answer[left_a[row]] = True
                matching.matched_expected[left_e[rows_e[partner[0]]]] = True
    return matching


def _equal_by_position(columns: Sequence[_Column], rtol: float, atol: float) -> np.ndarray:
    """Per column (rows) and row (columns): whether the values at the same position agree."""
    length = min(len(columns[0].answer), len(columns[0].expected))
    same = np.ones((length, len(columns)), dtype=bool)
    for i, column in enumerate(columns):
        a, e = column.answer[:length], column.expected[:length]
        if column.tolerant:
            same[:, i] = _isclose(a, e, rtol, atol)
        else:
            same[:, i] = a == e
    return same


def _show_rows(frame: pd.DataFrame, positions: np.ndarray, title: str) -> str:
    """A few rows of ``frame`` (at most MAX_SHOWN) under a title, with "... and N more"."""
    shown = frame.iloc[positions[:MAX_SHOWN]]
    try:
        table = shown.to_string(max_cols=8, max_colwidth=30)
    except Exception:  # values whose repr fails: show a placeholder for them
        plain = shown.astype(object).map(lambda v: _safe_repr(v, 30))
        table = plain.set_axis(positions[:MAX_SHOWN]).to_string(max_cols=8)
    text = f"{title}:\n{table}"
    if len(positions) > MAX_SHOWN:
        text += f"\n... and {len(positions) - MAX_SHOWN} more"
    return text


def _row_count_hint(found: int, expected: int) -> str:
    """What usually causes too many or too few rows."""
    if found > expected:
        return (
            f"{_plural(found - expected, 'row')} too many: duplicates from a join on a "
            "non-unique key, a filter that is missing, or drop_duplicates() left out"
        )
    return (
        f"{_plural(expected - found, 'row')} missing: a filter that is too strict, an inner "
        "join where a left join keeps unmatched rows, or dropna() too eager"
    )


# --- guarding against hostile answers -------------------------------------------------


def _never_crash(check: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """Turn any error an answer provokes into a score of 0 with the error in the message.

    :class:`PipelinekitError` passes through: checks raise it for a wrong *expected*
    side, which is the exercise author's mistake.
    """

    @functools.wraps(check)
    def guarded(*args: Any, **kwargs: Any) -> CheckResult:
        try:
            return check(*args, **kwargs)
        except PipelinekitError:
            raise
        except Exception as error:  # includes MemoryError and RecursionError
            try:
                reason = f"{type(error).__name__}: {error}"
            except Exception:
                reason = type(error).__name__
            return CheckResult(
                check.__name__,
                0.0,
                f"The answer could not be checked ({reason[:200]})",
                "make the answer a plain value of the expected type "
                "(a pandas DataFrame, a number, a string)",
            )

    return guarded


def _require_frame(value: object, check: str) -> pd.DataFrame:
    if not isinstance(value, pd.DataFrame):
        raise InvalidValueError(
            f"The expected value of {check} is {describe_value(value)}",
            "a DataFrame",
            "the reference solution must produce a DataFrame for this check",
        )
    if value.columns.duplicated().any():
        raise InvalidValueError(
            f"The expected DataFrame of {check} repeats column names",
            "unique column names",
        )
    return value


def _require_tolerance(rtol: float, atol: float) -> None:
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            raise InvalidValueError(f"{name}={value!r}", "a non-negative number")


# --- frame_equal -----------------------------------------------------------------------


@dataclass
class _Findings:
    """What a comparison found, coarsest first; the first hint set is the one shown."""

    problems: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    hint: str | None = None

    def add(self, problem: str, hint: str | None = None) -> None:
        self.problems.append(problem)
        if self.hint is None:
            self.hint = hint

    def result(self, name: str, score: float, success: str) -> CheckResult:
        message = "; ".join(self.problems) if self.problems else success
        ceiling = 0.9999 if self.problems else 1.0  # rounding must not turn a miss into a pass
        return CheckResult(
            name,
            min(round(max(score, 0.0), 4), ceiling),
            message[:1].upper() + message[1:],
            self.hint,
            "\n".join(self.details) or None,
        )


def _column_hint(answer: pd.DataFrame, missing: Sequence[object], extra: Sequence[object]) -> str:
    index_names = [n for n in answer.index.names if n is not None]
    in_index = [c for c in missing if c in index_names]
    if in_index:
        return f"{format_list(in_index)} is in the index, not a column: call .reset_index()"
    renames = {}
    for column in missing:
        close = nearest(str(column), [str(c) for c in extra if c not in renames], n=1)
        if close:
            renames[next(c for c in extra if str(c) == close[0])] = column
    if not renames and len(missing) == len(extra) == 1:
        old, new = extra[0], missing[0]
        return (
            f"if '{old}' holds what '{new}' should, rename it "
            f"(answer.rename(columns={{{old!r}: {new!r}}}))"
        )
    if renames:
        pairs = ", ".join(f"'{old}' to '{new}'" for old, new in renames.items())
        mapping = ", ".join(f"{old!r}: {new!r}" for old, new in renames.items())
        return f"rename {pairs} (answer.rename(columns={{{mapping}}}))"
    if missing:
        return f"add the missing {_named('column', missing)}"
    return f"keep only the columns asked for: drop {format_list(extra)}"


def _index_note(answer: pd.DataFrame) -> str | None:
    index = answer.index
    if isinstance(index, pd.RangeIndex) or (
        all(n is None for n in index.names) and pd.api.types.is_integer_dtype(index.dtype)
    ):
        return None
    return (
        "Note: the index is ignored when comparing; if it holds data "
        "(e.g. groupby keys), call .reset_index() to make it columns."
    )


@_never_crash
def frame_equal(
    answer: object,
    expected: pd.DataFrame,
    *,
    ignore_row_order: bool = True,
    ignore_column_order: bool = False,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    check_dtype: bool = False,
) -> CheckResult:
    """Compare a table with the expected one, with partial credit for near misses.

    The score adds 0.2 for the column names (share of names in common, halved when the
    order is wrong), 0.2 for the row count (the smaller count over the larger) and 0.6
    for the values (share of matching rows, scaled by the share of expected columns
    present). The index is ignored; NULLs compare equal to NULLs; floats compare within
    ``rtol``/``atol`` and equal ints.

    Parameters
    ----------
    answer : object
        The learner's value; anything but a DataFrame scores 0.
    expected : DataFrame
        The reference table.
    ignore_row_order : bool, default True
        Compare rows as multisets; when False, row ``i`` must match row ``i``.
    ignore_column_order : bool, default False
        Whether columns may come in any order without losing points.
    rtol, atol : float
        Tolerances for float values, as in :func:`numpy.isclose`.
    check_dtype : bool, default False
        Whether a column of another kind (float for integer, say) loses points.

    Examples
    --------
    >>> expected = pd.DataFrame({"city": ["Oslo", "Rome", "Lima"], "sales": [1.5, 2.0, 3.25]})
    >>> answer = pd.DataFrame({"city": ["Lima", "Oslo", "Rome"], "sales": [3.25, 1.5, 9.0]})
    >>> result = frame_equal(answer, expected)
    >>> result.score
    0.8
    >>> print(result.message)
    2 of 3 rows match; 1 of your rows is not expected; 1 expected row is missing
    >>> print(result.hint)
    the values of column 'sales' differ; 'city' is right
    """
    name = "frame_equal"
    _require_frame(expected, name)
    _require_tolerance(rtol, atol)
    wrong = _not_a_frame(answer, list(expected.columns), name)
    if wrong is not None:
        return wrong
    assert isinstance(answer, pd.DataFrame)
    found = _Findings()

    # Columns: names, order, kinds.
    exp_columns, ans_columns = list(expected.columns), list(answer.columns)
    common = [c for c in exp_columns if c in set(ans_columns)]
    missing = [c for c in exp_columns if c not in set(ans_columns)]
    extra = [c for c in ans_columns if c not in set(exp_columns)]
    union = len(common) + len(missing) + len(extra)
    column_share = len(common) / union if union else 1.0
    if missing or extra:
        words = [f"missing {_named('column', missing)}"] * bool(missing)
        words += [f"unexpected {_named('column', extra)}"] * bool(extra)
        found.add("; ".join(words), _column_hint(answer, missing, extra))
    if not ignore_column_order and [c for c in ans_columns if c in set(exp_columns)] != common:
        column_share *= 0.5
        found.add("the columns are in another order", f"reorder them: answer[{common!r}]")
    kinds = {c: (column_kind(answer[c]), column_kind(expected[c])) for c in common}
    other_kinds = {c: k for c, k in kinds.items() if k[0] != k[1]}
    if other_kinds:
        said = [f"'{c}' holds {f} values, {w} expected" for c, (f, w) in other_kinds.items()]
        first, (f, w) = next(iter(other_kinds.items()))
        if check_dtype:
            column_share *= 1 - len(other_kinds) / len(common)
            found.add("; ".join(said[:MAX_SHOWN]), _kind_hint(first, f, w))
        else:
            found.details.append("Note: column " + "; ".join(said[:MAX_SHOWN]) + ".")

    # Rows.
    n_answer, n_expected = len(answer), len(expected)
    row_share = (
        1.0 if n_answer == n_expected else min(n_answer, n_expected) / max(n_answer, n_expected)
    )
    if n_answer != n_expected:
        found.add(f"{n_answer} rows, {n_expected} expected", _row_count_hint(n_answer, n_expected))

    # Values.
    value_share = 0.0
    if common and n_answer > MAX_ROWS:
        found.add(f"the answer has more than {MAX_ROWS:,} rows; values were not compared")
    elif common:
        value_share = _compare_values(
            answer, expected, common, found, kinds, ignore_row_order, rtol, atol
        ) * (len(common) / len(exp_columns))
    elif not exp_columns and not ans_columns:
        value_share = 1.0

    note = _index_note(answer)
    if note and found.problems and "reset_index" not in (found.hint or ""):
        found.details.append(note)
    score = (
        WEIGHTS["columns"] * column_share
        + WEIGHTS["rows"] * row_share
        + WEIGHTS["values"] * value_share
    )
    return found.result(
        name, score, f"The table matches ({_plural(n_expected, 'row')}, {len(exp_columns)} columns)"
    )


def _compare_values(
    answer: pd.DataFrame,
    expected: pd.DataFrame,
    common: list[object],
    found: _Findings,
    kinds: Mapping[object, tuple[str, str]],
    ignore_row_order: bool,
    rtol: float,
    atol: float,
) -> float:
    """Compare the common columns row by row; record findings; return the matching share."""
    columns = [_comparable(c, answer[c], expected[c]) for c in common]
    n_answer, n_expected = len(answer), len(expected)
    most = max(n_answer, n_expected)
    matching = _match_rows(columns, rtol, atol)
    if matching.tolerance_skipped:
        found.details.append(
            "Note: too many rows differ to compare them one by one; floats were compared "
            f"rounded to a relative precision of about {rtol:g}."
        )
    if ignore_row_order:
        share = matching.matched / most if most else 1.0
        if matching.matched < most:
            extra = np.flatnonzero(~matching.matched_answer)
            missing = int((~matching.matched_expected).sum())
            words = [f"{matching.matched} of {_plural(n_expected, 'row')} match"]
            if len(extra):
                words.append(f"{len(extra)} of your rows {_is_are(len(extra))} not expected")
                found.details.append(_show_rows(answer, extra, "Your rows that are not expected"))
            if missing:
                words.append(f"{_plural(missing, 'expected row')} {_is_are(missing)} missing")
            found.add("; ".join(words), found.hint or _value_hint(columns, kinds, rtol, atol))
        return share
    same = _equal_by_position(columns, rtol, atol)
    rows_same = same.all(axis=1)
    share = int(rows_same.sum()) / most if most else 1.0
    if rows_same.sum() < most:
        if matching.matched == most:
            found.add(
                "the rows are right but in another order",
                "sort them as the question asks (.sort_values(...)) and check ascending=",
            )
        else:
            differ = np.flatnonzero(~rows_same)
            found.add(
                f"{int(rows_same.sum())} of {_plural(n_expected, 'row')} match at their position",
                found.hint or _value_hint(columns, kinds, rtol, atol),
            )
            if len(differ):
                found.details.append(
                    _show_rows(answer, differ, "Your rows that differ from the expected row")
                )
    return share


def _is_are(count: int) -> str:
    return "is" if count == 1 else "are"


def _value_hint(
    columns: Sequence[_Column], kinds: Mapping[object, tuple[str, str]], rtol: float, atol: float
) -> str:
    """Name the columns whose values differ (as multisets), and why that may be."""
    wrong, close = [], []
    for column in columns:
        if _match_rows([column], rtol, atol).matched == len(column.expected) == len(column.answer):
            continue
        wrong.append(column.name)
        if column.tolerant and _match_rows([column], 1e-2, atol).matched == len(column.expected):
            close.append(column.name)
    right = [c.name for c in columns if c.name not in wrong]
    if not wrong:
        return "every column holds the right values, but not combined into the right rows"
    for name in wrong:
        found_kind, wanted = kinds[name]
        if found_kind != wanted:
            return _kind_hint(name, found_kind, wanted)
    hint = f"the values of {_named('column', wrong)} differ"
    if close:
        hint += f"; {format_list(close)} {_is_are(len(close))} close: rounded too early?"
    if right:
        hint += f"; {format_list(right)} {_is_are(len(right))} right"
    return hint


# --- smaller checks ----------------------------------------------------------------------


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


# --- scalars ---------------------------------------------------------------------------


def _scalar_kind(value: object) -> Literal["boolean", "number", "string"] | None:
    if isinstance(value, bool | np.bool_):
        return "boolean"
    if isinstance(value, numbers.Real | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def _single_value(value: object) -> tuple[bool, object, str]:
    """The one value inside a 1-element container, and how to take it out."""
    if isinstance(value, pd.DataFrame) and value.shape == (1, 1):
        return True, value.iat[0, 0], ".iloc[0, 0]"
    if isinstance(value, pd.Series | np.ndarray) and value.size == 1:
        return True, value.item() if isinstance(value, np.ndarray) else value.iloc[0], ".item()"
    if isinstance(value, list | tuple) and len(value) == 1:
        return True, value[0], "[0]"
    return False, None, ""


@_never_crash
def scalar_equal(
    answer: object, expected: float | int | str | bool, *, rtol: float = 1e-6, atol: float = 1e-9
) -> CheckResult:
    """Check one number, string or bool; scores 1 or 0, saying how far off a number is.

    Examples
    --------
    >>> print(scalar_equal(112.0, 100))
    ✗ scalar_equal: Your value 112.0 is too high by 12 % (score 0.00)
    >>> scalar_equal(0.1 + 0.2, 0.3).score
    1.0
    """
    _require_tolerance(rtol, atol)
    wanted = _scalar_kind(expected)
    if wanted is None:
        raise InvalidValueError(
            f"The expected value of scalar_equal is {describe_value(expected)}",
            "a number, a string or a bool",
            "compare tables with frame_equal",
        )
    got = _scalar_kind(answer)
    if got is None:
        single, inner, how = _single_value(answer)
        hint = _type_hint(answer, f"single {wanted}")
        if single:
            hint = f"take the value out of the container with {how}"
            if scalar_equal(inner, expected, rtol=rtol, atol=atol).passed:
                hint += " (the value inside is right)"
        return CheckResult(
            "scalar_equal", 0.0, f"Expected a {wanted}, found {describe_value(answer)}", hint
        )
    if got != wanted:
        hint = f"the question asks for a {wanted}"
        if got == "string" and wanted == "number":
            hint = "it is text: convert it with float(...) or int(...)"
        elif got == "boolean":
            hint = "True and False are not numbers here: compute the number itself"
        return CheckResult(
            "scalar_equal", 0.0, f"Expected a {wanted}, found {describe_value(answer)}", hint
        )
    if wanted == "string":
        return _string_equal(str(answer), str(expected))
    if wanted == "boolean":
        right = bool(answer) == bool(expected)
        return CheckResult(
            "scalar_equal",
            float(right),
            "Right" if right else f"Your answer {bool(answer)} is not right",
            None if right else "check the condition you computed",
        )
    return _number_equal(answer, expected, rtol, atol)  # type: ignore[arg-type]


def _string_equal(answer: str, expected: str) -> CheckResult:
    if answer == expected:
        return CheckResult("scalar_equal", 1.0, "Right")
    if " ".join(answer.split()).casefold() == " ".join(expected.split()).casefold():
        return CheckResult(
            "scalar_equal",
            0.0,
            f"Your text {_safe_repr(answer)} differs only in upper/lower case or spaces",
            "match the spelling exactly (.strip(), .lower() or .title() may help)",
        )
    return CheckResult(
        "scalar_equal", 0.0, f"Your text {_safe_repr(answer)} is not the expected one"
    )


def _number_equal(
    answer: numbers.Real, expected: numbers.Real, rtol: float, atol: float
) -> CheckResult:
    if isinstance(answer, numbers.Integral) and isinstance(expected, numbers.Integral):
        right = int(answer) == int(expected)
    else:
        a, e = float(answer), float(expected)
        right = bool(_isclose(np.float64(a), np.float64(e), rtol, atol))
    if right:
        return CheckResult("scalar_equal", 1.0, "Right")
    a, e = float(answer), float(expected)
    if not (math.isfinite(a) and math.isfinite(e)):
        return CheckResult("scalar_equal", 0.0, f"Your value {_safe_repr(answer)} is not right")
    integers = isinstance(answer, numbers.Integral) and isinstance(expected, numbers.Integral)
    difference = int(answer) - int(expected) if integers else a - e  # type: ignore[call-overload]
    direction = "high" if difference > 0 else "low"
    size = f"{abs(difference) / abs(e):.0%}".replace("%", " %") if e else f"{abs(difference):.3g}"
    hint = None
    if e and a:
        ratio = a / e
        if math.isclose(ratio, 100, rel_tol=1e-3):
            hint = "that looks like a percentage where a fraction is expected: divide by 100"
        elif math.isclose(ratio, 0.01, rel_tol=1e-3):
            hint = "that looks like a fraction where a percentage is expected: multiply by 100"
        elif math.isclose(ratio, -1, rel_tol=1e-6):
            hint = "the sign is flipped: check the order of a subtraction"
    if hint is None and abs(difference) == 1 and (integers or (a.is_integer() and e.is_integer())):
        hint = "off by one: check < against <=, or whether a range includes its ends"
    return CheckResult(
        "scalar_equal", 0.0, f"Your value {_safe_repr(answer)} is too {direction} by {size}", hint
    )


# --- SQL -------------------------------------------------------------------------------

_SQL_HINTS = {
    "ParserException": "a syntax error: look where DuckDB points (^) for a missing comma, "
    "an unclosed quote or bracket, or a misspelt keyword",
    "BinderException": "a column that is not known where it is used: check its name and "
    "table, and that every selected column is in GROUP BY or inside an aggregate",
    "ConversionException": "a value that cannot be converted: check CASTs and literals",
    "InterruptException": "the query ran too long: look for a join without a condition "
    "(every row times every row)",
    "OutOfMemoryException": "the query needs too much memory: look for a join without a "
    "condition (every row times every row)",
    "PermissionException": "files, extensions and settings are not available here: "
    "query the tables given",
}


class _QueryProblem(Exception):
    """The SQL is not one SELECT statement (a learner mistake, not DuckDB's)."""


def _run_select(
    sql: str, tables: Mapping[str, pd.DataFrame], timeout: float, max_rows: int
) -> pd.DataFrame:
    """Run one SELECT over ``tables`` in a locked-down in-memory DuckDB and fetch the result."""
    import duckdb

    statements = duckdb.extract_statements(sql)
    if len(statements) != 1:
        raise _QueryProblem(f"{len(statements)} statements; expected one SELECT query")
    if statements[0].type != duckdb.StatementType.SELECT:
        kind = statements[0].type.name
        raise _QueryProblem(f"a {kind} statement; expected a SELECT query")
    config: dict[str, str | bool | int | float | list[str]] = {
        "enable_external_access": False,
        "python_enable_replacements": False,  # no reading the grader's own variables
        "threads": 1,
        "memory_limit": "1GB",
    }
    with duckdb.connect(":memory:", config=config) as con:
        for table_name, frame in tables.items():
            con.register(table_name, frame)
        con.execute("SET lock_configuration = true")
        timer = threading.Timer(timeout, con.interrupt)
        timer.daemon = True
        timer.start()
        try:
            result = con.sql(sql).limit(max_rows + 1).df()
        finally:
            timer.cancel()
    if len(result) > max_rows:
        raise _QueryProblem(f"more than {max_rows:,} rows; a join without a condition?")
    return result


@_never_crash
def sql_equal(
    answer_sql: object,
    expected_sql: str,
    tables: Mapping[str, pd.DataFrame],
    *,
    ignore_row_order: bool = True,
    ignore_column_order: bool = False,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    timeout: float = 10.0,
    max_rows: int = 1_000_000,
) -> CheckResult:
    """Run two SQL queries on DuckDB over ``tables`` and compare their results.

    Each query runs in its own in-memory DuckDB that sees only ``tables``: no files, no
    extensions, no settings, no Python variables; it is interrupted after ``timeout``
    seconds. A query that fails scores 0 with DuckDB's message; results are compared as
    :func:`frame_equal` does.

    Examples
    --------
    >>> orders = pd.DataFrame({"id": [1, 2, 3], "status": ["paid", "paid", "new"]})
    >>> expected = "SELECT status, count(*) AS n FROM orders GROUP BY status"
    >>> answer = "SELECT status, count(id) AS n FROM orders GROUP BY ALL"
    >>> sql_equal(answer, expected, {"orders": orders}).score
    1.0
    >>> result = sql_equal("SELECT status, count(*) AS n FROM oders", expected, {"orders": orders})
    >>> print(result.message)
    Your SQL failed: Catalog Error: Table with name oders does not exist!
    >>> print(result.details)
    Did you mean "orders"?
    """
    if not isinstance(expected_sql, str) or not isinstance(tables, Mapping):
        raise InvalidValueError(
            "sql_equal needs the expected SQL text and a mapping of table names to DataFrames"
        )
    for table_name, frame in tables.items():
        if not isinstance(table_name, str) or not isinstance(frame, pd.DataFrame):
            raise InvalidValueError(
                f"Table {table_name!r} given as {describe_value(frame)}", "a DataFrame by name"
            )
    import duckdb

    try:
        expected = _run_select(expected_sql, tables, timeout, max_rows)
    except (duckdb.Error, _QueryProblem) as error:
        raise InvalidValueError(
            f"The expected SQL of sql_equal fails: {error}", "a query that runs"
        ) from error
    if not isinstance(answer_sql, str) or not answer_sql.strip():
        return CheckResult(
            "sql_equal",
            0.0,
            f"Expected SQL text, found {describe_value(answer_sql)}",
            "write the query as a string: answer = '''SELECT ...'''",
        )
    try:
        answer = _run_select(answer_sql, tables, timeout, max_rows)
    except _QueryProblem as problem:
        return CheckResult(
            "sql_equal", 0.0, f"Your SQL has {problem}", "write a single SELECT query"
        )
    except duckdb.Error as error:
        lines = str(error).strip().splitlines()
        hint = _SQL_HINTS.get(type(error).__name__, "read DuckDB's message: it names the problem")
        if type(error).__name__ == "CatalogException":
            hint = f"the tables here are {format_list(tables)}; check the name you query"
        return CheckResult(
            "sql_equal",
            0.0,
            f"Your SQL failed: {lines[0] if lines else type(error).__name__}",
            hint,
            "\n".join(lines[1:]).strip() or None,
        )
    result = frame_equal(
        answer,
        expected,
        ignore_row_order=ignore_row_order,
        ignore_column_order=ignore_column_order,
        rtol=rtol,
        atol=atol,
    )
    return replace(result, name="sql_equal")
