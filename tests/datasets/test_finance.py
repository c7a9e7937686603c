"""The finance data behaves as the lessons say: fraud you can find, risk you can learn.

Every fraud scenario is checked by a signature computed from the data alone (the way a
learner would write the rule), against the labels: the rule must find every labelled
row (recall) and flag little else (precision).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.datasets import finance

SEEDS = [42, 7]
OUTFLOWS = ["card_payment", "atm_withdrawal", "transfer_out", "direct_debit"]
INFLOWS = ["transfer_in", "salary"]


@pytest.fixture(scope="module", params=SEEDS)
def bank(request) -> pk.datasets.Dataset:
    return pk.datasets.load("finance", scale="small", seed=request.param)


@pytest.fixture(scope="module")
def located(bank) -> pd.DataFrame:
    """Transactions with a location, with the holder's home country, by account and time."""
    home = bank.accounts[["account_id", "customer_id"]].merge(
        bank.customers[["customer_id", "country"]].rename(columns={"country": "home"})
    )
    frame = bank.transactions.merge(home[["account_id", "home"]], on="account_id")
    frame = frame[frame["country"].notna()].astype({"country": str, "home": str})
    return frame.sort_values(["account_id", "occurred_at", "transaction_id"], ignore_index=True)


def bursts(frame: pd.DataFrame, by: list[str], *, gap: str) -> pd.Series:
    """Number the runs of rows (per ``by``) whose time gaps are at most ``gap``."""
    ordered = frame.sort_values([*by, "occurred_at"])
    new_run = ordered.groupby(by, observed=True)["occurred_at"].diff().gt(pd.Timedelta(gap))
    first = ~ordered[by].duplicated()
    return (new_run | first).cumsum().reindex(frame.index)


def assert_signature(
    flagged: pd.DataFrame, transactions: pd.DataFrame, scenario: str, *, precision: float
) -> None:
    labelled = set(transactions.loc[transactions["fraud_scenario"] == scenario, "transaction_id"])
    found = set(flagged["transaction_id"])
    assert labelled, f"no {scenario} rows"
    assert labelled <= found, f"{len(labelled - found)} {scenario} rows escape the rule"
    hits = transactions.set_index("transaction_id").loc[sorted(found), "fraud_scenario"]
    assert (hits == scenario).mean() >= precision, hits.value_counts().to_dict()


# -- fraud --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fraud_rate_is_realistic(seed):
    transactions = pk.datasets.load("finance", scale="small", seed=seed).transactions
    assert 0.001 <= transactions["is_fraud"].mean() <= 0.01


def test_labels_agree_and_every_scenario_is_present(bank):
    transactions = bank.transactions
    legit = transactions["fraud_scenario"] == "none"
    assert (transactions["is_fraud"] == ~legit).all()
    counts = transactions.loc[~legit, "fraud_scenario"].value_counts()
    assert (counts[["account_takeover", "card_testing", "unusual_geo", "mule_chain"]] >= 5).all()


def test_tiny_scale_still_has_one_incident_of_each_scenario():
    transactions = pk.datasets.load("finance", scale="tiny", seed=42).transactions
    assert set(transactions["fraud_scenario"]) == set(finance.SCENARIOS)


def test_card_testing_is_many_tiny_payments_at_one_merchant_within_minutes(bank):
    transactions = bank.transactions
    tiny = transactions[
        (transactions["transaction_type"] == "card_payment") & (transactions["amount"] > -2.5)
    ]
    run = bursts(tiny, ["account_id", "merchant"], gap="5min")
    flagged = tiny[run.map(run.value_counts()) >= 5]
    assert_signature(flagged, transactions, "card_testing", precision=0.95)


def test_account_takeover_is_a_burst_of_large_remote_spending_from_abroad(bank, located):
    remote = located[
        located["channel"].isin(["online", "mobile"])
        & (located["amount"] <= -300)
        & (located["country"] != located["home"])
    ]
    run = bursts(remote, ["account_id"], gap="1h")
    flagged = remote[run.map(run.value_counts()) >= 3]
    assert_signature(flagged, bank.transactions, "account_takeover", precision=0.95)


