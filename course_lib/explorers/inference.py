"""Chapter 03's explorers: the roofline with a decoding step on it, and latency against
throughput for two accelerators side by side."""
from __future__ import annotations

import functools

import numpy as np

from ..data import accelerator, constant
from ..inference import (critical_intensity, decode_step_time, devices_needed, max_batch,
                         tokens_per_joule)
from ..compute import peak_rate
from ..units import Q_
from ..widgets import Explorer, choice, readable, slider
from .charts import curve_and_marker, log_scale

ACCELERATORS = ["H100 SXM", "H200 SXM", "B200", "L20", "MI300X"]
MODELS = ["Llama-3-8B", "Llama-3-70B"]
_INTENSITY = np.logspace(-1, 4, 120)                    # FLOP per byte
BATCHES = [2 ** k for k in range(11)]                   # 1 to 1024 sequences
LATENCY_CONTEXTS = [512.0, 1024.0, 2048.0, 4096.0, 8192.0, 16384.0]     # tokens


def _roofline_setup(fig):
    ax, roof, point = curve_and_marker(fig, _INTENSITY, "arithmetic intensity [FLOP/B]",
                                       "attainable [FLOP/s]", ylim=(1e11, 1e16),
                                       labels=("roof: the lower of peak and bandwidth x intensity",
                                               "this decoding step"))
    ridge = ax.axvline(1, color="k", ls=":", lw=1, label="ridge: where the two meet")
    ax.legend(loc="lower right", fontsize=7)
    return ax, roof, point, ridge


@functools.lru_cache(maxsize=256)
def _room(name, fmt, acc_name, tokens):
    """The largest batch that memory alone allows (a bisection of about 40 ms: cached, as
    it does not depend on the batch the slider moves)."""
    return max_batch(name, Q_(tokens, "token"), acc_name, Q_(1, "hour"), fmt, fmt)


def _roofline_update(artists, name, fmt, acc_name, batch, context):
    _, roof, point, ridge = artists
    acc = accelerator(acc_name)
    peak = peak_rate(acc, fmt).m_as("FLOP/s")
    bandwidth = acc.memory_bandwidth.m_as("B/s")
    roof.set_ydata(np.minimum(peak, bandwidth * _INTENSITY))
    ridge.set_xdata([critical_intensity(acc, fmt).m_as("FLOP/B")] * 2)
    step = decode_step_time(name, batch, context, acc, fmt, fmt)
    room = _room(name, fmt, acc_name, float(context.m_as("token")))
    moved = (step.weights + step.kv_cache).m_as("B")
    intensity = step.flops.m_as("FLOP") / moved
    attained = step.flops.m_as("FLOP") / np.maximum(step.math, step.memory).m_as("s")
    point.set_data([intensity], [attained])
    fits = ("" if batch <= room else
            f'<br><span style="color:#b00">Does not fit in its {acc.memory:.0f~P}: at most '
            f"{room:,} sequence(s) at this context.</span>")
    return (f"{name} in {fmt} on one {acc.name}, {int(batch):,} sequence(s) at "
            f"{int(context.m_as('token')):,} tokens: {readable(step.flops)} per step over "
            f"{readable(Q_(moved, 'B'))} read, <b>{readable(Q_(intensity, 'FLOP/B'))}</b> "
            f"against a ridge of {readable(critical_intensity(acc, fmt))}: "
            f"<b>{step.bound}-bound</b>.<br>Step {readable(step.time)}: "
            f"{readable(step.per_sequence)} per sequence, {readable(step.tokens_per_second)} "
            f"in all." + fits)


def roofline_explorer() -> Explorer:
    """The roofline of an accelerator (:func:`course_lib.inference.critical_intensity`) and
    where one decoding step sits on it (:func:`course_lib.inference.decode_step_time`):
    the point moves right as the batch grows, until it meets the flat roof."""
    return Explorer(
        {"name": choice("Model", MODELS, "Llama-3-8B"),
         "fmt": choice("Format", ["BF16", "FP8"], "BF16"),
         "acc_name": choice("Accelerator", ACCELERATORS, "H100 SXM"),
         "batch": slider("Batch", None, value=1, values=BATCHES),
         "context": slider("Context", "token", value=4096,
                           values=[128, 512, 1024, 4096, 16384, 32768])},
        _roofline_setup, _roofline_update, figsize=(6.4, 3.2),
        title="The roofline: where a decoding step sits")


def _per_user_target():
    """Three times conversational speech, in tokens per second (the C6 story's agents)."""
    rate = 3 * constant("conversational speech rate") * constant("tokens per word")
    return rate.to("token/s")


