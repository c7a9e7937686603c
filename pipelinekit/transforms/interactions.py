"""`polynomial_features`: squares and products of numeric columns ("price^2",
"price*quantity"), the terms scikit-learn's ``PolynomialFeatures`` makes.

Examples
--------
>>> import pandas as pd
>>> items = pd.DataFrame({"price": [2.0, 3.0], "quantity": [1, 4]})
>>> polynomial_features(items, ["price", "quantity"])
   price  quantity  price^2  price*quantity  quantity^2
0    2.0         1      4.0             2.0         1.0
1    3.0         4      9.0            12.0        16.0
>>> print(polynomial_features.sql(["price", "quantity"], interaction_only=True))
SELECT *,
  CAST(price AS DOUBLE) * quantity AS "price*quantity"
FROM input
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError
from pipelinekit.transforms.order import require_columns
from pipelinekit.transforms.sql import quote
from pipelinekit.transforms.twin import (
    TABLE,
    Engine,
    add_columns_sql,
    check_engine,
    require_new_columns,
    run_new_columns,
)

__all__ = ["polynomial_features", "polynomial_features_sql", "polynomial_terms"]


def polynomial_features(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    degree: int = 2,
    interaction_only: bool = False,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add the polynomial and interaction terms of ``columns`` up to ``degree``.

    Parameters
    ----------
    frame : DataFrame
        The data.
    columns : sequence of str
        Numeric columns.
    degree : int, default 2
        The highest total power of a term (2: squares and pairwise products).
    interaction_only : bool, default False
        Only products of different columns ("price*quantity"), no powers ("price^2").
    engine : {"pandas", "duckdb"}, default "pandas"
        Compute with numpy, or run :func:`polynomial_features_sql` in DuckDB.

    Returns
    -------
    DataFrame
        ``frame`` plus one ``float64`` column per new term, in scikit-learn's order,
        named like ``"price^2"`` and ``"price^2*quantity"``. The columns themselves
        (degree 1) are not repeated.

    Notes
    -----
    The terms and their order come from ``sklearn.preprocessing.PolynomialFeatures``
    (its ``powers_``); the products are computed here, because scikit-learn refuses
    missing values while SQL lets them through: a term is NULL when a column in it
    is NULL. Each product is taken left to right in doubles
    (``price * price * quantity``) in both engines, so they agree to the last bit.

    Examples
    --------
    >>> import pipelinekit as pk
    >>> items = pk.datasets.load("ecommerce", scale="tiny").order_items
    >>> out = polynomial_features(items, ["unit_price", "quantity"], interaction_only=True)
    >>> out[["unit_price", "quantity", "unit_price*quantity"]].head(3)
       unit_price  quantity  unit_price*quantity
    0       11.99         1                11.99
    1       11.99         1                11.99
    2      146.99         1               146.99
    """
    check_engine(engine)
    terms = polynomial_terms(columns, degree=degree, interaction_only=interaction_only)
    require_columns(frame, list(columns))
    for column in columns:
        _require_number(frame, column)
    require_new_columns(frame, list(terms))
    if engine == "duckdb":
        query = polynomial_features_sql(columns, degree=degree, interaction_only=interaction_only)
        return run_new_columns(frame, query, dict.fromkeys(terms, "float64"))
    values = {
        column: frame[column].to_numpy(dtype="float64", na_value=np.nan) for column in columns
    }
    out = frame.copy()
    for name, factors in terms.items():
        product = values[factors[0]]
        for factor in factors[1:]:
            product = product * values[factor]
        out[name] = product
    return out


def polynomial_features_sql(
    columns: Sequence[str],
    *,
    degree: int = 2,
    interaction_only: bool = False,
    table: str = TABLE,
) -> str:
    """The DuckDB query that adds the columns :func:`polynomial_features` adds.

    The first factor is cast to ``DOUBLE`` so integer columns cannot overflow.

    Examples
    --------
    >>> print(polynomial_features_sql(["price"], degree=3))
    SELECT *,
      CAST(price AS DOUBLE) * price AS "price^2",
      CAST(price AS DOUBLE) * price * price AS "price^3"
    FROM input
    """
    terms = polynomial_terms(columns, degree=degree, interaction_only=interaction_only)
    expressions = {
        name: " * ".join([f"CAST({quote(factors[0])} AS DOUBLE)", *map(quote, factors[1:])])
        for name, factors in terms.items()
    }
    return add_columns_sql(expressions, table=table)


polynomial_features.sql = polynomial_features_sql  # type: ignore[attr-defined]


def polynomial_terms(
    columns: Sequence[str], *, degree: int = 2, interaction_only: bool = False
) -> dict[str, tuple[str, ...]]:
    """The new terms, by name, each as the columns multiplied (a column repeats per power).

    Examples
    --------
    >>> polynomial_terms(["a", "b"])
    {'a^2': ('a', 'a'), 'a*b': ('a', 'b'), 'b^2': ('b', 'b')}
    """
    from sklearn.preprocessing import PolynomialFeatures

    columns = [columns] if isinstance(columns, str) else list(columns)
    if not columns or len(set(columns)) != len(columns):
        raise InvalidValueError(
            f"columns={columns}", "one or more distinct column names", "e.g. ['price', 'quantity']"
        )
    if isinstance(degree, bool) or not isinstance(degree, int) or degree < 2:
        raise InvalidValueError(
            f"degree={degree!r}",
            "a whole number of at least 2",
            "degree=1 would only repeat the columns; degree=2 adds squares and products",
        )
    fitted = PolynomialFeatures(
        degree=degree, interaction_only=interaction_only, include_bias=False
    ).fit(np.zeros((1, len(columns))))
    terms = {}
    for powers in fitted.powers_:
        if powers.sum() < 2:
            continue
        used = [
            (column, int(power)) for column, power in zip(columns, powers, strict=True) if power
        ]
        name = "*".join(column if power == 1 else f"{column}^{power}" for column, power in used)
        terms[name] = tuple(column for column, power in used for _ in range(power))
    return terms


def _require_number(frame: pd.DataFrame, column: str) -> None:
    series = frame[column]
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return
    raise InvalidValueError(
        f"Column '{column}' has dtype {series.dtype}",
        "numeric columns to multiply",
        f"convert it first with pd.to_numeric(frame['{column}'])",
    )
