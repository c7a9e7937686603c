"""The pandas engine, kind by kind, on small frames whose answers are worked out by hand."""

from __future__ import annotations

import datetime
import decimal
import re
import statistics

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipelinekit.quality.pandas_backend import CASTABLE_PATTERNS, evaluate
from pipelinekit.quality.pandas_metrics import METRICS, SCHEMA_CHECKS, family
from pipelinekit.quality.pandas_rows import ROW_CHECKS
from pipelinekit.quality.pandas_sql import VIA_DUCKDB
from pipelinekit.quality.result import judge
from pipelinekit.quality.rule import KINDS, Rule

NOW = pd.Timestamp("2024-06-01 00:00")

# Row by row (worked out below each case):
#   id      1        2        2        3        NULL
#   amount  10.0     -5.0     7.5      NULL     5000.0
#   email   a@x.io   bad      "  "     NULL     b@y.org
#   status  paid     paid     new      gone     NULL        (category)
#   code    12       +7       1.5e3    x        NULL
#   created 05-01 10 05-02 12 06-02 00 NULL     05-31 23
#   shipped 05-02 09 05-01 12 06-05 00 05-01 00 NULL
FRAME = pd.DataFrame(
    {
        "id": [1, 2, 2, 3, None],
        "amount": [10.0, -5.0, 7.5, np.nan, 5000.0],
        "email": ["a@x.io", "bad", "  ", None, "b@y.org"],
        "status": pd.Categorical(["paid", "paid", "new", "gone", None]),
        "code": ["12", "+7", "1.5e3", "x", None],
        "created": pd.to_datetime(
            ["2024-05-01 10:00", "2024-05-02 12:00", "2024-06-02 00:00", None, "2024-05-31 23:00"]
        ),
        "shipped": pd.to_datetime(
            ["2024-05-02 09:00", "2024-05-01 12:00", "2024-06-05 00:00", "2024-05-01 00:00", None]
        ),
    },
    index=[10, 11, 12, 13, 14],  # not 0..n-1: the sample keeps the table's own labels
)
REF = pd.DataFrame({"id": [1.0, 2.0, np.nan]})
TABLES = {"ref": REF}


def run(rule: Rule, frame: pd.DataFrame = FRAME, **kwargs):
    return evaluate(rule, frame, tables=kwargs.pop("tables", TABLES), now=NOW, **kwargs)


def made(kind: str, column: str | None = None, **params) -> Rule:
    return Rule(kind, column=column, **params)


def reconcile(column: str, **params) -> Rule:
    return made("reconcile_totals", column, **params)


ROW_CASES = [
    # (rule, failing rows by position)
    (Rule("not_null", column="id"), [4]),
    (Rule("not_null", column="status"), [4]),
    (Rule("not_blank", column="email"), [2]),
    (Rule("unique", column="id"), [1, 2]),  # both rows of id 2; the NULL id passes
    (Rule("unique", columns=["id", "status"]), []),
    (Rule("no_duplicate_rows"), []),
    (Rule("between", column="amount", min=0, max=5000), [1]),  # bounds included
    (Rule("between", column="amount", min=-5, max=5000, strict="true"), [1, 4]),
    (Rule("between", column="amount", max=10, strict=True), [0, 4]),
    (Rule("between", column="amount", min=0), [1]),
    (Rule("between", column="id", min=2, max=2), [0, 3]),
    (Rule("in_set", column="status", values=["paid", "new"]), [3]),
    (Rule("in_set", column="status", values=["paid", "new", None]), [3]),  # NULL left out
    (Rule("in_set", column="status", values=[]), [0, 1, 2, 3]),
    (Rule("in_set", column="id", values=[1, 2]), [3]),  # integers against floats
    (Rule("not_in_set", column="status", values=["gone"]), [3]),
    (Rule("not_in_set", column="email", values=["bad", None]), [1]),
    (Rule("matches_regex", column="email", pattern="^[^@ ]+@[^@ ]+$"), [1, 2]),
    (Rule("matches_regex", column="email", pattern=r"x\."), [1, 2, 4]),  # search anywhere
    (Rule("matches_regex", column="status", pattern="^(paid|new)$"), [3]),  # a category
    (Rule("matches_regex", column="id", pattern="^[12]"), [3]),  # digits, as SQL casts
    (Rule("length_between", column="email", min=3, max=6), [2, 4]),
    (Rule("length_between", column="email", max=2), [0, 1, 4]),
    (Rule("castable_to", column="code", type="integer"), [2, 3]),
    (Rule("castable_to", column="code", type="number"), [3]),
    (Rule("foreign_key", column="id", to="ref.id"), [3]),
    (Rule("compare_columns", column="created", op="<=", other="shipped"), [1]),
    (Rule("compare_columns", column="amount", op=">", other="id"), [1]),
    (Rule("compare_columns", column="id", op="=", other="id"), []),
    (Rule("compare_columns", column="id", op="!=", other="id"), [0, 1, 2, 3]),
    (Rule("conditional", when="status = 'paid'", then="amount > 0"), [1]),
    (Rule("conditional", when="amount > 0", then="email LIKE '%@%'"), [2]),  # NULL then passes
    (Rule("sql_predicate", expression="amount < 100"), [4]),  # NULL amount passes
    (Rule("not_future", column="created"), [2]),
    (Rule("not_future", column="created", now="2024-06-03"), []),
    (Rule("not_future", column="created", now="2024-06-01T00:30:00+02:00"), [2, 4]),
    (Rule("max_delay", column="shipped", since="created", max="1 day"), [2]),
    (Rule("max_delay", column="shipped", since="created", max="22 hours"), [0, 2]),
]


