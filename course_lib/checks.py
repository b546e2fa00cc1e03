"""Unit-aware feedback on a student's answer.

``check(answer, expected)`` prints one message a student can act on and returns a
:class:`Feedback` that is truthy when the answer is right. It recognises:

* no answer yet (the ``...`` placeholder or ``None``);
* a plain number where a quantity was expected, or an unreadable string;
* a wrong dimension (which one was given, which one was expected);
* the right dimension but off by a factor, with the usual suspects named: 8 (bits vs
  bytes), 1.024^k (GB vs GiB and friends), 10^3k (a prefix slip), 2 (a factor of two,
  e.g. keys and values, or both directions of a link);
* correct, within a relative tolerance ``rtol``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pint

from .units import Q_

__all__ = ["check", "Feedback"]


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


def _fmt(q) -> str:
    if isinstance(q, pint.Quantity):
        return f"{q:.4g~P}"
    return f"{q:.4g}" if isinstance(q, (int, float)) else repr(q)


def _factor_hint(ratio: float) -> str:
    """Name the likely slip behind an answer that is ``ratio`` times the expected one."""
    r = ratio if ratio >= 1 else 1 / ratio
    direction = "too large" if ratio >= 1 else "too small"
    suspects = [(8, "a factor 8 usually means bits and bytes were mixed up")]
    suspects += [(1.024 ** k, f"a factor 1.024^{k} usually means decimal and binary "
                  f"prefixes were mixed up ({'kMGT'[k - 1]}B vs {'KMGT'[k - 1]}iB)")
                 for k in (1, 2, 3, 4)]
    suspects += [(8 * 1.024 ** k, "a factor 8 x 1.024^k: bits vs bytes and GB vs GiB at once")
                 for k in (1, 2, 3)]
    suspects += [(1000.0 ** k, f"a factor 10^{3 * k} usually means a prefix slip "
                  "(k, M, G, T, P are 10^3 apart)") for k in (1, 2, 3, 4, 5)]
    suspects += [(2, "a factor 2 often means keys and values, both directions of a link, "
                  "or sparse vs dense FLOP/s")]
    for value, hint in suspects:
        if math.isclose(r, value, rel_tol=0.005):
            return f"Your answer is {r:.4g} times {direction}: {hint}".rstrip(".") + "."
    return f"Your answer is {r:.3g} times {direction}."


def check(answer, expected, rtol: float = 0.01, quiet: bool = False) -> Feedback:
    """Compare ``answer`` with ``expected`` and explain any difference.

    ``expected`` is a Quantity (or a plain number for dimensionless answers). ``answer``
    may be a Quantity, a string such as ``"80 GB"``, or a number. Arrays are compared
    element by element. Prints the message unless ``quiet``; returns a :class:`Feedback`.
    """
    fb = _judge(answer, expected, rtol)
    if not quiet:
        print(fb.message)
    return fb


def _judge(answer, expected, rtol) -> Feedback:
    if answer is ... or answer is None:
        return Feedback(False, "Not answered yet: replace the ... with your answer.")
    expected = Q_(expected) if not isinstance(expected, pint.Quantity) else expected
    if isinstance(answer, str):
        try:
            answer = Q_(answer)
        except Exception as exc:
            return Feedback(False, f"Could not read {answer!r} as a quantity ({exc}).")
    if not isinstance(answer, pint.Quantity):
        try:
            answer = Q_(np.asarray(answer, dtype=float) if np.ndim(answer) else float(answer))
        except (TypeError, ValueError):
            return Feedback(False, f"Expected a quantity like {_fmt(expected)}, got "
                            f"{type(answer).__name__} {answer!r}.")
        if not expected.dimensionless:
            same = np.allclose(answer.m, expected.m, rtol=rtol)
            hint = (f" The number matches if it is in {expected.units:~P}: attach the unit,"
                    f" e.g. Q_({answer.m:.4g}, '{expected.units:~P}').") if same else ""
            return Feedback(False, f"Your answer {_fmt(answer.m)} has no unit; expected "
                            f"{expected.dimensionality} (like {_fmt(expected)}).{hint}")
    if answer.dimensionality != expected.dimensionality:
        given = answer.dimensionality or "dimensionless"
        wanted = expected.dimensionality or "dimensionless"
        msg = (f"Wrong dimension: your answer {_fmt(answer)} is {given}, but the expected "
               f"answer is {wanted} (like {_fmt(expected)}).")
        if (1 / answer).dimensionality == expected.dimensionality:
            msg += " It looks upside down: did you divide the wrong way round?"
        return Feedback(False, msg)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.asarray((answer / expected).m_as(""), dtype=float)
    if np.all(np.isclose(ratio, 1.0, rtol=rtol, atol=0)) or np.array_equal(
            np.asarray(answer.m_as(expected.units)), np.asarray(expected.m)):
        return Feedback(True, f"Correct: {_fmt(answer.to(expected.units))}.")
    if ratio.ndim:
        bad = int(np.argmax(~np.isclose(ratio, 1.0, rtol=rtol, atol=0)))
        where, r = f" (first mismatch at index {bad})", float(ratio.ravel()[bad])
    else:
        where, r = "", float(ratio)
    if not np.isfinite(r) or r <= 0:
        return Feedback(False, f"Not quite{where}: {_fmt(answer)} vs expected "
                        f"{_fmt(expected)}; check the sign and for zeros.")
    return Feedback(False, f"Not quite{where}: {_fmt(answer.to(expected.units))}. "
                    + _factor_hint(r))
