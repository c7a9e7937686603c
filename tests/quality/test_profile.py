"""pk.quality.profile on DataFrames: every metric against pandas as the oracle."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.patterns import pattern_class, pattern_shares
from pipelinekit.quality.profile import PROFILE_FIELDS, Profile, profile
from pipelinekit.quality.profile_sql import QUANTILES

TEXT = ("string", "category")
NUMERIC = ("integer", "float", "decimal")


@pytest.fixture(scope="module")
def ecommerce() -> pk.datasets.Dataset:
    return pk.datasets.load("ecommerce", scale="small", dirty=True)


@pytest.fixture(scope="module")
def finance() -> pk.datasets.Dataset:
    return pk.datasets.load("finance", scale="tiny", dirty=True)


def top_values(series: pd.Series, top: int = 5) -> tuple:
    """The oracle's most frequent values: count descending, then value ascending."""
    present = series.dropna()
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = present.astype("str")
    counts = present.value_counts().rename("n").rename_axis("v").reset_index()
    counts = counts.sort_values(["n", "v"], ascending=[False, True], kind="stable").head(top)
    return tuple((v, int(n)) for v, n in zip(counts["v"], counts["n"], strict=True))


def plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def assert_matches_pandas(frame: pd.DataFrame, result: Profile) -> None:
    """Every metric of ``result`` equals what pandas computes on ``frame``."""
    assert result.table["rows"] == len(frame)
    assert result.table["duplicate_rows"] == int(frame.duplicated().sum())
    assert result.columns["column"].tolist() == list(frame.columns)
    for name in frame.columns:
        series = frame[name]
        row = result.column(name)
        present = series.dropna()
        assert row["non_null"] == len(present), name
        assert row["nulls"] == len(frame) - len(present), name
        assert row["distinct"] == series.nunique(), name
        assert row["distinct_exact"]
        as_text = present.astype("str") if row["family"] == "category" else present
        if len(present):
            assert plain(row["min"]) == plain(as_text.min()), name
            assert plain(row["max"]) == plain(as_text.max()), name
        assert row["top_values"] == tuple((plain(v), n) for v, n in top_values(series)), name
        if row["family"] in NUMERIC:
            assert row["mean"] == pytest.approx(present.mean(), rel=1e-9), name
            assert row["std"] == pytest.approx(present.std(), rel=1e-9, nan_ok=True), name
            for field, q in QUANTILES.items():
                assert row[field] == pytest.approx(present.quantile(q), rel=1e-9), (name, field)
        else:
            assert all(math.isnan(row[field]) for field in QUANTILES), name
        if row["family"] in TEXT:
            lengths = as_text.str.len()
            assert row["min_length"] == lengths.min(), name
            assert row["max_length"] == lengths.max(), name
            assert row["mean_length"] == pytest.approx(lengths.mean()), name
            assert row["patterns"] == pytest.approx(pattern_shares(present)), name
        else:
            assert row["patterns"] == {}, name
            assert pd.isna(row["min_length"]), name


@pytest.mark.parametrize("table", ["customers", "products", "orders", "order_items", "returns"])
def test_ecommerce_tables_match_pandas(ecommerce, table):
    assert_matches_pandas(ecommerce[table], profile(ecommerce[table], name=table))


@pytest.mark.parametrize(
    "table", ["customers", "accounts", "transactions", "loans", "loan_payments"]
)
def test_finance_tables_match_pandas(finance, table):
    assert_matches_pandas(finance[table], profile(finance[table], name=table))


def test_contract_fields_and_types(ecommerce):
    result = profile(ecommerce["orders"], name="orders")
    assert tuple(result.columns.columns) == PROFILE_FIELDS
    assert set(result.table) >= {
        "rows",
        "columns",
        "duplicate_rows",
        "candidate_keys",
        "source",
        "name",
    }
    assert result.table["source"] == "pandas DataFrame"
    assert result.table["name"] == "orders"
    assert result.table["columns"] == ecommerce["orders"].shape[1]
    assert isinstance(result.table["candidate_keys"], tuple)
    assert result.columns["distinct"].dtype == "Int64"
    assert result.columns["null_share"].dtype == "float64"


