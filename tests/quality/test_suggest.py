"""Suggested rules: evidence with the numbers, decisions, YAML, and the dirt they catch."""

from __future__ import annotations

import importlib.util
from typing import Any

import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.patterns import anchored, pattern_shares
from pipelinekit.quality.rule import Rule
from pipelinekit.quality.suggest import HandProfile, Suggestions, suggest

NUMERIC = ("integer", "float", "decimal")


def make_profile(frame: pd.DataFrame, name: str | None = None) -> HandProfile:
    """A profile following the notes' contract, computed with pandas (a stand-in)."""
    from pipelinekit.quality.pandas_metrics import family

    rows = len(frame)
    columns = []
    for column in frame.columns:
        series = frame[column]
        kind = family(series)
        present = series.dropna()
        row: dict[str, Any] = {
            "column": column,
            "type": str(series.dtype),
            "family": kind,
            "rows": rows,
            "non_null": len(present),
            "nulls": rows - len(present),
            "null_share": (rows - len(present)) / rows if rows else 0.0,
            "distinct": int(present.nunique()),
            "distinct_exact": True,
            "top_values": tuple(
                (value, int(count)) for value, count in present.value_counts().head(20).items()
            ),
            "patterns": pattern_shares(present.astype(str))
            if kind in ("string", "category")
            else {},
        }
        if kind in NUMERIC and len(present):
            values = present.astype(float)
            row.update(min=values.min(), max=values.max(), mean=values.mean())
            for key, q in (("p001", 0.001), ("p50", 0.5), ("p999", 0.999)):
                row[key] = values.quantile(q)
        elif kind in ("datetime", "date") and len(present):
            row.update(min=present.min(), max=present.max())
        columns.append(row)
    keys = tuple(
        (c["column"],) for c in columns if c["nulls"] == 0 and c["distinct"] == rows and rows
    )
    table = {
        "rows": rows,
        "columns": len(frame.columns),
        "duplicate_rows": int(frame.astype(str).duplicated().sum()),
        "candidate_keys": keys,
        "source": "DataFrame",
        "name": name,
    }
    return HandProfile(table=table, columns=pd.DataFrame(columns))


def column(name: str, family: str, rows: int, **stats: Any) -> dict[str, Any]:
    """One column row of a hand-written profile."""
    nulls = stats.pop("nulls", 0)
    return {
        "column": name,
        "family": family,
        "rows": rows,
        "non_null": rows - nulls,
        "nulls": nulls,
        "null_share": nulls / rows,
        "distinct_exact": True,
        **stats,
    }


def profile_of(
    rows: int, *columns: dict[str, Any], name: str | None = "orders", **table: Any
) -> HandProfile:
    info = {
        "rows": rows,
        "columns": len(columns),
        "duplicate_rows": 0,
        "candidate_keys": (),
        "source": "test",
        "name": name,
        **table,
    }
    return HandProfile(info, pd.DataFrame(list(columns)))


def metrics(table: str, runs: list[dict[tuple[str | None, str], float]]) -> pd.DataFrame:
    """A metrics history as metrics_history returns it."""
    rows = [
        {
            "run_id": f"r{i}",
            "at": pd.Timestamp("2024-05-01") + pd.Timedelta(days=i),
            "column": column,
            "metric": metric,
            "value": value,
        }
        for i, run in enumerate(runs)
        for (column, metric), value in run.items()
    ]
    frame = pd.DataFrame(rows, columns=["run_id", "at", "column", "metric", "value"])
    frame.attrs["table"] = table
    return frame


def by_kind(suggestions: Suggestions, kind: str, column: str | None = None) -> list:
    return [
        s
        for s in suggestions
        if s.rule.kind == kind and (column is None or column in (s.rule.column, *s.rule.columns))
    ]


# ---------------------------------------------------------------------- evidence
def test_not_null_says_how_many_rows_and_runs() -> None:
    profile = profile_of(1003, column("amount", "float", 1003, min=1.0, max=9.0))
    (alone,) = by_kind(suggest(profile), "not_null")
    assert alone.evidence == "0 nulls in 1,003 rows"
    history = metrics("orders", [{("amount", "nulls"): 0.0}] * 3)
    (with_history,) = by_kind(suggest(profile, history=history), "not_null")
    assert with_history.evidence == "0 nulls in 1,003 rows here and in 3 recorded runs"
    assert with_history.rule == Rule("not_null", column="amount", table="orders")


