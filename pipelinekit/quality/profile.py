"""Profile a table in one pass: what every column holds, and what the table's rows look like.

:func:`profile` reads a pandas DataFrame, a DuckDB table, a Parquet file or a PostgreSQL
table and returns a :class:`Profile`:

* per column — count, nulls, distinct values (exact, or approximate for large tables),
  min and max, mean and standard deviation, quantiles, the most frequent values with
  their counts, text lengths, pattern classes (e-mail-like, numbers stored as text, ...)
  and an inferred semantic type;
* per table — rows, duplicate rows and candidate keys;
* optionally, the Pearson correlations of the numeric columns.

Every metric that a single scan can give comes from **one aggregate query**
(:mod:`~pipelinekit.quality.profile_sql`) run by DuckDB — a DataFrame is scanned in place,
not copied — or by PostgreSQL. DuckDB groups the values of each column anyway (for the
exact distinct count and the most frequent values): a column's count, min, max, mean,
standard deviation and text lengths are then read from its few groups, and the one
aggregate keeps only what the groups cannot give (quantiles, the varied columns).
From 1M rows on, a first scan counts the distinct values of every column (HyperLogLog):
the columns with few are grouped — every statistic of theirs exact, quantiles and
pattern shares included — and the varied ones are read from a seeded sample and one
scan, on a second connection at the same time. The same table gives the same profile,
to the last digit, every time.

A Profile shows itself as a table in Jupyter, turns into
a DataFrame (:meth:`Profile.to_frame`), a JSON-ready dict (:meth:`Profile.to_dict`) and
the quality section of a catalog card (:meth:`Profile.as_catalog_quality`).

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({
...     "order_id": [1, 2, 3, 4],
...     "email": ["ada@example.com", "bob@example.com", "oops", None],
...     "amount": [10.0, 12.5, None, 30.0],
... })
>>> p = profile(frame, name="orders")
>>> p.table["rows"], p.table["candidate_keys"]
(4, (('order_id',),))
>>> p.columns[["column", "nulls", "distinct", "mean", "semantic_type"]]
     column  nulls  distinct  mean semantic_type
0  order_id      0         4   2.5    identifier
1     email      1         3   NaN          text
2    amount      1         3  17.5       measure
>>> p.column("email")["patterns"]
{'email': 0.6666666666666666, 'other': 0.3333333333333333}
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, PipelinekitError, UnknownNameError
from pipelinekit.quality.patterns import CLASSES, TEXT_FAMILIES, dominant_pattern, semantic_type
from pipelinekit.quality.profile_html import render_profile
from pipelinekit.quality.profile_keys import duplicate_rows, is_key, key_pairs, may_be_key
from pipelinekit.quality.profile_source import Fetch, Source, open_source
from pipelinekit.quality.profile_sql import (
    NUMERIC_FAMILIES,
    QUANTILES,
    ColumnSpec,
    Query,
    aggregate_query,
    correlation_query,
    interpolate,
    sample_query,
    sample_relation,
    survey_query,
    top_values_query,
    values_query,
)

__all__ = [
    "APPROX_ROWS",
    "PROFILE_FIELDS",
    "SAMPLE_ROWS",
    "Profile",
    "profile",
]

#: With ``approx="auto"``, tables of at least this many rows get approximate distinct
#: counts and quantiles (DuckDB sources only; PostgreSQL is always exact).
APPROX_ROWS = 1_000_000
#: Rows in the seeded sample that gives the approximate quantiles, pattern shares and
#: top-value candidates of varied columns (about as many: each row is kept with the same
#: probability).
SAMPLE_ROWS = 100_000
#: In approximate mode, columns with at most this many distinct values (a HyperLogLog
#: count) are still grouped exactly: every statistic of theirs is exact.
GROUP_AT_MOST = 100_000
#: In approximate mode, at most this many likely keys are confirmed by an exact count.
KEY_CHECKS = 3
#: A likely key of whole numbers is confirmed with a bitmap of its range when the range
#: is at most this many times the number of rows (else by ``count(DISTINCT)``).
BITMAP_PER_ROW = 16
#: The columns of :attr:`Profile.columns`, in order.
PROFILE_FIELDS: tuple[str, ...] = (
    "column",
    "type",
    "family",
    "rows",
    "non_null",
    "nulls",
    "null_share",
    "distinct",
    "distinct_exact",
    "min",
    "max",
    "mean",
    "std",
    *QUANTILES,
    "top_values",
    "min_length",
    "max_length",
    "mean_length",
    "patterns",
    "semantic_type",
)

_DTYPES = {
    "column": "str",
    "type": "str",
    "family": "str",
    "rows": "int64",
    "non_null": "int64",
    "nulls": "int64",
    "null_share": "float64",
    "distinct": "Int64",
    "distinct_exact": "bool",
    "min": "object",  # values keep their own type: 1 stays 1 next to 9.5
    "max": "object",
    "mean": "float64",
    "std": "float64",
    **dict.fromkeys(QUANTILES, "float64"),
    "top_values": "object",
    "min_length": "Int64",
    "max_length": "Int64",
    "mean_length": "float64",
    "patterns": "object",
    "semantic_type": "str",
}


@dataclasses.dataclass(frozen=True, eq=False)
class Profile:
    """What one table holds: the result of :func:`profile`.

    Parameters
    ----------
    table : dict
        ``rows``, ``columns`` (their number), ``duplicate_rows`` (rows repeating an
        earlier row in every column), ``candidate_keys`` (tuples of column names whose
        values are unique and never null), ``source`` (where the table was read),
        ``name``, ``approx`` (whether distinct counts and quantiles may be approximate)
        and ``sample_rows`` (rows of the seeded sample behind pattern shares and
        approximate quantiles; None when every row was used).
    columns : DataFrame
        One row per column, with :data:`PROFILE_FIELDS`. Numeric statistics are NaN
        where they do not apply (text, dates) or cannot be computed (no values);
        ``patterns`` is empty but for text columns.
    correlations : DataFrame or None
        Pearson correlations of the numeric columns, when asked for.
    seconds : float
        How long profiling took (not part of the HTML, which stays the same run to run).
    """

    table: dict[str, Any]
    columns: pd.DataFrame
    correlations: pd.DataFrame | None = None
    seconds: float = dataclasses.field(default=0.0, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The per-column profile as a new DataFrame (one row per column).

        Examples
        --------
        >>> import pandas as pd
        >>> profile(pd.DataFrame({"x": [1, 2, 2]})).to_frame()[["column", "distinct", "p50"]]
          column  distinct  p50
        0      x         2  2.0
        """
        return self.columns.copy()

    def column(self, name: str) -> pd.Series:
        """The profile of one column, as a Series indexed by field.

        Examples
        --------
        >>> import pandas as pd
        >>> p = profile(pd.DataFrame({"amount": [1.0, 3.0]}))
        >>> float(p.column("amount")["mean"])
        2.0
        >>> p.column("amout")
        Traceback (most recent call last):
        ...
        pipelinekit.errors.UnknownNameError: Unknown column 'amout'; expected one of 'amount'.
        <BLANKLINE>
        Hint: did you mean 'amount'?
        """
        names = self.columns["column"].tolist()
        if name not in names:
            raise UnknownNameError.for_name(name, names, kind="column")
        return self.columns.iloc[names.index(name)]

    def to_dict(self) -> dict[str, Any]:
        """The profile as plain data for JSON (timestamps as ISO text, NaN as None).

        Examples
        --------
        >>> import json, pandas as pd
        >>> d = profile(pd.DataFrame({"x": [1, None]}), name="t").to_dict()
        >>> d["table"]["rows"], d["columns"][0]["null_share"], d["columns"][0]["std"]
        (2, 0.5, None)
        >>> _ = json.dumps(d)
        """
        correlations = None
        if self.correlations is not None:
            correlations = {
                str(a): {str(b): _plain(v) for b, v in row.items()}
                for a, row in self.correlations.to_dict(orient="index").items()
            }
        return {
            "table": {key: _plain(value) for key, value in self.table.items()},
            "columns": [
                {key: _plain(value) for key, value in record.items()}
                for record in self.columns.to_dict(orient="records")
            ],
            "correlations": correlations,
        }

    def as_catalog_quality(self) -> pd.DataFrame:
        """A short per-column summary for a catalog card (``Catalog.attach_quality``).

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"id": [1, 2, 3], "mail": ["a@b.io", "c@d.io", None]})
        >>> profile(frame).as_catalog_quality()
             check column semantic_type nulls distinct     pattern
        0  profile     id    identifier    0%        3
        1  profile   mail         email   33%        2  email 100%
        """
        records = []
        for row in self.columns.itertuples(index=False):
            found = dominant_pattern(row.patterns)
            approximate = "" if row.distinct_exact or pd.isna(row.distinct) else "~"
            records.append(
                {
                    "check": "profile",
                    "column": row.column,
                    "semantic_type": row.semantic_type,
                    "nulls": "" if pd.isna(row.null_share) else f"{row.null_share:.0%}",
                    "distinct": "" if pd.isna(row.distinct) else f"{approximate}{row.distinct}",
                    "pattern": f"{found[0]} {found[1]:.0%}" if found else "",
                }
            )
        columns = ["check", "column", "semantic_type", "nulls", "distinct", "pattern"]
        return pd.DataFrame(records, columns=columns)

    def _repr_html_(self) -> str:
        return render_profile(self.table, self.columns)

    def __repr__(self) -> str:
        table = self.table
        keys = ", ".join("(" + ", ".join(key) + ")" for key in table["candidate_keys"])
        return (
            f"<Profile of {table['name'] or table['source']}: {table['rows']:,} rows x"
            f" {table['columns']} columns, {table['duplicate_rows']:,} duplicate rows,"
            f" candidate keys: {keys or 'none'}>"
        )


