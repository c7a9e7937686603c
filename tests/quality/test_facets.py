"""Quality results on OpenLineage events: the data-quality facets, valid against the spec."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lineage"))
from openlineage_spec import Validators, validators  # noqa: E402

from pipelinekit.errors import InvalidValueError, UnknownNameError  # noqa: E402
from pipelinekit.lineage.graph import LineageGraph  # noqa: E402
from pipelinekit.lineage.model import StepRecord  # noqa: E402
from pipelinekit.lineage.openlineage import events, run_events  # noqa: E402
from pipelinekit.lineage.store import load, save  # noqa: E402
from pipelinekit.quality.facets import (  # noqa: E402
    ASSERTIONS_SCHEMA,
    INPUT_METRICS_SCHEMA,
    METRICS_SCHEMA,
    attach_facets,
    data_quality_assertions,
    data_quality_metrics,
    quality_facets,
)
from pipelinekit.quality.result import Outcome, RuleResult, judge  # noqa: E402
from pipelinekit.quality.rule import Rule  # noqa: E402
from pipelinekit.quality.suggest import HandProfile  # noqa: E402

ORDERS = pd.DataFrame(
    {
        "order_id": [1, 2, 2, 4],
        "email": ["a@b.io", None, "c@d", "e@f.io"],
        "amount": [10.0, -5.0, 20.0, 7.5],
    }
)
RULES = [
    Rule("unique", column="order_id", table="orders"),
    Rule("not_null", column="email", table="orders", description="every order has a contact"),
    Rule("between", column="amount", min=0, severity="warn", table="orders"),
    Rule("row_count_between", min=1, max=10, table="orders"),
    Rule("in_set", column="nope", values=["a"], table="orders"),
]


@pytest.fixture(scope="module")
def spec() -> Validators:
    return validators()


@pytest.fixture(scope="module")
def report():
    from pipelinekit.quality.check import check

    return check({"orders": ORDERS}, RULES)


def profile() -> HandProfile:
    columns = pd.DataFrame(
        [
            {
                "column": "order_id",
                "family": "integer",
                "rows": 4,
                "non_null": 4,
                "nulls": 0,
                "distinct": 3,
                "min": 1,
                "max": 4,
                "p001": 1.003,
                "p50": 2.0,
                "p999": 3.998,
            },
            {
                "column": "email",
                "family": "string",
                "rows": 4,
                "non_null": 3,
                "nulls": 1,
                "distinct": 3,
                "min": None,
                "max": None,
                "p001": float("nan"),
            },
        ]
    )
    return HandProfile({"rows": 4, "duplicate_rows": 0, "name": "orders"}, columns)


def valid(spec: Validators, key: str, facet: dict, schema: str) -> None:
    assert facet["_schemaURL"] == schema
    assert spec.errors(facet, schema) == [], key
    assert spec.errors({key: facet}, schema.split("#")[0]) == [], key
    json.dumps(facet)  # plain JSON, no numpy numbers


# ---------------------------------------------------------------------- the facets
def test_assertions_follow_the_schema_and_say_what_was_checked(spec, report) -> None:
    facet = data_quality_assertions(report)
    valid(spec, "dataQualityAssertions", facet, ASSERTIONS_SCHEMA)
    unique, not_null, between, count, broken = facet["assertions"]
    assert unique == {
        "assertion": "unique",
        "success": False,
        "column": "order_id",
        "severity": "error",
        "name": "unique(order_id)",
        "expected": "0 failing rows",
        "actual": "2 of 4 rows fail",
        "content": report.results[0].sql,
        "contentType": "sql",
    }
    assert not_null["description"] == "every order has a contact"
    assert (between["severity"], between["params"]) == ("warn", {"min": 0})
    assert (count["success"], count["expected"], count["actual"]) == (True, "within [1, 10]", "4")
    assert broken["success"] is False and broken["actual"].startswith("not checked:")
    assert broken["params"] == {"values": ["a"]}


def test_multi_column_rules_and_skipped_rules(spec) -> None:
    key = judge(Rule("unique", columns=["a", "b"]), Outcome(rows=3), sql="", engine="pandas")
    skipped = judge(Rule("not_null", column="a"), Outcome(rows=3), sql="", engine="pandas")
    skipped.status = "skipped"
    facet = data_quality_assertions([key, skipped])
    valid(spec, "dataQualityAssertions", facet, ASSERTIONS_SCHEMA)
    (only,) = facet["assertions"]  # a skipped rule was not performed
    assert "column" not in only and only["params"] == {"columns": ["a", "b"]}
    assert "content" not in only  # no SQL, no content


def test_metrics_from_a_profile_follow_both_schemas(spec) -> None:
    facet = data_quality_metrics(profile())
    valid(spec, "dataQualityMetrics", facet, METRICS_SCHEMA)
    assert facet["rowCount"] == 4
    assert facet["columnMetrics"]["order_id"] == {
        "nullCount": 0,
        "distinctCount": 3,
        "count": 4.0,
        "min": 1.0,
        "max": 4.0,
        "quantiles": {"0.001": 1.003, "0.5": 2.0, "0.999": 3.998},
    }
    assert facet["columnMetrics"]["email"] == {"nullCount": 1, "distinctCount": 3, "count": 3.0}
    as_input = data_quality_metrics(profile(), input=True)
    valid(spec, "dataQualityMetrics", as_input, INPUT_METRICS_SCHEMA)


def test_metrics_from_a_report_use_what_its_rules_measured(spec, report) -> None:
    facet = data_quality_metrics(report)
    valid(spec, "dataQualityMetrics", facet, METRICS_SCHEMA)
    assert facet["rowCount"] == 4 and facet["columnMetrics"] == {"email": {"nullCount": 1}}


def test_the_validator_is_not_vacuous(spec, report) -> None:
    facet = data_quality_assertions(report)
    del facet["assertions"][0]["success"]
    facet["assertions"][1]["column"] = 7
    assert len(spec.errors(facet, ASSERTIONS_SCHEMA)) == 2
    metrics = data_quality_metrics(profile())
    metrics["rowCount"] = 4.5
    del metrics["_producer"]
    assert len(spec.errors(metrics, METRICS_SCHEMA)) == 2


def test_a_table_of_a_several_table_report(report) -> None:
    other = judge(
        Rule("not_null", column="id", table="customers"), Outcome(rows=2), sql="", engine="pandas"
    )
    results: list[RuleResult] = [*report.results, other]
    facet = data_quality_assertions(results, "customers")
    assert [a["name"] for a in facet["assertions"]] == ["not_null(id)"]
    with pytest.raises(UnknownNameError, match="(?s)'ordres'.*did you mean 'orders'"):
        data_quality_assertions(results, "ordres")
    with pytest.raises(InvalidValueError, match="Cannot read quality results from a str"):
        data_quality_assertions("orders")
    with pytest.raises(InvalidValueError, match="No quality report and no profile"):
        quality_facets()


# ---------------------------------------------------------------------- the events
def pipeline() -> LineageGraph:
    graph = LineageGraph()
    graph.add(
        StepRecord.from_mapping(
            "load",
            inputs={"raw": ["id"]},
            outputs={"orders": ["order_id"]},
            derived={"orders.order_id": ["raw.id"]},
        )
    )
    graph.add(
        StepRecord.from_mapping(
            "totals",
            inputs={"orders": ["order_id"]},
            outputs={"totals": ["orders"]},
            derived={"totals.orders": ["orders.order_id"]},
            subtype="AGGREGATION",
        )
    )
    for step, run in (
        ("load", "0b6c1d3e-8f7a-4c2b-9d1e-2f3a4b5c6d7e"),
        ("totals", "1b6c1d3e-8f7a-4c2b-9d1e-2f3a4b5c6d7e"),
    ):
        graph.record_run(
            step,
            run_id=run,
            status="COMPLETE",
            started_at="2024-05-01T09:00:00+00:00",
            ended_at="2024-05-01T09:00:02+00:00",
        )
    return graph


def test_events_carry_the_quality_of_what_they_read_and_wrote(spec, report) -> None:
    graph = pipeline()
    before = events(graph)
    attached = attach_facets(graph, "orders", report, profile=profile())
    assert set(attached) == {"dataQualityAssertions", "dataQualityMetrics"}
    start, complete = run_events(graph, "load")
    assert "dataQualityAssertions" not in start["outputs"][0].get("facets", {})
    written = complete["outputs"][0]["facets"]
    assert written["dataQualityAssertions"] == attached["dataQualityAssertions"]
    valid(spec, "dataQualityMetrics", written["dataQualityMetrics"], METRICS_SCHEMA)
    for event in run_events(graph, "totals"):
        read = event["inputs"][0]["inputFacets"]
        valid(spec, "dataQualityAssertions", read["dataQualityAssertions"], ASSERTIONS_SCHEMA)
        valid(spec, "dataQualityMetrics", read["dataQualityMetrics"], INPUT_METRICS_SCHEMA)
        assert "dataQualityMetrics" not in event["inputs"][0].get("facets", {})
    for event in events(graph):
        assert spec.errors(event) == []
    assert attached["dataQualityMetrics"]["_schemaURL"] == METRICS_SCHEMA  # not changed
    # the datasets without quality facets are as before
    assert [e["inputs"] for e in events(graph)][:2] == [e["inputs"] for e in before][:2]


def test_quality_facets_survive_saving_the_graph(tmp_path, report) -> None:
    graph = pipeline()
    attach_facets(graph, "orders", report)
    save(graph, tmp_path / "metadata.duckdb")
    assert events(load(tmp_path / "metadata.duckdb")) == events(graph)


def test_attaching_to_an_unknown_dataset_is_explained(report) -> None:
    with pytest.raises(
        UnknownNameError, match="(?s)Unknown dataset 'order'.*did you mean 'orders'"
    ):
        attach_facets(pipeline(), "order", report)
    with pytest.raises(UnknownNameError, match="Unknown dataset 'step:load'"):
        attach_facets(pipeline(), "step:load", report)


def test_metrics_of_a_real_profile_are_valid(spec) -> None:
    profile_module = pytest.importorskip("pipelinekit.quality.profile")
    import pipelinekit as pk

    shop = pk.datasets.load("ecommerce", scale="tiny", seed=42)
    facet = data_quality_metrics(profile_module.profile(shop["orders"], name="orders"))
    valid(spec, "dataQualityMetrics", facet, METRICS_SCHEMA)
    assert facet["rowCount"] == len(shop["orders"])
    assert set(facet["columnMetrics"]) == set(shop["orders"].columns)
    assert "min" not in facet["columnMetrics"]["ordered_at"]  # numbers only
