-- stg_returns: order lines sent back, with the refund and the day it was paid.
-- Grain: one row per returned order line.  Key: return_id.
SELECT
    return_id,
    order_id,
    line_number,
    returned_at,
    CAST(returned_at AS DATE)   AS return_date,
    CAST(reason AS VARCHAR)     AS reason,
    refund_amount
FROM returns
