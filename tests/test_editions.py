"""One source, three editions: the student edition runs, leaks nothing, and grades to zero;
the solutions grade to full marks; grading works as the README says to run it.
Needs the instructor extra (otter-grader)."""
import json
import os
import pathlib
import shutil
import subprocess

import nbformat
import pytest

pytest.importorskip("otter", reason="editions need the instructor extra: pip install -e '.[instructor]'")

from course_lib.chapters import chapter  # noqa: E402
from course_lib.exercises import expected_answer  # noqa: E402
from course_lib.masters import MasterError, read_master  # noqa: E402
from tools import editions  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent

CHAPTERS = editions.chapters()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("editions")
    return {m.stem: editions.build_one(m, out) for m in CHAPTERS}  # fails if a master fails its tests


def _solution_expressions(question) -> list[str]:
    """What a question's solution lines compute (``var = <this>  # SOLUTION``): the text
    the student edition replaces with ``...``."""
    return [line.split("=", 1)[1].split("# SOLUTION")[0].strip()
            for cell in question.solutions if cell.cell_type == "code"
            for line in cell.source.splitlines() if line.rstrip().endswith("# SOLUTION")]


def _graded(master) -> list:
    """The questions of a master that the autograder scores (written ones are by hand)."""
    return [q for q in read_master(master).questions if q.hidden_tests]


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


@pytest.mark.parametrize("master", CHAPTERS, ids=lambda p: p.stem)
def test_no_solution_or_hidden_test_leaks_into_the_student_edition(built, master):
    student = built[master.stem]["student"]
    text = student.read_text()                     # sources, metadata and all
    for q in read_master(master).questions:
        for solution in _solution_expressions(q):
            assert json.dumps(solution)[1:-1] not in text and solution not in text, solution
        for hidden in q.hidden_tests:
            body = hidden.source.split("\n", 1)[1]
            assert json.dumps(body)[1:-1] not in text, hidden
    nb = nbformat.read(student, as_version=4)
    assert not any(c.metadata.get("jupyter", {}).get("source_hidden") for c in nb.cells)
    assert "# SOLUTION NO PROMPT" not in text
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("master", CHAPTERS, ids=lambda p: p.stem)
def test_no_graded_answer_is_readable_from_the_student_edition_or_the_package(built, master):
    import course_lib

    package = "".join(p.read_text(errors="ignore") for p in
                      pathlib.Path(course_lib.__file__).parent.rglob("*") if p.is_file()
                      and p.suffix in (".py", ".md", ".txt"))   # data tables are inputs
    student = _readable_text(built[master.stem]["student"])
    for ex in chapter(master.name).exercises:
        value = expected_answer(ex.id)
        number = float(value.m_as(ex.unit) if hasattr(value, "m_as") else value)
        if number == int(number) and abs(number) < 100:
            continue          # small counts (3 GPUs) appear everywhere as other numbers
        for text in {f"{number:.4g}", f"{number:.5g}"}:   # 3 digits collide (head dim 128)
            assert text not in student, (ex.id, text)
            assert text not in package, (ex.id, text)


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


@pytest.mark.parametrize("master", CHAPTERS, ids=lambda p: p.stem)
def test_student_edition_runs_top_to_bottom_unanswered(built, master):
    nb = editions.execute(built[master.stem]["student"])
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    unanswered = sum("Not answered yet" in o.get("text", "") for o in outputs)
    assert unanswered == len(_graded(master))


@pytest.mark.parametrize("master", CHAPTERS, ids=lambda p: p.stem)
def test_autograder_full_marks_for_solutions_zero_for_blank(built, master, tmp_path):
    made = built[master.stem]
    n = len(_graded(master))
    solutions = editions.grade(made["autograder"], [made["solutions"]])[0]
    assert (solutions["score"], solutions["possible"]) == (n, n)
    blank = editions.grade(made["autograder"], [made["student"]])[0]
    assert (blank["score"], blank["possible"]) == (0, n)


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
    made = built["00_units_and_estimates"]
    submission = _submission(made["student"], {
        "send_time = ...": 'send_time = Q_(500, "GB")',                # wrong dimension
        "ssd_gib = ...": 'ssd_gib = "931.32 GiB"'},                   # right, as a string
        tmp_path / "00_units_and_estimates.ipynb")
    executed = editions.execute(submission)
    text = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))
    assert "Wrong dimension: you gave 500 GB, an amount of data (bytes)" in text
    row = editions.grade(made["autograder"], [submission])[0]
    assert row["q00_2"] == 1 and row["q00_1"] == 0


def test_make_grade_as_the_readme_says_with_one_folder_per_student(built, tmp_path):
    """Relative paths, from the repository root, per-student folders with the same file
    name: distinct rows, and the grader's own words when a path is wrong. Everything it
    writes (submissions, grades) stays under tmp_path."""
    made = built["00_units_and_estimates"]
    out = tmp_path / "editions"
    (out / "autograder").mkdir(parents=True)
    shutil.copy(made["autograder"], out / "autograder")
    subs = tmp_path / "submissions"
    _submission(made["student"], {"ssd_gib = ...": 'ssd_gib = Q_(1, "TB").to("GiB")'},
                subs / "alice" / "00_units_and_estimates.ipynb")
    _submission(made["student"], {}, subs / "bob" / "00_units_and_estimates.ipynb")
    relative = os.path.relpath(subs, ROOT)                    # as typed at the repository root
    run = subprocess.run(["make", "-s", "grade", "CHAPTER=00",
                          f"SUBMISSIONS={relative}/*/*.ipynb", f"EDITIONS={out}"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = [line.split()[0] for line in run.stdout.splitlines() if "/" in line.split()[0]]
    assert rows[:2] == ["alice/00_units_and_estimates.ipynb", "bob/00_units_and_estimates.ipynb"]
    assert "1 / " in run.stdout and "0 / " in run.stdout
    assert (out / "grades-00.csv").is_file()
    missing = subprocess.run(["make", "-s", "grade", "CHAPTER=00", "SUBMISSIONS=nowhere.ipynb",
                              f"EDITIONS={out}"], cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode != 0 and "no submission at" in missing.stderr
