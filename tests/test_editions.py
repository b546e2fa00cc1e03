"""One source, three editions: the student edition runs, leaks nothing, and grades to zero;
the solutions grade to full marks. Needs the instructor extra (otter-grader)."""
import json
import pathlib
import re
import sys

import nbformat
import pytest

pytest.importorskip("otter", reason="editions need the instructor extra: pip install -e '.[instructor]'")

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import editions  # noqa: E402

CHAPTERS = editions.chapters()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("editions")
    return {m.stem: editions.build_one(m, out) for m in CHAPTERS}  # fails if a master fails its tests


def _blocks(master):
    """(question name, solution lines, public tests, hidden tests) per question of a master."""
    nb = nbformat.read(master, as_version=4)
    questions, current, section = [], None, None
    for cell in nb.cells:
        src = cell.source.strip()
        if cell.cell_type == "raw" and src.startswith("# BEGIN QUESTION"):
            current = {"name": re.search(r"name:\s*(\S+)", src)[1], "solutions": [],
                       "public": [], "hidden": []}
            questions.append(current)
        elif cell.cell_type == "raw" and src.startswith("# BEGIN "):
            section = src.split()[2]
        elif cell.cell_type == "raw" and src.startswith("# END "):
            section = None
        elif cell.cell_type == "code" and current is not None:
            if section == "SOLUTION":
                current["solutions"] += [line.split("=", 1)[1].split("# SOLUTION")[0].strip()
                                         for line in src.splitlines() if "# SOLUTION" in line]
            elif section == "TESTS":
                current["hidden" if src.startswith("# HIDDEN") else "public"].append(src)
    return questions


@pytest.mark.parametrize("master", CHAPTERS, ids=lambda p: p.stem)
def test_every_exercise_has_a_solution_a_public_and_a_hidden_test(master):
    questions = _blocks(master)
    assert questions, f"{master.name} has no exercises"
    for q in questions:
        assert q["solutions"] and q["public"] and q["hidden"], q["name"]


@pytest.mark.parametrize("master", CHAPTERS, ids=lambda p: p.stem)
def test_no_solution_or_hidden_test_leaks_into_the_student_edition(built, master):
    student = built[master.stem]["student"]
    text = student.read_text()                     # sources, metadata and all
    for q in _blocks(master):
        for solution in q["solutions"]:
            assert json.dumps(solution)[1:-1] not in text and solution not in text, solution
        for hidden in q["hidden"]:
            body = hidden.split("\n", 1)[1]
            assert json.dumps(body)[1:-1] not in text, hidden
    nb = nbformat.read(student, as_version=4)
    assert not any("master-only" in c.metadata.get("tags", []) for c in nb.cells)
    assert not any(c.metadata.get("jupyter", {}).get("source_hidden") for c in nb.cells)


@pytest.mark.parametrize("master", CHAPTERS, ids=lambda p: p.stem)
def test_student_edition_runs_top_to_bottom_unanswered(built, master):
    nb = editions.execute(built[master.stem]["student"])
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    unanswered = sum("Not answered yet" in o.get("text", "") for o in outputs)
    assert unanswered == len(_blocks(master))


@pytest.mark.parametrize("master", CHAPTERS, ids=lambda p: p.stem)
def test_autograder_full_marks_for_solutions_zero_for_blank(built, master, tmp_path):
    made = built[master.stem]
    n = len(_blocks(master))
    solutions = editions.grade(made["autograder"], [made["solutions"]])[0]
    assert (solutions["score"], solutions["possible"]) == (n, n)
    blank = editions.grade(made["autograder"], [made["student"]])[0]
    assert (blank["score"], blank["possible"]) == (0, n)


def test_a_partly_right_submission_gets_partial_marks_and_unit_feedback(built, tmp_path):
    made = built["00_units_and_estimates"]
    nb = nbformat.read(made["student"], as_version=4)
    answers = {"ndr_port = ...": 'ndr_port = Q_(50, "GB")',           # wrong dimension
               "h100_gib = ...": 'h100_gib = h100.memory.to("GiB")'}   # right
    for cell in nb.cells:
        for blank, answer in answers.items():
            if cell.cell_type == "code" and cell.source.startswith(blank):
                cell.source = cell.source.replace(blank, answer)
    submission = tmp_path / "00_units_and_estimates.ipynb"
    nbformat.write(nb, submission)
    executed = editions.execute(submission)
    text = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))
    assert "Wrong dimension: your answer 50 GB is [information]" in text
    row = editions.grade(made["autograder"], [submission])[0]
    assert row["score"] == 1 and row["q00_2"] == 1 and row["q00_1"] == 0
