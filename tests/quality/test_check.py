"""Checking rules: every kind on DuckDB, PostgreSQL and pandas against hand-computed answers.

The cases are data: a rule, and the failing-row count or the value worked out by hand on
the small tables below. The same cases run on the three engines, which must agree.
"""

from __future__ import annotations

import importlib
import statistics
import uuid

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa

import pipelinekit as pk
from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.check import QualityGateError, check
from pipelinekit.quality.rule import Rule

NOW = "2024-06-01 00:00:00"
T = pd.Timestamp

ORDERS = pd.DataFrame(
    {
        "order_id": [1, 2, 2, 4, 5, 6],
        "customer_id": [10, 11, 99, 10, None, 12],
        "amount": [10.0, -5.0, 20.0, None, 7000.0, 30.0],
        "shipping": [1.0, 2.0, 25.0, 1.0, None, 0.0],
        "status": pd.Categorical(["paid", "paid", "refunded", "lost", None, "paid"]),
        "email": ["a@x.org", "bad", "c@y.com", " ", None, "d@@z.io"],
        "code": ["12", "x1", "3.5", "2024-01-05", "", None],
        "ordered_at": [
            T("2024-01-01 10:00"),
            T("2024-01-02 10:00"),
            T("2024-01-03 10:00"),
            T("2024-01-04 10:00"),
            None,
            T("2024-07-01 00:00"),
        ],
        "loaded_at": [
            T("2024-01-01 11:00"),
            T("2024-01-05 10:00"),
            T("2024-01-03 12:00"),
            None,
            T("2024-01-06 00:00"),
            T("2024-05-31 12:00"),
        ],
    }
)
TABLES = {
    "orders": ORDERS,
    "customers": pd.DataFrame({"customer_id": [10, 11, 12], "name": ["Ann", "Bo", "Cy"]}),
    "items": pd.DataFrame(
        {"order_id": [1, 1, 2, 4, 6], "qty": [1, 2, 1, 3, 1], "price": [5.0, 2.5, 20.0, 1, 29]}
    ),
    "dups": pd.DataFrame({"a": [1, 1, 1, None, None, 2], "b": ["x", "x", "x", None, None, "y"]}),
}
AMOUNTS = [10.0, -5.0, 20.0, 7000.0, 30.0]


def r(kind: str, table: str = "orders", **fields) -> Rule:
    return Rule(kind, table=table, **fields)


def made(kind: str, table: str, column: str | None = None, /, **params) -> Rule:
    return Rule(kind, table=table, column=column, **params)


def reconcile(**params) -> Rule:
    parts = {"parts": "items", "key": "order_id", "expression": "qty * price"}
    return made("reconcile_totals", "orders", "amount", **parts, **params)


def present(columns: list[str], **params) -> Rule:
    return Rule("columns_present", table="orders", columns=columns, **params)


