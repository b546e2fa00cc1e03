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

from dataclasses import dataclass

import numpy as np
import pint

from .data import Accelerator, accelerator as _accelerator, constant_defaults, systems
from .units import Q_, accepts, count, fraction, quantity, ratio

__all__ = ["server_overhead", "it_power", "facility_power", "energy", "average_power",
           "energy_cost", "emissions", "training_energy", "CostBreakdown",
           "annualized_cost", "RevenuePower", "revenue_to_power", "solar_area",
           "cooling_water", "grow", "doubling_time", "supply_gap", "DEFAULT_OVERHEAD"]

# Median of the three published systems' ratios (DGX H100 1.82, DGX B200 1.79, GB200 NVL72
# 1.39): used for accelerators without a system in data/systems.csv.
DEFAULT_OVERHEAD = 1.79


def server_overhead(system) -> float:
    """IT power of a system over the board power of its GPUs: ``power / (gpus x TDP)``.

    >>> from course_lib.data import system
    >>> round(server_overhead(system("DGX H100")), 3)
    1.821
    """
    acc = _accelerator(system.accelerator)
    return float((system.power / (system.gpus * acc.power)).m_as(""))


def _overhead_for(acc: Accelerator) -> float:
    for s in systems():
        if s.power is not None and _accelerator(s.accelerator).name == acc.name:
            return server_overhead(s)
    return DEFAULT_OVERHEAD


