"""Alert channels and the alerter from configuration (a dict, or the ``alerts:`` block of YAML).

A configuration names where alerts go, never the secrets that get them there: a
password or a webhook URL is given as the *name* of an environment variable
(``password_env``, ``url_env``). A literal secret in the file is refused with
:class:`LiteralSecretError` — and the message never repeats it.

.. code-block:: yaml

    alerts:
      group_by: [table]
      min_interval: 30 minutes
      retries: 3
      state_path: .pipelinekit/alerts.json
      channels:
        - type: console
        - type: slack
          url_env: PIPELINEKIT_SLACK_WEBHOOK
          min_severity: error
        - type: email
          host: smtp.example.org
          port: 587
          starttls: true
          user: alerts@example.org
          password_env: PIPELINEKIT_SMTP_PASSWORD
          sender: alerts@example.org
          to: [data-team@example.org]

Examples
--------
>>> channels_from_config([{"type": "console"}, {"type": "slack"}])
[ConsoleChannel(style='text', name='console', min_severity='warn'), SlackChannel(url_env='PIPELINEKIT_SLACK_WEBHOOK', timeout=10.0, name='slack', min_severity='warn')]
>>> channels_from_config([{"type": "slack", "url": "https://hooks.slack.com/services/T0/B0/x"}])
Traceback (most recent call last):
...
pipelinekit.quality.alerts.config.LiteralSecretError: Alert channel 'slack' (item 1) has a literal secret in 'url'; ...
"""  # noqa: E501

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.alerts.channel import Channel
from pipelinekit.quality.alerts.console import ConsoleChannel, NotebookChannel
from pipelinekit.quality.alerts.email import EmailChannel
from pipelinekit.quality.alerts.slack import SlackChannel
from pipelinekit.quality.rule import duration_seconds

if TYPE_CHECKING:
    from pipelinekit.quality.alerts.alerter import Alerter

__all__ = ["CHANNEL_TYPES", "LiteralSecretError", "alerter_from_config", "channels_from_config"]

#: Channel classes by their ``type:`` in a configuration.
CHANNEL_TYPES: Mapping[str, type[Channel]] = {
    cls.kind: cls for cls in (ConsoleChannel, NotebookChannel, EmailChannel, SlackChannel)
}
_FIELDS = {
    "console": ("style", "name", "min_severity"),
    "notebook": ("name", "min_severity"),
    "email": (
        "host",
        "sender",
        "to",
        "port",
        "starttls",
        "user",
        "password_env",
        "timeout",
        "subject_prefix",
        "name",
        "min_severity",
    ),
    "slack": ("url_env", "timeout", "name", "min_severity"),
}
_SECRET_WORDS = ("password", "passwd", "secret", "token", "api_key", "apikey", "webhook", "url")
_SECRET_VALUE = re.compile(r"hooks\.slack\.com|^[a-z][a-z0-9+.-]*://[^/@\s]*:[^/@\s]*@", re.I)
# the usual variable names (names, not secrets)
_VARIABLES = {
    "password_env": "PIPELINEKIT_SMTP_PASSWORD",  # nosec B105
    "url_env": "PIPELINEKIT_SLACK_WEBHOOK",
}
_ALERTER_KEYS = (
    "channels",
    "group_by",
    "min_interval",
    "retries",
    "backoff",
    "min_severity",
    "sample_rows",
    "state_path",
)


class LiteralSecretError(InvalidValueError):
    """A configuration holds a secret itself instead of an environment variable's name."""


