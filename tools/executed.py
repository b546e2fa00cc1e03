"""Each master executed once, and kept: the execution the editions, the tests and the
course's website share.

``executed(path)`` runs a notebook top to bottom in a fresh kernel (nbclient) the first
time, and stores the result under ``.cache/executed/`` (``$COURSE_LIB_CACHE/../executed``
if set) keyed by everything its outputs depend on: its code cells, the kit's library
(``course_lib/``), its tables (``data/``) and the versions of Python, numpy, pint and
matplotlib. The next call with the same key reads the file instead of running a kernel:
a second test, ``make editions`` after ``make test``, or the website after both. A master
whose prose alone changed keeps its key (markdown is copied from the master at read time,
so the text is always today's). Each code cell keeps nbclient's timing of the run
(``metadata.execution``): the grader sets its time limits from it.

Parallel test workers ask for the same notebook at once: a lock file per key makes the
second wait for the first rather than run the notebook twice. A notebook that fails to run
raises nbclient's error and stores nothing. The test suite's nbval run of a master stores
its execution here too (tests/nbval_cache.py), so that a master runs once per suite.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pathlib
import platform
import sys
import tempfile

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
_INPUTS = ("course_lib", "data")          # what a chapter's outputs are computed from
_HOW = "inline figures"                   # how a master is run: a change keys anew


def cache_folder() -> pathlib.Path:
    kit = os.environ.get("COURSE_LIB_CACHE")
    return (pathlib.Path(kit).parent if kit else ROOT / ".cache") / "executed"


def _kit_digest() -> str:
    """One digest of the library's and the tables' files and of the versions that shape
    their outputs (a figure drawn by another matplotlib differs)."""
    import matplotlib
    import numpy
    import pint

    h = hashlib.sha256(f"{sys.version}|{platform.machine()}|{numpy.__version__}|"
                       f"{pint.__version__}|{matplotlib.__version__}".encode())
    for folder in _INPUTS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def key(nb) -> str:
    """The cache key of a notebook node: its cells' kinds in order, its code, the kit."""
    cells = [(c.cell_type, c.source if c.cell_type == "code" else "") for c in nb.cells]
    return hashlib.sha256(json.dumps([cells, _kit_digest(), _HOW]).encode()).hexdigest()[:24]


@contextlib.contextmanager
def locked(path: pathlib.Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run(nb, cwd: pathlib.Path = NOTEBOOKS, timeout: int = 300):
    """Execute the notebook node ``nb`` in place in a fresh kernel, from ``cwd``."""
    from nbclient import NotebookClient
    from traitlets.config import Config

    # every output is in ``nb`` when execute() returns: stop the kernel at once rather than
    # wait up to a second for a graceful exit that has nothing left to flush. The kernel
    # draws as in JupyterLab (inline): a caller's MPLBACKEND=Agg (the tests') would leave
    # every figure out of the outputs, and out of the website built from them.
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    # The kernel talks over Unix sockets, not TCP ports: no other process can take a port
    # between its choice and the kernel's bind (a kernel then dies before it answers). A
    # socket's path holds at most 107 bytes, "-<port>" included: under a deep TMPDIR the
    # kernel keeps TCP.
    with tempfile.TemporaryDirectory(prefix="kit-kernel-") as sockets:
        path = os.path.join(sockets, "kernel")
        ipc = Config({"KernelManager": {"transport": "ipc", "ip": path}}) \
            if len(path.encode()) <= 96 else Config()
        NotebookClient(nb, timeout=timeout, kernel_name="python3", shutdown_kernel="immediate",
                       config=ipc, resources={"metadata": {"path": str(cwd)}}).execute(env=env)
    return nb


def stored_path(path: pathlib.Path, nb=None) -> pathlib.Path:
    """Where the execution of the notebook at ``path`` (its node ``nb``, read if not given)
    is kept."""
    nb = nb if nb is not None else nbformat.read(path, as_version=4)
    return cache_folder() / f"{pathlib.Path(path).stem}-{key(nb)}.ipynb"


def store(stored: pathlib.Path, nb) -> None:
    """Keep an executed notebook at ``stored`` (whole or not at all: a reader never sees
    half a file). The caller holds ``locked(stored)``."""
    part = stored.with_name(stored.name + ".part")
    nbformat.write(nb, part)
    os.replace(part, stored)


def executed(path: pathlib.Path, cwd: pathlib.Path = NOTEBOOKS, timeout: int = 300):
    """The notebook at ``path`` executed top to bottom (from the cache when its key is
    there), as a fresh node the caller may change."""
    nb = nbformat.read(path, as_version=4)
    stored = stored_path(path, nb)
    with locked(stored):
        if not stored.exists():
            store(stored, run(nb, cwd, timeout))
    done = nbformat.read(stored, as_version=4)
    for cell, source in zip(done.cells, nb.cells):     # today's prose, today's metadata,
        if cell.cell_type != "code":                    # and the run's own cell timings
            cell.source = source.source
        timing = cell.metadata.get("execution")
        cell.metadata = source.metadata
        if timing:
            cell.metadata["execution"] = timing
    widgets = done.metadata.get("widgets")
    done.metadata = nb.metadata
    if widgets:
        done.metadata["widgets"] = widgets
    return done
