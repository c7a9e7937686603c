"""Finance: a retail bank's customers, accounts, transactions, loans and repayments.

What makes the data realistic (and what the lessons rely on):

- **seasonality**: busiest on Fridays and Saturdays, quiet on Sundays, a December
  peak, daytime hours with a lunch peak; salaries arrive on the 25th and direct debits
  leave on the 1st to 5th of each month, at night;
- **heavy users**: each customer has a gamma-distributed activity, so a few accounts
  have hundreds of transactions and many have a handful;
- **geography**: people pay mostly in their home city, sometimes elsewhere in their
  country and about 3 % of the time abroad;
- **fraud** (about 0.5 % of transactions, labelled in ``is_fraud`` and
  ``fraud_scenario``) comes as four scenarios with a signature in the data: account
  takeover bursts, card testing, unusual geography and mule chains;
- **credit risk**: loans default more often with a low credit score, a high
  debt-to-income ratio, a large loan for the income and few years in employment, and
  late payments come before the three missed instalments that make a default.

Sign convention: ``transactions.amount`` is negative when money leaves the account
(card payments, ATM withdrawals, transfers out, direct debits) and positive when it
arrives (transfers in, salaries), in the currency of the account.

Foreign keys hold by construction; all randomness comes from one seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelinekit.datasets.dirty import Injection
from pipelinekit.datasets.pools import POOL_SIZE, Pools, pools
from pipelinekit.datasets.sampling import (
    concat_strings,
    daily_weights,
    ids,
    seasonal_timestamps,
)

MAIN_TABLE = "transactions"
SCALES = {"tiny": 1_000, "small": 40_000, "medium": 500_000, "large": 2_000_000}
START, END = "2024-01-01", "2025-12-31"
#: Share of transactions that belong to fraud incidents (scale tiny keeps one of each).
FRAUD_RATE = 0.005

SEGMENTS = ["retail", "premium", "private"]  # by income: up to 80,000, to 200,000, above
ACCOUNT_TYPES = ["checking", "savings", "credit_card"]
CHECKING, SAVINGS, CREDIT_CARD = range(3)
ACCOUNT_STATUSES = ["active", "dormant", "frozen"]
ACTIVE, DORMANT, FROZEN = range(3)
CURRENCIES = {"US": "USD", "GB": "GBP", "DE": "EUR", "FR": "EUR", "ES": "EUR"}
TYPES = ["card_payment", "atm_withdrawal", "transfer_out", "direct_debit", "transfer_in", "salary"]
CARD, ATM, TRANSFER_OUT, DIRECT_DEBIT, TRANSFER_IN, SALARY = range(6)
#: +1 money in, -1 money out, per entry of TYPES.
SIGN = np.array([-1.0, -1.0, -1.0, -1.0, 1.0, 1.0])
#: P(transaction type | account type): rows follow ACCOUNT_TYPES, columns TYPES.
TYPE_GIVEN_ACCOUNT = np.array([
    [0.56, 0.08, 0.10, 0.14, 0.06, 0.06],
    [0.00, 0.00, 0.40, 0.00, 0.60, 0.00],
    [0.94, 0.02, 0.00, 0.00, 0.04, 0.00],
])  # fmt: skip
CHANNELS = ["pos", "online", "mobile", "atm", "batch"]
POS, ONLINE, MOBILE, ATM_CHANNEL, BATCH = range(5)
#: P(channel | transaction type): rows follow TYPES, columns CHANNELS.
CHANNEL_GIVEN_TYPE = np.array([
    [0.60, 0.28, 0.12, 0.0, 0.0],
    [0.0, 0.0, 0.0, 1.0, 0.0],
    [0.0, 0.30, 0.70, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 1.0],
    [0.0, 0.0, 0.0, 0.0, 1.0],
    [0.0, 0.0, 0.0, 0.0, 1.0],
])  # fmt: skip
#: merchant category: (share of merchants, median amount, spread of the lognormal)
MERCHANT_CATEGORIES = {
    "groceries": (0.22, 38.0, 0.6),
    "restaurants": (0.16, 27.0, 0.6),
    "fuel": (0.08, 55.0, 0.35),
    "clothing": (0.10, 60.0, 0.7),
    "electronics": (0.08, 150.0, 0.9),
    "travel": (0.06, 280.0, 0.9),
    "entertainment": (0.10, 22.0, 0.7),
    "health": (0.08, 20.0, 0.6),
    "digital_goods": (0.12, 12.0, 0.8),
}
#: Home countries: centre latitude, longitude and the spread of their cities (degrees).
COUNTRY_AREAS = {
    "US": (39.5, -98.4, 6.0, 14.0),
    "GB": (53.0, -1.8, 1.6, 1.2),
    "DE": (51.0, 10.3, 1.6, 2.0),
    "FR": (46.7, 2.4, 1.8, 2.3),
    "ES": (40.3, -3.7, 1.6, 2.3),
}
#: Far-away destinations (legitimate travel and fraud alike): city, latitude, longitude.
FAR_CITIES = {
    "JP": ("Tokyo", 35.68, 139.69),
    "TH": ("Bangkok", 13.76, 100.50),
    "BR": ("São Paulo", -23.55, -46.63),
    "MX": ("Mexico City", 19.43, -99.13),
    "ZA": ("Cape Town", -33.92, 18.42),
    "AU": ("Sydney", -33.87, 151.21),
    "AE": ("Dubai", 25.20, 55.27),
    "SG": ("Singapore", 1.35, 103.82),
}
COUNTRIES = list(COUNTRY_AREAS) + list(FAR_CITIES)
SCENARIOS = ["none", "account_takeover", "card_testing", "unusual_geo", "mule_chain"]
LEGIT, TAKEOVER, CARD_TESTING, UNUSUAL_GEO, MULE_CHAIN = range(5)
#: scenario: (share of the fraud rows, rows per incident on average)
INCIDENTS = {
    "account_takeover": (0.25, 4.5),
    "card_testing": (0.35, 10.5),
    "unusual_geo": (0.15, 1.0),
    "mule_chain": (0.25, 7.0),
}
PURPOSES = {  # purpose: (share of loans, median principal, default log-odds shift)
    "car": (0.30, 15_000.0, -0.2),
    "home_improvement": (0.20, 12_000.0, -0.1),
    "debt_consolidation": (0.28, 9_000.0, 0.35),
    "education": (0.10, 7_000.0, 0.0),
    "small_business": (0.12, 20_000.0, 0.5),
}
LOAN_STATUSES = ["current", "repaid", "defaulted"]
CURRENT, REPAID, DEFAULTED = range(3)
PAYMENT_STATUSES = ["on_time", "late", "missed"]
ON_TIME, LATE, MISSED = range(3)
#: Relative activity per hour of the day: quiet nights, a lunch and an after-work peak.
DAYTIME = np.array(
    [0.1, 0.05, 0.03, 0.03, 0.05, 0.1, 0.3, 0.6, 0.9, 1.0, 1.0, 1.1,
     1.4, 1.2, 1.0, 1.0, 1.1, 1.3, 1.3, 1.1, 0.9, 0.7, 0.4, 0.2]
)  # fmt: skip
DAY = 86_400

Rows = dict[str, np.ndarray]
ROW_FIELDS = ("account", "at", "type", "amount", "channel", "merchant", "city",
              "cp_account", "cp_external", "cp_company", "scenario")  # fmt: skip


@dataclass(frozen=True)
class _Bank:
    """Everything the transaction generators draw from (indices are 0-based)."""

    pool: Pools
    home_country: np.ndarray  # per customer
    home_city: np.ndarray  # per customer, index into the city arrays
    salary: np.ndarray  # per customer, net monthly
    employer: np.ndarray  # per customer, index into pool.companies
    customer: np.ndarray  # per account
    account_type: np.ndarray  # per account
    activity: np.ndarray  # per account, sums to 1
    city_country: np.ndarray  # per city
    merchant_category: np.ndarray  # per merchant
    merchants_per_country: int
    n_external: int

    def accounts_of(self, types: list[int], *, quiet: bool = False) -> np.ndarray:
        """Active accounts of the given types (``quiet``: the least active half)."""
        eligible = np.isin(self.account_type, types) & (self.activity > 0)
        if quiet:
            eligible &= self.activity <= np.median(self.activity[eligible])
        return np.flatnonzero(eligible)

    def merchants_in(self, categories: list[str]) -> np.ndarray:
        codes = [list(MERCHANT_CATEGORIES).index(name) for name in categories]
        return np.flatnonzero(np.isin(self.merchant_category, codes))


def generate(n_transactions: int, seed: int) -> dict[str, pd.DataFrame]:
    """Generate the finance tables around ``n_transactions`` transactions.

    Examples
    --------
    >>> tables = generate(1_000, seed=1)
    >>> list(tables)
    ['customers', 'accounts', 'transactions', 'loans', 'loan_payments']
    >>> len(tables["transactions"]), bool(tables["transactions"]["is_fraud"].any())
    (1000, True)
    """
    rng = np.random.default_rng(seed)
    pool = pools(seed)
    cities = _cities(rng, pool)
    n_customers = max(100, n_transactions // 25)
    customers, bank = _customers_and_bank(rng, pool, cities, n_customers, n_transactions)
    accounts = _accounts(rng, bank, customers)
    fraud = _fraud(rng, bank, _incident_counts(n_transactions))
    legit = _legit(rng, n_transactions - len(fraud["at"]), bank)
    transactions = _transactions_frame(rng, _concat([legit, fraud]), bank, cities, accounts)
    _opened_at(
        rng,
        accounts,
        customers,
        transactions,
        mules=fraud["account"][fraud["scenario"] == MULE_CHAIN],
    )
    loans = _loans(rng, customers)
    payments = _loan_payments(rng, loans)
    loans = loans.drop(columns=["_risk", "_default_at"])
    return {
        "customers": customers.drop(columns=["_income"]),
        "accounts": accounts,
        "transactions": transactions,
        "loans": loans,
        "loan_payments": payments,
    }


def _cities(rng: np.random.Generator, pool: Pools) -> pd.DataFrame:
    """Every city a transaction can happen in: the Faker pools, then FAR_CITIES."""
    home = np.repeat(np.arange(len(COUNTRY_AREAS)), POOL_SIZE)
    centre = np.array(list(COUNTRY_AREAS.values()))[home]
    far = np.array([(lat, lon) for _, lat, lon in FAR_CITIES.values()])
    return pd.DataFrame(
        {
            "name": np.concatenate(
                [pool.cities.ravel(), [city for city, *_ in FAR_CITIES.values()]]
            ),
            "country": np.concatenate([home, np.arange(len(FAR_CITIES)) + len(COUNTRY_AREAS)]),
            "lat": np.concatenate(
                [centre[:, 0] + rng.uniform(-1, 1, len(home)) * centre[:, 2], far[:, 0]]
            ),
            "lon": np.concatenate(
                [centre[:, 1] + rng.uniform(-1, 1, len(home)) * centre[:, 3], far[:, 1]]
            ),
        }
    )


def _customers_and_bank(
    rng: np.random.Generator, pool: Pools, cities: pd.DataFrame, n: int, n_transactions: int
) -> tuple[pd.DataFrame, _Bank]:
    country = rng.choice(len(pool.countries), size=n, p=pool.country_share)
    drawn_first, drawn_last, home_city = (
        pool.draw(country, rng),
        pool.draw(country, rng),
        pool.draw(country, rng),
    )
    customer_id = ids(n)
    birth_year = rng.normal(1980, 14, n).clip(1935, 2006).astype("int64")
    income = np.round(rng.lognormal(np.log(42_000), 0.5, n).clip(12_000, 400_000), -2)
    segment = np.digitize(income, [80_000, 200_000])
    customers = pd.DataFrame(
        {
            "customer_id": customer_id,
            "first_name": pool.take("first_names", drawn_first),
            "last_name": pool.take("last_names", drawn_last),
            "email": pool.emails(
                drawn_first, drawn_last, unique=customer_id,
                domain=pool.email_domains[rng.integers(0, len(pool.email_domains), n)],
            ),
            "city": pool.take("cities", home_city),
            "country": pd.Categorical(pool.countries[country], categories=pool.countries),
            "birth_year": birth_year,
            "segment": pd.Categorical.from_codes(segment, categories=SEGMENTS),
            "_income": income,
        }
    )  # fmt: skip
    n_accounts = rng.choice([1, 2, 3], size=n, p=[0.45, 0.40, 0.15])
    owner = np.repeat(np.arange(n), n_accounts)
    position = np.arange(len(owner)) - np.repeat(np.cumsum(n_accounts) - n_accounts, n_accounts)
    # The first account is a checking account; then savings or a credit card, then the other.
    second = np.where(rng.random(n) < 0.5, SAVINGS, CREDIT_CARD)[owner]
    other = SAVINGS + CREDIT_CARD - second
    account_type = np.select([position == 0, position == 1], [CHECKING, second], other)
    dormant = rng.random(len(owner)) < 0.04  # no transactions at all
    activity = rng.gamma(0.7, 1.0, n)[owner] * np.array([1.0, 0.08, 0.5])[account_type]
    activity = np.where(dormant, 0.0, activity)
    merchants_per_country = int(np.clip(n_transactions // 1_500, 12, POOL_SIZE))
    bank = _Bank(
        pool=pool,
        home_country=country,
        home_city=home_city,
        salary=np.round(income / 12 * 0.68, 2),
        employer=rng.integers(0, pool.companies.size, n),
        customer=owner,
        account_type=account_type,
        activity=activity / activity.sum(),
        city_country=cities["country"].to_numpy(),
        merchant_category=_merchant_categories(rng, merchants_per_country * len(COUNTRY_AREAS)),
        merchants_per_country=merchants_per_country,
        n_external=max(100, n_transactions // 20),
    )
    return customers, bank


def _accounts(rng: np.random.Generator, bank: _Bank, customers: pd.DataFrame) -> pd.DataFrame:
    n = len(bank.customer)
    account_id = ids(n)
    country = bank.home_country[bank.customer]
    codes = np.array(list(COUNTRY_AREAS))[country]
    check = np.char.zfill((account_id * 7_919 % 97).astype(str), 2)
    currency = np.array([CURRENCIES[code] for code in COUNTRY_AREAS])[country]
    status = np.where(bank.activity == 0, DORMANT, np.where(rng.random(n) < 0.02, FROZEN, ACTIVE))
    return pd.DataFrame(
        {
            "account_id": account_id,
            "customer_id": customers["customer_id"].to_numpy()[bank.customer],
            "account_number": concat_strings(
                codes, check, "PKIT", np.char.zfill(account_id.astype(str), 10)
            ),
            "account_type": pd.Categorical.from_codes(bank.account_type, categories=ACCOUNT_TYPES),
            "currency": pd.Categorical(currency, categories=["EUR", "GBP", "USD"]),
            "opened_at": np.full(n, np.datetime64(END, "s")),
            "status": pd.Categorical.from_codes(status, categories=ACCOUNT_STATUSES),
        }
    )


def _legit(rng: np.random.Generator, n: int, bank: _Bank) -> Rows:
    """Everyday transactions: spending, cash, transfers, salaries and direct debits."""
    # Rows are drawn in time order (so the final sort is cheap); each row's account is
    # an independent draw, made fast as counts per account dealt out in random order.
    days = pd.date_range(START, END, freq="D")
    at = np.sort(seasonal_timestamps(rng, n, days, _day_weights(days), DAYTIME))
    per_account = rng.multinomial(n, bank.activity)
    account = rng.permutation(np.repeat(np.arange(len(per_account)), per_account))
    kind = _pick(rng, TYPE_GIVEN_ACCOUNT, bank.account_type[account])
    channel = _pick(rng, CHANNEL_GIVEN_TYPE, kind)
    _move_to_day_of_month(rng, at, kind == SALARY, day=25, hours=(4, 7))
    _move_to_day_of_month(rng, at, kind == DIRECT_DEBIT, day=rng.integers(1, 6, n), hours=(1, 4))
    customer = bank.customer[account]

    city = np.where(channel == BATCH, -1, bank.home_city[customer])
    in_person = (channel == POS) | (channel == ATM_CHANNEL)
    where = rng.random(n)
    elsewhere = in_person & (where < 0.12)
    city[elsewhere] = bank.home_country[customer[elsewhere]] * POOL_SIZE + rng.integers(
        0, POOL_SIZE, elsewhere.sum()
    )
    abroad = in_person & (where > 0.97)
    city[abroad] = _abroad(rng, bank.home_country[customer[abroad]])

    card = kind == CARD
    merchant = np.full(n, -1)
    merchant[card] = _merchant_near(rng, bank, city[card])
    median, spread = (np.array([spec[k] for spec in MERCHANT_CATEGORIES.values()]) for k in (1, 2))
    category = bank.merchant_category[merchant[card]]
    amount = np.empty(n)
    amount[card] = median[category] * rng.lognormal(0.0, spread[category])
    amount[kind == ATM] = rng.choice(
        [20, 40, 50, 60, 100, 200, 300],
        size=(kind == ATM).sum(),
        p=[0.15, 0.15, 0.2, 0.1, 0.25, 0.1, 0.05],
    )
    for label, median_amount, sigma in (
        (TRANSFER_OUT, 120, 1.0),
        (DIRECT_DEBIT, 55, 0.6),
        (TRANSFER_IN, 250, 0.9),
    ):
        amount[kind == label] = rng.lognormal(np.log(median_amount), sigma, (kind == label).sum())
    salary = kind == SALARY
    amount[salary] = bank.salary[customer[salary]] * rng.normal(1.0, 0.01, salary.sum())

    external = (kind == TRANSFER_OUT) | (kind == TRANSFER_IN)
    return _rows(
        n,
        account=account,
        at=at,
        type=kind,
        amount=SIGN[kind] * np.round(np.maximum(amount, 1.0), 2),
        channel=channel,
        merchant=merchant,
        city=city,
        cp_external=np.where(external, rng.integers(0, bank.n_external, n), -1),
        cp_company=np.select(
            [salary, kind == DIRECT_DEBIT],
            [bank.employer[customer], rng.integers(0, bank.pool.companies.size, n)],
            -1,
        ),
    )


def _incident_counts(n: int) -> dict[str, int]:
    """How many incidents of each fraud scenario make FRAUD_RATE of ``n`` rows."""
    least = 1 if n >= 500 else 0
    return {
        name: max(least, round(FRAUD_RATE * n * share / rows_each))
        for name, (share, rows_each) in INCIDENTS.items()
    }


def _fraud(rng: np.random.Generator, bank: _Bank, counts: dict[str, int]) -> Rows:
    return _concat(
        [
            _account_takeover(rng, bank, counts["account_takeover"]),
            _card_testing(rng, bank, counts["card_testing"]),
            _unusual_geo(rng, bank, counts["unusual_geo"]),
            _mule_chain(rng, bank, counts["mule_chain"]),
        ]
    )


def _account_takeover(rng: np.random.Generator, bank: _Bank, incidents: int) -> Rows:
    """3-6 high-value payments and transfers within two hours, from a far country."""
    size = rng.integers(3, 7, incidents)
    incident = np.repeat(np.arange(incidents), size)
    victim = rng.choice(bank.accounts_of([CHECKING, CREDIT_CARD]), size=incidents)[incident]
    at = _incident_starts(rng, incidents)[incident] + _offsets(
        rng.integers(120, 1_500, len(incident)), size
    )
    card = (rng.random(len(incident)) < 0.5) | (bank.account_type[victim] == CREDIT_CARD)
    targets = bank.merchants_in(["electronics", "travel", "digital_goods"])
    return _rows(
        len(incident),
        account=victim,
        at=at,
        type=np.where(card, CARD, TRANSFER_OUT),
        amount=-np.round(rng.lognormal(np.log(900), 0.5, len(incident)) + 300, 2),
        channel=np.where(card, ONLINE, MOBILE),
        merchant=np.where(card, rng.choice(targets, size=len(incident)), -1),
        city=_far_city(rng, incidents)[incident],
        cp_external=np.where(card, -1, rng.integers(0, bank.n_external, len(incident))),
        scenario=np.full(len(incident), TAKEOVER),
    )


def _card_testing(rng: np.random.Generator, bank: _Bank, incidents: int) -> Rows:
    """6-15 tiny online payments at one digital-goods merchant, seconds apart."""
    size = rng.integers(6, 16, incidents)
    incident = np.repeat(np.arange(incidents), size)
    victim = rng.choice(bank.accounts_of([CHECKING, CREDIT_CARD]), size=incidents)
    at = _incident_starts(rng, incidents)[incident] + _offsets(
        rng.integers(5, 60, len(incident)), size
    )
    return _rows(
        len(incident),
        account=victim[incident],
        at=at,
        type=np.full(len(incident), CARD),
        amount=-np.round(rng.uniform(0.5, 2.0, len(incident)), 2),
        channel=np.full(len(incident), ONLINE),
        merchant=rng.choice(bank.merchants_in(["digital_goods"]), size=incidents)[incident],
        city=_abroad(rng, bank.home_country[bank.customer[victim]])[incident],
        scenario=np.full(len(incident), CARD_TESTING),
    )


def _unusual_geo(rng: np.random.Generator, bank: _Bank, incidents: int) -> Rows:
    """A legitimate payment at home, then one in a far country 5-60 minutes later."""
    victim = rng.choice(bank.accounts_of([CHECKING, CREDIT_CARD]), size=incidents)
    home_at = _incident_starts(rng, incidents)
    home_city = bank.home_city[bank.customer[victim]]
    atm = (rng.random(incidents) < 0.4) & (bank.account_type[victim] == CHECKING)
    far_city = _far_city(rng, incidents)
    home = _rows(
        incidents,
        account=victim,
        at=home_at,
        type=np.full(incidents, CARD),
        amount=-np.round(rng.lognormal(np.log(35), 0.6, incidents), 2),
        channel=np.full(incidents, POS),
        merchant=_merchant_near(rng, bank, home_city),
        city=home_city,
    )
    away = _rows(
        incidents,
        account=victim,
        at=home_at + rng.integers(5 * 60, 60 * 60, incidents).astype("timedelta64[s]"),
        type=np.where(atm, ATM, CARD),
        amount=-np.where(
            atm,
            rng.choice([200.0, 300.0, 500.0], incidents),
            np.round(rng.lognormal(np.log(250), 0.5, incidents), 2),
        ),
        channel=np.where(atm, ATM_CHANNEL, POS),
        merchant=np.where(atm, -1, rng.integers(0, len(bank.merchant_category), incidents)),
        city=far_city,
        scenario=np.full(incidents, UNUSUAL_GEO),
    )
    return _concat([home, away])


def _mule_chain(rng: np.random.Generator, bank: _Bank, incidents: int) -> Rows:
    """Money in from outside, passed on within the hour through 3-4 quiet accounts."""
    hops = rng.integers(3, 5, incidents)
    chain = np.repeat(np.arange(incidents), hops)
    first = np.cumsum(hops) - hops
    last = np.cumsum(hops) - 1
    pool = bank.accounts_of([CHECKING], quiet=True)
    mule = rng.choice(pool, size=len(chain), replace=len(pool) < len(chain))
    step = rng.integers(10 * 60, 90 * 60, len(chain))  # time each mule holds the money
    arrive = _incident_starts(rng, incidents)[chain] + _offsets(
        step + rng.integers(30, 180, len(chain)), hops
    )
    keep = np.log(1 - rng.uniform(0.02, 0.06, len(chain)))  # each mule keeps a cut
    received = rng.uniform(1_500, 9_500, incidents)[chain] * np.exp(_offsets(keep, hops))
    index = np.arange(len(chain))
    is_first, is_last = np.isin(index, first), np.isin(index, last)
    external = rng.integers(0, bank.n_external, len(chain))
    incoming = _rows(
        len(chain),
        account=mule,
        at=arrive,
        type=np.full(len(chain), TRANSFER_IN),
        amount=np.round(received, 2),
        channel=np.full(len(chain), BATCH),
        cp_account=np.where(is_first, -1, mule[index - 1]),
        cp_external=np.where(is_first, external, -1),
        scenario=np.full(len(chain), MULE_CHAIN),
    )
    outgoing = _rows(
        len(chain),
        account=mule,
        at=arrive + step.astype("timedelta64[s]"),
        type=np.full(len(chain), TRANSFER_OUT),
        amount=-np.round(received * np.exp(keep), 2),
        channel=np.full(len(chain), MOBILE),
        city=bank.home_city[bank.customer[mule]],
        cp_account=np.where(is_last, -1, mule[np.minimum(index + 1, len(chain) - 1)]),
        cp_external=np.where(is_last, external, -1),
        scenario=np.full(len(chain), MULE_CHAIN),
    )
    # The next mule receives exactly what this one sent on.
    incoming["amount"][~is_first] = -outgoing["amount"][index[~is_first] - 1]
    return _concat([incoming, outgoing])


def _transactions_frame(
    rng: np.random.Generator, rows: Rows, bank: _Bank, cities: pd.DataFrame, accounts: pd.DataFrame
) -> pd.DataFrame:
    order = np.argsort(rows["at"], kind="stable")
    rows = {name: values[order] for name, values in rows.items()}
    n = len(order)
    city, merchant = rows["city"], rows["merchant"]
    located = city >= 0
    jitter = rng.normal(0.0, 0.03, (2, n))
    companies = bank.pool.companies.ravel()
    merchant_names = companies[_merchant_pool_index(bank)]
    counterparty = pc.coalesce(
        _take(accounts["account_number"].to_numpy(), rows["cp_account"]),
        _take(_external_numbers(rng, bank.n_external), rows["cp_external"]),
        _take(companies, rows["cp_company"]),
    )
    delay = rng.exponential(180, n).astype("int64") + 5  # seconds until the warehouse has it
    return pd.DataFrame(
        {
            "transaction_id": ids(n),
            "account_id": rows["account"] + 1,
            "occurred_at": rows["at"],
            "transaction_type": pd.Categorical.from_codes(rows["type"], categories=TYPES),
            "amount": rows["amount"],
            "channel": pd.Categorical.from_codes(rows["channel"], categories=CHANNELS),
            "merchant": _strings(merchant_names, merchant),
            "merchant_category": pd.Categorical.from_codes(
                np.where(merchant >= 0, bank.merchant_category[merchant], -1),
                categories=list(MERCHANT_CATEGORIES),
            ),
            "counterparty": pd.Series(counterparty, dtype="str"),
            "country": pd.Categorical.from_codes(
                np.where(located, bank.city_country[city], -1), categories=COUNTRIES
            ),
            "city": _strings(cities["name"].to_numpy(), city),
            "latitude": np.where(
                located, np.round(cities["lat"].to_numpy()[city] + jitter[0], 4), np.nan
            ),
            "longitude": np.where(
                located, np.round(cities["lon"].to_numpy()[city] + jitter[1], 4), np.nan
            ),
            "is_fraud": rows["scenario"] != LEGIT,
            "fraud_scenario": pd.Categorical.from_codes(rows["scenario"], categories=SCENARIOS),
            "loaded_at": rows["at"] + delay.astype("timedelta64[s]"),
        }
    )


def _opened_at(
    rng: np.random.Generator,
    accounts: pd.DataFrame,
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    mules: np.ndarray,
) -> None:
    """Open each account before its first transaction (mule accounts only just before)."""
    first = accounts["opened_at"].to_numpy().copy()
    np.minimum.at(
        first, transactions["account_id"].to_numpy() - 1, transactions["occurred_at"].to_numpy()
    )
    scale = np.full(len(accounts), 3 * 365 * DAY)
    scale[mules] = 20 * DAY
    lead = rng.exponential(scale).astype("int64") + DAY
    opened = np.maximum(first - lead.astype("timedelta64[s]"), np.datetime64("2008-01-01", "s"))
    accounts["opened_at"] = pd.Series(opened, dtype="datetime64[s]")
    joined = np.full(len(customers), np.datetime64(END, "s"))
    np.minimum.at(joined, accounts["customer_id"].to_numpy() - 1, opened)
    customers["joined_at"] = pd.Series(joined, dtype="datetime64[s]")


def _loans(rng: np.random.Generator, customers: pd.DataFrame) -> pd.DataFrame:
    """Loans of about 40 % of the customers, with risk features and the outcome."""
    per_customer = rng.choice([0, 1, 2], size=len(customers), p=[0.6, 0.33, 0.07])
    borrower = np.repeat(np.arange(len(customers)), per_customer)
    n = len(borrower)
    purposes = list(PURPOSES)
    purpose = rng.choice(len(purposes), size=n, p=[spec[0] for spec in PURPOSES.values()])
    income = np.round(customers["_income"].to_numpy()[borrower] * rng.lognormal(0, 0.1, n), -2)
    age = 2024 - customers["birth_year"].to_numpy()[borrower]
    score = np.round(rng.normal(680, 65, n) + 30 * np.log(income / 42_000) + 0.8 * (age - 40))
    score = score.clip(300, 850).astype("int64")
    principal = np.round(
        np.array([s[1] for s in PURPOSES.values()])[purpose] * rng.lognormal(0, 0.5, n), -2
    )
    employment = np.minimum(rng.poisson(6, n), np.maximum(age - 18, 0)).astype("int64")
    dti = np.round((rng.beta(2, 5, n) * 0.6 + 0.15 * principal / income).clip(0, 0.95), 3)
    term = rng.choice([12, 24, 36, 48, 60], size=n, p=[0.1, 0.25, 0.3, 0.15, 0.2])
    rate = 0.035 + 0.0003 * np.maximum(760 - score, 0) + 0.002 * term / 12 + rng.normal(0, 0.004, n)
    risk = (
        -1.9 - 0.02 * (score - 680) + 4.0 * (dti - 0.3) + 0.5 * np.log(principal / income / 0.3)
        - 0.06 * employment + np.array([s[2] for s in PURPOSES.values()])[purpose]
    )  # fmt: skip
    latent = rng.random(n) < 1 / (1 + np.exp(-(risk + rng.normal(0, 0.3, n))))
    earliest = np.datetime64("2022-01-01", "D")
    start = earliest + rng.integers(0, 1_369, n).astype("timedelta64[D]")  # to 2025-09-30
    joined = customers["joined_at"].to_numpy().astype("datetime64[D]")[borrower]
    start = np.maximum(start, joined + np.timedelta64(30, "D"))
    keep = start <= np.datetime64("2025-09-30")
    due = _months_between(start, np.datetime64(END, "D"))
    default_at = rng.integers(3, term - 1)  # first missed instalment, if it defaults
    defaulted = latent & (default_at + 2 <= np.minimum(due, term))
    status = np.select([defaulted, due >= term], [DEFAULTED, REPAID], CURRENT)
    loans = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy()[borrower],
            "purpose": pd.Categorical.from_codes(purpose, categories=purposes),
            "principal": principal,
            "interest_rate": np.round(rate.clip(0.02, 0.3), 4),
            "term_months": term.astype("int64"),
            "start_date": start.astype("datetime64[s]"),
            "annual_income": income,
            "credit_score": score,
            "debt_to_income": dti,
            "employment_years": employment,
            "status": pd.Categorical.from_codes(status, categories=LOAN_STATUSES),
            "defaulted": defaulted,
            "_risk": risk,
            "_default_at": np.where(latent, default_at, 10_000),
        }
    )[keep].reset_index(drop=True)
    loans.insert(0, "loan_id", ids(len(loans)))
    return loans


def _loan_payments(rng: np.random.Generator, loans: pd.DataFrame) -> pd.DataFrame:
    """Monthly instalments due up to END: paid on time, late, or missed before a default."""
    start = loans["start_date"].to_numpy().astype("datetime64[D]")
    term = loans["term_months"].to_numpy()
    default_at = loans["_default_at"].to_numpy()
    listed = np.minimum(_months_between(start, np.datetime64(END, "D")), term)
    listed = np.where(loans["defaulted"].to_numpy(), default_at + 2, listed)
    loan = np.repeat(np.arange(len(loans)), listed)
    instalment = np.arange(len(loan)) - np.repeat(np.cumsum(listed) - listed, listed) + 1
    day = np.minimum(_day_of_month(start), 28)[loan]
    due = (start.astype("datetime64[M]")[loan] + instalment).astype("datetime64[D]")
    due += (day - 1).astype("timedelta64[D]")
    before_default = instalment - default_at[loan]
    risk = 1 / (1 + np.exp(-loans["_risk"].to_numpy()))[loan]
    p_late = np.where((before_default >= -3) & (before_default < 0), 0.6, 0.02 + 0.3 * risk)
    status = np.where(
        before_default >= 0, MISSED, np.where(rng.random(len(loan)) < p_late, LATE, ON_TIME)
    )
    early = rng.integers(0, 6, len(loan)).astype("timedelta64[D]")
    late = rng.integers(1, 26, len(loan)).astype("timedelta64[D]")
    paid = np.minimum(np.where(status == LATE, due + late, due - early), np.datetime64(END, "D"))
    rate = loans["interest_rate"].to_numpy() / 12
    annuity = loans["principal"].to_numpy() * rate / (1 - (1 + rate) ** -term)
    amount_due = np.round(annuity, 2)[loan]
    return pd.DataFrame(
        {
            "payment_id": ids(len(loan)),
            "loan_id": loans["loan_id"].to_numpy()[loan],
            "instalment": instalment.astype("int64"),
            "due_date": due.astype("datetime64[s]"),
            "amount_due": amount_due,
            "paid_date": np.where(status == MISSED, np.datetime64("NaT"), paid).astype(
                "datetime64[s]"
            ),
            "amount_paid": np.where(status == MISSED, 0.0, amount_due),
            "status": pd.Categorical.from_codes(status, categories=PAYMENT_STATUSES),
        }
    )


# -- small vectorised helpers -------------------------------------------------------


def _pick(rng: np.random.Generator, probabilities: np.ndarray, group: np.ndarray) -> np.ndarray:
    """One category per row, drawn from the probabilities of the row's group."""
    picked = np.zeros(len(group), "int64")
    for index, p in enumerate(probabilities):  # a loop over groups, not rows
        rows = group == index
        picked[rows] = rng.choice(len(p), size=rows.sum(), p=p)
    return picked


