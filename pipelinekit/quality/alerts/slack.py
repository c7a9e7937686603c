"""Alerts in Slack through an incoming webhook: JSON with ``text`` and Block Kit ``blocks``.

The webhook's URL holds its token, so it is a secret: the channel keeps only the name
of the environment variable (``url_env``), reads the URL when it sends, and never
prints it — failures name the variable instead.

Examples
--------
>>> from datetime import datetime, timezone
>>> from pipelinekit.quality.rule import Rule
>>> from pipelinekit.quality.result import Outcome, judge
>>> from pipelinekit.quality.alerts.message import build_alerts
>>> result = judge(Rule("not_null", column="id", table="orders"), Outcome(rows=10, failing=2),
...                sql="", engine="pandas")
>>> [alert] = build_alerts([result], at=datetime(2024, 5, 1, tzinfo=timezone.utc))
>>> payload = slack_payload(alert)
>>> print(payload["text"])
ERROR: 1 quality rule failed on orders: not_null(id)
>>> [block["type"] for block in payload["blocks"]]
['header', 'section', 'section', 'context']
>>> SlackChannel()
SlackChannel(url_env='PIPELINEKIT_SLACK_WEBHOOK', timeout=10.0, name='slack', min_severity='warn')
"""

from __future__ import annotations

import dataclasses
import json
import os
import urllib.error
import urllib.request
from datetime import UTC
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from pipelinekit.quality.alerts.channel import Channel, ChannelError, check_env_name, read_secret
from pipelinekit.quality.alerts.message import check_severity
from pipelinekit.quality.rule import Severity

if TYPE_CHECKING:
    from pipelinekit.quality.alerts.message import Alert

__all__ = ["SlackChannel", "slack_payload"]

# Block Kit limits: a header's text, a section's text, blocks per message
_HEADER_MAX, _SECTION_MAX, _BLOCKS_MAX = 150, 3000, 50


@dataclasses.dataclass(frozen=True)
class SlackChannel(Channel):
    """Post alerts to a Slack incoming webhook whose URL is in an environment variable.

    Parameters
    ----------
    url_env : str
        The environment variable holding the webhook URL.
    timeout : float
        Seconds to wait for Slack's answer.
    name : str
        The channel's name in reports and in the rate limit's memory.
    min_severity : {"warn", "error"}
        Alerts less severe than this are not posted here.
    """

    kind: ClassVar[str] = "slack"
    url_env: str = "PIPELINEKIT_SLACK_WEBHOOK"
    timeout: float = 10.0
    name: str = "slack"
    min_severity: Severity = "warn"

    def __post_init__(self) -> None:
        check_severity(self.min_severity)
        check_env_name(self.url_env, field="url_env", channel=self.name)

    def target(self) -> str:
        return f"Slack webhook from ${self.url_env}"

    def secret_values(self) -> list[str]:
        url = os.environ.get(self.url_env, "")
        path = urlsplit(url).path if url else ""
        return [url, path] if len(path) > 1 else [url]

    def send(self, alert: Alert) -> None:
        """POST the alert's JSON to the webhook; raise ChannelError unless Slack says ok."""
        url = read_secret(self.url_env, what="the Slack webhook URL", channel=self.name)
        where = f"The Slack webhook in ${self.url_env}"
        if urlsplit(url).scheme not in ("http", "https"):
            raise ChannelError(
                f"{where} is not an http(s) URL",
                "a webhook URL such as https://hooks.slack.com/services/...",
                f"copy the webhook URL from Slack's app settings into {self.url_env}",
                retryable=False,
            )
        request = urllib.request.Request(
            url,
            data=json.dumps(slack_payload(alert)).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # nosec B310
                response.read()
        except urllib.error.HTTPError as error:
            body = error.read(300).decode("utf-8", "replace").strip()
            raise ChannelError(
                f"{where} answered HTTP {error.code} {error.reason}"
                + (f" ({body})" if body else ""),
                hint="a 4xx means the webhook URL or the message was refused: check the"
                " environment variable that holds the URL",
                retryable=error.code == 429 or error.code >= 500,
            ) from None  # the chained error would carry the URL
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ChannelError(
                f"{where} could not be reached ({reason})",
                hint="check the network and that the URL in the variable is current",
            ) from None


def slack_payload(alert: Alert) -> dict[str, Any]:
    """The incoming-webhook JSON for ``alert``: a fallback ``text`` and Block Kit blocks.

    Texts are cut to Slack's limits (150 characters for the header, 3000 for a section).
    """
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(alert.title, _HEADER_MAX)}},
        _section("\n".join(alert.failure_lines("slack"))),
        _section(alert.downstream_markdown("slack")),
    ]
    sample = alert.sample_markdown("slack")
    if sample:
        blocks.append(_section(sample))
    footer = f"pipelinekit quality alert · checked {alert.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if alert.repeats:
        footer += f" · {alert.repeats} repeat(s) held back since last sent"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return {"text": _cut(alert.summary(), _SECTION_MAX), "blocks": blocks[:_BLOCKS_MAX]}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, _SECTION_MAX)}}


def _cut(text: str, most: int) -> str:
    if len(text) <= most:
        return text
    cut = text[: most - 5] + "…"
    return cut + "\n```" if cut.count("```") % 2 else cut