#: (rule, status, failing rows or the metric's value), worked out by hand on TABLES.
CASES = [
    (r("not_null", column="amount"), "failed", 1),
    (r("not_null", column="order_id"), "passed", 0),
    (r("not_blank", column="email"), "failed", 1),  # " "
    (r("not_blank", column="code"), "failed", 1),  # ""
    (r("null_share_at_most", column="status", max=0.1), "failed", 1 / 6),
    (r("null_share_at_most", column="status", max=0.2), "passed", 1 / 6),
    (r("unique", column="order_id"), "failed", 2),  # both rows of order 2
    (r("unique", columns=["order_id", "status"]), "passed", 0),
    (r("unique", column="customer_id"), "failed", 2),  # 10 twice; the NULL passes
    (r("no_duplicate_rows", table="dups"), "failed", 3),  # (1, x) twice more, NULLs once
    (r("distinct_count_between", column="status", max=2), "failed", 3),
    (r("between", column="amount", min=0, max=5000), "failed", 2),  # -5, 7000
    (r("between", column="amount", min=10, strict=True), "failed", 2),  # 10 itself, -5
    (r("between", column="amount", max=7000), "passed", 0),
    (r("in_set", column="status", values=["paid", "refunded"]), "failed", 1),  # lost
    (r("in_set", column="order_id", values=[1, 2, 4, 5, 6, None]), "passed", 0),
    (r("not_in_set", column="status", values=["lost", None]), "failed", 1),
    (r("matches_regex", column="email", pattern="^[^@ ]+@[^@ ]+$"), "failed", 3),
    (r("matches_regex", column="email", pattern="@"), "failed", 2),  # "bad", " "
    (r("length_between", column="email", min=2, max=7), "failed", 1),  # " "
    (r("castable_to", column="code", type="integer"), "failed", 4),
    (r("castable_to", column="code", type="number"), "failed", 3),
    (r("castable_to", column="code", type="date"), "failed", 4),
    (r("castable_to", column="order_id", type="integer"), "passed", 0),  # cast to text
    (r("column_type", column="amount", family="float"), "passed", 0),
    (r("column_type", column="status", family="integer"), "failed", 1),
    (r("column_type", column="status", family="category"), "passed", 0),  # text in PG
    (r("foreign_key", column="customer_id", to="customers.customer_id"), "failed", 1),
    (r("compare_columns", column="shipping", op="<", other="amount"), "failed", 2),
    (r("compare_columns", column="amount", op="!=", other="shipping"), "passed", 0),
    (
        r("conditional", when="status = 'refunded'", then="amount < 0"),
        "failed",
        1,
    ),
    (reconcile(tolerance=0.01), "failed", 3),  # -5 vs 20, 7000 vs 0 (no items), 30 vs 29
    (reconcile(tolerance=1.5), "failed", 2),
    (present(["order_id", "amount", "total"]), "failed", 1),
    (present(list(ORDERS.columns), exact=True), "passed", 0),
    (present(["order_id"], exact=True), "failed", 8),
    (r("freshness", column="loaded_at", max_age="1 day"), "passed", 43_200.0),
    (r("freshness", column="loaded_at", max_age="6 hours"), "failed", 43_200.0),
    (
        r("freshness", column="loaded_at", max_age="1 day", now="2024-06-02 12:00"),
        "failed",
        172_800.0,
    ),
    (r("not_future", column="ordered_at"), "failed", 1),  # July
    (r("not_future", column="ordered_at", now="2024-08-01"), "passed", 0),
    (r("max_delay", column="loaded_at", since="ordered_at", max="1 day"), "failed", 1),
    (r("max_delay", column="loaded_at", since="ordered_at", max="3 days"), "passed", 0),
    (r("row_count_between", min=1, max=5), "failed", 6),
    (r("mean_between", column="amount", min=0, max=1000), "failed", 1411.0),
    (r("std_between", column="amount", max=5000), "passed", statistics.stdev(AMOUNTS)),
    (r("quantile_between", column="amount", q=0.5, min=0, max=100), "passed", 20.0),
    (r("quantile_between", column="amount", q=0.9, max=1000), "failed", 4212.0),
    (r("share_between", column="amount", low=0, high=100, min=0.9), "failed", 0.6),
    (r("sum_between", column="amount", min=0), "passed", 7055.0),
    (r("sql_predicate", expression="amount <> 20"), "failed", 1),
    (
        r("sql_metric", query="SELECT max(amount) - min(amount) FROM {table}", max=10),
        "failed",
        7005.0,
    ),
]
IDS = [f"{i:02d}-{rule.name}" for i, (rule, _, _) in enumerate(CASES)]


def assert_case(result, status, expected) -> None:
    assert result.status == status, result.message
    if result.rule.level == "metric":
        assert result.value == pytest.approx(expected), result.message
    else:
        assert result.failing == expected, result.message
        assert result.rows == len(TABLES[result.table]) or result.rule.level == "schema"


@pytest.fixture(scope="module")
def duckdb_report():
    return check(TABLES, [rule for rule, _, _ in CASES], now=NOW)


@pytest.fixture(scope="module")
def postgres_engine(postgres_url):
    """TABLES in a schema of their own on the local server, dropped afterwards."""
    schema = f"pk_quality_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine = sa.create_engine(postgres_url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        for name, frame in TABLES.items():
            frame.to_sql(name, engine, index=False)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="module")
