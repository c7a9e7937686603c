"""`binned`: put a numeric column into bins, the way ``CASE WHEN`` does in SQL.

Three ways to get the bin edges:

- ``bins=4`` (``method="equal_width"``): four bins of equal width between the
  column's minimum and maximum;
- ``bins=4, method="quantile"``: edges at the quartiles, so each bin holds about a
  quarter of the rows;
- ``bins=[0, 50, 100, 500]``: your own edges.

The output is the bin number (1, 2, ...) or your ``labels``; NULL stays NULL.

Examples
--------
>>> import pandas as pd
>>> orders = pd.DataFrame({"order_total": [5.0, 20.0, 35.0, 80.0, None]})
>>> binned(orders, "order_total", bins=[0, 25, 100], labels=["small", "large"])
   order_total order_total_bin
0          5.0           small
1         20.0           small
2         35.0           large
3         80.0           large
4          NaN             NaN
>>> print(binned.sql("order_total", bins=[0, 25, 100], labels=["small", "large"]))
SELECT *,
  CASE
    WHEN order_total < 0 THEN NULL
    WHEN order_total <= 25 THEN 'small'
    WHEN order_total <= 100 THEN 'large'
  END AS order_total_bin
FROM input
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, cast

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError
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

__all__ = ["binned", "binned_sql", "bin_edges"]

Method = Literal["equal_width", "quantile"]
Closed = Literal["right", "left"]


def binned(
    frame: pd.DataFrame,
    column: str,
    *,
    bins: int | Sequence[float] = 4,
    method: Method = "equal_width",
    labels: Sequence[str] | None = None,
    closed: Closed = "right",
    name: str | None = None,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Add a column with the bin of each value of ``column``.

    Parameters
    ----------
    frame : DataFrame
        The data.
    column : str
        A numeric column.
    bins : int or sequence of float, default 4
        How many bins (at least 2; edges from ``method``), or the edges themselves,
        strictly increasing (``[0, 50, 100]`` makes two bins; ``float("inf")`` is fine).
    method : {"equal_width", "quantile"}, default "equal_width"
        How edges are computed when ``bins`` is a number (see Notes).
    labels : sequence of str, optional
        One label per bin; without it the bin number 1, 2, ... is given.
    closed : {"right", "left"}, default "right"
        Which side of each bin is closed: ``(a, b]`` or ``[a, b)``. The outermost
        edges are always included, so the minimum lands in the first bin.
    name : str, optional
        The new column's name; default ``"<column>_bin"``.
    engine : {"pandas", "duckdb"}, default "pandas"
        Compute with pandas, or run :func:`binned_sql` in DuckDB (same result).

    Returns
    -------
    DataFrame
        ``frame`` plus the bin column (``Int64`` numbers or ``str`` labels).

    Notes
    -----
    *Equal width*: edge ``i`` of ``k`` is ``low + (high - low) * i / k`` in doubles,
    ``low``/``high`` the column's minimum and maximum, computed in this order in both
    engines so they agree to the last bit.

    *Quantile*: edge ``i`` is ``percentile_disc(i / k)`` — the SQL standard's discrete
    percentile, the first value whose cumulative share of the (non-NULL) rows reaches
    ``i / k`` (numpy's ``method="inverted_cdf"``). Edges are real values, so equal
    values always share a bin; when many values tie, edges repeat and some bins stay
    empty. This differs from ``pd.qcut``, whose edges are interpolated
    (``quantile_cont``, numpy's ``"linear"``) and which refuses repeated edges, and
    from SQL's ``ntile(k) OVER (ORDER BY x)``, which deals rows out in equal counts
    and can put two equal values into different bins.

    *Custom edges*: values below the first edge or above the last are NULL, as in
    ``pd.cut(..., include_lowest=True)``. Computed edges cover every value.

    Examples
    --------
    >>> import pipelinekit as pk
    >>> orders = pk.datasets.load("ecommerce", scale="tiny").orders
    >>> out = binned(orders, "order_total", bins=4, method="quantile")
    >>> out["order_total_bin"].value_counts().sort_index().tolist()
    [125, 125, 127, 123]
    """
    check_engine(engine)
    spec = _Spec.make(column, bins, method, labels, closed, name)
    require_columns(frame, [column])
    _require_number(frame, column)
    require_new_columns(frame, [spec.name])
    if engine == "duckdb":
        return run_new_columns(frame, spec.sql(TABLE), {spec.name: spec.dtype})
    values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
    numbers = spec.bin_numbers(values)
    out = frame.copy()
    out[spec.name] = spec.labelled(numbers, index=frame.index)
    return out


