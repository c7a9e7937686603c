-- customer_lifetime_value: a simple, transparent estimate of what each buying customer
-- is worth over their life with the shop.
-- Grain: one row per customer with at least one placed (not cancelled) order.
-- Key: customer_id.  Foreign key: customer_id -> dim_customer.
--
-- The formula (the textbook "historic" CLV, in revenue, not profit):
--
--     clv = average_order_value x orders_per_year x expected_lifetime_years
--
--   average_order_value      net revenue / placed orders (refunds taken off)
--   orders_per_year          placed orders / tenure_years, where tenure_years runs from
--                            sign-up to as_of_date (at least 30 days, so a customer who
--                            signed up yesterday does not get 365 orders a year)
--   expected_lifetime_years  3: an assumption, the same for everyone; change it here
--   as_of_date               the day after the last order in the data (as in customer_rfm)
-- The model ignores churn, margins and discounting; it ranks customers, it does not
-- forecast cash. A probabilistic model (BG/NBD with Gamma-Gamma) is the next step.
WITH settings AS (
    SELECT 3.0 AS expected_lifetime_years
),
as_of AS (
    SELECT CAST(max(order_date) AS DATE) + 1 AS as_of_date FROM fct_orders
),
purchases AS (
    SELECT
        customer_id,
        CAST(min(order_date) AS DATE)   AS first_order_date,
        CAST(max(order_date) AS DATE)   AS last_order_date,
        count(*)            AS orders,
        sum(net_revenue)    AS net_revenue
    FROM fct_orders
    WHERE NOT is_cancelled
    GROUP BY customer_id
),
measured AS (
    SELECT
        p.customer_id,
        p.first_order_date,
        p.last_order_date,
        p.orders,
        p.net_revenue,
        p.net_revenue / p.orders                                        AS average_order_value,
        greatest(a.as_of_date - CAST(d.signed_up_at AS DATE), 30) / 365.25 AS tenure_years,
        s.expected_lifetime_years
    FROM purchases AS p
    JOIN dim_customer AS d USING (customer_id)
    CROSS JOIN as_of AS a
    CROSS JOIN settings AS s
)
SELECT
    customer_id,
    first_order_date,
    last_order_date,
    orders,
    round(net_revenue, 2)                                   AS net_revenue,
    round(average_order_value, 2)                           AS average_order_value,
    round(tenure_years, 4)                                  AS tenure_years,
    round(orders / tenure_years, 4)                         AS orders_per_year,
    expected_lifetime_years,
    round(average_order_value * (orders / tenure_years) * expected_lifetime_years, 2) AS clv
FROM measured
ORDER BY customer_id
