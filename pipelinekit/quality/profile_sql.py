"""The SQL a profile runs: one scan-shared aggregate, then the values, keys and correlations.

Everything a column's values can tell in one pass — counts, min and max, mean and
standard deviation, quantiles, text lengths, pattern classes, the number of distinct rows —
goes into **one aggregate query per table** (:func:`aggregate_query`): DuckDB, like
PostgreSQL, computes many aggregates over a single scan of the table. What needs the
values grouped (the most frequent values, the exact number of distinct values) goes
into a second statement (:func:`values_query`) — which, in DuckDB, also reads the count,
min, max, mean, standard deviation and text lengths of a grouped column from its groups,
far fewer rows than the table's, so the aggregate leaves them out — and the few checks
of candidate keys and the optional correlations into their own small statements.
An approximate profile starts with :func:`survey_query` (distinct values by HyperLogLog)
and reads the varied columns from a sample (:func:`sample_query`).

Two dialects: ``"duckdb"`` (pandas frames, DuckDB tables, Parquet files) and
``"postgresql"`` (portable SQL: ``count(DISTINCT)``, ``percentile_cont ... WITHIN GROUP``,
regular expressions with ``~``; always exact).

Each builder returns a :class:`Query`: the SQL text and, for every value the query
selects, a label ``(column index, metric)`` saying what it is, so reading the answer is
``dict(zip(query.labels, row))``.

Examples
--------
>>> cols = [ColumnSpec("amount", "DOUBLE", "float")]
>>> print(aggregate_query("t", cols, dialect="duckdb").sql)
SELECT
  count(*),
  count("amount"),
  min("amount"),
  max("amount"),
  avg("amount"),
  stddev_samp("amount"),
  quantile_cont("amount", [0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999])
FROM t AS t
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Literal

from pipelinekit.quality.patterns import CLASSES, PATTERNS, TEXT_FAMILIES, anchored

__all__ = [
    "NUMERIC_FAMILIES",
    "QUANTILES",
    "ColumnSpec",
    "Dialect",
    "Query",
    "aggregate_query",
    "correlation_query",
    "exact_distinct",
    "distinct_rows_query",
    "duplicates_query",
    "interpolate",
    "keys_query",
    "quantile_positions",
    "quote",
    "sample_query",
    "sample_relation",
    "survey_query",
    "top_values_query",
    "values_query",
]

Dialect = Literal["duckdb", "postgresql"]

#: The quantiles a profile reports, by field name.
QUANTILES: dict[str, float] = {
    "p001": 0.001,
    "p01": 0.01,
    "p05": 0.05,
    "p25": 0.25,
    "p50": 0.5,
    "p75": 0.75,
    "p95": 0.95,
    "p99": 0.99,
    "p999": 0.999,
}

#: Families with a mean, a standard deviation and quantiles.
NUMERIC_FAMILIES = ("integer", "float", "decimal")

Label = tuple[int, str]  # (column index, metric); index -1 is the table


@dataclasses.dataclass(frozen=True)
class ColumnSpec:
    """A column to profile: its name, its type as the source names it, its family."""

    name: str
    type: str
    family: str


@dataclasses.dataclass(frozen=True)
class Query:
    """SQL text, its parameters, and what each selected value is."""

    sql: str
    labels: tuple[Label, ...] = ()
    params: tuple[object, ...] = ()


def quote(name: str) -> str:
    """A name as an SQL identifier, in double quotes (DuckDB and PostgreSQL alike).

    Examples
    --------
    >>> print(quote("order total"), quote('a"b'))
    "order total" "a""b"
    """
    return '"' + name.replace('"', '""') + '"'


def _value(column: ColumnSpec, dialect: Dialect) -> str:
    """The expression whose min, max and order match pandas: text in byte order."""
    name = quote(column.name)
    if column.family == "category":
        name = f"CAST({name} AS VARCHAR)" if dialect == "duckdb" else f"CAST({name} AS TEXT)"
    if dialect == "postgresql" and column.family in TEXT_FAMILIES:
        return f'{name} COLLATE "C"'
    return name


def _text(column: ColumnSpec, dialect: Dialect) -> str:
    name = quote(column.name)
    if column.family == "category":
        return f"CAST({name} AS VARCHAR)" if dialect == "duckdb" else f"CAST({name} AS TEXT)"
    return name


def _number(column: ColumnSpec, dialect: Dialect) -> str:
    """The column as a number for mean, std and quantiles (booleans as 0 and 1)."""
    name = quote(column.name)
    if column.family == "boolean":
        return f"CAST({name} AS INTEGER)"
    if column.family == "decimal" or dialect == "postgresql":
        return f"CAST({name} AS DOUBLE PRECISION)" if dialect == "postgresql" else f"{name}::DOUBLE"
    return name


# A cheap test every value of a class passes, tried before its regular expression: most
# values fail it (a name does not start with a digit nor hold an '@'), sparing the regex.
_GUARDS: dict[str, str] = {
    # empty, or led by a character some engine's \s matches (all but ASCII are let through)
    "blank": "(ascii({t}) IN (0, 9, 10, 11, 12, 13, 28, 29, 30, 31, 32) OR ascii({t}) > 127)",
    "integer": "(ascii({t}) BETWEEN 48 AND 57 OR ascii({t}) IN (43, 45))",
    "decimal": "(ascii({t}) BETWEEN 48 AND 57 OR ascii({t}) IN (43, 45, 46))",
    "date": "ascii({t}) BETWEEN 48 AND 57",
    "timestamp": "ascii({t}) BETWEEN 48 AND 57",
    "uuid": "(ascii({t}) BETWEEN 48 AND 57 OR ascii({t}) BETWEEN 65 AND 70"
    " OR ascii({t}) BETWEEN 97 AND 102)",
    "email": "strpos({t}, '@') > 0",
    "url": "(strpos({t}, '://') > 0 OR strpos({t}, 'www.') = 1)",
    "phone": "(ascii({t}) BETWEEN 48 AND 57 OR ascii({t}) IN (40, 43))",
}


def _class_expression(column: ColumnSpec, dialect: Dialect, text: str | None = None) -> str:
    r"""The index in :data:`CLASSES` of the first class a value matches (NULL stays NULL).

    Examples
    --------
    >>> print(_class_expression(ColumnSpec("c", "TEXT", "string"), "postgresql")[96:176])
    R ascii("c") > 127) AND "c" ~ '^(?:\s*)$' THEN 0 WHEN (ascii("c") BETWEEN 48 AND
    """
    text = text or _text(column, dialect)
    whens = []
    for i, name in enumerate(PATTERNS):
        regex = anchored(name).replace("'", "''")
        test = (
            f"regexp_matches({text}, '{regex}')" if dialect == "duckdb" else f"{text} ~ '{regex}'"
        )
        if name in _GUARDS:
            test = f"{_GUARDS[name].format(t=text)} AND {test}"
        whens.append(f"WHEN {test} THEN {i}")
    return f"CASE WHEN {text} IS NULL THEN NULL {' '.join(whens)} ELSE {len(PATTERNS)} END"


def _class_name(index: int) -> str:
    return f"pk_class_{index}"


def sample_relation(
    relation: str,
    rows: int,
    size: int,
    *,
    seed: int = 42,
    dialect: Dialect,
    columns: Sequence[ColumnSpec] | None = None,
) -> str:
    """A reproducible random sample of about ``size`` rows of ``relation``, as a subquery.

    Each row is kept with probability ``size / rows`` (Bernoulli sampling with a fixed
    seed, so the same table gives the same sample every time). With ``columns``, only
    those columns are kept (a narrower sample is cheaper to make).

    Examples
    --------
    >>> sample_relation("t", 1000, 100, dialect="duckdb")
    '(SELECT * FROM t USING SAMPLE 10 PERCENT (bernoulli, 42))'
    >>> kept = [ColumnSpec("a", "INT", "integer")]
    >>> sample_relation("t", 1000, 100, dialect="postgresql", columns=kept)
    '(SELECT "a" FROM t TABLESAMPLE BERNOULLI (10) REPEATABLE (42))'
    """
    percent = f"{min(100.0, 100.0 * size / max(rows, 1)):.6g}"
    kept = "*" if columns is None else ", ".join(quote(c.name) for c in columns) or "1"
    if dialect == "duckdb":
        return f"(SELECT {kept} FROM {relation} USING SAMPLE {percent} PERCENT (bernoulli, {seed}))"
    return f"(SELECT {kept} FROM {relation} TABLESAMPLE BERNOULLI ({percent}) REPEATABLE ({seed}))"


def survey_query(relation: str, columns: Sequence[ColumnSpec]) -> Query:
    """DuckDB: rows, values present per column and a HyperLogLog count of distinct values.

    The first, cheap statement of an approximate profile: the counts of distinct values
    tell which columns have few enough values to be grouped exactly, and which are too
    varied (booleans have at most two values: they are always grouped). Whole numbers
    also get their min and max, the range of a bitmap that can prove a key.

    Examples
    --------
    >>> cols = [ColumnSpec("id", "BIGINT", "integer"), ColumnSpec("ok", "BOOLEAN", "boolean")]
    >>> print(survey_query("t", cols).sql)
    SELECT
      count(*),
      count("id"),
      approx_count_distinct("id"),
      min("id"),
      max("id"),
      count("ok")
    FROM t AS t
    """
    selected: list[tuple[Label, str]] = [((-1, "rows"), "count(*)")]
    for i, column in enumerate(columns):
        name = quote(column.name)
        selected.append(((i, "non_null"), f"count({name})"))
        if column.family not in ("other", "boolean"):
            selected.append(((i, "approx_distinct"), f"approx_count_distinct({name})"))
        if column.family == "integer":
            selected.append(((i, "min"), f"min({name})"))
            selected.append(((i, "max"), f"max({name})"))
    return _statement(selected, relation, ())


def exact_distinct(column: ColumnSpec, span: tuple[int, int] | None = None) -> str:
    """DuckDB: the exact number of distinct values of a column (a likely key).

    Given the range ``(low, high)`` of a column of whole numbers, each value sets one bit
    of a bitmap of that range (``bitstring_agg``) and the bits set are counted: exact,
    and far cheaper than ``count(DISTINCT)``, which other columns get.

    Examples
    --------
    >>> exact_distinct(ColumnSpec("id", "BIGINT", "integer"), (1, 500))
    'bit_count(bitstring_agg("id", 1, 500))'
    >>> exact_distinct(ColumnSpec("code", "VARCHAR", "string"))
    'count(DISTINCT "code")'
    """
    name = quote(column.name)
    if span is None:
        return f"count(DISTINCT {name})"
    return f"bit_count(bitstring_agg({name}, {int(span[0])}, {int(span[1])}))"


def _quantiles(column: ColumnSpec, dialect: Dialect) -> str:
    number = _number(column, dialect)
    levels = ", ".join(str(q) for q in QUANTILES.values())
    if dialect == "postgresql":
        return f"percentile_cont(ARRAY[{levels}]) WITHIN GROUP (ORDER BY {number})"
    return f"quantile_cont({number}, [{levels}])"


def _pattern_counts(i: int, column: ColumnSpec, dialect: Dialect) -> tuple[str, list]:
    """The class expression of column ``i`` and the labelled counts of its classes.

    DuckDB counts them with one ``histogram`` (class index -> count); PostgreSQL with a
    filtered count per class.
    """
    if dialect == "duckdb":
        counted = [((i, "classes"), f"histogram({_class_name(i)})")]
        return f"{_class_expression(column, dialect)} AS {_class_name(i)}", counted
    counts: list[tuple[Label, str]] = [((i, "class_total"), f"count({_class_name(i)})")]
    for k, class_name in enumerate(CLASSES):
        counts.append(
            ((i, f"class:{class_name}"), f"count(*) FILTER (WHERE {_class_name(i)} = {k})")
        )
    return f"{_class_expression(column, dialect)} AS {_class_name(i)}", counts


def _statement(
    selected: Sequence[tuple[Label, str]], relation: str, classes: Sequence[str]
) -> Query:
    if classes:
        alias = " AS s" if relation.startswith("(") else ""
        relation = f"(SELECT *, {', '.join(classes)} FROM {relation}{alias})"
    sql = "SELECT\n  " + ",\n  ".join(e for _, e in selected) + f"\nFROM {relation} AS t"
    return Query(sql, tuple(label for label, _ in selected))


def aggregate_query(
    relation: str,
    columns: Sequence[ColumnSpec],
    *,
    dialect: Dialect,
    distinct: Literal["exact", "approx", "none"] | Sequence[int] = "none",
    approx_distinct: Sequence[int] = (),
    quantiles: bool = True,
    patterns: bool | Sequence[int] = True,
    grouped: Sequence[int] = (),
    recount: Mapping[int, Sequence[object]] | None = None,
    shifts: Mapping[int, float] | None = None,
    keys: Mapping[int, tuple[int, int] | None] | None = None,
) -> Query:
    """The one scan-shared aggregate query over every column of ``relation``.

    Per column: values present, min and max; mean and standard deviation (numbers and
    booleans); quantiles (numbers, unless ``quantiles`` is False); text lengths and,
    with ``patterns``, the count of each pattern class (text).

    Parameters
    ----------
    relation : str
        The table as SQL (``"main"."orders"``, ``read_parquet('f.parquet')``, ...).
    columns : sequence of ColumnSpec
        The columns, in order.
    dialect : {"duckdb", "postgresql"}
        The SQL to write.
    distinct : {"exact", "approx", "none"}
        Count distinct values here, exactly (``count(DISTINCT)``) or approximately
        (DuckDB's HyperLogLog ``approx_count_distinct``), or not (DuckDB's exact counts
        come from :func:`values_query`, which groups the values anyway).
    approx_distinct : sequence of int
        With ``distinct="none"``: columns (by index) counted approximately all the same.
    quantiles : bool
        Whether quantiles are computed here (else on a sample, with :func:`sample_query`).
    patterns : bool or sequence of int
        Whether the pattern classes of text columns (or of these, by index) are counted
        here (else on a sample, or from groups).
    grouped : sequence of int
        Columns (by index) whose values present, min, max, mean, standard deviation and
        text lengths come from their groups instead (:func:`values_query` with ``stats``):
        only their distinct counts, quantiles and pattern classes are computed here.
    recount : dict of int to values, optional
        DuckDB: for these columns (by index), the values of the table equal to one of
        the values given, as a list (``recount_values``): the frequent values of a
        sample, counted over the whole table by the caller.
    shifts : dict of int to float, optional
        DuckDB: numeric columns (by index) whose mean and standard deviation are summed
        with compensated sums (``fsum``) of the values less this shift (a value near
        their middle), so that they come out the same whatever order the threads add
        them in (``avg`` and ``stddev_samp`` may differ in their last digits, run to run).
    keys : dict of int to range, optional
        DuckDB: likely keys (by index) whose distinct values are counted exactly
        (:func:`exact_distinct`, with the range of whole numbers when known).

    Examples
    --------
    >>> q = aggregate_query("t", [ColumnSpec("mail", "VARCHAR", "string")], dialect="duckdb")
    >>> [label for label in q.labels if label[1].startswith("class")][:3]
    [(0, 'classes')]
    """
    selected: list[tuple[Label, str]] = [((-1, "rows"), "count(*)")]
    classes: list[str] = []
    params: list[object] = []
    for i, column in enumerate(columns):
        name = quote(column.name)
        basic = i not in grouped
        if basic:
            selected.append(((i, "non_null"), f"count({name})"))
        if column.family == "other":
            continue
        if distinct == "exact":
            selected.append(((i, "distinct"), f"count(DISTINCT {name})"))
        elif distinct == "approx" or i in approx_distinct:
            selected.append(((i, "approx_distinct"), f"approx_count_distinct({name})"))
        if basic and column.family == "boolean" and dialect == "postgresql":
            selected.append(((i, "min"), f"bool_and({name})"))
            selected.append(((i, "max"), f"bool_or({name})"))
        elif basic:
            value = _value(column, dialect)
            selected.append(((i, "min"), f"min({value})"))
            selected.append(((i, "max"), f"max({value})"))
        if column.family in (*NUMERIC_FAMILIES, "boolean") and basic:
            number = _number(column, dialect)
            if shifts is not None and i in shifts:
                selected += _steady_moments(i, number, shifts[i])
            else:
                selected.append(((i, "mean"), f"avg({number})"))
                selected.append(((i, "std"), f"stddev_samp({number})"))
        if column.family in NUMERIC_FAMILIES and quantiles:
            selected.append(((i, "quantiles"), _quantiles(column, dialect)))
        if column.family in TEXT_FAMILIES:
            if basic:
                length = f"length({_text(column, dialect)})"
                selected.append(((i, "min_length"), f"min({length})"))
                selected.append(((i, "max_length"), f"max({length})"))
                selected.append(((i, "mean_length"), f"avg({length})"))
            if patterns is True or (patterns and i in patterns):
                expression, counts = _pattern_counts(i, column, dialect)
                classes.append(expression)
                selected += counts
    for i, values in (recount or {}).items():
        if values:
            value = _value(columns[i], dialect)
            marks = ", ".join("?" * len(values))
            selected.append(
                ((i, "recount_values"), f"list({value}) FILTER (WHERE {value} IN ({marks}))")
            )
            params += values
    for i, span in (keys or {}).items():
        selected.append(((i, "distinct"), exact_distinct(columns[i], span)))
    return dataclasses.replace(_statement(selected, relation, classes), params=tuple(params))


def _steady_moments(i: int, number: str, shift: float) -> list[tuple[Label, str]]:
    """The mean and sample standard deviation of a column from compensated sums: the same
    result in any order of the rows (unlike ``avg`` and ``stddev_samp`` run by threads).

    Examples
    --------
    >>> for label, sql in _steady_moments(0, '"x"', 2.0):
    ...     print(label, sql)
    (0, 'mean') fsum("x") / count("x")
    (0, 'std') CASE WHEN count("x") < 2 THEN NULL ELSE sqrt(greatest(fsum(("x" - 2.0::DOUBLE)
      ** 2) - fsum("x" - 2.0::DOUBLE) ** 2 / count("x"), 0) / (count("x") - 1)) END
    """
    shifted = f"{number} - {float(shift)!r}::DOUBLE"
    spread = f"fsum(({shifted}) ** 2) - fsum({shifted}) ** 2 / count({number})"
    return [
        ((i, "mean"), f"fsum({number}) / count({number})"),
        (
            (i, "std"),
            f"CASE WHEN count({number}) < 2 THEN NULL ELSE"
            f" sqrt(greatest({spread}, 0) / (count({number}) - 1)) END",
        ),
    ]


def sample_query(
    sample: str,
    columns: Sequence[ColumnSpec],
    *,
    dialect: Dialect,
    quantiles: bool = False,
    patterns: bool = False,
    top: int = 0,
    only: Sequence[int] | None = None,
    define: str | None = None,
) -> Query:
    """What a small random sample tells: quantiles, pattern classes, frequent values.

    With ``top`` (DuckDB only), each column also gets ``candidates``: its ``top`` most
    frequent values in the sample (ties broken by value), to be counted exactly over the
    whole table. With ``only``, just these columns (by index) are read; the sample may
    hold no others. With ``define`` (a subquery, DuckDB), the statement itself makes the
    sample, as a materialized common table expression named ``sample``.

    Examples
    --------
    >>> cols = [ColumnSpec("x", "BIGINT", "integer"), ColumnSpec("y", "DOUBLE", "float")]
    >>> sample_query("s", cols, dialect="duckdb", quantiles=True, top=2).labels
    ((0, 'candidates'), (0, 'quantiles'), (1, 'candidates'), (1, 'quantiles'))
    >>> q = sample_query("s", cols, dialect="duckdb", quantiles=True, only=[1], define="(...)")
    >>> q.labels
    ((1, 'quantiles'),)
    >>> print(q.sql)
    WITH s AS MATERIALIZED (...)
    SELECT
      quantile_cont("y", [0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999])
    FROM s AS t
    """
    selected: list[tuple[Label, str]] = []
    classes: list[str] = []
    groups: list[str] = []
    for i, column in enumerate(columns):
        name = quote(column.name)
        if column.family == "other" or (only is not None and i not in only):
            continue
        if top and dialect == "duckdb":
            # the sample's values grouped once; the top few found by a top-N, not a sort
            groups.append(
                f"pk_s{i} AS MATERIALIZED (SELECT {_value(column, dialect)} AS v, count(*) AS n"
                f" FROM {sample} WHERE {name} IS NOT NULL GROUP BY ALL)"
            )
            selected.append(
                (
                    (i, "candidates"),
                    f"(SELECT list(v ORDER BY n DESC, v) FROM (SELECT v, n FROM pk_s{i}"
                    f" ORDER BY n DESC, v LIMIT {top}))",
                )
            )
        if column.family in NUMERIC_FAMILIES and quantiles:
            selected.append(((i, "quantiles"), _quantiles(column, dialect)))
        if column.family in TEXT_FAMILIES and patterns and dialect == "duckdb":
            # classify each distinct value once, weighted by how often it occurs
            grouped = (
                f"pk_s{i}"
                if top
                else f"(SELECT {_text(column, dialect)} AS v, count(*) AS n FROM {sample}"
                f" WHERE {name} IS NOT NULL GROUP BY ALL)"
            )
            selected.append(
                (
                    (i, "class_list"),
                    f"(SELECT list((k, n)) FROM (SELECT {_class_expression(column, dialect, 'v')}"
                    f" AS k, sum(n) AS n FROM {grouped} GROUP BY ALL))",
                )
            )
        elif column.family in TEXT_FAMILIES and patterns:
            expression, counts = _pattern_counts(i, column, dialect)
            classes.append(expression)
            selected += counts
    aggregates = [entry for entry in selected if not entry[1].startswith("(SELECT")]
    relation = sample if aggregates else "(SELECT 1)"
    query = _statement(selected or [((-1, "nothing"), "NULL")], relation, classes)
    if define is not None:
        groups.insert(0, f"{sample} AS MATERIALIZED {define}")
    if groups:
        query = dataclasses.replace(query, sql=f"WITH {', '.join(groups)}\n{query.sql}")
    return query


def values_query(
    relation: str,
    columns: Sequence[ColumnSpec],
    *,
    grouped: Sequence[int],
    top: int = 5,
    stats: bool = False,
    quantiles: Mapping[int, int] | None = None,
    patterns: Sequence[int] = (),
    aggregate: Query | None = None,
) -> Query:
    """DuckDB: exact distinct counts and top values of grouped columns, in one statement.

    Parameters
    ----------
    grouped : sequence of int
        Columns (by index) grouped by value: their exact number of distinct values and
        their ``top`` most frequent values, ties broken by value.
    stats : bool
        Also read each grouped column's values present, min and max, mean and standard
        deviation, and text lengths from its groups (a few rows, not the whole table),
        so that :func:`aggregate_query` can leave them out (its ``grouped``). They come
        as one dict per column, labelled ``group_stats``.
    quantiles : dict of int to int, optional
        With ``stats``: grouped numeric columns (by index) whose quantiles are read from
        their groups too, exactly, given their number of values present: the dict gets
        ``positions``, the values :func:`interpolate` turns into quantiles.
    patterns : sequence of int
        Grouped text columns (by index) whose pattern classes are read from their groups:
        each distinct value is classified once, weighted by its count (``class_list``).
    aggregate : Query, optional
        An aggregate over the whole table (:func:`aggregate_query`) run by the same
        statement, for the columns that are not grouped.

    Examples
    --------
    >>> q = values_query("t", [ColumnSpec("x", "BIGINT", "integer")], grouped=[0], top=2)
    >>> print(q.sql)
    WITH g0 AS MATERIALIZED (
      SELECT "x" AS v, count(*) AS n FROM t WHERE "x" IS NOT NULL GROUP BY ALL
    )
    SELECT
      (SELECT count(*) FROM g0),
      (SELECT list(row(v, n) ORDER BY n DESC, v) FROM
       (SELECT v, n FROM g0 ORDER BY n DESC, v LIMIT 2))
    >>> q = values_query("t", [ColumnSpec("x", "BIGINT", "integer")], grouped=[0], stats=True)
    >>> q.labels
    ((0, 'top'), (0, 'group_stats'))
    """
    ctes, selected, labels = [], [], []
    for i in grouped:
        column = columns[i]
        name = quote(column.name)
        category = column.family == "category"
        counted = (
            f"SELECT {name if category else _value(column, 'duckdb')} AS v, count(*) AS n"
            f" FROM {relation} WHERE {name} IS NOT NULL GROUP BY ALL"
        )
        if category:  # group the codes, then name them: far fewer casts
            counted = f"SELECT CAST(v AS VARCHAR) AS v, n FROM ({counted})"
        ctes.append(f"g{i} AS MATERIALIZED (\n  {counted}\n)")
        if not stats:
            selected.append(f"(SELECT count(*) FROM g{i})")
            labels.append((i, "distinct"))
        selected.append(
            f"(SELECT list(row(v, n) ORDER BY n DESC, v) FROM"
            f" (SELECT v, n FROM g{i} ORDER BY n DESC, v LIMIT {top}))"
        )
        labels.append((i, "top"))
        if stats:
            count = (quantiles or {}).get(i)
            selected.append(_group_stats(column, f"g{i}", count))
            labels.append((i, "group_stats"))
        if i in patterns and column.family in TEXT_FAMILIES:
            selected.append(
                f"(SELECT list((k, n)) FROM (SELECT {_class_expression(column, 'duckdb', 'v')}"
                f" AS k, sum(n) AS n FROM g{i} GROUP BY ALL))"
            )
            labels.append((i, "class_list"))
    params: tuple[object, ...] = ()
    if aggregate is not None:
        selected.append("pk_a.*")
        labels += aggregate.labels
        params = aggregate.params
    sql = f"WITH {', '.join(ctes)}\n" if ctes else ""
    sql += "SELECT\n  " + ",\n  ".join(selected) if selected else "SELECT 1"
    if aggregate is not None:
        sql += f"\nFROM ({aggregate.sql}) AS pk_a"
    return Query(sql, tuple(labels), params)


def quantile_positions(count: int) -> list[tuple[int, int, float]]:
    """Where each of :data:`QUANTILES` lies among ``count`` sorted values, as
    ``quantile_cont`` reads it: the positions (from 0) of the two values it interpolates
    between, and the weight of the second.

    Examples
    --------
    >>> quantile_positions(11)[4]  # the median of 11 values: the 6th
    (5, 5, 0.0)
    >>> quantile_positions(4)[3]  # p25 of 4 values: a quarter of the way from the 1st
    (0, 1, 0.75)
    """
    found = []
    for q in QUANTILES.values():
        h = (count - 1) * q
        found.append((math.floor(h), math.ceil(h), h - math.floor(h)))
    return found


def interpolate(values: Sequence[object] | None, count: int) -> list[float | None]:
    """The quantiles of ``count`` values from the values at :func:`quantile_positions`
    (two per quantile, in order), interpolated linearly as ``quantile_cont`` does.

    Examples
    --------
    >>> interpolate([1, 2] * 9, 4)[3]
    1.75
    >>> interpolate(None, 0)[0] is None
    True
    """
    if not values or not count:
        return [None] * len(QUANTILES)
    found: list[float | None] = []
    for k, (_, _, weight) in enumerate(quantile_positions(count)):
        low, high = float(values[2 * k]), float(values[2 * k + 1])  # type: ignore[arg-type]
        found.append(low if weight == 0 else low + (high - low) * weight)
    return found


def _group_stats(column: ColumnSpec, groups: str, count: int | None = None) -> str:
    """What the value counts ``groups`` (columns ``v``, ``n``) of a column tell, as a dict.

    The number of distinct values and of values present, min and max; for numbers the
    mean, weighted by the counts, and the sample standard deviation, in two passes
    (exactly 0 for a single value, NULL under two values), as ``stddev_samp``; for text
    the lengths. Given ``count``, the number of values present, also the values at the
    :func:`quantile_positions` (``positions``), read from the cumulated counts.

    Examples
    --------
    >>> print(_group_stats(ColumnSpec("c", "VARCHAR", "string"), "g"))
    (SELECT {'distinct': count(*), 'non_null': coalesce(sum(n), 0), 'min': min(v),
      'max': max(v), 'min_length': min(length(v)), 'max_length': max(length(v)),
      'mean_length': sum(length(v) * n) / sum(n)} FROM g AS r)
    """
    found = [
        "'distinct': count(*)",
        "'non_null': coalesce(sum(n), 0)",
        "'min': min(v)",
        "'max': max(v)",
    ]
    source = f"{groups} AS r"
    if column.family in (*NUMERIC_FAMILIES, "boolean"):
        x = "CAST(v AS INTEGER)::DOUBLE" if column.family == "boolean" else "v::DOUBLE"
        # compensated sums: the same result whatever order the groups come in
        source += f", (SELECT fsum({x} * n) / sum(n) AS m FROM {groups}) AS a"
        found.append(f"'mean': fsum({x} * n) / sum(n)")
        found.append(
            f"'std': CASE WHEN sum(n) < 2 THEN NULL WHEN count(*) = 1 THEN 0.0 ELSE"
            f" sqrt(fsum(n * ({x} - m) ** 2) / (sum(n) - 1)) END"
        )
    if column.family in NUMERIC_FAMILIES and count:
        source = source.replace(
            f"{groups} AS r", f"(SELECT v, n, sum(n) OVER (ORDER BY v) AS c FROM {groups}) AS r"
        )
        at = [
            f"min(v) FILTER (WHERE c > {position})"
            for low, high, _ in quantile_positions(count)
            for position in (low, high)
        ]
        found.append(f"'positions': [{', '.join(at)}]")
    if column.family in TEXT_FAMILIES:
        found.append("'min_length': min(length(v))")
        found.append("'max_length': max(length(v))")
        found.append("'mean_length': sum(length(v) * n) / sum(n)")
    return f"(SELECT {{{', '.join(found)}}} FROM {source})"


def top_values_query(relation: str, column: ColumnSpec, *, top: int = 5) -> Query:
    """PostgreSQL: the ``top`` most frequent values of one column, ties broken by value.

    Examples
    --------
    >>> print(top_values_query("t", ColumnSpec("c", "TEXT", "string"), top=3).sql)
    SELECT "c" COLLATE "C" AS v, count(*) AS n FROM t WHERE "c" IS NOT NULL
    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3
    """
    value = _value(column, "postgresql")
    return Query(
        f"SELECT {value} AS v, count(*) AS n FROM {relation} WHERE {quote(column.name)}"
        f" IS NOT NULL\nGROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {top}"
    )


def duplicates_query(relation: str, columns: Sequence[ColumnSpec]) -> Query:
    """PostgreSQL: rows that repeat an earlier row in every column (NULLs compare equal).

    Examples
    --------
    >>> print(duplicates_query("t", [ColumnSpec("a", "INTEGER", "integer")]).sql)
    SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM t GROUP BY "a") AS g
    """
    names = ", ".join(
        f"CAST({quote(c.name)} AS TEXT)" if c.family == "other" else quote(c.name) for c in columns
    )
    groups = f"SELECT count(*) AS n FROM {relation} GROUP BY {names}"
    sql = f"SELECT coalesce(sum(n - 1), 0) FROM ({groups}) AS g"
    return Query(sql, ((-1, "duplicate_rows"),))


def distinct_rows_query(
    relation: str, columns: Sequence[ColumnSpec], *, hashed: bool = False
) -> Query:
    """DuckDB: the number of distinct rows (NULLs compare equal); ``hashed`` counts
    distinct 64-bit hashes of whole rows instead, much faster and exact but for the rare
    collision (equal rows always hash alike).

    Examples
    --------
    >>> cols = [ColumnSpec("a", "INTEGER", "integer"), ColumnSpec("b", "VARCHAR", "string")]
    >>> print(distinct_rows_query("t", cols).sql)
    SELECT count(DISTINCT row("a", "b")) FROM t
    >>> print(distinct_rows_query("t", cols, hashed=True).sql)
    SELECT count(DISTINCT hash("a", "b")) FROM t
    """
    row = ", ".join(quote(c.name) for c in columns)
    counted = f"hash({row})" if hashed else f"row({row})"
    return Query(f"SELECT count(DISTINCT {counted}) FROM {relation}", ((-1, "distinct_rows"),))


def keys_query(
    relation: str,
    columns: Sequence[ColumnSpec],
    pairs: Sequence[tuple[int, int]],
    *,
    dialect: Dialect,
) -> Query:
    """The number of distinct value pairs for each pair of columns (key candidates).

    Examples
    --------
    >>> cols = [ColumnSpec("a", "INTEGER", "integer"), ColumnSpec("b", "INTEGER", "integer")]
    >>> print(keys_query("t", cols, [(0, 1)], dialect="duckdb").sql)
    SELECT count(DISTINCT row("a", "b")) FROM t
    >>> print(keys_query("t", cols, [(0, 1)], dialect="postgresql").sql)
    SELECT (SELECT count(*) FROM (SELECT DISTINCT "a", "b" FROM t) AS k)
    """
    labels = tuple((a, f"pair:{b}") for a, b in pairs)
    if dialect == "duckdb":
        counts = [
            f"count(DISTINCT row({quote(columns[a].name)}, {quote(columns[b].name)}))"
            for a, b in pairs
        ]
        return Query(f"SELECT {', '.join(counts)} FROM {relation}", labels)
    counts = [
        f"(SELECT count(*) FROM (SELECT DISTINCT {quote(columns[a].name)},"
        f" {quote(columns[b].name)} FROM {relation}) AS k)"
        for a, b in pairs
    ]
    return Query(f"SELECT {', '.join(counts)}", labels)


def correlation_query(
    relation: str, columns: Sequence[ColumnSpec], numeric: Sequence[int], *, dialect: Dialect
) -> Query:
    """Pearson correlation of every pair of numeric columns (rows where both are present).

    Examples
    --------
    >>> cols = [ColumnSpec("a", "DOUBLE", "float"), ColumnSpec("b", "BIGINT", "integer")]
    >>> print(correlation_query("t", cols, [0, 1], dialect="duckdb").sql)
    SELECT corr("a", "b") FROM t
    """
    selected, labels = [], []
    for k, a in enumerate(numeric):
        for b in numeric[k + 1 :]:
            selected.append(f"corr({_number(columns[a], dialect)}, {_number(columns[b], dialect)})")
            labels.append((a, f"corr:{b}"))
    return Query(f"SELECT {', '.join(selected) or 'NULL'} FROM {relation}", tuple(labels))
