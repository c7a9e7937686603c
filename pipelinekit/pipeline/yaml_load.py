"""Read a pipeline YAML file into a :class:`~pipelinekit.pipeline.spec.Pipeline`, keeping lines.

The file is parsed with ``yaml.compose``, so every node knows its line; a key that does
not belong, a value of the wrong type, a missing key or an unreadable ``sql_file`` is
refused with one :class:`~pipelinekit.pipeline.spec.PipelineFileError` naming the file,
the line and a hint (the nearest key name for a misspelt one). What the file means —
tables that exist, columns, cycles — is checked afterwards by
:func:`pipelinekit.pipeline.validate.validate`.

Examples
--------
>>> pipeline = load_pipeline('''
... pipeline: shop
... sources:
...   raw: {dataset: ecommerce, scale: tiny}
... steps:
...   - name: paid
...     sql: SELECT * FROM orders WHERE status = 'delivered'
... ''')
>>> pipeline.name, [s.name for s in pipeline.steps], pipeline.steps[0].line
('shop', ['paid'], 6)
>>> load_pipeline('''
... pipeline: shop
... step:
...   - name: paid
... ''')
Traceback (most recent call last):
...
pipelinekit.pipeline.spec.PipelineFileError: <text>, line 3: unknown key 'step' ...
<BLANKLINE>
Hint: did you mean 'steps'?
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from pipelinekit.errors import PipelinekitError, UnknownNameError, format_list, nearest
from pipelinekit.pipeline.spec import (
    LOAD_MODES,
    DatabaseSource,
    DatasetSource,
    FilesSource,
    Gate,
    Pipeline,
    PipelineFileError,
    S3Source,
    Source,
    Step,
    TargetSpec,
)
from pipelinekit.quality.rule import Rule
from pipelinekit.yaml_lines import NodeReader, compose, line

__all__ = ["BUILTIN_FOLDER", "builtin_pipelines", "load_pipeline", "resolve_pipeline"]

#: Where the built-in pipelines live: ``pipelinekit/pipelines/<name>.yml``.
BUILTIN_FOLDER = Path(__file__).resolve().parent.parent / "pipelines"

TOP_KEYS = ("pipeline", "description", "sources", "steps", "gates", "targets")
SOURCE_KINDS = ("dataset", "files", "database", "s3")
DATASET_KEYS = ("dataset", "scale", "seed", "dirty", "tables")
FILES_KEYS = ("path", "tables")
DATABASE_KEYS = ("url", "tables", "schema")
S3_KEYS = ("url", "tables")
STEP_KINDS = ("sql", "sql_file", "transform", "python")
STEP_KEYS = ("name", "description", *STEP_KINDS, "input", "inputs", "params")
GATE_KEYS = ("table", "on_fail", "rules", "rules_file")
TARGET_KEYS = ("url", "tables", "mode", "keys", "watermark")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FUNCTION = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def builtin_pipelines() -> list[str]:
    """The names of the pipelines shipped with pipelinekit (``pipelinekit/pipelines/*.yml``)."""
    if not BUILTIN_FOLDER.is_dir():
        return []
    return sorted(path.stem for path in BUILTIN_FOLDER.glob("*.yml"))


def resolve_pipeline(name_or_path: str | os.PathLike[str]) -> Path:
    """The YAML file of a built-in pipeline's name, or the path given when it is a file.

    Raises
    ------
    UnknownNameError
        Neither a file nor a built-in pipeline; the hint names the nearest built-in.
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    text = str(name_or_path)
    builtin = BUILTIN_FOLDER / f"{text}.yml"
    if "/" not in text and builtin.is_file():
        return builtin
    if path.suffix in (".yml", ".yaml") or "/" in text or os.sep in text:
        raise PipelinekitError(
            f"No pipeline file at '{path}'",
            "the path of a pipeline YAML file, or a built-in pipeline's name",
            f"check the path; built-in pipelines: {format_list(builtin_pipelines()) or 'none'}",
        )
    raise UnknownNameError.for_name(
        text,
        builtin_pipelines(),
        kind="pipeline",
        hint="give the path of a pipeline YAML file, or a built-in pipeline's name",
    )


def load_pipeline(path_or_text: str | os.PathLike[str]) -> Pipeline:
    """Read a pipeline from a YAML file (or from YAML text).

    Parameters
    ----------
    path_or_text : str or path
        A ``.yml`` file, or the YAML itself (text with a line break).

    Returns
    -------
    Pipeline

    Raises
    ------
    PipelineFileError
        Naming the file and the line: YAML that does not parse, an unknown key (with the
        nearest name), a value of the wrong type, a missing key, an unreadable file.
    """
    text, source, folder = _read(path_or_text)
    root = compose(
        text,
        source,
        PipelineFileError,
        "YAML as in the pipeline format",
        "check the indentation and the quotes around text with ': ' or '#'",
    )
    return _Reader(source, folder).pipeline(root)


def _read(path_or_text: str | os.PathLike[str]) -> tuple[str, str, Path]:
    text = str(path_or_text)
    if isinstance(path_or_text, os.PathLike) or ("\n" not in text and text.strip()):
        path = Path(path_or_text)
        try:
            return path.read_text(encoding="utf-8"), str(path), path.resolve().parent
        except OSError as error:
            raise PipelineFileError(
                str(path),
                None,
                f"cannot be read ({error.strerror or error})",
                "a pipeline YAML file you may read",
                "check the path, or pass the YAML text itself",
            ) from None
    return text, "<text>", Path.cwd()


class _Reader(NodeReader):
    """Turns composed YAML nodes into the dataclasses of :mod:`.spec`, with their lines."""

    error_class = PipelineFileError

    def __init__(self, source: str, folder: Path):
        super().__init__(source)
        self.folder = folder

    # ------------------------------------------------------------------ helpers

    def mapping(
        self, node: yaml.Node, allowed: Iterable[str], what: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """``{key: (key node, value node)}``, refusing keys not in ``allowed``."""
        if not isinstance(node, yaml.MappingNode):
            raise self.error(
                node, f"{what} is {_kind(node)}", f"a mapping with keys like {_keys(allowed)}"
            )
        allowed = list(allowed)
        found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            name = self.name_of(key)
            if name in found:
                raise self.error(key, f"key '{name}' given twice in {what}", "each key once")
            if name not in allowed:
                close = nearest(name, allowed)
                raise self.error(
                    key,
                    f"unknown key '{name}' in {what}",
                    f"one of {format_list(allowed, most=12)}",
                    f"did you mean {format_list(close)}?" if close else None,
                )
            found[name] = (key, value)
        return found

    def name_of(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(node, f"a key that is {_kind(node)}", "a name")
        return str(self.value(node))

    def text(self, node: yaml.Node, what: str) -> str:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not value.strip():
            raise self.error(node, f"{what} is {_describe(self.value(node))}", "text")
        return value

    def table_name(self, node: yaml.Node, what: str) -> str:
        name = self.text(node, what)
        if not _NAME.match(name):
            raise self.error(
                node,
                f"{what} '{name}' is not a plain table name",
                "letters, digits and underscores, not starting with a digit",
                f"try '{re.sub(r'[^A-Za-z0-9_]+', '_', name).strip('_') or 't'}'",
            )
        return name

    def names(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        """A list of names; a single name is taken as a list of one."""
        if isinstance(node, yaml.ScalarNode):
            return (self.text(node, what),)
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, f"{what} is {_kind(node)}", "a list of names")
        return tuple(self.text(item, f"an item of {what}") for item in node.value)

    def integer(self, node: yaml.Node, what: str) -> int:
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(node, f"{what} is {_describe(value)}", "a whole number >= 0")
        return value

    def boolean(self, node: yaml.Node, what: str) -> bool:
        value = self.value(node)
        if not isinstance(value, bool):
            raise self.error(node, f"{what} is {_describe(value)}", "true or false")
        return value

    def path(self, node: yaml.Node, what: str) -> Path:
        path = Path(self.text(node, what)).expanduser()
        return path if path.is_absolute() else self.folder / path

    # ------------------------------------------------------------------ the file
    def pipeline(self, root: yaml.Node | None) -> Pipeline:
        if root is None:
            raise PipelineFileError(
                self.source, None, "the file is empty", "a pipeline: name, sources and steps"
            )
        keys = self.mapping(root, TOP_KEYS, "the pipeline")
        if "pipeline" not in keys:
            raise self.error(
                root, "the pipeline has no 'pipeline:' name", "pipeline: NAME as the first key"
            )
        name = self.table_name(keys["pipeline"][1], "the pipeline's name")
        description = ""
        if "description" in keys:
            description = self.text(keys["description"][1], "the description")
        sources = self.sources(keys["sources"][1]) if "sources" in keys else ()
        if "steps" not in keys:
            raise self.error(root, f"pipeline '{name}' has no 'steps:'", "a list of steps")
        steps = self.steps(keys["steps"][1])
        gates = self.gates(keys["gates"][1]) if "gates" in keys else ()
        targets = self.targets(keys["targets"][1]) if "targets" in keys else ()
        return Pipeline(
            name=name,
            source=self.source,
            folder=self.folder,
            line=line(root),
            description=description,
            sources=sources,
            steps=steps,
            gates=gates,
            targets=targets,
            lines={key: line(k) for key, (k, _) in keys.items()},
        )

    # ------------------------------------------------------------------ sources
    def sources(self, node: yaml.Node) -> tuple[Source, ...]:
        if isinstance(node, yaml.ScalarNode) and self.value(node) is None:
            return ()
        if not isinstance(node, yaml.MappingNode):
            raise self.error(
                node, f"'sources:' is {_kind(node)}", "a mapping of group names to sources"
            )
        return tuple(self.source_group(key, value) for key, value in node.value)

    def source_group(self, key: yaml.Node, node: yaml.Node) -> Source:
        name = self.table_name(key, "a source group's name")
        what = f"source '{name}'"
        keys = self.mapping(node, (*SOURCE_KINDS, *DATASET_KEYS[1:]), what)
        kinds = [k for k in SOURCE_KINDS if k in keys]
        if len(kinds) != 1:
            found = "no kind" if not kinds else f"{len(kinds)} kinds ({format_list(kinds)})"
            raise self.error(
                node,
                f"{what} has {found}",
                f"exactly one of {format_list(SOURCE_KINDS)}",
                "split it into one source group per kind",
            )
        kind = kinds[0]
        if kind != "dataset":
            extra = [k for k in keys if k in DATASET_KEYS[1:]]
            if extra:
                raise self.error(
                    keys[extra[0]][0],
                    f"key '{extra[0]}' in {what}, which is a {kind} source",
                    f"{kind}: and its settings only",
                    f"'{extra[0]}' belongs to dataset sources",
                )
        at = line(key)
        value = keys[kind][1]
        if kind == "dataset":
            return self.dataset_source(name, at, keys)
        if kind == "files":
            return self.files_source(name, at, value)
        settings = self.mapping(value, DATABASE_KEYS if kind == "database" else S3_KEYS, what)
        for required in ("url", "tables"):
            if required not in settings:
                raise self.error(
                    value, f"{what} has no '{required}:'", f"{kind}: {{url: ..., tables: [...]}}"
                )
        url = self.text(settings["url"][1], f"the url of {what}")
        tables = tuple(
            self.table_name(n, f"a table of {what}") for n in _items(settings["tables"][1])
        )
        if kind == "database":
            schema = self.text(settings["schema"][1], "schema") if "schema" in settings else None
            return DatabaseSource(name, url, tables, at, schema=schema)
        if not url.startswith("s3://"):
            raise self.error(settings["url"][1], f"{what} has url '{url}'", "s3://bucket/prefix")
        return S3Source(name, url, tables, at)

    def dataset_source(
        self, name: str, at: int, keys: dict[str, tuple[yaml.Node, yaml.Node]]
    ) -> DatasetSource:
        from pipelinekit.datasets.load import DOMAINS

        node = keys["dataset"][1]
        domain = self.text(node, "dataset")
        if domain not in DOMAINS:
            close = nearest(domain, DOMAINS)
            raise self.error(
                node,
                f"unknown dataset '{domain}'",
                f"one of {format_list(DOMAINS)}",
                f"did you mean {format_list(close)}?" if close else "use files: for your own data",
            )
        scale: str | int = "small"
        if "scale" in keys:
            value = self.value(keys["scale"][1])
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise self.error(
                    keys["scale"][1],
                    f"scale is {_describe(value)}",
                    "tiny, small, medium, large or a number of rows",
                )
            scale = value
        seed = self.integer(keys["seed"][1], "seed") if "seed" in keys else 42
        dirty = self.boolean(keys["dirty"][1], "dirty") if "dirty" in keys else False
        tables = None
        if "tables" in keys:
            tables = tuple(self.table_name(n, "a table") for n in _items(keys["tables"][1]))
        return DatasetSource(name, domain, at, scale=scale, seed=seed, dirty=dirty, tables=tables)

    def files_source(self, name: str, at: int, node: yaml.Node) -> FilesSource:
        if isinstance(node, yaml.ScalarNode):
            return FilesSource(name, at, path=self.path(node, "files"))
        keys = self.mapping(node, FILES_KEYS, f"source '{name}'")
        if ("path" in keys) == ("tables" in keys):
            raise self.error(
                node,
                f"source '{name}' has {'both' if keys else 'neither'} 'path:' and 'tables:'",
                "files: {path: FOLDER} or files: {tables: {NAME: FILE}}",
            )
        if "path" in keys:
            return FilesSource(name, at, path=self.path(keys["path"][1], "path"))
        tables_node = keys["tables"][1]
        if not isinstance(tables_node, yaml.MappingNode):
            raise self.error(tables_node, f"tables is {_kind(tables_node)}", "a mapping NAME: FILE")
        tables = {
            self.table_name(k, "a table name"): self.path(v, "a file") for k, v in tables_node.value
        }
        return FilesSource(name, at, tables=tables)

    # ------------------------------------------------------------------ steps
    def steps(self, node: yaml.Node) -> tuple[Step, ...]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.error(
                node, f"'steps:' is {_kind(node)}", "a list of steps, each starting with '- name:'"
            )
        steps = [self.step(item) for item in node.value]
        seen: dict[str, Step] = {}
        for step in steps:
            if step.name in seen:
                raise PipelineFileError(
                    self.source,
                    step.line,
                    f"two steps are called '{step.name}' (lines {seen[step.name].line} and"
                    f" {step.line})",
                    "one step per table name",
                    "rename one of them: a step's name is the table it makes",
                )
            seen[step.name] = step
        return tuple(steps)

    def step(self, node: yaml.Node) -> Step:
        keys = self.mapping(node, STEP_KEYS, "a step")
        if "name" not in keys:
            raise self.error(node, "a step without 'name:'", "name: the table the step makes")
        name = self.table_name(keys["name"][1], "a step's name")
        what = f"step '{name}'"
        kinds = [k for k in STEP_KINDS if k in keys]
        if len(kinds) != 1:
            found = "none" if not kinds else format_list(kinds)
            raise self.error(
                node,
                f"{what} has {found} of sql/sql_file/transform/python",
                "exactly one of 'sql:', 'sql_file:', 'transform:' or 'python:'",
            )
        kind = kinds[0]
        lines = {key: line(k) for key, (k, _) in keys.items()}
        fields: dict[str, Any] = {}
        if "description" in keys:
            fields["description"] = self.text(keys["description"][1], "description")
        if "params" in keys:
            params_node = keys["params"][1]
            params = self.value(params_node)
            if not isinstance(params, dict):
                raise self.error(
                    params_node,
                    f"params of {what} is {_describe(params)}",
                    "a mapping of argument names to values",
                )
            fields["params"] = {str(k): v for k, v in params.items()}
        allowed_inputs = {"transform": "input", "python": "inputs"}.get(kind)
        for key in ("input", "inputs"):
            if key in keys and key != allowed_inputs:
                hint = {
                    "transform": "a transform reads one table: 'input:'",
                    "python": "a Python step names its tables with 'inputs: [...]'",
                }.get(kind, "a SQL step reads the tables its query names")
                raise self.error(keys[key][0], f"key '{key}' in {what}, a {kind} step", None, hint)
        if kind in ("sql", "sql_file"):
            if kind == "sql_file":
                path = self.path(keys["sql_file"][1], "sql_file")
                try:
                    fields["sql"] = path.read_text(encoding="utf-8")
                except OSError as error:
                    raise self.error(
                        keys["sql_file"][1],
                        f"sql_file '{path}' of {what} cannot be read ({error.strerror or error})",
                        "a .sql file, relative to the pipeline file",
                    ) from None
                fields["sql_file"] = path
            else:
                text_node = keys["sql"][1]
                fields["sql"] = self.text(text_node, f"the sql of {what}")
                block = isinstance(text_node, yaml.ScalarNode) and text_node.style in ("|", ">")
                lines["sql_text"] = line(text_node) + (1 if block else 0)
            return Step(name, "sql", line(node), lines=lines, **fields)
        if kind == "transform":
            fields["transform"] = self.text(keys["transform"][1], "transform")
            if "input" not in keys:
                raise self.error(node, f"{what} has no 'input:'", "input: the table it transforms")
            fields["input"] = self.table_name(keys["input"][1], "input")
            return Step(name, "transform", line(node), lines=lines, **fields)
        function = self.text(keys["python"][1], "python")
        if not _FUNCTION.match(function):
            raise self.error(
                keys["python"][1],
                f"python '{function}' of {what}",
                "module:function, such as mypackage.steps:customer_ltv",
            )
        fields["python"] = function
        if "inputs" in keys:
            fields["inputs"] = tuple(
                self.table_name(n, "an input") for n in _items(keys["inputs"][1])
            )
        return Step(name, "python", line(node), lines=lines, **fields)

    # ------------------------------------------------------------------ gates
    def gates(self, node: yaml.Node) -> tuple[Gate, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, f"'gates:' is {_kind(node)}", "a list of gates, each '- table:'")
        return tuple(self.gate(item) for item in node.value)

    def gate(self, node: yaml.Node) -> Gate:
        from pipelinekit.quality.rules_yaml import _Reader as RulesReader
        from pipelinekit.quality.rules_yaml import load_rules

        keys = self.mapping(node, GATE_KEYS, "a gate")
        if "table" not in keys:
            raise self.error(node, "a gate without 'table:'", "table: the table its rules check")
        table = self.table_name(keys["table"][1], "the gate's table")
        on_fail = "fail"
        if "on_fail" in keys:
            on_fail = self.text(keys["on_fail"][1], "on_fail")
            if on_fail not in ("fail", "warn"):
                raise self.error(
                    keys["on_fail"][1],
                    f"on_fail '{on_fail}'",
                    "'fail' (stop, load nothing) or 'warn' (report, go on)",
                )
        if ("rules" in keys) == ("rules_file" in keys):
            raise self.error(
                node,
                f"the gate on '{table}' has {'both' if 'rules' in keys else 'neither'}"
                " 'rules:' and 'rules_file:'",
                "one of them",
            )
        rules: list[Rule]
        if "rules" in keys:
            try:
                rules = RulesReader(self.source).rule_list(keys["rules"][1], table)
            except PipelinekitError as error:
                raise PipelineFileError(
                    self.source, getattr(error, "line", None), _after_place(error.found),
                    error.expected, error.hint,
                ) from None  # fmt: skip
        else:
            path = self.path(keys["rules_file"][1], "rules_file")
            if not path.is_file():
                raise self.error(
                    keys["rules_file"][1],
                    f"no rules file at '{path}'",
                    "a pk.quality rules file, relative to the pipeline file",
                )
            rules = [rule if rule.table else _with_table(rule, table) for rule in load_rules(path)]
        return Gate(table, tuple(rules), line(node), on_fail=on_fail)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ targets
    def targets(self, node: yaml.Node) -> tuple[TargetSpec, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(
                node, f"'targets:' is {_kind(node)}", "a list of targets, each '- url:'"
            )
        return tuple(self.target(item) for item in node.value)

    def target(self, node: yaml.Node) -> TargetSpec:
        keys = self.mapping(node, TARGET_KEYS, "a target")
        if "url" not in keys:
            raise self.error(
                node, "a target without 'url:'", "url: duckdb:///warehouse.duckdb or another"
            )
        url = self.text(keys["url"][1], "url")
        tables = None
        if "tables" in keys:
            tables = tuple(self.table_name(n, "a table") for n in _items(keys["tables"][1]))
        mode = "replace"
        if "mode" in keys:
            mode = self.text(keys["mode"][1], "mode")
            if mode not in LOAD_MODES:
                close = nearest(mode, LOAD_MODES)
                raise self.error(
                    keys["mode"][1],
                    f"unknown load mode '{mode}'",
                    f"one of {format_list(LOAD_MODES)}",
                    f"did you mean {format_list(close)}?" if close else None,
                )
        key_map: dict[str, tuple[str, ...]] = {}
        if "keys" in keys:
            for k, v in self.table_map(keys["keys"][1], "keys"):
                key_map[k] = self.names(v, f"the keys of '{k}'")
        watermark: dict[str, str] = {}
        if "watermark" in keys:
            for k, v in self.table_map(keys["watermark"][1], "watermark"):
                watermark[k] = self.text(v, f"the watermark of '{k}'")
        for needed, given in (("merge", key_map), ("incremental", watermark)):
            if mode == needed and not given:
                what = (
                    "keys: {TABLE: [KEY, ...]}"
                    if needed == "merge"
                    else "watermark: {TABLE: COLUMN}"
                )
                raise self.error(
                    keys["mode"][0], f"mode '{needed}' without {what.split(':')[0]}", what
                )
        return TargetSpec(
            url,
            line(node),
            tables=tables,
            mode=mode,  # type: ignore[arg-type]  # checked against LOAD_MODES above
            keys=key_map,
            watermark=watermark,
        )

    def table_map(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} is {_kind(node)}", "a mapping {TABLE: ...}")
        return [(self.table_name(k, "a table"), v) for k, v in node.value]


def _items(node: yaml.Node) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else [node]


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.value in ("", "~", "null"):
        return "empty"
    return f"the value {node.value!r}"


def _describe(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return f"{value!r} ({type(value).__name__})"


def _keys(allowed: Iterable[str]) -> str:
    return format_list(list(allowed)[:4], most=4)


def _after_place(found: str) -> str:
    """A rules-file error's text without its own '<source>, line N: ' prefix."""
    head, sep, rest = found.partition(": ")
    return rest if sep and ", line " in head else found


def _with_table(rule: Rule, table: str) -> Rule:
    fields = rule.to_dict()
    fields["table"] = table
    return Rule(fields.pop("kind"), **fields)
