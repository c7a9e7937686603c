"""Type families: the same vocabulary for pandas, DuckDB, SQL databases and cards."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from pipelinekit.catalog.families import FAMILIES, compatible, sqlalchemy_family, type_family

NAMES = {
    "integer": ["int64", "Int32", "uint8", "BIGINT", "INTEGER", "SMALLINT", "HUGEINT", "int"],
    "float": ["float64", "Float32", "DOUBLE", "DOUBLE PRECISION", "REAL", "FLOAT"],
    "decimal": ["DECIMAL(18,3)", "NUMERIC(10, 2)", "numeric"],
    "string": ["str", "string", "string[pyarrow]", "VARCHAR", "VARCHAR(20)", "TEXT", "CHAR(2)"],
    "boolean": ["bool", "boolean", "BOOLEAN"],
    "datetime": [
        "datetime",
        "datetime64[us]",
        "datetime64[ns, UTC]",
        "TIMESTAMP",
        "TIMESTAMP WITH TIME ZONE",
        "TIMESTAMP WITHOUT TIME ZONE",
    ],
    "date": ["date", "DATE"],
    "category": ["category", "ENUM('a', 'b')"],
    "other": ["object", "INTERVAL", "BIGINT[]", "STRUCT(a INTEGER)", "UUID", "JSON", "TIME"],
}


@pytest.mark.parametrize(
    ("name", "family"), [(name, family) for family, names in NAMES.items() for name in names]
)
def test_type_family(name, family):
    assert type_family(name) == family


def test_every_family_is_covered():
    assert set(NAMES) == set(FAMILIES)


@pytest.mark.parametrize(
    ("sql_type", "family"),
    [
        (sa.SmallInteger(), "integer"),
        (postgresql.DOUBLE_PRECISION(), "float"),
        (sa.Numeric(10, 2), "decimal"),
        (sa.Text(), "string"),
        (postgresql.ENUM("a", "b", name="mood"), "category"),
        (sa.Boolean(), "boolean"),
        (postgresql.TIMESTAMP(timezone=True), "datetime"),
        (sa.Date(), "date"),
        (postgresql.JSONB(), "other"),
        (postgresql.UUID(), "other"),
    ],
)
def test_sqlalchemy_family(sql_type, family):
    assert sqlalchemy_family(sql_type) == family


def test_compatible_families():
    assert compatible("category", "string") and compatible("string", "category")
    assert compatible("date", "date")
    assert not compatible("integer", "float")
    assert not compatible("datetime", "date")