def _latency_setup(fig):
    ax = fig.add_subplot()
    curves = [ax.plot([1, 2], [1, 2], "o-", ms=3, label=label)[0] for label in ("A", "B")]
    budget = ax.axvline(_per_user_target().m, color="k", ls=":", lw=1,
                        label="3 x speech, per user")
    log_scale(ax)
    ax.set_xlim(1, 3e3)              # batch 1 of Llama-3-8B in FP8 on a B200: about 1,000
    ax.set_ylim(10, 1e6)
    ax.set_xlabel("tokens per second, per user")
    ax.set_ylabel("tokens per second, all users")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)      # static: redrawn when its labels change
    return curves, budget, ax


@functools.lru_cache(maxsize=64)
def _operating_points(name, fmt, acc_name):
    """:func:`_operating` at every stop of the context slider, computed when a choice
    changes (about 12 ms a stop): dragging the slider then only redraws, within a frame."""
    return {tokens: _operating(name, fmt, acc_name, tokens) for tokens in LATENCY_CONTEXTS}


def _operating(name, fmt, acc_name, tokens):
    """For one accelerator: the devices that hold the model, the largest batch memory
    holds, the largest within the per-user budget, and the steps of the batches drawn:
    powers of two up to what memory holds, and those two batches, so that the points reach
    the batch the readout names."""
    acc, context = accelerator(acc_name), Q_(tokens, "token")
    budget = (Q_(1, "token") / _per_user_target()).to("ms")
    devices = devices_needed(name, context, acc, Q_(1, "hour"), fmt, fmt) or 1
    fits = max_batch(name, context, acc, Q_(1, "hour"), fmt, fmt, devices)
    best = max_batch(name, context, acc, budget, fmt, fmt, devices) if fits else 0
    batches = sorted({2 ** k for k in range(int(np.log2(fits)) + 1)} | {fits, best} - {0}
                     if fits else set())
    step = decode_step_time(name, np.array(batches), context, acc, fmt, fmt, devices)
    if not best:
        return acc, devices, step, fits, best, None, None
    # the rate each user gets at that batch, not the budget: batch x rate = total
    per_user = step.per_sequence[batches.index(best)]
    tpj = tokens_per_joule(name, best, context, acc, fmt, fmt, devices)
    return acc, devices, step, fits, best, per_user, tpj


def _latency_update(artists, name, fmt, first, second, context):
    curves, _, ax = artists
    target = _per_user_target()
    budget = (Q_(1, "token") / target).to("ms")
    lines = []
    for curve, text, acc_name in zip(curves, ax.get_legend().get_texts(), (first, second)):
        acc, devices, step, fits, best, per_user, tpj = _operating_points(
            name, fmt, acc_name)[float(context.m_as("token"))]
        curve.set_data(step.per_sequence.m_as("token/s"), step.tokens_per_second.m_as("token/s"))
        # the legend names the accelerator, the readout the count: a count that changes with
        # the context would redraw the whole figure (about 100 ms) at every slider step
        text.set_text(acc.name)
        label = f"{devices} x {acc.name}"
        if fits < 1:
            lines.append(f"{label}: does not hold the model and one sequence.")
            continue
        if best < 1:
            lines.append(f"{label}: no batch meets the budget.")
            continue
        lines.append(f"{label}: up to <b>{best:,}</b> users "
                     f"({'memory holds no more' if best == fits else 'the budget allows no more'}) "
                     f"at {readable(per_user)} each = {readable(best * per_user)} in all, "
                     f"<b>{readable(tpj)}</b> at board power")
    return (f"{name} in {fmt}, {int(context.m_as('token')):,} tokens of context; budget: "
            f"{readable(target)} per user ({readable(budget)} per token):<br>" + "<br>".join(lines))


def latency_explorer() -> Explorer:
    """Per-user against total tokens per second as the batch grows, for two accelerators,
    each with the fewest devices that hold the model
    (:func:`course_lib.inference.decode_step_time`, :func:`~course_lib.inference.max_batch`),
    with the per-user rate of agents speaking three times faster than people."""
    return Explorer(
        {"name": choice("Model", MODELS, "Llama-3-70B"),
         "fmt": choice("Format", ["FP8", "BF16"], "FP8"),
         "first": choice("Accelerator A", ACCELERATORS, "H200 SXM"),
         "second": choice("Accelerator B", ACCELERATORS, "L20"),
         "context": slider("Context", "token", value=4096, values=LATENCY_CONTEXTS)},
        _latency_setup, _latency_update, figsize=(6.4, 3.4),
        title="Latency against throughput, two accelerators")


__all__ = ["roofline_explorer", "latency_explorer", "ACCELERATORS"]
