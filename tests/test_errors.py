"""Errors teach: found, expected, hint — the same shape everywhere."""

import pytest

from pipelinekit.errors import (
    InvalidValueError,
    OutputError,
    PipelinekitError,
    UnknownNameError,
    format_list,
    format_message,
)


def test_message_has_found_expected_and_hint():
    message = format_message("Scale -5", "a positive number", "try 'small'")
    assert message == "Scale -5; expected a positive number.\n\nHint: try 'small'."


def test_hint_question_keeps_its_question_mark():
    assert format_message("x", hint="did you mean 'y'?").endswith("Hint: did you mean 'y'?")


def test_long_lists_end_with_and_n_more():
    assert format_list(range(9), most=2) == "'0', '1' ... and 7 more"


def test_unknown_name_suggests_nearest_or_falls_back_to_the_hint():
    close = UnknownNameError.for_name("amout", ["amount", "id"], kind="column")
    assert "did you mean 'amount'?" in str(close)
    far = UnknownNameError.for_name("zzz", ["amount"], kind="column", hint="list the columns")
    assert str(far).endswith("Hint: list the columns.")


@pytest.mark.parametrize("error_type", [UnknownNameError, InvalidValueError, OutputError])
def test_every_error_is_a_pipelinekit_error_with_one_line_form(error_type):
    error = error_type("Found x", "y", "do z")
    assert isinstance(error, PipelinekitError)
    assert error.one_line() == "Found x; expected y. Hint: do z."
    assert str(error) == "Found x; expected y.\n\nHint: do z."
