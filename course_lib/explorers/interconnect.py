"""Chapter 02's explorers: the cost of a collective, and a training step."""
from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ..data import interconnect, interconnects, model, system, systems
from ..network import (ALGORITHMS, MODELLED, OPERATIONS, algorithm_bandwidth, bus_bandwidth,
                       collective_time, crossover_size, training_step,
                       ring_all_reduce_states)
from ..units import Q_
from ..widgets import Explorer, choice, readable, slider
from .charts import curve_and_marker, set_stack, stacked_bar

_SIZES = np.logspace(0, 10.5, 90)                 # bytes: 1 B to about 30 GB
LINKS = [i.name for i in interconnects() if i.latency is not None]
CLUSTER_SIZES = [72 * 2 ** k for k in range(11)]  # whole NVL72 racks and whole 8-GPU nodes


def _supported(op, algorithm) -> str:
    """The algorithm used: the chosen one where the kit models it for ``op``, else ring."""
    return algorithm if op in MODELLED[algorithm] else "ring"


def _collective_setup(fig):
    ax, curve, marker = curve_and_marker(fig, _SIZES, "buffer size S [B]", "time [s]")
    latency_bound = Rectangle((_SIZES[0], 0), 1, 1, transform=ax.get_xaxis_transform(),
                              color="tab:orange", alpha=0.15, label="latency-bound")
    ax.add_patch(latency_bound)
    ax.legend(loc="upper left", fontsize=8)
    return ax, curve, marker, latency_bound


def _collective_update(artists, op, link, algorithm, devices, size):
    ax, curve, marker, latency_bound = artists
    li = interconnect(link)
    used = _supported(op, algorithm)
    n = int(devices)
    times = collective_time(op, Q_(_SIZES, "B"), n, li.bandwidth, li.latency, used).m_as("s")
    t = collective_time(op, size, n, li.bandwidth, li.latency, used)
    cross = crossover_size(li.bandwidth, li.latency, op, n, used)
    curve.set_ydata(times)
    marker.set_data([size.m_as("B")], [t.m_as("s")])
    latency_bound.set_width(max(cross.m_as("B") - _SIZES[0], 0))
    ax.set_ylim(10.0 ** np.floor(np.log10(times.min())), 10.0 ** np.ceil(np.log10(times.max())))
    regime = "latency-bound" if size < cross else "bandwidth-bound"
    return (f"{op} ({used}) of <b>{readable(size)}</b> among {n} over {li.name} "
            f"({readable(li.bandwidth)} per direction, {readable(li.latency, 2)} per step): "
            f"<b>{readable(t)}</b>.<br>"
            f"algbw {readable(algorithm_bandwidth(size, t))}, busbw "
            f"{readable(bus_bandwidth(op, size, t, n))}; {regime} (crossover at "
            f"{readable(cross)}, shaded below it).")


def _collective_inactive(op, algorithm, **_):
    if _supported(op, algorithm) == algorithm:
        return {}
    return {"algorithm": f"The kit models {algorithm} for "
                         f"{' and '.join(MODELLED[algorithm])} only: ring shown."}


def collective_explorer() -> Explorer:
    """Time of a collective vs buffer size (log-log) for a chosen operation, link, number
    of devices and algorithm (:func:`course_lib.network.collective_time`, with the
    link's per-direction bandwidth and NCCL's per-hop latency); the latency-bound sizes
    are shaded."""
    return Explorer(
        {"op": choice("Collective", OPERATIONS, "all-reduce"),
         "link": choice("Link", LINKS, "NVLink 4 (H100)"),
         "algorithm": choice("Algorithm", ALGORITHMS, "ring"),
         "devices": slider("Devices", None, value=8, values=[2 ** k for k in range(1, 15)]),
         "size": slider("Buffer size", "MB", 0.001, 10000, 100, log=True)},
        _collective_setup, _collective_update, title="How long does a collective take?",
        inactive=_collective_inactive)


