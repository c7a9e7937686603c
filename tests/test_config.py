"""pipelinekit.config: service defaults, their overrides, and real servers behind them."""

from __future__ import annotations

import socket

import pytest
import redis
import sqlalchemy

from pipelinekit.config import (
    SERVICES,
    get_service,
    redact,
    service_address,
    service_credentials,
    service_url,
)
from pipelinekit.errors import InvalidValueError, UnknownNameError

# -- defaults and overrides ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "env", "default"),
    [
        (
            "postgres",
            "PIPELINEKIT_POSTGRES_URL",
            "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        ),
        ("redis", "PIPELINEKIT_REDIS_URL", "redis://127.0.0.1:6379/0"),
        ("kafka", "PIPELINEKIT_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
        ("s3", "PIPELINEKIT_S3_ENDPOINT", "http://127.0.0.1:9000"),
    ],
)
def test_each_service_has_a_local_default_and_a_variable(name, env, default):
    assert get_service(name).env == env
    assert service_url(name, environ={}) == default


@pytest.mark.parametrize(
    ("name", "port"), [("postgres", 5432), ("redis", 6379), ("kafka", 9092), ("s3", 9000)]
)
def test_default_ports_are_the_usual_ones(name, port):
    assert get_service(name).port == port
    assert service_address(name, environ={}) == ("127.0.0.1", port)


def test_the_variable_overrides_the_default(monkeypatch):
    monkeypatch.setenv("PIPELINEKIT_POSTGRES_URL", "postgresql+psycopg://learner@db:6543/shop")
    assert service_url("postgres") == "postgresql+psycopg://learner@db:6543/shop"
    assert service_address("postgres") == ("db", 6543)


def test_an_empty_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv("PIPELINEKIT_REDIS_URL", "")
    assert service_url("redis") == "redis://127.0.0.1:6379/0"


def test_an_explicit_environ_is_read_instead_of_the_process_environment(monkeypatch):
    monkeypatch.setenv("PIPELINEKIT_KAFKA_BOOTSTRAP", "from-process:9092")
    assert service_url("kafka", environ={}) == "127.0.0.1:9092"


def test_variable_names_are_distinct_and_prefixed():
    names = [env for s in SERVICES.values() for env in (s.env, *s.credential_envs)]
    assert len(names) == len(set(names))
    assert all(name.startswith("PIPELINEKIT_") for name in names)


def test_s3_credentials_come_from_their_variables():
    environ = {
        "PIPELINEKIT_S3_ACCESS_KEY_ID": "learner",
        "PIPELINEKIT_S3_SECRET_ACCESS_KEY": "s3cret-key",
    }
    assert service_credentials("s3", environ=environ) == {
        "access_key_id": "learner",
        "secret_access_key": "s3cret-key",
    }
    assert service_credentials("s3", environ={}) == {}


def test_unknown_service_names_its_nearest_match():
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown service 'postgress'.*did you mean 'postgres'"
    ):
        service_url("postgress")  # type: ignore[arg-type]


def test_unknown_service_lists_the_known_ones():
    with pytest.raises(
        UnknownNameError, match=r"expected one of 'postgres', 'redis', 'kafka', 's3'"
    ):
        get_service("mongodb")  # type: ignore[arg-type]


def test_an_unreadable_port_names_the_variable_and_hides_the_password():
    environ = {"PIPELINEKIT_REDIS_URL": "redis://:hunter2@cache:63x79/0"}
    with pytest.raises(InvalidValueError, match=r"PIPELINEKIT_REDIS_URL=.*:\*\*\*@cache") as info:
        service_address("redis", environ=environ)
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://postgres:pw@db:5432/test",
            "postgresql+psycopg://postgres:***@db:5432/test",
        ),
        ("redis://:pw@cache:6379/0", "redis://:***@cache:6379/0"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("kafka:29092", "kafka:29092"),
    ],
)
def test_redact_hides_only_the_password(url, shown):
    assert redact(url) == shown


# -- the service fixtures (tests/conftest.py) ---------------------------------------------


@pytest.fixture
def closed_port() -> int:
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_service_skips_with_where_it_looked(
    require_service, monkeypatch, closed_port
):
    monkeypatch.delenv("PIPELINEKIT_REQUIRE_SERVICES", raising=False)
    monkeypatch.setenv("PIPELINEKIT_REDIS_URL", f"redis://127.0.0.1:{closed_port}/0")
    with pytest.raises(
        pytest.skip.Exception,
        match=rf"Redis is not reachable at redis://127\.0\.0\.1:{closed_port}/0",
    ):
        require_service("redis")


def test_an_unreachable_service_fails_when_services_are_required(
    require_service, monkeypatch, closed_port
):
    monkeypatch.setenv("PIPELINEKIT_REQUIRE_SERVICES", "1")
    monkeypatch.setenv(
        "PIPELINEKIT_POSTGRES_URL",
        f"postgresql+psycopg://postgres:hunter2@127.0.0.1:{closed_port}/test",
    )
    with pytest.raises(
        pytest.fail.Exception,
        match=r"(?s)PostgreSQL is not reachable.*Hint: start it, or set PIPELINEKIT_POSTGRES_URL",
    ) as info:
        require_service("postgres")
    assert "hunter2" not in str(info.value)


# -- the defaults reach real servers ------------------------------------------------------


@pytest.mark.services
def test_postgres_answers_select_one(postgres_url):
    engine = sqlalchemy.create_engine(postgres_url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            assert connection.execute(sqlalchemy.text("select 1")).scalar_one() == 1
    finally:
        engine.dispose()


@pytest.mark.services
def test_redis_answers_ping(redis_url):
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        assert client.ping() is True
    finally:
        client.close()
