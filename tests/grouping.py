"""How the suite spreads over cores and what ``make check`` leaves out. Loaded for every run
by ``-p tests.grouping`` (pyproject), so that it applies to the notebooks too.

``make test`` runs pytest-xdist with ``--dist loadscope``: each test module, and each
notebook, runs whole on one worker, so a module-scoped JupyterLab server, a graded class or
a built edition starts once, and a notebook's cells run in order in one kernel. (xdist's
``loadgroup`` splits nbval's cells across workers, and a cell then misses its imports.)

xdist hands the modules out in collection order; the longest go first (longest processing
time first), so that no worker starts a two-minute module when the others are done. The
order of the tests inside a module is kept.
"""
import pathlib

import pytest

# What `make check` leaves out: notebooks, otter, a browser, fresh environments, a class
# graded in kernels, a hub, the website, and the explorers driven through every state.
_SLOW = {"test_browser", "test_grading", "test_student_edition", "test_editions",
         "test_notebooks", "test_packaging", "test_explorers", "test_hub", "test_book"}


# The longest modules, longest first (seconds of one worker in a clean run: grading 145,
# editions 135, browser 147 in two halves, hub 60, explorers 66, student edition 36); the
# rest keep their order.
_LONGEST = ("test_browser", "test_grading", "test_editions", "test_hub", "test_book",
            "test_explorers", "test_student_edition", "test_packaging", "test_exercises")


def _rank(item) -> int:
    stem = pathlib.Path(str(item.fspath)).stem
    return _LONGEST.index(stem) if stem in _LONGEST else len(_LONGEST)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: executes notebooks, otter, a browser or a "
                            "fresh environment (left out by make check)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = pathlib.Path(str(item.fspath))
        if path.suffix == ".ipynb" or path.stem in _SLOW:
            item.add_marker(pytest.mark.slow)
    items.sort(key=_rank)                 # stable: each module's own order is kept
