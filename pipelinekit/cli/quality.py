"""``pipelinekit quality``: profile, check and score data, and read the quality history.

DATA is a ``.parquet`` or ``.csv`` file (one table, named after the file unless
``--table`` names it), a folder written by ``pipelinekit generate data`` (one file per
table; files starting with ``_`` are left out), or a DuckDB database file (every table,
or the one ``--table`` names). When every table of DATA is checked, a rule naming a table
that DATA lacks is a mistake; with ``--table``, or a single file, the rules of other
tables are left out (the output says how many).

Exit status: 0 when every rule of severity ``error`` passed, 1 when one failed (or could
not be checked), 2 for a mistake in the command (a missing file, a bad rules file, an
unknown table), printed on one line.

Examples::

    pipelinekit quality profile data/ecommerce --table orders --out profile.html
    pipelinekit quality suggest data/ecommerce --out rules.yml
    pipelinekit quality check data/ecommerce --rules rules.yml --html quality.html
    pipelinekit quality check shop.duckdb --table orders --rules rules.yml --fail-fast
    pipelinekit quality score data/ecommerce --rules rules.yml --weight completeness=2
    pipelinekit quality history orders --metric null_share --column email --detector mad
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelinekit.errors import InvalidValueError, PipelinekitError, UnknownNameError, format_list

EXAMPLES = """examples:
  pipelinekit quality profile data/ecommerce --table orders --out profile.html
  pipelinekit quality suggest data/ecommerce --out rules.yml
  pipelinekit quality check data/ecommerce --rules rules.yml --html quality.html
  pipelinekit quality check shop.duckdb --table orders --rules rules.yml --fail-fast
  pipelinekit quality check data/ecommerce --rules rules.yml --metadata metadata.duckdb
  pipelinekit quality score data/ecommerce --rules rules.yml --weight completeness=2
  pipelinekit quality history orders --metadata metadata.duckdb
  pipelinekit quality history orders --metric rows --detector mad --metadata metadata.duckdb

