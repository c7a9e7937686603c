"""Rules as SQL: what each rule asks of a table, written for DuckDB or PostgreSQL.

Every :class:`~pipelinekit.quality.rule.Rule` compiles to plain SQL a learner can read
and copy:

* a **row** rule to a *failing-rows condition* — ``amount < 0 OR amount > 5000`` —
  counted with ``count(*) FILTER (WHERE ...)`` and used again to fetch a sample of the
  failing rows;
* a **metric** rule to one aggregate expression — ``avg(amount)``;
* a **schema** rule to the query listing the table's columns and types.

The SQL is written per dialect where the two differ (regular expressions
``regexp_matches`` / ``~``, ``quantile_cont`` / ``percentile_cont ... WITHIN GROUP``,
seconds between timestamps ``epoch`` / ``extract(epoch FROM ...)``, ``VARCHAR`` /
``TEXT``); nothing is translated by guesswork. :func:`rule_sql` shows it;
:mod:`.check` runs it, all the rules of one table in one aggregate query
(:func:`aggregate_query`).

A NULL makes a failing-rows condition NULL, and ``FILTER (WHERE ...)`` counts only TRUE,
so a NULL in the checked column passes — the meaning of a SQL ``CHECK`` constraint.

Examples
--------
>>> from pipelinekit.quality.rule import Rule
>>> print(rule_sql(Rule("between", column="amount", min=0, max=5000), table="orders"))
-- between(amount): count the failing rows
SELECT
  count(*) AS rows,
  count(*) FILTER (WHERE amount < 0 OR amount > 5000) AS failing
FROM orders;
<BLANKLINE>
-- a sample of the failing rows
SELECT *
FROM orders
WHERE amount < 0 OR amount > 5000
LIMIT 5;
>>> rule = Rule("matches_regex", column="email", pattern="^[^@ ]+@[^@ ]+$")
>>> compile_rule(rule, "customers", dialect="postgres").predicate
"email !~ '^[^@ ]+@[^@ ]+$'"
>>> compile_rule(Rule("quantile_between", column="amount", q=0.99, max=900), "orders",
...              dialect="postgres").value
'percentile_cont(0.99) WITHIN GROUP (ORDER BY amount)'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from pipelinekit.catalog.families import type_family
from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.rule import Rule, duration_seconds

__all__ = [
    "CAST_PATTERNS",
    "CompiledRule",
    "Dialect",
    "aggregate_query",
    "columns_query",
    "columns_used",
    "compile_rule",
    "ident",
    "literal",
    "rule_sql",
    "timestamp_literal",
]

Dialect = Literal["duckdb", "postgres"]
DIALECTS: tuple[Dialect, ...] = ("duckdb", "postgres")

_DATE = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
#: One regular expression per type of ``castable_to``: the same text for every engine
#: (ASCII classes only, as Python, RE2 and PostgreSQL read them alike).
CAST_PATTERNS: dict[str, str] = {
    "integer": r"^[+-]?[0-9]+$",
    "number": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$",
    "date": rf"^{_DATE}$",
    "timestamp": rf"^{_DATE}[ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
    "boolean": r"^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[TtFf01]|[Yy][Ee][Ss]|[Nn][Oo])$",
}

#: Words that must be quoted when used as a name: the reserved words of DuckDB and
#: PostgreSQL, and those that may name a function or type but not a column (``at``, ``is``).
_RESERVED = frozenset(
    [
        "all",
        "analyse",
        "analyze",
        "and",
        "anti",
        "any",
        "array",
        "as",
        "asc",
        "asof",
        "asymmetric",
        "at",
        "authorization",
        "binary",
        "both",
        "by",
        "case",
        "cast",
        "check",
        "collate",
        "collation",
        "column",
        "constraint",
        "concurrently",
        "create",
        "cross",
        "current_catalog",
        "current_date",
        "current_role",
        "current_schema",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "deferrable",
        "desc",
        "describe",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "freeze",
        "from",
        "full",
        "glob",
        "grant",
        "group",
        "having",
        "ilike",
        "in",
        "initially",
        "inner",
        "intersect",
        "into",
        "is",
        "isnull",
        "join",
        "lambda",
        "lateral",
        "leading",
        "left",
        "like",
        "limit",
        "localtime",
        "localtimestamp",
        "natural",
        "not",
        "notnull",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "outer",
        "overlaps",
        "pivot",
        "pivot_longer",
        "pivot_wider",
        "placing",
        "positional",
        "primary",
        "qualify",
        "references",
        "returning",
        "right",
        "select",
        "semi",
        "session_user",
        "show",
        "similar",
        "some",
        "summarize",
        "symmetric",
        "table",
        "tablesample",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "unpivot",
        "user",
        "using",
        "variadic",
        "verbose",
        "when",
        "where",
        "window",
        "with",
    ]
)
_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")


def ident(name: str) -> str:
    """A table or column name as SQL writes it: quoted only when it must be.

    A dotted name (``shop.orders``) is a schema-qualified table; each part is quoted on
    its own.

    Examples
    --------
    >>> ident("amount"), ident("Order ID"), ident("order"), ident("shop.orders")
    ('amount', '"Order ID"', '"order"', 'shop.orders')
    """
    if "." in name and all(part for part in name.split(".")):
        return ".".join(ident(part) for part in name.split("."))
    if _PLAIN.match(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A Python value as a SQL literal (strings quoted, quotes doubled).

    Examples
    --------
    >>> literal("O'Brien"), literal(3), literal(2.5), literal(True), literal(None)
    ("'O''Brien'", '3', '2.5', 'TRUE', 'NULL')
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating | decimal.Decimal):
        return repr(float(value)) if isinstance(value, float | np.floating) else str(value)
    if isinstance(value, pd.Timestamp | dt.datetime):
        return timestamp_literal(pd.Timestamp(value))
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def timestamp_literal(now: pd.Timestamp, *, aware: bool = False) -> str:
    """A timestamp literal; ``aware=True`` for a column with a time zone.

    A naive time is taken as UTC next to a column with a time zone; a time with a zone
    is converted to UTC next to a naive column.

    Examples
    --------
    >>> timestamp_literal(pd.Timestamp("2024-06-01 12:00"))
    "TIMESTAMP '2024-06-01 12:00:00'"
    >>> timestamp_literal(pd.Timestamp("2024-06-01 14:00+02:00"))
    "TIMESTAMP '2024-06-01 12:00:00'"
    >>> timestamp_literal(pd.Timestamp("2024-06-01 12:00"), aware=True)
    "TIMESTAMPTZ '2024-06-01 12:00:00+00:00'"
    """
    utc = now.tz_convert("UTC") if now.tzinfo is not None else now
    text = utc.tz_localize(None).isoformat(sep=" ")
    return f"TIMESTAMPTZ '{text}+00:00'" if aware else f"TIMESTAMP '{text}'"


@dataclasses.dataclass(frozen=True)
class CompiledRule:
    """The SQL of one rule on one table, in one dialect.

    Attributes
    ----------
    rule : Rule
        The rule.
    table : str
        The table, as SQL writes its name.
    dialect : {"duckdb", "postgres"}
        The SQL dialect.
    failing : str, optional
        Row rules: an aggregate expression counting the failing rows.
    predicate : str, optional
        Row rules with a per-row condition: the condition that makes a row fail.
    sample : str, optional
        Row rules: a query listing the failing rows (add ``LIMIT n``).
    value : str, optional
        Metric rules: the aggregate expression giving the value.
    schema : str, optional
        Schema rules: the query listing the table's columns and types.
    """

    rule: Rule
    table: str
    dialect: Dialect
    failing: str | None = None
    predicate: str | None = None
    sample: str | None = None
    value: str | None = None
    schema: str | None = None

    def sample_query(self, limit: int | None = 5) -> str:
        """The query of the failing rows, at most ``limit`` of them (None: all)."""
        if self.sample is None:
            raise InvalidValueError(
                f"Rule {self.rule.name} has no failing rows to list",
                "a row rule (metric and schema rules check the whole table)",
                "read the result's message and value instead",
            )
        return self.sample + ("" if limit is None else f"\nLIMIT {int(limit)}")

    def text(self, sample: int | None = 5) -> str:
        """The SQL a learner can copy: the count query, then the sample query."""
        name = self.rule.name
        if self.schema is not None:
            return f"-- {name}: the table's columns and their types\n{self.schema};"
        if self.value is not None:
            bounds = _bounds_text(self.rule)
            return (
                f"-- {name}: the value, which must lie within {bounds}\n"
                f"SELECT\n  count(*) AS rows,\n  {self.value} AS value\nFROM {self.table};"
            )
        return (
            f"-- {name}: count the failing rows\n"
            f"SELECT\n  count(*) AS rows,\n  {self.failing} AS failing\nFROM {self.table};\n\n"
            f"-- a sample of the failing rows\n{self.sample_query(sample)};"
        )


def compile_rule(
    rule: Rule,
    table: str | None = None,
    *,
    dialect: Dialect = "duckdb",
    now: pd.Timestamp | str | None = None,
    types: Mapping[str, str] | None = None,
) -> CompiledRule:
    """Compile ``rule`` to SQL on ``table`` (default: the rule's table, else ``data``).

    Parameters
    ----------
    rule : Rule
        The rule.
    table : str, optional
        The table's name; a dotted name is schema-qualified.
    dialect : {"duckdb", "postgres"}
        Which SQL to write.
    now : Timestamp or str, optional
        The reference time of ``freshness`` and ``not_future`` (a rule's own ``now``
        wins); without one the SQL uses ``CURRENT_TIMESTAMP``.
    types : mapping of str to str, optional
        The table's column types as the database names them; text functions then cast
        columns that do not hold text, and dates become timestamps where times are
        subtracted.

    Examples
    --------
    >>> compile_rule(Rule("not_null", column="email"), "customers").failing
    'count(*) FILTER (WHERE email IS NULL)'
    >>> compile_rule(Rule("mean_between", column="amount", min=10), "orders").value
    'avg(amount)'
    """
    if dialect not in DIALECTS:
        raise UnknownNameError.for_name(dialect, DIALECTS, kind="SQL dialect")
    name = table or rule.table or "data"
    ctx = _Context(rule, name, ident(name), dialect, _now(rule, now), dict(types or {}))
    return _COMPILERS[rule.kind](ctx)


def rule_sql(
    rule: Rule,
    table: str | None = None,
    dialect: Dialect = "duckdb",
    *,
    now: pd.Timestamp | str | None = None,
    sample: int | None = 5,
) -> str:
    """The SQL that checks ``rule``, to read or copy into a SQL console.

    Examples
    --------
    >>> print(rule_sql(Rule("quantile_between", column="amount", q=0.5, max=100), "orders"))
    -- quantile_between(amount): the value, which must lie within [-inf, 100]
    SELECT
      count(*) AS rows,
      quantile_cont(amount, 0.5) AS value
    FROM orders;
    """
    return compile_rule(rule, table, dialect=dialect, now=now).text(sample)


def aggregate_query(compiled: Sequence[CompiledRule], table: str) -> str:
    """One query computing the failing count or value of every rule on ``table``.

    Column ``rows`` is the row count; column ``r{i}`` answers ``compiled[i]`` (NULL for
    a schema rule, which is answered from the column list).

    Examples
    --------
    >>> rules = [Rule("not_null", column="a"), Rule("mean_between", column="a", min=0)]
    >>> print(aggregate_query([compile_rule(r, "t") for r in rules], "t"))
    SELECT
      count(*) AS rows,
      count(*) FILTER (WHERE a IS NULL) AS r0,
      avg(a) AS r1
    FROM t
    """
    items = ["count(*) AS rows"]
    for i, part in enumerate(compiled):
        items.append(f"{part.failing or part.value or 'NULL'} AS r{i}")
    return "SELECT\n  " + ",\n  ".join(items) + f"\nFROM {ident(table)}"


def columns_query(table: str, dialect: Dialect) -> str:
    """The query listing ``table``'s columns and types, in order.

    Examples
    --------
    >>> columns_query("orders", "duckdb")
    'DESCRIBE orders'
    >>> print(columns_query("shop.orders", "postgres"))
    SELECT column_name, data_type
    FROM information_schema.columns
    WHERE table_schema = 'shop' AND table_name = 'orders'
    ORDER BY ordinal_position
    """
    if dialect == "duckdb":
        return f"DESCRIBE {ident(table)}"
    schema, _, name = table.rpartition(".")
    where = literal(schema) if schema else "current_schema()"
    return (
        "SELECT column_name, data_type\nFROM information_schema.columns\n"
        f"WHERE table_schema = {where} AND table_name = {literal(name)}\n"
        "ORDER BY ordinal_position"
    )


def columns_used(rule: Rule) -> dict[str | None, tuple[str, ...]]:
    """The columns a rule names, by table (``None``: the rule's own table).

    Columns inside SQL text (``conditional``, ``sql_predicate``, ``reconcile_totals``'
    expression) are not listed: the database checks those.

    Examples
    --------
    >>> columns_used(Rule("foreign_key", column="customer_id", to="customers.id"))
    {None: ('customer_id',), 'customers': ('id',)}
    """
    if rule.kind == "columns_present":  # its columns are what it looks for
        return {None: ()}
    own = list(rule.columns)
    params = rule.params
    if rule.kind == "compare_columns":
        own.append(params["other"])
    if rule.kind == "max_delay":
        own.append(params["since"])
    used: dict[str | None, tuple[str, ...]] = {}
    if rule.kind == "reconcile_totals":
        own.append(params["key"])
        used[str(params["parts"])] = (params["key"],)
    if rule.kind == "foreign_key":
        other, column = split_reference(params["to"])
        used[other] = (column,)
    return {None: tuple(own), **used}


def split_reference(to: str) -> tuple[str, str]:
    """``'customers.customer_id'`` -> ``('customers', 'customer_id')``."""
    table, _, column = str(to).rpartition(".")
    if not table or not column:
        raise InvalidValueError(
            f"Reference {to!r}", "a 'table.column'", "write to='customers.customer_id'"
        )
    return table, column


# -- compilers, one per kind ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Context:
    rule: Rule
    name: str
    table: str
    dialect: Dialect
    now: pd.Timestamp | None
    types: dict[str, str]

    @property
    def col(self) -> str:
        return ident(str(self.rule.column))

    def family(self, column: str) -> str | None:
        found = self.types.get(column)
        return None if found is None else type_family(found)

    def text(self, column: str) -> str:
        """The column as text: cast when it is known not to hold text."""
        if self.family(column) in (None, "string", "category"):
            return ident(column)
        return f"CAST({ident(column)} AS {'VARCHAR' if self.dialect == 'duckdb' else 'TEXT'})"

    def time(self, column: str) -> str:
        """The column as a timestamp (a date becomes midnight)."""
        if self.family(column) == "date":
            return f"CAST({ident(column)} AS TIMESTAMP)"
        return ident(column)

    def now_sql(self, column: str) -> str:
        if self.now is None:
            return "CURRENT_TIMESTAMP"
        found = self.types.get(column, "").lower()
        aware = "with time zone" in found or "timestamptz" in found
        return timestamp_literal(self.now, aware=aware)

    def regex(self, expression: str, pattern: str) -> str:
        """The condition that ``expression`` does NOT match ``pattern`` anywhere."""
        if self.dialect == "duckdb":
            return f"NOT regexp_matches({expression}, {literal(pattern)})"
        return f"{expression} !~ {literal(pattern)}"


def _row(ctx: _Context, predicate: str) -> CompiledRule:
    return CompiledRule(
        ctx.rule,
        ctx.table,
        ctx.dialect,
        failing=f"count(*) FILTER (WHERE {predicate})",
        predicate=predicate,
        sample=f"SELECT *\nFROM {ctx.table}\nWHERE {predicate}",
    )


def _metric(ctx: _Context, value: str) -> CompiledRule:
    return CompiledRule(ctx.rule, ctx.table, ctx.dialect, value=value)


def _outside(expression: str, low: Any, high: Any, *, strict: bool = False) -> str:
    below, above = (">=", "<=") if strict else (">", "<")
    parts = []
    if low is not None:
        parts.append(f"{expression} {above} {literal(low)}")
    if high is not None:
        parts.append(f"{expression} {below} {literal(high)}")
    return " OR ".join(parts) if parts else "FALSE"


def _not_null(ctx: _Context) -> CompiledRule:
    return _row(ctx, f"{ctx.col} IS NULL")


def _not_blank(ctx: _Context) -> CompiledRule:
    return _row(ctx, f"trim({ctx.text(str(ctx.rule.column))}) = ''")


def _unique(ctx: _Context) -> CompiledRule:
    keys = [ident(c) for c in ctx.rule.columns]
    listed = ", ".join(keys)
    present = " AND ".join(f"{k} IS NOT NULL" for k in keys)
    row = listed if len(keys) == 1 else f"({listed})"
    duplicated = (
        f"SELECT {listed} FROM {ctx.table} WHERE {present} GROUP BY {listed} HAVING count(*) > 1"
    )
    return _row(ctx, f"{row} IN ({duplicated})")


def _no_duplicate_rows(ctx: _Context) -> CompiledRule:
    distinct = f"(SELECT count(*) FROM (SELECT DISTINCT * FROM {ctx.table}) AS d)"
    return CompiledRule(
        ctx.rule,
        ctx.table,
        ctx.dialect,
        failing=f"count(*) - {distinct}",
        sample=f"SELECT * FROM {ctx.table}\nEXCEPT ALL\nSELECT DISTINCT * FROM {ctx.table}",
    )


def _distinct_count(ctx: _Context) -> CompiledRule:
    return _metric(ctx, f"count(DISTINCT {ctx.col})")


def _between(ctx: _Context) -> CompiledRule:
    params = ctx.rule.params
    strict = str(params.get("strict", False)).lower() == "true"
    return _row(ctx, _outside(ctx.col, params.get("min"), params.get("max"), strict=strict))


def _values(ctx: _Context) -> list[str]:
    return [literal(v) for v in ctx.rule.params["values"] if v is not None and v == v]


def _in_set(ctx: _Context) -> CompiledRule:
    values = _values(ctx)
    if not values:  # nothing is allowed: every value fails
        return _row(ctx, f"{ctx.col} IS NOT NULL")
    return _row(ctx, f"{ctx.col} NOT IN ({', '.join(values)})")


def _not_in_set(ctx: _Context) -> CompiledRule:
    values = _values(ctx)
    return _row(ctx, f"{ctx.col} IN ({', '.join(values)})" if values else "FALSE")


def _matches_regex(ctx: _Context) -> CompiledRule:
    column = ctx.text(str(ctx.rule.column))
    return _row(ctx, ctx.regex(column, str(ctx.rule.params["pattern"])))


def _length_between(ctx: _Context) -> CompiledRule:
    params = ctx.rule.params
    length = f"length({ctx.text(str(ctx.rule.column))})"
    return _row(ctx, _outside(length, params.get("min"), params.get("max")))


def _castable_to(ctx: _Context) -> CompiledRule:
    pattern = CAST_PATTERNS[str(ctx.rule.params["type"]).lower()]
    return _row(ctx, ctx.regex(ctx.text(str(ctx.rule.column)), pattern))


def _schema(ctx: _Context) -> CompiledRule:
    return CompiledRule(
        ctx.rule, ctx.table, ctx.dialect, schema=columns_query(ctx.name, ctx.dialect)
    )


def _foreign_key(ctx: _Context) -> CompiledRule:
    other, column = split_reference(ctx.rule.params["to"])
    ref = ident(column)
    keys = f"SELECT {ref} FROM {ident(other)} WHERE {ref} IS NOT NULL"
    return _row(ctx, f"{ctx.col} IS NOT NULL AND {ctx.col} NOT IN ({keys})")


_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "=", "!=": "<>"}


def _compare_columns(ctx: _Context) -> CompiledRule:
    params = ctx.rule.params
    return _row(ctx, f"NOT ({ctx.col} {_OPS[params['op']]} {ident(params['other'])})")


def _conditional(ctx: _Context) -> CompiledRule:
    params = ctx.rule.params
    return _row(ctx, f"({params['when']}) AND NOT ({params['then']})")


def _reconcile_totals(ctx: _Context) -> CompiledRule:
    params = ctx.rule.params
    key = ident(params["key"])
    tolerance = params.get("tolerance")
    parts = (
        f"SELECT sum({params['expression']}) FROM {ident(str(params['parts']))} AS parts"
        f" WHERE parts.{key} = {ctx.table}.{key}"
    )
    difference = f"abs({ctx.col} - coalesce(({parts}), 0))"
    bound = literal(0.01 if tolerance is None else tolerance)
    return _row(ctx, f"{ctx.table}.{key} IS NOT NULL AND {difference} > {bound}")


def _freshness(ctx: _Context) -> CompiledRule:
    column = str(ctx.rule.column)
    now, newest = ctx.now_sql(column), f"max({ctx.time(column)})"
    if ctx.dialect == "duckdb":
        return _metric(ctx, f"epoch({now}) - epoch({newest})")
    return _metric(ctx, f"extract(epoch FROM {now} - {newest})")


def _not_future(ctx: _Context) -> CompiledRule:
    column = str(ctx.rule.column)
    return _row(ctx, f"{ctx.time(column)} > {ctx.now_sql(column)}")


def _max_delay(ctx: _Context) -> CompiledRule:
    params = ctx.rule.params
    delay = f"{ctx.time(str(ctx.rule.column))} - {ctx.time(params['since'])}"
    return _row(ctx, f"{delay} > {interval(params['max'])}")


def interval(duration: str) -> str:
    """A duration parameter as an interval literal both dialects read.

    Examples
    --------
    >>> interval("2 days"), interval("1.5 hours")
    ("INTERVAL '2 days'", "INTERVAL '5400 seconds'")
    """
    number, unit = str(duration).split()
    if float(number).is_integer():
        unit = unit.lower().rstrip("s") + ("" if float(number) == 1 else "s")
        return f"INTERVAL '{int(float(number))} {unit}'"
    return f"INTERVAL '{duration_seconds(duration):g} seconds'"


def _row_count(ctx: _Context) -> CompiledRule:
    return _metric(ctx, "count(*)")


def _mean(ctx: _Context) -> CompiledRule:
    return _metric(ctx, f"avg({ctx.col})")


def _std(ctx: _Context) -> CompiledRule:
    return _metric(ctx, f"stddev_samp({ctx.col})")


def _quantile(ctx: _Context) -> CompiledRule:
    q = literal(ctx.rule.params["q"])
    if ctx.dialect == "duckdb":
        return _metric(ctx, f"quantile_cont({ctx.col}, {q})")
    return _metric(ctx, f"percentile_cont({q}) WITHIN GROUP (ORDER BY {ctx.col})")


def _share(ctx: _Context) -> CompiledRule:
    params = ctx.rule.params
    inside = _outside(ctx.col, params.get("low"), params.get("high"))
    return _metric(ctx, f"avg(CASE WHEN {inside} THEN 0.0 WHEN {ctx.col} IS NOT NULL THEN 1.0 END)")


def _sum(ctx: _Context) -> CompiledRule:
    return _metric(ctx, f"sum({ctx.col})")


def _null_share(ctx: _Context) -> CompiledRule:
    return _metric(ctx, f"avg(CASE WHEN {ctx.col} IS NULL THEN 1.0 ELSE 0.0 END)")


def _sql_predicate(ctx: _Context) -> CompiledRule:
    return _row(ctx, f"NOT ({ctx.rule.params['expression']})")


def _sql_metric(ctx: _Context) -> CompiledRule:
    query = str(ctx.rule.params["query"]).strip().rstrip(";").replace("{table}", ctx.table)
    return _metric(ctx, f"({query})")


def _bounds_text(rule: Rule) -> str:
    low, high = rule.params.get("min"), rule.params.get("max")
    if rule.kind == "freshness":
        return f"[0, {rule.params['max_age']}] seconds of age"
    return f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"


def _now(rule: Rule, now: pd.Timestamp | str | None) -> pd.Timestamp | None:
    chosen = rule.params.get("now", now)
    if chosen is None:
        return None
    try:
        return pd.Timestamp(chosen)
    except (ValueError, TypeError) as error:
        raise InvalidValueError(
            f"Reference time now={chosen!r} of rule {rule.name}",
            "an ISO-8601 time such as '2024-06-01 12:00'",
        ) from error


_COMPILERS: dict[str, Callable[[_Context], CompiledRule]] = {
    "not_null": _not_null,
    "not_blank": _not_blank,
    "null_share_at_most": _null_share,
    "unique": _unique,
    "no_duplicate_rows": _no_duplicate_rows,
    "distinct_count_between": _distinct_count,
    "between": _between,
    "in_set": _in_set,
    "not_in_set": _not_in_set,
    "matches_regex": _matches_regex,
    "length_between": _length_between,
    "castable_to": _castable_to,
    "column_type": _schema,
    "foreign_key": _foreign_key,
    "compare_columns": _compare_columns,
    "conditional": _conditional,
    "reconcile_totals": _reconcile_totals,
    "columns_present": _schema,
    "freshness": _freshness,
    "not_future": _not_future,
    "max_delay": _max_delay,
    "row_count_between": _row_count,
    "mean_between": _mean,
    "std_between": _std,
    "quantile_between": _quantile,
    "share_between": _share,
    "sum_between": _sum,
    "sql_predicate": _sql_predicate,
    "sql_metric": _sql_metric,
}
