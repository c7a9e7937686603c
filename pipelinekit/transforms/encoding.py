"""Categories as numbers: `one_hot` (one 0/1 column per value) and
`frequency_encoding` (how many rows, or what share of rows, have the same value).

Examples
--------
>>> import pandas as pd
>>> orders = pd.DataFrame({"channel": ["web", "app", "web", None]})
>>> one_hot(orders, "channel")
  channel  channel=app  channel=web
0     web            0            1
1     app            1            0
2     web            0            1
3     NaN            0            0
>>> print(one_hot.sql("channel", categories=["app", "web"]))
SELECT *,
  CASE WHEN channel = 'app' THEN 1 ELSE 0 END AS "channel=app",
  CASE WHEN channel = 'web' THEN 1 ELSE 0 END AS "channel=web"
FROM input
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError, format_list
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

__all__ = ["frequency_encoding", "frequency_encoding_sql", "one_hot", "one_hot_sql"]

Category = str | int | float | bool
Frequency = Literal["count", "share"]


def one_hot(
    frame: pd.DataFrame,
    column: str,
    *,
    categories: Sequence[Category] | None = None,
    max_categories: int = 20,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add one 0/1 column per category of ``column``, named ``"<column>=<value>"``.

    Parameters
    ----------
    frame : DataFrame
        The data.
    column : str
        The column to encode (text, category, number or bool).
    categories : sequence, optional
        The values that get a column, in this order. Default: the distinct non-NULL
        values of ``column``, sorted (numbers by size, text by code point, as SQL's
        ``ORDER BY`` sorts them). Pass them explicitly to encode new data the same way
        as the data you trained on.
    max_categories : int, default 20
        Refuse to make more columns than this (a column of ids would make thousands).
    engine : {"pandas", "duckdb"}, default "pandas"
        Compute with pandas, or run :func:`one_hot_sql` in DuckDB (same result).

    Returns
    -------
    DataFrame
        ``frame`` plus one ``int64`` column per category.

    Notes
    -----
    A NULL, and a value that is not among ``categories`` (unseen when the categories
    were chosen), gets 0 in every column: ``NULL = 'web'`` is NULL in SQL, and
    ``CASE`` sends it to ``ELSE 0``. ``pd.get_dummies`` does the same for NULL
    (unless ``dummy_na=True``) but orders columns by first appearance for plain text
    and by category order for a categorical; here the order is always the sorted one.

    Examples
    --------
    >>> import pipelinekit as pk
    >>> orders = pk.datasets.load("ecommerce", scale="tiny").orders[["channel"]]
    >>> one_hot(orders, "channel").columns.tolist()
    ['channel', 'channel=app', 'channel=marketplace', 'channel=web']
    """
    check_engine(engine)
    require_columns(frame, [column])
    if categories is None:
        categories = _sorted_values(frame[column])
    categories = _check_categories(column, categories, max_categories)
    names = [f"{column}={value}" for value in categories]
    require_new_columns(frame, names)
    if engine == "duckdb":
        query = one_hot_sql(column, categories=categories, max_categories=max_categories)
        return run_new_columns(frame, query, dict.fromkeys(names, "int64"))
    values = frame[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(values.dtype.categories.dtype)
    out = frame.copy()
    for value, name in zip(categories, names, strict=True):
        out[name] = values.eq(value).to_numpy(dtype=bool, na_value=False).astype("int64")
    return out


def one_hot_sql(
    column: str,
    *,
    categories: Sequence[Category],
    max_categories: int = 20,
    table: str = TABLE,
) -> str:
    """The DuckDB query that adds the columns :func:`one_hot` adds.

    ``categories`` is required: SQL needs the list of columns before it reads the data
    (find them with ``SELECT DISTINCT channel FROM input ORDER BY 1``).
    """
    categories = _check_categories(column, categories, max_categories)
    column_sql = quote(column)
    expressions = {
        f"{column}={value}": f"CASE WHEN {column_sql} = {literal(value)} THEN 1 ELSE 0 END"
        for value in categories
    }
    return add_columns_sql(expressions, table=table)


def _one_hot_twin_arguments(
    frame: pd.DataFrame, column: str, *, categories: Sequence[Category] | None = None, **_: object
) -> dict[str, object]:
    """The categories :func:`one_hot_sql` needs, read from the data when the call did not
    give them (for the lineage of a tracked call)."""
    return {"categories": _sorted_values(frame[column]) if categories is None else categories}


one_hot.sql = one_hot_sql  # type: ignore[attr-defined]
one_hot.twin_arguments = _one_hot_twin_arguments  # type: ignore[attr-defined]


def frequency_encoding(
    frame: pd.DataFrame,
    column: str,
    *,
    frequency: Frequency = "count",
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add a column with how often each row's value of ``column`` occurs.

    Parameters
    ----------
    frame : DataFrame
        The data.
    column : str
        The column to encode.
    frequency : {"count", "share"}, default "count"
        The number of rows with the same value (``int64``), or that number divided by
        the number of rows (``float64``, the shares of all values add up to 1).
    name : str, optional
        The new column's name; default ``"<column>_count"`` or ``"<column>_share"``.
    engine : {"pandas", "duckdb"}, default "pandas"
        Compute with pandas, or run :func:`frequency_encoding_sql` in DuckDB.

    Returns
    -------
    DataFrame
        ``frame`` plus the frequency column.

    Notes
    -----
    NULL counts as a value of its own, as ``PARTITION BY`` and ``GROUP BY`` treat it
    (pandas: ``value_counts(dropna=False)``): rows with a NULL get the number of
    NULL rows.

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"channel": ["web", "app", "web", None]})
    >>> frequency_encoding(orders, "channel", frequency="share")
      channel  channel_share
    0     web           0.50
    1     app           0.25
    2     web           0.50
    3     NaN           0.25
    >>> print(frequency_encoding.sql("channel", frequency="share"))
    SELECT *,
      count(*) OVER (PARTITION BY channel) / count(*) OVER () AS channel_share
    FROM input
    """
    check_engine(engine)
    _check_frequency(frequency)
    require_columns(frame, [column])
    name = name or f"{column}_{frequency}"
    require_new_columns(frame, [name])
    dtype = "int64" if frequency == "count" else "float64"
    if engine == "duckdb":
        query = frequency_encoding_sql(column, frequency=frequency, name=name)
        return run_new_columns(frame, query, {name: dtype})
    codes, _ = pd.factorize(frame[column], use_na_sentinel=False)
    counts = np.bincount(codes, minlength=1)[codes] if len(codes) else codes
    out = frame.copy()
    out[name] = (counts / len(frame) if frequency == "share" else counts).astype(dtype)
    return out


def frequency_encoding_sql(
    column: str, *, frequency: Frequency = "count", name: str | None = None, table: str = TABLE
) -> str:
    """The DuckDB query that adds the column :func:`frequency_encoding` adds."""
    _check_frequency(frequency)
    expression = f"count(*) OVER (PARTITION BY {quote(column)})"
    if frequency == "share":
        expression += " / count(*) OVER ()"
    return add_columns_sql({name or f"{column}_{frequency}": expression}, table=table)


frequency_encoding.sql = frequency_encoding_sql  # type: ignore[attr-defined]


def _sorted_values(values: pd.Series) -> list[Category]:
    distinct = values.dropna().unique()
    if isinstance(values.dtype, pd.CategoricalDtype):
        distinct = np.asarray(distinct.astype(values.dtype.categories.dtype))
    return sorted(value.item() if isinstance(value, np.generic) else value for value in distinct)


def _check_categories(
    column: str, categories: Sequence[Category], max_categories: int
) -> tuple[Category, ...]:
    categories = tuple(categories)
    if len(categories) > max_categories:
        raise InvalidValueError(
            f"Column '{column}' has {len(categories)} categories "
            f"({format_list(categories, most=4)}), more than max_categories={max_categories}",
            f"at most {max_categories} one-hot columns",
            f"pass max_categories={len(categories)} if you mean it, pick the values with "
            "categories=[...], or use frequency_encoding for many values",
        )
    folded = [str(value).casefold() for value in categories]
    clash = [value for value, key in zip(categories, folded, strict=True) if folded.count(key) > 1]
    if clash and len(set(categories)) == len(categories):
        raise InvalidValueError(
            f"Categories {format_list(clash)} differ only in upper/lower case",
            "column names SQL can tell apart (it ignores case in names)",
            f"make the case consistent first, e.g. frame['{column}'].str.lower()",
        )
    if len(set(categories)) != len(categories):
        raise InvalidValueError(
            f"Repeated categories {list(categories)}", "each category once", "drop the repeats"
        )
    return categories


def _check_frequency(frequency: str) -> None:
    if frequency not in ("count", "share"):
        raise UnknownNameError.for_name(frequency, ["count", "share"], kind="frequency")
