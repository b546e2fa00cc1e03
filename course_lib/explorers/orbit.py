"""Chapter 05's explorers: a space data-centre designer, and launches against cadence."""
from __future__ import annotations

import math

from ..data import launch_vehicle, launches
from ..orbit import (DAWN_DUSK, MassBreakdown, launch_cost_breakeven, launches_per_year,
                     solar_array_power, specific_power)
from ..widgets import Explorer, choice, readable, slider
from .charts import log_scale, set_shares, share_bar

DESIGN = specific_power.defaults                 # the model's own defaults, from the table
PAYLOAD = launches_per_year.defaults["payload_per_launch"]
LIFE = launch_cost_breakeven.defaults["life"]

COLORS = ("tab:orange", "tab:blue", "tab:purple", "tab:gray", "tab:green")
_ALT = readable(DESIGN["altitude"])
ORBITS = {f"dawn-dusk {_ALT}, sized for its eclipse season": (DESIGN["altitude"], None),
          f"dawn-dusk {_ALT}, idle in the eclipse season": (DESIGN["altitude"], DAWN_DUSK),
          "550 km, Sun in the orbit plane": ("550 km", "0 deg")}
BASELINE = round(specific_power().specific_power.m_as("W/kg"), 1)   # the default design's W/kg
VEHICLES = ["Starship (target)", "Falcon 9 (reusable)", "Falcon Heavy", "New Glenn"]


def _design_setup(fig):
    return share_bar(fig, MassBreakdown.PARTS, COLORS, "share of the mass to launch [%]")


def _design_update(artists, power, temperature, efficiency, array_density, radiator_density,
                   orbit):
    altitude, beta = ORBITS[orbit]
    m = specific_power(power, temperature, array_density, radiator_density,
                       efficiency=efficiency, altitude=altitude, beta=beta)
    total = m.total
    set_shares(artists, list(m.shares.values()))
    launches = math.ceil((total / PAYLOAD).m_as(""))       # whole launches, every one full
    return (f"{readable(power)} of compute, {orbit} (eclipse {m.eclipse:.0%}): arrays "
            f"{readable(m.array_area)}, radiators at {readable(temperature)} "
            f"{readable(m.radiator_area)}.<br>Mass <b>{total.to('t'):,.0f~P}</b>: "
            f"<b>{readable(m.specific_power)}</b>, "
            f"{launches:,} launch{'es' if launches > 1 else ''} of {readable(PAYLOAD)}.")


def design_explorer() -> Explorer:
    """A space data centre: compute power, radiator temperature, cell efficiency, areal
    densities and orbit -> array and radiator areas, mass by part, W/kg and launches
    (:func:`course_lib.orbit.specific_power`, with its other defaults)."""
    return Explorer(
        {"power": slider("Compute power", "MW", 1, 10_000, 100, log=True),
         "temperature": slider("Radiator temperature", "K", value=DESIGN["radiator_temperature"],
                               values=[280, 300, 320, 330, 340, 350, 360]),   # chips stop near 360 K
         "efficiency": slider("Cell efficiency", None,
                              value=solar_array_power.defaults["efficiency"],
                              values=[0.15, 0.2, 0.25, 0.35, 0.4]),
         "array_density": slider("Array mass", "kg/m^2", value=DESIGN["array_density"],
                                 values=[0.3, 0.5, 1, 1.5, 2]),
         "radiator_density": slider("Radiator mass", "kg/m^2", value=DESIGN["radiator_density"],
                                    values=[1, 2, 3, 5, 8]),
         "orbit": choice("Orbit", list(ORBITS))},
        _design_setup, _design_update, figsize=(6.4, 2.4),
        title="Design a data centre in orbit: areas, mass, launches")


_YEARS = [r.year for r in launches()]
_COUNTS = [r.launches for r in launches()]


def _launch_setup(fig):
    ax = fig.add_subplot()
    ax.bar(_YEARS, _COUNTS, color="tab:gray", label="Falcon launches (history)")
    need = ax.axhline(1, color="tab:red", lw=2, label="launches needed per year")
    log_scale(ax, "y")
    ax.set_ylim(1, 1e6)
    ax.set_xlim(_YEARS[0] - 0.8, _YEARS[-1] + 0.8)
    ax.set_ylabel("launches per year")
    ax.grid(True, axis="y", which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return need


def _launch_update(need, gw_per_year, specific, vehicle):
    v = launch_vehicle(vehicle)
    n = launches_per_year(gw_per_year, specific, v.payload_leo).m_as("1/year")
    need.set_ydata([max(n, 1)] * 2)
    breakeven = launch_cost_breakeven(specific)
    price = v.price_per_kg
    listed = (f"its list price is {readable(price)} at full load" if price is not None
              else "it has no published price")
    return (f"{readable(gw_per_year.m_as('GW/year'))} GW a year at {readable(specific)} on "
            f"{v.name} ({readable(v.payload_leo)} each): <b>{n:,.0f} launches a year</b> "
            f"({readable(n / 365.25)} a day); the record is {max(_COUNTS):,} "
            f"({_YEARS[_COUNTS.index(max(_COUNTS))]}).<br>"
            f"Orbit breaks even with the ground at a launch price of "
            f"<b>{readable(breakeven)}</b> (over {readable(LIFE)}, chapter 04's ground costs); "
            f"{listed}.")


def launch_explorer() -> Explorer:
    """Launches a year to put a target of gigawatts a year in orbit at a given W/kg
    (:func:`course_lib.orbit.launches_per_year`), against the Falcon family's history, and
    the launch price at which orbit breaks even (:func:`course_lib.orbit.launch_cost_breakeven`)."""
    return Explorer(
        {"gw_per_year": slider("Target", "GW/year", value=1,
                               values=[0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]),
         "specific": slider("Specific power", "W/kg", value=BASELINE,
                            values=[10, 20, 30, 50, 100, 200, 500]),
         "vehicle": choice("Rocket", VEHICLES)},
        _launch_setup, _launch_update, title="Launches per year for gigawatts in orbit")


__all__ = ["design_explorer", "launch_explorer"]
