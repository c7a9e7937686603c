-- readings_clean: sensor readings a downstream table can trust.
-- Grain: one row per device and clock tick.  Key: (device_id, read_at).
-- Foreign key: device_id -> devices.
--
-- Three cleaning rules, each visible in the query:
--   1. readings of devices the registry does not know are dropped (the inner JOIN);
--   2. a reading delivered twice is kept once: the first copy to arrive (QUALIFY);
--   3. physically impossible values become NULL, the rest of the reading stays:
--        temperature_c    -40 to 150 degC       vibration_mm_s   0 to 100 mm/s
--        pressure_kpa     0 to 10,000 kPa       power_kw         0 to 1.5 x rated power
--        humidity_pct     above 0, up to 100 %  (a sensor reading 0 % is broken)
--      values_removed counts how many of the five were removed.
-- is_running: the machine draws at least 10 % of its rated power; while it is off
-- (a failure, a repair, planned maintenance) power is near zero and vibration 0.05.
WITH deduplicated AS (
    SELECT r.*, d.rated_power_kw
    FROM readings AS r
    JOIN devices AS d USING (device_id)
    QUALIFY row_number() OVER (PARTITION BY r.device_id, r.read_at ORDER BY r.loaded_at) = 1
),
checked AS (
    -- true where a value is impossible; NULL where it is missing (NULL compares to NULL)
    SELECT
        *,
        NOT temperature_c BETWEEN -40 AND 150           AS bad_temperature,
        NOT vibration_mm_s BETWEEN 0 AND 100            AS bad_vibration,
        NOT pressure_kpa BETWEEN 0 AND 10000            AS bad_pressure,
        NOT power_kw BETWEEN 0 AND 1.5 * rated_power_kw AS bad_power,
        NOT (humidity_pct > 0 AND humidity_pct <= 100)  AS bad_humidity
    FROM deduplicated
)
SELECT
    device_id,
    read_at,
    CASE WHEN NOT bad_temperature THEN temperature_c END    AS temperature_c,
    CASE WHEN NOT bad_vibration THEN vibration_mm_s END     AS vibration_mm_s,
    CASE WHEN NOT bad_pressure THEN pressure_kpa END        AS pressure_kpa,
    CASE WHEN NOT bad_power THEN power_kw END               AS power_kw,
    CASE WHEN NOT bad_humidity THEN humidity_pct END        AS humidity_pct,
    NOT bad_power AND power_kw >= 0.1 * rated_power_kw      AS is_running,
    coalesce(bad_temperature, false)::INTEGER + coalesce(bad_vibration, false)::INTEGER
        + coalesce(bad_pressure, false)::INTEGER + coalesce(bad_power, false)::INTEGER
        + coalesce(bad_humidity, false)::INTEGER            AS values_removed,
    loaded_at
FROM checked
ORDER BY device_id, read_at
