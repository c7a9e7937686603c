"""Type families: one small vocabulary for pandas, DuckDB, SQL databases and dataset cards.

Every source names its types its own way: pandas says ``int64``, DuckDB ``BIGINT``,
PostgreSQL ``BIGINT`` too but ``DOUBLE PRECISION`` where DuckDB says ``DOUBLE``, and a
dataset card says ``int64``. The catalog keeps the source's own name and adds a
*family*, so ``int64`` and ``BIGINT`` compare equal and a card that promises
``int64`` can be checked against a column that turned out to hold text.

Examples
--------
>>> type_family("int64"), type_family("BIGINT"), type_family("DOUBLE PRECISION")
('integer', 'integer', 'float')
>>> type_family("datetime64[us, UTC]"), type_family("ENUM('web', 'app')"), type_family("str")
('datetime', 'category', 'string')
"""

from __future__ import annotations

import re
from typing import Literal

import sqlalchemy as sa

__all__ = ["FAMILIES", "Family", "compatible", "sqlalchemy_family", "type_family"]

Family = Literal[
    "integer", "float", "decimal", "string", "boolean", "datetime", "date", "category", "other"
]
FAMILIES: tuple[str, ...] = Family.__args__  # type: ignore[attr-defined]

# Checked in order: the first pattern that matches names the family. Nested and exotic
# types come first so that ``BIGINT[]`` is not taken for an integer nor ``INTERVAL``
# for one either (it contains "int").
_PATTERNS: tuple[tuple[str, Family], ...] = (
    (r"\[\]$|^(struct|map|union|list|array)\b", "other"),
    (r"interval|uuid|json|blob|bytea|binary|point|geometry", "other"),
    (r"^(enum|category)", "category"),
    (r"bool", "boolean"),
    (r"^(decimal|numeric|number)", "decimal"),
    (r"float|double|real", "float"),
    (r"int", "integer"),
    (r"timestamp|datetime", "datetime"),
    (r"^date$", "date"),
    (r"str|char|text|clob", "string"),
)


def type_family(type_name: str) -> Family:
    """The family of a type, from its name in pandas, DuckDB, SQL or a dataset card.

    Parameters
    ----------
    type_name : str
        A dtype (``"Int64"``, ``"float64"``, ``"category"``), a DuckDB or SQL type
        (``"VARCHAR(20)"``, ``"NUMERIC(10, 2)"``, ``"TIMESTAMP WITH TIME ZONE"``) or a card
        type (``"string"``, ``"datetime"``, ``"bool"``).

    Returns
    -------
    str
        One of :data:`FAMILIES`; ``"other"`` for what none of them describes (lists,
        intervals, JSON, pandas ``object``).

    Examples
    --------
    >>> [type_family(t) for t in ["NUMERIC(10, 2)", "INTERVAL", "BIGINT[]", "object", "date"]]
    ['decimal', 'other', 'other', 'other', 'date']
    """
    name = str(type_name).strip().lower()
    for pattern, family in _PATTERNS:
        if re.search(pattern, name):
            return family
    return "other"


def sqlalchemy_family(sql_type: sa.types.TypeEngine) -> Family:
    """The family of a SQLAlchemy column type (as ``sqlalchemy.inspect`` reports it).

    Examples
    --------
    >>> import sqlalchemy as sa
    >>> sqlalchemy_family(sa.BigInteger()), sqlalchemy_family(sa.Numeric(10, 2))
    ('integer', 'decimal')
    >>> sqlalchemy_family(sa.Enum("web", "app")), sqlalchemy_family(sa.JSON())
    ('category', 'other')
    """
    checks: tuple[tuple[type, Family], ...] = (
        (sa.Boolean, "boolean"),
        (sa.Integer, "integer"),
        (sa.Float, "float"),
        (sa.Numeric, "decimal"),
        (sa.Enum, "category"),
        (sa.String, "string"),
        (sa.DateTime, "datetime"),
        (sa.Date, "date"),
    )
    for kind, family in checks:
        if isinstance(sql_type, kind):
            return family
    return "other"


def compatible(documented: str, found: str) -> bool:
    """Whether a documented family and the family found in the data agree.

    A category may be stored as plain text (PostgreSQL has no pandas categories), so
    ``category`` and ``string`` agree; every other family agrees only with itself.

    Examples
    --------
    >>> compatible("category", "string"), compatible("integer", "float")
    (True, False)
    """
    pair = {documented, found}
    return len(pair) == 1 or pair == {"category", "string"}
