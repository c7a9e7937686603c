"""Text features: `text_stats` (length, word count), `extract_pattern` (a regex
capture into a column) and `tfidf_top_terms` (the most telling words of each row).

Examples
--------
>>> import pandas as pd
>>> products = pd.DataFrame({"sku": ["SKU-000012", "sku 7", None]})
>>> extract_pattern(products, "sku", pattern=r"SKU-0*(\\d+)", name="sku_number")
          sku sku_number
0  SKU-000012         12
1       sku 7        NaN
2         NaN        NaN
>>> print(extract_pattern.sql("sku", pattern=r"SKU-0*(\\d+)", name="sku_number"))
SELECT *,
  CASE WHEN regexp_matches(sku, 'SKU-0*(\\d+)')
    THEN regexp_extract(sku, 'SKU-0*(\\d+)', 1) END AS sku_number
FROM input
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.lineage.model import Subtype
from pipelinekit.transforms.order import require_columns
from pipelinekit.transforms.sql import literal, quote
from pipelinekit.transforms.twin import (
    TABLE,
    Engine,
    add_columns_sql,
    check_engine,
    require_new_columns,
    run_new_columns,
)

__all__ = [
    "extract_pattern",
    "extract_pattern_sql",
    "text_stats",
    "text_stats_sql",
    "tfidf_top_terms",
]

TextStat = Literal["length", "word_count"]
TEXT_STATS: tuple[TextStat, ...] = get_args(TextStat)
#: A word is a run of characters other than ASCII white space, in Python's ``re`` and
#: in RE2 (DuckDB) alike; ``\\s`` and ``\\w`` mean different things in the two.
WORD = r"[^ \t\n\r\f\v]+"


def text_stats(
    frame: pd.DataFrame,
    column: str,
    *,
    stats: Sequence[TextStat] = TEXT_STATS,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add ``"<column>_length"`` (characters) and ``"<column>_word_count"`` columns.

    Parameters
    ----------
    frame : DataFrame
        The data.
    column : str
        A text column.
    stats : sequence of {"length", "word_count"}
        Which columns to add.
    engine : {"pandas", "duckdb"}, default "pandas"
        Compute with pandas, or run :func:`text_stats_sql` in DuckDB (same result).

    Returns
    -------
    DataFrame
        ``frame`` plus ``Int64`` columns; a NULL text gives NULL.

    Notes
    -----
    Length counts Unicode code points (Python's ``len``, SQL ``length``), not bytes
    (``strlen``) and not what a reader sees as one character: an emoji with a skin
    tone is two. A word is a run of characters other than ASCII white space
    (space, tab, newline, CR, form feed, vertical tab), so ``"data-driven"`` is one
    word and an empty or blank text has 0.

    Examples
    --------
    >>> import pandas as pd
    >>> reviews = pd.DataFrame({"review": ["Great  value!", "", None]})
    >>> text_stats(reviews, "review")
              review  review_length  review_word_count
    0  Great  value!             13                  2
    1                             0                  0
    2            NaN           <NA>               <NA>
    """
    check_engine(engine)
    stats = _check_stats(stats)
    require_columns(frame, [column])
    _require_text(frame, column)
    names = [f"{column}_{stat}" for stat in stats]
    require_new_columns(frame, names)
    if engine == "duckdb":
        query = text_stats_sql(column, stats=stats)
        return run_new_columns(frame, query, dict.fromkeys(names, "Int64"))
    text = frame[column]
    out = frame.copy()
    for stat, name in zip(stats, names, strict=True):
        counts = text.str.len() if stat == "length" else text.str.count(WORD)
        out[name] = counts.astype("Int64")
    return out


def text_stats_sql(column: str, *, stats: Sequence[TextStat] = TEXT_STATS, table: str = TABLE):
    """The DuckDB query that adds the columns :func:`text_stats` adds.

    Examples
    --------
    >>> print(text_stats_sql("review"))
    SELECT *,
      length(review) AS review_length,
      len(regexp_extract_all(review, '[^ \\t\\n\\r\\f\\v]+')) AS review_word_count
    FROM input
    """
    column_sql = quote(column)
    expressions = {
        f"{column}_{stat}": f"length({column_sql})"
        if stat == "length"
        else f"len(regexp_extract_all({column_sql}, {literal(WORD)}))"
        for stat in _check_stats(stats)
    }
    return add_columns_sql(expressions, table=table)


