-- stg_customers: the shop's customers, tidied for the marts.
-- Grain: one row per customer.  Key: customer_id.
--
-- Staging tables only clean and rename; they never aggregate. Here: names and e-mail
-- addresses lose stray spaces, e-mails are lower case, and the country (a category in
-- the source) becomes plain text so every database can store it.
SELECT
    customer_id,
    trim(first_name)            AS first_name,
    trim(last_name)             AS last_name,
    lower(trim(email))          AS email,
    city,
    CAST(country AS VARCHAR)    AS country,
    birth_year,
    signed_up_at
FROM customers
