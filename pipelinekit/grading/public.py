"""Public checks: a learner checks an answer in the notebook, without seeing the solution.

``pipelinekit exercises build`` runs the reference solution and stores, per question, a
*fingerprint* of the reference answer in ``exercises/.checks/<exercise>.json``
(:func:`write_fingerprints`). In the notebook, :func:`check` fingerprints the learner's
answer the same way and compares the two: type, column names, row count and a SHA-256
of a canonical form of the values (rows sorted, numbers rounded to :data:`DIGITS`
significant digits, NULLs alike), so row order and float noise do not matter.

Each failed call for the same question gives a more specific hint: first what is wrong
at the coarsest level (the type, the columns), then the row count, then how many rows
hold other values and which columns.

What a fingerprint gives away
-----------------------------
A fingerprint holds the column names, kinds and row count in clear, which the question
states anyway, and hashes of the values. A hash cannot be read back, but it can be
*guessed*: a learner who tries every candidate value can find a small scalar answer
(a count, a yes/no) or a short row. That is acceptable: public checks help learners, the
grade comes from hidden checks that run on the grader. To keep guessing unrewarding the
per-row tags are only 16 bits (many rows share a tag, so a tag does not identify its row)
and column tags are 32 bits.

Rounding to significant digits has edges: two values a hair apart can round to
different digits (0.12345649999 and 0.1234565). With float noise of about 1e-15 that
happens about once in a billion values; the hidden checks compare with a tolerance and
have no such edge.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.grading.public import fingerprint
>>> one = fingerprint(pd.DataFrame({"status": ["paid", "new"], "n": [3, 1]}))
>>> two = fingerprint(pd.DataFrame({"status": ["new", "paid"], "n": [1.0, 3.0]}))
>>> one["sha256"] == two["sha256"], one["columns"], one["rows"]
(True, ['status', 'n'], 2)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelinekit.errors import (
    InvalidValueError,
    OutputError,
    PipelinekitError,
    UnknownNameError,
    format_list,
)
from pipelinekit.grading.checks import (
    WEIGHTS,
    _column_hint,
    _not_a_frame,
    _row_count_hint,
    _single_value,
    _type_hint,
    column_kind,
    column_tokens,
    describe_value,
    value_token,
)
from pipelinekit.grading.result import CheckResult

__all__ = [
    "DIGITS",
    "ENV_VAR",
    "check",
    "find_checks_dir",
    "fingerprint",
    "load_fingerprints",
    "reset_attempts",
    "write_fingerprints",
]

#: Significant digits numbers are rounded to before hashing.
DIGITS = 6
#: Environment variable naming the ``exercises`` folder (fingerprints in its ``.checks``).
ENV_VAR = "PIPELINEKIT_EXERCISES_DIR"
FORMAT_VERSION = 1
MAX_TAGGED_ROWS = 10_000  # larger tables get no per-row tags (only the whole-table hash)
_ROW_TAG = 4  # hex characters (16 bits) per row tag
_COLUMN_TAG = 8  # hex characters (32 bits) per column tag
_BUILD_HINT = "run `pipelinekit exercises build` to create the fingerprints"

#: Failed calls per (exercise, question) in this session: hints grow with them.
_ATTEMPTS: Counter[tuple[str, str]] = Counter()


# --- fingerprints ----------------------------------------------------------------------


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _table_print(columns: list[np.ndarray], rows: int) -> dict[str, Any]:
    """Hashes of a table given as token columns: whole table, per row, per column.

    Tokens never hold the separators ``\\x1f`` (between values) and ``\\x1e`` (between
    rows): :func:`~pipelinekit.grading.checks.value_token` escapes them in text.
    """
    joined = np.full(rows, "", dtype=object)
    for i, tokens in enumerate(columns):
        joined = joined + ("\x1f" if i else "") + tokens
    ordered = sorted(joined)
    result: dict[str, Any] = {"sha256": _sha("\x1e".join(ordered))}
    if rows <= MAX_TAGGED_ROWS:
        result["row_tags"] = sorted(_sha(r)[:_ROW_TAG] for r in ordered)
    result["column_tags"] = [_sha("\x1e".join(sorted(t)))[:_COLUMN_TAG] for t in columns]
    return result


def _frame_print(frame: pd.DataFrame, digits: int) -> dict[str, Any]:
    series = [frame.iloc[:, i] for i in range(frame.shape[1])]
    return {
        "type": "DataFrame",
        "columns": [str(c) for c in frame.columns],
        "kinds": [column_kind(s) for s in series],
        "rows": len(frame),
        "shape": list(frame.shape),
        **_table_print([column_tokens(s, digits=digits) for s in series], len(frame)),
    }


def _scalar_type(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"
    if isinstance(value, bool | np.bool_):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if value_token(value).startswith("n:"):
        return "number"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, set | frozenset):
        return "set"
    if isinstance(value, np.ndarray):
        return "array"
    return type(value).__name__


def fingerprint(value: object, *, digits: int = DIGITS) -> dict[str, Any]:
    """A fingerprint of ``value``: its shape in clear, its values only as hashes.

    Tables (DataFrame, Series) hash their rows sorted, so row order does not matter; the
    index of a Series counts (it holds the groupby keys), that of a DataFrame does not.
    Numbers are rounded to ``digits`` significant digits, and ints equal floats.

    Examples
    --------
    >>> fingerprint(42)["type"], fingerprint(42)["magnitude"]
    ('number', 1)
    >>> fingerprint(0.1 + 0.2)["sha256"] == fingerprint(0.3)["sha256"]
    True
    >>> sorted(fingerprint(pd.Series([1, 2], name="n")))
    ['column_tags', 'digits', 'kind', 'name', 'row_tags', 'rows', 'sha256', 'shape', 'type']
    """
    if isinstance(value, pd.DataFrame):
        return {"digits": digits, **_frame_print(value, digits)}
    if isinstance(value, pd.Series):
        parts = [] if isinstance(value.index, pd.RangeIndex) else [value.index.to_series()]
        parts.append(value)
        columns = [column_tokens(p.reset_index(drop=True), digits=digits) for p in parts]
        return {
            "digits": digits,
            "type": "Series",
            "name": None if value.name is None else str(value.name),
            "kind": column_kind(value),
            "rows": len(value),
            "shape": [len(value)],
            **_table_print(columns, len(value)),
        }
    if isinstance(value, set | frozenset):
        token = "set:" + ",".join(sorted(value_token(v, digits=digits) for v in value))
    else:
        token = value_token(value, digits=digits)
    kind = _scalar_type(value)
    result: dict[str, Any] = {"digits": digits, "type": kind, "sha256": _sha(token)}
    if kind == "string":
        result["loose_sha256"] = _sha(" ".join(str(value).split()).casefold())
    if kind == "number":
        number = float(value)  # type: ignore[arg-type]
        finite = math.isfinite(number) and number != 0
        result["magnitude"] = math.floor(math.log10(abs(number))) if finite else None
    if kind in ("list", "dict", "set", "array"):
        result["length"] = len(value)  # type: ignore[arg-type]
    if isinstance(value, np.ndarray):
        result["shape"] = list(value.shape)
    return result


# --- where fingerprints live ---------------------------------------------------------


def find_checks_dir(*, start: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The ``exercises/.checks`` folder: from ``$PIPELINEKIT_EXERCISES_DIR``, the current
    folder or one of its parents, or the repository this package was installed from.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "exercises" / ".checks").mkdir(parents=True)
    >>> find_checks_dir(start=root / "exercises", environ={}) == root / "exercises" / ".checks"
    True
    """
    environ = os.environ if environ is None else environ
    if environ.get(ENV_VAR):
        folder = Path(environ[ENV_VAR]).expanduser() / ".checks"
        if folder.is_dir():
            return folder
        raise PipelinekitError(
            f"{ENV_VAR} is set to '{environ[ENV_VAR]}', which has no .checks folder",
            "the exercises folder, holding .checks/<exercise>.json",
            f"{_BUILD_HINT}, or unset {ENV_VAR}",
        )
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "exercises" / ".checks").is_dir():
            return folder / "exercises" / ".checks"
    installed = Path(__file__).resolve().parents[2] / "exercises" / ".checks"
    if installed.is_dir():
        return installed
    raise PipelinekitError(
        f"No exercises/.checks folder in {here} or its parents, nor in {installed.parent.parent}",
        f"the fingerprints of the exercises (or {ENV_VAR} naming the exercises folder)",
        _BUILD_HINT,
    )


