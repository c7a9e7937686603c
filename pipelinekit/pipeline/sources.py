"""Read a pipeline's sources: generated datasets, Parquet/CSV files, SQL databases, S3 objects.

:func:`source_columns` says which tables a source has and their columns, cheaply
(a dataset's card, files' headers, the database's catalog), for validation;
:func:`read_source` reads the tables themselves as DataFrames.

A generated dataset is kept in ``data_dir/<domain>/`` when a ``data_dir`` is given:
generated once (all or nothing, :func:`pipelinekit.datasets.write`), then read back as
long as its manifest says the same scale, seed and dirtiness.

Examples
--------
>>> from pipelinekit.pipeline.spec import DatasetSource
>>> raw = DatasetSource("raw", "ecommerce", line=3, scale="tiny", tables=("orders",))
>>> source_columns(raw)["orders"][:3]
['order_id', 'customer_id', 'ordered_at']
>>> len(read_source(raw)["orders"])
500
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pipelinekit.config import redact
from pipelinekit.errors import PipelinekitError, UnknownNameError, format_list
from pipelinekit.pipeline.spec import DatabaseSource, DatasetSource, FilesSource, S3Source, Source

if TYPE_CHECKING:
    from pipelinekit.pipeline.workspace import Workspace

__all__ = [
    "SourceError",
    "dataset_files",
    "read_source",
    "source_columns",
    "source_files",
    "source_fingerprint",
    "store_source",
]

_SUFFIXES = (".parquet", ".csv")


class SourceError(PipelinekitError):
    """A source that cannot be read: a missing folder, an unreachable database, ..."""


def _overridden(source: DatasetSource, scale: str | int | None, seed: int | None) -> DatasetSource:
    import dataclasses

    return dataclasses.replace(
        source,
        scale=source.scale if scale is None else scale,
        seed=source.seed if seed is None else seed,
    )


# ---------------------------------------------------------------------- columns
def source_columns(source: Source) -> dict[str, list[str] | None]:
    """The tables of ``source`` and their columns (None: not known before reading).

    Raises
    ------
    SourceError
        The folder or a file is missing, the database cannot be reached, a table is
        not in the database or the dataset.
    """
    if isinstance(source, DatasetSource):
        from pipelinekit.datasets.cards import card

        tables = card(source.dataset)["tables"]
        names = _picked(source, list(tables))
        return {name: list(tables[name]["columns"]) for name in names}
    if isinstance(source, FilesSource):
        return {name: _file_columns(path) for name, path in source_files(source).items()}
    if isinstance(source, DatabaseSource):
        return _database_columns(source)
    return dict.fromkeys(source.tables)


def _picked(source: DatasetSource, available: list[str]) -> list[str]:
    if source.tables is None:
        return available
    for name in source.tables:
        if name not in available:
            raise UnknownNameError.for_name(name, available, kind=f"table of '{source.dataset}'")
    return list(source.tables)


def source_files(source: FilesSource) -> dict[str, Path]:
    """Table name -> file of a files source (a folder's ``*.parquet`` and ``*.csv``)."""
    if source.tables:
        for name, path in source.tables.items():
            if not path.is_file():
                raise SourceError(
                    f"No file at '{path}' for table '{name}' of source '{source.name}'",
                    "a .parquet or .csv file",
                    "paths are relative to the pipeline file",
                )
        return dict(source.tables)
    folder = source.path
    if folder is None or not folder.is_dir():
        raise SourceError(
            f"No folder at '{folder}' for source '{source.name}'",
            "a folder of .parquet or .csv files, one table per file",
            "paths are relative to the pipeline file;"
            " `pipelinekit generate data ecommerce --out FOLDER` makes one",
        )
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in _SUFFIXES and not path.name.startswith(("_", ".")):
            if path.stem in files:
                raise SourceError(
                    f"Table '{path.stem}' of source '{source.name}' is in two files"
                    f" ('{files[path.stem].name}' and '{path.name}')",
                    "one file per table",
                    "remove one of them",
                )
            files[path.stem] = path
    if not files:
        raise SourceError(
            f"Folder '{folder}' of source '{source.name}' holds no .parquet or .csv file",
            "one file per table",
        )
    return files


def _file_columns(path: Path) -> list[str]:
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        return [str(c) for c in pd.read_csv(path, nrows=0).columns]
    except (OSError, ValueError) as error:
        raise SourceError(
            f"Cannot read the columns of '{path}' ({error})", "a readable Parquet or CSV file"
        ) from error


def _engine(source: DatabaseSource):  # noqa: ANN202 - sqlalchemy Engine
    import sqlalchemy as sa

    try:
        return sa.create_engine(source.url)
    except Exception as error:  # bad URL, missing driver
        raise SourceError(
            f"Cannot use the database URL '{redact(source.url)}' of source '{source.name}'"
            f" ({type(error).__name__}: {error})",
            "a SQLAlchemy URL such as postgresql+psycopg://user@host:5432/db",
            "install the driver the URL names (pip install 'pipelinekit[postgres]')",
        ) from error


def _database_columns(source: DatabaseSource) -> dict[str, list[str] | None]:
    import sqlalchemy as sa

    engine = _engine(source)
    try:
        inspector = sa.inspect(engine)
        available = inspector.get_table_names(schema=source.schema)
        available += inspector.get_view_names(schema=source.schema)
        out: dict[str, list[str] | None] = {}
        for name in source.tables:
            if name not in available:
                raise UnknownNameError.for_name(
                    name, sorted(available), kind=f"table in database '{redact(source.url)}'"
                )
            out[name] = [c["name"] for c in inspector.get_columns(name, schema=source.schema)]
        return out
    except sa.exc.SQLAlchemyError as error:
        raise _unreachable(source, error) from error
    finally:
        engine.dispose()


def _unreachable(source: DatabaseSource, error: Exception) -> SourceError:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return SourceError(
        f"Cannot read database '{redact(source.url)}' of source '{source.name}' ({first})",
        "a database that answers",
        "start the server, or fix the url of the source",
    )


# ---------------------------------------------------------------------- reading
def read_source(
    source: Source,
    *,
    scale: str | int | None = None,
    seed: int | None = None,
    data_dir: str | Path | None = None,
) -> dict[str, pd.DataFrame]:
    """The tables of ``source``, by name.

    Parameters
    ----------
    source : Source
        One source of a pipeline.
    scale, seed : optional
        Override the scale and seed of a generated dataset (the CLI's ``--scale``,
        ``--seed``).
    data_dir : path, optional
        Keep generated datasets in ``data_dir/<domain>/`` and reuse them.

    Raises
    ------
    SourceError
        The source cannot be read.
    """
    if isinstance(source, DatasetSource):
        return _dataset(_overridden(source, scale, seed), data_dir)
    if isinstance(source, FilesSource):
        return {name: _read_file(path) for name, path in source_files(source).items()}
    if isinstance(source, DatabaseSource):
        return _read_database(source)
    return _read_s3(source)


def _dataset(source: DatasetSource, data_dir: str | Path | None) -> dict[str, pd.DataFrame]:
    from pipelinekit.datasets import load

    if data_dir is not None:
        files = dataset_files(source, data_dir)
        return {name: pd.read_parquet(path) for name, path in files.items()}
    data = dict(load(source.dataset, scale=source.scale, seed=source.seed, dirty=source.dirty))
    return {name: data[name] for name in _picked(source, list(data))}


def dataset_files(
    source: DatasetSource,
    data_dir: str | Path,
    *,
    scale: str | int | None = None,
    seed: int | None = None,
) -> dict[str, Path]:
    """The Parquet file of each table of a generated dataset kept in ``data_dir``.

    The dataset is generated and written first unless ``data_dir/<domain>/`` already
    holds it with the same scale, seed and dirtiness (its manifest says so).
    """
    from pipelinekit.datasets import load, write

    source = _overridden(source, scale, seed)
    folder = Path(data_dir) / source.dataset
    if not _cached(folder, source):
        dataset = load(source.dataset, scale=source.scale, seed=source.seed, dirty=source.dirty)
        write(dataset, folder)
        del dataset
    names = _picked(source, [p.stem for p in sorted(folder.glob("*.parquet"))])
    return {name: folder / f"{name}.parquet" for name in names}


def source_fingerprint(
    source: Source, *, scale: str | int | None = None, seed: int | None = None
) -> str | None:
    """What the tables of ``source`` are, as a hash; None when only reading them tells.

    A generated dataset is its domain, scale, seed, dirtiness and pipelinekit's version
    (the generators are deterministic); files are their paths, sizes and modification
    times; a database or S3 source has no fingerprint before it is read.

    Examples
    --------
    >>> raw = DatasetSource("raw", "ecommerce", line=3, scale="tiny")
    >>> source_fingerprint(raw) == source_fingerprint(raw, seed=7)
    False
    """
    from pipelinekit import __version__
    from pipelinekit.pipeline.workspace import fingerprint

    if isinstance(source, DatasetSource):
        source = _overridden(source, scale, seed)
        spec = [source.dataset, source.scale, source.seed, source.dirty, source.tables]
        return fingerprint("dataset", spec, __version__)
    if isinstance(source, FilesSource):
        files = source_files(source)
        stats = {
            name: [str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns]
            for name, p in files.items()
        }
        return fingerprint("files", stats)
    return None


def _cached(folder: Path, source: DatasetSource) -> bool:
    """Whether ``folder`` holds this dataset already (its manifest says so)."""
    from pipelinekit.datasets.write import MANIFEST

    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    wanted = {
        "domain": source.dataset,
        "scale": source.scale,
        "seed": source.seed,
        "dirty": source.dirty,
        "format": "parquet",
    }
    if any(manifest.get(key) != value for key, value in wanted.items()):
        return False
    return all((folder / f"{name}.parquet").is_file() for name in manifest.get("tables", {}))


def _read_file(path: Path) -> pd.DataFrame:
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (OSError, ValueError) as error:
        raise SourceError(
            f"Cannot read '{path}' ({error})", "a readable Parquet or CSV file"
        ) from error


def _read_database(source: DatabaseSource) -> dict[str, pd.DataFrame]:
    import sqlalchemy as sa

    engine = _engine(source)
    try:
        metadata = sa.MetaData(schema=source.schema)
        frames = {}
        with engine.connect() as connection:
            for name in source.tables:
                table = sa.Table(name, metadata, autoload_with=connection)
                frames[name] = pd.read_sql(sa.select(table), connection)
        return frames
    except sa.exc.NoSuchTableError as error:
        raise SourceError(
            f"No table '{error}' in database '{redact(source.url)}' of source '{source.name}'",
            f"tables {format_list(source.tables)}",
        ) from error
    except sa.exc.SQLAlchemyError as error:
        raise _unreachable(source, error) from error
    finally:
        engine.dispose()


def _read_s3(source: S3Source) -> dict[str, pd.DataFrame]:
    try:
        from pipelinekit.pipeline.s3 import read_s3
    except ImportError as error:
        raise SourceError(
            f"S3 source '{source.name}' cannot be read: pipelinekit.pipeline.s3 is missing",
            "a pipelinekit with S3 support",
        ) from error
    listed = list(source.tables) or None  # none listed: every table under the prefix
    frames: Mapping[str, pd.DataFrame] = read_s3(source.url, listed)
    return dict(frames)


# ---------------------------------------------------------------------- into a workspace
def store_source(
    work: Workspace,
    source: Source,
    *,
    scale: str | int | None = None,
    seed: int | None = None,
    data_dir: str | Path | None = None,
) -> tuple[dict[str, int], dict[str, str], bool]:
    """Put the tables of ``source`` in a run's workspace.

    Parquet files (a files source's, a generated dataset kept in ``data_dir``) become
    views over the files; other tables are read and stored one at a time. A table the
    workspace already holds with the same fingerprint is kept as it is (a resumed run).

    Returns
    -------
    rows : dict
        Table -> rows.
    fingerprints : dict
        Table -> fingerprint (what the steps reading it build theirs on).
    reused : bool
        Whether every table was already there.
    """
    from pipelinekit.pipeline.workspace import fingerprint

    known = source_fingerprint(source, scale=scale, seed=seed)
    prints: dict[str, str] = {}
    made: dict[str, int] = {}
    if known is not None:
        names = list(source_columns(source))
        prints = {name: fingerprint(known, name) for name in names}
        if all(work.fingerprint_of(name) == prints[name] for name in names):
            return {name: work.rows(name) for name in names}, prints, True
        files: dict[str, Path] = {}
        if isinstance(source, DatasetSource) and data_dir is not None:
            files = dataset_files(source, data_dir, scale=scale, seed=seed)
        elif isinstance(source, FilesSource):
            files = {n: p for n, p in source_files(source).items() if p.suffix == ".parquet"}
        for name, path in files.items():
            made[name] = work.add_files(name, [path], fingerprint=prints[name])
        if len(made) == len(names):
            return made, prints, False
    frames = read_source(source, scale=scale, seed=seed, data_dir=data_dir)
    for name in list(frames):
        frame = frames.pop(name)  # one table in memory at a time
        if name not in made:
            made[name] = work.add_frame(name, frame, fingerprint=prints.get(name))
            prints[name] = work.fingerprint_of(name) or ""
        del frame
    return made, prints, False
