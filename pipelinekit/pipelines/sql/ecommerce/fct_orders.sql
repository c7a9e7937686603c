-- fct_orders: one fact per checkout: what was bought, paid and refunded.
-- Grain: one row per order.  Key: order_id.  Foreign key: customer_id -> dim_customer.
--
-- Reads stg_orders_sequenced, the orders numbered per customer by two transform steps
-- (row_number gives order_number, lag gives previous_ordered_at).
--   items_amount   sum of the lines after discount (what the basket was worth)
--   order_total    items_amount + shipping, as the shop charged it; 0 when cancelled
--   refund_amount  money paid back for returned lines (whenever they came back)
--   net_revenue    order_total - refund_amount: what the shop kept
WITH lines AS (
    SELECT
        order_id,
        count(*)                        AS lines,
        CAST(sum(quantity) AS BIGINT)   AS units,
        round(sum(gross_amount), 2)     AS gross_amount,
        round(sum(discount_amount), 2)  AS discount_amount,
        round(sum(line_amount), 2)      AS items_amount,
        round(sum(line_cost), 2)        AS items_cost
    FROM stg_order_items
    GROUP BY order_id
),
refunds AS (
    SELECT order_id, count(*) AS returned_lines, round(sum(refund_amount), 2) AS refund_amount
    FROM stg_returns
    GROUP BY order_id
)
SELECT
    o.order_id,
    o.customer_id,
    o.ordered_at,
    CAST(o.order_date AS DATE)                          AS order_date,
    o.status,
    o.is_cancelled,
    o.channel,
    o.payment_method,
    o.order_number,
    o.order_number = 1                                  AS is_first_order,
    date_diff('day', o.previous_ordered_at, o.ordered_at) AS days_since_previous_order,
    coalesce(l.lines, 0)                                AS lines,
    coalesce(l.units, 0)                                AS units,
    coalesce(l.gross_amount, 0)                         AS gross_amount,
    coalesce(l.discount_amount, 0)                      AS discount_amount,
    coalesce(l.items_amount, 0)                         AS items_amount,
    coalesce(l.items_cost, 0)                           AS items_cost,
    o.shipping_cost,
    o.order_total,
    coalesce(r.returned_lines, 0)                       AS returned_lines,
    coalesce(r.refund_amount, 0)                        AS refund_amount,
    round(o.order_total - coalesce(r.refund_amount, 0), 2) AS net_revenue
FROM stg_orders_sequenced AS o
LEFT JOIN lines AS l USING (order_id)
LEFT JOIN refunds AS r USING (order_id)
ORDER BY o.order_id