def _day_weights(days: pd.DatetimeIndex) -> np.ndarray:
    return daily_weights(
        days,
        weekday=[0.95, 0.95, 1.0, 1.0, 1.15, 1.25, 0.7],
        month=[0.85, 0.85, 0.95, 0.95, 1.0, 1.0, 1.05, 1.05, 0.95, 1.0, 1.1, 1.35],
        peaks={"12-24": 1.5, "12-23": 1.3, "12-25": 0.4, "11-29": 1.4},
        yearly_growth=0.05,
    )


def _move_to_day_of_month(
    rng: np.random.Generator,
    at: np.ndarray,
    rows: np.ndarray,
    *,
    day: int | np.ndarray,
    hours: tuple[int, int],
) -> None:
    """Put the timestamps of ``rows`` on ``day`` of their month, between ``hours``."""
    month = at[rows].astype("datetime64[M]").astype("datetime64[s]")
    day = np.broadcast_to(day, rows.shape)[rows]
    second = rng.integers(hours[0] * 3600, hours[1] * 3600, rows.sum())
    at[rows] = month + ((day - 1) * DAY + second).astype("timedelta64[s]")


def _incident_starts(rng: np.random.Generator, n: int) -> np.ndarray:
    days = pd.date_range(START, END, freq="D")[:-1]  # leaves the last day for long incidents
    return seasonal_timestamps(rng, n, days, _day_weights(days), DAYTIME)


