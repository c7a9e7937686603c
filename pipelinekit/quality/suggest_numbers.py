"""Numbers for suggestions: bounds rounded outwards, values and shares as evidence writes them.

:func:`nice` rounds a range outwards to two significant digits (``between`` bounds);
:func:`num`, :func:`pct` and :func:`plain` write numbers into evidence, YAML and SQL.

Examples
--------
>>> nice(0.31, 97.2, integer=False), num(12345.5), pct(0.25)
((0.31, 98), '12,345.5', '25.0 %')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["nice", "num", "pct", "plain"]


def nice(low: float, high: float, *, integer: bool) -> tuple[float | int, float | int]:
    """Round ``low`` down and ``high`` up to two significant digits of the bound or of the
    width, whichever is finer (a year stays a year; 4.99 does not become 0).

    Examples
    --------
    >>> nice(1.2, 4871.0, integer=False), nice(312, 849, integer=True)
    ((1.2, 4900), (310, 850))
    >>> nice(1939, 2006, integer=True), nice(-705, 0.087, integer=False)
    ((1939, 2006), (-710, 0.087))
    """
    width = _exponent(high - low) if high > low else None
    return _round(low, math.floor, integer, width), _round(high, math.ceil, integer, width)


def _exponent(value: float) -> int:
    return math.floor(math.log10(abs(value))) - 1


def _round(
    value: float, way: Callable[[float], int], integer: bool, width: int | None
) -> float | int:
    if value == 0:
        return 0
    exponent = _exponent(value) if width is None else min(_exponent(value), width)
    if integer:
        exponent = max(exponent, 0)
    steps = value / 10.0**exponent
    if abs(steps - round(steps)) < 1e-9:  # 4.9 / 0.1 is 48.999...: already round
        steps = round(steps)
    if exponent >= 0:
        return int(way(steps)) * 10**exponent
    return round(way(steps) * 10.0**exponent, -exponent)


def num(value: Any) -> str:
    """A number for evidence: six significant digits, thousands separated from 10,000."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,.6g}" if abs(number) >= 10_000 else f"{number:.6g}"


def pct(share: float) -> str:
    """A share as a percentage with one decimal (``12.5 %``)."""
    return f"{share:.1%}".replace("%", " %")


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value YAML and SQL expect."""
    return value.item() if hasattr(value, "item") else value