def profile(
    source: pd.DataFrame | str | Path | Any,
    *,
    connection: duckdb.DuckDBPyConnection | Any | None = None,
    name: str | None = None,
    approx: bool | Literal["auto"] = "auto",
    correlations: bool = False,
    top: int = 5,
    sample_patterns: int | None = 100_000,
) -> Profile:
    """Profile a table in one pass over its rows.

    Parameters
    ----------
    source : DataFrame, str or Path
        A pandas DataFrame; a path ending in ``.parquet`` (read by DuckDB, never loaded
        into pandas); or the name of a table (``"orders"`` or ``"schema.orders"``) in
        the database ``connection`` reaches.
    connection : DuckDB connection, SQLAlchemy Engine or str, optional
        Where a table named by ``source`` lives; a string is a SQLAlchemy URL such as
        ``pk.config.service_url("postgres")``.
    name : str, optional
        The table's name in the profile (default: the table or file name).
    approx : {"auto", True, False}
        ``"auto"`` counts distinct values and quantiles exactly below :data:`APPROX_ROWS`
        rows (1M) and approximately from there on; ``False`` is exact at any size (slower:
        every column is grouped by value and sorted for its quantiles), ``True`` is
        approximate at any size. Approximate touches only the columns with more than
        :data:`GROUP_AT_MOST` distinct values (a HyperLogLog count): their distinct count
        stays that estimate (``distinct_exact`` is False; keys are confirmed exactly),
        their quantiles come from a seeded sample of :data:`SAMPLE_ROWS` rows and their
        top values are the sample's most frequent, counted exactly. Columns with fewer
        values are exact in every statistic. PostgreSQL tables are always profiled
        exactly.
    correlations : bool
        Also compute the Pearson correlations of the numeric columns.
    top : int
        How many of the most frequent values to keep per column.
    sample_patterns : int or None
        Pattern classes are counted on a seeded random sample of this many rows when
        the table has more (None: on every row); in approximate mode, only for the
        varied columns (the others are classified exactly, one distinct value at a time).

    Returns
    -------
    Profile

    Raises
    ------
    InvalidValueError
        For a source that is not a table, or options out of range.
    UnknownNameError
        For a table the connection does not know (with the nearest names).
    DatabaseUnreachableError
        When the database does not answer (the message hides the password).

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE items AS SELECT i % 3 AS cart, i AS line FROM range(6) t(i)")
    >>> p = profile("items", connection=con)
    >>> p.table["source"], p.table["candidate_keys"]
    ('DuckDB table main.items', (('line',),))
    >>> profile("itms", connection=con)
    Traceback (most recent call last):
    ...
    pipelinekit.errors.UnknownNameError: Unknown DuckDB table 'itms'; expected one of 'items'...
    """
    if approx not in ("auto", True, False):
        raise InvalidValueError(
            f"approx={approx!r}", "'auto', True or False", "'auto' is exact below 1M rows"
        )
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise InvalidValueError(f"top={top!r}", "a whole number, 0 or more", "try top=5")
    if sample_patterns is not None and (
        isinstance(sample_patterns, bool)
        or not isinstance(sample_patterns, int)
        or sample_patterns < 1
    ):
        raise InvalidValueError(
            f"sample_patterns={sample_patterns!r}",
            "a positive number of rows, or None for every row",
            "try sample_patterns=100_000",
        )
    started = time.perf_counter()
    with open_source(source, connection=connection, name=name) as opened:
        result = _run(
            opened,
            approx=approx,
            correlations=correlations,
            top=top,
            sample_patterns=sample_patterns,
        )
    return dataclasses.replace(result, seconds=time.perf_counter() - started)


