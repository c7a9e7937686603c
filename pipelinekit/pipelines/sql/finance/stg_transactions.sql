-- stg_transactions: money in and out of the accounts, tidied for the marts.
-- Grain: one row per transaction.  Key: transaction_id.
--
-- Categories become plain text, and a transaction delivered twice (a retried load) is
-- kept once: QUALIFY keeps the first copy to arrive (the smallest loaded_at).
SELECT
    transaction_id,
    account_id,
    occurred_at,
    CAST(transaction_type AS VARCHAR)   AS transaction_type,
    amount,
    CAST(channel AS VARCHAR)            AS channel,
    merchant,
    CAST(merchant_category AS VARCHAR)  AS merchant_category,
    counterparty,
    CAST(country AS VARCHAR)            AS country,
    city,
    latitude,
    longitude,
    is_fraud,
    CAST(fraud_scenario AS VARCHAR)     AS fraud_scenario,
    loaded_at
FROM transactions
QUALIFY row_number() OVER (PARTITION BY transaction_id ORDER BY loaded_at, occurred_at) = 1
