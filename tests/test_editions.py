"""One source, three editions: the student edition (the kit's own, as `make lab` serves it)
is otter assign's, cell by cell, and its blanks score nothing; the solutions grade to full marks;
grading works as the README says to run it. Needs the instructor extra (otter-grader).
What the student edition leaks (nothing) and that it runs: test_student_edition.py."""
import ast
import importlib.util
import pathlib
import subprocess
import sys

import nbformat
import pytest

# found, not imported: otter's import costs each worker of the suite a second at collection
if importlib.util.find_spec("otter") is None:
    pytest.skip("editions need the instructor extra: pip install -e '.[instructor]'",
                allow_module_level=True)

from course_lib.chapters import CHAPTERS as DECLARED  # noqa: E402
from course_lib.masters import MasterError, read_master  # noqa: E402
from tools import editions  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent

CHAPTERS = [ROOT / "notebooks" / c.notebook for c in DECLARED if not c.planned]


class _Built(dict):
    """The three editions of every chapter, built together when first asked for (as ``make
    editions`` builds them: one otter process), and otter assign's own student edition
    (``otter``: what ``make editions`` built before the kit wrote its own)."""

    def __init__(self, out: pathlib.Path, work: pathlib.Path):
        super().__init__()
        self.out, self.work = out, work

    def __missing__(self, stem: str) -> dict:
        works = {master: self.work / master.stem for master in CHAPTERS}
        for master, made in editions.build(CHAPTERS, self.out, works).items():
            made["otter"] = works[master] / "dist" / "student" / master.name
            self[master.stem] = made
        return self[stem]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return _Built(tmp_path_factory.mktemp("editions"), tmp_path_factory.mktemp("otter"))


def _differences(ours, otters) -> list[str]:
    """Where the kit's student edition differs from otter assign's (cleaned as ``make
    editions`` cleans it): cell types, sources, cell metadata, outputs; the notebook's
    kernel and otter's assignment name. Otter's copy of the public tests in the notebook's
    metadata is left out on purpose (only otter's client reads it), as is the language
    version that executing the master records."""
    otters = editions._clean(otters, unfold=True)
    found = [f"{len(ours.cells)} cells, otter {len(otters.cells)}"] * (
        len(ours.cells) != len(otters.cells))
    for i, (a, b) in enumerate(zip(ours.cells, otters.cells)):
        for key in ("cell_type", "source", "metadata", "outputs", "execution_count"):
            if a.get(key) != b.get(key):
                found.append(f"cell {i} {key}: {a.get(key)!r:.300} / otter {b.get(key)!r:.300}")
    for key in ("kernelspec", "otter"):
        mine = ours.metadata.get(key)
        theirs = otters.metadata.get(key)
        if key == "otter" and theirs:
            theirs = {k: v for k, v in theirs.items() if k not in ("tests", "OK_FORMAT")}
        if mine != theirs:
            found.append(f"notebook metadata {key}: {mine!r} / otter {theirs!r}")
    return found


def test_a_master_without_assignment_config_stops_the_build_before_running(tmp_path):
    nb = nbformat.read(CHAPTERS[0], as_version=4)
    nb.cells = [c for c in nb.cells if not c.source.startswith("# ASSIGNMENT CONFIG")]
    master = tmp_path / CHAPTERS[0].name
    nbformat.write(nb, master)
    with pytest.raises(MasterError, match="no raw '# ASSIGNMENT CONFIG' cell"):
        editions.build_one(master, tmp_path / "editions")
    assert not (tmp_path / "editions").exists()
    with pytest.raises(SystemExit, match="import otter"):
        editions.main(["build", str(master)])


def test_the_editions_cover_every_written_chapter():
    assert [m.name for m in editions.chapters()] == [m.name for m in CHAPTERS] != []


@pytest.mark.parametrize("master", CHAPTERS, ids=lambda p: p.stem)
def test_the_kits_student_edition_is_otter_assigns_cell_by_cell(built, master):
    ours = nbformat.read(built[master.stem]["student"], as_version=4)   # student_edition's
    assert _differences(ours, nbformat.read(built[master.stem]["otter"], as_version=4)) == []


