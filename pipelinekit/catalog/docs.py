"""Human documentation joined to what the data says, and where the two disagree.

Documentation for one table has the shape of a table in a dataset card
(``pipelinekit/datasets/cards/*.yml``)::

    {"description": "...", "grain": "one row per order", "owner": "shop team",
     "primary_key": ["order_id"], "foreign_keys": {"customer_id": "customers.customer_id"},
     "tags": [...], "columns": {"order_id": {"type": "int64", "description": "...",
                                             "unit": "...", "tags": ["pii"]}, ...}}

Every key is optional. :func:`merge_docs` puts each column's description, unit and tags
next to its extracted metadata; :func:`find_discrepancies` lists what the card and the
data disagree on: a column documented but missing in the data, a column in the data but
undocumented, a type of another family than the card's, a different primary key.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.catalog.extract import extract_frame
>>> meta = extract_frame(pd.DataFrame({"id": [1, 2], "town": ["Bonn", "Lyon"]}))
>>> docs = {"columns": {"id": {"type": "string", "description": "Key."},
...                     "city": {"type": "string", "description": "Where."}}}
>>> find_discrepancies(meta, docs)
  column                            problem      documented            found
0     id                      type mismatch  string (string)  int64 (integer)
1   city  documented but missing in the data  string (string)
2   town       in the data but undocumented                      str (string)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipelinekit.catalog.extract import TableMetadata
from pipelinekit.catalog.families import compatible, type_family
from pipelinekit.errors import InvalidValueError, format_list, nearest

__all__ = [
    "DISCREPANCY_COLUMNS",
    "DOC_KEYS",
    "MISSING",
    "PRIMARY_KEY",
    "TYPE_MISMATCH",
    "UNDOCUMENTED",
    "check_docs",
    "find_discrepancies",
    "merge_docs",
]

MISSING = "documented but missing in the data"
UNDOCUMENTED = "in the data but undocumented"
TYPE_MISMATCH = "type mismatch"
PRIMARY_KEY = "primary key differs"

DISCREPANCY_COLUMNS = ["column", "problem", "documented", "found"]
DOC_KEYS = ("description", "grain", "owner", "primary_key", "foreign_keys", "tags", "columns")
_COLUMN_KEYS = ("type", "description", "unit", "tags")


def check_docs(docs: Mapping[str, Any], *, table: str = "the table") -> dict[str, Any]:
    """Documentation in its full shape, every key present, or an error naming the problem.

    Examples
    --------
    >>> check_docs({"description": "Orders.", "columns": {"id": {"tags": ["pii"]}}})["columns"]
    {'id': {'type': None, 'description': '', 'unit': '', 'tags': ['pii']}}
    >>> check_docs({"colums": {}}, table="orders")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: Documentation of orders has the key 'colums'; ...
    """
    if not isinstance(docs, Mapping):
        raise InvalidValueError(
            f"Documentation of {table} is of type {type(docs).__name__}",
            "a dict shaped like a table of a dataset card",
            "e.g. {'description': '...', 'columns': {'id': {'description': '...'}}}",
        )
    _only_known(docs, DOC_KEYS, f"Documentation of {table}")
    columns = docs.get("columns") or {}
    if not isinstance(columns, Mapping):
        raise InvalidValueError(
            f"The columns documented for {table} are of type {type(columns).__name__}",
            "a dict of column name to {'type': ..., 'description': ..., 'tags': [...], ...}",
        )
    checked_columns = {}
    for name, info in columns.items():
        info = info or {}
        if not isinstance(info, Mapping):
            raise InvalidValueError(
                f"Column '{name}' of {table} is documented by a value of type"
                f" {type(info).__name__}",
                "a dict with any of 'type', 'description', 'unit', 'tags'",
            )
        _only_known(info, _COLUMN_KEYS, f"Documentation of column '{name}' of {table}")
        checked_columns[str(name)] = {
            "type": info.get("type"),
            "description": str(info.get("description") or "").strip(),
            "unit": str(info.get("unit") or ""),
            "tags": _tags(info.get("tags"), f"column '{name}' of {table}"),
        }
    return {
        "description": str(docs.get("description") or "").strip(),
        "grain": str(docs.get("grain") or ""),
        "owner": str(docs.get("owner") or ""),
        "primary_key": [str(c) for c in docs.get("primary_key") or []],
        "foreign_keys": {str(k): str(v) for k, v in (docs.get("foreign_keys") or {}).items()},
        "tags": _tags(docs.get("tags"), table),
        "columns": checked_columns,
    }


def _only_known(mapping: Mapping[str, Any], known: tuple[str, ...], what: str) -> None:
    unknown = [key for key in mapping if key not in known]
    if unknown:
        close = nearest(str(unknown[0]), known, n=1)
        raise InvalidValueError(
            f"{what} has the key {format_list(unknown)}",
            f"only {format_list(known, most=len(known))}",
            f"did you mean {format_list(close)}?"
            if close
            else "dataset cards (pipelinekit/datasets/cards) show the shape",
        )


def _tags(tags: Any, where: str) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str) or not all(isinstance(tag, str) for tag in tags):
        raise InvalidValueError(
            f"The tags of {where} are {tags!r}",
            "a list of strings, such as ['pii']",
        )
    return list(tags)


def merge_docs(metadata: TableMetadata, docs: Mapping[str, Any] | None) -> pd.DataFrame:
    """The extracted columns with their documentation, then the documented-only columns.

    Adds ``description``, ``unit``, ``tags`` (a tuple), ``documented_type`` and two flags,
    ``in_data`` and ``documented``, to :attr:`TableMetadata.columns`.

    Examples
    --------
    >>> import pandas as pd
    >>> from pipelinekit.catalog.extract import extract_frame
    >>> meta = extract_frame(pd.DataFrame({"email": ["a@x.org", None]}))
    >>> docs = {"columns": {"email": {"type": "string", "tags": ["pii"], "description": "Mail."}}}
    >>> merge_docs(meta, docs).loc[0, ["column", "description", "tags"]].tolist()
    ['email', 'Mail.', ('pii',)]
    """
    documented = check_docs(docs)["columns"] if docs is not None else {}
    merged = metadata.columns.copy()
    in_data = set(merged["column"])
    missing = [name for name in documented if name not in in_data]
    if missing:
        extra = pd.DataFrame({"column": missing, "type": "", "family": ""})
        merged = pd.concat([merged, extra], ignore_index=True)
        merged = merged.astype({"non_null": "Int64", "distinct": "Int64"})
        merged["examples"] = [e if isinstance(e, tuple) else () for e in merged["examples"]]
    found = [documented.get(name, {}) for name in merged["column"]]
    merged["description"] = [info.get("description", "") for info in found]
    merged["unit"] = [info.get("unit", "") for info in found]
    merged["tags"] = pd.Series([tuple(info.get("tags", ())) for info in found], dtype=object)
    merged["documented_type"] = [str(info.get("type") or "") for info in found]
    merged["in_data"] = merged["column"].isin(in_data)
    merged["documented"] = merged["column"].isin(documented)
    return merged


def find_discrepancies(metadata: TableMetadata, docs: Mapping[str, Any] | None) -> pd.DataFrame:
    """What the documentation and the data disagree on, one row per problem.

    Without documentation there is nothing to disagree with: the answer is empty.
    Rows come in this order: type mismatches and missing columns in the card's order,
    undocumented columns in the data's order, then the primary key.
    """
    rows: list[dict[str, str]] = []
    if docs is not None:
        checked = check_docs(docs)
        found = {row.column: row for row in metadata.columns.itertuples(index=False)}
        for name, info in checked["columns"].items():
            documented = _described(info["type"]) if info["type"] else ""
            if name not in found:
                rows.append(_row(name, MISSING, documented, ""))
                continue
            data = found[name]
            if info["type"] and not compatible(type_family(info["type"]), str(data.family)):
                rows.append(_row(name, TYPE_MISMATCH, documented, f"{data.type} ({data.family})"))
        for name, data in found.items():
            if name not in checked["columns"]:
                rows.append(_row(name, UNDOCUMENTED, "", f"{data.type} ({data.family})"))
        declared = list(metadata.primary_key)
        if declared and checked["primary_key"] and declared != checked["primary_key"]:
            rows.append(
                _row("", PRIMARY_KEY, ", ".join(checked["primary_key"]), ", ".join(declared))
            )
    return pd.DataFrame(rows, columns=DISCREPANCY_COLUMNS).astype("str")


def _described(type_name: str) -> str:
    return f"{type_name} ({type_family(type_name)})"


def _row(column: str, problem: str, documented: str, found: str) -> dict[str, str]:
    return {"column": column, "problem": problem, "documented": documented, "found": found}
