"""How the suite spreads over cores and what ``make check`` leaves out. Loaded for every run
by ``-p tests.grouping`` (pyproject), so that it applies to the notebooks too.

``make test`` runs pytest-xdist with ``--dist loadscope``: each test module, and each
notebook, runs whole on one worker, so a module-scoped JupyterLab server, a graded class or
a built edition starts once, and a notebook's cells run in order in one kernel. (xdist's
``loadgroup`` splits nbval's cells across workers, and a cell then misses its imports.)

xdist hands the modules out in collection order (its own reordering, by number of tests,
is turned off here: it sent the fuzz's 2,000 quick tests first and the browser's 9 long ones
last). The longest go first (longest processing time first), so that no worker starts a
two-minute module when the others are done; the masters come right after the browser, so
that nbval's run of each fills the execution cache (tests/nbval_cache.py) before the tests
that read it ask. The order of the tests inside a module is kept.
"""
import pathlib

import pytest

# What `make check` leaves out: notebooks, otter, a browser, fresh environments, a class
# graded in kernels, a hub, the website, and the explorers driven through every state.
_SLOW = {"test_browser", "test_grading", "test_student_edition", "test_editions",
         "test_notebooks", "test_packaging", "test_explorers", "test_hub", "test_book"}


# The longest modules, longest first (seconds of CPU of each alone: grading 89, browser 88,
# hub 69, editions 45, explorers 41, book 37), the masters (nbval) after the browser; the
# rest keep their order.
_LONGEST = ("test_browser", "*.ipynb", "test_grading", "test_hub", "test_editions",
            "test_book", "test_explorers", "test_student_edition", "test_exercises",
            "test_deploy", "test_packaging")


def _rank(item) -> int:
    path = pathlib.Path(str(item.fspath))
    stem = "*.ipynb" if path.suffix == ".ipynb" else path.stem
    return _LONGEST.index(stem) if stem in _LONGEST else len(_LONGEST)


def pytest_configure(config):
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    config.addinivalue_line("markers", "slow: executes notebooks, otter, a browser or a "
                            "fresh environment (left out by make check)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = pathlib.Path(str(item.fspath))
        if path.suffix == ".ipynb" or path.stem in _SLOW:
            item.add_marker(pytest.mark.slow)
    items.sort(key=_rank)                 # stable: each module's own order is kept
