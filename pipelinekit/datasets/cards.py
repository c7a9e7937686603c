"""Dataset cards: what every generated table and column means.

A card is a YAML file shipped with the package (``pipelinekit/datasets/cards/``):
the domain, how the data was generated, and per table its grain, keys, foreign keys
and columns (type, unit, description, tags such as ``pii``). The data catalog reads
cards; ``datasets/<domain>.md`` in the repository is rendered from them by
:func:`render_markdown`, so the two never disagree.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from pipelinekit.errors import UnknownNameError

__all__ = ["card", "foreign_keys", "primary_keys", "render_markdown", "CARD_DOMAINS"]

CARD_DOMAINS = ("ecommerce", "finance", "iot")


@cache
def card(domain: str) -> dict[str, Any]:
    """The card of ``domain`` as a dict (read once, then cached).

    Examples
    --------
    >>> card("ecommerce")["tables"]["orders"]["primary_key"]
    ['order_id']
    """
    if domain not in CARD_DOMAINS:
        raise UnknownNameError.for_name(domain, CARD_DOMAINS, kind="domain")
    text = resources.files("pipelinekit.datasets").joinpath("cards", f"{domain}.yml").read_text()
    return yaml.safe_load(text)


def primary_keys(domain: str) -> dict[str, list[str]]:
    """Primary-key columns of each table of ``domain``.

    Examples
    --------
    >>> primary_keys("ecommerce")["order_items"]
    ['order_id', 'line_number']
    """
    return {name: table["primary_key"] for name, table in card(domain)["tables"].items()}


def foreign_keys(domain: str) -> list[tuple[str, str, str, str]]:
    """Every foreign key of ``domain`` as ``(table, column, parent_table, parent_column)``.

    Examples
    --------
    >>> ("orders", "customer_id", "customers", "customer_id") in foreign_keys("ecommerce")
    True
    """
    keys = []
    for name, table in card(domain)["tables"].items():
        for column, target in (table.get("foreign_keys") or {}).items():
            parent_table, parent_column = target.split(".")
            keys.append((name, column, parent_table, parent_column))
    return keys


def render_markdown(domain: str) -> str:
    """The card of ``domain`` as Markdown (what ``datasets/<domain>.md`` holds)."""
    spec = card(domain)
    lines = [
        f"# {spec['title']}",
        "",
        "<!-- Generated from pipelinekit/datasets/cards/"
        f"{domain}.yml by `pipelinekit datasets cards`; edit the YAML, not this file. -->",
        "",
        spec["description"].strip(),
        "",
        f'**Load it:** `pk.datasets.load("{domain}", scale="small", seed=42)`  ',
        f"**Write it:** `pipelinekit generate data {domain} --scale small --out data/{domain}`",
        "",
        "## How it was generated",
        "",
        spec["generation"].strip(),
        "",
    ]
    for name, table in spec["tables"].items():
        lines += [
            f"## `{name}`",
            "",
            table["description"].strip(),
            "",
            f"- Grain: {table['grain']}",
            f"- Primary key: {', '.join(f'`{c}`' for c in table['primary_key'])}",
        ]
        for column, target in (table.get("foreign_keys") or {}).items():
            lines.append(f"- Foreign key: `{column}` -> `{target}`")
        lines += ["", "| column | type | unit | description | tags |", "|---|---|---|---|---|"]
        for column, info in table["columns"].items():
            tags = ", ".join(info.get("tags", []))
            unit = info.get("unit", "")
            lines.append(
                f"| `{column}` | {info['type']} | {unit} | {info['description']} | {tags} |"
            )
        lines.append("")
    return "\n".join(lines)
