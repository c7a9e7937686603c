"""`CatalogCard`: one table of the catalog on a page, for Jupyter (HTML) and Markdown.

The card shows the table's documentation (description, owner, grain, keys, tags), its
row count, one line per column (type, description, unit, tags, null %, distinct count,
min, max, example values), what the documentation and the data disagree on (rows
highlighted), the datasets next to it in the lineage graph and the latest quality
results, when the catalog has them.

The output holds no ids and no times: the same catalog always renders the same text,
so a notebook can store it and ``nbval`` can compare it. Every value is HTML-escaped.

Examples
--------
>>> import pandas as pd
>>> from pipelinekit.catalog import Catalog
>>> catalog = Catalog()
>>> catalog.register("t", pd.DataFrame({"id": [1, 2]}), docs={"description": "Two rows."})
>>> print(catalog.card("t").to_markdown())
## `t`
<BLANKLINE>
Two rows.
<BLANKLINE>
- Source: pandas DataFrame
- Rows: 2
<BLANKLINE>
| column | type | description | unit | tags | null % | distinct | min | max | examples |
|---|---|---|---|---|---|---|---|---|---|
| `id` ⚠ | int64 |  |  |  | 0.0 % | 2 | 1 | 2 | 1, 2 |
<BLANKLINE>
### Discrepancies
<BLANKLINE>
| column | problem | documented | found |
|---|---|---|---|
| `id` | in the data but undocumented |  | int64 (integer) |
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import pandas as pd

from pipelinekit.errors import UnknownNameError

__all__ = ["CARD_COLUMNS", "CatalogCard", "format_value"]

#: The headers of the card's column table.
CARD_COLUMNS = [
    "column",
    "type",
    "description",
    "unit",
    "tags",
    "null %",
    "distinct",
    "min",
    "max",
    "examples",
]
#: Quality results show at most this many rows.
QUALITY_ROWS = 20
_HIGHLIGHT = "background-color:#fdecea"
_LONGEST = 40
_HIDDEN = "(pii)"


def format_value(value: Any, *, longest: int = _LONGEST) -> str:
    """A value as a card shows it: short, and the same on every run.

    Missing values are empty, times drop a zero fraction of seconds, floats use
    Python's shortest exact form and long text ends in ``…``.

    Examples
    --------
    >>> import datetime as dt
    >>> format_value(None), format_value(float("nan")), format_value(41.99)
    ('', '', '41.99')
    >>> format_value(dt.datetime(2024, 1, 3, 10, 42, 3)), format_value("x" * 50, longest=8)
    ('2024-01-03 10:42:03', 'xxxxxxx…')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime | dt.date):
        text = str(value)
    elif hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        text = str(value.item())
    else:
        text = " ".join(str(value).split())
    return text if len(text) <= longest else text[: longest - 1] + "…"