def test_a_null_in_history_makes_a_null_share_limit_instead() -> None:
    profile = profile_of(200, column("email", "string", 200))
    history = metrics(
        "orders",
        [
            {("email", "nulls"): 0.0, ("email", "null_share"): 0.0},
            {("email", "nulls"): 4.0, ("email", "null_share"): 0.02},
        ],
    )
    suggestions = suggest(profile, history=history)
    assert not by_kind(suggestions, "not_null")
    (limit,) = by_kind(suggestions, "null_share_at_most")
    assert limit.rule.params == {"max": 0.03}  # 2 % + max(1 %, 1 point) = 3 %
    assert "at most 2.0 % in 3 runs" in limit.evidence


def test_null_share_limit_is_the_observed_share_plus_a_margin() -> None:
    profile = profile_of(100, column("email", "string", 100, nulls=10))
    (limit,) = by_kind(suggest(profile), "null_share_at_most")
    assert limit.rule.params == {"max": 0.15}  # 10 % + half of it
    assert limit.evidence.startswith("10.0 % nulls (10 of 100 rows); max 0.15")
    assert limit.rule.severity == "error"


def test_between_uses_quantiles_from_a_thousand_values_and_rounds_outwards() -> None:
    big = column("amount", "float", 2000, min=-705.0, max=9990.0, p001=1.2, p999=4871.0)
    (rule,) = by_kind(suggest(profile_of(2000, big)), "between")
    assert (rule.rule.params, rule.rule.severity) == ({"min": 1.2, "max": 4900}, "warn")
    assert rule.evidence == (
        "values within [1.2, 4900] at p0.1..p99.9 (2,000 values: p0.1 = 1.2, p99.9 = 4871;"
        " min -705, max 9990)"
    )
    small = column("credit_score", "integer", 48, min=312, max=849, p001=313.0, p999=848.0)
    (rule,) = by_kind(suggest(profile_of(48, small)), "between")
    assert rule.rule.params == {"min": 310, "max": 850} and rule.rule.severity == "error"
    assert rule.evidence == "all 48 values within [310, 850] (min 312, max 849)"


def test_identifiers_get_no_range() -> None:
    ids = column("order_id", "integer", 50, min=1, max=50, semantic_type="identifier")
    assert not by_kind(suggest(profile_of(50, ids)), "between")


def test_in_set_lists_every_value_of_a_low_cardinality_text_column() -> None:
    status = column(
        "status", "category", 90, distinct=3, top_values=(("paid", 50), ("open", 30), ("void", 10))
    )
    (rule,) = by_kind(suggest(profile_of(90, status)), "in_set")
    assert rule.rule.params == {"values": ["open", "paid", "void"]}
    assert rule.evidence == "3 distinct values in 90 rows, all listed: 'open', 'paid', 'void'"
    partial = dict(status, distinct=25)  # the profile lists fewer values than there are
    free = dict(status, distinct=3, rows=4, non_null=4)  # too few rows for 3 values
    assert not by_kind(suggest(profile_of(90, partial)), "in_set")
    assert not by_kind(suggest(profile_of(4, free)), "in_set")


def test_text_patterns_give_a_regex_or_a_cast_and_say_how_many_miss() -> None:
    email = column("email", "string", 100, patterns={"email": 0.98, "other": 0.02})
    uuid = column("token", "string", 100, patterns={"uuid": 1.0})
    code = column("zip", "string", 100, patterns={"integer": 0.99, "other": 0.01})
    total = column("total", "string", 100, patterns={"integer": 0.5, "decimal": 0.47})
    vague = column("note", "string", 100, patterns={"email": 0.9, "other": 0.1})
    suggestions = suggest(profile_of(100, email, uuid, code, total, vague))
    (mail,) = by_kind(suggestions, "matches_regex", "email")
    assert mail.rule.params == {"pattern": anchored("email")}
    assert mail.evidence == "98.0 % of 100 values look like an e-mail address; 2 do not match"
    (token,) = by_kind(suggestions, "matches_regex", "token")
    assert token.evidence.endswith("every one matches")
    (zip_code,) = by_kind(suggestions, "castable_to", "zip")
    assert zip_code.rule.params == {"type": "integer"}
    assert zip_code.evidence == "99.0 % of 100 values read as integers; 1 does not match"
    (number,) = by_kind(suggestions, "castable_to", "total")
    assert number.rule.params == {"type": "number"}
    assert not by_kind(suggestions, "matches_regex", "note")  # 90 % is below 95 %


