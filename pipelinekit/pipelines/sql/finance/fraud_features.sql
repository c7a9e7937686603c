-- fraud_features: what a fraud model (or a rule) can know about a transaction at the
-- moment it happens, computed from the account's earlier transactions only.
-- Grain: one row per transaction.  Key: transaction_id.
-- Foreign key: transaction_id -> fct_transactions.  Label: is_fraud.
--
--   seconds_since_previous   time since the account's previous transaction (lag)
--   amount_zscore            (amount_abs - mean) / standard deviation of the account's
--                            earlier transactions in the same direction (payments are
--                            compared with payments, salaries with money coming in);
--                            NULL until there are 3 of them
--   transactions_last_hour   the account's transactions in the hour up to this one,
--   transactions_last_day    and in the day up to it (this one included; RANGE frames
--                            compare timestamps, ROWS frames would count rows)
--   amount_last_day          the money moved (either way) in that day
--   is_new_country           a location this account has never been used in before,
--                            for an account already used somewhere else
--   is_abroad, is_night_utc  away from the home country; between 00:00 and 05:59 UTC
-- Only the past is used (frames end at 1 PRECEDING or CURRENT ROW): a feature that peeks
-- at later rows would leak the future into training and fail in production.
WITH features AS (
    SELECT
        transaction_id,
        account_id,
        occurred_at,
        amount,
        amount_abs,
        direction,
        transaction_type,
        channel,
        country,
        is_abroad,
        is_fraud,
        fraud_scenario,
        date_diff('second', lag(occurred_at) OVER account_history, occurred_at)
                                                        AS seconds_since_previous,
        avg(amount_abs) OVER direction_history          AS history_mean,
        stddev_samp(amount_abs) OVER direction_history  AS history_std,
        count(*) OVER direction_history                 AS history_transactions,
        count(*) OVER last_hour                         AS transactions_last_hour,
        count(*) OVER last_day                          AS transactions_last_day,
        round(sum(amount_abs) OVER last_day, 2)         AS amount_last_day,
        count(country) OVER earlier_rows                AS earlier_located,
        count(*) OVER earlier_in_country                AS earlier_in_country
    FROM fct_transactions
    WINDOW
        account_history AS (PARTITION BY account_id ORDER BY occurred_at, transaction_id),
        earlier_rows AS (
            PARTITION BY account_id ORDER BY occurred_at, transaction_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ),
        earlier_in_country AS (
            PARTITION BY account_id, country ORDER BY occurred_at, transaction_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ),
        direction_history AS (
            PARTITION BY account_id, direction ORDER BY occurred_at, transaction_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ),
        last_hour AS (
            PARTITION BY account_id ORDER BY occurred_at
            RANGE BETWEEN INTERVAL 1 HOUR PRECEDING AND CURRENT ROW
        ),
        last_day AS (
            PARTITION BY account_id ORDER BY occurred_at
            RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND CURRENT ROW
        )
)
SELECT
    transaction_id,
    account_id,
    occurred_at,
    amount,
    transaction_type,
    channel,
    country,
    seconds_since_previous,
    CASE
        WHEN history_transactions >= 3 AND history_std > 0
        THEN round((amount_abs - history_mean) / history_std, 4)
    END                                                 AS amount_zscore,
    transactions_last_hour,
    transactions_last_day,
    amount_last_day,
    country IS NOT NULL AND earlier_located > 0 AND earlier_in_country = 0
                                                        AS is_new_country,
    coalesce(is_abroad, false)                          AS is_abroad,
    hour(occurred_at) BETWEEN 0 AND 5                   AS is_night_utc,
    is_fraud,
    fraud_scenario
FROM features
ORDER BY transaction_id
