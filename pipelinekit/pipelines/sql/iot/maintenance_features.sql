-- maintenance_features: the training table of a predictive-maintenance model: what a
-- machine looked like in an hour, and whether it failed within the next 7 days.
-- Grain: one row per device and hour with readings.  Key: (device_id, hour_start).
-- Foreign key: (device_id, hour_start) -> device_hourly_stats.
-- Label: fails_within_7_days.
--
-- Every feature is taken as of hour_end (hour_start + 1 hour), when the hour's readings
-- are all in and a prediction can be made:
--   hours_since_maintenance  hours from the end of the device's latest maintenance
--                            (planned or corrective) to hour_end; from its installation
--                            when no maintenance is recorded yet. An ASOF JOIN finds
--                            "the latest row at or before this time" per device.
--   maintenance_count        work orders finished by hour_end
--   age_years                time from installation to hour_end
--   vibration_mean_24h, temperature_mean_24h   rolling means from device_hourly_stats
--   anomalies_24h            readings flagged in anomaly_flags in the 24 hours up to
--                            the hour's end (this hour and the 23 before it)
--   under_maintenance        a work order (or the outage after a failure) overlaps the hour
--   failures_next_7_days     failures in (hour_end, hour_end + 7 days]; the label
--                            fails_within_7_days is failures_next_7_days > 0.
-- The label looks into the future on purpose, the features never do. At the end of the
-- data the next 7 days are not fully seen: a "no" there may be a failure we missed.
WITH done AS (
    -- maintenance as "finished at": one row per work order
    SELECT
        device_id,
        ended_at,
        row_number() OVER (PARTITION BY device_id ORDER BY ended_at) AS n
    FROM maintenance
),
outages AS (
    -- when each machine was off for work: planned from started_at, corrective from the
    -- failure (the machine stops when it breaks, not when the technician arrives)
    SELECT m.device_id, coalesce(f.failed_at, m.started_at) AS off_from, m.ended_at AS off_to
    FROM maintenance AS m
    LEFT JOIN failures AS f USING (maintenance_id)
),
hours AS (
    SELECT
        h.device_id,
        h.hour_start,
        h.hour_start + INTERVAL 1 HOUR  AS hour_end,
        h.readings,
        h.running_share,
        h.temperature_mean,
        h.vibration_mean,
        h.pressure_mean,
        h.power_mean,
        h.temperature_mean_24h,
        h.vibration_mean_24h,
        d.installed_at,
        d.rated_power_kw
    FROM device_hourly_stats AS h
    JOIN dim_device AS d USING (device_id)
),
flagged_hours AS (
    SELECT
        device_id,
        hour_start,
        sum(flagged) OVER (
            PARTITION BY device_id ORDER BY hour_start
            RANGE BETWEEN INTERVAL 23 HOURS PRECEDING AND CURRENT ROW
        ) AS anomalies_24h
    FROM (
        SELECT
            device_id,
            date_trunc('hour', read_at)             AS hour_start,
            count(*) FILTER (WHERE is_anomaly)      AS flagged
        FROM anomaly_flags
        GROUP BY ALL
    )
),
labels AS (
    SELECT h.device_id, h.hour_start, count(f.failure_id) AS failures_next_7_days
    FROM hours AS h
    LEFT JOIN failures AS f
        ON f.device_id = h.device_id
        AND f.failed_at > h.hour_end
        AND f.failed_at <= h.hour_end + INTERVAL 7 DAYS
    GROUP BY ALL
),
last_done AS (
    SELECT h.device_id, h.hour_start, m.ended_at AS last_maintenance_at, m.n AS maintenance_count
    FROM hours AS h
    ASOF LEFT JOIN done AS m
        ON m.device_id = h.device_id AND m.ended_at <= h.hour_end
)
SELECT
    h.device_id,
    h.hour_start,
    h.readings,
    h.running_share,
    h.temperature_mean,
    h.vibration_mean,
    h.pressure_mean,
    round(h.power_mean / h.rated_power_kw, 4)                           AS load_share,
    h.temperature_mean_24h,
    h.vibration_mean_24h,
    round(date_diff('minute', h.installed_at, h.hour_end) / (365.25 * 24 * 60), 3)
                                                                        AS age_years,
    round(
        date_diff('minute', coalesce(l.last_maintenance_at, h.installed_at), h.hour_end) / 60,
        2
    )                                                                   AS hours_since_maintenance,
    coalesce(l.maintenance_count, 0)                                    AS maintenance_count,
    CAST(coalesce(a.anomalies_24h, 0) AS BIGINT)                        AS anomalies_24h,
    EXISTS (
        SELECT 1 FROM outages AS o
        WHERE o.device_id = h.device_id AND o.off_from < h.hour_end AND o.off_to > h.hour_start
    )                                                                   AS under_maintenance,
    b.failures_next_7_days,
    b.failures_next_7_days > 0                                          AS fails_within_7_days
FROM hours AS h
LEFT JOIN last_done AS l USING (device_id, hour_start)
LEFT JOIN flagged_hours AS a USING (device_id, hour_start)
JOIN labels AS b USING (device_id, hour_start)
ORDER BY h.device_id, h.hour_start
