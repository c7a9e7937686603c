"""Walking a qualified query's scopes once, inner first: the lineage of every result column.

A *scope* is one SELECT (or set operation, or ``unnest``) with the tables and inner
queries it reads (sqlglot's :mod:`~sqlglot.optimizer.scope`). :class:`Tracer` gives each
scope a :class:`ScopeResult`: the names of its result columns, the sources of each, and
the sources that decide its rows. An outer scope reads its inner ones' results, so one
pass over the scopes traces every column of the statement.

Sources are kept as a :data:`Lineage`, ``{(input column, subtype): description}``; using
a value in another expression composes lineages (:func:`compose`): a DIRECT use keeps the
stronger subtype (IDENTITY < TRANSFORMATION < AGGREGATION), an INDIRECT use (a filter, a
join key) makes the value's sources INDIRECT, and inner INDIRECT edges stay as they are.

Examples
--------
>>> from pipelinekit.lineage.model import Column
>>> amount = Column("orders", "amount")
>>> lineage = {}
>>> compose(lineage, "AGGREGATION", "sum(net)", {(amount, "TRANSFORMATION"): "amount * 0.9"})
>>> lineage
{(Column('orders.amount'), 'AGGREGATION'): 'sum(net)'}
>>> compose(lineage, "FILTER", "WHERE net > 0", {(amount, "TRANSFORMATION"): "amount * 0.9"})
>>> sorted(subtype for _, subtype in lineage)
['AGGREGATION', 'FILTER']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from pipelinekit.errors import (
    PipelinekitError,
    UnknownNameError,
    format_list,
    format_message,
    nearest,
)
from pipelinekit.lineage.model import DIRECT_SUBTYPES, INDIRECT_SUBTYPES, Column, Edge, Subtype
from pipelinekit.lineage.sql_pivot import Use, pivoted
from pipelinekit.lineage.sql_schema import Table

__all__ = [
    "Lineage",
    "ScopeResult",
    "SqlLineageError",
    "Tracer",
    "UnknownSqlNameError",
    "caret",
    "compose",
    "edges_into",
    "is_star",
    "merge",
    "unknown_column_error",
]

DIALECT = "duckdb"

_RANK = {"IDENTITY": 0, "TRANSFORMATION": 1, "AGGREGATION": 2}
#: (source column, subtype) -> description: how one value, or a scope's rows, came to be.
Lineage = dict[tuple[Column, Subtype], str]

#: Parts of an expression that decide its value rather than make it: (node, argument, how).
_DECIDERS: tuple[tuple[type[exp.Expr], str, Subtype], ...] = (
    (exp.Case, "this", "CONDITIONAL"),  # CASE status WHEN ...
    (exp.If, "this", "CONDITIONAL"),  # WHEN amount > 0 THEN ..., if(amount > 0, ...)
    (exp.Filter, "expression", "FILTER"),  # count(*) FILTER (WHERE ...)
    (exp.Order, "expressions", "SORT"),  # string_agg(x, ',' ORDER BY y)
)


class SqlLineageError(PipelinekitError, ValueError):
    """A query whose lineage cannot be read; ``snippet`` shows the spot, with a caret."""

    def __init__(
        self,
        found: str,
        expected: str | None = None,
        hint: str | None = None,
        *,
        snippet: str | None = None,
    ):
        self.snippet = snippet
        super().__init__(found, expected, hint)

    def __str__(self) -> str:
        message = format_message(self.found, self.expected, self.hint)
        if not self.snippet:
            return message
        head, sep, hint = message.partition("\n\nHint: ")
        return f"{head}\n\n{self.snippet}{sep}{hint}"


class UnknownSqlNameError(SqlLineageError, UnknownNameError):
    """A table or column the query names that its schema does not have."""


def caret(query: str, line: int | None, col: int | None, width: int = 1) -> str | None:
    """The line ``line`` of ``query`` with carets under the ``width`` characters ending at
    ``col`` (both 1-based, as sqlglot reports them)."""
    lines = query.splitlines()
    if not line or not col or line > len(lines):
        return None
    text = lines[line - 1]
    start = max(col - width, 0)
    return f"    {text}\n    {' ' * start}{'^' * max(min(width, len(text) - start), 1)}"


def is_star(node: exp.Expr) -> bool:
    """``*`` or ``t.*`` (with or without EXCLUDE / REPLACE)."""
    return isinstance(node, exp.Star) or (
        isinstance(node, exp.Column) and isinstance(node.this, exp.Star)
    )


# --------------------------------------------------------------------------- tracing
@dataclasses.dataclass
class ScopeResult:
    """A scope's result columns: names (as DuckDB shows them), lineage of each, of its rows."""

    names: list[str]
    columns: list[Lineage]
    rows: Lineage

    def find(self, name: str) -> int | None:
        lower = name.lower()
        return next((i for i, n in enumerate(self.names) if n.lower() == lower), None)


