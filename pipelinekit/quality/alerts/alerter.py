"""Send the alerts of a quality run to every channel: grouped, rate-limited, retried, reported.

:class:`Alerter` is the one object a pipeline keeps. For each run it

1. groups the failed rules into alerts (:func:`~.message.build_alerts`, one per table
   by default), with what lies downstream when given a lineage graph;
2. skips a channel whose ``min_severity`` the alert does not reach (``filtered``);
3. holds back an alert sent to the same channel less than ``min_interval`` ago
   (``suppressed``; the next delivery says how often it came back);
4. tries each channel ``1 + retries`` times, waiting ``backoff``, ``2 * backoff``, ...
   between tries, unless the failure says trying again cannot help (a missing variable,
   a wrong password, HTTP 4xx);
5. returns a :class:`~.delivery.DeliveryReport` — it never raises for a channel that
   is down, so an alert can never crash the run it reports on.

Examples
--------
>>> import sys
>>> from datetime import datetime, timedelta, timezone
>>> from pipelinekit.quality.rule import Rule
>>> from pipelinekit.quality.result import Outcome, judge
>>> from pipelinekit.quality.alerts.console import ConsoleChannel
>>> now = [datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)]
>>> alerter = Alerter([ConsoleChannel()], clock=lambda: now[0])
>>> results = [judge(Rule("not_null", column="id", table="orders"),
...                  Outcome(rows=10, failing=2), sql="", engine="pandas")]
>>> report = alerter.send(results)
ERROR: 1 quality rule failed on orders
Checked 2024-05-01 09:00 UTC.
...
>>> print(report)
1 sent:
  console    sent        ERROR: 1 quality rule failed on orders (1 rule, 1 try)
>>> now[0] += timedelta(minutes=5)
>>> print(alerter.send(results))
1 suppressed:
  console    suppressed  ERROR: 1 quality rule failed on orders (1 rule): sent at 09:00 UTC; ...
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pipelinekit.errors import InvalidValueError, PipelinekitError
from pipelinekit.quality.alerts.channel import Channel, scrub
from pipelinekit.quality.alerts.delivery import Delivery, DeliveryReport
from pipelinekit.quality.alerts.message import (
    SEVERITY_RANK,
    Alert,
    build_alerts,
    check_group_by,
    check_severity,
    failed_results,
    results_of,
)
from pipelinekit.quality.alerts.throttle import Throttle
from pipelinekit.quality.rule import Severity

__all__ = ["Alerter"]

logger = logging.getLogger("pipelinekit.quality.alerts")


class Alerter:
    """Turns quality results into alerts and delivers them to channels.

    Parameters
    ----------
    channels : Channel or iterable of Channel
        Where alerts go (:class:`ConsoleChannel`, :class:`NotebookChannel`,
        :class:`EmailChannel`, :class:`SlackChannel`, or
        :func:`channels_from_config`). Names must differ.
    group_by : sequence of str
        How failures of one run are grouped into alerts (see
        :data:`~.message.GROUP_FIELDS`); ``()`` sends one alert per run.
    min_interval : timedelta
        The same alert (same group, same failed rules) goes to a channel at most once
        in this time.
    retries : int
        How many times a failed delivery is tried again (``1 + retries`` tries).
    backoff : float
        Seconds before the first retry; doubled before each next one.
    min_severity : {"warn", "error"}
        Failed rules below this severity make no alert at all.
    sample_rows : int
        Failing rows shown in an alert (0: none).
    state_path : path, optional
        A JSON file keeping the rate limit's memory between runs and processes.
    clock : callable, optional
        Returns the current time (timezone-aware); for tests and replays.
    sleep : callable, optional
        Waits between tries (``time.sleep`` by default); for tests.
    """

    def __init__(
        self,
        channels: Channel | Iterable[Channel],
        *,
        group_by: Iterable[str] = ("table",),
        min_interval: timedelta = timedelta(minutes=30),
        retries: int = 3,
        backoff: float = 0.5,
        min_severity: Severity = "warn",
        sample_rows: int = 3,
        state_path: str | os.PathLike[str] | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        self.channels = _check_channels(channels)
        self.group_by = check_group_by(tuple(group_by))
        self.min_severity = check_severity(min_severity)
        if not isinstance(min_interval, timedelta) or min_interval < timedelta(0):
            raise InvalidValueError(
                f"min_interval {min_interval!r}",
                "a timedelta of zero or more",
                "min_interval=timedelta(minutes=30)",
            )
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InvalidValueError(f"retries {retries!r}", "a whole number, 0 or more")
        if not isinstance(backoff, int | float) or backoff < 0:
            raise InvalidValueError(f"backoff {backoff!r}", "seconds, 0 or more")
        self.retries = retries
        self.backoff = float(backoff)
        self.sample_rows = sample_rows
        self.throttle = Throttle(min_interval, path=state_path)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.sleep = sleep or time.sleep
        self._loaded = False

    @property
    def min_interval(self) -> timedelta:
        return self.throttle.min_interval

    @classmethod
    def from_config(cls, mapping: Mapping[str, Any], **overrides: Any) -> Alerter:
        """An alerter from a configuration mapping (the ``alerts:`` block of a YAML file).

        See :func:`~.config.alerter_from_config`.
        """
        from pipelinekit.quality.alerts.config import alerter_from_config

        return alerter_from_config(mapping, **overrides)

    def send(self, report: Any, *, lineage: Any = None) -> DeliveryReport:
        """Alert every channel about the failures in ``report``; never raises for a channel.

        Parameters
        ----------
        report : QualityReport or list of RuleResult
            What :func:`pk.quality.check` returned (anything with ``.results``).
        lineage : LineageGraph, optional
            Lets the alerts say which datasets, columns and checks lie downstream.

        Returns
        -------
        DeliveryReport
            One :class:`~.delivery.Delivery` per alert and channel.
        """
        now = self.clock()
        now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)  # naive: UTC
        results = results_of(report)
        notes = self._load_memory()
        alerts = build_alerts(
            results,
            lineage=lineage,
            group_by=self.group_by,
            min_severity=self.min_severity,
            sample_rows=self.sample_rows,
            at=now,
        )
        left_out = len(failed_results(results)) - sum(len(a.results) for a in alerts)
        deliveries = [
            self._deliver(channel, alert, now) for alert in alerts for channel in self.channels
        ]
        problem = self.throttle.save(now)
        if problem:
            logger.warning("%s", problem)
            notes.append(problem)
        return DeliveryReport(alerts, deliveries, left_out=left_out, notes=notes)

    def _load_memory(self) -> list[str]:
        if self.throttle.path is None and self._loaded:
            return []
        self._loaded = True
        problem = self.throttle.load()
        if problem:
            logger.warning("%s", problem)
        return [problem] if problem else []

    def _deliver(self, channel: Channel, alert: Alert, now: datetime) -> Delivery:
        def delivery(status: Any, attempts: int = 0, reason: str = "") -> Delivery:
            return Delivery(
                channel.name,
                alert.title,
                alert.key,
                alert.severity,
                status,
                grouped=len(alert.results),
                attempts=attempts,
                reason=reason,
            )

        if SEVERITY_RANK[alert.severity] < SEVERITY_RANK[channel.min_severity]:
            return delivery("filtered", reason=f"below {channel.min_severity}")
        key = f"{channel.name}|{alert.key}"
        last = self.throttle.held_back(key, now)
        if last is not None:
            self.throttle.note_suppressed(key)
            until = last + self.throttle.min_interval
            reason = f"sent at {_hhmm(last)}; the same alert waits until {_hhmm(until)}"
            logger.info("alert held back on %s: %s (%s)", channel.name, alert.title, reason)
            return delivery("suppressed", reason=reason)
        repeats = self.throttle.repeats(key)
        if repeats:
            alert = _with_repeats(alert, repeats)
        attempts, problem = self._try(channel, alert)
        if problem is None:
            self.throttle.mark_sent(key, now)
            logger.info("alert sent to %s: %s", channel.name, alert.title)
            return delivery("sent", attempts)
        logger.warning("alert to %s failed after %d tries: %s", channel.name, attempts, problem)
        return delivery("failed", attempts, problem)

    def _try(self, channel: Channel, alert: Alert) -> tuple[int, str | None]:
        """Send with retries; ``(tries, None)`` on success, ``(tries, reason)`` on failure."""
        attempt = 0
        while True:
            attempt += 1
            try:
                channel.send(alert)
                return attempt, None
            except Exception as error:  # a channel must never crash the run
                reason = scrub(_reason(error), _secrets(channel))
                retryable = getattr(error, "retryable", True)
                if not retryable or attempt > self.retries:
                    return attempt, reason
                wait = self.backoff * 2 ** (attempt - 1)
                logger.info(
                    "alert to %s failed (try %d), again in %.2g s: %s",
                    channel.name,
                    attempt,
                    wait,
                    reason,
                )
                self.sleep(wait)

    def __repr__(self) -> str:
        names = ", ".join(
            f"{getattr(c, 'kind', '') or type(c).__name__}:{c.name}" for c in self.channels
        )
        return (
            f"Alerter([{names}], group_by={self.group_by!r}, min_interval={self.min_interval},"
            f" retries={self.retries}, min_severity={self.min_severity!r})"
        )


def _check_channels(channels: Channel | Iterable[Channel]) -> list[Channel]:
    items = [channels] if isinstance(channels, Channel) else list(channels)
    for item in items:
        if not (hasattr(item, "send") and hasattr(item, "name")):
            raise InvalidValueError(
                f"Alert channel {type(item).__name__}",
                "a channel: ConsoleChannel, NotebookChannel, EmailChannel or SlackChannel",
                "build channels from a config with channels_from_config(...)",
            )
        if not hasattr(item, "min_severity"):
            raise InvalidValueError(
                f"Alert channel {item.name!r} has no min_severity",
                "a channel with min_severity 'warn' or 'error'",
                "subclass pipelinekit.quality.alerts.Channel, which sets it",
            )
    names = [c.name for c in items]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InvalidValueError(
            f"Alert channels share the name {', '.join(map(repr, twice))}",
            "a different name per channel (the rate limit remembers deliveries by name)",
            "give each channel name='...'",
        )
    return items


def _secrets(channel: Channel) -> list[str]:
    try:
        return list(channel.secret_values())
    except Exception:  # reading the environment should not fail; never let it crash
        return []


def _reason(error: Exception) -> str:
    if isinstance(error, PipelinekitError):
        return error.one_line()
    return f"{type(error).__name__}: {error}"


def _with_repeats(alert: Alert, repeats: int) -> Alert:
    import dataclasses

    return dataclasses.replace(alert, repeats=repeats)


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M UTC")