def test_not_future_only_for_timestamps_already_past() -> None:
    past = column("ordered_at", "datetime", 10, max=pd.Timestamp("2024-03-15 23:41:50"))
    future = column("due_at", "datetime", 10, max=pd.Timestamp("2999-01-01"))
    suggestions = suggest(profile_of(10, past, future))
    (rule,) = by_kind(suggestions, "not_future")
    assert rule.rule.column == "ordered_at"
    assert rule.evidence == "the newest value, 2024-03-15 23:41:50, is in the past"


def test_keys_and_duplicate_rows_from_the_table() -> None:
    profile = profile_of(
        50,
        column("order_id", "integer", 50, distinct=50, min=1, max=50),
        column("line", "integer", 50, distinct=3, min=1, max=3),
        column("lat", "float", 50, distinct=50, min=1.0, max=2.0),
        candidate_keys=(("order_id",), ("lat",), ("order_id", "line")),
    )
    suggestions = suggest(profile)
    assert [s.rule.columns for s in by_kind(suggestions, "unique")] == [("order_id",)]
    assert by_kind(suggestions, "unique")[0].evidence == (
        "50 distinct values in 50 rows, no nulls: a candidate key"
    )
    (duplicates,) = by_kind(suggestions, "no_duplicate_rows")
    assert duplicates.evidence == "no duplicate rows among 50"
    pair = profile_of(
        8,
        column("order_id", "integer", 8),
        column("line", "integer", 8),
        candidate_keys=(("order_id", "line"),),
        duplicate_rows=1,
    )
    suggestions = suggest(pair)
    assert [s.rule.columns for s in by_kind(suggestions, "unique")] == [("order_id", "line")]
    assert not by_kind(suggestions, "no_duplicate_rows")


def test_row_count_bounds_from_one_run_and_from_history() -> None:
    profile = profile_of(1000, column("id", "integer", 1000, min=1, max=1000))
    (alone,) = by_kind(suggest(profile), "row_count_between")
    assert alone.rule.params == {"min": 500, "max": 1500}
    assert alone.evidence == "1,000 rows now and no history: ±50 % gives [500, 1,500]"
    history = metrics("orders", [{(None, "rows"): n} for n in (900.0, 1100.0, 1000.0)])
    (grown,) = by_kind(suggest(profile, history=history), "row_count_between")
    # mean 1000, std of (1000, 900, 1100, 1000) = 81.65; ± 3 std
    assert grown.rule.params == {"min": 755, "max": 1245}
    assert "3 recorded runs: mean 1,000, std 81.6; mean ± 3·std gives [755, 1,245]" in (
        grown.evidence
    )
    steady = metrics("orders", [{(None, "rows"): 1000.0}] * 3)
    (widened,) = by_kind(suggest(profile, history=steady), "row_count_between")
    assert widened.rule.params == {"min": 900, "max": 1100}
    assert "widened to ±10 % of the mean" in widened.evidence


# ---------------------------------------------------------------------- decisions
def small() -> Suggestions:
    return suggest(
        profile_of(
            4, column("id", "integer", 4, distinct=4, min=1, max=4), candidate_keys=(("id",),)
        )
    )


def test_accept_reject_and_rules_by_id_or_name() -> None:
    suggestions = small()
    assert [s.status for s in suggestions] == ["pending"] * len(suggestions)
    suggestions.accept(1, "unique(id)").reject(3)
    assert [r.name for r in suggestions.rules()] == ["not_null(id)", "unique(id)"]
    assert [r.name for r in suggestions.rules("rejected")] == ["between(id)"]
    assert len(suggestions.accept("all").rules()) == len(suggestions)
    suggestions.reject("all")
    assert suggestions.rules() == []


