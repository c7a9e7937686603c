"""Parquet tables on S3-compatible storage (AWS S3, MinIO, SeaweedFS).

A table is one Parquet object: the tables of ``s3://shop/raw`` are the objects
``s3://shop/raw/orders.parquet``, ``s3://shop/raw/customers.parquet`` and so on, named
after the table. :func:`write_s3` writes that layout and :func:`read_s3` reads it back::

    >>> import pipelinekit.pipeline.s3 as s3                     # doctest: +SKIP
    >>> s3.write_s3({"orders": orders}, "s3://shop/raw")          # doctest: +SKIP
    ['s3://shop/raw/orders.parquet']
    >>> s3.read_s3("s3://shop/raw")["orders"].head()              # doctest: +SKIP

A prefix loaded by :class:`~pipelinekit.pipeline.targets.s3_target.S3Target` holds a
small manifest object, ``_current.json``, naming the Parquet object that is the current
version of each table; :func:`read_s3` follows it (see that module for why).

Where the server is comes from the environment, as for every pipelinekit service
(:mod:`pipelinekit.config`):

- ``PIPELINEKIT_S3_ENDPOINT``: ``http://host:port`` or ``https://host:port``
  (default ``http://127.0.0.1:9000``, a local MinIO). Buckets are addressed path-style
  (``http://host:port/bucket/key``), which every S3-compatible server understands.
- ``PIPELINEKIT_S3_ACCESS_KEY_ID`` / ``PIPELINEKIT_S3_SECRET_ACCESS_KEY``, else the usual
  ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` (and ``AWS_SESSION_TOKEN``). Secrets
  are never printed: reprs and messages show the endpoint without them.
- ``AWS_REGION`` or ``AWS_DEFAULT_REGION`` (default ``us-east-1``; MinIO ignores it).

Bytes move through :class:`pyarrow.fs.S3FileSystem`, which pipelinekit already depends
on; a failure becomes one :class:`S3Error` that says what went wrong and how to fix it.

Examples
--------
>>> parse_s3_url("s3://shop/raw/2024")
S3Location(bucket='shop', prefix='raw/2024')
>>> parse_s3_url("s3://shop/raw").path("orders.parquet")
'shop/raw/orders.parquet'
>>> s3_settings(environ={"PIPELINEKIT_S3_ENDPOINT": "https://minio:9000",
...                      "AWS_SECRET_ACCESS_KEY": "s3cret"})
S3Settings(endpoint='https://minio:9000', region='us-east-1', credentials='set')
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from pipelinekit.config import S3, redact, service_credentials, service_url
from pipelinekit.errors import (
    InvalidValueError,
    PipelinekitError,
    UnknownNameError,
    format_list,
    format_message,
    nearest,
)

__all__ = [
    "MANIFEST_NAME",
    "Manifest",
    "S3Error",
    "S3Location",
    "S3Settings",
    "check_table_name",
    "create_bucket",
    "list_s3_tables",
    "parse_s3_url",
    "read_manifest",
    "read_parquet_object",
    "read_s3",
    "require_bucket",
    "s3_errors",
    "s3_filesystem",
    "s3_settings",
    "write_manifest",
    "write_parquet_object",
    "write_s3",
]

MANIFEST_NAME = "_current.json"
MANIFEST_FORMAT = "pipelinekit-s3-target/1"
DEFAULT_REGION = "us-east-1"
PARQUET_SUFFIX = ".parquet"

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CREDENTIAL_HINT = (
    "set PIPELINEKIT_S3_ACCESS_KEY_ID and PIPELINEKIT_S3_SECRET_ACCESS_KEY "
    "(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to keys the server knows"
)


class S3Error(PipelinekitError, OSError):
    """S3-compatible storage cannot be reached, or refused a request."""

    def __str__(self) -> str:  # OSError would otherwise format its own message
        return format_message(self.found, self.expected, self.hint)


# --- where: s3://bucket/prefix ------------------------------------------------------


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key prefix, parsed from ``s3://bucket/prefix``.

    Examples
    --------
    >>> location = S3Location("shop", "raw")
    >>> location.url
    's3://shop/raw'
    >>> location.path("_versions", "v1", "orders.parquet")
    'shop/raw/_versions/v1/orders.parquet'
    >>> S3Location("shop").path("orders.parquet")
    'shop/orders.parquet'
    """

    bucket: str
    prefix: str = ""

    @property
    def url(self) -> str:
        """The location as an ``s3://`` URL."""
        return f"s3://{self.path()}"

    def path(self, *parts: str) -> str:
        """``bucket/prefix/part/...``: the path :mod:`pyarrow.fs` uses for an object."""
        return "/".join(p for p in (self.bucket, self.prefix, *parts) if p)

    def url_of(self, *parts: str) -> str:
        """The ``s3://`` URL of an object under the prefix."""
        return f"s3://{self.path(*parts)}"

    def __str__(self) -> str:
        return self.url


