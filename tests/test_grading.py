"""Grading a class: bad files become rows with reasons, submissions supply answers and never
judge them, rows do not collide, written answers and hand scores travel, and the command
line says what it needs. Submissions are chapter 00's student edition with answers typed in.
"""
import csv
import os
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest

from course_lib import masters
from course_lib.chapters import chapter
from tools import grading
from tools.editions import student_edition

ROOT = pathlib.Path(__file__).resolve().parent.parent
MASTER = ROOT / "notebooks" / "00_units_and_estimates.ipynb"
N_AUTO = sum(1 for q in masters.read_master(MASTER).questions if not q.manual)


def solutions() -> dict[str, str]:
    """``var = ...`` -> ``var = <the worked solution>`` for every exercise of chapter 00."""
    out = {}
    for q in masters.read_master(MASTER).questions:
        for cell in q.solutions:
            for line in cell.source.splitlines():
                m = re.match(r"(\w+) = (.*?)\s*# SOLUTION$", line)
                if m:
                    out[f"{m[1]} = ..."] = f"{m[1]} = {m[2]}"
    return out


def submit(path: pathlib.Path, answers: dict, before: str = "", written: str = "",
           after: str = "") -> pathlib.Path:
    """The student edition with ``answers`` typed in, ``before`` and ``after`` as cells at
    the top and at the end (what a student might add), and a written answer."""
    nb = student_edition(MASTER)
    for cell in nb.cells:
        for blank, answer in answers.items():
            if cell.cell_type == "code" and blank in cell.source:
                cell.source = cell.source.replace(blank, answer, 1)
        if written and cell.cell_type == "markdown" and cell.source == grading.RESPONSE:
            cell.source = written
    if before:
        nb.cells.insert(1, nbformat.v4.new_code_cell(before))
    if after:
        nb.cells.append(nbformat.v4.new_code_cell(after))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def table(out: pathlib.Path) -> dict[str, dict]:
    with (out / "grades-00.csv").open() as f:
        return {row["submission"]: row for row in csv.DictReader(f)}


