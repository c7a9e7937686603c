"""How much do lineage and the catalog cost? Each part against what a user would do
without pipelinekit, measured in the same run.

(a) capture overhead: a multi-step e-commerce transformation at ``large`` scale with and
    without tracking — target <= 5 %;
(b) column lineage of a 50-column SQL query with CTEs and joins, every column — target
    <= 0.1 s (against sqlglot's ``lineage()`` called once per column);
(c) drawing a 200-node lineage graph — target <= 2 s (against networkx + matplotlib);
(d) catalog metadata of 1M rows (against pandas describe/nunique/isna).

Run: ``.venv/bin/python benchmarks/bench_lineage.py`` (or ``make bench``).
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import _catalog  # noqa: E402
import _lineage_capture  # noqa: E402
import _lineage_draw  # noqa: E402
import _lineage_sql  # noqa: E402

PARTS = {
    "(a) capture overhead, e-commerce large": _lineage_capture.run,
    "(b) column lineage of a 50-column SQL query": _lineage_sql.run,
    "(c) drawing a 200-node graph": _lineage_draw.run,
    "(d) catalog metadata, 1M rows": _catalog.run,
}


def main() -> None:
    for title, run in PARTS.items():
        print(f"== {title}", flush=True)
        for line in run():
            print(f"   {line}", flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (process RSS): {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
