"""Column lineage of DuckDB SQL: where each result column came from, read from the query text.

:func:`sql_lineage` parses one statement with sqlglot, qualifies every column against the
tables' schemas (``sqlglot.optimizer.qualify``) and walks the query's scopes once, inner
ones (CTEs, subqueries, set-operation branches) before the ones that read them. Each
scope's result column gets its sources: DIRECT edges for the values it is made of, INDIRECT
edges for the columns that decide its rows (``WHERE``, ``JOIN ... ON``, ``GROUP BY``,
``ORDER BY``) or its branch (``CASE WHEN``) or window (``OVER (PARTITION BY ...)``).
``PIVOT`` and ``UNPIVOT`` clauses are read by :mod:`~pipelinekit.lineage.sql_pivot`.

Examples
--------
>>> step = sql_lineage(
...     "CREATE TABLE paid AS "
...     "SELECT customer_id, sum(amount) AS revenue FROM orders "
...     "WHERE status = 'paid' GROUP BY customer_id",
...     schema={"orders": ["order_id", "customer_id", "amount", "status"]},
... )
>>> step.outputs
{'paid': ['customer_id', 'revenue']}
>>> for edge in step.edges:
...     print(edge.source.id, "->", edge.target.id, edge.subtype)
orders.customer_id -> paid.customer_id IDENTITY
orders.status -> paid.customer_id FILTER
orders.customer_id -> paid.customer_id GROUP_BY
orders.amount -> paid.revenue AGGREGATION
orders.status -> paid.revenue FILTER
orders.customer_id -> paid.revenue GROUP_BY
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from functools import lru_cache

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope
from sqlglot.schema import MappingSchema

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.lineage.model import Column, StepRecord
from pipelinekit.lineage.sql_pivot import prepare_pivots
from pipelinekit.lineage.sql_schema import (
    Catalog,
    SchemaLike,
    Table,
    deduplicate,
    duckdb_names,
)
from pipelinekit.lineage.sql_scopes import (
    DIALECT,
    Lineage,
    ScopeResult,
    SqlLineageError,
    Tracer,
    UnknownSqlNameError,
    caret,
    edges_into,
    is_star,
    merge,
    unknown_column_error,
)

__all__ = ["SqlLineageError", "UnknownSqlNameError", "sql_lineage", "writes_table"]

_TRACED = "SELECT, CREATE TABLE/VIEW ... AS SELECT and INSERT INTO ... SELECT"


def sql_lineage(
    query: str,
    *,
    schema: SchemaLike | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
    name: str | None = None,
    output: str | None = None,
) -> StepRecord:
    """Column lineage of one DuckDB SQL statement, as a :class:`StepRecord`.

    Parameters
    ----------
    query : str
        One ``SELECT`` (with CTEs, subqueries, set operations, windows ...),
        ``CREATE [OR REPLACE] TABLE/VIEW name AS SELECT`` or ``INSERT INTO name SELECT``.
    schema : mapping, optional
        Table name -> its column names (or -> ``{column: type}``); it wins over the
        connection for the names it has.
    connection : duckdb connection, optional
        Its tables and views (any schema or attached database) give the other schemas.
    name : str, optional
        The step's name; the output dataset's name by default.
    output : str, optional
        The output dataset of a plain query (``"result"`` by default); a statement that
        writes a table writes that table.

    Returns
    -------
    StepRecord
        Inputs: every table read, with all its columns. Outputs: the result's columns,
        named as DuckDB names them (``sum(amount)``, ``a_1`` for a second ``a``).

    Raises
    ------
    SqlLineageError
        The text does not parse (the message points at the spot), holds more than one
        statement, or is not a query.
    UnknownSqlNameError
        A table or a column that is not in the schema; the message names the nearest.

    Examples
    --------
    >>> step = sql_lineage(
    ...     "SELECT o.id, c.name, o.amount * 0.9 AS net "
    ...     "FROM orders o JOIN customers c ON o.customer_id = c.id",
    ...     schema={"orders": ["id", "customer_id", "amount"], "customers": ["id", "name"]},
    ... )
    >>> step.sources_of("result.net")
    [Column('orders.amount')]
    >>> sorted(c.id for c in step.sources_of("result.net", indirect=True))
    ['customers.id', 'orders.amount', 'orders.customer_id']
    """
    statement = _parse(query)
    target = _Target.of(statement, query)
    catalog = Catalog.build(schema, connection)
    tables = _resolve_tables(target.query, catalog, query)
    _describe_table_functions(target.query, catalog)
    _keep_display_names(target.query)
    _name_unnamed(target)
    _prepare_pivots(target.query)
    scopes = _qualify(target.query, tables, query)
    tracer = Tracer(tables, query)
    for scope in scopes:
        tracer.trace(scope)
    root = tracer.results[id(scopes[-1])]

    dataset, columns, written = _outputs(target, catalog, root, output)
    edges = []
    for position, column in enumerate(written):
        lineage: Lineage = dict(root.columns[position])
        merge(lineage, root.rows)
        edges.extend(edges_into(lineage, Column(dataset, column)))
    return StepRecord(
        name or dataset,
        inputs={table.name: list(table.columns) for table in tables.values()},
        outputs={dataset: columns},
        edges=edges,
        kind="sql",
        sql=query,
    )


def writes_table(query: str) -> bool:
    """Whether ``query`` writes a table (``CREATE ... AS``, ``INSERT INTO``) rather than
    returning a result; read from its first keyword, without parsing.

    Examples
    --------
    >>> writes_table("CREATE OR REPLACE TABLE t AS SELECT 1"), writes_table("SELECT 1")
    (True, False)
    """
    try:
        tokens = sqlglot.Dialect.get_or_raise(DIALECT).tokenize(query)
    except sqlglot.errors.TokenError:
        return False
    first = tokens[0].token_type if tokens else None
    return first in (sqlglot.TokenType.CREATE, sqlglot.TokenType.INSERT)


# --------------------------------------------------------------------------- the statement
def _parse(query: str) -> exp.Expr:
    """The one statement of ``query``, or an error that points at the problem."""
    try:
        statements = [s for s in sqlglot.parse(query, read=DIALECT) if s is not None]
    except ParseError as error:
        detail = error.errors[0] if error.errors else {}
        line, col = detail.get("line"), detail.get("col")
        where = f" at line {line}, column {col}" if line else ""
        raise SqlLineageError(
            f"The query does not parse{where}: {detail.get('description', error)}",
            "one DuckDB SQL statement",
            "look where the caret points: a missing comma, a misspelt keyword or a"
            " bracket left open are the usual causes",
            snippet=caret(query, line, col, len(detail.get("highlight") or " ")),
        ) from error
    if len(statements) != 1:
        raise SqlLineageError(
            f"The query holds {len(statements)} statements",
            "exactly one statement",
            "trace each statement with its own sql_lineage call",
        )
    return statements[0]


@dataclasses.dataclass
class _Target:
    """What a statement reads (a query) and writes (a table, or a result)."""

    query: exp.Query
    writes: tuple[str, ...] | None  # the name parts of the table written, if any
    columns: list[str] | None  # a column list the statement gives the written table
    insert: bool
    by_name: bool
    text: str | None  # the query's own text, when it can be cut out of the statement
    offset: int = 0  # where that text starts in the statement

    @classmethod
    def of(cls, statement: exp.Expr, query: str) -> _Target:
        if isinstance(statement, exp.Query):
            return cls(statement, None, None, False, False, query, 0)
        if isinstance(statement, exp.Create) and isinstance(statement.expression, exp.Query):
            parts, columns = _table_parts(statement.this)
            return cls(statement.expression, parts, columns, False, False, *_query_text(query))
        if isinstance(statement, exp.Insert) and isinstance(statement.expression, exp.Query):
            parts, columns = _table_parts(statement.this)
            by_name = bool(statement.args.get("by_name"))
            return cls(statement.expression, parts, columns, True, by_name, *_query_text(query))
        kind = statement.key.upper() if isinstance(statement, exp.Expr) else "?"
        if isinstance(statement, exp.Command):
            kind = str(statement.this).upper()
        raise SqlLineageError(
            f"The statement is a {kind}, which reads no columns into a result",
            f"a query: {_TRACED}",
            "lineage follows data into a result or a table; trace the SELECT that feeds it",
        )


def _table_parts(node: exp.Expr) -> tuple[tuple[str, ...], list[str] | None]:
    columns = None
    if isinstance(node, exp.Schema):
        columns = [e.name for e in node.expressions if isinstance(e, exp.Identifier)]
        node = node.this
    assert isinstance(node, exp.Table)
    return tuple(p.name for p in node.parts), columns or None


def _query_text(statement: str) -> tuple[str | None, int]:
    """The query of ``CREATE ... AS <query>`` or ``INSERT INTO ... <query>``, cut from the
    statement's text, and where it starts (DuckDB names result columns from it)."""
    tokens = sqlglot.Dialect.get_or_raise(DIALECT).tokenize(statement)
    starts = {sqlglot.TokenType.SELECT, sqlglot.TokenType.WITH, sqlglot.TokenType.FROM}
    depth = 0
    for token, following in zip(tokens[1:], tokens[2:], strict=False):
        opens = token.token_type == sqlglot.TokenType.L_PAREN
        if depth == 0 and (token.token_type in starts or opens and following.token_type in starts):
            return statement[token.start :], token.start
        depth += opens - (token.token_type == sqlglot.TokenType.R_PAREN)
    return None, 0


