"""Running submissions in fresh, limited kernels: good notebooks and hostile ones.

Each hostile notebook must give a RunResult (never an exception), leave the grader process
healthy and leave no kernel process behind.
"""

from __future__ import annotations

import datetime
import resource
from collections.abc import Iterator
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import psutil
import pytest

from pipelinekit.errors import InvalidValueError, PipelinekitError
from pipelinekit.grading import runner
from pipelinekit.grading.runner import KernelPool, RunResult, decode_json, run_notebook

HOSTILE = Path(__file__).parent / "hostile"
SMALL_MEMORY_MB = 800
"""Just above the ~700 MB that `import pandas, pyarrow, duckdb` and a parquet export need."""


def write_notebook(
    folder: Path, *sources: str, markdown_first: bool = False, name: str = "submission"
) -> Path:
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    if markdown_first:
        cells.insert(0, nbformat.v4.new_markdown_cell("### Question q1 (1 point)"))
    path = folder / f"{name}.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def kernel_processes(pool: KernelPool | None = None) -> list[psutil.Process]:
    """Processes started by this test process, other than the pool's waiting kernels."""
    waiting = {kernel.pid for kernel in pool._ready} if pool is not None else set()
    children = psutil.Process().children(recursive=True)
    return [child for child in children if child.pid not in waiting]


def ended(pid: int) -> bool:
    """The process is gone, or a zombie waiting for an init that does not reap it."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def leaked(pool: KernelPool | None = None, *, grace: float = 15.0) -> list[psutil.Process]:
    """Kernels still running ``grace`` seconds after they were told to stop (a kernel that
    was shut down may take a moment to exit on a loaded machine; a leaked one never does)."""
    _, alive = psutil.wait_procs(kernel_processes(pool), timeout=grace)
    return [process for process in alive if not ended(process.pid)]


@pytest.fixture(scope="module")
def pool() -> Iterator[KernelPool]:
    with KernelPool(size=2, preload=["pandas"]) as kernels:
        yield kernels
    assert leaked() == []


@pytest.fixture(autouse=True)
def no_leaked_kernels(pool: KernelPool) -> Iterator[None]:
    """After each test only the pool's waiting kernels may be running."""
    yield
    assert leaked(pool) == []


# --- good notebooks -------------------------------------------------------------------------


def test_good_notebook_exports_frames_series_and_scalars(tmp_path: Path, pool: KernelPool):
    path = write_notebook(
        tmp_path,
        "import numpy as np\nimport pandas as pd\n"
        "orders = pd.DataFrame({'status': ['paid', 'sent'], 'n': [3, 4], 'x': [0.5, None]})\n"
        "per_status = orders.set_index('status')['n']\n"
        "total = np.int64(7)\nshare = 0.25\nlabel = 'paid'\nnothing = None\n"
        "pairs = [(1, 'a'), (2, 'b')]\nby_id = {1: 'one', 'two': [2.0]}\nkinds = {'a', 'b'}\n"
        "matrix = np.arange(6).reshape(2, 3)\nwhen = pd.Timestamp('2024-01-02 03:04')\n"
        "day = __import__('datetime').date(2024, 1, 2)\nnumbered = pd.DataFrame({0: [1], 1: [2]})\n"
        "mixed = pd.DataFrame({0: [1], 'b': [2]})",
        "class Basket:\n    def __repr__(self):\n        return 'Basket(3 items)'\n"
        "basket = Basket()",
        markdown_first=True,
    )
    names = ["orders", "per_status", "total", "share", "label", "nothing", "pairs", "by_id"]
    names += ["kinds", "matrix", "when", "day", "numbered", "mixed", "basket", "never_defined"]
    result = pool.run(path, export=names)
    assert isinstance(result, RunResult)
    assert result.status == "ok"
    expected = pd.DataFrame({"status": ["paid", "sent"], "n": [3, 4], "x": [0.5, None]})
    pd.testing.assert_frame_equal(result.values["orders"], expected)
    pd.testing.assert_series_equal(result.values["per_status"], expected.set_index("status")["n"])
    assert result.values["total"] == 7 and type(result.values["total"]) is int
    assert result.values["share"] == 0.25 and result.values["label"] == "paid"
    assert result.values["nothing"] is None
    assert result.values["pairs"] == [(1, "a"), (2, "b")]
    assert result.values["by_id"] == {1: "one", "two": [2.0]}
    assert result.values["kinds"] == {"a", "b"}
    np.testing.assert_array_equal(result.values["matrix"], np.arange(6).reshape(2, 3))
    assert result.values["matrix"].dtype == np.arange(1).dtype
    assert result.values["when"] == pd.Timestamp("2024-01-02 03:04")
    assert result.values["day"] == datetime.date(2024, 1, 2)
    pd.testing.assert_frame_equal(result.values["numbered"], pd.DataFrame({0: [1], 1: [2]}))
    assert list(result.values["mixed"].columns) == ["0", "b"]
    assert result.values["basket"] == "Basket(3 items)"
    assert result.missing == ["never_defined"]
    assert result.problems == [
        "Saving 'mixed' for the grader warned: The DataFrame has column names of mixed type. "
        "They will be converted to strings and not roundtrip correctly.",
        "'basket' is a __main__.Basket, which the grader reads as its text.",
    ]


