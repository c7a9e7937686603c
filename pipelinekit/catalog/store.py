"""Keep a catalog in the metadata database, and get it back.

:func:`save` writes a :class:`~pipelinekit.catalog.catalog.Catalog` into the DuckDB
metadata database (:mod:`pipelinekit.metadata`, the file that also holds the lineage and
the quality history); :func:`load` rebuilds the same catalog. Between the two the catalog
is plain tables you can ask with SQL:

=================== ===================================================================
table               one row per
=================== ===================================================================
``catalog_tables``  table: ``name``, ``source`` (where it was read), ``rows``,
                    ``primary_key`` (a list), ``foreign_keys`` and ``docs`` (JSON: what
                    people wrote, shaped like a dataset card's table), ``position``
``catalog_columns`` column of a table, in order: ``table_name``, ``position``, ``name``,
                    ``type``, ``family``, ``non_null``, ``null_share``,
                    ``distinct_count``, ``min_value``, ``max_value``, ``examples``
=================== ===================================================================

``min_value``, ``max_value`` and ``examples`` are JSON that keeps each value's type: a
number or text as itself, a time as ``{"timestamp": "2024-05-01T10:00:00+00:00"}``, a
date as ``{"date": ...}``, a decimal or a duration as text under its type's name. Quality
results attached with :meth:`~pipelinekit.catalog.catalog.Catalog.attach_quality` are not
kept here: the quality history tables (:mod:`pipelinekit.quality.history`) hold them.

Every :func:`save` replaces the stored catalog in one transaction: if it fails, the
previous one stays.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd
>>> from pipelinekit.catalog import Catalog
>>> catalog = Catalog()
>>> catalog.register("visits", pd.DataFrame({"page": ["/", "/cart", "/"]}),
...                  docs={"description": "Page views.", "owner": "web team"})
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder) / "metadata.duckdb"
...     _ = save(catalog, path)
...     print(query("SELECT table_name, name, distinct_count, examples FROM catalog_columns",
...                 path))
...     load(path).tables()[["table", "rows", "owner"]]
  table_name  name  distinct_count       examples
0     visits  page               2  ["/", "/cart"]
    table  rows     owner
0  visits     3  web team
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipelinekit.catalog.extract import COLUMN_FIELDS, TableMetadata
from pipelinekit.errors import InvalidValueError
from pipelinekit.metadata import Schema, connect, mark_written, query, transaction

if TYPE_CHECKING:
    from pipelinekit.catalog.catalog import Catalog
    from pipelinekit.lineage.graph import LineageGraph

__all__ = ["CATALOG", "TABLES", "load", "query", "save"]

# Version 1 of the catalog tables. Never edit a released migration: append a new one.
_V1 = """
CREATE TABLE catalog_tables (
    name VARCHAR PRIMARY KEY,
    source VARCHAR,
    rows BIGINT,
    primary_key VARCHAR[],
    foreign_keys JSON,
    docs JSON,
    position INTEGER
);
CREATE TABLE catalog_columns (
    table_name VARCHAR,
    position INTEGER,
    name VARCHAR,
    type VARCHAR,
    family VARCHAR,
    non_null BIGINT,
    null_share DOUBLE,
    distinct_count BIGINT,
    min_value JSON,
    max_value JSON,
    examples JSON
);
"""

CATALOG = Schema("catalog", [_V1])
"""The catalog's part of the metadata database (see :mod:`pipelinekit.metadata`)."""

TABLES = ("catalog_tables", "catalog_columns")


def save(catalog: Catalog, path: str | os.PathLike[str] | None = None) -> Path:
    """Write ``catalog`` into the metadata database, replacing the catalog stored there.

    Parameters
    ----------
    catalog : Catalog
        What to keep.
    path : path, optional
        The metadata database (see :func:`pipelinekit.metadata.metadata_path`); created,
        with its folder, when missing.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InvalidValueError
        Documentation JSON cannot hold (checked before the file is touched).
    pipelinekit.metadata.MetadataError
        The file is not a metadata database, is damaged, or is newer than this pipelinekit.
    """
    from pipelinekit.metadata import metadata_path

    where = metadata_path(path)
    tables, columns = _rows(catalog)
    with connect(where, schemas=[CATALOG]) as con, transaction(con):
        for table in TABLES:
            con.execute(f"DELETE FROM {table}")  # nosec B608
        con.executemany("INSERT INTO catalog_tables VALUES (?, ?, ?, ?, ?, ?, ?)", tables)
        if columns:
            con.executemany(
                "INSERT INTO catalog_columns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", columns
            )
        mark_written(con, CATALOG)
    return where


