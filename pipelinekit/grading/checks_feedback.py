"""What the checks tell a learner: descriptions of answers, hints, and findings.

Every check of :mod:`pipelinekit.grading.checks` words its message and hint with these
helpers, so that the same mistake gets the same advice wherever it is found. They
describe the learner's answer (never the expected one) and suggest the usual cause of a
difference: a Series where a table is expected, a misspelt column, too many rows.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.grading.checks_feedback import describe_value, _not_a_frame
>>> describe_value([1, 2])
'a list of 2 items'
>>> counts = pd.Series([3, 5], index=pd.Index(["paid", "new"], name="status"), name="n")
>>> print(_not_a_frame(counts, ["status", "n"], "frame_equal"))
✗ frame_equal: Expected a DataFrame, found a Series 'n' of 2 values (score 0.00)
  Hint: turn it into a table with .reset_index() (its index becomes a column)
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from pipelinekit.errors import format_list, nearest
from pipelinekit.grading.result import CheckResult

MAX_SHOWN = 5  # rows shown in a diff


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


def _is_are(count: int) -> str:
    return "is" if count == 1 else "are"


# --- hints ------------------------------------------------------------------------


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


# --- findings -----------------------------------------------------------------------


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