class Tracer:
    """Walks scopes inner first; ``results`` holds each scope's :class:`ScopeResult` by id."""

    def __init__(self, tables: Mapping[tuple, Table], text: str):
        self.tables = tables
        self.text = text
        self.results: dict[int, ScopeResult] = {}
        self.nested: dict[int, ScopeResult] = {}  # by id of a subquery's expression
        self.pivots: dict[int, ScopeResult] = {}  # by id of a PIVOT / UNPIVOT clause

    def trace(self, scope: Scope) -> None:
        node = scope.expression
        if isinstance(node, exp.SetOperation):
            result = self._set_operation(scope)
        elif isinstance(node, exp.Select):
            result = self._select(scope)
        elif isinstance(node, exp.Lateral) and scope.subquery_scopes:
            result = self.results[id(scope.subquery_scopes[0])]
        else:
            result = self._udtf(scope)
        self.results[id(scope)] = result
        self.nested[id(node)] = result

    # ---------------------------------------------------------------- scopes
    def _select(self, scope: Scope) -> ScopeResult:
        select = scope.expression
        result = ScopeResult([], [], {})
        for item in select.expressions:
            if is_star(item):
                for display, lineage in self._star(item, scope):
                    result.names.append(display)
                    result.columns.append(lineage)
                continue
            lineage = self._projection(item, scope)
            result.names.append(self._display(item, scope))
            result.columns.append(lineage)
        self.results[id(scope)] = result  # ORDER BY and GROUP BY may name result columns
        result.rows = self._rows(scope, result)
        return result

    def _set_operation(self, scope: Scope) -> ScopeResult:
        left, right = (self.results[id(s)] for s in scope.set_operation_scopes[:2])
        columns = []
        for position, lineage in enumerate(left.columns):
            merged = dict(lineage)
            if position < len(right.columns):
                merge(merged, right.columns[position])
            columns.append(merged)
        rows = dict(left.rows)
        merge(rows, right.rows)
        result = ScopeResult(list(left.names), columns, rows)
        node = scope.expression
        order = node.args.get("order")
        if order is not None and (scope.is_root or node.args.get("limit")):
            self.results[id(scope)] = result
            self._visit(order, scope, "SORT", _clause(order), rows)
        return result

    def _udtf(self, scope: Scope) -> ScopeResult:
        """``unnest(t.tags) AS u(tag)``, ``VALUES ...``: each column is computed from the
        columns its expressions read (none for literals)."""
        node = scope.expression
        names = node.alias_column_names or [node.alias_or_name or node.key]
        lineage: Lineage = {}
        for child in node.expressions:
            self._visit(child, scope, "TRANSFORMATION", child.sql(dialect=DIALECT), lineage)
        return ScopeResult(list(names), [dict(lineage) for _ in names], {})

    # ---------------------------------------------------------------- columns
    def _projection(self, item: exp.Expr, scope: Scope) -> Lineage:
        node = item.unalias()
        while isinstance(node, exp.Paren):
            node = node.this
        local: Subtype = "IDENTITY" if _is_copy(node) else "TRANSFORMATION"
        lineage: Lineage = {}
        self._visit(node, scope, local, sql_text(node), lineage)
        return lineage

    def _display(self, item: exp.Expr, scope: Scope) -> str:
        """The name DuckDB gives a result column: its alias as written, or a column's name
        in its table's own case."""
        if isinstance(item, exp.Alias):
            alias = item.args["alias"]
            if "display" in alias.meta:
                return str(alias.meta["display"])
            item = item.this
        if isinstance(item, exp.Coalesce) and _is_copy(item):
            item = item.this
        if isinstance(item, exp.Column):
            source = self._source(item, scope)
            if isinstance(source, Table):
                return source.column(item.name) or item.name
            if isinstance(source, ScopeResult) and (index := source.find(item.name)) is not None:
                return source.names[index]
        return item.alias_or_name

    def _star(self, item: exp.Expr, scope: Scope) -> Iterator[tuple[str, Lineage]]:
        """``t.*`` sqlglot left unexpanded (after a USING join, say)."""
        table = item.table if isinstance(item, exp.Column) else None
        names = [table] if table else list(scope.selected_sources)
        for name in names:
            source = self._named_source(name, scope)
            if isinstance(source, Table):
                for column in source.columns:
                    yield column, {(Column(source.name, column), "IDENTITY"): column}
            elif isinstance(source, ScopeResult):
                yield from zip(source.names, source.columns, strict=True)
            else:
                raise SqlLineageError(
                    f"The columns of '{name}' in '{sql_text(item)}' are not known",
                    "a table, view or query whose columns DuckDB can tell",
                    "name the columns (read_csv('f.csv') AS f(a, b)) or pass a connection"
                    " that can read the source",
                )

    def _visit(
        self, node: exp.Expr, scope: Scope, local: Subtype, description: str, out: Lineage
    ) -> None:
        """Add to ``out`` the sources of ``node``, used the way ``local`` says."""
        direct = local in DIRECT_SUBTYPES
        if isinstance(node, exp.Column):
            if isinstance(node.this, exp.Star):
                return
            compose(out, local, description, self._column(node, scope))
            return
        if isinstance(node, (exp.Subquery, exp.Query)):
            inner = node.this if isinstance(node, exp.Subquery) else node
            result = self.nested.get(id(inner))
            if result is not None:
                for lineage in (*result.columns, result.rows):
                    compose(out, local, description, lineage)
                return
        if direct and isinstance(node, exp.AggFunc):
            local = "AGGREGATION"
        if isinstance(node, exp.Window):
            self._visit(node.this, scope, local, description, out)
            for key in ("partition_by", "order"):
                for part in self._window_parts(node, scope, key):
                    how = _window_text(node) if direct else description
                    self._visit(part, scope, "WINDOW" if direct else local, how, out)
            return
        if direct and isinstance(node, exp.WithinGroup) and isinstance(node.expression, exp.Order):
            # percentile_cont(0.5) WITHIN GROUP (ORDER BY x): the ordered values are aggregated
            self._visit(node.this, scope, local, description, out)
            for ordered in node.expression.expressions:
                self._visit(ordered.this, scope, "AGGREGATION", description, out)
            return
        for kind, condition, subtype in _DECIDERS if direct else ():
            if isinstance(node, kind):
                for key, child in _arguments(node):
                    if key == condition:
                        self._visit(child, scope, subtype, _condition_text(node, child), out)
                    else:
                        self._visit(child, scope, local, description, out)
                return
        for child in node.iter_expressions():
            self._visit(child, scope, local, description, out)

    def _column(self, node: exp.Column, scope: Scope) -> Lineage:
        source = self._source(node, scope)
        if isinstance(source, Table):
            column = source.column(node.name)
            if column is None:
                raise self._unknown_column(node, scope)
            return {(Column(source.name, column), "IDENTITY"): column}
        if isinstance(source, ScopeResult):
            index = source.find(node.name)
            if index is None:
                raise self._unknown_column(node, scope)
            return source.columns[index]
        if source is None:
            raise self._unknown_column(node, scope)
        return {}  # a table function's column: no source

    def _source(self, node: exp.Column, scope: Scope) -> Table | ScopeResult | exp.Expr | None:
        """What a column reads: a table, an inner scope's result, or a table function."""
        if not node.table:
            # a result column named again (ORDER BY total, or GROUP BY ALL's expansion)
            own = self.results.get(id(scope))
            if own is not None and own.find(node.name) is not None:
                return own
            return None
        return self._named_source(node.table, scope)

    def _named_source(
        self, name: str, scope: Scope | None
    ) -> Table | ScopeResult | exp.Expr | None:
        while scope is not None:
            pivot = self._pivot_named(name, scope)
            if pivot is not None:
                return pivot
            source = scope.sources.get(name)
            if isinstance(source, Scope):
                return self.results.get(id(source))
            if isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
                key = tuple(p.name.lower() for p in source.parts)
                return self.tables.get(key) or source
            if source is not None:
                return source
            scope = scope.parent
        return None

    def _window_parts(self, node: exp.Window, scope: Scope, key: str) -> list[exp.Expr]:
        """PARTITION BY or ORDER BY of a window, looking up a named window (OVER w)."""
        value = node.args.get(key)
        parts: list[exp.Expr] = (
            list(value) if isinstance(value, list) else ([value] if value is not None else [])
        )
        name = node.args.get("alias") or (
            node.args.get("partition_by") is None and node.args.get("this_window")
        )
        if isinstance(name, exp.Identifier):
            for named in scope.expression.args.get("windows") or []:
                if named.name.lower() == name.name.lower():
                    parts.extend(self._window_parts(named, scope, key))
        return parts

    def _rows(self, scope: Scope, result: ScopeResult) -> Lineage:
        """The sources that decide which rows there are (every result column depends on them)."""
        select = scope.expression
        rows: Lineage = {}
        for _, source in scope.selected_sources.values():
            if isinstance(source, Scope) and id(source) in self.results:
                merge(rows, self.results[id(source)].rows)
        for pivot, owner in _pivots(scope):
            merge(rows, self._pivot(pivot, owner, scope).rows)
        for join in select.args.get("joins") or []:
            if join.args.get("on") is not None:
                self._visit(
                    join.args["on"], scope, "JOIN", f"JOIN ON {sql_text(join.args['on'])}", rows
                )
        for key in ("where", "having", "qualify"):
            clause = select.args.get(key)
            if clause is not None:
                self._visit(clause.this, scope, "FILTER", _clause(clause), rows)
        group = select.args.get("group")
        if group is not None:
            if group.args.get("all"):
                for item, lineage in zip(select.expressions, result.columns, strict=False):
                    if not item.find(exp.AggFunc):
                        compose(rows, "GROUP_BY", "GROUP BY ALL", lineage)
            self._visit(group, scope, "GROUP_BY", _clause(group), rows)
        distinct = select.args.get("distinct")
        if distinct is not None and distinct.args.get("on") is not None:
            self._visit(distinct.args["on"], scope, "GROUP_BY", _clause(distinct), rows)
        order = select.args.get("order")
        if order is not None and (scope.is_root or select.args.get("limit")):
            self._visit(order, scope, "SORT", _clause(order), rows)
        return rows

    def _pivot_named(self, name: str, scope: Scope) -> ScopeResult | None:
        """The result of ``FROM t PIVOT (...) AS name`` (or ``t``'s, unaliased), if any."""
        for pivot, owner in _pivots(scope):
            if (pivot.alias or owner).lower() == name.lower():
                return self._pivot(pivot, owner, scope)
        return None

    def _pivot(self, pivot: exp.Pivot, owner: str, scope: Scope) -> ScopeResult:
        """A PIVOT / UNPIVOT clause's result (see :mod:`~pipelinekit.lineage.sql_pivot`):
        its lineage over the columns of the table or query it follows, composed with
        theirs (``owner`` is the name of the table or query)."""
        if id(pivot) in self.pivots:
            return self.pivots[id(pivot)]
        source = scope.sources.get(owner)
        names: list[str]
        base: list[Lineage]
        if isinstance(source, exp.Table):
            table = self.tables[tuple(p.name.lower() for p in source.parts)]
            names = list(table.columns)
            base = [{(Column(table.name, c), "IDENTITY"): c} for c in names]
            rows: Lineage = {}
        elif isinstance(source, Scope) and id(source) in self.results:
            inner = self.results[id(source)]
            names, base, rows = inner.names, inner.columns, dict(inner.rows)
        else:
            raise SqlLineageError(
                f"The columns '{sql_text(pivot)}' reads are not known",
                "a PIVOT or UNPIVOT after a table or a subquery",
                "pivot a table or a subquery, not a table function",
            )
        shape = pivoted(pivot, names)
        columns = [_apply(uses, names, base) for uses in shape.columns]
        merge(rows, _apply(shape.rows, names, base))
        result = self.pivots[id(pivot)] = ScopeResult(shape.names, columns, rows)
        return result

    def _unknown_column(self, node: exp.Column, scope: Scope) -> SqlLineageError:
        """An error naming the nearest columns of the tables in scope (or the tables, when
        the column is in more than one)."""
        by_source: dict[str, list[str]] = {}
        for each in _chain(scope):
            for name in each.sources:
                source = self._named_source(name, each)
                if isinstance(source, Table):
                    by_source.setdefault(name, list(source.columns))
                elif isinstance(source, ScopeResult):
                    by_source.setdefault(name, list(source.names))
        if node.table and node.table in by_source:
            by_source = {node.table: by_source[node.table]}
        meta = node.this.meta
        snippet = caret(self.text, meta.get("line"), meta.get("col"), len(node.name))
        holders = [n for n, cols in by_source.items() if node.name.lower() in map(str.lower, cols)]
        if len(holders) > 1 and not node.table:
            return SqlLineageError(
                f"Column '{meta.get('display', node.name)}' is ambiguous: it is in"
                f" {format_list(holders)}",
                "a column name that only one table in scope has",
                f"name its table, as in {holders[0]}.{node.name}",
                snippet=snippet,
            )
        options = list(dict.fromkeys(c for cols in by_source.values() for c in cols))
        return unknown_column_error(node, options, snippet)


