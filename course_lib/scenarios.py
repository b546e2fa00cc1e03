"""The capstone's question: the next gigawatts of AI compute, on the ground or in orbit.

A **scenario** is every input of the comparison (a *lever*): a quantity with its unit, its
value and source, and an uncertainty (low, high, distribution). Scenarios are TOML files in
``data/scenarios/``; :func:`scenario` reads one, and keyword overrides change levers.

Conventions
-----------
* Both sides deliver the same thing: ``power`` of **IT power** (accelerators with their
  servers, chapter 04's :func:`it_power`) running ``load_factor`` of the time for a year.
  The unit of compute is the **GPU-hour** of the scenario's accelerator (board power x
  server overhead from chapter 04), so cost per GPU-hour compares like with like.
* Ground (chapter 04's :func:`annualized_cost`): accelerators over their life, the
  facility per IT watt over its life, energy at the facility power (PUE) and price, other
  operations per IT watt. A failed GPU is swapped by a technician (inside other opex):
  free under the vendor's ``warranty``, after it bought at the accelerator's price (the
  expected number at ``failure_rate``, the same rate as in orbit: the part ``spares``).
* Orbit (chapter 05): the same accelerators, times a ``space_premium`` for space-rated
  parts; cold **spares** launched up front so that ``power`` keeps running for the whole
  life at 95 % confidence (:func:`spares_needed` at ``failure_rate``, one pool for the
  whole constellation: a spare on each satellite would need more); the computers weigh
  the row "rack mass per power", and the rest of the scenario's mass (``power /
  specific_power`` minus the computers) is arrays, radiators, batteries and structure in
  the proportions of :func:`specific_power`'s design, sized for the IT load and then
  scaled by ``orbit_overhead`` (housekeeping, pumps, arrays sized for their degradation:
  orbit's counterpart of the PUE, :func:`orbit_overhead`), built at ``spacecraft_cost`` per kg;
  every kilogram (spares included) launched at ``launch_price``; no energy bill;
  operations per IT watt as on the ground. Everything in orbit lasts as long as its accelerators and is paid
  over that life (the constellation is rebuilt, not repaired).
* Capital is spread over its life as chapter 04 does: straight line, or an annuity with a
  ``cost_of_capital``. Capital that waits to deliver pays interest (the part ``waiting``):
  the ground's building, power and cooling, spent evenly while it waits
  ``ground_build_time`` for power; everything orbit launches, paid as it flies, evenly
  over the launch campaign; either waits half its time on average, and the gigawatt
  delivers when it is complete (:data:`KINDS` lists what both sides count).
* ``specific_power`` is IT watts per kilogram of the whole satellite, computers included,
  power system sized for the IT load alone: a published bus figure (power per bus mass,
  no computers) converts with :func:`satellite_specific_power`.
* Time to deliver: the ground waits ``ground_build_time`` for its power; orbit needs its
  mass in launches of ``payload`` at ``launch_cadence`` launches a year.

What this leaves out (each would move the answer): land, grid upgrades and networks on
the ground; ground stations, debris avoidance, launch insurance and the latency to users
in orbit; a satellite earning before the whole constellation is up (and a site energised
in phases); the decline of prices over the years.
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
from collections.abc import Mapping
from importlib import resources
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar

import numpy as np
import pint

from .breakdown import Breakdown, NotANumber
from .data import accelerator, build_time, constant, constant_record, launch_vehicle, launches
from .declare import accepts, count, flag, quantity, ratio
from .orbit import spares_needed, specific_power
from .power import HOURS_PER_YEAR, annualized_parts, annuity_share, it_power
from .units import Q_, UnitArgumentError, as_quantity

__all__ = ["Lever", "Scenario", "scenario", "scenario_names", "parse_scenario", "LEVERS", "GroundCost",
           "OrbitCost", "ground_cost", "orbit_cost", "Breakeven", "breakeven", "breakevens",
           "MonteCarlo", "monte_carlo", "Sensitivity", "sensitivity", "KINDS",
           "satellite_specific_power", "orbit_overhead"]

SCENARIOS = resources.files("course_lib._tables") / "scenarios"   # data/scenarios/
DISTRIBUTIONS = ("uniform", "loguniform", "triangular")
CENTRE = (0.2, 0.8)          # a value whose position lies outside is off-centre, and said so
CONFIDENCE = 0.95            # spares: the whole life covered with this probability
MAX_SAMPLES = 1_000_000      # Monte Carlo: percentiles are steady long before; more only costs memory
MAX_POINTS = 100_000         # break-even scans: 120 points already find a crossing to about 1 %


@dataclass(frozen=True)
class LeverSpec:
    """What a lever is: its ``unit``, which ``side`` it acts on, a description, the
    physical range (in ``unit``) a value must lie in (and :func:`breakeven` searches), and
    the short ``label`` readouts show instead of the lever's name."""

    unit: str
    side: str
    what: str
    bounds: tuple[float, float]
    label: str