def parse_s3_url(url: str) -> S3Location:
    """Split ``s3://bucket/prefix`` into its bucket and its (possibly empty) prefix.

    Examples
    --------
    >>> parse_s3_url("s3://shop")
    S3Location(bucket='shop', prefix='')
    >>> parse_s3_url("s3://shop/raw//orders/")
    S3Location(bucket='shop', prefix='raw/orders')
    >>> parse_s3_url("shop/raw")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: S3 location 'shop/raw' does not start with \
's3://'; expected a URL like 's3://bucket/prefix'...
    >>> parse_s3_url("s3://Shop_Data/raw")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: Bucket name 'Shop_Data' in 's3://Shop_Data/raw' \
is not valid...
    """
    if not isinstance(url, str) or not url.startswith("s3://"):
        raise InvalidValueError(
            f"S3 location {url!r} does not start with 's3://'",
            "a URL like 's3://bucket/prefix'",
            "write the bucket after 's3://' and the folder-like prefix after it",
        )
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not _BUCKET_NAME.match(bucket):
        raise InvalidValueError(
            f"Bucket name {bucket!r} in {url!r} is not valid",
            "3 to 63 lowercase letters, digits, dots or hyphens",
            f"try {re.sub(r'[^a-z0-9.-]', '-', bucket.lower())!r}",
        )
    parts = [p for p in prefix.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise InvalidValueError(
            f"Prefix {prefix!r} in {url!r} contains '.' or '..'",
            "plain key segments",
            "S3 keys are names, not paths: spell the prefix out in full",
        )
    return S3Location(bucket, "/".join(parts))


# --- how: the endpoint, region and credentials ----------------------------------------


@dataclass(frozen=True)
class S3Settings:
    """Endpoint, region and credentials of the S3 service, read by :func:`s3_settings`.

    The repr never shows the keys, only whether they are set.
    """

    endpoint: str
    region: str = DEFAULT_REGION
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        credentials = "set" if self.access_key or self.secret_key else "not set"
        return (
            f"S3Settings(endpoint={redact(self.endpoint)!r}, region={self.region!r}, "
            f"credentials={credentials!r})"
        )


def s3_settings(*, environ: Mapping[str, str] | None = None) -> S3Settings:
    """Read the S3 endpoint, region and credentials from the environment.

    Parameters
    ----------
    environ : mapping, optional
        Where to read variables; ``os.environ`` when not given.

    Examples
    --------
    >>> s3_settings(environ={})
    S3Settings(endpoint='http://127.0.0.1:9000', region='us-east-1', credentials='not set')
    >>> s3_settings(environ={"PIPELINEKIT_S3_ENDPOINT": "minio:9000"})
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: PIPELINEKIT_S3_ENDPOINT='minio:9000' has no \
http:// or https:// scheme...
    """
    env = os.environ if environ is None else environ
    endpoint = service_url("s3", environ=env)
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidValueError(
            f"{S3.env}={redact(endpoint)!r} has no http:// or https:// scheme and host",
            f"an address like {S3.default!r}",
            f"fix or unset {S3.env}",
        )
    keys = service_credentials("s3", environ=env)
    access_key = keys.get("access_key_id") or env.get("AWS_ACCESS_KEY_ID") or None
    secret_key = keys.get("secret_access_key") or env.get("AWS_SECRET_ACCESS_KEY") or None
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    token = env.get("AWS_SESSION_TOKEN") or None
    return S3Settings(endpoint.rstrip("/"), region, access_key, secret_key, token)


def s3_filesystem(
    settings: S3Settings | None = None,
    *,
    connect_timeout: float = 5.0,
    request_timeout: float = 30.0,
    retries: int = 3,
    allow_bucket_creation: bool = False,
) -> pafs.S3FileSystem:
    """A :class:`pyarrow.fs.S3FileSystem` for the configured S3-compatible server.

    Parameters
    ----------
    settings : S3Settings, optional
        Endpoint and credentials; :func:`s3_settings` (the environment) when not given.
    connect_timeout, request_timeout : float
        Seconds before giving up on a connection / a request.
    retries : int
        Attempts per request, so that a stopped server fails fast.
    allow_bucket_creation : bool
        Let ``create_dir("bucket")`` create buckets (see :func:`create_bucket`).
    """
    settings = settings or s3_settings()
    parts = urlsplit(settings.endpoint)
    credentials: dict[str, Any] = {}
    if settings.access_key and settings.secret_key:
        credentials = {"access_key": settings.access_key, "secret_key": settings.secret_key}
        if settings.session_token:
            credentials["session_token"] = settings.session_token
    return pafs.S3FileSystem(
        endpoint_override=parts.netloc.rpartition("@")[2] + parts.path.rstrip("/"),
        scheme=parts.scheme,
        region=settings.region,
        force_virtual_addressing=False,  # path-style: http://host:port/bucket/key
        connect_timeout=connect_timeout,
        request_timeout=request_timeout,
        retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=retries),
        allow_bucket_creation=allow_bucket_creation,
        **credentials,
    )