def unknown_column_error(
    node: exp.Column, options: list[str], snippet: str | None
) -> UnknownSqlNameError:
    shown = f"{node.table}.{node.name}" if node.table else node.name
    close = nearest(node.name, options)
    return UnknownSqlNameError(
        f"Unknown column '{shown}'",
        f"a column of the tables in scope: {format_list(options)}",
        f"did you mean {format_list(close)}?"
        if close
        else "check the spelling and the table the column belongs to",
        snippet=snippet,
    )


def _arguments(node: exp.Expr) -> Iterator[tuple[str, exp.Expr]]:
    """Each child expression of ``node`` with the name of its argument."""
    for key, value in node.args.items():
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, exp.Expr):
                yield key, child


def _pivots(scope: Scope) -> list[tuple[exp.Pivot, str]]:
    """The PIVOT / UNPIVOT clauses after the tables and subqueries a SELECT reads, each
    with the name of the one it follows."""
    select = scope.expression
    if not isinstance(select, exp.Select):
        return []
    return [
        (pivot, pivot.parent.alias_or_name)
        for pivot in select.find_all(exp.Pivot)
        if pivot.parent_select is select and pivot.parent is not None
    ]


def _apply(uses: list[Use], names: list[str], base: list[Lineage]) -> Lineage:
    """The lineage of a pivot's column made of input columns ``uses``, composed with the
    lineage ``base`` of the input's columns ``names``."""
    by_name = {n.lower(): lineage for n, lineage in zip(names, base, strict=True)}
    out: Lineage = {}
    for name, subtype, description in uses:
        if name.lower() not in by_name:
            raise unknown_column_error(exp.column(name), names, None)
        compose(out, subtype, description, by_name[name.lower()])
    return out