def postgres_report(postgres_engine):
    return check(list(TABLES), [rule for rule, _, _ in CASES], connection=postgres_engine, now=NOW)


@pytest.mark.parametrize(
    ("position", "status", "expected"), [(i, s, e) for i, (_, s, e) in enumerate(CASES)], ids=IDS
)
def test_every_kind_on_duckdb(duckdb_report, position, status, expected):
    result = duckdb_report.results[position]
    assert result.engine == "duckdb"
    assert_case(result, status, expected)


@pytest.mark.services
@pytest.mark.parametrize(
    ("position", "status", "expected"), [(i, s, e) for i, (_, s, e) in enumerate(CASES)], ids=IDS
)
def test_every_kind_on_postgres(postgres_report, position, status, expected):
    result = postgres_report.results[position]
    assert result.engine == "postgresql"
    assert_case(result, status, expected)


@pytest.mark.parametrize(
    ("position", "status", "expected"), [(i, s, e) for i, (_, s, e) in enumerate(CASES)], ids=IDS
)
def test_every_kind_on_pandas(position, status, expected):
    rule = CASES[position][0]
    result = check(TABLES, [rule], engine="pandas", now=NOW).results[0]
    assert result.engine == "pandas"
    assert_case(result, status, expected)


def test_every_kind_is_covered():
    assert {rule.kind for rule, _, _ in CASES} == set(pk.quality.rule.KINDS)


def test_failing_rows_are_sampled_in_table_order(duckdb_report):
    between = next(x for x in duckdb_report.results if "max=5000" in repr(x.rule))
    assert between.sample["amount"].tolist() == [-5.0, 7000.0]
    assert between.sample.columns.tolist() == ORDERS.columns.tolist()
    passed = duckdb_report.results[1]
    assert passed.sample is None
    assert "count(*) FILTER (WHERE amount < 0 OR amount > 5000)" in between.sql


@pytest.mark.services
def test_postgres_samples_and_sql_are_postgres(postgres_report):
    regex = next(x for x in postgres_report.results if "[^@ ]" in repr(x.rule))
    assert sorted(regex.sample["email"]) == [" ", "bad", "d@@z.io"]
    assert "email !~ '^[^@ ]+@[^@ ]+$'" in regex.sql
    quantile = next(x for x in postgres_report.results if "q=0.9" in repr(x.rule))
    assert "percentile_cont(0.9) WITHIN GROUP (ORDER BY amount)" in quantile.sql


def test_one_aggregate_query_per_table(monkeypatch):
    seen: list[str] = []
    real = duckdb.DuckDBPyConnection.execute

    class Spy:
        def __init__(self, cursor):
            self.cursor = cursor

        def execute(self, sql, *args):
            seen.append(sql)
            return real(self.cursor, sql, *args)

        def __getattr__(self, name):
            return getattr(self.cursor, name)

    check_module = importlib.import_module("pipelinekit.quality.check")  # not the function

    original = check_module._DuckDB.__init__

    def init(self, connection, frames):
        original(self, connection, frames)
        self.cursor = Spy(self.cursor)

    monkeypatch.setattr(check_module._DuckDB, "__init__", init)
    rules = [rule for rule, _, _ in CASES if rule.table == "orders" and rule.level != "schema"]
    report = check(TABLES, rules, now=NOW, sample=0)
    aggregates = [sql for sql in seen if sql.startswith("SELECT\n  count(*) AS rows")]
    assert len(aggregates) == 1 and len(rules) > 30
    assert report.counts["error"] == 0


def test_sample_none_keeps_every_failing_row_and_zero_keeps_none():
    rule = r("between", column="amount", min=100)
    assert len(check(TABLES, [rule], sample=None).results[0].sample) == 4
    assert check(TABLES, [rule], sample=0).results[0].sample is None


# -- the dirty e-commerce shop: each injected problem found exactly ----------------------


