"""What every domain promises: determinism, cards that match, keys that hold, honest logs.

DuckDB SQL is the oracle for key integrity: the same checks a learner would write.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys

import duckdb
import numpy as np
import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.datasets.cards import card, foreign_keys, primary_keys
from pipelinekit.datasets.dirty import LOG_COLUMNS, PROBLEMS
from pipelinekit.datasets.load import domain_module

DOMAINS = pk.datasets.DOMAINS
EMAIL = re.compile(r"^[a-z0-9._-]+@[a-z0-9.-]+\.[a-z]{2,}$")

#: What a card's `type` means, as a check on the pandas dtype.
TYPE_CHECKS = {
    "int64": pd.api.types.is_integer_dtype,
    "float64": pd.api.types.is_float_dtype,
    "string": pd.api.types.is_string_dtype,
    "category": lambda dtype: isinstance(dtype, pd.CategoricalDtype),
    "datetime": pd.api.types.is_datetime64_any_dtype,
    "bool": pd.api.types.is_bool_dtype,
}


def table_hashes(dataset: pk.datasets.Dataset) -> dict[str, str]:
    return {
        name: hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy()).hexdigest()
        for name, frame in dataset.items()
    }


@pytest.fixture(scope="module", params=DOMAINS)
def clean(request) -> pk.datasets.Dataset:
    return pk.datasets.load(request.param, scale="tiny", seed=7)


@pytest.fixture(scope="module", params=DOMAINS)
def dirty_pair(request) -> tuple[pk.datasets.Dataset, pk.datasets.Dataset]:
    return (
        pk.datasets.load(request.param, scale="small", seed=3),
        pk.datasets.load(request.param, scale="small", seed=3, dirty=True),
    )


@pytest.mark.parametrize("domain", DOMAINS)
def test_same_seed_gives_identical_tables_and_files(domain, tmp_path):
    first = pk.datasets.load(domain, scale="tiny", seed=11)
    second = pk.datasets.load(domain, scale="tiny", seed=11)
    assert table_hashes(first) == table_hashes(second)
    one = pk.datasets.write(first, tmp_path / "one")
    two = pk.datasets.write(second, tmp_path / "two")
    assert [path.read_bytes() for path in one] == [path.read_bytes() for path in two]


@pytest.mark.parametrize("domain", DOMAINS)
def test_another_seed_gives_other_tables(domain):
    first = table_hashes(pk.datasets.load(domain, scale="tiny", seed=1))
    second = table_hashes(pk.datasets.load(domain, scale="tiny", seed=2))
    main_table = domain_module(domain).MAIN_TABLE
    assert first[main_table] != second[main_table]


@pytest.mark.parametrize("domain", DOMAINS)
def test_identical_in_a_fresh_process_with_another_hash_seed(domain):
    """No dependence on set order, dict order of hashes, or anything else per-process."""
    code = (
        "import hashlib, pandas as pd, pipelinekit as pk;"
        f"d = pk.datasets.load({domain!r}, scale='tiny', seed=5, dirty=True);"
        "print({n: hashlib.sha256(pd.util.hash_pandas_object(f, index=False).to_numpy())"
        ".hexdigest() for n, f in [*d.items(), ('log', d.injected)]})"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1]
    here = pk.datasets.load(domain, scale="tiny", seed=5, dirty=True)
    assert (
        str({**table_hashes(here), "log": table_hashes({"log": here.injected})["log"]}) in runs[0]
    )


def test_card_lists_exactly_the_tables_and_columns(clean):
    spec = card(clean.domain)["tables"]
    assert list(spec) == list(clean)
    for name, frame in clean.items():
        assert list(spec[name]["columns"]) == list(frame.columns), name
        for column, info in spec[name]["columns"].items():
            assert info.get("description"), f"{name}.{column} has no description"
            check = TYPE_CHECKS[info["type"]]
            assert check(frame[column].dtype), f"{name}.{column}: {frame[column].dtype}"


def test_primary_keys_are_unique_and_not_null(clean):
    db = duckdb.connect()
    for name, key in primary_keys(clean.domain).items():
        db.register(name, clean[name])
        columns = ", ".join(key)
        duplicates, nulls = db.sql(
            f"SELECT count(*) - count(DISTINCT ({columns})), "
            f"count(*) FILTER (WHERE {' OR '.join(f'{c} IS NULL' for c in key)}) FROM {name}"
        ).fetchall()[0]
        assert (duplicates, nulls) == (0, 0), name


def test_foreign_keys_hold(clean):
    db = duckdb.connect()
    for name, frame in clean.items():
        db.register(name, frame)
    keys = foreign_keys(clean.domain)
    assert keys, "a domain of related tables declares its foreign keys"
    for table, column, parent, parent_column in keys:
        orphans = db.sql(
            f"SELECT count(*) FROM {table} c ANTI JOIN {parent} p "
            f"ON c.{column} = p.{parent_column} WHERE c.{column} IS NOT NULL"
        ).fetchall()[0][0]
        assert orphans == 0, f"{table}.{column} -> {parent}.{parent_column}"


def test_every_table_has_rows_and_main_table_has_the_asked_size(clean):
    assert all(len(frame) > 0 for frame in clean.values())
    module = domain_module(clean.domain)
    assert len(clean[module.MAIN_TABLE]) == module.SCALES["tiny"]


def test_explicit_row_count_sets_the_main_table(clean):
    module = domain_module(clean.domain)
    assert len(pk.datasets.load(clean.domain, scale=1234, seed=1)[module.MAIN_TABLE]) == 1234


def test_dirty_injects_every_kind_of_problem(dirty_pair):
    _, dirty = dirty_pair
    assert set(dirty.injected["problem"]) == set(PROBLEMS)
    assert list(dirty.injected.columns) == LOG_COLUMNS


def test_dirty_log_rows_are_exactly_the_changed_rows(dirty_pair):
    """Every changed cell is in the log, and every log row changed what it says."""
    clean, dirty = dirty_pair
    log = dirty.injected
    for name, before in clean.items():
        after = dirty[name]
        entries = log[log["table"] == name]
        appended = entries[entries["problem"] == "duplicates"]
        assert len(after) == len(before) + len(appended)
        common = after.iloc[: len(before)][before.columns]
        changed = ~((common == before) | (common.isna() & before.isna()))
        changed_rows = set(np.flatnonzero(changed.to_numpy().any(axis=1)))
        logged_rows = set(entries.loc[entries["problem"] != "duplicates", "row"])
        assert changed_rows == logged_rows, name


def test_each_logged_problem_is_visible_in_the_data(dirty_pair):
    clean, dirty = dirty_pair
    for entry in dirty.injected.itertuples():
        frame, base = dirty[entry.table], clean[entry.table]
        if entry.problem == "duplicates":
            source = int(entry.original.removeprefix("copy of row "))
            assert frame.iloc[entry.row].equals(frame.iloc[source])
            continue
        value = frame[entry.column].iloc[entry.row]
        original = base[entry.column].iloc[entry.row]
        assert str(original) == entry.original or pd.isna(original) and entry.original is None
        if entry.problem == "nulls":
            assert pd.isna(value)
        elif entry.problem == "bad_emails":
            assert EMAIL.match(str(original)) and not EMAIL.match(str(value))
        elif entry.problem == "out_of_range":
            low, high = base[entry.column].min(), base[entry.column].max()
            assert not low <= value <= high
        elif entry.problem == "orphan_keys":
            parent = next(
                (p, pc)
                for t, c, p, pc in foreign_keys(dirty.domain)
                if (t, c) == (entry.table, entry.column)
            )
            assert value not in set(clean[parent[0]][parent[1]])
        elif entry.problem == "late_arrivals":
            assert value - original >= pd.Timedelta(days=2)
        elif entry.problem == "schema_drift":
            renamed = [c for c in frame.columns if c not in base.columns]
            assert pd.isna(value) and str(frame[renamed[0]].iloc[entry.row]) == entry.original


def test_clean_data_has_valid_emails(clean):
    for name, frame in clean.items():
        for column in [c for c in frame.columns if "email" in c]:
            assert frame[column].str.match(EMAIL.pattern).all(), f"{name}.{column}"
