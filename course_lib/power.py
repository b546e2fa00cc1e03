"""From a GPU's board watts to the grid: IT and facility power, energy, money, land, water.

Conventions
-----------
* ``power`` of an accelerator is its board power (TDP). **IT power** adds the host CPUs,
  memory, NICs, switches and fans of its server or rack (``overhead``); **facility power**
  multiplies by the PUE (cooling, power conversion, lighting).
* Rated (nameplate) power is what the grid connection must carry; **average** power is
  rated x ``load_factor``. Energy per year uses pint's ``year``, the Julian year of
  365.25 days = 8,766 hours: 1 GW for a year is 8,766 GWh.
* Money is in ``USD``; carbon intensity in grams of CO2 per kWh (``g/kWh``).
* Every default comes from ``data/constants.csv`` (source and status there) and can be
  overridden by the caller.
"""
from __future__ import annotations

import functools
import statistics
from dataclasses import dataclass

import numpy as np
import pint

from .data import Accelerator, accelerator as _accelerator, system as _system, systems
from .breakdown import Breakdown
from .declare import accepts, count, fraction, one_or_many, quantity, ratio
from .units import Q_

__all__ = ["server_overhead", "it_power", "facility_power", "energy", "average_power",
           "energy_cost", "emissions", "training_energy", "CostBreakdown",
           "annualized_cost", "RevenuePower", "revenue_to_power", "solar_area",
           "cooling_water", "grow", "doubling_time", "supply_gap", "DEFAULT_OVERHEAD"]

def server_overhead(system) -> float:
    """IT power of a system over the board power of its GPUs: ``power / (gpus x TDP)``.

    ``system`` is a name or record of ``data/systems.csv``.

    >>> round(server_overhead("DGX H100"), 3)
    1.821
    """
    system = _system(system)
    if system.power is None:
        raise ValueError(f"server_overhead(): the table gives no power for {system.name}.")
    acc = _accelerator(system.accelerator)
    return float((system.power / (system.gpus * acc.power)).m_as(""))


@functools.lru_cache(maxsize=None)      # the tables are read once; it_power is a hot path
def _published_overheads() -> dict[str, float]:
    """Accelerator name -> overhead of its published system (first in the table)."""
    out = {}
    for s in systems():
        if s.power is not None:
            out.setdefault(_accelerator(s.accelerator).name, server_overhead(s))
    return out


# Median of the published systems' ratios (DGX H100 1.82, DGX B200 1.79, GB200 NVL72
# 1.39), computed from the table: used for accelerators without a system of their own.
DEFAULT_OVERHEAD = statistics.median(_published_overheads().values())   # not np.median: numpy.ma


def _overhead_for(acc: Accelerator) -> float:
    return _published_overheads().get(acc.name, DEFAULT_OVERHEAD)


@accepts(returns="MW", count=count(), overhead=ratio(1.0, optional=True))
def it_power(accelerator, count, overhead=None) -> pint.Quantity:
    """IT power of ``count`` accelerators with their servers, in MW (rated).

    Model: ``count x board power x overhead``. The default ``overhead`` is the ratio of a
    published system's rated power to its GPUs' board power: 10.2 kW / (8 x 700 W) = 1.82
    for a DGX H100, 14.3 kW / 8 kW = 1.79 for a DGX B200, 120 kW / (72 x 1.2 kW) = 1.39
    for a GB200 NVL72 rack (``data/systems.csv``); their median for accelerators without one.
    These are maximum ratings: a server under load typically draws less (``load_factor``
    in :func:`energy`).

    Parameters
    ----------
    accelerator : name or record (``"H100"``, ``"GB200"``)
    count : number of accelerators (a number or an array)
    overhead : IT power / GPU board power, at least 1 (default: from the system table)

    >>> it_power("H100", 8)
    <Quantity(0.0102, 'megawatt')>
    """
    acc = _accelerator(accelerator)
    factor = _overhead_for(acc) if overhead is None else overhead
    return acc.power * count * factor


@accepts(returns="MW", it_power=quantity("W"), pue=ratio(1.0, default="PUE AI data centre"))
def facility_power(it_power, pue=None) -> pint.Quantity:
    """Facility power: IT power x PUE (power usage effectiveness), in MW.

    PUE is total facility energy / IT energy, at least 1 by definition (The Green Grid).
    The default is a new AI campus; compare ``constant("PUE industry average")`` and
    ``constant("PUE hyperscale")`` (Google's fleet).

    >>> facility_power("100 MW", 1.25)
    <Quantity(125.0, 'megawatt')>
    """
    return it_power * pue