def test_cold_kernel_runs_in_cwd_and_keeps_output(tmp_path: Path):
    (tmp_path / "data.csv").write_text("a\n1\n2\n")
    path = write_notebook(
        tmp_path,
        "rows = open('data.csv').read().split()\nprint('read', len(rows), 'lines')",
        "rows",
    )
    result = run_notebook(path, export=["rows"], cwd=tmp_path)
    assert (result.status, result.values, result.missing) == ("ok", {"rows": ["a", "1", "2"]}, [])
    assert result.output == "read 3 lines\n['a', '1', '2']\n"


def test_pooled_kernel_moves_to_cwd(tmp_path: Path, pool: KernelPool):
    path = write_notebook(tmp_path, "import os\nhere = os.getcwd()")
    result = pool.run(path, export=["here"], cwd=tmp_path)
    assert result.values == {"here": str(tmp_path.resolve())}


def test_each_pooled_submission_gets_a_fresh_kernel(tmp_path: Path, pool: KernelPool):
    first = write_notebook(tmp_path, "secret = 42", name="first")
    second = write_notebook(tmp_path, "import os\npid = os.getpid()")
    assert pool.run(first, export=["secret"]).values == {"secret": 42}
    result = pool.run(second, export=["secret", "pid"])
    assert result.missing == ["secret"]
    assert ended(result.values["pid"])


def test_pool_replaces_a_kernel_that_died_while_waiting(tmp_path: Path):
    with KernelPool(size=1, preload=[]) as pool:
        psutil.Process(pool._ready[0].pid).kill()
        result = pool.run(write_notebook(tmp_path, "x = 1"), export=["x"])
        assert result.values == {"x": 1}
        waiting = [kernel.pid for kernel in pool._ready]
    assert all(ended(pid) for pid in waiting)


def test_closed_pool_refuses_to_run(tmp_path: Path):
    pool = KernelPool(size=1, preload=[])
    pool.close()
    with pytest.raises(PipelinekitError, match="KernelPool is closed"):
        pool.run(write_notebook(tmp_path, "x = 1"), export=["x"])


# --- hostile notebooks ----------------------------------------------------------------------


def test_infinite_loop_is_interrupted_and_later_cells_still_run(tmp_path: Path, pool: KernelPool):
    path = write_notebook(tmp_path, "before = 1", "while True:\n    pass", "after = 2")
    result = pool.run(path, export=["before", "after"], cell_timeout=2)
    assert result.status == "errors"
    assert result.values == {"before": 1, "after": 2}
    assert result.problems == ["cell 2 ran past the 2 s cell limit."]


def test_notebook_timeout_stops_the_run_but_keeps_finished_answers(
    tmp_path: Path, pool: KernelPool
):
    path = write_notebook(tmp_path, "first = 1", "import time\ntime.sleep(60)", "never = 3")
    result = pool.run(path, export=["first", "never"], cell_timeout=30, timeout=2)
    assert result.status == "timeout"
    assert (result.values, result.missing) == ({"first": 1}, ["never"])
    assert result.problems == [
        "The notebook ran past its 2 s limit in cell 2.",
        "1 later code cell did not run.",
    ]


