-- stg_order_items: the lines of each order, with what each line costs and earns.
-- Grain: one row per order line.  Key: (order_id, line_number).
--
-- line_amount is what the customer pays for the line: quantity x unit price, less the
-- discount (a fraction, 0 to 0.3). It is not rounded here: the shop rounds the order's
-- total once, so rounding every line would drift from orders.order_total by a cent.
SELECT
    i.order_id,
    i.line_number,
    i.product_id,
    i.quantity,
    i.unit_price,
    i.discount,
    i.quantity * i.unit_price                       AS gross_amount,
    i.quantity * i.unit_price * i.discount          AS discount_amount,
    i.quantity * i.unit_price * (1 - i.discount)    AS line_amount,
    i.quantity * p.cost                             AS line_cost
FROM order_items AS i
LEFT JOIN products AS p USING (product_id)
