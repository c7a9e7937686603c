"""Alert channels from configuration: secrets only as environment variable names."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.quality.alerts import (
    Alerter,
    ConsoleChannel,
    EmailChannel,
    LiteralSecretError,
    NotebookChannel,
    SlackChannel,
    alerter_from_config,
    channels_from_config,
)

CONFIG = """
alerts:
  group_by: table
  min_interval: 2 hours
  retries: 2
  min_severity: warn
  channels:
    - type: console
    - type: notebook
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
      to: [data-team@example.org, oncall@example.org]
"""
SECRET = "hunter2-is-not-a-password"
HOOK = "https://hooks.slack.com/services/T000/B000/abcdefSECRET"


def test_channels_from_yaml() -> None:
    console, notebook, slack, mail = channels_from_config(yaml.safe_load(CONFIG))
    assert isinstance(console, ConsoleChannel) and isinstance(notebook, NotebookChannel)
    assert slack == SlackChannel(url_env="PIPELINEKIT_SLACK_WEBHOOK", min_severity="error")
    assert isinstance(mail, EmailChannel)
    assert (mail.host, mail.port, mail.starttls, mail.user) == (
        "smtp.example.org",
        587,
        True,
        "alerts@example.org",
    )
    assert mail.to == ("data-team@example.org", "oncall@example.org")
    assert mail.password_env == "PIPELINEKIT_SMTP_PASSWORD"


def test_alerter_from_yaml() -> None:
    alerter = alerter_from_config(yaml.safe_load(CONFIG))
    assert alerter.group_by == ("table",)
    assert alerter.min_interval == timedelta(hours=2)
    assert alerter.retries == 2
    assert [c.name for c in alerter.channels] == ["console", "notebook", "slack", "email"]
    assert Alerter.from_config({"channels": [], "min_interval": 60}).min_interval == timedelta(
        minutes=1
    )
    with pytest.raises(UnknownNameError, match="Unknown alert setting 'retry'"):
        alerter_from_config({"channels": [], "retry": 3})


@pytest.mark.parametrize(
    ("block", "field", "variable"),
    [
        ({"type": "email", "host": "h", "sender": "a", "to": "b", "password": SECRET},
         "password_env", "PIPELINEKIT_SMTP_PASSWORD"),
        ({"type": "email", "host": "h", "sender": "a", "to": "b", "smtp_password": SECRET},
         "password_env", "PIPELINEKIT_SMTP_PASSWORD"),
        ({"type": "slack", "url": HOOK}, "url_env", "PIPELINEKIT_SLACK_WEBHOOK"),
        ({"type": "slack", "webhook_url": HOOK}, "url_env", "PIPELINEKIT_SLACK_WEBHOOK"),
        ({"type": "slack", "url_env": HOOK}, "url_env", "PIPELINEKIT_SLACK_WEBHOOK"),
        ({"type": "email", "host": f"smtp://me:{SECRET}@mail.example.org", "sender": "a",
          "to": "b"}, "password_env", "PIPELINEKIT_SMTP_PASSWORD"),
        ({"type": "console", "token": SECRET}, "token_env", "PIPELINEKIT_TOKEN"),
    ],
)  # fmt: skip
def test_literal_secrets_are_refused_without_being_shown(
    block: dict[str, str], field: str, variable: str
) -> None:
    with pytest.raises(LiteralSecretError, match="has a literal secret in") as caught:
        channels_from_config([block])
    message = str(caught.value)
    assert f"{field}: {variable}" in message
    assert "Hint: remove it from the file" in message
    assert SECRET not in message and "abcdefSECRET" not in message


def test_env_fields_must_name_a_variable() -> None:
    with pytest.raises(InvalidValueError, match="'password_env' of alert channel 'email'") as e:
        channels_from_config(
            [{"type": "email", "host": "h", "sender": "a", "to": "b", "user": "u",
              "password_env": "not a name!"}]
        )  # fmt: skip
    assert "not a name!" not in str(e.value)


def test_unknown_types_and_settings_are_named() -> None:
    with pytest.raises(UnknownNameError, match="Unknown alert channel type \\(item 1\\) 'slak'"):
        channels_from_config([{"type": "slak"}])
    with pytest.raises(UnknownNameError, match="did you mean 'to'"):
        channels_from_config([{"type": "email", "host": "h", "sender": "a", "too": "b"}])
    with pytest.raises(InvalidValueError, match="not a list of channel blocks"):
        channels_from_config({"channels": "console"})


def test_channels_get_distinct_default_names() -> None:
    channels = channels_from_config({"channels": [{"type": "console"}] * 3})
    assert [c.name for c in channels] == ["console", "console-2", "console-3"]


def test_email_settings_are_checked() -> None:
    with pytest.raises(InvalidValueError, match="has user 'me' but no password_env"):
        EmailChannel(host="h", sender="a", to="b", user="me")
    with pytest.raises(InvalidValueError, match="has password_env but no user"):
        EmailChannel(host="h", sender="a", to="b", password_env="X")
    with pytest.raises(InvalidValueError, match="has no recipient"):
        EmailChannel(host="h", sender="a", to=[])
    with pytest.raises(UnknownNameError, match="Unknown severity 'critical'"):
        SlackChannel(min_severity="critical")  # type: ignore[arg-type]


def test_reprs_show_variable_names_never_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINEKIT_SLACK_WEBHOOK", HOOK)
    monkeypatch.setenv("PIPELINEKIT_SMTP_PASSWORD", SECRET)
    alerter = alerter_from_config(yaml.safe_load(CONFIG))
    shown = repr(alerter) + "".join(repr(c) + c.target() for c in alerter.channels)
    assert "PIPELINEKIT_SLACK_WEBHOOK" in shown
    assert SECRET not in shown and HOOK not in shown