@accepts(returns="MWh", power=quantity("W"), duration=quantity("s"), load_factor=fraction())
def energy(power, duration="1 year", load_factor=1.0) -> pint.Quantity:
    """Energy drawn at ``power`` for ``duration``, at ``load_factor`` of it on average, in MWh.

    >>> energy("1 GW").to("GWh")
    <Quantity(8766.0, 'gigawatt_hour')>
    """
    return power * duration * load_factor


@accepts(returns="GW", energy=quantity("J"), duration=quantity("s", positive=True))
def average_power(energy, duration="1 year") -> pint.Quantity:
    """Average power of ``energy`` spread over ``duration`` (default one year), in GW.

    >>> average_power("415 TWh").round(1)
    <Quantity(47.3, 'gigawatt')>
    """
    return energy / duration


@accepts(returns="USD", energy=quantity("J"),
         price=quantity("USD/kWh", default="US industrial electricity price"))
def energy_cost(energy, price=None) -> pint.Quantity:
    """Cost of ``energy`` at ``price`` (default: the US industrial average), in USD.

    >>> energy_cost("1 MWh", "0.10 USD/kWh")
    <Quantity(100.0, 'USD')>
    """
    return energy * price


@accepts(returns="t", energy=quantity("J"),
         carbon_intensity=quantity("g/kWh", default="US grid carbon intensity"))
def emissions(energy, carbon_intensity=None) -> pint.Quantity:
    """CO2 emitted generating ``energy`` at ``carbon_intensity`` (grams per kWh), in tonnes.

    The default intensity is the US grid's average. Location-based accounting: the grid's
    average, not a contract for clean power.

    >>> emissions("1287 MWh", "429 g/kWh").round(0)
    <Quantity(552.0, 'metric_ton')>
    """
    return energy * carbon_intensity


@accepts(returns="MWh", gpu_hours=quantity("hour"), power_per_gpu=quantity("W"),
         pue=ratio(1.0))
def training_energy(gpu_hours, power_per_gpu, pue=1.0) -> pint.Quantity:
    """Energy of a training run as model cards report it: GPU-hours x power per GPU x PUE, in MWh.

    ``gpu_hours`` is a time (``"1.08e6 hour"``: one GPU-hour per GPU per hour). Model cards
    usually take the board power (TDP) and PUE 1, leaving out hosts, network and cooling;
    pass ``power_per_gpu`` with server overhead and a PUE to include them. Check: BLOOM,
    1,082,990 A100-hours at 400 W = 433 MWh (Luccioni et al., arXiv:2211.02001).

    >>> training_energy("1082990 hour", "400 W").round(0)
    <Quantity(433.0, 'megawatt_hour')>
    """
    return gpu_hours * power_per_gpu * pue


@dataclass(frozen=True)
class CostBreakdown(Breakdown):
    """Annual cost of a data centre by part (USD per year), with ``total`` and ``shares``,
    and what the costs were computed from: the ``it_power`` and ``facility_power`` (rated),
    the ``load_factor`` and the ``energy`` drawn in a year."""

    accelerators: pint.Quantity
    facility: pint.Quantity
    energy: pint.Quantity
    other: pint.Quantity
    it_power: pint.Quantity
    facility_power: pint.Quantity
    load_factor: float
    energy_per_year: pint.Quantity

    PARTS = ("accelerators", "facility", "energy", "other")
    MADE_BY = "annualized_cost()"