@pytest.mark.parametrize(("rule", "expected"), ROW_CASES, ids=[str(r) for r, _ in ROW_CASES])
def test_row_rules_count_and_sample_the_failing_rows(rule, expected):
    outcome = run(rule)
    assert outcome.error is None
    assert (outcome.rows, outcome.failing) == (5, len(expected))
    pd.testing.assert_frame_equal(outcome.sample, FRAME.iloc[expected])


@pytest.mark.parametrize(
    ("values", "rule", "failing"),
    [
        (["é🙂", "abc", "ab "], Rule("length_between", column="s", max=2), 2),  # characters
        ([" ", "\t", "", " x "], Rule("not_blank", column="s"), 2),  # SQL trim: spaces only
        (["2024-02-30", "2024-13-01", "2024-1-01", "2024-12-31"],
         Rule("castable_to", column="s", type="date"), 2),  # shape, not the calendar
        (["2024-06-01 12:00", "2024-06-01T12:00:59.5", "2024-06-01 24:00", "2024-06-01"],
         Rule("castable_to", column="s", type="timestamp"), 2),
        (["TRUE", "no", "f", "1", "2", "yes ", "Yes"],
         Rule("castable_to", column="s", type="boolean"), 2),
        (["12\n", "-3", "+4", "4.", " 5"], Rule("castable_to", column="s", type="integer"), 3),
        ([".5", "5.", "1e9", "1e", "-.5E-3", "."],
         Rule("castable_to", column="s", type="number"), 2),
    ],
)  # fmt: skip
def test_text_rules_follow_sql(values, rule, failing):
    outcome = run(rule, pd.DataFrame({"s": values}))
    assert (outcome.error, outcome.failing) == (None, failing)


def test_castable_patterns_are_the_sql_engines_own():
    from pipelinekit.quality.compile import CAST_PATTERNS

    assert CASTABLE_PATTERNS is CAST_PATTERNS
    assert set(CASTABLE_PATTERNS) == set(KINDS["castable_to"].params[0].choices)


def test_text_rules_read_integers_and_booleans_as_sql_casts_them():
    frame = pd.DataFrame({"n": [7, 123, -1], "b": [True, False, True]})
    assert run(Rule("castable_to", column="n", type="integer"), frame).failing == 0
    assert run(Rule("length_between", column="n", max=2), frame).failing == 1
    assert run(Rule("matches_regex", column="b", pattern="^true$"), frame).failing == 1


def test_no_duplicate_rows_fails_each_extra_copy_and_nulls_compare_equal():
    frame = pd.DataFrame({"a": [1, 1, None, None, 1, 2], "b": ["x", "x", "y", "y", "x", None]})
    outcome = run(Rule("no_duplicate_rows"), frame)
    assert outcome.failing == 3
    assert outcome.sample.index.tolist() == [1, 3, 4]
    assert run(Rule("unique", columns=["a", "b"]), frame).failing == 3  # NULL keys pass


