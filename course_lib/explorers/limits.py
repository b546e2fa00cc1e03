"""Chapter 06's explorers: the power a compute rate needs at four efficiencies, against
the powers of the world and the Sun; and the wait in a queue against utilisation."""
from __future__ import annotations

import functools

import numpy as np

from ..data import accelerator, constant, power_scale
from ..limits import flop_per_joule, landauer_energy, mmc_wait, power_for
from ..power import doubling_time, grow
from ..units import Q_
from ..widgets import Explorer, choice, readable, slider
from .charts import log_scale

ACCELERATORS = ["A100 SXM", "H100 SXM", "B200", "B300", "MI355X"]
FORMATS = ["BF16", "FP8", "FP4"]                        # widest first
SCALES = ["World electricity (average)", "World primary energy (average)",
          "Sunlight intercepted by Earth", "Sun luminosity"]
RATES = [10.0 ** k for k in range(18, 43)]              # FLOP/s, the slider's stops
YEARS = list(range(2025, 2071, 5))
BITS = [1, 4, 16, 64, 256]
_RATES = np.logspace(15, 45, 61)                        # FLOP/s, the x grid
_LINES = ("chip today", "chip on the trend", "CMOS limit", "Landauer")
_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red")


@functools.lru_cache(maxsize=128)
def _efficiencies(acc_name, fmt, year, bits):
    """The format the chip runs and the FLOP per joule of the four lines: the chip (board
    power, dense peak), the chip grown on Epoch's trend from its year to ``year``, the CMOS
    limit, Landauer's bound at the model's temperature with ``bits`` erased per FLOP.
    A chip without ``fmt`` (FP4 on an H100) runs the narrowest wider format it has, and the
    readout says so."""
    acc = accelerator(acc_name)
    used = next(f for f in FORMATS[FORMATS.index(fmt)::-1] if acc.peak.get(f) is not None)
    today = flop_per_joule(acc, used)
    trend = doubling_time(constant("ML hardware efficiency growth").m)
    projected = grow(today, trend, Q_(max(year - acc.year, 0), "year"))
    landauer = (Q_(1, "FLOP") / landauer_energy(bits=bits)).to("FLOP/J")
    return used, (today, projected, constant("CMOS efficiency limit"), landauer)


def _power_range() -> tuple[float, float]:
    """The axis limits, in W, a decade beyond the least and the most power any setting of
    the controls draws: no marker is clipped, and the limits never move."""
    least, most = [], []
    for acc_name in ACCELERATORS:
        for fmt in FORMATS:
            effs = _efficiencies(acc_name, fmt, float(YEARS[-1]), float(BITS[0]))[1]
            least.append(RATES[0] / max(e.m_as("FLOP/J") for e in effs))
            effs = _efficiencies(acc_name, fmt, float(YEARS[0]), float(BITS[-1]))[1]
            most.append(RATES[-1] / min(e.m_as("FLOP/J") for e in effs))
    return 10.0 ** (np.floor(np.log10(min(least))) - 1), 10.0 ** (np.ceil(np.log10(max(most))) + 1)


def _power_setup(fig):
    ax = fig.add_subplot()
    lines = [ax.plot(_RATES, _RATES, color=c, label=label)[0]
             for label, c in zip(_LINES, _COLORS)]
    markers = [ax.plot([1], [1], "o", color=c, ms=5)[0] for c in _COLORS]
    for name in SCALES:
        watts = power_scale(name).power.m_as("W")
        ax.axhspan(watts / 1.3, watts * 1.3, color="0.85", zorder=0)
        below = name.startswith("World electricity")     # its neighbour's label is above
        ax.text(_RATES[1], watts / 30 if below else watts * 1.6, name.replace(" (average)", ""),
                fontsize=7, color="0.3", va="top" if below else "baseline")
    log_scale(ax)
    ax.set_xlim(_RATES[0], _RATES[-1])
    ax.set_ylim(*_power_range())
    ax.set_xlabel("sustained compute [FLOP/s]")
    ax.set_ylabel("power [W]")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="lower right", fontsize=7)         # static: the values are in the readout
    return lines, markers


def _against(watts: float) -> str:
    """The largest scale that ``watts`` reaches, as a multiple (or a share of the least)."""
    scales = [(n, power_scale(n).power.m_as("W")) for n in SCALES]
    reached = [(n, w) for n, w in scales if watts >= w] or scales[:1]
    name, w = reached[-1]
    return f"{readable(watts / w)} times {name}"


def _flag(per_joule: float, cmos: float, landauer: float) -> str:
    """What a chip's efficiency beyond a limit means: past Landauer's floor it is physics
    that forbids it (for logic that erases bits), past the CMOS limit an estimate."""
    if per_joule > landauer:
        return " <i>(below Landauer's floor: impossible for irreversible logic)</i>"
    return " <i>(beyond the CMOS estimate)</i>" if per_joule > cmos else ""


