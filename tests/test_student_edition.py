"""What `make lab` serves: the student edition, built with the kit's own reader of the
masters (no otter, nothing executed), leaks no solution and no hidden test, runs top to
bottom unanswered (in JupyterLab, test_browser.py; here, in a kernel, where there is no
browser), and a newer master never costs a student an answer (it is merged into their copy
by question name, the old copy kept). Needs no developer extra to build; the
equality with otter assign's edition is in test_editions.py."""
import json
import os
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest

from course_lib.chapters import CHAPTERS
from course_lib.masters import MasterError, read_master
from tests.leaks import leaks
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
    assert re.search(r"pip install --quiet( --compile-bytecode --python \S+)? -e \.( pip)?[)\n]", dry), dry
    assert not re.search(r"\[(test|instructor|browser)", dry), dry
    assert "-m tools.editions student" in dry and "--ServerApp.ip=127.0.0.1" in dry
    assert dry.index("tools.editions student") < dry.index("jupyter lab")


def test_the_build_writes_every_written_chapter(served):
    assert all(path.is_file() for path in served.values()), served
    for path in served.values():
        nbformat.validate(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_no_solution_or_hidden_test_leaks_into_the_student_edition(served, master):
    import course_lib

    package = "".join(p.read_text(errors="ignore") for p in
                      pathlib.Path(course_lib.__file__).parent.rglob("*") if p.is_file()
                      and p.suffix in (".py", ".md", ".txt"))   # data tables are inputs
    student = served[master.stem]
    text = student.read_text()                     # sources, metadata and all
    assert leaks(master, text, _readable_text(student), package) == []
    nb = nbformat.read(student, as_version=4)
    assert not any(c.metadata.get("jupyter", {}).get("source_hidden") for c in nb.cells)
    assert "# SOLUTION" not in text and "# HIDDEN" not in text and "# BEGIN" not in text
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


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


def _browser_runs_them() -> bool:
    from tools import lab_driver
    return not lab_driver.missing()


# test_browser runs every student edition in JupyterLab, with these two checks: run once
@pytest.mark.skipif(_browser_runs_them(), reason="test_browser runs the student editions")
@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_student_edition_runs_top_to_bottom_unanswered(served, master):
    nb = editions.execute(served[master.stem])
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    unanswered = sum("Not answered yet" in o.get("text", "") for o in outputs)
    assert unanswered == len(read_master(master).graded)


def _master_copy(folder: pathlib.Path, change=None) -> pathlib.Path:
    """Chapter 00's master copied to ``folder`` (written again, so newer), with ``change``
    applied to its cells: what a ``git pull`` brings."""
    nb = nbformat.read(MASTERS[0], as_version=4)
    if change:
        change(nb.cells)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / MASTERS[0].name)
    return folder / MASTERS[0].name


def _new_lesson(cells):
    cell = next(c for c in cells if c.source.startswith("## Exercises"))
    cell.source = cell.source.replace("## Exercises", "## Exercises\n\nNew lesson text.")


def _without_q00_1(cells):
    start = next(i for i, c in enumerate(cells) if "name: q00_1" in c.source)
    stop = next(i for i in range(start, len(cells)) if cells[i].source == "# END QUESTION")
    del cells[start:stop + 1]


def _answered(path: pathlib.Path, written: str = "Bytes per parameter decide it.",
              **answers) -> str:
    """The student answers (``variable=expression``), writes ``written`` for the written
    question and adds a cell of their own below 00.2's answer; returns the saved text."""
    nb = nbformat.read(path, as_version=4)
    for cell in list(nb.cells):
        for variable, value in answers.items():
            if cell.source.startswith(f"{variable} = ..."):
                cell.source = cell.source.replace("= ...", f"= {value}", 1)
        if cell.source == editions.RESPONSE:
            cell.source = written
        if cell.source.startswith("ssd_gib = "):
            nb.cells.insert(nb.cells.index(cell) + 1, nbformat.v4.new_code_cell("# my note"))
    nbformat.write(nb, path)
    return path.read_text()


def _sources(path: pathlib.Path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells]


def test_a_newer_master_keeps_the_answers_brings_the_new_lesson_and_a_backup(tmp_path):
    out = tmp_path / "editions"
    assert editions.update_student(_master_copy(tmp_path / "v1"), out)[1] == "new"
    edition = editions.edition_path(MASTERS[0], "student", out)
    before = _answered(edition, send_time="Q_(500, 'GiB') * 8 / Q_(400, 'Gbit/s')",
                       ssd_gib="Q_(1, 'TB').to('GiB')")
    path, said = editions.update_student(_master_copy(tmp_path / "v2", _new_lesson), out)
    assert path == edition
    assert said.startswith("kept your 4 answers, new lesson text merged, backup at "), said
    cells = _sources(edition)
    assert any("New lesson text." in c for c in cells)
    send = next(i for i, c in enumerate(cells) if c.startswith("send_time = "))
    assert cells[send - 1].startswith("**Exercise 00.1")            # in its question
    ssd = next(i for i, c in enumerate(cells) if c.startswith("ssd_gib = Q_(1"))
    assert cells[ssd + 1] == "# my note" and cells[ssd + 2].startswith("**Exercise 00.3")
    assert "Bytes per parameter decide it." in cells
    assert sum(c.startswith("b200_year_energy = ...") for c in cells) == 1   # unanswered
    (backup,) = (edition.parent / "backups").iterdir()
    assert said.endswith(backup.name) and backup.read_text() == before


