"""`Catalog`: every table you work with, what it holds and what it means, in one place.

Register a table from a DataFrame, a DuckDB database or any SQLAlchemy database and
the catalog reads its metadata from the data (types, row count, null share, distinct
counts, min, max, example values; see :mod:`pipelinekit.catalog.extract`). Add the human
side, descriptions, units, keys, owner and tags such as ``pii``, from a dataset card or
by hand, and the catalog reports where the two disagree. Then search it, and show any
table as a card.

Examples
--------
>>> import pipelinekit as pk
>>> from pipelinekit.catalog import Catalog
>>> shop = pk.datasets.load("ecommerce", scale="tiny", seed=1, dirty=True)
>>> catalog = Catalog()
>>> catalog.register_dataset(shop)
>>> catalog.tables()[["table", "rows", "columns", "discrepancies"]]
         table  rows  columns  discrepancies
0    customers   125        9              1
1     products    30        9              0
2       orders   502        9              0
3  order_items   867        6              0
4      returns    73        6              0
>>> catalog.discrepancies("customers")
  column                       problem documented          found
0   town  in the data but undocumented             str (string)
>>> catalog.search("tag:pii").column.tolist()
['birth_year', 'city', 'email', 'first_name', 'last_name']
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import sqlalchemy as sa

from pipelinekit.catalog.card import CatalogCard
from pipelinekit.catalog.docs import (
    DISCREPANCY_COLUMNS,
    check_docs,
    find_discrepancies,
    merge_docs,
)
from pipelinekit.catalog.extract import TableMetadata, extract_duckdb, extract_frame
from pipelinekit.catalog.extract_database import extract_database
from pipelinekit.catalog.search import SearchableTable, search_tables
from pipelinekit.datasets.cards import CARD_DOMAINS, card
from pipelinekit.datasets.dataset import Dataset
from pipelinekit.errors import InvalidValueError, PipelinekitError, UnknownNameError
from pipelinekit.lineage.graph import LineageGraph

__all__ = ["Catalog"]

Connection = duckdb.DuckDBPyConnection | sa.Engine | str


@dataclasses.dataclass
class _Entry:
    """One registered table: what the data says, what people wrote, what checks found."""

    metadata: TableMetadata
    docs: dict[str, Any] | None = None
    quality: pd.DataFrame | None = None


class Catalog:
    """A data catalog: tables, their metadata and documentation, searchable, as cards.

    Parameters
    ----------
    lineage : LineageGraph, optional
        When given (or attached later with :meth:`attach_lineage`), cards show the
        datasets one step upstream and downstream of each table.

    Examples
    --------
    >>> import pandas as pd
    >>> catalog = Catalog()
    >>> catalog.register("visits", pd.DataFrame({"page": ["/", "/cart", "/"]}),
    ...                  docs={"description": "Page views.", "owner": "web team",
    ...                        "columns": {"page": {"type": "string", "description": "Path."}}})
    >>> catalog.column("visits", "page")[["type", "examples", "description"]].tolist()
    ['str', ('/', '/cart'), 'Path.']
    >>> catalog.card("visits")
    CatalogCard('visits': 3 rows, 1 columns, 0 discrepancies)
    """

    def __init__(self, *, lineage: LineageGraph | None = None) -> None:
        self._entries: dict[str, _Entry] = {}
        self.lineage = lineage

    # ------------------------------------------------------------------ registering
    def register(
        self,
        name: str,
        source: pd.DataFrame | str,
        *,
        connection: Connection | None = None,
        docs: Mapping[str, Any] | None = None,
        schema: str | None = None,
    ) -> None:
        """Read a table's metadata into the catalog (again, if ``name`` is registered).

        Parameters
        ----------
        name : str
            The table's name in the catalog (and in the lineage graph).
        source : DataFrame or str
            A DataFrame, or the name of a table in the database ``connection`` reaches.
        connection : DuckDB connection, SQLAlchemy Engine or str, optional
            Where a table named by ``source`` lives; a string is a SQLAlchemy URL, such
            as ``pk.config.service_url("postgres")``.
        docs : dict, optional
            Documentation shaped like a table of a dataset card (see
            :mod:`pipelinekit.catalog.docs`).
        schema : str, optional
            The database schema of the table; the connection's default when not given.

        Raises
        ------
        InvalidValueError
            For a source that is neither a DataFrame nor a table name with a connection,
            and for documentation of the wrong shape.
        UnknownNameError
            For a table the database does not have (with the nearest names).
        DatabaseUnreachableError
            When the database does not answer.
        """
        if not isinstance(name, str) or not name:
            raise InvalidValueError(
                f"The catalog name {name!r}", "a non-empty string", "e.g. 'orders'"
            )
        if docs is not None:
            check_docs(docs, table=f"table '{name}'")  # fail before reading any data
        metadata = self._extract(name, source, connection=connection, schema=schema)
        self._entries[name] = _Entry(metadata, dict(docs) if docs is not None else None)

    def _extract(
        self,
        name: str,
        source: object,
        *,
        connection: Connection | None,
        schema: str | None,
    ) -> TableMetadata:
        if isinstance(source, pd.DataFrame):
            if connection is not None or schema is not None:
                raise InvalidValueError(
                    f"Table '{name}' is a DataFrame, given with a connection or schema",
                    "a DataFrame alone, or a table name with connection=",
                    f"catalog.register('{name}', frame)",
                )
            return extract_frame(source)
        if not isinstance(source, str):
            raise InvalidValueError(
                f"The source of table '{name}' is of type {type(source).__name__}",
                "a pandas DataFrame, or a table name with connection= a DuckDB connection,"
                " a SQLAlchemy Engine or a database URL",
                "a Series becomes a DataFrame with .to_frame(); a list with pd.DataFrame(...)",
            )
        if isinstance(connection, duckdb.DuckDBPyConnection):
            return extract_duckdb(connection, source, schema=schema)
        if isinstance(connection, sa.Engine | str):
            return extract_database(connection, source, schema=schema)
        found = (
            "no connection"
            if connection is None
            else f"a connection of type {type(connection).__name__}"
        )
        raise InvalidValueError(
            f"Table '{source}' is named with {found}",
            "connection= a DuckDB connection, a SQLAlchemy Engine or a database URL",
            f"e.g. catalog.register('{name}', '{source}', connection=duckdb.connect('shop.db'))",
        )

    def register_dataset(self, dataset: Dataset) -> None:
        """Register every table of a pipelinekit dataset, documented from its card.

        Examples
        --------
        >>> import pipelinekit as pk
        >>> catalog = Catalog()
        >>> catalog.register_dataset(pk.datasets.load("ecommerce", scale="tiny", seed=1))
        >>> catalog.card("orders").owner, catalog.column("orders", "shipping_cost")["unit"]
        ('pipelinekit course team', 'EUR')
        """
        if not isinstance(dataset, Dataset):
            raise InvalidValueError(
                f"The dataset given is of type {type(dataset).__name__}",
                "a pipelinekit Dataset, such as pk.datasets.load('ecommerce')",
                "register a single DataFrame with catalog.register(name, frame)",
            )
        spec = card(dataset.domain) if dataset.domain in CARD_DOMAINS else {"tables": {}}
        for table, frame in dataset.items():
            docs = spec["tables"].get(table)
            if docs is not None:
                docs = {"owner": spec.get("owner", ""), **docs}
            self.register(table, frame, docs=docs)

    def document(self, name: str, docs: Mapping[str, Any]) -> None:
        """Add documentation to a registered table, over what it had.

        Keys given replace the old ones; a column's documentation is merged key by key,
        so adding tags keeps its description.

        Examples
        --------
        >>> import pandas as pd
        >>> catalog = Catalog()
        >>> catalog.register("t", pd.DataFrame({"email": ["a@x.org"]}),
        ...                  docs={"columns": {"email": {"description": "Mail."}}})
        >>> catalog.document("t", {"owner": "crm", "columns": {"email": {"tags": ["pii"]}}})
        >>> catalog.column("t", "email")[["description", "tags"]].tolist()
        ['Mail.', ('pii',)]
        """
        entry = self._entry(name)
        check_docs(docs, table=f"table '{name}'")
        merged = dict(entry.docs or {})
        columns = {k: dict(v or {}) for k, v in (merged.get("columns") or {}).items()}
        for key, value in docs.items():
            if key != "columns":
                merged[key] = value
        for column, info in (docs.get("columns") or {}).items():
            columns.setdefault(column, {}).update(info or {})
        merged["columns"] = columns
        entry.docs = merged

    def attach_lineage(self, graph: LineageGraph) -> None:
        """Show lineage neighbours on the cards, from ``graph``."""
        if not isinstance(graph, LineageGraph):
            raise InvalidValueError(
                f"The lineage graph given is of type {type(graph).__name__}",
                "a pipelinekit LineageGraph",
            )
        self.lineage = graph

    def annotate_lineage(self) -> list[str]:
        """Copy the catalog's documentation onto the attached lineage graph's nodes.

        Each registered table that is a dataset of the graph gets its description, owner
        and tags; each of its columns its data type, description and tags. OpenLineage
        events of the graph then carry them (the schema, documentation, ownership and
        tags facets), so a lineage server shows the same documentation as the card.
        Returns the datasets annotated.

        Examples
        --------
        >>> import pandas as pd
        >>> from pipelinekit.lineage.model import StepRecord
        >>> graph = LineageGraph()
        >>> graph.add(StepRecord.from_mapping("copy", inputs={"orders": ["amount"]},
        ...     outputs={"copy": ["amount"]}, derived={"copy.amount": ["orders.amount"]}))
        >>> catalog = Catalog(lineage=graph)
        >>> catalog.register("orders", pd.DataFrame({"amount": [1.5]}), docs={
        ...     "description": "Orders.", "owner": "sales",
        ...     "columns": {"amount": {"description": "Paid, EUR.", "tags": ["finance"]}}})
        >>> catalog.annotate_lineage()
        ['orders']
        >>> graph.graph.nodes["orders.amount"]["type"], graph.graph.nodes["orders"]["owner"]
        ('float64', 'sales')
        """
        if self.lineage is None:
            raise PipelinekitError(
                "No lineage graph is attached to the catalog",
                "Catalog(lineage=graph) or catalog.attach_lineage(graph) first",
            )
        nodes = self.lineage.graph.nodes
        annotated = []
        for name, entry in self._entries.items():
            if nodes.get(name, {}).get("kind") != "dataset":
                continue
            docs = _checked(entry, name) or {}
            for key in ("description", "owner", "tags"):
                if docs.get(key):
                    nodes[name][key] = list(docs[key]) if key == "tags" else docs[key]
            documented = docs.get("columns") or {}
            for row in entry.metadata.columns.itertuples(index=False):
                node = nodes.get(f"{name}.{row.column}")
                if node is None or node.get("kind") != "column":
                    continue
                node["type"] = str(row.type)
                info = documented.get(row.column) or {}
                if info.get("description"):
                    node["description"] = info["description"]
                if info.get("tags"):
                    node["tags"] = list(info["tags"])
            annotated.append(name)
        return annotated

    def attach_quality(self, name: str, results: pd.DataFrame) -> None:
        """Keep the latest quality results of table ``name``; its card shows them.

        ``results`` is any DataFrame, one row per check (the quality checks of the
        course produce one). Attaching again replaces them.

        Examples
        --------
        >>> import pandas as pd
        >>> catalog = Catalog()
        >>> catalog.register("t", pd.DataFrame({"id": [1, 1]}))
        >>> catalog.attach_quality("t", pd.DataFrame({"check": ["id unique"], "passed": [False]}))
        >>> print(catalog.card("t").to_markdown().split("### Quality")[1].strip())
        | check | passed |
        |---|---|
        | id unique | False |
        """
        entry = self._entry(name)
        if not isinstance(results, pd.DataFrame):
            raise InvalidValueError(
                f"Quality results of '{name}' are of type {type(results).__name__}",
                "a DataFrame, one row per check",
            )
        entry.quality = results.copy()

    # ------------------------------------------------------------------ reading
    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def metadata(self, name: str) -> TableMetadata:
        """What was extracted from the data of table ``name``."""
        return self._entry(name).metadata

    def docs(self, name: str) -> dict[str, Any] | None:
        """What people wrote about table ``name`` (None when nothing was)."""
        docs = self._entry(name).docs
        return None if docs is None else dict(docs)

    def restore(
        self, name: str, metadata: TableMetadata, docs: Mapping[str, Any] | None = None
    ) -> None:
        """Put back a table whose metadata was read before (:func:`pipelinekit.catalog.load`
        uses it), without reading the data again."""
        if docs is not None:
            check_docs(docs, table=f"table '{name}'")
        self._entries[name] = _Entry(metadata, dict(docs) if docs is not None else None)

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Keep the catalog in the metadata database (:func:`pipelinekit.catalog.save`)."""
        from pipelinekit.catalog.store import save

        return save(self, path)

    def tables(self) -> pd.DataFrame:
        """One row per table, in the order they were registered.

        Columns: ``table``, ``source``, ``rows``, ``columns`` (in the data), ``owner``,
        ``description``, ``documented`` and ``discrepancies`` (how many).
        """
        rows = []
        for name, entry in self._entries.items():
            docs = _checked(entry, name)
            rows.append(
                {
                    "table": name,
                    "source": entry.metadata.source,
                    "rows": entry.metadata.rows,
                    "columns": len(entry.metadata.columns),
                    "owner": docs["owner"] if docs else "",
                    "description": docs["description"] if docs else "",
                    "documented": docs is not None,
                    "discrepancies": len(find_discrepancies(entry.metadata, entry.docs)),
                }
            )
        columns = [
            "table", "source", "rows", "columns", "owner", "description", "documented",
            "discrepancies",
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def columns(self, name: str) -> pd.DataFrame:
        """The columns of table ``name``: extracted metadata and documentation side by side.

        The data's columns come first, in order, then those only the documentation
        names (``in_data`` is False for them). See
        :func:`~pipelinekit.catalog.docs.merge_docs` for the fields.
        """
        entry = self._entry(name)
        return merge_docs(entry.metadata, entry.docs)

    def column(self, name: str, column: str) -> pd.Series:
        """One column of table ``name``, as a row of :meth:`columns`."""
        columns = self.columns(name)
        names = columns["column"].tolist()
        if column not in names:
            raise UnknownNameError.for_name(
                f"{name}.{column}", [f"{name}.{c}" for c in names], kind="column"
            )
        return columns.iloc[names.index(column)]

    def discrepancies(self, name: str | None = None) -> pd.DataFrame:
        """Where documentation and data disagree, for one table or (with a ``table``
        column first) for all of them.

        A documented column missing in the data, a column in the data without
        documentation, a type of another family than the card's, a different primary
        key. Undocumented tables have none: there is nothing to disagree with.
        """
        if name is not None:
            entry = self._entry(name)
            return find_discrepancies(entry.metadata, entry.docs)
        found = [
            find_discrepancies(entry.metadata, entry.docs).assign(table=table)
            for table, entry in self._entries.items()
        ]
        both = pd.concat(
            [pd.DataFrame(columns=["table", *DISCREPANCY_COLUMNS]), *found], ignore_index=True
        )
        return both[["table", *DISCREPANCY_COLUMNS]].astype("str")

    def search(self, query: str) -> pd.DataFrame:
        """Tables and columns whose name, description or tags match ``query``.

        Ranked exact name, then name contains, description, tag; ``"tag:pii"`` looks at
        tags only. See :mod:`pipelinekit.catalog.search`.

        Examples
        --------
        >>> import pipelinekit as pk
        >>> catalog = Catalog()
        >>> catalog.register_dataset(pk.datasets.load("ecommerce", scale="tiny", seed=1))
        >>> catalog.search("customer")[["table", "column", "match"]]
               table         column          match
        0  customers                 name contains
        1  customers    customer_id  name contains
        2     orders    customer_id  name contains
        3  customers          email    description
        4     orders  shipping_cost    description
        5    returns                   description
        """
        searchable = {}
        for name, entry in self._entries.items():
            docs = _checked(entry, name)
            searchable[name] = SearchableTable(
                docs["description"] if docs else "",
                tuple(docs["tags"]) if docs else (),
                merge_docs(entry.metadata, entry.docs),
            )
        return search_tables(searchable, query)

    def card(self, name: str, *, show_pii: bool = False) -> CatalogCard:
        """Everything the catalog knows about table ``name``, ready to show.

        Min, max and examples of columns tagged ``pii`` read ``(pii)`` unless
        ``show_pii=True``; :meth:`columns` always has them.
        """
        entry = self._entry(name)
        docs = _checked(entry, name) or check_docs({})
        return CatalogCard(
            name=name,
            source=entry.metadata.source,
            rows=entry.metadata.rows,
            columns=merge_docs(entry.metadata, entry.docs),
            discrepancies=find_discrepancies(entry.metadata, entry.docs),
            description=docs["description"],
            owner=docs["owner"],
            grain=docs["grain"],
            primary_key=tuple(docs["primary_key"] or entry.metadata.primary_key),
            foreign_keys={**entry.metadata.foreign_keys, **docs["foreign_keys"]},
            tags=tuple(docs["tags"]),
            upstream=self._neighbours(name, "upstream"),
            downstream=self._neighbours(name, "downstream"),
            quality=entry.quality,
            show_pii=show_pii,
        )

    def _neighbours(self, name: str, direction: str) -> tuple[tuple[str, str], ...] | None:
        """Datasets one step away in the lineage graph, or None when it cannot say."""
        if self.lineage is None or name not in self.lineage.datasets():
            return None
        walk = self.lineage.upstream if direction == "upstream" else self.lineage.downstream
        found = walk(name, depth=1)
        found = found[found["kind"] == "dataset"]
        return tuple(zip(found["name"], found["steps"], strict=True))

    def _entry(self, name: str) -> _Entry:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise UnknownNameError.for_name(
                name,
                self._entries,
                kind="catalog table",
                hint="register it first with catalog.register(name, source)",
            ) from None

    def __repr__(self) -> str:
        names = ", ".join(self._entries) or "none yet"
        return f"Catalog of {len(self._entries)} tables: {names}"

    def _repr_html_(self) -> str:
        return f"<b>Catalog</b> of {len(self._entries)} tables" + self.tables().to_html(index=False)


def _checked(entry: _Entry, name: str) -> dict[str, Any] | None:
    return check_docs(entry.docs, table=f"table '{name}'") if entry.docs is not None else None
