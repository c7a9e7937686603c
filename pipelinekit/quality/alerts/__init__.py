"""Quality alerts: what failed, how badly, what lies downstream — on the console, by e-mail, in Slack.

>>> import pipelinekit.quality.alerts as alerts
>>> alerter = alerts.Alerter([alerts.ConsoleChannel()])     # doctest: +SKIP
>>> alerter.send(report, lineage=graph)                      # doctest: +SKIP

Secrets come from environment variables only (``password_env=``, ``url_env=``); repeated
alerts are grouped and rate-limited; a channel that is down is retried and reported in
the :class:`DeliveryReport`, never raised.
"""  # noqa: E501

from pipelinekit.quality.alerts.alerter import Alerter
from pipelinekit.quality.alerts.channel import Channel, ChannelError
from pipelinekit.quality.alerts.config import (
    LiteralSecretError,
    alerter_from_config,
    channels_from_config,
)
from pipelinekit.quality.alerts.console import ConsoleChannel, NotebookChannel
from pipelinekit.quality.alerts.delivery import Delivery, DeliveryError, DeliveryReport
from pipelinekit.quality.alerts.email import EmailChannel, email_message
from pipelinekit.quality.alerts.message import Alert, Downstream, build_alerts
from pipelinekit.quality.alerts.slack import SlackChannel, slack_payload

__all__ = [
    "Alert",
    "Alerter",
    "Channel",
    "ChannelError",
    "ConsoleChannel",
    "Delivery",
    "DeliveryError",
    "DeliveryReport",
    "Downstream",
    "EmailChannel",
    "LiteralSecretError",
    "NotebookChannel",
    "SlackChannel",
    "alerter_from_config",
    "build_alerts",
    "channels_from_config",
    "email_message",
    "slack_payload",
]
