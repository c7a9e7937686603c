"""How fast is `sql_lineage`? All 50 columns of a query with 3 CTEs and 3 joins, traced in
one pass, against what a user would otherwise write: ``sqlglot.lineage.lineage`` once per
output column, in the same run. Target (2 cores): <= 0.1 s for all 50 columns.

Run: ``.venv/bin/python benchmarks/_lineage_sql.py``
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import duckdb
import sqlglot.lineage

from pipelinekit.lineage.sql_lineage import sql_lineage

TABLES = """
CREATE TABLE customers (customer_id INTEGER, name VARCHAR, email VARCHAR, country VARCHAR,
                        city VARCHAR, signup_date DATE, segment VARCHAR, birth_year INTEGER);
CREATE TABLE orders (order_id INTEGER, customer_id INTEGER, order_date DATE, status VARCHAR,
                     channel VARCHAR, shipping DOUBLE, discount DOUBLE, coupon VARCHAR);
CREATE TABLE order_items (order_id INTEGER, product_id INTEGER, quantity INTEGER,
                          unit_price DOUBLE, tax_rate DOUBLE);
CREATE TABLE products (product_id INTEGER, title VARCHAR, category VARCHAR, brand VARCHAR,
                       cost DOUBLE, weight DOUBLE, launched DATE);
"""

QUERY = """
WITH paid_orders AS (
    SELECT o.*, o.shipping - o.discount AS net_shipping
    FROM orders AS o
    WHERE o.status = 'paid' AND o.order_date >= DATE '2024-01-01'
),
lines AS (
    SELECT i.order_id, i.product_id, i.quantity, i.unit_price, i.tax_rate,
           i.quantity * i.unit_price AS gross,
           i.quantity * i.unit_price * (1 + i.tax_rate) AS taxed,
           p.category, p.brand, p.cost * i.quantity AS line_cost, p.weight * i.quantity AS weight
    FROM order_items AS i JOIN products AS p ON i.product_id = p.product_id
),
per_order AS (
    SELECT order_id, sum(gross) AS gross, sum(taxed) AS taxed, sum(line_cost) AS cost,
           sum(weight) AS weight, count(*) AS n_lines, count(DISTINCT category) AS n_categories,
           max(unit_price) AS top_price, min(unit_price) AS low_price,
           string_agg(DISTINCT brand, ',') AS brands
    FROM lines GROUP BY order_id
)
SELECT
    po.order_id, po.customer_id, po.order_date, po.status, po.channel, po.shipping,
    po.discount, po.coupon, po.net_shipping,
    c.name, c.email, c.country, c.city, c.signup_date, c.segment, c.birth_year,
    t.gross, t.taxed, t.cost, t.weight, t.n_lines, t.n_categories, t.top_price, t.low_price,
    t.brands,
    t.gross - t.cost AS margin,
    (t.gross - t.cost) / nullif(t.gross, 0) AS margin_rate,
    t.taxed + po.net_shipping AS total_paid,
    t.gross / nullif(t.n_lines, 0) AS avg_line,
    upper(c.country) AS country_code,
    date_trunc('month', po.order_date) AS order_month,
    year(po.order_date) - c.birth_year AS age_at_order,
    po.order_date - c.signup_date AS days_since_signup,
    CASE WHEN t.gross > 500 THEN 'large' WHEN t.gross > 100 THEN 'medium' ELSE 'small' END
        AS size_band,
    CASE WHEN po.coupon IS NULL THEN 0 ELSE 1 END AS used_coupon,
    coalesce(po.coupon, 'none') AS coupon_code,
    row_number() OVER (PARTITION BY po.customer_id ORDER BY po.order_date) AS order_number,
    sum(t.gross) OVER (PARTITION BY po.customer_id ORDER BY po.order_date) AS running_gross,
    lag(po.order_date) OVER (PARTITION BY po.customer_id ORDER BY po.order_date) AS previous,
    avg(t.gross) OVER (PARTITION BY c.country) AS country_avg,
    rank() OVER (PARTITION BY order_month ORDER BY t.gross DESC) AS month_rank,
    t.weight * 0.001 AS weight_kg,
    t.weight > 20 AS heavy,
    length(t.brands) AS brands_length,
    c.segment || '/' || po.channel AS segment_channel,
    po.shipping / nullif(t.weight, 0) AS shipping_per_gram,
    t.n_categories > 1 AS mixed_basket,
    round(t.taxed - t.gross, 2) AS tax_paid,
    extract(dow FROM po.order_date) AS weekday,
    t.top_price - t.low_price AS price_spread
FROM paid_orders AS po
JOIN customers AS c ON po.customer_id = c.customer_id
JOIN per_order AS t ON po.order_id = t.order_id
WHERE c.country <> 'XX'
ORDER BY po.order_date
"""


def median_time(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(repeat: int = 7) -> list[str]:
    """Time both ways on the same query and connection; return printable lines."""
    with duckdb.connect() as connection:
        connection.execute(TABLES)
        columns = connection.sql(QUERY).columns
        schema = {
            table: {name: kind for name, kind, *_ in connection.sql(f"DESCRIBE {table}").fetchall()}
            for table in ("customers", "orders", "order_items", "products")
        }
        step = sql_lineage(QUERY, connection=connection)
        ours = median_time(repeat, lambda: sql_lineage(QUERY, connection=connection))
        ours_schema = median_time(repeat, lambda: sql_lineage(QUERY, schema=schema))

    def per_column() -> None:
        for column in columns:
            sqlglot.lineage.lineage(column, QUERY, schema=schema, dialect="duckdb")

    theirs = median_time(max(1, repeat // 3), per_column)
    return [
        f"{len(columns)} output columns, {len(step.edges)} edges"
        f" (3 CTEs, 3 joins), median of {repeat} runs",
        f"sql_lineage, connection=   : {ours * 1000:8.1f} ms",
        f"sql_lineage, schema=       : {ours_schema * 1000:8.1f} ms",
        f"sqlglot lineage per column : {theirs * 1000:8.1f} ms",
        f"ratio (per column / ours)  : {theirs / ours:8.1f}x",
        f"target <= 100 ms           : {'met' if ours <= 0.1 else 'MISSED'}",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