def _power_update(artists, rate, acc_name, fmt, year, bits):
    lines, markers = artists
    used, effs = _efficiencies(acc_name, fmt, float(year), float(bits))
    per_joule = [e.m_as("FLOP/J") for e in effs]
    x = rate.m_as("FLOP/s")
    rows = []
    for i, (line, marker, eff, label) in enumerate(zip(lines, markers, effs, _LINES)):
        line.set_ydata(_RATES / per_joule[i])
        power = power_for(rate, eff)
        marker.set_data([x], [power.m_as("W")])
        flag = _flag(per_joule[i], *per_joule[2:]) if i < 2 else ""
        rows.append(f"<li>{label} ({readable(eff)}){flag}: <b>{readable(power)}</b>, "
                    f"{_against(power.m_as('W'))}</li>")
    chip = used if used == fmt else f"{used} ({fmt} not supported on the {acc_name})"
    return (f"{readable(rate)} sustained; today's chip: {acc_name} in {chip}; trend carried "
            f"to {int(year)} at Epoch's pace (counted in each chip's fastest format, so "
            f"generous for a fixed format); Landauer at "
            f"{readable(landauer_energy.defaults['temperature'])} with {int(bits)} "
            f"bit(s) erased per FLOP:<ul style='margin:0'>{''.join(rows)}</ul>")


def power_explorer() -> Explorer:
    """Power to sustain a compute rate (:func:`course_lib.limits.power_for`) at four
    efficiencies: a chip today (:func:`~course_lib.limits.flop_per_joule`), the same chip
    on Epoch's efficiency trend, the CMOS limit and Landauer's bound
    (:func:`~course_lib.limits.landauer_energy`), against world electricity, world energy,
    the sunlight Earth intercepts and the Sun (grey bands)."""
    return Explorer(
        {"rate": slider("Compute", "FLOP/s", value=1e30, values=RATES),
         "acc_name": choice("Chip today", ACCELERATORS, "H100 SXM"),
         "fmt": choice("Format", FORMATS, "BF16"),
         "year": slider("Trend to year", None, value=2035, values=YEARS, fmt=".0f"),
         "bits": slider("Bits erased per FLOP", None, value=1, values=BITS)},
        _power_setup, _power_update, figsize=(6.4, 3.6),
        title="Power for a compute rate, from today's chips to the physical floor")


SERVERS = (1, 8, 64, 1024)
_IDLE = np.logspace(np.log10(0.7), -4, 120)          # 1 - utilisation, the x axis
_TICKS = (0.5, 0.1, 0.01, 0.001, 0.0001)


def _queue_setup(fig):
    ax = fig.add_subplot()
    for c, color in zip(SERVERS, _COLORS):                 # the curves never change
        wait = mmc_wait(c, 1 - _IDLE, Q_(1, "s")).wait.m_as("s")
        ax.plot(_IDLE, np.maximum(wait, 1e-6), color=color,
                label=f"{c} server{'s' if c > 1 else ''}")
    markers = [ax.plot([0.5], [1], "o", color=c, ms=5)[0] for c in _COLORS]
    target = ax.axhline(1, color="k", ls=":", lw=1)
    # the idle share on a log axis, read as utilisation: 99 %, 99.7 % and 99.9 % spread out
    log_scale(ax)
    ax.set_xlim(_IDLE[0], _IDLE[-1])
    ax.set_xticks(_TICKS, [f"{1 - t:.4g}" for t in _TICKS])
    ax.minorticks_off()
    ax.set_ylim(1e-4, 1e4)
    ax.set_xlabel("utilisation (share of time busy), log scale of the idle share")
    ax.set_ylabel("mean wait / service time")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize=7)
    return markers, target


def _queue_update(artists, utilization, target):
    markers, line = artists
    line.set_ydata([target] * 2)
    rows = []
    for c, marker in zip(SERVERS, markers):
        q = mmc_wait(c, utilization, Q_(1, "s"))
        wait = q.wait.m_as("s")
        marker.set_data([1 - utilization], [max(wait, 1e-6)])
        p99 = q.percentile(0.99).m_as("s")
        verdict = "within" if wait <= target else "<b>over</b>"
        rows.append(f"<li>{c:,} server(s): mean wait {readable(wait)}, p99 {readable(p99)} "
                    f"service times ({q.probability_of_waiting:.0%} wait at all), {verdict} "
                    f"the target</li>")
    return (f"At {utilization:.1%} utilisation, target: a mean wait of {readable(target)} service "
            f"time(s) (dotted line):<ul style='margin:0'>{''.join(rows)}</ul>")


def queue_explorer() -> Explorer:
    """Mean wait in an M/M/c queue (:func:`course_lib.limits.mmc_wait`) against
    utilisation for 1, 8, 64 and 1,024 servers, in units of the service time, with a
    target for the mean wait."""
    return Explorer(
        {"utilization": slider("Utilisation", None, value=0.9,
                               values=[0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.997,
                                       0.998, 0.999]),
         "target": slider("Target wait [service times]", None, value=1,
                          values=[0.01, 0.1, 0.5, 1, 2, 10])},
        _queue_setup, _queue_update, figsize=(6.4, 3.4),
        title="Waiting against utilisation: why a full fleet queues")