def load(
    path: str | os.PathLike[str] | None = None, *, lineage: LineageGraph | None = None
) -> Catalog:
    """Rebuild the catalog :func:`save` stored: the same tables, columns and documentation.

    Parameters
    ----------
    path : path, optional
        The metadata database; never created.
    lineage : LineageGraph, optional
        Attached to the catalog, so its cards show each table's neighbours (e.g.
        ``pipelinekit.lineage.store.load(path)``).

    Raises
    ------
    pipelinekit.metadata.MetadataError
        No file at ``path``, or one that is not a metadata database, is damaged, or is
        newer than this pipelinekit.
    """
    from pipelinekit.catalog.catalog import Catalog

    with connect(path, schemas=[CATALOG], create=False) as con:
        tables = con.execute("SELECT * FROM catalog_tables ORDER BY position").df()
        columns = con.execute("SELECT * FROM catalog_columns ORDER BY table_name, position").df()
    catalog = Catalog(lineage=lineage)
    for row in tables.itertuples(index=False):
        own = columns[columns["table_name"] == row.name]
        metadata = TableMetadata(
            source=row.source,
            rows=int(row.rows),
            columns=_columns_frame(own),
            primary_key=tuple(row.primary_key),
            foreign_keys=json.loads(row.foreign_keys),
        )
        docs = json.loads(row.docs)
        catalog.restore(row.name, metadata, docs)
    return catalog


# ---------------------------------------------------------------------- catalog -> rows
def _rows(catalog: Catalog) -> tuple[list[list[Any]], list[list[Any]]]:
    tables: list[list[Any]] = []
    columns: list[list[Any]] = []
    for position, name in enumerate(catalog):
        metadata = catalog.metadata(name)
        docs = catalog.docs(name)
        try:
            docs_json = json.dumps(docs)
        except (TypeError, ValueError) as error:
            raise InvalidValueError(
                f"The documentation of '{name}' holds a value JSON cannot store ({error})",
                "text, numbers, lists and dicts, as in a dataset card",
                "document the table with plain values",
            ) from error
        tables.append(
            [
                name,
                metadata.source,
                metadata.rows,
                list(metadata.primary_key),
                json.dumps(dict(metadata.foreign_keys)),
                docs_json,
                position,
            ]
        )
        for place, column in enumerate(metadata.columns.to_dict("records")):
            columns.append(
                [
                    name,
                    place,
                    column["column"],
                    column["type"],
                    column["family"],
                    _int(column["non_null"]),
                    _float(column["null_share"]),
                    _int(column["distinct"]),
                    encode(column["min"]),
                    encode(column["max"]),
                    json.dumps([_tagged(v) for v in column["examples"] or ()]),
                ]
            )
    return tables, columns


def _columns_frame(rows: pd.DataFrame) -> pd.DataFrame:
    records = [
        {
            "column": row.name,
            "type": row.type,
            "family": row.family,
            "non_null": _int(row.non_null),
            "null_share": float(row.null_share) if pd.notna(row.null_share) else math.nan,
            "distinct": _int(row.distinct_count),
            "min": decode(row.min_value),
            "max": decode(row.max_value),
            "examples": tuple(_untagged(v) for v in json.loads(row.examples)),
        }
        for row in rows.itertuples(index=False)
    ]
    frame = pd.DataFrame(
        {field: pd.Series([r[field] for r in records], dtype=object) for field in COLUMN_FIELDS}
    )
    return frame.astype(_DTYPES)  # the dtypes extract gives; min, max, examples stay objects


_DTYPES = {"column": "str", "type": "str", "family": "str", "non_null": "int64",
           "null_share": "float64", "distinct": "Int64"}  # fmt: skip


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# ---------------------------------------------------------------------- typed values
def encode(value: Any) -> str:
    """A value as JSON that keeps its type (see the module's description).

    Examples
    --------
    >>> encode(pd.Timestamp("2024-05-01 10:00", tz="UTC"))
    '{"timestamp": "2024-05-01T10:00:00+00:00"}'
    >>> decode(encode(pd.Timestamp("2024-05-01 10:00", tz="UTC")))
    Timestamp('2024-05-01 10:00:00+0000', tz='UTC')
    >>> decode(encode(3)), decode(encode(None))
    (3, None)
    """
    return json.dumps(_tagged(value))


def decode(text: str | None) -> Any:
    """The value :func:`encode` wrote."""
    return None if text is None else _untagged(json.loads(text))


def _tagged(value: Any) -> Any:
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else {"float": str(float(value))}
    if isinstance(value, str):
        return value
    if isinstance(value, pd.Timestamp | datetime.datetime | np.datetime64):
        return {"timestamp": pd.Timestamp(value).isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, pd.Timedelta | datetime.timedelta | np.timedelta64):
        return {"timedelta": pd.Timedelta(value).isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    return {"text": str(value)}


def _untagged(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    (kind, text), *_ = value.items()
    if kind == "timestamp":
        return pd.Timestamp(text)
    if kind == "date":
        return datetime.date.fromisoformat(text)
    if kind == "timedelta":
        return pd.Timedelta(text)
    if kind == "decimal":
        return decimal.Decimal(text)
    if kind == "float":
        return float(text)
    return text