def test_cell_that_ignores_interrupts_gets_its_kernel_killed(
    tmp_path: Path, pool: KernelPool, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(runner, "INTERRUPT_SECONDS", 1.0)
    path = write_notebook(
        tmp_path,
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
    )
    result = pool.run(path, export=["x"], cell_timeout=1)
    assert (result.status, result.values, result.missing) == ("timeout", {}, ["x"])
    assert result.problems[-1] == "cell 1 did not stop when interrupted; the kernel was shut down."


def test_exception_is_recorded_and_later_cells_run(tmp_path: Path, pool: KernelPool):
    path = write_notebook(tmp_path, "ratio = 1 / 0", "done = True", markdown_first=True)
    result = pool.run(path, export=["ratio", "done"])
    assert (result.status, result.values, result.missing) == ("errors", {"done": True}, ["ratio"])
    assert result.problems == ["cell 2 raised ZeroDivisionError: division by zero"]
    assert "ZeroDivisionError" in result.output and "\x1b[" not in result.output


def test_sys_exit_does_not_stop_the_notebook(tmp_path: Path, pool: KernelPool):
    path = write_notebook(tmp_path, "import sys\nsys.exit(3)", "after = 'still here'")
    result = pool.run(path, export=["after"])
    assert (result.status, result.values) == ("errors", {"after": "still here"})
    assert result.problems[0].startswith("cell 1 raised SystemExit: 3")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("import os\nos._exit(3)", "it exited with status 3"),
        ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "it was killed with SIGKILL"),
    ],
)
def test_dead_kernel_gives_status_dead(tmp_path: Path, pool: KernelPool, code: str, reason: str):
    path = write_notebook(tmp_path, "answer = 42", code, "later = 1")
    result = pool.run(path, export=["answer", "later"])
    assert (result.status, result.values, result.missing) == ("dead", {}, ["answer", "later"])
    assert result.problems[0].startswith(f"The kernel died while running cell 2: {reason}")
    assert result.problems[1] == "1 later code cell did not run."


def test_memory_limit_gives_memory_error_and_the_kernel_goes_on(tmp_path: Path):
    path = write_notebook(
        tmp_path,
        "import pandas, pyarrow, duckdb\nsmall = pandas.DataFrame({'a': [1, 2]})",
        f"huge = bytearray({SMALL_MEMORY_MB * 2} * 2**20)",
        "import numpy\nwide = numpy.ones((20_000, 20_000))",
        "after = len(small)",
    )
    grader_limit = resource.getrlimit(resource.RLIMIT_AS)
    result = run_notebook(path, export=["small", "huge", "after"], memory_mb=SMALL_MEMORY_MB)
    assert resource.getrlimit(resource.RLIMIT_AS) == grader_limit  # only the kernel is limited
    assert result.status == "errors"
    assert result.missing == ["huge"]
    assert result.values["after"] == 2
    pd.testing.assert_frame_equal(result.values["small"], pd.DataFrame({"a": [1, 2]}))
    assert result.problems[0] == "cell 2 raised MemoryError (a notebook may use 800 MB)"
    assert result.problems[1].startswith("cell 3 raised MemoryError: Unable to allocate")


def test_megabytes_of_output_are_capped(tmp_path: Path, pool: KernelPool):
    path = write_notebook(tmp_path, "for _ in range(5_000):\n    print('x' * 1_000)", "done = True")
    result = pool.run(path, export=["done"], max_output_chars=1_000)
    assert (result.status, result.values) == ("ok", {"done": True})
    assert result.output.startswith("x" * 1_000 + "\n... ")
    assert result.output.endswith(" more characters of output were not kept")
    assert len(result.output) < 1_100


@pytest.mark.parametrize(
    ("file", "problem"),
    [
        ("truncated_json.ipynb", "truncated_json.ipynb is not a notebook: it is not valid JSON"),
        ("json_list.ipynb", "json_list.ipynb is JSON but not a notebook"),
        ("binary.ipynb", "binary.ipynb cannot be read as text"),
        ("missing.ipynb", "There is no notebook at"),
    ],
)
def test_files_that_are_not_notebooks_are_invalid(file: str, problem: str):
    result = run_notebook(HOSTILE / file, export=["x"])
    assert (result.status, result.values, result.missing) == ("invalid", {}, ["x"])
    assert result.problems[0].startswith(problem)


