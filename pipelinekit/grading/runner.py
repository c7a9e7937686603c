"""Run a submission notebook in a fresh kernel, within time and memory limits.

:func:`run_notebook` executes every code cell of a notebook in a new IPython kernel (one
kernel per submission, never reused), then exports the answers it is asked for out of the
kernel into files and reads them back in the grader process, where the checks run. Whatever
the notebook does (loop forever, raise, call ``sys.exit``, ``os._exit``, kill its own
process, allocate too much memory, print megabytes, or not be a notebook at all),
:func:`run_notebook` returns a :class:`RunResult`; it raises only for the grader's own
mistakes (a bad argument, a kernel that cannot start at all).

Cells are numbered from 1 over all cells of the notebook, markdown included, as a learner
counts them on screen.

:class:`KernelPool` starts kernels ahead of time so a batch of submissions does not wait
for each kernel to boot and import pandas; each pooled kernel still runs exactly one
submission and is then shut down.

Examples
--------
>>> import nbformat, tempfile
>>> from pathlib import Path
>>> from pipelinekit.grading.runner import run_notebook
>>> notebook = nbformat.v4.new_notebook(cells=[
...     nbformat.v4.new_code_cell("total = sum([1, 2, 3])"),
...     nbformat.v4.new_code_cell("1 / 0"),
... ])
>>> path = Path(tempfile.mkdtemp()) / "submission.ipynb"
>>> nbformat.write(notebook, path)
>>> result = run_notebook(path, export=["total", "average"])
>>> result.status, result.values, result.missing
('errors', {'total': 6}, ['average'])
>>> result.problems
['cell 2 raised ZeroDivisionError: division by zero']
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import Any, Literal

import nbformat
import numpy as np
import pandas as pd
import psutil  # an ipykernel dependency
from jupyter_client import KernelManager
from jupyter_client.kernelspec import NoSuchKernel

from pipelinekit.errors import InvalidValueError, PipelinekitError, format_list
from pipelinekit.grading import kernel as kernel_script

__all__ = [
    "DEFAULT_MEMORY_MB",
    "DEFAULT_PRELOAD",
    "KernelPool",
    "RunResult",
    "Status",
    "decode_json",
    "run_notebook",
]

Status = Literal["ok", "errors", "timeout", "dead", "invalid"]

DEFAULT_MEMORY_MB = 2048
"""Address-space limit of a kernel, in MB; ``import pandas, pyarrow, duckdb`` needs about 700."""

DEFAULT_PRELOAD = ("numpy", "pandas", "pyarrow", "duckdb", "pipelinekit")
"""Modules a :class:`KernelPool` imports in its kernels before they are handed out."""

KERNEL_NAME = "python3"
KERNEL_ENV = {"MALLOC_ARENA_MAX": "2", "ARROW_DEFAULT_MEMORY_POOL": "system"}
"""Set in each kernel so its address space stays close to the memory it uses: glibc
reserves 64 MB per thread arena and Arrow's default allocator reserves large areas up front;
without these ``import pandas, pyarrow, duckdb`` alone reserves over 2 GB."""
START_SECONDS = 60.0
"""How long a kernel may take to start and answer."""
INTERRUPT_SECONDS = 5.0
"""How long a cell may take to stop once interrupted before its kernel is killed."""
EXPORT_SECONDS = 60.0
"""How long writing the requested answers to files may take."""
POLL_SECONDS = 0.2
"""How often to look whether the kernel is still alive while waiting for messages."""
MAX_ERROR_CHARS = 300
"""Longest exception message kept in a problem."""

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class RunResult:
    """What running one submission gave.

    Attributes
    ----------
    status : {"ok", "errors", "timeout", "dead", "invalid"}
        ``"ok"``: every cell ran without error. ``"errors"``: some cells raised or ran past
        the cell time limit, the others ran. ``"timeout"``: the notebook ran past its time
        limit (or a cell would not stop) and the rest did not run. ``"dead"``: the kernel
        process died. ``"invalid"``: the file is not a notebook.
    values : dict
        The exported answers by name: DataFrame, Series, JSON-like values (numbers, text,
        lists, dicts, tuples, sets, numpy arrays, dates), or the ``repr`` text of anything
        else.
    missing : list of str
        The requested names the notebook did not define (or that could not be exported).
    problems : list of str
        What went wrong, one sentence each, naming the cell ("cell 3 raised ...").
    seconds : float
        Wall time of the whole run, kernel start and export included.
    output : str
        Text the cells printed, their results and tracebacks, cut at ``max_output_chars``.
    """

    status: Status
    values: dict[str, Any]
    missing: list[str]
    problems: list[str]
    seconds: float
    output: str = ""


def run_notebook(
    path: str | Path,
    *,
    export: Sequence[str],
    cell_timeout: float = 30,
    timeout: float = 300,
    memory_mb: int = DEFAULT_MEMORY_MB,
    max_output_chars: int = 100_000,
    cwd: Path | None = None,
) -> RunResult:
    """Run a notebook in a fresh kernel and export the values named in ``export``.

    Parameters
    ----------
    path : str or Path
        The submission notebook.
    export : sequence of str
        Names of the notebook variables to read back after the run.
    cell_timeout : float
        Seconds one cell may run; then it is interrupted and the next cells still run.
    timeout : float
        Seconds all cells together may run; then the run stops with status ``"timeout"``
        (answers computed so far are still exported when the kernel can be stopped).
    memory_mb : int
        Address-space limit of the kernel process, in MB.
    max_output_chars : int
        How much of the printed output to keep in :attr:`RunResult.output`.
    cwd : Path, optional
        Working directory of the kernel (a folder with the data files the notebook reads);
        by default a new empty temporary folder.

    Returns
    -------
    RunResult

    Raises
    ------
    InvalidValueError
        For an argument out of range, or names in ``export`` that are not identifiers.
    PipelinekitError
        When no kernel can be started (ipykernel missing, ``memory_mb`` far too small).

    Examples
    --------
    >>> from pipelinekit.grading.runner import run_notebook
    >>> run_notebook("no/such/notebook.ipynb", export=["total"]).problems
    ["There is no notebook at 'no/such/notebook.ipynb'."]
    """
    limits = _Limits.checked(export, cell_timeout, timeout, memory_mb, max_output_chars, cwd)
    return _run(Path(path), limits, lambda: _Kernel(memory_mb, (), cwd))


class KernelPool:
    """Kernels started ahead of time, each used for exactly one submission.

    The pool keeps ``size`` kernels booting or ready (with ``preload`` already imported).
    :meth:`run` takes one, starts its replacement at once, runs the submission and shuts
    the used kernel down, so the next submission finds a started kernel waiting. Use it in
    a ``with`` block (or call :meth:`close`) so no kernel outlives the batch. A pool is for
    one thread.

    Parameters
    ----------
    size : int
        How many kernels to keep ready.
    memory_mb : int
        Address-space limit of each kernel, in MB.
    preload : sequence of str
        Modules each kernel imports before it is handed out (failed imports are ignored:
        the notebook meets the same error when it imports the module itself).

    Examples
    --------
    >>> import nbformat, tempfile
    >>> from pathlib import Path
    >>> from pipelinekit.grading.runner import KernelPool
    >>> folder = Path(tempfile.mkdtemp())
    >>> for student in range(2):
    ...     cell = nbformat.v4.new_code_cell(f"answer = {student} * 10")
    ...     nbformat.write(nbformat.v4.new_notebook(cells=[cell]), folder / f"{student}.ipynb")
    >>> with KernelPool(size=1, preload=[]) as pool:
    ...     [pool.run(folder / f"{s}.ipynb", export=["answer"]).values for s in range(2)]
    [{'answer': 0}, {'answer': 10}]
    """

    def __init__(
        self,
        size: int = 2,
        *,
        memory_mb: int = DEFAULT_MEMORY_MB,
        preload: Sequence[str] = DEFAULT_PRELOAD,
    ) -> None:
        if not isinstance(size, int) or size < 1:
            raise InvalidValueError(f"Pool size {size!r}", "a whole number of kernels, 1 or more")
        _Limits.checked([], 1, 1, memory_mb, 0, None)
        self.size = size
        self.memory_mb = memory_mb
        self.preload = tuple(preload)
        self._ready: collections.deque[_Kernel] = collections.deque()
        self._finalizer = weakref.finalize(self, _shutdown_all, self._ready)
        self._fill()

    def run(
        self,
        path: str | Path,
        *,
        export: Sequence[str],
        cell_timeout: float = 30,
        timeout: float = 300,
        max_output_chars: int = 100_000,
        cwd: Path | None = None,
    ) -> RunResult:
        """Run one submission in a pooled kernel; the arguments are :func:`run_notebook`'s."""
        if not self._finalizer.alive:
            raise PipelinekitError(
                "This KernelPool is closed",
                "an open pool",
                "create a new KernelPool, or run the batch inside `with KernelPool() as pool:`",
            )
        limits = _Limits.checked(
            export, cell_timeout, timeout, self.memory_mb, max_output_chars, cwd
        )
        return _run(Path(path), limits, self._take)

    def close(self) -> None:
        """Shut down every kernel still waiting in the pool."""
        self._finalizer()

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _fill(self) -> None:
        while len(self._ready) < self.size:
            self._ready.append(_Kernel(self.memory_mb, self.preload, None))

    def _take(self) -> _Kernel:
        kernel = self._ready.popleft()
        self._fill()
        if kernel.alive():
            return kernel
        kernel.shutdown()  # died while waiting (killed from outside): start a fresh one
        return _Kernel(self.memory_mb, self.preload, None)


