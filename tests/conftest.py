"""Fixtures for tests that talk to real services (PostgreSQL, Redis, ...).

A test that needs a server asks for its fixture (``postgres_url``, ``redis_url``, or
``require_service`` for any service of :mod:`pipelinekit.config`) and carries the
``services`` marker, so ``make test-fast`` leaves it out::

    @pytest.mark.services
    def test_select_one(postgres_url): ...

The fixture gives the address pipelinekit itself would use (``PIPELINEKIT_*`` variable, else
the local default) once a TCP connection to it succeeds within a second. When none does,
the test is skipped with a message saying where it looked and how to fix it; with
``PIPELINEKIT_REQUIRE_SERVICES=1`` (as CI sets) it fails with that message instead, so CI
cannot pass by skipping.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

import pytest

from pipelinekit.config import ServiceName, get_service, redact, service_address, service_url
from pipelinekit.errors import format_message

REQUIRE_SERVICES = "PIPELINEKIT_REQUIRE_SERVICES"
CONNECT_TIMEOUT_SECONDS = 1.0


def reachable_service_url(name: ServiceName) -> str:
    """The address in effect for service ``name``; skip (or fail) when nothing answers."""
    service = get_service(name)
    url = service_url(name)
    host, port = service_address(name)
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_SECONDS):
            pass
    except OSError as error:
        message = format_message(
            f"{service.title} is not reachable at {redact(url)} ({error})",
            f"a server accepting connections on {host}:{port}",
            f"start it, or set {service.env} to the address of one that runs; "
            f"with {REQUIRE_SERVICES}=1 this fails instead of skipping",
        )
        if os.environ.get(REQUIRE_SERVICES) == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture
def require_service() -> Callable[[ServiceName], str]:
    """``require_service("kafka")``: the address of any service, or skip/fail as above."""
    return reachable_service_url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """SQLAlchemy URL of a running PostgreSQL (``PIPELINEKIT_POSTGRES_URL`` or local)."""
    return reachable_service_url("postgres")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of a running Redis (``PIPELINEKIT_REDIS_URL`` or local)."""
    return reachable_service_url("redis")