LEVERS: Mapping[str, LeverSpec] = MappingProxyType({     # read-only: every caller shares it
    "power": LeverSpec("GW", "both", "IT power delivered", (1e-3, 1e3), "IT power"),
    "accelerator_price": LeverSpec("USD", "both", "all-in server cost per accelerator",
                                   (1e3, 1e6), "Accelerator price"),
    "accelerator_life": LeverSpec("year", "both", "life of accelerators (and of the spacecraft)",
                                  (1, 15), "Accelerator life"),
    "load_factor": LeverSpec("", "both", "share of the year the accelerators run", (0.05, 1),
                             "Load factor"),
    "other_opex": LeverSpec("USD/W/year", "both", "operations per IT watt", (0, 5),
                            "Other operations"),
    "cost_of_capital": LeverSpec("", "both", "yearly cost of capital (0: no financing)",
                                 (0, 0.3), "Cost of capital"),
    "electricity_price": LeverSpec("USD/kWh", "ground", "price of electricity", (0, 1),
                                   "Electricity price"),
    "pue": LeverSpec("", "ground", "facility power / IT power", (1, 3), "PUE"),
    "facility_cost": LeverSpec("USD/W", "ground", "data-centre build cost per IT watt",
                               (0, 100), "Facility build cost"),
    "facility_life": LeverSpec("year", "ground", "life of the building", (2, 50), "Facility life"),
    "ground_build_time": LeverSpec("year", "ground", "wait for power on the ground", (0.1, 20),
                                   "Wait for grid power"),
    "launch_price": LeverSpec("USD/kg", "orbit", "launch price per kg to orbit", (1, 1e5),
                              "Launch price"),
    # the computers alone weigh the row "rack mass per power": no design can beat 1 / that
    "specific_power": LeverSpec("W/kg", "orbit",
                                "IT watts per kg launched, the computers included, the power "
                                "system sized for the IT load alone (orbit_overhead adds the rest)",
                                (1, 0.99e3 / constant("rack mass per power").m_as("kg/kW")),
                                "Watts per kg in orbit"),
    "spacecraft_cost": LeverSpec("USD/kg", "orbit",
                                 "build cost of arrays, radiators, batteries, structure",
                                 (0, 1e5), "Spacecraft build cost"),
    "space_premium": LeverSpec("", "orbit", "cost of space-rated hardware / ground hardware",
                               (1, 10), "Space hardware premium"),
    "failure_rate": LeverSpec("1/year", "both",
                              "permanent accelerator failures per year (ground: bought after the "
                              "warranty; orbit: spares launched)", (0, 1), "Failures a year"),
    "payload": LeverSpec("t", "orbit", "payload per launch", (1, 1000), "Payload per launch"),
    "launch_cadence": LeverSpec("1/year", "orbit", "launches a year available", (1, 1e5),
                                "Launches a year"),
    # added after the first scenarios: a scenario without them gets the kit's defaults
    "warranty": LeverSpec("year", "ground",
                          "years the vendor replaces failed accelerators free (ground only: "
                          "nothing comes back from orbit)", (0, 15), "Warranty"),
    "orbit_overhead": LeverSpec("", "orbit",
                                "power the satellites supply and reject per IT watt: housekeeping, "
                                "pumps, arrays sized for their end of life", (1, 3),
                                "Power overhead in orbit"),
})

@accepts(returns="W/kg", bus_specific_power=quantity("W/kg", positive=True),
         compute_mass=quantity("kg/kW", default="rack mass per power"))
def satellite_specific_power(bus_specific_power, compute_mass=None) -> pint.Quantity:
    """A published bus's watts per kilogram on the basis of the lever ``specific_power``:
    IT watts per kilogram of the whole satellite, the computers included.

    Published figures for satellites (Starlink V2 mini's 49 W/kg in Suncatcher's Table 1,
    McCalip's 36.5 W/kg) are the bus's power over the bus's mass: no AI computers on
    board. Carrying them adds ``compute_mass`` per kW of IT power; with the bus supplying
    the IT load (``orbit_overhead`` adds the rest), ``1 / (1 / bus + compute_mass)``.

    >>> print(f"{satellite_specific_power('36.5 W/kg'):.1f~P}")
    25.8 W/kg
    """
    return 1 / (1 / bus_specific_power + compute_mass)


@accepts(housekeeping=ratio(0.0, default="satellite housekeeping power share"),
         pumps=ratio(0.0, default="pumped loop power share"),
         degradation=quantity("1/year", default="solar array degradation"),
         life=quantity("year", default="accelerator life"))
