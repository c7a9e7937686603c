"""YAML read node by node, so every error names the file and the line of the problem.

pipelinekit's two YAML formats — quality rules (:func:`pipelinekit.quality.load_rules`)
and pipelines (:func:`pipelinekit.pipeline.load_pipeline`) — are parsed with
``yaml.compose``: the result is a tree of nodes that each know their line. A format's
reader subclasses :class:`NodeReader` and turns the nodes into its own objects, raising
its own :class:`FileLineError` subclass where something is wrong.

Examples
--------
>>> root = compose("rules:\\n  - kind: unique\\n", "<text>", FileLineError, "YAML")
>>> [line(node) for node in root.value[0]]
[1, 2]
>>> compose("rules: [unclosed", "shop.yml", FileLineError, "YAML as in the rules format")
Traceback (most recent call last):
...
pipelinekit.yaml_lines.FileLineError: shop.yml, line 1: not valid YAML (expected ',' or ']'...
"""

from __future__ import annotations

from typing import Any

import yaml

from pipelinekit.errors import PipelinekitError

__all__ = ["FileLineError", "NodeReader", "compose", "line"]


class FileLineError(PipelinekitError):
    """A problem in a YAML file (or text), at a line when one is known.

    Parameters
    ----------
    source : str
        The file's path as the user gave it, or ``<text>``.
    line : int or None
        The line of the problem, from 1.
    found, expected, hint : str
        As for every :class:`~pipelinekit.errors.PipelinekitError`.
    """

    def __init__(
        self,
        source: str,
        line: int | None,
        found: str,
        expected: str | None = None,
        hint: str | None = None,
    ):
        self.source = source
        self.line = line
        where = f"{source}, line {line}" if line is not None else source
        super().__init__(f"{where}: {found}", expected, hint)


def compose(
    text: str,
    source: str,
    error: type[FileLineError],
    expected: str,
    hint: str | None = None,
) -> yaml.Node | None:
    """The node tree of ``text`` (None when it is empty); YAML that does not parse is
    ``error`` at the line where the parser stopped."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        at = None if mark is None else mark.line + 1
        raise error(source, at, f"not valid YAML ({problem.problem})", expected, hint) from None


def line(node: yaml.Node) -> int:
    """The line ``node`` starts on, from 1."""
    return int(node.start_mark.line) + 1


class NodeReader:
    """What every format's reader needs: errors at a node's line, a node's plain value."""

    error_class: type[FileLineError] = FileLineError

    def __init__(self, source: str):
        self.source = source
        self.loader = yaml.SafeLoader("")

    def error(
        self, node: yaml.Node, found: str, expected: str | None = None, hint: str | None = None
    ) -> FileLineError:
        return self.error_class(self.source, line(node), found, expected, hint)

    def value(self, node: yaml.Node) -> Any:
        """The Python value of ``node`` (and of everything under it)."""
        return self.loader.construct_object(node, deep=True)
