"""Rules as SQL: the text each kind compiles to, in DuckDB's and PostgreSQL's dialects.

Golden cases as data: a rule, and the failing-rows condition or metric expression it
must compile to in each dialect (the same text where the dialects agree). What the SQL
*computes* is tested in ``test_check.py`` on both databases.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.compile import (
    CAST_PATTERNS,
    aggregate_query,
    columns_used,
    compile_rule,
    ident,
    interval,
    literal,
    rule_sql,
)
from pipelinekit.quality.rule import KINDS, Rule

NOW = pd.Timestamp("2024-06-01")

#: (rule, DuckDB SQL, PostgreSQL SQL or None when the same): the condition that makes a
#: row fail (row rules), the aggregate (metric rules) or the column query (schema rules).
GOLDEN = [
    (Rule("not_null", column="email"), "email IS NULL", None),
    (Rule("not_blank", column="email"), "trim(email) = ''", None),
    (
        Rule("null_share_at_most", column="email", max=0.1),
        "avg(CASE WHEN email IS NULL THEN 1.0 ELSE 0.0 END)",
        None,
    ),
    (
        Rule("unique", column="order_id"),
        "order_id IN (SELECT order_id FROM orders WHERE order_id IS NOT NULL"
        " GROUP BY order_id HAVING count(*) > 1)",
        None,
    ),
    (
        Rule("unique", columns=["order_id", "line"]),
        "(order_id, line) IN (SELECT order_id, line FROM orders WHERE order_id IS NOT NULL"
        " AND line IS NOT NULL GROUP BY order_id, line HAVING count(*) > 1)",
        None,
    ),
    (
        Rule("no_duplicate_rows"),
        "count(*) - (SELECT count(*) FROM (SELECT DISTINCT * FROM orders) AS d)",
        None,
    ),
    (Rule("distinct_count_between", column="status", max=5), "count(DISTINCT status)", None),
    (Rule("between", column="amount", min=0, max=5000), "amount < 0 OR amount > 5000", None),
    (Rule("between", column="amount", min=0, strict=True), "amount <= 0", None),
    (
        Rule("in_set", column="status", values=["paid", "it's", None]),
        "status NOT IN ('paid', 'it''s')",
        None,
    ),
    (Rule("in_set", column="status", values=[]), "status IS NOT NULL", None),
    (Rule("not_in_set", column="code", values=[1, 2.5]), "code IN (1, 2.5)", None),
    (
        Rule("matches_regex", column="email", pattern=r"^\S+@\S+$"),
        r"NOT regexp_matches(email, '^\S+@\S+$')",
        r"email !~ '^\S+@\S+$'",
    ),
    (
        Rule("length_between", column="sku", min=3, max=8),
        "length(sku) < 3 OR length(sku) > 8",
        None,
    ),
    (
        Rule("castable_to", column="code", type="integer"),
        "NOT regexp_matches(code, '^[+-]?[0-9]+$')",
        "code !~ '^[+-]?[0-9]+$'",
    ),
    (
        Rule("column_type", column="amount", family="float"),
        "DESCRIBE orders",
        "SELECT column_name, data_type\nFROM information_schema.columns\n"
        "WHERE table_schema = current_schema() AND table_name = 'orders'\n"
        "ORDER BY ordinal_position",
    ),
    (
        Rule("columns_present", columns=["order_id"], table="shop.orders"),
        "DESCRIBE orders",
        "SELECT column_name, data_type\nFROM information_schema.columns\n"
        "WHERE table_schema = current_schema() AND table_name = 'orders'\n"
        "ORDER BY ordinal_position",
    ),
    (
        Rule("foreign_key", column="customer_id", to="customers.customer_id"),
        "customer_id IS NOT NULL AND customer_id NOT IN"
        " (SELECT customer_id FROM customers WHERE customer_id IS NOT NULL)",
        None,
    ),
    (
        Rule("compare_columns", column="shipped_at", op="!=", other="ordered_at"),
        "NOT (shipped_at <> ordered_at)",
        None,
    ),
    (
        Rule("conditional", when="status = 'refunded'", then="amount < 0"),
        "(status = 'refunded') AND NOT (amount < 0)",
        None,
    ),
    (
        Rule("freshness", column="loaded_at", max_age="1 day"),
        "epoch(TIMESTAMP '2024-06-01 00:00:00') - epoch(max(loaded_at))",
        "extract(epoch FROM TIMESTAMP '2024-06-01 00:00:00' - max(loaded_at))",
    ),
    (
        Rule("not_future", column="ordered_at", now="2024-01-01T12:00"),
        "ordered_at > TIMESTAMP '2024-01-01 12:00:00'",
        None,
    ),
    (
        Rule("max_delay", column="loaded_at", since="ordered_at", max="2 days"),
        "loaded_at - ordered_at > INTERVAL '2 days'",
        None,
    ),
    (Rule("row_count_between", min=1), "count(*)", None),
    (Rule("mean_between", column="amount", min=1), "avg(amount)", None),
    (Rule("std_between", column="amount", max=1), "stddev_samp(amount)", None),
    (
        Rule("quantile_between", column="amount", q=0.999, max=1),
        "quantile_cont(amount, 0.999)",
        "percentile_cont(0.999) WITHIN GROUP (ORDER BY amount)",
    ),
    (
        Rule("share_between", column="amount", low=0, high=100, min=0.9),
        "avg(CASE WHEN amount < 0 OR amount > 100 THEN 0.0 WHEN amount IS NOT NULL THEN 1.0 END)",
        None,
    ),
    (Rule("sum_between", column="amount", min=0), "sum(amount)", None),
    (
        Rule(
            "reconcile_totals",
            column="amount",
            parts="items",
            key="order_id",
            expression="qty * price",
        ),
        "orders.order_id IS NOT NULL AND abs(amount - coalesce((SELECT sum(qty * price)"
        " FROM items AS parts WHERE parts.order_id = orders.order_id), 0)) > 0.01",
        None,
    ),
    (Rule("sql_predicate", expression="amount >= 0"), "NOT (amount >= 0)", None),
    (
        Rule("sql_metric", query="SELECT max(amount) FROM {table};", max=1),
        "(SELECT max(amount) FROM orders)",
        None,
    ),
]


def compiled_text(rule: Rule, dialect: str) -> str:
    part = compile_rule(rule, "orders", dialect=dialect, now=NOW)  # type: ignore[arg-type]
    if part.schema is not None:
        return part.schema
    if part.value is not None:
        return part.value
    return part.predicate or part.failing or ""


@pytest.mark.parametrize(("rule", "duck", "postgres"), GOLDEN, ids=[g[0].name for g in GOLDEN])
def test_each_kind_compiles_to_readable_sql(rule, duck, postgres):
    assert compiled_text(rule, "duckdb") == duck
    assert compiled_text(rule, "postgres") == (postgres or duck)


def test_the_golden_cases_cover_every_kind():
    covered = {rule.kind for rule, _, _ in GOLDEN}
    assert set(KINDS) == covered


def test_rule_sql_shows_the_count_and_the_sample_query():
    text = rule_sql(Rule("not_null", column="email"), table="customers", sample=3)
    assert text.splitlines() == [
        "-- not_null(email): count the failing rows",
        "SELECT",
        "  count(*) AS rows,",
        "  count(*) FILTER (WHERE email IS NULL) AS failing",
        "FROM customers;",
        "",
        "-- a sample of the failing rows",
        "SELECT *",
        "FROM customers",
        "WHERE email IS NULL",
        "LIMIT 3;",
    ]
    assert "-- a sample" not in rule_sql(Rule("mean_between", column="a", min=0))
    assert "FROM data" in rule_sql(Rule("mean_between", column="a", min=0))
    assert "FROM orders" in rule_sql(Rule("mean_between", column="a", min=0, table="orders"))


def test_no_duplicate_rows_samples_the_extra_copies():
    part = compile_rule(Rule("no_duplicate_rows"), "t")
    assert part.sample_query(2) == (
        "SELECT * FROM t\nEXCEPT ALL\nSELECT DISTINCT * FROM t\nLIMIT 2"
    )


def test_column_types_decide_casts_and_time_zones():
    types = {"code": "BIGINT", "day": "DATE", "at": "TIMESTAMP WITH TIME ZONE"}
    regex = Rule("castable_to", column="code", type="integer")
    assert "CAST(code AS VARCHAR)" in compile_rule(regex, "t", types=types).predicate
    pg = compile_rule(regex, "t", dialect="postgres", types={"code": "bigint"}).predicate
    assert "CAST(code AS TEXT)" in pg
    delay = Rule("max_delay", column="at", since="day", max="1 day")
    assert compile_rule(delay, "t", types=types).predicate == (
        "\"at\" - CAST(day AS TIMESTAMP) > INTERVAL '1 day'"
    )
    future = compile_rule(Rule("not_future", column="at"), "t", now=NOW, types=types)
    assert future.predicate == "\"at\" > TIMESTAMPTZ '2024-06-01 00:00:00+00:00'"
    assert compile_rule(Rule("not_future", column="at"), "t").predicate == (
        '"at" > CURRENT_TIMESTAMP'  # "at" is a keyword
    )


def test_names_are_quoted_only_when_they_must_be():
    assert compile_rule(Rule("not_null", column="Order ID"), "my table").sample == (
        'SELECT *\nFROM "my table"\nWHERE "Order ID" IS NULL'
    )
    assert ident("select") == '"select"' and ident('a"b') == '"a""b"'
    assert literal(pd.Timestamp("2024-01-02 03:04:05")) == "TIMESTAMP '2024-01-02 03:04:05'"
    assert literal(pd.Timestamp("2024-01-02").date()) == "DATE '2024-01-02'"


def test_intervals_and_aggregate_query():
    assert interval("1 day") == "INTERVAL '1 day'" and interval("3 Weeks") == "INTERVAL '3 weeks'"
    parts = [
        compile_rule(Rule("not_null", column="a"), "t"),
        compile_rule(Rule("column_type", column="a", family="float"), "t"),
    ]
    assert aggregate_query(parts, "t").splitlines()[2:] == [
        "  count(*) FILTER (WHERE a IS NULL) AS r0,",
        "  NULL AS r1",
        "FROM t",
    ]


def test_columns_used_by_table():
    assert columns_used(Rule("compare_columns", column="a", op="<", other="b")) == {
        None: ("a", "b")
    }
    assert columns_used(Rule("max_delay", column="a", since="b", max="1 day")) == {None: ("a", "b")}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("12", "integer"),
        ("-3", "integer"),
        ("3.5", "number"),
        (".5e-3", "number"),
        ("2024-02-29", "date"),
        ("2024-02-29T23:59:59.5", "timestamp"),
        ("2024-02-29 23:59", "timestamp"),
        ("Yes", "boolean"),
        ("F", "boolean"),
    ],
)
def test_cast_patterns_accept(text, kind):
    import re

    assert re.search(CAST_PATTERNS[kind], text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1.0", "integer"),
        ("1e", "number"),
        ("2024-13-01", "date"),
        ("2024-01-01 24:00", "timestamp"),
        ("yep", "boolean"),
    ],
)
def test_cast_patterns_refuse(text, kind):
    import re

    assert not re.search(CAST_PATTERNS[kind], text)


def test_bad_arguments_are_refused():
    with pytest.raises(UnknownNameError, match="'postgres'"):
        compile_rule(Rule("not_null", column="a"), "t", dialect="postgresql")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="a 'table.column'"):
        compile_rule(Rule("foreign_key", column="a", to="customers"), "t")
    with pytest.raises(InvalidValueError, match="ISO-8601"):
        compile_rule(Rule("not_future", column="a", now="soon"), "t")
    with pytest.raises(InvalidValueError, match="no failing rows"):
        compile_rule(Rule("mean_between", column="a", min=0), "t").sample_query()
