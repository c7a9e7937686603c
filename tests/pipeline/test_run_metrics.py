"""A run's Prometheus metrics: the metrics.prom textfile, the endpoint served, the push."""

from __future__ import annotations

import importlib
import json
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.error import URLError

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pipelinekit.cli import main
from pipelinekit.pipeline import run

FIXTURES = Path(__file__).parent / "fixtures"
STEPS = ["stg_orders", "orders_numbered", "customer_orders", "customer_flags"]

SCRAPER = '''
"""A python step that scrapes the run's metrics endpoint while the run is active."""
import os
import urllib.request

SCRAPED = []


def scrape(customer_orders, threshold=2):
    with urllib.request.urlopen(os.environ["PK_TEST_METRICS_URL"], timeout=5) as response:
        SCRAPED.append(response.read().decode("utf-8"))
    flags = customer_orders[["customer_id", "orders"]].copy()
    flags["regular"] = flags["orders"] >= threshold
    return flags
'''


@pytest.fixture
def place(tmp_path, monkeypatch):
    """A folder with a copy of the fixture pipeline, and where its run goes."""
    monkeypatch.syspath_prepend(str(FIXTURES))
    monkeypatch.delenv("PIPELINEKIT_PUSHGATEWAY", raising=False)
    shutil.copytree(FIXTURES / "sql", tmp_path / "sql")
    shutil.copy(FIXTURES / "tiny_shop.yml", tmp_path / "tiny_shop.yml")
    return tmp_path


def variant(place: Path, old: str, new: str) -> Path:
    text = (place / "tiny_shop.yml").read_text()
    assert old in text
    path = place / "variant.yml"
    path.write_text(text.replace(old, new))
    return path


def go(place: Path, pipeline: Path | None = None, **options):
    return run(
        pipeline or place / "tiny_shop.yml",
        target=f"duckdb:///{place / 'warehouse.duckdb'}",
        runs_dir=place / "runs",
        metadata=place / "metadata.duckdb",
        data_dir=place / "data",
        progress=False,
        **options,
    )