ATTACKS = {
    # a judge of its own, defined before the first answer
    "fake-judge": "def verdict(*a, **k): return True\ndef feedback(*a, **k): return True",
    # tests rewritten wherever the grader might keep them
    "rewrite-tests": "import pathlib\nfor p in pathlib.Path('.').rglob('*.py'): p.write_text('True')\n"
                     "pathlib.Path('tests').mkdir(exist_ok=True)\n"
                     "pathlib.Path('tests/q00_1.py').write_text('test = {\"points\": 1}')",
    # the answer key, read through the kit
    "read-key": "from course_lib.exercises import expected_answer\n"
                "try:\n    send_time = expected_answer('00.1')\nexcept Exception as e:\n"
                "    print(e)",
    # library names shadowed (the answer below is right: it must still count)
    "shadow": "energy = model = verdict = feedback = weights_memory = 'mine'",
}
RIGHT = {"ssd_gib = ...": 'ssd_gib = "931.3 GiB"'}          # one right answer, in a string


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One batch: a full solution, a blank, the attacks (with no real answer), empty
    arrays, a probe of the folder, another chapter's notebook, a truncated file, a notebook
    without metadata, an endless loop, and two students with the same file name in two
    folders, graded with two workers and a short time limit."""
    root = tmp_path_factory.mktemp("class")
    subs, out = root / "submissions", root / "editions"
    full = solutions()
    name = MASTER.name
    made = [submit(subs / "new" / "alice" / name, full, written="Bytes per parameter."),
            submit(subs / "old" / "alice" / name, {}),
            submit(subs / "new" / "empty" / name,
                   {k: f"{k[:-3]}np.array([])" for k in full}, before="import numpy as np"),
            submit(subs / "new" / "probe" / name, {}, after=(
                "import os\nmine = sorted(os.listdir('.'))\n"
                "try:\n    others = os.listdir('..')\nexcept PermissionError:\n"
                "    others = 'denied'\nsend_time = f'{mine} {others}'"))]
    made += [submit(subs / "new" / who / name, RIGHT, **{"after" if who == "read-key" else "before": code})
             for who, code in ATTACKS.items()]        # the key is read last, over the blank
    other = student_edition(ROOT / "notebooks" / "01_fp4_memory_math.ipynb")
    (subs / "new" / "wrongchapter").mkdir(parents=True)
    nbformat.write(other, subs / "new" / "wrongchapter" / name)
    (subs / "new" / "truncated").mkdir(parents=True)
    (subs / "new" / "truncated" / name).write_text(MASTER.read_text()[:5000])
    bare = student_edition(MASTER)
    bare.metadata.pop("otter")
    (subs / "new" / "nometa").mkdir(parents=True)
    nbformat.write(bare, subs / "new" / "nometa" / name)
    loop = submit(subs / "new" / "loop" / name, {"ssd_gib = ...": 'ssd_gib = Q_(1, "TB").to("GiB")'},
                  before="while True:\n    pass")
    paths = sorted(subs.rglob("*.ipynb")) + [made[0]]                # one file twice
    lines = []
    results = grading.grade_class(chapter("00"), paths, jobs=2, time_limit=8, out=out,
                                  progress=lines.append)
    return {"rows": table(out), "out": out, "lines": lines, "results": results, "root": root}


def test_every_file_is_a_row_and_bad_ones_say_why(graded):
    rows = graded["rows"]
    assert rows["new/alice/00_units_and_estimates.ipynb"]["score"] == str(N_AUTO)
    assert rows["old/alice/00_units_and_estimates.ipynb"]["score"] == "0"     # no collision
    assert "chapter 01's notebook" in rows["new/wrongchapter/00_units_and_estimates.ipynb"]["status"]
    assert "not a readable notebook" in rows["new/truncated/00_units_and_estimates.ipynb"]["status"]
    assert "no assignment name" in rows["new/nometa/00_units_and_estimates.ipynb"]["status"]
    loop = rows["new/loop/00_units_and_estimates.ipynb"]
    assert "time limit" in loop["status"] and loop["q00_2"] == "1"   # the rest still graded
    assert any("the same file is already in the batch" in line for line in graded["lines"])
    assert len(rows) == len({r.key for r in graded["results"]}) == 12
    assert not (graded["out"] / "grades-00.csv.partial").exists()


@pytest.mark.parametrize("attack", [*ATTACKS, "empty"])
def test_a_submission_supplies_answers_and_never_judges_them(graded, attack):
    """Each attack carries one right answer (00.2) and nothing else: it scores exactly 1;
    empty arrays everywhere score 0."""
    row = graded["rows"][f"new/{attack}/00_units_and_estimates.ipynb"]
    deserved = 0 if attack == "empty" else 1
    assert row["status"] == "graded" and row["score"] == str(deserved), row
    if deserved:
        assert row["q00_2"] == "1"


def test_a_submission_sees_only_its_own_copy_and_cannot_list_the_others(graded):
    """The probe stored what it saw in an answer: its own folder holds its copy alone, and
    the folder around it (where the other submissions run) cannot be listed."""
    (probe,) = [r for r in graded["results"] if r.key.startswith("new/probe/")]
    seen = probe.answers["send_time"]["string"]
    assert seen.startswith("['.ipython', '.no-masters', 'submission.ipynb']") or \
        seen.startswith("['.no-masters', 'submission.ipynb']"), seen
    if os.geteuid() != 0:                   # root reads any folder: INSTRUCTORS.md says so
        assert seen.endswith("denied"), seen


def test_written_answers_are_gathered_and_feedback_never_shows_the_answer(graded):
    text = (graded["out"] / "written-00.md").read_text()
    assert "## q00_7" in text and "Bytes per parameter." in text and "_(no answer)_" in text
    feedback = (graded["out"] / "feedback-00" / "old__alice__00_units_and_estimates.ipynb.md").read_text()
    assert "**00.1**: Not answered yet" in feedback
    from course_lib.exercises import expected_answer
    for path in (graded["out"] / "feedback-00").iterdir():
        if path.name.startswith("new__alice"):          # right answers are echoed back
            continue
        for exercise in ("00.1", "00.3", "00.5"):
            assert f"{expected_answer(exercise).m:.3g}" not in path.read_text(), path.name


def test_hand_scores_are_merged(tmp_path):
    sub = submit(tmp_path / "subs" / "ann" / MASTER.name, {"ssd_gib = ...": 'ssd_gib = "931.3 GiB"'})
    hand = tmp_path / "hand.csv"
    hand.write_text("submission,q00_7\nann/00_units_and_estimates.ipynb,1\n")
    grading.grade_class(chapter("00"), [sub], jobs=1, out=tmp_path / "out", hand=hand,
                        progress=lambda line: None)
    row = table(tmp_path / "out")["ann/00_units_and_estimates.ipynb"]
    assert row["q00_2"] == "1" and row["q00_7 (written)"] == "1" and row["score"] == "2.0"


def test_the_command_line_says_what_it_needs(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "tools.grading", *args], cwd=ROOT,
                              capture_output=True, text=True, env={**os.environ, "EDITIONS": str(tmp_path)})
    assert "give the chapter as a number" in run().stderr
    assert "no chapter 08 to grade" in run("8", "x.ipynb").stderr
    assert "no submissions given" in run("4").stderr
    assert "no submission at nowhere.ipynb" in run("04", "nowhere.ipynb").stderr
    assert grading.chapter_argument("4").number == "04"


def test_make_grade_as_instructors_md_says(tmp_path):
    """Relative paths from the repository root, one folder per student with the same file
    name: distinct rows, sorted; everything written stays under tmp_path."""
    subs, out = tmp_path / "submissions", tmp_path / "editions"
    submit(subs / "alice" / MASTER.name, {"ssd_gib = ...": 'ssd_gib = Q_(1, "TB").to("GiB")'})
    submit(subs / "bob" / MASTER.name, {})
    relative = os.path.relpath(subs, ROOT)
    run = subprocess.run(["make", "-s", "grade", "CHAPTER=0", f"SUBMISSIONS={relative}/*/*.ipynb",
                          f"EDITIONS={out}", "JOBS=2"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "[2/2]" in run.stdout and "1 / 7" in run.stdout and "0 / 7" in run.stdout
    assert list(table(out)) == ["alice/00_units_and_estimates.ipynb",
                                "bob/00_units_and_estimates.ipynb"]
    missing = subprocess.run(["make", "-s", "grade", "CHAPTER=00", "SUBMISSIONS=nowhere.ipynb",
                              f"EDITIONS={out}"], cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode != 0 and "no submission at nowhere.ipynb" in missing.stderr
    none = subprocess.run(["make", "-s", "grade", f"EDITIONS={out}"], cwd=ROOT,
                          capture_output=True, text=True)
    assert none.returncode != 0 and "give the chapter as a number" in none.stderr
