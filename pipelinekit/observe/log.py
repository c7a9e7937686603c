"""Structured logs of a run: one JSON object a line for programs, one readable line for people.

A :class:`RunLogger` writes every event twice: as a JSON line in a file (``log.jsonl``,
what :func:`pipelinekit.observe.read_logs` reads back) and as a short line on the console.
Every JSON line has the same first keys, so the file reads as a table:

============= ==============================================================
key           meaning
============= ==============================================================
timestamp     when, in UTC (ISO 8601, milliseconds)
level         ``debug``, ``info``, ``warning`` or ``error``
event         what happened, a snake_case name: ``step_started``, ``step_finished``, ...
run_id        the run it belongs to (``None`` outside a run)
step          the step it belongs to (``None`` outside a step)
...           the event's own fields: ``rows_in``, ``rows_out``, ``seconds``, ``error``
============= ==============================================================

Context comes from :func:`bind`: ``with bind(step="stg_orders"):`` adds ``step`` to every
event logged inside the block, by this code or by anything it calls, in this thread or
task only (a :class:`contextvars.ContextVar` holds it).

Secrets never reach a log: a value whose key names a secret (``password``, ``token``, ...)
is written as ``***``, and the password of any URL in a text is replaced by ``***``.

Examples
--------
>>> import io, json, tempfile, pathlib
>>> from rich.console import Console
>>> screen = io.StringIO()
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder) / "log.jsonl"
...     with RunLogger(path, run_id="r1", console=Console(file=screen, width=120)) as log:
...         with log.step("stg_orders", rows_in=3) as step:
...             step.rows_out = 2
...     records = [json.loads(line) for line in path.read_text().splitlines()]
>>> [(r["event"], r["step"], r.get("rows_out")) for r in records]
[('step_started', 'stg_orders', None), ('step_finished', 'stg_orders', 2)]
>>> "step_finished" in screen.getvalue()
True
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from time import perf_counter
from types import MappingProxyType, TracebackType
from typing import IO, Any, Literal

from rich.console import Console
from rich.text import Text

from pipelinekit.errors import InvalidValueError, OutputError

__all__ = [
    "LEVELS",
    "Level",
    "RunLogger",
    "StepLog",
    "bind",
    "bound",
    "get_logger",
    "redact_text",
]

Level = Literal["debug", "info", "warning", "error"]
#: Levels by rank: an event is kept when its level ranks at least the logger's.
LEVELS: Mapping[str, int] = MappingProxyType({"debug": 10, "info": 20, "warning": 30, "error": 40})
#: The keys every JSON line starts with, in this order.
FIRST_KEYS = ("timestamp", "level", "event", "run_id", "step")

_STYLES = {"debug": "dim", "info": "", "warning": "yellow", "error": "bold red"}
_SECRET_KEY = re.compile(r"password|passwd|secret|token|api_?key|credential", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*):[^\s/@]+@")

_context: ContextVar[Mapping[str, Any]] = ContextVar(
    "pipelinekit_log_context", default=MappingProxyType({})
)
_current: ContextVar[RunLogger | None] = ContextVar("pipelinekit_logger", default=None)


# ---------------------------------------------------------------------- context
@contextmanager
def bind(**fields: Any) -> Iterator[None]:
    """Add ``fields`` to every event logged inside the block (nested blocks add up).

    Examples
    --------
    >>> with bind(run_id="r1"):
    ...     with bind(step="clean"):
    ...         bound()
    {'run_id': 'r1', 'step': 'clean'}
    >>> bound()
    {}
    """
    token = _context.set(MappingProxyType({**_context.get(), **fields}))
    try:
        yield
    finally:
        _context.reset(token)


def bound() -> dict[str, Any]:
    """The fields :func:`bind` has bound here."""
    return dict(_context.get())


def redact_text(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``.

    Examples
    --------
    >>> redact_text("cannot reach postgresql://learner:s3cret@db:5432/shop (timeout)")
    'cannot reach postgresql://learner:***@db:5432/shop (timeout)'
    """
    return _URL_PASSWORD.sub(r"\g<head>:***@", text)


# ---------------------------------------------------------------------- the logger
@dataclass
class StepLog:
    """What :meth:`RunLogger.step` yields: set ``rows_out`` (and more) before the block ends."""

    name: str
    rows_in: int | None = None
    rows_out: int | None = None
    seconds: float | None = None