def _endpoint_of(filesystem: pafs.FileSystem) -> str:
    """The endpoint a filesystem talks to, for messages (never its keys)."""
    try:
        options = filesystem.__reduce__()[1][0]
        host = options.get("endpoint_override") or "the AWS S3 endpoint"
        return f"{options.get('scheme', 'https')}://{host}" if "://" not in host else host
    except (AttributeError, IndexError, KeyError, TypeError):  # not an S3FileSystem
        return "the S3 endpoint"


@contextlib.contextmanager
def s3_errors(filesystem: pafs.FileSystem, location: S3Location, action: str) -> Iterator[None]:
    """Turn pyarrow's S3 failures inside the block into one :class:`S3Error`.

    ``action`` says what was being done ("reading s3://shop/raw/orders.parquet").
    """
    try:
        yield
    except PipelinekitError:
        raise
    except OSError as error:
        raise _translate(error, filesystem, location, action) from error


def _translate(
    error: OSError, filesystem: pafs.FileSystem, location: S3Location, action: str
) -> S3Error:
    text = str(error)
    endpoint = _endpoint_of(filesystem)
    if "NETWORK_CONNECTION" in text or "curlCode" in text:
        reason = text.rpartition("Details: ")[2].strip() or text
        return S3Error(
            f"S3-compatible storage is not reachable at {endpoint} while {action} ({reason})",
            "a server answering S3 requests there",
            f"start it (docker compose up -d minio), or set {S3.env} to the address of "
            "one that runs",
        )
    if "NO_SUCH_BUCKET" in text:
        return _missing_bucket(filesystem, location, endpoint)
    if any(k in text for k in ("ACCESS_DENIED", "INVALID_ACCESS_KEY", "SIGNATURE_DOES_NOT")):
        return S3Error(
            f"{endpoint} refused {action} ({text.partition(' during ')[0].strip()})",
            "credentials the server accepts",
            _CREDENTIAL_HINT,
        )
    return S3Error(
        f"S3 request failed while {action}: {text}",
        "a request the S3-compatible server answers",
        "check PIPELINEKIT_S3_ENDPOINT, that the server runs and that the bucket exists",
    )


