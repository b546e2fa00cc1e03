"""Every written chapter has followed the recipe of CONTRIBUTING.md: each step's files exist
and hold what the step asks (tools/recipe.py reads them without importing the chapter). A
failure names the chapter, the step and the file; ``python -m tools.recipe NN`` lists them
all for one chapter, planned or not. The chapter skeleton in templates/chapter/ is what the
recipe says to copy."""
import ast
import json
import pathlib
import re
import shutil

import pytest

from course_lib.chapters import CHAPTERS, Chapter, Exercise
from tools import recipe

ROOT = pathlib.Path(__file__).resolve().parent.parent
WRITTEN = [c for c in CHAPTERS if not c.planned]
STEPS = [s for s in recipe.STEPS if s.number != 2]          # step 2 is per table, below


@pytest.mark.parametrize("step", STEPS, ids=lambda s: f"step{s.number}")
@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda c: c.number)
def test_each_step_of_the_recipe_is_done(chapter, step):
    gap = step.check(chapter, ROOT, CHAPTERS)
    assert gap is None, f"chapter {chapter.number}: {step.label(chapter)} is missing: {gap}"


def test_every_table_is_documented_and_read():
    gaps = recipe.table_problems()
    assert not gaps, "\n".join(gaps)


def test_contributing_names_every_step_in_order_with_its_files():
    """The recipe's steps are CONTRIBUTING.md's numbered steps, in the same order, and each
    names the files its check reads."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    steps = dict(re.findall(r"^(\d+)\. \*\*(.+?)\*\*", text, re.M))
    assert list(map(int, steps)) == [s.number for s in recipe.STEPS]
    example = WRITTEN[-1]
    for step in recipe.STEPS:
        assert steps[str(step.number)].lower().startswith(step.what.lower()), step.what
        for file in step.files(example).split(", "):
            general = (file.replace(example.library, "<module>")
                       .replace(example.explorer_module, "<module>")
                       .replace(example.notebook, "NN_slug.ipynb"))
            assert general in text, f"CONTRIBUTING.md does not name {general} (step {step.number})"
    for name in ("NN_slug.ipynb", "module.py", "explorers.py", "test_module.py", "table.csv"):
        assert f"{recipe.SKELETON}/{name}" in text, name
        assert (ROOT / recipe.SKELETON / name).is_file(), name


def test_the_skeleton_master_is_in_otter_assign_format_with_every_part():
    import nbformat

    from course_lib import masters

    nb = nbformat.read(ROOT / recipe.SKELETON / "NN_slug.ipynb", as_version=4)
    nbformat.validate(nb)
    master = masters.parse_master(nb)
    assert master.assignment_config["name"] == "NN_slug"
    (question,) = master.questions
    assert question.name == "qNN_1"
    prompt = "".join(c.source for c in question.prompts)
    assert re.search(r"Tolerance: \d+ %\.", prompt)
    assert question.solutions and question.public_tests and question.hidden_tests
    (verdict,) = question.verdicts
    assert verdict.exercise_id == "NN.1" and verdict.mistakes and verdict.rounded
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert any("nbval-check-output" in c.metadata.get("tags", []) for c in nb.cells)
    assert sum(bool(re.search(r"\b\w+_explorer\(\)", s)) for s in code) == 1


def test_the_skeleton_code_is_valid_python():
    for name in ("module.py", "explorers.py", "test_module.py"):
        ast.parse((ROOT / recipe.SKELETON / name).read_text(encoding="utf-8"), name)


def _fake_repository(tmp_path) -> pathlib.Path:
    """A copy of the files the checks read, the skeleton copied into it as chapter 99 on
    module ``mytopic``, as the recipe says."""
    shutil.copytree(ROOT / "course_lib", tmp_path / "course_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "tests").mkdir()
    (tmp_path / "notebooks").mkdir()
    for name in ("tests/test_fuzz.py", "tests/test_claims.py", "README.md", "INSTRUCTORS.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    skeleton = ROOT / recipe.SKELETON
    shutil.copy(skeleton / "module.py", tmp_path / "course_lib" / "mytopic.py")
    shutil.copy(skeleton / "explorers.py", tmp_path / "course_lib" / "explorers" / "mytopic.py")
    shutil.copy(skeleton / "test_module.py", tmp_path / "tests" / "test_mytopic.py")
    master = json.loads((skeleton / "NN_slug.ipynb").read_text(encoding="utf-8"))
    text = json.dumps(master).replace("NN", "99").replace("slug", "new_chapter")
    (tmp_path / "notebooks" / "99_new_chapter.ipynb").write_text(text, encoding="utf-8")
    return tmp_path


FAKE = Chapter("99", "new_chapter", "New chapter", "energy over time", library="mytopic",
               explorer_module="mytopic", minutes=60, goals="energy from power and time",
               explorers=(("energy_explorer", "duration"),),
               exercises=(Exercise("99.1", "campus_week", "MWh", rtol=0.02),))


def test_a_chapter_copied_from_the_skeleton_is_told_its_missing_steps(tmp_path):
    """The skeleton copied as the recipe says passes the steps it covers; the steps left
    to do by hand are named with their files (the skeleton's master has one lesson cell
    and one exercise: a chapter writes the rest)."""
    root = _fake_repository(tmp_path)
    found = recipe.problems(FAKE, root, (*CHAPTERS, FAKE))
    assert [line.split(" (")[0] for line in found] == [
        "chapter 99: step 4", "chapter 99: step 6", "chapter 99: step 8",
        "chapter 99: step 9"], found
    assert "no valid call of energy_drawn in VALID of tests/test_fuzz.py" in found[0]
    assert found[1].endswith("no written question (a '# BEGIN QUESTION' with 'manual: true')")
    assert "'Where things are' does not name mytopic.py" in found[2]
    assert "nbval-check-output have no stored output" in found[3]

    (root / "course_lib" / "explorers" / "mytopic.py").unlink()
    (root / "tests" / "test_mytopic.py").unlink()
    found = recipe.problems(FAKE, root, (*CHAPTERS, FAKE))
    assert ("chapter 99: step 4 (the module's tests, tests/test_mytopic.py, "
            "tests/test_fuzz.py): tests/test_mytopic.py does not exist") in found
    assert ("chapter 99: step 5 (the explorers, course_lib/explorers/mytopic.py): "
            "course_lib/explorers/mytopic.py does not exist") in found
