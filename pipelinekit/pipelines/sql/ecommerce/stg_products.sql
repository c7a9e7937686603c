-- stg_products: the catalogue, tidied for the marts.
-- Grain: one row per product.  Key: product_id.
SELECT
    product_id,
    sku,
    name                        AS product_name,
    CAST(category AS VARCHAR)   AS category,
    subcategory,
    brand,
    price,
    cost,
    CAST(launched_on AS DATE)   AS launched_on
FROM products
