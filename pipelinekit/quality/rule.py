"""What a data-quality rule is: a kind, the columns it looks at, its parameters. Plain data.

A :class:`Rule` says *what* must hold ("``amount`` lies between 0 and 5000"); the code
that checks it on pandas, DuckDB or PostgreSQL lives elsewhere (:mod:`.compile`,
:mod:`.pandas_backend`, :mod:`.check`). That is what lets one rule run everywhere, show
its SQL, be saved as YAML and be listed in a catalog.

Every rule has a **kind** from :data:`KINDS`; each kind belongs to one **dimension** of
data quality and works at one **level**:

* ``row`` — a condition every row must meet; the result counts the failing rows and
  keeps a sample of them. A NULL in the checked column passes (NULLs are the business
  of ``not_null``), as in a SQL ``CHECK`` constraint.
* ``metric`` — one number computed over the table (a share, a mean, a count), which
  must lie within ``[min, max]``.
* ``schema`` — the table's columns and types.

Examples
--------
>>> rule = Rule("between", column="amount", min=0, max=5000)
>>> rule.name, rule.dimension, rule.level
('between(amount)', 'validity', 'row')
>>> Rule("unique", columns=["order_id"], severity="warn").columns
('order_id',)
>>> Rule("betwen", column="amount")
Traceback (most recent call last):
...
pipelinekit.errors.UnknownNameError: Unknown rule kind 'betwen'; ...
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pipelinekit.errors import InvalidValueError, UnknownNameError, format_list

__all__ = [
    "DIMENSIONS",
    "KINDS",
    "Dimension",
    "Level",
    "Param",
    "Rule",
    "RuleKind",
    "Severity",
    "duration_seconds",
    "kinds_table",
]

Dimension = Literal[
    "completeness",
    "uniqueness",
    "validity",
    "consistency",
    "timeliness",
    "volume",
    "distribution",
    "custom",
]
DIMENSIONS: tuple[Dimension, ...] = (
    "completeness",
    "uniqueness",
    "validity",
    "consistency",
    "timeliness",
    "volume",
    "distribution",
    "custom",
)
Level = Literal["row", "metric", "schema"]
Severity = Literal["warn", "error"]
_TYPES = ("integer", "number", "date", "timestamp", "boolean")
_FAMILIES = ("integer", "float", "decimal", "string", "boolean", "datetime", "date", "category")
_OPERATORS = ("<", "<=", ">", ">=", "=", "!=")


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter of a rule kind."""

    name: str
    kind: Literal["number", "text", "list", "duration", "sql", "column", "columns", "choice"]
    required: bool = True
    doc: str = ""
    choices: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class RuleKind:
    """A kind of rule: its dimension, level, parameters and exact meaning."""

    name: str
    dimension: Dimension
    level: Level
    summary: str
    column: Literal["one", "many", "none"] = "one"
    params: tuple[Param, ...] = ()


def _bounds(doc: str = "") -> tuple[Param, Param]:
    return (
        Param("min", "number", required=False, doc=f"lowest allowed {doc}".strip()),
        Param("max", "number", required=False, doc=f"highest allowed {doc}".strip()),
    )