_CACHE: dict[Path, tuple[int, dict[str, Any]]] = {}


def load_fingerprints(exercise: str, *, directory: Path | None = None) -> dict[str, Any]:
    """The fingerprint file of ``exercise``, read once and again when it changes."""
    folder = find_checks_dir() if directory is None else Path(directory)
    path = folder / f"{exercise}.json"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.json"))
        raise UnknownNameError.for_name(
            exercise, known, kind="exercise", hint=f"{_BUILD_HINT} (looked in {folder})"
        )
    stamp = path.stat().st_mtime_ns
    cached = _CACHE.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data.get("questions"), dict):
            raise ValueError("no 'questions' mapping")
    except (ValueError, AttributeError) as error:
        raise PipelinekitError(
            f"Fingerprint file {path} cannot be read ({error})",
            "the JSON that `pipelinekit exercises build` writes",
            _BUILD_HINT,
        ) from error
    _CACHE[path] = (stamp, data)
    return data


def write_fingerprints(
    path: str | os.PathLike[str],
    exercise: str,
    questions: Mapping[str, tuple[float, str, object]],
) -> Path:
    """Write the fingerprint file of an exercise (the build step calls this).

    Parameters
    ----------
    path : path
        The file to write, usually ``exercises/.checks/<exercise>.json``.
    exercise : str
        The exercise's id (``"01_orders"``).
    questions : mapping
        ``{question_id: (points, answer_variable_name, reference_value)}``.

    Returns
    -------
    Path
        The file written. The same input always gives the same bytes.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> written = write_fingerprints(folder / "01_demo.json", "01_demo", {"q1": (2, "total", 42)})
    >>> data = json.loads(written.read_text())
    >>> data["questions"]["q1"]["points"], data["questions"]["q1"]["answer"]
    (2, 'total')
    """
    entries = {}
    for question, entry in questions.items():
        try:
            points, answer, value = entry
        except (TypeError, ValueError) as error:
            raise InvalidValueError(
                f"Question '{question}' given as {describe_value(entry)}",
                "a tuple (points, answer_name, value)",
            ) from error
        if not (isinstance(points, int | float) and math.isfinite(points) and points >= 0):
            raise InvalidValueError(f"Points {points!r} of question '{question}'", "a number >= 0")
        if not (isinstance(answer, str) and answer.isidentifier()):
            raise InvalidValueError(
                f"Answer name {answer!r} of question '{question}'", "a Python variable name"
            )
        entries[str(question)] = {
            "points": points,
            "answer": answer,
            "fingerprint": fingerprint(value),
        }
    data = {"exercise": exercise, "version": FORMAT_VERSION, "questions": entries}
    text = json.dumps(data, indent=1, sort_keys=True, allow_nan=False) + "\n"
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, suffix=".tmp", delete=False
        ) as handle:
            handle.write(text)
        Path(handle.name).replace(target)
    except OSError as error:
        raise OutputError(
            f"Cannot write fingerprints to {target} ({error.strerror or error})",
            "a writable folder",
        ) from error
    return target


