"""Exercises test the skill, and feedback agrees with the grade.

For every declared exercise: its answer key is the hidden test of the master; immediate
feedback and the hidden-test verdict agree on the expected answer, on answers within and
just outside the tolerance, on a factor-8 slip, on a wrong dimension and on strings; each
declared likely mistake is a computation that gets its own hint; the tolerance is stated
and an answer rounded as the lesson prints passes; and the question's own inputs, and the
numbers printed by the lesson above it, do not pass.
"""
import ast
import pathlib
import re

import numpy as np
import pytest

import course_lib
from course_lib import Q_
from course_lib.chapters import CHAPTERS
from course_lib.exercises import (answer_key, expected_answer, feedback, masters_folder,
                                  mistakes, verdict)
from course_lib.masters import read_master

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXERCISES = [(c, e) for c in CHAPTERS for e in c.exercises]
NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*\.?\d*(?:e[+-]?\d+)?)(?:\s*([A-Za-z][A-Za-z/]*))?")


def test_the_key_is_the_masters_hidden_tests():
    assert masters_folder() == ROOT / "notebooks"
    assert set(answer_key()) == {e.id for _, e in EXERCISES}


def variants(ex, expected):
    """Answers around the expected one: name -> answer."""
    q = expected if hasattr(expected, "units") else Q_(expected)
    step = ex.rtol if ex.rtol else 1 / max(abs(q.m), 1)
    out = {"expected": q, "within": q * (1 + step / 2), "outside": q * (1 + 2 * step + 1e-3),
           "factor 8": q * 8, "string": f"{q.m!r} {q.units:~}" if not q.dimensionless else repr(q.m)}
    out["wrong dimension"] = Q_(q.m, "s") if not q.check("[time]") else Q_(q.m, "GB")
    if ex.rtol == 0:
        out["within"] = q
    return out


@pytest.mark.parametrize("chapter, ex", EXERCISES, ids=lambda v: getattr(v, "id", ""))
def test_feedback_and_hidden_test_agree(chapter, ex):
    """The master's hidden test cells, run as the autograder runs them (the student's
    variable bound to the answer), and the feedback a student sees, pass exactly the
    answers within the exercise's tolerance: a hidden cell naming another variable or
    another exercise, or a feedback rule that drifts, fails here."""
    question = read_master(ROOT / "notebooks" / chapter.notebook).question(ex.id)
    expected = expected_answer(ex.id)
    for name, answer in variants(ex, expected).items():
        fb = feedback(ex.id, answer, quiet=True).passed
        assert fb == (name in ("expected", "within", "string")), (name, answer, fb)
        assert _hidden_tests_pass(question, ex.variable, answer) == fb, (name, answer)


def _hidden_tests_pass(question, variable: str, answer) -> bool:
    """Each hidden test cell of ``question`` run with ``variable = answer``; whether the
    value of each cell's last line is true."""
    results = []
    for cell in question.hidden_tests:
        tree = ast.parse(cell.source)
        last = ast.Expression(tree.body.pop().value)
        namespace = {variable: answer}
        exec(compile(tree, "<hidden>", "exec"), namespace)
        results.append(bool(eval(compile(last, "<hidden>", "eval"), namespace)))
    return bool(results) and all(results)


@pytest.mark.parametrize("chapter, ex", EXERCISES, ids=lambda v: getattr(v, "id", ""))
def test_each_declared_mistake_is_a_computation_that_gets_its_own_hint(chapter, ex):
    """Each mistake beside the hidden verdict is the wrong computation itself, evaluated
    with today's data: it has the answer's dimension, it is outside the tolerance (the
    exercise can tell it from the right answer), and feeding its value gets its hint."""
    expected = Q_(expected_answer(ex.id))
    for wrong, hint in mistakes(ex.id):
        assert wrong.dimensionality == expected.dimensionality, (hint, wrong)
        assert not verdict(ex.id, wrong, expected), f"{ex.id}: the slip {hint!r} passes"
        answer = wrong.to(ex.unit) if ex.in_unit else wrong
        message = feedback(ex.id, answer, quiet=True).message
        assert hint.rstrip(".") in message, (hint, message)


