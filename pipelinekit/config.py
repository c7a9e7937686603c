"""Where pipelinekit finds its services: PostgreSQL, Redis, Kafka and S3 storage.

Each service is plain data: a :class:`Service` names the environment variable that
overrides its address and the default it falls back to, a server on this machine at the
service's usual port. :func:`service_url` reads the address in effect.

``docker-compose.yml`` points the Jupyter container at the other containers with these
same variable names, and CI uses the defaults, so one name means one thing everywhere.

Examples
--------
>>> from pipelinekit.config import service_url
>>> service_url("redis", environ={})
'redis://127.0.0.1:6379/0'
>>> service_url("redis", environ={"PIPELINEKIT_REDIS_URL": "redis://cache:6379/1"})
'redis://cache:6379/1'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from pipelinekit.errors import InvalidValueError, UnknownNameError

__all__ = [
    "KAFKA",
    "POSTGRES",
    "REDIS",
    "S3",
    "SERVICES",
    "Service",
    "ServiceName",
    "get_service",
    "redact",
    "service_address",
    "service_credentials",
    "service_url",
]

ServiceName = Literal["postgres", "redis", "kafka", "s3"]


@dataclass(frozen=True)
class Service:
    """A service pipelinekit talks to, and where to find it.

    Parameters
    ----------
    name : {"postgres", "redis", "kafka", "s3"}
        The name functions take (``service_url("postgres")``).
    title : str
        The name messages use ("PostgreSQL").
    env : str
        The environment variable that overrides ``default``.
    default : str
        The address used when ``env`` is not set: a server on this machine.
    credential_envs : tuple of str
        Variables holding credentials that are not part of the address (S3's keys).

    Examples
    --------
    >>> from pipelinekit.config import POSTGRES
    >>> POSTGRES.env
    'PIPELINEKIT_POSTGRES_URL'
    >>> POSTGRES.port
    5432
    """

    name: ServiceName
    title: str
    env: str
    default: str
    credential_envs: tuple[str, ...] = ()

    @property
    def port(self) -> int:
        """The port of the default address (every default names one)."""
        return _split_address(self.default)[1] or 0


POSTGRES = Service(
    name="postgres",
    title="PostgreSQL",
    env="PIPELINEKIT_POSTGRES_URL",
    default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
)
REDIS = Service(
    name="redis",
    title="Redis",
    env="PIPELINEKIT_REDIS_URL",
    default="redis://127.0.0.1:6379/0",
)
KAFKA = Service(
    name="kafka",
    title="Kafka",
    env="PIPELINEKIT_KAFKA_BOOTSTRAP",
    default="127.0.0.1:9092",
)
S3 = Service(
    name="s3",
    title="S3-compatible storage",
    env="PIPELINEKIT_S3_ENDPOINT",
    default="http://127.0.0.1:9000",
    credential_envs=("PIPELINEKIT_S3_ACCESS_KEY_ID", "PIPELINEKIT_S3_SECRET_ACCESS_KEY"),
)

SERVICES: Mapping[str, Service] = {s.name: s for s in (POSTGRES, REDIS, KAFKA, S3)}


def get_service(name: ServiceName) -> Service:
    """The :class:`Service` called ``name``.

    Examples
    --------
    >>> get_service("kafka").default
    '127.0.0.1:9092'
    >>> get_service("postgress")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.UnknownNameError: Unknown service 'postgress'; expected one of ...
    """
    try:
        return SERVICES[name]
    except KeyError:
        raise UnknownNameError.for_name(name, SERVICES, kind="service") from None


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def service_url(name: ServiceName, *, environ: Mapping[str, str] | None = None) -> str:
    """The address in effect for a service: its variable when set, else the default.

    Parameters
    ----------
    name : {"postgres", "redis", "kafka", "s3"}
        The service.
    environ : mapping, optional
        Where to read variables; ``os.environ`` when not given. An empty variable
        counts as not set.

    Returns
    -------
    str
        A URL (a Kafka bootstrap list, ``host:port[,host:port]``, for Kafka).

    Examples
    --------
    >>> service_url("postgres", environ={})
    'postgresql+psycopg://postgres@127.0.0.1:5432/test'
    >>> service_url("kafka", environ={"PIPELINEKIT_KAFKA_BOOTSTRAP": "kafka:29092"})
    'kafka:29092'
    """
    service = get_service(name)
    return _environ(environ).get(service.env) or service.default


def service_address(
    name: ServiceName, *, environ: Mapping[str, str] | None = None
) -> tuple[str, int]:
    """Host and port of the address in effect (a bootstrap list's first server).

    A URL without a port uses the service's default port.

    Examples
    --------
    >>> service_address("kafka", environ={"PIPELINEKIT_KAFKA_BOOTSTRAP": "k1:9094,k2:9094"})
    ('k1', 9094)
    >>> service_address("postgres", environ={"PIPELINEKIT_POSTGRES_URL": "postgresql://db/x"})
    ('db', 5432)
    """
    service = get_service(name)
    url = service_url(name, environ=environ)
    try:
        host, port = _split_address(url)
    except ValueError as error:
        raise InvalidValueError(
            f"{service.env}={redact(url)!r} has an unreadable port ({error})",
            f"an address like {service.default!r}",
            f"fix or unset {service.env}",
        ) from error
    return host, service.port if port is None else port


def service_credentials(
    name: ServiceName, *, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The credentials set for a service, keyed by their variable's last words.

    Empty when none is set: the client then uses its own defaults.

    Examples
    --------
    >>> service_credentials("s3", environ={"PIPELINEKIT_S3_ACCESS_KEY_ID": "learner"})
    {'access_key_id': 'learner'}
    >>> service_credentials("redis", environ={})
    {}
    """
    service = get_service(name)
    prefix = f"PIPELINEKIT_{service.name.upper()}_"
    environ = _environ(environ)
    return {
        env.removeprefix(prefix).lower(): environ[env]
        for env in service.credential_envs
        if environ.get(env)
    }


def redact(url: str) -> str:
    """The address with its password replaced by ``***``, safe to print or log.

    Examples
    --------
    >>> redact("redis://:s3cret@cache:6379/0")
    'redis://:***@cache:6379/0'
    >>> redact("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    'postgresql+psycopg://postgres@127.0.0.1:5432/test'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def _split_address(url: str) -> tuple[str, int | None]:
    """Host and port of a URL or of a bootstrap list's first ``host:port``."""
    parts = urlsplit(url if "://" in url else "//" + url.split(",")[0])
    return parts.hostname or "", parts.port
