"""Chapter 04's explorers: a campus builder, and demand growth against build times."""
from __future__ import annotations

import numpy as np

from ..power import (CostBreakdown, annualized_cost, emissions, energy_cost, facility_power, grow,
                     supply_gap)
from ..units import Q_
from ..widgets import Explorer, choice, readable, slider
from .charts import log_scale, set_shares, share_bar

COLORS = ("tab:blue", "tab:gray", "tab:orange", "tab:green")


def _campus_setup(fig):
    return share_bar(fig, CostBreakdown.PARTS, COLORS, "share of the annual cost [%]")


def _campus_update(artists, gpu, count, pue, price, life, electricity, intensity):
    cost = annualized_cost(count, gpu, price, life, pue=pue, electricity_price=electricity)
    set_shares(artists, list(cost.shares.values()), min_label=6)
    year = cost.energy_per_year
    return (f"{int(count):,} x {gpu}: IT {readable(cost.it_power)}, facility "
            f"<b>{readable(cost.facility_power)}</b> (PUE {readable(pue)}); at {cost.load_factor:.0%} "
            f"load {readable(year.to('Wh'))} a year, "
            f"{readable(emissions(year, intensity))} of CO2.<br>"
            f"Cost <b>{readable(cost.total.m_as('GUSD/year'))} billion USD a year</b>: "
            f"accelerators {cost.shares['accelerators']:.0%}, energy "
            f"{cost.shares['energy']:.0%}.")


def campus_explorer() -> Explorer:
    """A data-centre campus: accelerators, PUE, prices and life -> facility power, energy a
    year, emissions, and the annual cost stack (:func:`course_lib.power.annualized_cost`
    with the kit's other defaults)."""
    return Explorer(
        {"gpu": choice("Accelerator", ["H100 SXM", "B200", "GB200", "GB300"], "GB200"),
         "count": slider("Accelerators", None, 1000, 1_000_000, 100_000, log=True),
         "pue": slider("PUE", None, value=facility_power.defaults["pue"],
                       values=[1.05, 1.1, 1.2, 1.3, 1.4, 1.56, 1.8]),
         "price": slider("Price per accelerator", "kUSD",
                         value=annualized_cost.defaults["price_per_accelerator"],
                         values=[10, 20, 30, 40, 50, 60, 80]),
         "life": slider("Accelerator life", "year",
                        value=annualized_cost.defaults["accelerator_life"],
                        values=[2, 3, 4, 5, 6, 7, 8]),
         "electricity": slider("Electricity price", "USD/kWh", value=energy_cost.defaults["price"],
                               values=[0.03, 0.05, 0.12, 0.16, 0.2, 0.3]),
         "intensity": slider("Grid carbon intensity", "g/kWh",
                             value=emissions.defaults["carbon_intensity"],
                             values=[20, 57, 100, 200, 500, 800])},
        _campus_setup, _campus_update, figsize=(6.4, 2.4),
        title="Build a campus: power, energy and the cost stack")


_YEARS = np.linspace(0, 10, 121)
_FLOOR = 1e-2                        # bottom of the plot, in units of today's demand


def _growth_setup(fig):
    ax = fig.add_subplot()
    demand, = ax.plot(_YEARS, _YEARS, color="tab:red", label="demand")
    supply, = ax.plot(_YEARS, _YEARS, color="tab:blue", label="supply sized for the demand when started")
    gap = ax.annotate("", xy=(10, 1), xytext=(10, 1),
                      arrowprops=dict(arrowstyle="<->", color="k"))
    log_scale(ax, "y")
    ax.set_xlim(0, 10)
    ax.set_xlabel("years from today")
    ax.set_ylabel("power / today's demand")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return ax, demand, supply, gap


def _growth_update(artists, doubling, build):
    ax, demand, supply, gap = artists
    d = grow(1.0, doubling, Q_(_YEARS, "year"))
    s = grow(1.0, doubling, Q_(_YEARS, "year") - build)
    demand.set_ydata(d)
    supply.set_ydata(np.maximum(s, _FLOOR / 10))
    gap.xy, gap.xyann = (9.5, d[-7]), (9.5, max(s[-7], _FLOOR))
    ax.set_ylim(_FLOOR, 10.0 ** np.ceil(np.log10(d[-1])))
    factor = supply_gap(doubling, build)
    years = f"{readable(build.m_as('year'))} year{'s' if build.m_as('year') != 1 else ''}"
    return (f"Demand doubles every {readable(doubling.m_as('month'))} months; supply takes "
            f"{years} to build, so demand grows <b>{readable(factor)}-fold</b> while it is built. "
            f"Sized for the demand of the day it was started, supply serves the demand of "
            f"{years} ago. To keep up, orders must forecast demand {years} ahead: "
            f"{readable(factor)} times today's.")


def growth_explorer() -> Explorer:
    """Demand that doubles every T against supply that takes L to build and is sized for
    the demand of the day it is started (:func:`course_lib.power.supply_gap`): demand
    grows 2^(L/T)-fold during the build, whatever the year; that is how far ahead orders
    must forecast."""
    return Explorer(
        {"doubling": slider("Demand doubling time", "month", value=12,
                            values=[3, 4, 6, 9, 12, 18, 24, 36]),
         "build": slider("Build time", "year", value=5,
                         values=[0.33, 0.5, 1, 1.5, 2, 3, 5, 7, 10])},
        _growth_setup, _growth_update, title="Demand growth against build times")


__all__ = ["campus_explorer", "growth_explorer"]
