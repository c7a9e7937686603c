"""pipelinekit: learn data engineering by doing it, in Jupyter.

>>> import pipelinekit as pk
>>> shop = pk.datasets.load("ecommerce", scale="tiny", seed=42)
>>> shop.summary().loc["orders", "rows"]
np.int64(500)
"""

import importlib
from types import ModuleType

from pipelinekit import datasets, grading, lineage, transforms
from pipelinekit.errors import PipelinekitError
from pipelinekit.transforms import sql

__version__ = "0.1.0"

# Loaded on first use (pk.quality, pk.catalog, ...), so `import pipelinekit` and every
# `pipelinekit ...` command stay quick: together they pull in SQLAlchemy, Prometheus,
# rich and the pipeline engine, which a lesson on window functions never needs.
_ON_FIRST_USE = ("catalog", "observe", "pipeline", "quality")


def __getattr__(name: str) -> ModuleType:
    if name in _ON_FIRST_USE:
        return importlib.import_module(f"pipelinekit.{name}")
    raise AttributeError(f"module 'pipelinekit' has no attribute {name!r}")


__all__ = [
    "PipelinekitError",
    "__version__",
    "catalog",
    "datasets",
    "grading",
    "lineage",
    "observe",
    "pipeline",
    "quality",
    "sql",
    "transforms",
]
