"""What the tables of a SQL query look like: names, columns, and the names DuckDB gives results.

:func:`~pipelinekit.lineage.sql_lineage.sql_lineage` needs three things DuckDB knows and
sqlglot does not:

* the columns of every table the query reads (:class:`Catalog`, from a ``schema``
  mapping and the ``duckdb_columns()`` of a connection, read once per call);
* the columns of table functions such as ``read_csv('orders.csv')``
  (:meth:`Catalog.describe`, DuckDB's own ``DESCRIBE``);
* the name DuckDB gives a result column nobody named (:func:`duckdb_names`):
  ``sum(amount)``, ``(price * quantity)``, ``count_star()``, and ``a_1`` for the second
  ``a`` (:func:`deduplicate`).

Examples
--------
>>> catalog = Catalog.build({"orders": ["id", "Amount"], "shop.customers": {"id": "INTEGER"}})
>>> catalog.find(["orders"]).columns
['id', 'Amount']
>>> catalog.find(["shop", "customers"]).name
'shop.customers'
>>> deduplicate(["a", "a", "b", "A"])
['a', 'a_1', 'b', 'A_2']
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import duckdb

from pipelinekit.errors import UnknownNameError

__all__ = [
    "Catalog",
    "SchemaLike",
    "Table",
    "deduplicate",
    "duckdb_names",
    "expression_names",
    "scratch",
]

#: A schema as users write it: table name -> column names, or -> {column: type}.
SchemaLike = Mapping[str, Iterable[str] | Mapping[str, str]]

_DEFAULT_CATALOG = "memory"


@dataclasses.dataclass
class Table:
    """One table or view: where it lives, the name lineage gives it, its columns and types."""

    key: tuple[str, str, str]  # (catalog, schema, table), lower case
    name: str  # "orders", "shop.orders" or "other.shop.orders", in the catalog's case
    columns: list[str]
    types: dict[str, str]

    def column(self, name: str) -> str | None:
        """The column called ``name`` in its own case (DuckDB ignores case), or None."""
        lower = name.lower()
        return next((c for c in self.columns if c.lower() == lower), None)


class Catalog:
    """Every table a query may read, looked up the way DuckDB looks names up.

    An unqualified name is searched in the ``schema`` mapping, then among temporary
    tables, then in the ``main`` schema of the current database; ``s.t`` is schema ``s``
    of the current database or schema ``main`` of database ``s``.
    """

    def __init__(
        self,
        tables: Iterable[Table],
        current: str = _DEFAULT_CATALOG,
        connection: duckdb.DuckDBPyConnection | None = None,
    ):
        self.tables = {table.key: table for table in tables}
        self.current = current
        self.connection = connection

    @classmethod
    def build(
        cls, schema: SchemaLike | None = None, connection: duckdb.DuckDBPyConnection | None = None
    ) -> Catalog:
        """The tables of ``connection`` (one catalog query) overlaid with ``schema``."""
        tables: dict[tuple[str, str, str], Table] = {}
        current = _DEFAULT_CATALOG
        if connection is not None:
            current, tables = _read_catalog(connection)
        for name, columns in (schema or {}).items():
            parts = str(name).split(".")
            key = _key(parts, current)
            types = (
                {str(c): str(t) for c, t in columns.items()}
                if isinstance(columns, Mapping)
                else {str(c): "" for c in columns}
            )
            tables[key] = Table(key, _display(key, current, parts), list(types), types)
        return cls(tables.values(), current, connection)

    def get(self, parts: Sequence[str]) -> Table | None:
        """The table named by ``parts`` (``["orders"]``, ``["shop", "orders"]``), or None."""
        for key in self._candidates(parts):
            if key in self.tables:
                return self.tables[key]
        return None

    def display(self, parts: Sequence[str]) -> str:
        """The name lineage gives a table that is not (yet) in the catalog."""
        return _display(_key(parts, self.current), self.current, parts)

    def find(self, parts: Sequence[str]) -> Table:
        """The table named by ``parts``; an error naming the nearest tables if none."""
        table = self.get(parts)
        if table is not None:
            return table
        options = sorted(table.name for table in self.tables.values())
        name = ".".join(parts)
        if not options:
            raise UnknownNameError(
                f"Unknown table '{name}': no schema was given",
                "a schema for every table the query reads",
                f"pass schema={{'{name}': ['column', ...]}} or connection=a DuckDB"
                " connection that has the table",
            )
        raise UnknownNameError.for_name(
            name,
            options,
            kind="table",
            hint="add it to schema= or create it on the connection",
        )

    def _candidates(self, parts: Sequence[str]) -> list[tuple[str, str, str]]:
        lower = [p.lower() for p in parts]
        if len(lower) == 1:
            return [(self.current, "main", lower[0]), ("temp", "main", lower[0])]
        if len(lower) == 2:
            return [(self.current, lower[0], lower[1]), (lower[0], "main", lower[1])]
        return [(lower[-3], lower[-2], lower[-1])]

    def describe(self, source_sql: str) -> list[str] | None:
        """The columns of a table function or VALUES list, as DuckDB's ``DESCRIBE`` says.

        None when DuckDB cannot tell without the rest of the query (``unnest(t.tags)``) or
        the source does not exist.
        """
        connection = self.connection if self.connection is not None else scratch()
        try:
            with connection.cursor() as cursor:
                rows = cursor.execute(f"DESCRIBE SELECT * FROM {source_sql}").fetchall()
        except duckdb.Error:
            return None
        return [str(row[0]) for row in rows]


def _key(parts: Sequence[str], current: str) -> tuple[str, str, str]:
    lower = [p.lower() for p in parts]
    if len(lower) == 1:
        return (current, "main", lower[0])
    if len(lower) == 2:
        return (current, lower[0], lower[1])
    return (lower[-3], lower[-2], lower[-1])


def _display(key: tuple[str, str, str], current: str, parts: Sequence[str]) -> str:
    """``orders`` in schema main, ``shop.orders`` elsewhere, with the catalog when foreign.

    ``parts`` are the name's parts in their own case, the last one the table.
    """
    catalog, schema, _ = key
    shown = list(parts[-3:])
    if catalog in (current, "temp"):
        shown = shown[-2:]
        if schema == "main":
            shown = shown[-1:]
    return ".".join(shown)


def _read_catalog(
    connection: duckdb.DuckDBPyConnection,
) -> tuple[str, dict[tuple[str, str, str], Table]]:
    """Every user table and view of ``connection`` with its columns, in one query."""
    rows = connection.execute(
        "SELECT current_database(), d.database_name, d.schema_name, d.table_name,"
        " d.column_name, d.data_type"
        " FROM (SELECT 1) AS one LEFT JOIN duckdb_columns() AS d ON NOT d.internal"
        " ORDER BY d.database_name, d.schema_name, d.table_name, d.column_index"
    ).fetchall()
    current = str(rows[0][0]).lower() if rows else _DEFAULT_CATALOG
    tables: dict[tuple[str, str, str], Table] = {}
    for _, catalog, schema, table, column, data_type in rows:
        if table is None:
            continue
        key = (catalog.lower(), schema.lower(), table.lower())
        if key not in tables:
            tables[key] = Table(key, _display(key, current, [catalog, schema, table]), [], {})
        tables[key].columns.append(column)
        tables[key].types[column] = data_type
    return current, tables


def deduplicate(names: Sequence[str]) -> list[str]:
    """Rename repeated names the way DuckDB does for a result or ``CREATE TABLE AS``.

    Names compare without case; the second ``a`` becomes ``a_1``, and a name already
    taken moves on to the next number.

    Examples
    --------
    >>> deduplicate(["a", "a", "a", "a_1"])
    ['a', 'a_1', 'a_2', 'a_1_1']
    """
    counts: dict[str, int] = {}
    result = []
    for name in names:
        lower = name.lower()
        if lower not in counts:
            counts[lower] = 1
            result.append(name)
            continue
        renamed = f"{name}_{counts[lower]}"
        while renamed.lower() in counts:
            counts[lower] += 1
            renamed = f"{name}_{counts[lower]}"
        counts[renamed.lower()] = 1
        result.append(renamed)
    return result


def duckdb_names(
    text: str | None,
    top: Sequence[tuple[int, str]],
    inner: Sequence[tuple[frozenset[int], str]] = (),
    *,
    offset: int = 0,
) -> tuple[list[str], list[str]]:
    """The names DuckDB gives unnamed result columns, asked of DuckDB's own parser.

    DuckDB names such a column after its expression as it prints it, so the names are
    read from the text as the user wrote it (``text``, a query starting at character
    ``offset`` of the statement): ``top`` items by their position in the first SELECT
    list, ``inner`` ones (of CTEs and subqueries) by the character positions of the
    names and literals inside them. An item not found so is named from its DuckDB SQL
    (the second element of each pair), as sqlglot writes it.

    Examples
    --------
    >>> duckdb_names("SELECT a + 1, Sum(b), count(*), x FROM t", [(0, ""), (1, ""), (2, "")])
    (['(a + 1)', 'sum(b)', 'count_star()'], [])
    >>> query = "WITH c AS (SELECT d::VARCHAR FROM t) SELECT * FROM c"
    >>> duckdb_names(query, [], [(frozenset({query.index("d::")}), "CAST(d AS TEXT)")])
    ([], ['CAST(d AS VARCHAR)'])
    """
    found: dict[tuple[str, int], dict[str, Any]] = {}
    if text is not None and (top or inner):
        first, items = _select_items(text, offset)
        for position, _ in top:
            if first is not None and position < len(first):
                found[("top", position)] = first[position]
        for index, (positions, _) in enumerate(inner):
            match = _best_match(positions, items)
            if match is not None:
                found[("inner", index)] = match
    keys = [("top", p) for p, _ in top] + [("inner", i) for i in range(len(inner))]
    sqls = [sql for _, sql in top] + [sql for _, sql in inner]
    statements = [_one_item_statement(found[k]) for k in keys if k in found]
    by_text = expression_names([sql for k, sql in zip(keys, sqls, strict=True) if k not in found])
    from_text: list[str] = []
    if statements:
        ((texts,),) = (
            scratch()
            .execute("SELECT [json_deserialize_sql(s) FOR s IN ?::VARCHAR[]]", [statements])
            .fetchall()
        )
        from_text = [str(t).removeprefix("SELECT ") for t in texts]
    parsed, printed = iter(from_text), iter(by_text)
    names = [next(parsed) if key in found else next(printed) for key in keys]
    return names[: len(top)], names[len(top) :]


def _select_items(
    text: str, offset: int
) -> tuple[list[dict[str, Any]] | None, list[tuple[frozenset[int], dict[str, Any]]]]:
    """DuckDB's parse of ``text``: the first SELECT list, and every unnamed item of every
    SELECT list with the character positions inside it."""
    ((serialized,),) = scratch().execute("SELECT json_serialize_sql(?)", [text]).fetchall()
    tree = json.loads(serialized)
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        return None, []
    node = tree["statements"][0]["node"]
    while node.get("type") == "SET_OPERATION_NODE":
        node = node["children"][0] if node.get("children") else node["left"]
    first = node.get("select_list") if node.get("type") == "SELECT_NODE" else None
    chars = _char_offsets(text, offset)
    items = []
    for select_list in _find_key(tree, "select_list"):
        for item in select_list:
            if not item.get("alias"):
                where = frozenset(chars(b) for b in _find_key(item, "query_location") if b < 2**63)
                items.append((where, item))
    return first, items


def _char_offsets(text: str, offset: int):
    """Turn DuckDB's byte offsets in ``text`` into character offsets in the statement."""
    if text.isascii():
        return lambda byte: byte + offset
    encoded = text.encode()
    return lambda byte: len(encoded[:byte].decode(errors="ignore")) + offset


