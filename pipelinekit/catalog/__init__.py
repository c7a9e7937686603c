"""The data catalog: what every table holds and what it means, searchable, as cards.

>>> import pandas as pd
>>> from pipelinekit import catalog
>>> shop = catalog.Catalog()
>>> shop.register("orders", pd.DataFrame({"order_id": [1, 2], "amount": [9.5, None]}))
>>> shop.columns("orders")[["column", "family", "null_share", "min", "max"]]
     column   family  null_share  min  max
0  order_id  integer         0.0    1    2
1    amount    float         0.5  9.5  9.5

``shop.save()`` keeps the catalog in the metadata database, beside the lineage and the
quality history; ``catalog.load()`` brings it back in a later session.
"""

from pipelinekit.catalog.card import CatalogCard
from pipelinekit.catalog.catalog import Catalog
from pipelinekit.catalog.extract import TableMetadata, extract_duckdb, extract_frame
from pipelinekit.catalog.extract_database import DatabaseUnreachableError, extract_database
from pipelinekit.catalog.families import FAMILIES, type_family
from pipelinekit.catalog.store import load, save

__all__ = [
    "FAMILIES",
    "Catalog",
    "CatalogCard",
    "DatabaseUnreachableError",
    "TableMetadata",
    "extract_database",
    "extract_duckdb",
    "extract_frame",
    "load",
    "save",
    "type_family",
]
