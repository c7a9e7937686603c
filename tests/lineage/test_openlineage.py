"""OpenLineage export: events valid against the 2-0-2 schemas, and POSTed to a real server."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openlineage_spec
import pytest
from openlineage_spec import Validators, validators

from pipelinekit.errors import InvalidValueError, OutputError, PipelinekitError, UnknownNameError
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import Column, Edge, StepRecord
from pipelinekit.lineage.openlineage import (
    FACET_SCHEMAS,
    SCHEMA_URL,
    emit,
    events,
    producer,
    run_events,
    write_events,
)

RUN_SQL = "6f1c7c52-7d0e-4c8e-9a51-1b2f3c4d5e6f"
RUN_PANDAS_FAIL = "a0d3f0a4-2b1c-4e7f-8d9a-0b1c2d3e4f50"
QUERY = (
    "SELECT order_date, sum(amount) AS revenue FROM orders WHERE status = 'paid'"
    " GROUP BY order_date"
)
PAID = "status = 'paid'"


def shop() -> LineageGraph:
    """A SQL step with column lineage, then a pandas step without; three runs."""
    graph = LineageGraph()
    graph.add_dataset(
        "orders", ["order_id", "order_date", "amount", "status"], namespace="postgres://db:5432"
    )
    graph.add(
        StepRecord(
            "daily_sales",
            inputs={"orders": ["order_id", "order_date", "amount", "status"]},
            outputs={"daily_sales": ["order_date", "revenue"]},
            edges=[
                Edge(Column("orders", "order_date"), Column("daily_sales", "order_date")),
                Edge(
                    Column("orders", "amount"),
                    Column("daily_sales", "revenue"),
                    "AGGREGATION",
                    "sum(amount)",
                ),
                *(
                    Edge(Column("orders", "status"), Column("daily_sales", c), "FILTER", PAID)
                    for c in ("order_date", "revenue")
                ),
                Edge(Column("orders", "order_date"), Column("daily_sales", "revenue"), "GROUP_BY"),
            ],
            kind="sql",
            sql=QUERY,
            description="Revenue per day",
        )
    )
    graph.add(
        StepRecord(
            "forecast",
            inputs={"daily_sales": ["order_date", "revenue"]},
            outputs={"forecast": ["order_date", "predicted"]},
            kind="pandas",
        )
    )
    nodes = graph.graph.nodes
    nodes["orders"].update(description="Every order", owner="team:shop", tags=["pii"])
    nodes["daily_sales"].update(owner=["team:finance", "user:ada"], tags={"tier": "gold"})
    nodes["orders.amount"]["type"] = "DECIMAL(10,2)"
    nodes["orders.order_date"].update(type="DATE", description="When it was placed")
    nodes["orders.status"]["tags"] = ("lifecycle",)
    graph.record_run(
        "daily_sales",
        run_id=RUN_SQL,
        status="COMPLETE",
        started_at="2024-05-01T09:00:00+00:00",
        ended_at="2024-05-01T09:00:02.500000+00:00",
    )
    graph.record_run(
        "forecast",
        run_id=RUN_PANDAS_FAIL,
        status="FAIL",
        started_at="2024-05-01T09:01:00+00:00",
        ended_at="2024-05-01T09:01:03+00:00",
        error="ValueError: not enough days to forecast",
    )
    graph.record_run(
        "forecast",
        run_id="forecast-2",  # not a UUID
        status="ABORT",
        started_at="2024-05-02T09:01:00",  # no time zone: recorded in UTC
        ended_at="2024-05-02T09:01:01Z",
    )
    return graph


@pytest.fixture(scope="module")
def spec() -> Validators:
    return validators()


def by_name(datasets: list[dict]) -> dict[str, dict]:
    return {dataset["name"]: dataset for dataset in datasets}


def every_facet(event: dict) -> Iterator[tuple[str, dict]]:
    yield from event["job"].get("facets", {}).items()
    yield from event["run"].get("facets", {}).items()
    for dataset in event["inputs"] + event["outputs"]:
        yield from dataset.get("facets", {}).items()


# ---------------------------------------------------------------------- the schemas
def test_every_event_is_a_valid_run_event(spec: Validators) -> None:
    all_events = events(shop())
    assert [e["eventType"] for e in all_events] == [
        "START", "COMPLETE", "START", "FAIL", "START", "ABORT"
    ]  # fmt: skip
    for event in all_events:
        assert spec.errors(event) == []
        assert spec.errors(event, SCHEMA_URL) == []


def test_every_facet_is_valid_against_its_own_schema(spec: Validators) -> None:
    seen = set()
    for event in events(shop()):
        for key, facet in every_facet(event):
            seen.add(key)
            assert facet["_schemaURL"] == FACET_SCHEMAS[key]
            assert spec.errors(facet, FACET_SCHEMAS[key]) == [], key
            schema_file = FACET_SCHEMAS[key].split("#")[0]
            assert spec.errors({key: facet}, schema_file) == [], key
    assert seen == set(FACET_SCHEMAS)  # the shop graph exercises every facet we write


def test_the_validator_finds_broken_events(spec: Validators) -> None:
    """Guard against a vacuous validator: broken events and facets are caught."""
    start = run_events(shop(), "daily_sales")[0]
    broken = json.loads(json.dumps(start))
    del broken["run"]["runId"]
    broken["eventTime"] = "yesterday"
    assert spec.errors(broken)  # oneOf of the three event kinds: no detail
    messages = " ".join(spec.errors(broken, SCHEMA_URL))
    assert "runId" in messages and "date-time" in messages
    # the core schema does not look inside facets: each facet has its own schema
    job_type = dict(start["job"]["facets"]["jobType"])
    job_type.pop("integration")
    assert any("integration" in e for e in spec.errors(job_type, FACET_SCHEMAS["jobType"]))
    facet = {"_producer": producer(), "_schemaURL": FACET_SCHEMAS["errorMessage"], "message": "x"}
    assert any(
        "programmingLanguage" in e for e in spec.errors(facet, FACET_SCHEMAS["errorMessage"])
    )


def test_the_spec_folder_has_every_schema_the_events_name(spec: Validators) -> None:
    assert SCHEMA_URL.split("#")[0] in spec.ids
    assert {url.split("#")[0] for url in FACET_SCHEMAS.values()} <= set(spec.ids)


# ---------------------------------------------------------------------- the content
def test_a_run_is_a_start_and_a_complete_with_one_run_id() -> None:
    start, complete = run_events(shop(), "daily_sales")
    assert start["eventTime"] == "2024-05-01T09:00:00+00:00"
    assert complete["eventTime"] == "2024-05-01T09:00:02.500000+00:00"
    assert start["run"] == {"runId": RUN_SQL}
    assert complete["run"] == {"runId": RUN_SQL}
    assert start["producer"] == producer() and start["schemaURL"] == SCHEMA_URL
    assert start["job"]["namespace"] == "pipelinekit" and start["job"]["name"] == "daily_sales"
    start["job"]["facets"]["sql"]["query"] = "changed"  # events share nothing
    assert complete["job"]["facets"]["sql"]["query"] == QUERY


def test_job_facets_say_how_the_step_was_written() -> None:
    sql_job = run_events(shop(), "daily_sales")[0]["job"]["facets"]
    assert sql_job["jobType"]["processingType"] == "BATCH"
    assert sql_job["jobType"]["integration"] == "PIPELINEKIT"
    assert sql_job["jobType"]["jobType"] == "SQL"
    assert sql_job["sql"]["query"] == QUERY
    assert sql_job["sql"]["dialect"] == "duckdb"
    pandas_job = run_events(shop(), "forecast")[0]["job"]["facets"]
    assert pandas_job["jobType"]["jobType"] == "PANDAS"
    assert "sql" not in pandas_job


def test_datasets_keep_their_namespace_schema_and_catalog_notes() -> None:
    start = run_events(shop(), "daily_sales", namespace="shop")[0]
    assert start["job"]["namespace"] == "shop"
    orders = by_name(start["inputs"])["orders"]
    assert orders["namespace"] == "postgres://db:5432"
    fields = orders["facets"]["schema"]["fields"]
    assert [f["name"] for f in fields] == ["order_id", "order_date", "amount", "status"]
    assert [f["ordinal_position"] for f in fields] == [1, 2, 3, 4]
    assert fields[1] == {
        "name": "order_date",
        "type": "DATE",
        "description": "When it was placed",
        "ordinal_position": 2,
    }
    assert fields[2]["type"] == "DECIMAL(10,2)" and "type" not in fields[0]
    assert orders["facets"]["documentation"]["description"] == "Every order"
    assert orders["facets"]["ownership"]["owners"] == [{"name": "team:shop"}]
    assert orders["facets"]["tags"]["tags"] == [
        {"key": "pii", "value": "true", "source": "PIPELINEKIT"},
        {"key": "lifecycle", "value": "true", "source": "PIPELINEKIT", "field": "status"},
    ]
    assert "columnLineage" not in orders["facets"]  # inputs have no column lineage
    sales = by_name(start["outputs"])["daily_sales"]
    assert sales["namespace"] == "pipelinekit"
    assert sales["facets"]["ownership"]["owners"] == [
        {"name": "team:finance"},
        {"name": "user:ada"},
    ]
    assert sales["facets"]["tags"]["tags"][0]["key"] == "tier"
    assert "documentation" not in sales["facets"]


def test_column_lineage_lists_input_fields_with_their_transformations() -> None:
    start = run_events(shop(), "daily_sales")[0]
    facet = by_name(start["outputs"])["daily_sales"]["facets"]["columnLineage"]
    revenue = facet["fields"]["revenue"]["inputFields"]
    assert [(f["namespace"], f["name"], f["field"]) for f in revenue] == [
        ("postgres://db:5432", "orders", "amount"),
        ("postgres://db:5432", "orders", "order_date"),
    ]
    assert revenue[0]["transformations"] == [
        {"type": "DIRECT", "subtype": "AGGREGATION", "description": "sum(amount)"}
    ]
    assert revenue[1]["transformations"] == [{"type": "INDIRECT", "subtype": "GROUP_BY"}]
    order_date = facet["fields"]["order_date"]["inputFields"]
    assert [(f["field"], f["transformations"][0]["subtype"]) for f in order_date] == [
        ("order_date", "IDENTITY")
    ]


def test_an_indirect_edge_to_every_output_column_is_dataset_level() -> None:
    start = run_events(shop(), "daily_sales")[0]
    facet = by_name(start["outputs"])["daily_sales"]["facets"]["columnLineage"]
    assert facet["dataset"] == [
        {
            "namespace": "postgres://db:5432",
            "name": "orders",
            "field": "status",
            "transformations": [{"type": "INDIRECT", "subtype": "FILTER", "description": PAID}],
        }
    ]
    fields_used = {f["field"] for field in facet["fields"].values() for f in field["inputFields"]}
    assert "status" not in fields_used  # listed once, not under every field


def test_one_source_used_two_ways_has_two_transformations() -> None:
    graph = LineageGraph()
    graph.add(
        StepRecord(
            "big",
            inputs={"orders": ["id", "amount"]},
            outputs={"big": ["id", "amount"]},
            edges=[
                Edge(Column("orders", "id"), Column("big", "id")),
                Edge(Column("orders", "amount"), Column("big", "amount")),
                Edge(Column("orders", "amount"), Column("big", "amount"), "FILTER", "amount > 9"),
            ],
        )
    )
    graph.record_run(
        "big",
        run_id=RUN_SQL,
        status="COMPLETE",
        started_at="2024-01-01T00:00:00",
        ended_at="2024-01-01T00:00:01",
    )
    facet = run_events(graph, "big")[1]["outputs"][0]["facets"]["columnLineage"]
    assert "dataset" not in facet  # the filter reaches 'amount' only
    (amount,) = facet["fields"]["amount"]["inputFields"]
    assert [t["subtype"] for t in amount["transformations"]] == ["IDENTITY", "FILTER"]


def test_a_step_without_column_lineage_has_no_column_lineage_facet() -> None:
    start = run_events(shop(), "forecast")[0]
    (output,) = start["outputs"]
    assert set(output["facets"]) == {"schema"}
    assert by_name(start["inputs"])["daily_sales"]["facets"]["schema"]["fields"][1]["name"] == (
        "revenue"
    )


def test_a_failed_run_carries_its_error_message() -> None:
    start, failed = run_events(shop(), "forecast", run_id=RUN_PANDAS_FAIL)
    assert "facets" not in start["run"]
    error = failed["run"]["facets"]["errorMessage"]
    assert failed["eventType"] == "FAIL"
    assert error["message"] == "ValueError: not enough days to forecast"
    assert error["programmingLanguage"] == "PYTHON"


def test_a_failed_run_without_a_message_still_says_it_failed() -> None:
    graph = shop()
    graph.record_run(
        "daily_sales",
        run_id=RUN_PANDAS_FAIL,
        status="FAIL",
        started_at="2024-01-01T00:00:00Z",
        ended_at="2024-01-01T00:00:01Z",
    )
    failed = run_events(graph, "daily_sales", run_id=RUN_PANDAS_FAIL)[1]
    assert "without a message" in failed["run"]["facets"]["errorMessage"]["message"]


def test_times_get_a_time_zone_and_run_ids_become_uuids() -> None:
    start, aborted = run_events(shop(), "forecast", run_id="forecast-2")
    assert start["eventTime"] == "2024-05-02T09:01:00+00:00"
    assert aborted["eventTime"] == "2024-05-02T09:01:01+00:00"
    assert datetime.fromisoformat(start["eventTime"]).tzinfo is not None
    run_id = start["run"]["runId"]
    assert uuid.UUID(run_id).version == 5
    assert run_id == aborted["run"]["runId"] == run_events(shop(), "forecast")[2]["run"]["runId"]
    assert run_id != str(uuid.uuid5(uuid.NAMESPACE_URL, "pipelinekit:run:forecast-3"))


def test_events_follow_the_order_runs_were_recorded() -> None:
    graph = shop()
    ids = [e["run"]["runId"] for e in events(graph)]
    assert ids[:4] == [RUN_SQL, RUN_SQL, RUN_PANDAS_FAIL, RUN_PANDAS_FAIL]
    assert events(LineageGraph()) == []


# ---------------------------------------------------------------------- bad input
def test_an_unknown_step_is_named_with_the_nearest() -> None:
    with pytest.raises(
        UnknownNameError, match="(?s)Unknown step 'daily_sale'.*did you mean 'daily_sales'"
    ):
        run_events(shop(), "daily_sale")


def test_a_step_without_runs_has_no_events() -> None:
    graph = LineageGraph()
    graph.add(StepRecord("idle", inputs={"a": ["x"]}, outputs={"b": ["x"]}))
    with pytest.raises(PipelinekitError, match=r"(?s)Step 'idle' has no recorded run.*record_run"):
        run_events(graph, "idle")


def test_an_unknown_run_id_lists_the_step_runs() -> None:
    with pytest.raises(
        UnknownNameError, match=r"Unknown run of step 'forecast' 'nope'.*forecast-2"
    ):
        run_events(shop(), "forecast", run_id="nope")


def test_an_unreadable_time_is_reported_with_its_run() -> None:
    graph = shop()
    graph.runs[0]["started_at"] = "9 o'clock"
    with pytest.raises(
        InvalidValueError, match=r"(?s)Run '6f1c7c52.*'daily_sales' has started_at=.*9"
    ):
        events(graph)


# ---------------------------------------------------------------------- JSON Lines
def test_write_events_writes_one_json_event_a_line(tmp_path) -> None:
    all_events = events(shop())
    path = write_events(all_events, tmp_path / "out" / "lineage.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == all_events
    assert sorted(p.name for p in path.parent.iterdir()) == ["lineage.jsonl"]  # nothing staged


def test_write_events_keeps_the_old_file_when_an_event_cannot_be_written(tmp_path) -> None:
    path = write_events([{"eventType": "START"}], tmp_path / "lineage.jsonl")
    with pytest.raises(TypeError, match="not JSON serializable"):
        write_events([{"eventType": "START"}, {"eventTime": object()}], path)
    assert path.read_text(encoding="utf-8") == '{"eventType": "START"}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lineage.jsonl"]


def test_write_events_where_a_file_blocks_the_folder(tmp_path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(OutputError, match=r"Cannot write OpenLineage events to '.*taken/x.jsonl'"):
        write_events([], tmp_path / "taken" / "x.jsonl")


# ---------------------------------------------------------------------- HTTP
class Endpoint(ThreadingHTTPServer):
    """An OpenLineage endpoint on 127.0.0.1 that keeps what it is sent.

    It answers each POST with the next status of ``statuses``, 201 (Marquez's) when none
    is left.
    """

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.received: list[tuple[dict[str, str], dict]] = []
        self.statuses: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/v1/lineage"


class Handler(BaseHTTPRequestHandler):
    server: Endpoint

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), json.loads(body)))
        status = self.server.statuses.pop(0) if self.server.statuses else 201
        answer = b"" if status < 400 else b'{"error": "store failed"}'
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server = Endpoint()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_emit_posts_every_event_as_json(endpoint: Endpoint) -> None:
    all_events = events(shop())
    sent = emit(all_events, endpoint.url, headers={"Authorization": "Bearer t0ken"})
    assert sent == len(all_events) == 6
    assert [body for _, body in endpoint.received] == all_events
    headers = endpoint.received[0][0]
    assert headers["Content-Type"] == "application/json"
    assert headers["Authorization"] == "Bearer t0ken"


def test_emit_reports_a_server_error_with_its_status(endpoint: Endpoint) -> None:
    endpoint.statuses = [500]
    expected = r"(?s)127\.0\.0\.1:\d+/api/v1/lineage answered HTTP 500 .*store failed.*Hint: the se"
    with pytest.raises(PipelinekitError, match=expected) as caught:
        emit(events(shop()), endpoint.url)
    assert "event 1 of 6" in str(caught.value)
    assert len(endpoint.received) == 1  # stopped at the first failure


def test_emit_says_how_many_events_went_before_a_failure(endpoint: Endpoint) -> None:
    endpoint.statuses = [201, 200, 503]
    with pytest.raises(
        PipelinekitError, match=r"HTTP 503 .* event 3 of 6.*the 2 before it were sent"
    ):
        emit(events(shop()), endpoint.url)
    assert len(endpoint.received) == 3


def test_emit_reports_a_rejected_event_with_a_hint_about_the_url(endpoint: Endpoint) -> None:
    endpoint.statuses = [404]
    with pytest.raises(PipelinekitError, match=r"(?s)HTTP 404.*Hint: the server refused the event"):
        emit(events(shop()), endpoint.url)


def test_emit_reports_a_refused_connection() -> None:
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/v1/lineage"
    with pytest.raises(
        PipelinekitError, match=rf"(?s){url} cannot be reached .*refused.*no HTTP status"
    ):
        emit(events(shop()), url)


def test_emit_reports_a_server_that_never_answers() -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/v1/lineage"
        with pytest.raises(
            PipelinekitError, match=r"(?s)did not answer within 0\.2 s.*event 1 of 6"
        ):
            emit(events(shop()), url, timeout=0.2)


def test_emit_refuses_an_address_that_is_not_http() -> None:
    with pytest.raises(InvalidValueError, match="'file:///etc/passwd' is not an HTTP address"):
        emit(events(shop()), "file:///etc/passwd")


def test_emit_sends_nothing_for_no_events(endpoint: Endpoint) -> None:
    assert emit([], endpoint.url) == 0
    assert endpoint.received == []


# ---------------------------------------------------------------------- the spec helper
def test_the_spec_folder_variable_is_looked_at_first() -> None:
    places = openlineage_spec.candidates({openlineage_spec.ENV: "/elsewhere/spec"})
    assert places[0].as_posix() == "/elsewhere/spec"
    assert places[1] == openlineage_spec.REPO.parent / "shared" / "openlineage-spec"


def test_a_missing_spec_folder_skips_with_a_clear_message(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(openlineage_spec, "candidates", lambda: [tmp_path / "nowhere"])
    with pytest.raises(pytest.skip.Exception, match="OpenLineage JSON schemas not found.*nowhere"):
        openlineage_spec.spec_folder()
