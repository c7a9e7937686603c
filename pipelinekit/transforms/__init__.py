"""Transforms with exact SQL semantics, each with its DuckDB SQL twin.

>>> import pandas as pd, pipelinekit as pk
>>> pk.sql("SELECT 40 + 2 AS answer")
   answer
0      42
"""

from pipelinekit.transforms.sql import sql

__all__ = ["sql"]
