-- daily_account_balances: each account's money in, money out and closing balance on
-- every day it moved.
-- Grain: one row per account and day with at least one transaction.
-- Key: (account_id, balance_date).  Foreign key: account_id -> dim_account.
--
-- closing_balance is a running sum of the signed amounts:
--     SUM(net_change) OVER (PARTITION BY account_id ORDER BY balance_date
--                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
-- so it starts from 0 before the account's first transaction in the data (the data has
-- no opening balances) and the last row of an account equals the sum of all its
-- amounts. Days without transactions have no row: the balance is the one of the
-- latest day before (pk.transforms.fill_gaps can add those days back).
WITH days AS (
    SELECT
        account_id,
        CAST(occurred_date AS DATE)                         AS balance_date,
        count(*)                                            AS transactions,
        sum(CASE WHEN amount > 0 THEN amount ELSE 0 END)    AS money_in,
        sum(CASE WHEN amount < 0 THEN -amount ELSE 0 END)   AS money_out,
        sum(amount)                                         AS net_change
    FROM fct_transactions
    GROUP BY ALL
)
SELECT
    account_id,
    balance_date,
    transactions,
    round(money_in, 2)      AS money_in,
    round(money_out, 2)     AS money_out,
    round(net_change, 2)    AS net_change,
    round(
        sum(net_change) OVER (
            PARTITION BY account_id ORDER BY balance_date
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ),
        2
    )                       AS closing_balance
FROM days
ORDER BY account_id, balance_date
