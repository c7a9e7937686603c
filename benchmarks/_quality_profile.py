"""How fast is `pk.quality.profile`? Against ydata-profiling, the profiler a user would pick.

(a) one frame of 1M rows x 20 columns (integers, floats with nulls, timestamps,
    categories, e-mails, names, codes, numbers stored as text, a boolean): target
    <= 2 s, and >= 20x faster than ydata-profiling in its minimal mode
    (``ProfileReport(df, minimal=True).get_description()``, only that call timed) on
    the same data, read from the same Parquet file in its own environment. Profiled
    with the default ``approx="auto"`` (approximate from 1M rows on, so the same as
    ``approx=True`` here), with ``approx=True``, and, for reference, exactly
    (``approx=False``);
(c) a Parquet file of 10M rows x 10 columns, profiled straight from the file by DuckDB:
    target <= 5 s, with the peak memory (RSS) of the process that profiles it.

Each pipelinekit figure is the best wall time of the repeats, with the best CPU time of
the process (all its threads) beside it: on a machine others share, the CPU time is the
steadier measure.

ydata-profiling runs in a separate venv (``benchmarks/.venv-ydata``, made by
``benchmarks/ydata_env.sh``; never the project's venv), in a subprocess. Each part
profiles in a fresh subprocess too, so its peak memory is its own.

Run: ``.venv/bin/python benchmarks/_quality_profile.py [--rows 1000000]
[--big-rows 10000000] [--repeat 3] [--no-ydata]``; ``run()`` gives the printed lines.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
YDATA_VENV = HERE / ".venv-ydata"
YDATA_SETUP = HERE / "ydata_env.sh"
DATA = Path(tempfile.gettempdir()) / "pipelinekit-bench-profile"


def wide_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """1M x 20: the mix of columns a first look at a fact table meets."""
    rng = np.random.default_rng(seed)
    amount = rng.normal(100, 30, rows).round(2)
    amount[rng.random(rows) < 0.02] = np.nan
    start = np.datetime64("2024-01-01T00:00:00", "s")
    ordered = start + rng.integers(0, 365 * 86_400, rows).astype("timedelta64[s]")
    shipped = (ordered + rng.integers(3_600, 5 * 86_400, rows).astype("timedelta64[s]")).astype(
        "datetime64[us]"
    )
    shipped[rng.random(rows) < 0.1] = np.datetime64("NaT")
    customers = rng.integers(0, rows // 4, rows)
    firsts = np.array(["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Ken", "Frances"])
    lasts = np.array([f"Surname{i}" for i in range(150)])
    names = pd.Series(firsts[rng.integers(0, len(firsts), rows)]).str.cat(
        pd.Series(lasts[rng.integers(0, len(lasts), rows)]), sep=" "
    )
    return pd.DataFrame(
        {
            "order_id": np.arange(rows),
            "customer_id": customers,
            "product_id": rng.integers(0, 5_000, rows),
            "store_id": rng.integers(0, 50, rows),
            "quantity": rng.integers(1, 10, rows),
            "amount": amount,
            "unit_price": rng.gamma(2.0, 20.0, rows).round(2),
            "discount": rng.choice([0.0, 0.05, 0.1, 0.2], rows),
            "latitude": rng.uniform(-60, 70, rows),
            "longitude": rng.uniform(-180, 180, rows),
            "ordered_at": ordered.astype("datetime64[us]"),
            "shipped_at": shipped,
            "status": pd.Categorical(rng.choice(["delivered", "shipped", "cancelled"], rows)),
            "channel": pd.Categorical(rng.choice(["web", "app", "marketplace"], rows)),
            "country": pd.Series(rng.choice(["US", "GB", "DE", "FR", "ES", "IT"], rows)).astype(
                "str"
            ),
            "email": pd.Series(customers).map("user{}@example.com".format).astype("str"),
            "customer_name": names.astype("str"),
            "sku": pd.Series(rng.integers(0, 5_000, rows)).map("SKU-{:05d}".format).astype("str"),
            "postcode": pd.Series(rng.integers(10_000, 99_999, rows)).astype("str"),
            "is_gift": rng.random(rows) < 0.05,
        }
    )


def tall_frame(rows: int, seed: int = 1) -> pd.DataFrame:
    """10M x 10, written to Parquet in chunks by :func:`tall_parquet`."""
    rng = np.random.default_rng(seed)
    amount = rng.normal(100, 30, rows).round(2)
    amount[rng.random(rows) < 0.02] = np.nan
    start = np.datetime64("2024-01-01T00:00:00", "s")
    customers = rng.integers(0, 1_000_000, rows)
    return pd.DataFrame(
        {
            "event_id": np.arange(rows) + seed * rows,
            "customer_id": customers,
            "amount": amount,
            "quantity": rng.integers(1, 6, rows),
            "happened_at": (
                start + rng.integers(0, 365 * 86_400, rows).astype("timedelta64[s]")
            ).astype("datetime64[us]"),
            "status": rng.choice(["delivered", "shipped", "cancelled"], rows),
            "channel": rng.choice(["web", "app", "marketplace"], rows),
            "email": pd.Series(customers).map("user{}@example.com".format).astype("str"),
            "score": rng.random(rows),
            "flagged": rng.random(rows) < 0.1,
        }
    )


def tall_parquet(rows: int) -> Path:
    """The 10M-row file, written once in row groups of 1M rows (kept in the temp dir)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = DATA / f"tall_{rows}.parquet"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    chunk = 1_000_000
    partial = path.with_suffix(".partial")
    writer = None
    for k, first in enumerate(range(0, rows, chunk)):
        table = pa.Table.from_pandas(tall_frame(min(chunk, rows - first), seed=k + 1))
        table = table.replace_schema_metadata(None)
        if writer is None:
            writer = pq.ParquetWriter(partial, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()
    partial.rename(path)
    return path


# The child processes: one profiles with pipelinekit, the other with ydata-profiling.
_PIPELINEKIT_CHILD = """
import json, resource, sys, time
import pandas as pd
from pipelinekit.quality.profile import profile
path, repeat, load = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "frame"
approx = {"auto": "auto", "approx": True, "exact": False}[
    sys.argv[4] if len(sys.argv) > 4 else "auto"
]
source = pd.read_parquet(path) if load else path
times, cpu = [], []
for _ in range(repeat):
    started, used = time.perf_counter(), time.process_time()
    result = profile(source, approx=approx)
    times.append(time.perf_counter() - started)
    cpu.append(time.process_time() - used)
print(json.dumps({"seconds": min(times), "cpu": min(cpu), "rss_mb": resource.getrusage(
    resource.RUSAGE_SELF).ru_maxrss / 1024, "approx": result.table["approx"]}))
"""

_YDATA_CHILD = """
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from ydata_profiling import ProfileReport
frame = pd.read_parquet(sys.argv[1])
started = time.perf_counter()
ProfileReport(frame, minimal=True, progress_bar=False).get_description()
print(json.dumps({"seconds": time.perf_counter() - started, "version": __import__(
    "ydata_profiling").__version__}))
"""


def _child(python: Path | str, code: str, *args: str, timeout: float = 1800) -> dict:
    done = subprocess.run(
        [str(python), "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ydata_python() -> tuple[Path | None, str]:
    """The ydata venv's Python, making the venv when missing; or None and why not."""
    python = YDATA_VENV / "bin" / "python"
    if not python.exists():
        done = subprocess.run(
            ["bash", str(YDATA_SETUP)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            return None, lines[-1] if lines else "ydata_env.sh failed"
    return python, ""


def run(
    rows: int = 1_000_000, big_rows: int = 10_000_000, repeat: int = 3, ydata: bool = True
) -> list[str]:
    """Run parts (a) and (c); the printable lines."""
    DATA.mkdir(parents=True, exist_ok=True)
    wide = DATA / f"wide_{rows}.parquet"
    if not wide.exists():
        wide_frame(rows).to_parquet(wide)
    lines = [f"(a) {rows:,} rows x 20 columns (DataFrame in memory), best of {repeat}"]
    ours = _child(sys.executable, _PIPELINEKIT_CHILD, str(wide), str(repeat), "frame")
    mode = "approximate" if ours["approx"] else "exact"
    lines.append(
        f"  pk.quality.profile          {ours['seconds']:7.3f} s  ({mode}; target <= 2 s;"
        f" CPU {ours['cpu']:.3f} s)"
    )
    rough = _child(sys.executable, _PIPELINEKIT_CHILD, str(wide), str(repeat), "frame", "approx")
    lines.append(
        f"  ... with approx=True        {rough['seconds']:7.3f} s  (approximate;"
        f" CPU {rough['cpu']:.3f} s)"
    )
    exact = _child(sys.executable, _PIPELINEKIT_CHILD, str(wide), str(repeat), "frame", "exact")
    lines.append(
        f"  ... with approx=False       {exact['seconds']:7.3f} s  (exact;"
        f" CPU {exact['cpu']:.3f} s)"
    )
    if ydata:
        python, why = ydata_python()
        if python is None:
            lines.append(f"  ydata-profiling minimal     not run: {why}")
        else:
            theirs = _child(python, _YDATA_CHILD, str(wide))
            lines.append(
                f"  ydata-profiling {theirs['version']:<11} {theirs['seconds']:7.3f} s  "
                f"(minimal=True, get_description)"
            )
            lines.append(
                f"  ratio ydata / pk: {theirs['seconds'] / ours['seconds']:.1f}x (default,"
                f" {mode}), {theirs['seconds'] / rough['seconds']:.1f}x (approx=True),"
                f" {theirs['seconds'] / exact['seconds']:.1f}x (exact); target >= 20x"
            )
    path = tall_parquet(big_rows)
    lines.append(
        f"(c) {big_rows:,} rows x 10 columns from Parquet ({path.stat().st_size / 1e6:,.0f} MB)"
    )
    big = _child(sys.executable, _PIPELINEKIT_CHILD, str(path), "1", "path")
    mode = "approximate" if big["approx"] else "exact"
    lines.append(
        f"  pk.quality.profile(path)    {big['seconds']:7.3f} s  ({mode}; target <= 5 s;"
        f" CPU {big['cpu']:.3f} s), peak RSS {big['rss_mb']:,.0f} MB"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-ydata", action="store_true", help="skip ydata-profiling")
    args = parser.parse_args()
    for line in run(args.rows, args.big_rows, args.repeat, ydata=not args.no_ydata):
        print(line, flush=True)


if __name__ == "__main__":
    main()