def orbit_overhead(housekeeping=None, pumps=None, degradation=None, life=None):
    """Power a satellite's arrays supply (and its radiators reject) per IT watt, at the
    beginning of its life: orbit's counterpart of the ground's PUE.

    Model: the bus also feeds its ``housekeeping`` (avionics, links, heaters) and its
    coolant ``pumps``, each a share of the IT power; the arrays lose ``degradation`` of
    their power a year (continuously) and are sized, as McCalip's model sizes them, to
    deliver the IT power on average over ``life``: larger by ``x / (1 - exp(-x))`` with
    ``x = degradation x life`` (about ``1 + x / 2``). In all, ``(1 + housekeeping + pumps)``
    times that. Sources: spacedc-mdao's defaults (housekeeping; pumps, 2 % of the heat they
    carry) and McCalip's model (degradation, 2.5 % a year for silicon cells).

    >>> round(orbit_overhead().m, 3)
    1.191
    """
    x = np.asarray((degradation * life).m_as(""), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        sizing = np.where(x == 0, 1.0, x / -np.expm1(-x))
    return Q_((1 + housekeeping + pumps) * (sizing if sizing.ndim else float(sizing)), "")


# Defaults computed by the chapters' models, named in scenario files as ``computed = ...``.
COMPUTED = {
    "specific_power": lambda: specific_power().specific_power,
    "ISS as flown": lambda: specific_power(
        array_specific_power=constant("ISS array specific power"),
        radiator_specific_power=constant("ISS radiator specific power")).specific_power,
    "Falcon 9 price per kg": lambda: launch_vehicle("Falcon 9").price_per_kg,
    "Falcon launches in the latest year": lambda: Q_(launches()[-1].launches, "1/year"),
    "Starship payload": lambda: launch_vehicle("Starship").payload_leo,
    "Grid interconnection queue (US)": lambda: build_time("Grid interconnection queue (US)").years,
    "Gas turbine (large frame)": lambda: build_time("Gas turbine (large frame)").years,
    "Starlink V2 mini bus with the computers": lambda: satellite_specific_power(
        constant("Starlink V2 mini bus specific power")),
    "McCalip's bus with the computers": lambda: satellite_specific_power(
        constant("McCalip satellite specific power")),
    "orbit power overhead": lambda: orbit_overhead(),
}

# Levers added after the first scenarios were written: a scenario (a file, or one built by
# a caller) without them gets these, so that every older scenario still loads.
ADDED = {
    "warranty": lambda: Lever("warranty", constant("server warranty"),
                              "kit default (row server warranty)", constant("server warranty"),
                              constant("server warranty")),
    "orbit_overhead": lambda: Lever("orbit_overhead", orbit_overhead(),
                                    "kit default (computed: orbit power overhead)",
                                    orbit_overhead(), orbit_overhead()),
}


@dataclass(frozen=True)
class Lever:
    """One input: ``value`` (a Quantity), its ``source``, and its uncertainty ``low`` to
    ``high`` (equal to ``value`` for a fixed lever) drawn from ``distribution``.

    Checked when built, however it is built (a scenario file, an override, a caller's own
    ``Lever(...)``): a lever that exists, values of its dimension inside its physical range,
    and ``low <= value <= high``. ``where`` (not stored) says where the lever came from in
    error messages."""

    name: str
    value: pint.Quantity
    source: str
    low: pint.Quantity
    high: pint.Quantity
    distribution: str = "uniform"
    range_source: str = ""
    where: dataclasses.InitVar[str] = ""
    off_centre: str = ""

    def __post_init__(self, where: str) -> None:
        """The checks, once per lever built (the fast path of :func:`_quantity` keeps a
        rebuilt lever cheap)."""
        where = where or f"Lever({str(self.name)[:60]!r})"
        _known(self.name)
        for end in ("value", "low", "high"):
            q = _quantity(getattr(self, end), self.name,
                          where if end == "value" else f"{where} {end}")
            if np.ndim(q.m):
                raise ValueError(f"{where}: {end} must be one value, not an array.")
            object.__setattr__(self, end, q)
        for text in ("source", "range_source", "off_centre"):
            if not isinstance(getattr(self, text), str):
                raise TypeError(f"{where}: {text} must be text, got "
                                f"{type(getattr(self, text)).__name__}.")
        if not isinstance(self.distribution, str) or self.distribution not in DISTRIBUTIONS:
            raise ValueError(f"{where}: distribution must be one of {', '.join(DISTRIBUTIONS)}, "
                             f"got {str(self.distribution)[:60]!r}.")
        _checked(self, where)

    @property
    def uncertain(self) -> bool:
        return bool(self.high > self.low)

    @property
    def position(self) -> float:
        """The share of the lever's draws that fall below its value: 0.5 for a value at the
        centre of its range (a fixed lever counts as centred), 0 or 1 at one end. A value
        outside the middle (:data:`CENTRE`) makes the Monte Carlo's median differ from the
        ratio at the values; the scenario's ``off_centre`` says why."""
        if not self.uncertain:
            return 0.5
        a, b = self.low.m, self.high.m_as(self.low.units)
        c = self.value.m_as(self.low.units)
        if self.distribution == "loguniform":
            return float(np.log(c / a) / np.log(b / a))
        if self.distribution == "triangular":
            return 0.5 if c == a == b else float((c - a) / (b - a))   # the CDF at the mode
        return float((c - a) / (b - a))


@dataclass(frozen=True)
class Scenario:
    """A named set of levers (see :data:`LEVERS`) and the accelerator they concern.

    Immutable: ``levers`` is a read-only mapping of frozen :class:`Lever` (the scenario
    read from a file is cached and shared by every caller, so no caller may change it for
    the others); :meth:`replace` and :meth:`with_range` return new scenarios. A scenario
    built by a caller is checked as one read from a file is."""

    name: str
    description: str
    accelerator: str
    levers: Mapping[str, Lever] = field(repr=False)

    def __post_init__(self) -> None:
        """Each lever was checked when built: here, that every lever is there, under its
        own name, and the accelerator exists; then ``levers`` becomes read-only."""
        for text in ("name", "description", "accelerator"):
            if not isinstance(getattr(self, text), str):
                raise TypeError(f"Scenario: {text} must be text, got "
                                f"{type(getattr(self, text)).__name__}.")
        accelerator(self.accelerator)                # an unknown one lists close matches
        levers = self.levers
        if not isinstance(levers, Mapping):
            raise TypeError(f"Scenario {self.name!r}: levers must map each lever's name to a "
                            f"Lever, got {type(levers).__name__}.")
        for name, lever in levers.items():
            if not isinstance(lever, Lever) or lever.name != _known(name):
                raise TypeError(f"Scenario {self.name!r}: levers[{name!r}] must be a Lever named "
                                f"{name!r}, got {str(lever)[:60]}.")
        levers = {**{n: ADDED[n]() for n in ADDED if n not in levers}, **levers}
        missing = [n for n in LEVERS if n not in levers]
        if missing:
            raise ValueError(f"Scenario {self.name!r}: lever(s) {', '.join(missing)} missing.")
        object.__setattr__(self, "levers", MappingProxyType({n: levers[n] for n in LEVERS}))

    def __reduce__(self):
        """Copies and pickles rebuild the scenario (a read-only mapping cannot be pickled)."""
        return Scenario, (self.name, self.description, self.accelerator, dict(self.levers))

    def __getitem__(self, name: str) -> pint.Quantity:
        return self.levers[_known(name)].value

    def values(self) -> dict[str, pint.Quantity]:
        """Every lever's value, by name (a new dict: changing it changes no scenario)."""
        return {k: lever.value for k, lever in self.levers.items()}

    def replace(self, **overrides) -> "Scenario":
        """The same scenario with some levers' values changed (their ranges kept, widened
        to include the new value)."""
        levers = dict(self.levers)
        for name, value in overrides.items():
            lever = levers[_known(name)]
            where = f"{self.name} ({name}=)"
            q = _quantity(value, name, where)
            levers[name] = dataclasses.replace(
                lever, value=q, source="set by the caller", where=where,
                low=min(lever.low, q) if lever.uncertain else q,
                high=max(lever.high, q) if lever.uncertain else q)
        return dataclasses.replace(self, levers=levers)

    def with_range(self, name: str, low=None, high=None) -> "Scenario":
        """The same scenario with lever ``name`` drawn from ``low`` to ``high`` (either
        kept if not given); its value is moved inside the range if it falls outside."""
        lever = self.levers[_known(name)]
        where = f"{self.name} ({name} range)"
        low = lever.low if low is None else _quantity(low, name, where)
        high = lever.high if high is None else _quantity(high, name, where)
        value = min(max(lever.value, low), high) if low <= high else lever.value
        ranged = dataclasses.replace(lever, low=low, high=high, value=value, where=where,
                                     range_source="set by the caller")
        return dataclasses.replace(self, levers={**self.levers, name: ranged})


def _close(word, known) -> str:
    """The hint ' Did you mean ...?' for a misspelt name, or nothing."""
    close = difflib.get_close_matches(word, list(known), n=3) if isinstance(word, str) else []
    return f" Did you mean {', '.join(map(repr, close))}?" if close else ""


def _known(name) -> str:
    if not isinstance(name, str) or name not in LEVERS:
        raise KeyError(f"No lever {str(name)[:60]!r}.{_close(name, LEVERS)} Known: "
                       f"{', '.join(LEVERS)}")
    return name


_UNITS = {name: Q_(1, spec.unit).units for name, spec in LEVERS.items()}


def _number(x: float) -> str:
    """A bound or a value in an error message, to 4 significant figures (87.61, not
    87.61061946902655)."""
    return np.format_float_positional(x, precision=4, fractional=False, trim="-")


def _quantity(value, name: str, where: str) -> pint.Quantity:
    """The one check of a lever's value, however it enters (a scenario file, an override,
    a range, ``values=``, a Lever built by a caller): the lever's dimension, converted to
    its declared unit, inside its physical range (arrays: every element). Outside, the cost
    models give numbers that mean nothing (a negative orbit cost past the computers' own
    watts per kg), so a ValueError names the lever, the value and the range."""
    spec = LEVERS[_known(name)]
    if isinstance(value, pint.Quantity) and value.units == _UNITS[name]:
        q = value                                    # in its unit already: no conversion
    elif not spec.unit and not isinstance(value, (pint.Quantity, bool, np.bool_, str)):
        try:                                         # a plain ratio: a number will do
            m = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{where}: lever {name!r} must be a plain number ({spec.what}), "
                            f"got {str(value)[:60]!r}.") from None
        q = Q_(float(m) if m.ndim == 0 else m, "")
    else:
        try:
            q = as_quantity(value, name, spec.unit).to(spec.unit)
        except UnitArgumentError as exc:      # ``where`` names a place, not a function
            exc.extra_msg = f"{where}: {exc.extra_msg}"
            raise exc.with_traceback(None) from None
    low, high = spec.bounds
    m = q.m
    # NaN fails both comparisons; an array's min and max make no temporary arrays
    inside = low <= m <= high if np.ndim(m) == 0 else low <= np.min(m) and np.max(m) <= high
    if not inside:
        m, unit = np.asarray(m, dtype=float), f" {spec.unit}" if spec.unit else ""
        got = _number(float(m)) if m.ndim == 0 else "an array holding NaN" if np.isnan(m).any() \
            else f"an array from {_number(m.min())} to {_number(m.max())}"
        raise ValueError(f"{where}: lever {name!r} ({spec.label}) must lie between "
                         f"{_number(low)} and {_number(high)}{unit}, got {got}{unit}.")
    return q