@accepts(count=count(positive=True), overhead=ratio(1.0, optional=True))
def it_power(accelerator, count, overhead=None) -> pint.Quantity:
    """IT power of ``count`` accelerators with their servers, in MW (rated).

    Model: ``count x board power x overhead``. The default ``overhead`` is the ratio of a
    published system's rated power to its GPUs' board power: 10.2 kW / (8 x 700 W) = 1.82
    for a DGX H100, 14.3 kW / 8 kW = 1.79 for a DGX B200, 120 kW / (72 x 1.2 kW) = 1.39
    for a GB200 NVL72 rack (``data/systems.csv``); 1.79 for accelerators without one.
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
    return (acc.power * count.m * factor).to("MW")


@constant_defaults(pue="PUE AI data centre")
@accepts(it_power=quantity("W"), pue=ratio(1.0))
def facility_power(it_power, pue=None) -> pint.Quantity:
    """Facility power: IT power x PUE (power usage effectiveness), in MW.

    PUE is total facility energy / IT energy, at least 1 by definition (The Green Grid).
    Default: 1.2, a new AI campus (``data/constants.csv``); the industry average is 1.56
    (Uptime 2024), Google's fleet 1.09.

    >>> facility_power("100 MW", 1.25)
    <Quantity(125.0, 'megawatt')>
    """
    return (it_power * pue).to("MW")


@accepts(power=quantity("W"), duration=quantity("s"), load_factor=fraction())
def energy(power, duration="1 year", load_factor=1.0) -> pint.Quantity:
    """Energy drawn at ``power`` for ``duration``, at ``load_factor`` of it on average, in MWh.

    >>> energy("1 GW").to("GWh")
    <Quantity(8766.0, 'gigawatt_hour')>
    """
    return (power * duration * load_factor).to("MWh")


@accepts(energy=quantity("J"), duration=quantity("s", positive=True))
def average_power(energy, duration="1 year") -> pint.Quantity:
    """Average power of ``energy`` spread over ``duration`` (default one year), in GW.

    >>> average_power("415 TWh").round(1)
    <Quantity(47.3, 'gigawatt')>
    """
    return (energy / duration).to("GW")


@constant_defaults(price="US industrial electricity price")
@accepts(energy=quantity("J"), price=quantity("USD/kWh"))
def energy_cost(energy, price=None) -> pint.Quantity:
    """Cost of ``energy`` at ``price`` (default: US industrial average 2023, 8.06 c/kWh), in USD.

    >>> energy_cost("1 MWh", "0.10 USD/kWh")
    <Quantity(100.0, 'USD')>
    """
    return (energy * price).to("USD")


@constant_defaults(carbon_intensity="US grid carbon intensity")
@accepts(energy=quantity("J"), carbon_intensity=quantity("g/kWh"))
def emissions(energy, carbon_intensity=None) -> pint.Quantity:
    """CO2 emitted generating ``energy`` at ``carbon_intensity`` (grams per kWh), in tonnes.

    Default intensity: the US grid average (EIA, 367 g/kWh for 2023, unverified). Location-
    based accounting: the grid's average, not a contract for clean power.

    >>> emissions("1287 MWh", "429 g/kWh").round(0)
    <Quantity(552.0, 'metric_ton')>
    """
    return (energy * carbon_intensity).to("t")


@accepts(gpu_hours=quantity("hour"), power_per_gpu=quantity("W"), pue=ratio(1.0))
def training_energy(gpu_hours, power_per_gpu, pue=1.0) -> pint.Quantity:
    """Energy of a training run as model cards report it: GPU-hours x power per GPU x PUE, in MWh.

    ``gpu_hours`` is a time (``"1.08e6 hour"``: one GPU-hour per GPU per hour). Model cards
    usually take the board power (TDP) and PUE 1, leaving out hosts, network and cooling;
    pass ``power_per_gpu`` with server overhead and a PUE to include them. Check: BLOOM,
    1,082,990 A100-hours at 400 W = 433 MWh (Luccioni et al., arXiv:2211.02001).

    >>> training_energy("1082990 hour", "400 W").round(0)
    <Quantity(433.0, 'megawatt_hour')>
    """
    return (gpu_hours * power_per_gpu * pue).to("MWh")


@dataclass(frozen=True)
class CostBreakdown:
    """Annual cost of a data centre by part (USD per year); ``total`` and ``shares``, and
    the ``facility_power`` the costs were computed for."""

    accelerators: pint.Quantity
    facility: pint.Quantity
    energy: pint.Quantity
    other: pint.Quantity
    facility_power: pint.Quantity

    PARTS = ("accelerators", "facility", "energy", "other")

    def as_dict(self) -> dict[str, pint.Quantity]:
        """Cost by part, in the order of ``PARTS``."""
        return {name: getattr(self, name) for name in self.PARTS}

    @property
    def total(self) -> pint.Quantity:
        return sum(self.as_dict().values(), Q_(0, "USD/year"))

    @property
    def shares(self) -> dict[str, float]:
        total = self.total
        return {k: float((v / total).m_as("")) for k, v in self.as_dict().items()}


def _annuity(life, rate: float):
    """Share of a capital cost paid each year over ``life``: ``1/life`` without financing,
    the capital recovery factor ``r / (1 - (1 + r)^-n)`` with a cost of capital ``r``."""
    n = life.m_as("year")
    if rate == 0:
        return 1 / n / Q_(1, "year")
    return rate / (1 - (1 + rate) ** -n) / Q_(1, "year")


@constant_defaults(price_per_accelerator="accelerator price",
                   accelerator_life="accelerator life", facility_cost="facility cost",
                   facility_life="facility life", load_factor="load factor",
                   other_opex="other opex")
@accepts(count=count(positive=True), price_per_accelerator=quantity("USD"),
         accelerator_life=quantity("year", positive=True),
         facility_cost=quantity("USD/W"), facility_life=quantity("year", positive=True),
         pue=ratio(1.0, optional=True), electricity_price=quantity("USD/kWh", optional=True),
         load_factor=fraction(), other_opex=quantity("USD/W/year"),
         cost_of_capital=ratio(0.0))
def annualized_cost(count, accelerator="GB200", price_per_accelerator=None,
                    accelerator_life=None, facility_cost=None, facility_life=None, pue=None,
                    electricity_price=None, load_factor=None, other_opex=None,
                    cost_of_capital=0.0) -> CostBreakdown:
    """Annual cost of running ``count`` accelerators in their own data centre, by part.

    Model, per year: accelerators (all-in server cost x count, spread over
    ``accelerator_life``), facility (``facility_cost`` per watt of facility power, over
    ``facility_life``), energy (facility power x ``load_factor`` x a year x price), and
    other opex (staff, maintenance, per watt of facility power). Straight-line, no
    financing, unless ``cost_of_capital`` > 0 (then capital is repaid as an annuity). Left
    out: land, taxes, software, the network beyond the rack.
    Defaults (``data/constants.csv``): 50,000 USD per accelerator (unverified), 5-year
    life, 13 USD/W facility over 14 years, PUE 1.2, 8.06 c/kWh, 80 % load, 0.3 USD/W/yr:
    a 1 GW GB200 campus costs about 6.8 billion USD a year, servers about 74 % and energy
    about 8 % (Epoch AI's model, with financing, gives 8.5 billion USD and 60 % / 7 %).

    >>> shares = annualized_cost(500_000).shares
    >>> round(shares["accelerators"], 2), round(shares["energy"], 3)
    (0.74, 0.083)
    """
    facility = facility_power(it_power(accelerator, count), pue)
    year = Q_(1, "year")
    return CostBreakdown(
        accelerators=(price_per_accelerator * count.m
                      * _annuity(accelerator_life, cost_of_capital)).to("USD/year"),
        facility=(facility_cost * facility
                  * _annuity(facility_life, cost_of_capital)).to("USD/year"),
        energy=(energy_cost(energy(facility, year, load_factor), electricity_price)
                / year).to("USD/year"),
        other=(other_opex * facility).to("USD/year"),
        facility_power=facility)


@dataclass(frozen=True)
class RevenuePower:
    """What a sales figure buys: ``accelerators``, their ``it_power`` and ``facility_power``."""

    accelerators: float
    it_power: pint.Quantity
    facility_power: pint.Quantity


@constant_defaults(accelerator_share="NVIDIA compute share of data-centre revenue")
@accepts(revenue=quantity("USD"), price_per_accelerator=quantity("USD", positive=True),
         pue=ratio(1.0, optional=True), accelerator_share=fraction(),
         overhead=ratio(1.0, optional=True))
def revenue_to_power(revenue, price_per_accelerator, accelerator="GB200", pue=None,
                     accelerator_share=None, overhead=None) -> RevenuePower:
    """Accelerators and gigawatts implied by ``revenue`` of accelerator sales.

    Model: ``accelerators = revenue x accelerator_share / price_per_accelerator``, then
    :func:`it_power` and :func:`facility_power`. ``accelerator_share`` is the share of the
    revenue that is accelerators (default 0.84: NVIDIA's compute share of its Q3 FY2026
    data-centre revenue, unverified); the price is what the seller gets per accelerator.
    Assumes every accelerator sold is installed and powered.

    >>> r = revenue_to_power("40e9 USD", "40000 USD", accelerator_share=1.0)
    >>> r.accelerators, r.it_power.round(0)
    (1000000.0, <Quantity(1667.0, 'megawatt')>)
    """
    n = float((revenue * accelerator_share / price_per_accelerator).m_as(""))
    it = it_power(accelerator, n, overhead)
    return RevenuePower(n, it, facility_power(it, pue))


@constant_defaults(capacity_factor="US utility solar capacity factor",
                   power_density="solar land tracking")
@accepts(average_power=quantity("W"), capacity_factor=fraction(),
         power_density=quantity("W/m^2", positive=True))
def solar_area(average_power, capacity_factor=None, power_density=None) -> pint.Quantity:
    """Land for solar farms delivering ``average_power``, in km^2.

    Model: nameplate = average / capacity factor; area = nameplate / power density of a
    whole site. Defaults: capacity factor 0.25 (US utility PV, EIA 2014-2020) and 0.24 MW
    (DC) per acre = 59 W/m^2 (LBNL, single-axis tracking, fences included). A bare panel
    field is denser: 1000 W/m^2 x 21 % efficiency x 0.35 ground coverage = 74 W/m^2. For a
    *nameplate* figure pass ``capacity_factor=1``. No storage for the night is included.

    >>> solar_area("1 GW").round(1)
    <Quantity(67.4, 'kilometer ** 2')>
    """
    return (average_power / capacity_factor / power_density).to("km^2")


@constant_defaults(latent_heat="latent heat of water")
@accepts(heat=quantity("W"), latent_heat=quantity("J/kg", positive=True),
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
    return (heat * evaporated_fraction / latent_heat * Q_(1, "L/kg")).to("L/s")


@accepts(doubling_time=quantity("year", positive=True), duration=quantity("year"))
def grow(value, doubling_time, duration):
    """``value`` (a quantity of any unit, or a number) after ``duration`` of growth that
    doubles every ``doubling_time``: ``value x 2^(duration / doubling_time)``. Vectorised
    over ``duration``.

    >>> grow(Q_(100, "MW"), "3 month", "1 year")
    <Quantity(1600.0, 'megawatt')>
    """
    return value * 2 ** (duration / doubling_time).m_as("")


@accepts(growth_factor=ratio(1.0), period=quantity("year", positive=True))
def doubling_time(growth_factor, period="1 year") -> pint.Quantity:
    """Doubling time of growth by ``growth_factor`` per ``period``: ``period x ln 2 /
    ln(factor)``, in months.

    >>> doubling_time(4).round(1)
    <Quantity(6.0, 'month')>
    """
    if np.any(np.asarray(growth_factor) == 1):
        raise ValueError("doubling_time(): growth_factor 1 never doubles; give more than 1.")
    return (period * np.log(2) / np.log(growth_factor)).to("month")


@accepts(doubling_time=quantity("year", positive=True), build_time=quantity("year"))
def supply_gap(doubling_time, build_time) -> float:
    """How many times demand exceeds a supply that takes ``build_time`` to build.

    Model: demand doubles every ``doubling_time``; at best, supply started today meets
    today's demand when it is finished, so supply always serves the demand of
    ``build_time`` ago: the gap is ``2^(build_time / doubling_time)``, constant in time.

    >>> supply_gap("1 year", "2 year")
    4.0
    """
    return float(2 ** (build_time / doubling_time).m_as(""))
