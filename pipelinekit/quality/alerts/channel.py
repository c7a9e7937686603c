"""What every alert channel shares: a name, a severity threshold, ``send``, and secrets kept out.

A channel carries an :class:`~pipelinekit.quality.alerts.message.Alert` somewhere
(the console, an e-mail, Slack). It raises :class:`ChannelError` when it cannot; the
:class:`~pipelinekit.quality.alerts.alerter.Alerter` retries and reports, so a channel
that is down never stops a pipeline.

Secrets (an SMTP password, a Slack webhook URL, which holds its token) never live in a
channel object or a configuration file: a channel keeps the *name* of the environment
variable and reads the value only when it sends (:func:`read_secret`). Whatever could
still carry a secret — the reason of a failure — goes through :func:`scrub`.

Examples
--------
>>> scrub("POST https://hooks.example/T0/B0/xyz failed", ["https://hooks.example/T0/B0/xyz"])
'POST *** failed'
>>> read_secret("PIPELINEKIT_NO_SUCH_VARIABLE", what="the SMTP password", channel="email")
Traceback (most recent call last):
...
pipelinekit.quality.alerts.channel.ChannelError: Environment variable ... is not set; ...
"""

from __future__ import annotations

import abc
import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from pipelinekit.errors import InvalidValueError, PipelinekitError
from pipelinekit.quality.rule import Severity

if TYPE_CHECKING:
    from pipelinekit.quality.alerts.message import Alert

__all__ = ["Channel", "ChannelError", "check_env_name", "read_secret", "scrub"]

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ChannelError(PipelinekitError):
    """A channel could not deliver an alert.

    ``retryable`` says whether trying again may help (a server that is down: yes; a
    wrong password or a missing environment variable: no).
    """

    def __init__(
        self,
        found: str,
        expected: str | None = None,
        hint: str | None = None,
        *,
        retryable: bool = True,
    ) -> None:
        super().__init__(found, expected, hint)
        self.retryable = retryable


class Channel(abc.ABC):
    """Where alerts go. Subclasses are frozen dataclasses with ``name`` and ``min_severity``.

    ``kind`` names the channel type in configuration files (``type: email``).
    """

    kind: ClassVar[str] = ""
    name: str
    min_severity: Severity

    @abc.abstractmethod
    def send(self, alert: Alert) -> None:
        """Deliver ``alert`` or raise :class:`ChannelError`."""

    def secret_values(self) -> list[str]:
        """The secrets this channel would use now, so reports and logs can hide them."""
        return []

    def target(self) -> str:
        """Where the channel delivers, with no secret in it (for reports)."""
        return self.kind


def check_env_name(value: object, *, field: str, channel: str) -> str:
    """``value`` if it is an environment variable's name; the error never shows the value.

    Examples
    --------
    >>> check_env_name("PIPELINEKIT_SMTP_PASSWORD", field="password_env", channel="email")
    'PIPELINEKIT_SMTP_PASSWORD'
    >>> check_env_name("hunter2!", field="password_env", channel="email")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: 'password_env' of alert channel 'email' is not ...
    """
    if isinstance(value, str) and _ENV_NAME.match(value):
        return value
    raise InvalidValueError(  # the value may be the secret itself: never show it
        f"'{field}' of alert channel '{channel}' is not the name of an environment variable",
        "a name such as PIPELINEKIT_SMTP_PASSWORD (letters, digits, underscores)",
        "put the secret in an environment variable and write only the variable's name here",
    )


def read_secret(env: str, *, what: str, channel: str) -> str:
    """The value of environment variable ``env``, or a :class:`ChannelError` saying so.

    Read at send time, so no secret is kept in a channel object.
    """
    value = os.environ.get(env)
    if not value:
        raise ChannelError(
            f"Environment variable {env} is not set",
            f"{what} for alert channel '{channel}' in {env}",
            f"set it where the pipeline runs (export {env}=...) and never in a config file",
            retryable=False,
        )
    return value


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (longest first) replaced by ``***``."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