def test_edit_remakes_the_rule_and_accepts_it() -> None:
    suggestions = small()
    suggestions.edit(3, max=1000, severity="warn")
    edited = suggestions[3]
    assert edited.rule.params == {"min": 1, "max": 1000} and edited.rule.severity == "warn"
    assert (edited.status, edited.label) == ("accepted", "accepted (edited)")
    assert edited.rule.table == "orders" and edited.rule.name == "between(id)"
    suggestions.edit(3, min=None)  # None removes a bound
    assert suggestions[3].rule.params == {"max": 1000}


def test_a_bad_edit_is_refused_and_leaves_the_suggestion() -> None:
    suggestions = small()
    before = suggestions[3].rule
    with pytest.raises(InvalidValueError, match="min 10 above max 4"):
        suggestions.edit(3, min=10)
    with pytest.raises(UnknownNameError, match="parameter of rule 'between'"):
        suggestions.edit(3, maximum=10)
    with pytest.raises(InvalidValueError, match="edit\\(\\) was given 'column'"):
        suggestions.edit(3, column="other")
    assert suggestions[3].rule == before and suggestions[3].status == "pending"


def test_unknown_ids_and_empty_decisions_are_explained() -> None:
    suggestions = small()
    with pytest.raises(UnknownNameError, match="Unknown suggestion 'not_null\\(ids\\)'.*not_null"):
        suggestions.accept("not_null(ids)")
    with pytest.raises(UnknownNameError, match="Unknown suggestion '99'"):
        suggestions.reject(99)
    with pytest.raises(InvalidValueError, match="Nothing to accept"):
        suggestions.accept()


def test_accepted_rules_round_trip_through_yaml(tmp_path) -> None:
    from pipelinekit.quality.rules_yaml import load_rules

    suggestions = small().accept("all").edit(3, max=1000)
    path = suggestions.to_yaml(tmp_path / "rules.yml")
    assert load_rules(path) == suggestions.rules()
    with pytest.raises(InvalidValueError, match="(?s)No accepted suggestion.*accept\\('all'\\)"):
        small().to_yaml(tmp_path / "none.yml")


def test_the_table_shows_id_rule_evidence_status() -> None:
    suggestions = small().accept(1).reject(2)
    html = suggestions._repr_html_()
    assert html == small().accept(1).reject(2)._repr_html_()  # deterministic
    assert "<th>id</th><th>rule</th><th>evidence</th><th>status</th>" in html
    assert "<td>0 nulls in 4 rows</td><td>accepted</td>" in html
    frame = suggestions.frame
    assert list(frame.columns) == [
        "id",
        "table",
        "rule",
        "kind",
        "column",
        "dimension",
        "severity",
        "params",
        "evidence",
        "status",
    ]
    assert frame["status"].tolist()[:3] == ["accepted", "rejected", "pending"]
    assert "Suggestions(6 rules for 'orders', 1 accepted)" in repr(suggestions)


@pytest.mark.skipif(
    importlib.util.find_spec("pipelinekit.quality.compile") is None, reason="no compile yet"
)
def test_every_suggestion_shows_its_sql() -> None:
    for suggestion in small():
        assert "orders" in suggestion.sql
        assert ("DESCRIBE" if suggestion.rule.level == "schema" else "SELECT") in suggestion.sql


# ---------------------------------------------------------------------- bad input
def test_history_of_another_table_is_refused() -> None:
    profile = profile_of(10, column("id", "integer", 10, min=1, max=10), name="orders")
    history = metrics("customers", [{(None, "rows"): 10.0}])
    with pytest.raises(InvalidValueError, match="history given to suggest is of table 'customers'"):
        suggest(profile, history=history)
    with pytest.raises(InvalidValueError, match="not of 'payments'"):
        suggest(profile_of(10, name=None), history=history, table="payments")
    with pytest.raises(InvalidValueError, match="no 'metric' and 'value' columns"):
        suggest(profile, history=pd.DataFrame({"rows": [1]}))


def test_a_nameless_profile_takes_the_table_from_its_history() -> None:
    history = metrics("customers", [{(None, "rows"): 10.0}])
    suggestions = suggest(profile_of(10, column("id", "integer", 10), name=None), history=history)
    assert {s.rule.table for s in suggestions} == {"customers"}


