"""Every chapter keeps the header contract; nbval (see pyproject addopts) executes them all."""
import pathlib
import re

import nbformat
import pytest

from course_lib.chapters import CHAPTERS

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_chapters():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_header_contract(path):
    nb = nbformat.read(path, as_version=4)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert re.match(rf"# {path.stem[:2]} · \S", markdown[0]), "first cell: '# NN · Title'"
    header = markdown[1]
    for field in ("**Learning goals**", "**Prerequisites**", "**Time**"):
        assert field in header, f"{path.name}: header lacks {field}"
    assert re.search(r"\*\*Time\*\*: about \d+ minutes", header)
    text = "\n".join(markdown)
    for section in ("## Summary", "## Exercises"):
        assert section in text, f"{path.name}: no '{section}' section"
    assert re.search(r"\*\*Verdict", text), f"{path.name}: no claim verdict"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lesson_cells_are_output_checked_and_stored(path):
    nb = nbformat.read(path, as_version=4)
    checked = [c for c in nb.cells if c.cell_type == "code"
               and "nbval-check-output" in c.metadata.get("tags", [])]
    assert len(checked) >= 3
    assert all(c.outputs for c in checked), "run the notebook and save it with outputs"
    assert not any(o.output_type == "error" for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_solutions_and_tests_are_folded_in_the_masters(path):
    """Self-study from the repository: no answer is visible without a deliberate click."""
    nb = nbformat.read(path, as_version=4)
    answer_cells = [c for c in nb.cells if c.cell_type == "code" and (
        "# SOLUTION" in c.source or c.source.startswith("# HIDDEN") or "quiet=True).passed" in c.source)]
    assert answer_cells
    for cell in answer_cells:
        fold = cell.metadata.get("jupyter", {})
        assert fold.get("source_hidden") and fold.get("outputs_hidden"), cell.source[:60]
        first = cell.source.splitlines()[0]
        assert first.startswith("# Worked solution") or first.startswith("feedback(") or \
            first.startswith("# HIDDEN"), f"a folded cell shows its first line: {first!r}"
        assert not cell.outputs, "masters are stored with exercise outputs cleared"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_widget_text_before_the_notebook_runs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = str(output.get("data", {}).get("text/plain", ""))
            assert "VBox(children" not in text and "widget-view" not in str(output.get("data", {}))


def test_prose_numbers_match_the_library():
    """Numbers typed in the chapters' prose, checked against the computation."""
    from course_lib import accelerator, devices_to_fit, weights_memory

    summary00 = nbformat.read(NOTEBOOKS[0], as_version=4).cells[-1].source
    need = weights_memory("405 Gparam", "BF16")
    assert f"needs {need:.0f~P}" in summary00
    assert f"at least {devices_to_fit(need, 'H100')} H100s" in summary00
    assert f"holds {accelerator('H100').memory:.0f~P}" in summary00


def test_nbval_catches_a_changed_lesson_output(tmp_path):
    """Guard the harness itself: a tagged cell whose stored output differs must fail."""
    import subprocess
    import sys

    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    tagged = next(i for i, c in enumerate(nb.cells)
                  if "nbval-check-output" in c.metadata.get("tags", []))
    nb.cells = nb.cells[:tagged + 1]             # what the tagged cell needs, no more
    cell = nb.cells[tagged]
    cell.outputs[0].text = cell.outputs[0].text.replace("0", "1", 1)
    nbformat.write(nb, tmp_path / "changed.ipynb")
    root = NOTEBOOKS[0].parent.parent
    run = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider",
                          "-q", "-c", str(root / "pyproject.toml"), "--rootdir", str(tmp_path),
                          str(tmp_path / "changed.ipynb")], capture_output=True, text=True,
                         cwd=root)
    assert run.returncode == 1 and "1 failed" in run.stdout, run.stdout[-2000:]


