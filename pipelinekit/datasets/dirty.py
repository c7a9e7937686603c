"""Dirty data on purpose: inject realistic quality problems and log each one.

A quality lesson needs data with known problems, and an answer key. Each domain
declares its problems as plain data (a list of :class:`Injection`); :func:`inject`
applies them and returns a log with one row per changed row, saying exactly what was
done. The quality lessons and exercises grade against that log.

Every injection touches rows no other injection in the same table touched, so each
dirty row has exactly one cause.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError

__all__ = ["Injection", "inject", "LOG_COLUMNS", "PROBLEMS"]

Problem = Literal[
    "nulls",
    "bad_emails",
    "duplicates",
    "out_of_range",
    "orphan_keys",
    "late_arrivals",
    "schema_drift",
]
PROBLEMS: tuple[str, ...] = Problem.__args__  # type: ignore[attr-defined]

#: Columns of the injection log.
LOG_COLUMNS = ["table", "column", "problem", "row", "key", "original", "injected"]


@dataclass(frozen=True)
class Injection:
    """One kind of quality problem to inject into one table.

    Parameters
    ----------
    problem : str
        One of :data:`PROBLEMS`.
    table : str
        The table to damage.
    column : str, optional
        The column to damage (all problems but ``duplicates``).
    share : float
        Fraction of the table's rows to damage (at least one row).
    parent : str, optional
        For ``orphan_keys``: the referenced ``"table.column"``.
    renamed_to : str, optional
        For ``schema_drift``: the name the column takes in the late batch
        (default ``<column>_v2``).
    """

    problem: Problem
    table: str
    column: str | None = None
    share: float = 0.01
    parent: str | None = None
    renamed_to: str | None = None


def inject(
    tables: dict[str, pd.DataFrame],
    plan: Sequence[Injection],
    *,
    keys: dict[str, list[str]],
    seed: int,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Apply ``plan`` to copies of ``tables``; return the dirty tables and the log.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Clean tables; they are not modified.
    plan : sequence of Injection
        The problems to inject, applied in order.
    keys : dict of str to list of str
        Primary-key columns of each table, written into the log's ``key`` column.
    seed : int
        Makes the choice of rows reproducible.

    Returns
    -------
    (dict of str to DataFrame, DataFrame)
        The dirty tables and the log, one row per damaged row with the columns
        :data:`LOG_COLUMNS`. ``row`` is the row's position in the dirty table.

    Examples
    --------
    >>> clean = {"t": pd.DataFrame({"id": [1, 2, 3, 4], "x": [1.0, 2.0, 3.0, 4.0]})}
    >>> dirty, log = inject(clean, [Injection("nulls", "t", column="x", share=0.25)],
    ...                     keys={"t": ["id"]}, seed=0)
    >>> int(dirty["t"]["x"].isna().sum()), log[["problem", "column", "key"]].shape
    (1, (1, 3))
    """
    rng = np.random.default_rng(seed + 7919)
    dirty = {name: frame.copy(deep=False) for name, frame in tables.items()}  # copy on write
    untouched = {name: np.ones(len(frame), bool) for name, frame in tables.items()}
    records: list[pd.DataFrame] = []
    for injection in plan:
        frame = dirty[injection.table]
        free = np.flatnonzero(untouched[injection.table])
        count = min(len(free), max(1, round(injection.share * len(frame))))
        if injection.problem == "schema_drift":  # a late batch: the last rows
            rows = free[-count:]
        else:
            rows = np.sort(rng.choice(free, size=count, replace=False))
        untouched[injection.table][rows] = False
        apply = _APPLY[injection.problem]
        frame, row_positions, original, injected = apply(frame, rows, injection, rng, dirty)
        dirty[injection.table] = frame
        added = len(frame) - len(untouched[injection.table])  # duplicates add rows
        untouched[injection.table] = np.append(untouched[injection.table], np.zeros(added, bool))
        key_columns = keys.get(injection.table, [frame.columns[0]])
        records.append(
            pd.DataFrame(
                {
                    "table": injection.table,
                    "column": injection.column,
                    "problem": injection.problem,
                    "row": row_positions,
                    "key": _keys(frame, row_positions, key_columns),
                    "original": _text(original),
                    "injected": _text(injected),
                }
            )
        )
    log = pd.concat(records, ignore_index=True) if records else pd.DataFrame(columns=LOG_COLUMNS)
    return dirty, log.astype({"row": "int64"})


Applied = tuple[pd.DataFrame, np.ndarray, object, object]


def _nulls(frame, rows, injection, rng, tables) -> Applied:
    column = _column(frame, injection)
    original = frame[column].iloc[rows].to_numpy()
    if pd.api.types.is_integer_dtype(frame[column].dtype):
        frame[column] = frame[column].astype("Int64")
    frame.iloc[rows, frame.columns.get_loc(column)] = None
    return frame, rows, original, None