def binned_sql(
    column: str,
    *,
    bins: int | Sequence[float] = 4,
    method: Method = "equal_width",
    labels: Sequence[str] | None = None,
    closed: Closed = "right",
    name: str | None = None,
    table: str = TABLE,
) -> str:
    """The DuckDB query that adds the column :func:`binned` adds (same arguments).

    Computed edges come from a ``WITH edges AS (...)`` part that reads the table once.

    Examples
    --------
    >>> print(binned_sql("price", bins=2, method="quantile", closed="left"))
    WITH edges AS (
      SELECT
        percentile_disc(0.5) WITHIN GROUP (ORDER BY price) AS edge_1
      FROM input
    )
    SELECT input.*,
      CASE
        WHEN price IS NULL THEN NULL
        WHEN price < edges.edge_1 THEN 1
        ELSE 2
      END AS price_bin
    FROM input CROSS JOIN edges
    """
    return _Spec.make(column, bins, method, labels, closed, name).sql(table)


binned.sql = binned_sql  # type: ignore[attr-defined]


def bin_edges(values: pd.Series, *, bins: int, method: Method = "equal_width") -> np.ndarray:
    """The inner edges :func:`binned` computes for ``values`` (``bins - 1`` of them).

    Examples
    --------
    >>> bin_edges(pd.Series([1, 2, 3, 4, 10]), bins=3).tolist()
    [4.0, 7.0]
    >>> bin_edges(pd.Series([1, 2, 3, 4, 10]), bins=2, method="quantile").tolist()
    [3.0]
    """
    _check_count(bins)
    _check_method(method)
    data = values.to_numpy(dtype="float64", na_value=np.nan)
    data = np.sort(data[~np.isnan(data)])
    steps = np.arange(1, bins)
    if data.size == 0:
        return np.full(bins - 1, np.nan)
    if method == "quantile":
        # percentile_disc(q): the value at 1-based position ceil(n * q).
        positions = np.ceil(data.size * (steps / bins)).astype(np.int64) - 1
        return data[np.clip(positions, 0, data.size - 1)]
    low, high = data[0], data[-1]
    return low + (high - low) * steps / bins


