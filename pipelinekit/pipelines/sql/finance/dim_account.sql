-- dim_account: the bank's accounts with what we know of their holder.
-- Grain: one row per account (dormant ones included).  Key: account_id.
--
-- The holder's home country and segment are copied onto the account (denormalised),
-- so a fact joined to dim_account needs no second join to reach them.
SELECT
    a.account_id,
    a.account_number,
    CAST(a.account_type AS VARCHAR)     AS account_type,
    CAST(a.currency AS VARCHAR)         AS currency,
    a.opened_at,
    CAST(a.status AS VARCHAR)           AS status,
    a.customer_id,
    CAST(c.country AS VARCHAR)          AS home_country,
    c.city                              AS home_city,
    CAST(c.segment AS VARCHAR)          AS segment,
    c.joined_at                         AS customer_joined_at
FROM accounts AS a
LEFT JOIN customers AS c USING (customer_id)
ORDER BY a.account_id
