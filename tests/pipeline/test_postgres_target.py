"""The PostgreSQL target against a real server: the DuckDB scenarios, the same tables.

Each test loads into its own schema (``pk_test_<random>``), dropped afterwards.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from pipelinekit.errors import InvalidValueError
from pipelinekit.pipeline.targets import Target, TargetError, open_target
from pipelinekit.pipeline.targets import postgres_target as pg
from pipelinekit.pipeline.targets.duckdb_target import DuckDBTarget
from pipelinekit.pipeline.targets.postgres_target import PostgresTarget

from .test_targets import SCENARIOS, all_types, assert_same_table, orders, scenario_id, snapshot

pytestmark = pytest.mark.services


@pytest.fixture
def engine(postgres_url: str) -> Iterator[sa.Engine]:
    made = sa.create_engine(postgres_url)
    yield made
    made.dispose()


@pytest.fixture
def schema_url(postgres_url: str, engine: sa.Engine) -> Iterator[str]:
    """The server's URL with ``?schema=`` a schema of this test alone, dropped after."""
    schema = f"pk_test_{uuid.uuid4().hex[:10]}"
    yield f"{postgres_url}{'&' if '?' in postgres_url else '?'}schema={schema}"
    with engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def target(schema_url: str) -> Iterator[PostgresTarget]:
    opened = open_target(schema_url)
    assert isinstance(opened, PostgresTarget)
    yield opened
    opened.close()


def staging_schemas(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        found = connection.exec_driver_sql(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, '_pk_stage_')"
        )
        return [name for (name,) in found]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=scenario_id)
def test_scenario_gives_the_duckdb_tables(
    target: PostgresTarget,
    engine: sa.Engine,
    tmp_path: Path,
    scenario: Callable[[Target], None],
) -> None:
    scenario(target)
    assert staging_schemas(engine) == []
    duck = DuckDBTarget(tmp_path / "w.duckdb")
    scenario(duck)
    assert target.tables() == duck.tables()
    for table in duck.tables():
        assert_same_table(target.read(table), duck.read(table))


def test_column_types(target: PostgresTarget, engine: sa.Engine) -> None:
    target.load({"all_types": all_types()})
    with engine.connect() as connection:
        types: dict[str, str] = dict(
            connection.execute(
                sa.text(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = :s AND table_name = 'all_types'"
                ),
                {"s": target.schema},
            ).fetchall()
        )
    assert types == {
        "id": "bigint",
        "small": "smallint",
        "amount": "double precision",
        "ratio": "real",
        "name": "text",
        "flag": "boolean",
        "maybe": "boolean",
        "count": "bigint",
        "score": "double precision",
        "at": "timestamp without time zone",
        "at_tz": "timestamp with time zone",
        "day": "date",
        "status": "text",
        "note": "text",
    }


def test_unsupported_columns_fail_before_the_server_is_asked(target: PostgresTarget) -> None:
    frame = pd.DataFrame({"waited": pd.to_timedelta([1, 2], unit="s")})
    with pytest.raises(InvalidValueError, match=r"Column 'waited' holds values of type"):
        target.load({"waits": frame})
    with pytest.raises(InvalidValueError, match=r"Column 'mixed' holds mixed-integer values"):
        target.load({"mixed": pd.DataFrame({"mixed": [1, "a"]})})
    assert target.tables() == []


