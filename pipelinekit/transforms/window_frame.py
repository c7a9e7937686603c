"""The window frame: which rows around the current one a window function sees.

A frame is ``ROWS`` (count rows) or ``RANGE`` (compare ORDER BY values, peers included)
between two bounds. :class:`WindowFrame` holds it with signed offsets (``-2`` is
2 PRECEDING, ``0`` CURRENT ROW, ``None`` UNBOUNDED) and writes it back as SQL;
:func:`parse_frame` reads the SQL clause. Used by :func:`pipelinekit.transforms.window.window`.

Examples
--------
>>> import pandas as pd
>>> parse_frame("rows between 2 preceding and current row")
WindowFrame(kind='rows', start=-2, end=0)
>>> WindowFrame("range", -pd.Timedelta("3 days"), 0).sql()
"RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError, UnknownNameError

__all__ = ["WindowFrame", "FrameLike", "parse_frame"]

Offset: TypeAlias = int | float | pd.Timedelta
Bound: TypeAlias = Offset | None


@dataclass(frozen=True)
class WindowFrame:
    """Which rows around the current one a window function sees.

    Parameters
    ----------
    kind : {"rows", "range"}
        ``"rows"`` counts rows; ``"range"`` compares ORDER BY values (peers included).
    start, end : int, float, pandas.Timedelta or None
        Signed offsets from the current row: ``None`` is UNBOUNDED (preceding for
        ``start``, following for ``end``), ``0`` is CURRENT ROW, ``-2`` is 2 PRECEDING,
        ``3`` is 3 FOLLOWING. A RANGE frame over a datetime key takes Timedeltas.

    Examples
    --------
    >>> WindowFrame("rows", -2, 0).sql()
    'ROWS BETWEEN 2 PRECEDING AND CURRENT ROW'
    >>> WindowFrame("range", -pd.Timedelta("3 days"), 0).sql()
    "RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW"
    """

    kind: Literal["rows", "range"] = "range"
    start: Bound = None
    end: Bound = 0

    def __post_init__(self) -> None:
        if self.kind not in ("rows", "range"):
            raise UnknownNameError.for_name(self.kind, ["rows", "range"], kind="frame kind")
        for bound in (self.start, self.end):
            _check_offset(bound, self.kind)
        if _is_interval(self.start) != _is_interval(self.end) and not (
            _is_plain(self.start) or _is_plain(self.end)
        ):
            raise InvalidValueError(
                f"Frame {self.start!r} to {self.end!r} mixes a number with an interval",
                "both offsets numbers or both intervals",
                "use pd.Timedelta for both ends of a RANGE frame over a datetime column",
            )
        low = -np.inf if self.start is None else _as_number(self.start)
        high = np.inf if self.end is None else _as_number(self.end)
        if low > high:
            raise InvalidValueError(
                f"Frame {self.sql()} starts after it ends",
                "a start at or before the end",
                "offsets are signed: -2 is 2 PRECEDING, 0 CURRENT ROW, 1 is 1 FOLLOWING",
            )

    @property
    def has_offsets(self) -> bool:
        """Whether a bound is a PRECEDING/FOLLOWING offset (not UNBOUNDED or CURRENT ROW)."""
        return not (_is_plain(self.start) and _is_plain(self.end))

    @property
    def uses_interval(self) -> bool:
        return _is_interval(self.start) or _is_interval(self.end)

    def sql(self) -> str:
        """The frame clause: ``ROWS BETWEEN 2 PRECEDING AND CURRENT ROW``."""
        start = _bound_sql(self.start, "PRECEDING")
        end = _bound_sql(self.end, "FOLLOWING")
        return f"{self.kind.upper()} BETWEEN {start} AND {end}"


def _is_plain(bound: Bound) -> bool:
    """UNBOUNDED (None) or CURRENT ROW (0)."""
    return bound is None or _as_number(bound) == 0


def _is_interval(bound: Bound) -> bool:
    return isinstance(bound, pd.Timedelta) and bound.value != 0


def _as_number(bound: Offset) -> float:
    return bound.value if isinstance(bound, pd.Timedelta) else float(bound)


def _check_offset(bound: object, kind: str) -> None:
    numeric = isinstance(bound, (int, float, np.integer, np.floating)) and not isinstance(
        bound, (bool, np.bool_)
    )
    if bound is None or (isinstance(bound, pd.Timedelta) and kind == "range"):
        return
    if kind == "rows" and (isinstance(bound, (int, np.integer)) and numeric):
        return
    if kind == "range" and numeric and np.isfinite(float(bound)):  # type: ignore[arg-type]
        return
    expected = (
        "a whole number of rows, 0 or None"
        if kind == "rows"
        else "a number, a pd.Timedelta, 0 or None"
    )
    raise InvalidValueError(
        f"Frame offset {bound!r} ({type(bound).__name__}) in a {kind.upper()} frame",
        expected,
        "ROWS frames count rows; RANGE frames take a number (numeric ORDER BY) "
        "or pd.Timedelta('3 days') (datetime ORDER BY)",
    )


def _bound_sql(bound: Bound, unbounded: str) -> str:
    if bound is None:
        return f"UNBOUNDED {unbounded}"
    if _is_plain(bound):
        return "CURRENT ROW"
    side = "PRECEDING" if _as_number(bound) < 0 else "FOLLOWING"
    if isinstance(bound, pd.Timedelta):
        return f"INTERVAL '{_interval_text(abs(bound))}' {side}"
    return f"{abs(bound)!r} {side}"


def _interval_text(delta: pd.Timedelta) -> str:
    parts = delta.components
    if parts.nanoseconds:
        raise InvalidValueError(
            f"Interval {delta} has nanoseconds",
            "an interval in whole microseconds",
            "SQL intervals stop at microseconds; round it with .round('us')",
        )
    units = [
        ("days", parts.days),
        ("hours", parts.hours),
        ("minutes", parts.minutes),
        ("seconds", parts.seconds),
        ("milliseconds", parts.milliseconds),
        ("microseconds", parts.microseconds),
    ]
    return " ".join(f"{n} {unit}" for unit, n in units if n) or "0 days"


_OFFSET = r"interval\s+'[^']+'|'[^']+'|[0-9.]+(?:\s+(?!preceding\b|following\b)[a-z]+)?"
_BOUND = (
    rf"unbounded\s+preceding|unbounded\s+following|current\s+row"
    rf"|(?:{_OFFSET})\s+(?:preceding|following)"
)
_FRAME = re.compile(
    rf"^\s*(rows|range)\s+(?:between\s+({_BOUND})\s+and\s+({_BOUND})|({_BOUND}))\s*$"
)

FrameLike = WindowFrame | str


def parse_frame(spec: FrameLike) -> WindowFrame:
    """Read a frame clause as SQL writes it (case does not matter).

    ``"rows between 2 preceding and current row"``,
    ``"range between interval '3 days' preceding and current row"`` (or ``'3 days'``, or
    ``3 days``), ``"rows unbounded preceding"`` (the end is then CURRENT ROW).

    Examples
    --------
    >>> parse_frame("rows between 2 preceding and 1 following")
    WindowFrame(kind='rows', start=-2, end=1)
    >>> parse_frame("RANGE BETWEEN '3 days' PRECEDING AND CURRENT ROW").start
    Timedelta('-3 days +00:00:00')
    """
    if isinstance(spec, WindowFrame):
        return spec
    if not isinstance(spec, str):
        raise InvalidValueError(
            f"Window frame {spec!r} ({type(spec).__name__})",
            "a WindowFrame or a frame clause string",
            "write 'rows between 2 preceding and current row' or WindowFrame('rows', -2, 0)",
        )
    match = _FRAME.match(spec.lower())
    if not match:
        raise InvalidValueError(
            f"Window frame '{spec}'",
            "'ROWS|RANGE BETWEEN <bound> AND <bound>' where a bound is UNBOUNDED PRECEDING, "
            "N PRECEDING, CURRENT ROW, N FOLLOWING or UNBOUNDED FOLLOWING",
            "for time ranges write \"range between interval '3 days' preceding and current row\"",
        )
    kind, start, end, only = match.groups()
    if only is not None:
        start, end = only, "current row"
    return WindowFrame(kind, _parse_bound(start), _parse_bound(end))  # type: ignore[arg-type]


def _parse_bound(text: str) -> Bound:
    words = text.split()
    if words[0] == "unbounded":
        return None
    if words[0] == "current":
        return 0
    side = -1 if words[-1] == "preceding" else 1
    amount = " ".join(words[:-1]).removeprefix("interval").strip().strip("'")
    if re.fullmatch(r"[0-9]+", amount):
        return side * int(amount)
    if re.fullmatch(r"[0-9]*\.[0-9]+|[0-9]+\.[0-9]*", amount):
        return side * float(amount)
    try:
        return side * pd.Timedelta(amount)
    except ValueError as error:
        raise InvalidValueError(
            f"Interval '{amount}' in the window frame",
            "a fixed length such as '3 days', '2 hours' or '90 minutes'",
            "months and years have no fixed length; use days",
        ) from error
