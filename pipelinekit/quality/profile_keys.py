"""Which columns identify a row, and which rows repeat another: candidate keys, duplicates.

A **candidate key** is a column (or a pair of columns) whose values are present in every
row and never repeat. Floats and timestamps are never offered: they are unique by
accident, not by design. Pairs are tried only when no single column is a key, among the
:data:`PAIR_COLUMNS` columns with the most distinct values, in one query.

A **duplicate row** repeats an earlier row in every column (NULLs compare equal), as
``DataFrame.duplicated()`` counts them. A table with a key has none, so they are counted
only when no column is a key.

Each ``stat`` is the mapping :func:`pipelinekit.quality.profile.profile` builds for a
column (``column``, ``family``, ``nulls``, ``distinct``, ``distinct_exact``).

Examples
--------
>>> stat = {"column": "id", "family": "integer", "nulls": 0, "distinct": 3,
...         "distinct_exact": True}
>>> is_key(stat, rows=3), is_key({**stat, "family": "float"}, rows=3)
(True, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipelinekit.quality.profile_source import Source
from pipelinekit.quality.profile_sql import distinct_rows_query, duplicates_query, keys_query

__all__ = ["NOT_KEYS", "PAIR_COLUMNS", "duplicate_rows", "is_key", "key_pairs", "may_be_key"]

#: Families never offered as keys: measures and instants are unique by accident.
NOT_KEYS = ("float", "datetime", "other")
#: Pairs of columns are tried as keys (when no single column is one) among this many.
PAIR_COLUMNS = 6


def may_be_key(stat: Mapping[str, Any], rows: int) -> bool:
    """Whether a column can be a key: present in every row, nearly unique, and neither a
    float nor a timestamp (unique by accident)."""
    return (
        rows > 0
        and stat["nulls"] == 0
        and stat["family"] not in NOT_KEYS
        and (stat["distinct"] or 0) >= 0.9 * rows
    )


def is_key(stat: Mapping[str, Any], rows: int) -> bool:
    """Whether one column alone is a candidate key (exactly counted)."""
    return may_be_key(stat, rows) and stat["distinct_exact"] and stat["distinct"] == rows


def duplicate_rows(source: Source, rows: int, *, approximate: bool) -> int:
    """Rows repeating an earlier row in every column (NULLs compare equal).

    DuckDB counts distinct 64-bit hashes of whole rows: equal rows hash alike, so as many
    hashes as rows proves there are no duplicates; fewer are confirmed exactly unless the
    profile is approximate (a collision among 10M rows has a chance below 1 in 300,000).
    """
    if rows == 0 or not source.columns:
        return 0
    if source.dialect == "postgresql":
        return int(source.fetch(duplicates_query(source.relation, source.columns).sql, ())[0][0])
    query = distinct_rows_query(source.relation, source.columns, hashed=True)
    duplicates = rows - int(source.fetch(query.sql, ())[0][0])
    if duplicates and not approximate:
        query = distinct_rows_query(source.relation, source.columns)
        duplicates = rows - int(source.fetch(query.sql, ())[0][0])
    return duplicates


def key_pairs(
    source: Source, stats: list[dict[str, Any]], rows: int
) -> tuple[tuple[str, ...], ...]:
    """Pairs of columns that together are unique and never null (when no column alone is).

    Only the :data:`PAIR_COLUMNS` columns with the most distinct values are paired, and
    only pairs with enough combinations to tell every row apart are counted.
    """
    if rows < 2:
        return ()
    usable = [
        i
        for i, stat in enumerate(stats)
        if stat["nulls"] == 0
        and stat["family"] not in NOT_KEYS
        and stat["distinct_exact"]
        and (stat["distinct"] or 0) > 1
    ]
    usable = sorted(sorted(usable, key=lambda i: -stats[i]["distinct"])[:PAIR_COLUMNS])
    pairs = [
        (a, b)
        for k, a in enumerate(usable)
        for b in usable[k + 1 :]
        if stats[a]["distinct"] * stats[b]["distinct"] >= rows
    ]
    if not pairs:
        return ()
    query = keys_query(source.relation, source.columns, pairs, dialect=source.dialect)
    counts = source.fetch(query.sql, ())[0]
    return tuple(
        (stats[a]["column"], stats[b]["column"])
        for (a, b), count in zip(pairs, counts, strict=True)
        if count == rows
    )
