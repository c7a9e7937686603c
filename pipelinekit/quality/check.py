"""Run quality rules on DataFrames, a DuckDB database or PostgreSQL; get a report.

:func:`check` is the one entry point. Where the rules run:

* **DataFrames** (one frame, a mapping of table name to frame, a ``pk`` Dataset):
  registered on a DuckDB connection and scanned in place (``engine="duckdb"``, the
  default), or checked by pandas itself (``engine="pandas"``);
* **a DuckDB connection** (``connection=``) and table names: in DuckDB;
* **a SQLAlchemy Engine or URL** of PostgreSQL and table names: in PostgreSQL, with the
  PostgreSQL SQL of :mod:`.compile`.

All the rules of one table are answered by **one aggregate query** (a
``count(*) FILTER (WHERE ...)`` per row rule, an aggregate per metric rule); failing
rows are fetched only for the rules that failed. A rule that cannot be checked (an
unknown column or table, a broken SQL expression) becomes a result with status
``error`` and the reason, and the run goes on: nothing passes silently.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.quality.rule import Rule
>>> orders = pd.DataFrame({"order_id": [1, 2, 2, 4], "amount": [10.0, -5.0, 20.0, None]})
>>> report = check(orders, [
...     Rule("unique", column="order_id"),
...     Rule("between", column="amount", min=0, severity="warn"),
...     Rule("not_null", column="amuont"),
... ], name="orders")
>>> report.frame[["rule", "status", "failing"]]
                 rule  status  failing
0    unique(order_id)  failed        2
1     between(amount)  failed        1
2    not_null(amuont)   error        0
>>> print(report.results[2].message)
not_null(amuont) could not be checked: table 'orders': Unknown column 'amuont'; ...
>>> report.results[0].sample
   order_id  amount
0         2    -5.0
1         2    20.0
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import duckdb
import pandas as pd

from pipelinekit.errors import InvalidValueError, PipelinekitError, UnknownNameError, format_list
from pipelinekit.quality.compile import (
    CompiledRule,
    Dialect,
    aggregate_query,
    columns_query,
    columns_used,
    compile_rule,
    rule_sql,
)
from pipelinekit.quality.report import QualityReport
from pipelinekit.quality.result import Outcome, RuleResult, judge
from pipelinekit.quality.rule import Rule

__all__ = ["QualityGateError", "check"]

Mode = Literal["collect", "fail_fast"]
EngineName = Literal["duckdb", "pandas", "postgres"]
_DEFAULT_TABLE = "data"


class QualityGateError(PipelinekitError):
    """A rule of severity ``error`` failed in a ``fail_fast`` run.

    ``report`` holds the results so far (the rules not run are ``skipped``) and
    ``result`` the rule that stopped the run.
    """

    def __init__(self, report: QualityReport, result: RuleResult):
        self.report = report
        self.result = result
        super().__init__(
            f"Quality gate stopped at {result.rule.name}"
            f"{f' on {result.table}' if result.table else ''}: {result.message}",
            "every rule of severity 'error' to pass",
            "error.report shows what ran and its failing rows; mode='collect' runs every rule",
        )


def check(
    data: Any,
    rules: Iterable[Rule],
    *,
    engine: EngineName | None = None,
    connection: Any = None,
    mode: Mode = "collect",
    sample: int | None = 5,
    now: str | pd.Timestamp | None = None,
    name: str | None = None,
) -> QualityReport:
    """Check ``rules`` on ``data``; return a :class:`~.report.QualityReport`.

    Parameters
    ----------
    data : DataFrame, mapping of str to DataFrame, Dataset, str or list of str
        The tables: one frame (called ``name``, default ``data``), several by name, or
        the names of tables in ``connection``.
    rules : iterable of Rule
        The rules. Each applies to its ``table``; a rule without one applies to the
        only table checked.
    engine : {"duckdb", "pandas", "postgres"}, optional
        Where frames are checked: DuckDB (default) or pandas. With a ``connection`` the
        database itself runs the rules.
    connection : DuckDB connection, SQLAlchemy Engine or URL, optional
        The database holding the tables named in ``data``.
    mode : {"collect", "fail_fast"}
        ``fail_fast`` stops at the first failing (or unchecked) rule of severity
        ``error`` and raises :class:`QualityGateError` carrying the report so far.
    sample : int or None
        How many failing rows to keep per failed row rule (None: all of them).
    now : str or Timestamp, optional
        The reference time of ``freshness`` and ``not_future`` (default: the time of
        the check, in UTC), recorded in the report so a lesson can fix it.
    name : str, optional
        The name of a single frame, and of the report.

    Examples
    --------
    >>> import pandas as pd
    >>> from pipelinekit.quality.rule import Rule
    >>> shop = {"orders": pd.DataFrame({"customer_id": [1, 2, 9]}),
    ...         "customers": pd.DataFrame({"customer_id": [1, 2]})}
    >>> rule = Rule("foreign_key", column="customer_id", to="customers.customer_id",
    ...             table="orders")
    >>> check(shop, [rule], mode="fail_fast")
    Traceback (most recent call last):
    ...
    pipelinekit.quality.check.QualityGateError: Quality gate stopped at foreign_key(customer_id)
    on orders: 1 of 3 rows (33.33 %) fail foreign_key(customer_id); ...
    """
    started = time.perf_counter()
    rules = list(rules)
    for rule in rules:
        if not isinstance(rule, Rule):
            raise InvalidValueError(
                f"A rule of type {type(rule).__name__}",
                "pk.quality.Rule objects",
                "load YAML rules with load_rules(...) first",
            )
    if mode not in ("collect", "fail_fast"):
        raise UnknownNameError.for_name(mode, ["collect", "fail_fast"], kind="mode")
    if sample is not None and (isinstance(sample, bool) or int(sample) < 0):
        raise InvalidValueError(f"sample={sample!r}", "a number of rows >= 0, or None for all")
    reference = _reference_time(now)
    source, tables = _open(data, engine, connection, name, rules)
    runner = _Runner(source, tables, reference, sample)
    label = name or (tables[0] if len(tables) == 1 else None)
    results: list[RuleResult] = []
    try:
        for position, rule in enumerate(rules):
            result = runner.result(position, rule, rules)
            results.append(result)
            stop = result.severity == "error" and result.status in ("failed", "error")
            if mode == "fail_fast" and stop:
                results += [_skipped(r, result, runner.table_of(r)) for r in rules[position + 1 :]]
                report = QualityReport(
                    results, label, source.engine, reference, mode, time.perf_counter() - started
                )
                raise QualityGateError(report, result)
    finally:
        source.close()
    return QualityReport(
        results, label, source.engine, reference, mode, time.perf_counter() - started
    )


def _reference_time(now: str | pd.Timestamp | None) -> pd.Timestamp:
    if now is None:
        return pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    try:
        return pd.Timestamp(now)
    except (ValueError, TypeError) as error:
        raise InvalidValueError(
            f"now={now!r}", "an ISO-8601 time such as '2024-06-01 12:00'"
        ) from error


def _skipped(rule: Rule, stopped_by: RuleResult, table: str | None) -> RuleResult:
    return RuleResult(
        rule=rule,
        status="skipped",
        rows=0,
        failing=0,
        failing_share=0.0,
        value=None,
        message=f"{rule.name}: skipped, the run stopped at {stopped_by.rule.name} (fail_fast)",
        sql="",
        engine=stopped_by.engine,
        table=table,
    )


# -- where the tables are ---------------------------------------------------------------


class _Source:
    """Tables in one place, and how to ask them queries."""

    engine = "duckdb"
    dialect: Dialect = "duckdb"
    frames: dict[str, pd.DataFrame] = {}

    def columns(self, table: str) -> dict[str, str] | None:
        """Column name -> type of ``table``; None when there is no such table."""
        try:
            rows = self.fetch(columns_query(table, self.dialect))
        except Exception:  # noqa: BLE001 - an unknown table, said so by the caller
            return None
        return {str(row[0]): str(row[1]) for row in rows}

    def tables(self) -> list[str]:
        return []

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def frame(self, sql: str) -> pd.DataFrame:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _DuckDB(_Source):
    def __init__(self, connection: Any, frames: Mapping[str, pd.DataFrame]):
        self.owned = connection is None
        self.cursor = duckdb.connect() if connection is None else connection.cursor()
        self.frames = dict(frames)
        for table, frame in self.frames.items():
            self.cursor.register(table, frame)

    def tables(self) -> list[str]:
        rows = self.fetch("SELECT table_name FROM information_schema.tables ORDER BY 1")
        return sorted({str(row[0]) for row in rows} | set(self.frames))

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return self.cursor.execute(sql).fetchall()

    def frame(self, sql: str) -> pd.DataFrame:
        return self.cursor.execute(sql).df()

    def close(self) -> None:
        self.cursor.close()


class _Postgres(_Source):
    engine = "postgresql"
    dialect: Dialect = "postgres"

    def __init__(self, connection: Any):
        import sqlalchemy as sa

        self.owned = isinstance(connection, str | sa.URL)
        self.sa_engine = sa.create_engine(connection) if self.owned else connection
        if not isinstance(self.sa_engine, sa.Engine):
            raise InvalidValueError(
                f"connection= is of type {type(connection).__name__}",
                "a DuckDB connection, a SQLAlchemy Engine or a database URL",
            )
        if self.sa_engine.dialect.name != "postgresql":
            raise InvalidValueError(
                f"A {self.sa_engine.dialect.name} database",
                "PostgreSQL (the SQL dialects written are DuckDB's and PostgreSQL's)",
                "load the tables into pandas or DuckDB and check them there",
            )
        self.raw = self.sa_engine.raw_connection()

    def tables(self) -> list[str]:
        rows = self.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() ORDER BY 1"
        )
        return [str(row[0]) for row in rows]

    def columns(self, table: str) -> dict[str, str] | None:
        found = super().columns(table)
        return found or None  # information_schema lists no columns of an unknown table

    def _execute(self, sql: str) -> Any:
        cursor = self.raw.cursor()
        try:
            cursor.execute(sql)  # no parameters: '%' and ':' in the SQL stay as written
        except Exception:
            self.raw.rollback()
            raise
        return cursor

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return list(self._execute(sql).fetchall())

    def frame(self, sql: str) -> pd.DataFrame:
        cursor = self._execute(sql)
        names = [d[0] for d in cursor.description]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=names)

    def close(self) -> None:
        self.raw.rollback()
        self.raw.close()
        if self.owned:
            self.sa_engine.dispose()


class _Pandas(_Source):
    engine = "pandas"

    def __init__(self, frames: Mapping[str, pd.DataFrame]):
        self.frames = dict(frames)

    def columns(self, table: str) -> dict[str, str] | None:
        frame = self.frames.get(table)
        return None if frame is None else {str(c): str(t) for c, t in frame.dtypes.items()}

    def tables(self) -> list[str]:
        return list(self.frames)


def _open(
    data: Any, engine: str | None, connection: Any, name: str | None, rules: Sequence[Rule]
) -> tuple[_Source, list[str]]:
    """The source of the tables and the names of the tables checked."""
    frames: dict[str, pd.DataFrame] = {}
    if isinstance(data, pd.DataFrame):
        frames = {name or _DEFAULT_TABLE: data}
    elif isinstance(data, Mapping):
        frames = dict(data)
        for table, frame in frames.items():
            if not isinstance(frame, pd.DataFrame):
                raise InvalidValueError(
                    f"Table {table!r} is a {type(frame).__name__}", "a pandas DataFrame"
                )
    if frames:
        tables = list(frames)
    elif isinstance(data, str):
        tables = [data]
    elif data is None:
        tables = list(dict.fromkeys(r.table for r in rules if r.table))
    elif isinstance(data, Sequence) and all(isinstance(t, str) for t in data):
        tables = list(data)
    else:
        raise InvalidValueError(
            f"data of type {type(data).__name__}",
            "a DataFrame, a mapping of table name to DataFrame, a Dataset, or table names"
            " with connection=",
        )
    if connection is None:
        if not frames:
            raise InvalidValueError(
                f"Table names {format_list(tables)} without a connection",
                "DataFrames, or table names with connection= (DuckDB or SQLAlchemy)",
                "check(['orders'], rules, connection=duckdb.connect('shop.duckdb'))",
            )
        chosen = engine or "duckdb"
        if chosen == "pandas":
            return _Pandas(frames), tables
        if chosen != "duckdb":
            raise UnknownNameError.for_name(chosen, ["duckdb", "pandas"], kind="engine for frames")
        return _DuckDB(None, frames), tables
    if isinstance(connection, duckdb.DuckDBPyConnection):
        if engine not in (None, "duckdb"):
            raise InvalidValueError(f"engine={engine!r} with a DuckDB connection", "'duckdb'")
        return _DuckDB(connection, frames), tables
    if frames:
        raise InvalidValueError(
            "DataFrames with a SQLAlchemy connection",
            "table names that exist in the database",
            "write the frames to the database first (frame.to_sql), or leave connection= out",
        )
    if engine not in (None, "postgres"):
        raise InvalidValueError(f"engine={engine!r} with a SQLAlchemy connection", "'postgres'")
    return _Postgres(connection), tables


# -- answering the rules ----------------------------------------------------------------


class _Runner:
    """Answers rules in order, computing each table's answers once, when first needed."""

    def __init__(self, source: _Source, tables: list[str], now: pd.Timestamp, sample: int | None):
        self.source = source
        self.tables = tables
        self.now = now
        self.sample = sample
        self.answers: dict[str, dict[int, tuple[Outcome, CompiledRule | None]]] = {}
        self.column_cache: dict[str, dict[str, str] | None] = {}

    def table_of(self, rule: Rule) -> str | None:
        if rule.table is not None:
            return rule.table
        return self.tables[0] if len(self.tables) == 1 else None

    def _table_problem(self, rule: Rule) -> str | None:
        if rule.table is None and len(self.tables) != 1:
            return (
                f"the rule names no table and {len(self.tables)} tables are checked "
                f"({format_list(self.tables)}); give it table=..."
            )
        if rule.table is not None and rule.table not in self.tables:
            hint = None
            if self.tables == [_DEFAULT_TABLE]:
                hint = f"name the frame: check(frame, rules, name={rule.table!r})"
            return UnknownNameError.for_name(
                rule.table, self.tables, kind="table", hint=hint
            ).one_line()
        return None

    def result(self, position: int, rule: Rule, rules: Sequence[Rule]) -> RuleResult:
        table = self.table_of(rule)
        problem = self._table_problem(rule)
        if problem is not None or table is None:
            return judge(
                rule,
                Outcome(error=problem),
                sql=_shown_sql(rule, table, self.source, self.now),
                engine=self.source.engine,
                table=table,
            )
        if table not in self.answers:
            mine = [(i, r) for i, r in enumerate(rules) if self.table_of(r) == table]
            mine = [(i, r) for i, r in mine if self._table_problem(r) is None]
            self.answers[table] = self._answer_table(table, mine)
        outcome, compiled = self.answers[table][position]
        if compiled is not None:
            self._add_sample(outcome, compiled)
        sql = compiled.text(self.sample) if compiled is not None else ""
        sql = sql or _shown_sql(rule, table, self.source, self.now)
        return judge(rule, outcome, sql=sql, engine=self.source.engine, table=table)

    # -- one table ------------------------------------------------------------------------

    def _columns(self, table: str) -> dict[str, str] | None:
        if table not in self.column_cache:
            self.column_cache[table] = self.source.columns(table)
        return self.column_cache[table]

    def _answer_table(
        self, table: str, rules: list[tuple[int, Rule]]
    ) -> dict[int, tuple[Outcome, CompiledRule | None]]:
        if isinstance(self.source, _Pandas):
            return {i: (self._pandas(table, rule), None) for i, rule in rules}
        columns = self._columns(table)
        answers: dict[int, tuple[Outcome, CompiledRule | None]] = {}
        if columns is None:
            error = UnknownNameError.for_name(table, self.source.tables(), kind="table")
            return {i: (Outcome(error=error.one_line()), None) for i, _ in rules}
        queued: list[tuple[int, CompiledRule]] = []
        for i, rule in rules:
            problem = self._unknown_columns(table, rule, columns)
            if problem is not None:
                answers[i] = (Outcome(error=problem), None)
                continue
            try:
                compiled = compile_rule(
                    rule, table, dialect=self.source.dialect, now=self.now, types=columns
                )
            except PipelinekitError as error:
                answers[i] = (Outcome(error=error.one_line()), None)
                continue
            if compiled.schema is not None:
                answers[i] = (_schema_outcome(rule, columns), compiled)
            else:
                queued.append((i, compiled))
        answers.update(self._aggregate(table, queued))
        schema_outcomes = [
            outcome
            for outcome, part in answers.values()
            if part is not None and part.schema is not None
        ]
        if schema_outcomes:  # the rows come with the other rules, or from a count of their own
            counted = [
                o.rows for i, (o, _) in answers.items() if o.error is None and i in dict(queued)
            ]
            rows = (
                counted[0] if counted else int(self.source.fetch(aggregate_query([], table))[0][0])
            )
            for outcome in schema_outcomes:
                outcome.rows = rows
        return answers

    def _unknown_columns(self, table: str, rule: Rule, columns: dict[str, str]) -> str | None:
        for other, names in columns_used(rule).items():
            known = columns if other is None else self._columns(other)
            where = table if other is None else other
            if known is None:
                error = UnknownNameError.for_name(
                    where,
                    self.source.tables(),
                    kind=f"table named by {rule.kind}",
                    hint="check every table the rules name: check({'orders': ..., "
                    "'customers': ...}, rules)",
                )
                return error.one_line()
            for column in names:
                if column not in known:
                    error = UnknownNameError.for_name(column, known, kind="column")
                    return f"table '{where}': {error.one_line()}"
        return None

    def _aggregate(
        self, table: str, queued: list[tuple[int, CompiledRule]]
    ) -> dict[int, tuple[Outcome, CompiledRule | None]]:
        if not queued:
            return {}
        parts = [compiled for _, compiled in queued]
        try:
            values = self.source.fetch(aggregate_query(parts, table))[0]
        except Exception:  # noqa: BLE001 - one rule broke the query: ask each alone
            return {i: self._alone(table, c) for i, c in queued}
        rows = int(values[0])
        return {i: (_outcome(c.rule, rows, values[k + 1]), c) for k, (i, c) in enumerate(queued)}

    def _alone(self, table: str, compiled: CompiledRule) -> tuple[Outcome, CompiledRule | None]:
        try:
            values = self.source.fetch(aggregate_query([compiled], table))[0]
        except Exception as error:  # noqa: BLE001 - reported as the rule's error
            return Outcome(error=_first_line(error)), compiled
        return _outcome(compiled.rule, int(values[0]), values[1]), compiled

    def _add_sample(self, outcome: Outcome, compiled: CompiledRule) -> None:
        wanted = self.sample is None or self.sample > 0
        if outcome.error or not outcome.failing or compiled.sample is None or not wanted:
            return
        if outcome.sample is not None:
            return
        try:
            outcome.sample = self.source.frame(compiled.sample_query(self.sample))
        except Exception as error:  # noqa: BLE001 - the counts stand; say why no sample
            outcome.details = f"no sample of failing rows: {_first_line(error)}"

    def _pandas(self, table: str, rule: Rule) -> Outcome:
        from pipelinekit.quality import pandas_backend  # written alongside; imported late

        frame = self.source.frames[table]
        size = len(frame) if self.sample is None else self.sample
        try:
            return pandas_backend.evaluate(
                rule, frame, tables=self.source.frames, now=self.now, sample=size
            )
        except Exception as error:  # noqa: BLE001 - never a crash mid-run
            return Outcome(error=f"{type(error).__name__}: {_first_line(error)}")