# --------------------------------------------------------------------------- preparing
def _resolve_tables(query: exp.Query, catalog: Catalog, text: str) -> dict[tuple, Table]:
    """Find every table the query reads, and name each in full (catalog.schema.table)."""
    ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    found: dict[tuple, Table] = {}
    for node in query.find_all(exp.Table):
        if not isinstance(node.this, exp.Identifier):
            continue  # a table function
        if not node.args.get("db") and node.name.lower() in ctes:
            continue
        parts = [p.name for p in node.parts]
        try:
            table = catalog.find(parts)
        except UnknownNameError as error:  # say where, with a caret
            meta = node.this.meta
            raise UnknownSqlNameError(
                error.found,
                error.expected,
                error.hint,
                snippet=caret(text, meta.get("line"), meta.get("col"), len(node.name)),
            ) from None
        found.setdefault(table.key, table)
        if not node.alias:
            node.set("alias", exp.TableAlias(this=exp.to_identifier(node.name)))
        node.set("catalog", exp.to_identifier(table.key[0]))
        node.set("db", exp.to_identifier(table.key[1]))
        node.set("this", exp.to_identifier(table.key[2]))
    return found


def _describe_table_functions(query: exp.Query, catalog: Catalog) -> None:
    """Give ``read_csv(...)``, ``range(...)``, ``VALUES`` ... the columns DuckDB sees."""
    for number, node in enumerate(query.find_all(exp.Table, exp.Unnest, exp.Values)):
        is_function = isinstance(node, exp.Table) and not isinstance(node.this, exp.Identifier)
        if not (is_function or isinstance(node, (exp.Unnest, exp.Values))):
            continue
        if node.alias_column_names or not isinstance(node.parent, (exp.From, exp.Join)):
            continue
        columns = catalog.describe(node.sql(dialect=DIALECT))
        if columns is None:
            continue
        alias = node.args.get("alias") or exp.TableAlias(
            this=exp.to_identifier(f"_source_{number}")
        )
        alias.set("columns", [_identifier(c) for c in columns])
        node.set("alias", alias)


