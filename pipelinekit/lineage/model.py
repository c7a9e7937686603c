"""What a lineage record is: plain data, apart from the code that captures or draws it.

A pipeline step reads datasets and writes datasets. Its :class:`StepRecord` says which
columns it read and wrote and, for each output column, which input columns it came from
and how — an :class:`Edge` per (input column, output column) pair. The ``how`` uses
OpenLineage's vocabulary, so an export needs no translation:

========  ==============  ====================================================
type      subtype         meaning
========  ==============  ====================================================
DIRECT    IDENTITY        the value is copied unchanged (``SELECT amount``)
DIRECT    TRANSFORMATION  computed from it row by row (``amount * 0.9``)
DIRECT    AGGREGATION     summarised over rows (``sum(amount)``)
INDIRECT  FILTER          decides which rows survive (``WHERE amount > 0``)
INDIRECT  JOIN            decides which rows meet (``ON o.customer_id = ...``)
INDIRECT  GROUP_BY        decides which rows are summarised together
INDIRECT  WINDOW          a window's ``PARTITION BY`` / ``ORDER BY``
INDIRECT  SORT            decides the order of rows (``ORDER BY``)
INDIRECT  CONDITIONAL     decides which branch computes it (``CASE WHEN``)
========  ==============  ====================================================

Columns are named ``"dataset.column"`` (:func:`column_id`); the dataset name is
everything before the last dot, so ``"warehouse.orders.amount"`` is column ``amount``
of dataset ``warehouse.orders``.

Examples
--------
>>> edge = Edge(Column("orders", "amount"), Column("daily_sales", "revenue"), "AGGREGATION")
>>> edge
Edge('orders.amount' -> 'daily_sales.revenue', DIRECT/AGGREGATION)
>>> step = StepRecord(
...     "daily_sales",
...     inputs={"orders": ["order_date", "amount"]},
...     outputs={"daily_sales": ["order_date", "revenue"]},
...     edges=[edge, Edge(Column("orders", "order_date"), Column("daily_sales", "order_date"))],
... )
>>> step.sources_of("daily_sales.revenue")
[Column('orders.amount')]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Literal, get_args

from pipelinekit.errors import InvalidValueError, UnknownNameError, format_list

__all__ = [
    "DIRECT_SUBTYPES",
    "INDIRECT_SUBTYPES",
    "Column",
    "Edge",
    "StepKind",
    "StepRecord",
    "Subtype",
    "column_id",
    "parse_column",
]

Subtype = Literal[
    "IDENTITY",
    "TRANSFORMATION",
    "AGGREGATION",
    "FILTER",
    "JOIN",
    "GROUP_BY",
    "WINDOW",
    "SORT",
    "CONDITIONAL",
]
DIRECT_SUBTYPES = ("IDENTITY", "TRANSFORMATION", "AGGREGATION")
INDIRECT_SUBTYPES = ("FILTER", "JOIN", "GROUP_BY", "WINDOW", "SORT", "CONDITIONAL")

#: How a step was written: a pipelinekit transform, DuckDB SQL, plain pandas, or any
#: Python function whose column lineage is unknown.
StepKind = Literal["transform", "sql", "pandas", "python"]


def column_id(dataset: str, column: str) -> str:
    """The graph name of a column: ``"dataset.column"``.

    Examples
    --------
    >>> column_id("orders", "amount")
    'orders.amount'
    """
    return f"{dataset}.{column}"


def parse_column(name: str) -> Column:
    """Split ``"dataset.column"`` at its last dot.

    Examples
    --------
    >>> parse_column("warehouse.orders.amount")
    Column('warehouse.orders.amount')
    >>> parse_column("warehouse.orders.amount").dataset
    'warehouse.orders'
    >>> parse_column("amount")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: Column name 'amount' has no dataset; ...
    """
    dataset, dot, column = name.rpartition(".")
    if not dot or not dataset or not column:
        raise InvalidValueError(
            f"Column name '{name}' has no dataset",
            "'dataset.column', such as 'orders.amount'",
            "write the dataset before the column, with a dot between",
        )
    return Column(dataset, column)


@dataclasses.dataclass(frozen=True, order=True)
class Column:
    """One column of one dataset."""

    dataset: str
    name: str

    @property
    def id(self) -> str:
        """``"dataset.column"``, the column's name in the graph."""
        return column_id(self.dataset, self.name)

    def __repr__(self) -> str:
        return f"Column('{self.id}')"


