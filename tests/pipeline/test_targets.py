"""Warehouse targets: DuckDB and Parquet, every load mode, atomicity and idempotency.

The scenarios (``scenario_*``) take an empty target and assert on what it holds after;
``test_postgres_target.py`` runs the same ones against PostgreSQL and compares the
tables with the DuckDB target's.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import signal
import subprocess
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.pipeline.targets import (
    LOAD_LOG_TABLE,
    LoadResult,
    Target,
    TargetError,
    open_target,
)
from pipelinekit.pipeline.targets.duckdb_target import DuckDBTarget
from pipelinekit.pipeline.targets.parquet_target import MANIFEST, ParquetTarget

# --- data and comparison -----------------------------------------------------------------


def all_types() -> pd.DataFrame:
    """One column of each kind a target must store, with missing values."""
    return pd.DataFrame(
        {
            "id": [1, 2, 3],
            "small": np.array([1, -2, 3], dtype="int16"),
            "amount": [1.5, np.nan, -3.25],
            "ratio": np.array([0.5, 1.0, 2.0], dtype="float32"),
            "name": pd.array(["Ada", None, ""], dtype="str"),
            "flag": [True, False, True],
            "maybe": pd.array([True, None, False], dtype="boolean"),
            "count": pd.array([10, None, 30], dtype="Int64"),
            "score": pd.array([0.25, None, 0.75], dtype="Float64"),
            "at": pd.to_datetime(
                ["2024-01-01 10:00:00.000000", "2024-02-29 23:59:59.123456", None]
            ),
            "at_tz": pd.to_datetime(
                ["2024-03-31 01:30:00+00:00", "2024-07-01 12:00:00+00:00", None], utc=True
            ).tz_convert("Europe/Paris"),
            "day": [dt.date(2024, 1, 1), None, dt.date(2024, 12, 31)],
            "status": pd.Categorical(["new", "paid", None]),
            "note": [None, None, None],
        }
    )


def orders(ids: list[int], amounts: list[float], days: list[int] | None = None) -> pd.DataFrame:
    days = days or [1] * len(ids)
    return pd.DataFrame(
        {
            "order_id": np.array(ids, dtype="int64"),
            "amount": np.array(amounts, dtype="float64"),
            "ordered_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
        }
    )


def canonical(value: Any) -> Any:
    """One Python value per meaning: None for every missing, UTC for aware times, ..."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date | np.datetime64):
        stamp = pd.Timestamp(value)
        return stamp.tz_convert("UTC") if stamp.tzinfo else stamp
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The frame's rows as canonical tuples, sorted (row order is not part of a table)."""
    values = [tuple(canonical(v) for v in row) for row in frame.itertuples(index=False)]
    return sorted(values, key=repr)


