"""Matching the rows of two tables, the heart of :func:`~pipelinekit.grading.checks.frame_equal`.

Each column both tables share is made comparable (:func:`_comparable`): numbers as
floats compared within a tolerance, everything else as canonical tokens. Rows are then
matched as multisets (:func:`_match_rows`), or position by position
(:func:`_equal_by_position`) when the row order matters, and :func:`_compare_values`
records what differs for the learner.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.grading.checks_matching import _comparable, _match_rows
>>> answer = pd.DataFrame({"city": ["Rome", "Oslo"], "sales": [2.0, 1.5 + 1e-12]})
>>> expected = pd.DataFrame({"city": ["Oslo", "Rome"], "sales": [1.5, 2.0]})
>>> columns = [_comparable(c, answer[c], expected[c]) for c in expected.columns]
>>> _match_rows(columns, rtol=1e-6, atol=1e-9, max_pairs=1000).matched
2
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelinekit.errors import format_list
from pipelinekit.grading.checks_feedback import (
    _Findings,
    _is_are,
    _kind_hint,
    _named,
    _plural,
    _show_rows,
)
from pipelinekit.grading.checks_values import _is_number, _isclose, column_tokens

# --- comparable columns -------------------------------------------------------------


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


# --- matching rows ------------------------------------------------------------------


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


@dataclass
class _Matching:
    matched_answer: np.ndarray  # bool per answer row
    matched_expected: np.ndarray  # bool per expected row
    tolerance_skipped: bool = False

    @property
    def matched(self) -> int:
        return int(self.matched_answer.sum())


def _match_rows(columns: Sequence[_Column], rtol: float, atol: float, max_pairs: int) -> _Matching:
    """Match rows of answer and expected as multisets, floats within the tolerance.

        Rows are first matched on exact keys (floats rounded to the bits ``rtol`` allows);
        leftover rows are then compared one by one with ``np.isclose``, so values that fall
        on two sides of a rounding boundary still match. When more than ``max_pairs`` pairs of
    leftover rows would be compared, that second pass is skipped.
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
    if len(groups) > 10_000 or pairs > max_pairs:
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


# --- what differs --------------------------------------------------------------------


def _compare_values(
    answer: pd.DataFrame,
    expected: pd.DataFrame,
    common: list[object],
    found: _Findings,
    kinds: Mapping[object, tuple[str, str]],
    ignore_row_order: bool,
    rtol: float,
    atol: float,
    max_pairs: int,
) -> float:
    """Compare the common columns row by row; record findings; return the matching share."""
    columns = [_comparable(c, answer[c], expected[c]) for c in common]
    n_answer, n_expected = len(answer), len(expected)
    most = max(n_answer, n_expected)
    matching = _match_rows(columns, rtol, atol, max_pairs)
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
            found.add(
                "; ".join(words), found.hint or _value_hint(columns, kinds, rtol, atol, max_pairs)
            )
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
                found.hint or _value_hint(columns, kinds, rtol, atol, max_pairs),
            )
            if len(differ):
                found.details.append(
                    _show_rows(answer, differ, "Your rows that differ from the expected row")
                )
    return share


def _value_hint(
    columns: Sequence[_Column],
    kinds: Mapping[object, tuple[str, str]],
    rtol: float,
    atol: float,
    max_pairs: int,
) -> str:
    """Name the columns whose values differ (as multisets), and why that may be."""
    wrong, close = [], []
    for column in columns:
        n_expected = len(column.expected)
        if _match_rows([column], rtol, atol, max_pairs).matched == n_expected == len(column.answer):
            continue
        wrong.append(column.name)
        if column.tolerant and _match_rows([column], 1e-2, atol, max_pairs).matched == n_expected:
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