_BOUNDS = {"summed": False, "pipelined": True}   # row label -> hierarchical_all_reduce_time's switch


def _step_setup(fig):
    ax = fig.add_subplot()
    bars = stacked_bar(ax, ["forward", "backward", "all-reduce, hidden", "all-reduce, exposed"] * 2,
                       ["tab:blue", "tab:cyan", "tab:green", "tab:red"] * 2,
                       rows=[2, 2, 1, 1, 2, 2, 0, 0], legend_cols=4)
    for bar in bars[4:6]:          # the second compute row is the same as the first: hidden
        bar.set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[:4], labels[:4], loc="upper center", bbox_to_anchor=(0.5, -0.35),
              ncol=4, fontsize=8, frameon=False)
    ax.set_yticks([2, 1, 0], ["compute", "gradients,\nsummed", "gradients,\npipelined"])
    ax.set_xlim(0, 100)       # fixed: the summed step is 100 %, the readout gives seconds
    ax.set_xlabel("share of one training step (summed bound) [%]")
    return bars


def _stages_shown(gpus, system_name, tensor_parallel, stages) -> int:
    """The most pipeline stages, up to ``stages``, that the cluster splits into (the model
    refuses the others)."""
    while stages > 1:
        try:
            training_step("1 Gparam", "1 Mtoken", gpus, system_name,
                          tensor_parallel=tensor_parallel, pipeline_parallel=stages)
            break
        except ValueError:
            stages //= 2
    return stages


def _step_update(bars, name, system_name, gpus, tokens, tensor_parallel, stages, fmt, overlap):
    sys_ = system(system_name)
    asked, stages = stages, _stages_shown(gpus, system_name, tensor_parallel, stages)
    note = ("" if stages == asked else f'<br><span style="color:#666">{int(gpus):,} GPUs do '
            f"not split into {asked} stages of whole {sys_.name} domains: {stages} shown.</span>")
    steps = {label: training_step(model(name).params, tokens, gpus, sys_,
                                  tensor_parallel=tensor_parallel, pipeline_parallel=stages,
                                  fmt=fmt, overlap=overlap == "yes", pipelined=pipelined)
             for label, pipelined in _BOUNDS.items()}
    s, low = steps["summed"], steps["pipelined"]
    scale = 100 / s.step.m_as("s")
    c, back = s.compute.m_as("s") * scale, s.backward.m_as("s") * scale
    start = c - back if overlap == "yes" else c   # reduction starts with the backward pass
    widths, lefts = [c - back, back], [0, c - back]
    for bound in (s, low):
        comm, exp = bound.communication.m_as("s") * scale, bound.exposed.m_as("s") * scale
        widths += [comm - exp, exp]
        lefts += [start, start + comm - exp]
    set_stack(bars[:4] + bars[6:], widths, lefts=lefts)
    t, p, d = s.layout
    fits = ("fits" if s.fits else "<b>does not fit</b>: split the model over more GPUs")
    return (f"{int(gpus):,} GPUs of {sys_.name} ({sys_.gpus} per NVLink domain) = tensor {t} "
            f"x pipeline {p} x data {d:,}; {(tokens / d).m_as('token'):,.0f} tokens per model "
            f"copy per step. Training state {readable(s.memory)} per GPU: {fits}.<br>"
            f"Compute {readable(s.compute)}; all-reduce of {readable(s.gradients)} per GPU "
            f"{readable(low.communication)} (pipelined) to {readable(s.communication)} (summed). "
            f"Waiting on the network: <b>{low.communication_share:.1%}</b> to "
            f"<b>{s.communication_share:.1%}</b> of the step." + note)


