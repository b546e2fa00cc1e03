"""Exercises test the skill, and feedback agrees with the grade.

For every declared exercise: its answer key is the hidden test of the master; immediate
feedback and the hidden-test verdict agree on the expected answer, on answers within and
just outside the tolerance, on a factor-8 slip, on a wrong dimension and on strings; each
declared likely mistake gets its own hint; and the question's own inputs, and the numbers
printed by the lesson above it, do not pass.
"""
import pathlib
import re

import pytest

from course_lib import Q_
from course_lib.chapters import CHAPTERS
from course_lib.exercises import answer_key, expected_answer, feedback, masters_folder, verdict
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
    expected = expected_answer(ex.id)
    for name, answer in variants(ex, expected).items():
        fb = feedback(ex.id, answer, quiet=True).passed
        assert fb == verdict(ex.id, answer, expected), (name, answer)
        assert fb == (name in ("expected", "within", "string")), (name, answer, fb)


@pytest.mark.parametrize("chapter, ex", EXERCISES, ids=lambda v: getattr(v, "id", ""))
def test_each_declared_mistake_gets_its_hint(chapter, ex):
    expected = Q_(expected_answer(ex.id))
    for ratio, hint in ex.mistakes:
        slip = expected * ratio
        if ex.in_unit:
            slip = slip.to(ex.unit)
        message = feedback(ex.id, slip, quiet=True).message
        assert hint.rstrip(".") in message, (ratio, message)


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
