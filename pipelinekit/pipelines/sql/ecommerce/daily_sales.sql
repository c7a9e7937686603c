-- daily_sales: the shop's takings day by day, days without orders included.
-- Grain: one row per calendar day from the first order (or return) to the last.
-- Key: sales_date.
--
--   orders        placed (not cancelled) orders of the day
--   revenue       sum of their order_total (lines after discount + shipping)
--   refunds       refunds of returns that arrived that day (money leaves when the
--                 parcel comes back, not when the order was placed)
--   net_revenue   revenue - refunds
-- A calendar "spine" (generate_series) makes the days without sales show as zeros
-- instead of missing rows, which a chart or a moving average needs.
WITH days_seen AS (
    SELECT CAST(order_date AS DATE) AS day FROM fct_orders
    UNION ALL
    SELECT CAST(return_date AS DATE) FROM stg_returns
),
calendar AS (
    -- generate_series(first, last, step) is a list of days; unnest makes it rows.
    SELECT CAST(unnest(generate_series(min(day), max(day), INTERVAL 1 DAY)) AS DATE) AS sales_date
    FROM days_seen
),
sales AS (
    SELECT
        CAST(order_date AS DATE)        AS sales_date,
        count(*)                        AS orders,
        count(DISTINCT customer_id)     AS customers,
        CAST(sum(units) AS BIGINT)      AS units,
        sum(items_amount)               AS items_revenue,
        sum(shipping_cost)              AS shipping_revenue,
        sum(order_total)                AS revenue
    FROM fct_orders
    WHERE NOT is_cancelled
    GROUP BY ALL
),
cancellations AS (
    SELECT CAST(order_date AS DATE) AS sales_date, count(*) AS cancelled_orders
    FROM fct_orders
    WHERE is_cancelled
    GROUP BY ALL
),
refunds AS (
    SELECT CAST(return_date AS DATE) AS sales_date, count(*) AS returned_lines,
           sum(refund_amount) AS refunds
    FROM stg_returns
    GROUP BY ALL
)
SELECT
    c.sales_date,
    coalesce(s.orders, 0)                                   AS orders,
    coalesce(x.cancelled_orders, 0)                         AS cancelled_orders,
    coalesce(s.customers, 0)                                AS customers,
    coalesce(s.units, 0)                                    AS units,
    round(coalesce(s.items_revenue, 0), 2)                  AS items_revenue,
    round(coalesce(s.shipping_revenue, 0), 2)               AS shipping_revenue,
    round(coalesce(s.revenue, 0), 2)                        AS revenue,
    round(s.revenue / s.orders, 2)                          AS average_order_value,
    coalesce(r.returned_lines, 0)                           AS returned_lines,
    round(coalesce(r.refunds, 0), 2)                        AS refunds,
    round(coalesce(s.revenue, 0) - coalesce(r.refunds, 0), 2) AS net_revenue
FROM calendar AS c
LEFT JOIN sales AS s USING (sales_date)
LEFT JOIN cancellations AS x USING (sales_date)
LEFT JOIN refunds AS r USING (sales_date)
ORDER BY c.sales_date