def annuity_share(years, rate):
    """:func:`annuity_factor` on plain numbers: the share of a capital cost paid each year
    over ``years`` at a cost of capital ``rate`` (floats or arrays)."""
    if np.ndim(rate) == 0 and rate == 0:
        return 1 / np.asarray(years, dtype=float) if np.ndim(years) else 1 / years
    # 1 - (1 + r)^-n without cancellation for tiny r (it would divide 0 by 0); arrays of
    # rates (a Monte Carlo) take 1/n where a rate is zero
    r = np.asarray(rate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return one_or_many(np.where(r == 0, 1 / years, r / -np.expm1(-years * np.log1p(r))))


def annuity_factor(life, rate: float):
    """Share of a capital cost paid each year over ``life``: ``1/life`` without financing,
    the capital recovery factor ``r / (1 - (1 + r)^-n)`` with a cost of capital ``r``
    (an array of rates gives an array). Shared with the capstone's cost stacks.

    >>> annuity_factor(Q_(5, "year"), 0.0), round(annuity_factor(Q_(5, "year"), 0.08), 4)
    (<Quantity(0.2, '1 / year')>, <Quantity(0.2505, '1 / year')>)
    """
    return annuity_share(life.m_as("year"), rate) / Q_(1, "year")


HOURS_PER_YEAR = Q_(1, "year").m_as("hour")          # pint's Julian year: 8,766 hours


def annualized_parts(count, it_watts, price, life, facility_cost, facility_life, pue,
                     electricity_price, load_factor, other_opex, rate) -> dict:
    """:func:`annualized_cost`'s four parts, in USD per year, from plain numbers in its
    units (``it_watts`` in W, prices in USD, USD/W, USD/kWh and USD/W/year, lives in
    years); arrays broadcast. The one formula of the ground's cost: the capstone's scans
    call it on thousands of values at once, where pint's cost per operation would dominate."""
    return {"accelerators": price * count * annuity_share(life, rate),
            "facility": facility_cost * it_watts * annuity_share(facility_life, rate),
            "energy": it_watts * pue * load_factor * HOURS_PER_YEAR / 1e3 * electricity_price,
            "other": other_opex * it_watts}


@accepts(count=count(positive=True),
         price_per_accelerator=quantity("USD", default="accelerator price"),
         accelerator_life=quantity("year", positive=True, default="accelerator life"),
         facility_cost=quantity("USD/W", default="facility cost"),
         facility_life=quantity("year", positive=True, default="facility life"),
         pue=ratio(1.0, optional=True), electricity_price=quantity("USD/kWh", optional=True),
         load_factor=fraction(default="load factor"),
         other_opex=quantity("USD/W/year", default="other opex"),
         cost_of_capital=ratio(0.0))
def annualized_cost(count, accelerator="GB200", price_per_accelerator=None,
                    accelerator_life=None, facility_cost=None, facility_life=None, pue=None,
                    electricity_price=None, load_factor=None, other_opex=None,
                    cost_of_capital=0.0) -> CostBreakdown:
    """Annual cost of running ``count`` accelerators in their own data centre, by part.

    Model, per year: accelerators (all-in server cost x count, spread over
    ``accelerator_life``), facility (``facility_cost`` per watt of IT power, over
    ``facility_life``), energy (facility power x ``load_factor`` x a year x price), and
    other opex (staff, maintenance, per watt of IT power). Capex and opex are per watt
    of **IT** power because Epoch AI's figures are for "1 GW of nameplate capacity for
    the IT equipment"; only the energy bill scales with the PUE. Straight-line, no
    financing, unless ``cost_of_capital`` > 0 (then capital is repaid as an annuity). Left
    out: land, taxes, software, the network beyond the rack.
    With the defaults below (and :func:`facility_power`'s PUE, :func:`energy_cost`'s
    price), servers are about 76 % of the cost and energy about 9 % (Epoch AI's model,
    with financing, gives 60 % and 7 %).

    >>> shares = annualized_cost(500_000).shares
    >>> round(shares["accelerators"], 2), round(shares["energy"], 3)
    (0.76, 0.086)
    """
    it = it_power(accelerator, count)
    facility = facility_power(it, pue)
    if electricity_price is None:
        electricity_price = energy_cost.defaults["price"]
    parts = annualized_parts(count, it.m_as("W"), price_per_accelerator.m_as("USD"),
                             accelerator_life.m_as("year"), facility_cost.m_as("USD/W"),
                             facility_life.m_as("year"), facility.m_as("W") / it.m_as("W"),
                             electricity_price.m_as("USD/kWh"), load_factor,
                             other_opex.m_as("USD/W/year"), cost_of_capital)
    return CostBreakdown(**{k: Q_(v, "USD/year") for k, v in parts.items()},
                         it_power=it, facility_power=facility, load_factor=load_factor,
                         energy_per_year=energy(facility, Q_(1, "year"), load_factor))


@dataclass(frozen=True)
class RevenuePower:
    """What a sales figure buys: ``accelerators``, their ``it_power`` and ``facility_power``."""

    accelerators: object          # a float, or an array over the arguments
    it_power: pint.Quantity
    facility_power: pint.Quantity


@accepts(revenue=quantity("USD"), price_per_accelerator=quantity("USD", positive=True),
         pue=ratio(1.0, optional=True),
         accelerator_share=fraction(default="NVIDIA compute share of data-centre revenue"),
         overhead=ratio(1.0, optional=True))
def revenue_to_power(revenue, price_per_accelerator, accelerator="GB200", pue=None,
                     accelerator_share=None, overhead=None) -> RevenuePower:
    """Accelerators and gigawatts implied by ``revenue`` of accelerator sales.

    Model: ``accelerators = revenue x accelerator_share / price_per_accelerator``, then
    :func:`it_power` and :func:`facility_power`. ``accelerator_share`` is the share of the
    revenue that is accelerators (default: NVIDIA's compute share of its data-centre
    revenue in one quarter); the price is what the seller gets per accelerator.
    Assumes every accelerator sold is installed and powered.

    >>> r = revenue_to_power("40e9 USD", "40000 USD", accelerator_share=1.0)
    >>> r.accelerators, r.it_power.round(0)
    (1000000.0, <Quantity(1667.0, 'megawatt')>)
    """
    n = one_or_many((revenue * accelerator_share / price_per_accelerator).m_as(""))
    it = it_power(accelerator, n, overhead)
    return RevenuePower(n, it, facility_power(it, pue))


@accepts(returns="km^2", average_power=quantity("W"),
         capacity_factor=fraction(default="US utility solar capacity factor"),
         power_density=quantity("W/m^2", positive=True, default="solar land tracking AC"))
def solar_area(average_power, capacity_factor=None, power_density=None) -> pint.Quantity:
    """Land for solar farms delivering ``average_power``, in km^2.

    Model: nameplate = average / capacity factor; area = nameplate / power density of a
    whole site. The capacity factor and the density must rate the nameplate the same way:
    EIA's factor is on the inverters' **AC** rating, so the default density is LBNL's per
    MW(AC) of single-axis tracking plants, fences included (0.18 MW/acre; per MW(DC) of
    panels it is 0.24, for use with a DC factor). Check: 0.18 MW/acre x 0.25 = 45 kW/acre
    on average, LBNL's measured yield of 394 MWh per acre per year. For a *nameplate*
    (AC) figure pass ``capacity_factor=1``. No storage for the night is included.

    >>> solar_area("1 GW").round(1)
    <Quantity(89.9, 'kilometer ** 2')>
    """
    return average_power / capacity_factor / power_density


@accepts(returns="L/s", heat=quantity("W"),
         latent_heat=quantity("J/kg", positive=True, default="latent heat of water"),
         evaporated_fraction=fraction())
def cooling_water(heat, latent_heat=None, evaporated_fraction=1.0) -> pint.Quantity:
    """Water evaporated to carry away ``heat`` in cooling towers, as a flow in L/s.

    Model: ``heat x evaporated_fraction / latent heat of vaporisation`` (2.44 MJ/kg at
    25 C), 1 kg = 1 L. Physics gives the upper bound for evaporative cooling: all heat
    leaves as vapour (``evaporated_fraction=1``); dry coolers and closed loops evaporate
    nothing. Blowdown (water drained to limit minerals) adds 20-30 % and is left out.
    Compare a measured WUE (``constant("data centre WUE")``, litres per kWh of IT energy).

    >>> cooling_water("1 MW").round(3)
    <Quantity(0.41, 'liter / second')>
    """
    return heat * evaporated_fraction / latent_heat * Q_(1, "L/kg")


@accepts(doubling_time=quantity("year", positive=True), duration=quantity("year", signed=True))
def grow(value, doubling_time, duration):
    """``value`` (a quantity of any unit, or a number) after ``duration`` of growth that
    doubles every ``doubling_time``: ``value x 2^(duration / doubling_time)``. Vectorised
    over ``duration``.

    >>> grow(Q_(100, "MW"), "3 month", "1 year")
    <Quantity(1600.0, 'megawatt')>
    """
    with np.errstate(over="ignore"):                    # beyond 2^1024: inf, not a crash
        return value * np.exp2((duration / doubling_time).m_as(""))


@accepts(returns="month", growth_factor=ratio(1.0), period=quantity("year", positive=True))
def doubling_time(growth_factor, period="1 year") -> pint.Quantity:
    """Doubling time of growth by ``growth_factor`` per ``period``: ``period x ln 2 /
    ln(factor)``, in months.

    >>> doubling_time(4).round(1)
    <Quantity(6.0, 'month')>
    """
    if np.any(np.asarray(growth_factor) == 1):
        raise ValueError("doubling_time(): growth_factor 1 never doubles; give more than 1.")
    return period * np.log(2) / np.log(growth_factor)


@accepts(doubling_time=quantity("year", positive=True), build_time=quantity("year"))
def supply_gap(doubling_time, build_time) -> float:
    """How many times demand grows while a supply that takes ``build_time`` is built.

    Model: demand doubles every ``doubling_time``, so over the lead time it grows
    ``2^(build_time / doubling_time)``-fold. That is how far ahead a supply must be
    forecast and sized: a plant sized for the demand of the day it is started serves
    1 / gap of the demand when it runs; one sized on a forecast of the demand
    ``build_time`` ahead closes the gap, if the forecast (and the growth) hold that long.

    >>> supply_gap("1 year", "2 year")
    4.0
    """
    with np.errstate(over="ignore"):                    # beyond 2^1024: inf, not a crash
        return one_or_many(np.exp2((build_time / doubling_time).m_as("")))