def test_a_failing_swap_rolls_back_every_table(
    target: PostgresTarget, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    target.load({"a": orders([1], [1.0]), "b": orders([2], [2.0])})
    before = snapshot(target)
    swap = PostgresTarget._swap
    calls: list[str] = []

    def failing_swap(self: PostgresTarget, cursor: Any, stage: str, name: str, *args: Any) -> int:
        calls.append(name)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return swap(self, cursor, stage, name, *args)

    monkeypatch.setattr(PostgresTarget, "_swap", failing_swap)
    with pytest.raises(TargetError, match=r"Loading table 'b' .* failed \(disk full\)"):
        target.load({"a": orders([5, 6], [5.0, 6.0]), "b": orders([7], [7.0])})
    assert calls == ["a", "b"]
    assert snapshot(target) == before
    assert staging_schemas(engine) == []


def test_ctrl_c_during_copy_changes_nothing(
    target: PostgresTarget, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    target.load({"a": orders([1], [1.0]), "b": orders([2], [2.0])})
    before = snapshot(target)
    copy = pg._copy
    copied: list[str] = []

    def interrupted(cursor: Any, table: str, data: Any) -> None:
        copied.append(table)
        if len(copied) == 2:
            raise KeyboardInterrupt
        copy(cursor, table, data)

    monkeypatch.setattr(pg, "_copy", interrupted)
    with pytest.raises(KeyboardInterrupt):
        target.load({"a": orders([9], [9.0]), "b": orders([9], [9.0])})
    assert snapshot(target) == before
    assert staging_schemas(engine) == []
    monkeypatch.undo()
    target.load({"a": orders([9], [9.0])}, mode="append")  # the pool's connection works
    assert len(target.read("a")) == 2


KILL = """
import os, signal, pandas as pd
from pipelinekit.pipeline.targets.postgres_target import PostgresTarget
swap = PostgresTarget._swap
def killed(self, cursor, stage, name, *args):
    if name == "b":
        os.kill(os.getpid(), signal.SIGKILL)
    return swap(self, cursor, stage, name, *args)
PostgresTarget._swap = killed
frame = pd.DataFrame({{"order_id": [8, 9], "amount": [8.0, 9.0]}})
PostgresTarget({url!r}).load({{"a": frame, "b": frame}})
"""


def test_killed_mid_load_keeps_the_previous_tables(
    target: PostgresTarget, schema_url: str, engine: sa.Engine
) -> None:
    target.load({"a": orders([1], [1.0]), "b": orders([2], [2.0])})
    before = snapshot(target)
    script = textwrap.dedent(KILL).format(url=schema_url)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    assert snapshot(target) == before
    assert staging_schemas(engine) == []


def test_merge_uses_an_existing_primary_key(target: PostgresTarget, engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{target.schema}"')
        connection.exec_driver_sql(
            f'CREATE TABLE "{target.schema}".orders (order_id BIGINT PRIMARY KEY, '
            "amount DOUBLE PRECISION, ordered_at TIMESTAMP)"
        )
    target.load({"orders": orders([1, 2], [1.0, 2.0])}, mode="merge", keys={"orders": ["order_id"]})
    target.load({"orders": orders([2], [5.0])}, mode="merge", keys={"orders": ["order_id"]})
    assert_same_table(target.read("orders"), orders([1, 2], [1.0, 5.0]))
    with engine.connect() as connection:
        indexes = connection.exec_driver_sql(
            f"SELECT indexname FROM pg_indexes WHERE schemaname = '{target.schema}'"
        ).fetchall()
    assert indexes == [("orders_pkey",)]  # no second index on the same key


def test_merge_makes_a_unique_index_that_then_guards_appends(target: PostgresTarget) -> None:
    target.load({"orders": orders([1], [1.0])}, mode="merge", keys={"orders": ["order_id"]})
    with pytest.raises(TargetError, match=r"(?s)violates unique constraint.*made for merge"):
        target.load({"orders": orders([1], [2.0])}, mode="append")
    assert_same_table(target.read("orders"), orders([1], [1.0]))


def test_replacing_a_table_a_view_reads(target: PostgresTarget, engine: sa.Engine) -> None:
    target.load({"orders": orders([1], [1.0])})
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f'CREATE VIEW "{target.schema}".big AS SELECT * FROM "{target.schema}".orders'
        )
    with pytest.raises(TargetError, match=r"(?s)depend on it.*drop the views"):
        target.load({"orders": orders([2], [2.0])})
    target.load({"orders": orders([2], [2.0])}, mode="append")  # appending is fine
    assert len(target.read("orders")) == 2


def test_whole_floats_go_into_integer_columns(target: PostgresTarget) -> None:
    target.load({"t": pd.DataFrame({"n": [1, 2]})})
    target.load({"t": pd.DataFrame({"n": [3.0, float("nan")]})}, mode="append")
    assert sorted(target.read("t")["n"].dropna().tolist()) == [1, 2, 3]
    with pytest.raises(TargetError, match=r"table 't'"):
        target.load({"t": pd.DataFrame({"n": [4.5]})}, mode="append")
    assert len(target.read("t")) == 4


def test_copy_in_several_chunks(target: PostgresTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg, "COPY_CHUNK_ROWS", 7)
    text = [None if i % 5 == 0 else "" if i % 5 == 1 else f'a "{i}",\nb\\N' for i in range(50)]
    frame = pd.DataFrame({"id": range(50), "text": pd.array(text, dtype="str")})
    target.load({"t": frame})
    assert_same_table(target.read("t"), frame)


def test_the_load_log(target: PostgresTarget) -> None:
    target.load({"orders": orders([1, 2], [1.0, 2.0])}, run_id="r1")
    log = target.read("_pipelinekit_loads")
    assert log[["run_id", "table_name", "mode", "rows_in", "rows_written"]].values.tolist() == [
        ["r1", "orders", "replace", 2, 2]
    ]
    assert target.tables() == ["orders"]
    assert "schema=" in target.url and repr(target).startswith("PostgresTarget(")
