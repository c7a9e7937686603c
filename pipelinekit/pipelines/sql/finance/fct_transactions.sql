-- fct_transactions: every transaction with its account's context, ready to aggregate.
-- Grain: one row per transaction.  Key: transaction_id.
-- Foreign key: account_id -> dim_account.
--
-- Sign convention (from the source): amount < 0 when money leaves the account, > 0 when
-- it arrives, in the account's currency. direction says the same in words and
-- amount_abs drops the sign for sizes. is_abroad compares where the customer was with
-- their home country; it is NULL for batch transactions, which have no location.
-- is_internal_transfer: the counterparty is an account of this bank (bank code PKIT).
SELECT
    t.transaction_id,
    t.account_id,
    a.customer_id,
    t.occurred_at,
    CAST(t.occurred_at AS DATE)                     AS occurred_date,
    t.transaction_type,
    CASE WHEN t.amount < 0 THEN 'out' ELSE 'in' END AS direction,
    t.amount,
    abs(t.amount)                                   AS amount_abs,
    a.currency,
    t.channel,
    t.merchant,
    t.merchant_category,
    t.counterparty,
    coalesce(substr(t.counterparty, 5, 4) = 'PKIT', false) AS is_internal_transfer,
    t.country,
    t.city,
    t.latitude,
    t.longitude,
    a.home_country,
    t.country <> a.home_country                     AS is_abroad,
    t.is_fraud,
    t.fraud_scenario
FROM stg_transactions AS t
LEFT JOIN dim_account AS a USING (account_id)
ORDER BY t.transaction_id