def _synthetic_master() -> nbformat.NotebookNode:
    """A master with every kind of line and block otter assign treats in its own way."""
    from nbformat.v4 import new_code_cell as code, new_markdown_cell as md, new_raw_cell as raw

    def question(name, *cells, manual=False):
        head = f"# BEGIN QUESTION\nname: {name}\npoints: 1\n"
        return [raw(head + ("manual: true" if manual else "check_cell: false")), *cells,
                raw("# END QUESTION")]

    def tests(var):
        return [raw("# BEGIN TESTS"), code(f"{var} is not None"),
                code(f"# HIDDEN\n{var} == 1"), raw("# END TESTS")]

    solution = "\n".join([
        "# Worked solution.  # SOLUTION NO PROMPT", "x = 1  # SOLUTION",
        "a, b = 1, 2  # SOLUTION", "d = {}", "d['k'] = 3  # SOLUTION", "obj.attr = 4 # SOLUTION",
        "def f():", "    return 5  # SOLUTION", "print(x)  #SOLUTION",
        "# BEGIN SOLUTION", "y = 6", "# END SOLUTION",
        "    # BEGIN SOLUTION NO PROMPT", "z = 7", "    # END SOLUTION",
        "# BEGIN PROMPT", "w = ...", "# END PROMPT", "feedback('x', x)"])
    cells = [raw("# ASSIGNMENT CONFIG\nname: synthetic\ninit_cell: false\ncheck_all_cell: "
                 "false\nexport_cell: false\nrun_tests: false\nsolutions_pdf: false"),
             md("# A lesson"), code("print(1)", execution_count=1, outputs=[
                 nbformat.v4.new_output("stream", text="1\n")]), raw("a raw cell")]
    cells += question("q1", md("**Q1**"), raw("# BEGIN SOLUTION"), code(solution, metadata={
        "jupyter": {"source_hidden": True}}), raw("# END SOLUTION"), *tests("x"))
    cells += question("q2", md("**Q2**"), raw("# BEGIN PROMPT"), code("y = ...  # answer"),
                      raw("# END PROMPT"), raw("# BEGIN SOLUTION"), code("y = 2  # SOLUTION"),
                      raw("# END SOLUTION"), *tests("y"))
    cells += question("q3", md("**Written 3**"), raw("# BEGIN SOLUTION"), md("Three."),
                      raw("# END SOLUTION"), manual=True)
    cells += [code("after = 3")]                  # otter's END QUESTION comment: a new cell
    cells += question("q4", code("shown = 4"), md("**Written 4**"), raw("# BEGIN SOLUTION"),
                      md("Four."), raw("# END SOLUTION"), manual=True)
    cells += question("q5", md("**Written 5**"), raw("# BEGIN SOLUTION"), md("Five."),
                      code("v = 5  # SOLUTION"), raw("# END SOLUTION"), manual=True)
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "display_name": "Python 3", "language": "python", "name": "python3"}})


def test_every_kind_of_solution_line_and_block_as_otter_assign_writes_it(tmp_path):
    master = tmp_path / "90_synthetic.ipynb"
    nbformat.write(_synthetic_master(), master)
    editions.run_checked([sys.executable, "-m", "otter", "assign", "--no-pdfs",
                          "--no-run-tests", master, tmp_path / "dist"], cwd=tmp_path,
                         what="otter assign")
    otters = nbformat.read(tmp_path / "dist" / "student" / master.name, as_version=4)
    ours = editions.student_edition(master)
    assert _differences(ours, otters) == []
    assert [c.source for c in ours.cells if "otter_answer_cell" in c.metadata.get("tags", [])
            ][:2] == ["x = ...\na, b = ...\nd = {}\nd['k'] = ...\nobj.attr = ...\ndef f():"
                      "\n    ...\n...\n...\nw = ...\nfeedback('x', x)", "y = ...  # answer"]


def _doctest_code(case: dict) -> str:
    """The code of an otter doctest case: its ``>>>``/``...`` lines without the prompts
    and the expected ``True``."""
    lines = case["code"].splitlines()
    assert lines[-1] == "True", case["code"]
    return "\n".join(line[4:] for line in lines[:-1])