def test_boolean_column_has_share_of_true_as_mean(finance):
    row = profile(finance["transactions"]).column("is_fraud")
    fraud = finance["transactions"]["is_fraud"]
    assert row["mean"] == pytest.approx(fraud.mean())
    assert row["std"] == pytest.approx(fraud.astype(int).std())
    assert (row["min"], row["max"]) == (False, True)
    assert row["semantic_type"] == "boolean"


def test_malformed_emails_of_the_injection_log_are_the_other_pattern(ecommerce):
    log = ecommerce.injected
    bad = log[(log["table"] == "customers") & (log["problem"] == "bad_emails")]
    assert len(bad) > 0 and all(pattern_class(v) == "other" for v in bad["injected"])
    row = profile(ecommerce["customers"]).column("email")
    others = round(row["patterns"]["other"] * row["non_null"])
    assert others == len(bad)
    assert row["patterns"]["email"] == pytest.approx(1 - len(bad) / row["non_null"])
    assert row["semantic_type"] == "email"


def test_malformed_emails_in_finance(finance):
    log = finance.injected
    bad = log[(log["table"] == "customers") & (log["problem"] == "bad_emails")]
    row = profile(finance["customers"]).column("email")
    assert round(row["patterns"]["other"] * row["non_null"]) == len(bad) > 0


def test_duplicate_rows_are_the_injected_copies(ecommerce, finance):
    for dataset, table in [(ecommerce, "orders"), (finance, "transactions")]:
        log = dataset.injected
        copies = log[(log["table"] == table) & (log["problem"] == "duplicates")]
        result = profile(dataset[table])
        assert result.table["duplicate_rows"] == len(copies) > 0
        assert result.table["candidate_keys"] == ()  # a repeated row leaves no key


def test_candidate_keys_on_known_keys():
    clean = pk.datasets.load("ecommerce", scale="tiny")
    assert ("order_id",) in profile(clean["orders"]).table["candidate_keys"]
    assert ("customer_id",) in profile(clean["customers"]).table["candidate_keys"]
    items = profile(clean["order_items"]).table["candidate_keys"]
    assert ("order_id", "line_number") in items
    assert all(len(key) == 2 for key in items)  # no single column is unique


def test_candidate_keys_skip_nulls_floats_and_timestamps():
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "with_null": [1, 2, 3, None],
            "price": [1.5, 2.5, 3.5, 4.5],
            "at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
            "code": ["a", "b", "c", "d"],
        }
    )
    assert profile(frame).table["candidate_keys"] == (("id",), ("code",))


def test_key_pairs_only_when_no_single_column_is_a_key():
    frame = pd.DataFrame({"a": [1, 1, 2, 2], "b": [1, 2, 1, 2], "c": ["x", "x", "y", "y"]})
    assert profile(frame).table["candidate_keys"] == (("a", "b"), ("b", "c"))


def test_semantic_types_of_a_small_table():
    frame = pd.DataFrame(
        {
            "order_id": range(60),
            "status": ["new", "paid", "sent"] * 20,
            "amount": np.linspace(1, 100, 60),
            "placed_at": pd.date_range("2024-01-01", periods=60, freq="h"),
            "postcode": [f"{75000 + i}" for i in range(60)],
            "note": [f"a long free text comment number {i} about the order" for i in range(60)],
            "flag": [0, 1] * 30,
            "same": ["x"] * 60,
            "nothing": [None] * 60,
            "paid_on": [f"2024-02-{1 + i % 28:02d}" for i in range(60)],
            "site": ["https://shop.example.com/p/1"] * 30 + ["www.example.org"] * 30,
            "ref": [f"123e4567-e89b-12d3-a456-4266141740{i:02d}" for i in range(60)],
        }
    )
    found = profile(frame).columns.set_index("column")["semantic_type"].to_dict()
    assert found == {
        "order_id": "identifier",
        "status": "category",
        "amount": "measure",
        "placed_at": "timestamp",
        "postcode": "numeric-as-text",
        "note": "free text",
        "flag": "boolean",
        "same": "constant",
        "nothing": "empty",
        "paid_on": "date-as-text",
        "site": "url",
        "ref": "identifier",
    }


def test_nan_counts_as_null_and_index_is_not_a_column():
    frame = pd.DataFrame({"x": [1.0, np.nan, 3.0]}, index=["a", "b", "c"])
    row = profile(frame).column("x")
    assert (row["non_null"], row["nulls"], row["null_share"]) == (2, 1, pytest.approx(1 / 3))
    assert profile(frame).columns["column"].tolist() == ["x"]


