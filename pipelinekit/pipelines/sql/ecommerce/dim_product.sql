-- dim_product: the catalogue with each product's margin.
-- Grain: one row per product.  Key: product_id.
--
-- margin = list price - unit cost; margin_share = margin / price (0.4 is 40 %).
SELECT
    product_id,
    sku,
    product_name,
    category,
    subcategory,
    brand,
    price,
    cost,
    round(price - cost, 2)                      AS margin,
    round((price - cost) / nullif(price, 0), 4) AS margin_share,
    launched_on
FROM stg_products