text_stats.sql = text_stats_sql  # type: ignore[attr-defined]


def extract_pattern(
    frame: pd.DataFrame,
    column: str,
    *,
    pattern: str,
    group: int = 1,
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add a column with the part of each text that a regular expression captures.

    Parameters
    ----------
    frame : DataFrame
        The data.
    column : str
        A text column.
    pattern : str
        A regular expression; the first match anywhere in the text is used.
    group : int, default 1
        Which capture group to keep; 0 keeps the whole match.
    name : str, optional
        The new column's name; default ``"<column>_match"``.
    engine : {"pandas", "duckdb"}, default "pandas"
        Use Python's ``re`` (through pandas), or run :func:`extract_pattern_sql`
        (DuckDB's RE2).

    Returns
    -------
    DataFrame
        ``frame`` plus a ``str`` column; NULL where the text is NULL or does not match.

    Notes
    -----
    SQL's ``regexp_extract`` gives ``''`` when nothing matches; the SQL twin wraps it
    in ``CASE WHEN regexp_matches(...)`` so no match is NULL, as in pandas'
    ``str.extract``. Write patterns both engines read the same: RE2 has no
    look-arounds (``(?=...)``) or back-references (``\\1``), and an optional group
    that takes no part in the match is NULL in pandas but ``''`` in DuckDB.

    Examples
    --------
    >>> import pipelinekit as pk
    >>> customers = pk.datasets.load("ecommerce", scale="tiny").customers[["email"]]
    >>> extract_pattern(customers, "email", pattern=r"@(.+)$", name="email_domain").head(2)
                          email email_domain
    0  randall.kelly1@proton.me    proton.me
    1  benjamin.west2@proton.me    proton.me
    """
    check_engine(engine)
    name = name or f"{column}_match"
    _check_pattern(pattern, group)
    require_columns(frame, [column])
    _require_text(frame, column)
    require_new_columns(frame, [name])
    if engine == "duckdb":
        query = extract_pattern_sql(column, pattern=pattern, group=group, name=name)
        return run_new_columns(frame, query, {name: "str"})
    # Wrapping the pattern in a group makes group 0 (the whole match) column 0.
    captured = frame[column].astype("str").str.extract(f"({pattern})", expand=True)
    out = frame.copy()
    out[name] = captured[group].astype("str") if len(frame) else pd.Series(dtype="str")
    return out


def extract_pattern_sql(
    column: str, *, pattern: str, group: int = 1, name: str | None = None, table: str = TABLE
) -> str:
    """The DuckDB query that adds the column :func:`extract_pattern` adds."""
    _check_pattern(pattern, group)
    column_sql, pattern_sql = quote(column), literal(pattern)
    expression = (
        f"CASE WHEN regexp_matches({column_sql}, {pattern_sql})\n"
        f"    THEN regexp_extract({column_sql}, {pattern_sql}, {group}) END"
    )
    return add_columns_sql({name or f"{column}_match": expression}, table=table)


extract_pattern.sql = extract_pattern_sql  # type: ignore[attr-defined]


def tfidf_top_terms(
    frame: pd.DataFrame,
    column: str,
    *,
    top: int = 3,
    stop_words: Literal["english"] | None = None,
    name: str | None = None,
) -> pd.DataFrame:
    """Add a column with each row's ``top`` terms by TF-IDF weight (scikit-learn).

    TF-IDF weighs a word up when it is frequent in the row and down when it is
    common in all rows, so the top terms are the words that set a row apart.

    Parameters
    ----------
    frame : DataFrame
        The data; its rows are the documents.
    column : str
        A text column.
    top : int, default 3
        How many terms per row (fewer when a row has fewer distinct words).
    stop_words : {"english"} or None, default None
        Leave out common English words ("the", "and", ...).
    name : str, optional
        The new column's name; default ``"<column>_top_terms"``.

    Returns
    -------
    DataFrame
        ``frame`` plus a column of lists of terms, highest weight first, ties in
        alphabetical order; ``[]`` for a NULL or empty text.

    Notes
    -----
    There is no SQL twin: TF-IDF needs the vocabulary of the whole column and a
    tokenizer (scikit-learn's ``TfidfVectorizer``: lower-cased words of two or more
    letters or digits, smooth idf, L2-normalised rows), which plain SQL does not
    have.

    Examples
    --------
    >>> import pandas as pd
    >>> reviews = pd.DataFrame({"review": ["red shoe", "red red hat", "blue shoe"]})
    >>> tfidf_top_terms(reviews, "review", top=2)
            review review_top_terms
    0     red shoe      [red, shoe]
    1  red red hat       [red, hat]
    2    blue shoe     [blue, shoe]
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    require_columns(frame, [column])
    _require_text(frame, column)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InvalidValueError(f"top={top!r}", "a whole number of at least 1", "try top=3")
    name = name or f"{column}_top_terms"
    require_new_columns(frame, [name])
    texts = frame[column].fillna("").astype("str").tolist()
    out = frame.copy()
    try:
        vectorizer = TfidfVectorizer(stop_words=stop_words)
        weights = vectorizer.fit_transform(texts).tocoo()
    except ValueError:  # no text, or only stop words: an empty vocabulary
        out[name] = pd.Series([[] for _ in texts], index=frame.index, dtype=object)
        return out
    terms = vectorizer.get_feature_names_out()
    # Sort by row, then weight (high first), then term; keep the first `top` per row.
    order = np.lexsort((terms[weights.col], -weights.data, weights.row))
    rows, words = weights.row[order], terms[weights.col[order]]
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows)
    kept = pd.Series(words[rank < top].tolist(), dtype=object).groupby(rows[rank < top]).agg(list)
    out[name] = pd.Series(
        [kept.get(row, []) for row in range(len(texts))], index=frame.index, dtype=object
    )
    return out


def _tfidf_top_terms_lineage(
    frame: pd.DataFrame, result: pd.DataFrame, column: str, *, name: str | None = None, **_: object
) -> dict[str, list[tuple[str, Subtype, str]]]:
    """The column lineage of :func:`tfidf_top_terms`, declared as it has no SQL twin:
    each row's terms are its own words weighed by how many rows use them, so they
    aggregate ``column`` over every row. The frame's columns are copied."""
    how = "top TF-IDF terms: the row's words, weighed by how many rows use them"
    return {name or f"{column}_top_terms": [(column, "AGGREGATION", how)]}


tfidf_top_terms.lineage = _tfidf_top_terms_lineage  # type: ignore[attr-defined]


def _check_stats(stats: Sequence[str]) -> tuple[Any, ...]:
    stats = (stats,) if isinstance(stats, str) else tuple(stats)
    for stat in stats:
        if stat not in TEXT_STATS:
            raise UnknownNameError.for_name(stat, TEXT_STATS, kind="text stat")
    if not stats or len(set(stats)) != len(stats):
        raise InvalidValueError(
            f"stats={list(stats)}", "each of 'length', 'word_count' at most once"
        )
    return stats


def _check_pattern(pattern: str, group: int) -> None:
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        position = error.pos or 0
        raise InvalidValueError(
            f"Regular expression does not compile: {error.msg} at position {position}\n"
            f"  {pattern}\n  {' ' * position}^",
            "a valid regular expression",
            r"escape special characters with a backslash (\. \( \[) and close every group",
        ) from error
    if isinstance(group, bool) or not isinstance(group, int) or not 0 <= group <= compiled.groups:
        raise InvalidValueError(
            f"group={group!r} but the pattern has {compiled.groups} capture group(s)",
            f"a group number from 0 (whole match) to {compiled.groups}",
            "put the part to keep in parentheses, e.g. r'SKU-(\\d+)' and group=1",
        )


def _require_text(frame: pd.DataFrame, column: str) -> None:
    series = frame[column]
    if pd.api.types.is_string_dtype(series) and not isinstance(series.dtype, pd.CategoricalDtype):
        return
    if series.dtype == object and series.map(lambda v: isinstance(v, str) or pd.isna(v)).all():
        return
    raise InvalidValueError(
        f"Column '{column}' has dtype {series.dtype}",
        "a text column",
        f"convert it first with frame['{column}'].astype('str')",
    )
