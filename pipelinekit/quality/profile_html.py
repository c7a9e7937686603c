"""How a profile shows itself in Jupyter: a compact table, one row per column.

The HTML is deterministic — no ids, no timestamps, no timings — so a notebook that shows
a profile stores the same output run after run (nbval can check it). Each column's row
has its type, semantic type, share of nulls with a small inline bar, distinct values,
min, max, mean, most frequent values and the dominant pattern class.

Examples
--------
>>> format_value(1234567), format_value(0.000123), format_value(12.3456), format_value(None)
('1,234,567', '0.000123', '12.35', '')
>>> bar(0.25)
'<span style="display:inline-block;width:48px;height:8px;background:#e9ecef;...'
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipelinekit.quality.patterns import dominant_pattern

__all__ = ["bar", "format_value", "render_profile"]

_TEXT_WIDTH = 24
_TOP_SHOWN = 3
_TABLE_STYLE = "border-collapse:collapse;font-size:12px"
_CELL_STYLE = "padding:2px 8px;border-bottom:1px solid #dee2e6;text-align:left"


def format_value(value: Any) -> str:
    """A value as a short text for a table cell.

    Whole numbers get thousands separators, other numbers two decimals or three
    significant digits, timestamps drop a midnight time, long text is cut with ``…``.

    Examples
    --------
    >>> format_value(3.0), format_value(2.5e-9), format_value(True), format_value("x" * 30)
    ('3', '2.5e-09', 'True', 'xxxxxxxxxxxxxxxxxxxxxxx…')
    >>> import datetime as dt
    >>> format_value(dt.datetime(2024, 5, 1)), format_value(dt.datetime(2024, 5, 1, 9, 30))
    ('2024-05-01', '2024-05-01 09:30:00')
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:,.0f}"
        if 0.01 <= abs(value) < 1e6:
            return f"{value:,.2f}"
        return f"{value:.3g}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy and Decimal-like scalars
        try:
            return format_value(value.item())
        except (TypeError, ValueError):
            pass
    text = str(value)
    return text if len(text) <= _TEXT_WIDTH else text[: _TEXT_WIDTH - 1] + "…"


def bar(share: float) -> str:
    """A small inline bar, filled to ``share`` (0 to 1), for the share of nulls.

    Examples
    --------
    >>> bar(float("nan"))
    ''
    """
    if share is None or math.isnan(share):
        return ""
    width = round(48 * min(max(share, 0.0), 1.0))
    return (
        '<span style="display:inline-block;width:48px;height:8px;background:#e9ecef;'
        'vertical-align:middle;margin-right:4px">'
        f'<span style="display:block;width:{width}px;height:8px;background:#d9534f"></span>'
        "</span>"
    )


def _share(share: float) -> str:
    if share is None or math.isnan(share):
        return ""
    if 0 < share < 0.001:
        return "<0.1%"
    return f"{share:.1%}"


def _top(values: Any) -> str:
    shown = [f"{format_value(v)} ({n:,})" for v, n in list(values)[:_TOP_SHOWN]]
    more = " …" if len(values) > _TOP_SHOWN else ""
    return ", ".join(shown) + more


def _pattern(patterns: Mapping[str, float]) -> str:
    found = dominant_pattern(patterns)
    return f"{found[0]} {_share(found[1])}" if found else ""


def _keys(keys: Any) -> str:
    return ", ".join("(" + ", ".join(key) + ")" for key in keys) or "none"


def render_profile(table: Mapping[str, Any], columns: pd.DataFrame) -> str:
    """The HTML of a profile: a summary line, then one row per column.

    Examples
    --------
    >>> import pandas as pd
    >>> from pipelinekit.quality.profile import profile
    >>> page = render_profile(*[getattr(profile(pd.DataFrame({"x": [1, None]})), a)
    ...                         for a in ("table", "columns")])
    >>> page.count("<tr>"), "50.0%" in page
    (2, True)
    """
    title = table.get("name") or table.get("source")
    approx = " · approximate distinct counts and quantiles" if table.get("approx") else ""
    sampled = (
        f" · patterns from a sample of {table['sample_rows']:,} rows"
        if table.get("sample_rows")
        else ""
    )
    summary = (
        f"<b>{html.escape(str(title))}</b> ({html.escape(str(table.get('source')))}):"
        f" {table['rows']:,} rows × {table['columns']} columns ·"
        f" {table['duplicate_rows']:,} duplicate rows ·"
        f" candidate keys: {html.escape(_keys(table['candidate_keys']))}{approx}{sampled}"
    )
    header = [
        "column",
        "type",
        "semantic type",
        "nulls",
        "distinct",
        "min",
        "max",
        "mean",
        "top values",
        "pattern",
    ]
    head = "".join(f'<th style="{_CELL_STYLE}">{h}</th>' for h in header)
    rows = []
    for row in columns.itertuples(index=False):
        distinct = "" if pd.isna(row.distinct) else f"{int(row.distinct):,}"
        if distinct and not row.distinct_exact:
            distinct = "≈" + distinct
        cells = [
            f"<b>{html.escape(str(row.column))}</b>",
            html.escape(f"{row.type} ({row.family})"),
            html.escape(row.semantic_type),
            bar(row.null_share) + _share(row.null_share),
            distinct,
            html.escape(format_value(row.min)),
            html.escape(format_value(row.max)),
            format_value(row.mean),
            html.escape(_top(row.top_values)),
            html.escape(_pattern(row.patterns)),
        ]
        rows.append(
            "<tr>" + "".join(f'<td style="{_CELL_STYLE}">{c}</td>' for c in cells) + "</tr>"
        )
    return (
        f'<div class="pk-profile"><p style="margin:4px 0">{summary}</p>'
        f'<table style="{_TABLE_STYLE}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
