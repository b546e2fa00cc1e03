"""Chapter NN's explorers: one function per explorer, each returning a
:class:`course_lib.widgets.Explorer`.

Copy to ``course_lib/explorers/<module>.py`` (step 5 of CONTRIBUTING.md). An explorer draws
what the model returns: it calls public functions only, restates no assumption, and starts
its sliders at the model's own defaults (``fn.defaults``). Charts come from
:mod:`course_lib.explorers.charts`; sliders step through round values (``log=True`` or
``values=[...]``).
"""
from __future__ import annotations

import numpy as np

from ..mytopic import energy_drawn
from ..units import Q_
from ..widgets import Explorer, readable, slider
from .charts import curve_and_marker

_HOURS = np.logspace(0, 4, 41)               # the curve's fixed grid: 1 h to 10,000 h


def _setup(fig):
    # fixed limits that hold every state, so that an update redraws only the moving artists
    return curve_and_marker(fig, _HOURS, "duration [h]", "energy drawn [MWh]",
                            ylim=(0.1, 1e7))


def _update(artists, power, duration, load_factor):
    ax, curve, marker = artists
    energy = energy_drawn(power, duration, load_factor)
    curve.set_ydata(energy_drawn(power, Q_(_HOURS, "h"), load_factor).m_as("MWh"))
    marker.set_data([duration.m_as("h")], [energy.m_as("MWh")])
    return (f"{readable(power)} for {readable(duration)}, busy {readable(100 * load_factor)} % "
            f"of the time: <b>{readable(energy)}</b>.")


def energy_explorer() -> Explorer:
    """Energy drawn against duration (model: :func:`course_lib.mytopic.energy_drawn`)."""
    return Explorer(
        {"power": slider("Power", "MW", 1, 1000, 100, log=True),
         "duration": slider("Duration", "h", 1, 10_000, 24, log=True),
         "load_factor": slider("Load factor", None,
                               value=energy_drawn.defaults["load_factor"],
                               values=[0.3, 0.5, 0.7, 0.8, 0.9, 1.0])},
        _setup, _update, title="Energy drawn over a duration")


__all__ = ["energy_explorer"]
