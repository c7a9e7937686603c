"""The rate limit's memory: when each alert last went to each channel, and what was held back.

An alert that comes back within ``min_interval`` of its last delivery to a channel is
held back (suppressed) and counted; the next delivery after the interval says how many
times it came back meanwhile. The memory lives in a dict and, given a path, in a small
JSON file, so runs in separate processes (a scheduler, ``papermill``) share it.

A memory file that cannot be read or written never stops a run: the problem is returned
as a note for the delivery report, and the run goes on with what it has.

Examples
--------
>>> from datetime import datetime, timedelta, timezone
>>> throttle = Throttle(timedelta(minutes=30))
>>> nine = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
>>> throttle.held_back("email|orders", nine) is None
True
>>> throttle.mark_sent("email|orders", nine)
0
>>> throttle.held_back("email|orders", nine + timedelta(minutes=10))
datetime.datetime(2024, 5, 1, 9, 0, tzinfo=datetime.timezone.utc)
>>> throttle.note_suppressed("email|orders")
>>> throttle.held_back("email|orders", nine + timedelta(minutes=31)) is None
True
>>> throttle.mark_sent("email|orders", nine + timedelta(minutes=31))
1
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["Throttle"]

_VERSION = 1


class Throttle:
    """Remembers deliveries per ``channel|alert key`` and holds back repeats.

    Parameters
    ----------
    min_interval : timedelta
        How long after a delivery the same alert is held back on the same channel.
    path : path, optional
        A JSON file that keeps the memory between runs.
    """

    def __init__(
        self, min_interval: timedelta, *, path: str | os.PathLike[str] | None = None
    ) -> None:
        self.min_interval = min_interval
        self.path = Path(path) if path is not None else None
        self.entries: dict[str, dict[str, Any]] = {}

    def held_back(self, key: str, now: datetime) -> datetime | None:
        """When ``key`` was last sent, if that is less than ``min_interval`` before ``now``."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        last = _aware(datetime.fromisoformat(entry["last_sent"]))
        return last if _aware(now) - last < self.min_interval else None

    def note_suppressed(self, key: str) -> None:
        """Count one repeat of ``key`` held back."""
        self.entries[key]["suppressed"] = int(self.entries[key].get("suppressed", 0)) + 1

    def mark_sent(self, key: str, now: datetime) -> int:
        """Remember that ``key`` was sent at ``now``; return the repeats held back before."""
        held = int(self.entries.get(key, {}).get("suppressed", 0))
        self.entries[key] = {"last_sent": _aware(now).isoformat(), "suppressed": 0}
        return held

    def repeats(self, key: str) -> int:
        """How many repeats of ``key`` were held back since it was last sent."""
        return int(self.entries.get(key, {}).get("suppressed", 0))

    def load(self) -> str | None:
        """Read the memory file (if any); a problem comes back as a note, not an error."""
        if self.path is None or not self.path.exists():
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            entries = data["entries"]
            for entry in entries.values():
                datetime.fromisoformat(entry["last_sent"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            return (
                f"alert memory {self.path} could not be read ({type(error).__name__}: {error});"
                " started with an empty one"
            )
        self.entries = dict(entries)
        return None

    def save(self, now: datetime) -> str | None:
        """Write the memory file (if any), leaving out what no longer matters.

        An entry matters while its interval runs or while it has held-back repeats to
        report. The file is replaced whole, so a crash never leaves half of it.
        """
        self.entries = {
            key: entry
            for key, entry in self.entries.items()
            if entry.get("suppressed")
            or _aware(now) - _aware(datetime.fromisoformat(entry["last_sent"])) < self.min_interval
        }
        if self.path is None:
            return None
        staged = self.path.with_name(f".{self.path.name}.partial")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            staged.write_text(
                json.dumps({"version": _VERSION, "entries": self.entries}, indent=1),
                encoding="utf-8",
            )
            os.replace(staged, self.path)
        except OSError as error:
            return f"alert memory {self.path} could not be written ({error})"
        return None


def _aware(moment: datetime) -> datetime:
    """``moment`` with a time zone; a naive time is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
