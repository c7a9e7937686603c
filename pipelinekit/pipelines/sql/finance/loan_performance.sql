-- loan_performance: how each loan has been repaid, next to what was known when it was
-- granted: the table a credit-scoring model is trained on.
-- Grain: one row per loan.  Key: loan_id.  Label: defaulted.
--
-- From the instalments that fell due (loan_payments, up to 2025-12-31):
--   instalments_on_time / _late / _missed   counts by how they were paid
--   on_time_ratio    on-time instalments / instalments due
--   paid_ratio       amount paid / amount due (a missed instalment pays 0)
--   average_days_late  mean delay of the late ones
--   longest_arrears_run, arrears_at_end     from stg_loan_arrears (a Python step:
--                    the longest run of instalments in a row not paid on time, and how
--                    many of the last instalments were not)
-- Careful: the repayment columns describe what happened *after* the loan was granted.
-- A model that predicts default at application may use only the application columns
-- (credit_score, debt_to_income, ...); the repayment ones are for monitoring.
WITH repayments AS (
    SELECT
        loan_id,
        count(*)                                            AS instalments_due,
        count(*) FILTER (WHERE status = 'on_time')          AS instalments_on_time,
        count(*) FILTER (WHERE status = 'late')             AS instalments_late,
        count(*) FILTER (WHERE status = 'missed')           AS instalments_missed,
        sum(amount_due)                                     AS amount_due,
        sum(amount_paid)                                    AS amount_paid,
        avg(date_diff('day', due_date, paid_date)) FILTER (WHERE status = 'late')
                                                            AS average_days_late,
        CAST(max(due_date) AS DATE)                         AS last_due_date
    FROM loan_payments
    GROUP BY loan_id
)
SELECT
    l.loan_id,
    l.customer_id,
    CAST(l.purpose AS VARCHAR)                              AS purpose,
    l.principal,
    l.interest_rate,
    l.term_months,
    CAST(l.start_date AS DATE)                              AS start_date,
    l.annual_income,
    l.credit_score,
    l.debt_to_income,
    l.employment_years,
    round(l.principal / l.annual_income, 4)                 AS principal_to_income,
    coalesce(r.instalments_due, 0)                          AS instalments_due,
    coalesce(r.instalments_on_time, 0)                      AS instalments_on_time,
    coalesce(r.instalments_late, 0)                         AS instalments_late,
    coalesce(r.instalments_missed, 0)                       AS instalments_missed,
    round(r.instalments_on_time / r.instalments_due, 4)     AS on_time_ratio,
    round(r.amount_due, 2)                                  AS amount_due,
    round(r.amount_paid, 2)                                 AS amount_paid,
    round(r.amount_paid / r.amount_due, 4)                  AS paid_ratio,
    round(r.average_days_late, 2)                           AS average_days_late,
    r.last_due_date,
    coalesce(a.longest_arrears_run, 0)                      AS longest_arrears_run,
    coalesce(a.arrears_at_end, 0)                           AS arrears_at_end,
    CAST(l.status AS VARCHAR)                               AS status,
    l.defaulted
FROM loans AS l
LEFT JOIN repayments AS r USING (loan_id)
LEFT JOIN stg_loan_arrears AS a USING (loan_id)
ORDER BY l.loan_id