DATA is a .parquet or .csv file, a folder written by 'pipelinekit generate data', or a
DuckDB file. 'check' exits with 1 when a rule of severity error fails, 0 otherwise, and
2 for a mistake in the command.
"""

DETECTORS = {"zscore": "zscore", "mad": "mad", "rate": "rate_of_change", "seasonal": "seasonal"}
FAILED = 1
_FILES = (".parquet", ".csv")
_STYLES = {"passed": "green", "failed": "bold red", "error": "bold magenta", "skipped": "dim"}


def register(commands: argparse._SubParsersAction) -> None:
    quality = commands.add_parser(
        "quality",
        help="profile, check and score data; read the quality history",
        description="Data quality from the shell: profiles, rules, scores, history.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = quality.add_subparsers(dest="action", metavar="ACTION", parser_class=type(quality))
    actions.required = True

    profile = _action(
        actions, "profile", "what every column of a table holds",
        "pipelinekit quality profile data/ecommerce --table orders --out profile.html",
    )  # fmt: skip
    _data_options(profile)
    profile.add_argument("--out", metavar="HTML", help="also write the profile as an HTML page")
    profile.set_defaults(handler=run_profile)

    check = _action(
        actions, "check", "check rules on data; exit 1 when an error rule fails",
        "pipelinekit quality check data/ecommerce --rules rules.yml --html quality.html\n"
        "  pipelinekit quality check orders.parquet --rules rules.yml --engine pandas --fail-fast",
    )  # fmt: skip
    _check_options(check)
    check.add_argument(
        "--fail-fast", action="store_true", help="stop at the first failing error rule"
    )
    check.add_argument("--html", metavar="HTML", help="also write a self-contained HTML report")
    check.add_argument(
        "--metadata",
        metavar="PATH",
        help="record the run (verdicts and profile metrics) in this metadata database",
    )
    check.add_argument(
        "--sample", type=int, default=3, metavar="N", help="failing rows shown per rule (default 3)"
    )
    check.set_defaults(handler=run_check)

    score = _action(
        actions, "score", "check rules and show the quality score with its arithmetic",
        "pipelinekit quality score data/ecommerce --rules rules.yml --weight completeness=2\n"
        "  pipelinekit quality score data/ecommerce --rules rules.yml --fail-under 90",
    )  # fmt: skip
    _check_options(score)
    score.add_argument(
        "--weight", action="append", default=[], metavar="DIMENSION=W",
        help="weight of a dimension (default 1 each); repeat for more",
    )  # fmt: skip
    score.add_argument(
        "--fail-under", type=float, metavar="PERCENT", help="exit 1 when the score is lower"
    )
    score.set_defaults(handler=run_score)

    history = _action(
        actions, "history", "recorded runs of a table, or one metric with its anomalies",
        "pipelinekit quality history orders --metadata metadata.duckdb\n"
        "  pipelinekit quality history orders --metric rows --detector mad\n"
        "  pipelinekit quality history customers --metric null_share --column email",
    )  # fmt: skip
    history.add_argument("table", help="the table, as recorded")
    history.add_argument("--metric", help="rows, score, failing_rules, or a column metric")
    history.add_argument("--column", help="the column of a column metric (null_share, mean, ...)")
    history.add_argument(
        "--detector", choices=list(DETECTORS), default="zscore", help="default: zscore"
    )
    history.add_argument(
        "--threshold", type=float,
        help="the detector's threshold (standard deviations; for rate, the largest change)",
    )  # fmt: skip
    history.add_argument("--period", type=int, help="runs per season, for --detector seasonal")
    history.add_argument("--last", type=int, default=30, metavar="N", help="runs shown (30)")
    _metadata_option(history)
    history.set_defaults(handler=run_history)

    suggest = _action(
        actions, "suggest", "suggest rules from a profile and write them as YAML",
        "pipelinekit quality suggest data/ecommerce --out rules.yml\n"
        "  pipelinekit quality suggest orders.parquet --out rules.yml --force",
    )  # fmt: skip
    _data_options(suggest)
    suggest.add_argument("--out", required=True, metavar="YAML", help="the rules file to write")
    suggest.add_argument("--force", action="store_true", help="replace an existing --out file")
    _metadata_option(suggest, "use the history recorded there (row counts, nulls of every run)")
    suggest.set_defaults(handler=run_suggest)


def _action(
    actions: argparse._SubParsersAction, name: str, helptext: str, examples: str
) -> argparse.ArgumentParser:
    return actions.add_parser(
        name,
        help=helptext,
        description=helptext[0].upper() + helptext[1:] + ".",
        epilog=f"examples:\n  {examples}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "data", metavar="DATA", help="a .parquet/.csv file, a folder or a DuckDB file"
    )
    parser.add_argument(
        "--table", help="the table of a DuckDB file or folder (for a file: its name in the rules)"
    )


def _check_options(parser: argparse.ArgumentParser) -> None:
    _data_options(parser)
    parser.add_argument("--rules", required=True, metavar="YAML", help="the rules file")
    parser.add_argument(
        "--engine", choices=["duckdb", "pandas"], default="duckdb", help="where rules run"
    )
    parser.add_argument("--now", help="reference time of freshness rules (default: now, UTC)")


def _metadata_option(parser: argparse.ArgumentParser, helptext: str | None = None) -> None:
    parser.add_argument(
        "--metadata",
        metavar="PATH",
        help=helptext
        or "metadata database (default: $PIPELINEKIT_METADATA or .pipelinekit/metadata.duckdb)",
    )


# ---------------------------------------------------------------------- the data
@dataclasses.dataclass
class Data:
    """The tables of DATA: frames (files, folders) or a DuckDB connection."""

    path: Path
    tables: list[str]  # every table DATA holds
    frames: dict[str, pd.DataFrame]
    connection: Any = None
    one_file: bool = False  # a .parquet or .csv file: one table, its rules only

    @property
    def label(self) -> str:
        return self.path.stem if self.path.is_file() else self.path.name

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


@contextmanager
def open_data(text: str, table: str | None, *, engine: str = "duckdb") -> Iterator[Data]:
    """Open DATA; refuse a missing path, an unknown format or an unknown ``table``."""
    path = Path(text)
    if not path.exists():
        raise PipelinekitError(
            f"No data at {path}",
            "a .parquet or .csv file, a folder written by 'pipelinekit generate data', or a"
            " DuckDB file",
            "check the path; 'pipelinekit generate data ecommerce --out DIR' writes a folder",
        )
    if path.is_dir():
        data = _folder(path, table)
    elif path.suffix.lower() in _FILES:
        name = table or path.stem
        data = Data(path, [name], {name: _read(path)}, one_file=True)
    else:
        data = _duckdb(path, table, engine)
    try:
        yield data
    finally:
        data.close()


def _folder(path: Path, table: str | None) -> Data:
    files = sorted(
        p for p in path.iterdir()
        if p.suffix.lower() in _FILES and not p.name.startswith(("_", "."))
    )  # fmt: skip
    if not files:
        raise PipelinekitError(
            f"No .parquet or .csv file in the folder {path}",
            "a folder with one file per table",
            "'pipelinekit generate data ecommerce --out DIR' writes one",
        )
    names = [p.stem for p in files]
    if table is not None and table not in names:
        raise UnknownNameError.for_name(table, names, kind=f"table in {path}")
    return Data(path, names, {p.stem: _read(p) for p in files})


def _read(path: Path) -> pd.DataFrame:
    import duckdb

    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        with duckdb.connect() as connection:
            return connection.read_csv(str(path)).df()
    except Exception as error:  # noqa: BLE001 - any reader failure is the file's
        raise PipelinekitError(
            f"Cannot read {path} ({_first_line(error)})", f"a readable {path.suffix} file"
        ) from error


def _duckdb(path: Path, table: str | None, engine: str) -> Data:
    import duckdb

    try:
        connection = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise PipelinekitError(
            f"{path} is not a .parquet or .csv file, a folder or a DuckDB database"
            f" ({_first_line(error)})",
            "DATA as a .parquet/.csv file, a folder of them, or a DuckDB file",
        ) from error
    rows = connection.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
    ).fetchall()
    names = [str(r[0]) for r in rows]
    if table is not None and table not in names:
        connection.close()
        raise UnknownNameError.for_name(
            table, names or ["(no table)"], kind=f"table in the DuckDB file {path}"
        )
    if engine == "pandas":  # pandas checks frames: read the tables, let the file go
        frames = {name: connection.table(name).df() for name in names}
        connection.close()
        return Data(path, names, frames)
    return Data(path, names, {}, connection)


def _chosen(data: Data, table: str | None) -> list[str]:
    return [table or data.tables[0]] if table or len(data.tables) == 1 else list(data.tables)


# ---------------------------------------------------------------------- rules
def load_rules_for(rules_path: str, data: Data, table: str | None) -> tuple[list[Any], int]:
    """The rules that apply to the chosen tables (each naming its table), and how many not.

    When every table of DATA is checked, a rule naming a table DATA lacks is a mistake;
    with ``--table`` (or a single file), the rules of other tables are left out.
    """
    from pipelinekit.quality.rule import Rule
    from pipelinekit.quality.rules_yaml import load_rules

    path = Path(rules_path)
    if not path.is_file():
        raise PipelinekitError(
            f"No rules file at {path}",
            "a YAML file of rules",
            "'pipelinekit quality suggest DATA --out rules.yml' writes a first one",
        )
    rules = load_rules(path)
    chosen = _chosen(data, table)
    kept = []
    for rule in rules:
        strict = table is None and not data.one_file
        if strict and rule.table is not None and rule.table not in data.tables:
            raise UnknownNameError.for_name(
                rule.table, data.tables, kind=f"table named by {rule.name} in {path}"
            )
        if rule.table is None and len(chosen) > 1:
            raise InvalidValueError(
                f"Rule {rule.name} in {path} names no table, and {data.path} holds"
                f" {len(chosen)} tables ({format_list(chosen)})",
                "a table for every rule",
                "add 'table: NAME' to the rule, group rules under 'tables:', or pass --table",
            )
        if rule.table is None:
            kept.append(Rule(**{**rule.to_dict(), "table": chosen[0]}))
        elif rule.table in chosen:
            kept.append(rule)
    if not kept:
        raise InvalidValueError(
            f"No rule in {path} is about {format_list(chosen)}",
            "at least one rule for the tables checked",
            "name the table with 'table:' in the rules, or choose another --table",
        )
    return kept, len(rules) - len(kept)


def _check(args: argparse.Namespace, data: Data, rules: list[Any], *, fail_fast: bool) -> Any:
    from pipelinekit.quality.check import QualityGateError, check

    tables = list(dict.fromkeys(r.table for r in rules))
    source: Any = data.frames if data.connection is None else tables
    try:
        return check(
            source,
            rules,
            engine=args.engine if data.connection is None else None,
            connection=data.connection,
            mode="fail_fast" if fail_fast else "collect",
            sample=max(getattr(args, "sample", 5), 5),
            now=args.now,
            name=args.table or data.label,
        )
    except QualityGateError as stop:
        return stop.report


# ---------------------------------------------------------------------- showing
def console() -> Console:
    """Colours and boxes in a terminal; plain, wide text when piped or captured."""
    terminal = Console(highlight=False)
    if terminal.is_terminal:
        return terminal
    return Console(highlight=False, width=200, no_color=True)


def table(con: Console, columns: Sequence[str], *, title: str | None = None) -> Table:
    """A rich table: light lines in a terminal, none when plain; its title is printed now.

    The title goes on a line of its own, so that it is never folded to the table's width.
    """
    if title is not None:
        _say(con, title, "bold")
    shown = Table(
        box=box.SIMPLE_HEAD if con.is_terminal else None,
        show_edge=False,
        pad_edge=False,
    )
    for column in columns:
        shown.add_column(column, overflow="fold")
    return shown


def show(con: Console, renderable: Any) -> None:
    """Print a table or text; when plain, without the padding rich leaves at line ends."""
    if con.is_terminal:
        con.print(renderable)
        return
    with con.capture() as captured:
        con.print(renderable)
    print("\n".join(line.rstrip() for line in captured.get().splitlines()))


def cell(value: Any, style: str = "") -> Text:
    """Text shown as it is: a '[red]' in the data is not rich markup."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Text("")
    if isinstance(value, float):
        return Text(f"{value:.6g}", style=style)
    if isinstance(value, int) and not isinstance(value, bool):
        return Text(f"{value:,}", style=style)
    return Text(str(value), style=style)