@pytest.fixture(scope="module")
def shop():
    return pk.datasets.load("ecommerce", scale="small", seed=42, dirty=True)


CUSTOMER_COLUMNS = [
    "customer_id",
    "first_name",
    "last_name",
    "email",
    "city",
    "country",
    "birth_year",
    "signed_up_at",
]
CURATED = [
    (r("not_null", "customers", column="email"), "nulls"),
    (
        r("matches_regex", "customers", column="email", pattern=r"^[^@ ]+@[^@ ]+\.[^@ ]+$"),
        "bad_emails",
    ),
    (r("unique", "orders", column="order_id"), "duplicates"),
    (r("between", "order_items", column="quantity", min=1, max=100), "out_of_range"),
    (r("between", "products", column="price", min=0.01, max=5000), "out_of_range"),
    (r("foreign_key", "orders", column="customer_id", to="customers.customer_id"), "orphan_keys"),
    (
        r("max_delay", "orders", column="loaded_at", since="ordered_at", max="1 day"),
        "late_arrivals",
    ),
    (r("not_null", "customers", column="city"), "schema_drift"),
]
KEYS = {
    "customers": ["customer_id"],
    "orders": ["order_id"],
    "order_items": ["order_id", "line_number"],
    "products": ["product_id"],
}


@pytest.mark.parametrize("engine", ["duckdb", "pandas"])
def test_curated_rules_find_exactly_the_injected_rows(shop, engine):
    rules = [rule for rule, _ in CURATED]
    report = check(shop, rules, sample=None, engine=engine)
    log = shop.injected
    for result, (rule, problem) in zip(report.results, CURATED, strict=True):
        keys = result.sample[KEYS[rule.table]].astype(str).agg("/".join, axis=1)
        injected = log[(log.table == rule.table) & (log.problem == problem)]
        assert set(keys) == set(injected.key), rule.name
        if problem != "duplicates":  # both copies of a duplicated key fail
            assert result.failing == len(injected), rule.name


def test_columns_present_catches_the_renamed_column(shop):
    rule = Rule("columns_present", table="customers", columns=CUSTOMER_COLUMNS, exact=True)
    result = check(shop, [rule]).results[0]
    assert result.status == "failed"
    assert "unexpected column 'town'" in result.message
    missing = Rule("columns_present", table="customers", columns=[*CUSTOMER_COLUMNS, "postcode"])
    message = check(shop, [missing]).results[0].message
    assert "missing column 'postcode'" in message and "'town'" in message


# -- modes, errors, empty tables ---------------------------------------------------------


def test_fail_fast_stops_at_the_first_failing_error_rule():
    rules = [
        r("not_null", column="order_id"),
        r("between", column="amount", min=0, severity="warn"),  # fails, but only warns
        r("unique", column="order_id"),  # fails: stops here
        r("not_null", column="amount"),
    ]
    with pytest.raises(QualityGateError, match=r"stopped at unique\(order_id\) on orders") as info:
        check(TABLES, rules, mode="fail_fast")
    report = info.value.report
    assert [x.status for x in report.results] == ["passed", "failed", "failed", "skipped"]
    assert "fail_fast" in report.results[3].message and not report.passed
    assert info.value.result.rule.name == "unique(order_id)"
    collected = check(TABLES, rules)  # collect: every rule runs
    assert [x.status for x in collected.results] == ["passed", "failed", "failed", "failed"]


def test_fail_fast_passes_quietly_when_nothing_fails():
    report = check(TABLES, [r("not_null", column="order_id")], mode="fail_fast")
    assert report.passed and report.mode == "fail_fast"