def test_nbval_fills_the_execution_cache_as_nbclient_would(tmp_path, monkeypatch):
    """nbval's run of a master is the suite's execution of it (tests/nbval_cache.py): what
    it stores is what nbclient's run (tools.executed.run) gives, inline figures included,
    with each cell's timing; a run with a failing cell stores nothing and frees the lock."""
    import fcntl
    import os
    import subprocess
    import sys

    from nbformat.v4 import new_code_cell, new_notebook

    from tools import executed

    folder = tmp_path / "notebooks"
    folder.mkdir()
    cells = [new_code_cell("print('a')\nprint('b')"), new_code_cell("6 * 7"),
             new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()")]
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    good, bad = folder / "good.ipynb", folder / "bad.ipynb"
    nbformat.write(new_notebook(cells=cells, metadata=kernel), good)
    nbformat.write(new_notebook(cells=[*cells, new_code_cell("1 / 0")], metadata=kernel), bad)
    root = NOTEBOOKS[0].parent.parent
    code = ("import sys, pytest\nfrom tests import nbval_cache\n"
            f"nbval_cache.NOTEBOOKS = {str(folder.resolve())!r}\n"
            f"sys.exit(pytest.main(['-q', '-c', {str(root / 'pyproject.toml')!r}, "
            f"'--rootdir', {str(tmp_path)!r}, {str(good)!r}, {str(bad)!r}]))")
    env = {**os.environ, "COURSE_LIB_CACHE": str(tmp_path / "cache" / "kit"), "MPLBACKEND": "Agg"}
    run = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True,
                         text=True)
    assert run.returncode == 1 and "1 failed, 6 passed" in run.stdout, run.stdout[-2000:]
    monkeypatch.setenv("COURSE_LIB_CACHE", env["COURSE_LIB_CACHE"])
    stored, failed = executed.stored_path(good), executed.stored_path(bad)
    assert stored.is_file() and not failed.exists()
    with open(failed.with_suffix(".lock"), "w") as lock:              # free, not held
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    ours = nbformat.read(stored, as_version=4)
    theirs = executed.run(nbformat.read(good, as_version=4), cwd=folder)

    def shown(nb):
        return [(c.execution_count, [(o.output_type, o.get("name"), o.get("text"),
                                      sorted(o.get("data", {}))) for o in c.outputs])
                for c in nb.cells]
    assert shown(ours) == shown(theirs)
    assert "image/png" in shown(ours)[2][1][0][3]
    timing = ours.cells[1].metadata["execution"]
    assert timing["iopub.execute_input"] <= timing["shell.execute_reply"]


def _notebook(*sources):
    """A notebook of code cells, for a kernel to run."""
    from nbformat.v4 import new_code_cell, new_notebook

    return new_notebook(cells=[new_code_cell(s) for s in sources],
                        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})


@pytest.mark.parametrize("deep", [False, True])
def test_a_notebook_runs_over_unix_sockets_or_tcp_under_a_deep_tmpdir(tmp_path, monkeypatch,
                                                                      deep):
    """tools.executed.run: a kernel over Unix sockets where their path fits (107 bytes),
    over TCP under a deep TMPDIR (it failed with zmq's "File name too long"); no socket
    folder left behind."""
    import shutil
    import tempfile

    from tools.executed import run

    folder = tmp_path / ("t" * 90) if deep else pathlib.Path(tempfile.mkdtemp(dir="/tmp"))
    folder.mkdir(exist_ok=True)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    nb = _notebook("from ipykernel.kernelapp import IPKernelApp\n"
                   "print(IPKernelApp.instance().transport)")
    try:
        run(nb, cwd=tmp_path)
        assert nb.cells[0].outputs[0].text.strip() == ("tcp" if deep else "ipc")
        assert list(folder.iterdir()) == []
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_an_inline_figure_is_drawn_twice_not_three_times(tmp_path):
    """charts.draw_inline_figures_once, in a kernel as a chapter runs it: after an import
    cell that imports pyplot, then course_lib, a figure is still shown, drawn for its tight
    box and its pixels only; another backend gets pyplot's redraw hook back."""
    from tools.executed import run

    count = ("from matplotlib.figure import Figure\ndraws = []\n_draw = Figure.draw\n"
             "Figure.draw = lambda self, r: (draws.append(1), _draw(self, r))[1]\n")
    hooked = ("print(any(getattr(f, '__name__', '') == '_draw_all_if_interactive'\n"
              "          for f in get_ipython().events.callbacks['post_execute']))")
    nb = _notebook("import matplotlib.pyplot as plt\nimport course_lib", count,
                   "fig, ax = plt.subplots()\nax.plot([0, 1]);", "print(len(draws))", hooked,
                   "plt.switch_backend('agg')", hooked)
    run(nb, cwd=tmp_path)
    assert "image/png" in nb.cells[2].outputs[0].data
    assert [nb.cells[i].outputs[0].text.strip() for i in (3, 4, 6)] == ["2", "False", "True"]


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if not c.planned], ids=lambda c: c.number)
def test_notebook_shows_the_declared_explorers_in_order(chapter):
    """The browser test and the benchmarks find explorers by their place on the page."""
    path = NOTEBOOKS[0].parent / chapter.notebook
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                       if c.cell_type == "code")
    calls = re.findall(r"\b(\w+_explorer)\(\)", source)
    assert tuple(calls) == chapter.explorer_names
