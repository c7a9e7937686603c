"""Validation before running: tables, transforms, columns and cycles, each at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelinekit.pipeline import PipelineFileError, load_pipeline, validate

FIXTURES = Path(__file__).parent / "fixtures"

HEAD = """pipeline: shop
sources:
  raw: {dataset: ecommerce, scale: tiny, tables: [customers, orders]}
steps:
"""


@pytest.fixture(autouse=True)
def steps_module(monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURES))


def problems(text: str) -> list[PipelineFileError]:
    return validate(load_pipeline(HEAD + text)).problems


def test_fixture_is_valid_with_order_and_schemas():
    checked = validate(load_pipeline(FIXTURES / "tiny_shop.yml"))
    assert checked.ok, checked.problems
    assert checked.order == ["stg_orders", "orders_numbered", "customer_orders", "customer_flags"]
    assert checked.schemas["orders_numbered"][-1] == "order_number"
    assert checked.schemas["customer_orders"] == [
        "customer_id",
        "country",
        "orders",
        "revenue",
        "first_ordered_at",
        "last_order_number",
    ]
    assert checked.schemas["customer_flags"] is None
    assert any("Python step" in note for note in checked.notes)
    assert sorted(checked.graph.predecessors("customer_orders")) == ["customers", "orders_numbered"]


def test_steps_run_in_dependency_order_not_file_order():
    checked = validate(
        load_pipeline(
            HEAD
            + "  - {name: late, sql: SELECT order_id FROM early}\n"
            + "  - {name: early, sql: SELECT order_id FROM orders}\n"
        )
    )
    assert checked.ok and checked.order == ["early", "late"]


def test_unknown_table_with_nearest_name():
    (problem,) = problems("  - name: big\n    sql: SELECT * FROM ordrs\n")
    assert problem.line == 6
    assert "reads table 'ordrs', which no source or step produces" in str(problem)
    assert "did you mean 'orders'" in str(problem)


def test_unknown_transform_name():
    (problem,) = problems(
        "  - name: ranked\n    transform: row_numbr\n    input: orders\n"
        "    params: {order_by: order_id}\n"
    )
    assert problem.line == 6
    assert "unknown transform 'row_numbr'" in str(problem)
    assert "did you mean 'row_number'" in str(problem)


def test_transform_parameter_and_column_checks():
    found = problems(
        "  - name: ranked\n    transform: row_number\n    input: orders\n"
        "    params: {order_by: [ordered_at], partition_by: custmer_id, nam: n}\n"
    )
    messages = [str(p) for p in found]
    assert all(p.line == 8 for p in found)
    assert any("takes no parameter 'nam'" in m and "'name'" in m for m in messages)
    assert any(
        "partition_by='custmer_id' is not a column of 'orders'" in m and "'customer_id'" in m
        for m in messages
    )


def test_transform_missing_required_parameter():
    (problem,) = problems("  - name: ranked\n    transform: row_number\n    input: orders\n")
    assert "needs parameter 'order_by'" in str(problem)


def test_unknown_column_via_sql_lineage_inline():
    (problem,) = problems(
        "  - name: paid\n    sql: |\n      SELECT order_id,\n        amount\n      FROM orders\n"
    )
    assert problem.line == 8  # the line of 'amount' inside the block
    assert "Unknown column 'amount'" in str(problem)


def test_unknown_column_in_sql_file_points_into_the_file(tmp_path):
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "paid.sql").write_text("SELECT order_id,\n  ordered\nFROM orders\n")
    path = tmp_path / "p.yml"
    path.write_text(HEAD + "  - {name: paid, sql_file: sql/paid.sql}\n")
    (problem,) = validate(load_pipeline(path)).problems
    assert problem.source.endswith("paid.sql") and problem.line == 2
    assert "Unknown column 'ordered'" in str(problem) and "'ordered_at'" in str(problem)


def test_columns_propagate_through_sql_steps():
    (problem,) = problems(
        "  - {name: slim, sql: SELECT order_id FROM orders}\n"
        "  - {name: bad, sql: SELECT customer_id FROM slim}\n"
    )
    assert problem.line == 6 and "Unknown column 'customer_id'" in str(problem)


def test_columns_after_a_python_step_are_not_checked():
    checked = validate(
        load_pipeline(
            HEAD
            + "  - name: customer_orders\n"
            + "    sql: SELECT customer_id, count(*) AS orders FROM orders GROUP BY 1\n"
            + "  - {name: flags, python: 'tiny_steps:flag_customers', inputs: [customer_orders]}\n"
            + "  - {name: after, sql: SELECT anything FROM flags}\n"
        )
    )
    assert checked.ok, checked.problems
    assert any("'after': columns not checked" in note for note in checked.notes)


def test_python_step_that_cannot_be_imported_or_called():
    found = problems(
        "  - {name: a, python: 'tiny_steps:flag_customer', inputs: [orders]}\n"
        "  - {name: b, python: 'tiny_steps:flag_customers', inputs: [orders]}\n"
    )
    assert "has no function 'flag_customer'" in str(found[0]) and found[0].line == 5
    assert "cannot be called with 'orders'" in str(found[1]) and found[1].line == 6


def test_cycle_is_reported():
    (problem,) = problems(
        "  - {name: a, sql: SELECT * FROM b}\n  - {name: b, sql: SELECT * FROM a}\n"
    )
    assert problem.line == 5
    assert "steps read each other in a cycle: a → b → a" in str(problem)


def test_step_cannot_shadow_a_source_table():
    (problem,) = problems("  - {name: orders, sql: SELECT * FROM customers}\n")
    assert "same name as source 'raw'" in str(problem)


def test_gate_and_target_tables_and_columns():
    found = problems(
        "  - {name: paid, sql: SELECT order_id FROM orders}\n"
        "gates:\n  - table: payd\n    rules: [{kind: not_null, column: order_id}]\n"
        "  - table: paid\n    rules: [{kind: not_null, column: order}]\n"
        "targets:\n  - url: x.duckdb\n    tables: [paid]\n    mode: merge\n"
        "    keys: {paid: [id]}\n"
    )
    messages = [str(p) for p in found]
    assert "the gate on 'payd' names table 'payd'" in messages[0] and found[0].line == 7
    assert "'order' is not a column of 'paid'" in messages[1] and found[1].line == 9
    assert "merge key of 'paid': 'id' is not a column" in messages[2] and found[2].line == 12


def test_raise_for_problems_says_how_many_more():
    checked = validate(
        load_pipeline(
            HEAD + "  - {name: a, sql: SELECT * FROM x}\n  - {name: b, sql: SELECT * FROM y}\n"
        )
    )
    with pytest.raises(PipelineFileError, match=r"line 5: .*'x'") as error:
        checked.raise_for_problems()
    assert len(error.value.problems) == 2
    assert "1 more problem (line 6)" in str(error.value)


def test_missing_files_source_is_a_problem(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text(
        "pipeline: p\nsources:\n  shop: {files: nowhere}\nsteps:\n  - {name: a, sql: SELECT 1}\n"
    )
    (problem,) = validate(load_pipeline(path)).problems
    assert problem.line == 3 and "No folder at" in str(problem)


def test_files_source_columns_are_read(tmp_path):
    import pandas as pd

    (tmp_path / "shop").mkdir()
    pd.DataFrame({"id": [1], "amount": [2.0]}).to_parquet(tmp_path / "shop" / "orders.parquet")
    pd.DataFrame({"id": [1], "name": ["x"]}).to_csv(tmp_path / "shop" / "people.csv", index=False)
    path = tmp_path / "p.yml"
    path.write_text(
        "pipeline: p\nsources:\n  shop: {files: shop}\nsteps:\n"
        "  - {name: a, sql: 'SELECT o.amount, p.nme FROM orders o JOIN people p USING (id)'}\n"
    )
    (problem,) = validate(load_pipeline(path)).problems
    assert "Unknown column 'p.nme'" in str(problem)


def test_unknown_table_in_sql_file_points_into_the_file(tmp_path):
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "paid.sql").write_text("-- paid orders\nSELECT *\nFROM orderz\n")
    path = tmp_path / "p.yml"
    path.write_text(HEAD + "  - {name: paid, sql_file: sql/paid.sql}\n")
    (problem,) = validate(load_pipeline(path)).problems
    assert problem.source.endswith("paid.sql") and problem.line == 3
    assert "reads table 'orderz'" in str(problem)


def test_sql_that_does_not_parse_or_writes_a_table():
    (problem,) = problems("  - name: a\n    sql: |\n      SELECT *\n      FROM orders WHERE (\n")
    assert "the query does not parse" in str(problem)
    (problem,) = problems("  - {name: a, sql: CREATE TABLE a AS SELECT 1}\n")
    assert "the query writes a table" in str(problem) and problem.line == 5