def _run(
    source: Source,
    *,
    approx: bool | Literal["auto"],
    correlations: bool,
    top: int,
    sample_patterns: int | None,
) -> Profile:
    """Run the queries of a profile on an opened source and shape the answers."""
    columns, relation, dialect = source.columns, source.relation, source.dialect
    try:
        rows = source.rows
        if rows is None:
            rows = int(source.fetch(f"SELECT count(*) FROM {relation}", ())[0][0])
        approximate = dialect == "duckdb" and (
            approx is True or (approx == "auto" and rows >= APPROX_ROWS)
        )
        run = _approximate if approximate else _exact
        answer, size = run(source, rows, top=top, sample_patterns=sample_patterns)
        stats = [_column_stats(i, c, rows, answer, top=top) for i, c in enumerate(columns)]
        if dialect != "duckdb":
            _database_values(source, stats, top=top)
        keys: tuple[tuple[str, ...], ...] = tuple(
            (stat["column"],) for stat in stats if is_key(stat, rows)
        )
        # A column that is unique in every row proves that no row repeats another.
        duplicates = 0 if keys else duplicate_rows(source, rows, approximate=approximate)
        if not keys and not duplicates and not approximate:
            keys = key_pairs(source, stats, rows)
        correlation = _correlations(source, stats) if correlations else None
    except duckdb.Error as error:
        raise PipelinekitError(
            f"DuckDB could not profile the {source.label}: {str(error).splitlines()[0]}",
            "columns DuckDB can count, compare and group",
            "convert unusual columns first (e.g. frame.astype({'col': 'str'}))",
        ) from error
    for stat in stats:
        stat["semantic_type"] = semantic_type(
            stat["column"],
            stat["family"],
            non_null=stat["non_null"],
            distinct=stat["distinct"],
            patterns=stat["patterns"],
            is_key=(stat["column"],) in keys,
            mean_length=stat["mean_length"],
            low=stat["min"],
            high=stat["max"],
        )
    frame = pd.DataFrame(
        {
            field: pd.Series([stat[field] for stat in stats], dtype=dtype)
            for field, dtype in _DTYPES.items()
        }
    )
    table = {
        "rows": rows,
        "columns": len(columns),
        "duplicate_rows": duplicates,
        "candidate_keys": keys,
        "source": source.label,
        "name": source.name,
        "approx": approximate,
        "sample_rows": size or None,
    }
    return Profile(table, frame, correlation)


