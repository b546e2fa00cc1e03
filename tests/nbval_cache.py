"""nbval's run of a master is the suite's one execution of it: its outputs and cell timings
go into the execution cache (:mod:`tools.executed`) that the editions, the grader, the
website and their tests read. Loaded for every run by ``-p tests.nbval_cache`` (pyproject).

nbval runs a notebook's code cells in order in one kernel, from the notebook's folder, as
``tools.executed.run`` does; the kernel draws inline (as in JupyterLab, and as the cache
holds it), whatever MPLBACKEND the tests set. While nbval runs a master that is not cached
yet, it holds the cache's lock for it, so a test on another worker that needs the same
execution waits for it instead of running the master again. Only a run in which every cell
passed is stored; one that failed, or ran only some cells (``-k``), stores nothing.
"""
from __future__ import annotations

import contextlib
import datetime
import os
import pathlib

import nbformat
import pytest

from tools import executed

NOTEBOOKS = executed.NOTEBOOKS.resolve()


class _Recording:
    """One master's run by nbval: the cache entry it fills and what each cell gave."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        self.nb = nbformat.read(path, as_version=4)
        self.code = [c for c in self.nb.cells if c.cell_type == "code"]
        self.stored = executed.stored_path(path, self.nb)
        self.lock = contextlib.ExitStack()
        self.lock.enter_context(executed.locked(self.stored))
        self.recording = not self.stored.exists()       # stored meanwhile: nothing to do
        self.ran: set[int] = set()
        if not self.recording:
            self.lock.close()

    def cell_ran(self, number: int, outputs: list, began: str, ended: str) -> None:
        cell = self.code[number]
        cell.outputs = [nbformat.from_dict(dict(o)) for o in outputs]
        cell.execution_count = number + 1
        for out in cell.outputs:
            if out.output_type == "execute_result":
                out.execution_count = number + 1
        cell.metadata["execution"] = {"iopub.execute_input": began, "shell.execute_reply": ended}
        self.ran.add(number)
        if len(self.ran) == len(self.code):          # every cell, in one kernel (not -k)
            executed.store(self.stored, self.nb)
            self.done()

    def done(self) -> None:
        self.recording = False
        self.lock.close()


_runs: dict[str, _Recording] = {}


def _start_twice(start):
    """nbval's kernel start, tried a second time if the kernel dies before its first reply.
    jupyter_client picks free TCP ports, then the kernel binds them a second later; on a
    busy machine (three workers, a hub, browsers) another process may take one in between,
    and the kernel exits (seen once in a clean-clone run: 44 cells of one master errored)."""
    def start_new_kernel(*args, **kwargs):
        try:
            return start(*args, **kwargs)
        except RuntimeError:
            return start(*args, **kwargs)
    return start_new_kernel


def pytest_configure(config):
    import nbval.kernel

    nbval.kernel.start_new_kernel = _start_twice(nbval.kernel.start_new_kernel)


def _master(item) -> pathlib.Path | None:
    """The master an nbval cell item belongs to, or None for any other item."""
    if type(item).__name__ != "IPyNbCell":
        return None
    path = pathlib.Path(str(item.fspath)).resolve()
    return path if path.parent == pathlib.Path(NOTEBOOKS) else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    path = _master(item)
    if path is None or item.cell_num != 0:
        yield
        return
    _runs[str(path)] = _Recording(path)          # before the kernel starts: take the lock
    backend = os.environ.pop("MPLBACKEND", None)  # nbval's kernel starts in this setup
    try:
        yield
    finally:
        if backend is not None:
            os.environ["MPLBACKEND"] = backend


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    path = _master(item)
    run = _runs.get(str(path)) if path else None
    began = _now()
    outcome = yield
    if run is None or not run.recording:
        return
    if outcome.excinfo is not None:
        run.done()                               # a failed cell: nothing is stored
    else:
        run.cell_ran(item.cell_num, item.test_outputs or [], began, _now())


def pytest_runtest_teardown(item, nextitem):
    path = _master(item)
    run = _runs.get(str(path)) if path else None
    if run is not None and run.recording and (nextitem is None or nextitem.parent is not item.parent):
        run.done()                               # the master's last selected cell: let go


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()
