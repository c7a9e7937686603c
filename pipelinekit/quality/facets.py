"""Quality results that travel with lineage: the OpenLineage data-quality facets.

OpenLineage describes checks and measurements of a dataset with two facets:

* ``dataQualityAssertions`` — each check and whether it passed
  (``DataQualityAssertionsDatasetFacet``, 1-1-0): :func:`data_quality_assertions`
  builds it from a quality report;
* ``dataQualityMetrics`` — the row count and, per column, the null count, distinct
  count, min, max and quantiles (``DataQualityMetricsDatasetFacet``, 1-0-0, and its
  input-dataset twin, 1-0-3): :func:`data_quality_metrics` builds it from a profile (or,
  with less, from a report).

:func:`attach_facets` puts both on a dataset of a
:class:`~pipelinekit.lineage.graph.LineageGraph` (the node attribute
``quality_facets``), and :mod:`pipelinekit.lineage.openlineage` then adds them to the
events: as ``inputFacets`` where a step reads the dataset, and as dataset ``facets``
of the run's end event (``COMPLETE``, ``FAIL``, ``ABORT``) where a step writes it — the
``START`` event comes before the data exists. The graph keeps the latest facets a dataset
was given; attaching again replaces them.

Examples
--------
>>> from pipelinekit.quality.result import Outcome, judge
>>> from pipelinekit.quality.rule import Rule
>>> result = judge(Rule("not_null", column="email", table="customers"),
...                Outcome(rows=100, failing=2), sql="SELECT ...", engine="duckdb")
>>> facet = data_quality_assertions([result])
>>> facet["assertions"][0]["assertion"], facet["assertions"][0]["success"]
('not_null', False)
>>> facet["assertions"][0]["expected"], facet["assertions"][0]["actual"]
('0 failing rows', '2 of 100 rows fail')
>>> data_quality_metrics([result])["columnMetrics"]
{'email': {'nullCount': 2}}
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from typing import Any

from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.openlineage import producer
from pipelinekit.quality.result import RuleResult

__all__ = [
    "ASSERTIONS_SCHEMA",
    "INPUT_METRICS_SCHEMA",
    "METRICS_SCHEMA",
    "attach_facets",
    "data_quality_assertions",
    "data_quality_metrics",
    "for_role",
    "quality_facets",
]

Facet = dict[str, Any]

_FACETS = "https://openlineage.io/spec/facets"
#: ``dataQualityAssertions`` (an input-dataset facet in the spec; on outputs it is used
#: as a dataset facet, whose base it shares).
ASSERTIONS_SCHEMA = (
    f"{_FACETS}/1-1-0/DataQualityAssertionsDatasetFacet.json"
    "#/$defs/DataQualityAssertionsDatasetFacet"
)
#: ``dataQualityMetrics`` as a dataset facet (outputs).
METRICS_SCHEMA = (
    f"{_FACETS}/1-0-0/DataQualityMetricsDatasetFacet.json#/$defs/DataQualityMetricsDatasetFacet"
)
#: ``dataQualityMetrics`` as an input-dataset facet (inputs).
INPUT_METRICS_SCHEMA = (
    f"{_FACETS}/1-0-3/DataQualityMetricsInputDatasetFacet.json"
    "#/$defs/DataQualityMetricsInputDatasetFacet"
)
_QUANTILES = {
    "p001": "0.001",
    "p01": "0.01",
    "p05": "0.05",
    "p25": "0.25",
    "p50": "0.5",
    "p75": "0.75",
    "p95": "0.95",
    "p99": "0.99",
    "p999": "0.999",
}


def data_quality_assertions(report: Any, table: str | None = None) -> Facet:
    """The ``dataQualityAssertions`` facet: one assertion per rule checked.

    Parameters
    ----------
    report : QualityReport or list of RuleResult
        What :func:`pipelinekit.quality.check.check` returned.
    table : str, optional
        Only the results of this table (when the report checked several).

    Returns
    -------
    dict
        ``assertions``: ``assertion`` (the rule's kind), ``success``, ``column`` (one-column
        rules), ``severity``, ``name``, ``description``, ``expected`` and ``actual`` (as
        text), ``content`` (the SQL) with ``contentType`` ``'sql'``, and ``params``.
        Skipped rules are left out; a rule that could not be checked is a failure whose
        ``actual`` says why.
    """
    results = _results(report, table)
    return {
        "_producer": producer(),
        "_schemaURL": ASSERTIONS_SCHEMA,
        "assertions": [_assertion(r) for r in results if r.status != "skipped"],
    }


def data_quality_metrics(source: Any, *, table: str | None = None, input: bool = False) -> Facet:
    """The ``dataQualityMetrics`` facet from a profile, or what a report measured.

    Parameters
    ----------
    source : Profile, QualityReport or list of RuleResult
        A profile gives ``rowCount`` and, per column, ``nullCount``, ``distinctCount``,
        ``count`` (values present), ``min``, ``max`` (numbers only) and ``quantiles``; a
        report gives ``rowCount`` and what its rules measured (``not_null`` failures are
        the null count, ``distinct_count_between`` the distinct count).
    table : str, optional
        Only the results of this table (reports).
    input : bool
        Name the input-dataset schema (for ``inputFacets``) rather than the dataset one.
    """
    if hasattr(source, "columns") and hasattr(source, "table"):
        rows, columns = _from_profile(source)
    else:
        rows, columns = _from_results(_results(source, table))
    facet: Facet = {
        "_producer": producer(),
        "_schemaURL": INPUT_METRICS_SCHEMA if input else METRICS_SCHEMA,
    }
    if rows is not None:
        facet["rowCount"] = rows
    facet["columnMetrics"] = columns
    return facet


def quality_facets(
    report: Any = None, *, profile: Any = None, table: str | None = None
) -> dict[str, Facet]:
    """Both facets, by their key in an event (the metrics from ``profile`` when given)."""
    if report is None and profile is None:
        raise InvalidValueError(
            "No quality report and no profile", "a report (check(...)), a profile, or both"
        )
    facets: dict[str, Facet] = {}
    if report is not None:
        facets["dataQualityAssertions"] = data_quality_assertions(report, table)
    facets["dataQualityMetrics"] = data_quality_metrics(
        profile if profile is not None else report, table=table
    )
    return facets


def for_role(facets: Mapping[str, Facet], *, output: bool) -> dict[str, Facet]:
    """Copies of ``facets`` as an input (``inputFacets``) or output (``facets``) carries them.

    Only the metrics facet differs: its input-dataset schema for inputs.

    Examples
    --------
    >>> metrics = {"dataQualityMetrics": {"_schemaURL": METRICS_SCHEMA, "columnMetrics": {}}}
    >>> for_role(metrics, output=False)["dataQualityMetrics"]["_schemaURL"] == INPUT_METRICS_SCHEMA
    True
    """
    placed = copy.deepcopy({str(k): dict(v) for k, v in facets.items()})
    if "dataQualityMetrics" in placed:
        placed["dataQualityMetrics"]["_schemaURL"] = (
            METRICS_SCHEMA if output else INPUT_METRICS_SCHEMA
        )
    return placed


def attach_facets(
    graph: LineageGraph,
    dataset: str,
    report: Any = None,
    *,
    profile: Any = None,
) -> dict[str, Facet]:
    """Put the quality facets of ``dataset`` on its lineage node, for the OpenLineage events.

    The results of ``report`` are those of ``dataset`` (when the report checked several
    tables) or all of them. Returns the facets attached.

    Examples
    --------
    >>> from pipelinekit.lineage.model import StepRecord
    >>> from pipelinekit.quality.result import Outcome, judge
    >>> from pipelinekit.quality.rule import Rule
    >>> graph = LineageGraph()
    >>> graph.add(StepRecord.from_mapping("load", inputs={"raw": ["id"]},
    ...     outputs={"orders": ["id"]}, derived={"orders.id": ["raw.id"]}))
    >>> graph.record_run("load", run_id="0b6c1d3e-8f7a-4c2b-9d1e-2f3a4b5c6d7e",
    ...     status="COMPLETE", started_at="2024-05-01T09:00:00+00:00",
    ...     ended_at="2024-05-01T09:00:02+00:00")
    >>> result = judge(Rule("unique", column="id"), Outcome(rows=3), sql="", engine="pandas")
    >>> _ = attach_facets(graph, "orders", [result])
    >>> start, complete = graph.openlineage()
    >>> "dataQualityAssertions" in start["outputs"][0].get("facets", {})
    False
    >>> complete["outputs"][0]["facets"]["dataQualityAssertions"]["assertions"][0]["success"]
    True
    """
    node = graph.graph.nodes.get(dataset) if dataset in graph.graph else None
    if node is None or node.get("kind") != "dataset":
        raise UnknownNameError.for_name(
            dataset, graph.datasets(), kind="dataset", hint="graph.datasets() lists them"
        )
    named = {_table_of(r) for r in _results(report, None)} if report is not None else set()
    facets = quality_facets(report, profile=profile, table=dataset if dataset in named else None)
    node["quality_facets"] = facets
    return facets


# ---------------------------------------------------------------------- helpers
def _results(report: Any, table: str | None) -> list[RuleResult]:
    results = getattr(report, "results", report)
    if isinstance(results, RuleResult):
        results = [results]
    if not isinstance(results, Iterable) or isinstance(results, str | bytes | Mapping):
        raise InvalidValueError(
            f"Cannot read quality results from a {type(report).__name__}",
            "a quality report (check(...)) or a list of RuleResult",
        )
    listed = list(results)
    if not all(isinstance(r, RuleResult) for r in listed):
        raise InvalidValueError(
            "The quality results hold something other than RuleResult objects",
            "what check(...) returned",
        )
    if table is None:
        return listed
    mine = [r for r in listed if _table_of(r) == table]
    if not mine:
        tables = sorted({t for r in listed if (t := _table_of(r))})
        raise UnknownNameError.for_name(
            table, tables or ["(no table named)"], kind="table in the quality results"
        )
    return mine


def _table_of(result: RuleResult) -> str | None:
    return result.table or result.rule.table


def _assertion(result: RuleResult) -> Facet:
    rule = result.rule
    params: dict[str, Any] = {k: _json(v) for k, v in rule.params.items()}
    if len(rule.columns) > 1:
        params["columns"] = list(rule.columns)
    assertion: Facet = {"assertion": rule.kind, "success": result.status == "passed"}
    if rule.column and len(rule.columns) <= 1:
        assertion["column"] = rule.column
    assertion.update(severity=rule.severity, name=rule.name)
    if rule.description:
        assertion["description"] = rule.description
    assertion["expected"] = _expected(result)
    assertion["actual"] = _actual(result)
    if result.sql:
        assertion.update(content=result.sql, contentType="sql")
    if params:
        assertion["params"] = params
    return assertion


def _expected(result: RuleResult) -> str:
    rule = result.rule
    if rule.level == "row":
        return "0 failing rows"
    if rule.level == "schema":
        return "no schema problem"
    if rule.kind == "freshness":
        return f"age at most {rule.params['max_age']}"
    low, high = rule.params.get("min"), rule.params.get("max")
    return f"within [{'-inf' if low is None else low}, {'inf' if high is None else high}]"


def _actual(result: RuleResult) -> str:
    if result.status == "error":
        return f"not checked: {result.message}"
    if result.rule.level == "row":
        return f"{result.failing} of {result.rows} rows fail"
    if result.rule.level == "schema":
        return result.message if result.failing else "no schema problem"
    return "no value" if result.value is None else f"{result.value:g}"


def _json(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value


def _from_profile(profile: Any) -> tuple[int | None, dict[str, Facet]]:
    rows = profile.table.get("rows")
    columns: dict[str, Facet] = {}
    for row in profile.columns.to_dict("records"):
        metrics: Facet = {}
        for key, name in (("nulls", "nullCount"), ("distinct", "distinctCount")):
            value = _number(row.get(key))
            if value is not None:
                metrics[name] = int(value)
        count = _number(row.get("non_null"))
        if count is not None:
            metrics["count"] = count
        for key in ("min", "max"):
            value = _number(row.get(key))
            if value is not None:
                metrics[key] = value
        quantiles = {q: v for k, q in _QUANTILES.items() if (v := _number(row.get(k))) is not None}
        if quantiles:
            metrics["quantiles"] = quantiles
        columns[str(row["column"])] = metrics
    return (None if rows is None else int(rows)), columns


def _from_results(results: list[RuleResult]) -> tuple[int | None, dict[str, Facet]]:
    counted = [r.rows for r in results if r.rule.level == "row" and r.status != "error"]
    columns: dict[str, Facet] = {}
    for result in results:
        if result.status == "error" or not result.rule.column:
            continue
        if result.rule.kind == "not_null":
            columns.setdefault(result.rule.column, {})["nullCount"] = int(result.failing)
        elif result.rule.kind == "distinct_count_between" and result.value is not None:
            columns.setdefault(result.rule.column, {})["distinctCount"] = int(result.value)
    return (max(counted) if counted else None), columns


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool | str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number
