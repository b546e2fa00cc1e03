"""The one reader of the master notebooks (course_lib.masters): every declared exercise is
found in its master with a solution, a public test and a hidden verdict; a hand-made
notebook parses into the records expected; malformed masters give a clear error."""
import os
import pathlib

import nbformat
import pytest

from course_lib.chapters import CHAPTERS
from course_lib.masters import (Master, MasterError, Question, Verdict, answer_key,
                                expected_expression, master_paths, masters_folder,
                                parse_master, read_master)

ROOT = pathlib.Path(__file__).resolve().parent.parent
WRITTEN = [c for c in CHAPTERS if not c.planned]
EXERCISES = [(c, e) for c in WRITTEN for e in c.exercises]


def test_the_masters_are_the_written_chapters():
    assert masters_folder() == ROOT / "notebooks"
    assert [p.name for p in master_paths()] == [c.notebook for c in WRITTEN]


@pytest.mark.parametrize("chapter, ex", EXERCISES, ids=lambda v: getattr(v, "id", ""))
def test_every_declared_exercise_is_in_its_master_with_a_hidden_verdict_and_a_public_test(
        chapter, ex):
    q = read_master(ROOT / "notebooks" / chapter.notebook).question(ex.id)
    assert q.name == "q" + ex.id.replace(".", "_") and not q.manual
    assert q.prompts and q.solutions, q.name
    assert [(v.exercise_id, v.answer_variable) for v in q.verdicts] == [(ex.id, ex.variable)]
    assert q.verdicts[0].expected.strip()
    assert q.public_tests and all(
        f'feedback("{ex.id}", {ex.variable}, quiet=True)' in c.source for c in q.public_tests)
    assert all(c.source.startswith("# HIDDEN\n") for c in q.hidden_tests)


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda c: c.number)
def test_the_graded_questions_of_a_master_are_its_declared_exercises(chapter):
    master = read_master(ROOT / "notebooks" / chapter.notebook)
    graded = master.graded
    assert [q.exercise_id for q in graded] == [e.id for e in chapter.exercises]
    written = [q for q in master.questions if not q.hidden_tests]
    assert written and all(q.manual and q.solutions and not q.public_tests for q in written)
    for q in master.questions:                   # blocks are in order and do not overlap
        assert master.cells[q.start].source.startswith("# BEGIN QUESTION")
        assert master.cells[q.stop - 1].source.startswith("# END QUESTION")
    assert all(a.stop <= b.start for a, b in zip(master.questions, master.questions[1:]))


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda c: c.number)
def test_each_master_has_an_assignment_config_without_otter_cells_and_a_valid_schema(chapter):
    path = ROOT / "notebooks" / chapter.notebook
    config = read_master(path).assignment_config
    assert config["name"] == path.stem
    assert config["init_cell"] is False and config["export_cell"] is False
    nbformat.validate(nbformat.read(path, as_version=4))   # the reader does not validate


def test_the_answer_key_holds_every_declared_exercise_and_nothing_else():
    key = answer_key()
    assert set(key) == {e.id for _, e in EXERCISES}
    assert all(expected_expression(i) == key[i] for i in key)


def raw(source):
    return nbformat.v4.new_raw_cell(source)


def md(source):
    return nbformat.v4.new_markdown_cell(source)


def code(source):
    return nbformat.v4.new_code_cell(source)


CONFIG = raw("# ASSIGNMENT CONFIG\nname: 42_tiny\ninit_cell: false\nrun_tests: true")
QUESTION = [
    raw("# BEGIN QUESTION\nname: q42_1\npoints: 2\ncheck_cell: false\nall_or_nothing: true"),
    md("**Exercise 42.1.** Store it in `tiny_answer`."),
    raw("# BEGIN SOLUTION"),
    code("# Worked solution  # SOLUTION NO PROMPT\ntiny_answer = Q_(3, 'GB')  # SOLUTION"),
    raw("# END SOLUTION"),
    raw("# BEGIN TESTS"),
    code('feedback("42.1", tiny_answer, quiet=True).passed'),
    code('# HIDDEN\nverdict("42.1", tiny_answer, Q_(1, "GB") * 3)'),
    raw("# END TESTS"),
    raw("# END QUESTION"),
]
WRITTEN_QUESTION = [
    raw("# BEGIN QUESTION\nname: q42_2\nmanual: true\npoints: 1"),
    md("**Written question 42.2.** Why?"),
    raw("# BEGIN SOLUTION"),
    md("Because."),
    raw("# END SOLUTION"),
    raw("# END QUESTION"),
]


def _write(folder: pathlib.Path, cells, name="42_tiny.ipynb") -> pathlib.Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder / name


def test_a_hand_made_master_parses_into_its_records(tmp_path):
    lesson = [md("# 42 · Tiny"), CONFIG, code("print('4.2 GB')")]
    master = read_master(_write(tmp_path, lesson + QUESTION + [md("Between.")] + WRITTEN_QUESTION))
    assert isinstance(master, Master) and master.path == tmp_path / "42_tiny.ipynb"
    assert master.assignment_config == {"name": "42_tiny", "init_cell": False, "run_tests": True}
    first, second = master.questions
    assert isinstance(first, Question)
    assert (first.name, first.exercise_id, first.start, first.stop) == ("q42_1", "42.1", 3, 13)
    assert first.config == {"name": "q42_1", "points": 2, "check_cell": False,
                            "all_or_nothing": True}
    assert [c.source for c in first.prompts] == ["**Exercise 42.1.** Store it in `tiny_answer`."]
    assert [c.source for c in first.solutions] == [QUESTION[3].source]
    assert [c.source for c in first.public_tests] == [QUESTION[6].source]
    assert [c.source for c in first.hidden_tests] == [QUESTION[7].source]
    assert first.verdicts == (Verdict("42.1", "tiny_answer", 'Q_(1, "GB") * 3'),)
    assert not first.manual
    assert (second.name, second.exercise_id, second.manual, second.start) == ("q42_2", "42.2", True, 14)
    assert [c.source for c in second.solutions] == ["Because."]
    assert second.public_tests == second.hidden_tests == second.verdicts == ()
    assert [c.source for c in master.cells_before("42.1")] == [c.source for c in lesson]
    assert master.cells_before("42.2")[-1].source == "Between."
    with pytest.raises(LookupError, match="no question for exercise '42.3'"):
        master.question("42.3")


