"""The ceilings: Landauer's bound, joules per FLOP, power for a compute rate, compounding
small gains, and why a fleet cannot run full without queues.

Conventions
-----------
* **Landauer's bound**: erasing one bit in surroundings at temperature T dissipates at least
  k T ln 2 (Landauer, IBM J. Res. Dev. 5 (1961) 183; measured by Berut et al., Nature 483
  (2012) 187), with k the Boltzmann constant of the registry (exact in the 2019 SI). How
  many bits a FLOP erases is an assumption the caller states (``bits``): 1 is a generous
  floor for irreversible logic; overwriting a 16-bit result whose old value is unknown
  erases up to 16; reversible logic could, in principle, erase none.
* **Energy per FLOP** is an accelerator's board power (TDP) over its dense peak in a
  format: the chip at full load, without host, network or cooling (chapter 04's PUE adds
  those), and dense, not sparse, FLOP/s.
* **Compounding** ``(1 + rate)^periods`` is computed as ``exp(periods x log1p(rate))``: for
  a rate of 1.2e-9, ``1 + rate`` in floating point keeps only 7 of the rate's 16 digits.
* **Queues** are M/M/c in steady state (Kendall's notation): Poisson arrivals, exponential
  service times of mean ``service_time``, ``servers`` identical servers fed by one
  first-come-first-served queue, utilisation rho = arrival rate x service time / servers.
  The probability of waiting is Erlang's C formula, the mean wait
  ``C x service_time / (servers x (1 - rho))``, the mean queue length ``C x rho / (1 - rho)``
  (Little's law), and the wait exceeds t with probability
  ``C x exp(-servers x (1 - rho) x t / service_time)`` (Kleinrock, Queueing Systems, vol. 1
  (1975), sections 3.2 and 3.5; Iversen, Teletraffic Engineering Handbook, ITU-D (2015),
  chapter 12). M/M/1 is the case of one server: C = rho, wait = rho / (1 - rho) x service.
  Real traffic is burstier than Poisson (longer waits); requests served in batches, or
  routed to a server that is free, shorten them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pint

from .compute import peak_rate
from .data import accelerator as _accelerator, constant
from .declare import accepts, count, one_or_many, quantity, ratio
from .units import Q_, as_quantity, describe_value

__all__ = ["landauer_energy", "energy_per_flop", "flop_per_joule", "power_for", "fitted_growth",
           "growth_factor", "compound", "periods_to", "QueueWait", "mm1_wait", "mmc_wait",
           "max_utilization"]

BOLTZMANN = Q_(1, "boltzmann_constant").to("J/K")
MOST_SERVERS = 100_000        # Erlang C's recursion takes one step per server


@accepts(returns="J", temperature=quantity("K", positive=True, default="room temperature"),
         bits=count("bit", positive=True))
def landauer_energy(temperature=None, bits=1) -> pint.Quantity:
    """Least energy to erase ``bits`` bits at ``temperature``: ``bits x k T ln 2``.

    >>> landauer_energy().to("zJ").round(3)
    <Quantity(2.871, 'zeptojoule')>
    """
    return bits * BOLTZMANN * temperature * np.log(2)


@accepts(returns="J/FLOP")
def energy_per_flop(accelerator, fmt="BF16") -> pint.Quantity:
    """Joules per FLOP of ``accelerator`` at full load in ``fmt``: board power / dense peak.

    >>> energy_per_flop("H100").to("pJ/FLOP").round(3)
    <Quantity(0.707, 'picojoule / FLOP')>
    """
    acc = _accelerator(accelerator)
    return acc.power / peak_rate(acc, fmt)


@accepts(returns="FLOP/J")
def flop_per_joule(accelerator, fmt="BF16") -> pint.Quantity:
    """FLOPs per joule of ``accelerator`` in ``fmt``: the inverse of :func:`energy_per_flop`.

    >>> flop_per_joule("H100").to("TFLOP/J").round(2)
    <Quantity(1.41, 'teraFLOP / joule')>
    """
    return 1 / energy_per_flop(accelerator, fmt)


@accepts(returns="W", compute_rate=quantity("FLOP/s"), efficiency=quantity("FLOP/J", positive=True))
def power_for(compute_rate, efficiency) -> pint.Quantity:
    """Power to sustain ``compute_rate`` at ``efficiency`` (FLOP per joule). Vectorised.

    The efficiency is whatever the caller states: a chip's (:func:`flop_per_joule`, board
    power only), a projected trend, or Landauer's ``1 FLOP / landauer_energy(bits=b)``.

    >>> power_for("1e30 FLOP/s", "1e12 FLOP/J").to("EW")
    <Quantity(1.0, 'exawatt')>
    """
    return compute_rate / efficiency


@accepts(years=count())
def fitted_growth(years, values) -> float:
    """Growth factor per year of ``values`` (quantities of one unit, or numbers) measured at
    ``years`` (decimal years): the exponential that fits them best, by least squares on
    their logarithms (each point counts the same, whatever its size). Needs two years or
    more and positive values.

    >>> round(fitted_growth([2020, 2021, 2022], [1, 2, 4]), 6)
    2.0
    """
    x = np.atleast_1d(np.asarray(years, dtype=float))
    y = values.magnitude if isinstance(values, pint.Quantity) else values
    try:
        y = np.atleast_1d(np.asarray(y, dtype=float))
    except (TypeError, ValueError):
        raise TypeError(f"fitted_growth(): values must be numbers or quantities, got {values!r}.") from None
    if x.shape != y.shape or len(np.unique(x)) < 2:
        raise ValueError(f"fitted_growth(): give values at two different years or more, as "
                         f"many values as years (got {x.size} years, {y.size} values).")
    if not np.all(np.isfinite(y) & (y > 0)):
        raise ValueError("fitted_growth(): values must be positive and finite (a logarithm is "
                         "fitted).")
    slope = np.polyfit(x, np.log(y), 1)[0]
    return float(np.exp(slope))


_PER_YEAR = ratio()


@accepts(over=quantity("year", signed=True))
def growth_factor(growth, over="1 year"):
    """The plain factor by which something grows over ``over`` when it grows
    ``growth``-fold a year: ``growth ** (over / 1 year)`` (steady exponential growth).
    Vectorised over ``over``.

    ``growth`` is a row of ``data/constants.csv`` that holds a factor per year (``"frontier
    compute growth"``: 4.5-fold a year), such a quantity (``Q_(4.5, "1/year")``, read in
    1/year), or a plain factor per year. The table writes these factors in ``1/year`` to
    say "per year", but to pint that unit is a rate: ``constant(row) ** (t / Q_(1,
    "year"))`` keeps the unit and ``constant(row) * t`` is not a factor at all. Take the
    factor with this function, then multiply.

    >>> round(growth_factor("frontier compute growth", "6 month"), 3)
    2.121
    """
    g = constant(growth) if isinstance(growth, str) else growth
    if isinstance(g, pint.Quantity) and not g.dimensionless:
        g = as_quantity(g, "growth", "1/year", 'growth="frontier compute growth"',
                        "growth_factor").m_as("1/year")
    factor = _PER_YEAR.convert(g, "growth", "growth_factor")
    if np.any(np.asarray(factor) <= 0):
        raise ValueError(f"growth_factor(): growth must be a factor above zero (1 is no "
                         f"growth), got {describe_value(growth)}.")
    with np.errstate(over="ignore"):                    # beyond 1e308: refused as overflow
        return one_or_many(np.power(factor, over.m_as("year")))


def _above_minus_one(rate, where: str):
    if np.any(np.asarray(rate) <= -1):
        raise ValueError(f"{where}(): rate must be above -1 (a loss of 100 % per period "
                         f"leaves nothing to compound), got {rate!r}.")


@accepts(rate=ratio(minimum=-1), periods=count())
def compound(rate, periods):
    """Growth factor after ``periods`` periods of ``rate`` each (``0.01`` or ``"1 %"``):
    ``(1 + rate)^periods``, computed with ``log1p`` to keep tiny rates exact. Vectorised.

    >>> round(compound(1.2e-9, 1e9), 4)
    3.3201
    """
    _above_minus_one(rate, "compound")
    with np.errstate(over="ignore"):                    # beyond 1e308: inf, not a crash
        factor = np.exp(periods * np.log1p(rate))
    return float(factor) if np.ndim(factor) == 0 else factor


@accepts(factor=ratio(), rate=ratio(minimum=-1))
def periods_to(factor, rate):
    """Periods of ``rate`` each needed to multiply by ``factor``: ``ln(factor) /
    ln(1 + rate)`` (a fraction of a period where it falls between two). Refused where the
    factor is never reached (a gain sought with a rate of zero or below, or a loss with a
    positive rate). Vectorised.

    >>> f"{periods_to(2, 1.2e-9):.3e}"
    '5.776e+08'
    """
    _above_minus_one(rate, "periods_to")
    factor, rate = np.asarray(factor, dtype=float), np.asarray(rate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        periods = np.log(factor) / np.log1p(rate)
    periods = np.where(factor == 1, 0.0, periods)
    if np.any(~np.isfinite(periods) | (periods < 0)):
        raise ValueError(f"periods_to(): a factor of {factor} is never reached at a rate of "
                         f"{rate} per period; a gain needs a positive rate, a loss a negative one.")
    return float(periods) if periods.ndim == 0 else periods


@dataclass(frozen=True)
class QueueWait:
    """Steady state of an M/M/c queue (see the module's conventions).

    ``wait`` is the mean time in the queue before service starts, ``response`` adds the
    service itself, ``queue_length`` is the mean number of requests waiting and
    ``probability_of_waiting`` the share that wait at all (Erlang C). Arrays where the
    utilisation is one."""

    wait: pint.Quantity
    response: pint.Quantity
    queue_length: np.ndarray | float
    probability_of_waiting: np.ndarray | float
    servers: int
    utilization: np.ndarray | float
    service_time: pint.Quantity

    def percentile(self, p: float) -> pint.Quantity:
        """The wait that a share ``p`` of requests stays under (``0.99``: the p99 wait):
        ``ln(C / (1 - p)) x service_time / (servers x (1 - rho))``, zero where fewer than
        ``1 - p`` of requests wait at all."""
        p = ratio(0, below=1).convert(p, "p", "QueueWait.percentile")
        c, rho = self.probability_of_waiting, self.utilization
        with np.errstate(divide="ignore"):
            t = np.log(np.maximum(c / (1 - p), 1.0)) / (self.servers * (1 - rho))
        return (t * self.service_time).to(self.service_time.units)


def _erlang_c(servers: int, load):
    """Erlang's C formula for ``servers`` and offered ``load`` (erlangs, < servers), through
    Erlang B's recursion B_k = A B_{k-1} / (k + A B_{k-1}), which never overflows."""
    b = np.ones_like(load) if np.ndim(load) else 1.0   # plain floats: 10x faster per step
    load = load if np.ndim(load) else float(load)
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    rho = load / servers
    return b / (1 - rho * (1 - b))


_QUEUE = dict(servers=count(whole=True, minimum=1, scalar=True), utilization=ratio(),
              service_time=quantity("s", positive=True))


def _queue(servers, utilization, service_time, where: str) -> QueueWait:
    rho = np.asarray(utilization, dtype=float)
    if np.any(rho >= 1):
        raise ValueError(f"{where}(): utilization must be below 1, got {utilization!r}: at or "
                         f"above full load, requests arrive faster than they are served and "
                         f"the queue grows without limit (there is no steady wait).")
    if servers > MOST_SERVERS:
        raise ValueError(f"{where}(): servers must be at most {MOST_SERVERS:,} (the Erlang C "
                         f"recursion takes one step per server), got {servers:g}.")
    c = int(servers)
    p_wait = _erlang_c(c, c * rho)
    wait = p_wait / (c * (1 - rho)) * service_time
    scalar = (lambda x: float(x)) if rho.ndim == 0 else (lambda x: x)
    return QueueWait(wait=wait, response=wait + service_time,
                     queue_length=scalar(p_wait * rho / (1 - rho)),
                     probability_of_waiting=scalar(p_wait), servers=c,
                     utilization=scalar(rho), service_time=service_time)


@accepts(utilization=_QUEUE["utilization"], service_time=_QUEUE["service_time"])
def mm1_wait(utilization, service_time) -> QueueWait:
    """One server, one queue (M/M/1): mean wait ``rho / (1 - rho) x service_time``.
    Vectorised over ``utilization`` (in [0, 1)).

    >>> mm1_wait(0.997, "1 s").wait.round(0)
    <Quantity(332.0, 'second')>
    """
    return _queue(1, utilization, service_time, "mm1_wait")


@accepts(**_QUEUE)
def mmc_wait(servers, utilization, service_time) -> QueueWait:
    """``servers`` servers behind one queue (M/M/c, Erlang C). Vectorised over
    ``utilization`` (in [0, 1)); at most 100,000 servers.

    >>> mmc_wait(64, 0.997, "1 s").wait.round(1)
    <Quantity(5.1, 'second')>
    """
    return _queue(servers, utilization, service_time, "mmc_wait")


@accepts(servers=_QUEUE["servers"],
         service_time=quantity("s", positive=True, scalar=True),
         target_wait=quantity("s", scalar=True))
def max_utilization(servers, service_time, target_wait) -> float:
    """The highest utilisation at which the mean wait of :func:`mmc_wait` stays within
    ``target_wait`` (bisection, to 1e-9: the wait grows with utilisation).

    >>> round(max_utilization(1, "1 s", "1 s"), 6)
    0.5
    """
    low, high = 0.0, 1.0
    while high - low > 1e-9:
        mid = (low + high) / 2
        if _queue(servers, mid, service_time, "max_utilization").wait <= target_wait:
            low = mid
        else:
            high = mid
    return low
