"""Percentiles per group, as SQL's ``percentile_cont`` and ``percentile_disc`` compute them.

``percentile_cont(0.5) WITHIN GROUP (ORDER BY amount)`` interpolates between the two
values around the position ``(n - 1) * q``; ``percentile_disc(0.5)`` returns an actual
value: the first one whose cumulative share of the rows reaches ``q``. NULLs are ignored.

Examples
--------
>>> import pandas as pd
>>> orders = pd.DataFrame({"shop": ["a", "a", "a", "a", "b"], "amount": [1.0, 2.0, 3.0, 4.0, 9.0]})
>>> percentile_cont(orders, column="amount", q=[0.5, 0.9], by="shop")
  shop  amount_p50  amount_p90
0    a         2.5         3.7
1    b         9.0         9.0
>>> percentile_disc(orders, column="amount", q=0.5, by="shop")
  shop  amount_p50
0    a         2.0
1    b         9.0
>>> print(percentile_disc.sql(column="amount", q=0.5, by="shop"))
SELECT shop,
  percentile_disc(0.5) WITHIN GROUP (ORDER BY amount) AS amount_p50
FROM input
GROUP BY shop
ORDER BY shop ASC NULLS LAST

Notes
-----
*Which pandas quantile matches.* ``percentile_cont`` is pandas' default
``quantile(q, interpolation="linear")`` (numpy's ``method="linear"``).
``percentile_disc`` is numpy's ``method="inverted_cdf"``: the value at (1-based) position
``ceil(n * q)``. pandas has no such ``interpolation=``; ``"lower"`` takes position
``floor((n - 1) * q) + 1`` instead, which differs, e.g. for 4 values and q = 0.6
(``"lower"`` gives the 2nd value, SQL the 3rd) or q = 0.25 with 2 values.

*Exact q.* In floating point ``25 * 0.28`` is ``7.000000000000001``, whose ceiling is 8.
DuckDB reads the ``0.28`` of ``percentile_disc(0.28)`` as an exact decimal and returns
the 7th of 25 values; PostgreSQL (``float8``) and numpy's ``inverted_cdf`` return the
8th. pipelinekit follows DuckDB: it reads q from its shortest decimal form (``repr``) and
computes ``ceil(n * q)`` in whole numbers. Such cases need ``n * q`` to land exactly on a
whole number, so they are rare.

*Groups.* NULL group keys form a group, as in SQL ``GROUP BY``; rows come sorted by the
group columns, NULLs last. A group whose values are all NULL gets NULL (NaN).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError
from pipelinekit.transforms.order import require_columns
from pipelinekit.transforms.sql import quote, sql
from pipelinekit.transforms.twin import TABLE, Engine, check_engine

__all__ = ["percentile_cont", "percentile_disc"]

Kind = Literal["cont", "disc"]


def percentile_cont(
    frame: pd.DataFrame,
    *,
    column: str,
    q: float | Sequence[float],
    by: str | Sequence[str] = (),
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Interpolated percentiles of ``column`` per group (SQL ``percentile_cont``).

    Parameters
    ----------
    frame : DataFrame
        The rows.
    column : str
        A numeric column; its NULLs are ignored.
    q : float or list of float
        Fractions between 0 and 1; one output column each, named ``<column>_p<100 q>``
        (``amount_p50``, ``amount_p2_5``).
    by : str or list of str
        Group columns; ``()`` for one row over the whole frame.
    engine : {"pandas", "duckdb"}
        Compute with numpy, or run the SQL twin in DuckDB.

    Returns
    -------
    DataFrame
        One row per group, sorted by the group columns (NULLs last).

    Examples
    --------
    >>> percentile_cont(pd.DataFrame({"x": [1, 2, 3, 4]}), column="x", q=0.25)
       x_p25
    0   1.75
    """
    return _percentiles(frame, "cont", column=column, q=q, by=by, engine=engine)