# ---------------------------------------------------------------------- dirty data
@pytest.mark.parametrize("domain", ["finance", "ecommerce"])
def test_rules_suggested_on_clean_data_catch_the_injected_problems(domain: str) -> None:
    from pipelinekit.quality.check import check

    clean = pk.datasets.load(domain, scale="tiny", seed=42, dirty=False)
    dirty = pk.datasets.load(domain, scale="tiny", seed=42, dirty=True)
    rules = [
        rule
        for name in clean
        for rule in suggest(make_profile(clean[name], name)).accept("all").rules()
    ]
    report = check(dict(dirty.items()), rules, now="2030-01-01")
    failed = {(r.table, r.rule.kind, r.rule.column) for r in report.results if not r.passed}
    catchable = {
        "nulls": "not_null",
        "bad_emails": "matches_regex",
        "out_of_range": "between",
        "schema_drift": "not_null",
    }
    log = dirty.injected.drop_duplicates(["table", "column", "problem"])
    for row in log.itertuples():
        if row.problem == "duplicates":
            assert (row.table, "no_duplicate_rows", None) in failed
        elif row.problem in catchable:
            assert (row.table, catchable[row.problem], row.column) in failed, row
    clean_report = check(dict(clean.items()), rules, now="2030-01-01")
    for result in clean_report.results:  # on the data they describe, only warnings fail
        assert result.passed or result.severity == "warn", result.message
        assert result.failing_share <= 0.005, result.message  # p0.1..p99.9: 0.2 % outside


@pytest.mark.skipif(
    importlib.util.find_spec("pipelinekit.quality.profile") is None, reason="no profile yet"
)
def test_suggest_profiles_a_frame_itself_and_catches_the_dirt() -> None:
    from pipelinekit.quality.check import check

    clean = pk.datasets.load("finance", scale="tiny", seed=42, dirty=False)
    dirty = pk.datasets.load("finance", scale="tiny", seed=42, dirty=True)
    suggestions = suggest(clean["customers"], table="customers")
    assert {s.rule.table for s in suggestions} == {"customers"}
    (country,) = by_kind(suggestions, "in_set", "country")
    assert country.rule.params == {"values": ["DE", "ES", "FR", "GB", "US"]}
    assert not by_kind(suggestions, "between", "customer_id")  # an identifier
    report = check(dict(dirty.items()), suggestions.accept("all").rules())
    failed = {r.rule.name for r in report.results if not r.passed}
    assert {"not_null(email)", "matches_regex(email)"} <= failed


def test_rules_suggested_on_dirty_data_still_flag_malformed_emails() -> None:
    from pipelinekit.quality.check import check

    dirty = pk.datasets.load("finance", scale="tiny", seed=42, dirty=True)
    suggestions = suggest(make_profile(dirty["customers"], "customers"))
    (email,) = by_kind(suggestions, "matches_regex", "email")
    assert email.evidence == "99.0 % of 98 values look like an e-mail address; 1 does not match"
    report = check(dirty["customers"], [email.rule], name="customers")
    assert report.results[0].failing == 1


# ---------------------------------------------------------------------- schema
def test_columns_present_describes_the_profiled_schema_and_catches_a_rename() -> None:
    from pipelinekit.quality.check import check

    (schema,) = by_kind(small(), "columns_present")
    assert schema.rule.params == {"columns": ["id"], "exact": True}
    assert schema.evidence == "the table has this 1 column"
    customers = pd.DataFrame({"id": [1, 2, 3], "city": ["Lyon", "Oslo", "Graz"]})
    (schema,) = by_kind(suggest(customers, table="customers"), "columns_present")
    assert schema.evidence == "the table has these 2 columns"
    drifted = customers.assign(town=[None, None, "Bonn"], city=["Lyon", "Oslo", None])
    report = check(drifted, [schema.rule], name="customers")
    assert report.results[0].status == "failed"
    assert "unexpected column 'town'" in report.results[0].message


# ---------------------------------------------------------------------- timestamps
def delays_frame() -> pd.DataFrame:
    """2,000 orders loaded a minute after they were placed, five of them later."""
    ordered = pd.Timestamp("2024-05-01") + pd.to_timedelta(range(2000), unit="min")
    seconds = [60] * 1995 + [600, 700, 800, 900, 7200]
    loaded = ordered + pd.to_timedelta(seconds, unit="s")
    return pd.DataFrame(
        {
            "order_id": range(1, 2001),
            "ordered_at": ordered,
            "loaded_at": loaded,
            "shipped_at": ordered + pd.Timedelta(days=1),  # after both: nearest is loaded_at
            "paid_at": ordered + pd.to_timedelta([(-1) ** i * 30 for i in range(2000)], unit="s"),
        }
    )


