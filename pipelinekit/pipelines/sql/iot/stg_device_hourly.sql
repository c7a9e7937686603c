-- stg_device_hourly: each machine's readings summarised hour by hour; two transform
-- steps then add 24-hour rolling means and make it the mart device_hourly_stats.
-- Grain: one row per device and hour with at least one reading.
-- Key: (device_id, hour_start).  Foreign key: device_id -> devices.
--
-- date_trunc('hour', read_at) puts every reading in the hour it falls in (UTC).
-- readings counts rows; the mean/min/max/std of a metric skip its NULLs (removed
-- values), so they may rest on fewer readings. std is the sample standard deviation
-- (stddev_samp): NULL for an hour with one reading, as at the tiny scale (hourly clock).
-- running_share is the share of readings with the machine running.
SELECT
    device_id,
    date_trunc('hour', read_at)                     AS hour_start,
    count(*)                                        AS readings,
    round(avg(is_running::INTEGER), 4)              AS running_share,
    round(avg(temperature_c), 3)                    AS temperature_mean,
    min(temperature_c)                              AS temperature_min,
    max(temperature_c)                              AS temperature_max,
    round(stddev_samp(temperature_c), 4)            AS temperature_std,
    round(avg(vibration_mm_s), 4)                   AS vibration_mean,
    min(vibration_mm_s)                             AS vibration_min,
    max(vibration_mm_s)                             AS vibration_max,
    round(stddev_samp(vibration_mm_s), 4)           AS vibration_std,
    round(avg(pressure_kpa), 2)                     AS pressure_mean,
    min(pressure_kpa)                               AS pressure_min,
    max(pressure_kpa)                               AS pressure_max,
    round(stddev_samp(pressure_kpa), 3)             AS pressure_std,
    round(avg(power_kw), 3)                         AS power_mean,
    round(avg(humidity_pct), 2)                     AS humidity_mean
FROM readings_clean
GROUP BY ALL
ORDER BY device_id, hour_start