Answer = dict[tuple[int, str], Any]


def _exact(
    source: Source, rows: int, *, top: int, sample_patterns: int | None
) -> tuple[Answer, int]:
    """Every metric exact (but pattern shares, from a sample of a table with more than
    ``sample_patterns`` rows): the answers by label, and the sample's size (0: none).

    DuckDB groups every column by value, in the statement of the one aggregate.
    """
    columns, dialect = source.columns, source.dialect
    text = [i for i, c in enumerate(columns) if c.family in TEXT_FAMILIES]
    sampled = bool(text) and sample_patterns is not None and rows > sample_patterns
    size = (sample_patterns or 0) if sampled else 0
    answer: Answer = {}
    with _sample(source, rows, size, [columns[i] for i in text]) as sample:
        if sample is not None:
            query = sample_query(sample, columns, dialect=dialect, patterns=True, only=text)
            answer.update(zip(query.labels, source.fetch(query.sql, ())[0], strict=True))
    # DuckDB groups every column by value (for its distinct count and top values): its
    # other plain statistics come from those groups
    grouped = (
        [i for i, c in enumerate(columns) if c.family != "other"] if dialect == "duckdb" else []
    )
    query = aggregate_query(
        source.relation,
        columns,
        dialect=dialect,
        distinct="exact" if dialect == "postgresql" else "none",
        quantiles=True,
        patterns=not sampled,
        grouped=grouped,
    )
    if dialect == "duckdb":
        query = values_query(
            source.relation, columns, grouped=grouped, top=max(top, 1), stats=True, aggregate=query
        )
    answer.update(_read(query, source.fetch(query.sql, query.params)[0]))
    return answer, size