def test_an_untouched_edition_is_simply_refreshed(tmp_path):
    out = tmp_path / "editions"
    editions.update_student(_master_copy(tmp_path / "v1"), out)
    master = _master_copy(tmp_path / "v2", _new_lesson)
    said = editions.update_student(master, out)[1]
    assert said == "no answers to keep, new lesson text merged"
    edition = editions.edition_path(MASTERS[0], "student", out)
    assert nbformat.read(edition, as_version=4) == editions.student_edition(master)
    assert not (edition.parent / "backups").exists()


def test_an_answer_to_a_question_the_master_dropped_is_kept_at_the_end(tmp_path):
    out = tmp_path / "editions"
    editions.update_student(_master_copy(tmp_path / "v1"), out)
    edition = editions.edition_path(MASTERS[0], "student", out)
    _answered(edition, send_time="42", b200_year_energy="7")
    said = editions.update_student(_master_copy(tmp_path / "v2", _without_q00_1), out)[1]
    assert said.startswith("kept your 4 answers (those to q00_1, no longer asked, at the end)")
    nb = nbformat.read(edition, as_version=4)
    note, answer = nb.cells[-2:]
    assert "q00_1, a question this chapter no longer asks" in note.source
    assert answer.source.startswith("send_time = 42")
    assert editions.ANSWER_TAG not in answer.metadata.get("tags", [])    # not graded
    energy = next(i for i, c in enumerate(nb.cells) if c.source.startswith("b200_year_energy"))
    assert nb.cells[energy].source.startswith("b200_year_energy = 7")
    assert nb.cells[energy - 1].source.startswith("**Exercise 00.3")


def test_updating_twice_neither_duplicates_nor_loses_and_keeps_each_backup(tmp_path):
    out = tmp_path / "editions"
    editions.update_student(_master_copy(tmp_path / "v1"), out)
    edition = editions.edition_path(MASTERS[0], "student", out)
    _answered(edition, send_time="42", ssd_gib="931")
    master = _master_copy(tmp_path / "v2", _new_lesson)
    editions.update_student(master, out)
    once = edition.read_text()
    assert editions.update_student(master, out)[1] == "unchanged"
    assert edition.read_text() == once
    third = _master_copy(tmp_path / "v3",
                         lambda cells: (_new_lesson(cells), _without_q00_1(cells)))
    assert editions.update_student(third, out)[1].startswith("kept your 4 answers")
    cells = _sources(edition)
    for text in ("send_time = 42", "ssd_gib = 931", "# my note", "Bytes per parameter"):
        assert sum(c.startswith(text) for c in cells) == 1, text
    assert sum("New lesson text." in c for c in cells) == 1
    assert len(list((edition.parent / "backups").iterdir())) == 2


def test_a_copy_written_before_the_edition_recorded_its_cells_keeps_its_answers(tmp_path):
    """Editions written before the record existed: answers found by their question's tests
    name, their variable and their place; the response cell had a random id."""
    old = editions.student_edition(_master_copy(tmp_path / "v1"))
    del old.metadata[editions.RECORD]
    for cell in old.cells:
        if cell.source == editions.RESPONSE:
            cell.source, cell.id = "Memory per GPU.", "a1b2c3d4"
        elif cell.source.startswith(("send_time = ...", "guess = ...")):
            cell.source = cell.source.replace("= ...", "= 42", 1)
    new = editions.student_edition(_master_copy(tmp_path / "v2", _new_lesson))
    copy = nbformat.from_dict(json.loads(json.dumps(old)))
    merged, report = editions.merge_student_edition(old, new)
    assert old == copy                                       # arguments unchanged
    assert (len(report.answers), report.own, report.removed) == (2, 1, [])
    cells = [c.source for c in merged.cells]
    assert sum(c.startswith(("send_time = 42", "guess = 42")) for c in cells) == 2
    assert "Memory per GPU." in cells and any("New lesson text." in c for c in cells)
    assert len(cells) == len(new.cells)


def test_building_the_editions_warns_when_the_student_folder_holds_answers(tmp_path, capsys):
    master = _master_copy(tmp_path / "v1")
    edition = editions.update_student(master, tmp_path / "editions")[0]
    blank = editions.student_edition(master)
    editions._warn_if_answered(edition, blank)
    assert capsys.readouterr().err == ""
    _answered(edition, send_time="42")
    editions._warn_if_answered(edition, blank)
    assert "holds work of its own" in capsys.readouterr().err


def test_make_lab_says_for_each_chapter_what_it_did(tmp_path):
    first = _make_lab_build(tmp_path).stdout
    assert all(f"{m.stem}: new -> " in first for m in MASTERS), first
    edition = editions.edition_path(MASTERS[0], "student", tmp_path)
    nb = nbformat.read(edition, as_version=4)
    lesson = next(c for c in nb.cells if c.source.startswith("## Exercises"))
    lesson.source = "## Exercises, as an older master had them"       # and as it recorded
    nb.metadata[editions.RECORD]["cells"][lesson.id][1] = editions._fingerprint(lesson.source)
    nbformat.write(nb, edition)
    _answered(edition, send_time="42")
    run = _make_lab_build(tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = dict(line.split(": ", 1) for line in run.stdout.splitlines())
    assert re.fullmatch(r"kept your 3 answers, new lesson text merged, backup at "
                        r".*/backups/00_units_and_estimates_student\.[\d-]+\.ipynb",
                        lines.pop(MASTERS[0].stem)), run.stdout
    assert set(lines.values()) == {"unchanged"}
    assert not any(c.startswith("## Exercises, as an older") for c in _sources(edition))


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