def test_a_timestamp_after_another_gives_an_order_and_a_readable_delay_bound() -> None:
    from pipelinekit.quality.check import check

    suggestions = suggest(delays_frame(), table="orders")
    (order,) = by_kind(suggestions, "compare_columns", "loaded_at")
    assert order.rule.params == {"op": ">=", "other": "ordered_at"}
    assert order.evidence == "loaded_at is never before ordered_at in 2,000 rows"
    (delay,) = by_kind(suggestions, "max_delay", "loaded_at")
    assert delay.rule.params == {"since": "ordered_at", "max": "15 minutes"}
    assert delay.rule.severity == "warn"  # p99.9: the 0.1 % beyond are worth a look
    assert delay.evidence == (
        "loaded_at - ordered_at in 2,000 rows: p50 1 minute, p99.9 13.3 minutes, max 2 hours;"
        " at most 15 minutes (p99.9, rounded up)"
    )
    (shipped,) = by_kind(suggestions, "max_delay", "shipped_at")
    assert shipped.rule.params == {"since": "loaded_at", "max": "1 day"}
    assert not by_kind(suggestions, "max_delay", "paid_at")  # before and after ordered_at
    assert not by_kind(suggestions, "compare_columns", "paid_at")
    report = check(delays_frame(), [order.rule, delay.rule], name="orders")
    assert [r.failing for r in report.results] == [0, 1]  # the one two hours late


def test_below_a_thousand_rows_the_delay_bound_is_the_max_and_an_error() -> None:
    frame = delays_frame().tail(5)
    (delay,) = by_kind(suggest(frame, table="orders"), "max_delay", "loaded_at")
    assert delay.rule.params["max"] == "2 hours" and delay.rule.severity == "error"
    assert delay.evidence.endswith("max 2 hours; at most 2 hours (the max, rounded up)")


def test_a_profile_alone_gives_no_timestamp_pairs() -> None:
    from pipelinekit.quality.profile import profile

    suggestions = suggest(profile(delays_frame(), name="orders"))
    assert not by_kind(suggestions, "max_delay") and not by_kind(suggestions, "compare_columns")


# ---------------------------------------------------------------------- several tables
def shop() -> dict[str, pd.DataFrame]:
    """20,000 orders of 1,000 customers (80 of unknown ones) and 10 products."""
    customer = [i % 1000 + 1 if i % 250 else 5000 + i for i in range(20_000)]
    return {
        "customers": pd.DataFrame({"customer_id": range(1, 1001), "name": "Ada"}),
        "products": pd.DataFrame({"id": range(1, 11), "price": [9.99] * 10}),
        "coupons": pd.DataFrame({"coupon_id": [1, 2]}),
        "orders": pd.DataFrame(
            {
                "order_id": range(1, 20_001),
                "customer_id": customer,
                "product_id": [i % 10 + 1 for i in range(20_000)],
                "coupon_id": [i % 4 + 1 for i in range(20_000)],  # half of them unknown
            }
        ),
    }


def test_columns_named_like_another_tables_key_become_foreign_keys() -> None:
    suggestions = suggest(shop())
    keys = {s.rule.column: s for s in by_kind(suggestions, "foreign_key")}
    assert set(keys) == {"customer_id", "product_id"}  # coupon_id: only 50 % are coupons
    customer = keys["customer_id"]
    assert (customer.rule.table, customer.rule.params) == (
        "orders",
        {"to": "customers.customer_id"},
    )
    assert customer.evidence == (
        "99.6 % of 20,000 values of orders.customer_id are in customers.customer_id"
        " (the key of customers); 80 are not: worth a look"
    )
    assert customer.rule.severity == "warn"
    product = keys["product_id"]
    assert product.rule.params == {"to": "products.id"} and product.rule.severity == "error"
    assert product.evidence.startswith("100 % of 20,000 values of orders.product_id")
    # a reference is not a measure: no range (which orders alone would get)
    assert by_kind(suggest(shop()["orders"], table="orders"), "between", "product_id")
    assert not by_kind(suggestions, "between", "product_id")