@dataclasses.dataclass(frozen=True, repr=False)
class CatalogCard:
    """Everything the catalog knows about one table, ready to show.

    Made by :meth:`Catalog.card <pipelinekit.catalog.Catalog.card>`. In Jupyter it
    renders as HTML; :meth:`to_markdown` gives the same content as Markdown.

    Parameters
    ----------
    name, source : str
        The table's name in the catalog, and where its data was read.
    rows : int
        Its row count.
    columns : DataFrame
        The columns, extracted metadata and documentation side by side (the catalog's
        :meth:`~pipelinekit.catalog.Catalog.columns`).
    discrepancies : DataFrame
        Where documentation and data disagree (``column``, ``problem``, ``documented``,
        ``found``).
    description, owner, grain : str
        From the documentation; empty when it has none.
    primary_key, tags : tuple of str
    foreign_keys : dict of str to str
        Column to ``"table.column"``.
    upstream, downstream : tuple of (str, str), optional
        Datasets one step away in the lineage graph and the step between; None when the
        catalog has no lineage graph or the table is not in it.
    quality : DataFrame, optional
        The latest quality results attached to the table.
    show_pii : bool
        Whether to show min, max and examples of columns tagged ``pii``; by default
        they read ``(pii)``, so a card can be shared without personal data.
    """

    name: str
    source: str
    rows: int
    columns: pd.DataFrame
    discrepancies: pd.DataFrame
    description: str = ""
    owner: str = ""
    grain: str = ""
    primary_key: tuple[str, ...] = ()
    foreign_keys: Mapping[str, str] = dataclasses.field(default_factory=dict)
    tags: tuple[str, ...] = ()
    upstream: tuple[tuple[str, str], ...] | None = None
    downstream: tuple[tuple[str, str], ...] | None = None
    quality: pd.DataFrame | None = None
    show_pii: bool = False

    def column(self, name: str) -> pd.Series:
        """One column's line of the card.

        Examples
        --------
        >>> import pandas as pd
        >>> from pipelinekit.catalog import Catalog
        >>> catalog = Catalog()
        >>> catalog.register("t", pd.DataFrame({"amount": [1.5, None]}))
        >>> catalog.card("t").column("amount")["null_share"]
        np.float64(0.5)
        >>> catalog.card("t").column("amout")
        Traceback (most recent call last):
        ...
        pipelinekit.errors.UnknownNameError: Unknown column 't.amout'; expected one of 't.amount'.
        <BLANKLINE>
        Hint: did you mean 't.amount'?
        """
        names = self.columns["column"].tolist()
        if name not in names:
            raise UnknownNameError.for_name(
                f"{self.name}.{name}", [f"{self.name}.{c}" for c in names], kind="column"
            )
        return self.columns.iloc[names.index(name)]

    # ------------------------------------------------------------------ content
    def _facts(self) -> list[tuple[str, str]]:
        """(label, text) pairs under the title; empty ones are left out."""
        facts = [
            ("Source", self.source),
            ("Owner", self.owner),
            ("Grain", self.grain),
            ("Rows", f"{self.rows:,}"),
            ("Primary key", ", ".join(self.primary_key)),
        ]
        facts += [("Foreign key", f"{c} → {t}") for c, t in self.foreign_keys.items()]
        facts.append(("Tags", ", ".join(self.tags)))
        return [(label, text) for label, text in facts if text]

    def _column_rows(self) -> list[tuple[list[str], bool]]:
        """The cells of each column's line, and whether a discrepancy concerns it."""
        flagged = set(self.discrepancies["column"])
        mismatched = dict(
            zip(
                self.discrepancies.loc[self.discrepancies.problem == "type mismatch", "column"],
                self.discrepancies.loc[self.discrepancies.problem == "type mismatch", "documented"],
                strict=True,
            )
        )
        lines = []
        for row in self.columns.itertuples(index=False):
            type_text = str(row.type) if row.in_data else "missing in the data"
            if row.column in mismatched:
                type_text += f" (card: {mismatched[row.column].split(' ')[0]})"
            null_share = float(row.null_share) if row.in_data else math.nan
            values = [
                format_value(row.min),
                format_value(row.max),
                ", ".join(format_value(v, longest=24) for v in row.examples),
            ]
            if not self.show_pii and "pii" in (tag.lower() for tag in row.tags):
                values = [_HIDDEN if value else "" for value in values]
            cells = [
                str(row.column),
                type_text,
                str(row.description),
                str(row.unit),
                ", ".join(row.tags),
                "" if math.isnan(null_share) else f"{100 * null_share:.1f} %",
                format_value(row.distinct),
                *values,
            ]
            lines.append((cells, row.column in flagged))
        return lines

    def _lineage(self) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        if self.upstream is None or self.downstream is None:
            return []
        return [("Upstream", self.upstream), ("Downstream", self.downstream)]

    def _quality_rows(self) -> tuple[list[str], list[list[str]], int]:
        assert self.quality is not None
        header = [str(c) for c in self.quality.columns]
        shown = self.quality.head(QUALITY_ROWS)
        rows = [[format_value(v) for v in values] for values in shown.itertuples(index=False)]
        return header, rows, len(self.quality) - len(shown)

    # ------------------------------------------------------------------ Markdown
    def to_markdown(self) -> str:
        """The card as Markdown (GitHub tables); a ⚠ marks columns with a discrepancy."""
        lines = [f"## `{self.name}`", ""]
        if self.description:
            lines += [self.description, ""]
        lines += [f"- {label}: {_md(text)}" for label, text in self._facts()]
        lines.append("")
        body = [
            [f"`{cells[0]}`" + (" ⚠" if flagged else ""), *cells[1:]]
            for cells, flagged in self._column_rows()
        ]
        lines += _markdown_table(CARD_COLUMNS, body)
        if len(self.discrepancies):
            lines += ["", "### Discrepancies", ""]
            rows = [
                [f"`{c}`" if c else "", p, d, f]
                for c, p, d, f in self.discrepancies.itertuples(index=False)
            ]
            lines += _markdown_table(list(self.discrepancies.columns), rows)
        if self._lineage():
            lines += ["", "### Lineage", ""]
            for label, neighbours in self._lineage():
                lines.append(f"- {label}: {_neighbours(neighbours, code='`')}")
        if self.quality is not None:
            header, rows, more = self._quality_rows()
            lines += ["", "### Quality", "", *_markdown_table(header, rows)]
            if more:
                lines += ["", f"... and {more} more"]
        return "\n".join(lines)

    # ------------------------------------------------------------------ HTML
    def _repr_html_(self) -> str:
        parts = [f"<div class='pk-catalog-card'><h3><code>{escape(self.name)}</code></h3>"]
        if self.description:
            parts.append(f"<p>{escape(self.description)}</p>")
        facts = "".join(
            f"<tr><th style='text-align:left'>{escape(label)}</th><td style='text-align:left'>"
            f"{escape(text)}</td></tr>"
            for label, text in self._facts()
        )
        parts.append(f"<table>{facts}</table>")
        parts.append(_html_table(CARD_COLUMNS, self._column_rows()))
        if len(self.discrepancies):
            problems = [([str(v) for v in values], True) for values in self.discrepancies.values]
            parts.append(f"<h4>Discrepancies ({len(self.discrepancies)})</h4>")
            parts.append(_html_table(list(self.discrepancies.columns), problems))
        if self._lineage():
            parts.append("<h4>Lineage</h4>")
            for label, neighbours in self._lineage():
                parts.append(f"<p><b>{label}:</b> {escape(_neighbours(neighbours))}</p>")
        if self.quality is not None:
            header, rows, more = self._quality_rows()
            parts.append("<h4>Quality</h4>")
            parts.append(_html_table(header, [(row, False) for row in rows]))
            if more:
                parts.append(f"<p>... and {more} more</p>")
        parts.append("</div>")
        return "".join(parts)

    def __repr__(self) -> str:
        problems = len(self.discrepancies)
        return (
            f"CatalogCard('{self.name}': {self.rows:,} rows, {int(self.columns.in_data.sum())}"
            f" columns, {problems} discrepanc{'y' if problems == 1 else 'ies'})"
        )


def _neighbours(neighbours: Sequence[tuple[str, str]], *, code: str = "") -> str:
    if not neighbours:
        return "none"
    return ", ".join(f"{code}{name}{code} (step {code}{step}{code})" for name, step in neighbours)


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or list item."""
    return " ".join(text.split()).replace("|", "\\|")


def _markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
    return lines


def _html_table(header: Sequence[str], rows: Sequence[tuple[Sequence[str], bool]]) -> str:
    head = "".join(f"<th style='text-align:left'>{escape(h)}</th>" for h in header)
    body = "".join(
        (f"<tr style='{_HIGHLIGHT}'>" if flagged else "<tr>")
        + "".join(f"<td style='text-align:left'>{escape(cell)}</td>" for cell in cells)
        + "</tr>"
        for cells, flagged in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
