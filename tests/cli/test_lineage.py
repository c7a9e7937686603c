"""`pipelinekit lineage`: the lineage of a metadata database, asked from the shell."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.cli import main


@pytest.fixture
def metadata(tmp_path):
    """A metadata database holding two tracked steps over a small shop."""
    orders = pd.DataFrame(
        {"order_id": [1, 2, 3], "customer_id": [1, 1, 2], "amount": [10.0, -1.0, 5.0]}
    )
    graph = pk.lineage.LineageGraph()
    with pk.lineage.track(graph, name="clean"):
        paid = orders[orders["amount"] > 0]
    with pk.lineage.track(graph, name="spend"):
        spend = pk.sql(
            "SELECT customer_id, sum(amount) AS total FROM paid GROUP BY customer_id", paid=paid
        )
    assert len(spend) == 2
    return graph.save(tmp_path / "metadata.duckdb")


def lineage(*args: str) -> int:
    return main(["lineage", *args])


def test_show_lists_datasets_and_runs(metadata, capsys):
    assert lineage("show", "--metadata", str(metadata)) == 0
    out = capsys.readouterr().out
    assert "LineageGraph(3 datasets" in out
    assert "spend" in out and "(source)" in out and "COMPLETE" in out


def test_upstream_and_downstream_print_the_paths(metadata, capsys):
    assert lineage("upstream", "spend.total", "--metadata", str(metadata)) == 0
    out = capsys.readouterr().out
    assert "orders.amount → paid.amount → spend.total" in out
    assert "IDENTITY → AGGREGATION" in out
    assert lineage("downstream", "orders.amount", "--direct-only", "--metadata", str(metadata)) == 0
    assert "spend.total" in capsys.readouterr().out


def test_impact_draw_and_events(metadata, tmp_path, capsys):
    assert lineage("impact", "orders.amount", "--metadata", str(metadata)) == 0
    assert "2 datasets: 'paid', 'spend'" in capsys.readouterr().out
    svg = tmp_path / "lineage.svg"
    assert lineage("draw", "--out", str(svg), "--metadata", str(metadata)) == 0
    assert svg.read_text().startswith("<svg")
    events = tmp_path / "events.jsonl"
    assert lineage("events", "--out", str(events), "--metadata", str(metadata)) == 0
    kinds = [json.loads(line)["eventType"] for line in events.read_text().splitlines()]
    assert kinds == ["START", "COMPLETE", "START", "COMPLETE"]


def test_the_environment_variable_names_the_database(metadata, monkeypatch, capsys):
    monkeypatch.setenv("PIPELINEKIT_METADATA", str(metadata))
    assert lineage("show") == 0
    assert "LineageGraph" in capsys.readouterr().out


def test_sql_lineage_of_a_query_over_a_database_file(tmp_path, capsys):
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(database) as connection:
        connection.execute("CREATE TABLE orders AS SELECT 1 AS id, 'FR' AS country, 2.5 AS amount")
    query = "SELECT country, sum(amount) AS revenue FROM orders WHERE id > 0 GROUP BY ALL"
    assert lineage("sql", query, "--database", str(database)) == 0
    rows = [line.split()[:4] for line in capsys.readouterr().out.splitlines()[1:]]
    assert ["result.revenue", "orders.amount", "DIRECT", "AGGREGATION"] in rows
    assert ["result.revenue", "orders.id", "INDIRECT", "FILTER"] in rows
    assert ["result.revenue", "orders.country", "INDIRECT", "GROUP_BY"] in rows
    (tmp_path / "q.sql").write_text("SELECT id FROM orders")
    assert lineage("sql", str(tmp_path / "q.sql"), "--table", "orders=id,amount") == 0
    assert "IDENTITY" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "--metadata", "missing.duckdb"], "No metadata database at missing.duckdb"),
        (["upstream", "orders.amout"], "Unknown column 'orders.amout'"),
        (["events"], "Nowhere to send the events"),
        (["sql", "SELEC 1"], "does not parse at line 1"),
        (["sql", "SELECT a FROM t", "--table", "t"], "expected NAME=COLUMN"),
        (["sql", "SELECT a FROM t"], "Unknown table 't'"),
        (["sql", "nowhere.sql"], "No SQL file at nowhere.sql"),
        (["sql", "SELECT 1", "--database", "nowhere.duckdb"], "No DuckDB database"),
    ],
)
def test_mistakes_print_one_line_and_exit_2(metadata, args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if args[0] == "upstream":
        args = [*args, "--metadata", str(metadata)]
    result = subprocess.run(
        [sys.executable, "-m", "pipelinekit", "lineage", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
