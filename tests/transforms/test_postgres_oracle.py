"""PostgreSQL as a second oracle: the SQL twins run unchanged on the local server.

PostgreSQL puts NULLs *first* in a descending sort by default, DuckDB last; pipelinekit
writes the NULL order into every ORDER BY, so the same text must give the same answer on
both — and the same as the pandas path.
"""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from pipelinekit import transforms as T

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 120
    amount = rng.integers(0, 8, n).astype("float64")
    amount[rng.random(n) < 0.15] = np.nan
    return pd.DataFrame(
        {
            "account": rng.choice(["a", "b", "c"], n),
            "day": (pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 12, n), unit="D")),
            "amount": amount,
            "id": np.arange(n),
        }
    )


@pytest.fixture(scope="module")
def postgres(postgres_url, events):
    """The events in a table of their own on the local PostgreSQL server."""
    engine = sa.create_engine(postgres_url)
    table = f"pk_events_{uuid.uuid4().hex[:8]}"
    events.to_sql(table, engine, index=False)
    yield engine, table
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE {table}"))
    engine.dispose()


def on_postgres(postgres, query: str) -> pd.DataFrame:
    engine, table = postgres
    text = query.replace("FROM input", f"FROM {table}") + " ORDER BY id"
    with engine.connect() as connection:
        return pd.read_sql(sa.text(text), connection)


CASES = [
    ("rank", {"order_by": "amount DESC NULLS FIRST"}),
    ("rank", {"order_by": "amount DESC NULLS LAST"}),
    ("dense_rank", {"order_by": "amount ASC NULLS FIRST"}),
    ("percent_rank", {"order_by": "-amount"}),
    ("cume_dist", {"order_by": "amount"}),
    ("row_number", {"order_by": ["amount DESC NULLS FIRST", "id"]}),
]


@pytest.mark.parametrize(
    ("function", "kwargs"), CASES, ids=[f"{f}-{k['order_by']}" for f, k in CASES]
)
def test_ranking_twin_gives_the_same_on_postgres(postgres, events, function, kwargs):
    run = getattr(T, function)
    ours = run(events, partition_by="account", name="value", **kwargs).sort_values("id")
    theirs = on_postgres(postgres, run.sql(partition_by="account", name="value", **kwargs))
    np.testing.assert_allclose(ours["value"].to_numpy(float), theirs["value"].to_numpy(float))


@pytest.mark.parametrize(
    "window_frame",
    [None, "rows between 2 preceding and current row",
     "range between interval '3 days' preceding and current row"],
)  # fmt: skip
def test_moving_sum_twin_gives_the_same_on_postgres(postgres, events, window_frame):
    kwargs = {"partition_by": "account", "order_by": ["day", "id"], "name": "value",
              "window_frame": window_frame}  # fmt: skip
    if window_frame and window_frame.startswith("range"):
        kwargs["order_by"] = "day"  # a RANGE offset needs exactly one ORDER BY key
    ours = T.window(events, "sum", "amount", **kwargs).sort_values("id")
    theirs = on_postgres(postgres, T.window.sql("sum", "amount", **kwargs))
    np.testing.assert_allclose(
        ours["value"].to_numpy(float), theirs["value"].to_numpy(float), equal_nan=True
    )