def _say(con: Console, text: str, style: str = "") -> None:
    show(con, Text(text, style=style))


def _share(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):.1%}".replace("%", " %")


def show_report(con: Console, report: Any, *, sample: int) -> None:
    counts = ", ".join(f"{n} {status}" for status, n in report.counts.items() if n)
    verdict = "PASSED" if report.passed else "FAILED"
    show(
        con,
        Text(
            f"Quality check of {report.name} ({report.engine}): {_rules(len(report))}, {counts} -> "
        )
        + Text(verdict, style="bold green" if report.passed else "bold red"),
    )
    shown = table(con, ["status", "severity", "table", "rule", "failing", "message"])
    for r in report.results:
        status = r.status if r.status in ("passed", "skipped") else r.status.upper()
        shown.add_row(
            cell(status, _STYLES[r.status]),
            cell(r.severity, "yellow" if r.severity == "warn" else ""),
            cell(r.table or ""),
            cell(r.rule.name),
            cell(r.failing if r.rule.level != "metric" else ""),
            cell(r.message),
        )
    show(con, shown)
    if sample <= 0:
        return
    for r in report.results:
        if r.status != "failed" or r.sample is None or not len(r.sample):
            continue
        rows = r.sample.head(sample)
        title = f"Failing rows of {r.table}: {r.rule.name} ({len(rows)} of {r.failing:,})"
        rows_table = table(con, [str(c) for c in rows.columns], title=title)
        for row in rows.itertuples(index=False):
            rows_table.add_row(*[Text("NULL" if _missing(v) else str(v)) for v in row])
        show(con, rows_table)


