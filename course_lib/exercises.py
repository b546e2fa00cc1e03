"""The answer key of the kit's exercises, and the feedback a student asks for.

Each exercise has an id (``"00.1"``: chapter 00, exercise 1), an expected answer computed
with the library from sourced data (never typed in), and a tolerance. Students call
``feedback("00.1", answer)``: it prints the unit-aware message of
:func:`course_lib.checks.check` and returns a truthy :class:`~course_lib.checks.Feedback`
when right. The autograder's tests call the same function, so a student's feedback and
their grade never disagree.

Reading this file reveals the answers: that is a deliberate act, not an accident.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .checks import Feedback, check
from .data import accelerator, model
from .memory import devices_to_fit, kv_cache_memory, training_memory, weights_memory
from .units import Q_

__all__ = ["feedback", "expected", "EXERCISES"]


@dataclass(frozen=True)
class Exercise:
    expected: Callable[[], object]
    rtol: float = 0.01


def _h100():
    return accelerator("H100 SXM")


EXERCISES: dict[str, Exercise] = {
    # 00: units and estimates
    "00.1": Exercise(lambda: Q_(400, "Gbit/s").to("GB/s")),
    "00.2": Exercise(lambda: _h100().memory.to("GiB")),
    "00.3": Exercise(lambda: (_h100().power * Q_(1, "year")).to("kWh")),
    "00.4": Exercise(lambda: (_h100().peak["BF16"] * Q_(1, "hour")).to("EFLOP")),
    "00.5": Exercise(lambda: (weights_memory(405e9, "BF16") / _h100().memory_bandwidth).to("ms")),
    # 01: FP4 memory math
    "01.1": Exercise(lambda: weights_memory(70e9, "FP8")),
    "01.2": Exercise(lambda: weights_memory(1e12, "NVFP4") - weights_memory(1e12, "FP4")),
    "01.3": Exercise(lambda: kv_cache_memory(80, 8, 128, 128_000)),
    "01.4": Exercise(lambda: training_memory(70e9, "mixed-precision Adam").total),
    "01.5": Exercise(lambda: devices_to_fit(weights_memory(1e12, "NVFP4"), "GB200"), rtol=0),
    "01.6": Exercise(lambda: weights_memory(1e12, "BF16") / weights_memory(1e12, "NVFP4")),
}


def _exercise(exercise_id: str) -> Exercise:
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise KeyError(f"No exercise {exercise_id!r}; known: {', '.join(EXERCISES)}") from None


def expected(exercise_id: str):
    """The expected answer of an exercise (this reveals it)."""
    return _exercise(exercise_id).expected()


def feedback(exercise_id: str, answer, quiet: bool = False) -> Feedback:
    """Unit-aware feedback on ``answer`` to exercise ``exercise_id`` (e.g. ``"00.1"``)."""
    ex = _exercise(exercise_id)
    return check(answer, ex.expected(), rtol=ex.rtol, quiet=quiet)