# --- comparing an answer with a fingerprint ------------------------------------------


@dataclass(frozen=True)
class _Finding:
    """One thing wrong: its level (1 type/columns, 2 size, 3 values) and two hints."""

    level: int
    message: str
    hint: str
    specific: str


def _tag_matches(answer_tags: list[str], expected_tags: list[str]) -> int:
    return sum((Counter(answer_tags) & Counter(expected_tags)).values())


def _compare_tables(answer: object, expected: dict[str, Any]) -> tuple[float, list[_Finding]]:
    """Findings and score for a DataFrame or Series answer against a table fingerprint."""
    wanted = expected["type"]
    if wanted == "Series":
        if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
            specific = "select the column as a Series: answer.iloc[:, 0] or answer['name']"
        else:
            specific = "assign the Series itself (a column, or a groupby result before reset_index)"
        if not isinstance(answer, pd.Series):
            found = describe_value(answer)
            generic = "the answer should be a Series (one column of values)"
            return 0.0, [_Finding(1, f"Expected a Series, found {found}", generic, specific)]
        mine = fingerprint(answer, digits=expected["digits"])
        columns_right = True
        ordered = answer
    else:
        wrong = _not_a_frame(answer, expected["columns"], "")
        if wrong is not None:
            generic = "the answer should be a table (a DataFrame)"
            return 0.0, [_Finding(1, wrong.message, generic, wrong.hint or generic)]
        assert isinstance(answer, pd.DataFrame)
        names = [str(c) for c in answer.columns]
        missing = [c for c in expected["columns"] if c not in names]
        extra = [c for c in names if c not in expected["columns"]]
        columns_right = not missing and not extra
        ordered = answer
        if columns_right:
            ordered = answer.set_axis(names, axis=1)[expected["columns"]]
        mine = fingerprint(ordered, digits=expected["digits"])

    findings: list[_Finding] = []
    share = {"columns": 1.0, "rows": 1.0, "values": 0.0}
    if wanted == "DataFrame":
        union = len(set(expected["columns"]) | set(mine["columns"]))
        share["columns"] = len(set(expected["columns"]) & set(mine["columns"])) / (union or 1)
        if not columns_right:
            words = [f"missing {format_list(missing)}"] * bool(missing)
            words += [f"unexpected {format_list(extra)}"] * bool(extra)
            findings.append(
                _Finding(
                    1,
                    "the columns differ: " + "; ".join(words),
                    "compare your column names with the ones the question asks for",
                    _column_hint(answer, missing, extra),
                )
            )
        elif names != expected["columns"]:
            share["columns"] = 0.5
            findings.append(
                _Finding(
                    1,
                    "the columns are in another order",
                    "put the columns in the order the question gives",
                    f"reorder them: answer[{expected['columns']!r}]",
                )
            )
    if mine["rows"] != expected["rows"]:
        low, high = sorted((mine["rows"], expected["rows"]))
        share["rows"] = low / high
        more = mine["rows"] > expected["rows"]
        generic = f"too {'many' if more else 'few'} rows: check joins and filters"
        message = f"{mine['rows']} rows, {expected['rows']} expected"
        specific = _row_count_hint(mine["rows"], expected["rows"])
        findings.append(_Finding(2, message, generic, specific))
    if columns_right and mine["sha256"] == expected["sha256"]:
        share["values"] = 1.0
    elif columns_right:
        most = max(mine["rows"], expected["rows"])
        specific = _column_words(mine, expected)
        if "row_tags" in mine and "row_tags" in expected:
            matched = _tag_matches(mine["row_tags"], expected["row_tags"])
            share["values"] = min(matched / most, 0.99) if most else 0.0
            message = f"values differ in {most - matched} of {most} rows"
            if mine["rows"] != expected["rows"]:  # every column differs then: name the rows
                specific = (
                    f"{matched} of your {mine['rows']} rows are expected rows; "
                    "look for what the others have in common"
                )
        else:
            message = "some values differ"
        findings.append(_Finding(3, message, "some values differ", specific))
    score = sum(WEIGHTS[part] * share[part] for part in WEIGHTS)
    return score, findings


