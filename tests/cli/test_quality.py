"""`pipelinekit quality`: profile, check, score, history and suggest from the shell."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from pipelinekit.cli import main
from pipelinekit.quality.rules_yaml import load_rules

# What the dirty tiny ecommerce data breaks: 2 null e-mails, 1 bad e-mail, 3 quantities out
# of range, 2 orders of unknown customers (the injection log of pk.datasets says so).
RULES = """\
tables:
  customers:
    - {kind: not_null, column: email}
    - kind: matches_regex
      column: email
      pattern: '^[^@ ]+@[^@ ]+$'
      severity: warn
    - {kind: unique, column: customer_id}
  order_items:
    - {kind: between, column: quantity, min: 1, max: 20, severity: warn}
  orders:
    - {kind: foreign_key, column: customer_id, to: customers.customer_id}
    - {kind: row_count_between, min: 100}
"""
FAILING = ["not_null(email)", "matches_regex(email)", "between(quantity)",
           "foreign_key(customer_id)"]  # fmt: skip


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The dirty tiny ecommerce data, written by `pipelinekit generate data`."""
    folder = tmp_path_factory.mktemp("shop") / "ecommerce"
    assert main(["generate", "data", "ecommerce", "--scale", "tiny", "--dirty",
                 "--out", str(folder)]) == 0  # fmt: skip
    return folder


