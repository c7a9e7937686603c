"""The pandas engine: check any rule on a DataFrame, giving the numbers SQL would give.

:func:`evaluate` is the pandas twin of the SQL that :mod:`.compile` writes for DuckDB and
PostgreSQL; SQL's meaning is the oracle, and ``tests/quality/test_engines_agree.py``
holds the three engines to the same verdict. The work is split by level:

* :mod:`.pandas_rows` — row rules, one boolean mask of failing rows per kind;
* :mod:`.pandas_metrics` — metric rules (one number) and schema rules (the columns);
* :mod:`.pandas_sql` — the pieces written in SQL (``conditional``'s ``when``/``then``,
  ``sql_predicate``, ``sql_metric``, and a ``reconcile_totals`` expression that is more
  than arithmetic). pandas cannot run SQL, so **those pieces run through DuckDB** over
  the DataFrame (read in place, not copied); the outcome's ``details`` say so.

Semantics shared with SQL
-------------------------
* A NULL in the checked column passes a row rule (``not_null`` aside); NaN, ``None``,
  ``NaT`` and ``pd.NA`` all count as NULL.
* ``unique`` fails every row of a repeated key (``duplicated(keep=False)``) and passes
  rows with a NULL in the key; ``no_duplicate_rows`` fails each extra copy
  (``duplicated(keep="first")``), NULLs comparing equal.
* ``in_set`` / ``not_in_set`` leave NULLs out of ``values``: in SQL ``x IN (1, NULL)``
  is NULL rather than FALSE for ``x = 2``, which would let every row pass.
* Text length counts characters; ``not_blank`` trims spaces only (as SQL ``trim``).
* Timestamps are compared in UTC; a column or ``now`` without a time zone is UTC.
* Metric aggregates skip NULLs; ``std`` is the sample one (n - 1); ``quantile`` uses
  linear interpolation (``percentile_cont``). On an **empty table** every metric but
  ``row_count_between`` has no value (``None``), which :func:`.result.judge` fails.

Regular expressions
-------------------
``matches_regex`` uses Python ``re.search``; DuckDB uses RE2 and PostgreSQL its own
ARE syntax. They agree on the common subset — literals, ``.``, ``[...]`` classes,
``* + ? {m,n}``, ``|``, groups, ``^`` and ``$`` — and differ beyond it: ``\\d`` and
``\\w`` are Unicode-wide in Python but ASCII in RE2; ``$`` in Python also matches before
a final newline; look-arounds and back-references exist in Python only. Stay within the
subset for a rule that must run everywhere. ``castable_to`` uses
:data:`CASTABLE_PATTERNS`, written in that subset and shared by every engine.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.quality.rule import Rule
>>> orders = pd.DataFrame({"order_id": [1, 2, 2, None], "amount": [10.0, -5.0, 7.0, None]})
>>> now = pd.Timestamp("2024-06-01")
>>> evaluate(Rule("unique", column="order_id"), orders, tables={}, now=now).failing
2
>>> outcome = evaluate(Rule("between", column="amount", min=0), orders, tables={}, now=now)
>>> outcome.rows, outcome.failing
(4, 1)
>>> outcome.sample
   order_id  amount
1       2.0    -5.0
>>> evaluate(Rule("mean_between", column="amount", max=100), orders, tables={}, now=now).value
4.0
>>> print(evaluate(Rule("not_null", column="amout"), orders, tables={}, now=now).error)
Unknown column 'amout'; expected one of 'order_id', 'amount'. Hint: did you mean 'amount'?
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pipelinekit.errors import PipelinekitError, UnknownNameError
from pipelinekit.quality import pandas_sql
from pipelinekit.quality.pandas_metrics import METRICS, SCHEMA_CHECKS
from pipelinekit.quality.pandas_rows import CASTABLE_PATTERNS, ROW_CHECKS, Context
from pipelinekit.quality.result import Outcome
from pipelinekit.quality.rule import Rule

__all__ = ["CASTABLE_PATTERNS", "evaluate", "via_duckdb"]


def evaluate(
    rule: Rule,
    frame: pd.DataFrame,
    *,
    tables: Mapping[str, pd.DataFrame],
    now: pd.Timestamp,
    sample: int = 5,
) -> Outcome:
    """Check one rule on a DataFrame with pandas; return the raw numbers.

    Parameters
    ----------
    rule : Rule
        What must hold.
    frame : DataFrame
        The table to check.
    tables : mapping of str to DataFrame
        Other tables by name, for ``foreign_key`` (``to='table.column'``),
        ``reconcile_totals`` (``parts=``) and ``sql_metric`` queries.
    now : Timestamp
        The time of the check (no time zone means UTC), for ``freshness`` and
        ``not_future`` rules that do not name their own ``now``.
    sample : int
        How many failing rows to keep (all columns, in the table's order).

    Returns
    -------
    Outcome
        Row rules: ``rows``, ``failing`` and ``sample``; metric rules: ``rows`` and
        ``value`` (``None`` when there is none); schema rules: ``failing`` problems and
        their ``details``. ``error`` instead when the rule cannot be checked (an unknown
        column, a column of the wrong type, SQL DuckDB cannot run) — never raised.
    """
    rows = len(frame)
    try:
        missing = _unknown_column(rule, frame)
        if missing is not None:
            return Outcome(rows=rows, error=missing.one_line())
        data = frame.reset_index(drop=True)  # work by position; sample from `frame`
        context = Context(tables, now)
        details = pandas_sql.VIA_DUCKDB if via_duckdb(rule, tables) else ""
        if rule.level == "schema":
            failing, details = SCHEMA_CHECKS[rule.kind](rule, data)
            return Outcome(rows=rows, failing=failing, details=details)
        if rule.level == "metric":
            value = METRICS[rule.kind](rule, data, context)
            if rows == 0 and rule.kind != "row_count_between":
                value = None  # no rows, no value: judge fails it rather than pass it
            return Outcome(rows=rows, value=value, details=details)
        failing_rows = ROW_CHECKS[rule.kind](rule, data, context)
        return Outcome(
            rows=rows,
            failing=int(failing_rows.sum()),
            sample=frame[failing_rows].head(sample),
            details=details,
        )
    except PipelinekitError as error:
        return Outcome(rows=rows, error=error.one_line())
    except (TypeError, ValueError) as error:  # e.g. comparing text with numbers
        return Outcome(rows=rows, error=f"pandas could not check {rule.name}: {error}")


def via_duckdb(rule: Rule, tables: Mapping[str, pd.DataFrame]) -> bool:
    """Whether part of the rule is SQL that the pandas engine hands to DuckDB.

    Examples
    --------
    >>> via_duckdb(Rule("sql_predicate", expression="amount >= 0"), {})
    True
    >>> via_duckdb(Rule("not_null", column="amount"), {})
    False

    A ``reconcile_totals`` expression goes to DuckDB unless it is plain arithmetic over
    the parts table's columns (:func:`.pandas_sql.is_arithmetic`).
    """
    if rule.kind in ("conditional", "sql_predicate", "sql_metric"):
        return True
    if rule.kind == "reconcile_totals":
        parts = tables.get(str(rule.params["parts"]))
        columns = [] if parts is None else [str(column) for column in parts.columns]
        return not pandas_sql.is_arithmetic(str(rule.params["expression"]), columns)
    return False


def _unknown_column(rule: Rule, frame: pd.DataFrame) -> UnknownNameError | None:
    """The error for the first column the rule names that the frame lacks, if any."""
    have = [str(column) for column in frame.columns]
    named = list(rule.columns) + [
        str(rule.params[p.name])
        for p in rule.spec.params
        if p.kind == "column" and rule.params.get(p.name) is not None
    ]
    for name in named:
        if name not in have:
            return UnknownNameError.for_name(
                name, have, kind="column", hint="frame.columns lists the table's columns"
            )
    return None