def channels_from_config(config: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[Channel]:
    """Build channels from configuration: a list of channel blocks, or a mapping with one.

    Parameters
    ----------
    config : list of mapping, or mapping
        Channel blocks (``{"type": "email", ...}``), or a mapping holding them under
        ``channels`` (possibly inside ``alerts``). Each block has ``type`` (one of
        :data:`CHANNEL_TYPES`) and the channel's parameters; secrets only as ``*_env``.

    Raises
    ------
    LiteralSecretError
        A block holds a password, token or webhook URL itself.
    UnknownNameError
        An unknown ``type`` or parameter.
    """
    blocks = _channel_blocks(config)
    channels: list[Channel] = []
    used: set[str] = set()
    for number, block in enumerate(blocks, start=1):
        channel = _channel(block, number, used)
        used.add(channel.name)
        channels.append(channel)
    return channels


def alerter_from_config(config: Mapping[str, Any], **overrides: Any) -> Alerter:
    """An :class:`~.alerter.Alerter` from an ``alerts:`` block (or a mapping holding one).

    ``min_interval`` may be seconds or a duration such as ``"30 minutes"``; keyword
    ``overrides`` (``clock=``, ``sleep=``) go to the alerter as they are.

    Examples
    --------
    >>> alerter_from_config({"alerts": {"channels": [{"type": "console"}],
    ...                                 "min_interval": "2 hours", "min_severity": "error"}})
    Alerter([console:console], group_by=('table',), min_interval=2:00:00, retries=3, min_severity='error')
    """  # noqa: E501
    from pipelinekit.quality.alerts.alerter import Alerter

    block = config.get("alerts", config) if isinstance(config, Mapping) else None
    if not isinstance(block, Mapping):
        raise InvalidValueError(
            f"Alert configuration is {type(config).__name__}",
            "a mapping with 'channels' and the alerter's settings",
            "alerts: {channels: [{type: console}]}",
        )
    for key in block:
        if key not in _ALERTER_KEYS:
            raise UnknownNameError.for_name(key, _ALERTER_KEYS, kind="alert setting")
    settings: dict[str, Any] = {k: v for k, v in block.items() if k != "channels"}
    if "min_interval" in settings:
        settings["min_interval"] = _interval(settings["min_interval"])
    if "group_by" in settings and isinstance(settings["group_by"], str):
        settings["group_by"] = (settings["group_by"],)
    settings.update(overrides)
    return Alerter(channels_from_config(block), **settings)


def _channel_blocks(config: Any) -> list[Mapping[str, Any]]:
    if isinstance(config, Mapping):
        config = config.get("alerts", config)
        config = config.get("channels") if isinstance(config, Mapping) else config
    if (
        isinstance(config, Sequence)
        and not isinstance(config, str)
        and all(isinstance(block, Mapping) for block in config)
    ):
        return list(config)
    raise InvalidValueError(
        "Alert channels configuration is not a list of channel blocks",
        "channels: [{type: console}, {type: slack, url_env: PIPELINEKIT_SLACK_WEBHOOK}]",
        "each channel is a mapping with 'type' and its settings",
    )


def _channel(block: Mapping[str, Any], number: int, used: set[str]) -> Channel:
    kind = str(block.get("type"))
    name = block.get("name") or kind
    where = f"Alert channel '{name}' (item {number})"
    _refuse_secrets(block, where, kind)
    if kind not in CHANNEL_TYPES:
        raise UnknownNameError.for_name(
            kind, CHANNEL_TYPES, kind=f"alert channel type (item {number})"
        )
    fields = _FIELDS[kind]
    for key in block:
        if key != "type" and key not in fields:
            raise UnknownNameError.for_name(key, fields, kind=f"setting of {where}")
    params = {k: v for k, v in block.items() if k != "type"}
    if "name" not in params:
        params["name"] = _free_name(kind, used)
    return CHANNEL_TYPES[kind](**params)


def _refuse_secrets(block: Mapping[str, Any], where: str, kind: Any) -> None:
    env_field = {"email": "password_env", "slack": "url_env"}
    for key, value in block.items():
        lowered = str(key).lower()
        literal_key = not lowered.endswith("_env") and any(w in lowered for w in _SECRET_WORDS)
        literal_value = isinstance(value, str) and _SECRET_VALUE.search(value)
        if literal_key or literal_value:
            field = env_field.get(str(kind), f"{lowered}_env")
            variable = _VARIABLES.get(field, f"PIPELINEKIT_{lowered.upper()}")
            raise LiteralSecretError(  # never show the value: it is the secret
                f"{where} has a literal secret in '{key}'",
                f"the name of an environment variable that holds it ({field}: {variable})",
                f"remove it from the file (and change it if the file was shared), set"
                f" {variable} in the environment that runs the pipeline and write"
                f" '{field}: {variable}' instead",
            )


def _free_name(kind: str, used: set[str]) -> str:
    name, number = kind, 2
    while name in used:
        name, number = f"{kind}-{number}", number + 1
    return name


def _interval(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    return timedelta(seconds=duration_seconds(str(value)))