def _identifier(name: str) -> exp.Identifier:
    identifier = exp.to_identifier(name, quoted=True)
    identifier.meta["display"] = name
    return identifier


def _keep_display_names(query: exp.Query) -> None:
    """Remember every name as written: sqlglot lower-cases them, DuckDB keeps their case."""
    for identifier in query.find_all(exp.Identifier):
        identifier.meta.setdefault("display", identifier.this)


def _name_unnamed(target: _Target) -> None:
    """Alias each unnamed computed column with the name DuckDB gives it (``sum(amount)``),
    read by DuckDB's parser from the text as written (see :func:`duckdb_names`)."""
    first: exp.Expr = target.query
    while isinstance(first, (exp.SetOperation, exp.Subquery)):
        first = first.this
    top: list[tuple[int, exp.Expr]] = []
    inner: list[exp.Expr] = []
    for select in target.query.find_all(exp.Select):
        for position, item in enumerate(select.expressions):
            if isinstance(item, (exp.Alias, exp.Column)) or is_star(item):
                continue
            if select is first:
                top.append((position, item))
            else:
                inner.append(item)
    if not top and not inner:
        return
    top_names, inner_names = duckdb_names(
        target.text,
        [(position, item.sql(dialect=DIALECT)) for position, item in top],
        [(_positions(item), item.sql(dialect=DIALECT)) for item in inner],
        offset=target.offset,
    )
    named = zip([item for _, item in top] + inner, top_names + inner_names, strict=True)
    for item, name in named:
        item.replace(exp.Alias(this=item.copy(), alias=_identifier(name)))