def _shutdown_all(kernels: collections.deque[_Kernel]) -> None:
    while kernels:
        kernels.popleft().shutdown()


@dataclass(frozen=True)
class _Limits:
    export: list[str]
    cell_timeout: float
    timeout: float
    memory_mb: int
    max_output_chars: int
    cwd: Path | None

    @classmethod
    def checked(
        cls,
        export: Sequence[str],
        cell_timeout: float,
        timeout: float,
        memory_mb: int,
        max_output_chars: int,
        cwd: Path | None,
    ) -> _Limits:
        if isinstance(export, str):
            raise InvalidValueError(
                f"export={export!r} is one string",
                "a list of names",
                f"write export=[{export!r}]",
            )
        bad = [name for name in export if not (isinstance(name, str) and name.isidentifier())]
        if bad:
            raise InvalidValueError(
                f"export holds {format_list(bad)}, which are not variable names",
                "names such as 'orders_per_status'",
            )
        for name, value in [("cell_timeout", cell_timeout), ("timeout", timeout)]:
            if not isinstance(value, int | float) or not value > 0:
                raise InvalidValueError(f"{name}={value!r}", "a positive number of seconds")
        if not isinstance(memory_mb, int) or memory_mb < 1:
            raise InvalidValueError(
                f"memory_mb={memory_mb!r}",
                "a positive whole number of MB",
                f"the default is {DEFAULT_MEMORY_MB}",
            )
        if not isinstance(max_output_chars, int) or max_output_chars < 0:
            raise InvalidValueError(f"max_output_chars={max_output_chars!r}", "0 or more")
        if cwd is not None and not Path(cwd).is_dir():
            raise InvalidValueError(f"cwd={str(cwd)!r} is not a folder", "an existing folder")
        return cls(list(export), cell_timeout, timeout, memory_mb, max_output_chars, cwd)


