"""Every command's --help shows examples: the top level, each subcommand, each action."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from pipelinekit.cli import build_parser


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ("pipelinekit",)
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """``("pipelinekit lineage sql", parser)`` for the parser and every nested subparser."""
    yield " ".join(path), parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                yield from commands(subparser, (*path, name))


COMMANDS = dict(commands(build_parser()))


def test_the_walk_reaches_the_nested_actions() -> None:
    for expected in (
        "pipelinekit",
        "pipelinekit run",
        "pipelinekit generate data",
        "pipelinekit generate analysis",
        "pipelinekit datasets cards",
        "pipelinekit curriculum check",
        "pipelinekit exercises build",
        "pipelinekit lineage upstream",
        "pipelinekit quality check",
        "pipelinekit health",
        "pipelinekit grade",
    ):
        assert expected in COMMANDS


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_shows_examples(command: str) -> None:
    text = COMMANDS[command].format_help()
    assert "example" in text.lower(), f"'{command} --help' shows no example"
    assert f"{command} " in text.lower().split("example", 1)[1], (
        f"the examples of '{command} --help' do not show the command itself"
    )
