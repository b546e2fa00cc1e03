"""The chapters of the kit, declared once.

Each :class:`Chapter` names its notebook, title, library module, explorers (the first is
the main one, with its main control), and its exercises: the variable each answer goes
in, the unit it is asked in, and the tolerance. The answers and the likely mistakes are
not here but beside the hidden tests of the masters: see :mod:`course_lib.exercises`.

Tests, the browser test, ``make bench``, the editions tool and the README/INSTRUCTORS
tables are driven by (or checked against) ``CHAPTERS``. To add a chapter, follow
CONTRIBUTING.md.
"""
from __future__ import annotations

import importlib
import warnings
from dataclasses import InitVar, dataclass, field

__all__ = ["Chapter", "Exercise", "CHAPTERS", "chapter", "exercise"]


@dataclass(frozen=True)
class Exercise:
    """One graded exercise: ``id`` ("01.3"), the ``variable`` the answer is stored in, the
    ``unit`` it is asked in (its dimension is checked) and the relative tolerance ``rtol``
    (stated in the prompt; 0 for a whole number checked exactly). ``in_unit`` requires the
    answer in exactly ``unit``: for a conversion exercise, where pint would otherwise
    accept the question's own input in its own unit.

    The likely mistakes are not here: each is declared beside the exercise's hidden
    verdict in its master, as the wrong computation itself (``# mistake: <expression> ->
    <hint>``), so that an installed kit holds no value from which an answer follows.
    ``mistakes=`` (``(ratio, hint)`` pairs), from older declarations, is accepted and not
    read: a warning says where those mistakes go."""

    id: str
    variable: str
    unit: str
    mistakes: InitVar[tuple] = ()
    rtol: float = 0.01
    in_unit: bool = False

    def __post_init__(self, mistakes):
        if mistakes:
            warnings.warn(f"Exercise {self.id!r}: mistakes= is no longer read. Declare each "
                          "likely mistake in the master, beside the hidden verdict, as the "
                          "wrong computation: '# mistake: <expression> -> <hint>' "
                          "(INSTRUCTORS.md, Adding an exercise).", FutureWarning, stacklevel=3)


