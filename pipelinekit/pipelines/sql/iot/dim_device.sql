-- dim_device: the monitored machines with the site they run at.
-- Grain: one row per device.  Key: device_id.
--
-- The site's name, country and time zone are copied onto the device (denormalised), so
-- a fact joined to dim_device needs no second join to know where a machine is.
SELECT
    d.device_id,
    CAST(d.device_type AS VARCHAR)  AS device_type,
    d.manufacturer,
    d.model,
    d.rated_power_kw,
    d.installed_at,
    d.site_id,
    s.name                          AS site_name,
    s.city                          AS site_city,
    CAST(s.country AS VARCHAR)      AS site_country,
    s.timezone                      AS site_timezone
FROM devices AS d
LEFT JOIN sites AS s USING (site_id)
ORDER BY d.device_id