def _chain(scope: Scope | None) -> Iterator[Scope]:
    while scope is not None:
        yield scope
        scope = scope.parent


def _is_copy(node: exp.Expr) -> bool:
    """A bare column, or a USING join's merged column (COALESCE(a.id, b.id))."""
    if isinstance(node, exp.Column):
        return True
    if isinstance(node, exp.Coalesce):
        parts = [node.this, *node.expressions]
        return (
            all(isinstance(p, exp.Column) for p in parts)
            and len({p.name.lower() for p in parts}) == 1
        )
    return False


# --------------------------------------------------------------------------- lineage algebra
def _add(out: Lineage, source: Column, subtype: Subtype, description: str) -> None:
    """One DIRECT edge per source (the strongest), and each INDIRECT subtype once."""
    if subtype in DIRECT_SUBTYPES:
        for other in DIRECT_SUBTYPES:
            if (source, other) in out:
                if _RANK[other] >= _RANK[subtype]:
                    return
                del out[(source, other)]  # type: ignore[arg-type]
    out.setdefault((source, subtype), description)


def compose(out: Lineage, local: Subtype, description: str, lineage: Lineage) -> None:
    """Sources of a value used as ``local``: DIRECT keeps the stronger of the two ways,
    INDIRECT use turns its direct sources indirect, and inner INDIRECT edges stay."""
    for (source, subtype), inner in lineage.items():
        if subtype not in DIRECT_SUBTYPES:
            _add(out, source, subtype, inner)
        elif local not in DIRECT_SUBTYPES or _RANK[local] >= _RANK[subtype]:
            _add(out, source, local, description)
        else:
            _add(out, source, subtype, inner)


