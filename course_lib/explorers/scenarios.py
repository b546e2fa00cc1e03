"""Chapter 07's explorers: the lever board (both cost stacks and every lever's break-even)
and the Monte Carlo view (the spread of outcomes as a range moves)."""
from __future__ import annotations

import functools

import numpy as np

from ..scenarios import (LEVERS, GroundCost, OrbitCost, breakevens, ground_cost, monte_carlo,
                         orbit_cost, scenario, scenario_names)
from ..widgets import Explorer, choice, readable, slider
from .charts import log_scale, nice_limit, set_stack, stacked_bar

# The parts of both stacks, in one palette: shared parts keep their colour on both rows.
PARTS = tuple(dict.fromkeys(GroundCost.PARTS + OrbitCost.PARTS))
COLORS = dict(zip(PARTS, ("tab:blue", "tab:gray", "tab:orange", "tab:olive", "tab:purple",
                          "tab:cyan", "tab:brown", "tab:pink", "tab:red", "tab:green",
                          "gold", "black")))
# The board's levers: (lever, stops); each slider starts at the scenario's value and is
# labelled as the lever is declared (course_lib.scenarios.LEVERS).
BOARD = (("launch_price", [30, 100, 200, 500, 1000, 2000, 5000]),
         ("specific_power", [5, 10, 20, 30, 50, 80]),
         ("spacecraft_cost", [30, 100, 300, 1000, 3000]),
         ("space_premium", [1, 1.25, 1.5, 2, 3]),
         ("failure_rate", [0.01, 0.03, 0.1, 0.2]),
         ("electricity_price", [0.02, 0.04, 0.08, 0.15, 0.25]),
         ("accelerator_life", [3, 4, 5, 6, 7]),
         ("cost_of_capital", [0, 0.025, 0.05, 0.075, 0.1]))

def _board_setup(fig):
    ax = fig.add_subplot()
    rows = [1] * len(GroundCost.PARTS) + [0] * len(OrbitCost.PARTS)
    # a part on both rows gets one legend entry ("_name" is left out of legends)
    names = list(GroundCost.PARTS) + [p if p not in GroundCost.PARTS else "_" + p
                                      for p in OrbitCost.PARTS]
    bars = stacked_bar(ax, names, [COLORS[n.lstrip("_")] for n in names], rows, legend_cols=5)
    ax.set_yticks([0, 1], ["orbit", "ground"])
    ax.set_xlim(0, 10)
    ax.set_xlabel("cost per GPU-hour delivered [USD]")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_axisbelow(True)                           # as the blitted update draws it
    ax.locator_params(axis="x", nbins=5)             # few ticks: the axis is redrawn...
    # ...with the bars whenever the limit moves (6 ms, not a full redraw's 40 ms)
    return bars[:len(GroundCost.PARTS)], bars[len(GroundCost.PARTS):], ax.xaxis


def _board_update(artists, name: str, **levers):
    ground_bars, orbit_bars, _ = artists
    scn = scenario(name, **levers)
    ground, orbit = ground_cost(scn), orbit_cost(scn)
    for bars, cost in ((ground_bars, ground), (orbit_bars, orbit)):
        set_stack(bars, [q.m for q in cost.parts_per_gpu_hour().values()])
    g, o = ground.per_gpu_hour.m_as("USD/hour"), orbit.per_gpu_hour.m_as("USD/hour")
    ground_bars[0].axes.set_xlim(0, nice_limit(max(g, o)))     # redraws only when it changes
    rows = []
    for lever, b in breakevens(scn, [k for k, _ in BOARD], refine=False, points=120).items():
        label = LEVERS[lever].label
        if b.value is None:
            verdict = "orbit cheaper" if b.orbit_cheaper == "everywhere" else "no break-even"
            rows.append(f"{label}: {verdict} in its whole range")
        else:
            rows.append(f"{label}: orbit cheaper {b.orbit_cheaper} <b>{readable(b.value)}</b>")
    return (f"Ground {readable(g)} USD, orbit <b>{readable(o)} USD</b> per GPU-hour: orbit "
            f"costs <b>{readable(o / g)} x</b> the ground. Orbit needs "
            f"{readable(orbit.launches)} launches ({readable(orbit.years_to_deliver)} at the "
            f"cadence) against {readable(ground.years_to_deliver)} of waiting for grid power.<br>"
            f"Break-even of each lever, the others as set:<ul style='margin:0'>"
            + "".join(f"<li>{r}</li>" for r in rows) + "</ul>")


def lever_board_explorer(name: str = "baseline-2026") -> Explorer:
    """Both cost stacks of scenario ``name`` (:func:`course_lib.scenarios.ground_cost`,
    :func:`~course_lib.scenarios.orbit_cost`) in USD per GPU-hour, and the break-even of
    each lever (:func:`~course_lib.scenarios.breakevens`), as the levers move."""
    scn = scenario(name)
    controls = {}
    for lever, stops in BOARD:
        controls[lever] = _rounded(slider(LEVERS[lever].label, f"{scn[lever].units:~P}" or None,
                                          value=scn[lever], values=stops))
    return Explorer(controls, _board_setup, functools.partial(_board_update, name=name),
                    figsize=(6.8, 2.6),
                    title=f"The lever board ({name}): ground against orbit, per GPU-hour")