def _rules(count: int) -> str:
    return f"{count} rule{'' if count == 1 else 's'}"


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def show_score(con: Console, quality: Any) -> None:
    if math.isnan(quality.overall):
        _say(con, "Quality score: none, no rule was checked")
        return
    _say(con, f"Quality score {_share(quality.overall)} (Σ w·rate / Σ w)", "bold")
    shown = table(con, ["dimension", "rules", "passed", "rate", "weight", "contribution"])
    for row in quality.breakdown.to_dict("records"):
        shown.add_row(
            cell(row["dimension"]), cell(int(row["rules"])), cell(int(row["passed"])),
            cell(_share(row["rate"])), cell(f"{row['weight']:g}"),
            cell(_share(row["contribution"])),
        )  # fmt: skip
    show(con, shown)
    if len(quality.by_table) > 1:
        per = table(con, ["table", "score"], title="per table (same formula on its rules)")
        for name, value in quality.by_table.items():
            per.add_row(cell(name), cell(_share(value)))
        show(con, per)
    _say(con, quality.formula, "dim")


def show_profile(con: Console, one: Any) -> None:
    from pipelinekit.quality.patterns import dominant_pattern

    info = one.table
    keys = ", ".join("(" + ", ".join(k) + ")" for k in info["candidate_keys"]) or "none"
    title = (
        f"{info.get('name') or info.get('source')}: {info['rows']:,} rows × {info['columns']}"
        f" columns, {info['duplicate_rows']:,} duplicate rows, candidate keys: {keys}"
    )
    header = ["column", "type", "semantic type", "nulls", "distinct", "min", "max", "mean",
              "pattern"]  # fmt: skip
    shown = table(con, header, title=title)
    for row in one.columns.to_dict("records"):
        found = dominant_pattern(row.get("patterns") or {})
        shown.add_row(
            cell(row["column"], "bold"),
            cell(row["type"]),
            cell(row["semantic_type"]),
            cell(f"{row['nulls']:,} ({_share(row['null_share'])})"),
            cell(None if _missing(row["distinct"]) else int(row["distinct"])),
            cell(_value(row["min"])),
            cell(_value(row["max"])),
            cell(row["mean"]),
            cell(f"{found[0]} {_share(found[1])}" if found else ""),
        )
    show(con, shown)