def _run(path: Path, limits: _Limits, get_kernel: Callable[[], _Kernel]) -> RunResult:
    started = time.monotonic()
    cells = _read_code_cells(path)
    if isinstance(cells, str):
        return RunResult("invalid", {}, list(limits.export), [cells], time.monotonic() - started)
    kernel: _Kernel = get_kernel()
    try:
        kernel.connect(limits.cwd)
        session = _Session(kernel, limits)
        status = session.run_cells(cells)
        values, missing = session.export()
        return RunResult(
            status,
            values,
            missing,
            session.problems,
            time.monotonic() - started,
            session.output.text(),
        )
    finally:
        kernel.shutdown()


def _read_code_cells(path: Path) -> list[tuple[int, str]] | str:
    """The ``(cell number, source)`` of each non-empty code cell, or what is wrong."""
    if not path.is_file():
        return f"There is no notebook at '{path}'."
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return f"{path.name} cannot be read as text ({error})."
    try:
        data = json.loads(text)
    except ValueError as error:
        return f"{path.name} is not a notebook: it is not valid JSON ({error})."
    if not (isinstance(data, dict) and isinstance(data.get("cells", data.get("worksheets")), list)):
        return f"{path.name} is JSON but not a notebook: it has no list of 'cells'."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4)
        cells = [(number, cell) for number, cell in enumerate(notebook.cells, start=1)]
        code = [(n, c.source) for n, c in cells if c.get("cell_type") == "code"]
    except Exception as error:
        return f"{path.name} is not a notebook nbformat can read ({error})."
    bad = [n for n, source in code if not isinstance(source, str)]
    if bad:
        return f"{path.name} is not a valid notebook: the source of cell {bad[0]} is not text."
    return [(n, source) for n, source in code if source.strip()]