@pytest.mark.parametrize("chapter, ex", EXERCISES, ids=lambda v: getattr(v, "id", ""))
def test_answers_rounded_as_the_lesson_prints_pass_and_the_tolerance_is_stated(chapter, ex):
    """The prompt states the tolerance the grade applies; the answer rounded to three
    significant figures passes, and so does each '# rounded:' computation of the master
    (an answer from numbers as the lesson prints them)."""
    question = read_master(ROOT / "notebooks" / chapter.notebook).question(ex.id)
    prompt = "\n".join(c.source for c in question.prompts)
    stated = ("whole number, checked exactly" if ex.rtol == 0
              else f"Tolerance: {100 * ex.rtol:g} %")
    assert stated in prompt, f"{ex.id}: the prompt should say {stated!r}"
    expected = Q_(expected_answer(ex.id))
    if ex.rtol:
        assert verdict(ex.id, Q_(float(f"{expected.m:.3g}"), expected.units), expected)
    namespace = {n: getattr(course_lib, n) for n in course_lib.__all__}
    namespace.update(np=np, Q_=Q_)
    for expression in (r for v in question.verdicts for r in v.rounded):
        assert verdict(ex.id, eval(expression, namespace), expected), expression


def _numbers(text: str):
    for m in NUMBER.finditer(text):
        yield float(m[1].replace(",", "")), m[2]


@pytest.mark.parametrize("chapter, ex", EXERCISES, ids=lambda v: getattr(v, "id", ""))
def test_inputs_and_printed_numbers_do_not_pass(chapter, ex):
    """Restating the question's numbers, or copying a number the lesson printed, fails.

    Whole numbers below 100 printed by the lesson are left out for count answers (a GPU
    count of 3 is also a '3' somewhere above); the prompt's own numbers never are.
    """
    master = read_master(ROOT / "notebooks" / chapter.notebook)
    before = master.cells_before(ex.id)
    prompt = "\n".join(c.source for c in master.question(ex.id).prompts)
    printed = "\n".join(o.get("text", "") for c in before if c.cell_type == "code"
                        for o in c.outputs)
    expected = Q_(expected_answer(ex.id))
    candidates = []
    for source, text in (("prompt", prompt), ("lesson", printed)):
        for value, unit in _numbers(text):
            if source == "lesson" and ex.rtol == 0 and value < 100 and value == int(value):
                continue
            candidates.append(Q_(value, ex.unit))
            if unit:
                try:
                    candidates.append(Q_(f"{value} {unit}"))
                except Exception:
                    pass
    assert candidates
    passing = [c for c in candidates if feedback(ex.id, c, quiet=True).passed]
    assert not passing, f"{ex.id}: {passing} pass (expected {expected:.4g~P})"


def test_strings_and_quantities_get_the_same_verdict_from_both():
    expected = expected_answer("00.4")
    for answer in (f"{expected.to('EFLOP').m} EFLOP", expected, "3 GB"):
        assert feedback("00.4", answer, quiet=True).passed == verdict("00.4", answer, expected)


def test_without_the_masters_feedback_checks_form_only(monkeypatch, tmp_path):
    expected_answer("01.1")                       # read while the masters were at hand
    monkeypatch.setenv("COURSE_LIB_MASTERS", str(tmp_path))
    assert masters_folder() is None and answer_key() == {}
    ok = feedback("01.1", Q_(123, "GB"), quiet=True)
    assert ok.passed and "no answer key" in ok.message
    bad = feedback("01.1", Q_(1, "s"), quiet=True)
    assert not bad.passed and "an amount of data (bytes)" in bad.message
    assert not feedback("00.2", Q_(1, "TB"), quiet=True).passed     # unit asked: GiB
    with pytest.raises(LookupError, match="COURSE_LIB_MASTERS"):
        expected_answer("01.1")


