"""Quality history in the metadata database: record runs, read metrics and verdicts back."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import StepRecord
from pipelinekit.lineage.store import save
from pipelinekit.metadata import query
from pipelinekit.quality.history import (
    QUALITY,
    metric_history,
    metrics_history,
    record,
    results_history,
    runs,
)
from pipelinekit.quality.result import Outcome, RuleResult, judge
from pipelinekit.quality.rule import Rule
from pipelinekit.quality.suggest import HandProfile


def results(table: str | None = "customers", failing: int = 2) -> list[RuleResult]:
    return [
        judge(
            Rule("not_null", column="email", table=table),
            Outcome(rows=100, failing=failing),
            sql="SELECT 1",
            engine="duckdb",
        ),
        judge(
            Rule("row_count_between", min=50, table=table),
            Outcome(rows=100, value=100.0),
            sql="SELECT 2",
            engine="duckdb",
        ),
        judge(
            Rule("unique", columns=["id", "day"], table=table),
            Outcome(rows=100, error="no id"),
            sql="SELECT 3",
            engine="duckdb",
        ),
    ]


def profile(rows: int = 100, nulls: int = 2, name: str | None = "customers") -> HandProfile:
    columns = pd.DataFrame(
        [
            {
                "column": "id",
                "family": "integer",
                "rows": rows,
                "non_null": rows,
                "nulls": 0,
                "null_share": 0.0,
                "distinct": rows,
                "min": 1,
                "max": rows,
                "p50": rows / 2,
                "top_values": ((1, 1),),
                "patterns": {},
            },
            {
                "column": "email",
                "family": "string",
                "rows": rows,
                "non_null": rows - nulls,
                "nulls": nulls,
                "null_share": nulls / rows,
                "distinct": rows - nulls,
                "min": None,
                "max": None,
                "p50": float("nan"),
                "top_values": (),
                "patterns": {"email": 1.0},
            },
        ]
    )
    table = {
        "rows": rows,
        "columns": 2,
        "duplicate_rows": 0,
        "candidate_keys": (("id",),),
        "source": "test",
        "name": name,
    }
    return HandProfile(table, columns)


def test_a_run_round_trips_with_its_results_and_metrics(tmp_path) -> None:
    path = tmp_path / "metadata.duckdb"
    run = record(results(), profile=profile(), path=path, at="2024-05-01T09:00:00")
    (row,) = runs(path).to_dict("records")
    assert row["run_id"] == run and row["table_name"] == "customers"
    assert row["started_at"] == pd.Timestamp("2024-05-01 09:00:00")
    assert (row["engine"], row["rows"], row["rules"]) == ("duckdb", 100, 3)
    assert (row["passed"], row["failed"], row["errors"], row["skipped"]) == (1, 1, 1, 0)
    # completeness 0/1, volume 1/1, uniqueness 0/1 (an error counts as failed)
    assert row["score"] == pytest.approx(1 / 3)
    verdicts = results_history("customers", path=path)
    assert verdicts["rule"].tolist() == [
        "not_null(email)",
        "row_count_between()",
        "unique(id, day)",
    ]
    assert verdicts["status"].tolist() == ["failed", "passed", "error"]
    assert verdicts["column_name"].tolist() == ["email", None, "id, day"]
    assert verdicts.loc[0, "failing_share"] == 0.02 and verdicts.loc[1, "value"] == 100
    assert verdicts.attrs["table"] == "customers"
    every = metrics_history("customers", path=path)
    table_metrics = every[every["column"].isna()].set_index("metric")["value"]
    assert table_metrics.to_dict() == {
        "rows": 100,
        "duplicate_rows": 0,
        "failing_rules": 2,
        "score": pytest.approx(1 / 3),
    }
    email = every[every["column"] == "email"].set_index("metric")["value"].to_dict()
    assert email == {
        "rows": 100,
        "non_null": 98,
        "nulls": 2,
        "null_share": 0.02,
        "distinct": 98,
    }  # NaN and None are not stored
    assert (
        query("SELECT schema_version FROM pk_metadata WHERE component = 'quality'", path).iloc[0, 0]
        == QUALITY.version
    )


def test_a_check_report_is_recorded_with_its_engine(tmp_path) -> None:
    from pipelinekit.quality.check import check

    frame = pd.DataFrame({"id": [1, 2, 2], "email": ["a@b.io", None, "c@d.io"]})
    report = check(
        frame,
        [Rule("unique", column="id"), Rule("not_null", column="email")],
        name="customers",
        engine="pandas",
    )
    record(report, path=tmp_path / "m.duckdb", at="2024-05-01")
    (row,) = runs(tmp_path / "m.duckdb").to_dict("records")
    assert (row["table_name"], row["engine"], row["rows"], row["failed"]) == (
        "customers",
        "pandas",
        3,
        2,
    )


def test_several_tables_in_one_report_make_one_run_row_each(tmp_path) -> None:
    path = tmp_path / "m.duckdb"
    run = record(results("customers") + results("orders", failing=0), path=path, run_id="r1")
    assert run == "r1"
    assert runs(path)["table_name"].tolist() == ["customers", "orders"]
    assert runs(path, table="orders")["passed"].tolist() == [2]
    with pytest.raises(InvalidValueError, match="Run 'r1' of table 'customers' is already"):
        record(results("customers"), path=path, run_id="r1")
    assert len(runs(path)) == 2  # the refused run left nothing behind


def test_times_are_kept_in_utc(tmp_path) -> None:
    path = tmp_path / "m.duckdb"
    record(results(), path=path, at="2024-05-01T11:00:00+02:00")
    record(results(), path=path, at=pd.Timestamp("2024-05-02"))
    assert metric_history("customers", "rows", path=path)["at"].tolist() == [
        pd.Timestamp("2024-05-01 09:00"),
        pd.Timestamp("2024-05-02"),
    ]
    with pytest.raises(InvalidValueError, match="Run time at='yesterday'"):
        record(results(), path=path, at="yesterday")


def test_a_month_of_history_reads_back_as_series(tmp_path) -> None:
    path = tmp_path / "m.duckdb"
    for day in range(1, 31):
        nulls = 2 if day < 20 else 15
        record(
            results(failing=nulls),
            profile=profile(1000 + day, nulls),
            path=path,
            at=f"2024-05-{day:02d}",
        )
    rows = metric_history("customers", "rows", path=path)
    assert list(rows.columns) == ["run_id", "at", "value"] and len(rows) == 30
    assert rows["value"].tolist() == [1000.0 + day for day in range(1, 31)]
    assert rows["at"].is_monotonic_increasing
    share = metric_history("customers", "null_share", column="email", path=path)
    assert share.attrs == {"table": "customers", "metric": "null_share", "column": "email"}
    assert share["value"].iloc[18] == pytest.approx(2 / 1019)
    assert share["value"].iloc[19] == pytest.approx(15 / 1020)


def test_metric_history_from_a_profile_only(tmp_path) -> None:
    path = tmp_path / "m.duckdb"
    record(profile=profile(name=None), table="people", path=path, at="2024-05-01")
    assert metric_history("people", "rows", path=path)["value"].tolist() == [100.0]
    assert runs(path)["rules"].tolist() == [0] and runs(path)["score"].isna().all()


def test_lineage_and_quality_share_the_file(tmp_path) -> None:
    path = tmp_path / "m.duckdb"
    graph = LineageGraph()
    graph.add(
        StepRecord.from_mapping(
            "load",
            inputs={"raw": ["id"]},
            outputs={"customers": ["id"]},
            derived={"customers.id": ["raw.id"]},
        )
    )
    save(graph, path)
    record(results(), path=path)
    joined = query(
        "SELECT d.name, count(*) AS results FROM lineage_datasets d"
        " JOIN quality_results r ON r.table_name = d.name GROUP BY d.name",
        path,
    )
    assert joined.to_dict("records") == [{"name": "customers", "results": 3}]


def test_unknown_tables_metrics_and_columns_name_what_was_recorded(tmp_path) -> None:
    path = tmp_path / "m.duckdb"
    with pytest.raises(UnknownNameError, match="(?s)No quality history.*record runs first"):
        metric_history("customers", "rows", path=path)
    record(results(), profile=profile(), path=path)
    with pytest.raises(UnknownNameError, match="Unknown table in the quality history 'custmers'"):
        metric_history("custmers", "rows", path=path)
    with pytest.raises(
        UnknownNameError,
        match="(?s)No metric 'row' recorded for the whole table.*did you mean 'rows'",
    ):
        metric_history("customers", "row", path=path)
    with pytest.raises(UnknownNameError, match="Unknown column of 'customers' 'emial'"):
        metric_history("customers", "nulls", column="emial", path=path)
    with pytest.raises(
        UnknownNameError, match="(?s)metric 'null_shar' recorded for column 'email'.*'null_share'"
    ):
        metric_history("customers", "null_shar", column="email", path=path)
    with pytest.raises(UnknownNameError, match="rule of table 'customers'"):
        results_history("customers", rule="nope", path=path)
    assert len(results_history("customers", rule="not_null(email)", path=path)) == 1


def test_nothing_to_record_is_refused(tmp_path) -> None:
    with pytest.raises(InvalidValueError, match="Nothing to record"):
        record([], path=tmp_path / "m.duckdb")
    with pytest.raises(InvalidValueError, match="Cannot record a str"):
        record("report", path=tmp_path / "m.duckdb")
    assert not (tmp_path / "m.duckdb").exists()


def test_the_tables_are_plain_sql(tmp_path) -> None:
    path = tmp_path / "m.duckdb"
    record(results(), profile=profile(), path=path)
    with duckdb.connect(str(path)) as con:
        names = {n for (n,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert set(QUALITY.tables) <= names


def test_a_real_profile_is_recorded(tmp_path) -> None:
    profile_module = pytest.importorskip("pipelinekit.quality.profile")
    import pipelinekit as pk

    shop = pk.datasets.load("ecommerce", scale="tiny", seed=42)
    record(profile=profile_module.profile(shop["orders"], name="orders"), path=tmp_path / "m")
    every = metrics_history("orders", path=tmp_path / "m")
    assert set(every["column"].dropna()) == set(shop["orders"].columns)
    amount = metric_history("orders", "mean", column="order_total", path=tmp_path / "m")
    assert amount["value"].iloc[0] == pytest.approx(shop["orders"]["order_total"].mean())
