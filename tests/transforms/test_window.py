"""Window functions: the pandas path, engine="duckdb" and the .sql() text must agree.

Golden cases pin the SQL semantics that pandas idioms get wrong (peers, NULLs, RANGE
intervals); hypothesis checks the three paths on random frames; PostgreSQL is the oracle
for NULL ordering.
"""

from __future__ import annotations

import math
import uuid

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.sql import sql
from pipelinekit.transforms.window import (
    WindowFrame,
    cume_dist,
    dense_rank,
    first_value,
    lag,
    last_value,
    lead,
    nth_value,
    ntile,
    parse_frame,
    percent_rank,
    rank,
    row_number,
    window,
)

RANKING = ["row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile"]
AGGREGATES = ["sum", "mean", "min", "max", "count", "std"]


def _is_null(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    )


def assert_same(*columns: pd.Series) -> None:
    """Equal cell by cell: NULL kinds alike, numbers to 1e-9 relative."""
    first = columns[0].tolist()
    for other in columns[1:]:
        values = other.tolist()
        assert len(values) == len(first)
        for row, (a, b) in enumerate(zip(first, values, strict=True)):
            if _is_null(a) or _is_null(b):
                assert _is_null(a) and _is_null(b), (row, a, b, first, values)
            elif isinstance(a, (int, float, np.number)):
                assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6), (row, a, b, first, values)
            else:
                assert a == b, (row, a, b, first, values)


def three_ways(frame: pd.DataFrame, function: str, column: str | None = None, **kwargs):
    """The new column by pandas, by engine="duckdb" and by the .sql() text run by hand."""
    kwargs.setdefault("name", "out")
    by_pandas = window(frame, function, column, **kwargs)
    by_duckdb = window(frame, function, column, engine="duckdb", **kwargs)
    numbered = frame.reset_index(drop=True).assign(row_id_=range(len(frame)))
    by_hand = sql(window.sql(function, column, **kwargs) + " ORDER BY row_id_", input=numbered)
    pd.testing.assert_index_equal(by_pandas.index, frame.index)
    pd.testing.assert_index_equal(by_duckdb.index, frame.index)
    assert_same(by_pandas["out"], by_duckdb["out"], by_hand["out"])
    return by_pandas["out"].tolist()


def _nan_list(values: list) -> list:
    return [None if _is_null(value) else value for value in values]


# --------------------------------------------------------------------------- golden cases

SCORES = pd.DataFrame(
    {
        "team": ["x", "x", "x", "x", "x", "y"],
        "points": [3.0, 1.0, 3.0, None, None, 5.0],
        "id": [0, 1, 2, 3, 4, 5],
    },
    index=[10, 11, 12, 13, 14, 15],
)

RANKS = {  # ORDER BY points ASC NULLS LAST, id: NULLs are peers, ranked last
    "row_number": [2, 1, 3, 4, 5, 1],
    "rank": [2, 1, 2, 4, 4, 1],
    "dense_rank": [2, 1, 2, 3, 3, 1],
    "percent_rank": [0.25, 0.0, 0.25, 0.75, 0.75, 0.0],
    "cume_dist": [0.6, 0.2, 0.6, 1.0, 1.0, 1.0],
    "ntile": [1, 1, 2, 2, 3, 1],
}


@pytest.mark.parametrize("function", RANKING)
def test_ranking_golden(function):
    order_by = ["points", "id"] if function in ("row_number", "ntile") else "points"
    result = three_ways(SCORES, function, partition_by="team", order_by=order_by, n=3)
    assert result == pytest.approx(RANKS[function])


def test_ranking_descending_nulls_first():
    result = three_ways(SCORES, "rank", partition_by="team", order_by="points DESC NULLS FIRST")
    assert result == [3, 5, 3, 1, 1, 1]


