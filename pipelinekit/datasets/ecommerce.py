"""E-commerce: customers, products, orders, order items and returns.

What makes the data realistic (and what the lessons rely on):

- **seasonality**: more orders at weekends and in November/December, peaks on Black
  Friday, Cyber Monday and before Christmas, an evening peak, 25 % growth a year;
- **repeat purchases**: each customer has a gamma-distributed propensity to buy, so a
  few loyal customers place many orders and most place one or two (RFM, CLV);
- **baskets**: lognormal number of lines per order, Zipf-like product popularity;
- **returns**: about 5 % of delivered lines, more for apparel, 3-30 days after the order.

Foreign keys hold by construction; all randomness comes from one seeded generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelinekit.datasets.dirty import Injection
from pipelinekit.datasets.pools import pools
from pipelinekit.datasets.sampling import (
    concat_strings,
    daily_weights,
    ids,
    seasonal_timestamps,
    skewed_weights,
    weighted_draws,
)

MAIN_TABLE = "orders"
SCALES = {"tiny": 500, "small": 20_000, "medium": 200_000, "large": 1_000_000}
START, END = "2024-01-01", "2025-12-31"

#: category: (price median, price spread, margin, return rate, subcategories)
CATEGORIES = {
    "Electronics": (120.0, 0.9, 0.18, 0.06, ["Phones", "Audio", "Computers", "Cameras"]),
    "Apparel": (35.0, 0.6, 0.55, 0.14, ["Tops", "Trousers", "Shoes", "Outerwear"]),
    "Home": (45.0, 0.8, 0.40, 0.04, ["Kitchen", "Furniture", "Decor", "Bedding"]),
    "Beauty": (18.0, 0.5, 0.60, 0.03, ["Skincare", "Makeup", "Fragrance"]),
    "Sports": (55.0, 0.8, 0.35, 0.05, ["Fitness", "Outdoor", "Cycling"]),
    "Books": (14.0, 0.4, 0.30, 0.02, ["Fiction", "Non-fiction", "Children"]),
    "Toys": (25.0, 0.6, 0.45, 0.03, ["Games", "Puzzles", "Outdoor play"]),
}
CHANNELS = (["web", "app", "marketplace"], [0.55, 0.35, 0.10])
PAYMENTS = (["card", "paypal", "bank_transfer", "gift_card"], [0.62, 0.25, 0.08, 0.05])
STATUSES = (["delivered", "shipped", "cancelled"], [0.93, 0.03, 0.04])
RETURN_REASONS = ["wrong size", "damaged", "not as described", "changed mind", "late delivery"]
PEAKS = {
    "11-29": 3.0,  # Black Friday (around it, every year)
    "11-28": 1.8,
    "12-02": 2.2,  # Cyber Monday
    "12-15": 1.5,
    "12-18": 1.6,
    "12-20": 1.4,
    "12-25": 0.4,
    "07-16": 1.8,  # summer sale
}


def generate(n_orders: int, seed: int) -> dict[str, pd.DataFrame]:
    """Generate the e-commerce tables around ``n_orders`` orders.

    Examples
    --------
    >>> tables = generate(100, seed=1)
    >>> list(tables)
    ['customers', 'products', 'orders', 'order_items', 'returns']
    >>> bool(tables["order_items"]["order_id"].isin(tables["orders"]["order_id"]).all())
    True
    """
    rng = np.random.default_rng(seed)
    products = _products(rng, n_products=int(np.clip(n_orders // 200, 30, 5_000)), seed=seed)
    n_customers = max(20, n_orders // 4)
    orders = _orders(rng, n_orders, n_customers)
    items = _order_items(rng, orders, products)
    orders["order_total"] = _order_totals(orders, items)
    customers = _customers(rng, orders, n_customers, seed=seed)
    returns = _returns(rng, orders, items, products)
    return {
        "customers": customers,
        "products": products,
        "orders": orders,
        "order_items": items,
        "returns": returns,
    }


def _products(rng: np.random.Generator, n_products: int, seed: int) -> pd.DataFrame:
    names = list(CATEGORIES)
    category = rng.choice(len(names), size=n_products, p=[0.2, 0.22, 0.18, 0.1, 0.1, 0.12, 0.08])
    median, spread, margin = (
        np.array([CATEGORIES[c][k] for c in names])[category] for k in range(3)
    )
    price = np.round(median * rng.lognormal(0, spread, n_products), 0) - 0.01
    price = np.maximum(price, 1.99)
    cost = np.round(price * (1 - margin * rng.uniform(0.7, 1.3, n_products)), 2)
    subcategory = np.array(
        [CATEGORIES[names[c]][4][rng.integers(len(CATEGORIES[names[c]][4]))] for c in category]
    )
    brand = pools(seed).words[rng.integers(0, len(pools(seed).words), n_products)]
    noun = pools(seed).words[rng.integers(0, len(pools(seed).words), n_products)]
    product_id = ids(n_products)
    launched = pd.Timestamp("2022-01-01") + pd.to_timedelta(
        rng.integers(0, 365 * 3, n_products), unit="D"
    )
    return pd.DataFrame(
        {
            "product_id": product_id,
            "sku": concat_strings("SKU-", np.char.zfill(product_id.astype(str), 6)),
            "name": concat_strings(
                np.char.capitalize(brand.astype(str)), " ", noun, " ", subcategory
            ),
            "category": pd.Categorical.from_codes(category, categories=names),
            "subcategory": pd.Series(subcategory, dtype="str"),
            "brand": pd.Series(np.char.capitalize(brand.astype(str)), dtype="str"),
            "price": price,
            "cost": cost,
            "launched_on": launched.astype("datetime64[s]"),
        }
    )


def _orders(rng: np.random.Generator, n_orders: int, n_customers: int) -> pd.DataFrame:
    days = pd.date_range(START, END, freq="D")
    weights = daily_weights(
        days,
        weekday=[0.9, 0.9, 0.95, 1.0, 1.05, 1.2, 1.25],
        month=[0.85, 0.8, 0.9, 0.9, 0.95, 0.95, 1.0, 0.95, 0.95, 1.0, 1.3, 1.5],
        peaks=PEAKS,
        yearly_growth=0.25,
    )
    ordered_at = np.sort(seasonal_timestamps(rng, n_orders, days, weights))
    customer_id = weighted_draws(rng, n_orders, skewed_weights(rng, n_customers, shape=0.5))
    delay = rng.exponential(20, n_orders).astype("int64") + 1  # minutes until the warehouse sees it
    return pd.DataFrame(
        {
            "order_id": ids(n_orders),
            "customer_id": customer_id.astype("int64") + 1,
            "ordered_at": ordered_at,
            "status": _categorical(rng, *STATUSES, n_orders),
            "channel": _categorical(rng, *CHANNELS, n_orders),
            "payment_method": _categorical(rng, *PAYMENTS, n_orders),
            "shipping_cost": rng.choice(
                [0.0, 3.99, 4.99, 7.99], size=n_orders, p=[0.45, 0.25, 0.2, 0.1]
            ),
            "loaded_at": ordered_at + delay.astype("timedelta64[m]"),
        }
    )


def _order_items(
    rng: np.random.Generator, orders: pd.DataFrame, products: pd.DataFrame
) -> pd.DataFrame:
    lines = 1 + np.floor(rng.lognormal(0.0, 0.75, len(orders))).astype("int64")
    lines = np.minimum(lines, 12)
    order_row = np.repeat(np.arange(len(orders)), lines)
    first_line = np.repeat(np.cumsum(lines) - lines, lines)
    popularity = 1.0 / np.arange(1, len(products) + 1) ** 0.9
    product_row = rng.permutation(len(products))[
        rng.choice(len(products), size=len(order_row), p=popularity / popularity.sum())
    ]
    quantity = 1 + rng.geometric(0.75, len(order_row)) - 1
    discount = rng.choice(
        [0.0, 0.05, 0.1, 0.2, 0.3], size=len(order_row), p=[0.7, 0.1, 0.1, 0.07, 0.03]
    )
    return pd.DataFrame(
        {
            "order_id": orders["order_id"].to_numpy()[order_row],
            "line_number": (np.arange(len(order_row)) - first_line + 1).astype("int64"),
            "product_id": products["product_id"].to_numpy()[product_row],
            "quantity": quantity.astype("int64"),
            "unit_price": products["price"].to_numpy()[product_row],
            "discount": discount,
        }
    )


def _order_totals(orders: pd.DataFrame, items: pd.DataFrame) -> np.ndarray:
    """Sum of the lines after discount, plus shipping; zero for cancelled orders."""
    line_value = items["quantity"] * items["unit_price"] * (1 - items["discount"])
    goods = np.bincount(items["order_id"] - 1, weights=line_value, minlength=len(orders))
    total = np.round(goods + orders["shipping_cost"].to_numpy(), 2)
    return np.where(_is(orders["status"], "cancelled"), 0.0, total)


def _customers(
    rng: np.random.Generator, orders: pd.DataFrame, n_customers: int, seed: int
) -> pd.DataFrame:
    pool = pools(seed)
    country = rng.choice(len(pool.countries), size=n_customers, p=pool.country_share)
    drawn_first, drawn_last = pool.draw(country, rng), pool.draw(country, rng)
    customer_id = ids(n_customers)
    # Sign-up comes before the first order (customers without orders sign up any time).
    # Orders are in time order, so a stable sort by customer puts each one's first order first.
    customer_row = orders["customer_id"].to_numpy() - 1
    by_customer = np.argsort(customer_row, kind="stable")
    grouped = customer_row[by_customer]
    starts = by_customer[np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])]
    first_order = np.full(n_customers, np.datetime64(END, "s"))
    first_order[customer_row[starts]] = orders["ordered_at"].to_numpy()[starts]
    lead = rng.exponential(40 * 86_400, n_customers).astype("int64").astype("timedelta64[s]")
    signed_up_at = np.maximum(first_order - lead, np.datetime64("2023-01-01", "s"))
    return pd.DataFrame(
        {
            "customer_id": customer_id,
            "first_name": pool.take("first_names", drawn_first),
            "last_name": pool.take("last_names", drawn_last),
            "email": pool.emails(
                drawn_first, drawn_last, unique=customer_id,
                domain=pool.email_domains[rng.integers(0, len(pool.email_domains), n_customers)],
            ),
            "city": pool.take("cities", pool.draw(country, rng)),
            "country": pd.Categorical.from_codes(country, categories=pool.countries),
            "birth_year": rng.normal(1984, 13, n_customers).clip(1940, 2007).astype("int64"),
            "signed_up_at": signed_up_at,
        }
    )  # fmt: skip


def _returns(
    rng: np.random.Generator, orders: pd.DataFrame, items: pd.DataFrame, products: pd.DataFrame
) -> pd.DataFrame:
    rate_of_category = np.array([spec[3] for spec in CATEGORIES.values()])
    category = products["category"].cat.codes.to_numpy()[items["product_id"].to_numpy() - 1]
    rate = rate_of_category[category]
    order_row = items["order_id"].to_numpy() - 1
    delivered = _is(orders["status"], "delivered")[order_row]
    returned = np.flatnonzero(delivered & (rng.random(len(items)) < rate))
    n = len(returned)
    ordered_at = orders["ordered_at"].to_numpy()[order_row[returned]]
    after = rng.integers(3 * 86_400, 30 * 86_400, n).astype("timedelta64[s]")
    line = items.iloc[returned]
    value = line["quantity"] * line["unit_price"] * (1 - line["discount"])
    return pd.DataFrame(
        {
            "return_id": ids(n),
            "order_id": line["order_id"].to_numpy(),
            "line_number": line["line_number"].to_numpy(),
            "returned_at": ordered_at + after,
            "reason": _categorical(rng, RETURN_REASONS, [0.3, 0.15, 0.2, 0.3, 0.05], n),
            "refund_amount": np.round(value.to_numpy(), 2),
        }
    )


def _is(column: pd.Series, label: str) -> np.ndarray:
    """``column == label`` for a categorical column, compared on its integer codes."""
    return column.cat.codes.to_numpy() == column.cat.categories.get_loc(label)


def _categorical(
    rng: np.random.Generator, labels: list[str], p: list[float], n: int
) -> pd.Categorical:
    return pd.Categorical.from_codes(rng.choice(len(labels), size=n, p=p), categories=labels)


#: The quality problems ``dirty=True`` injects; the log records each changed row.
DIRTY_PLAN = [
    Injection("nulls", "customers", column="email", share=0.02),
    Injection("bad_emails", "customers", column="email", share=0.01),
    Injection("duplicates", "orders", share=0.005),
    Injection("out_of_range", "order_items", column="quantity", share=0.003),
    Injection("out_of_range", "products", column="price", share=0.02),
    Injection(
        "orphan_keys", "orders", column="customer_id", share=0.003, parent="customers.customer_id"
    ),
    Injection("late_arrivals", "orders", column="loaded_at", share=0.01),
    Injection("schema_drift", "customers", column="city", share=0.1, renamed_to="town"),
]
