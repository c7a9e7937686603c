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

The checks live in small modules beside this one; import them from here:

- this module: :func:`frame_equal` and :func:`sql_equal`, which compare whole tables;
- :mod:`~pipelinekit.grading.checks_frames`: smaller checks on a table (:func:`schema`,
  :func:`row_count`, :func:`unique_key`, :func:`value_range`);
- :mod:`~pipelinekit.grading.checks_scalars`: :func:`scalar_equal`, for one value;
- :mod:`~pipelinekit.grading.checks_values`: kinds of columns and canonical values;
- :mod:`~pipelinekit.grading.checks_matching`: matching the rows of two tables;
- :mod:`~pipelinekit.grading.checks_sql`: running a learner's SQL safely;
- :mod:`~pipelinekit.grading.checks_feedback`: messages and hints for the learner;
- :mod:`~pipelinekit.grading.checks_guards`: no crash on any answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pandas as pd

# ``from m import name as name`` re-exports a helper that pipelinekit.grading.public
# imports from here (``_single_value``, ``_type_hint``, ``column_tokens``).
from pipelinekit.errors import InvalidValueError, format_list
from pipelinekit.grading.checks_feedback import (
    MAX_SHOWN,
    _column_hint,
    _Findings,
    _index_note,
    _kind_hint,
    _named,
    _not_a_frame,
    _plural,
    _row_count_hint,
    describe_value,
)
from pipelinekit.grading.checks_feedback import _type_hint as _type_hint
from pipelinekit.grading.checks_frames import row_count, schema, unique_key, value_range
from pipelinekit.grading.checks_guards import _never_crash, _require_frame, _require_tolerance
from pipelinekit.grading.checks_matching import _compare_values
from pipelinekit.grading.checks_scalars import _single_value as _single_value
from pipelinekit.grading.checks_scalars import scalar_equal
from pipelinekit.grading.checks_sql import _SQL_HINTS, _QueryProblem, _run_select
from pipelinekit.grading.checks_values import Kind, column_kind, dtype_kind, value_token
from pipelinekit.grading.checks_values import column_tokens as column_tokens
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

#: Share of a frame_equal score for the column names, the row count and the values.
WEIGHTS = {"columns": 0.2, "rows": 0.2, "values": 0.6}
MAX_ROWS = 5_000_000  # answers with more rows are not compared value by value
_TOLERANCE_PAIRS = 2_000_000  # pairs of leftover rows compared one by one with a tolerance


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
            answer, expected, common, found, kinds, ignore_row_order, rtol, atol, _TOLERANCE_PAIRS
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
