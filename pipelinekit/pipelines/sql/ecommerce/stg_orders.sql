-- stg_orders: checkouts, one row each, with the day of the order.
-- Grain: one row per order.  Key: order_id.
--
-- A source can deliver the same order twice (a retried load). QUALIFY keeps the first
-- copy to arrive (the smallest loaded_at), so the key stays unique whatever comes in.
SELECT
    order_id,
    customer_id,
    ordered_at,
    CAST(ordered_at AS DATE)            AS order_date,
    CAST(status AS VARCHAR)             AS status,
    status = 'cancelled'                AS is_cancelled,
    CAST(channel AS VARCHAR)            AS channel,
    CAST(payment_method AS VARCHAR)     AS payment_method,
    shipping_cost,
    order_total,
    loaded_at
FROM orders
QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY loaded_at, ordered_at) = 1