def step_explorer() -> Explorer:
    """One training step: compute (6 N D at the default MFU) and the gradient all-reduce of
    each GPU's part of the model across the system's NVLink domains and the network
    (:func:`course_lib.network.training_step`), under both bounds of the hierarchical
    all-reduce, hidden behind the backward pass or not."""
    return Explorer(
        {"name": choice("Model", ["Llama-3-8B", "Llama-3-70B", "Llama-3.1-405B"],
                        "Llama-3-70B"),
         "system_name": choice("System", [s.name for s in systems()
                                          if s.accelerator != "MI300X"], "DGX H100"),
         "gpus": slider("GPUs", None, value=CLUSTER_SIZES[8], values=CLUSTER_SIZES),
         "tokens": slider("Batch per step", "Mtoken", value=16,
                          values=[2 ** k for k in range(7)]),
         "tensor_parallel": choice("Tensor parallel", [1, 2, 4, 8], 8),
         "stages": choice("Pipeline stages", [1, 2, 4, 8, 16], 1),
         "fmt": choice("Compute format", ["BF16", "FP8"], "BF16"),
         "overlap": choice("Overlap with backward", ["yes", "no"], "yes")},
        _step_setup, _step_update, figsize=(6.4, 2.8),
        title="A training step: compute vs gradient all-reduce, both bounds")


RING_STEPS = list(range(15))       # 8 GPUs: 2 (8 - 1) = 14 steps; fewer GPUs, fewer stops


def _ring_setup(fig):
    ax = fig.add_subplot()
    image = ax.imshow(np.ones((8, 8)), cmap="viridis", vmin=0, vmax=1, origin="upper")
    sending, = ax.plot([], [], "v", color="white", markeredgecolor="k", markersize=9,
                       label="sent to the next GPU (the last one sends to GPU 0)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), fontsize=8, frameon=False)
    ax.set_xlabel("chunk of the buffer")
    ax.set_ylabel("GPU")
    fig.colorbar(image, ax=ax, label="share of the GPUs summed in", shrink=0.8)
    return ax, image, sending


def _ring_update(artists, devices, step):
    ax, image, sending = artists
    n = int(devices)
    states = ring_all_reduce_states(n)
    last = len(states) - 1
    k = min(int(step), last)
    image.set_data(states[k] / n)
    image.set_extent((-0.5, n - 0.5, n - 0.5, -0.5))
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    # the chunk each GPU sends during the next step (GPU i -> GPU i + 1)
    if k < last:
        shift = k if k < n - 1 else k - (n - 1) - 1
        sending.set_data([(i - shift) % n for i in range(n)], range(n))
    else:
        sending.set_data([], [])
    phase = ("start: each GPU holds only its own gradients" if k == 0 else
             f"reduce-scatter, step {k} of {n - 1}: each GPU adds the chunk it receives"
             if k <= n - 1 else
             f"all-gather, step {k - (n - 1)} of {n - 1}: complete chunks are copied round")
    done = " <b>Done</b>: every GPU holds the full sum." if k == last else ""
    sent = k / n
    return (f"{n} GPUs, step {k} of {last}: {phase}.{done}<br>"
            f"Each step every GPU sends one chunk (S/{n}); so far {k} chunks = "
            f"{readable(sent)} S per GPU (in all: 2({n}-1)/{n} S = {readable(2 * (n - 1) / n)} S).")


def ring_explorer() -> Explorer:
    """Step through a ring all-reduce (:func:`course_lib.network.ring_all_reduce_states`):
    which GPU holds what share of each chunk's sum, and what is sent next (arrows)."""
    return Explorer(
        {"devices": slider("GPUs", None, value=8, values=range(2, 9)),
         "step": slider("Step", None, value=0, values=RING_STEPS)},
        _ring_setup, _ring_update, figsize=(6.4, 3.4), title="A ring all-reduce, step by step",
        stops=lambda devices, **_: {"step": range(2 * (int(devices) - 1) + 1)})


__all__ = ["collective_explorer", "step_explorer", "ring_explorer", "LINKS", "CLUSTER_SIZES"]
