"""Checking a single value: a number, a string or a bool, with hints on near misses.

:func:`scalar_equal` accepts a number within a tolerance, and tells how far off a wrong
one is, recognising the usual slips: a percentage for a fraction, a flipped sign, an
off-by-one count, a value left inside a one-element Series.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.grading.checks_scalars import scalar_equal
>>> scalar_equal(0.25, 0.25).score
1.0
>>> print(scalar_equal(pd.Series([0.25]), 0.25).hint)
take the value out of the container with .item() (the value inside is right)
>>> print(scalar_equal(25.0, 0.25).hint)
that looks like a percentage where a fraction is expected: divide by 100
"""

from __future__ import annotations

import math
import numbers
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd

from pipelinekit.errors import InvalidValueError
from pipelinekit.grading.checks_feedback import _safe_repr, _type_hint, describe_value
from pipelinekit.grading.checks_guards import _never_crash, _require_tolerance
from pipelinekit.grading.checks_values import _isclose
from pipelinekit.grading.result import CheckResult


def _scalar_kind(value: object) -> Literal["boolean", "number", "string"] | None:
    if isinstance(value, bool | np.bool_):
        return "boolean"
    if isinstance(value, numbers.Real | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def _single_value(value: object) -> tuple[bool, object, str]:
    """The one value inside a 1-element container, and how to take it out."""
    if isinstance(value, pd.DataFrame) and value.shape == (1, 1):
        return True, value.iat[0, 0], ".iloc[0, 0]"
    if isinstance(value, pd.Series | np.ndarray) and value.size == 1:
        return True, value.item() if isinstance(value, np.ndarray) else value.iloc[0], ".item()"
    if isinstance(value, list | tuple) and len(value) == 1:
        return True, value[0], "[0]"
    return False, None, ""


@_never_crash
def scalar_equal(
    answer: object, expected: float | int | str | bool, *, rtol: float = 1e-6, atol: float = 1e-9
) -> CheckResult:
    """Check one number, string or bool; scores 1 or 0, saying how far off a number is.

    Examples
    --------
    >>> print(scalar_equal(112.0, 100))
    ✗ scalar_equal: Your value 112.0 is too high by 12 % (score 0.00)
    >>> scalar_equal(0.1 + 0.2, 0.3).score
    1.0
    """
    _require_tolerance(rtol, atol)
    wanted = _scalar_kind(expected)
    if wanted is None:
        raise InvalidValueError(
            f"The expected value of scalar_equal is {describe_value(expected)}",
            "a number, a string or a bool",
            "compare tables with frame_equal",
        )
    got = _scalar_kind(answer)
    if got is None:
        single, inner, how = _single_value(answer)
        hint = _type_hint(answer, f"single {wanted}")
        if single:
            hint = f"take the value out of the container with {how}"
            if scalar_equal(inner, expected, rtol=rtol, atol=atol).passed:
                hint += " (the value inside is right)"
        return CheckResult(
            "scalar_equal", 0.0, f"Expected a {wanted}, found {describe_value(answer)}", hint
        )
    if got != wanted:
        hint = f"the question asks for a {wanted}"
        if got == "string" and wanted == "number":
            hint = "it is text: convert it with float(...) or int(...)"
        elif got == "boolean":
            hint = "True and False are not numbers here: compute the number itself"
        return CheckResult(
            "scalar_equal", 0.0, f"Expected a {wanted}, found {describe_value(answer)}", hint
        )
    if wanted == "string":
        return _string_equal(str(answer), str(expected))
    if wanted == "boolean":
        right = bool(answer) == bool(expected)
        return CheckResult(
            "scalar_equal",
            float(right),
            "Right" if right else f"Your answer {bool(answer)} is not right",
            None if right else "check the condition you computed",
        )
    return _number_equal(answer, expected, rtol, atol)  # type: ignore[arg-type]


def _string_equal(answer: str, expected: str) -> CheckResult:
    if answer == expected:
        return CheckResult("scalar_equal", 1.0, "Right")
    if " ".join(answer.split()).casefold() == " ".join(expected.split()).casefold():
        return CheckResult(
            "scalar_equal",
            0.0,
            f"Your text {_safe_repr(answer)} differs only in upper/lower case or spaces",
            "match the spelling exactly (.strip(), .lower() or .title() may help)",
        )
    return CheckResult(
        "scalar_equal", 0.0, f"Your text {_safe_repr(answer)} is not the expected one"
    )


def _number_equal(
    answer: numbers.Real, expected: numbers.Real, rtol: float, atol: float
) -> CheckResult:
    if isinstance(answer, numbers.Integral) and isinstance(expected, numbers.Integral):
        right = int(answer) == int(expected)
    else:
        a, e = float(answer), float(expected)
        right = bool(_isclose(np.float64(a), np.float64(e), rtol, atol))
    if right:
        return CheckResult("scalar_equal", 1.0, "Right")
    a, e = float(answer), float(expected)
    if not (math.isfinite(a) and math.isfinite(e)):
        return CheckResult("scalar_equal", 0.0, f"Your value {_safe_repr(answer)} is not right")
    integers = isinstance(answer, numbers.Integral) and isinstance(expected, numbers.Integral)
    difference = int(answer) - int(expected) if integers else a - e  # type: ignore[call-overload]
    direction = "high" if difference > 0 else "low"
    size = f"{abs(difference) / abs(e):.0%}".replace("%", " %") if e else f"{abs(difference):.3g}"
    hint = None
    if e and a:
        ratio = a / e
        if math.isclose(ratio, 100, rel_tol=1e-3):
            hint = "that looks like a percentage where a fraction is expected: divide by 100"
        elif math.isclose(ratio, 0.01, rel_tol=1e-3):
            hint = "that looks like a fraction where a percentage is expected: multiply by 100"
        elif math.isclose(ratio, -1, rel_tol=1e-6):
            hint = "the sign is flipped: check the order of a subtraction"
    if hint is None and abs(difference) == 1 and (integers or (a.is_integer() and e.is_integer())):
        hint = "off by one: check < against <=, or whether a range includes its ends"
    return CheckResult(
        "scalar_equal", 0.0, f"Your value {_safe_repr(answer)} is too {direction} by {size}", hint
    )
