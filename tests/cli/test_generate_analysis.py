"""`pipelinekit generate analysis`: starters that run against a real warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import nbformat
import pytest

from pipelinekit.cli import main
from pipelinekit.cli.generate_analysis import Relation, find_table, warehouse_path
from pipelinekit.errors import InvalidValueError, UnknownNameError


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small warehouse: the ecommerce pipeline run at tiny scale."""
    from pipelinekit.pipeline import run

    folder = tmp_path_factory.mktemp("shop")
    warehouse = folder / "warehouse.duckdb"
    result = run(
        "ecommerce",
        scale="tiny",
        target=f"duckdb:///{warehouse}",
        runs_dir=folder / "runs",
        metadata=folder / "metadata.duckdb",
        progress=False,
    )
    assert result.ok
    return warehouse


def test_the_catalog_knows_keys_and_relations():
    info = find_table("fct_orders")
    assert (info.pipeline, info.keys) == ("ecommerce", ("order_id",))
    assert Relation("dim_customer", "customer_id", "foreign key (gate)") in info.relations
    assert {r.other for r in info.relations} >= {"customer_rfm", "customer_lifetime_value"}
    assert "Grain: one row per order" in info.description
    assert info.warehouse == "warehouse.duckdb" and "net_revenue" in info.columns
    dimension = find_table("dim_account")
    assert Relation("fct_transactions", "account_id", "referenced by (gate)") in dimension.relations
    hourly = find_table("device_hourly_stats", pipeline="iot", warehouse="duckdb:////w.duckdb")
    assert hourly.keys == ("device_id", "hour_start") and hourly.warehouse == "/w.duckdb"
    assert "rolling" not in hourly.description  # a transform step has no SQL header


def test_unknown_table_names_the_nearest():
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown warehouse table 'fct_order'.*'fct_orders'"
    ):
        find_table("fct_order")
    with pytest.raises(UnknownNameError, match=r"Unknown warehouse table 'fct_orders'"):
        find_table("fct_orders", pipeline="iot")


def test_unknown_table_at_the_command_line_exits_2(capsys):
    assert main(["generate", "analysis", "dim_custmer"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "did you mean one of 'dim_customer'," in error


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pipeline", "shopping"], "Unknown pipeline 'shopping'"),
        (["--target", "postgresql+psycopg://localhost/shop"], "is not a DuckDB file"),
        (["--language", "sql", "--target", "duckdb:///nowhere/w.duckdb"], "No warehouse at"),
    ],
)
def test_mistakes_exit_2_with_one_line(args, message, capsys, tmp_path):
    assert main(["generate", "analysis", "fct_orders", "--out", str(tmp_path / "x"), *args]) == 2
    assert message in capsys.readouterr().err


def test_warehouse_path_refuses_other_targets():
    assert warehouse_path("shop.duckdb") == "shop.duckdb"
    with pytest.raises(InvalidValueError, match="not a DuckDB file"):
        warehouse_path("parquet:///marts")


def test_a_pipeline_file_of_ones_own(tmp_path):
    (tmp_path / "paid.yml").write_text(
        "pipeline: paid\n"
        "sources:\n  raw: {dataset: ecommerce, scale: tiny}\n"
        "steps:\n"
        "  - name: paid_orders\n"
        "    sql: SELECT order_id, customer_id, order_total FROM orders\n"
        "  - name: buyers\n"
        "    sql: SELECT DISTINCT customer_id FROM orders\n"
    )
    info = find_table("paid_orders", pipeline=str(tmp_path / "paid.yml"))
    assert info.pipeline == "paid" and info.columns == ("order_id", "customer_id", "order_total")
    assert info.relations == (Relation("buyers", "customer_id", "shared key column"),)


def test_sql_starter_runs_in_duckdb(shop, tmp_path, capsys):
    out = tmp_path / "orders.sql"
    args = ["generate", "analysis", "fct_orders", "--language", "sql"]
    assert main([*args, "--target", f"duckdb:///{shop}", "--out", str(out)]) == 0
    assert "Wrote the SQL file" in capsys.readouterr().out
    text = out.read_text()
    assert "SUMMARIZE" in text and "bar(count(*)" in text and 'JOIN "dim_customer"' in text
    connection = duckdb.connect()
    results: dict[tuple[str, ...], list] = {}
    for statement in connection.extract_statements(text):
        relation = connection.execute(statement)
        if relation.description:
            frame = relation.df()
            results.setdefault(tuple(frame.columns)[:2], []).append(frame)
    assert ("order_total_from", "rows") in results
    (histogram,) = results[("order_total_from", "rows")]
    assert histogram["rows"].sum() == 500 and len(histogram) <= 10
    assert ("customer_id_from", "rows") not in results, "identifiers are not measurements"
    customers, *marts = results[("fct_orders_rows", "rows_with_a_partner")]
    assert customers.iloc[0].tolist()[:2] == [500, 500]  # every order has its customer
    # the customer_rfm / customer_lifetime_value ones: one customer only ever cancelled
    assert [m.iloc[0].tolist()[:2] for m in marts] == [[500, 499], [500, 499]]


@pytest.mark.notebooks
def test_python_starter_runs_with_papermill(shop, tmp_path, monkeypatch):
    import papermill

    monkeypatch.chdir(shop.parent)  # the default target is warehouse.duckdb right here
    out = tmp_path / "analysis.ipynb"
    assert main(["generate", "analysis", "customer_rfm", "--out", str(out)]) == 0
    notebook = nbformat.read(out, as_version=4)
    assert notebook.cells[1].metadata["tags"] == ["parameters"]
    assert str(shop) in notebook.cells[1].source
    done = tmp_path / "done.ipynb"
    papermill.execute_notebook(
        str(out), str(done), kernel_name="python3", cwd=str(tmp_path), progress_bar=False
    )  # raises PapermillExecutionError, naming the cell, when a cell fails
    ran = nbformat.read(done, as_version=4)
    outputs = [output for cell in ran.cells if cell.cell_type == "code" for output in cell.outputs]
    text = "".join(output.get("text", "") for output in outputs)
    assert "customer_rfm: 87 rows" in text and "<Profile of customer_rfm" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, "one figure with a histogram per numeric column"
    tables = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(tables) >= 2 + 2 * 2, "first rows, profile, and two cells per relation"
    histogram_code = next(c.source for c in ran.cells if "axis.hist" in c.source)
    assert "set_title" in histogram_code and "set_xlabel" in histogram_code
