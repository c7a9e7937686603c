-- dim_customer: who the customers are, with the span of their buying.
-- Grain: one row per customer (also those who never ordered).  Key: customer_id.
--
-- A dimension describes; the facts (fct_orders) measure. The first and last order and
-- the number of orders count placed orders only: a cancelled checkout is not a purchase.
WITH purchases AS (
    SELECT
        customer_id,
        min(ordered_at)     AS first_order_at,
        max(ordered_at)     AS last_order_at,
        count(*)            AS orders
    FROM stg_orders
    WHERE NOT is_cancelled
    GROUP BY customer_id
)
SELECT
    c.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    c.city,
    c.country,
    c.birth_year,
    c.signed_up_at,
    p.first_order_at,
    p.last_order_at,
    coalesce(p.orders, 0)               AS orders,
    p.customer_id IS NOT NULL           AS has_purchased
FROM stg_customers AS c
LEFT JOIN purchases AS p USING (customer_id)