@pytest.mark.parametrize("master", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapters_autograder_holds_each_hidden_test_as_the_master_writes_it(built, master):
    """The zip carries, for every graded question, the master's hidden test (comments
    aside) and its points. That these tests pass on the worked solutions and fail on the
    declared mistakes is test_exercises' (it runs the masters' hidden cells); that otter's
    zip grades a chapter end to end is the two tests below (chapter 07 here, chapter 00 in
    a clean environment). Running otter on every chapter again would add only time."""
    import zipfile

    with zipfile.ZipFile(built[master.stem]["autograder"]) as z:
        files = {pathlib.PurePath(n).stem: z.read(n).decode() for n in z.namelist()
                 if n.startswith("tests/") and n.endswith(".py")}
    graded = read_master(master).graded
    assert sorted(files) == sorted(q.name for q in graded)
    for question in graded:
        scope: dict = {}
        exec(files[question.name], scope)             # otter's test file: a dict literal
        test = scope["test"]
        assert test["points"] == question.config.get("points", 1), question.name
        hidden = [_doctest_code(c) for s in test["suites"] for c in s["cases"] if c["hidden"]]
        # otter rewrites the code (quotes, comments): the same program is the same syntax tree
        assert [ast.dump(ast.parse(code)) for code in hidden] == [
            ast.dump(ast.parse(cell.source)) for cell in question.hidden_tests], question.name


def test_autograder_full_marks_for_the_capstones_solutions(built):
    master = ROOT / "notebooks" / "07_capstone_earth_or_orbit.ipynb"
    made = built[master.stem]
    n = len(read_master(master).graded)
    solutions = editions.grade(made["autograder"], [made["solutions"]])[0]
    assert (solutions["score"], solutions["possible"]) == (n, n)


def _submission(student: pathlib.Path, answers: dict, target: pathlib.Path) -> pathlib.Path:
    nb = nbformat.read(student, as_version=4)
    for cell in nb.cells:
        for blank, answer in answers.items():
            if cell.cell_type == "code" and cell.source.startswith(blank):
                cell.source = cell.source.replace(blank, answer, 1)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target


def test_a_partly_right_submission_gets_partial_marks_and_unit_feedback(built, tmp_path):
    """One chapter through otter: one right answer scores, a wrong dimension and the blanks
    do not, and the kit names the wrong dimension (a student sees feedback printed in
    JupyterLab in test_browser and test_hub, which type answers)."""
    from course_lib import Q_
    from course_lib.exercises import feedback

    made = built["00_units_and_estimates"]
    submission = _submission(made["student"], {
        "send_time = ...": 'send_time = Q_(500, "GB")',                # wrong dimension
        "ssd_gib = ...": 'ssd_gib = "931.32 GiB"'},                   # right, as a string
        tmp_path / "00_units_and_estimates.ipynb")
    assert "Wrong dimension: you gave 500 GB, an amount of data (bytes)" in \
        feedback("00.1", Q_(500, "GB"), quiet=True).message
    row = editions.grade(made["autograder"], [submission])[0]
    assert row["q00_2"] == 1 and row["q00_1"] == 0
    # the questions left blank (``...``) fail their hidden tests: one point in all. Every
    # chapter's blank edition is run by test_browser, which counts its unanswered questions;
    # the hidden tests' rule on a blank is test_checks'.
    master = read_master(ROOT / "notebooks" / "00_units_and_estimates.ipynb")
    blank = [q.name for q in master.graded if q.name not in ("q00_1", "q00_2")]
    assert blank and all(row[name] == 0 for name in blank), row
    assert row["score"] == 1, row




def test_the_autograder_zip_grades_in_a_clean_environment(built, tmp_path):
    """Where instructors grade (Gradescope, otter's containers) only the zip's own
    environment exists: a fresh virtual environment with the zip's pip requirements alone
    (otter-grader and the kit's wheel inside the zip), less what the zip's setup.sh removes
    last, gives the solutions full marks."""
    import yaml
    import zipfile

    made = built["00_units_and_estimates"]
    source = tmp_path / "source"
    with zipfile.ZipFile(made["autograder"]) as z:
        z.extractall(source)
        env = yaml.safe_load(z.read("environment.yml"))
    (pip,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    requirements = [r.replace(editions.ZIP_SOURCE, str(source)) for r in pip]
    assert any(r.endswith(".whl") and pathlib.Path(r).is_file() for r in requirements)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # uv installs what pip would (the same requirement lines, from the same registry) in
    # seconds rather than a minute and a half; pip stays the fallback
    uv = editions.uv()
    if uv:
        command = [uv, "pip", "install", "--quiet", "--python", str(python), *requirements]
    else:
        subprocess.run([str(python), "-m", "ensurepip", "--default-pip"], check=True,
                       capture_output=True)
        command = [str(python), "-m", "pip", "install", "--quiet", "--no-compile", *requirements]
    install = subprocess.run(command, capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-2000:]
    last = (source / "setup.sh").read_text().strip().splitlines()[-1]
    assert last == f"mamba run -n {env['name']} pip uninstall --yes {editions.UNNEEDED}", last
    removed = subprocess.run([uv, "pip", "uninstall", "--quiet", "--python", str(python),
                              editions.UNNEEDED] if uv else
                             [str(python), "-m", "pip", "uninstall", "--quiet", "--yes",
                              editions.UNNEEDED], capture_output=True, text=True)
    assert removed.returncode == 0, removed.stderr[-2000:]
    row = editions.grade(made["autograder"], [made["solutions"]], python=python)[0]
    n = len(read_master(ROOT / "notebooks" / "00_units_and_estimates.ipynb").graded)
    assert (row["score"], row["possible"]) == (n, n), row
