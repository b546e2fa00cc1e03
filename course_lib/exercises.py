"""Feedback on exercises, and the verdict that grades them: one rule for both.

The answer to exercise ``"NN.k"`` is written once, in the chapter's master notebook, as
the hidden test of that exercise::

    # HIDDEN
    verdict("01.1", llama8_fp8, weights_memory(model("Llama-3-8B").params, "FP8"))

The autograder runs that cell; the student edition never contains it; and this installed
package holds no answer. :func:`feedback` reads the same expressions from the masters
(:mod:`course_lib.masters`) when they are at hand (self-study from the repository, or an
instructor's grading machine), so the student's immediate feedback and the grade use the
same expected value, tolerance and rule (:func:`course_lib.checks.check`). Elsewhere (a kit installed from a wheel, with the
student edition) feedback still checks the form of the answer: that it is read as a
quantity, has a unit and the dimension the question asks for.
"""
from __future__ import annotations

import functools

import numpy as np
import pint

from .chapters import exercise
from .checks import Feedback, _read, check, describe_dimension
from .masters import answer_key, expected_expression, masters_folder, mistake_expressions
from .units import Q_

__all__ = ["feedback", "verdict", "expected_answer", "mistakes", "answer_key", "masters_folder"]


@functools.lru_cache(maxsize=None)
def _evaluate(exercise_id: str, expression: str):
    import course_lib

    namespace = {name: getattr(course_lib, name) for name in course_lib.__all__}
    namespace.update(np=np, Q_=Q_)
    value = eval(expression, namespace)    # the kit's own masters
    unit = exercise(exercise_id).unit
    if isinstance(value, pint.Quantity) and not unit and value.dimensionless:
        value = value.m_as("")             # a plain ratio asked: a plain number
    if not isinstance(value, pint.Quantity) or not unit:
        return value.item() if isinstance(value, np.generic) else value
    try:                                   # feedback speaks in the unit the question asks
        value = value.to(unit)
    except pint.DimensionalityError:
        return value
    return Q_(float(value.m), value.units) if np.ndim(value.m) == 0 else value


def expected_answer(exercise_id: str):
    """The expected answer to exercise ``"NN.k"``, in the unit the question asks: its
    master's hidden test evaluated with the library, the value :func:`feedback` and the
    grade compare with. For instructors and tests; needs the masters (a repository
    checkout, or ``$COURSE_LIB_MASTERS``), which students' installed kits do not have.

    >>> f"{expected_answer('01.1').units:~P}"
    'GB'
    """
    expression = expected_expression(exercise_id)
    if expression is None:
        raise LookupError(f"no answer key for exercise {exercise_id!r}: "
                          + ("its master has no hidden verdict for it"
                             if masters_folder() else
                             "the master notebooks are not at hand (set COURSE_LIB_MASTERS "
                             "to the notebooks/ folder of a repository checkout)"))
    return _evaluate(exercise_id, expression)


def verdict(exercise_id: str, answer, expected) -> bool:
    """Whether ``answer`` passes exercise ``exercise_id`` against ``expected``: the rule of
    the hidden tests, and of :func:`feedback`. ``expected`` is a value, or the source of an
    expression evaluated with the kit's own names (what the masters' hidden tests pass, so
    that no variable of the student's notebook enters the expected value)."""
    ex = exercise(exercise_id)
    if isinstance(expected, str):
        expected = _evaluate(exercise_id, expected)
    return check(answer, expected, rtol=ex.rtol, quiet=True, unit=_unit(ex)).passed


@functools.lru_cache(maxsize=None)
def mistakes(exercise_id: str) -> tuple:
    """``(wrong value, hint)`` of each mistake declared beside exercise ``"NN.k"``'s hidden
    verdict, each the wrong computation evaluated with the current data (empty without the
    masters). For instructors and tests, like :func:`expected_answer`."""
    return tuple((Q_(_evaluate(exercise_id, expression)), hint)   # a value, never a ratio
                 for expression, hint in mistake_expressions(exercise_id))


def _unit(ex):
    return ex.unit if ex.in_unit else None


def feedback(exercise_id: str, answer, quiet: bool = False) -> Feedback:
    """Unit-aware feedback on ``answer`` to exercise ``exercise_id`` (e.g. ``"00.1"``).

    With the answer key at hand: correct or not, and the likely slip the exercise
    declares. Without it: whether the answer has the form the question asks for.
    """
    ex = exercise(exercise_id)
    expression = expected_expression(exercise_id)
    if expression is not None:
        return check(answer, _evaluate(exercise_id, expression), rtol=ex.rtol, quiet=quiet,
                     mistakes=ex.mistakes + mistakes(exercise_id), unit=_unit(ex))
    form = _read(answer, Q_(1, ex.unit), unit=_unit(ex))
    if not isinstance(form, Feedback):
        form = Feedback(True, f"Form checked: {describe_dimension(Q_(1, ex.unit))}, as asked. "
                        "This copy of the kit has no answer key; the value is graded when "
                        "you hand in the notebook.")
    if not quiet:
        print(form.message)
    return form
