"""Transforms with exact SQL semantics, each with its DuckDB SQL twin.

Every transform takes a DataFrame first and keyword arguments after, gives what the SQL
standard (as DuckDB and PostgreSQL implement it) gives, shows its SQL with ``.sql(...)``
and runs that SQL itself with ``engine="duckdb"``.

>>> import pandas as pd, pipelinekit as pk
>>> pk.sql("SELECT 40 + 2 AS answer")
   answer
0      42
"""

from pipelinekit.lineage.capture import records_lineage
from pipelinekit.transforms.binning import binned
from pipelinekit.transforms.dates import cyclical_features, date_parts
from pipelinekit.transforms.encoding import frequency_encoding, one_hot
from pipelinekit.transforms.interactions import polynomial_features
from pipelinekit.transforms.order import Order
from pipelinekit.transforms.percentile import percentile_cont, percentile_disc
from pipelinekit.transforms.reshape import pivot, unpivot
from pipelinekit.transforms.sql import sql
from pipelinekit.transforms.text import extract_pattern, text_stats, tfidf_top_terms
from pipelinekit.transforms.timeseries import (
    decompose,
    diff,
    fill_gaps,
    pct_change,
    period_over_period,
    resample,
    rolling_time,
)
from pipelinekit.transforms.window import (
    WindowFrame,
    cume_dist,
    dense_rank,
    first_value,
    lag,
    last_value,
    lead,
    nth_value,
    ntile,
    percent_rank,
    rank,
    row_number,
    window,
)

# Inside a tracked block (pk.lineage.track, @pk.lineage.tracked) each transform records its
# column lineage, read from its SQL twin; outside one the wrapper only calls through.
binned = records_lineage(binned)
cume_dist = records_lineage(cume_dist)
cyclical_features = records_lineage(cyclical_features)
date_parts = records_lineage(date_parts)
decompose = records_lineage(decompose)
dense_rank = records_lineage(dense_rank)
diff = records_lineage(diff)
extract_pattern = records_lineage(extract_pattern)
fill_gaps = records_lineage(fill_gaps)
first_value = records_lineage(first_value)
frequency_encoding = records_lineage(frequency_encoding)
lag = records_lineage(lag)
last_value = records_lineage(last_value)
lead = records_lineage(lead)
nth_value = records_lineage(nth_value)
ntile = records_lineage(ntile)
one_hot = records_lineage(one_hot)
pct_change = records_lineage(pct_change)
percent_rank = records_lineage(percent_rank)
percentile_cont = records_lineage(percentile_cont)
percentile_disc = records_lineage(percentile_disc)
period_over_period = records_lineage(period_over_period)
pivot = records_lineage(pivot)
polynomial_features = records_lineage(polynomial_features)
rank = records_lineage(rank)
resample = records_lineage(resample)
rolling_time = records_lineage(rolling_time)
row_number = records_lineage(row_number)
text_stats = records_lineage(text_stats)
tfidf_top_terms = records_lineage(tfidf_top_terms)
unpivot = records_lineage(unpivot)
window = records_lineage(window)

__all__ = [
    "Order",
    "WindowFrame",
    "binned",
    "cume_dist",
    "cyclical_features",
    "date_parts",
    "decompose",
    "dense_rank",
    "diff",
    "extract_pattern",
    "fill_gaps",
    "first_value",
    "frequency_encoding",
    "lag",
    "last_value",
    "lead",
    "nth_value",
    "ntile",
    "one_hot",
    "pct_change",
    "percent_rank",
    "percentile_cont",
    "percentile_disc",
    "period_over_period",
    "pivot",
    "polynomial_features",
    "rank",
    "resample",
    "rolling_time",
    "row_number",
    "sql",
    "text_stats",
    "tfidf_top_terms",
    "unpivot",
    "window",
]
