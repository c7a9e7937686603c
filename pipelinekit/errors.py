"""Errors that teach.

Every error pipelinekit raises on purpose is a :class:`PipelinekitError`. Its message
says three things, always in the same order, so learners learn where to look:

1. what was found,
2. what was expected,
3. a ``Hint:`` on how to fix it.

Messages are built in one place (:func:`format_message`) so they read the same
everywhere. At the command line the same message is printed on one line
(:meth:`PipelinekitError.one_line`) and the program exits with status 2.

Examples
--------
>>> from pipelinekit.errors import UnknownNameError
>>> err = UnknownNameError.for_name("ecomerce", ["ecommerce", "finance", "iot"], kind="domain")
>>> print(err)
Unknown domain 'ecomerce'; expected one of 'ecommerce', 'finance', 'iot'.
<BLANKLINE>
Hint: did you mean 'ecommerce'?
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "PipelinekitError",
    "UnknownNameError",
    "InvalidValueError",
    "OutputError",
    "format_list",
    "format_message",
    "nearest",
]


def format_list(items: Iterable[object], *, most: int = 6) -> str:
    """Quote items for a message, ending long lists with ``... and N more``.

    Examples
    --------
    >>> format_list(["a", "b"])
    "'a', 'b'"
    >>> format_list(range(10), most=3)
    "'0', '1', '2' ... and 7 more"
    """
    quoted = [f"'{item}'" for item in items]
    if len(quoted) <= most:
        return ", ".join(quoted)
    return ", ".join(quoted[:most]) + f" ... and {len(quoted) - most} more"


def nearest(name: str, options: Iterable[str], *, n: int = 3) -> list[str]:
    """The options that look most like ``name`` (for "did you mean" hints).

    Examples
    --------
    >>> nearest("amout", ["amount", "customer_id", "amount_eur"])
    ['amount', 'amount_eur']
    """
    return difflib.get_close_matches(str(name), [str(o) for o in options], n=n, cutoff=0.6)


def format_message(found: str, expected: str | None = None, hint: str | None = None) -> str:
    """Build an error message: what was found; what was expected. Hint: how to fix it.

    Examples
    --------
    >>> print(format_message("Scale -5", "a positive whole number", "try --scale small"))
    Scale -5; expected a positive whole number.
    <BLANKLINE>
    Hint: try --scale small.
    """
    message = found.rstrip(".")
    if expected:
        message += f"; expected {expected.rstrip('.')}"
    message = _sentence(message)
    if hint:
        message += f"\n\nHint: {_sentence(hint)}"
    return message


def _sentence(text: str) -> str:
    """End ``text`` with one full stop unless it already ends a sentence."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


class PipelinekitError(Exception):
    """Base class of the errors pipelinekit raises on purpose.

    Parameters
    ----------
    found : str
        What was found, naming the culprit ("Unknown scale 'huge'").
    expected : str, optional
        What was expected instead ("one of 'tiny', 'small', 'large'").
    hint : str, optional
        How to fix it.
    """

    def __init__(self, found: str, expected: str | None = None, hint: str | None = None):
        self.found = found
        self.expected = expected
        self.hint = hint
        super().__init__(format_message(found, expected, hint))

    def one_line(self) -> str:
        """The message on a single line, as the command line prints it.

        Examples
        --------
        >>> PipelinekitError("Scale -5", "a positive number", "try 'small'").one_line()
        "Scale -5; expected a positive number. Hint: try 'small'."
        """
        return " ".join(str(self).split())


class UnknownNameError(PipelinekitError, LookupError):
    """A name (domain, scale, table, column, ...) that does not exist."""

    def __str__(self) -> str:  # LookupError would otherwise quote the message
        return format_message(self.found, self.expected, self.hint)

    @classmethod
    def for_name(
        cls, name: object, options: Iterable[str], *, kind: str, hint: str | None = None
    ) -> UnknownNameError:
        """Build the error for an unknown ``name`` of a ``kind``, with nearest matches.

        The hint names the closest options; ``hint`` is used when none is close.
        """
        options = list(options)
        close = nearest(str(name), options)
        if close:
            hint = f"did you mean {'one of ' if len(close) > 1 else ''}{format_list(close)}?"
        return cls(f"Unknown {kind} '{name}'", f"one of {format_list(options)}", hint)


class InvalidValueError(PipelinekitError, ValueError):
    """A value of the right kind but outside what is allowed (a negative size, say)."""


class OutputError(PipelinekitError, OSError):
    """Results cannot be written where they were asked to go."""

    def __str__(self) -> str:  # OSError would otherwise format its own message
        return format_message(self.found, self.expected, self.hint)