def percentile_disc(
    frame: pd.DataFrame,
    *,
    column: str,
    q: float | Sequence[float],
    by: str | Sequence[str] = (),
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Percentiles of ``column`` per group that are actual values (SQL ``percentile_disc``).

    The value at position ``ceil(n * q)`` (from 1, at least 1) of the group's sorted
    non-NULL values. Parameters and result as in :func:`percentile_cont`.

    Examples
    --------
    >>> percentile_disc(pd.DataFrame({"x": [1, 2, 3, 4]}), column="x", q=[0.25, 0.6])
       x_p25  x_p60
    0    1.0    3.0
    """
    return _percentiles(frame, "disc", column=column, q=q, by=by, engine=engine)


def percentile_cont_sql(
    *, column: str, q: float | Sequence[float], by: str | Sequence[str] = (), table: str = TABLE
) -> str:
    """The DuckDB query :func:`percentile_cont` runs with ``engine="duckdb"``."""
    return _percentiles_sql("cont", column, _fractions(q), _group_columns(by), table)


def percentile_disc_sql(
    *, column: str, q: float | Sequence[float], by: str | Sequence[str] = (), table: str = TABLE
) -> str:
    """The DuckDB query :func:`percentile_disc` runs with ``engine="duckdb"``."""
    return _percentiles_sql("disc", column, _fractions(q), _group_columns(by), table)


percentile_cont.sql = percentile_cont_sql  # type: ignore[attr-defined]
percentile_disc.sql = percentile_disc_sql  # type: ignore[attr-defined]


def _fractions(q: float | Sequence[float]) -> list[float]:
    fractions = [q] if isinstance(q, (int, float, np.number)) else list(q)
    if not fractions:
        raise InvalidValueError("An empty list of q", "at least one fraction", "write q=0.5")
    for fraction in fractions:
        valid = isinstance(fraction, (int, float, np.number)) and not isinstance(fraction, bool)
        if not valid or not 0 <= fraction <= 1:
            raise InvalidValueError(
                f"q={fraction!r}",
                "a fraction between 0 and 1",
                "the median is q=0.5, the 90th percentile q=0.9",
            )
    names = [_suffix(fraction) for fraction in fractions]
    if len(set(names)) < len(names):
        raise InvalidValueError(
            f"q={fractions!r} repeats a percentile", "each q once", "drop the duplicates"
        )
    return [float(fraction) for fraction in fractions]


def _suffix(fraction: float) -> str:
    return "p" + f"{Decimal(repr(float(fraction))) * 100:f}".rstrip("0").rstrip(".").replace(
        ".", "_"
    )


def _group_columns(by: str | Sequence[str]) -> list[str]:
    columns = [by] if isinstance(by, str) else list(by)
    if not all(isinstance(column, str) and column for column in columns):
        raise InvalidValueError(
            f"by={by!r}",
            "a column name or a list of column names",
            "write by='shop' or by=['region', 'shop']",
        )
    return columns


def _percentiles_sql(kind: Kind, column: str, fractions: list[float], by: list[str], table: str):
    keys = [quote(key) for key in by]
    within = f"WITHIN GROUP (ORDER BY {quote(column)})"
    lines = [
        f"  percentile_{kind}({fraction!r}) {within} AS {quote(column + '_' + _suffix(fraction))}"
        for fraction in fractions
    ]
    select = "SELECT " + "".join(f"{key}, " for key in keys).rstrip(" ")
    query = (select if keys else "SELECT") + "\n" + ",\n".join(lines) + f"\nFROM {table}"
    if keys:
        query += "\nGROUP BY " + ", ".join(keys)
        query += "\nORDER BY " + ", ".join(f"{key} ASC NULLS LAST" for key in keys)
    return query


def _percentiles(
    frame: pd.DataFrame,
    kind: Kind,
    *,
    column: str,
    q: float | Sequence[float],
    by: str | Sequence[str],
    engine: Engine,
) -> pd.DataFrame:
    fractions, keys = _fractions(q), _group_columns(by)
    check_engine(engine)
    if not isinstance(frame, pd.DataFrame):
        raise InvalidValueError(
            f"A {type(frame).__name__} as the data", "a pandas DataFrame", "use .to_frame()"
        )
    require_columns(frame, [*keys, column])
    values = frame[column]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise InvalidValueError(
            f"percentile_{kind} of column '{column}' of dtype {values.dtype}",
            "a numeric column",
            f"convert it first, e.g. pd.to_numeric(frame['{column}'])",
        )
    if engine == "duckdb":
        return sql(_percentiles_sql(kind, column, fractions, keys, TABLE), **{TABLE: frame})
    if keys:
        groups = frame.groupby(keys, dropna=False, sort=True)
        group_of_row = groups.ngroup().to_numpy()
        result = groups.size().index.to_frame(index=False)
    else:
        group_of_row = np.zeros(len(frame), dtype="int64")
        result = pd.DataFrame(index=range(1))
    # Sort the non-NULL values by (group, value): each group is then one sorted slice.
    present = values.notna().to_numpy()
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)[present]
    group_of_row = group_of_row[present]
    ordered = numbers[np.lexsort((numbers, group_of_row))]
    sizes = np.bincount(group_of_row, minlength=len(result))
    starts = np.cumsum(sizes) - sizes
    for fraction in fractions:
        picked = _pick(ordered, starts, sizes, fraction, kind)
        result[f"{column}_{_suffix(fraction)}"] = np.where(sizes > 0, picked, np.nan)
    return result


def _pick(ordered: np.ndarray, starts: np.ndarray, sizes: np.ndarray, q: float, kind: Kind):
    """The percentile of each group's sorted slice ``ordered[start : start + size]``."""
    last = max(len(ordered) - 1, 0)
    if not len(ordered):
        return np.full(len(sizes), np.nan)
    if kind == "disc":  # position ceil(n * q), q as the exact decimal written in SQL
        numerator, denominator = Decimal(repr(q)).as_integer_ratio()
        position = np.maximum(-(-sizes * numerator // denominator), 1) - 1
        return ordered[np.minimum(starts + position, last)]
    exact = (sizes - 1) * q
    below = np.floor(exact)
    low = ordered[np.clip(starts + below.astype("int64"), 0, last)]
    high = ordered[np.clip(starts + np.ceil(exact).astype("int64"), 0, last)]
    return low + (exact - below) * (high - low)