def _approximate(
    source: Source, rows: int, *, top: int, sample_patterns: int | None
) -> tuple[Answer, int]:
    """DuckDB, approximately: the answers by label, and the sample's size.

    A first cheap scan counts each column's values and, by HyperLogLog, its distinct
    values. Columns with at most :data:`GROUP_AT_MOST` of them are grouped by value, and
    every statistic of theirs is read exactly from the groups (quantiles and pattern
    shares included). The more varied ones keep the HyperLogLog count; their quantiles,
    pattern shares and candidate top values come from a seeded sample of those columns
    alone; then one scan reads their plain statistics, counts the candidates exactly
    and confirms the likely keys. The groups and the varied columns are read at the same
    time, on two connections, where the source allows it.
    """
    columns, relation = source.columns, source.relation
    query = survey_query(relation, columns)
    answer: Answer = dict(zip(query.labels, source.fetch(query.sql, ())[0], strict=True))
    varied = [
        i for i in range(len(columns)) if (answer.get((i, "approx_distinct")) or 0) > GROUP_AT_MOST
    ]
    grouped = [i for i, c in enumerate(columns) if c.family != "other" and i not in varied]
    numeric = {
        i: int(answer[(i, "non_null")] or 0)
        for i in grouped
        if columns[i].family in NUMERIC_FAMILIES
    }
    groups = values_query(
        relation,
        columns,
        grouped=grouped,
        top=max(top, 1),
        stats=True,
        quantiles=numeric,
        patterns=[i for i in grouped if columns[i].family in TEXT_FAMILIES],
    )
    text = [i for i in varied if columns[i].family in TEXT_FAMILIES]
    sampled = bool(text) and sample_patterns is not None and rows > sample_patterns
    sample_columns = [
        i for i in varied if columns[i].family in NUMERIC_FAMILIES or top or i in text and sampled
    ]
    size = max(SAMPLE_ROWS, (sample_patterns or 0) if sampled else 0) if sample_columns else 0
    keys: dict[int, tuple[int, int] | None] = {}
    for i in varied:
        stat = {
            "nulls": rows - int(answer[(i, "non_null")] or 0),
            "family": columns[i].family,
            "distinct": answer.get((i, "approx_distinct")),
        }
        if len(keys) < KEY_CHECKS and may_be_key(stat, rows):
            low: Any = answer.get((i, "min"))
            high: Any = answer.get((i, "max"))
            # a bitmap of the range of whole numbers when small, else count(DISTINCT)
            limit = max(BITMAP_PER_ROW * rows, 1 << 16)
            small = isinstance(low, int) and isinstance(high, int) and high - low < limit
            keys[i] = (int(low), int(high)) if small else None

    def read_varied(fetch: Fetch) -> Answer:
        """The sample's answers, then the one scan of the varied columns."""
        found: Answer = {}
        if size:
            query = sample_query(
                "pk_sample",
                columns,
                dialect="duckdb",
                quantiles=True,
                patterns=sampled,
                top=top,
                only=sample_columns,
                define=sample_relation(
                    relation,
                    rows,
                    size,
                    dialect="duckdb",
                    columns=[columns[i] for i in sample_columns],
                ),
            )
            found.update(zip(query.labels, fetch(query.sql, ())[0], strict=True))
        candidates = {i: list(found.pop((i, "candidates"), None) or ()) for i in varied}
        # sums of the values less their sample median: steady, and without cancellation
        median = list(QUANTILES).index("p50")
        shifts = {
            i: float((found.get((i, "quantiles")) or [0.0] * len(QUANTILES))[median] or 0.0)
            for i in varied
            if columns[i].family in NUMERIC_FAMILIES
        }
        query = aggregate_query(
            relation,
            columns,
            dialect="duckdb",
            quantiles=False,
            patterns=[] if sampled else text,
            grouped=grouped,
            recount=candidates,
            shifts=shifts,
            keys=keys,
        )
        found.update(_read(query, fetch(query.sql, query.params)[0]))
        for i in varied:
            counted = Counter(found.pop((i, "recount_values"), None) or ())
            found[(i, "recount")] = [(value, counted[value]) for value in candidates[i]]
        return found

    with _alongside(source, read_varied if varied else None) as from_varied:
        if grouped:
            answer.update(_read(groups, source.fetch(groups.sql, groups.params)[0]))
    answer.update(from_varied())
    for i, count in numeric.items():
        answer[(i, "quantiles")] = interpolate(answer.pop((i, "positions"), None), count)
    return answer, size


