"""`pk.sql` and the SQL-twin machinery every transform builds on."""

import pandas as pd
import pytest

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.order import Order, parse_order, require_columns, sort_positions
from pipelinekit.transforms.sql import SqlError, quote, sql
from pipelinekit.transforms.twin import add_columns_sql, check_engine, run_add_columns


def test_sql_runs_over_frames_by_name():
    orders = pd.DataFrame({"customer": ["a", "b", "a"], "amount": [1.0, 2.0, 3.0]})
    result = sql(
        "SELECT customer, sum(amount) AS total FROM orders GROUP BY 1 ORDER BY 1", orders=orders
    )
    assert result.to_dict("list") == {"customer": ["a", "b"], "total": [4.0, 2.0]}


def test_sql_error_quotes_duckdb_and_names_the_tables():
    with pytest.raises(
        SqlError, match=r"(?s)DuckDB could not run the query.*tables passed in \(orders\)"
    ):
        sql("SELECT amout FROM orders", orders=pd.DataFrame({"amount": [1]}))


def test_sql_rejects_a_series():
    with pytest.raises(InvalidValueError, match=r"(?s)Table .orders. is a Series.*to_frame"):
        sql("SELECT 1", orders=pd.Series([1]))


def test_quote_only_when_needed():
    assert [quote("a"), quote("two words"), quote("select")] == ["a", '"two words"', '"select"']


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("amount", Order("amount")),
        ("-amount", Order("amount", descending=True)),
        ("amount desc nulls first", Order("amount", True, "first")),
        ("amount ASC NULLS LAST", Order("amount", False, "last")),
    ],
)
def test_parse_order(text, expected):
    assert parse_order(text) == (expected,)


@pytest.mark.parametrize("text", ["", "amount sideways", "amount DESC NULLS MIDDLE"])
def test_bad_order_keys(text):
    with pytest.raises(InvalidValueError, match="ORDER BY key|empty ORDER BY"):
        parse_order(text)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("nulls", ["first", "last"])
def test_sort_positions_agree_with_duckdb(descending, nulls):
    frame = pd.DataFrame({"g": ["b", "a", None, "a", "b"], "x": [1.0, None, 2.0, 1.0, None]})
    keys = (Order("g", descending, nulls), Order("x", not descending, nulls))
    order_sql = ", ".join(key.sql() for key in keys)
    numbered = frame.assign(row=range(len(frame)))
    expected = sql(f"SELECT row FROM t ORDER BY {order_sql}, row", t=numbered)["row"].tolist()
    assert sort_positions(frame, keys).tolist() == expected


def test_require_columns_names_the_nearest():
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown column 'amout'.*did you mean 'amount'"
    ):
        require_columns(pd.DataFrame({"amount": [1]}), ["amout"])


def test_added_columns_come_back_in_frame_order_with_its_index():
    frame = pd.DataFrame({"x": [3, 1, 2]}, index=["c", "a", "b"])
    result = run_add_columns(frame, add_columns_sql({"double": "x * 2"}))
    assert result.index.tolist() == ["c", "a", "b"] and result["double"].tolist() == [6, 2, 4]


def test_unknown_engine():
    with pytest.raises(UnknownNameError, match=r"(?s)Unknown engine 'duck'.*did you mean 'duckdb'"):
        check_engine("duck")


def test_a_call_cannot_see_frames_of_an_earlier_call():
    sql("SELECT * FROM earlier", earlier=pd.DataFrame({"x": [1]}))
    with pytest.raises(SqlError, match="earlier"):
        sql("SELECT * FROM earlier")


def test_keywords_are_quoted_so_any_column_name_works():
    frame = pd.DataFrame({"at": [1], "order": [2], "to": [3]})
    columns = ", ".join(quote(name) for name in frame.columns)
    assert sql(f"SELECT {columns} FROM t", t=frame).to_dict("list") == {
        "at": [1],
        "order": [2],
        "to": [3],
    }
