"""What happened to each alert on each channel: sent, held back, filtered out, or failed.

A :class:`DeliveryReport` is what :meth:`Alerter.send
<pipelinekit.quality.alerts.alerter.Alerter.send>` returns; it never raises, so a
pipeline decides itself whether an undelivered alert should stop it
(:meth:`DeliveryReport.raise_for_failures`).

Examples
--------
>>> report = DeliveryReport(alerts=[], deliveries=[
...     Delivery("email", "ERROR: 1 quality rule failed on orders", "k", "error", "sent",
...              grouped=1, attempts=1),
...     Delivery("slack", "ERROR: 1 quality rule failed on orders", "k", "error", "failed",
...              grouped=1, attempts=4, reason="HTTP 500"),
... ])
>>> report.ok
False
>>> print(report)
1 alert delivery failed:
  slack      failed      ERROR: 1 quality rule failed on orders (1 rule, 4 tries): HTTP 500
  email      sent        ERROR: 1 quality rule failed on orders (1 rule, 1 try)
"""

from __future__ import annotations

import dataclasses
from html import escape
from typing import TYPE_CHECKING, Literal

import pandas as pd

from pipelinekit.errors import PipelinekitError
from pipelinekit.quality.rule import Severity

if TYPE_CHECKING:
    from pipelinekit.quality.alerts.message import Alert

__all__ = ["Delivery", "DeliveryError", "DeliveryReport", "Status"]

Status = Literal["sent", "suppressed", "filtered", "failed"]
_ORDER = {"failed": 0, "sent": 1, "suppressed": 2, "filtered": 3}


class DeliveryError(PipelinekitError):
    """Some alerts could not be delivered (raised only by ``raise_for_failures``)."""


@dataclasses.dataclass(frozen=True)
class Delivery:
    """One alert on one channel.

    Attributes
    ----------
    channel : str
        The channel's name.
    alert : str
        The alert's title.
    key : str
        The alert's key (what the rate limit compares).
    severity : {"error", "warn"}
        The alert's severity.
    status : {"sent", "suppressed", "filtered", "failed"}
        ``suppressed``: held back by the rate limit; ``filtered``: below the channel's
        ``min_severity``; ``failed``: not delivered after ``attempts`` tries.
    grouped : int
        How many failed rules the alert groups.
    attempts : int
        Tries made (0 unless the channel was tried).
    reason : str
        Why it failed or was held back; secrets are replaced by ``***``.
    """

    channel: str
    alert: str
    key: str
    severity: Severity
    status: Status
    grouped: int = 1
    attempts: int = 0
    reason: str = ""

    def line(self) -> str:
        """One line for people."""
        rules = f"{self.grouped} rule{'s' if self.grouped != 1 else ''}"
        tries = f", {self.attempts} {'try' if self.attempts == 1 else 'tries'}"
        text = f"{self.channel:<10} {self.status:<11} {self.alert} ({rules}"
        text += (tries if self.attempts else "") + ")"
        return text + (f": {self.reason}" if self.reason else "")


@dataclasses.dataclass
class DeliveryReport:
    """Every delivery of one :meth:`Alerter.send`, with the alerts and any notes.

    Attributes
    ----------
    alerts : list of Alert
        The alerts built from the run (one per group).
    deliveries : list of Delivery
        One per alert and channel.
    left_out : int
        Failed rules below the alerter's ``min_severity``.
    notes : list of str
        Problems that did not stop delivery (an unreadable rate-limit memory file).
    """

    alerts: list[Alert]
    deliveries: list[Delivery]
    left_out: int = 0
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no delivery failed."""
        return not self.failed

    @property
    def sent(self) -> list[Delivery]:
        return self._with("sent")

    @property
    def suppressed(self) -> list[Delivery]:
        return self._with("suppressed")

    @property
    def filtered(self) -> list[Delivery]:
        return self._with("filtered")

    @property
    def failed(self) -> list[Delivery]:
        return self._with("failed")

    def _with(self, status: Status) -> list[Delivery]:
        return [d for d in self.deliveries if d.status == status]

    def to_frame(self) -> pd.DataFrame:
        """One row per delivery."""
        columns = [f.name for f in dataclasses.fields(Delivery)]
        return pd.DataFrame([dataclasses.asdict(d) for d in self.deliveries], columns=columns)

    def raise_for_failures(self) -> None:
        """Raise :class:`DeliveryError` if a delivery failed (for runs that must alert)."""
        if self.failed:
            raise DeliveryError(
                "Alerts were not delivered: "
                + "; ".join(f"{d.channel}: {d.reason}" for d in self.failed),
                "every channel to deliver",
                "see the reasons; the alert memory will try again on the next run",
            )

    def headline(self) -> str:
        """One line: what happened overall."""
        if not self.deliveries:
            return "No alert: nothing failed" + (
                f" at or above the severity filter ({self.left_out} left out)."
                if self.left_out
                else "."
            )
        if self.failed:
            count = len(self.failed)
            return f"{count} alert deliver{'ies' if count != 1 else 'y'} failed:"
        counts = {s: len(self._with(s)) for s in ("sent", "suppressed", "filtered")}
        return ", ".join(f"{n} {s}" for s, n in counts.items() if n) + ":"

    def __str__(self) -> str:
        ordered = sorted(self.deliveries, key=lambda d: _ORDER[d.status])
        lines = [self.headline(), *("  " + d.line() for d in ordered)]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{s}={len(self._with(s))}" for s in ("sent", "suppressed", "filtered", "failed")
        )
        return f"DeliveryReport({len(self.alerts)} alerts; {counts})"

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{escape(str(v))}</td>"
                for v in (d.channel, d.status, d.alert, d.grouped, d.attempts, d.reason)
            )
            + "</tr>"
            for d in sorted(self.deliveries, key=lambda d: _ORDER[d.status])
        )
        head = "".join(
            f"<th>{h}</th>" for h in ("channel", "status", "alert", "rules", "tries", "reason")
        )
        notes = "".join(f"<p>note: {escape(n)}</p>" for n in self.notes)
        return (
            f"<p><b>{escape(self.headline())}</b></p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{notes}"
        )