@pytest.fixture
def rules(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(RULES)
    return path


def quality(*args: object) -> int:
    return main(["quality", *map(str, args)])


def test_check_exits_1_and_lists_the_failing_rules(shop, rules, capsys):
    assert quality("check", shop, "--rules", rules) == 1
    out = capsys.readouterr().out
    assert "Quality check of ecommerce (duckdb): 6 rules, 2 passed, 4 failed -> FAILED" in out
    lines = out.splitlines()
    for rule in FAILING:
        assert any(line.startswith("FAILED") and rule in line for line in lines), rule
    assert "Failing rows of orders: foreign_key(customer_id) (2 of 2)" in out
    assert "\x1b[" not in out  # plain when not a terminal
    assert all(line == line.rstrip() for line in lines)


def test_warnings_alone_exit_0_and_pandas_agrees(shop, rules, tmp_path, capsys):
    lenient = tmp_path / "lenient.yml"
    lenient.write_text(RULES.replace("{kind: not_null, column: email}",
                                     "{kind: not_null, column: email, severity: warn}")
                       .replace("to: customers.customer_id}",
                                "to: customers.customer_id, severity: warn}"))  # fmt: skip
    assert quality("check", shop, "--rules", lenient, "--sample", 0) == 0
    out = capsys.readouterr().out
    assert "-> PASSED" in out and "Failing rows" not in out
    assert quality("check", shop, "--rules", rules, "--engine", "pandas") == 1
    out = capsys.readouterr().out
    assert "(pandas): 6 rules, 2 passed, 4 failed -> FAILED" in out


def test_fail_fast_stops_at_the_first_failing_error_rule(shop, rules, capsys):
    assert quality("check", shop, "--rules", rules, "--fail-fast") == 1
    out = capsys.readouterr().out
    assert "6 rules, 1 failed, 5 skipped -> FAILED" in out
    assert "stopped at the first failing error rule; 5 skipped" in out
    assert "FAILED   error     customers    not_null(email)" in out


def test_html_report_and_history_from_recorded_runs(shop, rules, tmp_path, capsys):
    metadata = tmp_path / "metadata.duckdb"
    html = tmp_path / "report" / "quality.html"
    for day in range(1, 4):
        when = f"2024-05-0{day}"
        code = quality("check", shop, "--rules", rules, "--table", "customers",
                       "--now", when, "--metadata", metadata, "--html", html)  # fmt: skip
        assert code == 1
    out = capsys.readouterr().out
    assert f"wrote {html}" in out and f"of 'customers' in {metadata}" in out
    page = html.read_text()
    assert "not_null(email)" in page and "email IS NULL" in page  # the rule and its SQL
    assert "orders" not in page  # only the table asked for
    assert "Score of every run of customers" in page and "<svg" in page
    assert "http" not in page

    assert quality("history", "customers", "--metadata", metadata) == 0
    out = capsys.readouterr().out
    assert "Quality runs of customers (3)" in out
    assert "2024-05-03  duckdb  125" in out
    assert "column metrics of" in out and "email" in out

    assert quality("history", "customers", "--metric", "null_share", "--column", "email",
                   "--detector", "mad", "--metadata", metadata) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "null_share of email of customers" in out
    assert "too little history" in out and "mad" in out


def test_score_shows_the_arithmetic_and_can_gate(shop, rules, capsys):
    assert quality("score", shop, "--rules", rules, "--weight", "volume=3") == 0
    out = capsys.readouterr().out
    # completeness 0/1, validity 0/2, uniqueness 1/1, consistency 0/1, volume 1/1 (weight 3)
    assert "Quality score 57.1 %" in out
    assert "volume" in out and "per table" in out
    assert quality("score", shop, "--rules", rules, "--fail-under", 60) == 1
    assert "is under 60 %" in capsys.readouterr().out


def test_profile_prints_every_column_and_writes_html(shop, tmp_path, capsys):
    out_html = tmp_path / "profile.html"
    assert quality("profile", shop, "--table", "customers", "--out", out_html) == 0
    out = capsys.readouterr().out
    assert "customers: 125 rows × 9 columns" in out
    assert "email" in out and "2 (1.6 %)" in out
    assert "Profile of customers" in out_html.read_text()


def test_suggest_writes_rules_that_load_and_refuses_to_overwrite(shop, tmp_path, capsys):
    out = tmp_path / "suggested.yml"
    assert quality("suggest", shop / "orders.parquet", "--out", out) == 0
    printed = capsys.readouterr().out
    assert "Suggested rules for orders" in printed and "wrote" in printed
    rules = load_rules(out)
    assert rules and {rule.table for rule in rules} == {"orders"}
    assert "row_count_between" in {rule.kind for rule in rules}
    assert quality("suggest", shop / "orders.parquet", "--out", out) == 2
    assert "exists already" in capsys.readouterr().err
    assert quality("check", shop / "orders.parquet", "--rules", out) in (0, 1)
    assert "row_count_between()" in capsys.readouterr().out


def test_a_duckdb_file_with_a_table(shop, rules, tmp_path, capsys):
    database = tmp_path / "shop.duckdb"
    with duckdb.connect(str(database)) as connection:
        for name in ("orders", "customers"):
            connection.execute(
                f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{shop / name}.parquet')"
            )
    assert quality("check", database, "--table", "orders", "--rules", rules) == 1
    out = capsys.readouterr().out
    assert "Quality check of orders (duckdb): 2 rules, 1 passed, 1 failed" in out
    assert "4 rules about other tables left out" in out
    assert quality("check", database, "--table", "orderz", "--rules", rules) == 2
    err = capsys.readouterr().err
    assert "Unknown table in the DuckDB file" in err and "did you mean 'orders'" in err


def test_a_single_file_gets_its_own_rules(shop, rules, capsys):
    assert quality("check", shop / "order_items.parquet", "--rules", rules) == 0
    out = capsys.readouterr().out
    assert "Quality check of order_items (duckdb): 1 rule, 1 failed -> PASSED" in out
    assert "5 rules about other tables left out" in out
    assert quality("check", shop / "order_items.parquet", "--table", "items", "--rules",
                   rules) == 2  # fmt: skip
    assert "No rule in" in capsys.readouterr().err


def test_rule_names_are_not_markup(shop, tmp_path, capsys):
    rules = tmp_path / "odd.yml"
    rules.write_text("rules:\n  - {kind: not_null, column: email, name: '[bold]x[/bold]'}\n")
    assert quality("check", shop / "customers.parquet", "--rules", rules) == 1
    assert "[bold]x[/bold]" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "nowhere", "--rules", "RULES"], "No data at nowhere"),
        (["check", "SHOP", "--rules", "missing.yml"], "No rules file at missing.yml"),
        (["check", "SHOP", "--rules", "BAD"], "bad.yml, line 4: unknown field 'mn'"),
        (["check", "SHOP", "--rules", "RULES", "--table", "ordrs"], "'ordrs'; expected one of"),
        (["check", "SHOP", "--rules", "STRAY"], "Unknown table named by not_null(id)"),
        (["profile", "SHOP", "--table", "nope"], "Unknown table in"),
        (["history", "orders", "--metadata", "none.duckdb"], "No quality history"),
        (["score", "SHOP", "--rules", "RULES", "--weight", "volume"], "--weight 'volume'"),
    ],
)
def test_mistakes_print_one_line_and_exit_2(shop, rules, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yml").write_text(
        "rules:\n  - kind: between\n    column: quantity\n    mn: 0\n"
    )
    (tmp_path / "stray.yml").write_text("rules:\n  - {kind: not_null, column: id, table: shops}\n")
    paths = {"SHOP": str(shop), "RULES": str(rules), "BAD": "bad.yml", "STRAY": "stray.yml"}
    result = subprocess.run(
        [sys.executable, "-m", "pipelinekit", "quality", *[paths.get(a, a) for a in args]],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit):
        main(["quality", "--help"])
    out = capsys.readouterr().out
    assert "pipelinekit quality check data/ecommerce --rules rules.yml" in out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "pipelinekit quality check" in capsys.readouterr().out


def test_the_csv_format_reads_the_same(shop, rules, tmp_path, capsys):
    folder = tmp_path / "csv"
    assert main(["generate", "data", "ecommerce", "--scale", "tiny", "--dirty", "--format",
                 "csv", "--out", str(folder)]) == 0  # fmt: skip
    capsys.readouterr()
    assert quality("check", folder, "--rules", rules) == 1
    out = capsys.readouterr().out
    assert "6 rules, 2 passed, 4 failed -> FAILED" in out
    assert pd.read_csv(folder / "orders.csv").shape[0] == 502
