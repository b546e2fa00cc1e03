"""Feedback on exercises, and the verdict that grades them: one rule for both.

The answer to exercise ``"NN.k"`` is written once, in the chapter's master notebook, as
the hidden test of that exercise::

    # HIDDEN
    verdict("01.1", llama8_fp8, weights_memory(model("Llama-3-8B").params, "FP8"))

The autograder runs that cell; the student edition never contains it; and this installed
package holds no answer. :func:`feedback` reads the same expressions from the masters when
they are at hand (self-study from the repository, or an instructor's grading machine), so
the student's immediate feedback and the grade use the same expected value, tolerance and
rule (:func:`course_lib.checks.check`). Elsewhere (a kit installed from a wheel, with the
student edition) feedback still checks the form of the answer: that it is read as a
quantity, has a unit and the dimension the question asks for.
"""
from __future__ import annotations

import ast
import functools
import json
import os
import pathlib

import numpy as np
import pint

from .chapters import exercise
from .checks import Feedback, _read, check, describe_dimension
from .units import Q_

__all__ = ["feedback", "verdict", "answer_key", "masters_folder"]


def masters_folder() -> pathlib.Path | None:
    """Where the master notebooks are: ``$COURSE_LIB_MASTERS``, or ``notebooks/`` beside
    the package in a repository checkout (an editable install); ``None`` otherwise."""
    folder = os.environ.get("COURSE_LIB_MASTERS")
    path = pathlib.Path(folder) if folder else pathlib.Path(__file__).resolve().parents[1] / "notebooks"
    return path if any(path.glob("[0-9][0-9]_*.ipynb")) else None


def _hidden_verdicts(notebook: pathlib.Path):
    """(exercise id, source of the expected expression) of each hidden verdict cell."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] != "code" or not source.startswith("# HIDDEN"):
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "verdict":
                yield node.args[0].value, ast.get_source_segment(source, node.args[2])


@functools.lru_cache(maxsize=None)
def answer_key() -> dict[str, str]:
    """Exercise id -> the expression of its expected answer, read from the masters'
    hidden tests (empty when the masters are not at hand)."""
    folder = masters_folder()
    if folder is None:
        return {}
    return {eid: expr for nb in sorted(folder.glob("[0-9][0-9]_*.ipynb"))
            for eid, expr in _hidden_verdicts(nb)}


@functools.lru_cache(maxsize=None)
def _expected(exercise_id: str):
    import course_lib

    namespace = {name: getattr(course_lib, name) for name in course_lib.__all__}
    namespace.update(np=np, Q_=Q_)
    value = eval(answer_key()[exercise_id], namespace)  # the kit's own masters
    unit = exercise(exercise_id).unit
    if not isinstance(value, pint.Quantity) or not unit:
        return value
    try:                                   # feedback speaks in the unit the question asks
        value = value.to(unit)
    except pint.DimensionalityError:
        return value
    return Q_(float(value.m), value.units) if np.ndim(value.m) == 0 else value


def verdict(exercise_id: str, answer, expected) -> bool:
    """Whether ``answer`` passes exercise ``exercise_id`` against ``expected``: the rule of
    the hidden tests, and of :func:`feedback`."""
    ex = exercise(exercise_id)
    return check(answer, expected, rtol=ex.rtol, quiet=True, unit=_unit(ex)).passed


def _unit(ex):
    return ex.unit if ex.in_unit else None


def feedback(exercise_id: str, answer, quiet: bool = False) -> Feedback:
    """Unit-aware feedback on ``answer`` to exercise ``exercise_id`` (e.g. ``"00.1"``).

    With the answer key at hand: correct or not, and the likely slip the exercise
    declares. Without it: whether the answer has the form the question asks for.
    """
    ex = exercise(exercise_id)
    if exercise_id in answer_key():
        return check(answer, _expected(exercise_id), rtol=ex.rtol, quiet=quiet,
                     mistakes=ex.mistakes, unit=_unit(ex))
    form = _read(answer, Q_(1, ex.unit), unit=_unit(ex))
    if not isinstance(form, Feedback):
        form = Feedback(True, f"Form checked: {describe_dimension(Q_(1, ex.unit))}, as asked. "
                        "This copy of the kit has no answer key; the value is graded when "
                        "you hand in the notebook.")
    if not quiet:
        print(form.message)
    return form