class RunLogger:
    """Write events as JSON lines to a file and as readable lines to the console.

    Parameters
    ----------
    path : path, optional
        The ``.jsonl`` file to append to (its folder is created). None: console only.
    run_id : str, optional
        Written in every event (a :func:`bind` inside the run can override it).
    console : bool or rich Console, default True
        True: readable lines on standard error; False: none; a Console: there.
    level : {"debug", "info", "warning", "error"}, default "info"
        Events below this level are dropped, from the file and the console alike.

    Notes
    -----
    Used as a context manager the logger is also the one :func:`get_logger` returns
    inside the block, so code deep in a pipeline can log without being handed it; the
    file is closed at the end. The file is flushed after every event: ``tail -f`` shows a
    run as it goes and a crash loses nothing already logged.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        run_id: str | None = None,
        console: bool | Console = True,
        level: Level = "info",
    ) -> None:
        if level not in LEVELS:
            raise InvalidValueError(
                f"Log level {level!r}", f"one of {', '.join(map(repr, LEVELS))}"
            )
        self.path = None if path is None else Path(path)
        self.run_id = run_id
        self.level: Level = level
        self.console: Console | None = (
            Console(stderr=True, highlight=False) if console is True else console or None
        )
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        self._tokens: list[Token[RunLogger | None]] = []
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("a", encoding="utf-8")
            except OSError as error:
                raise OutputError(
                    f"Cannot open the log file {self.path} ({error.strerror or error})",
                    "a folder this process may write to",
                    "pass another path, or None to log to the console only",
                ) from error

    def __repr__(self) -> str:
        return f"RunLogger(path={self.path}, run_id={self.run_id!r}, level={self.level!r})"

    # -- writing events
    def log(self, level: Level, event: str, /, **fields: Any) -> dict[str, Any] | None:
        """Log ``event`` at ``level`` with ``fields``; return the record written (None: dropped).

        Fields given here win over bound ones, which win over the logger's ``run_id``.
        """
        if level not in LEVELS:
            raise InvalidValueError(
                f"Log level {level!r}", f"one of {', '.join(map(repr, LEVELS))}"
            )
        if LEVELS[level] < LEVELS[self.level]:
            return None
        merged = {"run_id": self.run_id, "step": None, **_context.get(), **fields}
        record: dict[str, Any] = {
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": level,
            "event": event,
        }
        for key, value in merged.items():
            record[key] = _clean(key, value)
        line = json.dumps(record, default=_jsonable, ensure_ascii=False, allow_nan=False)
        with self._lock:
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()
            if self.console is not None:
                self.console.print(_human(record), soft_wrap=True)
        return record

    def debug(self, event: str, /, **fields: Any) -> dict[str, Any] | None:
        """Log at level ``debug``."""
        return self.log("debug", event, **fields)

    def info(self, event: str, /, **fields: Any) -> dict[str, Any] | None:
        """Log at level ``info``."""
        return self.log("info", event, **fields)

    def warning(self, event: str, /, **fields: Any) -> dict[str, Any] | None:
        """Log at level ``warning``."""
        return self.log("warning", event, **fields)

    def error(self, event: str, /, **fields: Any) -> dict[str, Any] | None:
        """Log at level ``error``."""
        return self.log("error", event, **fields)

    @contextmanager
    def step(self, name: str, *, rows_in: int | None = None, **fields: Any) -> Iterator[StepLog]:
        """Log ``step_started`` now and ``step_finished`` (or ``step_failed``) at the end.

        The step's name is bound inside the block; the end event carries ``rows_in``,
        ``rows_out`` (set it on the yielded :class:`StepLog`) and ``seconds``. An
        exception is logged as ``step_failed`` with its ``error`` and raised again.
        """
        handle = StepLog(name, rows_in=rows_in)
        with bind(step=name):
            self.info("step_started", rows_in=rows_in, **fields)
            start = perf_counter()
            try:
                yield handle
            except BaseException as error:
                handle.seconds = perf_counter() - start
                self.error(
                    "step_failed",
                    rows_in=handle.rows_in,
                    seconds=handle.seconds,
                    error=f"{type(error).__name__}: {error}",
                    **fields,
                )
                raise
            handle.seconds = perf_counter() - start
            self.info(
                "step_finished",
                rows_in=handle.rows_in,
                rows_out=handle.rows_out,
                seconds=handle.seconds,
                **fields,
            )

    # -- lifetime
    def close(self) -> None:
        """Close the file (logging afterwards goes to the console only)."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __enter__(self) -> RunLogger:
        self._tokens.append(_current.set(self))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _current.reset(self._tokens.pop())
        self.close()


_default: RunLogger | None = None


def get_logger() -> RunLogger:
    """The logger of the ``with RunLogger(...):`` block running here, else a console logger.

    Examples
    --------
    >>> with RunLogger(console=False, run_id="r7") as log:
    ...     get_logger() is log
    True
    >>> get_logger().path is None
    True
    """
    global _default
    current = _current.get()
    if current is not None:
        return current
    if _default is None:
        _default = RunLogger()
    return _default


# ---------------------------------------------------------------------- helpers
def _clean(key: str, value: Any) -> Any:
    """A value safe to log: secrets hidden, URL passwords redacted, NaN as None."""
    if value is not None and _SECRET_KEY.search(key) and not isinstance(value, bool | int):
        return "***"
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _clean(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(key, v) for v in value]
    if isinstance(value, os.PathLike):
        return redact_text(os.fspath(value))
    item = getattr(value, "item", None)  # numpy and pandas scalars
    if callable(item) and getattr(value, "shape", None) == ():
        return _clean(key, item())
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return redact_text(str(value))


def _human(record: Mapping[str, Any]) -> Text:
    """``19:47:01 INFO    step_finished  run_id=r1 step=stg_orders rows_out=2 seconds=0.01``."""
    level = record["level"]
    clock = str(record["timestamp"])[11:19]
    text = Text(f"{clock} ", style="dim")
    text.append(f"{level.upper():<7} ", style=_STYLES[level])
    text.append(f"{record['event']:<15}", style=_STYLES[level] or "bold")
    for key, value in record.items():
        if key in ("timestamp", "level", "event") or value is None:
            continue
        text.append(f" {key}=", style="dim")
        text.append(_short(value))
    return text


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1e6 else f"{value:.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, str):
        return value if value and " " not in value else json.dumps(value, ensure_ascii=False)
    return json.dumps(value, default=_jsonable, ensure_ascii=False)