def _checked(lever: Lever, where: str) -> Lever:
    """``lever``, if its range is in order and holds its value (and a log-uniform range
    stays above zero); else a ValueError saying where."""
    low, value, high = lever.low, lever.value, lever.high
    if low > high:
        raise ValueError(f"{where}: low {low:~P} is above high {high:~P}.")
    if not low <= value <= high:
        raise ValueError(f"{where}: need low <= value <= high, got {low:~P}, {value:~P}, "
                         f"{high:~P}.")
    if lever.distribution == "loguniform" and low.m <= 0:
        raise ValueError(f"{where}: a loguniform range needs low > 0.")
    return lever


def _lever(name: str, entry: dict, file: str) -> Lever:
    where = f"{file} [{name}]"
    unknown = set(entry) - {"value", "row", "computed", "source", "low", "high",
                            "distribution", "range_source", "off_centre"}
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; known: value, "
                         f"row, computed, source, low, high, distribution, range_source, "
                         f"off_centre.")
    given = [k for k in ("value", "row", "computed") if k in entry]
    if len(given) != 1:
        raise ValueError(f"{where}: give exactly one of value, row, computed (got "
                         f"{', '.join(given) or 'none'}).")
    if "row" in entry:
        record = constant_record(entry["row"])
        value, source = constant(entry["row"]), f"{record.name}: {record.source}"
    elif "computed" in entry:
        if not isinstance(entry["computed"], str) or entry["computed"] not in COMPUTED:
            raise ValueError(f"{where}: no computed default {str(entry['computed'])[:60]!r}; "
                             f"known: {', '.join(COMPUTED)}.")
        value, source = COMPUTED[entry["computed"]](), f"computed by the kit: {entry['computed']}"
    else:
        value, source = entry["value"], entry.get("source", "")
        if not source:
            raise ValueError(f"{where}: a value needs its source.")
    lever = Lever(name, value, source, entry.get("low", value), entry.get("high", value),
                  entry.get("distribution", "uniform"), entry.get("range_source", ""), where,
                  entry.get("off_centre", ""))
    if lever.uncertain and not lever.range_source:
        raise ValueError(f"{where}: a range needs its range_source.")
    return lever


def scenario_names() -> list[str]:
    """The scenarios in ``data/scenarios/``."""
    return sorted(p.name[:-5] for p in SCENARIOS.iterdir() if p.name.endswith(".toml"))


@functools.lru_cache(maxsize=None)
def _load(name: str) -> Scenario:
    if name not in scenario_names():
        raise KeyError(f"No scenario {name[:60]!r}.{_close(name, scenario_names())} Known: "
                       f"{', '.join(scenario_names())}")
    return parse_scenario((SCENARIOS / f"{name}.toml").read_text(), f"{name}.toml")


TOP_LEVEL = ("description", "accelerator", "base")       # a scenario file's keys outside tables


def parse_scenario(text: str, file: str = "<text>") -> Scenario:
    """A scenario from the text of a TOML file (what :func:`scenario` reads): a table per
    lever, or ``base = "<scenario>"`` and the levers that differ. Errors name ``file`` and
    the key (a misspelt key would otherwise be dropped without a word)."""
    if not isinstance(text, str):
        raise TypeError(f"parse_scenario(): text must be the text of a TOML file, got "
                        f"{type(text).__name__}.")
    if not isinstance(file, str):
        raise TypeError(f"parse_scenario(): file must be a file's name, got {type(file).__name__}.")
    import tomllib                     # here: scenarios are read when asked for, not at import

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{file}: {exc}") from None
    except RecursionError:                           # arrays thousands deep
        raise ValueError(f"{file}: values nested too deeply to read.") from None
    for key, value in doc.items():
        if isinstance(value, dict):
            if key not in LEVERS:
                raise ValueError(f"{file}: unknown lever [{key}].{_close(key, LEVERS)} Known: "
                                 f"{', '.join(LEVERS)}")
        elif key in LEVERS:
            raise ValueError(f"{file}: lever {key} must be a table, [{key}] with value and "
                             f"source (or row, or computed) on the lines below it.")
        elif key not in TOP_LEVEL:
            raise ValueError(f"{file}: unknown key {key!r}.{_close(key, TOP_LEVEL)} Outside the "
                             f"levers' tables a scenario has only {', '.join(TOP_LEVEL)}.")
        elif not isinstance(value, str):
            raise TypeError(f"{file}: {key} must be a string, got {type(value).__name__}.")
    base = scenario(doc["base"]) if "base" in doc else None
    entries = {}
    for name in LEVERS:
        if base is not None and name not in doc:
            entries[name] = base.levers[name]
        elif name in doc:
            entries[name] = _lever(name, dict(doc[name]), file)
        elif name in ADDED:
            entries[name] = ADDED[name]()
        else:
            raise ValueError(f"{file}: lever [{name}] is missing.")
    return Scenario(file.removesuffix(".toml"), doc.get("description", ""),
                    doc.get("accelerator", base.accelerator if base else "GB200"), entries)