def assert_same_table(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(actual.columns) == list(expected.columns)
    assert rows(actual) == rows(expected)


def snapshot(target: Target) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the target, as canonical rows (the load log left out)."""
    return {name: rows(target.read(name)) for name in target.tables()}


# --- scenarios: run on every target ------------------------------------------------------


def scenario_replace_round_trip(target: Target) -> None:
    frame = all_types()
    results = target.load({"all_types": frame, "orders": orders([1, 2], [9.5, 20.0])})
    assert [(r.table, r.mode, r.rows_in, r.rows_written) for r in results] == [
        ("all_types", "replace", 3, 3),
        ("orders", "replace", 2, 2),
    ]
    assert all(isinstance(r, LoadResult) and r.seconds >= 0 for r in results)
    assert target.tables() == ["all_types", "orders"]
    expected = frame.assign(status=frame["status"].astype(object))
    assert_same_table(target.read("all_types"), expected)


def scenario_replace_twice_gives_the_same_tables(target: Target) -> None:
    tables = {"orders": orders([1, 2, 3], [1.0, 2.0, 3.0]), "all_types": all_types()}
    target.load(tables)
    once = snapshot(target)
    target.load(tables)
    assert snapshot(target) == once
    changed = pd.DataFrame({"order_id": [7], "channel": ["web"]})
    target.load({"orders": changed})
    assert_same_table(target.read("orders"), changed)


def scenario_append_adds_rows(target: Target) -> None:
    target.load({"orders": orders([1, 2], [1.0, 2.0])}, mode="append")
    results = target.load({"orders": orders([3], [3.0])}, mode="append")
    assert results[0].rows_written == 1
    assert_same_table(target.read("orders"), orders([1, 2, 3], [1.0, 2.0, 3.0]))


def scenario_append_with_a_run_id_is_idempotent(target: Target) -> None:
    target.load({"orders": orders([1], [1.0])})
    batch = {"orders": orders([2, 3], [2.0, 3.0])}
    first = target.load(batch, mode="append", run_id="run-1")
    again = target.load(batch, mode="append", run_id="run-1")  # a rerun of the same run
    assert (first[0].rows_written, again[0].rows_written) == (2, 0)
    assert_same_table(target.read("orders"), orders([1, 2, 3], [1.0, 2.0, 3.0]))
    target.load({"orders": orders([4], [4.0])}, mode="append", run_id="run-2")
    assert len(target.read("orders")) == 4
    log = target.read(LOAD_LOG_TABLE)
    assert log.loc[log["mode"] == "append", "run_id"].tolist() == ["run-1", "run-2"]


def scenario_merge_updates_and_inserts(target: Target) -> None:
    target.load({"orders": orders([1, 2, 3], [1.0, 2.0, 3.0])})
    update = orders([2, 4], [20.0, 40.0])
    results = target.load({"orders": update}, mode="merge", keys={"orders": ["order_id"]})
    assert (results[0].rows_in, results[0].rows_written) == (2, 2)
    assert_same_table(target.read("orders"), orders([1, 2, 3, 4], [1.0, 20.0, 3.0, 40.0]))
    once = snapshot(target)
    target.load({"orders": update}, mode="merge", keys={"orders": "order_id"})
    assert snapshot(target) == once


def scenario_merge_on_two_keys_into_a_new_table(target: Target) -> None:
    frame = pd.DataFrame({"shop": ["a", "a", "b"], "day": [1, 2, 1], "sales": [5, 6, 7]})
    target.load({"sales": frame}, mode="merge", keys={"sales": ["shop", "day"]})
    update = pd.DataFrame({"shop": ["b", "b"], "day": [1, 2], "sales": [70, 80]})
    target.load({"sales": update}, mode="merge", keys={"sales": ["shop", "day"]})
    expected = pd.DataFrame(
        {"shop": ["a", "a", "b", "b"], "day": [1, 2, 1, 2], "sales": [5, 6, 70, 80]}
    )
    assert_same_table(target.read("sales"), expected)


def scenario_incremental_loads_only_newer_rows(target: Target) -> None:
    watermark = {"orders": "ordered_at"}
    first = orders([1, 2], [1.0, 2.0], days=[1, 2])
    results = target.load({"orders": first}, mode="incremental", watermark=watermark)
    assert results[0].rows_written == 2  # a new table takes every row
    later = orders([2, 3, 4], [2.0, 3.0, 4.0], days=[2, 3, 4])
    results = target.load({"orders": later}, mode="incremental", watermark=watermark)
    assert (results[0].rows_in, results[0].rows_written) == (3, 2)
    expected = orders([1, 2, 3, 4], [1.0, 2.0, 3.0, 4.0], days=[1, 2, 3, 4])
    assert_same_table(target.read("orders"), expected)
    results = target.load({"orders": later}, mode="incremental", watermark=watermark)
    assert results[0].rows_written == 0  # the same input again changes nothing
    assert_same_table(target.read("orders"), expected)


def scenario_incremental_with_keys_upserts_the_newer_rows(target: Target) -> None:
    options: dict[str, Any] = {
        "mode": "incremental",
        "watermark": {"orders": "ordered_at"},
        "keys": {"orders": ["order_id"]},
    }
    target.load({"orders": orders([1, 2], [1.0, 2.0], days=[1, 2])}, **options)
    changed = orders([1, 2, 3], [1.0, 25.0, 3.0], days=[1, 5, 5])  # order 2 changed later
    results = target.load({"orders": changed}, **options)
    assert results[0].rows_written == 2
    assert_same_table(target.read("orders"), changed)


def scenario_a_failing_table_leaves_every_table_intact(target: Target) -> None:
    target.load({"customers": orders([1, 2], [1.0, 2.0]), "orders": orders([1], [5.0])})
    before = snapshot(target)
    broken = pd.DataFrame(  # 'order_id' holds text the integer column cannot take
        {"order_id": ["not a number"], "amount": [1.0], "ordered_at": [pd.Timestamp(2024, 1, 9)]}
    )
    tables = {"customers": orders([3], [3.0]), "orders": broken}
    with pytest.raises(TargetError, match=r"Loading table 'orders' into .* failed"):
        target.load(tables, mode="append")
    assert snapshot(target) == before


def scenario_columns_must_match_to_append(target: Target) -> None:
    target.load({"orders": orders([1], [1.0])})
    other = pd.DataFrame(
        {"order_id": [2], "total": [2.0], "ordered_at": [pd.Timestamp(2024, 1, 2)]}
    )
    with pytest.raises(TargetError, match=r"(?s)missing 'amount'; extra 'total'.*mode='replace'"):
        target.load({"orders": other}, mode="append")
    assert_same_table(target.read("orders"), orders([1], [1.0]))


def scenario_an_empty_frame_makes_an_empty_table(target: Target) -> None:
    target.load({"orders": orders([], [])})
    assert target.tables() == ["orders"]
    assert len(target.read("orders")) == 0
    target.load(
        {"orders": orders([1], [1.0])}, mode="incremental", watermark={"orders": "ordered_at"}
    )
    assert len(target.read("orders")) == 1


def scenario_reading_an_unknown_table_names_the_nearest(target: Target) -> None:
    target.load({"fct_orders": orders([1], [1.0])})
    with pytest.raises(UnknownNameError, match=r"Unknown table 'fct_order'.*'fct_orders'"):
        target.read("fct_order")


SCENARIOS: list[Callable[[Target], None]] = [
    scenario_replace_round_trip,
    scenario_replace_twice_gives_the_same_tables,
    scenario_append_adds_rows,
    scenario_append_with_a_run_id_is_idempotent,
    scenario_merge_updates_and_inserts,
    scenario_merge_on_two_keys_into_a_new_table,
    scenario_incremental_loads_only_newer_rows,
    scenario_incremental_with_keys_upserts_the_newer_rows,
    scenario_a_failing_table_leaves_every_table_intact,
    scenario_columns_must_match_to_append,
    scenario_an_empty_frame_makes_an_empty_table,
    scenario_reading_an_unknown_table_names_the_nearest,
]


def scenario_id(scenario: Callable[[Target], None]) -> str:
    return scenario.__name__.removeprefix("scenario_")


# --- DuckDB and Parquet ------------------------------------------------------------------


@pytest.fixture(params=["duckdb", "duckdb-memory", "parquet"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    urls = {
        "duckdb": f"duckdb:///{tmp_path}/warehouse.duckdb",
        "duckdb-memory": "duckdb:///:memory:",
        "parquet": f"parquet://{tmp_path}/marts",
    }
    opened = open_target(urls[request.param])
    yield opened
    opened.close()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=scenario_id)
def test_scenario(target: Target, scenario: Callable[[Target], None]) -> None:
    scenario(target)
    assert_no_staging(target)


def assert_no_staging(target: Target) -> None:
    if isinstance(target, DuckDBTarget):
        if target._memory is not None:
            names = target._memory.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        else:
            with duckdb.connect(str(target.path)) as con:
                names = con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        assert [n for (n,) in names if n.startswith("_pk_stage_")] == []
    elif isinstance(target, ParquetTarget) and target.folder.exists():
        assert [p.name for p in target.folder.iterdir() if p.name.startswith(".")] == []
        if (target.folder / MANIFEST).exists():
            manifest = json.loads((target.folder / MANIFEST).read_text())
            assert (manifest["state"], manifest["staging"]) == ("complete", None)


def test_targets_follow_the_protocol(target: Target) -> None:
    assert isinstance(target, Target)
    assert target.tables() == []
    assert target.load({}) == []


def test_a_failing_swap_rolls_back_every_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = DuckDBTarget(tmp_path / "w.duckdb")
    target.load({"a": orders([1], [1.0]), "b": orders([2], [2.0])})
    before = snapshot(target)
    swap = DuckDBTarget._swap
    calls: list[str] = []

    def failing_swap(self: DuckDBTarget, con: Any, name: str, *args: Any) -> int:
        calls.append(name)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return swap(self, con, name, *args)

    monkeypatch.setattr(DuckDBTarget, "_swap", failing_swap)
    with pytest.raises(TargetError, match=r"Loading table 'b' .* failed \(disk full\)"):
        target.load({"a": orders([5, 6], [5.0, 6.0]), "b": orders([7], [7.0])})
    assert calls == ["a", "b"]  # 'a' was swapped in the transaction, then rolled back
    assert snapshot(target) == before
    assert_no_staging(target)


def test_ctrl_c_while_staging_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = DuckDBTarget(tmp_path / "w.duckdb")
    target.load({"a": orders([1], [1.0]), "b": orders([2], [2.0])})
    before = snapshot(target)
    stage = DuckDBTarget._stage

    def interrupted(self: DuckDBTarget, con: Any, name: str, frame: pd.DataFrame) -> None:
        if name == "b":
            raise KeyboardInterrupt
        stage(self, con, name, frame)

    monkeypatch.setattr(DuckDBTarget, "_stage", interrupted)
    with pytest.raises(KeyboardInterrupt):
        target.load({"a": orders([9], [9.0]), "b": orders([9], [9.0])})
    assert snapshot(target) == before
    monkeypatch.undo()
    target.load({"a": orders([9], [9.0])}, mode="append")  # the file is usable again
    assert len(target.read("a")) == 2


def test_a_failing_parquet_write_leaves_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelinekit.pipeline.targets import parquet_target

    target = ParquetTarget(tmp_path / "marts")
    target.load({"a": orders([1], [1.0]), "b": orders([2], [2.0])})
    before = snapshot(target)
    files = {p.name: p.read_bytes() for p in target.folder.iterdir()}
    write = parquet_target._write

    def failing_write(table: Any, path: Path) -> None:
        if path.name == "b.parquet":
            raise OSError("No space left on device")
        write(table, path)

    monkeypatch.setattr(parquet_target, "_write", failing_write)
    with pytest.raises(TargetError, match=r"table 'b' .* failed \(No space left on device\)"):
        target.load({"a": orders([5], [5.0]), "b": orders([6], [6.0])})
    assert {p.name: p.read_bytes() for p in target.folder.iterdir()} == files
    assert snapshot(target) == before


# --- a real kill -9 in the middle of a load ------------------------------------------------

KILL_DUCKDB = """
import os, signal, pandas as pd
from pipelinekit.pipeline.targets.duckdb_target import DuckDBTarget
swap = DuckDBTarget._swap
def killed(self, con, name, *args):
    if name == "b":
        os.kill(os.getpid(), signal.SIGKILL)
    return swap(self, con, name, *args)
DuckDBTarget._swap = killed
frame = pd.DataFrame({{"order_id": [8, 9], "amount": [8.0, 9.0]}})
DuckDBTarget({path!r}).load({{"a": frame, "b": frame}})
"""

KILL_PARQUET_SWAP = """
import os, signal, pandas as pd
from pipelinekit.pipeline.targets import parquet_target
replace = os.replace
renamed = []
def killed(source, destination):
    if str(destination).endswith(".parquet"):
        renamed.append(destination)
        if len(renamed) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
    replace(source, destination)
parquet_target.os.replace = killed
frame = pd.DataFrame({{"order_id": [8, 9], "amount": [8.0, 9.0]}})
parquet_target.ParquetTarget({path!r}).load({{"a": frame, "b": frame}})
"""

KILL_PARQUET_STAGING = """
import os, signal, pandas as pd
from pipelinekit.pipeline.targets import parquet_target
write = parquet_target._write
def killed(table, path):
    if path.name == "b.parquet":
        os.kill(os.getpid(), signal.SIGKILL)
    write(table, path)
parquet_target._write = killed
frame = pd.DataFrame({{"order_id": [8, 9], "amount": [8.0, 9.0]}})
parquet_target.ParquetTarget({path!r}).load({{"a": frame, "b": frame}})
"""


def run_killed(code: str, path: Path) -> None:
    script = textwrap.dedent(code).format(path=str(path))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()


def test_duckdb_killed_mid_swap_keeps_the_previous_tables(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    DuckDBTarget(path).load({"a": orders([1], [1.0]), "b": orders([2], [2.0])})
    before = snapshot(DuckDBTarget(path))
    run_killed(KILL_DUCKDB, path)
    target = DuckDBTarget(path)
    assert snapshot(target) == before
    assert_no_staging(target)
    target.load({"a": orders([3], [3.0])})  # and it loads again
    assert len(target.read("a")) == 1


def test_parquet_killed_mid_swap_is_finished_by_the_next_call(tmp_path: Path) -> None:
    folder = tmp_path / "marts"
    ParquetTarget(folder).load({"a": orders([1], [1.0]), "b": orders([2], [2.0])})
    run_killed(KILL_PARQUET_SWAP, folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["state"] == "swapping"  # killed after the commit point
    target = ParquetTarget(folder)
    assert target.read("a")["order_id"].tolist() == [8, 9]
    assert target.read("b")["order_id"].tolist() == [8, 9]  # rolled forward
    assert_no_staging(target)


def test_parquet_killed_while_staging_keeps_the_previous_files(tmp_path: Path) -> None:
    folder = tmp_path / "marts"
    ParquetTarget(folder).load({"a": orders([1], [1.0]), "b": orders([2], [2.0])})
    before = snapshot(ParquetTarget(folder))
    run_killed(KILL_PARQUET_STAGING, folder)
    assert any(p.name.startswith(".staging-") for p in folder.iterdir())
    target = ParquetTarget(folder)
    assert snapshot(target) == before
    assert_no_staging(target)  # the next call cleaned the staging up


def test_a_duckdb_file_locked_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    script = (
        f"import duckdb, sys; c = duckdb.connect({str(path)!r}); "
        "print('ready', flush=True); sys.stdin.read()"
    )
    command = [sys.executable, "-c", script]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == b"ready\n"
            with pytest.raises(
                TargetError, match=r"(?s)Cannot open the DuckDB target .*another process"
            ):
                DuckDBTarget(path).load({"a": orders([1], [1.0])})
        finally:
            holder.kill()


def test_duckdb_schema_from_the_url(tmp_path: Path) -> None:
    target = open_target("duckdb:///w.duckdb?schema=marts", base_dir=tmp_path)
    target.load({"orders": orders([1], [1.0])})
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert con.execute("SELECT order_id FROM marts.orders").fetchall() == [(1,)]
    assert target.tables() == ["orders"]


def test_parquet_keeps_a_manifest_written_last(tmp_path: Path) -> None:
    target = ParquetTarget(tmp_path / "marts")
    target.load({"orders": orders([1, 2], [1.0, 2.0])}, run_id="r1")
    manifest = json.loads((tmp_path / "marts" / MANIFEST).read_text())
    assert manifest["state"] == "complete"
    assert manifest["tables"]["orders"]["columns"] == ["order_id", "amount", "ordered_at"]
    assert [(e["run_id"], e["rows_written"]) for e in manifest["loads"]] == [("r1", 2)]
    assert pd.read_parquet(tmp_path / "marts" / "orders.parquet")["order_id"].tolist() == [1, 2]


# --- opening targets ----------------------------------------------------------------------


def test_open_duckdb_urls(tmp_path: Path) -> None:
    relative = open_target("duckdb:///w.duckdb", base_dir=tmp_path)
    absolute = open_target(f"duckdb:///{tmp_path}/w.duckdb")  # four slashes: absolute
    bare = open_target(tmp_path / "w.duckdb")
    assert isinstance(relative, DuckDBTarget) and relative.path == tmp_path / "w.duckdb"
    assert isinstance(absolute, DuckDBTarget) and absolute.path == tmp_path / "w.duckdb"
    assert isinstance(bare, DuckDBTarget) and bare.path == tmp_path / "w.duckdb"
    assert repr(open_target("duckdb://")) == "DuckDBTarget('duckdb:///:memory:')"


def test_open_parquet_urls(tmp_path: Path) -> None:
    absolute = open_target(f"parquet://{tmp_path}/marts")
    relative = open_target("parquet://out/marts", base_dir=tmp_path)
    assert isinstance(absolute, ParquetTarget) and absolute.folder == tmp_path / "marts"
    assert isinstance(relative, ParquetTarget) and relative.folder == tmp_path / "out/marts"


def test_s3_urls_go_to_the_s3_target(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    module = types.ModuleType("pipelinekit.pipeline.targets.s3_target")

    class S3Target:
        def __init__(self, url: str) -> None:
            made.append(url)

    module.S3Target = S3Target  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pipelinekit.pipeline.targets.s3_target", module)
    assert isinstance(open_target("s3://bucket/marts"), S3Target)
    assert made == ["s3://bucket/marts"]


@pytest.mark.parametrize(
    ("url", "error", "match"),
    [
        ("mysql://learner:secret@db/shop", UnknownNameError, r"Unknown target scheme 'mysql'"),
        (
            "duckb:///w.duckdb",
            UnknownNameError,
            r"(?s)Unknown target scheme 'duckb'.*did you mean 'duckdb'\?",
        ),
        ("warehouse", InvalidValueError, r"'warehouse' is not a URL"),
        ("parquet://", InvalidValueError, r"names no folder"),
        ("duckdb:///w.duckdb?mode=ro", InvalidValueError, r"unknown option 'mode'"),
        ("postgresql+psycopg2://u@h/db", InvalidValueError, r"names the driver 'psycopg2'"),
        ("postgresql+psycopg://learner:secret@127.0.0.1:1/db", TargetError, r"Cannot reach"),
    ],
)
def test_bad_urls(url: str, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match) as raised:
        open_target(url)
    assert "secret" not in str(raised.value)


# --- bad load requests fail before anything is written -----------------------------------


@pytest.mark.parametrize(
    ("tables", "options", "error", "match"),
    [
        ({"t": orders([1], [1.0])}, {"mode": "upsert"}, UnknownNameError, r"load mode 'upsert'"),
        ({"t": orders([1], [1.0])}, {"mode": "merge"}, InvalidValueError, r"'merge' without keys"),
        (
            {"t": orders([1], [1.0])},
            {"mode": "incremental"},
            InvalidValueError,
            r"'incremental' without a watermark",
        ),
        (
            {"t": orders([1], [1.0])},
            {"mode": "merge", "keys": {"t": ["orderid"]}},
            UnknownNameError,
            r"(?s)Unknown key column 'orderid' in table 't'.*did you mean 'order_id'",
        ),
        (
            {"t": orders([1, 1], [1.0, 2.0])},
            {"mode": "merge", "keys": {"t": ["order_id"]}},
            InvalidValueError,
            r"2 rows sharing a key \(order_id\), first 1",
        ),
        (
            {"t": pd.DataFrame({"k": [1, None], "v": [1, 2]})},
            {"mode": "merge", "keys": {"t": "k"}},
            InvalidValueError,
            r"1 rows with a missing key",
        ),
        ({"my table": orders([1], [1.0])}, {}, InvalidValueError, r"'my table' cannot be used"),
        ({"_pk_stage_t": orders([1], [1.0])}, {}, InvalidValueError, r"prefix pipelinekit keeps"),
        (
            {"t": pd.DataFrame({"id": [1], "ID": [2]})},
            {},
            InvalidValueError,
            r"columns 'id' and 'ID'",
        ),
        ({"t": [1, 2]}, {}, InvalidValueError, r"Table 't' is a list; expected a pandas DataFrame"),
        ({"t": pd.DataFrame(index=[0])}, {}, InvalidValueError, r"Table 't' has no columns"),
    ],
)
def test_bad_requests(
    target: Target,
    tables: dict[str, Any],
    options: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        target.load(tables, **options)
    assert target.tables() == []


def test_no_password_is_printed() -> None:
    with pytest.raises(TargetError) as raised:
        open_target("postgresql+psycopg://learner:s3cret-pw@127.0.0.1:1/shop")
    assert "s3cret-pw" not in str(raised.value)
    assert "learner:***@127.0.0.1:1/shop" in str(raised.value)


def test_keys_as_a_string_and_loads_log(tmp_path: Path) -> None:
    target = open_target(f"duckdb:///{tmp_path}/w.duckdb")
    target.load({"orders": orders([1], [1.0])}, run_id="r1")
    target.load({"orders": orders([1], [2.0])}, mode="merge", keys={"orders": "order_id"})
    log = target.read(LOAD_LOG_TABLE)
    assert [None if pd.isna(v) else v for v in log["run_id"]] == ["r1", None]
    assert log["mode"].tolist() == ["replace", "merge"]
    assert log["rows_written"].tolist() == [1, 1]