def _find_key(tree: Any, key: str) -> Iterator[Any]:
    """Every value of ``key`` anywhere in a JSON tree."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if key in node:
                yield node[key]
            stack.extend(v for k, v in node.items() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(node)


def _best_match(
    positions: frozenset[int], items: Sequence[tuple[frozenset[int], dict[str, Any]]]
) -> dict[str, Any] | None:
    """The item sharing most positions with ``positions`` (the smallest, on a tie)."""
    if not positions:
        return None
    best = max(items, key=lambda i: (len(i[0] & positions), -len(i[0])), default=None)
    return best[1] if best is not None and best[0] & positions else None


def expression_names(expressions: Sequence[str]) -> list[str]:
    """The name DuckDB gives each expression (DuckDB SQL) as an unnamed result column.

    An expression DuckDB cannot parse keeps its own text.

    Examples
    --------
    >>> expression_names(["x::int", "CASE WHEN a THEN 1 END"])
    ['CAST(x AS INTEGER)', 'CASE  WHEN (a) THEN (1) ELSE NULL END']
    """
    if not expressions:
        return []
    query = (
        "SELECT [json_deserialize_sql(json_serialize_sql('SELECT ' || e)) FOR e IN ?::VARCHAR[]]"
    )
    try:
        ((texts,),) = scratch().execute(query, [list(expressions)]).fetchall()
    except duckdb.Error:  # one of them does not parse: name them one by one
        texts = []
        for expression in expressions:
            try:
                texts.extend(scratch().execute(query, [[expression]]).fetchall()[0][0])
            except duckdb.Error:
                texts.append(f"SELECT {expression}")
    return [str(text).removeprefix("SELECT ") for text in texts]


_EMPTY_FROM = {
    "type": "EMPTY",
    "alias": "",
    "sample": None,
    "query_location": 0,
    "query_location_length": 0,
}


def _one_item_statement(item: dict[str, Any]) -> str:
    """DuckDB's JSON of ``SELECT <item>``, for DuckDB to print the item."""
    node: dict[str, Any] = {
        "type": "SELECT_NODE",
        "modifiers": [],
        "cte_map": {"map": []},
        "select_list": [item],
        "from_table": _EMPTY_FROM,
        "where_clause": None,
        "group_expressions": [],
        "group_sets": [],
        "aggregate_handling": "STANDARD_HANDLING",
        "having": None,
        "sample": None,
        "qualify": None,
    }
    return json.dumps({"error": False, "statements": [{"node": node, "named_param_map": []}]})


_local = threading.local()


def scratch() -> duckdb.DuckDBPyConnection:
    """This thread's empty in-memory DuckDB, for parsing and describing; it holds no tables."""
    if not hasattr(_local, "connection"):
        _local.connection = duckdb.connect()
    return _local.connection