def merge(out: Lineage, lineage: Lineage) -> None:
    for (source, subtype), description in lineage.items():
        _add(out, source, subtype, description)


_EDGE_ORDER = {s: i for i, s in enumerate((*DIRECT_SUBTYPES, *INDIRECT_SUBTYPES))}


def edges_into(lineage: Lineage, target: Column) -> list[Edge]:
    """Edges into ``target``: DIRECT ones first, then INDIRECT ones by subtype; sources in
    the order the query met them within each subtype (sorting is stable)."""
    keys = sorted(
        lineage, key=lambda key: _EDGE_ORDER[key[1]] if key[1] in INDIRECT_SUBTYPES else 0
    )
    return [Edge(source, target, subtype, lineage[(source, subtype)]) for source, subtype in keys]


# --------------------------------------------------------------------------- text
def sql_text(node: exp.Expr) -> str:
    """An expression as DuckDB SQL, function names in lower case (as in DuckDB's names)."""
    return node.sql(dialect=DIALECT, normalize_functions="lower")


def _clause(node: exp.Expr) -> str:
    return sql_text(node).strip()


def _condition_text(node: exp.Expr, condition: exp.Expr) -> str:
    """How a condition decides a value: ``WHEN x > 0``, ``FILTER (WHERE ...)``, ``ORDER BY``."""
    if isinstance(node, exp.Filter):
        return f"FILTER ({sql_text(condition)})"
    if isinstance(node, exp.Order):
        return sql_text(node)[sql_text(node).find("ORDER BY") :]
    if isinstance(node, exp.Case) and condition is node.this:
        return f"CASE {sql_text(condition)}"
    return f"WHEN {sql_text(condition)}"


def _window_text(node: exp.Window) -> str:
    text = sql_text(node)
    return text[text.find(" OVER ") + 1 :] if " OVER " in text else text
