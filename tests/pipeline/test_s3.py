"""Parquet on S3-compatible storage: read_s3/write_s3 and S3Target, against real SeaweedFS."""

from __future__ import annotations

import datetime as dt
import decimal
import os
import socket
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.fs as pafs
import pytest

from pipelinekit.errors import InvalidValueError, PipelinekitError, UnknownNameError
from pipelinekit.pipeline.s3 import (
    MANIFEST_NAME,
    S3Error,
    create_bucket,
    list_s3_tables,
    parse_s3_url,
    read_manifest,
    read_s3,
    s3_filesystem,
    s3_settings,
    write_s3,
)
from pipelinekit.pipeline.targets import LOAD_LOG_TABLE, Target, TargetError, open_target
from pipelinekit.pipeline.targets.s3_target import S3Target

S3_BUCKET = "pipelinekit-tests"  # made by the s3_server fixture (conftest.py)

pytestmark = pytest.mark.services


def all_dtypes() -> pd.DataFrame:
    """One column of every common dtype, with missing values where the dtype has them."""
    return pd.DataFrame(
        {
            "int64": np.array([1, 2, 3], dtype="int64"),
            "int32": np.array([1, -2, 3], dtype="int32"),
            "int8": np.array([1, -2, 3], dtype="int8"),
            "nullable_int": pd.array([1, None, 3], dtype="Int64"),
            "float64": [1.5, np.nan, 3.0],
            "float32": np.array([1, 2, 3], dtype="float32"),
            "bool": [True, False, True],
            "nullable_bool": pd.array([True, None, False], dtype="boolean"),
            "string": pd.array(["a", None, "ç"], dtype="str"),
            "category": pd.Categorical(["x", "y", "x"]),
            "timestamp": pd.to_datetime(["2024-01-01 00:00", "2024-01-02 10:30", None]),
            "timestamp_tz": pd.to_datetime(["2024-01-01", "2024-06-02", None]).tz_localize(
                "Europe/Paris"
            ),
            "timedelta": pd.to_timedelta([1, 2, None], unit="h"),
            "date": [dt.date(2024, 1, 1), dt.date(2024, 2, 29), None],
            "decimal": [decimal.Decimal("1.10"), decimal.Decimal("2.25"), None],
        }
    )


