"""pivot and unpivot: pandas path, engine="duckdb" and the .sql() text run by hand agree."""

from __future__ import annotations

import datetime as dt

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.reshape import pivot, unpivot
from pipelinekit.transforms.sql import sql

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def sales() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["north", "north", "south", "south", None, "east"],
            "month": ["2024-01", "2024-02", "2024-01", None, "2024-02", None],
            "amount": [10, 20, 5, 7, 3, 1],
        }
    )


def same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Equal cell by cell; NULL is NULL whatever its dtype (Int64 <NA> or NaN)."""
    assert list(left.columns) == list(right.columns)
    pd.testing.assert_frame_equal(
        left.astype(object).where(left.notna(), None).reset_index(drop=True),
        right.astype(object).where(right.notna(), None).reset_index(drop=True),
        check_dtype=False,
        check_exact=False,
        rtol=1e-9,
    )


def three_ways_pivot(frame: pd.DataFrame, **kwargs) -> pd.DataFrame:
    by_pandas = pivot(frame, **kwargs)
    by_duckdb = pivot(frame, engine="duckdb", **kwargs)
    pd.testing.assert_frame_equal(by_pandas, by_duckdb, check_exact=False, rtol=1e-9)
    keys = frame[kwargs["columns"]].dropna().unique().tolist()
    by_hand = sql(pivot.sql(keys=keys, **kwargs), input=frame)
    same(by_pandas, by_hand)
    return by_pandas


def three_ways_unpivot(frame: pd.DataFrame, **kwargs) -> pd.DataFrame:
    by_pandas = unpivot(frame, **kwargs)
    by_duckdb = unpivot(frame, engine="duckdb", **kwargs)
    pd.testing.assert_frame_equal(by_pandas, by_duckdb)
    sql_kwargs = dict(kwargs)
    if sql_kwargs.get("value_columns") is None:
        ids = (
            [kwargs["id_columns"]]
            if isinstance(kwargs["id_columns"], str)
            else kwargs["id_columns"]
        )
        sql_kwargs["value_columns"] = [c for c in frame.columns if c not in ids]
    same(by_pandas, sql(unpivot.sql(**sql_kwargs), input=frame))
    return by_pandas


# ----------------------------------------------------------------------------- golden cases


def test_pivot_sums_into_sorted_named_columns() -> None:
    result = three_ways_pivot(sales(), index="region", columns="month", values="amount")
    expected = pd.DataFrame(
        {
            "region": pd.Series(["east", "north", "south", None], dtype="str"),
            "amount_sum_2024-01": [np.nan, 10.0, 5.0, np.nan],
            "amount_sum_2024-02": [np.nan, 20.0, np.nan, 3.0],
        }
    )
    pd.testing.assert_frame_equal(result, expected)


def test_null_pivot_keys_make_no_column_and_count_in_no_total() -> None:
    # 'east' has only a NULL month: it keeps its row, all NULL (SQL PIVOT does the same).
    result = three_ways_pivot(
        sales(), index="region", columns="month", values="amount", agg="count", totals=True
    )
    assert "amount_count_total" in result.columns
    assert not any("nan" in str(c).lower() or "none" in str(c).lower() for c in result.columns)
    assert result["amount_count_total"].tolist() == [0, 2, 1, 1, 4]  # south's NULL month left out
    assert result["region"].tolist()[:3] == ["east", "north", "south"]
    assert result["region"].isna().tolist() == [False, False, False, True, True]


def test_duckdb_pivot_statement_agrees_on_values_and_null_keys() -> None:
    frame = sales()
    ours = pivot(frame, index="region", columns="month", values="amount")
    theirs = sql(
        "PIVOT input ON month USING sum(amount) AS amount_sum GROUP BY region "
        "ORDER BY region NULLS LAST",
        input=frame,
    )
    assert theirs.columns.tolist() == ["region", "2024-01_amount_sum", "2024-02_amount_sum"]
    theirs.columns = ours.columns
    same(ours, theirs)


def test_pivot_totals_fill_value_and_several_aggregations() -> None:
    result = three_ways_pivot(
        sales(),
        index="region",
        columns="month",
        values="amount",
        agg=["sum", "mean"],
        fill_value=0,
        totals=True,
    )
    assert result.columns.tolist() == [
        "region",
        "amount_sum_2024-01",
        "amount_sum_2024-02",
        "amount_sum_total",
        "amount_mean_2024-01",
        "amount_mean_2024-02",
        "amount_mean_total",
    ]
    total_row = result.iloc[-1]
    assert pd.isna(total_row["region"])
    assert total_row["amount_sum_total"] == 38.0
    assert total_row["amount_mean_total"] == 9.5  # mean of rows, not mean of cells
    assert result.loc[0, "amount_sum_total"] == 0.0  # east: filled


def test_pivot_agg_dict_and_index_of_two_columns() -> None:
    frame = pd.DataFrame(
        {
            "store": [1, 1, 2, 2, 2],
            "channel": ["web", "shop", "web", "web", "shop"],
            "day": pd.to_datetime(
                [
                    "2024-01-01 00:00",
                    "2024-01-02 00:00",
                    "2024-01-01 00:00",
                    "2024-01-01 10:30",
                    "2024-01-02 00:00",
                ]
            ),
            "amount": [1.5, 2.0, 3.0, 4.0, None],
            "items": [1, 2, 3, 4, 5],
        }
    )
    result = three_ways_pivot(
        frame,
        index=["store", "channel"],
        columns="day",
        agg={"amount": ["sum", "max"], "items": "count"},
    )
    assert result.columns.tolist()[:4] == [
        "store",
        "channel",
        "amount_sum_2024-01-01",
        "amount_sum_2024-01-01 10:30:00",
    ]
    assert result[["store", "channel"]].values.tolist() == [
        [1, "shop"],
        [1, "web"],
        [2, "shop"],
        [2, "web"],
    ]
    assert result["store"].dtype == "int64"
    assert pd.isna(result.loc[2, "amount_sum_2024-01-02"])  # sum of only NULL is NULL
    assert result.loc[2, "items_count_2024-01-02"] == 1


def test_pivot_without_aggregation_copies_values() -> None:
    frame = pd.DataFrame({"id": [1, 1, 2], "key": [True, False, True], "v": ["a", "b", "c"]})
    result = three_ways_pivot(frame, index="id", columns="key", values="v", agg=None)
    assert result.columns.tolist() == ["id", "v_false", "v_true"]
    assert result["v_true"].tolist() == ["a", "c"]


def test_pivot_of_numeric_and_date_keys() -> None:
    frame = pd.DataFrame(
        {
            "g": ["a", "a", "b"],
            "k": [2.5, 10.0, 2.5],
            "d": [dt.date(2024, 1, 1)] * 3,
            "v": [1, 2, 3],
        }
    )
    result = three_ways_pivot(frame, index="g", columns="k", values="v")
    assert result.columns.tolist() == ["g", "v_sum_2.5", "v_sum_10.0"]
    result = pivot(frame, index="g", columns="d", values="v", engine="duckdb")
    assert result.columns.tolist() == ["g", "v_sum_2024-01-01"]


def test_pivot_of_empty_frame() -> None:
    frame = sales().iloc[:0]
    result = three_ways_pivot(frame, index="region", columns="month", values="amount")
    assert result.columns.tolist() == ["region"] and len(result) == 0


def test_unpivot_golden() -> None:
    wide = pd.DataFrame({"device": [1, 2, 3], "low": [3.0, None, 1.0], "high": [9.0, 8.0, None]})
    result = three_ways_unpivot(wide, id_columns="device", name="stat")
    assert result.values.tolist() == [
        [1, "low", 3.0],
        [1, "high", 9.0],
        [2, "high", 8.0],
        [3, "low", 1.0],
    ]
    kept = three_ways_unpivot(wide, id_columns="device", name="stat", drop_nulls=False)
    assert len(kept) == 6 and kept["value"].isna().sum() == 2


def test_unpivot_round_trips_a_pivot() -> None:
    long = pd.DataFrame(
        {
            "region": ["north", "north", "south"],
            "month": ["2024-01", "2024-02", "2024-02"],
            "amount": [10.0, 20.0, 5.0],
        }
    )
    wide = pivot(long, index="region", columns="month", values="amount", agg=None)
    back = three_ways_unpivot(
        wide, id_columns="region", name="month", value_name="amount", prefix="amount_"
    )
    pd.testing.assert_frame_equal(back, long)


# ----------------------------------------------------------------------------- properties

regions = st.sampled_from(["a", "b", "c", None])
months = st.sampled_from(["2024-01", "2024-02", "2024-03", None])
amounts = st.one_of(st.none(), st.integers(-5, 5))


@st.composite
def long_frames(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(st.lists(st.tuples(regions, months, amounts, amounts), max_size=12))
    frame = pd.DataFrame(rows, columns=["region", "month", "amount", "qty"])
    frame["region"] = frame["region"].astype("str")
    frame["month"] = frame["month"].astype("str")
    frame["amount"] = frame["amount"].astype("float64")
    frame["qty"] = frame["qty"].astype("float64")
    return frame


@SETTINGS
@given(
    frame=long_frames(),
    agg=st.lists(
        st.sampled_from(["sum", "mean", "min", "max", "count", "median"]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    totals=st.booleans(),
    fill=st.sampled_from([None, 0, -1.5]),
)
def test_pivot_engines_agree(
    frame: pd.DataFrame, agg: list[str], totals: bool, fill: object
) -> None:
    three_ways_pivot(
        frame,
        index="region",
        columns="month",
        values=["amount", "qty"],
        agg=agg,
        totals=totals,
        fill_value=fill,
    )


@SETTINGS
@given(frame=long_frames(), drop_nulls=st.booleans())
def test_unpivot_engines_agree(frame: pd.DataFrame, drop_nulls: bool) -> None:
    frame["qty"] = frame["qty"].astype("float64")
    three_ways_unpivot(frame, id_columns=["region", "month"], drop_nulls=drop_nulls)


@SETTINGS
@given(frame=long_frames())
def test_unpivot_of_pivot_gives_back_the_non_null_rows(frame: pd.DataFrame) -> None:
    long = frame.dropna(subset=["month"]).drop_duplicates(["region", "month"])[
        ["region", "month", "amount"]
    ]
    wide = pivot(long, index="region", columns="month", values="amount", agg=None)
    assume(len(wide.columns) > 1)  # no pivot key at all: nothing to unpivot
    back = unpivot(wide, id_columns="region", name="month", value_name="amount", prefix="amount_")
    expected = long.dropna(subset=["amount"]).sort_values(["region", "month"], na_position="last")
    pd.testing.assert_frame_equal(back, expected.reset_index(drop=True))


# ----------------------------------------------------------------------------- errors


def test_missing_column_names_the_nearest() -> None:
    with pytest.raises(
        UnknownNameError, match="(?s)Unknown column 'amout'.*did you mean one of 'amount'"
    ):
        pivot(sales(), index="region", columns="month", values="amout")
    with pytest.raises(UnknownNameError, match="Unknown column 'regoin'"):
        unpivot(sales(), id_columns="regoin")


def test_unknown_aggregation() -> None:
    with pytest.raises(
        UnknownNameError, match="(?s)Unknown aggregation 'summ'.*did you mean 'sum'"
    ):
        pivot(sales(), index="region", columns="month", values="amount", agg="summ")


def test_too_many_columns_has_a_hint() -> None:
    frame = pd.DataFrame({"id": range(30), "k": range(30), "v": 1})
    with pytest.raises(
        InvalidValueError, match=r"(?s)60 columns.*max_columns=50.*Hint: pivot a column"
    ):
        pivot(frame, index="id", columns="k", values="v", agg=["sum", "max"], max_columns=50)


def test_duplicate_combinations_without_aggregation() -> None:
    frame = pd.DataFrame({"r": ["a", "a", "b"], "m": ["x", "x", None], "v": [1, 2, 3]})
    with pytest.raises(
        InvalidValueError, match=r"(?s)agg=None but 2 rows share.*r='a'.*Hint: pass agg='sum'"
    ):
        pivot(frame, index="r", columns="m", values="v", agg=None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"agg": None, "totals": True}, "totals=True with agg=None"),
        ({"values": "region"}, "also an index or pivot column"),
        ({"columns": "region"}, "both the pivot column and an index column"),
        ({"values": None}, r"No value columns \(values=None\)"),
        ({"values": "amount", "agg": {"qty": "sum"}}, "the same value columns in both"),
        ({"values": "month", "agg": "sum", "columns": "amount"}, "agg='sum' over column 'month'"),
        ({"values": "amount", "agg": []}, "No value columns to aggregate"),
    ],
)
def test_pivot_argument_errors(kwargs: dict, message: str) -> None:
    arguments = {"index": "region", "columns": "month", "values": "amount", **kwargs}
    with pytest.raises(InvalidValueError, match=message):
        pivot(sales(), **arguments)


def test_pivot_key_clashing_with_totals_or_index() -> None:
    frame = pd.DataFrame({"r": ["a"], "m": ["total"], "v": [1]})
    with pytest.raises(InvalidValueError, match="columns with the same name: 'v_sum_total'"):
        pivot(frame, index="r", columns="m", values="v", totals=True)


def test_pivot_key_types_sql_cannot_write() -> None:
    frame = pd.DataFrame({"r": ["a"], "m": [pd.Timestamp("2024-01-01", tz="UTC")], "v": [1]})
    with pytest.raises(InvalidValueError, match="time-zone-aware pivot key"):
        pivot(frame, index="r", columns="m", values="v", engine="duckdb")
    with pytest.raises(InvalidValueError, match="A pivot key .* of type"):
        pivot.sql(index="r", columns="m", values="v", keys=[(1, 2)])


def test_unknown_engine() -> None:
    with pytest.raises(UnknownNameError, match="Unknown engine 'duckbd'"):
        pivot(sales(), index="region", columns="month", values="amount", engine="duckbd")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"value_columns": ["region"], "id_columns": "region"}, "both id and value columns"),
        ({"value_columns": []}, "No columns to unpivot"),
        (
            {"value_columns": ["month", "amount"]},
            r"different kinds: month \(text\), amount \(number\)",
        ),
        ({"name": "region"}, "Output column 'region' has the name of an id column"),
        ({"name": "x", "value_name": "x"}, "name and value_name are both 'x'"),
        ({"value_columns": ["month"], "prefix": "amount_"}, "do not start with prefix 'amount_'"),
    ],
)
def test_unpivot_argument_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        unpivot(sales(), **{"id_columns": "region", **kwargs})
