"""`pivot` and `unpivot`: long to wide and back, with SQL's PIVOT semantics.

:func:`pivot` spreads the values of one column (the *pivot keys*, e.g. months) over
new columns, one per key and aggregation; :func:`unpivot` melts columns back into
rows. Both know their SQL twin (``pivot.sql(...)``, ``unpivot.sql(...)``).

Examples
--------
>>> import pandas as pd
>>> sales = pd.DataFrame({
...     "region": ["north", "north", "south", "south"],
...     "month": ["2024-01", "2024-02", "2024-01", "2024-01"],
...     "amount": [10.0, 20.0, 5.0, 7.0],
... })
>>> wide = pivot(sales, index="region", columns="month", values="amount")
>>> wide
  region  amount_sum_2024-01  amount_sum_2024-02
0  north                10.0                20.0
1  south                12.0                 NaN
>>> unpivot(wide, id_columns="region", name="month", value_name="amount",
...         prefix="amount_sum_")
  region    month  amount
0  north  2024-01    10.0
1  north  2024-02    20.0
2  south  2024-01    12.0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError, format_list
from pipelinekit.transforms.order import Order, require_columns, sort_positions
from pipelinekit.transforms.sql import literal, quote, sql
from pipelinekit.transforms.twin import TABLE, Engine, check_engine

__all__ = [
    "AGGREGATIONS",
    "Aggregation",
    "pivot",
    "pivot_sql",
    "unpivot",
    "unpivot_sql",
]

Aggregation = Literal["sum", "mean", "min", "max", "count", "median"]
#: pipelinekit's aggregation names and the SQL function each one stands for.
AGGREGATIONS: dict[str, str] = {
    "sum": "sum",
    "mean": "avg",
    "min": "min",
    "max": "max",
    "count": "count",
    "median": "median",
}
AggSpec = str | Sequence[str] | Mapping[str, str | Sequence[str]] | None
Names = str | Sequence[str]

#: The suffix of the row-total columns ``totals=True`` adds.
TOTAL = "total"
_DEFAULT_MAX_COLUMNS = 1000


# ---------------------------------------------------------------------------------------
# pivot
# ---------------------------------------------------------------------------------------


def pivot(
    frame: pd.DataFrame,
    *,
    index: Names,
    columns: str,
    values: Names | None = None,
    agg: AggSpec = "sum",
    fill_value: float | None = None,
    totals: bool = False,
    max_columns: int = _DEFAULT_MAX_COLUMNS,
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Spread the values of ``columns`` over new columns: one row per ``index`` group.

    Parameters
    ----------
    frame : DataFrame
        The long table.
    index : str or list of str
        The column(s) whose distinct values become the rows (SQL ``GROUP BY``).
    columns : str
        The column whose distinct non-NULL values (the *pivot keys*) become columns.
    values : str or list of str, optional
        The column(s) to aggregate; may be left out when ``agg`` is a dict.
    agg : str, list of str, dict or None
        ``"sum"``, ``"mean"``, ``"min"``, ``"max"``, ``"count"`` or ``"median"``; a list
        applies each to every value column; a dict maps a value column to its
        aggregation(s). ``None`` means "no aggregation": each ``index``/``columns``
        combination must occur at most once and its value is copied as it is.
    fill_value : scalar, optional
        Written into cells that would be NULL (no row for the combination, or only NULL
        values), like SQL's ``coalesce(..., fill_value)``.
    totals : bool
        Add a row-total column per value and aggregation (``amount_sum_total``) and a
        last row holding the column totals, whose ``index`` columns are NULL (as SQL's
        ``GROUPING SETS`` label a total row).
    max_columns : int
        Refuse a pivot that would create more columns than this.
    engine : {"pandas", "duckdb"}
        Compute with pandas, or run the SQL twin in DuckDB.

    Returns
    -------
    DataFrame
        The ``index`` columns, then for each value column and aggregation, one column
        per pivot key in ascending key order (then the row total). Rows are sorted by
        ``index`` (NULLs last); the index is a fresh ``RangeIndex``.

    Notes
    -----
    **Column names** follow one rule, so they stay the same when you add a value or an
    aggregation: ``<value>_<agg>_<key>`` (``amount_sum_2024-01``), or ``<value>_<key>``
    when ``agg=None``. A key is written as text: dates at midnight as ``2024-01-31``,
    other timestamps as ``2024-01-31 10:30:00``, booleans as ``true``/``false``.

    **NULL pivot keys** follow SQL's ``PIVOT``: a row whose key is NULL lands in no column
    (``FILTER (WHERE month = NULL)`` is never true), and does not count in the totals
    either; its ``index`` group still gets a row, all NULL if it has no other rows.
    NULLs in ``index`` form one group, as in ``GROUP BY``.

    **Aggregations** follow SQL: ``sum`` of nothing (or of NULLs only) is NULL, not 0 as
    in pandas' ``groupby().sum()``; ``count`` counts non-NULL values and is 0, never NULL.
    Results are float64, except ``count`` (int64) and ``min``/``max``/``None`` of
    non-numeric columns.

    pandas' ``pivot_table`` names columns with a MultiIndex and labels totals ``"All"``;
    DuckDB's own ``PIVOT`` statement names them ``2024-01_amount_sum``. The SQL twin
    uses conditional aggregation, which needs the keys written out: see
    :func:`pivot_sql`.

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({
    ...     "region": ["north", "north", "south", "south"],
    ...     "month": ["2024-01", "2024-02", "2024-01", None],
    ...     "amount": [10, 20, 5, 7],
    ... })
    >>> pivot(sales, index="region", columns="month", values="amount",
    ...       agg=["sum", "count"], fill_value=0, totals=True)
      region  amount_sum_2024-01  ...  amount_count_2024-02  amount_count_total
    0  north                10.0  ...                     1                   2
    1  south                 5.0  ...                     0                   1
    2    NaN                15.0  ...                     1                   3
    <BLANKLINE>
    [3 rows x 7 columns]
    """
    check_engine(engine)
    spec = _PivotSpec.build(frame, index, columns, values, agg, totals)
    keys = _pivot_keys(frame, columns, engine)
    spec.check_names(keys, max_columns)
    if engine == "duckdb":
        query = pivot_sql(
            index=spec.index,
            columns=columns,
            values=None,
            agg=cast(Any, spec.measures_as_dict()),  # None: agg=None passes values through
            keys=keys,
            fill_value=fill_value,
            totals=totals,
        )
        return spec.normalise(sql(query, **{TABLE: frame}), frame)
    return spec.normalise(_pivot_pandas(frame, spec, keys, fill_value), frame)


