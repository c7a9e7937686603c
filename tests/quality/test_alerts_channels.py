"""Alert channels against real servers: aiosmtpd for e-mail, http.server for Slack webhooks.

Each test starts its own server on 127.0.0.1 (a free port); a channel that is "down"
points at a port nobody listens on, or at a server answering HTTP 500.
"""

from __future__ import annotations

import email
import email.policy
import io
import json
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import StepRecord
from pipelinekit.quality.alerts import (
    Alerter,
    ChannelError,
    ConsoleChannel,
    EmailChannel,
    NotebookChannel,
    SlackChannel,
    build_alerts,
)
from pipelinekit.quality.result import Outcome, RuleResult, judge
from pipelinekit.quality.rule import Rule

AT = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
PASSWORD = "pa55-w0rd-never-shown"
TOKEN = "XyZ-s3cret-webhook-token"
SMTP_ENV = "PIPELINEKIT_TEST_SMTP_PASSWORD"
SLACK_ENV = "PIPELINEKIT_TEST_SLACK_WEBHOOK"


# ---------------------------------------------------------------------- servers
def free_port() -> int:
    """A port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=(login, password) == ("alerts", PASSWORD), handled=False)

    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=email.policy.default)
            for e in self.envelopes
        ]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=mailbox.authenticate,
        auth_require_tls=False,  # a test server without a certificate
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


class Webhook:
    """A local HTTP server standing in for Slack: records posts, answers ``status``."""

    def __init__(self, status: int = 200, body: bytes = b"ok") -> None:
        self.status, self.body = status, body
        self.posts: list[tuple[str, dict[str, str], Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers["Content-Length"])
                payload = json.loads(self.rfile.read(length))
                hook.posts.append((self.path, dict(self.headers), payload))
                self.send_response(hook.status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(hook.body)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/{TOKEN}"


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    hook.thread.start()
    try:
        yield hook
    finally:
        hook.server.shutdown()
        hook.server.server_close()
        hook.thread.join()


@pytest.fixture
def failing_webhook() -> Iterator[Webhook]:
    hook = Webhook(status=500, body=b"internal error")
    hook.thread.start()
    try:
        yield hook
    finally:
        hook.server.shutdown()
        hook.server.server_close()
        hook.thread.join()


# ---------------------------------------------------------------------- data
@pytest.fixture
def results() -> list[RuleResult]:
    sample = pd.DataFrame({"id": [7, 9], "amount": [-5.0, -12.5]})
    amount = Rule("between", column="amount", min=0, max=5000, table="orders")
    share = Rule("null_share_at_most", column="id", max=0.01, table="orders", severity="warn")
    return [
        judge(amount, Outcome(rows=200, failing=3, sample=sample), sql="", engine="pandas"),
        judge(share, Outcome(rows=200, value=0.04), sql="", engine="pandas"),
        judge(Rule("not_null", column="id", table="orders"), Outcome(rows=200), sql="", engine="x"),
    ]


@pytest.fixture
def lineage() -> LineageGraph:
    graph = LineageGraph()
    graph.add(
        StepRecord.from_mapping(
            "clean",
            inputs={"orders": ["id", "amount"]},
            outputs={"clean_orders": ["id", "amount"]},
            derived={"clean_orders.id": ["orders.id"], "clean_orders.amount": ["orders.amount"]},
            subtype="IDENTITY",
        )
    )
    graph.add(
        StepRecord.from_mapping(
            "totals",
            inputs={"clean_orders": ["amount"]},
            outputs={"daily_sales": ["revenue"]},
            derived={"daily_sales.revenue": ["clean_orders.amount"]},
            subtype="AGGREGATION",
        )
    )
    graph.attach_check("daily_sales.revenue", "revenue_matches_ledger")
    return graph


def fast_alerter(channels: Any, sleeps: list[float], **options: Any) -> Alerter:
    return Alerter(channels, sleep=sleeps.append, clock=lambda: AT, **options)


# ---------------------------------------------------------------------- e-mail
def test_email_reaches_a_real_smtp_server_with_what_failed_and_downstream(
    smtp: tuple[Mailbox, int], results: list[RuleResult], lineage: LineageGraph
) -> None:
    mailbox, port = smtp
    channel = EmailChannel(
        host="127.0.0.1", port=port, sender="pipelinekit@example.org", to=["team@example.org"]
    )
    report = fast_alerter([channel], []).send(results, lineage=lineage)

    assert [d.status for d in report.deliveries] == ["sent"]
    assert mailbox.logins == []  # no user configured: no login
    [envelope] = mailbox.envelopes
    assert envelope.mail_from == "pipelinekit@example.org"
    assert envelope.rcpt_tos == ["team@example.org"]
    [message] = mailbox.messages()
    assert message["Subject"] == "[pipelinekit] ERROR: 2 quality rules failed on orders"
    [alert] = report.alerts
    assert message["X-Pipelinekit-Alert"] == alert.id and len(alert.id) == 16
    plain, rich = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and rich is not None
    text = plain.get_content()
    assert "between(amount) on orders [error, validity]: 3 of 200 rows (1.50 %) fail" in text
    assert (
        "null_share_at_most(id) on orders [warn, completeness]: value 0.04, expected at most 0.01"
        in text
    )  # noqa: E501
    assert "'clean_orders', 'daily_sales'" in text
    assert "'clean_orders.amount', 'daily_sales.revenue'" in text
    assert "'revenue_matches_ledger'" in text
    assert "-12.5" in text  # the sample of failing rows
    html = rich.get_content()
    assert "<table" in html and "daily_sales" in html


def test_email_logs_in_with_the_password_from_the_environment(
    smtp: tuple[Mailbox, int],
    results: list[RuleResult],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mailbox, port = smtp
    monkeypatch.setenv(SMTP_ENV, PASSWORD)
    channel = EmailChannel(
        host="127.0.0.1",
        port=port,
        user="alerts",
        password_env=SMTP_ENV,
        sender="a@example.org",
        to="b@example.org",
    )
    with caplog.at_level(logging.DEBUG):
        report = fast_alerter([channel], []).send(results)
    assert [d.status for d in report.deliveries] == ["sent"]
    assert mailbox.logins == [("alerts", PASSWORD)]
    assert len(mailbox.envelopes) == 1
    for shown in (repr(channel), str(report), repr(report), report.to_frame().to_string()):
        assert PASSWORD not in shown
    assert PASSWORD not in caplog.text


def test_a_wrong_password_fails_at_once_and_is_never_shown(
    smtp: tuple[Mailbox, int],
    results: list[RuleResult],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mailbox, port = smtp
    monkeypatch.setenv(SMTP_ENV, "wrong-" + PASSWORD)
    channel = EmailChannel(
        host="127.0.0.1", port=port, user="alerts", password_env=SMTP_ENV, sender="a@x", to="b@x"
    )
    sleeps: list[float] = []
    with caplog.at_level(logging.DEBUG):
        report = fast_alerter([channel], sleeps).send(results)
    [failed] = report.failed
    assert failed.attempts == 1 and sleeps == []  # retrying cannot fix a password
    assert "SMTPAuthenticationError" in failed.reason
    assert mailbox.envelopes == []
    assert PASSWORD not in str(report) + repr(report) + caplog.text


def test_a_missing_password_variable_is_reported_not_raised(
    results: list[RuleResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SMTP_ENV, raising=False)
    channel = EmailChannel(
        host="127.0.0.1", port=free_port(), user="u", password_env=SMTP_ENV, sender="a", to="b"
    )
    [failed] = fast_alerter([channel], []).send(results).failed
    assert failed.attempts == 1
    assert f"Environment variable {SMTP_ENV} is not set" in failed.reason


def test_starttls_against_a_server_without_it_is_a_clear_failure(
    smtp: tuple[Mailbox, int], results: list[RuleResult]
) -> None:
    _, port = smtp
    channel = EmailChannel(host="127.0.0.1", port=port, starttls=True, sender="a", to="b")
    [failed] = fast_alerter([channel], []).send(results).failed
    assert failed.attempts == 1
    assert "STARTTLS extension not supported by server" in failed.reason


# ---------------------------------------------------------------------- Slack
def test_slack_webhook_receives_block_kit_json(
    webhook: Webhook,
    results: list[RuleResult],
    lineage: LineageGraph,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SLACK_ENV, webhook.url)
    report = fast_alerter([SlackChannel(url_env=SLACK_ENV)], []).send(results, lineage=lineage)
    assert [d.status for d in report.deliveries] == ["sent"]
    [(path, headers, payload)] = webhook.posts
    assert path == f"/services/T000/B000/{TOKEN}"
    assert headers["Content-Type"].startswith("application/json")
    assert set(payload) == {"text", "blocks"}
    assert payload["text"].startswith("ERROR: 2 quality rules failed on orders: between(amount)")
    types = [block["type"] for block in payload["blocks"]]
    assert types == ["header", "section", "section", "section", "context"]
    header, failures, downstream, sample, context = payload["blocks"]
    assert header["text"] == {
        "type": "plain_text",
        "text": "ERROR: 2 quality rules failed on orders",
    }
    for section in (failures, downstream, sample):
        assert section["text"]["type"] == "mrkdwn"
        assert isinstance(section["text"]["text"], str) and len(section["text"]["text"]) <= 3000
    assert (
        "• `between(amount) on orders` [error, validity]: 3 of 200 rows"
        in (failures["text"]["text"])
    )
    assert "daily_sales.revenue" in downstream["text"]["text"]
    assert "```" in sample["text"]["text"]
    assert context["elements"][0]["type"] == "mrkdwn"


def test_slack_webhook_url_is_never_shown(
    webhook: Webhook,
    results: list[RuleResult],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    webhook.status, webhook.body = 404, b"no_service"  # Slack's answer to a revoked hook
    monkeypatch.setenv(SLACK_ENV, webhook.url)
    channel = SlackChannel(url_env=SLACK_ENV)
    with caplog.at_level(logging.DEBUG):
        report = fast_alerter([channel], []).send(results)
    [failed] = report.failed
    assert failed.attempts == 1  # 4xx: trying again cannot help
    assert "HTTP 404" in failed.reason and "no_service" in failed.reason
    assert f"${SLACK_ENV}" in failed.reason
    shown = [repr(channel), str(report), repr(report), report.to_frame().to_string(), caplog.text]
    for text in shown:
        assert TOKEN not in text


# ---------------------------------------------------------------------- down channels
def test_down_channels_are_retried_with_backoff_while_others_deliver(
    smtp: tuple[Mailbox, int],
    failing_webhook: Webhook,
    results: list[RuleResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mailbox, port = smtp
    monkeypatch.setenv(SLACK_ENV, failing_webhook.url)
    monkeypatch.setenv("PIPELINEKIT_TEST_CLOSED_HOOK", f"http://127.0.0.1:{free_port()}/x")
    channels = [
        SlackChannel(url_env=SLACK_ENV, name="slack-500"),
        EmailChannel(host="127.0.0.1", port=free_port(), sender="a", to="b", name="email-down"),
        SlackChannel(url_env="PIPELINEKIT_TEST_CLOSED_HOOK", name="slack-down"),
        EmailChannel(host="127.0.0.1", port=port, sender="a@x", to="b@x", name="email-up"),
    ]
    sleeps: list[float] = []
    report = fast_alerter(channels, sleeps, retries=2, backoff=0.25).send(results)

    status = {d.channel: (d.status, d.attempts) for d in report.deliveries}
    assert status == {
        "slack-500": ("failed", 3),
        "email-down": ("failed", 3),
        "slack-down": ("failed", 3),
        "email-up": ("sent", 1),
    }
    assert len(failing_webhook.posts) == 3
    assert sleeps == [0.25, 0.5] * 3  # backoff doubles between tries, for each channel
    assert len(mailbox.envelopes) == 1
    reasons = {d.channel: d.reason for d in report.failed}
    assert "HTTP 500" in reasons["slack-500"] and "internal error" in reasons["slack-500"]
    assert "could not be reached" in reasons["slack-down"]
    assert "could not be reached" in reasons["email-down"]
    assert not report.ok
    assert str(report).startswith("3 alert deliveries failed:")
    assert TOKEN not in str(report)


# ---------------------------------------------------------------------- screen
def test_console_channel_prints_the_alert(
    results: list[RuleResult], capsys: pytest.CaptureFixture[str]
) -> None:
    [alert] = build_alerts(results, at=AT)
    ConsoleChannel().send(alert)
    out = capsys.readouterr().out
    assert out.startswith("ERROR: 2 quality rules failed on orders\nChecked 2024-05-01 09:30 UTC.")
    assert "3 of 200 rows (1.50 %) fail" in out
    stream = io.StringIO()
    ConsoleChannel(stream=stream, style="markdown").send(alert)
    assert stream.getvalue().startswith("**ERROR: 2 quality rules failed on orders**")


def test_notebook_channel_displays_html(results: list[RuleResult]) -> None:
    shown: list[Any] = []
    [alert] = build_alerts(results, at=AT)
    NotebookChannel(display=shown.append).send(alert)
    [html] = shown
    assert type(html).__name__ == "HTML"
    assert html.data == alert.html()
    assert "<table" in html.data and "between(amount) on orders" in html.data


def test_notebook_channel_prints_text_outside_a_kernel(
    results: list[RuleResult], capsys: pytest.CaptureFixture[str]
) -> None:
    [alert] = build_alerts(results, at=AT)
    NotebookChannel().send(alert)
    assert capsys.readouterr().out.startswith("ERROR: 2 quality rules failed on orders")


def test_channels_raise_channel_error_when_used_directly(
    results: list[RuleResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SLACK_ENV, "ftp://example.org/hook")
    [alert] = build_alerts(results, at=AT)
    with pytest.raises(ChannelError, match="is not an http\\(s\\) URL") as caught:
        SlackChannel(url_env=SLACK_ENV).send(alert)
    assert not caught.value.retryable
    assert "ftp://" not in str(caught.value)
