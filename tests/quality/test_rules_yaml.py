"""Rules in YAML: both layouts, round trips, and errors that name the file and line."""

from __future__ import annotations

import pytest

from pipelinekit.errors import OutputError
from pipelinekit.quality.rule import Rule
from pipelinekit.quality.rules_yaml import RulesFileError, dump_rules, load_rules, save_rules

RULES_YAML = """\
rules:
  - kind: between
    table: orders
    column: amount
    min: 0
    max: 5000
    severity: warn
  - kind: unique
    table: orders
    columns: [order_id, line]
    name: one line per order
tables:
  customers:
    - kind: matches_regex
      column: email
      pattern: '^[^@ ]+@[^@ ]+$'
      description: an address people can write to
    - {kind: in_set, column: country, values: [FR, DE]}
  orders:
    - kind: freshness
      column: loaded_at
      max_age: 1 day
    - kind: columns_present
      columns: [order_id, amount]
      exact: true
"""
EXPECTED = [
    Rule("between", table="orders", column="amount", min=0, max=5000, severity="warn"),
    Rule("unique", table="orders", columns=["order_id", "line"], name="one line per order"),
    Rule(
        "matches_regex",
        table="customers",
        column="email",
        pattern="^[^@ ]+@[^@ ]+$",
        description="an address people can write to",
    ),
    Rule("in_set", table="customers", column="country", values=["FR", "DE"]),
    Rule("freshness", table="orders", column="loaded_at", max_age="1 day"),
    Rule("columns_present", table="orders", columns=["order_id", "amount"], exact=True),
]


def test_load_both_layouts_from_text_and_file(tmp_path):
    assert load_rules(RULES_YAML) == EXPECTED
    path = tmp_path / "rules.yml"
    path.write_text(RULES_YAML)
    assert load_rules(path) == EXPECTED
    assert load_rules(str(path)) == EXPECTED
    assert load_rules("- {kind: not_null, column: id}") == [Rule("not_null", column="id")]
    assert load_rules("") == [] and load_rules("rules: []") == []


def test_save_then_load_gives_equal_rules(tmp_path):
    path = save_rules(EXPECTED, tmp_path / "saved.yaml")
    assert load_rules(path) == EXPECTED
    assert dump_rules(EXPECTED).startswith("rules:\n- kind: between\n  table: orders\n")
    strict = [Rule("between", column="a", min=0, strict=True, severity="warn")]
    assert load_rules(dump_rules(strict)) == strict


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        ("rules:\n  - kind: between\n    column: a\n    mn: 0\n", 4, "unknown field 'mn'.*'min'"),
        ("rules:\n  - kind: betwen\n    column: a\n", 2, "unknown rule kind 'betwen'.*'between'"),
        ("rules:\n  - kind: between\n    collumn: a\n", 3, "did you mean 'column'"),
        ("rule:\n  - kind: not_null\n", 1, "unknown section 'rule'.*'rules'"),
        ("rules:\n  - column: a\n", 2, "without 'kind'"),
        ("rules:\n  - kind: foreign_key\n    column: a\n", 2, "missing 'to'"),
        ("rules:\n  - kind: between\n    column: a\n    min: zero\n", 4, "a number"),
        (
            "rules:\n  - kind: matches_regex\n    column: a\n    pattern: '(['\n",
            4,
            "not a valid regular expression",
        ),
        ("rules:\n  - kind: not_null\n    column: a\n    severity: fatal\n", 4, "severity"),
        ("rules:\n  - kind: between\n    column: a\n    min: 5\n    max: 1\n", 2, "above max"),
        ("rules:\n  - kind: not_null\n    column: a\n    column: b\n", 4, "given twice"),
        ("rules:\n  - kind: not_null\n  column: [\n", 3, "not valid YAML"),
        ("rules:\n  kind: not_null\n", 2, "not a list"),
        ("rules:\n  - not_null\n", 2, "not a mapping"),
        ("tables:\n  - orders\n", 2, "not a mapping"),
        (
            "tables:\n  orders:\n    - {kind: not_null, column: a, table: items}\n",
            3,
            "table 'items' in the rules of table 'orders'",
        ),
    ],
)
def test_mistakes_name_the_line(text, line, match):
    with pytest.raises(RulesFileError, match=match) as info:
        load_rules(text)
    assert info.value.line == line
    assert str(info.value).startswith(f"<text>, line {line}: ")


def test_errors_name_the_file(tmp_path):
    path = tmp_path / "shop.yml"
    path.write_text("rules:\n  - kind: not_null\n    colunm: a\n")
    with pytest.raises(RulesFileError, match=r"shop.yml, line 3: unknown field 'colunm'"):
        load_rules(path)
    with pytest.raises(RulesFileError, match="missing.yml: cannot be read"):
        load_rules(tmp_path / "missing.yml")
    with pytest.raises(OutputError, match="Cannot write the rules"):
        save_rules(EXPECTED, tmp_path / "no" / "such" / "dir.yml")
