"""What ``PIVOT`` and ``UNPIVOT`` make of the table they follow: result columns and sources.

``FROM t UNPIVOT (value FOR name IN (a, b))`` melts columns into rows: its result is
the other columns of ``t`` (copied), ``name`` (the melted columns' names, a constant of
each branch: no source) and ``value`` (a copy of ``a`` or of ``b``). NULL values are
left out unless ``UNPIVOT INCLUDE NULLS``, so ``a`` and ``b`` decide the rows.

``FROM t PIVOT (sum(amount) FOR month IN ('2024-01', '2024-02'))`` spreads rows over
columns: one row per group of the other columns, and per key one column aggregating
``amount`` over the rows whose ``month`` is that key. (A ``GROUP BY`` inside the clause
is refused: sqlglot would still expand ``*`` to every other column.)

:func:`pivoted` reads the clause into a :class:`Pivoted`, in terms of the input's
column names; the tracer composes that with the lineage of the input's columns.
:func:`prepare_pivots` checks the clauses first (a mistake is a
:class:`~pipelinekit.errors.InvalidValueError`) and gives the pivot columns the names
DuckDB gives them, before sqlglot qualifies the query with them.

Examples
--------
>>> import sqlglot
>>> query = sqlglot.parse_one(
...     "SELECT * FROM wide UNPIVOT (amount FOR month IN (jan, feb))", read="duckdb"
... )
>>> melted = pivoted(query.find(exp.Pivot), ["region", "jan", "feb"])
>>> melted.names
['region', 'month', 'amount']
>>> melted.columns[2]
[('jan', 'IDENTITY', 'UNPIVOT jan'), ('feb', 'IDENTITY', 'UNPIVOT feb')]
>>> query = sqlglot.parse_one(
...     "SELECT * FROM sales PIVOT (sum(amount) FOR month IN ('jan', 'feb'))", read="duckdb"
... )
>>> prepare_pivots(query)
>>> spread = pivoted(query.find(exp.Pivot), ["region", "month", "amount"])
>>> spread.names
['region', 'jan', 'feb']
>>> for use in spread.columns[1]:
...     print(use)
('amount', 'AGGREGATION', "sum(amount) FOR month = 'jan'")
('month', 'FILTER', "FOR month = 'jan'")
"""

from __future__ import annotations

import dataclasses
import itertools

import duckdb
from sqlglot import exp

from pipelinekit.errors import InvalidValueError
from pipelinekit.lineage.model import Subtype
from pipelinekit.lineage.sql_schema import expression_names, scratch

__all__ = ["Pivoted", "Use", "pivoted", "prepare_pivots"]

_DIALECT = "duckdb"
#: One input column used by a result column: (its name, how, a description).
Use = tuple[str, Subtype, str]


@dataclasses.dataclass
class Pivoted:
    """The result of a PIVOT or UNPIVOT: column names, the input columns each is made
    of, and the input columns that decide its rows."""

    names: list[str]
    columns: list[list[Use]]
    rows: list[Use]


def pivoted(pivot: exp.Pivot, columns: list[str]) -> Pivoted:
    """Read ``pivot`` over an input with ``columns`` (after :func:`prepare_pivots`)."""
    if pivot.args.get("unpivot"):
        return _unpivoted(pivot, columns)
    return _pivoted(pivot, columns)


def prepare_pivots(query: exp.Expr) -> None:
    """Check every PIVOT and UNPIVOT of ``query`` can be read, and name each PIVOT's
    columns as DuckDB does: ``<key>`` for one unnamed aggregate, ``<key>_<alias or
    expression>`` otherwise, the keys of several ``IN`` lists joined by ``_`` (sqlglot
    writes ``count(*)`` where DuckDB writes ``count_star()``)."""
    for pivot in query.find_all(exp.Pivot):
        if pivot.args.get("unpivot"):
            _unpivoted(pivot, [])
            continue
        if pivot.args.get("group") is not None:  # sqlglot would keep the other columns too
            raise _unsupported(
                pivot.args["group"],
                "a PIVOT grouping by every other column",
                "select only the columns to keep first: FROM (SELECT region, month, amount"
                " FROM sales) PIVOT (...)",
            )
        names = _duckdb_names(pivot)
        pivot.set("columns", [exp.to_identifier(name, quoted=True) for name in names])


# --------------------------------------------------------------------------- UNPIVOT
def _unpivoted(pivot: exp.Pivot, columns: list[str]) -> Pivoted:
    (field,) = pivot.args["fields"]
    values = _names(pivot.expressions[0])
    melted = [
        _names(entry.this if isinstance(entry, exp.PivotAlias) else entry)
        for entry in field.expressions
    ]
    if any(len(group) != len(values) for group in melted):
        raise _unsupported(pivot, "one column per value column in each IN entry")
    used = {name.lower() for group in melted for name in group}
    kept = [c for c in columns if c.lower() not in used]
    copied: list[list[Use]] = [[(c, "IDENTITY", c)] for c in kept]
    result = Pivoted(names=[*kept, field.name, *values], columns=[*copied, []], rows=[])
    for position in range(len(values)):
        result.columns.append(
            [
                (_own(group[position], columns), "IDENTITY", f"UNPIVOT {group[position]}")
                for group in melted
            ]
        )
    if not pivot.args.get("include_nulls"):
        result.rows = [
            (_own(n, columns), "FILTER", "UNPIVOT leaves out NULLs") for g in melted for n in g
        ]
    return result


