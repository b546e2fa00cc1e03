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

import ast
import functools
import operator
import types

import numpy as np
import pint

from .chapters import exercise
from .checks import Feedback, check, describe_dimension, read_answer
from .masters import answer_key, expected_expression, masters_folder, mistake_expressions
from .units import Q_, refuse_unsafe

__all__ = ["feedback", "verdict", "expected_answer", "mistakes", "answer_key", "masters_folder",
           "safe_eval"]


# What an expected value may be written with: the kit's public names (not the registry,
# which ``define`` would change, nor the file reader), a few of numpy's and Python's pure
# functions, and the syntax the masters use. No name or attribute with an underscore, so
# nothing reaches Python's internals; powers and products of text or lists are checked as
# they run, so that no expression can hang or fill the memory.
_NOT_IN_EXPRESSIONS = {"ureg", "read_table"}
_NUMPY = ("pi", "e", "sqrt", "log", "log2", "log10", "exp", "expm1", "log1p", "ceil", "floor",
          "round", "abs", "minimum", "maximum", "flatnonzero", "argmax", "argmin", "sum",
          "mean", "median", "prod", "cumsum", "array", "asarray", "isclose", "where")
_BUILTINS = {"int": int, "float": float, "round": round, "abs": abs, "min": min, "max": max,
             "len": len, "sum": sum}
_NODES = (ast.Expression, ast.Constant, ast.Name, ast.Load, ast.Store, ast.Attribute,
          ast.Call, ast.keyword, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp,
          ast.Subscript, ast.Slice, ast.Tuple, ast.List, ast.ListComp, ast.comprehension,
          ast.Lambda, ast.arguments, ast.arg, ast.operator, ast.unaryop, ast.boolop,
          ast.cmpop)
_MAX_EXPONENT = 64
_MAX_LENGTH = 100_000                   # elements of an array made by np.arange and friends


_SEQUENCES = (str, bytes, list, tuple)
# methods that build text (a unit string pint would take ages to read) or huge arrays
_BUILDERS = {"join", "replace", "format", "format_map", "center", "ljust", "rjust", "zfill",
             "expandtabs", "translate", "repeat", "tile", "resize"}


def _arithmetic(op: str, a, b):
    """``a op b`` for numbers, arrays and quantities; text and lists are not combined (a
    product of text fills the memory, a sum builds a unit string), exponents stay small."""
    if isinstance(a, _SEQUENCES) or isinstance(b, _SEQUENCES):
        raise ValueError("text and lists are not combined with arithmetic in an expected value")
    if op == "**":
        if np.size(b) != 1 or not abs(float(np.asarray(getattr(b, "m", b)))) <= _MAX_EXPONENT:
            raise ValueError(f"an exponent in an expected value must be one number up to "
                             f"{_MAX_EXPONENT}")
        return a ** b
    return {"*": operator.mul, "+": operator.add, "%": operator.mod}[op](a, b)


def _arange(*args, **kwargs):
    start, stop, step = (0.0, *args, 1.0) if len(args) == 1 else (*args, 1.0)[:3]
    if np.size(step) != 1 or not float(step) or (float(stop) - float(start)) / float(
            step) > _MAX_LENGTH:
        raise ValueError(f"np.arange in an expected value makes at most {_MAX_LENGTH:,} values")
    return np.arange(*args, **kwargs)


class _Guarded(ast.NodeTransformer):
    """Rewrites ``a ** b``, ``a * b``, ``a + b`` and ``a % b`` as checked calls."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        op = {ast.Pow: "**", ast.Mult: "*", ast.Add: "+", ast.Mod: "%"}.get(type(node.op))
        if op is None:
            return node
        call = ast.Call(ast.Name("__arithmetic", ast.Load()),
                        [ast.Constant(op), node.left, node.right], [])
        return ast.copy_location(call, node)


@functools.lru_cache(maxsize=1)
def _namespace() -> dict:
    import course_lib

    names = {n: getattr(course_lib, n) for n in course_lib.__all__
             if n not in _NOT_IN_EXPRESSIONS}
    numpy = types.SimpleNamespace(**{n: getattr(np, n) for n in _NUMPY}, arange=_arange)
    return {**names, "np": numpy, "Q_": Q_, "__builtins__": _BUILTINS,
            "__arithmetic": _arithmetic}


def safe_eval(expression: str):
    """The value of ``expression``, written with the kit's public names, ``Q_``, a few of
    numpy's functions (``np.sqrt``, ``np.arange``...) and ``int``, ``float``, ``round``,
    ``abs``, ``min``, ``max``, ``len``, ``sum``: what an expected value or a declared
    mistake is written with. Anything else (an import, a name or attribute with an
    underscore, an exponent above 64, arithmetic on text) is a ``ValueError`` before or
    while it runs, never a hang.

    >>> safe_eval('2 * Q_(3, "GB")')
    <Quantity(6, 'gigabyte')>
    """
    if not isinstance(expression, str) or len(expression) > 2000:
        raise ValueError(f"an expected value is an expression of at most 2,000 characters, "
                         f"got {type(expression).__name__} {str(expression)[:40]!r}")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"{expression[:60]!r} is not an expression ({exc.msg})") from None
    for node in ast.walk(tree):
        name = getattr(node, "id", None) or getattr(node, "attr", None) or getattr(
            node, "arg", None) or ""
        if not isinstance(node, _NODES) or name.startswith("_") or name in _BUILDERS:
            what = name or type(node).__name__
            raise ValueError(f"{what!r} is not allowed in an expected value (only the kit's "
                             "public names, numbers, text and arithmetic)")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            refuse_unsafe(node.value)
    code = compile(ast.fix_missing_locations(_Guarded().visit(tree)), "<expected>", "eval")
    return eval(code, dict(_namespace()))    # noqa: S307 - names and syntax checked above


@functools.lru_cache(maxsize=None)
def _evaluate(exercise_id: str, expression: str):
    value = safe_eval(expression)
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
        expected = _evaluate(exercise_id, expression)
        fb = check(answer, expected, rtol=ex.rtol, quiet=True, unit=_unit(ex))
        if not fb.passed:      # the declared mistakes (each a computation) name a slip only
            fb = check(answer, expected, rtol=ex.rtol, quiet=True,
                       mistakes=mistakes(exercise_id), unit=_unit(ex))
        if not quiet:
            print(fb.message)
        return fb
    form = read_answer(answer, Q_(1, ex.unit), unit=_unit(ex))
    if not isinstance(form, Feedback):
        form = Feedback(True, f"Form checked: {describe_dimension(Q_(1, ex.unit))}, as asked. "
                        "This copy of the kit has no answer key; the value is graded when "
                        "you hand in the notebook.")
    if not quiet:
        print(form.message)
    return form
