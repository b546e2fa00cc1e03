"""Run a chapter's own cells in this process, and name each chapter's main explorer.

Shared by the widget tests, the browser tests and the benchmarks, so that all three drive
the exact code a student runs.
"""
from __future__ import annotations

import contextlib
import io
import pathlib

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

# notebook -> (variable holding its main explorer, name of its main slider)
MAIN_EXPLORERS = {
    "00_units_and_estimates.ipynb": ("transfer", "params"),
    "01_fp4_memory_math.ipynb": ("memory_explorer", "context"),
}


def namespace_until(notebook: str, name: str) -> dict:
    """Execute the notebook's code cells in order (hidden tests excluded) until ``name``
    is defined; return the namespace."""
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    ns: dict = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.source.startswith("# HIDDEN"):
            continue
        with contextlib.redirect_stdout(io.StringIO()):   # the lesson's prints are not ours
            exec(compile(cell.source, notebook, "exec"), ns)
        if name in ns:
            return ns
    raise LookupError(f"{notebook} never defines {name}")


def main_explorer(notebook: str):
    """(explorer, main slider control) of a chapter, built by the chapter's own cells."""
    variable, control = MAIN_EXPLORERS[notebook]
    explorer = namespace_until(notebook, variable)[variable]
    return explorer, explorer.controls[control]