def test_the_answer_key_is_read_from_the_masters_folder(tmp_path, monkeypatch):
    _write(tmp_path, [CONFIG] + QUESTION)
    _write(tmp_path, [CONFIG], name="43_empty.ipynb")
    monkeypatch.setenv("COURSE_LIB_MASTERS", str(tmp_path))
    assert masters_folder() == tmp_path
    assert answer_key() == {"42.1": 'Q_(1, "GB") * 3'}
    assert expected_expression("42.1") == 'Q_(1, "GB") * 3'
    assert expected_expression("43.1") is None and expected_expression("44.1") is None


def test_a_master_without_assignment_config_gives_a_clear_error(tmp_path):
    master = read_master(_write(tmp_path, QUESTION))
    assert [q.name for q in master.questions] == ["q42_1"]      # the rest still reads
    with pytest.raises(MasterError) as error:
        master.assignment_config
    message = str(error.value)
    assert "42_tiny.ipynb has no raw '# ASSIGNMENT CONFIG' cell" in message
    assert "'import otter' cell" in message and "students cannot run" in message


@pytest.mark.parametrize("cells, words", [
    (QUESTION[:1] + QUESTION, "'# BEGIN QUESTION' inside question q42_1"),
    (QUESTION[:-1], "question q42_1 has no '# END QUESTION'"),
    (QUESTION[-1:], "'# END QUESTION' without a '# BEGIN QUESTION'"),
    ([raw("# BEGIN QUESTION\npoints: 1"), raw("# END QUESTION")], "without 'name: qNN_k'"),
    ([raw("# BEGIN QUESTION\nname q42_1"), raw("# END QUESTION")], "cannot read 'name q42_1'"),
    ([code('# HIDDEN\nverdict("42.1", x, 3)')], "'# HIDDEN' cell outside a question's"),
    (QUESTION[:7] + [code('# HIDDEN\nverdict(x, 3)')] + QUESTION[8:], "verdict(\"NN.k\""),
], ids=["nested", "unclosed", "unopened", "unnamed", "config", "hidden outside", "verdict"])
def test_a_malformed_master_says_where(cells, words):
    nb = nbformat.v4.new_notebook()
    nb.cells = [CONFIG] + cells
    with pytest.raises(MasterError, match="cell|question") as error:
        parse_master(nb, pathlib.Path("42_tiny.ipynb"))
    assert words in str(error.value) and "42_tiny.ipynb" in str(error.value)


def test_a_master_is_read_again_only_when_it_changes(tmp_path):
    path = _write(tmp_path, [CONFIG] + QUESTION)
    first = read_master(path)
    assert read_master(str(path)) is first
    _write(tmp_path, [CONFIG] + QUESTION + WRITTEN_QUESTION)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    again = read_master(path)
    assert again is not first and [q.name for q in again.questions] == ["q42_1", "q42_2"]


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if not c.planned], ids=lambda c: c.number)
def test_the_fast_json_reading_equals_nbformat_s(chapter):
    # feedback reads masters as JSON (importing nbformat would cost it ~150 ms); the parse
    # must be the one nbformat's nodes give, outputs included (tests read printed numbers)
    path = ROOT / "notebooks" / chapter.notebook
    fast, slow = read_master(path), parse_master(nbformat.read(path, as_version=4), path)
    assert [c.source for c in fast.cells] == [c.source for c in slow.cells]
    assert [[o.get("text") for o in c.get("outputs", [])] for c in fast.cells] == \
        [[o.get("text") for o in c.get("outputs", [])] for c in slow.cells]
    assert [(q.name, q.verdicts) for q in fast.questions] == \
        [(q.name, q.verdicts) for q in slow.questions]


def _assigned(source: str) -> set[str]:
    """Names a piece of code assigns (magics and shell lines are skipped)."""
    import ast

    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    targets = [t for n in ast.walk(tree) for t in
               (n.targets if isinstance(n, ast.Assign) else [n.target]
                if isinstance(n, (ast.AnnAssign, ast.AugAssign, ast.For)) else [])]
    return {x.id for t in targets for x in ast.walk(t) if isinstance(x, ast.Name)}


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda c: c.number)
def test_no_exercise_template_reuses_a_lesson_variable(chapter):
    # the student edition turns each `name = ...  # SOLUTION` line into `name = ...`: a name
    # the lesson also assigns would break the lesson's later cells after Run All
    master = read_master(ROOT / "notebooks" / chapter.notebook)
    inside = {i for q in master.questions for i in range(q.start, q.stop)}
    lesson = set().union(*(_assigned(c.source) for i, c in enumerate(master.cells)
                           if i not in inside and c.cell_type == "code"))
    for q in master.questions:
        template = set().union(set(), *(_assigned("\n".join(
            line.split("#")[0] for line in c.source.splitlines()
            if "# SOLUTION" in line and "NO PROMPT" not in line)) for c in q.solutions))
        assert not template & lesson, (q.name, sorted(template & lesson))