def pivot_sql(
    *,
    index: Names,
    columns: str,
    keys: Sequence[object],
    values: Names | None = None,
    agg: AggSpec = "sum",
    fill_value: float | None = None,
    totals: bool = False,
    table: str = TABLE,
) -> str:
    """The SQL twin of :func:`pivot`: conditional aggregation, one ``FILTER`` per key.

    SQL needs the output columns written out, so the pivot ``keys`` are passed in
    (``pivot(engine="duckdb")`` reads them with ``SELECT DISTINCT``). DuckDB's
    ``PIVOT`` statement finds them itself, but names columns key first
    (``2024-01_amount_sum``) and is DuckDB-only; ``FILTER`` also runs in PostgreSQL.

    Examples
    --------
    >>> print(pivot_sql(index="region", columns="month", values="amount",
    ...                 keys=["2024-01", "2024-02"], fill_value=0))
    SELECT
      region,
      coalesce(sum(amount) FILTER (WHERE month = '2024-01'), 0) AS "amount_sum_2024-01",
      coalesce(sum(amount) FILTER (WHERE month = '2024-02'), 0) AS "amount_sum_2024-02"
    FROM input
    GROUP BY region
    ORDER BY region ASC NULLS LAST
    """
    index = _as_list(index)
    measures = _measures(values, agg)
    keys = _sort_keys(keys)
    fill = "" if fill_value is None else f", {_literal(fill_value)}"
    lines = [quote(column) for column in index]
    for value, how in measures:
        function = "any_value" if how is None else AGGREGATIONS[how]
        for key in keys:
            condition = f"{quote(columns)} = {_literal(key)}"
            expression = f"{function}({quote(value)}) FILTER (WHERE {condition})"
            if fill:
                expression = f"coalesce({expression}{fill})"
            lines.append(f"{expression} AS {quote(_column_name(value, how, key))}")
        if totals:
            expression = f"{function}({quote(value)}) FILTER (WHERE {quote(columns)} IS NOT NULL)"
            if fill:
                expression = f"coalesce({expression}{fill})"
            lines.append(f"{expression} AS {quote(_column_name(value, how, TOTAL))}")
    group = ", ".join(quote(column) for column in index)
    order = ", ".join(f"{quote(column)} ASC NULLS LAST" for column in index)
    query = "SELECT\n  " + ",\n  ".join(lines) + f"\nFROM {table}\n"
    if totals:
        return (
            query + f"GROUP BY GROUPING SETS (({group}), ())\nORDER BY grouping({group}), {order}"
        )
    return query + f"GROUP BY {group}\nORDER BY {order}"


