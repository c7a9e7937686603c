"""Rules in YAML: load them from a file or text, save them back, with line numbers in errors.

The format lists rules under ``rules:``, each a mapping with ``kind`` and the fields of
:class:`~pipelinekit.quality.rule.Rule` (``table``, ``column`` or ``columns``, ``name``,
``severity``, ``description``) next to the kind's parameters::

    rules:
      - kind: between
        table: orders
        column: amount
        min: 0
        max: 5000
        severity: warn

Rules of one table may instead be grouped under ``tables:``, which saves repeating
``table:`` (both sections may appear in one file)::

    tables:
      orders:
        - kind: unique
          column: order_id
      customers:
        - {kind: matches_regex, column: email, pattern: '^[^@ ]+@[^@ ]+$'}

A wrong field, an unknown kind, a missing parameter or a bad value is refused with one
error naming the file and the line, and the nearest field name.

Examples
--------
>>> rules = load_rules('''
... tables:
...   orders:
...     - kind: between
...       column: amount
...       min: 0
... ''')
>>> rules
[Rule(orders.between(amount), min=0, error)]
>>> load_rules('''
... rules:
...   - kind: between
...     column: amount
...     mn: 0
... ''')
Traceback (most recent call last):
...
pipelinekit.quality.rules_yaml.RulesFileError: <text>, line 5: unknown field 'mn' ...
<BLANKLINE>
Hint: did you mean 'min'?
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from pipelinekit.errors import (
    InvalidValueError,
    OutputError,
    PipelinekitError,
    format_list,
    nearest,
)
from pipelinekit.quality.rule import KINDS, Rule
from pipelinekit.yaml_lines import FileLineError, NodeReader, compose

__all__ = ["RulesFileError", "dump_rules", "load_rules", "save_rules"]

#: Fields every rule may have, next to its kind's parameters.
RULE_FIELDS = ("kind", "table", "column", "columns", "name", "severity", "description")
_SECTIONS = ("rules", "tables")


class RulesFileError(FileLineError, ValueError):
    """A rules file (or text) that cannot be read, with the line of the problem."""


def load_rules(path_or_text: str | os.PathLike[str]) -> list[Rule]:
    """Read rules from a YAML file, or from YAML text.

    Parameters
    ----------
    path_or_text : str or path
        A path to a ``.yml`` / ``.yaml`` file, or the YAML itself (text with a line
        break, or anything that is not the name of an existing file).

    Returns
    -------
    list of Rule
        The rules, in the order written (``rules:`` first, then ``tables:``).

    Raises
    ------
    RulesFileError
        Naming the file and line: YAML that does not parse, an unknown section, field or
        kind, a missing parameter, a bad value.
    """
    text, source = _read(path_or_text)
    root = compose(text, source, RulesFileError, "YAML as in the rules format")
    if root is None:
        return []
    reader = _Reader(source)
    if isinstance(root, yaml.SequenceNode):
        return reader.rule_list(root, None)
    if not isinstance(root, yaml.MappingNode):
        raise reader.error(root, "a single value", "a mapping with 'rules:' or 'tables:'")
    rules: list[Rule] = []
    for key, value in root.value:
        section = reader.scalar(key)
        if section == "rules":
            rules += reader.rule_list(value, None)
        elif section == "tables":
            rules += reader.tables(value)
        else:
            raise reader.unknown(key, section, _SECTIONS, "section")
    return rules


def dump_rules(rules: Iterable[Rule]) -> str:
    """The rules as YAML text, in the ``rules:`` format (what :func:`save_rules` writes).

    Examples
    --------
    >>> print(dump_rules([Rule("between", column="amount", min=0, max=5000, table="orders",
    ...                        severity="warn")]), end="")
    rules:
    - kind: between
      table: orders
      column: amount
      min: 0
      max: 5000
      severity: warn
    """
    data = {"rules": [_plain(rule.to_dict()) for rule in rules]}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def save_rules(rules: Iterable[Rule], path: str | os.PathLike[str]) -> Path:
    """Write ``rules`` to a YAML file that :func:`load_rules` reads back equal."""
    target = Path(path)
    try:
        target.write_text(dump_rules(rules), encoding="utf-8")
    except OSError as error:
        raise OutputError(
            f"Cannot write the rules to {target} ({error.strerror})",
            "a writable file path",
            "check that the folder exists",
        ) from error
    return target


def _read(path_or_text: str | os.PathLike[str]) -> tuple[str, str]:
    if isinstance(path_or_text, os.PathLike):
        path = Path(path_or_text)
    elif "\n" in path_or_text or not path_or_text.strip():
        return path_or_text, "<text>"
    else:
        path = Path(path_or_text)
        if not path.exists() and path.suffix.lower() not in (".yml", ".yaml"):
            return path_or_text, "<text>"
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except OSError as error:
        raise RulesFileError(
            str(path),
            None,
            f"cannot be read ({error.strerror})",
            "a YAML file of rules",
            "check the path; load_rules also accepts the YAML text itself",
        ) from None


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return value.item()
    return value


class _Reader(NodeReader):
    """Turns composed YAML nodes into rules, keeping each node's line for errors."""

    error_class = RulesFileError

    def unknown(
        self, node: yaml.Node, name: Any, options: Iterable[str], what: str, of: str = ""
    ) -> FileLineError:
        options = list(options)
        close = nearest(str(name), options)
        hint = f"did you mean {format_list(close)}?" if close else None
        found = f"unknown {what} '{name}'{of}"
        return self.error(node, found, f"one of {format_list(options, most=12)}", hint)

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(node, "a list or mapping where a name belongs", "a name")
        return self.value(node)

    def tables(self, node: yaml.Node) -> list[Rule]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(
                node, "'tables:' is not a mapping", "table names, each with a list of rules"
            )
        rules: list[Rule] = []
        for key, value in node.value:
            rules += self.rule_list(value, str(self.scalar(key)))
        return rules

    def rule_list(self, node: yaml.Node, table: str | None) -> list[Rule]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(
                node, "rules that are not a list", "a list of rules, each starting with '- kind:'"
            )
        return [self.rule(item, table) for item in node.value]

    def rule(self, node: yaml.Node, table: str | None) -> Rule:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, "a rule that is not a mapping", "kind: ... and its fields")
        fields: dict[str, Any] = {}
        lines: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = str(self.scalar(key))
            if name in fields:
                raise self.error(key, f"field {name!r} given twice", "each field once")
            fields[name], lines[name] = self.value(value), key
        kind = fields.pop("kind", None)
        if kind is None:
            raise self.error(node, "a rule without 'kind'", "kind: one of the rule kinds")
        spec = KINDS.get(str(kind))
        if spec is None:
            raise self.unknown(lines["kind"], kind, KINDS, "rule kind")
        allowed = [f for f in RULE_FIELDS if f != "kind"] + [p.name for p in spec.params]
        for name in fields:
            if name not in allowed:
                raise self.unknown(lines[name], name, allowed, "field", f" of rule '{kind}'")
        if table is not None:
            if fields.get("table", table) != table:
                raise self.error(
                    lines["table"],
                    f"table {fields['table']!r} in the rules of table {table!r}",
                    f"table {table!r}, or no table field",
                )
            fields["table"] = table
        try:
            return Rule(str(kind), **fields)
        except PipelinekitError as error:
            raise self._placed(error, node, lines, str(kind)) from None
        except TypeError as error:  # e.g. columns given as a number
            raise self.error(node, f"rule '{kind}': {error}") from None

    def _placed(
        self, error: PipelinekitError, node: yaml.Node, lines: dict[str, yaml.Node], kind: str
    ) -> FileLineError:
        """The error of ``Rule(...)`` at the line of the field it names, if it names one."""
        at = node
        for name, key in lines.items():
            if f"'{name}'" in error.found or (name == "severity" and "severity" in error.found):
                at = key
                break
        if isinstance(error, InvalidValueError) and at is node:
            found = f"rule '{kind}' (starting here): {error.found}"
        else:
            found = error.found
        return self.error(at, found, error.expected, error.hint)