def _rounded(control):
    """``control`` with its stops labelled to 3 significant figures (a scenario's computed
    20.4455 W/kg reads 20.4), unless two stops would then read alike; the values, which
    the model gets, are unchanged."""
    w = control.widget
    labels = [readable(v) for _, v in w.options]
    if len(set(labels)) == len(labels):
        value = w.value
        w.options = list(zip(labels, (v for _, v in w.options)))   # resets the value...
        w.value = value                                           # ...so put it back
    return control


_BINS = np.geomspace(0.1, 100, 61)                       # orbit / ground
# The view draws 20,000 samples, the chapter's cells 100,000: a slider must answer within
# a frame (100,000 draws take about 50 ms), and at 20,000 a share of the draws moves by at
# most 0.7 percentage points (two standard errors), the percentiles by about 1 %.
VIEW_SAMPLES = 20_000
# The Monte Carlo view's range ends: control -> (label, lever, which end, stops).
RANGE_ENDS = {
    "launch_low": ("Cheapest launch", "launch_price", "low", [30, 100, 200, 500, 1000]),
    "watts_high": ("Lightest design", "specific_power", "high", [30, 50, 65, 80]),
    "build_low": ("Cheapest spacecraft", "spacecraft_cost", "low", [30, 100, 300, 1000])}


def _mc_setup(fig):
    ax = fig.add_subplot()
    # one filled step patch, not 60 bars: one artist to redraw per update
    histogram = ax.stairs(np.zeros(len(_BINS) - 1), _BINS, fill=True, color="tab:blue",
                          label="share of draws")
    ax.axvline(1, color="k", ls=":", lw=1, label="equal cost")
    median = ax.axvline(1, color="tab:red", lw=1.5, label="median")
    log_scale(ax, "x")
    ax.xaxis.set_major_formatter("{x:g}")    # ratios read 0.1, 1, 10, 100, not 10⁻¹
    ax.set_xlim(_BINS[0], _BINS[-1])
    ax.set_ylim(0, 0.3)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    ax.set_xlabel("orbit cost / ground cost (per GPU-hour); left of the dotted line, orbit wins")
    ax.set_ylabel("share of samples")
    return histogram, median


def _mc_update(artists, name, launch_low, watts_high, build_low):
    histogram, median = artists
    base = scenario(name)
    scn = base.with_range("launch_price", low=launch_low) \
              .with_range("specific_power", high=watts_high) \
              .with_range("spacecraft_cost", low=build_low)
    mc = monte_carlo(scn, VIEW_SAMPLES, seed=0)
    # the bins are even in log10: index them directly (np.histogram searches each sample)
    step = np.log10(_BINS[1] / _BINS[0])
    index = np.floor((np.log10(mc.ratio) - np.log10(_BINS[0])) / step).astype(int)
    counts = np.bincount(np.clip(index, 0, len(_BINS) - 2), minlength=len(_BINS) - 1)
    histogram.set_data(counts / mc.samples)
    median.set_xdata([mc.percentiles[50]] * 2)
    p = mc.percentiles
    ranges = "; ".join(f"{LEVERS[lever].label.lower()} {readable(scn.levers[lever].low.m)} to "
                       f"{readable(scn.levers[lever].high)}"
                       for _, lever, _, _ in RANGE_ENDS.values())
    return (f"{mc.samples:,} draws of {len(mc.drawn)} uncertain levers ({name}): orbit "
            f"costs {readable(p[5])} to {readable(p[95])} times the ground (5th to 95th "
            f"percentile), median <b>{readable(p[50])} x</b>; orbit is cheaper in "
            f"<b>{readable(100 * mc.probability_orbit_cheaper)} %</b> of the draws.<br>"
            f"Drawn from: {ranges}.")


def _mc_stops(name, **_) -> dict[str, list[float]]:
    """Each range end's stops that keep ``low <= high`` with the scenario's other end (a
    cheapest launch above orbit-optimistic's dearest would be no range), the scenario's
    own end among them: no state of the controls is refused."""
    scn, out = scenario(name), {}
    for control, (_, lever, end, stops) in RANGE_ENDS.items():
        lv = scn.levers[lever]
        own, other = getattr(lv, end).m, (lv.high if end == "low" else lv.low).m
        keep = [v for v in stops if (v <= other if end == "low" else v >= other)]
        out[control] = sorted({*keep, float(f"{own:.6g}")})
    return out


def monte_carlo_explorer() -> Explorer:
    """The distribution of the cost ratio (:func:`course_lib.scenarios.monte_carlo`,
    ``VIEW_SAMPLES`` draws) for a scenario, as the range of three orbit levers moves: the
    cheapest launch, the lightest design, the cheapest spacecraft. Each end's stops follow
    the scenario's other end, so that a range never runs backwards."""
    scn = scenario()
    controls = {"name": choice("Scenario", scenario_names(), scn.name)}
    for control, (label, lever, end, stops) in RANGE_ENDS.items():
        controls[control] = slider(label, LEVERS[lever].unit,
                                   value=getattr(scn.levers[lever], end), values=stops)
    return Explorer(controls, _mc_setup, _mc_update, figsize=(6.4, 3.0), stops=_mc_stops,
                    title="Uncertainty: how often orbit wins")