def _value(value: Any) -> Any:
    from pipelinekit.quality.profile_html import format_value

    return format_value(value)


# ---------------------------------------------------------------------- actions
def run_profile(args: argparse.Namespace) -> int:
    from pipelinekit.quality.html_report import write_html_report

    con = console()
    with open_data(args.data, args.table) as data:
        profiles = [_profile(data, name) for name in _chosen(data, args.table)]
    for one in profiles:
        show_profile(con, one)
    if args.out:
        write_html_report(args.out, profile=profiles, title=f"Profile of {data.label}")
        _say(con, f"wrote {args.out}")
    return 0


def _profile(data: Data, name: str) -> Any:
    from pipelinekit.quality.profile import profile

    if data.connection is not None:
        return profile(name, connection=data.connection, name=name)
    return profile(data.frames[name], name=name)


def run_check(args: argparse.Namespace) -> int:
    from pipelinekit.quality.html_report import write_html_report
    from pipelinekit.quality.score import score

    if args.sample < 0:
        raise InvalidValueError(f"--sample {args.sample}", "a number of rows, 0 or more")
    con = console()
    with open_data(args.data, args.table, engine=args.engine) as data:
        rules, left_out = load_rules_for(args.rules, data, args.table)
        report = _check(args, data, rules, fail_fast=args.fail_fast)
        history, recorded = (
            (None, "") if not args.metadata else _record(args.metadata, data, report)
        )
    show_report(con, report, sample=args.sample)
    if left_out:
        _say(con, f"{left_out} rule{'s' if left_out > 1 else ''} about other tables left out")
    if report.mode == "fail_fast" and report.counts["skipped"]:
        _say(con, f"stopped at the first failing error rule; {report.counts['skipped']} skipped")
    if args.html:
        write_html_report(
            args.html, report=report, score=score(report), history=history,
            title=f"Data quality of {data.label}",
        )  # fmt: skip
        _say(con, f"wrote {args.html}")
    if recorded:
        _say(con, recorded)
    return 0 if report.passed else FAILED


