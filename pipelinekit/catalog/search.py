"""Search a catalog by name, description or tag, best matches first.

A match is ranked by where the words were found:

1. ``exact name``: a table or column called exactly that;
2. ``name contains``: a table or column whose name contains it;
3. ``description``: a table or column whose description contains it;
4. ``tag``: a table or column tagged with it.

Letter case does not matter. ``"tag:pii"`` looks at tags only. Each table or column is
listed once, for its best match; ties are ordered by table, then column name, so the
same catalog always answers the same way.

Examples
--------
>>> import pandas as pd
>>> columns = pd.DataFrame({"column": ["email", "email_ok", "city"],
...                         "description": ["", "Whether the e-mail is valid.", "Where."],
...                         "tags": [("pii",), (), ("pii",)]})
>>> tables = {"customers": SearchableTable("People.", (), columns)}
>>> search_tables(tables, "email")
       table    column           match description tags
0  customers     email      exact name               pii
1  customers  email_ok   name contains  Whether...
>>> search_tables(tables, "tag:pii")[["column", "match"]]
  column match
0   city   tag
1  email   tag
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import pandas as pd

from pipelinekit.errors import InvalidValueError

__all__ = ["MATCHES", "SEARCH_COLUMNS", "SearchableTable", "search_tables"]

#: Kinds of match, best first.
MATCHES = ("exact name", "name contains", "description", "tag")
SEARCH_COLUMNS = ["table", "column", "match", "description", "tags"]


class SearchableTable(NamedTuple):
    """What search reads of one table: its description, tags and documented columns.

    ``columns`` has at least ``column``, ``description`` and ``tags`` (tuples).
    """

    description: str
    tags: Sequence[str]
    columns: pd.DataFrame


def search_tables(tables: Mapping[str, SearchableTable], query: str) -> pd.DataFrame:
    """Tables and columns matching ``query``, best first (see the module's ranking).

    Returns a DataFrame with :data:`SEARCH_COLUMNS`; ``column`` is empty for a table.
    """
    if not isinstance(query, str) or not query.removeprefix("tag:").strip():
        raise InvalidValueError(
            f"The search {query!r} has nothing to look for",
            "a word from a name or description, or 'tag:<tag>'",
            "e.g. catalog.search('email') or catalog.search('tag:pii')",
        )
    text = query.strip().lower()
    tags_only = text.startswith("tag:")
    words = text.removeprefix("tag:").strip()
    rows = []
    for table, searchable in tables.items():
        items = [(table, "", searchable.description, tuple(searchable.tags))]
        items += [
            (table, str(row.column), str(row.description), tuple(row.tags))
            for row in searchable.columns.itertuples(index=False)
        ]
        for table_name, column, description, tags in items:
            rank = _rank(column or table_name, description, tags, words, tags_only=tags_only)
            if rank is not None:
                rows.append(
                    {
                        "rank": rank,
                        "table": table_name,
                        "column": column,
                        "match": MATCHES[rank],
                        "description": description,
                        "tags": ", ".join(tags),
                    }
                )
    found = pd.DataFrame(rows, columns=["rank", *SEARCH_COLUMNS])
    found = found.sort_values(["rank", "table", "column"], kind="stable", ignore_index=True)
    return found[SEARCH_COLUMNS].astype("str")


def _rank(
    name: str, description: str, tags: tuple[str, ...], words: str, *, tags_only: bool
) -> int | None:
    """The position in :data:`MATCHES` of the best match, or None."""
    if not tags_only:
        if name.lower() == words:
            return 0
        if words in name.lower():
            return 1
        if words in description.lower():
            return 2
    if words in (tag.lower() for tag in tags):
        return 3
    return None
