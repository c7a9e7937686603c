-- customer_rfm: Recency, Frequency and Monetary value of every buying customer, scored
-- 1 to 5 by quintile, with a segment a marketing team can act on.
-- Grain: one row per customer with at least one placed (not cancelled) order.
-- Key: customer_id.  Foreign key: customer_id -> dim_customer.
--
--   as_of_date    the day after the last order in the data, so a rerun on the same data
--                 gives the same answer (CURRENT_DATE would change it every day)
--   recency_days  days from the customer's last order to as_of_date (small is good)
--   frequency     placed orders
--   monetary      net revenue of those orders (order totals less refunds)
-- Scores: ntile(5) splits the customers, in order, into five groups of (nearly) equal
-- size. Recency is ordered newest-last so the most recent fifth scores 5; frequency and
-- monetary are ordered smallest-first so the biggest fifth scores 5. ntile cuts by row
-- count, not by value: customers with equal frequency can land in neighbouring groups
-- (customer_id breaks the tie, so the result does not change from run to run).
WITH as_of AS (
    SELECT CAST(max(order_date) AS DATE) + 1 AS as_of_date FROM fct_orders
),
customers AS (
    SELECT
        f.customer_id,
        CAST(max(f.order_date) AS DATE)                     AS last_order_date,
        a.as_of_date - CAST(max(f.order_date) AS DATE)      AS recency_days,
        count(*)                                            AS frequency,
        round(sum(f.net_revenue), 2)                        AS monetary
    FROM fct_orders AS f
    CROSS JOIN as_of AS a
    WHERE NOT f.is_cancelled
    GROUP BY f.customer_id, a.as_of_date
),
scored AS (
    SELECT
        *,
        ntile(5) OVER (ORDER BY recency_days DESC, customer_id)    AS r_score,
        ntile(5) OVER (ORDER BY frequency, customer_id)            AS f_score,
        ntile(5) OVER (ORDER BY monetary, customer_id)             AS m_score
    FROM customers
)
SELECT
    customer_id,
    last_order_date,
    recency_days,
    frequency,
    monetary,
    r_score,
    f_score,
    m_score,
    concat(r_score, f_score, m_score)       AS rfm_cell,
    CASE
        WHEN r_score >= 4 AND f_score >= 4 THEN 'champions'
        WHEN r_score >= 3 AND f_score >= 3 THEN 'loyal'
        WHEN r_score >= 4                  THEN 'new'
        WHEN r_score <= 2 AND f_score >= 3 THEN 'at_risk'
        WHEN r_score <= 2                  THEN 'hibernating'
        ELSE 'needs_attention'
    END                                     AS segment
FROM scored
ORDER BY customer_id
