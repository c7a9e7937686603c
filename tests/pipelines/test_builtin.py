"""The built-in pipelines: every step runs, and the marts mean what their SQL says.

The steps are run here without the pipeline engine, with plain DuckDB over the tiny
datasets (sources registered as tables, steps executed in the YAML's order, transform
and Python steps called by name), so these tests check the SQL and the YAML on their
own. Each mart is then checked for its key, its foreign keys, and against an
independent pandas computation of its definition.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

import pipelinekit as pk
from pipelinekit import pipelines
from pipelinekit.errors import UnknownNameError
from pipelinekit.quality import load_rules
from pipelinekit.quality.check import check

NAMES = ["ecommerce", "finance", "iot"]
SEED = 42


# --------------------------------------------------------------------------- the runner


def run_steps(
    name: str, *, scale: str = "tiny", seed: int = SEED, dirty: bool = False, keep: str = "frames"
) -> dict[str, pd.DataFrame]:
    """Run a built-in pipeline's steps in plain DuckDB; return every table by name.

    ``keep="frames"`` hands each step's output on as a pandas frame (types make a round
    trip through pandas: a DATE comes back a TIMESTAMP, as in an engine that keeps frames);
    ``keep="tables"`` keeps SQL outputs as DuckDB tables (types stay DuckDB's).
    """
    spec = pipelines.spec(name)
    folder = pipelines.path(name).parent
    (source,) = spec["sources"].values()
    data = pk.datasets.load(source["dataset"], scale=scale, seed=seed, dirty=dirty)
    connection = duckdb.connect()
    tables: dict[str, pd.DataFrame] = {}
    for table, frame in data.items():
        connection.register(table, frame)
        tables[table] = frame
    for step in spec["steps"]:
        output = step["name"]
        if "sql_file" in step or "sql" in step:
            query = step.get("sql") or (folder / step["sql_file"]).read_text(encoding="utf-8")
            if keep == "tables":
                connection.execute(f'CREATE TABLE "{output}" AS {query}')
                tables[output] = connection.table(output).df()
                continue
            tables[output] = connection.sql(query).df()
        elif "transform" in step:
            function = getattr(pk.transforms, step["transform"])
            tables[output] = function(tables[step["input"]], **step.get("params", {}))
        else:
            module, function_name = step["python"].split(":")
            function = getattr(importlib.import_module(module), function_name)
            inputs = {table: tables[table] for table in step.get("inputs", [])}
            tables[output] = function(**inputs, **step.get("params", {}))
        connection.register(output, tables[output])
    connection.close()
    return tables


@cache
def built(name: str) -> Mapping[str, pd.DataFrame]:
    """The tiny run of a pipeline, made once per test session."""
    return run_steps(name)


def gate_rules(name: str) -> list[Any]:
    """Every rule of every gate of a pipeline, as pk.quality rules (table set)."""
    gates = pipelines.spec(name).get("gates", [])
    rules = [dict(rule, table=gate["table"]) for gate in gates for rule in gate["rules"]]
    return load_rules(yaml.safe_dump({"rules": rules}))


def marts(name: str) -> list[str]:
    """What the default target loads: every step output not starting with stg_."""
    return [s["name"] for s in pipelines.spec(name)["steps"] if not s["name"].startswith("stg_")]


def as_floats(values: pd.Series) -> np.ndarray:
    """Numbers with NaN for missing, whatever the dtype (Int64, Float64, float64)."""
    return pd.to_numeric(values).astype("float64").to_numpy()


def assert_unique(frame: pd.DataFrame, key: list[str]) -> None:
    assert frame[key].notna().all().all(), f"NULL in key {key}"
    assert not frame.duplicated(key).any(), f"duplicate keys {key}"


def assert_foreign_key(child: pd.DataFrame, column: str, parent: pd.DataFrame, key: str) -> None:
    values = child[column].dropna()
    missing = set(values) - set(parent[key])
    assert not missing, f"{column} values without a {key}: {sorted(missing)[:5]}"


# --------------------------------------------------------------------------- the files


def test_names_and_paths():
    assert pipelines.names() == NAMES
    for name in NAMES:
        assert pipelines.path(name).is_file()
        assert pipelines.spec(name)["pipeline"] == name


def test_unknown_pipeline_names_the_nearest():
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown pipeline 'fiance'.*did you mean 'finance'"
    ):
        pipelines.path("fiance")


@pytest.mark.parametrize("name", NAMES)
def test_spec_is_well_formed(name):
    spec = pipelines.spec(name)
    assert set(spec) <= {"pipeline", "description", "sources", "steps", "gates", "targets"}
    (source,) = spec["sources"].values()
    assert source["dataset"] == name
    known = set(pk.datasets.load(name, scale="tiny", seed=SEED))
    folder = pipelines.path(name).parent
    for step in spec["steps"]:
        kinds = {"sql", "sql_file", "transform", "python"} & set(step)
        assert len(kinds) == 1, f"step {step['name']} has {kinds}"
        if "sql_file" in step:
            text = (folder / step["sql_file"]).read_text(encoding="utf-8")
            header = text.split("\nSELECT")[0].split("\nWITH")[0]
            assert header.startswith(f"-- {step['name']}:"), f"{step['sql_file']} header"
            assert "Grain:" in header and "Key:" in header, f"{step['sql_file']} grain/key"
            assert step["sql_file"] == f"sql/{name}/{step['name']}.sql"
        for table in [step.get("input"), *step.get("inputs", [])]:
            assert table is None or table in known, f"{step['name']} reads unknown {table}"
        assert step["name"] not in known, f"step {step['name']} shadows a table"
        known.add(step["name"])
    outputs = {s["name"] for s in spec["steps"]}
    for gate in spec["gates"]:
        assert gate["table"] in outputs and gate["on_fail"] in ("fail", "warn")
        assert not gate["table"].startswith("stg_"), "gates guard what is loaded"
    assert "targets" not in spec, "the built-in pipelines use the default target"


@pytest.mark.parametrize("name", NAMES)
def test_every_sql_file_is_used(name):
    used = {s["sql_file"] for s in pipelines.spec(name)["steps"] if "sql_file" in s}
    files = {f"sql/{name}/{p.name}" for p in (pipelines.HERE / "sql" / name).glob("*.sql")}
    assert files == used


@pytest.mark.parametrize("name", NAMES)
def test_gates_are_valid_rules_and_pass_on_the_tiny_data(name):
    rules = gate_rules(name)
    fail_tables = {g["table"] for g in pipelines.spec(name)["gates"] if g["on_fail"] == "fail"}
    assert fail_tables == set(marts(name)), "every mart has a gate that stops the run"
    kinds = {rule.kind for rule in rules}
    assert {"unique", "foreign_key", "between"} <= kinds
    report = check(dict(built(name)), rules)
    assert len(report) == len(rules)
    assert not report.failures, str(report)


@pytest.mark.parametrize("name", NAMES)
def test_steps_run_with_outputs_kept_as_duckdb_tables(name):
    """The SQL must not depend on types that a pandas round trip changes (DATE, HUGEINT)."""
    as_tables = run_steps(name, keep="tables")
    for mart in marts(name):
        frames = built(name)[mart]
        assert len(as_tables[mart]) == len(frames) > 0, mart
        pd.testing.assert_frame_equal(
            as_tables[mart].reset_index(drop=True),
            frames.reset_index(drop=True),
            check_dtype=False,
            check_exact=False,
        )


@pytest.mark.parametrize("name", NAMES)
def test_integer_columns_stay_integers(name):
    """sum() of integers is a HUGEINT in DuckDB, a float in pandas: the SQL casts it."""
    for mart in marts(name):
        frame = built(name)[mart]
        for column in frame.columns:
            if re.fullmatch(
                r"(orders|units|lines|readings|transactions|.*_count|instalments_.*)", column
            ):
                assert pd.api.types.is_integer_dtype(frame[column]), f"{mart}.{column}"


# --------------------------------------------------------------------------- ecommerce


def test_ecommerce_star_schema():
    t = built("ecommerce")
    assert_unique(t["dim_customer"], ["customer_id"])
    assert_unique(t["dim_product"], ["product_id"])
    assert_unique(t["fct_orders"], ["order_id"])
    assert len(t["dim_customer"]) == len(t["customers"])
    assert len(t["fct_orders"]) == len(t["orders"])
    assert_foreign_key(t["fct_orders"], "customer_id", t["dim_customer"], "customer_id")
    assert_foreign_key(t["stg_order_items"], "product_id", t["dim_product"], "product_id")
    facts = t["fct_orders"].set_index("order_id")
    placed = facts[~facts["is_cancelled"]]
    # the basket after discount plus shipping is what the shop charged, to the cent
    np.testing.assert_allclose(
        placed["items_amount"] + placed["shipping_cost"], placed["order_total"], atol=0.011
    )
    refunds = t["returns"].groupby("order_id")["refund_amount"].sum()
    np.testing.assert_allclose(facts["refund_amount"], refunds.reindex(facts.index).fillna(0))


def test_ecommerce_order_sequence_matches_pandas():
    facts = built("ecommerce")["fct_orders"].sort_values(["customer_id", "ordered_at", "order_id"])
    expected = facts.groupby("customer_id").cumcount() + 1
    assert facts["order_number"].tolist() == expected.tolist()
    gap = facts.groupby("customer_id")["ordered_at"].diff()
    expected_days = facts["ordered_at"].dt.normalize() - (facts["ordered_at"] - gap).dt.normalize()
    np.testing.assert_array_equal(
        as_floats(facts["days_since_previous_order"]), as_floats(expected_days.dt.days)
    )
    assert (facts["is_first_order"] == facts["order_number"].eq(1)).all()


def test_daily_sales_matches_pandas():
    t = built("ecommerce")
    daily = t["daily_sales"]
    assert_unique(daily, ["sales_date"])
    orders, returns = t["orders"], t["returns"]
    days = pd.concat([orders["ordered_at"], returns["returned_at"]]).dt.normalize()
    assert daily["sales_date"].min() == days.min() and daily["sales_date"].max() == days.max()
    assert len(daily) == (days.max() - days.min()).days + 1, "one row per calendar day"
    placed = orders[orders["status"] != "cancelled"]
    revenue = placed.groupby(placed["ordered_at"].dt.normalize())["order_total"].sum()
    by_day = daily.set_index("sales_date")
    np.testing.assert_allclose(
        by_day["revenue"], revenue.reindex(by_day.index).fillna(0), atol=0.006
    )
    counts = placed.groupby(placed["ordered_at"].dt.normalize()).size()
    assert (by_day["orders"] == counts.reindex(by_day.index).fillna(0)).all()
    refunds = returns.groupby(returns["returned_at"].dt.normalize())["refund_amount"].sum()
    np.testing.assert_allclose(
        by_day["refunds"], refunds.reindex(by_day.index).fillna(0), atol=0.006
    )
    assert by_day["revenue"].sum() == pytest.approx(placed["order_total"].sum())


def test_customer_rfm_scores_and_segments():
    t = built("ecommerce")
    rfm = t["customer_rfm"]
    assert_unique(rfm, ["customer_id"])
    assert_foreign_key(rfm, "customer_id", t["dim_customer"], "customer_id")
    orders = t["orders"][t["orders"]["status"] != "cancelled"]
    assert set(rfm["customer_id"]) == set(orders["customer_id"]), "every buyer, only buyers"
    for score in ("r_score", "f_score", "m_score"):
        sizes = rfm[score].value_counts()
        assert sorted(sizes.index) == [1, 2, 3, 4, 5]
        assert sizes.max() - sizes.min() <= 1, "quintiles of (nearly) equal size"
    # higher scores mean more recent, more frequent, more valuable
    assert rfm.groupby("r_score")["recency_days"].max().is_monotonic_decreasing
    assert rfm.groupby("f_score")["frequency"].min().is_monotonic_increasing
    assert rfm.groupby("m_score")["monetary"].min().is_monotonic_increasing
    # recency from the day after the last order
    as_of = orders["ordered_at"].max().normalize() + pd.Timedelta(days=1)
    last = orders.groupby("customer_id")["ordered_at"].max().dt.normalize()
    expected = (as_of - last).dt.days
    assert rfm.set_index("customer_id")["recency_days"].sort_index().tolist() == (
        expected.sort_index().tolist()
    )
    champions = rfm[rfm["segment"] == "champions"]
    assert (champions["r_score"] >= 4).all() and (champions["f_score"] >= 4).all()
    assert set(rfm["segment"]) <= {
        "champions", "loyal", "new", "at_risk", "hibernating", "needs_attention"
    }  # fmt: skip


def test_customer_lifetime_value_matches_the_stated_formula():
    t = built("ecommerce")
    clv = t["customer_lifetime_value"].set_index("customer_id")
    orders = t["orders"][t["orders"]["status"] != "cancelled"]
    refunds = t["returns"].groupby("order_id")["refund_amount"].sum()
    net = orders["order_total"] - orders["order_id"].map(refunds).fillna(0)
    as_of = orders["ordered_at"].max().normalize() + pd.Timedelta(days=1)
    signed_up = t["customers"].set_index("customer_id")["signed_up_at"].dt.normalize()
    for customer in clv.index[:: max(1, len(clv) // 8)]:
        mine = orders["customer_id"] == customer
        n, revenue = int(mine.sum()), float(net[mine].sum())
        tenure_years = max((as_of - signed_up[customer]).days, 30) / 365.25
        expected = (revenue / n) * (n / tenure_years) * 3.0
        assert clv.loc[customer, "orders"] == n
        assert clv.loc[customer, "clv"] == pytest.approx(expected, abs=0.01), customer


# --------------------------------------------------------------------------- finance


def test_finance_star_schema():
    t = built("finance")
    assert_unique(t["dim_account"], ["account_id"])
    assert_unique(t["fct_transactions"], ["transaction_id"])
    assert len(t["fct_transactions"]) == len(t["transactions"])
    assert_foreign_key(t["fct_transactions"], "account_id", t["dim_account"], "account_id")
    facts = t["fct_transactions"]
    assert (facts["direction"].eq("out") == facts["amount"].lt(0)).all()
    internal = facts.loc[facts["is_internal_transfer"], "counterparty"]
    assert internal.isin(t["accounts"]["account_number"]).all()


def test_daily_balances_reconcile_with_the_transactions():
    t = built("finance")
    balances = t["daily_account_balances"]
    assert_unique(balances, ["account_id", "balance_date"])
    assert_foreign_key(balances, "account_id", t["dim_account"], "account_id")
    transactions = t["transactions"]
    days = transactions.groupby(["account_id", transactions["occurred_at"].dt.normalize()])
    assert len(balances) == days.ngroups
    assert balances["transactions"].sum() == len(transactions)
    closing = balances.sort_values("balance_date").groupby("account_id")["closing_balance"].last()
    total = transactions.groupby("account_id")["amount"].sum()
    np.testing.assert_allclose(closing.sort_index(), total.reindex(closing.index), atol=0.01)
    # every day: the closing balance is the previous one plus the day's net change
    ordered = balances.sort_values(["account_id", "balance_date"])
    previous = ordered.groupby("account_id")["closing_balance"].shift().fillna(0)
    np.testing.assert_allclose(
        ordered["closing_balance"], previous + ordered["net_change"], atol=0.02
    )
    np.testing.assert_allclose(
        ordered["net_change"], ordered["money_in"] - ordered["money_out"], atol=0.02
    )


def test_fraud_features_match_pandas():
    t = built("finance")
    features = t["fraud_features"].set_index("transaction_id").sort_index()
    assert features.index.is_unique and len(features) == len(t["transactions"])
    frame = t["transactions"].sort_values(["account_id", "occurred_at", "transaction_id"])
    by_account = frame.groupby("account_id")
    gap = by_account["occurred_at"].diff().dt.total_seconds()
    got = features.loc[frame["transaction_id"], "seconds_since_previous"]
    np.testing.assert_array_equal(as_floats(got), as_floats(gap))
    # counts in the last hour / day: [t - window, t], every transaction of the account
    for account, rows in list(by_account)[:40]:
        times = rows["occurred_at"].to_numpy()
        for window, column in (("1h", "transactions_last_hour"), ("1D", "transactions_last_day")):
            start = times - pd.Timedelta(window).to_numpy()
            expected = [
                ((times >= s) & (times <= e)).sum() for s, e in zip(start, times, strict=True)
            ]
            assert features.loc[rows["transaction_id"], column].tolist() == expected, account
    # amount z-score against the same direction's earlier transactions (3 or more)
    frame = frame.assign(size=frame["amount"].abs(), way=np.sign(frame["amount"]))
    history = frame.groupby(["account_id", "way"])["size"]
    mean = history.transform(lambda s: s.shift().expanding().mean())
    std = history.transform(lambda s: s.shift().expanding().std())
    seen = history.cumcount()
    z = ((frame["size"] - mean) / std).where((seen >= 3) & (std > 0))
    got = features.loc[frame["transaction_id"], "amount_zscore"]
    np.testing.assert_allclose(as_floats(got), as_floats(z), atol=2e-4)
    # a new country: located, never seen on the account before, account used elsewhere
    located = frame["country"].notna()
    first_here = ~frame.assign(c=frame["country"].astype(str)).duplicated(["account_id", "c"])
    used_before = (
        located.astype(int).groupby(frame["account_id"]).cumsum() - located.astype(int) > 0
    )
    expected_new = located & first_here & used_before
    assert features.loc[frame["transaction_id"], "is_new_country"].tolist() == expected_new.tolist()
    assert features["is_fraud"].sum() == t["transactions"]["is_fraud"].sum()


def test_loan_performance_counts_every_instalment():
    t = built("finance")
    loans = t["loan_performance"]
    assert_unique(loans, ["loan_id"])
    assert len(loans) == len(t["loans"])
    assert_foreign_key(loans, "customer_id", t["customers"], "customer_id")
    counted = loans[["instalments_on_time", "instalments_late", "instalments_missed"]].sum(axis=1)
    assert (counted == loans["instalments_due"]).all()
    assert loans["instalments_due"].sum() == len(t["loan_payments"])
    payments = t["loan_payments"].groupby("loan_id")
    ratio = payments["amount_paid"].sum() / payments["amount_due"].sum()
    np.testing.assert_allclose(loans.set_index("loan_id")["paid_ratio"], ratio, atol=1e-4)
    # a defaulted loan missed three instalments in a row
    defaulted = loans[loans["defaulted"]]
    assert (defaulted["longest_arrears_run"] >= 3).all() and len(defaulted) > 0


def test_loan_arrears_python_step_matches_its_sql_twin():
    """The Python step against the gaps-and-islands query SQL would need."""
    payments = pk.datasets.load("finance", scale="small", seed=SEED)["loan_payments"]
    from pipelinekit.pipelines.steps.finance import stg_loan_arrears

    runs = duckdb.sql(
        """
        WITH flagged AS (
            SELECT loan_id, instalment, status <> 'on_time' AS behind,
                   instalment - row_number() OVER (PARTITION BY loan_id, status <> 'on_time'
                                                   ORDER BY instalment) AS island
            FROM payments
        ), islands AS (
            SELECT loan_id, max(instalment) AS last, count(*) AS length
            FROM flagged WHERE behind GROUP BY loan_id, island
        ), ends AS (SELECT loan_id, max(instalment) AS last FROM payments GROUP BY loan_id)
        SELECT e.loan_id,
               coalesce(max(i.length), 0) AS longest_arrears_run,
               coalesce(max(i.length) FILTER (WHERE i.last = e.last), 0) AS arrears_at_end
        FROM ends e LEFT JOIN islands i USING (loan_id) GROUP BY e.loan_id ORDER BY e.loan_id
        """
    ).df()
    pd.testing.assert_frame_equal(stg_loan_arrears(payments), runs, check_dtype=False)


def test_regulatory_summary_adds_up():
    t = built("finance")
    summary = t["regulatory_summary"]
    assert_unique(summary, ["month", "country"])
    transactions = t["fct_transactions"]
    assert summary["transactions"].sum() == len(transactions)
    assert summary["fraud_transactions"].sum() == transactions["is_fraud"].sum()
    large = transactions["amount_abs"] >= summary["large_threshold"].iloc[0]
    assert summary["large_transactions"].sum() == large.sum() > 0
    assert summary["money_in"].sum() == pytest.approx(transactions["amount"].clip(lower=0).sum())
    assert (summary.groupby("country")["currency"].nunique() == 1).all()
    assert summary["month"].dt.day.eq(1).all()


# --------------------------------------------------------------------------- iot


def test_readings_clean_on_clean_data_keeps_every_reading():
    t = built("iot")
    clean = t["readings_clean"]
    assert_unique(clean, ["device_id", "read_at"])
    assert_foreign_key(clean, "device_id", t["dim_device"], "device_id")
    assert len(clean) == len(t["readings"]) and clean["values_removed"].eq(0).all()


def test_readings_clean_removes_what_the_dirty_data_injected():
    t = run_steps("iot", dirty=True)
    data = pk.datasets.load("iot", scale="tiny", seed=SEED, dirty=True)
    clean = t["readings_clean"]
    assert_unique(clean, ["device_id", "read_at"])
    assert set(clean["device_id"]) <= set(data["devices"]["device_id"]), "orphans dropped"
    assert clean["humidity_pct"].dropna().between(0.01, 100).all()
    injected = data.injected
    humidity = injected[(injected["column"] == "humidity_pct")]
    assert clean["values_removed"].sum() >= len(humidity) > 0


def test_hourly_stats_count_every_reading_of_the_hour():
    t = built("iot")
    hourly = t["device_hourly_stats"]
    assert_unique(hourly, ["device_id", "hour_start"])
    readings = t["readings_clean"]
    groups = readings.groupby(["device_id", readings["read_at"].dt.floor("h")])
    counts = groups.size().rename("readings")
    got = hourly.set_index(["device_id", "hour_start"])
    assert got["readings"].sort_index().tolist() == counts.sort_index().tolist()
    means = groups["vibration_mm_s"].mean()
    np.testing.assert_allclose(got["vibration_mean"].sort_index(), means.sort_index(), atol=1e-4)
    assert (got["temperature_min"] <= got["temperature_max"]).all()
    # the rolling 24-hour mean: mean of the hourly means in [hour - 24 h, hour]
    device = got.loc[1].sort_index()
    expected = [
        device["vibration_mean"][
            (device.index >= h - pd.Timedelta("24h")) & (device.index <= h)
        ].mean()
        for h in device.index
    ]
    np.testing.assert_allclose(device["vibration_mean_24h"], expected)


def test_hourly_stats_at_a_finer_clock():
    """At small scale readings come every 15 minutes: four to an hour."""
    readings = pk.datasets.load("iot", scale="small", seed=SEED)["readings"]
    connection = duckdb.connect()
    connection.register("readings", readings)
    connection.register("devices", pk.datasets.load("iot", scale="small", seed=SEED)["devices"])
    folder = pipelines.HERE / "sql" / "iot"
    connection.register(
        "readings_clean", connection.sql((folder / "readings_clean.sql").read_text()).df()
    )
    hourly = connection.sql((folder / "stg_device_hourly.sql").read_text()).df()
    assert hourly["readings"].sum() == len(readings)
    assert hourly["readings"].max() == 4 and hourly["temperature_std"].notna().any()


def test_anomaly_flags_catch_every_spike_of_the_answer_key():
    t = built("iot")
    flags = t["anomaly_flags"]
    assert_unique(flags, ["device_id", "read_at"])
    assert len(flags) == len(t["readings_clean"])
    flagged = flags[flags["is_anomaly"]]
    assert 0 < len(flagged) < 0.01 * len(flags)
    spikes = t["anomalies"][t["anomalies"]["kind"] == "spike"]
    assert len(spikes) > 0
    for spike in spikes.itertuples():
        hit = flagged[
            (flagged["device_id"] == spike.device_id) & (flagged["read_at"] == spike.start_at)
        ]
        assert len(hit) == 1, f"spike {spike.anomaly_id} not flagged"
    off = flags[~flags["is_running"].astype(bool)]
    assert not off["is_anomaly"].any(), "a machine that is off is not an anomaly"
    # z against the previous 24 hours of running readings, this one excluded
    readings = t["readings_clean"]
    running = readings[readings["is_running"].astype(bool)]
    device = running[running["device_id"] == spikes.iloc[0]["device_id"]].set_index("read_at")
    at = spikes.iloc[0]["start_at"]
    window = device.loc[(device.index >= at - pd.Timedelta("24h")) & (device.index < at)]
    metric = spikes.iloc[0]["metric"]
    expected = (device.loc[at, metric] - window[metric].mean()) / window[metric].std()
    column = {"temperature_c": "temperature_z", "vibration_mm_s": "vibration_z",
              "pressure_kpa": "pressure_z"}[metric]  # fmt: skip
    got = flags.set_index(["device_id", "read_at"]).loc[(spikes.iloc[0]["device_id"], at), column]
    assert got == pytest.approx(expected, abs=1e-3)


def test_maintenance_features_label_and_clock():
    t = built("iot")
    features = t["maintenance_features"]
    assert_unique(features, ["device_id", "hour_start"])
    assert len(features) == len(t["device_hourly_stats"])
    assert_foreign_key(features, "device_id", t["dim_device"], "device_id")
    failures = t["failures"]
    assert len(failures) > 0
    for row in features.sample(300, random_state=0).itertuples():
        hour_end = row.hour_start + pd.Timedelta("1h")
        upcoming = failures[
            (failures["device_id"] == row.device_id)
            & (failures["failed_at"] > hour_end)
            & (failures["failed_at"] <= hour_end + pd.Timedelta("7D"))
        ]
        assert row.failures_next_7_days == len(upcoming)
        assert row.fails_within_7_days == (len(upcoming) > 0)
        done = t["maintenance"][
            (t["maintenance"]["device_id"] == row.device_id)
            & (t["maintenance"]["ended_at"] <= hour_end)
        ]
        since = (
            done["ended_at"].max()
            if len(done)
            else (t["devices"].set_index("device_id").loc[row.device_id, "installed_at"])
        )
        assert row.hours_since_maintenance == pytest.approx(
            (hour_end - since).total_seconds() / 3600, abs=0.02
        )
        assert row.maintenance_count == len(done)
    positives = features[features["fails_within_7_days"]]
    assert set(positives["device_id"]) == set(failures["device_id"])
    assert features["under_maintenance"].any()


# --------------------------------------------------------------------------- end to end


def _engine_cli_available() -> bool:
    """The engine and its ``pipelinekit run`` are written by another change."""
    return all(
        importlib.util.find_spec(module) is not None
        for module in ("pipelinekit.pipeline", "pipelinekit.cli.run")
    )


@pytest.mark.skipif(not _engine_cli_available(), reason="the pipeline engine is not there yet")
@pytest.mark.parametrize("name", NAMES)
def test_runs_end_to_end_through_the_engine(name, tmp_path, monkeypatch):
    from pipelinekit.cli import main

    monkeypatch.chdir(tmp_path)
    warehouse = tmp_path / "warehouse.duckdb"
    assert main(["run", name, "--scale", "tiny", "--target", f"duckdb:///{warehouse}"]) == 0
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        loaded = {row[0] for row in connection.execute("SHOW TABLES").fetchall()}
        assert set(marts(name)) <= loaded
        for mart in marts(name):
            rows = connection.execute(f'SELECT count(*) FROM "{mart}"').fetchone()
            assert rows is not None and rows[0] == len(built(name)[mart]), mart


def test_package_data_ships_the_sql_files():
    text = Path(__file__).resolve().parents[2].joinpath("pyproject.toml").read_text()
    assert '"**/*.sql"' in text and '"**/*.yml"' in text