_KIND_LIST = [
    # -- completeness ------------------------------------------------------------------
    RuleKind("not_null", "completeness", "row", "Every row has a value (NaN counts as NULL)."),
    RuleKind(
        "not_blank",
        "completeness",
        "row",
        "Text is not empty or only spaces (trimmed length > 0); NULL passes.",
    ),
    RuleKind(
        "null_share_at_most",
        "completeness",
        "metric",
        "The share of NULLs (0 to 1) is at most `max`.",
        params=(Param("max", "number", doc="highest allowed share of NULLs, 0 to 1"),),
    ),
    # -- uniqueness --------------------------------------------------------------------
    RuleKind(
        "unique",
        "uniqueness",
        "row",
        "No two rows share the key (one or more columns). Every row of a duplicated key"
        " fails; rows with a NULL in the key pass (SQL UNIQUE semantics).",
        column="many",
    ),
    RuleKind(
        "no_duplicate_rows",
        "uniqueness",
        "row",
        "No row repeats another in every column. Each extra copy fails (the first copy"
        " passes); NULLs compare equal here.",
        column="none",
    ),
    RuleKind(
        "distinct_count_between",
        "uniqueness",
        "metric",
        "The number of distinct non-NULL values lies within [min, max].",
        params=_bounds("number of distinct values"),
    ),
    # -- validity ----------------------------------------------------------------------
    RuleKind(
        "between",
        "validity",
        "row",
        "Values lie within [min, max] (either bound may be left out; `strict: true`"
        " excludes the bounds).",
        params=(
            *_bounds("value"),
            Param("strict", "choice", required=False, choices=("true", "false")),
        ),
    ),
    RuleKind(
        "in_set",
        "validity",
        "row",
        "Values are among `values`.",
        params=(Param("values", "list", doc="the allowed values"),),
    ),
    RuleKind(
        "not_in_set",
        "validity",
        "row",
        "Values are none of `values`.",
        params=(Param("values", "list", doc="the forbidden values"),),
    ),
    RuleKind(
        "matches_regex",
        "validity",
        "row",
        "Text matches the regular expression `pattern` somewhere (anchor it with ^...$ to"
        " match the whole value).",
        params=(Param("pattern", "text", doc="a regular expression"),),
    ),
    RuleKind(
        "length_between",
        "validity",
        "row",
        "The number of characters of text lies within [min, max].",
        params=_bounds("length"),
    ),
    RuleKind(
        "castable_to",
        "validity",
        "row",
        "Text can be read as `type` (integer, number, date as YYYY-MM-DD, timestamp as"
        " YYYY-MM-DD[ T]HH:MM[:SS], boolean as true/false/t/f/yes/no/1/0); judged by one"
        " regular expression per type, so every engine agrees.",
        params=(Param("type", "choice", choices=_TYPES),),
    ),
    RuleKind(
        "column_type",
        "validity",
        "schema",
        "The column's data type belongs to `family` (integer, float, decimal, string,"
        " boolean, datetime, date, category).",
        params=(Param("family", "choice", choices=_FAMILIES),),
    ),
    # -- consistency -------------------------------------------------------------------
    RuleKind(
        "foreign_key",
        "consistency",
        "row",
        "Every non-NULL value appears in `to` (a 'table.column' of another table).",
        params=(Param("to", "text", doc="the referenced 'table.column'"),),
    ),
    RuleKind(
        "compare_columns",
        "consistency",
        "row",
        "`column` `op` `other` holds (op: <, <=, >, >=, =, !=); rows with a NULL on either"
        " side pass.",
        params=(
            Param("op", "choice", choices=_OPERATORS),
            Param("other", "column", doc="the column on the right"),
        ),
    ),
    RuleKind(
        "conditional",
        "consistency",
        "row",
        "Where the SQL condition `when` holds, the SQL condition `then` holds too"
        " (a NULL result of `then` passes).",
        column="none",
        params=(Param("when", "sql"), Param("then", "sql")),
    ),
    RuleKind(
        "reconcile_totals",
        "consistency",
        "row",
        "`column` equals the sum of the SQL expression `expression` over the rows of"
        " `parts` with the same `key`, within `tolerance` (keys with no rows there sum"
        " to 0).",
        params=(
            Param("parts", "text", doc="the table holding the parts"),
            Param("expression", "sql", doc="the amount of one part, e.g. quantity * price"),
            Param("key", "column", doc="the column both tables share"),
            Param("tolerance", "number", required=False, doc="allowed difference (0.01)"),
        ),
    ),
    RuleKind(
        "columns_present",
        "consistency",
        "schema",
        "The table has every column of `columns` (and, with `exact: true`, no other),"
        " catching renamed or dropped columns (schema drift).",
        column="none",
        params=(
            Param("columns", "columns"),
            Param("exact", "choice", required=False, choices=("true", "false")),
        ),
    ),
    # -- timeliness --------------------------------------------------------------------
    RuleKind(
        "freshness",
        "timeliness",
        "metric",
        "The newest timestamp is at most `max_age` older than `now` (default: the time of"
        " the check).",
        params=(
            Param("max_age", "duration", doc="e.g. '1 day', '6 hours'"),
            Param("now", "text", required=False, doc="the reference time, ISO-8601"),
        ),
    ),
    RuleKind(
        "not_future",
        "timeliness",
        "row",
        "No timestamp lies after `now` (default: the time of the check).",
        params=(Param("now", "text", required=False, doc="the reference time, ISO-8601"),),
    ),
    RuleKind(
        "max_delay",
        "timeliness",
        "row",
        "`column` - `since` is at most `max` (a duration): late arrivals fail.",
        params=(
            Param("since", "column", doc="the earlier timestamp, e.g. the event time"),
            Param("max", "duration", doc="e.g. '2 days'"),
        ),
    ),
    # -- volume ------------------------------------------------------------------------
    RuleKind(
        "row_count_between",
        "volume",
        "metric",
        "The number of rows lies within [min, max].",
        column="none",
        params=_bounds("number of rows"),
    ),
    # -- distribution ------------------------------------------------------------------
    RuleKind(
        "mean_between",
        "distribution",
        "metric",
        "The mean of non-NULL values lies within [min, max].",
        params=_bounds("mean"),
    ),
    RuleKind(
        "std_between",
        "distribution",
        "metric",
        "The sample standard deviation (n - 1) lies within [min, max].",
        params=_bounds("standard deviation"),
    ),
    RuleKind(
        "quantile_between",
        "distribution",
        "metric",
        "The `q` quantile (linear interpolation, SQL percentile_cont) lies within [min, max].",
        params=(Param("q", "number", doc="0 to 1, e.g. 0.999"), *_bounds("quantile")),
    ),
    RuleKind(
        "share_between",
        "distribution",
        "metric",
        "The share of non-NULL values within [low, high] lies within [min, max].",
        params=(
            Param("low", "number", required=False),
            Param("high", "number", required=False),
            *_bounds("share, 0 to 1"),
        ),
    ),
    RuleKind(
        "sum_between",
        "distribution",
        "metric",
        "The sum of the values lies within [min, max].",
        params=_bounds("sum"),
    ),
    # -- custom ------------------------------------------------------------------------
    RuleKind(
        "sql_predicate",
        "custom",
        "row",
        "Every row meets the SQL condition `expression` (NULL passes, as in CHECK).",
        column="none",
        params=(Param("expression", "sql"),),
    ),
    RuleKind(
        "sql_metric",
        "custom",
        "metric",
        "The SQL query `query` (one number; write the table as {table}) lies within [min, max].",
        column="none",
        params=(Param("query", "sql"), *_bounds("value")),
    ),
]

