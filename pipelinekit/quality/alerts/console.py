"""Alerts on the screen: printed to the console, or shown as HTML in a notebook.

Examples
--------
>>> from datetime import datetime, timezone
>>> from pipelinekit.quality.rule import Rule
>>> from pipelinekit.quality.result import Outcome, judge
>>> from pipelinekit.quality.alerts.message import build_alerts
>>> result = judge(Rule("not_null", column="id", table="orders"), Outcome(rows=10, failing=2),
...                sql="", engine="pandas")
>>> [alert] = build_alerts([result], at=datetime(2024, 5, 1, tzinfo=timezone.utc))
>>> ConsoleChannel().send(alert)
ERROR: 1 quality rule failed on orders
Checked 2024-05-01 00:00 UTC.
...
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TextIO

from pipelinekit.quality.alerts.channel import Channel
from pipelinekit.quality.alerts.message import check_severity
from pipelinekit.quality.rule import Severity

if TYPE_CHECKING:
    from pipelinekit.quality.alerts.message import Alert

__all__ = ["ConsoleChannel", "NotebookChannel", "in_kernel"]


@dataclasses.dataclass(frozen=True)
class ConsoleChannel(Channel):
    """Print alerts, as plain text or Markdown, to a stream (standard output by default).

    Parameters
    ----------
    stream : text stream, optional
        Where to write; ``sys.stdout`` at the time of sending when not given.
    style : {"text", "markdown"}
        Plain text, or Markdown (for logs rendered as Markdown).
    name : str
        The channel's name in reports and in the rate limit's memory.
    min_severity : {"warn", "error"}
        Alerts less severe than this are not printed.
    """

    kind: ClassVar[str] = "console"
    stream: TextIO | None = dataclasses.field(default=None, repr=False)
    style: Literal["text", "markdown"] = "text"
    name: str = "console"
    min_severity: Severity = "warn"

    def __post_init__(self) -> None:
        check_severity(self.min_severity)

    def send(self, alert: Alert) -> None:
        """Write the alert and a blank line."""
        stream = self.stream or sys.stdout
        body = alert.text() if self.style == "text" else alert.markdown()
        stream.write(body + "\n\n")
        stream.flush()


def in_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (an IPython shell with a kernel).

    Examples
    --------
    >>> in_kernel()
    False
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


@dataclasses.dataclass(frozen=True)
class NotebookChannel(Channel):
    """Show alerts as HTML in a notebook; outside a kernel, print them as text.

    Parameters
    ----------
    display : callable, optional
        What shows an ``IPython.display.HTML`` object; ``IPython.display.display`` when
        not given. Given one, the channel always produces HTML (useful in tests).
    name, min_severity
        As for :class:`ConsoleChannel`.
    """

    kind: ClassVar[str] = "notebook"
    display: Callable[[Any], Any] | None = dataclasses.field(default=None, repr=False)
    name: str = "notebook"
    min_severity: Severity = "warn"

    def __post_init__(self) -> None:
        check_severity(self.min_severity)

    def send(self, alert: Alert) -> None:
        """Display the alert's HTML (or print its text outside a notebook)."""
        if self.display is None and not in_kernel():
            sys.stdout.write(alert.text() + "\n\n")
            return
        from IPython.display import HTML, display

        (self.display or display)(HTML(alert.html()))
