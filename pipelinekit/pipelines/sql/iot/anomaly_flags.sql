-- anomaly_flags: readings that stand out from the machine's own recent behaviour.
-- Grain: one row per reading.  Key: (device_id, read_at).
-- Foreign key: (device_id, read_at) -> readings_clean.
--
-- For temperature, vibration and pressure, the z-score of a reading compares it with a
-- rolling baseline: the mean and standard deviation of the same device's readings in
-- the 24 hours before it, while running (the current reading is excluded, or a spike
-- would pull its own baseline towards it):
--
--     z = (value - baseline_mean) / baseline_std
--
-- A metric is flagged when |z| > 4 (z_threshold in the settings CTE), and only with a
-- baseline of at least 12 readings (min_baseline). Readings of a machine that is off
-- (failure, repair, planned maintenance) are neither scored nor part of any baseline:
-- "off" is a state, not a sensor fault. is_anomaly is true when any metric is flagged.
-- A rolling baseline adapts: it flags the start of a level shift, then learns the new
-- level within a day; a slow drift may never stand out. Compare with the anomalies
-- table (the answer key) to see what this simple detector catches.
WITH settings AS (
    SELECT 4.0 AS z_threshold, 12 AS min_baseline
),
running AS (
    SELECT
        device_id,
        read_at,
        temperature_c,
        vibration_mm_s,
        pressure_kpa,
        count(*) OVER baseline                   AS baseline_readings,
        avg(temperature_c) OVER baseline         AS temperature_mean,
        stddev_samp(temperature_c) OVER baseline AS temperature_std,
        avg(vibration_mm_s) OVER baseline        AS vibration_mean,
        stddev_samp(vibration_mm_s) OVER baseline AS vibration_std,
        avg(pressure_kpa) OVER baseline          AS pressure_mean,
        stddev_samp(pressure_kpa) OVER baseline  AS pressure_std
    FROM readings_clean
    WHERE is_running
    WINDOW baseline AS (
        PARTITION BY device_id ORDER BY read_at
        RANGE BETWEEN INTERVAL 24 HOURS PRECEDING AND CURRENT ROW
        EXCLUDE CURRENT ROW
    )
),
scored AS (
    SELECT
        device_id,
        read_at,
        baseline_readings,
        round((temperature_c - temperature_mean) / nullif(temperature_std, 0), 3)   AS temperature_z,
        round((vibration_mm_s - vibration_mean) / nullif(vibration_std, 0), 3)      AS vibration_z,
        round((pressure_kpa - pressure_mean) / nullif(pressure_std, 0), 3)          AS pressure_z
    FROM running, settings
    WHERE baseline_readings >= min_baseline
)
SELECT
    r.device_id,
    r.read_at,
    r.is_running,
    coalesce(s.baseline_readings, 0)                            AS baseline_readings,
    s.temperature_z,
    s.vibration_z,
    s.pressure_z,
    coalesce(abs(s.temperature_z) > t.z_threshold, false)       AS temperature_flag,
    coalesce(abs(s.vibration_z) > t.z_threshold, false)         AS vibration_flag,
    coalesce(abs(s.pressure_z) > t.z_threshold, false)          AS pressure_flag,
    coalesce(
        abs(s.temperature_z) > t.z_threshold
        OR abs(s.vibration_z) > t.z_threshold
        OR abs(s.pressure_z) > t.z_threshold,
        false
    )                                                           AS is_anomaly
FROM readings_clean AS r
LEFT JOIN scored AS s USING (device_id, read_at)
CROSS JOIN settings AS t
ORDER BY r.device_id, r.read_at
