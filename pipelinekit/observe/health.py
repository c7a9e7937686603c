"""Health checks: can this machine reach DuckDB, PostgreSQL, Redis, Kafka, S3, and is there room?

:func:`check_health` runs one check per name and returns one row per check:

======== ================================================================
column   meaning
======== ================================================================
name     ``duckdb``, ``postgres``, ``redis``, ``kafka``, ``s3`` or ``disk``
target   what was checked, with any password replaced by ``***``
status   ``ok``, ``fail``, or ``skipped`` (not configured, nothing there)
seconds  how long the check took
detail   what it found: a version, a count, or the error
======== ================================================================

Which services are checked
--------------------------
``duckdb`` and ``disk`` always. A service (PostgreSQL, Redis, Kafka, S3) is *configured*
when its ``PIPELINEKIT_*`` variable is set (as in docker-compose) or when it is named in
``services``: then it must answer, or its check fails. A service that is not configured
is still tried at its default address on this machine, so a laptop with a local
PostgreSQL sees it checked; but when nothing listens there it is ``skipped``, not failed:
a learner without Kafka still gets a clean bill of health. So ``pipelinekit health``
exits 0 on a laptop with only what it runs, and in a container, where every variable is
set, a missing service fails it.

Every check has a time limit: the checks run side by side in threads, and one that has
not answered after ``timeout`` seconds fails with "no answer within ...". The whole call
takes about the slowest check, never the sum.

Examples
--------
>>> frame = check_health(["duckdb"])
>>> frame[["name", "target", "status"]]
     name    target status
0  duckdb  :memory:     ok
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pandas as pd

from pipelinekit.config import (
    ServiceName,
    get_service,
    redact,
    service_address,
    service_credentials,
    service_url,
)
from pipelinekit.errors import InvalidValueError, UnknownNameError, format_list
from pipelinekit.observe.log import redact_text

__all__ = ["CHECKS", "CheckResult", "Status", "check_health"]

Status = Literal["ok", "fail", "skipped"]
#: Every check, in the order the table shows them.
CHECKS = ("duckdb", "postgres", "redis", "kafka", "s3", "disk")
COLUMNS = ["name", "target", "status", "seconds", "detail"]
GIB = 1024**3


@dataclass(frozen=True)
class CheckResult:
    """One row of :func:`check_health`."""

    name: str
    target: str
    status: Status
    seconds: float
    detail: str


class _Failed(Exception):
    """A check found the service unhealthy; the message is the row's detail."""