def _prepare_pivots(query: exp.Query) -> None:
    """Check the PIVOT / UNPIVOT clauses and name PIVOT columns (:func:`prepare_pivots`)."""
    try:
        prepare_pivots(query)
    except InvalidValueError as error:
        raise SqlLineageError(error.found, error.expected, error.hint) from error


def _positions(node: exp.Expr) -> frozenset[int]:
    """Where the names and literals inside ``node`` start in the statement's text."""
    return frozenset(
        n.meta["start"] for n in node.find_all(exp.Identifier, exp.Literal) if "start" in n.meta
    )


def _qualify(query: exp.Query, tables: Mapping[tuple, Table], text: str) -> list[Scope]:
    """Qualify every column with its table (sqlglot), then the query's scopes, inner first."""
    mapping: dict = {}
    for (catalog, db, name), table in tables.items():
        mapping.setdefault(catalog, {}).setdefault(db, {})[name] = {
            column: _type(table.types.get(column, "")) for column in table.columns
        }
    try:
        qualify(
            query,
            dialect=DIALECT,
            schema=MappingSchema(mapping, dialect=DIALECT),
            validate_qualify_columns=False,
            quote_identifiers=False,
            identify=False,
        )
    except OptimizeError as error:
        unknown = _UNKNOWN_COLUMN.match(str(error))
        if unknown:
            raise _unknown_qualified_column(query, tables, unknown.group(1), text) from None
        raise _unresolved(error) from error
    except (AssertionError, KeyError, ValueError) as error:
        raise _unresolved(error) from error
    return traverse_scope(query)


_UNKNOWN_COLUMN = re.compile(r"Unknown column: (.+)$")


def _unknown_qualified_column(
    query: exp.Query, tables: Mapping[tuple, Table], name: str, text: str
) -> UnknownSqlNameError:
    """``o.amout``: sqlglot stops at a table's column it does not know; name the nearest of
    that table's columns."""
    for node in query.find_all(exp.Column):
        if node.name.lower() != name.lower() or not node.table:
            continue
        select = node.find_ancestor(exp.Select)
        sources = (
            []
            if select is None
            else [
                s
                for s in select.find_all(exp.Table)
                if s.alias_or_name.lower() == node.table.lower()
            ]
        )
        options = [
            c
            for source in sources
            for key in [tuple(p.name.lower() for p in source.parts)]
            if key in tables
            for c in tables[key].columns
        ] or [c for table in tables.values() for c in table.columns]
        meta = node.this.meta
        return unknown_column_error(
            node, options, caret(text, meta.get("line"), meta.get("col"), len(node.name))
        )
    return unknown_column_error(exp.column(name), [], None)


def _unresolved(error: Exception) -> SqlLineageError:
    return SqlLineageError(
        f"sqlglot could not resolve the query's columns: {error}",
        "a query whose every column belongs to one table in scope",
        "name the table of each column (o.amount) and alias computed columns",
    )


@lru_cache(maxsize=512)
def _type(duckdb_type: str) -> str:
    """A DuckDB type sqlglot can read, or UNKNOWN."""
    if not duckdb_type:
        return "UNKNOWN"
    try:
        exp.DataType.build(duckdb_type, dialect=DIALECT)
    except (ParseError, ValueError):
        return "UNKNOWN"
    return duckdb_type


# --------------------------------------------------------------------------- output
def _outputs(
    target: _Target, catalog: Catalog, root: ScopeResult, output: str | None
) -> tuple[str, list[str], list[str]]:
    """The dataset written, its columns, and the column each result column goes to."""
    names = deduplicate(root.names)
    if target.writes is None:
        return output or "result", names, names
    table = catalog.get(target.writes)
    dataset = table.name if table is not None else catalog.display(target.writes)
    if table is None or not target.insert:
        written = (target.columns or names)[: len(names)]
        return dataset, list(target.columns or names), written
    if target.columns:
        written = [table.column(c) or c for c in target.columns]
    elif target.by_name:
        written = [table.column(c) or c for c in names]
    else:
        written = table.columns[: len(names)]
    return dataset, list(dict.fromkeys([*table.columns, *written])), written
