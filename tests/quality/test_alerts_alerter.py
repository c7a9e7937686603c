"""The Alerter: grouping, rate limiting with an injected clock, severity filters, retries, memory.

A small recording channel stands in for the real ones here (those are tested against
real servers in test_alerts_channels.py).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.alerts import (
    Alert,
    Alerter,
    Channel,
    ChannelError,
    ConsoleChannel,
    DeliveryError,
)
from pipelinekit.quality.result import Outcome, RuleResult, judge
from pipelinekit.quality.rule import Rule, Severity

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@dataclasses.dataclass(frozen=True)
class Recorder(Channel):
    """Keeps what it is sent; fails the first ``fail_first`` tries with ``error``."""

    kind: ClassVar[str] = "recorder"
    inbox: list[Alert] = dataclasses.field(default_factory=list, repr=False)
    name: str = "recorder"
    min_severity: Severity = "warn"
    fail_first: int = 0
    error: Exception = dataclasses.field(default_factory=lambda: ChannelError("down"))
    secret: str = ""
    tries: list[int] = dataclasses.field(default_factory=list, repr=False)

    def send(self, alert: Alert) -> None:
        self.tries.append(1)
        if len(self.tries) <= self.fail_first:
            raise self.error
        self.inbox.append(alert)

    def secret_values(self) -> list[str]:
        return [self.secret]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def failing(column: str, table: str = "orders", severity: Severity = "error") -> RuleResult:
    rule = Rule("not_null", column=column, table=table, severity=severity)
    return judge(rule, Outcome(rows=100, failing=4), sql="", engine="pandas")


def alerter(channels: Any, clock: Clock | None = None, **options: Any) -> Alerter:
    return Alerter(channels, clock=clock or Clock(), sleep=lambda _: None, **options)


def test_failures_are_grouped_into_one_alert_per_table() -> None:
    inbox = Recorder()
    results = [failing("id"), failing("amount"), failing("email", table="customers")]
    report = alerter([inbox]).send(results)
    assert [a.title for a in inbox.inbox] == [
        "ERROR: 2 quality rules failed on orders",
        "ERROR: 1 quality rule failed on customers",
    ]
    assert [(d.status, d.grouped) for d in report.deliveries] == [("sent", 2), ("sent", 1)]
    assert report.ok and len(report.sent) == 2


def test_grouping_everything_into_one_alert_per_run() -> None:
    inbox = Recorder()
    results = [failing("id"), failing("email", table="customers")]
    alerter([inbox], group_by=()).send(results)
    [alert] = inbox.inbox
    assert alert.title == "ERROR: 2 quality rules failed on 2 tables (orders, customers)"


def test_the_same_alert_is_held_back_within_the_interval_then_sent_with_a_count() -> None:
    clock, inbox = Clock(), Recorder()
    watch = alerter([inbox], clock, min_interval=timedelta(minutes=30))
    results = [failing("id")]

    assert [d.status for d in watch.send(results).deliveries] == ["sent"]
    clock.now = T0 + timedelta(minutes=10)
    [held] = watch.send(results).deliveries
    assert held.status == "suppressed"
    assert held.reason == "sent at 09:00 UTC; the same alert waits until 09:30 UTC"
    clock.now = T0 + timedelta(minutes=20)
    assert watch.send(results).deliveries[0].status == "suppressed"
    clock.now = T0 + timedelta(minutes=31)
    assert [d.status for d in watch.send(results).deliveries] == ["sent"]

    first, again = inbox.inbox
    assert first.repeats == 0 and again.repeats == 2
    assert "The same failures came back 2 more times since this alert was last sent." in (
        again.text()
    )
    clock.now = T0 + timedelta(minutes=40)
    assert watch.send(results).deliveries[0].status == "suppressed"  # counted from 09:31


def test_a_clock_without_time_zone_is_taken_as_utc() -> None:
    clock, inbox = Clock(), Recorder()
    clock.now = T0.replace(tzinfo=None)
    watch = alerter([inbox], clock)
    watch.send([failing("id")])
    assert inbox.inbox[0].text().splitlines()[1] == "Checked 2024-05-01 09:00 UTC."
    clock.now += timedelta(minutes=5)
    assert watch.send([failing("id")]).deliveries[0].status == "suppressed"


def test_a_different_set_of_failed_rules_is_a_new_alert() -> None:
    clock, inbox = Clock(), Recorder()
    watch = alerter([inbox], clock)
    watch.send([failing("id")])
    clock.now = T0 + timedelta(minutes=1)
    report = watch.send([failing("id"), failing("amount")])
    assert [d.status for d in report.deliveries] == ["sent"]
    assert len(inbox.inbox) == 2


def test_a_failed_delivery_is_not_remembered_so_the_next_run_tries_again() -> None:
    clock = Clock()
    flaky = Recorder(fail_first=1)
    watch = alerter([flaky], clock, retries=0)
    assert watch.send([failing("id")]).deliveries[0].status == "failed"
    clock.now = T0 + timedelta(minutes=1)
    assert watch.send([failing("id")]).deliveries[0].status == "sent"


def test_the_rate_limit_memory_is_kept_in_a_json_file(tmp_path: Path) -> None:
    state = tmp_path / "memory" / "alerts.json"
    clock = Clock()
    alerter([Recorder()], clock, state_path=state).send([failing("id")])
    data = json.loads(state.read_text())
    assert data["version"] == 1
    [(key, entry)] = data["entries"].items()
    assert key == "recorder|table=orders|orders/not_null(id)"
    assert entry == {"last_sent": "2024-05-01T09:00:00+00:00", "suppressed": 0}

    clock.now = T0 + timedelta(minutes=5)  # another process, the same file
    later = alerter([Recorder()], clock, state_path=state).send([failing("id")])
    assert [d.status for d in later.deliveries] == ["suppressed"]
    assert json.loads(state.read_text())["entries"][key]["suppressed"] == 1


def test_an_unreadable_memory_file_is_a_note_not_a_crash(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = tmp_path / "alerts.json"
    state.write_text("{not json")
    inbox = Recorder()
    with caplog.at_level(logging.WARNING, logger="pipelinekit.quality.alerts"):
        report = alerter([inbox], state_path=state).send([failing("id")])
    assert [d.status for d in report.deliveries] == ["sent"]
    [note] = report.notes
    assert "could not be read" in note and "started with an empty one" in note
    assert "note: alert memory" in str(report)
    assert "could not be read" in caplog.text
    assert json.loads(state.read_text())["entries"]  # rewritten, readable again


def test_alerter_severity_filter_leaves_warnings_out() -> None:
    inbox = Recorder()
    report = alerter([inbox], min_severity="error").send([failing("id", severity="warn")])
    assert report.deliveries == [] and inbox.inbox == []
    assert report.left_out == 1
    assert str(report) == "No alert: nothing failed at or above the severity filter (1 left out)."


def test_a_channel_for_errors_only_skips_warning_alerts() -> None:
    everything, errors_only = Recorder(name="all"), Recorder(name="pager", min_severity="error")
    report = alerter([everything, errors_only]).send([failing("id", severity="warn")])
    assert [(d.channel, d.status) for d in report.deliveries] == [
        ("all", "sent"),
        ("pager", "filtered"),
    ]
    assert report.filtered[0].reason == "below error"
    assert errors_only.inbox == []


def test_retries_with_doubling_backoff_then_success() -> None:
    sleeps: list[float] = []
    flaky = Recorder(fail_first=2)
    report = Alerter([flaky], retries=3, backoff=0.1, sleep=sleeps.append).send([failing("id")])
    [delivery] = report.deliveries
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert sleeps == pytest.approx([0.1, 0.2])


def test_permanent_failures_are_not_retried() -> None:
    broken = Recorder(fail_first=9, error=ChannelError("bad token", retryable=False))
    [delivery] = alerter([broken], retries=5).send([failing("id")]).deliveries
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.reason == "bad token."


def test_any_exception_of_a_channel_is_reported_with_secrets_hidden(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "tok-123-very-secret"
    buggy = Recorder(fail_first=9, error=RuntimeError(f"rejected {secret}"), secret=secret)
    inbox = Recorder(name="other")
    with caplog.at_level(logging.DEBUG, logger="pipelinekit.quality.alerts"):
        report = alerter([buggy, inbox], retries=1).send([failing("id")])
    failed = report.failed[0]
    assert (failed.status, failed.attempts) == ("failed", 2)
    assert failed.reason == "RuntimeError: rejected ***"
    assert len(inbox.inbox) == 1  # the other channel still delivered
    for shown in (str(report), repr(report), report.to_frame().to_string(), caplog.text):
        assert secret not in shown
    assert "failed after 2 tries" in caplog.text
    with pytest.raises(DeliveryError, match="Alerts were not delivered: recorder: RuntimeError"):
        report.raise_for_failures()


def test_nothing_failed_means_no_alert() -> None:
    passed = judge(Rule("not_null", column="id"), Outcome(rows=3), sql="", engine="pandas")
    report = alerter([Recorder()]).send([passed])
    assert report.alerts == [] and report.deliveries == [] and report.ok
    assert str(report) == "No alert: nothing failed."


def test_a_quality_report_with_results_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    @dataclasses.dataclass
    class QualityReport:  # the shape check() returns
        results: list[RuleResult]
        passed: bool = False

    report = Alerter(ConsoleChannel()).send(QualityReport([failing("id")]))
    assert report.sent and "not_null(id) on orders" in capsys.readouterr().out


def test_delivery_report_as_frame_and_html() -> None:
    report = alerter([Recorder(), Recorder(name="two")]).send([failing("id")])
    frame = report.to_frame()
    assert list(frame.columns) == [
        "channel",
        "alert",
        "key",
        "severity",
        "status",
        "grouped",
        "attempts",
        "reason",
    ]
    assert frame.status.tolist() == ["sent", "sent"]
    assert "<table>" in report._repr_html_()
    assert repr(report) == "DeliveryReport(1 alerts; sent=2, suppressed=0, filtered=0, failed=0)"


def test_bad_alerter_settings_are_refused() -> None:
    with pytest.raises(InvalidValueError, match="share the name 'recorder'"):
        Alerter([Recorder(), Recorder()])
    with pytest.raises(InvalidValueError, match="Alert channel str"):
        Alerter(["slack"])  # type: ignore[list-item]
    with pytest.raises(InvalidValueError, match="retries -1"):
        Alerter([Recorder()], retries=-1)
    with pytest.raises(InvalidValueError, match="min_interval"):
        Alerter([Recorder()], min_interval=30)  # type: ignore[arg-type]
    with pytest.raises(UnknownNameError, match="Unknown alert grouping field 'tables'"):
        Alerter([Recorder()], group_by=["tables"])
    assert repr(Alerter([Recorder()])) == (
        "Alerter([recorder:recorder], group_by=('table',), min_interval=0:30:00, retries=3,"
        " min_severity='warn')"
    )