@contextmanager
def _alongside(
    source: Source, work: Callable[[Fetch], Answer] | None
) -> Iterator[Callable[[], Answer]]:
    """Run ``work(fetch)`` on a second connection, in a thread, while the body runs on
    the first; yields the function that gives its answer. Without a second connection,
    ``work`` runs after the body."""
    if work is None:
        yield dict
        return
    if source.fork is None:
        yield lambda: work(source.fetch)
        return
    with source.fork() as fetch, ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(work, fetch)
        yield future.result


def _read(query: Query, row: Sequence[Any]) -> Answer:
    """The answer of a query by label, each column's ``group_stats`` opened up."""
    answer: Answer = {}
    for (i, label), value in zip(query.labels, row, strict=True):
        if label == "group_stats":
            answer.update(((i, key), found) for key, found in value.items())
        else:
            answer[(i, label)] = value
    return answer


def _number(value: Any) -> float:
    """A statistic as a float; NaN for NULL."""
    if value is None:
        return math.nan
    return float(value)


def _column_stats(
    i: int, column: ColumnSpec, rows: int, answer: Mapping[tuple[int, str], Any], *, top: int
) -> dict[str, Any]:
    """The metrics of column ``i`` read from the answers of the aggregate queries."""
    non_null = int(answer[(i, "non_null")] or 0)
    quantiles = answer.get((i, "quantiles")) or [None] * len(QUANTILES)
    exact = (i, "distinct") in answer
    stat: dict[str, Any] = {
        "column": column.name,
        "type": column.type,
        "family": column.family,
        "rows": rows,
        "non_null": non_null,
        "nulls": rows - non_null,
        "null_share": (rows - non_null) / rows if rows else math.nan,
        "distinct": answer.get((i, "distinct" if exact else "approx_distinct")),
        "distinct_exact": exact,
        "min": answer.get((i, "min")),
        "max": answer.get((i, "max")),
        "mean": _number(answer.get((i, "mean"))),
        "std": _number(answer.get((i, "std"))),
        **{field: _number(q) for field, q in zip(QUANTILES, quantiles, strict=True)},
        # grouped columns: ordered by DuckDB; varied ones: a recount of sample candidates
        "top_values": tuple((v, int(n)) for v, n in answer.get((i, "top")) or ())[:top]
        or _top(answer.get((i, "recount")) or (), top),
        "min_length": answer.get((i, "min_length")),
        "max_length": answer.get((i, "max_length")),
        "mean_length": _number(answer.get((i, "mean_length"))),
        "patterns": {},
    }
    counts = answer.get((i, "classes"))  # DuckDB: class index -> count
    if counts is not None:
        counts = {CLASSES[k]: n for k, n in counts.items()}
    elif answer.get((i, "class_list")) is not None:  # DuckDB sample: (class index, count)
        counts = {CLASSES[k]: int(n) for k, n in answer[(i, "class_list")]}
    elif (i, "class_total") in answer:  # PostgreSQL: one count per class
        counts = {name: answer[(i, f"class:{name}")] for name in CLASSES}
    total = sum((counts or {}).values())
    if counts and total:
        stat["patterns"] = {name: counts[name] / total for name in CLASSES if counts.get(name)}
    return stat