def test_suggestions_of_several_tables_name_their_table() -> None:
    suggestions = suggest(shop())
    assert {s.rule.table for s in suggestions} == {"customers", "products", "coupons", "orders"}
    assert str(suggestions).splitlines()[0].split() == ["id", "table", "rule", "evidence", "status"]
    assert "<th>table</th>" in suggestions._repr_html_()
    assert suggestions["orders.not_null(customer_id)"].rule.table == "orders"
    with pytest.raises(InvalidValueError, match="(?s)2 suggestions are called 'not_null.*orders"):
        suggestions.accept("not_null(customer_id)")
    assert suggestions.accept("foreign_key(customer_id)").rules()[0].kind == "foreign_key"
    only = suggest(shop(), table="orders")  # the others still serve as referenced tables
    assert {s.rule.table for s in only} == {"orders"} and only.table == "orders"
    assert len(by_kind(only, "foreign_key")) == 2


def test_a_dataset_takes_its_keys_from_its_card(tmp_path) -> None:
    from pipelinekit.quality.rules_yaml import load_rules

    iot = pk.datasets.load("iot", scale="tiny", seed=42)
    suggestions = suggest(iot)
    path = suggestions.accept("all").to_yaml(tmp_path / "iot.yml")
    assert load_rules(path) == suggestions.rules()  # every new kind round-trips
    (key,) = [s for s in by_kind(suggestions, "unique") if s.rule.table == "readings"]
    assert key.rule.columns == ("device_id", "read_at")
    assert key.evidence.startswith("the primary key in the iot card; no two of the")
    declared = {
        (s.rule.table, s.rule.column, s.rule.params["to"])
        for s in by_kind(suggestions, "foreign_key")
    }
    assert declared == {
        (table, column, f"{parent}.{key}")
        for table, column, parent, key in pk.datasets.cards.foreign_keys("iot")
    }
    assert all(
        "(declared in the iot card)" in s.evidence for s in by_kind(suggestions, "foreign_key")
    )
    assert not [s for s in by_kind(suggestions, "between", "device_id")]
    by_name = {  # without the card: the same foreign keys, found by their names
        (s.rule.table, s.rule.column, s.rule.params["to"])
        for s in by_kind(suggest(dict(iot)), "foreign_key")
    }
    assert by_name == declared


def test_histories_of_several_tables_go_by_name() -> None:
    tables = shop()
    history = metrics("customers", [{("name", "nulls"): 3.0, ("name", "null_share"): 0.003}])
    for given in (history, {"customers": history}):
        (name,) = by_kind(suggest(tables, history=given), "null_share_at_most", "name")
        assert name.rule.table == "customers"
    with pytest.raises(UnknownNameError, match="Unknown table of a history 'payments'"):
        suggest(tables, history={"payments": history})
    nameless = history.copy()
    nameless.attrs = {}
    with pytest.raises(InvalidValueError, match="(?s)names no table.*mapping of table name"):
        suggest(tables, history=nameless)
    with pytest.raises(InvalidValueError, match="A mapping of histories for one table"):
        suggest(tables["customers"], history={"customers": history})


def test_several_tables_are_frames_and_table_names_one_of_them() -> None:
    with pytest.raises(InvalidValueError, match="Table 'orders' is a list"):
        suggest({"orders": [1, 2]})
    with pytest.raises(UnknownNameError, match="(?s)Unknown table 'order'.*did you mean 'orders'"):
        suggest(shop(), table="order")


@pytest.mark.parametrize("domain", ["ecommerce", "finance", "iot"])
def test_suggested_error_rules_hold_on_the_clean_data_they_come_from(domain: str) -> None:
    from pipelinekit.quality.check import check

    clean = pk.datasets.load(domain, scale="small", seed=42)
    suggestions = suggest(clean)
    assert {"foreign_key", "max_delay", "columns_present", "unique"} <= {
        s.rule.kind for s in suggestions
    }
    report = check(clean, suggestions.accept("all").rules(), now="2030-01-01")
    errors = [r.message for r in report.results if r.severity == "error" and not r.passed]
    assert errors == []
    for result in report.results:  # warnings describe the 0.1 % tails: little fails
        assert result.failing_share <= 0.005, result.message