# --- buckets ------------------------------------------------------------------------


def _missing_bucket(filesystem: pafs.FileSystem, location: S3Location, endpoint: str) -> S3Error:
    try:
        buckets = [i.base_name for i in filesystem.get_file_info(pafs.FileSelector(""))]
    except OSError:
        buckets = []
    close = nearest(location.bucket, buckets)
    create = (
        f"create it: pipelinekit.pipeline.s3.create_bucket({location.bucket!r}), "
        f"`mc mb local/{location.bucket}` with the MinIO client, or the MinIO console"
    )
    hint = f"did you mean {format_list(close)}? Otherwise {create}" if close else create
    existing = f"one of {format_list(buckets)}" if buckets else "an existing bucket"
    return S3Error(f"Bucket '{location.bucket}' does not exist at {endpoint}", existing, hint)


def require_bucket(filesystem: pafs.FileSystem, location: S3Location) -> None:
    """Raise :class:`S3Error` unless ``location``'s bucket exists (and the server answers).

    Checked before writing because some servers create a missing bucket on upload.
    """
    with s3_errors(filesystem, location, f"looking for bucket '{location.bucket}'"):
        info = filesystem.get_file_info(location.bucket)
    if info.type == pafs.FileType.NotFound:
        raise _missing_bucket(filesystem, location, _endpoint_of(filesystem))


def create_bucket(bucket: str, *, filesystem: pafs.S3FileSystem | None = None) -> str:
    """Create ``bucket`` (a name or an ``s3://`` URL) unless it exists; its ``s3://`` URL.

    Parameters
    ----------
    bucket : str
        ``"shop"`` or ``"s3://shop"``.
    filesystem : pyarrow.fs.S3FileSystem, optional
        One made with ``allow_bucket_creation=True``; from the environment when not given.
    """
    location = parse_s3_url(bucket if bucket.startswith("s3://") else f"s3://{bucket}")
    filesystem = filesystem or s3_filesystem(allow_bucket_creation=True)
    with s3_errors(filesystem, location, f"creating bucket '{location.bucket}'"):
        filesystem.create_dir(location.bucket)
    return f"s3://{location.bucket}"


def check_table_name(table: str) -> str:
    """Return ``table`` if it can name an object (letters, digits, ``_``, ``-``, ``.``).

    Examples
    --------
    >>> check_table_name("fct_orders")
    'fct_orders'
    >>> check_table_name("raw/orders")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: Table name 'raw/orders' cannot name an S3 object...
    """
    if not isinstance(table, str) or not _TABLE_NAME.match(table):
        raise InvalidValueError(
            f"Table name {table!r} cannot name an S3 object",
            "letters, digits, '_', '-' or '.', not starting with '_' or '.'",
            "rename the table (the prefix, not the table name, holds folders)",
        )
    return table


# --- objects ------------------------------------------------------------------------


def write_parquet_object(frame: pd.DataFrame, filesystem: pafs.FileSystem, path: str) -> None:
    """Write ``frame`` (without its index) as one Parquet object at ``bucket/key``.

    Raises
    ------
    InvalidValueError
        A column Parquet cannot store (values of mixed types in an object column).
    """
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as error:
        raise InvalidValueError(
            f"Frame for s3://{path} cannot be stored as Parquet ({error})",
            "columns holding values of one type each",
            "convert the column first, e.g. frame[column].astype(str)",
        ) from error
    pq.write_table(table, path, filesystem=filesystem)


def read_parquet_object(filesystem: pafs.FileSystem, path: str) -> pd.DataFrame:
    """Read one Parquet object back into a DataFrame (dtypes as written)."""
    return pq.read_table(path, filesystem=filesystem).to_pandas()


def _put_bytes(filesystem: pafs.FileSystem, path: str, data: bytes) -> None:
    with filesystem.open_output_stream(path) as stream:
        stream.write(data)


# --- the manifest of a versioned prefix -----------------------------------------------


