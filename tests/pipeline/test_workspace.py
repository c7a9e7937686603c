"""The run's working database: tables with fingerprints, and WorkTables the targets read."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipelinekit.errors import InvalidValueError
from pipelinekit.pipeline.targets import prepare_load
from pipelinekit.pipeline.workspace import (
    STEPS_TABLE,
    Workspace,
    WorkTable,
    check_memory_limit,
    fingerprint,
)
from pipelinekit.transforms.sql import SqlError

ORDERS = pd.DataFrame(
    {
        "order_id": [1, 2, 3, 4],
        "customer_id": [10, 10, 11, None],
        "status": pd.Categorical(["paid", "new", "paid", "paid"]),
        "amount": [5.0, 7.5, 2.0, 1.0],
    }
)


@pytest.fixture
def work(tmp_path):
    workspace = Workspace(tmp_path / "work.duckdb")
    yield workspace
    workspace.close()


def test_tables_rows_columns_and_fingerprints(work):
    assert work.add_frame("orders", ORDERS, fingerprint="raw") == 4
    rows = work.add_query("paid", "SELECT * FROM orders WHERE status = 'paid'", fingerprint="p")
    assert rows == 3
    assert work.tables() == ["orders", "paid"]  # the bookkeeping table is not one of them
    assert work.columns("paid") == list(ORDERS.columns)
    assert (work.fingerprint_of("orders"), work.fingerprint_of("paid")) == ("raw", "p")
    assert work.fingerprint_of("nothing") is None


def test_categoricals_are_stored_as_text(work):
    work.add_frame("orders", ORDERS, fingerprint="raw")
    types = dict(work.con.execute("SELECT column_name, data_type FROM duckdb_columns()").fetchall())
    assert types["status"] == "VARCHAR"  # an ENUM would sort by category, not by text
    assert work.frame("orders")["status"].tolist() == ["paid", "new", "paid", "paid"]


def test_a_failing_query_changes_nothing(work):
    work.add_query("paid", "SELECT 1 AS x", fingerprint="first")
    with pytest.raises(SqlError, match="nope") as caught:
        work.add_query("paid", "SELECT nope FROM paid", fingerprint="second")
    assert "paid" in caught.value.expected  # the tables the query could read
    assert work.fingerprint_of("paid") == "first"
    assert work.frame("paid")["x"].tolist() == [1]


def test_a_table_can_become_a_view_and_back(work, tmp_path):
    path = tmp_path / "orders.parquet"
    ORDERS.to_parquet(path)
    assert work.add_files("orders", [path], fingerprint="files") == 4
    assert work.add_frame("orders", ORDERS.head(2), fingerprint="frame") == 2
    assert work.add_files("orders", [path], fingerprint="files") == 4


def test_content_fingerprint_ignores_row_order_but_not_values(work):
    work.add_frame("a", ORDERS, fingerprint=None)
    work.add_frame("b", ORDERS.iloc[::-1], fingerprint=None)
    work.add_frame("c", ORDERS.assign(amount=ORDERS["amount"] + 1), fingerprint=None)
    assert work.fingerprint_of("a") == work.fingerprint_of("b")
    assert work.fingerprint_of("a") != work.fingerprint_of("c")


def test_fingerprint_depends_on_every_part():
    assert fingerprint("s", {"sql": "SELECT 1"}) == fingerprint("s", {"sql": "SELECT 1"})
    assert fingerprint("s", {"sql": "SELECT 1"}) != fingerprint("s", {"sql": "SELECT 2"})
    assert fingerprint("s", ["in-1"]) != fingerprint("s", ["in-2"])


def test_work_table_reads_only_when_asked(tmp_path):
    work = Workspace(tmp_path / "work.duckdb")
    work.add_frame("orders", ORDERS, fingerprint="raw")
    work.close()
    table = WorkTable(tmp_path / "work.duckdb", "orders")
    assert (table.columns, len(table)) == (list(ORDERS.columns), 4)
    pd.testing.assert_series_equal(table.to_pandas()["amount"], ORDERS["amount"])
    # nothing of the workspace's own is left in the file for a target to trip on
    with duckdb.connect(str(tmp_path / "work.duckdb"), read_only=True) as con:
        assert con.execute(f"SELECT count(*) FROM {STEPS_TABLE}").fetchall() == [(1,)]


def test_prepare_load_checks_keys_of_a_work_table_in_its_database(tmp_path):
    work = Workspace(tmp_path / "work.duckdb")
    work.add_frame("orders", ORDERS, fingerprint="raw")
    work.add_query("by_customer", "SELECT customer_id, amount FROM orders", fingerprint="x")
    work.add_query("keyed", "SELECT * FROM orders WHERE customer_id IS NOT NULL", fingerprint="y")
    work.close()
    table = WorkTable(tmp_path / "work.duckdb", "by_customer")
    with pytest.raises(InvalidValueError, match="1 rows with a missing key"):
        prepare_load({"t": table}, mode="merge", keys={"t": ["customer_id"]}, watermark={})
    keyed = WorkTable(tmp_path / "work.duckdb", "keyed")
    with pytest.raises(InvalidValueError, match="2 rows sharing a key .customer_id., first 10"):
        prepare_load({"t": keyed}, mode="merge", keys={"t": ["customer_id"]}, watermark={})
    frames, keys = prepare_load({"t": keyed}, mode="merge", keys={"t": "order_id"}, watermark={})
    assert isinstance(frames["t"], pd.DataFrame) and keys == {"t": ["order_id"]}
    kept, _ = prepare_load({"t": keyed}, mode="replace", keys={}, watermark={}, work_tables=True)
    assert kept["t"] is keyed


def test_memory_limit_is_checked(monkeypatch):
    assert check_memory_limit("300MB") == "300MB"
    monkeypatch.setenv("PIPELINEKIT_MEMORY_LIMIT", "1GB")
    assert check_memory_limit(None) == "1GB"
    with pytest.raises(InvalidValueError, match="Memory limit 'a lot'"):
        check_memory_limit("a lot")


def test_a_file_target_loads_work_tables_one_at_a_time(tmp_path, monkeypatch):
    from pipelinekit.pipeline.targets import open_target

    work = Workspace(tmp_path / "work.duckdb")
    work.add_frame("orders", ORDERS, fingerprint="raw")
    work.add_query("paid", "SELECT * FROM orders WHERE status = 'paid'", fingerprint="p")
    work.close()
    tables = {name: WorkTable(tmp_path / "work.duckdb", name) for name in ("orders", "paid")}
    read: list[str] = []
    to_pandas = WorkTable.to_pandas

    def counted(self):
        read.append(self.name)
        return to_pandas(self)

    monkeypatch.setattr(WorkTable, "to_pandas", counted)
    target = open_target(f"parquet:///{tmp_path / 'out'}")
    assert [r.rows_written for r in target.load(tables)] == [4, 3]
    assert read == ["orders", "paid"]  # read when loaded, each once
    loaded = target.read("orders")
    assert loaded["status"].tolist() == ["paid", "new", "paid", "paid"]
    assert loaded["amount"].tolist() == ORDERS["amount"].tolist()
