"""`load`: generate the tables of a domain, reproducibly, in memory."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Literal

import pandas as pd

from pipelinekit.datasets.cards import primary_keys
from pipelinekit.datasets.dataset import Dataset
from pipelinekit.datasets.dirty import inject
from pipelinekit.errors import InvalidValueError, UnknownNameError

__all__ = ["DOMAINS", "SCALE_NAMES", "load", "resolve_size", "domain_module"]

Domain = Literal["ecommerce", "finance", "iot"]
Scale = Literal["tiny", "small", "medium", "large"]
DOMAINS: tuple[str, ...] = Domain.__args__  # type: ignore[attr-defined]
SCALE_NAMES: tuple[str, ...] = Scale.__args__  # type: ignore[attr-defined]


def domain_module(domain: str) -> ModuleType:
    """The generator module of ``domain`` (``pipelinekit.datasets.<domain>``)."""
    if domain not in DOMAINS:
        raise UnknownNameError.for_name(domain, DOMAINS, kind="domain")
    return importlib.import_module(f"pipelinekit.datasets.{domain}")


def resolve_size(domain: str, scale: Scale | int | str) -> int:
    """Rows of the domain's main table for a named scale or an explicit count.

    Examples
    --------
    >>> resolve_size("ecommerce", "tiny"), resolve_size("ecommerce", 1234)
    (500, 1234)
    """
    module = domain_module(domain)
    if isinstance(scale, str) and scale.lstrip("-").replace("_", "").isdigit():
        scale = int(scale)  # "5000" or "-5" from the command line
    if isinstance(scale, bool) or not isinstance(scale, (int, str)):
        raise InvalidValueError(
            f"Scale {scale!r} of type {type(scale).__name__}",
            f"a name ({', '.join(SCALE_NAMES)}) or a whole number of rows",
            "write scale='small' or scale=50_000",
        )
    if isinstance(scale, int):
        if scale < 1:
            raise InvalidValueError(
                f"Scale {scale}",
                f"a positive number of rows of '{module.MAIN_TABLE}'",
                "use a named scale such as 'tiny' or a count such as 1000",
            )
        return scale
    if scale not in module.SCALES:
        raise UnknownNameError.for_name(
            scale, module.SCALES, kind="scale", hint="or give a number of rows, e.g. 5000"
        )
    return int(module.SCALES[scale])


def load(
    domain: Domain | str,
    *,
    scale: Scale | int | str = "small",
    seed: int = 42,
    dirty: bool = False,
) -> Dataset:
    """Generate the related tables of a domain, the same for the same seed and scale.

    Parameters
    ----------
    domain : {"ecommerce", "finance", "iot"}
        Which world to generate.
    scale : {"tiny", "small", "medium", "large"} or int
        A named size, or the number of rows of the domain's main table (orders,
        transactions or sensor readings).
    seed : int
        Any whole number; the same seed gives byte-identical tables on any machine
        (with the same versions of pipelinekit, numpy and Faker).
    dirty : bool
        Inject realistic quality problems (nulls, duplicates, bad e-mails, out-of-range
        values, orphan keys, late-arriving rows, a schema drift). What was injected is
        logged, row by row, in ``dataset.injected``.

    Returns
    -------
    Dataset
        A mapping of table name to DataFrame, also reachable as attributes.

    See Also
    --------
    pipelinekit.datasets.card : what each table and column means.

    Examples
    --------
    >>> import pipelinekit as pk
    >>> shop = pk.datasets.load("ecommerce", scale="tiny", seed=42)
    >>> list(shop)
    ['customers', 'products', 'orders', 'order_items', 'returns']
    >>> len(shop.orders)
    500
    >>> dirty = pk.datasets.load("ecommerce", scale="tiny", seed=42, dirty=True)
    >>> sorted(dirty.injected["problem"].unique())[:3]
    ['bad_emails', 'duplicates', 'late_arrivals']
    """
    module = domain_module(domain)
    size = resolve_size(domain, scale)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InvalidValueError(
            f"Seed {seed!r}", "a whole number >= 0", "any fixed number works, e.g. seed=42"
        )
    tables = {
        name: _microseconds(frame) for name, frame in module.generate(size, seed=seed).items()
    }
    injected = None
    if dirty:
        tables, injected = inject(tables, module.DIRTY_PLAN, keys=primary_keys(domain), seed=seed)
    return Dataset(domain, tables, scale=scale, seed=seed, injected=injected)


def _microseconds(frame: pd.DataFrame) -> pd.DataFrame:
    """Store every timestamp as datetime64[us]: what Parquet, DuckDB and PostgreSQL keep.

    A table then reads back from any of them with exactly the dtypes it was written with.
    """
    datetimes = frame.select_dtypes("datetime").columns
    return frame.astype({column: "datetime64[us]" for column in datetimes})