def _record(metadata: str, data: Data, report: Any) -> tuple[dict[str, pd.DataFrame], str]:
    """Record the run, one table at a time with its profile; return the runs and a note."""
    from pipelinekit.quality.history import record, runs

    run = str(uuid.uuid4())
    by_table: dict[str, list[Any]] = {}
    for result in report.results:
        by_table.setdefault(str(result.table), []).append(result)
    for name, results in by_table.items():
        record(results, profile=_profile(data, name), table=name, run_id=run, at=report.now,
               path=metadata)  # fmt: skip
    history = {f"Score of every run of {name}": runs(metadata, table=name) for name in by_table}
    return history, f"recorded run {run} of {format_list(by_table)} in {metadata}"


def run_score(args: argparse.Namespace) -> int:
    from pipelinekit.quality.score import score

    weights = _weights(args.weight)
    con = console()
    with open_data(args.data, args.table, engine=args.engine) as data:
        rules, _ = load_rules_for(args.rules, data, args.table)
        report = _check(args, data, rules, fail_fast=False)
    quality = score(report, weights=weights)
    show_score(con, quality)
    if args.fail_under is not None and not (quality.overall * 100 >= args.fail_under):
        _say(con, f"score {_share(quality.overall)} is under {args.fail_under:g} %", "bold red")
        return FAILED
    return 0


def _weights(specs: list[str]) -> dict[str, float]:
    weights = {}
    for spec in specs:
        name, equals, number = spec.partition("=")
        try:
            weights[name.strip()] = float(number)
        except ValueError:
            equals = ""
        if not equals or not name.strip():
            raise InvalidValueError(f"--weight {spec!r}", "DIMENSION=NUMBER such as completeness=2")
    return weights


