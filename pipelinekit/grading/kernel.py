"""Start an IPython kernel for one submission, inside resource limits.

The grader never runs this module itself: :mod:`pipelinekit.grading.runner` starts it as a
script (``python kernel.py --memory-mb 2048 -f connection.json``) in a new process. It

1. caps the address space of that process (``RLIMIT_AS``) so a notebook that allocates too
   much gets a ``MemoryError`` (or dies) instead of taking the machine down, and turns core
   dumps off;
2. defines :class:`PipelinekitExport`, the code that later writes the requested answers to
   files, while the standard library is still untouched by the student;
3. imports the modules asked for with ``--preload`` (a warm kernel answers ``import pandas``
   at once);
4. hands over to ``ipykernel``.

This file uses the standard library only and is run by path, not imported as part of
``pipelinekit``: a kernel that does not need pandas does not pay for importing it.

Examples
--------
>>> from pipelinekit.grading.kernel import export_snippet
>>> code = export_snippet(["total"], "/tmp/out")
>>> code.endswith(".run(['total'], '/tmp/out')")
True
"""

from __future__ import annotations

import builtins
import contextlib
import datetime
import io
import json
import os
import resource
import sys
import warnings
from typing import Any

__all__ = ["PipelinekitExport", "export_snippet", "main", "set_limits"]

MANIFEST = "manifest.json"
"""Name of the file, in the export directory, that lists what was written for each name."""

MAX_REPR_CHARS = 100_000
"""Longest text kept for a value that is exported as its ``repr``."""

MAX_DEPTH = 50
"""Nesting depth beyond which a list or dict is exported as its ``repr``."""

# References taken when the kernel starts, before any student code runs: a notebook that
# rebinds or deletes `open`, `json`, `isinstance` ... cannot change what the export uses.
_open = io.open
_dumps = json.dumps
_join = os.path.join
_modules = sys.modules
_getframe = sys._getframe
_isinstance = builtins.isinstance
_type = builtins.type
_repr = builtins.repr
_str = builtins.str
_len = builtins.len
_list = builtins.list
_tuple = builtins.tuple
_dict = builtins.dict
_set = builtins.set
_frozenset = builtins.frozenset
_bool = builtins.bool
_int = builtins.int
_float = builtins.float
_sorted = builtins.sorted
_enumerate = builtins.enumerate
_BaseException = builtins.BaseException
_Exception = builtins.Exception
_KeyboardInterrupt = builtins.KeyboardInterrupt
_datetime = datetime.datetime
_date = datetime.date
_catch_warnings = warnings.catch_warnings
_simplefilter = warnings.simplefilter


def export_snippet(names: list[str], directory: str) -> str:
    """The code the grader runs in the student kernel to export ``names`` to ``directory``.

    It reaches :class:`PipelinekitExport` through ``object.__subclasses__()``, without a
    single name lookup, so a notebook that rebinds ``json`` or deletes builtins such as
    ``__import__`` cannot get in its way.
    """
    classes = "().__class__.__base__.__subclasses__()"
    finder = f"[c for c in {classes} if c.__name__ == 'PipelinekitExport'][0]"
    return f"{finder}.run({names!r}, {directory!r})"


class PipelinekitExport:
    """Write the student's answers to files the grader process reads back.

    For each name, ``manifest.json`` holds one entry: ``{"kind": "frame" | "series" | "json"
    | "repr", "file": ..., ...}``, ``{"kind": "missing"}`` when the notebook never defined
    the name, or ``{"kind": "error", "error": ...}`` when the value could not be written.
    JSON values are tagged so tuples, sets, non-string dict keys and dates survive the trip
    (see :func:`pipelinekit.grading.runner.decode_json`).
    """

    @staticmethod
    def run(names: list[str], directory: str) -> None:
        """Export ``names`` from the namespace of the caller (the notebook) to ``directory``."""
        namespace = _getframe(1).f_globals
        manifest: dict[str, dict[str, object]] = {}
        for index, name in _enumerate(names):
            if name not in namespace:
                manifest[name] = {"kind": "missing"}
                continue
            try:
                manifest[name] = PipelinekitExport.write(namespace[name], directory, index)
            except _BaseException as error:  # a KeyboardInterrupt ends the export below
                manifest[name] = {"kind": "error", "error": _describe(error)}
                if _isinstance(error, _KeyboardInterrupt):
                    break
        with _open(_join(directory, MANIFEST), "w", encoding="utf-8") as file:
            file.write(_dumps(manifest))

    @staticmethod
    def write(value: Any, directory: str, index: int) -> dict[str, object]:
        """Write one value; return its manifest entry."""
        pandas = _modules.get("pandas")
        entry: dict[str, object]
        try:
            if pandas is not None and _isinstance(value, (pandas.DataFrame, pandas.Series)):
                entry = _write_table(value, pandas, directory, f"{index}.parquet")
            else:
                entry = _write_json(value, directory, f"{index}.json")
        except _Exception as error:
            entry = {"kind": "repr", "text": _repr(value)[:MAX_REPR_CHARS]}
            entry["reason"] = _describe(error)
        entry["type"] = _type(value).__module__ + "." + _type(value).__qualname__
        return entry