def as_loaded(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as targets store it: categorical columns become text (prepare_load)."""
    return frame.assign(category=frame["category"].astype("str"))


def orders(*rows: tuple[int, str, float]) -> pd.DataFrame:
    """An orders table: (order_id, ordered_at date, amount) per row."""
    frame = pd.DataFrame(rows, columns=["order_id", "ordered_at", "amount"])
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"])
    return frame


def version_folders(url: str) -> list[str]:
    location = parse_s3_url(url)
    selector = pafs.FileSelector(location.path("_versions"), allow_not_found=True)
    return sorted(i.base_name for i in s3_filesystem().get_file_info(selector))


def keys_under(url: str, folder: str) -> list[str]:
    location = parse_s3_url(url)
    selector = pafs.FileSelector(location.path(folder), allow_not_found=True, recursive=True)
    infos = s3_filesystem().get_file_info(selector)
    return sorted(i.path for i in infos if i.type == pafs.FileType.File)


# --- round trips ----------------------------------------------------------------------


def test_write_s3_then_read_s3_keeps_every_dtype(s3_url: str) -> None:
    frame = all_dtypes()
    assert write_s3({"everything": frame}, s3_url) == [f"{s3_url}/everything.parquet"]
    pd.testing.assert_frame_equal(read_s3(s3_url)["everything"], frame)


def test_target_round_trip_keeps_every_dtype_but_category(s3_url: str) -> None:
    frame = all_dtypes()
    target = S3Target(s3_url)
    [result] = target.load({"everything": frame})
    assert (result.table, result.mode, result.rows_in, result.rows_written) == (
        "everything",
        "replace",
        3,
        3,
    )
    expected = as_loaded(frame)  # as every target stores it
    pd.testing.assert_frame_equal(target.read("everything"), expected)
    pd.testing.assert_frame_equal(read_s3(s3_url)["everything"], expected)
    assert target.tables() == ["everything"]


def test_read_s3_reads_every_parquet_object_directly_under_the_prefix(s3_url: str) -> None:
    write_s3({"orders": orders((1, "2024-01-01", 9.5)), "customers": all_dtypes()}, s3_url)
    write_s3({"nested": all_dtypes()}, f"{s3_url}/deeper")
    with s3_filesystem().open_output_stream(parse_s3_url(s3_url).path("notes.txt")) as f:
        f.write(b"not a table")
    frames = read_s3(s3_url)
    assert list(frames) == ["customers", "orders"]
    assert list_s3_tables(s3_url) == ["customers", "orders"]
    assert list(read_s3(s3_url, ["orders"])) == ["orders"]


def test_credentials_from_pipelinekit_variables(
    s3_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    access_key, secret_key = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("PIPELINEKIT_S3_ACCESS_KEY_ID", access_key)
    monkeypatch.setenv("PIPELINEKIT_S3_SECRET_ACCESS_KEY", secret_key)
    write_s3({"orders": orders((1, "2024-01-01", 9.5))}, s3_url)
    assert len(read_s3(s3_url)["orders"]) == 1
    assert secret_key not in repr(s3_settings())


# --- load modes -------------------------------------------------------------------------


def test_replace_swaps_the_table(s3_url: str) -> None:
    target = S3Target(s3_url)
    target.load({"orders": orders((1, "2024-01-01", 10.0), (2, "2024-01-02", 20.0))})
    new = orders((3, "2024-01-03", 30.0))
    [result] = target.load({"orders": new}, mode="replace")
    assert result.rows_written == 1
    pd.testing.assert_frame_equal(target.read("orders"), new)


def test_append_adds_rows(s3_url: str) -> None:
    target = S3Target(s3_url)
    target.load({"orders": orders((1, "2024-01-01", 10.0))})
    [result] = target.load({"orders": orders((2, "2024-01-02", 20.0))}, mode="append")
    assert (result.rows_in, result.rows_written) == (1, 1)
    assert target.read("orders")["order_id"].tolist() == [1, 2]


def test_append_takes_columns_in_any_order(s3_url: str) -> None:
    target = S3Target(s3_url)
    target.load({"orders": orders((1, "2024-01-01", 10.0))})
    shuffled = orders((2, "2024-01-02", 20.0))[["amount", "order_id", "ordered_at"]]
    target.load({"orders": shuffled}, mode="append")
    assert list(target.read("orders").columns) == ["order_id", "ordered_at", "amount"]


def test_merge_updates_matching_keys_and_inserts_the_rest(s3_url: str) -> None:
    target = S3Target(s3_url)
    target.load({"orders": orders((1, "2024-01-01", 10.0), (2, "2024-01-02", 20.0))})
    [result] = target.load(
        {"orders": orders((2, "2024-01-02", 25.0), (3, "2024-01-03", 30.0))},
        mode="merge",
        keys={"orders": ["order_id"]},
    )
    assert result.rows_written == 2
    table = target.read("orders").sort_values("order_id")
    assert table["order_id"].tolist() == [1, 2, 3]
    assert table["amount"].tolist() == [10.0, 25.0, 30.0]


def test_incremental_adds_only_rows_past_the_watermark(s3_url: str) -> None:
    target = S3Target(s3_url)
    target.load({"orders": orders((1, "2024-01-01", 10.0), (2, "2024-01-02", 20.0))})
    batch = orders((2, "2024-01-02", 99.0), (3, "2024-01-03", 30.0))
    [result] = target.load(
        {"orders": batch}, mode="incremental", watermark={"orders": "ordered_at"}
    )
    assert (result.rows_in, result.rows_written) == (2, 1)
    table = target.read("orders")
    assert table["order_id"].tolist() == [1, 2, 3]
    assert table["amount"].tolist() == [10.0, 20.0, 30.0]


@pytest.mark.parametrize("mode", ["append", "merge", "incremental"])
def test_modes_create_a_missing_table(s3_url: str, mode: Any) -> None:
    target = S3Target(s3_url)
    frame = orders((1, "2024-01-01", 10.0))
    target.load(
        {"orders": frame},
        mode=mode,
        keys={"orders": ["order_id"]},
        watermark={"orders": "ordered_at"},
    )
    pd.testing.assert_frame_equal(target.read("orders"), frame)


@pytest.mark.parametrize(
    ("mode", "options"),
    [
        ("replace", {}),
        ("merge", {"keys": {"orders": ["order_id"]}}),
        ("incremental", {"watermark": {"orders": "ordered_at"}}),
    ],
)
def test_loading_the_same_input_twice_gives_the_same_tables(
    s3_url: str, mode: Any, options: dict[str, Any]
) -> None:
    target = S3Target(s3_url)
    frames = {
        "orders": orders((1, "2024-01-01", 10.0), (2, "2024-01-02", 20.0)),
        "everything": all_dtypes(),
    }
    options = {**options, "keys": {**options.get("keys", {}), "everything": ["int64"]}}
    options["watermark"] = {**options.get("watermark", {}), "everything": "int64"}
    target.load(frames, mode=mode, **options)
    first = {t: target.read(t) for t in target.tables()}
    target.load(frames, mode=mode, **options, run_id="again")
    for table, frame in first.items():
        pd.testing.assert_frame_equal(target.read(table), frame)


def test_append_twice_doubles_the_rows(s3_url: str) -> None:
    target = S3Target(s3_url)
    frame = orders((1, "2024-01-01", 10.0))
    target.load({"orders": frame}, mode="append")
    target.load({"orders": frame}, mode="append")
    assert len(target.read("orders")) == 2


def test_append_with_the_same_run_id_adds_nothing_twice(s3_url: str) -> None:
    target = S3Target(s3_url)
    frame = orders((1, "2024-01-01", 10.0))
    target.load({"orders": frame}, mode="append", run_id="nightly-1")
    [again] = target.load({"orders": frame}, mode="append", run_id="nightly-1")
    assert again.rows_written == 0
    assert len(target.read("orders")) == 1
    manifest = read_manifest(s3_filesystem(), parse_s3_url(s3_url))
    assert manifest is not None
    assert [(e["run_id"], e["rows_written"]) for e in manifest.loads] == [
        ("nightly-1", 1),
        ("nightly-1", 0),
    ]


def test_incremental_with_keys_merges_the_newer_rows(s3_url: str) -> None:
    target = S3Target(s3_url)
    target.load({"orders": orders((1, "2024-01-01", 10.0), (2, "2024-01-02", 20.0))})
    target.load(
        {"orders": orders((1, "2024-01-05", 11.0), (2, "2024-01-01", 99.0))},
        mode="incremental",
        keys={"orders": ["order_id"]},
        watermark={"orders": "ordered_at"},
    )
    table = target.read("orders").sort_values("order_id")
    assert table["amount"].tolist() == [11.0, 20.0]


def test_open_target_gives_an_s3_target(s3_url: str) -> None:
    target = open_target(s3_url)
    assert isinstance(target, S3Target)
    assert isinstance(target, Target)
    target.load({"orders": orders((1, "2024-01-01", 10.0))})
    assert target.tables() == ["orders"]
    assert LOAD_LOG_TABLE not in target.tables()
    target.close()


def test_loading_one_table_keeps_the_others(s3_url: str) -> None:
    target = S3Target(s3_url)
    target.load({"orders": orders((1, "2024-01-01", 10.0)), "everything": all_dtypes()})
    target.load({"orders": orders((2, "2024-01-02", 20.0))})
    assert target.tables() == ["everything", "orders"]
    pd.testing.assert_frame_equal(target.read("everything"), as_loaded(all_dtypes()))


def test_old_versions_are_cleaned_up_and_staging_removed(s3_url: str) -> None:
    target = S3Target(s3_url, keep_versions=2)
    target.load({"keep": orders((0, "2024-01-01", 0.0))}, run_id="first")
    for i in range(1, 5):
        target.load({"orders": orders((i, "2024-01-01", float(i)))}, run_id=f"run{i}")
    versions = version_folders(s3_url)
    assert len(versions) == 3  # the two newest, and the one 'keep' still points at
    assert versions[0].endswith("-first")
    assert keys_under(s3_url, "_staging") == []
    assert target.read("orders")["order_id"].tolist() == [4]


# --- atomicity -------------------------------------------------------------------------


class FailingS3(pafs.FileSystemHandler):
    """The real S3 filesystem, except that one operation on matching paths fails."""

    def __init__(self, inner: pafs.FileSystem, operation: str, path_contains: str):
        self.inner, self.operation, self.path_contains = inner, operation, path_contains

    def _check(self, operation: str, path: str) -> None:
        if operation == self.operation and self.path_contains in path:
            raise OSError(f"injected failure: {operation} {path}")

    def get_type_name(self) -> str:
        return "failing-s3"

    def normalize_path(self, path: str) -> str:
        return self.inner.normalize_path(path)

    def get_file_info(self, paths: list[str]) -> list[pafs.FileInfo]:
        return self.inner.get_file_info(paths)

    def get_file_info_selector(self, selector: pafs.FileSelector) -> list[pafs.FileInfo]:
        return self.inner.get_file_info(selector)

    def create_dir(self, path: str, recursive: bool) -> None:
        self.inner.create_dir(path, recursive=recursive)

    def delete_dir(self, path: str) -> None:
        self.inner.delete_dir(path)

    def delete_dir_contents(self, path: str, missing_dir_ok: bool = False) -> None:
        self.inner.delete_dir_contents(path, missing_dir_ok=missing_dir_ok)

    def delete_root_dir_contents(self) -> None:
        raise OSError("not in a test")

    def delete_file(self, path: str) -> None:
        self.inner.delete_file(path)

    def move(self, src: str, dest: str) -> None:
        self.inner.move(src, dest)

    def copy_file(self, src: str, dest: str) -> None:
        self._check("copy_file", dest)
        self.inner.copy_file(src, dest)

    def open_input_stream(self, path: str) -> Any:
        return self.inner.open_input_stream(path)

    def open_input_file(self, path: str) -> Any:
        return self.inner.open_input_file(path)

    def open_output_stream(self, path: str, metadata: Any) -> Any:
        self._check("open_output_stream", path)
        return self.inner.open_output_stream(path, metadata=metadata)

    def open_append_stream(self, path: str, metadata: Any) -> Any:
        raise OSError("S3 cannot append")


def failing_target(url: str, operation: str, path_contains: str) -> S3Target:
    handler = FailingS3(s3_filesystem(), operation, path_contains)
    return S3Target(url, filesystem=pafs.PyFileSystem(handler))


def assert_nothing_changed(url: str, before: dict[str, pd.DataFrame], manifest: str) -> None:
    location = parse_s3_url(url)
    with s3_filesystem().open_input_stream(location.path(MANIFEST_NAME)) as f:
        assert f.read().decode() == manifest
    target = S3Target(url)
    assert target.tables() == sorted(before)
    for table, frame in before.items():
        pd.testing.assert_frame_equal(target.read(table), frame)
    assert keys_under(url, "_staging") == []


@pytest.mark.parametrize(
    ("operation", "path_contains", "step"),
    [
        ("copy_file", "b.parquet", "publishing table 'b'"),  # a second table's copy
        ("open_output_stream", MANIFEST_NAME, "writing"),  # the manifest PUT itself
        ("open_output_stream", "_staging", "staging table"),
    ],
)
def test_a_failure_during_load_leaves_the_previous_tables_readable(
    s3_url: str, operation: str, path_contains: str, step: str
) -> None:
    before = {"a": orders((1, "2024-01-01", 1.0)), "b": as_loaded(all_dtypes())}
    S3Target(s3_url).load(before)
    location = parse_s3_url(s3_url)
    with s3_filesystem().open_input_stream(location.path(MANIFEST_NAME)) as f:
        manifest = f.read().decode()
    versions = version_folders(s3_url)
    target = failing_target(s3_url, operation, path_contains)
    new = {"a": orders((2, "2024-01-02", 2.0)), "b": all_dtypes().head(1)}
    with pytest.raises(S3Error, match=f"(?s){step}.*injected failure"):
        target.load(new, run_id="doomed")
    assert_nothing_changed(s3_url, before, manifest)
    assert version_folders(s3_url) == versions  # the half-published version is gone
    assert read_s3(s3_url)["a"]["order_id"].tolist() == [1]


def test_a_frame_that_cannot_be_written_changes_nothing(s3_url: str) -> None:
    before = {"orders": orders((1, "2024-01-01", 1.0))}
    S3Target(s3_url).load(before)
    location = parse_s3_url(s3_url)
    with s3_filesystem().open_input_stream(location.path(MANIFEST_NAME)) as f:
        manifest = f.read().decode()
    mixed = pd.DataFrame({"value": pd.array([1, "two", 3.0], dtype=object)})
    with pytest.raises(InvalidValueError, match=r"(?s)mixed.parquet cannot be stored.*astype"):
        S3Target(s3_url).load({"orders": orders((2, "2024-01-02", 2.0)), "mixed": mixed})
    assert_nothing_changed(s3_url, before, manifest)


# --- errors --------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_endpoint_fails_fast_with_a_clear_error(
    s3_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("PIPELINEKIT_S3_ENDPOINT", endpoint)
    started = time.monotonic()
    with pytest.raises(
        S3Error, match=f"(?s)not reachable at {endpoint}.*set PIPELINEKIT_S3_ENDPOINT"
    ):
        read_s3(f"s3://{S3_BUCKET}/anything")
    with pytest.raises(S3Error, match="not reachable"):
        S3Target(f"s3://{S3_BUCKET}/anything")
    assert time.monotonic() - started < 30  # a hang guard, not a speed test


def test_missing_bucket_says_how_to_create_it(s3_env: str) -> None:
    with pytest.raises(S3Error, match=r"(?s)Bucket 'no-such-bucket' does not exist.*create_bucket"):
        read_s3("s3://no-such-bucket/raw")
    with pytest.raises(S3Error, match="does not exist"):
        S3Target("s3://no-such-bucket/raw")
    with pytest.raises(S3Error, match="does not exist"):
        write_s3({"orders": orders((1, "2024-01-01", 1.0))}, "s3://no-such-bucket/raw")
    with pytest.raises(S3Error, match=f"did you mean '{S3_BUCKET}'"):
        read_s3("s3://pipelinekit-test/raw")


def test_create_bucket_makes_a_missing_bucket_usable(s3_env: str) -> None:
    assert create_bucket("s3://created-by-test") == "s3://created-by-test"
    write_s3({"orders": orders((1, "2024-01-01", 1.0))}, "s3://created-by-test/raw")
    assert list(read_s3("s3://created-by-test/raw")) == ["orders"]


def test_missing_table_names_the_nearest(s3_url: str) -> None:
    write_s3({"orders": orders((1, "2024-01-01", 1.0))}, s3_url)
    with pytest.raises(UnknownNameError, match=r"(?s)No table 'ordrs'.*did you mean 'orders'"):
        read_s3(s3_url, ["ordrs"])
    target = S3Target(f"{s3_url}/warehouse")
    target.load({"fct_orders": orders((1, "2024-01-01", 1.0))})
    with pytest.raises(UnknownNameError, match="did you mean 'fct_orders'"):
        target.read("fct_order")


def test_empty_prefix_is_an_error(s3_url: str) -> None:
    with pytest.raises(S3Error, match="Found no Parquet objects"):
        read_s3(s3_url)


def test_wrong_credentials_are_refused(s3_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
    with pytest.raises(S3Error, match="(?s)refused.*AWS_SECRET_ACCESS_KEY") as caught:
        read_s3(s3_url)
    assert "wrong-secret" not in str(caught.value)


def test_write_s3_refuses_a_prefix_managed_by_a_target(s3_url: str) -> None:
    S3Target(s3_url).load({"orders": orders((1, "2024-01-01", 1.0))})
    with pytest.raises(S3Error, match="manifest"):
        write_s3({"orders": orders((2, "2024-01-01", 1.0))}, s3_url)
    assert read_manifest(s3_filesystem(), parse_s3_url(s3_url)) is not None


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"mode": "upsert"}, "Unknown load mode 'upsert'"),
        ({"mode": "merge"}, "with mode 'merge' without keys"),
        ({"mode": "merge", "keys": {"orders": ["id"]}}, "Unknown key column 'id'"),
        ({"mode": "incremental"}, "without a watermark"),
        ({"run_id": "a/b"}, "run_id 'a/b'"),
    ],
)
def test_bad_load_options_write_nothing(s3_url: str, options: dict[str, Any], match: str) -> None:
    target = S3Target(s3_url)
    with pytest.raises(PipelinekitError, match=match):
        target.load({"orders": orders((1, "2024-01-01", 1.0))}, **options)
    assert target.tables() == []
    assert keys_under(s3_url, "") == []


def test_merge_refuses_repeated_keys_and_changed_columns(s3_url: str) -> None:
    target = S3Target(s3_url)
    target.load({"orders": orders((1, "2024-01-01", 1.0))})
    with pytest.raises(InvalidValueError, match="2 rows sharing a key"):
        target.load(
            {"orders": orders((2, "2024-01-01", 1.0), (2, "2024-01-02", 2.0))},
            mode="merge",
            keys={"orders": ["order_id"]},
        )
    wider = orders((2, "2024-01-01", 1.0)).assign(status="paid")
    with pytest.raises(TargetError, match="(?s)extra 'status'.*mode='replace'"):
        target.load({"orders": wider}, mode="append")


def test_bad_urls_and_settings() -> None:
    with pytest.raises(InvalidValueError, match="does not start with 's3://'"):
        S3Target("/tmp/warehouse")
    with pytest.raises(InvalidValueError, match="Bucket name 'A'"):
        read_s3("s3://A/raw")
    with pytest.raises(InvalidValueError, match="no http:// or https:// scheme"):
        s3_settings(environ={"PIPELINEKIT_S3_ENDPOINT": "ftp://minio:9000"})


def test_repr_shows_no_secrets(s3_url: str) -> None:
    target = S3Target(s3_url)
    assert repr(target) == f"S3Target('{s3_url}')"
    assert os.environ["AWS_SECRET_ACCESS_KEY"] not in repr(target) + repr(s3_settings())


def test_a_pipeline_run_loads_its_tables_into_s3(s3_url: str, place: Path) -> None:
    from pipelinekit.pipeline import run

    result = run(
        place / "tiny_shop.yml",
        target=s3_url,
        runs_dir=place / "runs",
        metadata=place / "meta.duckdb",
        data_dir=place / "data",
        progress=False,
    )
    assert result.ok, result.error
    target = open_target(s3_url)
    assert target.tables() == ["customer_flags", "customer_orders", "orders_numbered"]
    numbered = target.read("orders_numbered")
    assert len(numbered) == 475 and numbered["order_number"].min() == 1
    flags = target.read("customer_flags")
    assert flags["regular"].tolist() == (flags["orders"] >= 2).tolist()
