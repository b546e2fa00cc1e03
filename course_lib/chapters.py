"""The chapters of the kit, declared once.

Each :class:`Chapter` names its notebook, title, library module, explorers (the first is
the main one, with its main control), and its exercises: the variable each answer goes
in, the unit it is asked in, and the likely mistakes that feedback names. The answers
themselves are not here: see :mod:`course_lib.exercises`.

Tests, the browser test, ``make bench``, the editions tool and the README/INSTRUCTORS
tables are driven by (or checked against) ``CHAPTERS``. To add a chapter, follow
CONTRIBUTING.md.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Chapter", "Exercise", "CHAPTERS", "chapter", "exercise"]

GIB_OVER_GB = 2 ** 30 / 1e9        # 1.0737: the factor behind every GB vs GiB slip


@dataclass(frozen=True)
class Exercise:
    """One graded exercise: ``id`` ("01.3"), the ``variable`` the answer is stored in, the
    ``unit`` it is asked in (its dimension is checked), the relative tolerance, and
    ``mistakes``: ``(ratio, hint)`` pairs, where ``ratio`` is answer / expected for that
    slip (signed: 0.5 means half the right answer). ``in_unit`` requires the answer in
    exactly ``unit``: for a conversion exercise, where pint would otherwise accept the
    question's own input in its own unit."""

    id: str
    variable: str
    unit: str
    mistakes: tuple[tuple[float, str], ...] = ()
    rtol: float = 0.01
    in_unit: bool = False


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
            Exercise("00.1", "send_time", "s", (
                (1 / 8, "you read Tb/s as terabytes per second: b is bits, 8 bits per byte"),
                (8, "you multiplied by 8 twice: the size is in bytes, the link in bits"),
                (1 / GIB_OVER_GB, "you read 500 GiB as 500 GB: a GiB is 2^30 bytes"))),
            Exercise("00.2", "ssd_gib", "GiB", (
                (GIB_OVER_GB, "you kept 1000 and changed the unit: a GiB is 7.4 % bigger than "
                              "a GB, so there are fewer of them"),
                (1 / GIB_OVER_GB, "you converted the wrong way round: a GiB is bigger than "
                                  "a GB, so there are fewer of them")), in_unit=True),
            Exercise("00.3", "b200_year_energy", "MWh", (
                (1 / 365.25, "that is one day, not one year"),
                (1 / 8766, "that is one hour, not one year"))),
            Exercise("00.4", "b200_flop_hour", "EFLOP", (
                (2, "you used the datasheet's 2:4-sparse figure; the table's peak is dense"),
                (1 / 60, "that is one minute, not one hour"),
                (1 / 3600, "that is one second, not one hour"))),
            Exercise("00.5", "read_70b_fp8", "ms", (
                (2, "you read the weights in BF16 (2 bytes each), not FP8 (1 byte)"),
                (4.8 / 3.35, "you used the H100's memory bandwidth (3.35 TB/s), not the H200's"),
                (1 / 1000, "check the prefix of your time"))),
            Exercise("00.6", "dc_in_h100s", ""),
        )),
    Chapter(
        "01", "fp4_memory_math", "FP4 memory math",
        "number formats, FP4 and block scales, model memory, GPUs to fit",
        library="memory", explorer_module="memory", claims="C1, C2", minutes=75,
        goals="formats from their bits; overflow; block scales (MXFP4, NVFP4) and why NVFP4 "
              "wins; weights, KV cache and training memory; GPUs to fit; claims C1, C2",
        explorers=(("memory_explorer", "context"),),
        exercises=(
            Exercise("01.1", "llama8_fp8", "GB", (
                (0.9963, "take the parameter count from the model table "
                           "(model(...).params), not the rounded name"),
                (2, "that is BF16 (2 bytes per parameter); FP8 is 1 byte"),
                (8, "FP8 is 8 bits, which is 1 byte per parameter, not 8 bytes")), rtol=0.002),
            Exercise("01.2", "mxfp4_scale_cost", "GB", (
                (2, "that is NVFP4's scale cost (8 bits per 16 values); MXFP4 has one 8-bit "
                    "scale per 32 values"),
                (8, "the scale costs 0.25 bit per value, which is 1/32 byte, not 0.25 byte"))),
            Exercise("01.3", "kv_8b", "GB", (
                (0.5, "you forgot the factor 2: keys and values are both cached"),
                (2, "that is a BF16 cache (2 bytes per number); this one is FP8"),
                (4, "you used the 32 query heads; only the 8 key-value heads are cached"),
                (0.25, "you forgot the batch of 4 conversations"))),
            Exercise("01.4", "train_8b", "GB", (
                (1 / 8, "you counted only the 2-byte weights; training also keeps gradients, "
                        "fp32 master weights and the optimizer state (16 bytes per parameter)"),
                (0.5, "you forgot the optimizer state: Adam's two fp32 moments are 8 of the "
                      "16 bytes per parameter"),
                (0.75, "you forgot the fp32 master weights (4 of the 16 bytes)"))),
            Exercise("01.5", "h200_for_405b", "", (
                (4 / 3, "you read 141 GB as 10^9 bytes; HBM capacities are binary, about "
                        "141 GiB (151 GB)"),
                (2, "that is BF16; the weights are in FP8")), rtol=0),
            Exercise("01.6", "mxfp6_over_fp8", "", (
                (6.25 / 6, "you forgot the block scale: MXFP6 costs 6 + 8/32 = 6.25 bits "
                               "per value, not 6"),
                (6.25 ** 2 / 64, "upside down: how many *more* parameters fit in MXFP6"))),
            Exercise("01.7", "gb200_for_405b_serving", "", (
                (2 / 3, "you left out the KV cache, or the weights: both must fit"),), rtol=0),
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
            Exercise("02.1", "pcie_copy", "ms", (
                (2, "you used half the bandwidth: the table's figure is already per "
                    "direction (the bidirectional figure is twice it)"),
                (1 / GIB_OVER_GB, "you read 48 GiB as 48 GB: a GiB is 2^30 bytes"),
                (8, "the table's bandwidth is in bytes per second; you multiplied by 8"))),
            Exercise("02.2", "xdr_crossover", "MB", (
                (1 / 64, "that is the crossover of one link (latency x bandwidth); a ring "
                         "all-gather pays the latency n - 1 times while sending only "
                         "(n-1)/n of the buffer"),
                (8, "800 Gb/s is 100 GB/s: b is bits"),
                (2, "that is the all-reduce's count; an all-gather has n - 1 steps"))),
            Exercise("02.3", "reported_busbw", "GB/s", (
                (8 / 15, "that is the algorithm bandwidth S/t; busbw multiplies it by "
                         "2(n-1)/n for an all-reduce"),
                (0.5, "you used the all-gather factor (n-1)/n; an all-reduce's is 2(n-1)/n"),
                (8, "check bits against bytes: nccl-tests prints GB/s"))),
            Exercise("02.4", "b200_allreduce", "ms", (
                ((2 * 511 / 512 / 50) / (2 * 7 / 8 / 900 + 2 * 63 / 64 / (8 * 50)),
                 "you ran one flat ring over the network for all 512 GPUs; inside each "
                 "node the NVLink does the first and last stage, and each GPU sends only "
                 "1/8 of the buffer across"),
                (0.5, "gradients in BF16 are 2 bytes per parameter, not 1"),
                (2, "gradients in BF16 are 2 bytes per parameter, not 4"))),
            Exercise("02.5", "b200_comm_share", "", (
                (100, "a share is a fraction: 30 % is 0.3 (or Q_(30, '%')), not 30"),)),
            Exercise("02.6", "london_sydney_fiber", "ms", (
                (1 / 1.4682, "that is light in vacuum; in fibre it is slower by the group "
                             "index, 1.4682"),
                (2, "that is the round trip; the question asks one way"))),
            Exercise("02.7", "tokyo_singapore_saving", "ms"),
        )),
    Chapter("03", "inference_fleets", "Inference fleets",
            "roofline, decode tokens/s, latency budget, tokens per joule",
            library="inference", claims="C5, C6", planned=True),
    Chapter(
        "04", "datacenter_power", "Datacenter power",
        "TDP to facility, PUE, energy and cost, growth vs supply, land and water",
        library="power", explorer_module="power", claims="C7-C13", minutes=90,
        goals="board power to IT and facility power (PUE); energy, money and CO2 of a "
              "training run and of a campus; the annual cost stack; revenue to gigawatts; "
              "growth vs build times; solar land and cooling water; claims C7-C13",
        explorers=(("campus_explorer", "count"), ("growth_explorer", "build")),
        exercises=(
            Exercise("04.1", "b200_facility", "MW", (
                (1 / 1.7875, "you left out the server overhead: CPUs, memory, NICs and "
                             "fans add to the GPUs' board power (it_power does it)"),
                (1 / 1.35, "you left out the PUE: cooling and power conversion come on "
                           "top of the IT power"),
                (1 / (1.7875 * 1.35), "that is the GPUs' board power alone: add the "
                                      "server overhead and the PUE"))),
            Exercise("04.2", "campus_twh", "TWh", (
                (1 / 0.85, "you left out the load factor: the campus draws its rated "
                           "power only part of the time"),
                (1000, "check the prefix: 1 TWh is 1000 GWh"))),
            Exercise("04.3", "deepseek_co2", "t", (
                (1 / 1.821, "you used the GPUs' board power alone; the servers around "
                            "them add the DGX H100 overhead"),
                (1 / 1.3, "you left out the PUE"))),
            Exercise("04.4", "energy_share", "", (
                (100, "a share is a fraction: 30 % is 0.3 (or Q_(30, '%')), not 30"),)),
            Exercise("04.5", "solar_5gw", "km^2", (
                (0.25, "that is the area for 5 GW of nameplate panels; 5 GW *average* "
                       "needs nameplate / capacity factor"),)),
            Exercise("04.6", "water_500mw", "m^3/day", (
                (2.442 / 2.257, "you used the latent heat at 100 C (2.257 MJ/kg); "
                                "cooling towers evaporate near 25 C (2.442 MJ/kg)"),
                (1 / 86400, "that is one second's water, not one day's"))),
            Exercise("04.7", "doubling_5x", "month", (
                (np.log(5) / (5 * np.log(2)),
                 "you divided a year by 5: growing 5x in a year is log2(5) = 2.3 "
                 "doublings, not 5"),)),
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
            Exercise("05.1", "period_1200km", "min", (
                ((1200 / (6378 + 1200)) ** 1.5, "you used the altitude as the orbit's "
                                                     "radius: add the Earth's radius"),)),
            Exercise("05.2", "shadow_minutes", "min"),
            Exercise("05.3", "radiator_20mw", "m^2", (
                ((2 * 0.9 * 5.670374419e-8 * 350 ** 4 - 137)
                 / (0.9 * 5.670374419e-8 * 350 ** 4 - 137),
                 "you radiated from one face only; a panel in space radiates from both"),
                ((2 * 0.9 * 5.670374419e-8 * 350 ** 4 - 137)
                 / (2 * 0.9 * 5.670374419e-8 * 350 ** 4),
                 "you left out the flux the panel absorbs from the Earth and the Sun"))),
            Exercise("05.4", "arrays_50mw", "t", (
                (1 - 0.3723, "you left out the eclipse: at 550 km with the Sun in the orbit "
                             "plane the arrays are dark over a third of each orbit"),)),
            Exercise("05.5", "launches_4gw", "1/year", (
                (100 / 17.5, "that is with Falcon 9 (17.5 t); the question uses Starship's "
                             "100 t"),)),
            Exercise("05.6", "breakeven_50", "USD/kg", (
                (1 / 50, "that is per watt, not per kilogram: multiply by the watts each "
                         "kilogram carries"),)),
            Exercise("05.7", "spares_2000", "", (
                (1 / (1 + 2.326 / 800 ** 0.5),       # the mean, against mean + 2.3 sigma
                 "that is the mean number of failures; to be 99 % sure you need "
                            "a margin above it (about 2.3 standard deviations)"),), rtol=0),
        )),
    Chapter("06", "limits_of_computation", "Limits of computation",
            "Landauer, CMOS ceiling, 10^30 FLOP/s, compounding, queueing",
            library="limits", claims="C17-C19", planned=True),
    Chapter("07", "capstone_earth_or_orbit", "Capstone: Earth or orbit",
            "the next N GW: ground vs orbit, every lever, Monte Carlo uncertainty",
            library="scenario", planned=True),
)


def chapter(number: str) -> Chapter:
    """The chapter numbered ``number`` (``"01"``) or with that notebook name."""
    for c in CHAPTERS:
        if number in (c.number, c.notebook, c.notebook[:-6]):
            return c
    raise KeyError(f"No chapter {number!r}; known: {', '.join(c.number for c in CHAPTERS)}")


def exercise(exercise_id: str) -> Exercise:
    """The declared exercise ``"NN.k"``."""
    for c in CHAPTERS:
        for e in c.exercises:
            if e.id == exercise_id:
                return e
    known = ", ".join(e.id for c in CHAPTERS for e in c.exercises)
    raise KeyError(f"No exercise {exercise_id!r}; known: {known}")
