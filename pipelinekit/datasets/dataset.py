"""`Dataset`: the tables of one generated domain, by name or as attributes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pandas as pd

from pipelinekit.errors import UnknownNameError

__all__ = ["Dataset"]


class Dataset(Mapping[str, pd.DataFrame]):
    """The related tables of one domain, e.g. ``orders`` and ``customers``.

    A read-only mapping of table name to DataFrame that also allows attribute access
    (``data.orders``), so lessons read naturally.

    Parameters
    ----------
    domain : str
        Which domain the tables belong to ("ecommerce", "finance", "iot").
    tables : dict of str to DataFrame
        The tables, in the order they should be listed.
    scale : str or int
        The named scale or row count the tables were generated at.
    seed : int
        The seed that makes them reproducible.
    injected : DataFrame, optional
        The log of quality problems injected by ``dirty=True``, one row per change.

    Examples
    --------
    >>> import pandas as pd
    >>> data = Dataset("demo", {"t": pd.DataFrame({"x": [1, 2]})}, scale=2, seed=0)
    >>> data.t.x.sum(), list(data)
    (np.int64(3), ['t'])
    """

    def __init__(
        self,
        domain: str,
        tables: dict[str, pd.DataFrame],
        *,
        scale: str | int,
        seed: int,
        injected: pd.DataFrame | None = None,
    ):
        self.domain = domain
        self.scale = scale
        self.seed = seed
        self._tables = dict(tables)
        self.injected = injected if injected is not None else _empty_log()

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self._tables[name]
        except KeyError:
            raise UnknownNameError.for_name(
                name, self._tables, kind=f"{self.domain} table"
            ) from None

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except UnknownNameError as error:
            raise AttributeError(str(error)) from None

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._tables))

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    @property
    def dirty(self) -> bool:
        """Whether quality problems were injected (see :attr:`injected`)."""
        return len(self.injected) > 0

    def summary(self) -> pd.DataFrame:
        """One row per table: rows, columns and memory in MB.

        Examples
        --------
        >>> import pandas as pd
        >>> Dataset("demo", {"t": pd.DataFrame({"x": [1, 2]})}, scale=2, seed=0).summary()
              rows  columns  memory_mb
        table
        t        2        1        0.0
        """
        rows = [
            {
                "table": name,
                "rows": len(frame),
                "columns": frame.shape[1],
                "memory_mb": round(frame.memory_usage(deep=True).sum() / 1e6, 1),
            }
            for name, frame in self._tables.items()
        ]
        return pd.DataFrame(rows).set_index("table")

    def __repr__(self) -> str:
        label = "dirty " if self.dirty else ""
        header = f"{label}{self.domain} dataset (scale={self.scale!r}, seed={self.seed})"
        return f"{header}\n{self.summary().to_string()}"

    def _repr_html_(self) -> str:
        label = "dirty " if self.dirty else ""
        header = f"<b>{label}{self.domain}</b> dataset (scale={self.scale!r}, seed={self.seed})"
        return header + self.summary().to_html()


def _empty_log() -> pd.DataFrame:
    from pipelinekit.datasets.dirty import LOG_COLUMNS

    return pd.DataFrame({column: pd.Series(dtype="object") for column in LOG_COLUMNS})
