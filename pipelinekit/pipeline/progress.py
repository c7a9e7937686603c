"""The progress bar of a pipeline run: one tick per source, step and load.

Examples
--------
>>> with progress_bar(False, total=3) as advance:   # no bar: advance does nothing
...     advance("stg_orders")
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(show: bool | Any, total: int) -> Iterator[Callable[[str], None]]:
    """A rich progress bar over the steps; ``advance(label)`` moves it on by one."""
    if show is False or show is None:
        yield lambda label: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = show if isinstance(show, Console) else Console(stderr=True)
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with bar:
        task = bar.add_task("starting", total=total)
        first = [True]

        def advance(label: str) -> None:
            if not first[0]:
                bar.advance(task)
            first[0] = False
            bar.update(task, description=label)

        yield advance
        bar.update(task, completed=total)