def _offsets(step: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Running sum of ``step`` within consecutive groups of ``size`` rows, 0 at each start.

    Integer steps come back as seconds (timedelta64), float steps as floats.
    """
    before = np.cumsum(step) - step
    offset = before - np.repeat(before[np.cumsum(size) - size], size)
    return offset.astype("timedelta64[s]") if step.dtype.kind == "i" else offset


def _abroad(rng: np.random.Generator, home_country: np.ndarray) -> np.ndarray:
    """A city outside each home country: a far city or one in another home country."""
    n = len(home_country)
    other = (home_country + rng.integers(1, len(COUNTRY_AREAS), n)) % len(COUNTRY_AREAS)
    nearby = other * POOL_SIZE + rng.integers(0, POOL_SIZE, n)
    return np.where(rng.random(n) < 0.5, _far_city(rng, n), nearby)


def _far_city(rng: np.random.Generator, n: int) -> np.ndarray:
    return len(COUNTRY_AREAS) * POOL_SIZE + rng.integers(0, len(FAR_CITIES), n)


def _merchant_near(rng: np.random.Generator, bank: _Bank, city: np.ndarray) -> np.ndarray:
    """A merchant of the city's country (any home country for a far city), Zipf-like."""
    country = bank.city_country[city]
    country = np.where(
        country < len(COUNTRY_AREAS), country, rng.integers(0, len(COUNTRY_AREAS), len(city))
    )
    rank = np.floor(bank.merchants_per_country * rng.random(len(city)) ** 3).astype("int64")
    return country * bank.merchants_per_country + rank


def _merchant_categories(rng: np.random.Generator, n: int) -> np.ndarray:
    """A category per merchant, by the shares of MERCHANT_CATEGORIES; each at least once."""
    shares = [share for share, *_ in MERCHANT_CATEGORIES.values()]
    category = rng.choice(len(shares), size=n, p=shares)
    category[rng.choice(n, size=len(shares), replace=False)] = np.arange(len(shares))
    return category


def _merchant_pool_index(bank: _Bank) -> np.ndarray:
    """Which company of the Faker pools each merchant is: the first ones of each country."""
    per = bank.merchants_per_country
    merchant = np.arange(per * len(COUNTRY_AREAS))
    return (merchant // per) * POOL_SIZE + merchant % per


def _external_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Account numbers at other banks, for transfers that leave or enter the bank."""
    country = np.array(list(COUNTRY_AREAS))[rng.integers(0, len(COUNTRY_AREAS), n)]
    bank_code = np.array(["NWBK", "DEUT", "BNPA", "CAIX", "CHAS"])[rng.integers(0, 5, n)]
    digits = np.char.zfill(rng.integers(0, 10**10, n).astype(str), 10)
    check = np.char.zfill(rng.integers(2, 99, n).astype(str), 2)
    return concat_strings(country, check, bank_code, digits).to_numpy()


def _months_between(start: np.ndarray, end: np.datetime64) -> np.ndarray:
    """Monthly instalments due from ``start`` up to ``end`` (days of month <= 28)."""
    return end.astype("datetime64[M]").astype("int64") - start.astype("datetime64[M]").astype(
        "int64"
    )


def _day_of_month(day: np.ndarray) -> np.ndarray:
    return (day - day.astype("datetime64[M]").astype("datetime64[D]")).astype("int64") + 1


def _take(values: np.ndarray, index: np.ndarray) -> pa.Array:
    """``values[index]`` as an Arrow string array, null where ``index`` is -1."""
    return pa.array(values, type=pa.string()).take(pa.array(index, mask=index < 0))


def _strings(values: np.ndarray, index: np.ndarray) -> pd.Series:
    return pd.Series(_take(values, index), dtype="str")


def _rows(n: int, **columns: np.ndarray) -> Rows:
    """A block of transaction rows; fields not given are -1 (none) or 0 (legitimate)."""
    defaults = {"scenario": np.full(n, LEGIT)}
    return {
        name: np.asarray(columns[name]) if name in columns else defaults.get(name, np.full(n, -1))
        for name in ROW_FIELDS
    }


def _concat(blocks: list[Rows]) -> Rows:
    return {name: np.concatenate([block[name] for block in blocks]) for name in ROW_FIELDS}


#: The quality problems ``dirty=True`` injects; the log records each changed row.
DIRTY_PLAN = [
    Injection("nulls", "customers", column="email", share=0.02),
    Injection("bad_emails", "customers", column="email", share=0.01),
    Injection("duplicates", "transactions", share=0.003),
    Injection("out_of_range", "loans", column="credit_score", share=0.03),
    Injection(
        "orphan_keys",
        "transactions",
        column="account_id",
        share=0.002,
        parent="accounts.account_id",
    ),
    Injection("late_arrivals", "transactions", column="loaded_at", share=0.01),
    Injection(
        "schema_drift", "transactions", column="channel", share=0.02, renamed_to="channel_type"
    ),
]
