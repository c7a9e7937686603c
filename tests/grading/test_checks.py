"""Grader checks: full marks on equal inputs, golden partial scores, hostile answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelinekit.errors import InvalidValueError
from pipelinekit.grading import checks
from pipelinekit.grading.checks import (
    column_kind,
    column_tokens,
    dtype_kind,
    frame_equal,
    row_count,
    scalar_equal,
    schema,
    sql_equal,
    unique_key,
    value_range,
    value_token,
)
from pipelinekit.grading.result import CheckResult

EXPECTED = pd.DataFrame(
    {
        "status": ["paid", "new", "shipped", "returned"],
        "n": [3, 1, 5, 2],
        "avg": [1.5, 2.25, 3.0, 0.1],
    }
)


class Hostile:
    """A value whose comparison, hashing and repr all raise."""

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("eq refused")

    def __hash__(self) -> int:
        raise RuntimeError("hash refused")

    def __repr__(self) -> str:
        raise RuntimeError("repr refused")


# --- frame_equal: golden cases ---------------------------------------------------------


@dataclass
class Case:
    title: str
    answer: Callable[[pd.DataFrame], Any]
    score: float
    message: str = ""  # regex the message must match ("" : no check)
    hint: str | None = ""  # regex the hint must match; None: there must be no hint
    kwargs: dict[str, Any] = field(default_factory=dict)
    details: str = ""


FRAME_CASES = [
    Case("rows shuffled", lambda e: e.sample(frac=1, random_state=1), 1.0, r"matches", None),
    Case("float noise", lambda e: e.assign(avg=e.avg * (1 + 1e-9)), 1.0, hint=None),
    Case("ints as floats", lambda e: e.assign(n=e.n.astype(float)), 1.0, details="'n' holds float"),
    Case("another index", lambda e: e.set_axis([10, 11, 12, 13]), 1.0, hint=None),
    Case(
        "order matters and rows in order",
        lambda e: e.copy(),
        1.0,
        kwargs={"ignore_row_order": False},
    ),
    Case(
        "columns in any order allowed",
        lambda e: e[["avg", "status", "n"]],
        1.0,
        kwargs={"ignore_column_order": True},
    ),
    # 0.2 columns + 0.2 * 3/4 rows + 0.6 * 3/4 values
    Case("one row missing", lambda e: e.iloc[:3], 0.8, r"^3 rows, 4 expected", r"^1 row missing"),
    # 0.2 + 0.2 * 4/5 + 0.6 * 4/5
    Case(
        "one row twice",
        lambda e: pd.concat([e, e.iloc[:1]]),
        0.84,
        r"5 rows, 4 expected.*1 of your rows is not expected",
        r"^1 row too many: duplicates from a join",
        details=r"Your rows that are not expected:\n.*paid",
    ),
    # 0.2 + 0.2 + 0.6 * 3/4
    Case(
        "one wrong value",
        lambda e: e.assign(avg=[1.5, 2.25, 3.0, 0.2]),
        0.85,
        r"^3 of 4 rows match; 1 of your rows is not expected; 1 expected row is missing$",
        r"^the values of column 'avg' differ; 'status', 'n' are right$",
        details=r"returned  2  0\.2",
    ),
    # 0.2 + 0.2 + 0
    Case(
        "all floats off by 0.1 %",
        lambda e: e.assign(avg=e.avg * 1.001),
        0.4,
        r"^0 of 4 rows match",
        r"'avg' is close: rounded too early\?",
    ),
    # columns 2 of 4 names: 0.1; rows 0.2; values 0.6 * 2/3 of the columns
    Case(
        "renamed column",
        lambda e: e.rename(columns={"n": "count"}),
        0.7,
        r"^Missing column 'n'; unexpected column 'count'$",
        r"^if 'count' holds what 'n' should, rename it "
        r"\(answer\.rename\(columns=\{'count': 'n'\}\)\)$",
    ),
    Case(
        "misspelt column",
        lambda e: e.rename(columns={"status": "Status"}),
        0.7,
        hint=r"rename 'Status' to 'status'",
    ),
    # columns 3 of 4: 0.15
    Case("extra column", lambda e: e.assign(x=1), 0.95, r"^Unexpected column 'x'$", r"drop 'x'"),
    # columns 2 of 3: 0.2 * 2/3; values 0.6 * 2/3
    Case(
        "key left in the index",
        lambda e: e.set_index("status"),
        0.2 * 2 / 3 + 0.2 + 0.6 * 2 / 3,
        r"^Missing column 'status'$",
        r"'status' is in the index, not a column: call \.reset_index\(\)",
    ),
    # column share halved
    Case(
        "columns in another order",
        lambda e: e[["n", "status", "avg"]],
        0.9,
        r"another order",
        r"answer\[\['status', 'n', 'avg'\]\]",
    ),
    # rows all right, none at its position
    Case(
        "order matters and rows reversed",
        lambda e: e.iloc[::-1],
        0.4,
        r"^The rows are right but in another order$",
        r"sort_values",
        kwargs={"ignore_row_order": False},
    ),
    Case(
        "order matters and one value wrong",
        lambda e: e.assign(n=[3, 1, 5, 9]),
        0.85,
        r"^3 of 4 rows match at their position$",
        r"column 'n' differ",
        kwargs={"ignore_row_order": False},
        details=r"Your rows that differ from the expected row:\n.*returned  9",
    ),
    # check_dtype: one of 3 columns of another kind costs a third of the column share
    Case(
        "float where integer expected, dtype checked",
        lambda e: e.assign(n=e.n.astype(float)),
        0.2 * 2 / 3 + 0.8,
        r"'n' holds float values, integer expected",
        r"fillna\(0\).*astype\('Int64'\)",
        kwargs={"check_dtype": True},
    ),
    Case(
        "tolerance widened",
        lambda e: e.assign(avg=e.avg * 1.001),
        1.0,
        kwargs={"rtol": 1e-2},
    ),
]


@pytest.mark.parametrize("case", FRAME_CASES, ids=lambda c: c.title)
def test_frame_equal_golden_cases(case: Case):
    result = frame_equal(case.answer(EXPECTED), EXPECTED, **case.kwargs)
    assert result.name == "frame_equal"
    assert result.score == pytest.approx(case.score, abs=1e-4)
    assert (result.score == 1.0) == (case.score == 1.0)
    assert re.search(case.message, result.message), result.message
    if case.hint is None:
        assert result.hint is None
    else:
        assert re.search(case.hint, result.hint or ""), result.hint
    assert re.search(case.details, result.details or "", re.DOTALL), result.details


def test_frame_equal_treats_nulls_alike():
    expected = pd.DataFrame({"city": ["Oslo", None], "sales": [np.nan, 2.0]})
    answer = pd.DataFrame({"city": pd.Series([None, "Oslo"], dtype=object), "sales": [2.0, None]})
    assert frame_equal(answer, expected).score == 1.0


def test_frame_equal_matches_floats_on_either_side_of_a_rounding_step():
    expected = pd.DataFrame({"x": [1.0, 2.0, 0.0]})
    answer = pd.DataFrame({"x": [np.nextafter(1.0, 0), 2.0 + 1e-12, -1e-12]})
    assert frame_equal(answer, expected).score == 1.0
    assert frame_equal(answer, expected, rtol=0, atol=0).score < 1.0


def test_frame_equal_says_when_text_should_be_dates():
    expected = pd.DataFrame({"day": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    result = frame_equal(pd.DataFrame({"day": ["2024-01-01", "2024-01-02"]}), expected)
    assert result.score == 0.4 and "pd.to_datetime" in result.hint


def test_frame_equal_shows_at_most_five_rows_and_counts_the_rest():
    expected = pd.DataFrame({"k": range(20)})
    result = frame_equal(pd.DataFrame({"k": range(100, 120)}), expected)
    assert result.score == 0.4
    assert "... and 15 more" in result.details
    assert len(result.details.splitlines()) == 1 + 1 + 5 + 1  # title, header, rows, more
    assert "20 expected rows are missing" in result.message


def test_frame_equal_notes_a_meaningful_index_on_failure():
    answer = EXPECTED.set_index("status", drop=False).iloc[:3]
    result = frame_equal(answer, EXPECTED)
    assert "the index is ignored" in result.details


@pytest.mark.parametrize(
    ("answer", "message", "hint"),
    [
        (None, r"found None", r"the answer is None: make sure the cell assigns"),
        ((x for x in range(3)), r"found a generator", r"generator has no values"),
        (Hostile(), r"found a Hostile", r"assign a DataFrame"),
        (3, r"found an int \(3\)", r"assign a DataFrame"),
        ([{"status": "paid"}], r"found a list of 1 items", r"pd\.DataFrame\(\.\.\.\)"),
        (EXPECTED.groupby("status")["n"].sum(), r"found a Series 'n'", r"\.reset_index\(\)"),
        (EXPECTED.groupby("status").n, r"found a SeriesGroupBy", r"finish the groupby"),
        (duckdb.sql("SELECT 1 AS n"), r"DuckDBPyRelation", r"call \.df\(\)"),
        (
            pd.DataFrame([[1, 2, 3]], columns=["n", "n", "avg"]),
            r"Column names appear more than once: 'n'",
            r"give every column its own name",
        ),
        (
            EXPECTED.groupby("status").agg({"n": ["sum", "max"]}),
            r"several levels \(a MultiIndex\)",
            r"flatten them",
        ),
    ],
)
def test_frame_equal_wrong_types_score_zero_with_a_hint(answer, message, hint):
    result = frame_equal(answer, EXPECTED)
    assert result.score == 0.0
    assert re.search(message, result.message), result.message
    assert re.search(hint, result.hint), result.hint


def test_frame_equal_series_hint_names_the_missing_value_column():
    expected = pd.DataFrame({"status": ["a", "b"], "orders": [1, 2]})
    series = pd.DataFrame({"status": ["a", "b", "b"]}).groupby("status").size()
    result = frame_equal(series, expected)
    assert result.hint == "turn it into a table with .reset_index(name='orders')"


def test_frame_equal_survives_values_whose_repr_and_eq_raise():
    answer = EXPECTED.assign(
        status=pd.Series([Hostile(), "new", "shipped", "returned"], dtype=object)
    )
    result = frame_equal(answer, EXPECTED)
    assert result.score == pytest.approx(0.85)
    assert "<Hostile object>" in result.details


def test_frame_equal_turns_an_answer_that_breaks_pandas_into_a_zero():
    class Broken(pd.DataFrame):
        @property
        def columns(self):  # type: ignore[override]
            raise RuntimeError("columns refused")

    result = frame_equal(Broken({"a": [1]}), EXPECTED)
    assert result.score == 0.0
    assert result.message == "The answer could not be checked (RuntimeError: columns refused)"


def test_frame_equal_does_not_compare_values_of_huge_answers(monkeypatch):
    monkeypatch.setattr(checks, "MAX_ROWS", 10)
    big = pd.concat([EXPECTED] * 5, ignore_index=True)
    result = frame_equal(big, EXPECTED)
    assert "more than 10 rows; values were not compared" in result.message
    assert result.score == pytest.approx(0.2 + 0.2 * 4 / 20)


def test_frame_equal_skips_the_tolerance_pass_when_too_many_rows_differ(monkeypatch):
    monkeypatch.setattr(checks, "_TOLERANCE_PAIRS", 3)
    expected = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    result = frame_equal(pd.DataFrame({"x": [0.0, 2.5, 3.5]}), expected)
    assert "compared rounded to a relative precision" in result.details


def test_frame_equal_handles_large_frames():
    rng = np.random.default_rng(7)
    size = 200_000
    expected = pd.DataFrame(
        {"id": np.arange(size), "x": rng.normal(size=size), "g": rng.choice(["a", "b"], size)}
    )
    answer = expected.sample(frac=1, random_state=3).reset_index(drop=True)
    answer.loc[:9, "x"] += 1
    result = frame_equal(answer, expected)
    assert result.score == pytest.approx(0.4 + 0.6 * (size - 10) / size, abs=1e-4)
    assert result.score < 1.0  # rounding must not turn 10 wrong rows into a pass
    assert "10 of your rows are not expected" in result.message


def test_frame_equal_refuses_a_wrong_expected_side():
    with pytest.raises(InvalidValueError, match=r"expected value of frame_equal is a list"):
        frame_equal(EXPECTED, [1, 2])  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match=r"repeats column names"):
        frame_equal(EXPECTED, pd.DataFrame([[1, 2]], columns=["a", "a"]))
    with pytest.raises(InvalidValueError, match=r"rtol=-1; expected a non-negative number"):
        frame_equal(EXPECTED, EXPECTED, rtol=-1)


def test_empty_frames_with_the_same_columns_are_equal():
    assert frame_equal(EXPECTED.iloc[:0], EXPECTED.iloc[:0]).score == 1.0
    assert frame_equal(pd.DataFrame(), pd.DataFrame()).score == 1.0


# --- frame_equal: properties --------------------------------------------------------------

ROWS = st.lists(
    st.tuples(
        st.integers(-3, 3),
        st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
        st.one_of(st.none(), st.sampled_from(["a", "b", "ä", ""])),
        st.booleans(),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(rows=ROWS, seed=st.integers(0, 2**32 - 1))
def test_frame_equals_any_shuffle_of_itself(rows, seed):
    frame = pd.DataFrame(rows, columns=["i", "f", "s", "b"]).astype({"f": "float64"})
    shuffled = frame.sample(frac=1, random_state=seed)
    assert frame_equal(shuffled, frame).score == 1.0
    assert frame_equal(shuffled.reset_index(drop=True), frame, ignore_row_order=True).score == 1.0


@settings(max_examples=100, deadline=None)
@given(rows=ROWS.filter(bool))
def test_dropping_a_row_always_costs_points(rows):
    frame = pd.DataFrame(rows, columns=["i", "f", "s", "b"]).astype({"f": "float64"})
    result = frame_equal(frame.iloc[1:], frame)
    assert result.score < 1.0 and "1 row missing" in result.hint


# --- schema, row_count, unique_key, value_range -----------------------------------------


def test_schema_scores_the_share_of_right_columns():
    assert schema(EXPECTED.assign(n=EXPECTED.n.astype("Int64")), EXPECTED).score == 1.0
    result = schema(EXPECTED.assign(n=EXPECTED.n.astype(float), x=1), EXPECTED)
    assert result.score == 0.5  # status and avg right, of 4 named
    assert re.search(
        r"^Unexpected column 'x'; column 'n' holds float values, integer expected$", result.message
    )
    by_name = schema(EXPECTED, {"status": "str", "n": "int64", "day": "datetime"})
    assert by_name.score == 0.5  # status and n right, of status, n, day and avg
    assert (
        by_name.hint
        == "if 'avg' holds what 'day' should, rename it (answer.rename(columns={'avg': 'day'}))"
    )
    assert schema(EXPECTED, {"status": "str", "n": "int64", "avg": "float", "x": "bool"}).hint == (
        "add the missing column 'x'"
    )


def test_schema_refuses_a_wrong_spec():
    with pytest.raises(InvalidValueError, match=r"expected schema is an int"):
        schema(EXPECTED, 3)  # type: ignore[arg-type]
    with pytest.raises(
        InvalidValueError, match=r"Schema \{'n': 'no-such-dtype'\}; expected column"
    ):
        schema(EXPECTED, {"n": "no-such-dtype"})


def test_row_count_scores_one_or_zero_and_says_by_how_much():
    assert row_count(EXPECTED, 4).score == 1.0
    assert row_count(EXPECTED.n, EXPECTED).score == 1.0
    fewer = row_count(EXPECTED, 5)
    assert (fewer.score, fewer.message) == (0.0, "4 rows, 5 expected (-20 %)")
    assert fewer.hint.startswith("1 row missing")
    assert row_count(EXPECTED, 0).message == "4 rows, 0 expected"
    assert row_count([1, 2], 2).message == "Expected a DataFrame, found a list of 2 items"
    with pytest.raises(InvalidValueError, match=r"Expected row count -1; expected a whole number"):
        row_count(EXPECTED, -1)


def test_unique_key_counts_rows_with_a_unique_present_key():
    assert unique_key(EXPECTED, "status").score == 1.0
    frame = pd.DataFrame({"k": [1, 1, None, 2, 3], "j": ["a", "a", "b", "c", "d"]})
    result = unique_key(frame, ["k", "j"])
    assert result.score == pytest.approx(2 / 5)
    assert result.message == (
        "1 key of 'k', 'j' appears more than once (2 rows); 1 row has a NULL key; "
        "2 of 5 rows have a unique key"
    )
    assert "Rows with a repeated key" in result.details
    assert unique_key(frame.iloc[:0], "k").score == 1.0
    missing = unique_key(EXPECTED, "order_id")
    assert missing.score == 0.0 and missing.message == "Key column 'order_id' not found"
    with pytest.raises(InvalidValueError, match="No key columns"):
        unique_key(EXPECTED, [])


def test_value_range_scores_the_share_in_range():
    prices = pd.DataFrame({"price": [5.0, -1.0, 12.5, None]})
    assert value_range(prices, "price", 0, 100).score == 0.75
    assert value_range(prices, "price", 0, 100, allow_null=False).score == 0.5
    assert value_range(prices, "price", -5).score == 1.0
    text = value_range(EXPECTED, "status", 0, 1)
    assert text.score == 0.0 and "cannot be compared with [0, 1]" in text.message
    assert (
        value_range(EXPECTED, "nn", 0, 1).hint
        == "rename 'n' to 'nn' (answer.rename(columns={'n': 'nn'}))"
    )
    with pytest.raises(InvalidValueError, match="without bounds"):
        value_range(prices, "price")
    with pytest.raises(InvalidValueError, match=r"low=5 above high=1"):
        value_range(prices, "price", 5, 1)


# --- scalar_equal -----------------------------------------------------------------------

SCALAR_CASES = [
    # (answer, expected, score, message regex, hint regex or None)
    (0.1 + 0.2, 0.3, 1.0, r"^Right$", None),
    (np.int64(7), 7, 1.0, r"^Right$", None),
    (np.float64("nan"), float("nan"), 1.0, r"^Right$", None),
    (2**62 + 1, 2**62, 0.0, r"too high by 0 %", r"off by one"),
    (112.0, 100, 0.0, r"^Your value 112\.0 is too high by 12 %$", None),
    (88, 100, 0.0, r"too low by 12 %", None),
    (30.0, 0.3, 0.0, r"too high", r"percentage where a fraction is expected"),
    (0.3, 30, 0.0, r"too low", r"fraction where a percentage is expected"),
    (-5, 5, 0.0, r"too low by 200 %", r"sign is flipped"),
    (11, 10, 0.0, r"too high by 10 %", r"off by one"),
    (0.5, 0, 0.0, r"too high by 0\.5$", None),
    ("paid", "paid", 1.0, r"^Right$", None),
    (" Paid", "paid", 0.0, r"differs only in upper/lower case or spaces", r"\.strip\(\)"),
    ("shipped", "paid", 0.0, r"^Your text 'shipped' is not the expected one$", None),
    (True, True, 1.0, r"^Right$", None),
    (np.bool_(False), True, 0.0, r"Your answer False is not right", r"condition"),
    ("5", 5, 0.0, r"Expected a number, found a str \('5'\)", r"float\(\.\.\.\)"),
    (True, 1, 0.0, r"Expected a number, found a bool", r"not numbers here"),
    (1, True, 0.0, r"Expected a boolean, found an int", r"asks for a boolean"),
    (
        pd.DataFrame({"n": [5]}),
        5,
        0.0,
        r"found a DataFrame",
        r"\.iloc\[0, 0\] \(the value inside is right\)",
    ),
    (pd.Series([4]), 5, 0.0, r"found a Series", r"\.item\(\)$"),
    ([5], 5, 0.0, r"found a list", r"\[0\]"),
    (None, 5, 0.0, r"found None", r"the answer is None"),
    ((x for x in [5]), 5, 0.0, r"found a generator", r"generator"),
    (Hostile(), 5, 0.0, r"found a Hostile", r"single number"),
]


@pytest.mark.parametrize(("answer", "expected", "score", "message", "hint"), SCALAR_CASES)
def test_scalar_equal_golden_cases(answer, expected, score, message, hint):
    result = scalar_equal(answer, expected)
    assert result.score == score
    assert re.search(message, result.message), result.message
    if hint is None:
        assert result.hint is None
    else:
        assert re.search(hint, result.hint), result.hint


def test_scalar_equal_refuses_an_expected_value_it_cannot_compare():
    with pytest.raises(InvalidValueError, match=r"expected value of scalar_equal is a DataFrame"):
        scalar_equal(1, EXPECTED)  # type: ignore[arg-type]


def test_scalar_equal_turns_a_number_that_breaks_into_a_zero():
    class BadNumber(float):
        def __float__(self) -> float:
            raise ArithmeticError("no float")

    result = scalar_equal(BadNumber(1.0), 2.0)
    assert result.score == 0.0 and "ArithmeticError: no float" in result.message


# --- sql_equal --------------------------------------------------------------------------

TABLES = {
    "orders": pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "status": ["paid", "paid", "new", "shipped"],
            "amount": [10.0, 5.5, 3.0, 7.25],
        }
    )
}
REFERENCE = "SELECT status, count(*) AS n, sum(amount) AS total FROM orders GROUP BY status"


def test_sql_equal_gives_full_marks_to_an_equivalent_query():
    answer = (
        "select status, count(id) as n, sum(amount) as total from orders group by all order by n;"
    )
    result = sql_equal(answer, REFERENCE, TABLES)
    assert result.score == 1.0 and result.name == "sql_equal"


def test_sql_equal_compares_results_like_frame_equal():
    answer = (
        "SELECT status, count(*) AS n, sum(amount) AS total FROM orders WHERE id > 1 "
        "GROUP BY status"
    )
    result = sql_equal(answer, REFERENCE, TABLES)
    # paid has other n and total; new and shipped are right
    assert result.score == pytest.approx(0.2 + 0.2 + 0.6 * 2 / 3)
    assert result.hint.startswith("the values of 2 columns 'n', 'total' differ")


@pytest.mark.parametrize(
    ("answer", "message", "hint"),
    [
        (
            "SELEC status FROM orders",
            r"^Your SQL failed: Parser Error: syntax error at or near",
            r"syntax error",
        ),
        (
            "SELECT status FROM oders",
            r"Table with name oders does not exist",
            r"the tables here are 'orders'",
        ),
        ("SELECT stat FROM orders", r"Binder Error", r"GROUP BY or inside an aggregate"),
        ("SELECT * FROM read_csv('/etc/passwd')", r"Permission Error", r"not available here"),
        (
            "SELECT 1; SELECT 2",
            r"^Your SQL has 2 statements; expected one SELECT",
            r"single SELECT",
        ),
        ("CREATE TABLE x AS SELECT 1", r"^Your SQL has a CREATE statement", r"single SELECT"),
        ("SET threads = 4", r"SET statement", r"single SELECT"),
        ("", r"Expected SQL text, found a str", r"write the query as a string"),
        (None, r"Expected SQL text, found None", r"write the query as a string"),
    ],
)
def test_sql_equal_failing_queries_score_zero_with_duckdbs_message(answer, message, hint):
    result = sql_equal(answer, REFERENCE, TABLES)
    assert result.score == 0.0
    assert re.search(message, result.message), result.message
    assert re.search(hint, result.hint), result.hint


def test_sql_equal_shows_where_the_syntax_error_is():
    result = sql_equal("SELECT status,, n FROM orders", REFERENCE, TABLES)
    assert "LINE 1" in result.details and "^" in result.details


def test_sql_equal_cannot_read_the_graders_variables():
    secret = pd.DataFrame({"answer": [42]})  # noqa: F841 - what a replacement scan would find
    result = sql_equal("SELECT * FROM secret", REFERENCE, TABLES)
    assert result.score == 0.0 and "secret does not exist" in result.message


def test_sql_equal_interrupts_a_query_that_runs_too_long():
    endless = "SELECT count(*) FROM range(1000000) a, range(1000000) b, range(1000) c"
    result = sql_equal(endless, REFERENCE, TABLES, timeout=0.2)
    assert result.score == 0.0 and "INTERRUPT" in result.message
    assert "join without a condition" in result.hint


def test_sql_equal_caps_the_rows_fetched():
    result = sql_equal("SELECT * FROM range(100)", REFERENCE, TABLES, max_rows=10)
    assert result.message == "Your SQL has more than 10 rows; a join without a condition?"


def test_sql_equal_refuses_a_reference_that_fails():
    with pytest.raises(InvalidValueError, match=r"expected SQL of sql_equal fails: Parser Error"):
        sql_equal(REFERENCE, "SELEC 1", TABLES)
    with pytest.raises(InvalidValueError, match=r"Table 'orders' given as a list"):
        sql_equal(REFERENCE, REFERENCE, {"orders": [1]})  # type: ignore[dict-item]


# --- building blocks ---------------------------------------------------------------------


def test_value_tokens_keep_types_apart_and_nulls_together():
    assert value_token(1) == value_token(1.0) == value_token(np.int8(1)) != value_token("1")
    assert value_token(True) != value_token(1)
    assert {value_token(v) for v in (None, np.nan, pd.NA, pd.NaT)} == {"null"}
    assert value_token(pd.Timestamp("2024-01-01")) == "t:1704067200000000000"
    assert (
        value_token(pd.Timestamp("2024-01-01 01:00", tz="Europe/Oslo")) == "T:1704067200000000000"
    )
    assert value_token(pd.Timestamp("3000-01-01")) == "t:3000-01-01T00:00:00"


def test_column_tokens_match_value_tokens():
    days = pd.Series(pd.to_datetime(["2024-01-01 00:00", None, "2024-03-01 12:00"])).dt.as_unit("s")
    aware = days.dt.tz_localize("UTC").dt.tz_convert("Asia/Tokyo")
    far = pd.Series([pd.Timestamp("3000-01-01").as_unit("s")])
    spans = pd.Series(pd.to_timedelta(["1h", None]))
    numbers = [
        pd.Series([1, -2, 2**60]),
        pd.Series([1.0, np.nan, -0.0, np.inf, 2.5e-300, 1e20]),
        pd.Series([1, None], dtype="Int64"),
        pd.Series([0.5, None], dtype="Float64"),
    ]
    for column in numbers:
        for digits in (None, 4):
            expected = [value_token(v, digits=digits) for v in column.astype(object)]
            assert list(column_tokens(column, digits=digits)) == expected
    for column in (days, aware, far, spans):
        expected = [value_token(v) for v in column.astype(object)]
        assert list(column_tokens(column)) == expected
    assert value_token([1, "a"]) == 'l:["n:1", "s:a"]'
    assert value_token(["a,s:b"]) != value_token(["a", "b"])
    assert value_token({"b": 1, "a": 2}) == 'm:[["s:a", "n:2"], ["s:b", "n:1"]]'
    assert value_token("a\x1fb\\") == "s:a\\x1fb\\\\"  # separators of fingerprints escaped
    assert value_token(Hostile()) == "o:Hostile:<Hostile object>"


def test_kinds_of_dtypes_and_columns():
    assert [dtype_kind(d) for d in ("int8", "UInt64", "float32", "bool", "boolean")] == [
        "integer",
        "integer",
        "float",
        "boolean",
        "boolean",
    ]
    assert dtype_kind("datetime64[ns, UTC]") == "datetime" and dtype_kind("category") == "category"
    assert column_kind(pd.Series([1, "a"], dtype=object)) == "object"
    assert column_kind(pd.Series(["a"], dtype="str")) == "string"


def test_every_check_returns_a_check_result_for_any_answer():
    for answer in (None, Hostile(), (x for x in []), object(), float("nan"), EXPECTED):
        results = [
            frame_equal(answer, EXPECTED),
            schema(answer, EXPECTED),
            row_count(answer, 4),
            unique_key(answer, "status"),
            value_range(answer, "n", 0, 10),
            scalar_equal(answer, 4),
            sql_equal(answer, REFERENCE, TABLES),
        ]
        assert all(isinstance(r, CheckResult) and 0 <= r.score <= 1 for r in results)
