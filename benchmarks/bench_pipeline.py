"""How fast is `pk.pipeline.run`? The ecommerce pipeline on DuckDB, and the PostgreSQL load.

(a) the built-in ``ecommerce`` pipeline at ``scale="large"`` (1M orders) into a DuckDB file
    — target <= 30 s on 2 cores, peak memory <= 4 GB;
(b) the same pipeline at 10M orders (``scale=10_000_000``) — target <= 2 min, peak memory
    <= 4 GB (``--skip-10m`` leaves it out, ``--big-orders N`` runs another size);
(c) the PostgreSQL target's load rate against pandas ``to_sql``, measured in the same run
    (``_pipeline_postgres.run``) — target >= 5x.

The data is generated first and timed on its own (kept in a temporary ``data_dir``), then
the pipeline runs and reuses it, so the pipeline's time is sources read back from Parquet,
every step, the gates, the load and the run's artifacts. Generation and run each happen in
a fresh child process, so each peak memory (``ru_maxrss``) is that part's alone.

Run: ``.venv/bin/python benchmarks/bench_pipeline.py [--skip-10m] [--no-postgres]``
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import _pipeline_postgres  # noqa: E402

PIPELINE = "ecommerce"
TARGET_S = {"large": 30.0, 10_000_000: 120.0}
TARGET_MB = 4 * 1024


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _generate(scale: str | int, data_dir: str) -> tuple[float, float, int]:
    """(In a child) generate and keep the pipeline's datasets: seconds, peak MB, rows."""
    from pipelinekit.pipeline import load_pipeline, resolve_pipeline
    from pipelinekit.pipeline.sources import read_source
    from pipelinekit.pipeline.spec import DatasetSource

    pipeline = load_pipeline(resolve_pipeline(PIPELINE))
    started = time.perf_counter()
    rows = 0
    for source in pipeline.sources:
        if isinstance(source, DatasetSource):
            tables = read_source(source, scale=scale, data_dir=data_dir)
            rows += sum(len(frame) for frame in tables.values())
    return time.perf_counter() - started, _peak_mb(), rows


def _run(scale: str | int, folder: str) -> tuple[float, float, str, dict[str, int]]:
    """(In a child) run the pipeline on the kept data: seconds, peak MB, status, rows."""
    from pipelinekit.pipeline import run

    place = Path(folder)
    started = time.perf_counter()
    result = run(
        PIPELINE,
        target=f"duckdb:///{place / 'warehouse.duckdb'}",
        scale=scale,
        runs_dir=place / "runs",
        metadata=place / "metadata.duckdb",
        data_dir=place / "data",
        progress=False,
    )
    seconds = time.perf_counter() - started
    status = result.status + (f" ({result.error})" if result.error else "")
    rows = {str(load["table"]): int(load["rows_written"]) for load in result.loads}
    return seconds, _peak_mb(), status, rows


def _in_child(function: Any, *args: Any) -> Any:
    """Call ``function`` in a fresh process (spawned: its peak memory is its own)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def _met(value: float, limit: float) -> str:
    return "met" if value <= limit else "MISSED"


def pipeline_part(scale: str | int) -> list[str]:
    """Generate the data, then time the pipeline over it; the report lines."""
    with tempfile.TemporaryDirectory(prefix="pk_bench_pipeline_") as folder:
        gen_s, gen_mb, gen_rows = _in_child(_generate, scale, str(Path(folder) / "data"))
        run_s, run_mb, status, loaded = _in_child(_run, scale, folder)
    target_s = TARGET_S.get(scale)
    verdict = "" if target_s is None else f" (target <= {target_s:.0f} s: {_met(run_s, target_s)})"
    fact = loaded.get("fct_orders")
    return [
        f"data generation: {gen_s:6.1f} s, {gen_rows:,} rows in all, peak {gen_mb:,.0f} MB",
        f"pipeline run:    {run_s:6.1f} s{verdict}, status {status}",
        f"peak memory of the run: {run_mb:,.0f} MB"
        f" (target <= {TARGET_MB:,} MB: {_met(run_mb, TARGET_MB)})",
        f"loaded {len(loaded)} tables"
        + ("" if fact is None else f", fct_orders {fact:,} rows")
        + f", {sum(loaded.values()):,} rows in all",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-10m", action="store_true", help="leave out the 10M-orders part")
    parser.add_argument(
        "--big-orders", type=int, default=10_000_000, help="orders of part (b) (10M)"
    )
    parser.add_argument("--no-postgres", action="store_true", help="leave out part (c)")
    args = parser.parse_args()
    print("== (a) ecommerce pipeline, scale large (1M orders), DuckDB target", flush=True)
    for line in pipeline_part("large"):
        print(f"   {line}", flush=True)
    if not args.skip_10m:
        print(f"== (b) ecommerce pipeline, {args.big_orders:,} orders, DuckDB target", flush=True)
        for line in pipeline_part(args.big_orders):
            print(f"   {line}", flush=True)
    if not args.no_postgres:
        print("== (c) PostgreSQL target load against pandas to_sql", flush=True)
        for line in _pipeline_postgres.run():
            print(f"   {line}", flush=True)


if __name__ == "__main__":
    main()