def _scenario(scn, where: str) -> Scenario:
    """A Scenario, or one named by a string; anything else is refused naming ``scn``."""
    if isinstance(scn, Scenario):
        return scn
    if isinstance(scn, str):
        return scenario(scn)
    raise TypeError(f"{where}(): scn must be a Scenario (scenario(\"baseline-2026\")) or a "
                    f"scenario's name, got {type(scn).__name__}.")


def scenario(name: str = "baseline-2026", **overrides) -> Scenario:
    """The scenario ``data/scenarios/<name>.toml``, with levers set by ``overrides``
    (``scenario("baseline-2026", launch_price="500 USD/kg")``). Unknown levers, wrong units
    and values outside a lever's physical range are refused with the lever's name.

    >>> scenario()["launch_price"].round(0)
    <Quantity(3986.0, 'USD / kilogram')>
    """
    if not isinstance(name, str):                    # before the cache, which hashes it
        raise TypeError(f"scenario(): name must be a scenario's name (one of "
                        f"{', '.join(scenario_names())}), got {type(name).__name__}.")
    return _load(name).replace(**overrides) if overrides else _load(name)


# ---- the two sides ---------------------------------------------------------------------

_USD_YEAR = Q_(1, "USD/year").units


def _gpu_hours(gpus, load_factor):
    """GPU-hours delivered in a year, plain numbers (the parts being USD/year): the
    records' per-GPU-hour figures and the Monte Carlo's, many times a second."""
    return gpus * load_factor * HOURS_PER_YEAR


class _Costs(Breakdown):
    """Shared by both sides: totals per IT watt, per MWh of IT energy, per GPU-hour."""

    it_power: pint.Quantity
    gpus: float
    load_factor: float

    MADE_BY: ClassVar[str] = "ground_cost() or orbit_cost()"
    TAKE: ClassVar[tuple[str, ...]] = ("per_gpu_hour", "total", "per_watt", "per_mwh")

    @property
    def per_watt(self) -> pint.Quantity:
        """Cost per year per IT watt."""
        return (self.total / self.it_power).to("USD/W/year")

    @property
    def per_mwh(self) -> pint.Quantity:
        """Cost per MWh of IT energy used (IT power x load factor x a year)."""
        return (self.total / (self.it_power * self.load_factor)).to("USD/MWh")

    @property
    def per_gpu_hour(self) -> pint.Quantity:
        """Cost per GPU-hour delivered (accelerators x load factor x a year), in USD per
        hour of one accelerator."""
        return Q_(self.total.m_as(_USD_YEAR) / self._gpu_hours(), "USD/hour")

    def parts_per_gpu_hour(self) -> dict[str, pint.Quantity]:
        """Each part's share of :attr:`per_gpu_hour`, in the order of ``PARTS``."""
        hours = self._gpu_hours()
        return {k: Q_(v.m_as(_USD_YEAR) / hours, "USD/hour") for k, v in self.as_dict().items()}

    def _gpu_hours(self):
        return _gpu_hours(self.gpus, self.load_factor)


@dataclass(frozen=True)
class GroundCost(_Costs):
    """A year on the ground, by part (USD/year); ``years_to_deliver`` waits for power."""

    accelerators: pint.Quantity
    facility: pint.Quantity
    energy: pint.Quantity
    operations: pint.Quantity
    it_power: pint.Quantity
    gpus: float
    load_factor: float
    years_to_deliver: pint.Quantity
    spares: pint.Quantity = Q_(0.0, "USD/year")
    waiting: pint.Quantity = Q_(0.0, "USD/year")
    replaced_gpus: float = 0.0

    PARTS: ClassVar[tuple[str, ...]] = ("accelerators", "spares", "facility", "energy",
                                        "operations", "waiting")


@dataclass(frozen=True)
class OrbitCost(_Costs):
    """A year in orbit, by part (USD/year), with the mass launched, the launches it takes
    and the years they take at the scenario's cadence."""

    accelerators: pint.Quantity
    spares: pint.Quantity
    arrays: pint.Quantity
    radiators: pint.Quantity
    batteries: pint.Quantity
    structure: pint.Quantity
    launch: pint.Quantity
    operations: pint.Quantity
    it_power: pint.Quantity
    gpus: float
    load_factor: float
    spare_gpus: float
    mass: pint.Quantity
    launches: float
    years_to_deliver: pint.Quantity
    waiting: pint.Quantity = Q_(0.0, "USD/year")

    PARTS: ClassVar[tuple[str, ...]] = ("accelerators", "spares", "arrays", "radiators",
                                        "batteries", "structure", "launch", "operations",
                                        "waiting")


# The kinds of item both stacks count, and the parts of each side that count them: every
# part of each side is in one kind, and every kind has parts on both sides (tested).
KINDS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType({
    "accelerators": (("accelerators",), ("accelerators",)),
    "failed accelerators replaced": (("spares",), ("spares",)),
    "power, cooling, housing and getting there": (
        ("facility", "energy"), ("arrays", "radiators", "batteries", "structure", "launch")),
    "operations": (("operations",), ("operations",)),
    "capital waiting to deliver": (("waiting",), ("waiting",)),
})


# The model runs on plain numbers, each lever in its declared unit (LEVERS): a scan or a
# Monte Carlo evaluates it on arrays of thousands of values, and an explorer many times a
# second, where pint's cost per operation (tens of microseconds) would dominate. Units are
# checked where values come in (_quantity) and put back on the records that go out.
_RACK = constant("rack mass per power").m_as("kg/W")     # the computers' own mass


@functools.lru_cache(maxsize=16)
def _watts_per_gpu(acc: str) -> float:
    """IT watts of one accelerator with its server (chapter 04's :func:`it_power`)."""
    return it_power(acc, 1).m_as("W")


def _magnitudes(scn: Scenario, values, where: str) -> dict:
    """Every lever's value in its declared unit, ``values`` replacing some: each checked
    as any lever value is."""
    v = {k: lever.value.m for k, lever in scn.levers.items()}
    if values is None:
        return v
    if not isinstance(values, Mapping):
        raise TypeError(f"{where}(): values must map levers' names to values (arrays allowed), "
                        f"got {type(values).__name__}.")
    for name, value in values.items():
        v[_known(name)] = _quantity(value, name, f"{where}(): values[{name!r}]").m
    return v