#: Every rule kind, by name.
KINDS: dict[str, RuleKind] = {kind.name: kind for kind in _KIND_LIST}

_DURATION = re.compile(r"^\s*\d+(\.\d+)?\s*(second|minute|hour|day|week)s?\s*$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True, init=False)
class Rule:
    """One data-quality rule: a kind from :data:`KINDS`, its columns and parameters.

    Parameters
    ----------
    kind : str
        A name of :data:`KINDS` (``pk.quality.kinds()`` lists them).
    column : str, optional
        The column, for kinds that look at one.
    columns : sequence of str, optional
        The key columns, for ``unique`` (``column=`` works for a one-column key).
    table : str, optional
        The table the rule is about, when checking several tables at once.
    name : str, optional
        How results name the rule; default ``kind(column)``.
    severity : {"error", "warn"}
        ``error`` rules stop a fail-fast run and weigh in gates; ``warn`` rules report.
    description : str
        Why the rule exists, for people.
    **params
        The kind's parameters (``min=0, max=5000``; ``pattern="^...$"``).
    """

    kind: str
    column: str | None
    columns: tuple[str, ...]
    table: str | None
    name: str
    severity: Severity
    description: str
    params: Mapping[str, Any]

    def __init__(
        self,
        kind: str,
        *,
        column: str | None = None,
        columns: Sequence[str] | None = None,
        table: str | None = None,
        name: str | None = None,
        severity: Severity = "error",
        description: str = "",
        **params: Any,
    ) -> None:
        spec = KINDS.get(kind)
        if spec is None:
            raise UnknownNameError.for_name(
                kind, KINDS, kind="rule kind", hint="pk.quality.kinds() lists every kind"
            )
        if severity not in ("warn", "error"):
            raise UnknownNameError.for_name(severity, ["warn", "error"], kind="severity")
        if columns is not None and any(p.name == "columns" for p in spec.params):
            params = {"columns": list(columns), **params}  # columns_present: a parameter
            columns = None
        keys = tuple(columns) if columns is not None else ((column,) if column else ())
        if isinstance(columns, str):
            keys = (columns,)
        _check_columns(spec, column, keys)
        _check_params(spec, params)
        label = ", ".join(keys) if keys else ""
        set_ = object.__setattr__
        set_(self, "kind", kind)
        set_(self, "column", keys[0] if spec.column == "one" and keys else column)
        set_(self, "columns", keys)
        set_(self, "table", table)
        set_(self, "name", name or f"{kind}({label})")
        set_(self, "severity", severity)
        set_(self, "description", description)
        set_(self, "params", dict(params))

    @property
    def spec(self) -> RuleKind:
        """The kind's declaration."""
        return KINDS[self.kind]

    @property
    def dimension(self) -> Dimension:
        return self.spec.dimension

    @property
    def level(self) -> Level:
        return self.spec.level

    def to_dict(self) -> dict[str, Any]:
        """The rule as the YAML format writes it (only what differs from the defaults)."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.table:
            out["table"] = self.table
        if self.spec.column == "one" and self.column:
            out["column"] = self.column
        elif self.columns:
            out["columns"] = list(self.columns)
        out.update(self.params)
        if self.name != f"{self.kind}({', '.join(self.columns)})":
            out["name"] = self.name
        if self.severity != "error":
            out["severity"] = self.severity
        if self.description:
            out["description"] = self.description
        return out

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        where = f"{self.table}." if self.table else ""
        return f"Rule({where}{self.name}{', ' + params if params else ''}, {self.severity})"


def _check_columns(spec: RuleKind, column: str | None, keys: tuple[str, ...]) -> None:
    if spec.column == "none" and keys:
        raise InvalidValueError(
            f"Rule '{spec.name}' was given column {format_list(keys)}",
            "no column: it looks at the whole table",
            "leave column= out",
        )
    if spec.column == "one" and len(keys) != 1:
        raise InvalidValueError(
            f"Rule '{spec.name}' was given {len(keys)} columns",
            "exactly one column",
            f"Rule('{spec.name}', column='amount', ...)",
        )
    if spec.column == "many" and not keys:
        raise InvalidValueError(
            f"Rule '{spec.name}' was given no column",
            "one or more key columns",
            f"Rule('{spec.name}', columns=['order_id'])",
        )


def _check_params(spec: RuleKind, params: Mapping[str, Any]) -> None:
    known = {p.name: p for p in spec.params}
    for name in params:
        if name not in known:
            raise UnknownNameError.for_name(
                name, known or ["(none)"], kind=f"parameter of rule '{spec.name}'"
            )
    for param in spec.params:
        value = params.get(param.name)
        if value is None:
            if param.required:
                raise InvalidValueError(
                    f"Rule '{spec.name}' is missing '{param.name}'",
                    f"{param.name}: {param.doc or param.kind}",
                    f"add {param.name}=... to the rule",
                )
            continue
        _check_value(spec, param, value)
    low, high = params.get("min"), params.get("max")
    if "min" in known and low is None and high is None:
        raise InvalidValueError(
            f"Rule '{spec.name}' has neither min nor max", "at least one bound", "add min=..."
        )
    if low is not None and high is not None and low > high:
        raise InvalidValueError(
            f"Rule '{spec.name}' has min {low!r} above max {high!r}", "min <= max"
        )


def _check_value(spec: RuleKind, param: Param, value: Any) -> None:
    where = f"'{param.name}' of rule '{spec.name}'"
    if param.kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise InvalidValueError(f"{where} is {value!r}", "a number")
    if param.kind == "choice" and str(value).lower() not in param.choices:
        raise UnknownNameError.for_name(value, param.choices, kind=f"value of {where}")
    if param.kind == "list" and (isinstance(value, str) or not isinstance(value, Sequence)):
        raise InvalidValueError(f"{where} is {value!r}", "a list of values", "values=['a', 'b']")
    if param.kind == "duration" and not _DURATION.match(str(value)):
        raise InvalidValueError(f"{where} is {value!r}", "a duration such as '2 days' or '6 hours'")
    if param.kind == "text" and param.name == "pattern":
        try:
            re.compile(str(value))
        except re.error as error:
            raise InvalidValueError(
                f"{where} is not a valid regular expression: {error}",
                "a regular expression such as '^[^@]+@[^@]+$'",
                "escape special characters with a backslash",
            ) from None


_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}


def duration_seconds(text: str) -> float:
    """A duration parameter ('2 days', '6 hours') in seconds.

    Examples
    --------
    >>> duration_seconds("2 days"), duration_seconds("90 minutes")
    (172800.0, 5400.0)
    """
    match = _DURATION.match(str(text))
    if match is None:
        raise InvalidValueError(f"Duration {text!r}", "a duration such as '2 days' or '6 hours'")
    number, unit = str(text).split()[0], match.group(2).lower()
    return float(number) * _SECONDS[unit]


def kinds_table() -> list[dict[str, str]]:
    """Every kind with its dimension, level, parameters and meaning (for people)."""
    return [
        {
            "kind": kind.name,
            "dimension": kind.dimension,
            "level": kind.level,
            "column": kind.column,
            "params": ", ".join(p.name + ("" if p.required else "?") for p in kind.params),
            "meaning": kind.summary,
        }
        for kind in _KIND_LIST
    ]