def _top(counts: Any, top: int) -> tuple[tuple[Any, int], ...]:
    """The ``top`` values with their counts, most frequent first, ties broken by value."""
    ordered = sorted(((value, int(n)) for value, n in counts), key=lambda p: (-p[1], p[0]))
    return tuple(ordered[:top])


def _database_values(source: Source, stats: list[dict[str, Any]], *, top: int) -> None:
    """Top values in PostgreSQL, one small grouped query per column."""
    for i, stat in enumerate(stats):
        if stat["family"] == "other" or not top or not stat["non_null"]:
            continue
        query = top_values_query(source.relation, source.columns[i], top=top)
        stat["top_values"] = tuple((value, int(n)) for value, n in source.fetch(query.sql, ()))


@contextmanager
def _sample(
    source: Source, rows: int, size: int, columns: Sequence[ColumnSpec]
) -> Iterator[str | None]:
    """Where to read a seeded sample of about ``size`` rows of ``columns``; None for no
    sample.

    DuckDB keeps the sample in a temporary table for the time of the profile, since the
    sample query reads it once per column; PostgreSQL reads it as a subquery.
    """
    if not size or not columns:
        yield None
        return
    subquery = sample_relation(source.relation, rows, size, dialect=source.dialect, columns=columns)
    if source.dialect != "duckdb":
        yield subquery
        return
    name = f"pk_profile_sample_{uuid.uuid4().hex}"
    try:
        source.fetch(f"CREATE TEMPORARY TABLE {name} AS SELECT * FROM {subquery} AS s", ())
    except duckdb.Error:  # a connection that may not write, not even temporary tables
        yield subquery
        return
    try:
        yield f"temp.main.{name}"
    finally:
        source.fetch(f"DROP TABLE IF EXISTS temp.main.{name}", ())


def _correlations(source: Source, stats: list[dict[str, Any]]) -> pd.DataFrame:
    """Pearson correlations of the numeric columns, as a square DataFrame."""
    numeric = [i for i, stat in enumerate(stats) if stat["family"] in NUMERIC_FAMILIES]
    names = [stats[i]["column"] for i in numeric]
    matrix = pd.DataFrame(np.nan, index=names, columns=names, dtype="float64")
    if len(numeric) > 1:
        query = correlation_query(source.relation, source.columns, numeric, dialect=source.dialect)
        for (a, label), value in zip(query.labels, source.fetch(query.sql, ())[0], strict=True):
            b = int(label.split(":")[1])
            matrix.loc[stats[a]["column"], stats[b]["column"]] = _number(value)
            matrix.loc[stats[b]["column"], stats[a]["column"]] = _number(value)
    for i in numeric:
        std = stats[i]["std"]
        matrix.loc[stats[i]["column"], stats[i]["column"]] = 1.0 if std > 0 else math.nan
    return matrix


def _plain(value: Any) -> Any:
    """A value as JSON-ready plain data."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)
