"""Alerts by e-mail, through any SMTP server (``smtplib``), plain text with an HTML twin.

The password never sits in the channel or in a file: ``password_env`` names the
environment variable that holds it, read when an alert is sent. The channel logs in
only when ``user`` is set, and upgrades the connection with STARTTLS when asked.

Examples
--------
>>> channel = EmailChannel(host="smtp.example.org", port=587, starttls=True,
...                        user="alerts", password_env="PIPELINEKIT_SMTP_PASSWORD",
...                        sender="alerts@example.org", to="data-team@example.org")
>>> channel
EmailChannel(host='smtp.example.org', sender='alerts@example.org', to=('data-team@example.org',), port=587, starttls=True, user='alerts', password_env='PIPELINEKIT_SMTP_PASSWORD', ...)
>>> EmailChannel(host="smtp.example.org", user="alerts", sender="a@b.c", to="d@e.f")
Traceback (most recent call last):
...
pipelinekit.errors.InvalidValueError: Alert channel 'email' has user 'alerts' but no password_env; ...
"""  # noqa: E501

from __future__ import annotations

import dataclasses
import os
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, ClassVar

from pipelinekit.errors import InvalidValueError
from pipelinekit.quality.alerts.channel import Channel, ChannelError, check_env_name, read_secret
from pipelinekit.quality.alerts.message import check_severity
from pipelinekit.quality.rule import Severity

if TYPE_CHECKING:
    from pipelinekit.quality.alerts.message import Alert

__all__ = ["EmailChannel", "email_message"]

# answers that say trying again will not help
_PERMANENT = (
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
)


@dataclasses.dataclass(frozen=True)
class EmailChannel(Channel):
    """Send alerts as e-mail through an SMTP server.

    Parameters
    ----------
    host : str
        The SMTP server's host name (no user or password in it).
    sender : str
        The From address.
    to : str or sequence of str
        The recipients.
    port : int
        25 by default; 587 is usual with STARTTLS.
    starttls : bool
        Upgrade the connection to TLS before logging in and sending.
    user : str, optional
        Log in as this user (with the password from ``password_env``); no login if None.
    password_env : str, optional
        The environment variable holding the password, such as
        ``"PIPELINEKIT_SMTP_PASSWORD"``. Required with ``user``.
    timeout : float
        Seconds to wait for the server.
    subject_prefix : str
        Put before the alert's title in the subject line.
    name : str
        The channel's name in reports and in the rate limit's memory.
    min_severity : {"warn", "error"}
        Alerts less severe than this are not sent here.
    """

    kind: ClassVar[str] = "email"
    host: str
    sender: str
    to: Sequence[str]
    port: int = 25
    starttls: bool = False
    user: str | None = None
    password_env: str | None = None
    timeout: float = 10.0
    subject_prefix: str = "[pipelinekit]"
    name: str = "email"
    min_severity: Severity = "warn"

    def __post_init__(self) -> None:
        check_severity(self.min_severity)
        to = (self.to,) if isinstance(self.to, str) else tuple(self.to)
        object.__setattr__(self, "to", to)
        where = f"Alert channel '{self.name}'"
        if not to:
            raise InvalidValueError(
                f"{where} has no recipient", "one or more addresses in 'to'", "to: [me@example.org]"
            )
        if "@" in self.host or "/" in self.host:
            raise InvalidValueError(  # the host may carry a password: never show it
                f"{where} has a host with a user, password or path in it",
                "a plain host name such as 'smtp.example.org'",
                "give the user as user: and the password's variable as password_env:",
            )
        if self.user is not None and self.password_env is None:
            raise InvalidValueError(
                f"{where} has user '{self.user}' but no password_env",
                "the name of the environment variable holding the password",
                "password_env: PIPELINEKIT_SMTP_PASSWORD, then export PIPELINEKIT_SMTP_PASSWORD",
            )
        if self.password_env is not None:
            check_env_name(self.password_env, field="password_env", channel=self.name)
            if self.user is None:
                raise InvalidValueError(
                    f"{where} has password_env but no user", "a user to log in as", "add user:"
                )

    def target(self) -> str:
        return f"email to {', '.join(self.to)} via {self.host}:{self.port}"

    def secret_values(self) -> list[str]:
        return [os.environ.get(self.password_env, "")] if self.password_env else []

    def send(self, alert: Alert) -> None:
        """Connect, STARTTLS if asked, log in if a user is set, send; or raise ChannelError."""
        message = email_message(
            alert, sender=self.sender, to=self.to, subject_prefix=self.subject_prefix
        )
        password = None
        if self.user is not None and self.password_env is not None:
            password = read_secret(self.password_env, what="the SMTP password", channel=self.name)
        server = f"SMTP server {self.host}:{self.port}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user is not None and password is not None:
                    smtp.login(self.user, password)
                refused = smtp.send_message(message)
        except _PERMANENT as error:
            raise ChannelError(
                f"{server} refused the alert ({type(error).__name__}: {error})",
                hint="check the user, the password's environment variable and the sender",
                retryable=False,
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise ChannelError(
                f"{server} could not be reached or failed ({type(error).__name__}: {error})",
                hint="check that the server runs and that host and port are right",
            ) from error
        if refused:
            raise ChannelError(
                f"{server} refused {', '.join(refused)} (the other recipients got the alert)",
                hint="check these addresses in the channel's to=",
                retryable=False,
            )


def email_message(
    alert: Alert, *, sender: str, to: Sequence[str], subject_prefix: str = "[pipelinekit]"
) -> EmailMessage:
    """The e-mail for ``alert``: the title as subject, text body, HTML alternative.

    The header ``X-Pipelinekit-Alert`` carries the alert's fingerprint (:attr:`Alert.id`),
    the same for the same failures of the same group, for mail filters.
    """
    message = EmailMessage()
    message["Subject"] = f"{subject_prefix} {alert.title}".strip()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(alert.at.timestamp(), usegmt=True)
    message["Message-ID"] = make_msgid(domain="pipelinekit.local")
    message["X-Pipelinekit-Alert"] = alert.id
    message.set_content(alert.text())
    message.add_alternative(f"<html><body>{alert.html()}</body></html>", subtype="html")
    return message
