"""Lineage in the metadata database: the same graph back, tables to query, files kept safe."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import duckdb
import pytest

from pipelinekit import __version__
from pipelinekit.errors import InvalidValueError
from pipelinekit.lineage import store
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import Column, Edge, StepRecord, Subtype
from pipelinekit.lineage.store import LINEAGE, TABLES, load, query, save
from pipelinekit.metadata import ENV, MetadataError, connect

SALES = "country_sales"
Status = Literal["COMPLETE", "FAIL", "ABORT"]


def mapped() -> LineageGraph:
    """Two steps declared with StepRecord.from_mapping."""
    graph = LineageGraph()
    graph.add(
        StepRecord.from_mapping(
            "clean",
            inputs={"orders": ["id", "amount"]},
            outputs={"clean_orders": ["id", "amount"]},
            derived={"clean_orders.id": ["orders.id"], "clean_orders.amount": ["orders.amount"]},
            subtype="IDENTITY",
        )
    )
    graph.add(
        StepRecord.from_mapping(
            "totals",
            inputs={"clean_orders": ["id", "amount"]},
            outputs={"totals": ["revenue"]},
            derived={"totals.revenue": ["clean_orders.amount"]},
            subtype="AGGREGATION",
            kind="pandas",
        )
    )
    return graph


def shop() -> LineageGraph:
    """Direct records: INDIRECT edges, an unknown column, runs (one failed), checks, notes."""
    graph = LineageGraph()
    graph.add_dataset("customers", ["customer_id", "country", "email"], namespace="postgres://db")
    graph.add_dataset("exchange_rates", ["currency", "rate"], namespace="s3://rates")  # no step
    graph.add(
        StepRecord(
            "clean",
            inputs={"orders": ["order_id", "customer_id", "amount", "status"]},
            outputs={"clean_orders": ["order_id", "customer_id", "amount", "score"]},
            edges=[
                *(
                    Edge(Column("orders", c), Column("clean_orders", c))
                    for c in ("order_id", "customer_id", "amount")
                ),
                *(
                    Edge(Column("orders", "status"), Column("clean_orders", c), "FILTER", "paid")
                    for c in ("order_id", "customer_id", "amount", "score")
                ),
                # used two ways: the graph keeps the DIRECT edge, the record keeps both
                Edge(Column("orders", "amount"), Column("clean_orders", "amount"), "FILTER"),
            ],
            unknown=["clean_orders.score"],
            kind="pandas",
            description="Paid orders only",
        )
    )
    graph.add(
        StepRecord(
            "by_country",
            inputs={
                "clean_orders": ["customer_id", "amount"],
                "customers": ["customer_id", "country"],
            },
            outputs={SALES: ["country", "revenue"]},
            edges=[
                Edge(Column("customers", "country"), Column(SALES, "country")),
                Edge(
                    Column("clean_orders", "amount"),
                    Column(SALES, "revenue"),
                    "AGGREGATION",
                    "sum(amount)",
                ),
                Edge(Column("customers", "country"), Column(SALES, "revenue"), "GROUP_BY"),
                Edge(Column("clean_orders", "customer_id"), Column(SALES, "revenue"), "JOIN"),
                Edge(Column("customers", "customer_id"), Column(SALES, "revenue"), "JOIN"),
            ],
            kind="sql",
            sql="SELECT country, sum(amount) AS revenue FROM clean_orders JOIN customers"
            " USING (customer_id) GROUP BY country",
        )
    )
    runs: list[tuple[str, str, Status, str, str, str | None]] = [
        ("clean", "r1", "COMPLETE", "09:00:00", "09:00:01", None),
        ("by_country", "r2", "FAIL", "09:00:02", "09:00:05", "BinderException: no 'country'"),
        ("by_country", "r3", "COMPLETE", "10:00:00", "10:00:04", None),
    ]
    for step, run_id, status, started, ended, error in runs:
        graph.record_run(
            step,
            run_id=run_id,
            status=status,
            started_at=f"2024-05-01T{started}Z",
            ended_at=f"2024-05-01T{ended}Z",
            error=error,
        )
    graph.attach_check(SALES, "revenue_not_negative")
    graph.attach_check("clean_orders.amount", "amount_positive")
    graph.attach_check(SALES, "one_row_per_country")
    nodes = graph.graph.nodes
    nodes["customers"].update(description="People who bought", owner="team:crm", tags=["pii"])
    nodes["customers.email"].update(tags={"pii": "email"}, type="VARCHAR")
    nodes["orders.amount"]["type"] = "DECIMAL(10,2)"
    nodes["step:by_country"]["schedule"] = "daily"
    return graph


def assert_same(restored: LineageGraph, original: LineageGraph) -> None:
    assert dict(restored.graph.nodes(data=True)) == dict(original.graph.nodes(data=True))
    edges = {(u, v): d for u, v, d in original.graph.edges(data=True)}
    assert {(u, v): d for u, v, d in restored.graph.edges(data=True)} == edges
    assert restored.steps == original.steps
    assert list(restored.steps) == list(original.steps)
    assert restored.runs == original.runs
    assert restored.checks == original.checks
    assert restored.namespaces == original.namespaces
    for dataset in original.datasets():
        assert restored.columns(dataset) == original.columns(dataset)


def fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


# ---------------------------------------------------------------------- round trips
@pytest.mark.parametrize("build", [mapped, shop, LineageGraph], ids=["mapped", "shop", "empty"])
def test_load_gives_back_the_graph_that_was_saved(tmp_path, build) -> None:
    graph = build()
    path = save(graph, tmp_path / "metadata.duckdb")
    assert path == tmp_path / "metadata.duckdb"
    assert_same(load(path), graph)


def test_the_restored_graph_answers_the_same_questions(tmp_path) -> None:
    graph = shop()
    restored = load(save(graph, tmp_path / "m.duckdb"))
    for name in ("orders.amount", "orders.status", "customers"):
        assert restored.downstream(name).equals(graph.downstream(name))
    assert restored.upstream(f"{SALES}.revenue").equals(graph.upstream(f"{SALES}.revenue"))
    assert str(restored.impact("orders.status")) == str(graph.impact("orders.status"))


def test_a_replaced_step_and_a_dataset_widened_by_hand_come_back_in_order(tmp_path) -> None:
    graph = mapped()
    graph.add_dataset("orders", ["status", "created_at"])  # columns no step has seen
    graph.add(
        StepRecord.from_mapping(
            "clean",  # replaced: now after 'totals' in graph.steps
            inputs={"orders": ["amount", "id"]},
            outputs={"clean_orders": ["amount", "id"]},
            derived={"clean_orders.amount": ["orders.amount"]},
        )
    )
    assert list(graph.steps) == ["totals", "clean"]
    restored = load(save(graph, tmp_path / "m.duckdb"))
    assert_same(restored, graph)
    assert restored.columns("orders") == ["id", "amount", "status", "created_at"]


def test_two_steps_writing_one_column_keep_the_last_edge(tmp_path) -> None:
    graph = LineageGraph()
    subtypes: list[tuple[str, Subtype]] = [("first", "IDENTITY"), ("second", "TRANSFORMATION")]
    for name, subtype in subtypes:
        graph.add(
            StepRecord.from_mapping(
                name,
                inputs={"a": ["x"]},
                outputs={"b": ["x"]},
                derived={"b.x": ["a.x"]},
                subtype=subtype,
            )
        )
    graph.add(graph.steps["first"])  # re-added last: its edge wins again
    assert graph.graph.edges["a.x", "b.x"]["step"] == "first"
    assert_same(load(save(graph, tmp_path / "m.duckdb")), graph)


def test_save_replaces_what_was_stored(tmp_path) -> None:
    path = save(shop(), tmp_path / "m.duckdb")
    save(mapped(), path)
    assert_same(load(path), mapped())
    assert query("SELECT count(*) AS n FROM lineage_runs", path).n.tolist() == [0]


def test_the_default_file_is_used_without_a_path(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(ENV, str(tmp_path / "class" / "metadata.duckdb"))
    assert save(mapped()) == tmp_path / "class" / "metadata.duckdb"
    assert_same(load(), mapped())


def test_a_new_metadata_file_without_lineage_loads_as_an_empty_graph(tmp_path) -> None:
    path = tmp_path / "m.duckdb"
    with connect(path):
        pass
    assert len(load(path)) == 0


# ---------------------------------------------------------------------- SQL
def test_lineage_can_be_asked_with_sql(tmp_path) -> None:
    path = save(shop(), tmp_path / "m.duckdb")
    by_subtype = query(
        "SELECT subtype, count(*) AS edges FROM lineage_edges GROUP BY subtype ORDER BY subtype",
        path,
    )
    assert dict(zip(by_subtype.subtype, by_subtype.edges, strict=True)) == {
        "AGGREGATION": 1,
        "FILTER": 5,
        "GROUP_BY": 1,
        "IDENTITY": 4,
        "JOIN": 2,
    }
    failed = query(
        "SELECT r.step, s.kind, r.error FROM lineage_runs r JOIN lineage_steps s ON s.name = r.step"
        " WHERE r.status = 'FAIL'",
        path,
    )
    assert failed.values.tolist() == [["by_country", "sql", "BinderException: no 'country'"]]
    columns = query(
        "SELECT name, type FROM lineage_columns WHERE dataset = 'orders' ORDER BY position", path
    )
    assert columns.name.tolist() == ["order_id", "customer_id", "amount", "status"]
    assert columns.type.tolist()[2] == "DECIMAL(10,2)"
    durations = query(
        "SELECT run_id, epoch(ended_at::TIMESTAMPTZ - started_at::TIMESTAMPTZ) AS seconds"
        " FROM lineage_runs ORDER BY position",
        path,
    )
    assert durations.seconds.tolist() == [1, 3, 4]


def test_the_tables_read_as_the_module_says(tmp_path) -> None:
    path = save(shop(), tmp_path / "m.duckdb")
    readers = query(
        "SELECT dataset, column_names FROM lineage_step_datasets"
        " WHERE step = 'by_country' AND role = 'input' ORDER BY position",
        path,
    )
    assert readers.dataset.tolist() == ["clean_orders", "customers"]
    assert list(readers.column_names.iloc[1]) == ["customer_id", "country"]
    unknown = query("SELECT step, dataset, column_name FROM lineage_unknown", path)
    assert unknown.values.tolist() == [["clean", "clean_orders", "score"]]
    datasets = query("SELECT name, namespace, description FROM lineage_datasets", path)
    row = datasets.set_index("name").loc["customers"]
    assert (row.namespace, row.description) == ("postgres://db", "People who bought")
    assert query(
        "SELECT attributes->>'owner' AS owner FROM lineage_datasets WHERE name = 'customers'", path
    ).owner.tolist() == ["team:crm"]
    checks = query("SELECT target, check_name FROM lineage_checks ORDER BY position", path)
    assert checks.values.tolist() == [
        [SALES, "revenue_not_negative"],
        [SALES, "one_row_per_country"],
        ["clean_orders.amount", "amount_positive"],
    ]
    versions = query("SELECT * FROM pk_metadata WHERE component = 'lineage'", path)
    assert versions.schema_version.tolist() == [LINEAGE.version]
    assert versions.pipelinekit_version.tolist() == [__version__]
    tables = set(query("SELECT table_name FROM information_schema.tables", path).table_name)
    assert tables == {*TABLES, "pk_metadata"}


# ---------------------------------------------------------------------- failures
def test_a_failed_save_leaves_the_previous_lineage(tmp_path, monkeypatch) -> None:
    path = save(mapped(), tmp_path / "m.duckdb")
    insert = store._insert
    written: list[str] = []

    def insert_then_fail(con, table, rows):
        if written:
            raise KeyboardInterrupt  # Ctrl-C half way
        insert(con, table, rows)
        written.append(table)

    monkeypatch.setattr(store, "_insert", insert_then_fail)
    with pytest.raises(KeyboardInterrupt):
        save(shop(), path)
    assert written == ["lineage_datasets"]
    monkeypatch.undo()
    assert_same(load(path), mapped())


def test_an_attribute_json_cannot_hold_is_refused_before_the_file_is_touched(tmp_path) -> None:
    path = save(mapped(), tmp_path / "m.duckdb")
    graph = mapped()
    graph.graph.nodes["orders"]["loaded"] = {1, 2}  # a set: not JSON
    before = fingerprint(path)
    with pytest.raises(InvalidValueError, match=r"(?s)The dataset 'orders' has an attribute .*str"):
        save(graph, path)
    assert fingerprint(path) == before


def test_save_into_a_file_that_is_not_a_metadata_database_leaves_it_alone(tmp_path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_bytes(b"\x00" * 4096)
    before = fingerprint(path)
    with pytest.raises(MetadataError, match="is not a DuckDB database"):
        save(shop(), path)
    assert fingerprint(path) == before


def test_save_into_someone_elses_duckdb_database_leaves_it_alone(tmp_path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE lineage_edges (x INTEGER)")
    before = fingerprint(path)
    with pytest.raises(MetadataError, match="not a pipelinekit metadata database"):
        save(shop(), path)
    assert fingerprint(path) == before


def test_load_from_a_missing_file_says_to_save_first(tmp_path) -> None:
    with pytest.raises(MetadataError, match=r"(?s)No metadata database at .*graph\.save"):
        load(tmp_path / "m.duckdb")
    assert not (tmp_path / "m.duckdb").exists()


def test_lineage_tables_from_a_newer_pipelinekit_are_refused(tmp_path) -> None:
    path = save(mapped(), tmp_path / "m.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute(
            "UPDATE pk_metadata SET schema_version = 7, pipelinekit_version = '3.0.0'"
            " WHERE component = 'lineage'"
        )
    before = fingerprint(path)
    expected = r"(?s)lineage tables of version 7, written by pipelinekit 3\.0\.0.*version 1 or"
    with pytest.raises(MetadataError, match=expected):
        load(path)
    with pytest.raises(MetadataError, match=expected):
        save(mapped(), path)
    assert fingerprint(path) == before