def test_problems_become_error_results_and_the_run_goes_on():
    rules = [
        r("not_null", column="amout"),
        r("foreign_key", column="customer_id", to="clients.customer_id"),
        r("foreign_key", column="customer_id", to="customers.id"),
        r("sql_predicate", expression="amount >>> 0"),
        r("compare_columns", column="amount", op="<", other="email"),  # DOUBLE < VARCHAR
        r("not_null", table="ordres", column="amount"),
        r("not_null", column="order_id"),
    ]
    report = check(TABLES, rules)
    statuses = [x.status for x in report.results]
    assert statuses[:6] == ["error"] * 6 and statuses[6] == "passed"
    messages = [x.message for x in report.results]
    assert "table 'orders': Unknown column 'amout'" in messages[0] and "'amount'" in messages[0]
    assert "Unknown table named by foreign_key 'clients'" in messages[1]
    assert "'customer_id'" in messages[2]  # the columns of customers
    assert "could not be checked" in messages[3]
    assert "did you mean 'orders'" in messages[5]
    assert not report.passed


def test_a_rule_without_table_among_several_tables_is_an_error_listing_them():
    result = check(TABLES, [Rule("not_null", column="amount")]).results[0]
    assert result.status == "error"
    assert "'orders', 'customers', 'items', 'dups'" in result.message


def test_a_single_frame_is_called_data_unless_named():
    rule = r("not_null", column="amount")
    assert "name='orders'" in check(ORDERS, [rule]).results[0].message
    assert check(ORDERS, [rule], name="orders").results[0].status == "failed"
    assert check(ORDERS, [Rule("not_null", column="amount")]).results[0].table == "data"


def test_an_empty_table_passes_row_rules_with_no_rows_and_fails_metrics():
    empty = ORDERS.iloc[0:0]
    rules = [
        Rule("not_null", column="amount"),
        Rule("unique", column="order_id"),
        Rule("mean_between", column="amount", min=0),
        Rule("distinct_count_between", column="status", min=0),
        Rule("row_count_between", min=0),
    ]
    for engine in ("duckdb", "pandas"):
        report = check(empty, rules, engine=engine)
        assert [x.status for x in report.results] == [
            "passed",
            "passed",
            "failed",
            "failed",
            "passed",
        ], engine
        assert report.results[0].rows == 0 and "no value" in report.results[2].message


def test_now_defaults_to_the_time_of_the_check_and_is_recorded():
    before = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    report = check(TABLES, [r("not_future", column="ordered_at")])
    assert report.now >= before
    assert check(TABLES, [], now="2024-06-01").now == pd.Timestamp("2024-06-01")


def test_timezone_aware_columns_compare_in_utc():
    frame = pd.DataFrame({"at": pd.to_datetime(["2024-06-01 01:30"]).tz_localize("Europe/Paris")})
    late = Rule("not_future", column="at")  # 23:30 UTC the day before
    assert check(frame, [late], now="2024-05-31 23:00").results[0].failing == 1
    assert check(frame, [late], now="2024-05-31 23:45").results[0].failing == 0
    assert check(frame, [late], now="2024-06-01 01:45+02:00").results[0].failing == 0


def test_tables_of_a_duckdb_connection():
    connection = duckdb.connect()
    connection.register("frame", ORDERS)
    connection.execute("CREATE TABLE orders AS SELECT * FROM frame")
    report = check("orders", [r("not_null", column="amount")], connection=connection)
    assert report.results[0].failing == 1 and report.engine == "duckdb"
    assert (
        check(None, [r("unique", column="order_id")], connection=connection).results[0].failing == 2
    )
    connection.close()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: check(TABLES, [{"kind": "not_null"}]), InvalidValueError, "Rule objects"),
        (lambda: check(TABLES, [], mode="fast"), UnknownNameError, "fail_fast"),
        (lambda: check(TABLES, [], sample=-1), InvalidValueError, "sample"),
        (lambda: check(TABLES, [], engine="spark"), UnknownNameError, "engine for frames"),
        (lambda: check(["orders"], []), InvalidValueError, "without a connection"),
        (lambda: check(42, []), InvalidValueError, "data of type int"),
        (lambda: check(TABLES, [], now="soon"), InvalidValueError, "ISO-8601"),
        (
            lambda: check(["t"], [], connection=sa.create_engine("sqlite://")),
            InvalidValueError,
            "PostgreSQL",
        ),
    ],
)
def test_mistakes_in_the_call_are_refused_before_running(call, error, match):
    with pytest.raises(error, match=match):
        call()
