"""Every window function, every kind of frame: the pandas path equals DuckDB (the oracle).

One frame with ties, NULLs in values and in the ORDER BY key, duplicate timestamps,
single-row and empty-looking partitions; each function runs through the pandas path and
through ``engine="duckdb"`` (its SQL twin) and the two must agree cell by cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelinekit import transforms as T


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 400
    amount = rng.integers(0, 20, n).astype("float64")
    amount[rng.random(n) < 0.1] = np.nan
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 30, n), unit="D")
    return pd.DataFrame(
        {
            "account": rng.choice(["a", "b", "c", "d", "solo"], n, p=[0.3, 0.3, 0.2, 0.199, 0.001]),
            "day": day.astype("datetime64[us]"),
            "amount": amount,
            "id": np.arange(n),
        }
    )


def assert_paths_agree(result_pandas: pd.DataFrame, result_duckdb: pd.DataFrame) -> None:
    added = [c for c in result_pandas.columns if c not in ("account", "day", "amount", "id")]
    assert added, "the transform adds a column"
    for column in added:
        left, right = result_pandas[column], result_duckdb[column]
        if pd.api.types.is_numeric_dtype(left) and pd.api.types.is_numeric_dtype(right):
            np.testing.assert_allclose(
                left.astype(float), right.astype(float), rtol=1e-9, equal_nan=True
            )
        else:
            assert left.astype(str).tolist() == right.astype(str).tolist(), column


RANKING = ["row_number", "rank", "dense_rank", "percent_rank", "cume_dist"]
ORDERS = ["amount", "-amount", "amount DESC NULLS FIRST", "amount ASC NULLS FIRST"]


@pytest.mark.parametrize("function", RANKING)
@pytest.mark.parametrize("order", ORDERS)
def test_ranking_functions(events, function, order):
    order_by = [order, "id"] if function == "row_number" else order
    run = getattr(T, function)
    kwargs = {"partition_by": "account", "order_by": order_by}
    assert_paths_agree(run(events, **kwargs), run(events, **kwargs, engine="duckdb"))


@pytest.mark.parametrize("function", ["lag", "lead"])
@pytest.mark.parametrize("offset", [1, 3])
def test_offsets_with_defaults(events, function, offset):
    run = getattr(T, function)
    kwargs = {"column": "amount", "partition_by": "account", "order_by": ["day", "id"],
              "offset": offset, "default": -1.0}  # fmt: skip
    assert_paths_agree(run(events, **kwargs), run(events, **kwargs, engine="duckdb"))


FRAMES = [
    None,  # SQL's default: RANGE UNBOUNDED PRECEDING .. CURRENT ROW, peers included
    "rows between 2 preceding and current row",
    "rows between 1 preceding and 1 following",
    "rows between unbounded preceding and unbounded following",
    "range between interval '3 days' preceding and current row",
    "range between interval '2 days' preceding and interval '2 days' following",
]


@pytest.mark.parametrize("function", ["sum", "mean", "min", "max", "count", "std"])
@pytest.mark.parametrize("window_frame", FRAMES)
def test_aggregates_over_rows_and_range_frames(events, function, window_frame):
    kwargs = {"partition_by": "account", "order_by": "day", "window_frame": window_frame,
              "name": "value"}  # fmt: skip
    if window_frame and window_frame.startswith("rows"):
        kwargs["order_by"] = ["day", "id"]  # ROWS frames need a total order to be defined
    result = T.window(events, function, "amount", **kwargs)
    assert_paths_agree(result, T.window(events, function, "amount", **kwargs, engine="duckdb"))


@pytest.mark.parametrize("function", ["first_value", "last_value"])
@pytest.mark.parametrize(
    "window_frame", [None, "rows between unbounded preceding and unbounded following"]
)
def test_first_and_last_value_follow_the_frame(events, function, window_frame):
    run = getattr(T, function)
    kwargs = {"column": "amount", "partition_by": "account", "order_by": ["day", "id"],
              "window_frame": window_frame}  # fmt: skip
    assert_paths_agree(run(events, **kwargs), run(events, **kwargs, engine="duckdb"))


def test_running_sum_includes_peers_unlike_cumsum():
    tiny = pd.DataFrame({"day": [1, 2, 2, 3], "amount": [1.0, 10.0, 100.0, 1000.0]})
    running = T.window(tiny, "sum", "amount", order_by="day", name="running")["running"]
    assert running.tolist() == [1.0, 111.0, 111.0, 1111.0]
    assert tiny["amount"].cumsum().tolist() == [1.0, 11.0, 111.0, 1111.0]


@pytest.mark.parametrize("n", [1, 3, 7])
def test_ntile_and_nth_value(events, n):
    for function, kwargs in [
        ("ntile", {"order_by": ["amount", "id"], "n": n}),
        ("nth_value", {"column": "amount", "order_by": ["day", "id"], "n": n}),
    ]:
        run = getattr(T, function)
        kwargs = {"partition_by": "account", **kwargs}
        assert_paths_agree(run(events, **kwargs), run(events, **kwargs, engine="duckdb"))


TINY = pd.DataFrame({"day": pd.to_datetime(["2024-01-01", "2024-01-02"]), "x": [1.0, 2.0]})


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"column": "y", "order_by": "day"}, "UnknownNameError", r"Unknown column 'y'"),
        (
            {
                "column": "x",
                "order_by": "day",
                "window_frame": "rows between current row and 2 preceding",
            },
            "InvalidValueError",
            r"starts after it ends.*Hint: offsets are signed",
        ),
        (
            {
                "column": "x",
                "order_by": "x",
                "window_frame": "range between interval '3 days' preceding and current row",
            },
            "InvalidValueError",
            r"interval offset over ORDER BY 'x'.*datetime ORDER BY column",
        ),
        (
            {
                "column": "x",
                "order_by": "day",
                "window_frame": "range between 3 preceding and current row",
            },
            "InvalidValueError",
            r"numeric offset over ORDER BY 'day'",
        ),
    ],
)
def test_impossible_windows_are_explained(kwargs, error, message):
    from pipelinekit import errors

    with pytest.raises(getattr(errors, error), match=f"(?s){message}"):
        T.window(TINY, "sum", **kwargs)


def test_unknown_function_suggests_the_nearest():
    from pipelinekit.errors import UnknownNameError

    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown window function 'median'.*did you mean"
    ):
        T.window(TINY, "median", "x", order_by="day")


@pytest.mark.parametrize("function", ["percentile_cont", "percentile_disc"])
@pytest.mark.parametrize("q", [0.0, 0.25, 0.5, 0.7, 1.0, [0.1, 0.9]])
def test_percentiles_per_group_match_duckdb(events, function, q):
    run = getattr(T, function)
    ours = run(events, column="amount", q=q, by="account")
    theirs = run(events, column="amount", q=q, by="account", engine="duckdb")
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False)
    assert len(ours) == events["account"].nunique()