def test_timestamps_are_compared_in_utc():
    paris = FRAME.assign(created=FRAME["created"].dt.tz_localize("Europe/Paris"))
    # 2024-06-02 00:00 Paris is 06-01 22:00 UTC: still after now (06-01 00:00 UTC)
    assert run(Rule("not_future", column="created"), paris).failing == 1
    assert run(Rule("not_future", column="created", now="2024-06-01 22:00"), paris).failing == 0
    # shipped (naive = UTC) against created in Paris: row 0 is now 2 h later, so 25 h
    delay = Rule("max_delay", column="shipped", since="created", max="1 day")
    assert run(delay, paris).failing == 2
    fresh = run(Rule("freshness", column="created", max_age="1 day"), paris)
    assert fresh.value == -22 * 3600


def test_dates_are_midnight_utc():
    frame = pd.DataFrame({"day": [datetime.date(2024, 5, 30), None, datetime.date(2024, 6, 2)]})
    assert run(Rule("not_future", column="day"), frame).failing == 1
    assert run(Rule("freshness", column="day", max_age="1 day"), frame).value == -86400


ORDERS = pd.DataFrame({"order_id": [1, 2, 3, 4, None], "total": [30.0, 5.0, 0.0, 9.0, 5.0]})
ITEMS = pd.DataFrame(
    {
        "order_id": [1, 1, 2, 4, None],
        "quantity": [2, 1, 1, 3, 1],
        "unit_price": [10.0, 10.0, 5.0, 3.0, 5.0],
        "discount": [0.0, 0.0, np.nan, 0.0, 0.0],
    }
)


@pytest.mark.parametrize(
    ("expression", "tolerance", "failing", "duckdb"),
    [
        ("quantity * unit_price", None, [], False),
        ("quantity * unit_price * (1 - discount)", None, [1], False),  # NULL part sums to 0
        ("quantity * unit_price * (1 - coalesce(discount, 0))", None, [], True),
        ("quantity * unit_price + 0.005", None, [], False),  # within 0.01
        ("quantity * unit_price + 0.5", 0.4, [0, 1, 3], False),
    ],
)
def test_reconcile_totals(expression, tolerance, failing, duckdb):
    params = {"parts": "items", "key": "order_id", "expression": expression}
    if tolerance is not None:
        params["tolerance"] = tolerance
    outcome = run(reconcile("total", **params), ORDERS, tables={"items": ITEMS})
    assert outcome.error is None
    # order 3 has no items and a total of 0; the NULL order id passes
    assert outcome.sample.index.tolist() == failing
    assert (outcome.details == VIA_DUCKDB) is duckdb


@pytest.mark.parametrize(
    "make",
    [
        lambda: Rule("reconcile_totals", column="total", parts="items", key="id", expression="1"),
        lambda: Rule("columns_present", columns=["id", "amount"]),
    ],
)
def test_rules_with_a_table_or_columns_parameter_can_be_made(make):
    assert make().params


METRIC_CASES = [
    (Rule("null_share_at_most", column="email", max=0.1), 0.2),
    (Rule("null_share_at_most", column="id", max=0.1), 0.2),
    (Rule("distinct_count_between", column="id", min=1), 3.0),
    (Rule("distinct_count_between", column="status", min=1), 3.0),
    (Rule("row_count_between", min=1), 5.0),
    (Rule("mean_between", column="amount", min=0), 1253.125),
    (Rule("std_between", column="amount", max=1), statistics.stdev([10, -5, 7.5, 5000])),
    (Rule("quantile_between", column="amount", q=0.5, max=1), 8.75),
    (Rule("quantile_between", column="amount", q=0.9, max=1), 3503.0),
    (Rule("quantile_between", column="amount", q=0, max=1), -5.0),
    (Rule("share_between", column="amount", low=0, high=100, min=0.9), 0.5),
    (Rule("share_between", column="amount", high=7.5, min=0.9), 0.5),
    (Rule("share_between", column="amount", min=0.9), 1.0),
    (Rule("sum_between", column="amount", max=0), 5012.5),
    (Rule("sum_between", column="id", max=0), 8.0),
    (Rule("freshness", column="created", max_age="1 day"), -86400.0),
    (Rule("freshness", column="created", max_age="1 day", now="2024-06-03"), 86400.0),
    (Rule("sql_metric", query="SELECT count(*) FROM {table} WHERE amount < 0", max=0), 1.0),
    (Rule("sql_metric", query="SELECT count(*) FROM ref", max=0), 3.0),
    (Rule("sql_metric", query="SELECT max(amount) FROM {table} WHERE id > 9", max=0), None),
]


