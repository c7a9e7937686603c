"""Column lineage of DuckDB SQL: golden cases (sql_cases.yml), DuckDB as the oracle for the
names of result columns, and every error a learner can meet."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelinekit.errors import UnknownNameError
from pipelinekit.lineage.sql_lineage import (
    SqlLineageError,
    UnknownSqlNameError,
    sql_lineage,
    writes_table,
)
from pipelinekit.transforms.sql import SqlError

SETUP = """
CREATE TABLE orders (order_id INTEGER, customer_id INTEGER, order_date DATE,
                     amount DECIMAL(10, 2), discount DOUBLE, status VARCHAR);
CREATE TABLE customers (customer_id INTEGER, name VARCHAR, country VARCHAR, tags VARCHAR[]);
CREATE SCHEMA shop;
CREATE TABLE shop.products (product_id INTEGER, name VARCHAR, price DOUBLE, category VARCHAR);
CREATE TABLE order_totals (order_id INTEGER, total DOUBLE, note VARCHAR);
"""
CASES = yaml.safe_load((Path(__file__).parent / "sql_cases.yml").read_text())


@pytest.fixture(scope="module")
def connection():
    with duckdb.connect() as con:
        con.execute(SETUP)
        yield con


@pytest.fixture(scope="module")
def schema(connection):
    """The same tables as a plain mapping, names only (what sql(...) passes for frames)."""
    found: dict[str, list[str]] = {}
    rows = connection.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns()"
        " WHERE NOT internal ORDER BY schema_name, table_name, column_index"
    ).fetchall()
    for schema_name, table, column in rows:
        name = table if schema_name == "main" else f"{schema_name}.{table}"
        found.setdefault(name, []).append(column)
    return found


def _edges(step) -> set[str]:
    return {f"{e.source.id} -> {e.target.id} {e.subtype}" for e in step.edges}


def _expected(case) -> set[str]:
    dataset = case.get("output", "result")
    expected = set(case["edges"])
    for entry in case.get("indirect_to_all", []):
        source, subtype = entry.split()
        expected |= {f"{source} -> {dataset}.{column} {subtype}" for column in case["outputs"]}
    return expected


def _duckdb_names(connection, case) -> list[str]:
    """The columns DuckDB itself gives the result (or the table written), in a rolled back
    transaction."""
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            if "output" in case:
                cursor.execute(case["query"])
                return [row[0] for row in cursor.execute(f"DESCRIBE {case['output']}").fetchall()]
            return cursor.execute(case["query"]).df().columns.tolist()
        finally:
            cursor.execute("ROLLBACK")


@pytest.mark.parametrize("case", CASES, ids=[case["title"] for case in CASES])
def test_golden_case_with_a_connection(case, connection):
    step = sql_lineage(case["query"], connection=connection)
    assert step.outputs == {case.get("output", "result"): case["outputs"]}
    assert _edges(step) == _expected(case)
    assert step.kind == "sql" and step.sql == case["query"]
    assert step.name == case.get("output", "result")


@pytest.mark.parametrize("case", CASES, ids=[case["title"] for case in CASES])
def test_golden_case_with_a_schema_mapping(case, schema):
    step = sql_lineage(case["query"], schema=schema)
    assert step.outputs == {case.get("output", "result"): case["outputs"]}
    assert _edges(step) == _expected(case)


@pytest.mark.parametrize("case", CASES, ids=[case["title"] for case in CASES])
def test_duckdb_names_the_result_columns_the_same(case, connection):
    assert _duckdb_names(connection, case) == case["outputs"]


def test_inputs_list_every_column_of_every_table_read(connection):
    step = sql_lineage(
        "SELECT o.amount, p.name FROM orders o JOIN shop.products p ON o.order_id = p.product_id",
        connection=connection,
    )
    assert step.inputs == {
        "orders": ["order_id", "customer_id", "order_date", "amount", "discount", "status"],
        "shop.products": ["product_id", "name", "price", "category"],
    }


def test_descriptions_say_how(connection):
    step = sql_lineage(
        "SELECT sum(amount) AS total FROM orders WHERE status = 'paid'", connection=connection
    )
    assert {(e.subtype, e.description) for e in step.edges} == {
        ("AGGREGATION", "sum(orders.amount)"),
        ("FILTER", "WHERE orders.status = 'paid'"),
    }


def test_explicit_schema_wins_and_takes_types(connection):
    step = sql_lineage(
        "SELECT * FROM orders",
        schema={"orders": {"id": "INTEGER", "amount": "DOUBLE"}},
        connection=connection,
    )
    assert step.outputs == {"result": ["id", "amount"]}


def test_name_and_output_name_the_step_and_dataset():
    step = sql_lineage("SELECT a FROM t", schema={"t": ["a"]}, name="pick_a", output="picked")
    assert (step.name, step.outputs) == ("pick_a", {"picked": ["a"]})


def test_temporary_views_and_other_databases_are_found():
    with duckdb.connect() as con:
        con.execute("CREATE TEMP TABLE scratch (x INTEGER)")
        con.execute("ATTACH ':memory:' AS other")
        con.execute("CREATE TABLE other.main.far (y INTEGER)")
        step = sql_lineage("SELECT x, y FROM scratch, other.far", connection=con)
    assert set(step.inputs) == {"scratch", "other.main.far"}


def test_a_table_function_star_is_described_by_duckdb():
    step = sql_lineage("SELECT * FROM range(3)", schema={})
    assert step.outputs == {"result": ["range"]} and step.edges == []


# ------------------------------------------------------------------------ errors that teach
def test_a_parse_error_points_at_the_spot():
    with pytest.raises(
        SqlLineageError,
        match=r"(?s)does not parse at line 2, column 24.*"
        r"\n    FROM orders WHERE \(a > 1\n {27}\^.*Hint: look",
    ):
        sql_lineage("SELECT a\nFROM orders WHERE (a > 1", schema={"orders": ["a"]})


def test_more_than_one_statement():
    with pytest.raises(SqlLineageError, match=r"holds 2 statements; expected exactly one"):
        sql_lineage("SELECT 1; SELECT 2")


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("DELETE FROM orders", "DELETE"),
        ("UPDATE orders SET amount = 0", "UPDATE"),
        ("CREATE TABLE x (a INTEGER)", "CREATE"),
        ("DROP TABLE orders", "DROP"),
    ],
)
def test_a_statement_that_is_not_a_query(query, kind):
    with pytest.raises(
        SqlLineageError, match=rf"(?s)statement is a {kind}.*expected a query: SELECT"
    ):
        sql_lineage(query, schema={"orders": ["amount"]})


def test_unknown_table_names_the_nearest(connection):
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown table 'ordrs'.*FROM ordrs\n.*\^\^\^\^\^.*'orders'"
    ):
        sql_lineage("SELECT amount FROM ordrs", connection=connection)


def test_unknown_table_without_any_schema():
    with pytest.raises(UnknownSqlNameError, match=r"(?s)no schema was given.*schema=\{'orders'"):
        sql_lineage("SELECT amount FROM orders")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT amout FROM orders",
        "SELECT o.amout FROM orders AS o",
        "WITH c AS (SELECT amount FROM orders) SELECT amout FROM c",
        "SELECT order_id FROM orders WHERE amout > 0",
    ],
)
def test_unknown_column_names_the_nearest_in_scope(query, connection):
    with pytest.raises(
        UnknownSqlNameError, match=r"(?s)Unknown column '(o\.)?amout'.*\^.*did you mean 'amount'"
    ):
        sql_lineage(query, connection=connection)


def test_ambiguous_column_says_which_tables(connection):
    with pytest.raises(
        SqlLineageError, match=r"(?s)Column 'customer_id' is ambiguous.*'orders'.*'customers'"
    ):
        sql_lineage("SELECT customer_id FROM orders, customers", connection=connection)


def test_a_star_over_an_unreadable_source():
    with pytest.raises(SqlLineageError, match=r"(?s)columns of .* are not known.*AS f\(a, b\)"):
        sql_lineage("SELECT * FROM read_csv('/no/such/file.csv')", schema={})


# ------------------------------------------------------------------------ generated queries
_ITEMS = [
    ("o.order_id", {"orders.order_id"}),
    ("amount", {"orders.amount"}),
    ("amount + discount", {"orders.amount", "orders.discount"}),
    ("upper(status) AS s", {"orders.status"}),
    ("c.name", {"customers.name"}),
    ("customer_id", {"orders.customer_id", "customers.customer_id"}),
    ("country || name", {"customers.country", "customers.name"}),
    ("o.amount * 2", {"orders.amount"}),
    ("42", set()),
    ("coalesce(discount, 0)", {"orders.discount"}),
    ("*", None),
    ("o.*", None),
    ("c.* EXCLUDE (tags)", None),
]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.sampled_from(_ITEMS), min_size=1, max_size=6).filter(
        # sqlglot 30 lets a star's EXCLUDE leak into a later star of the same table
        lambda items: not ({"*", "c.* EXCLUDE (tags)"} <= {sql for sql, _ in items})
    )
)
def test_generated_selects_agree_with_duckdb(connection, items):
    query = (
        f"SELECT {', '.join(sql for sql, _ in items)}"
        " FROM orders AS o JOIN customers AS c USING (customer_id)"
    )
    step = sql_lineage(query, connection=connection)
    names = connection.sql(query).df().columns.tolist()
    assert step.outputs == {"result": names}
    position = 0
    for sql, sources in items:
        if sources is None:  # a star: as many columns as DuckDB gave, checked by the names
            width = {"*": 9, "o.*": 6, "c.* EXCLUDE (tags)": 3}[sql]
            position += width
            continue
        target = f"result.{names[position]}"
        assert {c.id for c in step.sources_of(target)} == sources
        position += 1


# ------------------------------------------------------------------------ sql(connection=...)
def test_sql_reads_the_connections_tables_and_frames():
    from pipelinekit.transforms.sql import sql

    with duckdb.connect() as con:
        con.execute("CREATE TABLE rates AS SELECT 'FR' AS country, 2 AS rate")
        frame = pd.DataFrame({"country": ["FR", "FR"], "amount": [1, 2]})
        result = sql(
            "SELECT sum(amount * rate) AS total FROM orders JOIN rates USING (country)",
            connection=con,
            orders=frame,
        )
        assert result.total.tolist() == [6]
        # the frame was registered for that call only; a table it creates stays
        sql("CREATE TABLE kept AS SELECT * FROM orders", connection=con, orders=frame)
        assert con.execute("SELECT count(*) FROM kept").fetchall() == [(2,)]
        with pytest.raises(SqlError, match=r"(?s)orders.*tables passed in \(none and the conn"):
            sql("SELECT * FROM orders", connection=con)


def test_sql_without_a_connection_still_sees_only_its_frames():
    from pipelinekit.transforms.sql import sql

    with pytest.raises(SqlError, match=r"tables passed in \(t\)"):
        sql("SELECT * FROM rates", t=pd.DataFrame({"x": [1]}))


@pytest.mark.parametrize(
    ("query", "writes"),
    [
        ("CREATE TABLE t AS SELECT 1", True),
        ("  insert into t select 1", True),
        ("WITH c AS (SELECT 1) SELECT * FROM c", False),
        ("SELECT 'CREATE'", False),
    ],
)
def test_writes_table(query, writes):
    assert writes_table(query) is writes
