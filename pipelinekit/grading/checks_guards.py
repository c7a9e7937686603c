"""Guarding the checks: an answer never crashes a check, a wrong exercise always does.

A learner's answer may be of any type, huge, or even hostile (a property that raises).
:func:`_never_crash` turns any error it provokes into a score of 0 with the error in the
message. The *expected* side is the exercise author's: :func:`_require_frame` and
:func:`_require_tolerance` raise :class:`~pipelinekit.errors.InvalidValueError` when it
is wrong, so the mistake is caught when the exercise is built.

Examples
--------
>>> from pipelinekit.grading.checks_guards import _never_crash
>>> @_never_crash
... def half(answer):
...     return CheckResult("half", answer / 2, "checked")
>>> print(half("ten"))
✗ half: The answer could not be checked (TypeError: unsupported operand ...) (score 0.00)
  Hint: make the answer a plain value of the expected type (a pandas DataFrame, ...)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from pipelinekit.errors import InvalidValueError, PipelinekitError
from pipelinekit.grading.checks_feedback import describe_value
from pipelinekit.grading.result import CheckResult


def _never_crash(check: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """Turn any error an answer provokes into a score of 0 with the error in the message.

    :class:`PipelinekitError` passes through: checks raise it for a wrong *expected*
    side, which is the exercise author's mistake.
    """

    @functools.wraps(check)
    def guarded(*args: Any, **kwargs: Any) -> CheckResult:
        try:
            return check(*args, **kwargs)
        except PipelinekitError:
            raise
        except Exception as error:  # includes MemoryError and RecursionError
            try:
                reason = f"{type(error).__name__}: {error}"
            except Exception:
                reason = type(error).__name__
            return CheckResult(
                check.__name__,
                0.0,
                f"The answer could not be checked ({reason[:200]})",
                "make the answer a plain value of the expected type "
                "(a pandas DataFrame, a number, a string)",
            )

    return guarded


def _require_frame(value: object, check: str) -> pd.DataFrame:
    if not isinstance(value, pd.DataFrame):
        raise InvalidValueError(
            f"The expected value of {check} is {describe_value(value)}",
            "a DataFrame",
            "the reference solution must produce a DataFrame for this check",
        )
    if value.columns.duplicated().any():
        raise InvalidValueError(
            f"The expected DataFrame of {check} repeats column names",
            "unique column names",
        )
    return value


def _require_tolerance(rtol: float, atol: float) -> None:
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            raise InvalidValueError(f"{name}={value!r}", "a non-negative number")
