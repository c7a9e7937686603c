"""How fast is `pk.quality`? Each part against what a user would pick, in the same run.

(a) profile 1M rows x 20 columns (a DataFrame in memory) — target <= 2 s and >= 20x faster
    than ydata-profiling in its minimal mode (installed only in the benchmark-only
    environment ``benchmarks/.venv-ydata``, made by ``benchmarks/ydata_env.sh``);
(b) 20 rules on 1M rows — target <= 0.5 s (against the same checks in plain pandas);
(c) profile 10M rows x 10 columns straight from Parquet — target <= 5 s, peak memory shown.

Run: ``.venv/bin/python benchmarks/bench_quality.py [--no-ydata]`` (or ``make bench``).
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import _quality_profile  # noqa: E402
import _quality_rules  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-ydata", action="store_true", help="skip the ydata-profiling run")
    args = parser.parse_args()
    print("== (a) and (c): profiling", flush=True)
    for line in _quality_profile.run(ydata=not args.no_ydata):
        print(f"   {line}", flush=True)
    print("== (b) 20 rules on 1M rows", flush=True)
    for line in _quality_rules.run():
        print(f"   {line}", flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (process RSS): {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