@pytest.mark.parametrize(("rule", "value"), METRIC_CASES, ids=[str(r) for r, _ in METRIC_CASES])
def test_metric_rules_give_the_value(rule, value):
    outcome = run(rule)
    assert (outcome.error, outcome.rows) == (None, 5)
    assert outcome.value == (None if value is None else pytest.approx(value, rel=1e-12))
    assert (outcome.details == VIA_DUCKDB) is (rule.kind == "sql_metric")


@pytest.mark.parametrize(
    ("rule", "failing", "details"),
    [
        (Rule("column_type", column="id", family="float"), 0, ""),
        (Rule("column_type", column="id", family="integer"), 1,
         "column 'id' is float64 (float), expected integer"),
        (Rule("column_type", column="status", family="category"), 0, ""),
        (Rule("column_type", column="email", family="string"), 0, ""),
        (Rule("column_type", column="created", family="datetime"), 0, ""),
        (Rule("column_type", column="status", family="string"), 0, ""),  # as in a database
        (made("columns_present", columns=["id", "amount"]), 0, ""),
        (made("columns_present", columns=["id", "amount", "email", "status", "code", "created",
                                          "shipped", "nope"]), 1, "missing column 'nope'"),
        (made("columns_present", columns=["id", "amont", "nope"]), 2,
         "missing column 'amont', 'nope' (renamed? the table also has 'amount', 'email',"
         " 'status', 'code', 'created', 'shipped')"),
        (made("columns_present", columns=["id", "amount", "x"], exact=True), 6,
         "missing column 'x' (renamed? the table also has 'email', 'status', 'code', 'created',"
         " 'shipped'); unexpected column 'email', 'status', 'code', 'created', 'shipped'"),
    ],
)  # fmt: skip
def test_schema_rules_count_the_problems(rule, failing, details):
    outcome = run(rule)
    assert (outcome.error, outcome.failing, outcome.details) == (None, failing, details)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pd.Series([1, None], dtype="Int64"), "integer"),
        (pd.Series([1.5], dtype="float32"), "float"),
        (pd.Series([True, None], dtype="boolean"), "boolean"),
        (pd.Series(["a", None], dtype="string"), "string"),
        (pd.Series([None, None], dtype=object), "string"),
        (pd.Series(pd.to_datetime(["2024-01-01"]).tz_localize("UTC")), "datetime"),
        (pd.Series([pd.Timedelta("1D")]), "other"),
        (pd.Series([1, "a"], dtype=object), "other"),
        (pd.Series([decimal.Decimal("1.5")], dtype=object), "decimal"),
        (pd.Series([1, 2], dtype="int32[pyarrow]"), "integer"),
        (pd.Series(["a"], dtype=pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string()))),
         "category"),
    ],
)  # fmt: skip
def test_family_of_each_dtype(values, expected):
    assert family(values) == expected


EMPTY = FRAME.iloc[0:0]


@pytest.mark.parametrize("rule", [rule for rule, _ in ROW_CASES], ids=str)
def test_row_rules_pass_an_empty_table_with_no_rows(rule):
    outcome = run(rule, EMPTY)
    assert (outcome.error, outcome.rows, outcome.failing, len(outcome.sample)) == (None, 0, 0, 0)
    assert judge(rule, outcome, sql="", engine="pandas").message.endswith("all 0 rows pass")


@pytest.mark.parametrize("rule", [rule for rule, _ in METRIC_CASES], ids=str)
def test_metric_rules_have_no_value_on_an_empty_table(rule):
    outcome = run(rule, EMPTY)
    assert outcome.error is None
    if rule.kind == "row_count_between":
        assert outcome.value == 0.0
    else:
        assert outcome.value is None
        assert judge(rule, outcome, sql="", engine="pandas").status == "failed"


