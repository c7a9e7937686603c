"""pipelinekit: learn data engineering by doing it, in Jupyter.

>>> import pipelinekit as pk
>>> shop = pk.datasets.load("ecommerce", scale="tiny", seed=42)
>>> shop.summary().loc["orders", "rows"]
np.int64(500)
"""

from pipelinekit import catalog, datasets, grading, lineage, observe, pipeline, quality, transforms
from pipelinekit.errors import PipelinekitError
from pipelinekit.transforms import sql

__version__ = "0.1.0"

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