class _Kernel:
    """One kernel process: started at once, connected when needed, always shut down."""

    def __init__(self, memory_mb: int, preload: Sequence[str], cwd: Path | None) -> None:
        self.memory_mb = memory_mb
        self.manager = KernelManager(kernel_name=KERNEL_NAME)
        try:
            spec = self.manager.kernel_spec
        except NoSuchKernel as error:
            raise PipelinekitError(
                f"There is no Jupyter kernel named '{KERNEL_NAME}'",
                "the Python kernel of this environment",
                "install it with: python -m ipykernel install --sys-prefix",
            ) from error
        assert spec is not None
        spec.argv = [
            spec.argv[0],  # jupyter_client turns "python" into this Python
            kernel_script.__file__,
            "--memory-mb",
            str(memory_mb),
            "--preload",
            ",".join(preload),
            "-f",
            "{connection_file}",
        ]
        self.home = Path(tempfile.mkdtemp(prefix="pipelinekit-run-"))
        # The kernel's own stderr, read when it fails to start; closed by shutdown().
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self.manager.start_kernel(
                cwd=str(cwd or self.home),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self.log,
                env={**os.environ, **KERNEL_ENV},
            )
        except BaseException:
            self.log.close()
            shutil.rmtree(self.home, ignore_errors=True)
            raise
        self.pid: int = self.manager.provisioner.pid  # type: ignore[union-attr]
        # Connect now: by the time the kernel is needed, its messages are already flowing.
        self.client: Any = self.manager.client()
        self.client.start_channels()

    def connect(self, cwd: Path | None) -> None:
        """Wait until the kernel answers; move it to ``cwd``. Raises when it cannot start.

        Ready means: it answered a ``kernel_info`` request on the shell channel and its
        status for that request came through on IOPub (so no output of the first cell is
        lost). Unlike ``wait_for_ready`` this does not then wait 0.2 s for more messages.
        """
        deadline = time.monotonic() + START_SECONDS
        while True:
            msg_id = self.client.kernel_info()
            if self._reply(self.client.get_shell_msg, msg_id, deadline) and self._reply(
                self.client.get_iopub_msg, msg_id, min(deadline, time.monotonic() + 1)
            ):
                break
            if not self.alive() or time.monotonic() > deadline:
                self._start_failed("it exited" if not self.alive() else "no answer")
        if cwd is not None:  # a pooled kernel started in its own folder
            self.execute_quietly(f"__import__('os').chdir({str(Path(cwd).resolve())!r})")

    def _reply(self, get_message: Any, msg_id: str, deadline: float) -> bool:
        """Whether a message answering ``msg_id`` arrives before the deadline."""
        while time.monotonic() < deadline and self.alive():
            try:
                message = get_message(timeout=POLL_SECONDS)
            except Empty:
                continue
            if message["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    def _start_failed(self, what: str) -> None:
        self.log.seek(0)
        lines = self.log.read().decode("utf-8", "replace").strip().splitlines()
        raise PipelinekitError(
            f"The grading kernel did not start ({what}; its last words: "
            f"{lines[-1] if lines else 'none'})",
            f"a '{KERNEL_NAME}' kernel that answers within {START_SECONDS:.0f} s",
            f"make sure ipykernel is installed; memory_mb={self.memory_mb} must leave room "
            "for Python and ipykernel (about 300 MB)",
        )

    def execute_quietly(self, code: str) -> str:
        """Run grader code (no history, no output) and return the id to wait for."""
        return self.client.execute(
            code, silent=True, store_history=False, allow_stdin=False, stop_on_error=False
        )

    def alive(self) -> bool:
        return bool(self.manager.is_alive())

    def _popen(self) -> subprocess.Popen[bytes] | None:
        """The kernel process (jupyter_client's local provisioner keeps it)."""
        return getattr(self.manager.provisioner, "process", None)

    def exit_reason(self) -> str:
        """Why the kernel process ended, in words a learner can act on."""
        process = self._popen()
        code = process.poll() if process is not None else None
        if code is None:
            return "it stopped answering"
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else -code
            if -code == signal.SIGKILL:
                return f"it was killed with {name}, as happens to a process using too much memory"
            return f"it was stopped by signal {name}, a crash or a failed memory allocation"
        return f"it exited with status {code}, as os._exit() or a broken kernel does"

    def shutdown(self) -> None:
        """Kill the kernel and every process it started; remove its folder. Never raises."""
        processes: list[psutil.Process] = []
        with contextlib.suppress(psutil.Error):
            processes = psutil.Process(self.pid).children(recursive=True)
        try:  # the kernel leads its own process group: end the group, then whatever left it
            os.killpg(self.pid, signal.SIGKILL)
            self._popen().wait(timeout=5)  # type: ignore[union-attr]
        except (OSError, AttributeError, subprocess.TimeoutExpired):
            pass
        for process in processes:
            with contextlib.suppress(psutil.Error):
                process.kill()
        try:
            self.client.stop_channels()
            self.manager.shutdown_kernel(now=True)  # reaps the process, removes its files
        except Exception:
            pass
        if processes:
            psutil.wait_procs(processes, timeout=2)
        self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)