def check_health(
    services: Iterable[str] | None = None,
    *,
    timeout: float = 5.0,
    duckdb_path: str | os.PathLike[str] | None = None,
    disk_path: str | os.PathLike[str] = ".",
    min_free_share: float = 0.05,
    min_free_bytes: int = GIB,
    environ: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Check the services pipelinekit uses; one row per check.

    Parameters
    ----------
    services : iterable of str, optional
        The checks to run, from :data:`CHECKS`; the services named must answer. Default:
        every check, services that are not configured being skipped when nothing answers
        at their default address (see the module notes).
    timeout : float, default 5
        Seconds each check may take.
    duckdb_path : path, optional
        A DuckDB file to open read-only; default an in-memory database.
    disk_path : path, default "."
        A folder on the disk to check (where runs and warehouses are written).
    min_free_share, min_free_bytes : float, int
        The disk check fails when less than this share of the disk, or fewer bytes, are free.
    environ : mapping, optional
        Where to read ``PIPELINEKIT_*`` variables; default ``os.environ``.

    Returns
    -------
    DataFrame
        Columns ``name``, ``target``, ``status``, ``seconds``, ``detail``.

    Examples
    --------
    >>> rows = check_health(["disk"], min_free_bytes=0, min_free_share=0)
    >>> rows.loc[0, "status"]
    'ok'
    >>> check_health(["postgress"])
    Traceback (most recent call last):
    ...
    pipelinekit.errors.UnknownNameError: Unknown check 'postgress'; expected one of ...
    """
    if not timeout > 0:
        raise InvalidValueError(f"timeout={timeout}", "a number of seconds above 0")
    if not 0 <= min_free_share < 1:
        raise InvalidValueError(f"min_free_share={min_free_share}", "a share from 0 to 1")
    explicit = services is not None
    names = list(CHECKS) if services is None else list(dict.fromkeys(services))
    for name in names:
        if name not in CHECKS:
            raise UnknownNameError.for_name(name, CHECKS, kind="check")
    if not names:
        raise InvalidValueError("No check named", f"one or more of {format_list(CHECKS)}")
    env = os.environ if environ is None else environ

    def plan(name: str) -> tuple[str, Callable[[], str]]:
        if name == "duckdb":
            path = None if duckdb_path is None else Path(duckdb_path)
            return (str(path) if path else ":memory:"), lambda: _duckdb(path)
        if name == "disk":
            folder = Path(disk_path)
            return str(folder), lambda: _disk(folder, min_free_share, min_free_bytes)
        service: ServiceName = name  # type: ignore[assignment]
        url = service_url(service, environ=env)
        required = explicit or bool(env.get(get_service(service).env))
        return redact(url), lambda: _service(service, url, timeout, env, required=required)

    plans = [(name, *plan(name)) for name in names]
    results = _run_all(plans, timeout)
    return pd.DataFrame([asdict(r) for r in results], columns=COLUMNS)


# ---------------------------------------------------------------------- running
def _run_all(plans: list[tuple[str, str, Callable[[], str]]], timeout: float) -> list[CheckResult]:
    """Run every check in its own daemon thread; a check still running at the limit fails.

    Daemon threads, not a thread pool: a client stuck past its own timeouts must not keep
    the command from exiting.
    """
    results: list[CheckResult | None] = [None] * len(plans)
    threads = []
    for index, (name, target, run) in enumerate(plans):

        def work(index: int = index, name: str = name, target: str = target, run=run) -> None:
            start = time.perf_counter()
            status: Status = "ok"
            try:
                detail = run()
            except _Skipped as skipped:
                status, detail = "skipped", str(skipped)
            except Exception as error:  # a check must report, never raise
                status = "fail"
                detail = str(error) if isinstance(error, _Failed) else _describe(error)
            seconds = time.perf_counter() - start
            results[index] = CheckResult(name, target, status, seconds, redact_text(detail))

        thread = threading.Thread(target=work, name=f"pipelinekit-health-{name}", daemon=True)
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + timeout + 0.5  # the clients' own timeouts come first
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [
        result or CheckResult(name, target, "fail", timeout, f"no answer within {timeout:g} s")
        for result, (name, target, _) in zip(results, plans, strict=True)
    ]


class _Skipped(Exception):
    """Not configured and nothing at the default address; the message says so."""


def _describe(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:300]


# ---------------------------------------------------------------------- checks
def _duckdb(path: Path | None) -> str:
    import duckdb

    if path is not None and not path.is_file():
        raise _Failed(f"no DuckDB file at {path}")
    with duckdb.connect(str(path) if path else ":memory:", read_only=path is not None) as con:
        row = con.execute("SELECT 1, version()").fetchone()
    if row is None or row[0] != 1:
        raise _Failed(f"SELECT 1 answered {row!r}")
    return f"SELECT 1 ok, DuckDB {row[1]}"


def _disk(folder: Path, min_share: float, min_bytes: int) -> str:
    if not folder.exists():
        raise _Failed(f"no folder {folder}")
    usage = shutil.disk_usage(folder)
    share = usage.free / usage.total if usage.total else 0.0
    detail = f"{usage.free / GIB:,.1f} GiB free of {usage.total / GIB:,.1f} GiB ({share:.0%})"
    if share < min_share or usage.free < min_bytes:
        raise _Failed(f"{detail}; below {min_share:.0%} or {min_bytes / GIB:,.1f} GiB")
    return detail


def _service(
    name: ServiceName, url: str, timeout: float, env: Mapping[str, str], *, required: bool
) -> str:
    if not required:
        host, port = service_address(name, environ=env)
        try:
            with socket.create_connection((host, port), timeout=min(timeout, 1.0)):
                pass
        except OSError:
            variable = get_service(name).env
            raise _Skipped(
                f"not configured ({variable} is not set) and nothing answers at {host}:{port}"
            ) from None
    return _SERVICE_CHECKS[name](url, timeout, env)


def _postgres(url: str, timeout: float, env: Mapping[str, str]) -> str:
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    connect_args: dict[str, Any] = {}
    if url.startswith(("postgresql", "postgres")):
        connect_args["connect_timeout"] = max(2, round(timeout))  # libpq's least is 2 s
    engine = sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        with engine.connect() as con:
            one = con.execute(sa.text("SELECT 1")).scalar()
            version = con.execute(sa.text("SHOW server_version")).scalar()
    finally:
        engine.dispose()
    if one != 1:
        raise _Failed(f"SELECT 1 answered {one!r}")
    return f"SELECT 1 ok, PostgreSQL {version}"


def _redis(url: str, timeout: float, env: Mapping[str, str]) -> str:
    try:
        import redis
    except ImportError:
        raise _Failed(
            "the redis client is not installed (pip install pipelinekit[streaming])"
        ) from None
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        if not client.ping():
            raise _Failed("PING did not answer PONG")
        version = client.info("server").get("redis_version", "?")
    finally:
        client.close()
    return f"PING ok, Redis {version}"


def _kafka(url: str, timeout: float, env: Mapping[str, str]) -> str:
    try:
        from confluent_kafka.admin import AdminClient
    except ImportError:
        raise _Failed(
            "confluent-kafka is not installed (pip install pipelinekit[streaming])"
        ) from None
    errors: list[str] = []
    settings: dict[str, Any] = {
        "bootstrap.servers": url,
        "socket.timeout.ms": max(10, int(timeout * 1000)),
        "socket.connection.setup.timeout.ms": max(1000, int(timeout * 1000)),
        "log_level": 0,  # connection errors come back as the exception below
        "error_cb": lambda error: errors.append(str(error)),
    }
    client = AdminClient(settings)
    try:
        metadata = client.list_topics(timeout=timeout)
    except Exception as error:
        seen = f" ({errors[-1]})" if errors else ""
        raise _Failed(f"no metadata within {timeout:g} s: {_describe(error)}{seen}") from None
    topics = [t for t in metadata.topics if not t.startswith("__")]
    return f"metadata ok: {len(metadata.brokers)} broker(s), {len(topics)} topic(s)"


def _s3(url: str, timeout: float, env: Mapping[str, str]) -> str:
    import pyarrow.fs as pafs

    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Failed(f"{redact(url)} is not an http:// or https:// endpoint")
    credentials = service_credentials("s3", environ=env)
    key = credentials.get("access_key_id") or env.get("AWS_ACCESS_KEY_ID")
    secret = credentials.get("secret_access_key") or env.get("AWS_SECRET_ACCESS_KEY")
    options: dict[str, Any] = (
        {"access_key": key, "secret_key": secret} if key and secret else {"anonymous": True}
    )
    fs = pafs.S3FileSystem(
        endpoint_override=parts.netloc,
        scheme=parts.scheme,
        region=env.get("AWS_REGION") or "us-east-1",
        connect_timeout=timeout,
        request_timeout=timeout,
        retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=1),
        **options,
    )
    buckets = fs.get_file_info(pafs.FileSelector("", recursive=False))
    who = "" if key and secret else " (anonymously: no credentials set)"
    return f"list buckets ok{who}: {len(buckets)} bucket(s)"


_SERVICE_CHECKS: Mapping[str, Callable[[str, float, Mapping[str, str]], str]] = {
    "postgres": _postgres,
    "redis": _redis,
    "kafka": _kafka,
    "s3": _s3,
}
