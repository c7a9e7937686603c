"""`pk.datasets.load`, `Dataset` and `write`: the API and every bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.errors import InvalidValueError, OutputError, UnknownNameError


@pytest.fixture(scope="module")
def shop() -> pk.datasets.Dataset:
    return pk.datasets.load("ecommerce", scale="tiny", seed=42)


def test_tables_by_name_and_by_attribute(shop):
    assert shop["orders"] is shop.orders
    assert "orders" in dir(shop)
    assert len(shop) == 5 and isinstance(shop.summary(), pd.DataFrame)


def test_unknown_table_suggests_the_nearest(shop):
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown ecommerce table 'order'.*did you mean one of 'orders'"
    ):
        shop["order"]
    with pytest.raises(AttributeError, match="did you mean one of 'orders'"):
        shop.order  # noqa: B018


def test_repr_names_domain_scale_seed_and_dirtiness(shop):
    assert repr(shop).startswith("ecommerce dataset (scale='tiny', seed=42)")
    dirty = pk.datasets.load("ecommerce", scale="tiny", seed=42, dirty=True)
    assert (
        repr(dirty).startswith("dirty ecommerce")
        and "<b>dirty ecommerce</b>" in dirty._repr_html_()
    )
    assert not shop.dirty and len(shop.injected) == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"domain": "ecomerce"},
            UnknownNameError,
            r"(?s)Unknown domain 'ecomerce'.*did you mean 'ecommerce'",
        ),
        (
            {"scale": "huge"},
            UnknownNameError,
            r"(?s)Unknown scale 'huge'.*'tiny'.*Hint: or give a number",
        ),
        ({"scale": "smal"}, UnknownNameError, r"did you mean 'small'"),
        (
            {"scale": -5},
            InvalidValueError,
            r"Scale -5; expected a positive number of rows of 'orders'",
        ),
        ({"scale": "-5"}, InvalidValueError, r"Scale -5"),
        ({"scale": 0}, InvalidValueError, r"Scale 0"),
        ({"scale": 2.5}, InvalidValueError, r"Scale 2.5 of type float"),
        ({"scale": True}, InvalidValueError, r"Scale True of type bool"),
        ({"seed": -1}, InvalidValueError, r"Seed -1; expected a whole number >= 0"),
        ({"seed": "x"}, InvalidValueError, r"Seed 'x'"),
    ],
)
def test_bad_input_gets_a_clear_error(kwargs, error, message):
    arguments = {"domain": "ecommerce", "scale": "tiny"} | kwargs
    domain = arguments.pop("domain")
    with pytest.raises(error, match=message):
        pk.datasets.load(domain, **arguments)


def test_scale_as_digits_from_the_command_line():
    assert pk.datasets.resolve_size("ecommerce", "1_500") == 1500


def test_write_parquet_round_trips_types(shop, tmp_path):
    paths = pk.datasets.write(shop, tmp_path)
    assert [p.name for p in paths] == [f"{t}.parquet" for t in shop] + ["_dataset.json"]
    for name, frame in shop.items():
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{name}.parquet"), frame)
    manifest = json.loads((tmp_path / "_dataset.json").read_text())
    assert manifest["tables"]["orders"] == 500 and manifest["seed"] == 42


def test_write_csv_and_dirty_log(tmp_path):
    dirty = pk.datasets.load("ecommerce", scale="tiny", seed=1, dirty=True)
    paths = pk.datasets.write(dirty, tmp_path, format="csv")
    assert (tmp_path / "_injected.csv") in paths
    log = pd.read_csv(tmp_path / "_injected.csv")
    assert len(log) == len(dirty.injected)
    assert len(pd.read_csv(tmp_path / "orders.csv")) == len(dirty.orders)


def test_write_to_an_impossible_folder_is_an_output_error(shop, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(
        OutputError, match=r"(?s)Cannot write to .*a_file/sub.*Hint: choose another"
    ):
        pk.datasets.write(shop, blocker / "sub")


def test_unknown_format(shop, tmp_path):
    with pytest.raises(
        UnknownNameError, match=r"Unknown format 'xlsx'; expected one of 'parquet', 'csv'"
    ):
        pk.datasets.write(shop, tmp_path, format="xlsx")


def test_a_failed_write_keeps_the_earlier_files_and_leaves_no_partial(shop, tmp_path, monkeypatch):
    pk.datasets.write(shop, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    other = pk.datasets.load("ecommerce", scale="tiny", seed=99)
    written: list[str] = []

    def fail_on_third_table(name: str) -> None:
        written.append(name)
        if len(written) == 3:
            raise KeyboardInterrupt  # as if the learner pressed Ctrl-C

    with pytest.raises(KeyboardInterrupt):
        pk.datasets.write(other, tmp_path, on_table=fail_on_third_table)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before
