"""How fast is `pk.datasets.load`? Against the per-row Faker loop a learner would write.

Prints the time for the e-commerce `large` scale (1M orders with their items,
customers and products), the rate in rows per second, the same rate for a
row-by-row Faker generator on a sample (measured in this run), their ratio and the
peak memory. Targets (2 cores): <= 3 s for the whole dataset, >= 100x the Faker loop.

Run: ``.venv/bin/python benchmarks/bench_datasets.py [--orders N] [--sample N]``
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import datetime

from faker import Faker

import pipelinekit as pk


def faker_loop(n_orders: int, seed: int = 42) -> int:
    """The obvious generator, as tutorials write it: one Faker call per field per row.

    Returns the number of rows made (customers, products, orders and order items).
    """
    fake = Faker()
    fake.seed_instance(seed)
    start, end = datetime(2024, 1, 1), datetime(2025, 12, 31)
    customers = [
        {
            "customer_id": i,
            "first_name": fake.first_name(),
            "last_name": fake.last_name(),
            "email": fake.email(),
            "city": fake.city(),
            "signed_up_at": fake.date_time_between(start, end),
        }
        for i in range(1, n_orders // 4 + 1)
    ]
    products = [
        {"product_id": i, "name": fake.word(), "price": fake.pyfloat(min_value=2, max_value=300)}
        for i in range(1, n_orders // 200 + 31)
    ]
    orders, items = [], []
    for order_id in range(1, n_orders + 1):
        orders.append(
            {
                "order_id": order_id,
                "customer_id": fake.random_int(1, len(customers)),
                "ordered_at": fake.date_time_between(start, end),
                "status": fake.random_element(["delivered", "shipped", "cancelled"]),
                "channel": fake.random_element(["web", "app", "marketplace"]),
            }
        )
        for line in range(1, fake.random_int(1, 4) + 1):
            product = fake.random_element(products)
            items.append(
                {
                    "order_id": order_id,
                    "line_number": line,
                    "product_id": product["product_id"],
                    "quantity": fake.random_int(1, 3),
                    "unit_price": product["price"],
                }
            )
    return len(customers) + len(products) + len(orders) + len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000, help="orders for the Faker loop")
    args = parser.parse_args()

    started = time.perf_counter()
    shop = pk.datasets.load("ecommerce", scale=args.orders, seed=42)
    cold = time.perf_counter() - started
    rows = sum(len(frame) for frame in shop.values())
    warm_times = []
    for _ in range(2):
        started = time.perf_counter()
        pk.datasets.load("ecommerce", scale=args.orders, seed=42)
        warm_times.append(time.perf_counter() - started)
    warm = min(warm_times)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    started = time.perf_counter()
    faker_rows = faker_loop(args.sample)
    faker_seconds = time.perf_counter() - started

    ours, theirs = rows / warm, faker_rows / faker_seconds
    print(f"pipelinekit: {args.orders:,} orders, {rows:,} rows in all tables")
    verdict = "OK" if cold <= 3 else "MISSED"
    print(f"  first run in this process:     {cold:.2f} s   target <= 3 s   {verdict}")
    print(f"  best of two more runs:         {warm:.2f} s")
    print(f"  rate (best run): {ours:,.0f} rows/s; first run: {rows / cold:,.0f} rows/s")
    print(
        f"per-row Faker loop: {args.sample:,} orders, {faker_rows:,} rows in {faker_seconds:.2f} s"
    )
    print(f"  rate: {theirs:,.0f} rows/s")
    ratio = ours / theirs
    verdict = "OK" if ratio >= 100 else "MISSED"
    print(f"ratio (best run): {ratio:,.0f}x faster   target >= 100x   {verdict}")
    print(f"ratio (first run, process warm-up included): {rows / cold / theirs:,.0f}x")
    print(f"peak memory (process): {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
