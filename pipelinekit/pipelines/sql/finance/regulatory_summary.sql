-- regulatory_summary: the monthly figures a supervisor asks for, per country.
-- Grain: one row per month, home country of the account holder and currency.
-- Key: (month, country).
--
--   transactions, money_in, money_out   all transactions of the month (money_out > 0)
--   large_transactions, large_amount    transactions of at least large_threshold in the
--                                       account's currency (in either direction)
--   cross_border_transactions           made in another country than the holder's home
--   fraud_transactions, fraud_amount    confirmed fraud (is_fraud)
--   fraud_share                         fraud_transactions / transactions
-- The country is the account holder's home country, so every row has one currency
-- (accounts are held in the home country's currency): sums never mix EUR with USD.
-- The threshold lives in one place, the settings CTE: change it there.
WITH settings AS (
    SELECT 5000.0 AS large_threshold
)
SELECT
    CAST(date_trunc('month', t.occurred_at) AS DATE)                AS month,
    t.home_country                                                  AS country,
    t.currency,
    count(*)                                                        AS transactions,
    round(coalesce(sum(t.amount) FILTER (WHERE t.amount > 0), 0), 2)    AS money_in,
    round(coalesce(-sum(t.amount) FILTER (WHERE t.amount < 0), 0), 2)   AS money_out,
    count(*) FILTER (WHERE t.amount_abs >= s.large_threshold)       AS large_transactions,
    round(coalesce(sum(t.amount_abs) FILTER (WHERE t.amount_abs >= s.large_threshold), 0), 2)
                                                                    AS large_amount,
    count(*) FILTER (WHERE t.is_abroad)                             AS cross_border_transactions,
    count(*) FILTER (WHERE t.is_fraud)                              AS fraud_transactions,
    round(coalesce(sum(t.amount_abs) FILTER (WHERE t.is_fraud), 0), 2) AS fraud_amount,
    round(count(*) FILTER (WHERE t.is_fraud) / count(*), 6)         AS fraud_share,
    any_value(s.large_threshold)                                    AS large_threshold
FROM fct_transactions AS t
CROSS JOIN settings AS s
GROUP BY ALL
ORDER BY month, country
