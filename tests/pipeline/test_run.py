"""Running pipelines end to end on tiny data into a DuckDB file target."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelinekit.lineage.store import load as load_lineage
from pipelinekit.pipeline import RunFailed, load_pipeline, run
from pipelinekit.quality.history import runs as quality_runs

FIXTURES = Path(__file__).parent / "fixtures"
TABLES = ["customer_flags", "customer_orders", "orders_numbered"]


def variant(place: Path, old: str, new: str, name: str = "variant.yml") -> Path:
    text = (place / "tiny_shop.yml").read_text()
    assert old in text
    path = place / name
    path.write_text(text.replace(old, new))
    return path


def go(place: Path, pipeline: Path | str | None = None, **options):
    return run(
        pipeline or place / "tiny_shop.yml",
        target=f"duckdb:///{place / 'warehouse.duckdb'}",
        runs_dir=place / "runs",
        metadata=place / "metadata.duckdb",
        data_dir=place / "data",
        progress=False,
        **options,
    )


def target_tables(place: Path) -> dict[str, pd.DataFrame]:
    path = place / "warehouse.duckdb"
    if not path.exists():
        return {}
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        names = [name for (name,) in rows if not name.startswith("_")]
        return {
            name: con.execute(f'SELECT * FROM "{name}"')
            .df()
            .sort_values(list(con.execute(f'SELECT * FROM "{name}" LIMIT 0').df().columns))
            .reset_index(drop=True)
            for name in sorted(names)
        }


def test_end_to_end_tables_and_artifacts(place):
    result = go(place)
    assert result.status == "COMPLETE", result.error
    tables = target_tables(place)
    assert sorted(tables) == TABLES
    assert {name: len(frame) for name, frame in tables.items()} == {
        "customer_flags": 87,
        "customer_orders": 87,
        "orders_numbered": 475,
    }
    assert tables["orders_numbered"]["order_number"].min() == 1
    assert result.loaded_tables() == TABLES
    rows = {s.name: s.rows for s in result.steps}
    assert rows["orders"] == 500 and rows["stg_orders"] == 475

    folder = place / "runs" / result.run_id
    assert folder == result.run_dir
    events = [json.loads(line) for line in (folder / "openlineage.jsonl").read_text().splitlines()]
    assert {e["eventType"] for e in events} == {"START", "COMPLETE"}
    assert {e["job"]["name"] for e in events} == {
        "stg_orders",
        "orders_numbered",
        "customer_orders",
        "customer_flags",
    }
    assert (folder / "quality.html").read_text().startswith("<!DOCTYPE html>")
    assert (folder / "lineage.svg").read_text().lstrip().startswith("<svg")
    log = [json.loads(line) for line in (folder / "log.jsonl").read_text().splitlines()]
    assert log[0]["event"] == "run_started" and log[-1]["event"] == "run_finished"
    assert all(record["run_id"] == result.run_id for record in log)
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["status"] == "COMPLETE"
    assert {s["name"]: s["rows"] for s in metrics["steps"]}["customer_orders"] == 87
    assert 0 < metrics["quality_score"] < 1  # the warn gate fails one rule

    graph = load_lineage(place / "metadata.duckdb")
    assert "customer_orders.revenue" in graph
    assert "orders.order_total" in set(graph.upstream("customer_orders.revenue")["name"])
    assert list(quality_runs(place / "metadata.duckdb")["run_id"]) == [result.run_id]


def test_warn_gate_reports_and_goes_on(place):
    result = go(place)
    assert result.ok
    warn = [g for g in result.gates if g.on_fail == "warn"]
    assert len(warn) == 1 and warn[0].failures == 1 and not warn[0].stopped
    assert "1 failing rules" in result.summary()


def test_failing_gate_leaves_previous_tables_intact(place):
    assert go(place).ok
    before = target_tables(place)
    failing = variant(
        place,
        "{kind: not_null, column: customer_id}",
        "{kind: between, column: orders, max: 1}",
    )
    failing = variant(
        place, "WHERE status <> 'cancelled'", "WHERE status = 'delivered'", name="failing.yml"
    )
    text = failing.read_text().replace(
        "{kind: not_null, column: customer_id}", "{kind: between, column: orders, max: 1}"
    )
    failing.write_text(text)
    result = go(place, failing)
    assert result.status == "FAIL"
    assert result.failed_step == "customer_orders"
    assert "gate on 'customer_orders' failed: 'between(orders)'" in (result.error or "")
    assert result.loads == []
    after = target_tables(place)
    assert sorted(after) == sorted(before)
    for name in before:
        pd.testing.assert_frame_equal(after[name], before[name])
    assert "the target's previous tables are intact" in result.summary()


def test_rerun_gives_identical_tables(place):
    assert go(place).ok
    first = target_tables(place)
    second_run = go(place)
    assert second_run.ok
    second = target_tables(place)
    assert sorted(first) == sorted(second) == TABLES
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_exception_in_python_step_is_a_named_failure(place):
    broken = variant(place, "tiny_steps:flag_customers", "tiny_steps:explode")
    result = go(place, broken)
    assert result.status == "FAIL"
    assert result.failed_step == "customer_flags"
    assert result.error is not None
    assert "step 'customer_flags' failed: RuntimeError: boom at threshold 2" in result.error
    assert target_tables(place) == {}
    failed = [s for s in result.steps if s.status == "failed"]
    assert [s.name for s in failed] == ["customer_flags"]
    log = (result.run_dir / "log.jsonl").read_text().splitlines()
    events = [json.loads(line)["event"] for line in log]
    assert "step_failed" in events and "run_failed" in events
    graph = load_lineage(place / "metadata.duckdb")
    assert [r["status"] for r in graph.runs if r["step"] == "customer_flags"] == ["FAIL"]
    metrics = json.loads((result.run_dir / "metrics.json").read_text())
    assert (metrics["status"], metrics["failed_step"]) == ("FAIL", "customer_flags")


def test_raise_on_failure(place):
    broken = variant(place, "tiny_steps:flag_customers", "tiny_steps:explode")
    with pytest.raises(RunFailed, match="step 'customer_flags' failed") as error:
        go(place, broken, raise_on_failure=True)
    assert error.value.result.status == "FAIL"


def test_interrupt_is_recorded_and_target_untouched(place):
    assert go(place).ok
    before = target_tables(place)
    stopped = variant(place, "tiny_steps:flag_customers", "tiny_steps:interrupt")
    with pytest.raises(KeyboardInterrupt):
        go(place, stopped, run_id="interrupted-run")
    metrics = json.loads((place / "runs" / "interrupted-run" / "metrics.json").read_text())
    assert (metrics["status"], metrics["error"]) == ("FAIL", "interrupted")
    after = target_tables(place)
    for name in before:
        pd.testing.assert_frame_equal(after[name], before[name])
    assert go(place).ok  # and a rerun goes through


def test_default_target_and_scale_override(place, monkeypatch):
    monkeypatch.chdir(place)
    text = (place / "tiny_shop.yml").read_text()
    path = place / "no_target.yml"
    path.write_text(text[: text.index("targets:")])
    result = run(
        path,
        runs_dir=place / "runs",
        metadata=place / "metadata.duckdb",
        scale=200,
        seed=7,
        progress=False,
    )
    assert result.ok, result.error
    assert result.loaded_tables() == ["customer_flags", "customer_orders", "orders_numbered"]
    assert {s.name: s.rows for s in result.steps}["orders"] == 200
    assert (place / "warehouse.duckdb").is_file()


def test_generated_data_is_kept_and_reused(place):
    assert go(place).ok
    kept = place / "data" / "ecommerce"
    assert (kept / "orders.parquet").is_file()
    stamp = (kept / "orders.parquet").stat().st_mtime_ns
    assert go(place).ok
    assert (kept / "orders.parquet").stat().st_mtime_ns == stamp


def test_invalid_pipeline_runs_nothing(place):
    from pipelinekit.pipeline import PipelineFileError

    broken = variant(place, "FROM orders\n", "FROM ordrs\n")
    with pytest.raises(PipelineFileError, match=r"variant\.yml, line 12: step 'stg_orders' reads"):
        go(place, broken)
    assert not (place / "runs").exists()


def test_pipeline_object_runs_too(place):
    pipeline = load_pipeline(place / "tiny_shop.yml")
    assert go(place, pipeline).ok


@pytest.mark.services
def test_database_source_through_sqlalchemy(place, postgres_url):
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    frame = pd.DataFrame({"order_id": [1, 2, 3], "amount": [10.0, -1.0, 5.0]})
    with engine.begin() as connection:
        frame.to_sql("pk_pipeline_orders", connection, if_exists="replace", index=False)
    engine.dispose()
    path = place / "db.yml"
    path.write_text(
        "pipeline: db\nsources:\n"
        f"  shop: {{database: {{url: '{postgres_url}', tables: [pk_pipeline_orders]}}}}\n"
        "steps:\n  - name: paid\n"
        "    sql: SELECT order_id, amount FROM pk_pipeline_orders WHERE amount > 0\n"
        "  - name: bad\n    sql: SELECT amout FROM pk_pipeline_orders\n"
    )
    from pipelinekit.pipeline import validate

    (problem,) = validate(load_pipeline(path)).problems
    assert "Unknown column 'amout'" in str(problem) and "'amount'" in str(problem)
    text = path.read_text()
    path.write_text(text[: text.index("  - name: bad")])
    result = go(place, path)
    assert result.ok, result.error
    assert len(target_tables(place)["paid"]) == 2
