"""The built-in pipelines: raw data of each domain to a warehouse of marts.

Each pipeline is a YAML file next to this module (``ecommerce.yml``, ``finance.yml``,
``iot.yml``) in the format :mod:`pipelinekit.pipeline` runs: the built-in dataset as the
source, steps in DuckDB SQL (``sql/<pipeline>/<step>.sql``), a few
:mod:`pipelinekit.transforms` steps and Python steps (``steps/<pipeline>.py``), and
quality gates on the marts. Run one by name or by path::

    pipelinekit run ecommerce --scale tiny

Examples
--------
>>> from pipelinekit import pipelines
>>> pipelines.names()
['ecommerce', 'finance', 'iot']
>>> pipelines.path("iot").name
'iot.yml'
>>> [step["name"] for step in pipelines.spec("ecommerce")["steps"]][-2:]
['customer_rfm', 'customer_lifetime_value']
>>> pipelines.path("ecomerce")
Traceback (most recent call last):
...
pipelinekit.errors.UnknownNameError: Unknown pipeline 'ecomerce'; ...
<BLANKLINE>
Hint: did you mean 'ecommerce'?
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipelinekit.errors import UnknownNameError

__all__ = ["HERE", "names", "path", "spec"]

#: The folder holding the built-in pipeline files.
HERE = Path(__file__).resolve().parent


def names() -> list[str]:
    """The names of the built-in pipelines, sorted."""
    return sorted(file.stem for file in HERE.glob("*.yml"))


def path(name: str) -> Path:
    """The YAML file of the built-in pipeline ``name``.

    Raises
    ------
    UnknownNameError
        For a name that is not a built-in pipeline (with the nearest names).
    """
    if name not in names():
        raise UnknownNameError.for_name(
            name,
            names(),
            kind="pipeline",
            hint="pass the path of your own pipeline file, e.g. pipelines/shop.yml",
        )
    return HERE / f"{name}.yml"


def spec(name: str) -> dict[str, Any]:
    """The built-in pipeline ``name`` as plain data (the YAML file, parsed)."""
    with path(name).open(encoding="utf-8") as file:
        loaded: dict[str, Any] = yaml.safe_load(file)
    return loaded