def _pivot_twin_arguments(frame: pd.DataFrame, *, columns: str, **_: object) -> dict[str, object]:
    """The pivot keys :func:`pivot_sql` needs, read from the data as :func:`pivot` reads
    them (for the lineage of a tracked call)."""
    return {"keys": _pivot_keys(frame, columns, "pandas")}


pivot.sql = pivot_sql  # type: ignore[attr-defined]
pivot.twin_arguments = _pivot_twin_arguments  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------
# unpivot
# ---------------------------------------------------------------------------------------


def unpivot(
    frame: pd.DataFrame,
    *,
    id_columns: Names,
    value_columns: Names | None = None,
    name: str = "variable",
    value_name: str = "value",
    drop_nulls: bool = True,
    prefix: str = "",
    engine: Engine = "pandas",
) -> pd.DataFrame:
    """Melt ``value_columns`` into rows: one row per input row and value column.

    Parameters
    ----------
    frame : DataFrame
        The wide table.
    id_columns : str or list of str
        Columns copied onto every output row.
    value_columns : str or list of str, optional
        The columns to melt; by default every column not in ``id_columns``. They must
        hold one kind of data (numbers, text, booleans or timestamps), as SQL needs one
        type for the value column.
    name, value_name : str
        Names of the output columns holding the former column name and its value.
    drop_nulls : bool
        Leave out NULL values, as SQL's ``UNPIVOT`` does by default; ``False`` keeps them
        (``UNPIVOT INCLUDE NULLS``).
    prefix : str
        Strip this prefix from the names written into ``name`` (every value column must
        start with it): ``prefix="amount_sum_"`` turns ``amount_sum_2024-01`` back into
        ``2024-01``, so ``unpivot`` undoes :func:`pivot`.
    engine : {"pandas", "duckdb"}
        Compute with pandas, or run the SQL twin in DuckDB.

    Returns
    -------
    DataFrame
        ``id_columns``, ``name``, ``value_name``; sorted by ``id_columns`` (NULLs last),
        then by the position of the value column, then by value.

    Notes
    -----
    ``unpivot(pivot(long, agg=None, ...), prefix=...)`` gives back ``long`` without its
    NULL values, sorted, with the pivot keys as text. pandas' ``melt`` keeps NULLs and
    the input's row order; SQL's ``UNPIVOT`` drops NULLs and promises no order.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"device": [1, 2], "min": [3.0, None], "max": [9.0, 8.0]})
    >>> unpivot(wide, id_columns="device", name="stat")
       device stat  value
    0       1  min    3.0
    1       1  max    9.0
    2       2  max    8.0
    """
    check_engine(engine)
    ids = _as_list(id_columns)
    require_columns(frame, ids)
    melted = _value_columns(frame, ids, value_columns)
    _check_unpivot(frame, ids, melted, name, value_name, prefix)
    if engine == "duckdb":
        query = unpivot_sql(
            id_columns=ids,
            value_columns=melted,
            name=name,
            value_name=value_name,
            drop_nulls=drop_nulls,
            prefix=prefix,
        )
        result = sql(query, **{TABLE: frame})
    else:
        result = _unpivot_pandas(frame, ids, melted, name, value_name, drop_nulls, prefix)
    for column in ids:
        result[column] = _restore_dtype(result[column], frame[column])
    if melted:
        result[value_name] = _restore_dtype(result[value_name], frame[melted[0]])
    result[name] = result[name].astype("str")
    return result.reset_index(drop=True)