def test_pandas_rank_pct_is_not_percent_rank():
    pandas_pct = SCORES[SCORES.team == "x"].points.rank(method="min", pct=True).tolist()
    # pandas: rank / (non-NULL rows), NaN stays unranked; SQL: (rank - 1) / (rows - 1)
    assert _nan_list(pandas_pct)[3:] == [None, None]
    assert pandas_pct[:3] == pytest.approx([2 / 3, 1 / 3, 2 / 3])
    assert RANKS["percent_rank"][:3] == [0.25, 0.0, 0.25]


def test_named_wrappers_match_window():
    kwargs = {"order_by": "points", "partition_by": "team"}
    for wrapper in (rank, dense_rank, percent_rank, cume_dist):
        column = wrapper(SCORES, **kwargs)[f"points_{wrapper.__name__}"]
        assert column.tolist() == pytest.approx(RANKS[wrapper.__name__])
        assert wrapper.sql(**kwargs) == window.sql(wrapper.__name__, **kwargs)
    numbered = row_number(SCORES, order_by=["points", "id"], partition_by="team")
    assert numbered["points_row_number"].tolist() == RANKS["row_number"]
    tiles = ntile(SCORES, n=3, order_by=["points", "id"], partition_by="team", engine="duckdb")
    assert tiles["points_ntile_3"].tolist() == RANKS["ntile"]


DAYS = pd.DataFrame(
    {
        "shop": ["a", "a", "a", "a", "b", "b"],
        "day": pd.to_datetime(
            ["2024-01-01", "2024-01-04", "2024-01-04", "2024-01-06", "2024-01-01", None]
        ),
        "amount": [10.0, 20.0, 5.0, None, 7.0, 1.0],
        "id": [0, 1, 2, 3, 4, 5],
    }
)


def test_running_sum_includes_peers_unlike_cumsum():
    result = three_ways(DAYS, "sum", "amount", partition_by="shop", order_by="day")
    assert result == [10.0, 35.0, 35.0, 35.0, 7.0, 8.0]
    cumsum = DAYS.groupby("shop").amount.cumsum().tolist()
    assert cumsum[1] == 30.0  # pandas adds row by row: the tied 2024-01-04 rows differ


def test_last_value_default_frame_is_last_peer():
    result = three_ways(DAYS, "last_value", "amount", partition_by="shop", order_by=["day"])
    assert _nan_list(result) == [10.0, 5.0, 5.0, None, 7.0, 1.0]
    whole = "rows between unbounded preceding and unbounded following"
    result = three_ways(
        DAYS, "last_value", "amount", partition_by="shop", order_by="day", window_frame=whole
    )
    assert _nan_list(result) == [None, None, None, None, 1.0, 1.0]


def test_range_interval_includes_the_row_exactly_that_far_back():
    spec = "range between interval '3 days' preceding and current row"
    result = three_ways(
        DAYS, "sum", "amount", partition_by="shop", order_by="day", window_frame=spec
    )
    assert result == [10.0, 35.0, 35.0, 25.0, 7.0, 1.0]
    rolling = DAYS[DAYS.shop == "a"].set_index("day").amount.rolling("3D").sum().tolist()
    assert rolling[1] == 20.0  # (t - 3 days, t]: drops 2024-01-01 and the tied row


def test_range_interval_following_and_descending():
    spec = WindowFrame("range", pd.Timedelta("1 day"), pd.Timedelta("3 days"))
    result = three_ways(DAYS, "count", None, partition_by="shop", order_by="day", window_frame=spec)
    assert result == [2, 1, 1, 0, 0, 1]
    result = three_ways(
        DAYS, "max", "day", partition_by="shop", order_by="day DESC", window_frame=spec
    )
    first, later = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-04")
    assert _nan_list(result)[:4] == [None, first, first, later]  # DESC: following = earlier


