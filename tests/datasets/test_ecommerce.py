"""The e-commerce patterns the lessons rely on, measured on the generated data."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

import pipelinekit as pk


@pytest.fixture(scope="module")
def shop() -> pk.datasets.Dataset:
    return pk.datasets.load("ecommerce", scale="medium", seed=42)


def test_weekends_and_november_december_sell_more(shop):
    ordered_at = shop.orders["ordered_at"]
    per_weekday = ordered_at.dt.day_of_week.value_counts(normalize=True).sort_index()
    assert per_weekday[[5, 6]].mean() > per_weekday[[0, 1, 2]].mean() * 1.15
    per_month = ordered_at.dt.month.value_counts().sort_index()
    assert per_month[[11, 12]].min() > per_month[[1, 2, 3]].max()


def test_black_friday_is_a_peak_day(shop):
    per_day = shop.orders.groupby(shop.orders["ordered_at"].dt.normalize()).size()
    november = per_day[per_day.index.month == 11]
    assert november.idxmax().strftime("%m-%d") == "11-29"


def test_the_business_grows_year_on_year(shop):
    per_year = shop.orders["ordered_at"].dt.year.value_counts()
    assert per_year[2025] > per_year[2024] * 1.1


def test_evenings_are_busier_than_nights(shop):
    hours = shop.orders["ordered_at"].dt.hour.value_counts()
    assert hours[[19, 20]].min() > 5 * hours[[3, 4]].max()


def test_repeat_purchases_are_long_tailed(shop):
    per_customer = shop.orders["customer_id"].value_counts()
    buyers = per_customer.reindex(shop.customers["customer_id"], fill_value=0)
    repeat_share = (buyers >= 2).sum() / (buyers >= 1).sum()
    assert 0.3 < repeat_share < 0.9
    top_decile_share = buyers.sort_values(ascending=False).head(len(buyers) // 10).sum()
    assert top_decile_share / buyers.sum() > 0.3  # the loyal tenth buy a third or more


def test_baskets_are_lognormal_and_capped(shop):
    lines = shop.order_items.groupby("order_id").size()
    assert lines.min() == 1 and lines.max() <= 12
    assert 1.4 < lines.mean() < 2.5
    assert lines.skew() > 1  # right-skewed: a few big baskets


def test_sign_up_comes_before_the_first_order(shop):
    first = shop.orders.groupby("customer_id")["ordered_at"].min()
    signed_up = shop.customers.set_index("customer_id")["signed_up_at"]
    assert (signed_up.loc[first.index] <= first).all()


def test_order_total_reconciles_with_its_lines_in_sql(shop):
    db = duckdb.connect()
    db.register("orders", shop.orders)
    db.register("order_items", shop.order_items)
    mismatches = db.sql(
        """
        SELECT count(*) FROM (
            SELECT o.order_total,
                   CASE WHEN any_value(o.status) = 'cancelled' THEN 0
                        ELSE round(sum(i.quantity * i.unit_price * (1 - i.discount))
                                   + any_value(o.shipping_cost), 2) END AS expected
            FROM orders o JOIN order_items i USING (order_id)
            GROUP BY o.order_id, o.order_total
        ) WHERE abs(order_total - expected) > 0.011
        """
    ).fetchall()[0][0]
    assert mismatches == 0


def test_returns_point_at_delivered_lines_and_refund_them(shop):
    db = duckdb.connect()
    for name in ("orders", "order_items", "returns"):
        db.register(name, shop[name])
    bad = db.sql(
        """
        SELECT count(*) FROM returns r
        LEFT JOIN order_items i USING (order_id, line_number)
        LEFT JOIN orders o USING (order_id)
        WHERE i.order_id IS NULL OR o.status <> 'delivered' OR r.returned_at <= o.ordered_at
           OR abs(r.refund_amount - round(i.quantity * i.unit_price * (1 - i.discount), 2)) > 0.011
        """
    ).fetchall()[0][0]
    assert bad == 0
    rate = len(shop.returns) / len(shop.order_items)
    assert 0.03 < rate < 0.08


def test_apparel_is_returned_most(shop):
    items = shop.order_items.merge(shop.products[["product_id", "category"]], on="product_id")
    returned = items.merge(shop.returns[["order_id", "line_number"]], how="left", indicator=True)
    rate = (returned["_merge"] == "both").groupby(returned["category"], observed=True).mean()
    assert rate.idxmax() == "Apparel"


def test_prices_above_cost_and_popularity_skewed(shop):
    products = shop.products
    assert (products["price"] > products["cost"]).all() and (products["cost"] > 0).all()
    sold = shop.order_items["product_id"].value_counts(normalize=True)
    assert sold.head(len(products) // 10).sum() > 0.3
    assert np.allclose(products["price"] % 1, 0.99)
