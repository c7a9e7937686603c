"""Reading pipeline YAML: every structural mistake names the file, the line and a hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelinekit.errors import PipelinekitError, UnknownNameError
from pipelinekit.pipeline import PipelineFileError, load_pipeline, resolve_pipeline
from pipelinekit.pipeline.spec import DatasetSource, FilesSource

FIXTURES = Path(__file__).parent / "fixtures"

HEAD = """pipeline: shop
sources:
  raw: {dataset: ecommerce, scale: tiny}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pipeline.yml"
    path.write_text(text)
    return path


def test_fixture_reads_every_kind_of_step():
    pipeline = load_pipeline(FIXTURES / "tiny_shop.yml")
    assert pipeline.name == "tiny_shop"
    assert [s.kind for s in pipeline.steps] == ["sql", "transform", "sql", "python"]
    assert pipeline.steps[2].sql_file == FIXTURES / "sql" / "customer_orders.sql"
    assert "FROM orders_numbered" in (pipeline.steps[2].sql or "")
    assert pipeline.steps[1].params["partition_by"] == "customer_id"
    assert pipeline.steps[3].inputs == ("customer_orders",)
    assert [(g.table, g.on_fail, len(g.rules)) for g in pipeline.gates] == [
        ("customer_orders", "fail", 2),
        ("customer_orders", "warn", 1),
    ]
    assert all(rule.table == "customer_orders" for rule in pipeline.gates[0].rules)
    source = pipeline.sources[0]
    assert isinstance(source, DatasetSource)
    assert (source.scale, source.tables) == ("tiny", ("customers", "orders"))
    assert pipeline.targets[0].tables == ("orders_numbered", "customer_orders", "customer_flags")


def test_lines_are_kept():
    pipeline = load_pipeline(FIXTURES / "tiny_shop.yml")
    assert [s.line for s in pipeline.steps] == [9, 14, 18, 20]
    assert pipeline.steps[1].line_of("params") == 17


def test_unknown_key_names_file_line_and_nearest(tmp_path):
    path = write(tmp_path, HEAD + "steps:\n  - name: a\n    sql: SELECT 1\n    paramz: {}\n")
    with pytest.raises(
        PipelineFileError, match=r"pipeline\.yml, line 7: unknown key 'paramz'"
    ) as e:
        load_pipeline(path)
    assert e.value.line == 7 and e.value.source == str(path)
    assert "did you mean 'params'?" in str(e.value)


def test_unknown_top_level_key():
    with pytest.raises(
        PipelineFileError, match=r"(?s)line 4: unknown key 'step' .*did you mean 'steps'"
    ):
        load_pipeline(HEAD + "step:\n  - name: a\n")


def test_wrong_type(tmp_path):
    text = (
        HEAD.replace("scale: tiny", "scale: tiny, seed: many")
        + "steps:\n  - {name: a, sql: SELECT 1}\n"
    )
    with pytest.raises(
        PipelineFileError, match=r"line 3: seed is 'many' \(str\); expected a whole"
    ):
        load_pipeline(write(tmp_path, text))


def test_params_must_be_a_mapping():
    text = HEAD + "steps:\n  - name: a\n    transform: rank\n    input: orders\n    params: [1]\n"
    with pytest.raises(PipelineFileError, match=r"line 8: params of step 'a' is a list"):
        load_pipeline(text)


def test_step_needs_exactly_one_kind():
    text = HEAD + "steps:\n  - name: a\n    sql: SELECT 1\n    python: m:f\n"
    with pytest.raises(PipelineFileError, match=r"line 5: step 'a' has 'sql', 'python'"):
        load_pipeline(text)


def test_duplicate_step_names():
    text = HEAD + "steps:\n  - {name: a, sql: SELECT 1}\n  - {name: a, sql: SELECT 2}\n"
    with pytest.raises(
        PipelineFileError, match=r"line 6: two steps are called 'a' \(lines 5 and 6\)"
    ):
        load_pipeline(text)


def test_step_name_must_be_a_table_name():
    with pytest.raises(
        PipelineFileError, match=r"line 5: a step's name 'daily sales' is not a plain"
    ):
        load_pipeline(HEAD + "steps:\n  - {name: daily sales, sql: SELECT 1}\n")


def test_unknown_dataset_and_mode():
    text = (
        "pipeline: p\nsources:\n  raw: {dataset: ecomerce}\nsteps:\n  - {name: a, sql: SELECT 1}\n"
    )
    with pytest.raises(
        PipelineFileError, match=r"(?s)line 3: unknown dataset 'ecomerce'.*'ecommerce'"
    ):
        load_pipeline(text)
    text = (
        HEAD + "steps:\n  - {name: a, sql: SELECT 1}\ntargets:\n  - {url: x.duckdb, mode: upsert}\n"
    )
    with pytest.raises(PipelineFileError, match=r"line 7: unknown load mode 'upsert'"):
        load_pipeline(text)


def test_merge_needs_keys():
    text = (
        HEAD
        + "steps:\n  - {name: a, sql: SELECT 1}\ntargets:\n  - url: x.duckdb\n    mode: merge\n"
    )
    with pytest.raises(PipelineFileError, match=r"line 8: mode 'merge' without keys"):
        load_pipeline(text)


def test_missing_sql_file(tmp_path):
    path = write(tmp_path, HEAD + "steps:\n  - name: a\n    sql_file: sql/a.sql\n")
    with pytest.raises(
        PipelineFileError, match=r"line 6: sql_file '.*a\.sql' of step 'a' cannot be read"
    ):
        load_pipeline(path)


def test_bad_rule_in_a_gate_keeps_its_line():
    text = HEAD + (
        "steps:\n  - {name: a, sql: SELECT 1 AS x}\n"
        "gates:\n  - table: a\n    rules:\n      - kind: not_null\n        colum: x\n"
    )
    with pytest.raises(
        PipelineFileError, match=r"(?s)<text>, line 10: unknown field 'colum'.*'column'"
    ):
        load_pipeline(text)


def test_invalid_yaml():
    with pytest.raises(PipelineFileError, match=r"line \d+: not valid YAML"):
        load_pipeline("pipeline: p\nsteps: [\n")


def test_files_source(tmp_path):
    text = "pipeline: p\nsources:\n  shop:\n    files: data/shop\n"
    text += "steps:\n  - {name: a, sql: SELECT 1}\n"
    source = load_pipeline(write(tmp_path, text)).sources[0]
    assert isinstance(source, FilesSource)
    assert source.path == tmp_path / "data" / "shop"


def test_resolve_pipeline(tmp_path):
    path = write(tmp_path, HEAD)
    assert resolve_pipeline(path) == path
    with pytest.raises(UnknownNameError, match="Unknown pipeline 'nope'"):
        resolve_pipeline("nope")
    with pytest.raises(PipelinekitError, match="No pipeline file at"):
        resolve_pipeline(tmp_path / "missing.yml")