def test_range_numeric_offsets_with_nulls():
    frame = pd.DataFrame({"x": [1, 2, 2, 4, None, None], "v": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    spec = "range between 1 preceding and 1 following"
    assert three_ways(frame, "sum", "v", order_by="x", window_frame=spec) == [
        6.0, 6.0, 6.0, 4.0, 11.0, 11.0,
    ]  # fmt: skip
    spec = "range between 2 following and unbounded following"
    assert three_ways(frame, "count", "v", order_by="x NULLS FIRST", window_frame=spec) == [
        1,
        1,
        1,
        0,
        6,
        6,
    ]  # fmt: skip  (a NULL row's frame starts at its NULL peers, which come first)


def test_rows_frames_and_aggregates():
    frame = pd.DataFrame({"t": [1, 2, 3, 4, 5], "v": [4.0, None, 1.0, 3.0, 8.0]})
    spec = "rows between 2 preceding and current row"
    assert _nan_list(three_ways(frame, "mean", "v", order_by="t", window_frame=spec)) == [
        4.0, 4.0, 2.5, 2.0, 4.0,
    ]  # fmt: skip
    assert three_ways(frame, "min", "v", order_by="-t", window_frame="rows 1 preceding") == [
        4.0, 1.0, 1.0, 3.0, 8.0,
    ]  # fmt: skip
    std = three_ways(frame, "std", "v", order_by="t", window_frame=spec)
    assert _nan_list(std)[:2] == [None, None] and std[2] == pytest.approx(2.1213203435)
    empty = three_ways(frame, "sum", "v", order_by="t", window_frame=WindowFrame("rows", 5, 9))
    assert _nan_list(empty) == [None] * 5


def test_without_order_the_frame_is_the_partition():
    assert three_ways(DAYS, "count", "amount", partition_by="shop") == [3, 3, 3, 3, 2, 2]
    assert three_ways(DAYS, "rank", partition_by="shop") == [1] * 6


def test_lag_lead_and_nth_value():
    kwargs = {"partition_by": "shop", "order_by": ["day", "id"]}
    assert _nan_list(three_ways(DAYS, "lag", "amount", **kwargs)) == [
        None, 10.0, 20.0, 5.0, None, 7.0,
    ]  # fmt: skip
    assert three_ways(DAYS, "lead", "id", offset=2, default=-1, **kwargs) == [2, 3, -1, -1, -1, -1]
    assert _nan_list(three_ways(DAYS, "nth_value", "amount", n=2, **kwargs)) == [
        None, 20.0, 20.0, 20.0, None, 1.0,
    ]  # fmt: skip
    assert lag(DAYS, column="amount", **kwargs)["amount_lag_1"].isna().sum() == 2
    assert lead(DAYS, column="shop", default="end", **kwargs)["shop_lead_1"].iloc[3] == "end"
    assert lag(DAYS, column="id", **kwargs)["id_lag_1"].dtype == "Int64"
    assert first_value(DAYS, column="amount", **kwargs)["amount_first_value"].iloc[3] == 10.0
    assert last_value(DAYS, column="id", **kwargs)["id_last_value"].tolist() == [0, 1, 2, 3, 4, 5]
    found = nth_value(DAYS, column="id", n=3, engine="duckdb", **kwargs)["id_nth_value_3"]
    assert _nan_list(found.tolist()) == [None, None, 2, 2, None, None]


def test_several_partition_and_order_columns():
    frame = pd.DataFrame(
        {
            "a": ["p", "p", "p", "q", "p"],
            "b": [1, 1, 2, 1, 1],
            "k1": [2, 1, 1, 1, 2],
            "k2": ["z", "y", "x", "x", "w"],
        }
    )
    result = three_ways(frame, "row_number", partition_by=["a", "b"], order_by=["-k1", "k2"])
    assert result == [2, 3, 1, 1, 1]


def test_datetime_min_max_keep_time_zone():
    frame = DAYS.assign(day=DAYS.day.dt.tz_localize("Europe/Paris"))
    result = window(frame, "min", "day", partition_by="shop", window_frame="rows 1 preceding")
    assert str(result["day_moving_min"].dtype).endswith("Europe/Paris]")
    three_ways(
        frame, "min", "day", partition_by="shop", order_by="id", window_frame="rows 1 preceding"
    )


def test_empty_frame_and_default_names():
    empty = DAYS.iloc[:0]
    assert three_ways(empty, "sum", "amount", order_by="day") == []
    assert three_ways(empty, "rank", order_by="day") == []
    assert list(window(DAYS, "sum", "amount", order_by="day").columns)[-1] == ("amount_running_sum")
    assert list(window(DAYS, "count").columns)[-1] == "rows_count"
    spec = parse_frame("rows between 1 preceding and 1 following")
    assert list(window(DAYS, "mean", "amount", window_frame=spec).columns)[-1] == (
        "amount_moving_mean"
    )


@pytest.mark.parametrize(
    ("text", "frame"),
    [
        ("rows between 2 preceding and 1 following", WindowFrame("rows", -2, 1)),
        ("ROWS UNBOUNDED PRECEDING", WindowFrame("rows", None, 0)),
        ("range between current row and unbounded following", WindowFrame("range", 0, None)),
        ("range between 1.5 preceding and 2 following", WindowFrame("range", -1.5, 2)),
        (
            "range between 3 days preceding and interval '2 hours' following",
            WindowFrame("range", -pd.Timedelta("3D"), pd.Timedelta("2h")),
        ),
    ],
)
def test_parse_frame(text, frame):
    assert parse_frame(text) == frame
    assert parse_frame(frame.sql()) == frame


def test_interval_sql_text():
    spec = WindowFrame("range", -pd.Timedelta("1 days 02:30:00.5"), 0)
    assert spec.sql() == (
        "RANGE BETWEEN INTERVAL '1 days 2 hours 30 minutes 500 milliseconds' PRECEDING "
        "AND CURRENT ROW"
    )


# --------------------------------------------------------------------------- hypothesis

KEYS = ["x", "x DESC", "x NULLS FIRST", "x DESC NULLS FIRST"]
TIME_KEYS = ["t", "t DESC", "t NULLS FIRST", "t DESC NULLS FIRST"]


@st.composite
def frames(draw):
    size = draw(st.integers(0, 14))
    small = st.one_of(st.none(), st.integers(0, 3))
    days = st.one_of(st.none(), st.integers(0, 5))
    groups = draw(st.lists(st.one_of(st.none(), st.integers(0, 2)), min_size=size, max_size=size))
    x = draw(st.lists(small, min_size=size, max_size=size))
    v = draw(st.lists(st.one_of(st.none(), st.integers(-5, 9)), min_size=size, max_size=size))
    t = draw(st.lists(days, min_size=size, max_size=size))
    start = pd.Timestamp("2024-03-01")
    return pd.DataFrame(
        {
            "id": np.arange(size),
            "g": pd.Series(groups, dtype="float64"),
            "x": pd.Series(x, dtype="float64"),
            "v": pd.Series(v, dtype="float64"),
            "t": pd.Series([None if d is None else start + pd.Timedelta(days=d) for d in t]),
        }
    ).astype({"t": "datetime64[us]"})


bounds = st.one_of(st.none(), st.integers(-3, 3))
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(frame=frames(), function=st.sampled_from(RANKING), key=st.sampled_from(KEYS))
def test_ranking_three_ways(frame, function, key):
    order_by = [key, "id"] if function in ("row_number", "ntile") else key
    three_ways(frame, function, partition_by="g", order_by=order_by, n=3)


@FAST
@given(
    frame=frames(),
    function=st.sampled_from(["lag", "lead", "first_value", "last_value", "nth_value"]),
    key=st.sampled_from(KEYS),
    offset=st.integers(0, 3),
)
def test_offsets_and_values_three_ways(frame, function, key, offset):
    three_ways(frame, function, "v", partition_by="g", order_by=[key, "id"], offset=offset, n=2)


@FAST
@given(
    frame=frames(),
    function=st.sampled_from(AGGREGATES + ["first_value", "last_value"]),
    key=st.sampled_from(KEYS),
    start=bounds,
    end=bounds,
)
def test_rows_frames_three_ways(frame, function, key, start, end):
    if start is not None and end is not None and start > end:
        start, end = end, start
    spec = WindowFrame("rows", start, end)
    three_ways(frame, function, "v", partition_by="g", order_by=[key, "id"], window_frame=spec)


@FAST
@given(
    frame=frames(),
    function=st.sampled_from(AGGREGATES),
    key=st.sampled_from(KEYS),
    start=bounds,
    end=bounds,
    default_frame=st.booleans(),
)
def test_range_numeric_three_ways(frame, function, key, start, end, default_frame):
    if start is not None and end is not None and start > end:
        start, end = end, start
    spec = None if default_frame else WindowFrame("range", start, end)
    three_ways(frame, function, "v", partition_by="g", order_by=key, window_frame=spec)


@FAST
@given(
    frame=frames(),
    function=st.sampled_from(AGGREGATES),
    key=st.sampled_from(TIME_KEYS),
    start=bounds,
    end=bounds,
)
def test_range_interval_three_ways(frame, function, key, start, end):
    if start is not None and end is not None and start > end:
        start, end = end, start
    days = [None if bound is None else pd.Timedelta(days=bound) for bound in (start, end)]
    spec = WindowFrame("range", *days)
    column = "t" if function in ("min", "max") else "v"
    three_ways(frame, function, column, partition_by="g", order_by=key, window_frame=spec)


# --------------------------------------------------------------------------- PostgreSQL


PG_CASES = [
    ("rank", None, {"order_by": key}) for key in KEYS
] + [
    ("row_number", None, {"order_by": ["x DESC", "id"]}),
    ("cume_dist", None, {"order_by": "x DESC NULLS FIRST"}),
    ("lag", "v", {"order_by": ["x NULLS FIRST", "id"]}),
    ("sum", "v", {"order_by": "x DESC"}),
    ("sum", "v", {"order_by": "x", "window_frame": "range between 1 preceding and current row"}),
    ("count", "v", {"order_by": "x DESC NULLS FIRST", "window_frame": "range 2 preceding"}),
    ("max", "v", {"order_by": "t DESC", "window_frame": "range '1 day' preceding"}),
    ("last_value", "v", {"order_by": ["x NULLS FIRST", "id"]}),
]  # fmt: skip


@pytest.mark.services
@pytest.mark.parametrize(("function", "column", "kwargs"), PG_CASES)
def test_postgres_agrees(postgres_url, function, column, kwargs):
    sqlalchemy = pytest.importorskip("sqlalchemy")
    frame = pd.DataFrame(
        {
            "id": range(8),
            "g": [1, 1, 1, 1, 1, 2, 2, 2],
            "x": [2.0, None, 1.0, 2.0, None, 3.0, None, 0.0],
            "v": [1.0, 2.0, None, 4.0, 5.0, 6.0, 7.0, 8.0],
            "t": pd.to_datetime(["2024-01-01", "2024-01-02", None, "2024-01-02", None,
                                 "2024-01-03", "2024-01-01", "2024-01-03"]),
        }
    )  # fmt: skip
    table = f"pk_window_{uuid.uuid4().hex[:8]}"
    query = window.sql(function, column, partition_by="g", name="out", table=table, **kwargs)
    engine = sqlalchemy.create_engine(postgres_url)
    try:
        frame.to_sql(table, engine, index=False)
        with engine.connect() as connection:
            expected = pd.read_sql(sqlalchemy.text(query + " ORDER BY id"), connection)
    finally:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()
    ours = window(frame, function, column, partition_by="g", name="out", **kwargs)
    assert_same(ours["out"], expected["out"])


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: window(DAYS, "sumz", "amount"),
            UnknownNameError,
            "Unknown window function 'sumz'",
        ),
        (lambda: window(DAYS, "sum"), InvalidValueError, "sum without a column"),
        (lambda: window(DAYS, "rank", "amount", order_by="day"), InvalidValueError, "no column"),
        (
            lambda: window(DAYS, "rank", order_by="day", window_frame="rows 1 preceding"),
            InvalidValueError,
            "ranking functions, lag and lead ignore it",
        ),
        (lambda: window(DAYS, "ntile", order_by="day", n=0), InvalidValueError, "n >= 1"),
        (lambda: window(DAYS, "nth_value", "amount", n=None), InvalidValueError, "nth_value"),
        (lambda: window(DAYS, "lag", "amount", offset=-1), InvalidValueError, "use lead"),
        (lambda: window(DAYS, "lead", "amount", offset=1.5), InvalidValueError, "use lag"),
        (
            lambda: window(
                DAYS, "sum", "amount", order_by=["day", "id"], window_frame="range 1 preceding"
            ),
            InvalidValueError,
            "exactly one ORDER BY key",
        ),
        (
            lambda: window(DAYS, "sum", "amount", window_frame="range 1 preceding"),
            InvalidValueError,
            "and 0 ORDER BY keys",
        ),
        (lambda: window(DAYS, "count", partition_by=5), InvalidValueError, "partition_by=5"),
        (lambda: window(DAYS, "count", partition_by=[""]), InvalidValueError, "one partition"),
        (lambda: window(DAYS, "count", partition_by=[[]]), InvalidValueError, "list of column"),
        (
            lambda: window(DAYS, "count", partition_by="shp"),
            UnknownNameError,
            "did you mean 'shop'",
        ),
        (lambda: window(DAYS, "rank", order_by="dya"), UnknownNameError, "Unknown column 'dya'"),
        (lambda: window(DAYS, "sum", "shop"), InvalidValueError, "sum of column 'shop'"),
        (lambda: window(DAYS, "std", "day"), InvalidValueError, "a numeric column"),
        (lambda: window(DAYS, "max", "shop"), InvalidValueError, "numeric or datetime"),
        (
            lambda: window(
                DAYS, "sum", "amount", order_by="id", window_frame="range '1 day' preceding"
            ),
            InvalidValueError,
            "interval offset over ORDER BY 'id'",
        ),
        (
            lambda: window(DAYS, "sum", "amount", order_by="day", window_frame="range 1 preceding"),
            InvalidValueError,
            "numeric offset over ORDER BY 'day'",
        ),
        (lambda: window(DAYS["amount"], "count"), InvalidValueError, "A Series as the data"),
        (lambda: window(DAYS, "count", engine="spark"), UnknownNameError, "Unknown engine"),
        (
            lambda: window.sql("lag", "amount", order_by="day", default=[1]),
            InvalidValueError,
            "Default \\[1\\]",
        ),
        (lambda: WindowFrame("rows", 1, -1), InvalidValueError, "starts after it ends"),
        (lambda: WindowFrame("groups", 0, 0), UnknownNameError, "Unknown frame kind 'groups'"),
        (lambda: WindowFrame("rows", -1.5, 0), InvalidValueError, "whole number of rows"),
        (lambda: WindowFrame("rows", pd.Timedelta("1D"), None), InvalidValueError, "ROWS frame"),
        (lambda: WindowFrame("range", True, None), InvalidValueError, "Frame offset True"),
        (lambda: WindowFrame("range", float("inf"), None), InvalidValueError, "Frame offset inf"),
        (
            lambda: WindowFrame("range", -1, pd.Timedelta("1D")),
            InvalidValueError,
            "mixes a number with an interval",
        ),
        (
            lambda: WindowFrame("range", pd.Timedelta(-1), 0).sql(),
            InvalidValueError,
            "has nanoseconds",
        ),
        (lambda: parse_frame("rows between 2 and 3"), InvalidValueError, "Window frame 'rows"),
        (lambda: parse_frame(3), InvalidValueError, "Window frame 3 \\(int\\)"),
        (lambda: parse_frame("range 1 month preceding"), InvalidValueError, "no fixed length"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
