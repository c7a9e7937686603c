"""Seeded, realistic datasets for three domains: e-commerce, finance and IoT.

>>> import pipelinekit as pk
>>> shop = pk.datasets.load("ecommerce", scale="tiny", seed=42)
>>> shop.orders.columns[:3].tolist()
['order_id', 'customer_id', 'ordered_at']
"""

from pipelinekit.datasets.cards import card
from pipelinekit.datasets.dataset import Dataset
from pipelinekit.datasets.dirty import Injection
from pipelinekit.datasets.load import DOMAINS, SCALE_NAMES, load, resolve_size
from pipelinekit.datasets.write import FORMATS, write

__all__ = [
    "DOMAINS",
    "FORMATS",
    "SCALE_NAMES",
    "Dataset",
    "Injection",
    "card",
    "load",
    "resolve_size",
    "write",
]