def _column_words(mine: dict[str, Any], expected: dict[str, Any]) -> str:
    """Which columns hold the expected values (as multisets) and which do not."""
    tags = expected["column_tags"]
    if len(mine["column_tags"]) != len(tags):  # a Series with or without a meaningful index
        keep = "keep the keys in the index" if len(tags) == 2 else "drop the index"
        return f"the index differs: {keep} (no .reset_index() after a groupby, or one)"
    names = expected.get("columns") or ["index", "values"][-len(tags) :]
    right = [n for n, a, e in zip(names, mine["column_tags"], tags, strict=True) if a == e]
    wrong = [n for n in names if n not in right]
    if not wrong:
        return "every column holds the expected values, but not combined into the expected rows"
    words = f"the values of {format_list(wrong)} differ"
    if right:
        words += f"; {format_list(right)} {'is' if len(right) == 1 else 'are'} right"
    return words + f" (numbers compare at {expected['digits']} significant digits)"


def _compare_values(answer: object, expected: dict[str, Any]) -> tuple[float, list[_Finding]]:
    """Findings and score for a scalar or container answer against its fingerprint."""
    wanted = expected["type"]
    mine = fingerprint(answer, digits=expected["digits"])
    if mine["type"] != wanted:
        single, inner, how = _single_value(answer)
        specific = _type_hint(answer, wanted)
        if single and _scalar_type(inner) == wanted:
            specific = f"take the value out of its container with {how}"
        elif mine["type"] == "string" and wanted == "number":
            specific = "it is text: convert it with float(...) or int(...)"
        message = f"Expected a {wanted}, found {describe_value(answer)}"
        return 0.0, [_Finding(1, message, f"the answer should be a {wanted}", specific)]
    if mine["sha256"] == expected["sha256"]:
        return 1.0, []
    if "length" in expected and mine.get("length") != expected["length"]:
        message = f"{mine['length']} items, {expected['length']} expected"
        return 0.0, [_Finding(2, message, "check which items you keep", "check your filter")]
    specific = "check the computation step by step"
    if wanted == "string" and mine.get("loose_sha256") == expected.get("loose_sha256"):
        specific = "it differs only in upper/lower case or spaces: match the spelling exactly"
    if wanted == "number" and None not in (mine.get("magnitude"), expected.get("magnitude")):
        steps = mine["magnitude"] - expected["magnitude"]
        if steps:
            size = "large" if steps > 0 else "small"
            specific = f"your value is about {10 ** abs(steps):,} times too {size}"
        else:
            specific = "the order of magnitude is right: check rounding, a filter or an edge case"
    return 0.0, [
        _Finding(3, "The value is not the expected one", "check your computation", specific)
    ]