def samples(text: str) -> dict[tuple[str, str], float]:
    """``(sample name, step or table label) -> value`` of an exposition text."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            assert sample.labels["pipeline"] == "tiny_shop"
            label = sample.labels.get("step") or sample.labels.get("table") or ""
            found[(sample.name, label)] = sample.value
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_textfile_has_the_runs_metrics(place):
    before = time.time()
    result = go(place)
    assert result.ok, result.error
    assert result.metrics_url is None
    found = samples((result.run_dir / "metrics.prom").read_text())
    rows = {label: v for (name, label), v in found.items() if name.endswith("processed_total")}
    assert rows == {
        "customers": 125,
        "orders": 500,
        "stg_orders": 475,
        "orders_numbered": 475,
        "customer_orders": 87,
        "customer_flags": 87,
    }
    seconds = {s.name: s.seconds for s in result.steps}
    for step in STEPS:
        assert found[("pipelinekit_step_duration_seconds", step)] == pytest.approx(seconds[step])
    # the warn gate's one failing rule of the three on customer_orders
    quality = found[("pipelinekit_quality_score", "customer_orders")]
    assert 0 < quality < 1
    assert result.quality_score == pytest.approx(quality)
    assert before <= found[("pipelinekit_last_success_timestamp_seconds", "")] <= time.time()
    assert not [name for name, _ in found if "failures" in name or name.endswith("_created")]
    log = [json.loads(line) for line in (result.run_dir / "log.jsonl").read_text().splitlines()]
    assert not [r for r in log if r["event"].startswith("metrics_")]  # no push, no server


def test_failed_step_is_counted_and_no_success(place):
    broken = variant(place, "tiny_steps:flag_customers", "tiny_steps:explode")
    result = go(place, broken)
    assert result.status == "FAIL"
    found = samples((result.run_dir / "metrics.prom").read_text())
    assert found[("pipelinekit_failures_total", "customer_flags")] == 1
    assert ("pipelinekit_step_duration_seconds", "customer_flags") in found
    assert ("pipelinekit_rows_processed_total", "customer_flags") not in found
    assert not [name for name, _ in found if name.startswith("pipelinekit_last_success")]


def test_stopping_gate_is_counted(place):
    failing = variant(place, "on_fail: warn", "on_fail: fail")
    result = go(place, failing)
    assert result.status == "FAIL"
    found = samples((result.run_dir / "metrics.prom").read_text())
    assert found[("pipelinekit_failures_total", "customer_orders")] == 1


def test_endpoint_is_scraped_while_the_run_is_active(place, monkeypatch, capsys):
    (place / "pk_metrics_scraper.py").write_text(SCRAPER)
    monkeypatch.syspath_prepend(str(place))
    port = free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    monkeypatch.setenv("PK_TEST_METRICS_URL", url)
    scraping = variant(place, "tiny_steps:flag_customers", "pk_metrics_scraper:scrape")
    result = go(place, scraping, metrics_port=port)
    assert result.ok, result.error
    assert result.metrics_url == url
    assert f"Serving the run's metrics at {url}" in capsys.readouterr().err

    (scraped,) = importlib.import_module("pk_metrics_scraper").SCRAPED
    found = samples(scraped)
    # scraped inside customer_flags: the steps before it and the gates are in, not it
    assert found[("pipelinekit_rows_processed_total", "stg_orders")] == 475
    assert found[("pipelinekit_rows_processed_total", "customer_orders")] == 87
    assert ("pipelinekit_rows_processed_total", "customer_flags") not in found
    assert 0 < found[("pipelinekit_quality_score", "customer_orders")] < 1
    assert not [name for name, _ in found if name.startswith("pipelinekit_last_success")]
    with pytest.raises(URLError):  # the server stops with the run
        urllib.request.urlopen(url, timeout=2)


def test_cli_metrics_port_zero_prints_the_url(place, capsys):
    arguments = [
        "run",
        str(place / "tiny_shop.yml"),
        "--target",
        f"duckdb:///{place / 'w.duckdb'}",
        "--runs-dir",
        str(place / "runs"),
        "--metadata",
        str(place / "meta.duckdb"),
        "--data-dir",
        str(place / "data"),
        "--no-progress",
    ]
    assert main([*arguments, "--metrics-port", "0"]) == 0
    err = capsys.readouterr().err
    assert "Serving the run's metrics at http://127.0.0.1:" in err
    port = int(err.split("http://127.0.0.1:")[1].split("/")[0])
    assert port > 0
    (run_dir,) = (place / "runs").iterdir()
    assert ("pipelinekit_rows_processed_total", "stg_orders") in samples(
        (run_dir / "metrics.prom").read_text()
    )
    assert main([*arguments, "--metrics-port", "-1"]) == 2
    assert "--metrics-port -1" in capsys.readouterr().err


@pytest.fixture
def gateway() -> Iterator[tuple[str, list[tuple[str, str, str]]]]:
    """A local HTTP server standing in for a Pushgateway: records (method, path, body)."""
    received: list[tuple[str, str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append(("PUT", self.path, body.decode("utf-8")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_push_to_the_gateway(place, monkeypatch, gateway):
    address, received = gateway
    monkeypatch.setenv("PIPELINEKIT_PUSHGATEWAY", address)
    result = go(place)
    assert result.ok, result.error
    ((method, path, body),) = received
    assert (method, path) == ("PUT", "/metrics/job/pipelinekit/pipeline/tiny_shop")
    found = samples(body)
    assert found[("pipelinekit_rows_processed_total", "customer_flags")] == 87
    assert ("pipelinekit_last_success_timestamp_seconds", "") in found
    log = [json.loads(line) for line in (result.run_dir / "log.jsonl").read_text().splitlines()]
    assert [r["gateway"] for r in log if r["event"] == "metrics_pushed"] == [address]


def test_failed_push_is_a_warning(place, monkeypatch):
    monkeypatch.setenv("PIPELINEKIT_PUSHGATEWAY", f"http://127.0.0.1:{free_port()}")
    result = go(place)
    assert result.ok, result.error
    assert any(note.startswith("metrics not pushed: ") for note in result.notes)
    log = [json.loads(line) for line in (result.run_dir / "log.jsonl").read_text().splitlines()]
    (warning,) = [r for r in log if r["event"] == "metrics_push_failed"]
    assert warning["level"] == "warning"
    assert (result.run_dir / "metrics.prom").is_file()