def _names(node: exp.Expr) -> list[str]:
    """``a``, ``(a, b)``: the column names of an UNPIVOT value or IN entry."""
    parts = node.expressions if isinstance(node, exp.Tuple) else [node]
    if not all(isinstance(part, (exp.Column, exp.Identifier)) for part in parts):
        raise _unsupported(node, "column names, such as IN (jan, feb)")
    return [part.name for part in parts]


# --------------------------------------------------------------------------- PIVOT
def _pivoted(pivot: exp.Pivot, columns: list[str]) -> Pivoted:
    fields = [_column_names(field.this) for field in pivot.args["fields"]]
    used = {n.lower() for names in fields for n in names}
    used |= {c.name.lower() for agg in pivot.expressions for c in agg.find_all(exp.Column)}
    kept = [c for c in columns if c.lower() not in used]
    named = [c.name for c in pivot.args.get("columns") or []]  # by prepare_pivots
    cells = _cells(pivot)
    if len(named) != len(cells):
        raise _unsupported(pivot, "a PIVOT read by prepare_pivots first")
    result = Pivoted([*kept, *named], [[(c, "IDENTITY", c)] for c in kept], [])
    for aggregate, condition in cells:
        uses: list[Use] = [
            (_own(column.name, columns), "AGGREGATION", f"{_sql(aggregate)} FOR {condition}")
            for column in aggregate.find_all(exp.Column)
        ]
        uses += [(_own(n, columns), "FILTER", f"FOR {condition}") for ns in fields for n in ns]
        result.columns.append(uses)
    result.rows = [(c, "GROUP_BY", "PIVOT groups by the other columns") for c in kept]
    return result


def _cells(pivot: exp.Pivot) -> list[tuple[exp.Expr, str]]:
    """Each pivot column's aggregate and condition on the keys, in DuckDB's order."""
    return [
        (aggregate.unalias(), condition)
        for _, condition in _combinations(pivot)
        for aggregate in pivot.expressions
    ]


def _duckdb_names(pivot: exp.Pivot) -> list[str]:
    """``<key>`` for one unnamed aggregate, ``<key>_<alias or expression>`` otherwise."""
    suffixes = [a.alias if isinstance(a, exp.Alias) else None for a in pivot.expressions]
    if len(suffixes) > 1:  # several aggregates: unnamed ones are named after themselves
        unnamed = [
            _sql(a) for a, suffix in zip(pivot.expressions, suffixes, strict=True) if not suffix
        ]
        names = iter(expression_names(unnamed))
        suffixes = [suffix or next(names) for suffix in suffixes]
    return [
        key + (f"_{suffix}" if suffix else "")
        for key, _ in _combinations(pivot)
        for suffix in suffixes
    ]


def _combinations(pivot: exp.Pivot) -> list[tuple[str, str]]:
    """Each combination of one key per ``IN`` list: its text, and its condition."""
    return [
        ("_".join(text for text, _ in keys), " AND ".join(where for _, where in keys))
        for keys in itertools.product(*[_keys(field) for field in pivot.args["fields"]])
    ]


def _keys(field: exp.In) -> list[tuple[str, str]]:
    """Each key of ``FOR month IN (...)``: its text in column names, and its condition."""
    entries = field.expressions
    if not entries or isinstance(entries[0], exp.Query):
        raise _unsupported(field, "the keys written out: FOR month IN ('jan', 'feb')")
    values = [e.this if isinstance(e, exp.PivotAlias) else e for e in entries]
    texts = _key_texts(values)
    return [
        (
            entry.alias if isinstance(entry, exp.PivotAlias) else text,
            f"{_sql(field.this)} = {_sql(value)}",
        )
        for entry, value, text in zip(entries, values, texts, strict=True)
    ]


def _key_texts(keys: list[exp.Expr]) -> list[str]:
    """A key as DuckDB writes it in a column name: its value cast to text."""
    texts: list[str | None] = [
        k.this if isinstance(k, exp.Literal) and k.is_string else None for k in keys
    ]
    others = [k for k, text in zip(keys, texts, strict=True) if text is None]
    if others:
        casts = ", ".join(f"CAST({_sql(k)} AS VARCHAR)" for k in others)
        try:
            row = scratch().execute(f"SELECT {casts}").fetchall()[0]
        except duckdb.Error as error:
            raise _unsupported(keys[0], "constant keys: text, numbers, dates") from error
        values = iter(row)
        texts = [text if text is not None else (next(values) or "NULL") for text in texts]
    return [str(text) for text in texts]


# --------------------------------------------------------------------------- helpers
def _column_names(node: exp.Expr) -> list[str]:
    return [
        column.name
        for column in ([node] if isinstance(node, exp.Column) else node.find_all(exp.Column))
    ]


def _own(name: str, columns: list[str]) -> str:
    """``name`` in the input's own case (DuckDB ignores case in names)."""
    return next((c for c in columns if c.lower() == name.lower()), name)


def _sql(node: exp.Expr) -> str:
    return node.sql(dialect=_DIALECT, normalize_functions="lower")


def _unsupported(
    node: exp.Expr,
    expected: str,
    hint: str = "write the columns and keys out, or trace the query without the pivot",
) -> InvalidValueError:
    return InvalidValueError(
        f"The PIVOT/UNPIVOT part '{_sql(node)}' is not one lineage can read", expected, hint
    )