@dataclass(frozen=True)
class Manifest:
    """Which version of each table is current under a prefix (``_current.json``).

    Examples
    --------
    >>> m = Manifest({"orders": "20240101T000000000000Z-run1"})
    >>> m.key("orders")
    '_versions/20240101T000000000000Z-run1/orders.parquet'
    >>> Manifest.from_json(m.to_json()) == m
    True
    """

    versions: Mapping[str, str]
    rows: Mapping[str, int] = field(default_factory=dict)
    run_id: str | None = None
    loads: Sequence[Mapping[str, Any]] = ()
    """The load log: one ``{run_id, table, mode, rows_written}`` per table loaded."""

    @staticmethod
    def object_key(table: str, version: str) -> str:
        """Key, relative to the prefix, of ``table`` in ``version``."""
        return f"_versions/{version}/{table}{PARQUET_SUFFIX}"

    def key(self, table: str) -> str:
        """Key, relative to the prefix, of the current version of ``table``."""
        return self.object_key(table, self.versions[table])

    def to_json(self) -> str:
        tables = {
            t: {"version": v, "rows": self.rows.get(t)} for t, v in sorted(self.versions.items())
        }
        document = {
            "format": MANIFEST_FORMAT,
            "run_id": self.run_id,
            "tables": tables,
            "loads": [dict(entry) for entry in self.loads],
        }
        return json.dumps(document, indent=2, default=str)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        document = json.loads(text)
        if document.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"format {document.get('format')!r}, not {MANIFEST_FORMAT!r}")
        tables = document["tables"]
        return cls(
            versions={t: str(e["version"]) for t, e in tables.items()},
            rows={t: int(e["rows"]) for t, e in tables.items() if e.get("rows") is not None},
            run_id=document.get("run_id"),
            loads=tuple(dict(entry) for entry in document.get("loads", [])),
        )


def read_manifest(filesystem: pafs.FileSystem, location: S3Location) -> Manifest | None:
    """The manifest under ``location``, or None when the prefix has none."""
    path = location.path(MANIFEST_NAME)
    with s3_errors(filesystem, location, f"reading {location.url_of(MANIFEST_NAME)}"):
        try:
            with filesystem.open_input_stream(path) as stream:
                text = stream.read().decode("utf-8")
        except FileNotFoundError:
            return None
    try:
        return Manifest.from_json(text)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise S3Error(
            f"Manifest {location.url_of(MANIFEST_NAME)} is not readable ({error})",
            f"a JSON document of format {MANIFEST_FORMAT!r} written by S3Target",
            "delete it to treat the prefix as plain Parquet objects, or load it again",
        ) from error


def write_manifest(filesystem: pafs.FileSystem, location: S3Location, manifest: Manifest) -> None:
    """Write the manifest in one PUT: readers see the old one or the new one, never half."""
    with s3_errors(filesystem, location, f"writing {location.url_of(MANIFEST_NAME)}"):
        _put_bytes(filesystem, location.path(MANIFEST_NAME), manifest.to_json().encode())


# --- tables -------------------------------------------------------------------------


def _table_keys(
    filesystem: pafs.FileSystem, location: S3Location
) -> tuple[dict[str, str], Manifest | None]:
    """Table name -> object key (relative to the prefix), following a manifest if any."""
    manifest = read_manifest(filesystem, location)
    if manifest is not None:
        return {t: manifest.key(t) for t in sorted(manifest.versions)}, manifest
    selector = pafs.FileSelector(location.path(), allow_not_found=True, recursive=False)
    with s3_errors(filesystem, location, f"listing {location.url}"):
        infos = filesystem.get_file_info(selector)
    keys = {
        i.base_name.removesuffix(PARQUET_SUFFIX): i.base_name
        for i in infos
        if i.type == pafs.FileType.File and i.base_name.endswith(PARQUET_SUFFIX)
    }
    return dict(sorted(keys.items())), None


def list_s3_tables(url: str, *, filesystem: pafs.FileSystem | None = None) -> list[str]:
    """Names of the tables under ``url``: its manifest's, else its ``*.parquet`` objects."""
    location = parse_s3_url(url)
    filesystem = filesystem or s3_filesystem()
    require_bucket(filesystem, location)
    return list(_table_keys(filesystem, location)[0])