@dataclasses.dataclass(frozen=True)
class Edge:
    """Output column ``target`` depends on input column ``source``, in the way ``subtype`` says.

    ``type`` (DIRECT or INDIRECT) follows from ``subtype``; ``description`` is the
    expression or the operation, for people ("sum(amount)", "merge on customer_id").
    """

    source: Column
    target: Column
    subtype: Subtype = "IDENTITY"
    description: str = ""

    def __post_init__(self) -> None:
        if self.subtype not in get_args(Subtype):
            raise UnknownNameError.for_name(self.subtype, get_args(Subtype), kind="lineage subtype")

    @property
    def type(self) -> Literal["DIRECT", "INDIRECT"]:
        """DIRECT when the value flows into the output, INDIRECT when it only shapes rows."""
        return "DIRECT" if self.subtype in DIRECT_SUBTYPES else "INDIRECT"

    def __repr__(self) -> str:
        return f"Edge('{self.source.id}' -> '{self.target.id}', {self.type}/{self.subtype})"


@dataclasses.dataclass
class StepRecord:
    """What one step read, wrote, and how each written column came to be.

    Parameters
    ----------
    name : str
        The step (an OpenLineage job): a transform's, a function's or a query's name.
    inputs, outputs : mapping of dataset name to its column names
        Every dataset read and written, with the columns it has (all of them, used or
        not: the columns are the dataset's schema).
    edges : list of Edge
        Column lineage. An output column with no DIRECT edge is a constant or was
        computed from nothing the step read (``now()``), unless it is in ``unknown``.
    unknown : list of str
        Output columns (``"dataset.column"``) whose origin could not be told — say,
        produced by a numpy array or a library the capture cannot see into. Their
        dataset still depends on every input (dataset-level lineage is never lost).
    kind : {"transform", "sql", "pandas", "python"}
        How the step was written.
    sql : str, optional
        The query text, for SQL steps and for transforms (their SQL twin).
    description : str
        One line for people.
    """

    name: str
    inputs: dict[str, list[str]]
    outputs: dict[str, list[str]]
    edges: list[Edge] = dataclasses.field(default_factory=list)
    unknown: list[str] = dataclasses.field(default_factory=list)
    kind: StepKind = "python"
    sql: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        self.inputs = {str(k): [str(c) for c in v] for k, v in self.inputs.items()}
        self.outputs = {str(k): [str(c) for c in v] for k, v in self.outputs.items()}
        self._check_edges()

    def _check_edges(self) -> None:
        """Every edge joins a declared input column to a declared output column."""
        known_in = {column_id(d, c) for d, cols in self.inputs.items() for c in cols}
        known_out = {column_id(d, c) for d, cols in self.outputs.items() for c in cols}
        for edge in self.edges:
            if edge.source.id not in known_in:
                raise UnknownNameError.for_name(
                    edge.source.id, sorted(known_in), kind=f"input column of step '{self.name}'"
                )
            if edge.target.id not in known_out:
                raise UnknownNameError.for_name(
                    edge.target.id, sorted(known_out), kind=f"output column of step '{self.name}'"
                )
        strange = sorted(set(self.unknown) - known_out)
        if strange:
            raise InvalidValueError(
                f"Step '{self.name}' lists {format_list(strange)} as unknown",
                "output columns of the step",
                "name unknown columns as 'dataset.column' of an output",
            )

    def sources_of(self, column: str, *, indirect: bool = False) -> list[Column]:
        """The input columns ``column`` (``"dataset.column"``) comes from, sorted."""
        found = {
            edge.source
            for edge in self.edges
            if edge.target.id == column and (indirect or edge.type == "DIRECT")
        }
        return sorted(found)

    @classmethod
    def from_mapping(
        cls,
        name: str,
        *,
        inputs: Mapping[str, Iterable[str]],
        outputs: Mapping[str, Iterable[str]],
        derived: Mapping[str, Iterable[str]],
        subtype: Subtype = "TRANSFORMATION",
        kind: StepKind = "python",
    ) -> StepRecord:
        """A record from ``{"out.column": ["in.column", ...]}``, every edge of one subtype.

        The quickest way to declare lineage by hand for a step pipelinekit cannot see
        into.

        Examples
        --------
        >>> step = StepRecord.from_mapping(
        ...     "score",
        ...     inputs={"orders": ["amount", "quantity"]},
        ...     outputs={"scored": ["score"]},
        ...     derived={"scored.score": ["orders.amount", "orders.quantity"]},
        ... )
        >>> [edge.source.name for edge in step.edges]
        ['amount', 'quantity']
        """
        edges = [
            Edge(parse_column(source), parse_column(target), subtype)
            for target, sources in derived.items()
            for source in sources
        ]
        return cls(
            name,
            inputs={k: list(v) for k, v in inputs.items()},
            outputs={k: list(v) for k, v in outputs.items()},
            edges=edges,
            kind=kind,
        )