def unpivot_sql(
    *,
    id_columns: Names,
    value_columns: Names,
    name: str = "variable",
    value_name: str = "value",
    drop_nulls: bool = True,
    prefix: str = "",
    table: str = TABLE,
) -> str:
    """The SQL twin of :func:`unpivot`: the standard ``UNPIVOT`` clause, sorted.

    Examples
    --------
    >>> print(unpivot_sql(id_columns="region", value_columns=["amount_2024-01"],
    ...                   name="month", value_name="amount", prefix="amount_"))
    SELECT region, month, amount
    FROM input UNPIVOT (
      amount FOR month IN ("amount_2024-01" AS "2024-01")
    )
    ORDER BY region ASC NULLS LAST, list_position(['2024-01'], month), amount ASC NULLS LAST
    """
    ids, melted = _as_list(id_columns), _as_list(value_columns)
    labels = [column[len(prefix) :] for column in melted]
    on = ", ".join(
        quote(column) + (f" AS {quote(label)}" if label != column else "")
        for column, label in zip(melted, labels, strict=True)
    )
    nulls = "" if drop_nulls else " INCLUDE NULLS"
    positions = "[" + ", ".join(_literal(label) for label in labels) + "]"
    order = [f"{quote(c)} ASC NULLS LAST" for c in ids]
    order += [f"list_position({positions}, {quote(name)})", f"{quote(value_name)} ASC NULLS LAST"]
    selected = ", ".join(quote(c) for c in [*ids, name, value_name])
    return (
        f"SELECT {selected}\nFROM {table} UNPIVOT{nulls} (\n"
        f"  {quote(value_name)} FOR {quote(name)} IN ({on})\n)\nORDER BY {', '.join(order)}"
    )


def _value_columns(frame: pd.DataFrame, ids: list[str], value_columns: Names | None) -> list[str]:
    """The columns to melt: those named, or every column not in ``ids``."""
    if value_columns is None:
        return [c for c in frame.columns if c not in ids]
    return _as_list(value_columns)


def _unpivot_twin_arguments(
    frame: pd.DataFrame, *, id_columns: Names, value_columns: Names | None = None, **_: object
) -> dict[str, object]:
    """The value columns :func:`unpivot_sql` needs, as :func:`unpivot` picks them (for the
    lineage of a tracked call)."""
    return {"value_columns": _value_columns(frame, _as_list(id_columns), value_columns)}


unpivot.sql = unpivot_sql  # type: ignore[attr-defined]
unpivot.twin_arguments = _unpivot_twin_arguments  # type: ignore[attr-defined]


def _check_unpivot(
    frame: pd.DataFrame,
    ids: list[str],
    melted: list[str],
    name: str,
    value_name: str,
    prefix: str,
) -> None:
    require_columns(frame, melted)
    if not melted:
        raise InvalidValueError(
            "No columns to unpivot",
            "at least one value column besides the id columns",
            "name them with value_columns=[...]",
        )
    both = [c for c in melted if c in ids]
    if both:
        raise InvalidValueError(
            f"Columns {format_list(both)} are both id and value columns",
            "each column in one role",
            "leave them out of value_columns",
        )
    for new in (name, value_name):
        if new in ids:
            raise InvalidValueError(
                f"Output column '{new}' has the name of an id column",
                "new names for name= and value_name=",
                "pick another name, e.g. name='month', value_name='amount'",
            )
    if name == value_name:
        raise InvalidValueError(
            f"name and value_name are both '{name}'",
            "two different names",
            "e.g. value_name='value'",
        )
    kinds = {c: _kind(frame[c]) for c in melted}
    if len(set(kinds.values())) > 1:
        listed = ", ".join(f"{c} ({kind})" for c, kind in kinds.items())
        raise InvalidValueError(
            f"Value columns of different kinds: {listed}",
            "one kind of data, as SQL needs one type for the value column",
            "unpivot each kind separately, or cast the columns to text first",
        )
    unprefixed = [c for c in melted if not c.startswith(prefix) or c == prefix]
    if unprefixed:
        raise InvalidValueError(
            f"Value columns {format_list(unprefixed)} do not start with prefix '{prefix}'",
            "every value column to start with the prefix (and have text after it)",
            "pass value_columns= to pick the prefixed columns only",
        )


def _unpivot_pandas(
    frame: pd.DataFrame,
    ids: list[str],
    melted: list[str],
    name: str,
    value_name: str,
    drop_nulls: bool,
    prefix: str,
) -> pd.DataFrame:
    n = len(frame)
    labels = [column[len(prefix) :] for column in melted]
    result = pd.DataFrame({c: np.tile(frame[c].to_numpy(), len(melted)) for c in ids})
    result[name] = np.repeat(np.array(labels, dtype=object), n)
    result[value_name] = pd.concat([frame[c] for c in melted], ignore_index=True).to_numpy()
    result["__pk_pos"] = np.repeat(np.arange(len(melted)), n)
    if drop_nulls:
        result = result[pd.notna(result[value_name])]
    keys = [*[Order(c) for c in ids], Order("__pk_pos"), Order(value_name)]
    return result.iloc[sort_positions(result, keys)].drop(columns="__pk_pos")