@dataclass(frozen=True)
class Chapter:
    """A chapter: notebook ``NN_slug.ipynb``, its library module, explorers and exercises.

    ``library`` is the ``course_lib`` module of the chapter's models; ``explorer_module``
    the module of ``course_lib.explorers`` that builds its explorers. ``explorers`` are
    ``(function name, control name)`` pairs in the order the notebook shows them: the
    first is the main explorer, and each control is the slider that the browser test, the
    widget tests and ``make bench`` move. ``planned`` chapters are listed but not written.
    """

    number: str
    slug: str
    title: str
    topic: str
    library: str
    explorer_module: str = ""
    claims: str = "-"
    minutes: int = 0
    explorers: tuple[tuple[str, str], ...] = ()
    exercises: tuple[Exercise, ...] = ()
    planned: bool = False
    goals: str = field(default="", repr=False)

    @property
    def notebook(self) -> str:
        return f"{self.number}_{self.slug}.ipynb"

    @property
    def explorer_names(self) -> tuple[str, ...]:
        """The explorers' function names, in page order."""
        return tuple(name for name, _ in self.explorers)

    @property
    def main_control(self) -> str:
        """The main explorer's main control."""
        return self.explorers[0][1]

    # Older spellings of the same declaration.
    module = property(lambda self: self.explorer_module)
    sweeps = property(lambda self: self.explorers)
    explorer_controls = property(lambda self: tuple(c for _, c in self.explorers[1:]))

    def explorer(self, name: str | None = None):
        """Build one of the chapter's explorers (default: the main one)."""
        module = importlib.import_module(f"course_lib.explorers.{self.explorer_module}")
        return getattr(module, name or self.explorers[0][0])()


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        "00", "units_and_estimates", "Units and estimates",
        "units with pint, prefixes, bits vs bytes, orders of magnitude, reading a claim, "
        "how exercises work", library="units", explorer_module="estimates", minutes=50,
        goals="quantities with pint; GB vs GiB, bits vs bytes; orders of magnitude; a Fermi "
              "estimate; using `feedback`",
        explorers=(("transfer_explorer", "params"),),
        exercises=(
            Exercise("00.1", "send_time", "s", rtol=0.02),
            Exercise("00.2", "ssd_gib", "GiB", in_unit=True, rtol=0.02),
            Exercise("00.3", "b200_year_energy", "MWh", rtol=0.02),
            Exercise("00.4", "b200_flop_hour", "EFLOP", rtol=0.01),
            Exercise("00.5", "read_70b_fp8", "ms", rtol=0.02),
            Exercise("00.6", "dc_in_h100s", "", rtol=0.02),
        )),
    Chapter(
        "01", "fp4_memory_math", "FP4 memory math",
        "number formats, FP4 and block scales, model memory, GPUs to fit",
        library="memory", explorer_module="memory", claims="C1, C2", minutes=75,
        goals="formats from their bits; overflow; block scales (MXFP4, NVFP4) and why NVFP4 "
              "wins; weights, KV cache and training memory; GPUs to fit; claims C1, C2",
        explorers=(("memory_explorer", "context"),),
        exercises=(
            Exercise("01.1", "llama8_fp8", "GB", rtol=0.002),
            Exercise("01.2", "mxfp4_scale_cost", "GB", rtol=0.01),
            Exercise("01.3", "kv_8b", "GB", rtol=0.02),
            Exercise("01.4", "train_8b", "GB", rtol=0.02),
            Exercise("01.5", "h200_for_405b", "", rtol=0),
            Exercise("01.6", "mxfp6_over_fp8", "", rtol=0.02),
            Exercise("01.7", "gb200_for_405b_serving", "", rtol=0),
        )),
    Chapter(
        "02", "interconnect_bandwidth", "Interconnect bandwidth",
        "alpha-beta model, collectives, NVLink domains vs scale-out, light-speed latency",
        library="network", explorer_module="interconnect", claims="C3, C4", minutes=90,
        goals="latency vs bandwidth (alpha-beta); ring, tree and in-network collectives; "
              "algbw vs busbw; NVLink domains vs the network; communication vs compute in "
              "a training step; light in fibre and in vacuum; claims C3, C4",
        explorers=(("ring_explorer", "step"), ("collective_explorer", "size"),
                   ("step_explorer", "gpus")),
        exercises=(
            Exercise("02.1", "pcie_copy", "ms", rtol=0.02),
            Exercise("02.2", "xdr_crossover", "MB", rtol=0.02),
            Exercise("02.3", "reported_busbw", "GB/s", rtol=0.02),
            Exercise("02.4", "b200_allreduce", "ms", rtol=0.02),
            Exercise("02.5", "b200_comm_share", "", rtol=0.02),
            Exercise("02.6", "london_sydney_fiber", "ms", rtol=0.02),
            Exercise("02.7", "tokyo_singapore_saving", "ms", rtol=0.02),
        )),
    Chapter(
        "03", "inference_fleets", "Inference fleets",
        "roofline, decode tokens/s, latency budget, tokens per joule",
        library="inference", explorer_module="inference", claims="C5, C6", minutes=75,
        goals="the roofline and ridge points; bytes and FLOPs of a decoding step; the batch "
              "that turns it compute-bound; prefill vs decode; latency vs throughput under a "
              "budget; tokens per joule; claims C5, C6",
        explorers=(("roofline_explorer", "batch"), ("latency_explorer", "context")),
        exercises=(
            Exercise("03.1", "b200_fp4_ridge", "FLOP/B", rtol=0.02),
            Exercise("03.2", "l20_token_ms", "ms", rtol=0.02),
            Exercise("03.3", "h100_turn_batch", "", rtol=0.02),
            Exercise("03.4", "h200_tokens_per_joule", "token/J", rtol=0.02),
            Exercise("03.5", "l20_batch_40ms", "", rtol=0),
            Exercise("03.6", "prefill_32k", "ms", rtol=0.02),
        )),
    Chapter(
        "04", "datacenter_power", "Datacenter power",
        "TDP to facility, PUE, energy and cost, growth vs supply, land and water",
        library="power", explorer_module="power", claims="C7-C13", minutes=90,
        goals="board power to IT and facility power (PUE); energy, money and CO2 of a "
              "training run and of a campus; the annual cost stack; revenue to gigawatts; "
              "growth vs build times; solar land and cooling water; claims C7-C13",
        explorers=(("campus_explorer", "count"), ("growth_explorer", "build")),
        exercises=(
            Exercise("04.1", "b200_facility", "MW", rtol=0.01),
            Exercise("04.2", "campus_twh", "TWh", rtol=0.02),
            Exercise("04.3", "deepseek_co2", "t", rtol=0.02),
            Exercise("04.4", "energy_share", "", rtol=0.02),
            Exercise("04.5", "solar_5gw", "km^2", rtol=0.02),
            Exercise("04.6", "water_500mw", "m^3/day", rtol=0.02),
            Exercise("04.7", "doubling_7x", "month", rtol=0.02),
        )),
    Chapter(
        "05", "launch_cadence", "Launch cadence",
        "solar arrays and radiators in orbit, W/kg, launches per GW",
        library="orbit", explorer_module="orbit", claims="C14-C16", minutes=90,
        goals="orbits, eclipses and orbit-average solar power; radiators and why the 3 K sky "
              "barely helps; watts per kilogram; launches per gigawatt against the record "
              "cadence; launch-price break-even; no repairs in orbit; claims C14-C16",
        explorers=(("design_explorer", "temperature"), ("launch_explorer", "gw_per_year")),
        exercises=(
            Exercise("05.1", "period_1200km", "min", rtol=0.02),
            Exercise("05.2", "shadow_minutes", "min", rtol=0.02),
            Exercise("05.3", "radiator_20mw", "m^2", rtol=0.02),
            Exercise("05.4", "arrays_50mw", "t", rtol=0.02),
            Exercise("05.5", "starship_launches", "1/year", rtol=0.03),
            Exercise("05.6", "breakeven_50", "USD/kg", rtol=0.02),
            Exercise("05.7", "spares_2000", "", rtol=0),
        )),
    Chapter(
        "06", "limits_of_computation", "Limits of computation",
        "Landauer, energy per FLOP, the efficiency trend, 10^30 FLOP/s, compounding, queueing",
        library="limits", explorer_module="limits", claims="C17-C19", minutes=75,
        goals="Landauer's bound and how far chips sit above it; the FLOP-per-joule trend and "
              "the CMOS limit; power for a compute rate against the world and the Sun; "
              "compounding small gains; M/M/1 and M/M/c waits and the utilisation a target "
              "allows; claims C17-C19",
        explorers=(("power_explorer", "rate"), ("queue_explorer", "utilization")),
        exercises=(
            Exercise("06.1", "erase_gib_hot", "J", rtol=0.02),
            Exercise("06.2", "b200_fp8_over_landauer", "", rtol=0.02),
            Exercise("06.3", "b300_world_multiple", "", rtol=0.02),
            Exercise("06.4", "gain_to_keep_pace", "", rtol=0.02),
            Exercise("06.5", "util_8_replicas", "", rtol=0.01),
            Exercise("06.6", "years_to_world", "year", rtol=0.02),
        )),
    Chapter(
        "07", "capstone_earth_or_orbit", "Capstone: Earth or orbit",
        "the next N GW: ground vs orbit, every lever, Monte Carlo uncertainty",
        library="scenarios", explorer_module="scenarios", claims="C1-C19", minutes=120,
        goals="chain every chapter's model into one decision; both cost stacks per GPU-hour; "
              "launches and build times; what must be true (break-evens); Monte Carlo and "
              "a tornado chart; published analyses reproduced and reconciled; every claim's "
              "verdict; a written recommendation",
        explorers=(("lever_board_explorer", "launch_price"), ("monte_carlo_explorer", "launch_low")),
        exercises=(
            Exercise("07.1", "ground_hour_dear_power", "USD/hour", rtol=0.02),
            Exercise("07.2", "optimistic_launches", "", rtol=0.01),
            Exercise("07.3", "build_cost_breakeven", "USD/kg", rtol=0.02),
            Exercise("07.4", "launched_power_price", "USD/kW/year", rtol=0.02),
            Exercise("07.5", "grid_median_ratio", "", rtol=0.01),
            Exercise("07.6", "years_for_30gw", "year", rtol=0.02),
        )),
)


def chapter(number: str) -> Chapter:
    """The chapter numbered ``number`` (``"01"``) or with that notebook name."""
    for c in CHAPTERS:
        if number in (c.number, c.notebook, c.notebook[:-6]):
            return c
    raise KeyError(f"No chapter {number!r}; known: {', '.join(c.number for c in CHAPTERS)}")


def exercise(exercise_id: str) -> Exercise:
    """The declared exercise ``"NN.k"`` (a ``TypeError`` for an id that is not text: ``1.1``
    would print as ``"1.1"`` and never match)."""
    if not isinstance(exercise_id, str):
        raise TypeError(f"an exercise id is text with two digits, like '01.1', got "
                        f"{exercise_id!r:.40} (a {type(exercise_id).__name__})")
    for c in CHAPTERS:
        for e in c.exercises:
            if e.id == exercise_id:
                return e
    known = ", ".join(e.id for c in CHAPTERS for e in c.exercises)
    raise KeyError(f"No exercise {exercise_id!r}; known: {known}")
