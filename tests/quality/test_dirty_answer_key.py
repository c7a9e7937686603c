"""The injection log of a dirty dataset is the answer key of the quality rules.

Rules are suggested from the CLEAN data of a domain (``suggest(dataset)``), a few more are
written by hand from what the dataset card says (the CURATED list below), and all of
them are checked on the DIRTY data of the same domain, scale and seed. Every row the
injection log lists must be flagged by at least one rule (recall 100 %); the precision
(how many of the rows flagged by the rules that find a problem were injected) is
reported in the assertion message. A failing row is matched to the log by its primary
key, written as the log writes it ("6/2025-01-06 02:00:00").
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache

import pandas as pd
import pytest

import pipelinekit as pk
from pipelinekit.datasets.cards import primary_keys
from pipelinekit.datasets.dirty import PROBLEMS
from pipelinekit.quality.check import check
from pipelinekit.quality.report import QualityReport
from pipelinekit.quality.rule import Rule
from pipelinekit.quality.suggest import suggest

DOMAINS = ("ecommerce", "finance", "iot")
SCALE = "small"
SEED = 42
NOW = "2030-01-01"  # after every generated timestamp: not_future holds on both

#: A stricter e-mail address than the profile's pattern: a name, one @, a dotted domain.
EMAIL = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"

#: Rules a person writes from the dataset cards: what the data must be, not what it was.
CURATED: dict[str, list[Rule]] = {
    "ecommerce": [
        Rule("matches_regex", table="customers", column="email", pattern=EMAIL,
             name="email_address(email)"),
        Rule("between", table="order_items", column="quantity", min=1, max=100,
             name="sensible_quantity(quantity)", description="1 or more units (card)"),
        Rule("between", table="products", column="price", min=0, max=10_000, strict=True,
             name="positive_price(price)"),
    ],
    "finance": [
        Rule("matches_regex", table="customers", column="email", pattern=EMAIL,
             name="email_address(email)"),
        Rule("between", table="loans", column="credit_score", min=300, max=850,
             name="fico_range(credit_score)", description="FICO scores run 300-850"),
    ],
    "iot": [
        Rule("matches_regex", table="sites", column="contact_email", pattern=EMAIL,
             name="email_address(contact_email)"),
        Rule("between", table="readings", column="humidity_pct", min=5, max=95,
             name="room_humidity(humidity_pct)", description="5-95 % (card)"),
        Rule("between", table="devices", column="rated_power_kw", min=0, max=1000,
             strict=True, name="rated_power(rated_power_kw)"),
    ],
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Run:
    """One domain: its dirty data, the rules and what they flagged on it."""

    dirty: pk.datasets.Dataset
    rules: list[Rule]
    curated: frozenset[str]
    report: QualityReport
    flagged: dict[tuple[str, str], frozenset[str]]  # (table, rule name) -> failing keys


def keys_of(rows: pd.DataFrame, columns: list[str]) -> frozenset[str]:
    """Primary keys of ``rows`` as the injection log writes them (values joined by "/"),
    a timestamp always with its time (see :func:`logged`)."""
    parts = []
    for column in columns:
        values = rows[column]
        if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
            values = values.astype("Int64")  # an integer key that came back as float
        if pd.api.types.is_datetime64_any_dtype(values):
            values = values.map(lambda moment: str(pd.Timestamp(moment)))
        parts.append(values.astype(str).to_numpy())
    return frozenset("/".join(key) for key in zip(*parts, strict=True))


def logged(keys: pd.Series) -> frozenset[str]:
    """The log's keys, a bare date completed with its time: the log writes a timestamp as
    pandas prints the damaged rows together, so without a time when all are midnight."""
    return frozenset(
        "/".join(
            f"{part} 00:00:00" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", part) else part
            for part in str(key).split("/")
        )
        for key in keys
    )


@cache
def run(domain: str) -> Run:
    clean = pk.datasets.load(domain, scale=SCALE, seed=SEED)
    dirty = pk.datasets.load(domain, scale=SCALE, seed=SEED, dirty=True)
    rules = [*suggest(clean).accept("all").rules(), *CURATED[domain]]
    report = check(dirty, rules, sample=None, now=NOW)
    keys = primary_keys(domain)
    flagged = {
        (str(r.table), r.rule.name): keys_of(r.sample, keys[str(r.table)])
        for r in report.results
        if r.status == "failed" and r.rule.level == "row" and r.sample is not None
    }
    return Run(dirty, rules, frozenset(r.name for r in CURATED[domain]), report, flagged)


def finders(
    injected: frozenset[str], flagged: dict[str, frozenset[str]]
) -> list[tuple[str, frozenset[str]]]:
    """The rules that find ``injected``, chosen greedily: each time the rule catching
    the most rows not caught yet (on a tie, the one flagging the fewest other rows)."""
    chosen: list[tuple[str, frozenset[str]]] = []
    left = set(injected)
    while left:
        name, rows = max(
            flagged.items(), key=lambda item: (len(item[1] & left), -len(item[1] - injected))
        )
        if not rows & left:
            break
        chosen.append((name, rows))
        left -= rows
    return chosen


def scores(
    injected: frozenset[str], flagged: dict[str, frozenset[str]]
) -> tuple[list[tuple[str, frozenset[str]]], frozenset[str], float]:
    """The rules that find ``injected``, the rows they catch, and their precision."""
    found = finders(injected, flagged)
    union = frozenset().union(*(rows for _, rows in found))
    return found, injected & union, len(injected & union) / len(union) if union else 0.0


def verdict(domain: str, table: str, problem: str, injected: frozenset[str], run: Run) -> str:
    mine = {name: rows for (where, name), rows in run.flagged.items() if where == table}
    found, caught, precision = scores(injected, mine)
    flagged = frozenset().union(*(rows for _, rows in found))
    names = ", ".join(
        f"{name} [{'curated' if name in run.curated else 'suggested'}: {len(rows & injected)}]"
        for name, rows in found
    )
    missed = sorted(injected - caught)
    alone = {name: rows for name, rows in mine.items() if name not in run.curated}
    _, by_suggested, suggested_precision = scores(injected, alone)
    return (
        f"{domain} {table}/{problem}: {len(caught):,} of {len(injected):,} injected rows caught"
        f" ({len(caught) / len(injected):.1%}) by {names or 'no rule'}; precision"
        f" {precision:.1%} ({len(flagged):,} keys flagged by these rules,"
        f" {len(flagged - injected):,} not injected); suggested rules alone:"
        f" {len(by_suggested) / len(injected):.1%} caught, precision {suggested_precision:.1%}"
        + (f"; missed keys {missed[:5]}" if missed else "")
    )


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_injected_row_is_flagged(domain: str, problem: str) -> None:
    found = run(domain)
    log = found.dirty.injected
    damaged = log[log["problem"] == problem]
    assert len(damaged), f"the {domain} dirty plan injects no {problem} (the answer key lost it)"
    for table, rows in damaged.groupby("table"):
        injected = logged(rows["key"])
        flagged = {name: keys for (where, name), keys in found.flagged.items() if where == table}
        message = verdict(domain, str(table), problem, injected, found)
        assert injected <= frozenset().union(*flagged.values()), message
        assert scores(injected, flagged)[2] >= 0.95, message  # the finders flag little else
        print(message)  # pytest -s shows the precision of every problem


@pytest.mark.parametrize("domain", DOMAINS)
def test_schema_drift_is_caught_by_columns_present(domain: str) -> None:
    found = run(domain)
    log = found.dirty.injected
    drift = log[log["problem"] == "schema_drift"].drop_duplicates(["table", "column"])
    assert len(drift)
    for row in drift.itertuples():
        renamed = str(row.injected).removeprefix("moved to column ")
        (result,) = [
            r
            for r in found.report.results
            if r.table == row.table and r.rule.kind == "columns_present"
        ]
        assert result.status == "failed", result.message
        assert f"unexpected column '{renamed}'" in result.message, result.message
        assert result.severity == "error"


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_curated_rules_hold_on_the_clean_data(domain: str) -> None:
    clean = pk.datasets.load(domain, scale=SCALE, seed=SEED)
    report = check(clean, CURATED[domain], now=NOW)
    assert [r.message for r in report.results if not r.passed] == []


def test_keys_are_written_as_the_log_writes_them() -> None:
    read_at = pd.to_datetime(["2025-01-06 02:00", "2025-01-07 00:00"])
    rows = pd.DataFrame({"device_id": [6.0, 13.0], "read_at": read_at})
    keys = {"6/2025-01-06 02:00:00", "13/2025-01-07 00:00:00"}
    assert keys_of(rows, ["device_id", "read_at"]) == keys
    assert keys_of(rows.tail(1), ["device_id", "read_at"]) == {"13/2025-01-07 00:00:00"}
    assert logged(pd.Series(["6/2025-01-06 02:00:00", "13/2025-01-07", "42"])) == keys | {"42"}


def test_the_finders_are_the_fewest_rules_that_catch_every_injected_row() -> None:
    injected = frozenset({"1", "2", "3"})
    flagged = {
        "wide": frozenset({"1", "2", "3", "8", "9"}),
        "exact": frozenset({"1", "2", "3"}),
        "other": frozenset({"7"}),
    }
    assert finders(injected, flagged) == [("exact", injected)]
    assert finders(frozenset({"1", "7"}), flagged) == [
        ("other", frozenset({"7"})),
        ("exact", injected),
    ]
