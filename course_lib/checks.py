"""Unit-aware feedback on a student's answer.

``check(answer, expected)`` prints one message a student can act on and returns a
:class:`Feedback` that is truthy when the answer is right. It recognises:

* no answer yet (the ``...`` placeholder or ``None``);
* a plain number where a quantity was expected, or an unreadable string;
* a wrong dimension, named in words ("you gave a power (watts), the question asks for
  an energy (joules)");
* the right dimension but a different value: first the likely mistakes the exercise
  declares (``mistakes``: the wrong value each one produces, or the ratio answer /
  expected, and what it means), then the generic suspects its dimension allows: 8 (bits
  vs bytes), 1.024^k (GB vs GiB and friends), 100 (percent vs fraction), 10^3k (a prefix);
* correct, within a relative tolerance ``rtol``.

Strings are read as quantities (``"50 GB/s"``) everywhere, so feedback and grading agree.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pint

from .units import Q_, describe_dimension, dimensionality_of, parse_quantity, real_array

__all__ = ["check", "Feedback", "compare_estimate"]

@dataclass(frozen=True)
class Feedback:
    """The outcome of :func:`check`: ``bool(feedback)`` is whether it passed."""

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message

    def _ipython_display_(self) -> None:
        """Show nothing: ``check`` has printed the message already."""


def _excerpt(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")


def _fmt(q) -> str:
    if isinstance(q, pint.Quantity):
        return f"{q:.4g~P}"
    return f"{q:.4g}" if isinstance(q, (int, float)) else repr(q)


_DATA = Q_(1, "B").dimensionality


def _share(expected: pint.Quantity) -> bool:
    """Whether the expected answer can be a share (a plain number from 0 to 1): only then
    is "30 % is 0.3" a likely slip; a count or a ratio above one is no percentage."""
    return bool(expected.dimensionless and np.all(np.abs(expected.m_as("")) <= 1))


def _generic_suspects(expected: pint.Quantity):
    """(factor, hint) of the slips the expected quantity's dimension makes possible: bits vs
    bytes wherever bytes appear, binary prefixes for amounts of data (capacities), percent
    vs fraction for plain numbers, a prefix slip for anything."""
    suspects = []
    if "[information]" in expected.dimensionality:
        suspects.append((8, "bits and bytes were mixed up (8 bits to a byte)"))
    if expected.dimensionality == _DATA:        # binary prefixes count capacities only
        suspects += [(1.024 ** k, f"decimal and binary prefixes were mixed up "
                      f"({'kMGT'[k - 1]}B vs {'KMGT'[k - 1]}iB)") for k in (1, 2, 3, 4)]
        suspects += [(8 * 1.024 ** k, "bits vs bytes and GB vs GiB were mixed up at once")
                     for k in (1, 2, 3)]
    if _share(expected):
        suspects.append((100, "a share is a fraction: 30 % is 0.3 (or Q_(30, '%')), not 30"))
    suspects += [(1000.0 ** k, "a prefix slip (k, M, G, T, P are a factor 1000 apart)")
                 for k in (1, 2, 3, 4, 5)]
    return suspects


def _size(r: float, rtol: float) -> str:
    """How far off, in words that do not give the expected value away."""
    if r < 1.1 and rtol == 0:
        return ("close, but the answer is an exact whole number: check whether to round up "
                "or down; it is")
    if r < 1.1:
        return (f"close, but outside the tolerance of {rtol:.2g} ({100 * rtol:.2g} %): check "
                "the inputs you used and round only at the end; it is")
    if r < 2:
        return "off by less than a factor 2,"
    if r < 10:
        return "several times"
    return f"about 10^{round(math.log10(r))} times"


def _matches(answer, ratio: float, wrong, tol: float) -> bool:
    """Whether the answer is the declared mistake ``wrong``: a wrong value (a quantity,
    compared within ``tol`` element by element) or a signed ratio (a plain number)."""
    if not isinstance(wrong, pint.Quantity):
        return math.isclose(ratio, float(wrong), rel_tol=tol)
    if answer is None or wrong.dimensionality != answer.dimensionality:
        return False
    a = np.asarray(answer.m_as(wrong.units), dtype=float)
    w = np.asarray(wrong.m, dtype=float)
    return a.shape == w.shape and bool(np.all(np.isclose(a, w, rtol=tol, atol=0)))


def _significant_digits(x: float) -> int:
    """How many significant digits a number was written with (``1100.0`` has 2,
    ``0.0250`` as a float has 2, ``1074.3`` has 5)."""
    digits = f"{abs(x):.15g}".split("e")[0].replace(".", "").strip("0")
    return max(len(digits), 1)


def _rounded_early(answer: pint.Quantity, expected: pint.Quantity, rtol: float) -> str:
    """A hint when ``answer`` is the expected value rounded to the digits the student wrote
    (so that no prefix or factor needs to explain the gap), else ``""``."""
    if np.ndim(answer.m) or not answer.m:
        return ""
    n = _significant_digits(answer.m)
    if not float(f"{expected.m_as(answer.units):.{n}g}") == answer.m:
        return ""
    figures = f"{n} significant figure{'s' * (n > 1)}"
    if rtol == 0:
        return f"Your answer looks rounded to {figures}: the answer is an exact whole number."
    keep = max(n + 1, 1 - math.floor(math.log10(rtol)))
    return (f"Your answer looks rounded to {figures}, more than the tolerance of "
            f"{100 * rtol:.2g} % allows: keep {keep} and round only at the end.")


def _likely(named, lead: str = "Likely slip: ") -> str:
    return lead + " Or: ".join(h.rstrip(".") + "." for h in named)


def _factor_hint(ratio: float, expected, named=(), rtol: float = 0.01) -> str:
    """Name the likely slip behind an answer that is ``ratio`` times the expected one: the
    hints of the exercise's declared mistakes it matched (``named``) first, then the generic
    suspects its dimension allows, else only how far off, coarsely (no ratio that gives the
    answer)."""
    direction = "too large" if ratio >= 1 else "too small"
    tol = max(rtol, 0.005)
    if named:
        return f"Your answer is {direction}. " + _likely(named)
    r = ratio if ratio >= 1 else 1 / ratio
    if not math.isclose(r, 1, rel_tol=tol):
        for value, hint in _generic_suspects(expected):
            if math.isclose(r, value, rel_tol=0.005):
                return f"Your answer is {direction}: {hint}."
        if _share(expected) and ratio > 1 and 30 <= r <= 300:     # a rounded percentage
            return (f"Your answer is {_size(r, rtol)} {direction}: a share is a fraction, "
                    "30 % is 0.3 (or Q_(30, '%')), not 30.")
    return f"Your answer is {_size(r, rtol)} {direction}."


def check(answer, expected, rtol: float = 0.01, quiet: bool = False, mistakes=(),
          unit: str | None = None) -> Feedback:
    """Compare ``answer`` with ``expected`` and explain any difference.

    ``expected`` is a Quantity (or a plain number for dimensionless answers). ``answer``
    may be a Quantity, a string such as ``"80 GB"``, or a number. Arrays are compared
    element by element. ``mistakes`` are ``(wrong, hint)`` pairs: an answer equal to the
    wrong value ``wrong`` (a quantity), or ``wrong`` times the expected one (a number), gets
    ``hint``. ``unit``, if given, requires the answer in
    exactly that unit (conversion exercises). Prints the message unless ``quiet``;
    returns a :class:`Feedback`.

    >>> check("400 GB/s", Q_(50, "GB/s"), quiet=True).message
    'Not quite: 400 GB/s. Your answer is too large: bits and bytes were mixed up (8 bits to a byte).'
    """
    if isinstance(rtol, (bool, np.bool_)) or not isinstance(rtol, (int, float, np.floating,
                                                                    np.integer)):
        raise TypeError(f"check(): rtol must be a number like 0.01, got {rtol!r}"[:120])
    if not 0 <= rtol < 1:
        raise ValueError(f"check(): rtol must be a relative tolerance in [0, 1), like 0.01 "
                         f"for 1 %, got {rtol!r}")
    if unit is not None:
        dimensionality_of(unit)           # a unit string that pint reads safely, or an error
    fb = _judge(answer, expected, float(rtol), mistakes, unit)
    if not quiet:
        print(fb.message)
    return fb


def read_answer(answer, expected: pint.Quantity, rtol: float = 0.0, unit=None):
    """``answer`` as a Quantity of ``expected``'s dimension (in ``unit`` if given), or the
    :class:`Feedback` that says why it is not one: the form checks, before any value
    (:func:`course_lib.exercises.feedback` gives them alone where no answer key is)."""
    if answer is ... or answer is None:
        return Feedback(False, "Not answered yet: replace the ... with your answer.")
    if isinstance(answer, str):
        try:
            answer = parse_quantity(answer)
        except ValueError as exc:
            return Feedback(False, f"Could not read {_excerpt(answer)} as a quantity ({exc}).")
    if isinstance(answer, (bool, np.bool_)):
        return Feedback(False, f"{answer} is a yes/no value; the question asks for "
                        f"{describe_dimension(expected)}.")
    shape = _shape(answer if not isinstance(answer, pint.Quantity) else answer.magnitude,
                   np.shape(expected.magnitude))
    if isinstance(shape, Feedback):
        return shape
    if not np.all(np.isfinite(shape)):
        return Feedback(False, "Your answer is not a finite number (inf or nan): check for a "
                        "division by zero.")
    if not isinstance(answer, pint.Quantity):
        answer = Q_(shape)
        if not expected.dimensionless:
            same = np.allclose(answer.m, expected.m, rtol=rtol, atol=0)
            hint = (f" The number matches if it is in {expected.units:~P}: attach the unit,"
                    f" e.g. Q_({answer.m:.4g}, '{expected.units:~P}').") if same else ""
            return Feedback(False, f"Your answer {_fmt(answer.m)} has no unit; the question "
                            f"asks for {describe_dimension(expected)}.{hint}")
    else:
        answer = Q_(shape, answer.units)
    if answer.dimensionality != expected.dimensionality:
        msg = (f"Wrong dimension: you gave {_fmt(answer)}, {describe_dimension(answer)}; "
               f"the question asks for {describe_dimension(expected)}.")
        if (1 / answer.units).dimensionality == expected.dimensionality:   # 0 has units too
            msg += " It looks upside down: did you divide the wrong way round?"
        elif (answer.units / expected.units).dimensionality == Q_(1, "kg/m^3").dimensionality:
            msg += (" That is a mass where a volume is asked: divide by the density (water: "
                    "1 kg per litre).")
        elif (expected.units / answer.units).dimensionality == Q_(1, "kg/m^3").dimensionality:
            msg += (" That is a volume where a mass is asked: multiply by the density (water: "
                    "1 kg per litre).")
        return Feedback(False, msg)
    if unit is not None and answer.units != Q_(1, unit).units:
        return Feedback(False, f"The question asks for the number in {unit}; your answer is "
                        f"in {answer.units:~P}. Convert it with .to('{unit}').")
    return answer


def _reference(value, name: str) -> pint.Quantity:
    """The value an answer is compared with, as a finite Quantity (a string is read
    safely)."""
    if isinstance(value, str):
        value = parse_quantity(value)
    if isinstance(value, pint.Quantity):
        return _reference(value.magnitude, name) * value.units
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.number, np.ndarray)):
        raise TypeError(f"{name} must be a quantity or a number, got {type(value).__name__}")
    m = real_array(value, name)
    q = Q_(m if m.ndim else float(m))
    if np.size(q.magnitude) == 0 or not np.all(np.isfinite(q.magnitude)):
        raise ValueError(f"{name} must be finite and not empty, got {q!r}"[:200])
    return q


def _shape(magnitude, expected_shape):
    """The answer's magnitude as a float (or an array of the expected shape), or the
    Feedback that says why it cannot be: empty, ragged, text, or several values where one
    is asked (an empty array would otherwise pass every "all within tolerance" rule)."""
    try:
        m = real_array(magnitude, "Your answer", "one number with its unit, like Q_(2.5, 's')")
    except (TypeError, ValueError) as exc:
        return Feedback(False, str(exc))
    if m.size == 0:
        return Feedback(False, "Your answer is empty: give one value with its unit.")
    if expected_shape == ():
        if m.size > 1:
            return Feedback(False, f"The question asks for one value; your answer has "
                            f"{m.size}. Pick the one asked for.")
        return float(m.reshape(()))
    if m.shape != expected_shape:
        return Feedback(False, f"The question asks for {int(np.prod(expected_shape))} values; "
                        f"your answer has {m.size}.")
    return m


def _judge(answer, expected, rtol, mistakes=(), unit=None) -> Feedback:
    expected = _reference(expected, "expected")
    answer = read_answer(answer, expected, rtol, unit)
    if isinstance(answer, Feedback):
        return answer
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.asarray(answer.m_as(expected.units), dtype=float) / np.asarray(
            expected.m, dtype=float)
    if np.all(np.isclose(ratio, 1.0, rtol=rtol, atol=0)) or np.array_equal(
            np.asarray(answer.m_as(expected.units)), np.asarray(expected.m)):
        return Feedback(True, f"Correct: {_fmt(answer.to(expected.units))}.")
    if ratio.ndim:
        bad = int(np.argmax(~np.isclose(ratio, 1.0, rtol=rtol, atol=0)))
        where, r = f" (first mismatch at index {bad})", float(ratio.ravel()[bad])
    else:
        where, r = "", float(ratio)
    positive = bool(np.isfinite(r) and r > 0)
    # a wrong value can match a 0 or a negative answer; a ratio only a positive one
    named = [hint for wrong, hint in mistakes if (positive or isinstance(wrong, pint.Quantity))
             and _matches(answer, r, wrong, max(rtol, 0.005))]
    if named and not positive:
        return Feedback(False, f"Not quite{where}: {_fmt(answer.to(expected.units))}. "
                        + _likely(named))
    if not positive:
        why = " is zero" if r == 0 else " is of the wrong sign" if np.isfinite(r) else ""
        return Feedback(False, f"Not quite{where}: {_fmt(answer)}{why}. Check the sign, "
                        "the order of a subtraction, and for a factor that came out as zero.")
    rounded = _rounded_early(answer, expected, rtol)
    if rounded:
        return Feedback(False, f"Not quite: {_fmt(answer)}. {rounded}"
                        + (_likely(named, " Or, if you did not round: ") if named else ""))
    return Feedback(False, f"Not quite{where}: {_fmt(answer.to(expected.units))}. "
                    + _factor_hint(r, expected, named, rtol))


class Said(str):
    """A message already printed: a notebook cell ending with the call shows it once
    (``quiet=True`` leaves the showing to the notebook)."""

    printed = False

    def _ipython_display_(self) -> None:
        if not self.printed:
            print(self)


def compare_estimate(guess, value, quiet: bool = False) -> str:
    """Compare a student's estimate with the computed ``value``: by what factor, and in
    which direction. Any guess is fine: the point is to calibrate.

    >>> compare_estimate(Q_(3, "GB"), Q_(10, "GB"), quiet=True)
    'Your estimate was 3.3 times too low: within an order of magnitude.'
    """
    if guess is ... or guess is None:
        text = "Write your estimate first (replace the ...), then compute."
    elif value is ... or value is None:
        text = "Now compute the answer, then run this cell again to compare."
    elif isinstance(form := read_answer(guess, value := _reference(value, "value")), Feedback):
        text = "Your estimate: " + form.message
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = float(np.float64(value.m_as(value.units)) / np.float64(form.m_as(value.units)))
        factor, way = (ratio, "low") if ratio >= 1 else (1 / ratio if ratio else 0, "high")
        if not (np.isfinite(ratio) and ratio > 0):
            text = "Your estimate (or the result) is zero or has the wrong sign: no factor to compare."
        elif factor < 1.5:
            text = f"Your estimate was within {100 * (factor - 1):.0f} % of the result. Well judged."
        elif factor <= 10:
            text = f"Your estimate was {factor:.2g} times too {way}: within an order of magnitude."
        else:
            text = (f"Your estimate was {factor:.3g} times too {way}: more than an order of "
                    "magnitude off. Find the step of your estimate that slipped.")
    said = Said(text)
    if not quiet:
        print(text)
        said.printed = True
    return said