class _Output:
    """Output text kept up to a budget; what is left out is counted."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.parts: list[str] = []
        self.dropped = 0

    def add(self, text: str) -> None:
        keep = text[: self.budget]
        self.parts.append(keep)
        self.budget -= len(keep)
        self.dropped += len(text) - len(keep)

    def text(self) -> str:
        kept = "".join(self.parts)
        if self.dropped:
            kept += f"\n... {self.dropped} more characters of output were not kept"
        return kept


class _Session:
    """Running the cells of one notebook in one kernel, and exporting its answers."""

    def __init__(self, kernel: _Kernel, limits: _Limits) -> None:
        self.kernel = kernel
        self.limits = limits
        self.problems: list[str] = []
        self.output = _Output(limits.max_output_chars)
        self.deadline = time.monotonic() + limits.timeout
        self.exportable = True

    def run_cells(self, cells: list[tuple[int, str]]) -> Status:
        status: Status = "ok"
        for position, (number, source) in enumerate(cells):
            outcome = self._run_cell(number, source)
            if outcome in ("dead", "timeout"):
                not_run = len(cells) - position - 1
                if not_run:
                    cells_word = "code cell" if not_run == 1 else "code cells"
                    self.problems.append(f"{not_run} later {cells_word} did not run.")
                return outcome
            if outcome == "errors":
                status = "errors"
        return status

    def _run_cell(self, number: int, source: str) -> Status:
        client, limits = self.kernel.client, self.limits
        msg_id = client.execute(source, allow_stdin=False, stop_on_error=False)
        cell_deadline = time.monotonic() + limits.cell_timeout
        errors_before = len(self.problems)
        outcome = self._collect(msg_id, min(cell_deadline, self.deadline), number)
        if outcome == "dead":
            self.problems.append(
                f"The kernel died while running cell {number}: {self.kernel.exit_reason()}; "
                "no answers could be read back."
            )
            self.exportable = False
            return "dead"
        if outcome == "waiting":
            notebook_limit = self.deadline <= cell_deadline
            self.kernel.manager.interrupt_kernel()
            stopped = self._collect(msg_id, time.monotonic() + INTERRUPT_SECONDS, None) == "idle"
            if notebook_limit:
                self.problems.append(
                    f"The notebook ran past its {limits.timeout:g} s limit in cell {number}."
                )
            else:
                self.problems.append(
                    f"cell {number} ran past the {limits.cell_timeout:g} s cell limit."
                )
            if not stopped:
                self.problems.append(
                    f"cell {number} did not stop when interrupted; the kernel was shut down."
                )
                self.exportable = False
                return "timeout"
            return "timeout" if notebook_limit else "errors"
        return "errors" if len(self.problems) > errors_before else "ok"

    def _collect(self, msg_id: str, deadline: float, number: int | None) -> str:
        """Handle the messages of one execution until it is idle, the deadline or death.

        Errors are recorded as problems of cell ``number`` (``None``: after an interrupt,
        when the KeyboardInterrupt is ours, not the notebook's).
        """
        client = self.kernel.client
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "waiting"
            try:
                message = client.get_iopub_msg(timeout=min(POLL_SECONDS, remaining))
            except Empty:
                if not self.kernel.alive():
                    return "dead"
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                return "idle"
            if kind == "stream":
                self.output.add(content.get("text", ""))
            elif kind in ("execute_result", "display_data"):
                self.output.add(str(content.get("data", {}).get("text/plain", "")) + "\n")
            elif kind == "error":
                self.output.add(_ANSI.sub("", "\n".join(content.get("traceback", []))) + "\n")
                if number is not None:
                    self.problems.append(self._error_problem(number, content))

    def _error_problem(self, number: int, content: dict[str, Any]) -> str:
        name, value = content.get("ename", "Error"), str(content.get("evalue", ""))
        if len(value) > MAX_ERROR_CHARS:
            value = value[:MAX_ERROR_CHARS] + " ..."
        problem = f"cell {number} raised {name}" + (f": {value}" if value else "")
        if name == "MemoryError":
            problem += f" (a notebook may use {self.limits.memory_mb} MB)"
        elif name == "SystemExit":
            problem += " (sys.exit() does not stop a notebook; the next cells still ran)"
        return problem

    def export(self) -> tuple[dict[str, Any], list[str]]:
        """Write the requested names to files in the kernel, read them back here."""
        names = self.limits.export
        if not names:
            return {}, []
        if not self.exportable or not self.kernel.alive():
            return {}, list(names)
        directory = Path(tempfile.mkdtemp(prefix="pipelinekit-export-"))
        try:
            msg_id = self.kernel.execute_quietly(
                kernel_script.export_snippet(names, str(directory))
            )
            outcome = self._collect(msg_id, time.monotonic() + EXPORT_SECONDS, None)
            manifest_path = directory / kernel_script.MANIFEST
            if outcome != "idle" or not manifest_path.is_file():
                why = {"dead": "the kernel died", "waiting": "it took too long"}.get(outcome)
                self.problems.append(
                    "The answers could not be read back from the kernel "
                    f"({why or self._reply_error(msg_id)})."
                )
                return {}, list(names)
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            return self._read_back(manifest, directory)
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def _reply_error(self, msg_id: str) -> str:
        """The error the kernel replied to request ``msg_id`` with."""
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                reply = self.kernel.client.get_shell_msg(timeout=POLL_SECONDS)
            except Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                content = reply["content"]
                return f"{content.get('ename', 'an error')}: {content.get('evalue', '')}"
        return "no reply"

    def _read_back(
        self, manifest: dict[str, dict[str, Any]], directory: Path
    ) -> tuple[dict[str, Any], list[str]]:
        values: dict[str, Any] = {}
        missing: list[str] = []
        for name in self.limits.export:
            entry = manifest.get(name, {"kind": "missing"})
            kind = entry.get("kind")
            try:
                if kind == "frame":
                    values[name] = pd.read_parquet(directory / entry["file"])
                elif kind == "series":
                    frame = pd.read_parquet(directory / entry["file"])
                    values[name] = frame["__value__"].rename(decode_json(entry["name"]))
                elif kind == "json":
                    text = (directory / entry["file"]).read_text(encoding="utf-8")
                    values[name] = decode_json(json.loads(text))
                elif kind == "repr":
                    values[name] = entry["text"]
                    reason = entry.get("reason")
                    self.problems.append(
                        f"'{name}' is a {entry['type']}, which the grader reads as its text"
                        + (f" (saving it failed with {reason})." if reason else ".")
                    )
                elif kind == "error":
                    missing.append(name)
                    self.problems.append(f"'{name}' could not be exported: {entry['error']}.")
                else:
                    missing.append(name)
            except Exception as error:
                missing.append(name)
                values.pop(name, None)
                self.problems.append(f"'{name}' could not be read back: {error}.")
            for warning in entry.get("warnings", []):
                self.problems.append(f"Saving '{name}' for the grader warned: {warning}")
        return values, missing


def decode_json(data: Any) -> Any:
    """Undo the tags :mod:`pipelinekit.grading.kernel` puts on JSON values.

    Examples
    --------
    >>> decode_json({"tuple": [1, {"set": ["a"]}]})
    (1, {'a'})
    >>> decode_json({"dict": [[1, "one"], [{"tuple": [2, 3]}, [4]]]})
    {1: 'one', (2, 3): [4]}
    >>> decode_json({"ndarray": ["int64", [1, 2]]})
    array([1, 2])
    """
    if isinstance(data, list):
        return [decode_json(item) for item in data]
    if not isinstance(data, dict):
        return data
    ((tag, payload),) = data.items()
    if tag == "tuple":
        return tuple(decode_json(item) for item in payload)
    if tag == "set":
        return {decode_json(item) for item in payload}
    if tag == "dict":
        return {decode_json(key): decode_json(value) for key, value in payload}
    if tag == "ndarray":
        dtype, items = payload
        try:
            return np.array(decode_json(items), dtype=dtype)
        except (TypeError, ValueError):
            return np.array(decode_json(items), dtype=object)
    if tag == "timestamp":
        return pd.Timestamp(payload)
    if tag == "datetime":
        return datetime.datetime.fromisoformat(payload)
    if tag == "date":
        return datetime.date.fromisoformat(payload)
    if tag == "repr":
        return payload
    raise ValueError(f"unknown tag {tag!r} in exported JSON")