def _carry(rate, years):
    """What capital spent evenly over ``years`` costs in interest before the gigawatt
    delivers, as a share of it: ``(1 + rate)^(years / 2) - 1`` (half the wait on average).
    Infinite where the wait is so long that the interest passes every float: see
    :func:`_overflow_is_infinite`."""
    return np.expm1(years / 2 * np.log1p(np.asarray(rate, dtype=float)))


def _overflow_is_infinite(model):
    """Run a plain-number cost model with numpy's overflow silent: an overflow is an
    infinite cost (a break-even scan reaches 1 launch a year for 50 GW, a wait whose
    interest passes every float), which the scans read as "orbit dearer" and the
    declared functions refuse as a result that overflows."""
    @functools.wraps(model)
    def run(*args):
        with np.errstate(over="ignore"):
            return model(*args)
    return run


@_overflow_is_infinite
def _ground(acc: str, m: dict):
    """The ground's parts (USD/year), accelerators and accelerators replaced, from lever
    magnitudes ``m``: chapter 04's :func:`annualized_parts`, plus failures after the
    warranty and the interest of the capital that waits for power."""
    watts = m["power"] * 1e9
    gpus = watts / _watts_per_gpu(acc)
    rate = m["cost_of_capital"]
    parts = annualized_parts(gpus, watts, m["accelerator_price"], m["accelerator_life"],
                             m["facility_cost"], m["facility_life"], m["pue"],
                             m["electricity_price"], m["load_factor"], m["other_opex"], rate)
    # failures after the warranty: bought at the accelerator's price as they come (the
    # expected number: a shop can order more, unlike a constellation)
    per_gpu = m["failure_rate"] * np.maximum(m["accelerator_life"] - m["warranty"], 0)
    # the building, power and cooling are paid while the site waits for its power: their
    # interest is paid back over the building's life, as the building is
    return ({"accelerators": parts["accelerators"], "spares": parts["accelerators"] * per_gpu,
             "facility": parts["facility"], "energy": parts["energy"],
             "operations": parts["other"],
             "waiting": parts["facility"] * _carry(rate, m["ground_build_time"])},
            gpus, gpus * per_gpu)


@functools.lru_cache(maxsize=8)
def _design_shares() -> dict[str, float]:
    """How chapter 05's default design splits the mass that is not computers (arrays,
    radiators, batteries, structure): kept when a scenario sets another watts per kg."""
    design = specific_power()
    rest = {p: design.as_dict()[p].m_as("kg") for p in ("arrays", "radiators", "batteries",
                                                         "structure")}
    return {p: m / sum(rest.values()) for p, m in rest.items()}


@_overflow_is_infinite
def _orbit(acc: str, m: dict):
    """The orbit's parts (USD/year) and what it launches (accelerators, spares, kg,
    launches, years of launching) from lever magnitudes ``m`` (the module's conventions)."""
    watts = m["power"] * 1e9
    gpus = watts / _watts_per_gpu(acc)
    rate = m["cost_of_capital"]
    unit_price = m["accelerator_price"] * m["space_premium"]
    spares = np.asarray(spares_needed(np.rint(gpus), Q_(m["failure_rate"], "1/year"),
                                      Q_(m["accelerator_life"], "year"), CONFIDENCE), float)
    design = watts / m["specific_power"]          # kg: the design at the IT load alone
    computers = watts * _RACK
    # the rest (arrays, radiators, batteries, structure) supplies and rejects the IT power
    # times the overhead: housekeeping, pumps, arrays sized for their end of life; it
    # keeps the proportions of chapter 05's design
    bus = (design - computers) * m["orbit_overhead"]
    capex = {part: bus * share * m["spacecraft_cost"] for part, share in _design_shares().items()}
    mass = computers + bus + spares * _watts_per_gpu(acc) * _RACK      # spares: computers only
    trips = mass / (m["payload"] * 1e3)   # chapter 05's launches_per_year: every launch full
    years = trips / m["launch_cadence"]
    capex.update(accelerators=gpus * unit_price, spares=spares * unit_price,
                 launch=mass * m["launch_price"])
    per_year = annuity_share(m["accelerator_life"], rate)
    # everything launched is paid as it flies, evenly over the launch campaign
    carried = sum(capex.values()) * _carry(rate, years)
    parts = {part: cost * per_year for part, cost in capex.items()}
    parts.update(operations=m["other_opex"] * watts, waiting=carried * per_year)
    return parts, (gpus, spares, mass, trips, years)


def _scalar(x):
    return x if np.ndim(x) else float(x)


def ground_cost(scn: Scenario, values: dict | None = None) -> GroundCost:
    """A year of the ground side of ``scn`` (``values`` overrides levers, arrays allowed:
    :func:`monte_carlo` passes samples; each checked as a scenario's levers are): chapter
    04's :func:`annualized_cost`, through the formula it uses (:func:`annualized_parts`)."""
    scn = _scenario(scn, "ground_cost")
    m = _magnitudes(scn, values, "ground_cost")
    parts, gpus, replaced = _ground(scn.accelerator, m)
    return GroundCost(**{k: Q_(_scalar(v), _USD_YEAR) for k, v in parts.items()},
                      it_power=Q_(_scalar(m["power"] * 1e3), "MW"), gpus=_scalar(gpus),
                      load_factor=_scalar(m["load_factor"]),
                      years_to_deliver=Q_(m["ground_build_time"], "year"),
                      replaced_gpus=_scalar(replaced))


def orbit_cost(scn: Scenario, values: dict | None = None) -> OrbitCost:
    """A year of the orbit side of ``scn`` (see the module's conventions); ``values`` as
    for :func:`ground_cost`. Chapter 05's :func:`specific_power` (part shares),
    :func:`spares_needed`, and the formula of :func:`launches_per_year` (every launch full:
    mass / payload; a test holds the two equal)."""
    scn = _scenario(scn, "orbit_cost")
    m = _magnitudes(scn, values, "orbit_cost")
    parts, (gpus, spares, mass, trips, years) = _orbit(scn.accelerator, m)
    return OrbitCost(**{k: Q_(_scalar(v), _USD_YEAR) for k, v in parts.items()},
                     it_power=Q_(_scalar(m["power"] * 1e3), "MW"), gpus=_scalar(gpus),
                     load_factor=_scalar(m["load_factor"]), spare_gpus=_scalar(spares),
                     mass=Q_(_scalar(mass / 1e3), "t"), launches=_scalar(trips),
                     years_to_deliver=Q_(_scalar(years), "year"))


