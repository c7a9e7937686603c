"""The catalog kept in the metadata database: saved, queried with SQL, loaded back equal."""

from __future__ import annotations

import datetime
import decimal

import duckdb
import numpy as np
import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.catalog import Catalog, load, save
from pipelinekit.catalog.store import decode, encode
from pipelinekit.errors import InvalidValueError
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import StepRecord
from pipelinekit.lineage.store import load as load_lineage
from pipelinekit.lineage.store import save as save_lineage
from pipelinekit.metadata import MetadataError, query


@pytest.fixture(scope="module")
def shop_catalog() -> Catalog:
    catalog = Catalog()
    catalog.register_dataset(pk.datasets.load("ecommerce", scale="tiny", seed=3, dirty=True))
    return catalog


def test_a_saved_catalog_loads_back_equal(shop_catalog, tmp_path):
    path = save(shop_catalog, tmp_path / "metadata.duckdb")
    loaded = load(path)
    assert list(loaded) == list(shop_catalog)
    pd.testing.assert_frame_equal(loaded.tables(), shop_catalog.tables())
    for name in shop_catalog:
        pd.testing.assert_frame_equal(loaded.columns(name), shop_catalog.columns(name))
        pd.testing.assert_frame_equal(loaded.discrepancies(name), shop_catalog.discrepancies(name))
        assert loaded.card(name).to_markdown() == shop_catalog.card(name).to_markdown()
    pd.testing.assert_frame_equal(loaded.search("tag:pii"), shop_catalog.search("tag:pii"))


def test_the_catalog_is_plain_tables_for_sql(shop_catalog, tmp_path):
    path = shop_catalog.save(tmp_path / "metadata.duckdb")
    rows = query("SELECT name, rows FROM catalog_tables ORDER BY position", path)
    expected = shop_catalog.tables()[["table", "rows"]].set_axis(["name", "rows"], axis=1)
    pd.testing.assert_frame_equal(rows, expected, check_dtype=False)
    emails = query(
        "SELECT c.distinct_count, t.docs->>'$.owner' AS owner FROM catalog_columns c "
        "JOIN catalog_tables t ON t.name = c.table_name "
        "WHERE c.table_name = 'customers' AND c.name = 'email'",
        path,
    )
    column = shop_catalog.column("customers", "email")
    assert emails["distinct_count"].tolist() == [column["distinct"]]
    assert emails["owner"].tolist() == [
        shop_catalog.tables().set_index("table").loc["customers", "owner"]
    ]


def test_saving_again_replaces_and_keeps_lineage_beside_it(tmp_path):
    path = tmp_path / "metadata.duckdb"
    graph = LineageGraph()
    graph.add(
        StepRecord.from_mapping(
            "totals", inputs={"orders": ["amount"]}, outputs={"totals": ["revenue"]},
            derived={"totals.revenue": ["orders.amount"]},
        )
    )  # fmt: skip
    save_lineage(graph, path)
    first = Catalog()
    first.register("orders", pd.DataFrame({"amount": [1.0, 2.0]}))
    first.register("totals", pd.DataFrame({"revenue": [3.0]}))
    save(first, path)
    second = Catalog()
    second.register("orders", pd.DataFrame({"amount": [1.0, 2.0, 4.0]}))
    save(second, path)
    assert list(load(path)) == ["orders"]
    assert load(path).tables()["rows"].tolist() == [3]
    # the lineage stored beside it is untouched, and the loaded catalog can use it
    lineage = load_lineage(path)
    assert "totals.revenue" in lineage
    first_again = Catalog(lineage=lineage)
    first_again.restore("totals", first.metadata("totals"))
    assert first_again.card("totals").upstream == (("orders", "totals"),)


def test_typed_values_keep_their_type():
    values = [
        None,
        np.nan,
        pd.NaT,
        True,
        np.int64(7),
        2.5,
        float("inf"),
        "text",
        pd.Timestamp("2024-05-01 10:00", tz="UTC"),
        pd.Timestamp("2024-05-01 10:00"),
        datetime.date(2024, 5, 1),
        pd.Timedelta("3h"),
        decimal.Decimal("1.10"),
    ]
    expected = [None, None, None, True, 7, 2.5, float("inf"), "text", *values[8:]]
    decoded = [decode(encode(value)) for value in values]
    assert decoded == expected
    assert [type(v) for v in decoded[3:]] == [type(v) for v in expected[3:]]


def test_bad_documentation_is_refused_before_the_file_is_touched(tmp_path):
    catalog = Catalog()
    catalog.register("t", pd.DataFrame({"x": [1]}), docs={"description": "ok"})
    catalog._entries["t"].docs = {"description": "ok", "owner": object()}
    with pytest.raises(InvalidValueError, match="JSON cannot store"):
        save(catalog, tmp_path / "m.duckdb")
    assert not (tmp_path / "m.duckdb").exists()


def test_loading_a_missing_or_foreign_file_is_a_clear_error(tmp_path):
    with pytest.raises(MetadataError):
        load(tmp_path / "none.duckdb")
    foreign = tmp_path / "foreign.duckdb"
    with duckdb.connect(str(foreign)) as con:
        con.execute("CREATE TABLE orders (id INTEGER)")
    before = foreign.read_bytes()
    with pytest.raises(MetadataError):
        load(foreign)
    assert foreign.read_bytes() == before
