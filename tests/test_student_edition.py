"""What `make lab` serves: the student edition, built with the kit's own reader of the
masters (no otter, nothing executed), leaks no solution and no hidden test, runs top to
bottom unanswered, and a rebuild keeps a student's saved work. Needs no developer extra
to build; the equality with otter assign's edition is in test_editions.py."""
import json
import os
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest

from course_lib.chapters import CHAPTERS, chapter
from course_lib.exercises import expected_answer
from course_lib.masters import MasterError, read_master
from tools import editions

ROOT = pathlib.Path(__file__).resolve().parent.parent
MASTERS = [ROOT / "notebooks" / c.notebook for c in CHAPTERS if not c.planned]
# Neither otter, nor a kernel, nor any test or browser tool: what a student's .venv lacks or
# what building must not start.
UNAVAILABLE = ("otter", "nbclient", "jupyter_client", "ipykernel", "pytest", "nbval",
               "hypothesis", "playwright")


def _make_lab_build(out: pathlib.Path) -> subprocess.CompletedProcess:
    """The Makefile's `student` recipe (python -m tools.editions student), in a Python where
    the modules above cannot be imported."""
    code = (f"import runpy, sys\nfor name in {UNAVAILABLE!r}:\n    sys.modules[name] = None\n"
            "sys.argv = ['tools.editions', 'student']\n"
            "runpy.run_module('tools.editions', run_name='__main__')")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "EDITIONS": str(out)})


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    out = tmp_path_factory.mktemp("editions")
    run = _make_lab_build(out)
    assert run.returncode == 0, run.stderr[-2000:]
    return {m.stem: editions.edition_path(m, "student", out) for m in MASTERS}


def test_make_lab_installs_only_the_base_kit_and_builds_with_the_kits_reader():
    dry = subprocess.run(["make", "-n", "-B", "lab"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert "pip install --quiet -e .\n" in dry
    assert not re.search(r"\[(test|instructor|browser)", dry), dry
    assert "-m tools.editions student" in dry and "--ServerApp.ip=127.0.0.1" in dry
    assert dry.index("tools.editions student") < dry.index("jupyter lab")


def test_the_build_writes_every_written_chapter(served):
    assert all(path.is_file() for path in served.values()), served
    for path in served.values():
        nbformat.validate(nbformat.read(path, as_version=4))


def _solution_expressions(question) -> list[str]:
    """What a question's solution lines compute (``var = <this>  # SOLUTION``): the text
    the student edition replaces with ``...``."""
    return [line.split("=", 1)[1].split("# SOLUTION")[0].strip()
            for cell in question.solutions if cell.cell_type == "code"
            for line in cell.source.splitlines() if line.rstrip().endswith("# SOLUTION")]


def _graded(master) -> list:
    """The questions of a master that the autograder scores (written ones are by hand)."""
    return [q for q in read_master(master).questions if q.hidden_tests]


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_no_solution_or_hidden_test_leaks_into_the_student_edition(served, master):
    student = served[master.stem]
    text = student.read_text()                     # sources, metadata and all
    for q in read_master(master).questions:
        for solution in _solution_expressions(q):
            assert json.dumps(solution)[1:-1] not in text and solution not in text, solution
        for hidden in q.hidden_tests:
            body = hidden.source.split("\n", 1)[1]
            assert json.dumps(body)[1:-1] not in text, hidden
        for cell in q.solutions:
            if cell.cell_type == "markdown":       # written questions' model answers
                assert json.dumps(cell.source)[1:-1] not in text, q.name
    nb = nbformat.read(student, as_version=4)
    assert not any(c.metadata.get("jupyter", {}).get("source_hidden") for c in nb.cells)
    assert "# SOLUTION" not in text and "# HIDDEN" not in text and "# BEGIN" not in text
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_no_graded_answer_is_readable_from_the_student_edition_or_the_package(served, master):
    import course_lib

    package = "".join(p.read_text(errors="ignore") for p in
                      pathlib.Path(course_lib.__file__).parent.rglob("*") if p.is_file()
                      and p.suffix in (".py", ".md", ".txt"))   # data tables are inputs
    student = _readable_text(served[master.stem])
    for ex in chapter(master.name).exercises:
        value = expected_answer(ex.id)
        number = float(value.m_as(ex.unit) if hasattr(value, "m_as") else value)
        if number == int(number) and abs(number) < 100:
            continue          # small counts (3 GPUs) appear everywhere as other numbers
        for text in {f"{number:.4g}", f"{number:.5g}"}:   # 3 digits collide (head dim 128)
            # a number on its own, not inside another one or an exercise id ("08.1")
            pattern = re.compile(rf"(?<![\d.]){re.escape(text)}(?![\d])")
            for where, body in (("the student edition", student), ("the package", package)):
                found = pattern.search(body)
                assert found is None, (f"{ex.id}'s answer {text} is readable in {where}: "
                                       f"...{body[max(0, found.start() - 60):found.end() + 20]}...")


def _readable_text(path: pathlib.Path) -> str:
    """What a student can read in a notebook: cell sources and text outputs (images are
    base64 noise in which any short number turns up by chance)."""
    nb = nbformat.read(path, as_version=4)
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            data = out.get("data", {})
            parts.extend(str(data[k]) for k in data if k.startswith("text/"))
    return "\n".join(parts)


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_student_edition_runs_top_to_bottom_unanswered(served, master):
    nb = editions.execute(served[master.stem])
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    unanswered = sum("Not answered yet" in o.get("text", "") for o in outputs)
    assert unanswered == len(_graded(master))


def test_a_rebuild_keeps_a_students_saved_work_and_follows_a_newer_master(tmp_path):
    assert _make_lab_build(tmp_path).returncode == 0
    edition = editions.edition_path(MASTERS[0], "student", tmp_path)
    edition.write_text(edition.read_text().replace("= ...", "= 42"))     # the student saves
    assert _make_lab_build(tmp_path).returncode == 0
    assert "= 42" in edition.read_text()
    before = MASTERS[0].stat().st_mtime - 60                              # the master changes
    os.utime(edition, (before, before))
    assert _make_lab_build(tmp_path).returncode == 0
    assert "= 42" not in edition.read_text()


def _master_without(tmp_path, what: str, replacement: str = "") -> pathlib.Path:
    nb = nbformat.read(MASTERS[0], as_version=4)
    for cell in nb.cells:
        cell.source = cell.source.replace(what, replacement)
    nb.cells = [c for c in nb.cells if c.source.strip() or c.cell_type != "raw"]
    path = tmp_path / MASTERS[0].name
    nbformat.write(nb, path)
    return path


def test_masters_whose_otter_edition_would_import_otter_are_refused(tmp_path):
    master = read_master(MASTERS[0])
    config = master.cells[master.config_cell].source
    with pytest.raises(MasterError, match="no raw '# ASSIGNMENT CONFIG' cell"):
        editions.student_edition(_master_without(tmp_path, config))
    with pytest.raises(MasterError, match="set init_cell to false"):
        editions.student_edition(_master_without(tmp_path, "init_cell: false\n"))
    with pytest.raises(MasterError, match="set check_cell of q00_1 to false"):
        editions.student_edition(_master_without(tmp_path, "name: q00_1\npoints: 1\n"
                                                 "check_cell: false", "name: q00_1\npoints: 1"))