def test_unusual_geo_is_an_impossible_journey_from_home(bank, located):
    previous = located.groupby("account_id")[
        ["occurred_at", "country", "latitude", "longitude"]
    ].shift()
    hours = (located["occurred_at"] - previous["occurred_at"]).dt.total_seconds() / 3600
    km = haversine(
        located["latitude"], located["longitude"], previous["latitude"], previous["longitude"]
    )
    impossible = (
        (located["channel"].isin(["pos", "atm"]))
        & (previous["country"] == located["home"])
        & (located["country"] != located["home"])
        & (hours <= 1)
        & (km / hours.clip(lower=1 / 60) > 1_000)
    )
    assert_signature(located[impossible], bank.transactions, "unusual_geo", precision=0.9)


def haversine(lat1: pd.Series, lon1: pd.Series, lat2: pd.Series, lon2: pd.Series) -> pd.Series:
    lat1, lon1, lat2, lon2 = (np.radians(v.astype(float)) for v in (lat1, lon1, lat2, lon2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 6_371 * 2 * np.arcsin(np.sqrt(a))


def test_mule_accounts_pass_money_straight_on(bank):
    transactions = bank.transactions.sort_values(["account_id", "occurred_at", "transaction_id"])
    following = transactions.groupby("account_id")[
        ["transaction_type", "amount", "occurred_at"]
    ].shift(-1)
    passed_on = (
        (transactions["transaction_type"] == "transfer_in")
        & (transactions["amount"] >= 1_000)
        & (following["transaction_type"] == "transfer_out")
        & (-following["amount"] / transactions["amount"]).between(0.9, 1.0)
        & (following["occurred_at"] - transactions["occurred_at"] <= pd.Timedelta("2h"))
    )
    sent = transactions.index[passed_on]
    onward = transactions.index.to_series().groupby(transactions["account_id"]).shift(-1)[sent]
    flagged = pd.concat([transactions.loc[sent], transactions.loc[onward.astype(int)]])
    assert_signature(flagged, bank.transactions, "mule_chain", precision=0.95)


def test_mule_chains_link_accounts_of_the_bank(bank):
    """A mule's transfer out names the next mule's account, which receives the same sum."""
    transactions = bank.transactions
    account_of = bank.accounts.set_index("account_number")["account_id"]
    number_of = bank.accounts.set_index("account_id")["account_number"]
    mule = transactions[transactions["fraud_scenario"] == "mule_chain"]
    out = mule[
        (mule["transaction_type"] == "transfer_out") & mule["counterparty"].str.contains("PKIT")
    ]
    hop = out.assign(
        receiver=out["counterparty"].map(account_of),
        sender_number=out["account_id"].map(number_of),
    )
    received = hop.merge(
        mule[mule["transaction_type"] == "transfer_in"],
        left_on=["receiver", "sender_number"],
        right_on=["account_id", "counterparty"],
        how="left",
        suffixes=("", "_in"),
    )
    assert len(out) > 0 and hop["receiver"].notna().all()
    assert (received["amount_in"] == -received["amount"]).all()
    delay = received["occurred_at_in"] - received["occurred_at"]
    assert delay.between(pd.Timedelta(0), pd.Timedelta("5min")).all()


# -- transactions -------------------------------------------------------------------


def test_amount_sign_follows_the_direction_of_money(bank):
    transactions = bank.transactions
    assert (transactions.loc[transactions["transaction_type"].isin(OUTFLOWS), "amount"] < 0).all()
    assert (transactions.loc[transactions["transaction_type"].isin(INFLOWS), "amount"] > 0).all()


def test_merchants_only_on_card_payments_and_places_only_off_batch(bank):
    transactions = bank.transactions
    card = transactions["transaction_type"] == "card_payment"
    assert (transactions["merchant"].notna() == card).all()
    assert (transactions["merchant_category"].notna() == card).all()
    assert (transactions["country"].isna() == (transactions["channel"] == "batch")).all()


def test_weekly_and_monthly_rhythm(bank):
    transactions = bank.transactions
    weekday = transactions["occurred_at"].dt.day_name().value_counts()
    assert weekday["Saturday"] > 1.3 * weekday["Sunday"]
    salary = transactions.loc[transactions["transaction_type"] == "salary", "occurred_at"]
    assert (salary.dt.day == 25).all()
    debits = transactions.loc[transactions["transaction_type"] == "direct_debit", "occurred_at"]
    assert debits.dt.day.between(1, 5).all() and debits.dt.hour.between(1, 3).all()


def test_accounts_are_opened_before_they_are_used(bank):
    first_use = bank.transactions.groupby("account_id")["occurred_at"].min()
    opened = bank.accounts.set_index("account_id")["opened_at"].reindex(first_use.index)
    assert (opened < first_use).all()
    joined = bank.customers.set_index("customer_id")["joined_at"]
    assert (
        joined.reindex(bank.accounts["customer_id"]).to_numpy() <= bank.accounts["opened_at"]
    ).all()


def test_each_customer_has_one_to_three_accounts_starting_with_checking(bank):
    accounts = bank.accounts
    assert accounts.groupby("customer_id").size().between(1, 3).all()
    assert (accounts.groupby("customer_id")["account_type"].first() == "checking").all()
    assert accounts["customer_id"].nunique() == len(bank.customers)


# -- loans --------------------------------------------------------------------------


def test_defaults_are_concentrated_among_risky_borrowers(bank):
    loans = bank.loans
    overall = loans["defaulted"].mean()
    assert 0.04 <= overall <= 0.2
    worst_scores = loans["credit_score"] <= loans["credit_score"].quantile(0.1)
    assert loans.loc[worst_scores, "defaulted"].mean() >= 2 * overall
    high_dti = loans["debt_to_income"] >= loans["debt_to_income"].quantile(0.9)
    low_dti = loans["debt_to_income"] <= loans["debt_to_income"].quantile(0.1)
    assert loans.loc[high_dti, "defaulted"].mean() > 2 * loans.loc[low_dti, "defaulted"].mean()


def test_risk_features_rank_defaults(bank):
    """A score a learner could write by hand ranks defaulters well (AUC)."""
    loans = bank.loans
    risk = (
        -loans["credit_score"] / 65
        + loans["debt_to_income"] / 0.15
        + np.log(loans["principal"] / loans["annual_income"])
    )
    ranks = risk.rank()
    positives = loans["defaulted"]
    n_pos, n_neg = positives.sum(), (~positives).sum()
    auc = (ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    assert auc >= 0.75


def test_rates_rise_as_credit_scores_fall(bank):
    loans = bank.loans
    assert np.corrcoef(loans["credit_score"], loans["interest_rate"])[0, 1] < -0.5


def test_payments_follow_the_loan(bank):
    payments = bank.loan_payments.merge(bank.loans, on="loan_id", suffixes=("", "_loan"))
    assert (payments["due_date"] > payments["start_date"]).all()
    assert (
        payments["paid_date"].dropna() > payments.loc[payments["paid_date"].notna(), "start_date"]
    ).all()
    assert (payments["instalment"] <= payments["term_months"]).all()
    numbered = payments.groupby("loan_id")["instalment"].agg(["min", "max", "size"])
    assert ((numbered["min"] == 1) & (numbered["max"] == numbered["size"])).all()
    assert (payments["due_date"] <= pd.Timestamp(finance.END)).all()
    missed = payments["status"] == "missed"
    assert (payments["paid_date"].isna() == missed).all()
    assert (payments.loc[missed, "amount_paid"] == 0).all()
    assert (payments.loc[~missed, "amount_paid"] == payments.loc[~missed, "amount_due"]).all()


def test_defaulted_loans_end_in_three_missed_instalments_after_late_ones(bank):
    payments = bank.loan_payments.merge(bank.loans[["loan_id", "defaulted"]], on="loan_id")
    defaulted = payments[payments["defaulted"]].sort_values(["loan_id", "instalment"])
    last_three = defaulted.groupby("loan_id").tail(3)
    assert (last_three["status"] == "missed").all()
    assert (
        defaulted.groupby("loan_id")["status"].apply(lambda s: (s == "missed").sum()) == 3
    ).all()
    before = defaulted.groupby("loan_id").nth(slice(-6, -3))
    assert len(before) > 0
    others = payments[~payments["defaulted"]]
    assert (before["status"] == "late").mean() > 3 * (others["status"] == "late").mean()
    assert (bank.loans["defaulted"] == (bank.loans["status"] == "defaulted")).all()


def test_repaid_loans_have_every_instalment_paid(bank):
    repaid = bank.loans.loc[bank.loans["status"] == "repaid", ["loan_id", "term_months"]]
    payments = bank.loan_payments[bank.loan_payments["loan_id"].isin(repaid["loan_id"])]
    assert len(repaid) > 0
    assert (
        payments.groupby("loan_id").size().reindex(repaid["loan_id"]).to_numpy()
        == repaid["term_months"]
    ).all()
    assert (payments["status"] != "missed").all()
