"""Kinds of columns and canonical values: what makes two values "the same" for a check.

A check compares values of any type: ints with floats, NULLs of every flavour, text,
timestamps. :func:`value_token` turns each value into a text that is equal exactly when
the values count as equal, and :func:`column_kind` names the kind of values a column
holds, ignoring width and nullability (``Int64`` and ``int32`` are both ``"integer"``).

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.grading.checks_values import column_kind, column_tokens
>>> column_kind(pd.Series([1, None], dtype="Int64"))
'integer'
>>> column_tokens(pd.Series([1.0, None, 2.5])).tolist()
['n:1', 'null', 'n:2.5']
"""

from __future__ import annotations

import json
import math
import numbers
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from pipelinekit.grading.checks_feedback import _safe_repr

Kind = Literal[
    "integer", "float", "boolean", "string", "datetime", "timedelta", "category", "object"
]


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


def _is_number(dtype: object) -> bool:
    types = pd.api.types
    return types.is_numeric_dtype(dtype) and not types.is_bool_dtype(dtype)


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


def _isclose(answer: ArrayLike, expected: ArrayLike, rtol: float, atol: float) -> np.ndarray:
    with np.errstate(all="ignore"):  # inf - inf and overflowing differences are not errors
        return np.isclose(answer, expected, rtol=rtol, atol=atol, equal_nan=True)