def test_rebinding_names_does_not_break_the_export(tmp_path: Path, pool: KernelPool):
    path = write_notebook(
        tmp_path,
        "import pandas as pd\nframe = pd.DataFrame({'a': [1]})\nvalues = {'k': (1, 2)}",
        "pd = json = open = print = isinstance = repr = globals = sys = os = None\n"
        "__import__ = None\nobject = None\nPipelinekitExport = None",
    )
    result = pool.run(path, export=["frame", "values"])
    assert (result.status, result.missing, result.problems) == ("ok", [], [])
    pd.testing.assert_frame_equal(result.values["frame"], pd.DataFrame({"a": [1]}))
    assert result.values["values"] == {"k": (1, 2)}


def test_deleting_open_and_print_from_builtins_does_not_break_the_export(
    tmp_path: Path, pool: KernelPool
):
    path = write_notebook(
        tmp_path,
        "import pandas as pd\nframe = pd.DataFrame({'a': [1]})\ncount = 3",
        "import builtins\ndel builtins.open, builtins.print",
    )
    result = pool.run(path, export=["frame", "count"])
    assert (result.status, result.missing, result.problems) == ("ok", [], [])
    pd.testing.assert_frame_equal(result.values["frame"], pd.DataFrame({"a": [1]}))
    assert result.values["count"] == 3


@pytest.mark.parametrize("deleted", ["__import__", "len, builtins.isinstance"])
def test_breaking_the_kernel_by_deleting_builtins_fails_cleanly(
    tmp_path: Path, pool: KernelPool, monkeypatch: pytest.MonkeyPatch, deleted: str
):
    monkeypatch.setattr(runner, "INTERRUPT_SECONDS", 1.0)
    path = write_notebook(tmp_path, "count = 3", f"import builtins\ndel builtins.{deleted}")
    result = pool.run(path, export=["count"], cell_timeout=1)
    assert result.status in ("timeout", "dead")  # ipykernel hangs or exits, by luck
    assert (result.values, result.missing) == ({}, ["count"])
    assert result.problems[0].startswith(
        ("cell 2 ran past", "The kernel died while running cell 2")
    )


def test_subprocesses_of_a_notebook_do_not_outlive_it(tmp_path: Path, pool: KernelPool):
    path = write_notebook(
        tmp_path,
        "import subprocess\nchild = subprocess.Popen(['sleep', '300'], start_new_session=True).pid",
    )
    result = pool.run(path, export=["child"])
    assert result.status == "ok"
    assert ended(result.values["child"])


# --- the grader's own mistakes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"export": "total"}, "export='total' is one string"),
        ({"export": ["total", "not a name"]}, "'not a name', which are not variable names"),
        ({"export": [], "cell_timeout": 0}, "cell_timeout=0; expected a positive number"),
        ({"export": [], "timeout": -1}, "timeout=-1"),
        ({"export": [], "memory_mb": 0}, "memory_mb=0"),
        ({"export": [], "max_output_chars": -5}, "max_output_chars=-5"),
        ({"export": [], "cwd": Path("/no/such/folder")}, "'/no/such/folder' is not a folder"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict, message: str, tmp_path: Path):
    with pytest.raises(InvalidValueError, match=message.replace("(", r"\(")):
        run_notebook(write_notebook(tmp_path, "x = 1"), **arguments)


def test_bad_pool_size_is_refused():
    with pytest.raises(InvalidValueError, match="Pool size 0"):
        KernelPool(size=0)


def test_kernel_that_cannot_start_raises(tmp_path: Path):
    with pytest.raises(PipelinekitError, match="The grading kernel did not start"):
        run_notebook(write_notebook(tmp_path, "x = 1"), export=["x"], memory_mb=50)


def test_missing_kernelspec_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(runner, "KERNEL_NAME", "no-such-kernel")
    with pytest.raises(PipelinekitError, match="no Jupyter kernel named 'no-such-kernel'"):
        run_notebook(write_notebook(tmp_path, "x = 1"), export=["x"])


def test_decode_json_refuses_unknown_tags():
    with pytest.raises(ValueError, match="unknown tag 'pickle'"):
        decode_json({"pickle": "..."})