class _Spec:
    """Everything that decides the bins, checked once, shared by both engines."""

    def __init__(
        self,
        column: str,
        count: int,
        edges: tuple[float, ...] | None,
        method: Method,
        labels: tuple[str, ...] | None,
        closed: Closed,
        name: str,
    ):
        self.column, self.count, self.edges, self.method = column, count, edges, method
        self.labels, self.closed, self.name = labels, closed, name
        self.dtype = "Int64" if labels is None else "str"

    @classmethod
    def make(
        cls,
        column: str,
        bins: int | Sequence[float],
        method: Method,
        labels: Sequence[str] | None,
        closed: Closed,
        name: str | None,
    ) -> _Spec:
        _check_method(method)
        if closed not in ("right", "left"):
            raise UnknownNameError.for_name(closed, ["right", "left"], kind="closed side")
        edges: tuple[float, ...] | None = None
        if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
            count = int(bins)
            _check_count(count)
        else:
            edges = _check_edges(cast(Sequence[float], bins))
            count = len(edges) - 1
        if labels is not None:
            labels = tuple(labels)
            if len(labels) != count or not all(isinstance(label, str) for label in labels):
                raise InvalidValueError(
                    f"{len(labels)} labels for {count} bins",
                    f"{count} labels, all strings, one per bin",
                    "leave labels out to get bin numbers 1, 2, ...",
                )
        return cls(column, count, edges, method, labels, closed, name or f"{column}_bin")

    # ----------------------------------------------------------------- SQL
    def sql(self, table: str) -> str:
        column = quote(self.column)
        compare = "<=" if self.closed == "right" else "<"
        if self.edges is not None:
            lines = [f"WHEN {column} < {literal(self.edges[0])} THEN NULL"]
            for i, edge in enumerate(self.edges[1:], start=1):
                last = i == self.count
                sign = "<=" if last else compare
                lines.append(f"WHEN {column} {sign} {literal(edge)} THEN {self._label(i)}")
            return add_columns_sql({self.name: _case(lines)}, table=table)
        lines = [f"WHEN {column} IS NULL THEN NULL"]
        lines += [
            f"WHEN {column} {compare} edges.edge_{i} THEN {self._label(i)}"
            for i in range(1, self.count)
        ]
        lines.append(f"ELSE {self._label(self.count)}")
        return (
            f"WITH edges AS (\n  SELECT\n{self._edges_sql(column)}\n  FROM {table}\n)\n"
            f"SELECT {table}.*,\n  {_case(lines)} AS {quote(self.name)}\n"
            f"FROM {table} CROSS JOIN edges"
        )

    def _edges_sql(self, column: str) -> str:
        if self.method == "quantile":
            parts = [
                f"percentile_disc({literal(i / self.count)}) WITHIN GROUP (ORDER BY {column})"
                for i in range(1, self.count)
            ]
        else:
            low, high = f"CAST(min({column}) AS DOUBLE)", f"CAST(max({column}) AS DOUBLE)"
            parts = [f"{low} + ({high} - {low}) * {i} / {self.count}" for i in range(1, self.count)]
        return ",\n".join(f"    {part} AS edge_{i}" for i, part in enumerate(parts, start=1))

    def _label(self, number: int) -> str:
        return str(number) if self.labels is None else literal(self.labels[number - 1])

    # -------------------------------------------------------------- pandas
    def bin_numbers(self, values: np.ndarray) -> np.ndarray:
        """Bin numbers (0 = NULL) exactly as the CASE expression picks them."""
        missing = np.isnan(values)
        if self.edges is None:
            inner = bin_edges(pd.Series(values), bins=self.count, method=self.method)
            upper = np.append(inner, np.inf)  # ELSE k: the last bin takes the rest
            numbers = _first_match(values, upper, self.closed, last_closed=True)
        else:
            edges = np.asarray(self.edges, dtype="float64")
            numbers = _first_match(values, edges[1:], self.closed, last_closed=True)
            numbers[values < edges[0]] = 0
        numbers[missing] = 0
        return numbers

    def labelled(self, numbers: np.ndarray, *, index: pd.Index) -> pd.Series:
        if self.labels is None:
            return pd.Series(numbers, index=index, dtype="Int64").mask(numbers == 0)
        choices = np.array([None, *self.labels], dtype=object)
        return pd.Series(choices[numbers], index=index, dtype="str")


def _first_match(values: np.ndarray, upper: np.ndarray, closed: Closed, *, last_closed: bool):
    """1-based number of the first upper edge a value falls under, 0 when none does."""
    if closed == "right" or upper.size == 0:
        hits = values[:, None] <= upper[None, :]
    else:
        hits = values[:, None] < upper[None, :]
        if last_closed:
            hits[:, -1] |= values == upper[-1]
    return np.where(hits.any(axis=1), hits.argmax(axis=1) + 1, 0)


def _case(lines: list[str]) -> str:
    return "CASE\n" + "".join(f"    {line}\n" for line in lines) + "  END"


def _check_method(method: str) -> None:
    if method not in ("equal_width", "quantile"):
        raise UnknownNameError.for_name(method, ["equal_width", "quantile"], kind="method")


def _check_count(bins: int) -> None:
    if bins < 2:
        raise InvalidValueError(
            f"bins={bins}",
            "at least 2 bins",
            "one bin says nothing; try bins=4, or give edges such as bins=[0, 50, 100]",
        )


def _check_edges(bins: Sequence[float]) -> tuple[float, ...]:
    edges = tuple(bins)
    if len(edges) < 3:
        raise InvalidValueError(
            f"{len(edges)} bin edges {list(edges)}",
            "at least 3 edges (2 bins)",
            "edges are the borders of the bins: [0, 50, 100] makes two bins",
        )
    for before, after in zip(edges, edges[1:], strict=False):
        if not after > before:  # also catches NaN
            raise InvalidValueError(
                f"Bin edges {list(edges)} are not increasing ({before} then {after})",
                "strictly increasing edges",
                f"sort them and drop repeats: {sorted(set(edges))}",
            )
    return edges


def _require_number(frame: pd.DataFrame, column: str) -> None:
    series = frame[column]
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return
    raise InvalidValueError(
        f"Column '{column}' has dtype {series.dtype}",
        "a numeric column to bin",
        f"convert it first with pd.to_numeric(frame['{column}'])",
    )