def _per_gpu_hour(acc: str, m: dict):
    """Both sides' cost per GPU-hour delivered (USD/hour), from lever magnitudes."""
    ground, gpus, _ = _ground(acc, m)
    orbit, _ = _orbit(acc, m)
    hours = _gpu_hours(gpus, m["load_factor"])
    return sum(ground.values()) / hours, sum(orbit.values()) / hours


# ---- what must be true -------------------------------------------------------------------

@dataclass(frozen=True)
class Breakeven(NotANumber):
    """Where one lever makes orbit and ground cost the same: ``value`` (``None`` if no value
    in the lever's physical range does), the scenario's ``current`` value, on which side of
    ``value`` orbit is cheaper (``"below"`` or ``"above"``), and a sentence."""

    lever: str
    value: pint.Quantity | None
    current: pint.Quantity
    orbit_cheaper: str
    note: str

    MADE_BY: ClassVar[str] = "breakeven()"
    WHAT: ClassVar[str] = "a record of the break-even"
    TAKE: ClassVar[tuple[str, ...]] = ("value",)


# Levers that change a cost (power changes both sides in proportion; the times to deliver,
# set by payload, launch_cadence and ground_build_time, cost the interest on the capital
# that waits, so they change a cost whenever the cost of capital is above zero).
COST_LEVERS = tuple(n for n in LEVERS if n != "power")
_DELIVERY = ("payload", "launch_cadence", "ground_build_time")   # they set the times to deliver