def _shown_forms(q):
    """The expected value as a message could show it: 2 and 3 significant figures, in its
    unit, in base units and in the prefix that suits it (only forms with two digits or more,
    so that a hint's '2 bytes' is not taken for the answer)."""
    forms = set()
    for value in {q, q.to_base_units(), q.to_compact()}:
        for digits in (2, 3):
            text = f"{float(value.m):.{digits}g}"
            if len(text.replace("-", "").replace(".", "").lstrip("0")) >= 2:
                forms.add(text)
    return forms


@pytest.mark.parametrize("chapter, ex", EXERCISES, ids=lambda v: getattr(v, "id", ""))
def test_no_feedback_reveals_the_expected_value(chapter, ex):
    """Zero, a negative, the opposite sign, several wrong factors, a decimal comma (read as
    meant) and an unreadable string: no message shows the expected value, in any unit."""
    expected = Q_(expected_answer(ex.id))
    unit = f" {expected.units:~}" if not expected.dimensionless else ""
    answers = [expected * 0, -expected, expected * -0.5, expected * 1.5, expected * 3,
               expected * 0.3, expected * 1.04, f"{expected.m:.2f}".replace(".", ",") + unit,
               "about" + unit, expected * 1e3]
    for answer in answers:
        fb = feedback(ex.id, answer, quiet=True)
        if isinstance(answer, str) and "," in answer and fb.passed:
            continue                     # a decimal comma is read as meant: right is right
        echoed = ({f"{Q_(answer).m:.4g}"} if not isinstance(answer, str)
                  else {answer, answer.replace(",", ".")})       # the student's own typing
        message = fb.message
        for e in echoed:
            message = message.replace(e, "")
        for form in _shown_forms(expected):
            assert not re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])", message), \
                (ex.id, answer, form, fb.message)


@pytest.mark.parametrize("expression", [
    "__import__('os').getcwd()", "10**10**10", "'a' * 10**9", "[1] * 10**9",
    "Q_(1, 'GB' + '**9**9**9')", "'**9'.join(['GB', '9'])", "np.arange(1e12)",
    "(1).__class__", "model('Llama-3-8B').__dict__", "ureg.define('x = 2 * m')",
    "read_table('models')", "open('/etc/passwd')", "exec('1')", "x" * 3000])
def test_an_expected_value_sees_only_the_kits_public_names(expression):
    """verdict evaluated its expected string with builtins: imports ran, powers hung."""
    with pytest.raises((ValueError, NameError, TypeError)):
        verdict("01.1", "8 GB", expression)


def test_every_masters_expression_is_read_by_the_safe_reader():
    from course_lib.exercises import safe_eval
    from course_lib.masters import mistake_expressions

    for exercise_id, expression in answer_key().items():
        safe_eval(expression)
        for wrong, _ in mistake_expressions(exercise_id):
            safe_eval(wrong)


@pytest.mark.parametrize("exercise_id", [1.1, 101, None, ("01", "1"), b"01.1"])
def test_exercise_ids_are_text(exercise_id):
    with pytest.raises(TypeError, match="exercise id"):
        feedback(exercise_id, "3 GB", quiet=True)


@pytest.mark.parametrize("typed", ["\u22128.03 GB", "\u20138.03 GB", "8.03 GB\u2212",
                                   "8.03\u00a0GB", "8,03 GB"])
def test_what_students_type_is_read_as_meant(typed):
    """A Unicode minus once vanished: "-8.03 GB" was Correct for 01.1."""
    fb = feedback("01.1", typed, quiet=True)
    assert fb.passed == (typed in ("8.03\u00a0GB", "8,03 GB")), (typed, fb.message)