def _write_json(value: Any, directory: str, file_name: str) -> dict[str, object]:
    """Write a JSON-like value (tagged, see :func:`_encode`); other values go as ``repr``."""
    data = _encode(value, 0)
    if _isinstance(data, _dict) and "repr" in data:
        return {"kind": "repr", "text": data["repr"]}
    with _open(_join(directory, file_name), "w", encoding="utf-8") as file:
        file.write(_dumps(data))
    return {"kind": "json", "file": file_name}


def _write_table(value: Any, pandas: Any, directory: str, file_name: str) -> dict[str, object]:
    """Write a DataFrame or Series to parquet, noting the warnings pandas gives."""
    entry: dict[str, object] = {"file": file_name}
    if _isinstance(value, pandas.Series):
        entry["kind"] = "series"
        entry["name"] = _encode(value.name, 0)
        frame = value.to_frame(name="__value__")
    else:
        entry["kind"] = "frame"
        frame = value
    with _catch_warnings(record=True) as caught:  # "column names of mixed type", ...
        _simplefilter("always")
        frame.to_parquet(_join(directory, file_name))
    if caught:
        entry["warnings"] = [_str(warning.message) for warning in caught[:3]]
    return entry


def _encode(value: Any, depth: int) -> Any:
    """Turn ``value`` into JSON-ready data, tagging what plain JSON would lose."""
    if value is None or _isinstance(value, (_bool, _int, _float, _str)):
        return value
    if depth > MAX_DEPTH:
        return {"repr": _repr(value)[:MAX_REPR_CHARS]}
    numpy = _modules.get("numpy")
    if numpy is not None:
        if _isinstance(value, numpy.generic) and _type(value.item()) is not _type(value):
            return _encode(value.item(), depth + 1)
        if _isinstance(value, numpy.ndarray):
            return {"ndarray": [_str(value.dtype), _encode(value.tolist(), depth + 1)]}
    if _isinstance(value, _list):
        return [_encode(item, depth + 1) for item in value]
    if _isinstance(value, _tuple):
        return {"tuple": [_encode(item, depth + 1) for item in value]}
    if _isinstance(value, (_set, _frozenset)):
        return {"set": [_encode(item, depth + 1) for item in value]}
    if _isinstance(value, _dict):
        items = [[_encode(k, depth + 1), _encode(v, depth + 1)] for k, v in value.items()]
        return {"dict": items}
    if _isinstance(value, (_datetime, _date)):
        if _type(value).__name__ == "Timestamp":
            return {"timestamp": value.isoformat()}
        return {"datetime" if _isinstance(value, _datetime) else "date": value.isoformat()}
    return {"repr": _repr(value)[:MAX_REPR_CHARS]}


def _describe(error: BaseException) -> str:
    """``ValueError: message`` for an exception, without calling student ``__str__`` twice."""
    try:
        return f"{_type(error).__name__}: {_str(error)[:500]}"
    except _BaseException:
        return _type(error).__name__


def set_limits(memory_mb: int) -> None:
    """Cap this process's address space at ``memory_mb`` MB and turn core dumps off."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str]) -> None:
    """Parse ``--memory-mb N`` and ``--preload a,b``, then run ipykernel with the rest."""
    memory_mb, preload, rest = 0, "", []
    arguments = iter(argv)
    for argument in arguments:
        if argument == "--memory-mb":
            memory_mb = int(next(arguments))
        elif argument == "--preload":
            preload = next(arguments)
        else:
            rest.append(argument)
    if memory_mb > 0:
        set_limits(memory_mb)
    for module in filter(None, preload.split(",")):
        # A module that fails to import fails again, visibly, when the notebook imports it.
        with contextlib.suppress(Exception):
            __import__(module)
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=rest)


if __name__ == "__main__":
    # Run by path: Python put this file's folder first on sys.path; a student's
    # `import result` must not find pipelinekit/grading/result.py.
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    main(sys.argv[1:])