def _kind(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_numeric_dtype(column):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "timestamp"
    return "text"


class _PivotSpec:
    """The checked arguments of a pivot, shared by both engines."""

    def __init__(
        self, index: list[str], columns: str, measures: list[tuple[str, str | None]], totals: bool
    ):
        self.index, self.columns, self.measures, self.totals = index, columns, measures, totals

    @classmethod
    def build(
        cls,
        frame: pd.DataFrame,
        index: Names,
        columns: str,
        values: Names | None,
        agg: AggSpec,
        totals: bool,
    ) -> _PivotSpec:
        index = _as_list(index)
        measures = _measures(values, agg)
        require_columns(frame, [*index, columns, *(value for value, _ in measures)])
        if columns in index:
            raise InvalidValueError(
                f"Column '{columns}' is both the pivot column and an index column",
                "different columns for index= and columns=",
                "the index columns stay as rows; the pivot column's values become columns",
            )
        for value, how in measures:
            if value in index or value == columns:
                raise InvalidValueError(
                    f"Value column '{value}' is also an index or pivot column",
                    "values= to name the columns to aggregate",
                    "aggregate another column, or count rows with agg='count'",
                )
            check_aggregable(frame, value, how)
        if any(how is None for _, how in measures):
            if totals:
                raise InvalidValueError(
                    "totals=True with agg=None",
                    "an aggregation to compute totals with",
                    "pass agg='sum' (or another aggregation) to get totals",
                )
            _check_unique(frame, [*index, columns])
        return cls(index, columns, measures, totals)

    def check_names(self, keys: Sequence[object], max_columns: int) -> None:
        count = len(self.measures) * len(keys)
        if count > max_columns:
            raise InvalidValueError(
                f"This pivot would create {count} columns ({len(keys)} distinct values of "
                f"'{self.columns}' x {len(self.measures)} value/aggregation pairs)",
                f"at most max_columns={max_columns}",
                f"pivot a column with fewer distinct values (bucket '{self.columns}' first, "
                "e.g. by month), filter the rows, or raise max_columns",
            )
        names = [*self.index]
        for value, how in self.measures:
            names += [_column_name(value, how, key) for key in keys] + [
                _column_name(value, how, TOTAL)
            ]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise InvalidValueError(
                f"The pivot would create columns with the same name: {format_list(repeated)}",
                "one distinct name per output column",
                "rename the index column, or recode the pivot key that clashes "
                f"(a key '{TOTAL}' clashes with the totals column)",
            )

    def measures_as_dict(self) -> dict[str, list[str | None]]:
        result: dict[str, list[str | None]] = {}
        for value, how in self.measures:
            result.setdefault(value, []).append(how)
        return result

    def normalise(self, result: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
        """Give both engines' results the same dtypes (see Notes of :func:`pivot`)."""
        for column in self.index:
            result[column] = _restore_dtype(result[column], frame[column])
        for value, how in self.measures:
            prefix = _column_name(value, how, "")
            for name in [
                name for name in result.columns[len(self.index) :] if name.startswith(prefix)
            ]:
                if how == "count":
                    result[name] = result[name].astype("int64")
                elif how in ("sum", "mean", "median") or _is_numeric(frame[value]):
                    result[name] = result[name].astype("float64")
                else:
                    result[name] = _restore_dtype(result[name], frame[value])
        return result.reset_index(drop=True)


def _pivot_pandas(
    frame: pd.DataFrame, spec: _PivotSpec, keys: list[object], fill_value: float | None
) -> pd.DataFrame:
    labels, row_codes = _row_labels(frame, spec.index)
    key_codes = _key_codes(frame[spec.columns], keys)
    keep = key_codes >= 0
    n_rows, n_keys = len(labels), len(keys)
    if spec.totals:  # the total row aggregates every kept row once more
        labels = pd.concat([labels, pd.DataFrame([dict.fromkeys(spec.index)])], ignore_index=True)
        row_codes = np.concatenate([row_codes, np.full(len(frame), n_rows)])
        key_codes, keep = np.tile(key_codes, 2), np.tile(keep, 2)
        n_rows += 1
    blocks: dict[str, np.ndarray] = {}
    for value, how in spec.measures:
        column = frame[value].to_numpy()
        column = np.concatenate([column, column]) if spec.totals else column
        data = pd.DataFrame({"row": row_codes, "key": key_codes, "v": column})[keep]
        empty = 0 if how == "count" else None
        cell = data["row"].to_numpy() * n_keys + data["key"].to_numpy()  # one code per cell
        if how in ("sum", "count") and pd.api.types.is_numeric_dtype(data["v"]):
            matrix = _sum_or_count(cell, data["v"].to_numpy(), how, n_rows * n_keys)
        else:
            cells = _aggregate(data["v"].groupby(cell), how)
            matrix = cells.reindex(range(n_rows * n_keys), fill_value=empty).to_numpy()
        matrix = matrix.reshape(n_rows, n_keys)
        for position, key in enumerate(keys):
            blocks[_column_name(value, how, key)] = matrix[:, position]
        if spec.totals:
            per_row = _aggregate(data.groupby("row")["v"], how).reindex(
                range(n_rows), fill_value=empty
            )
            blocks[_column_name(value, how, TOTAL)] = per_row.to_numpy()
    measures = pd.DataFrame(blocks, index=labels.index)
    if fill_value is not None:
        measures = measures.fillna(fill_value)
    return pd.concat([labels, measures], axis=1)


def _row_labels(frame: pd.DataFrame, index: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct ``index`` rows in SQL order, and each row's position among them.

    Grouping codes come from pandas' hash tables (NULLs form a group, as in SQL's GROUP
    BY), so no value is converted to Python objects on the way.
    """
    codes = frame.groupby(index, sort=False, dropna=False).ngroup().to_numpy()
    # Groups are numbered in order of first appearance: a new running maximum is a new group.
    running = np.maximum.accumulate(codes) if len(codes) else codes
    first = np.flatnonzero(np.r_[True, running[1:] > running[:-1]][: len(codes)])
    labels = frame[index].iloc[first].reset_index(drop=True)
    order = sort_positions(labels, [Order(column) for column in index])
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return labels.iloc[order].reset_index(drop=True), rank[codes]


def _key_codes(column: pd.Series, keys: list[object]) -> np.ndarray:
    """Each row's position in ``keys`` (-1 for NULL or a key not listed)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    if not keys or len(uniques) == 0:
        return np.full(len(column), -1)
    positions = pd.Index(keys).get_indexer(uniques)  # a few distinct values: cheap
    return np.where(codes >= 0, positions[codes], -1)


def _sum_or_count(cell: np.ndarray, values: np.ndarray, how: str, cells: int) -> np.ndarray:
    """SQL ``sum``/``count`` per cell with ``np.bincount``: NULLs skipped, an empty sum NULL."""
    present = ~pd.isna(values)
    counts = np.bincount(cell[present], minlength=cells)
    if how == "count":
        return counts
    sums = np.bincount(cell[present], weights=values[present].astype("float64"), minlength=cells)
    return np.where(counts > 0, sums, np.nan)


def _aggregate(grouped: pd.core.groupby.SeriesGroupBy, how: str | None) -> pd.Series:
    """SQL's aggregate per group: ``sum`` of NULLs only is NULL, ``count`` skips NULLs."""
    if how is None:
        return grouped.first()
    if how == "sum":
        return grouped.sum(min_count=1)
    return grouped.agg(how)


def _pivot_keys(frame: pd.DataFrame, columns: str, engine: str) -> list[object]:
    """The distinct non-NULL values of ``columns``, sorted (read by the engine that runs)."""
    if engine == "duckdb":
        query = (
            f"SELECT DISTINCT {quote(columns)} AS k FROM {TABLE} WHERE {quote(columns)} IS NOT NULL"
        )
        found = sql(query, **{TABLE: frame[[columns]]})["k"]
        found = found.astype(frame[columns].dtype) if len(found) else found
    else:
        found = frame[columns].dropna().drop_duplicates()
    return _sort_keys(list(found))


def _sort_keys(keys: Sequence[object]) -> list[object]:
    return list(pd.Series(list(keys), dtype=object).sort_values(kind="stable").drop_duplicates())


def _measures(values: Names | None, agg: AggSpec) -> list[tuple[str, str | None]]:
    """(value column, aggregation) pairs in output order; unknown names fail here."""
    if isinstance(agg, Mapping):
        if values is not None and set(_as_list(values)) != set(agg):
            raise InvalidValueError(
                f"values={_as_list(values)} and agg for {list(agg)}",
                "the same value columns in both, or values left out",
                "with agg as a dict, leave out values=: the dict names the columns",
            )
        pairs = [(value, how) for value, hows in agg.items() for how in _agg_list(hows)]
    else:
        if values is None:
            raise InvalidValueError(
                "No value columns (values=None)",
                "values='amount' (or a list), or agg as a dict {'amount': 'sum'}",
                "name the column(s) whose values fill the new columns",
            )
        pairs = [(value, how) for value in _as_list(values) for how in _agg_list(agg)]
    if not pairs:
        raise InvalidValueError("No value columns to aggregate", "at least one", "pass values=")
    for _, how in pairs:
        if how is not None and how not in AGGREGATIONS:
            raise UnknownNameError.for_name(
                how, AGGREGATIONS, kind="aggregation", hint="SQL's avg is called 'mean' here"
            )
    return pairs


def _agg_list(agg: str | Sequence[str] | None) -> list[str | None]:
    if agg is None or isinstance(agg, str):
        return [agg]
    return list(agg)


def _as_list(names: Names) -> list[str]:
    return [names] if isinstance(names, str) else list(names)


def _check_unique(frame: pd.DataFrame, keys: list[str]) -> None:
    rows = frame[frame[keys[-1]].notna()]
    repeated = rows[rows.duplicated(keys, keep=False)]
    if len(repeated):
        example = ", ".join(f"{k}={v!r}" for k, v in repeated.iloc[0][keys].items())
        raise InvalidValueError(
            f"agg=None but {len(repeated)} rows share an index/columns combination "
            f"(e.g. {example})",
            "at most one row per combination when nothing is aggregated",
            "pass agg='sum' (or 'mean', ...) to combine them, or deduplicate first",
        )


def _column_name(value: str, how: str | None, key: object) -> str:
    """``<value>_<agg>_<key>``, or ``<value>_<key>`` without aggregation."""
    return "_".join([value, *([how] if how else []), _key_text(key)]).rstrip("_")


def _key_text(key: object) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, (bool, np.bool_)):
        return "true" if key else "false"
    if isinstance(key, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(key)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat(sep=" ")
    if isinstance(key, dt.date):
        return key.isoformat()
    if isinstance(key, np.integer):
        return str(int(key))
    if isinstance(key, np.floating):
        return repr(float(key))
    return str(key)


def _literal(value: object) -> str:
    """A pivot key or fill value as a SQL literal (timestamps and dates too)."""
    if isinstance(value, pd.Timestamp | dt.datetime):
        if pd.Timestamp(value).tz is not None:
            raise InvalidValueError(
                f"A time-zone-aware pivot key {value}",
                "naive timestamps",
                "convert first: frame[col] = frame[col].dt.tz_convert('UTC').dt.tz_localize(None)",
            )
        return f"TIMESTAMP '{pd.Timestamp(value).isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    try:
        return literal(value)
    except InvalidValueError as error:
        raise InvalidValueError(
            f"A pivot key {value!r} of type {type(value).__name__}",
            "text, numbers, booleans, dates or timestamps",
            "cast the pivot column to text first: frame[col].astype(str)",
        ) from error


def check_aggregable(frame: pd.DataFrame, value: str, how: str | None) -> None:
    """Fail when ``how`` needs numbers (sum, mean, median) and ``value`` holds none."""
    if how in ("sum", "mean", "median") and not _is_numeric(frame[value]):
        raise InvalidValueError(
            f"agg='{how}' over column '{value}' of type {frame[value].dtype}",
            "a numeric column for sum, mean and median",
            "use 'count', 'min' or 'max', or cast the column to numbers first",
        )


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _restore_dtype(result: pd.Series, original: pd.Series) -> pd.Series:
    """Give a result column its input's dtype back when the values allow it."""
    if result.isna().any():
        if _is_numeric(original) or pd.api.types.is_bool_dtype(original):
            return result.astype("float64")
        if pd.api.types.is_datetime64_any_dtype(original) or pd.api.types.is_string_dtype(original):
            return result.astype(original.dtype)
        return result.astype(object).where(result.notna(), None)
    return result.astype(original.dtype)