@pytest.mark.parametrize(
    ("rule", "value"),
    [
        (Rule("null_share_at_most", column="x", max=0), 1.0),
        (Rule("distinct_count_between", column="x", min=1), 0.0),
        (Rule("mean_between", column="x", min=0), None),
        (Rule("std_between", column="x", min=0), None),
        (Rule("quantile_between", column="x", q=0.5, min=0), None),
        (Rule("share_between", column="x", low=0, min=0), None),
        (Rule("sum_between", column="x", min=0), None),
    ],
)
def test_metrics_of_an_all_null_column(rule, value):
    assert run(rule, pd.DataFrame({"x": [np.nan, np.nan]})).value == value


def test_std_of_one_value_is_null_as_stddev_samp():
    assert run(Rule("std_between", column="x", min=0), pd.DataFrame({"x": [3.0]})).value is None


def test_the_sample_is_limited_and_keeps_every_column():
    rule = Rule("not_in_set", column="status", values=["paid", "new"])
    assert run(rule, sample=0).sample.empty
    one = run(Rule("unique", column="id"), sample=1).sample
    assert (one.index.tolist(), one.columns.tolist()) == ([11], FRAME.columns.tolist())
    assert run(Rule("mean_between", column="amount", min=0)).sample is None


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (Rule("not_null", column="amout"), "Unknown column 'amout'.*did you mean 'amount'"),
        (Rule("unique", columns=["id", "stauts"]), "Unknown column 'stauts'.*'status'"),
        (Rule("compare_columns", column="created", op="<", other="shiped"), "'shipped'"),
        (Rule("max_delay", column="shipped", since="craeted", max="1 day"), "'created'"),
        (Rule("column_type", column="amout", family="float"), "Unknown column 'amout'"),
        (Rule("between", column="email", min=0), "needs numbers.*'email' holds"),
        (Rule("mean_between", column="status", min=0), "needs numbers"),
        (Rule("freshness", column="email", max_age="1 day"), "needs timestamps.*pd.to_datetime"),
        (Rule("quantile_between", column="amount", q=1.5, max=1), "from 0 to 1"),
        (Rule("foreign_key", column="id", to="id"), "a 'table.column'"),
        (Rule("foreign_key", column="id", to="rfe.id"), "Unknown table 'rfe'.*'ref'"),
        (Rule("foreign_key", column="id", to="ref.ident"), "Unknown column 'ident'.*'id'"),
        (Rule("compare_columns", column="email", op="<", other="amount"), "could not check"),
        (Rule("sql_predicate", expression="amout > 0"), "Unknown column 'amout'.*'amount'"),
        (Rule("sql_predicate", expression="amount >"), "DuckDB could not run the SQL condition"),
        (Rule("conditional", when="x = 1", then="TRUE"), "Unknown column 'x'"),
        (Rule("sql_metric", query="SELECT id FROM {table}", max=1), "one number"),
        (Rule("sql_metric", query="SELECT 'a'", max=1), "a number"),
        (reconcile("amount", parts="items", key="id", expression="1"), "Unknown table 'items'"),
    ],
)
def test_a_rule_that_cannot_be_checked_gives_an_error_not_an_exception(rule, message):
    outcome = run(rule)
    assert outcome.error is not None
    assert outcome.failing == 0
    assert re.search(message, outcome.error, flags=re.DOTALL)
    assert judge(rule, outcome, sql="", engine="pandas").status == "error"


def test_reconcile_totals_errors_name_the_parts_table_columns():
    rule = reconcile("total", parts="items", key="order", expression="quantity")
    assert "did you mean 'order_id'" in run(rule, ORDERS, tables={"items": ITEMS}).error
    rule = reconcile("total", parts="items", key="order_id", expression="quantity * price")
    assert "Unknown column 'price'" in run(rule, ORDERS, tables={"items": ITEMS}).error


def test_every_kind_has_a_pandas_check_at_its_level():
    checks = {"row": ROW_CHECKS, "metric": METRICS, "schema": SCHEMA_CHECKS}
    for name, kind in KINDS.items():
        assert name in checks[kind.level], name
    assert sum(map(len, checks.values())) == len(KINDS)
