"""pk.observe.metrics: scraped over HTTP, written as a textfile, pushed to a gateway."""

from __future__ import annotations

import math
import socket
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from pipelinekit.errors import InvalidValueError, OutputError
from pipelinekit.observe.metrics import PUSHGATEWAY_ENV, PipelineMetrics


@pytest.fixture
def metrics() -> PipelineMetrics:
    m = PipelineMetrics("shop")
    m.record_step("stg_orders", rows=480, seconds=0.25)
    m.record_step("stg_orders", rows=20, seconds=0.5)
    m.record_step("fct_orders", rows=450, seconds=1.5)
    m.record_failure("load")
    m.record_quality("fct_orders", 0.97)
    m.record_success(at=1_700_000_000.0)
    return m


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition text, keyed by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def families(text: str) -> dict[str, str]:
    return {f.name: f.type for f in text_string_to_metric_families(text)}


EXPECTED = {
    ("pipelinekit_rows_processed_total", (("pipeline", "shop"), ("step", "stg_orders"))): 500.0,
    ("pipelinekit_rows_processed_total", (("pipeline", "shop"), ("step", "fct_orders"))): 450.0,
    ("pipelinekit_step_duration_seconds", (("pipeline", "shop"), ("step", "stg_orders"))): 0.5,
    ("pipelinekit_step_duration_seconds", (("pipeline", "shop"), ("step", "fct_orders"))): 1.5,
    ("pipelinekit_quality_score", (("pipeline", "shop"), ("table", "fct_orders"))): 0.97,
    ("pipelinekit_failures_total", (("pipeline", "shop"), ("step", "load"))): 1.0,
    ("pipelinekit_last_success_timestamp_seconds", (("pipeline", "shop"),)): 1_700_000_000.0,
}


def check_exposition(text: str) -> None:
    found = samples(text)
    for key, value in EXPECTED.items():
        assert found[key] == pytest.approx(value), key
    assert families(text) == {
        "pipelinekit_rows_processed": "counter",
        "pipelinekit_step_duration_seconds": "gauge",
        "pipelinekit_quality_score": "gauge",
        "pipelinekit_failures": "counter",
        "pipelinekit_last_success_timestamp_seconds": "gauge",
    }


def test_scraping_the_served_endpoint(metrics):
    with metrics.serve() as server:
        assert server.port > 0 and server.url.endswith(f":{server.port}/metrics")
        with urllib.request.urlopen(server.url, timeout=5) as response:
            assert response.headers["Content-Type"].startswith("text/plain")
            first = response.read().decode()
        metrics.record_step("fct_orders", rows=50)  # a scrape sees the run as it goes
        with urllib.request.urlopen(server.url, timeout=5) as response:
            second = response.read().decode()
    check_exposition(first)
    key = ("pipelinekit_rows_processed_total", (("pipeline", "shop"), ("step", "fct_orders")))
    assert samples(second)[key] == 500.0
    with pytest.raises(OSError):  # stopped: the port no longer answers
        urllib.request.urlopen(server.url, timeout=2)
    server.stop()  # twice is harmless


def test_serving_on_a_taken_port_is_an_output_error(metrics):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OutputError, match="Cannot serve metrics on 127.0.0.1:"):
            metrics.serve(taken.getsockname()[1])


def test_textfile_is_the_exposition_written_atomically(metrics, tmp_path):
    path = metrics.write_textfile(tmp_path / "textfile" / "pipelinekit_shop.prom")
    text = path.read_text()
    check_exposition(text)
    assert "# TYPE pipelinekit_step_duration_seconds gauge" in text
    assert "# HELP pipelinekit_quality_score" in text
    assert [p.name for p in path.parent.iterdir()] == ["pipelinekit_shop.prom"]  # no temp file
    with pytest.raises(InvalidValueError, match=r"a name ending in \.prom"):
        metrics.write_textfile(tmp_path / "metrics.txt")


class Recorder(BaseHTTPRequestHandler):
    received: list[tuple[str, str, bytes]] = []

    def do_PUT(self) -> None:  # noqa: N802 (the name http.server calls)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(("PUT", self.path, body))
        self.send_response(200)
        self.end_headers()

    do_POST = do_PUT  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[tuple[str, list]]:
    Recorder.received = []
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", Recorder.received
    server.shutdown()
    server.server_close()


def test_push_sends_the_metrics_to_the_pushgateway(metrics, gateway, monkeypatch):
    url, received = gateway
    monkeypatch.setenv(PUSHGATEWAY_ENV, url)
    assert metrics.push() == url
    [(method, path, body)] = received
    assert method == "PUT"
    assert path == "/metrics/job/pipelinekit/pipeline/shop"
    check_exposition(body.decode())


def test_push_without_a_gateway_does_nothing(metrics, gateway):
    _, received = gateway
    assert metrics.push(environ={}) is None
    assert received == []


def test_push_to_a_closed_port_is_an_output_error_without_the_password(metrics):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(OutputError, match=r"Pushgateway at http://user:\*\*\*@127.0.0.1") as info:
        metrics.push(f"http://user:hunter2@127.0.0.1:{port}", timeout=2)
    assert "hunter2" not in str(info.value)


def test_each_instance_has_its_own_registry():
    one, two = PipelineMetrics("shop"), PipelineMetrics("shop")
    one.record_step("a", rows=1)
    assert two.sample("pipelinekit_rows_processed_total", step="a") is None
    assert (
        REGISTRY.get_sample_value(
            "pipelinekit_rows_processed_total", {"pipeline": "shop", "step": "a"}
        )
        is None
    )


def test_time_step_counts_rows_and_failures():
    m = PipelineMetrics("shop")
    with m.time_step("clean") as timer:
        timer.rows = 7
    with pytest.raises(RuntimeError), m.time_step("load"):
        raise RuntimeError("target down")
    assert m.sample("pipelinekit_rows_processed_total", step="clean") == 7
    assert m.sample("pipelinekit_failures_total", step="load") == 1
    assert m.sample("pipelinekit_failures_total", step="clean") is None
    assert m.sample("pipelinekit_step_duration_seconds", step="load") >= 0


def test_bad_values_are_refused():
    m = PipelineMetrics("shop")
    with pytest.raises(InvalidValueError, match="Quality score 97.0 for table 'orders'"):
        m.record_quality("orders", 97)
    with pytest.raises(InvalidValueError, match="rows=-1 for step 'x'"):
        m.record_step("x", rows=-1)
    with pytest.raises(InvalidValueError, match="An empty pipeline name"):
        PipelineMetrics("")
    m.record_quality("unchecked", float("nan"))
    assert math.isnan(m.sample("pipelinekit_quality_score", table="unchecked") or 0.0)