#: Ways people mistype an address: no @, a doubled @, no domain, a stray space.
_MALFORMED: list[Callable[[str, str], str]] = [
    lambda local, domain: local + domain,
    lambda local, domain: f"{local}@@{domain}",
    lambda local, domain: f"{local}@",
    lambda local, domain: f"{local} @{domain}",
]


def _bad_emails(frame, rows, injection, rng, tables) -> Applied:
    column = _column(frame, injection)
    original = frame[column].iloc[rows].astype(str).to_numpy()
    broken = np.array(
        [
            _MALFORMED[i % len(_MALFORMED)](*email.partition("@")[::2])
            for i, email in enumerate(original)
        ],
        dtype=object,
    )
    frame.iloc[rows, frame.columns.get_loc(column)] = broken
    return frame, rows, original, broken


def _duplicates(frame, rows, injection, rng, tables) -> Applied:
    copies = frame.iloc[rows]
    frame = pd.concat([frame, copies], ignore_index=True)
    new_rows = np.arange(len(frame) - len(rows), len(frame))
    return frame, new_rows, [f"copy of row {row}" for row in rows], "duplicate"


def _out_of_range(frame, rows, injection, rng, tables) -> Applied:
    column = _column(frame, injection)
    values = frame[column].iloc[rows].to_numpy()
    magnitude = np.maximum(np.abs(values), 1)
    choice = rng.integers(0, 3, len(rows))
    broken = np.select([choice == 0, choice == 1], [-magnitude, 0 * magnitude], magnitude * 1000)
    frame.iloc[rows, frame.columns.get_loc(column)] = broken.astype(frame[column].dtype)
    return frame, rows, values, broken


def _orphan_keys(frame, rows, injection, rng, tables) -> Applied:
    column = _column(frame, injection)
    if injection.parent is None or "." not in injection.parent:
        raise InvalidValueError(
            f"orphan_keys injection on {injection.table}.{column} has parent={injection.parent!r}",
            "the referenced 'table.column'",
            "write Injection('orphan_keys', ..., parent='customers.customer_id')",
        )
    parent_table, parent_column = injection.parent.split(".")
    highest = int(tables[parent_table][parent_column].max())
    original = frame[column].iloc[rows].to_numpy()
    broken = highest + 1 + rng.integers(0, 1000, len(rows))
    frame.iloc[rows, frame.columns.get_loc(column)] = broken
    return frame, rows, original, broken


def _late_arrivals(frame, rows, injection, rng, tables) -> Applied:
    column = _column(frame, injection)
    original = frame[column].iloc[rows].to_numpy()
    late = original + rng.integers(2 * 86_400, 30 * 86_400, len(rows)).astype("timedelta64[s]")
    frame.iloc[rows, frame.columns.get_loc(column)] = late
    return frame, rows, original, late


def _schema_drift(frame, rows, injection, rng, tables) -> Applied:
    column = _column(frame, injection)
    renamed = injection.renamed_to or f"{column}_v2"
    original = frame[column].iloc[rows].to_numpy()
    late_batch = np.zeros(len(frame), bool)
    late_batch[rows] = True
    frame[renamed] = frame[column].where(late_batch)  # the new name holds the late batch ...
    frame[column] = frame[column].mask(late_batch)  # ... and the old name is empty there
    return frame, rows, original, [f"moved to column {renamed}"] * len(rows)


_APPLY: dict[str, Callable[..., Applied]] = {
    "nulls": _nulls,
    "bad_emails": _bad_emails,
    "duplicates": _duplicates,
    "out_of_range": _out_of_range,
    "orphan_keys": _orphan_keys,
    "late_arrivals": _late_arrivals,
    "schema_drift": _schema_drift,
}


def _column(frame: pd.DataFrame, injection: Injection) -> str:
    if injection.column is None or injection.column not in frame.columns:
        raise UnknownNameError.for_name(
            injection.column, frame.columns, kind=f"column of table '{injection.table}'"
        )
    return injection.column


def _keys(frame: pd.DataFrame, rows: np.ndarray, key_columns: list[str]) -> list[str]:
    parts = [_key_text(frame[column].iloc[rows]) for column in key_columns]
    return ["/".join(values) for values in zip(*parts, strict=True)]


def _key_text(values: pd.Series) -> list[str]:
    """Key values as text; a timestamp always with its time ("2025-01-06 00:00:00"), which
    ``astype(str)`` drops when every value of the series falls at midnight."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return [str(value) for value in values]
    return values.astype(str).tolist()


def _text(values: object) -> list[str | None] | str | None:
    if values is None or isinstance(values, str):
        return values
    # Through a Series, so datetimes print as pandas shows them: "2024-01-03 12:05:51".
    series = pd.Series(values)
    text = series.astype(str).astype(object)
    return text.where(series.notna(), None).tolist()
