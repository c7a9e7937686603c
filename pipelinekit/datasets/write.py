"""`write`: save a dataset as one file per table, all or nothing."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pandas as pd

from pipelinekit.datasets.dataset import Dataset
from pipelinekit.errors import OutputError, UnknownNameError

__all__ = ["write", "FORMATS", "MANIFEST"]

Format = Literal["parquet", "csv"]
FORMATS: tuple[str, ...] = Format.__args__  # type: ignore[attr-defined]
#: Written beside the tables: what was generated, so a later run can tell.
MANIFEST = "_dataset.json"
#: Written beside the tables of a dirty dataset: the injection log.
INJECTED = "_injected"


def write(
    dataset: Dataset,
    out: str | os.PathLike[str],
    *,
    format: Format = "parquet",
    on_table: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write each table of ``dataset`` to ``out/<table>.<format>``.

    Files are first written under temporary names in ``out`` and renamed only when
    every table has been written, so a failure (a full disk, Ctrl-C) never leaves a
    half-written table or a mix of old and new tables behind.

    Parameters
    ----------
    dataset : Dataset
        What :func:`pipelinekit.datasets.load` returned.
    out : path
        The folder; created if missing.
    format : {"parquet", "csv"}
        Parquet keeps types exactly; CSV is for looking at with other tools.
    on_table : callable, optional
        Called with each table name once it is written (progress bars use it).

    Returns
    -------
    list of Path
        The files written, tables first, then ``_dataset.json``.

    Examples
    --------
    >>> import tempfile, pipelinekit as pk
    >>> shop = pk.datasets.load("ecommerce", scale="tiny")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     [path.name for path in pk.datasets.write(shop, folder)][:2]
    ['customers.parquet', 'products.parquet']
    """
    if format not in FORMATS:
        raise UnknownNameError.for_name(format, FORMATS, kind="format")
    folder = _writable_folder(Path(out))
    frames = dict(dataset)
    if dataset.dirty:
        frames[INJECTED] = dataset.injected
    staged: list[tuple[Path, Path]] = []
    try:
        for name, frame in frames.items():
            final = folder / f"{name}.{format}"
            temporary = folder / f".{name}.{format}.partial"
            _WRITERS[format](frame, temporary)
            staged.append((temporary, final))
            if on_table is not None:
                on_table(name)
        manifest = folder / f".{MANIFEST}.partial"
        manifest.write_text(json.dumps(_manifest(dataset, format), indent=2) + "\n")
        staged.append((manifest, folder / MANIFEST))
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        for leftover in folder.glob(".*.partial"):
            leftover.unlink(missing_ok=True)
        raise
    for temporary, final in staged:
        os.replace(temporary, final)
    return [final for _, final in staged]


def _writable_folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as error:
        raise OutputError(
            f"Cannot write to '{folder}' ({error.strerror or error})",
            "a folder you can create files in",
            "choose another --out folder, e.g. data/ in your home folder",
        ) from error
    return folder


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False, engine="pyarrow", compression="zstd")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S")


_WRITERS: dict[str, Callable[[pd.DataFrame, Path], None]] = {
    "parquet": _write_parquet,
    "csv": _write_csv,
}


def _manifest(dataset: Dataset, format: str) -> dict[str, object]:
    from pipelinekit import __version__

    return {
        "domain": dataset.domain,
        "scale": dataset.scale,
        "seed": dataset.seed,
        "dirty": dataset.dirty,
        "format": format,
        "tables": {name: len(frame) for name, frame in dataset.items()},
        "pipelinekit": __version__,
    }