def _gaps(scn: Scenario, grids: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Orbit minus ground (USD/year) with each lever of ``grids`` moved along its grid and
    the others at their values: every lever's scan in one vectorised evaluation."""
    sizes = [len(g) for g in grids.values()]
    m = _magnitudes(scn, None, "breakevens")     # the grids lie inside each lever's range
    for i, (name, grid) in enumerate(grids.items()):
        column = np.full(sum(sizes), m[name], dtype=float)   # an int must not floor the grid
        start = sum(sizes[:i])
        column[start:start + sizes[i]] = grid
        m[name] = column
    acc = scn.accelerator
    gap = sum(_orbit(acc, m)[0].values()) - sum(_ground(acc, m)[0].values())
    gap = np.broadcast_to(gap, (sum(sizes),))
    return dict(zip(grids, np.split(gap, np.cumsum(sizes)[:-1])))


def _grid(low: float, high: float, n: int = 400) -> np.ndarray:
    if low > 0 and high / low > 100:
        return np.geomspace(low, high, n)
    return np.linspace(low, high, n)


def _crossings(gap: np.ndarray) -> np.ndarray:
    """Indices i where ``gap`` changes sign between i and i + 1."""
    return np.flatnonzero(np.sign(gap[:-1]) != np.sign(gap[1:]))


def _bracket(grid, gap, current: float):
    """The index of the sign change nearest ``current`` (or None)."""
    crossings = _crossings(gap)
    if crossings.size == 0:
        return None
    return crossings[np.argmin(np.abs(grid[crossings] - current))]


@accepts(refine=flag(), points=count(whole=True, minimum=3, scalar=True))
def breakevens(scn: Scenario, levers=None, refine: bool = True,
               points: int = 400) -> dict[str, "Breakeven"]:
    """:func:`breakeven` for several levers (default: every lever that changes a cost), all
    scans (``points`` values each, at most 100,000) evaluated together. ``refine=False``
    interpolates on the first scan (to about 1 % with 120 points), fast enough for an
    explorer. A lever that changes no cost difference has no break-even, and its note
    says why: ``payload``, ``launch_cadence`` and ``ground_build_time`` change only the
    time to deliver, which costs nothing without a cost of capital; ``other_opex`` is
    paid per IT watt on both sides. A scan that reaches an infinite cost (1 launch a year
    for 50 GW: the interest of the wait passes every float) reads it as orbit dearer."""
    scn = _scenario(scn, "breakevens")
    if points > MAX_POINTS:
        raise ValueError(f"breakevens(): points must be at most {MAX_POINTS:,}, got {points:,.0f}.")
    points = int(points)
    if isinstance(levers, str):
        levers = [levers]
    try:
        names = [_known(n) for n in (levers if levers is not None else COST_LEVERS)]
    except TypeError:
        raise TypeError(f"breakevens(): levers must be a lever's name or a list of them, got "
                        f"{type(levers).__name__}.") from None
    if not names:
        raise ValueError("breakevens(): levers must name at least one lever (or be None: "
                         "every lever that changes a cost).")
    grids = {n: _grid(*LEVERS[n].bounds, n=points) for n in names}
    gaps = _gaps(scn, grids)
    found, first = {}, {}
    for n in names:
        i = _bracket(grids[n], gaps[n], scn[n].m_as(LEVERS[n].unit))
        first[n] = gaps[n][0]
        if i is not None:
            found[n] = (grids[n][i], grids[n][i + 1], gaps[n][i], gaps[n][i + 1])
    for _ in range(2 if refine else 0):                 # narrow each bracket 200-fold
        fine = {n: np.linspace(a, b, 200) for n, (a, b, _, _) in found.items()}
        if not fine:
            break
        fine_gaps = _gaps(scn, fine)
        for n, grid in fine.items():
            g = fine_gaps[n]
            j = _crossings(g)
            if j.size:
                found[n] = (grid[j[0]], grid[j[0] + 1], g[j[0]], g[j[0] + 1])
    out = {}
    for n in names:
        unit, (low, high) = LEVERS[n].unit, LEVERS[n].bounds
        current = scn[n]
        if n not in found:
            cheaper = first[n] < 0
            stays = f"orbit stays {'cheaper' if cheaper else 'dearer'} than the ground"
            if np.all(np.isfinite(gaps[n])) and np.ptp(gaps[n]) <= 1e-9 * abs(first[n]):
                why = ("only the time to deliver" if n in _DELIVERY
                       else "it costs orbit and the ground the same per watt")
                note = f"{n} changes no cost difference ({why}), so no break-even: {stays}"
            else:
                note = f"{stays} for every {n} from {low:g} to {high:g} {unit}"
            out[n] = Breakeven(n, None, current, "everywhere" if cheaper else "nowhere",
                               f"{note}, the other levers as in {scn.name}")
            continue
        a, b, ga, gb = found[n]
        value = Q_(a + (b - a) * ga / (ga - gb), unit)    # linear between the brackets
        side = "below" if ga < 0 else "above"
        out[n] = Breakeven(n, value, current, side,
                           f"orbit is cheaper with {n} {side} {value:.3g~P} (now {current:.3g~P})")
    return out


def breakeven(scn: Scenario, lever: str) -> Breakeven:
    """The value of ``lever`` at which orbit and ground cost the same, every other lever at
    its value in ``scn``: a scan of the lever's physical range (:data:`LEVERS`), refined
    twice around the crossing nearest the current value. If no value in the range makes
    them equal, ``value`` is ``None`` and ``note`` says which side stays cheaper.

    >>> b = breakeven(scenario(), "launch_price")
    >>> b.value is None, b.orbit_cheaper
    (True, 'nowhere')
    """
    return breakevens(_scenario(scn, "breakeven"), [_known(lever)])[lever]


@dataclass(frozen=True)
class MonteCarlo:
    """Outcomes of :func:`monte_carlo`: cost per GPU-hour on each side (arrays), their
    ``ratio`` (orbit / ground), its ``percentiles`` (5, 50, 95) and the probability that
    orbit is cheaper; ``drawn`` holds the sampled levers."""

    ground: pint.Quantity
    orbit: pint.Quantity
    ratio: np.ndarray
    percentiles: dict[int, float]
    probability_orbit_cheaper: float
    samples: int
    seed: int
    drawn: dict[str, pint.Quantity] = field(repr=False)


LEVER_ROWS = {name: i for i, name in enumerate(LEVERS)}


@functools.lru_cache(maxsize=48)
def _uniforms(seed: int, samples: int, row: int) -> np.ndarray:
    """Row ``row`` of a block of uniform draws, one row per lever in the order of
    :data:`LEVERS`: the same lever always gets the same draws, whichever others are
    uncertain. Each row is made alone (PCG64 jumps ahead to it): a new seed draws only the
    uncertain levers' rows, not the whole block."""
    bits = np.random.PCG64(seed)
    bits.advance(row * samples)                  # one 64-bit output per uniform
    u = np.random.Generator(bits).random(samples)
    u.flags.writeable = False                # shared by every caller of the cache
    return u


def _draw(lever: Lever, seed: int, samples: int) -> pint.Quantity:
    """Inverse-CDF sampling of one lever from its row of uniforms (cached: an explorer
    that moves one range redraws only that lever)."""
    unit = f"{lever.low.units}"
    return _draw_cached(LEVER_ROWS[lever.name], lever.low.m, lever.high.m_as(unit),
                        lever.value.m_as(unit), lever.distribution, unit, seed, samples)


@functools.lru_cache(maxsize=64)
def _draw_cached(row, a, b, c, distribution, unit, seed, samples) -> pint.Quantity:
    u = _uniforms(seed, samples, row)
    if distribution == "loguniform":
        x = np.exp(np.log(a) + u * np.log(b / a))
    elif distribution == "triangular":
        split = (c - a) / (b - a)
        x = np.where(u < split, a + np.sqrt(u * (b - a) * (c - a)),
                     b - np.sqrt((1 - u) * (b - a) * (b - c)))
    else:
        x = a + u * (b - a)
    x.flags.writeable = False                # shared by every caller of the cache
    return Q_(x, unit)


@accepts(samples=count(whole=True, minimum=1, scalar=True),
         seed=count(whole=True, scalar=True))
def monte_carlo(scn: Scenario, samples=100_000, seed=0) -> MonteCarlo:
    """Both sides' cost per GPU-hour for ``samples`` draws of every uncertain lever (each
    independently from its range and distribution), vectorised; reproducible for a
    ``seed`` (``samples`` at most 1,000,000). Independence is an assumption: in the real
    world, cheap launches and cheap spacecraft may come together.

    >>> mc = monte_carlo(scenario(), 1000)
    >>> mc.probability_orbit_cheaper
    0.0
    """
    scn = _scenario(scn, "monte_carlo")
    if samples > MAX_SAMPLES:     # 10^7 draws took 46 s and 3.9 GB
        raise ValueError(f"monte_carlo(): samples must be at most {MAX_SAMPLES:,} (the "
                         f"percentiles are steady long before), got {samples:,.0f}.")
    drawn = {name: _draw(lever, int(seed), int(samples))
             for name, lever in scn.levers.items() if lever.uncertain}
    m = _magnitudes(scn, None, "monte_carlo")    # the draws lie inside each lever's range
    ground, orbit = _per_gpu_hour(scn.accelerator, {**m, **{k: q.m for k, q in drawn.items()}})
    ratio = np.broadcast_to(orbit / ground, (int(samples),))
    return MonteCarlo(Q_(ground, "USD/hour"), Q_(orbit, "USD/hour"), ratio,
                      dict(zip((5, 50, 95), map(float, np.percentile(ratio, (5, 50, 95))))),
                      float(np.mean(ratio < 1)), int(samples), int(seed), drawn)


@dataclass(frozen=True)
class Sensitivity:
    """One lever moved from ``low`` to ``high``, every other at its value: the cost ratio
    (orbit / ground) at each end."""

    lever: str
    low: pint.Quantity
    high: pint.Quantity
    ratio_at_low: float
    ratio_at_high: float

    @property
    def swing(self) -> float:
        return abs(self.ratio_at_high - self.ratio_at_low)


def _ratio(scn: Scenario, values: dict | None = None):
    ground, orbit = _per_gpu_hour(scn.accelerator, _magnitudes(scn, values, "sensitivity"))
    return orbit / ground


def sensitivity(scn: Scenario) -> list[Sensitivity]:
    """Each uncertain lever from its low to its high value, one at a time (a tornado
    chart's data), largest swing of the cost ratio first."""
    scn = _scenario(scn, "sensitivity")
    rows = []
    for name, lever in scn.levers.items():
        if not lever.uncertain:
            continue
        ends = Q_(np.array([lever.low.m, lever.high.to(lever.low.units).m]), lever.low.units)
        # a lever that changes no cost (payload) gives one ratio for both ends
        at_low, at_high = np.broadcast_to(_ratio(scn, {name: ends}), (2,))
        rows.append(Sensitivity(name, lever.low, lever.high, float(at_low), float(at_high)))
    return sorted(rows, key=lambda r: -r.swing)