def run_history(args: argparse.Namespace) -> int:
    from pipelinekit.quality.history import metric_history, metrics_history, runs

    con = console()
    if args.last < 1:
        raise InvalidValueError(f"--last {args.last}", "a positive number of runs")
    if args.metric is None:
        if args.column is not None:
            raise InvalidValueError("--column without --metric", "--metric with --column")
        frame = runs(args.metadata, table=args.table)
        _show_runs(con, args.table, frame, args.last)
        metrics = metrics_history(args.table, path=args.metadata)
        table_metrics = sorted(set(metrics.loc[metrics["column"].isna(), "metric"]))
        columns = sorted(set(metrics["column"].dropna()))
        _say(con, f"metrics: {', '.join(table_metrics) or 'none'}"
                  + (f"; column metrics of {', '.join(columns)}" if columns else ""))  # fmt: skip
        _say(con, f"see one: pipelinekit quality history {args.table} --metric rows", "dim")
        return 0
    from pipelinekit.quality.detect import describe, detect

    history = metric_history(args.table, args.metric, args.column, path=args.metadata)
    method = DETECTORS[args.detector]
    params: dict[str, Any] = {}
    if args.threshold is not None:
        params["max_change" if method == "rate_of_change" else "threshold"] = args.threshold
    if args.period is not None:
        if method != "seasonal":
            raise InvalidValueError(
                f"--period with --detector {args.detector}", "--detector seasonal"
            )
        params["period"] = args.period
    found = detect(history, method, **params)  # type: ignore[arg-type]
    what = f"{args.metric}{f' of {args.column}' if args.column else ''} of {args.table}"
    shown = table(con, ["at", "value", "expected", "band", "anomaly"], title=what)
    for row in found.tail(args.last).to_dict("records"):
        band = "" if _missing(row["lower"]) else f"[{row['lower']:.4g}, {row['upper']:.4g}]"
        flag = cell("ANOMALY", "bold red") if row["is_anomaly"] else cell(row["note"], "dim")
        shown.add_row(cell(_when(row["at"])), cell(row["value"]), cell(row["expected"]),
                      cell(band), flag)  # fmt: skip
    show(con, shown)
    if len(found) > args.last:
        _say(con, f"... {len(found) - args.last} earlier runs not shown (--last N)", "dim")
    _say(con, describe(found))
    return 0


def _show_runs(con: Console, name: str, frame: pd.DataFrame, last: int) -> None:
    header = ["started at", "engine", "rows", "rules", "passed", "failed", "errors", "skipped",
              "score"]  # fmt: skip
    shown = table(con, header, title=f"Quality runs of {name} ({len(frame)})")
    for row in frame.tail(last).to_dict("records"):
        shown.add_row(
            cell(_when(row["started_at"])), cell(row["engine"]),
            cell(None if _missing(row["rows"]) else int(row["rows"])),
            *[cell(int(row[k])) for k in ("rules", "passed", "failed", "errors", "skipped")],
            cell(_share(row["score"])),
        )  # fmt: skip
    show(con, shown)
    if len(frame) > last:
        _say(con, f"... {len(frame) - last} earlier runs not shown (--last N)", "dim")


def _when(at: Any) -> str:
    moment = pd.Timestamp(at)
    return moment.strftime("%Y-%m-%d") if moment == moment.normalize() else str(moment)


def run_suggest(args: argparse.Namespace) -> int:
    from pipelinekit.quality.rules_yaml import save_rules
    from pipelinekit.quality.suggest import suggest

    out = Path(args.out)
    if out.exists() and not args.force:
        raise PipelinekitError(
            f"{out} exists already",
            "a new file for the suggested rules",
            "choose another --out, or pass --force to replace it",
        )
    con = console()
    rules = []
    with open_data(args.data, args.table) as data:
        names = _chosen(data, args.table)
        for name in names:
            # all the tables at once, so foreign keys and delays between columns are suggested
            whole = data.connection is None and len(data.frames) > 1
            source = data.frames if whole else _profile(data, name)
            found = suggest(source, history=_past(args.metadata, name), table=name)
            shown = table(con, ["id", "rule", "evidence"], title=f"Suggested rules for {name}")
            for item in found:
                shown.add_row(cell(item.id), cell(item.rule.name), cell(item.evidence))
            show(con, shown)
            rules += found.accept("all").rules() if len(found) else []
    save_rules(rules, out)
    _say(con, f"wrote {len(rules)} rules for {len(names)} table{'s' if len(names) > 1 else ''}"
              f" to {out}; read the evidence and edit the file before you trust it")  # fmt: skip
    return 0


def _past(metadata: str | None, table: str) -> pd.DataFrame | None:
    if metadata is None:
        return None
    from pipelinekit.quality.history import metrics_history

    try:
        return metrics_history(table, path=metadata)
    except UnknownNameError:  # no history of this table yet: suggest from the profile
        return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


if __name__ == "__main__":  # pragma: no cover
    from pipelinekit.cli import main

    sys.exit(main(["quality", *sys.argv[1:]]))