def test_empty_table_gives_rows_zero_and_clear_nans():
    frame = pd.DataFrame({"id": pd.Series([], dtype="int64"), "name": pd.Series([], dtype="str")})
    result = profile(frame, correlations=True)
    assert result.table["rows"] == 0
    assert result.table["duplicate_rows"] == 0
    assert result.table["candidate_keys"] == ()
    for name in ("id", "name"):
        row = result.column(name)
        assert row["non_null"] == 0 and row["distinct"] == 0
        assert math.isnan(row["null_share"]) and math.isnan(row["mean"])
        assert row["min"] is None and row["top_values"] == ()
        assert row["semantic_type"] == "empty"
    assert "0 rows" in result._repr_html_()


def test_frame_without_columns():
    result = profile(pd.DataFrame(index=range(3)))
    assert (result.table["rows"], result.table["columns"], len(result.columns)) == (3, 0, 0)


def test_top_option_and_no_top_values(ecommerce):
    frame = ecommerce["orders"]
    assert len(profile(frame, top=2).column("status")["top_values"]) == 2
    assert profile(frame, top=0).column("status")["top_values"] == ()


def test_patterns_on_a_sample_are_close_and_reproducible():
    rng = np.random.default_rng(3)
    values = np.where(rng.random(60_000) < 0.2, "not an email", "a@example.com")
    frame = pd.DataFrame({"mail": values.astype(object)})
    first = profile(frame, sample_patterns=10_000)
    again = profile(frame, sample_patterns=10_000)
    assert first.table["sample_rows"] == 10_000
    assert first.column("mail")["patterns"] == again.column("mail")["patterns"]
    assert first.column("mail")["patterns"]["other"] == pytest.approx(0.2, abs=0.02)
    assert profile(frame, sample_patterns=None).table["sample_rows"] is None


def test_correlations_only_when_asked():
    rng = np.random.default_rng(0)
    x = rng.normal(size=500)
    frame = pd.DataFrame(
        {"x": x, "y": 2 * x + rng.normal(size=500), "k": rng.integers(0, 9, 500), "s": "a"}
    )
    frame.loc[::7, "y"] = np.nan
    assert profile(frame).correlations is None
    found = profile(frame, correlations=True).correlations
    expected = frame[["x", "y", "k"]].corr()
    pd.testing.assert_frame_equal(found, expected, check_exact=False, rtol=1e-9)


def test_bad_options_are_refused():
    frame = pd.DataFrame({"x": [1]})
    with pytest.raises(InvalidValueError, match=r"approx='sometimes'; expected 'auto'"):
        profile(frame, approx="sometimes")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match=r"top=-1; expected a whole number"):
        profile(frame, top=-1)
    with pytest.raises(InvalidValueError, match=r"sample_patterns=0; expected a positive"):
        profile(frame, sample_patterns=0)


def test_sources_that_are_not_tables_are_refused():
    with pytest.raises(InvalidValueError, match=r"(?s)type list; .*Hint: pass a DataFrame"):
        profile([1, 2, 3])
    with pytest.raises(InvalidValueError, match=r"(?s)type Series.*Hint: a Series becomes"):
        profile(pd.Series([1, 2]))
    with pytest.raises(InvalidValueError, match=r"'orders' came without connection="):
        profile("orders")
    with pytest.raises(InvalidValueError, match=r"connection given is of type int"):
        profile("orders", connection=3)
    with pytest.raises(InvalidValueError, match=r"more than one column named 'a'"):
        profile(pd.DataFrame([[1, 2]], columns=["a", "a"]))


def test_unknown_column_names_the_nearest(ecommerce):
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown column 'statuss'.*did you mean 'status'"
    ):
        profile(ecommerce["orders"]).column("statuss")


def test_columns_of_lists_get_counts_only():
    frame = pd.DataFrame({"tags": [[1, 2], [3], None], "id": [1, 2, 3]})
    row = profile(frame).column("tags")
    assert (row["family"], row["non_null"], row["nulls"]) == ("other", 2, 1)
    assert pd.isna(row["distinct"]) and not row["distinct_exact"]
    assert row["min"] is None and row["top_values"] == ()
    assert row["semantic_type"] == "other"