def _report(name: str, score: float, findings: list[_Finding], attempt: int) -> CheckResult:
    """Turn findings into a result; later attempts show more levels and specific hints."""
    if not findings:
        return CheckResult(name, 1.0, "Correct: the answer matches the reference")
    findings = sorted(findings, key=lambda f: f.level)
    first = findings[0].level
    shown = [f for f in findings if f.level <= first + attempt - 1]
    hint = findings[0].hint if attempt == 1 else findings[0].specific
    if attempt >= 3 and shown[-1] is not findings[0]:
        hint = f"{hint}; {shown[-1].specific}"
    details = None
    if len(shown) < len(findings):
        details = "Run the check again after a change for a more detailed hint."
    message = "; ".join(f.message for f in shown)
    message = message[:1].upper() + message[1:]
    return CheckResult(name, round(min(score, 0.99), 4), message, hint, details)


def check(exercise: str, question: str, answer: object) -> CheckResult:
    """Check an answer against the stored fingerprint of the reference answer.

    Parameters
    ----------
    exercise : str
        The exercise's id, as in its notebook's name (``"01_orders"``).
    question : str
        The question's id (``"q1"``).
    answer : object
        Your answer (a DataFrame, a number, ...).

    Returns
    -------
    CheckResult
        Shows as a coloured box in Jupyter. Calling again after a failure gives a more
        specific hint.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> path = folder / ".checks" / "00_demo.json"
    >>> _ = write_fingerprints(path, "00_demo", {"q1": (1, "total", 42)})
    >>> os.environ[ENV_VAR] = str(folder)
    >>> print(check("00_demo", "q1", 42))
    ✓ q1: Correct: the answer matches the reference (score 1.00)
    >>> print(check("00_demo", "q1", "42"))
    ✗ q1: Expected a number, found a str ('42') (score 0.00)
      Hint: the answer should be a number
    >>> print(check("00_demo", "q1", "42"))
    ✗ q1: Expected a number, found a str ('42') (score 0.00)
      Hint: it is text: convert it with float(...) or int(...)
    >>> del os.environ[ENV_VAR]
    """
    questions = load_fingerprints(exercise)["questions"]
    if question not in questions:
        raise UnknownNameError.for_name(
            question, questions, kind="question", hint=f"see the questions of '{exercise}'"
        )
    expected = questions[question]["fingerprint"]
    try:
        if expected["type"] in ("DataFrame", "Series"):
            score, findings = _compare_tables(answer, expected)
        else:
            score, findings = _compare_values(answer, expected)
    except Exception as error:  # an answer must never crash the check
        findings = [
            _Finding(
                1,
                f"The answer could not be checked ({type(error).__name__})",
                "make the answer a plain DataFrame, number or string",
                "make the answer a plain DataFrame, number or string",
            )
        ]
        score = 0.0
    if findings:
        _ATTEMPTS[(exercise, question)] += 1
    return _report(question, score, findings, _ATTEMPTS[(exercise, question)])


def reset_attempts() -> None:
    """Forget earlier failed calls, so hints start again from the most general one."""
    _ATTEMPTS.clear()
