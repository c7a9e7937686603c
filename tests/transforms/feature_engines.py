"""Run a feature transform three ways — pandas, engine="duckdb", and its .sql() text through
sql() by hand — and check that all three give the same new columns."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pipelinekit.transforms.sql import sql

ROW = "row_number_for_test"


def by_hand(frame: pd.DataFrame, query: str) -> pd.DataFrame:
    """The SQL twin run through sql(), rows back in the frame's order."""
    numbered = frame.reset_index(drop=True).assign(**{ROW: range(len(frame))})
    result = sql(f"SELECT * EXCLUDE ({ROW}) FROM ({query}) ORDER BY {ROW}", input=numbered)
    result.index = frame.index
    return result


def three_ways(
    transform: Callable[..., pd.DataFrame],
    frame: pd.DataFrame,
    *args,
    query: str,
    engine: bool = True,
    **kwargs,
) -> pd.DataFrame:
    """The pandas result, after checking it equals the DuckDB engine and the hand-run SQL.

    ``engine=False`` skips engine="duckdb" (it runs the very same query text): property
    tests use it to keep to one DuckDB connection (~0.1 s) per example.
    """
    expected = transform(frame, *args, **kwargs)
    if engine:
        duck = transform(frame, *args, engine="duckdb", **kwargs)
        pd.testing.assert_frame_equal(duck, expected)
    new = [column for column in expected.columns if column not in frame.columns]
    assert new, "the transform added no column"
    hand = by_hand(frame, query)[new].astype(expected[new].dtypes.to_dict())
    pd.testing.assert_frame_equal(hand, expected[new])
    return expected