def _outcome(rule: Rule, rows: int, raw: Any) -> Outcome:
    if rule.level == "row":
        return Outcome(rows=rows, failing=int(raw or 0))
    if rows == 0 and rule.kind != "row_count_between":
        return Outcome(rows=0, value=None)  # an empty table has no mean, share, age ...
    try:
        value = None if raw is None else float(raw)
    except (TypeError, ValueError):
        return Outcome(rows=rows, error=f"the value {raw!r} is not a number")
    return Outcome(rows=rows, value=value)


def _schema_outcome(rule: Rule, columns: dict[str, str]) -> Outcome:
    from pipelinekit.catalog.families import compatible, type_family

    if rule.kind == "column_type":
        column = str(rule.column)
        expected = str(rule.params["family"]).lower()
        found = type_family(columns[column])
        if compatible(expected, found):
            return Outcome()
        return Outcome(
            failing=1,
            details=f"column '{column}' is {columns[column]} ({found}), expected {expected}",
        )
    wanted = [str(c) for c in rule.params.get("columns") or rule.columns]
    missing = [c for c in wanted if c not in columns]
    extra = [c for c in columns if c not in wanted] if _true(rule.params.get("exact")) else []
    problems = []
    if missing:
        others = [c for c in columns if c not in wanted]
        renamed = f" (renamed? the table also has {format_list(others)})" if others else ""
        problems.append(f"missing column {format_list(missing)}{renamed}")
    if extra:
        problems.append(f"unexpected column {format_list(extra)}")
    return Outcome(failing=len(missing) + len(extra), details="; ".join(problems))


def _true(value: Any) -> bool:
    return str(value).lower() == "true"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _shown_sql(rule: Rule, table: str | None, source: _Source, now: pd.Timestamp) -> str:
    try:
        return rule_sql(rule, table, source.dialect, now=now)
    except PipelinekitError:
        return ""