def read_s3(
    url: str,
    tables: Sequence[str] | None = None,
    *,
    filesystem: pafs.FileSystem | None = None,
) -> dict[str, pd.DataFrame]:
    """Read Parquet tables from ``s3://bucket/prefix``: one object per table.

    Parameters
    ----------
    url : str
        ``s3://bucket/prefix``; table ``orders`` is the object ``prefix/orders.parquet``,
        or the version a manifest (``prefix/_current.json``, written by ``S3Target``)
        names.
    tables : sequence of str, optional
        Which tables to read; every table under the prefix when not given.
    filesystem : pyarrow.fs.S3FileSystem, optional
        From the environment (:func:`s3_filesystem`) when not given.

    Returns
    -------
    dict of str to DataFrame
        In the order of ``tables`` (alphabetical when not given).

    Raises
    ------
    S3Error
        The server is unreachable, the bucket missing, access refused, or nothing is there.
    UnknownNameError
        A table in ``tables`` has no object; the hint names the nearest ones.
    """
    location = parse_s3_url(url)
    filesystem = filesystem or s3_filesystem()
    require_bucket(filesystem, location)
    keys, manifest = _table_keys(filesystem, location)
    if tables is None:
        if not keys:
            raise S3Error(
                f"Found no Parquet objects under {location.url}",
                f"objects named <table>{PARQUET_SUFFIX} directly under the prefix",
                "check the prefix, or write tables there with write_s3(...) or S3Target",
            )
        tables = list(keys)
    for table in tables:
        if table not in keys:
            raise _unknown_table(table, keys, location, manifest)
    frames = {}
    for table in tables:
        with s3_errors(filesystem, location, f"reading {location.url_of(keys[table])}"):
            frames[table] = read_parquet_object(filesystem, location.path(keys[table]))
    return frames


def _unknown_table(
    table: str, keys: Mapping[str, str], location: S3Location, manifest: Manifest | None
) -> UnknownNameError:
    where = (
        f"in the manifest {location.url_of(MANIFEST_NAME)}"
        if manifest is not None
        else f"(no object {location.url_of(table + PARQUET_SUFFIX)})"
    )
    close = nearest(table, keys)
    hint = (
        f"did you mean {'one of ' if len(close) > 1 else ''}{format_list(close)}?"
        if close
        else "list them with list_s3_tables(url)"
    )
    expected = f"one of {format_list(keys)}" if keys else "a table written there first"
    return UnknownNameError(f"No table '{table}' at {location.url} {where}", expected, hint)


def write_s3(
    tables: Mapping[str, pd.DataFrame],
    url: str,
    *,
    filesystem: pafs.FileSystem | None = None,
) -> list[str]:
    """Write each frame as ``s3://bucket/prefix/<table>.parquet``; the URLs written.

    Objects are replaced one by one, so a reader may see some tables new and some old;
    :class:`~pipelinekit.pipeline.targets.s3_target.S3Target` publishes all at once.
    The bucket must exist (see :func:`create_bucket`); the index is not written.

    Raises
    ------
    S3Error
        The server is unreachable, the bucket missing, or the prefix is managed by
        ``S3Target`` (it has a ``_current.json`` manifest, which readers follow).
    """
    location = parse_s3_url(url)
    filesystem = filesystem or s3_filesystem()
    require_bucket(filesystem, location)
    if read_manifest(filesystem, location) is not None:
        raise S3Error(
            f"{location.url} holds a manifest ({MANIFEST_NAME}) that readers follow, so "
            "plain objects written there would be ignored",
            "a prefix without a manifest",
            f"load it with S3Target({location.url!r}).load(...), or write to another prefix",
        )
    for table in tables:
        check_table_name(table)
    written = []
    for table, frame in tables.items():
        key = table + PARQUET_SUFFIX
        with s3_errors(filesystem, location, f"writing {location.url_of(key)}"):
            write_parquet_object(frame, filesystem, location.path(key))
        written.append(location.url_of(key))
    return written
