"""Chapter 01's explorer: what must fit in GPU memory, and how many GPUs that takes."""
from __future__ import annotations

from ..data import accelerator, model
from ..declare import accepts, choice as one_of, count
from ..memory import devices_to_fit, kv_cache_memory, training_memory, weights_memory
from ..units import Q_
from ..widgets import Explorer, choice, nice_limit, readable, slider
from .charts import set_stack, stacked_bar

COMPONENTS = ["weights", "KV cache", "gradients", "master weights", "optimizer"]
COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"]
USABLE = devices_to_fit.defaults["usable_fraction"]     # from the constants table
CONTEXTS = [2 ** k for k in range(10, 21)]          # 1k to 1M tokens


def _setup(fig):
    ax = fig.add_subplot()
    bars = stacked_bar(ax, COMPONENTS, COLORS)
    capacity = ax.axvline(1.0, color="k", ls="--", lw=1)
    ax.set_yticks([])
    ax.set_xlabel("memory [GB]")
    return ax, bars, capacity


MODES = ("serving", "training")


@accepts(context=count("token"), batch=count(whole=True, minimum=1), mode=one_of(*MODES))
def parts(name, fmt, kv_fmt, context, batch, mode) -> dict:
    """The memory components the explorer draws, by name (GB quantities): weights and KV
    cache when serving, the training state (mixed-precision Adam) when training."""
    m = model(name)
    if mode == "training":
        b = training_memory(m.params, "mixed-precision Adam", weights_format=fmt)
        return {"weights": b.weights, "gradients": b.gradients,
                "master weights": b.master_weights, "optimizer": b.optimizer}
    return {"weights": weights_memory(m.params, fmt),
            "KV cache": kv_cache_memory(m.layers, m.kv_heads, m.head_dim, context, batch,
                                        kv_fmt)}


def _update(artists, name, fmt, kv_fmt, context, batch, gpu, mode):
    ax, bars, capacity = artists
    acc = accelerator(gpu)
    shown = parts(name, fmt, kv_fmt, context, batch, mode)
    set_stack(bars, [shown.get(comp, Q_(0, "GB")).m_as("GB") for comp in COMPONENTS])
    total = sum(shown.values(), Q_(0, "GB"))
    n = devices_to_fit(total, acc)
    usable = (USABLE * acc.memory).to("GB")
    capacity.set_xdata([usable.m] * 2)
    # the limit holds the longest context at this batch: moving the context slider never
    # changes the axes, so an update redraws only the bars
    longest = sum(parts(name, fmt, kv_fmt, CONTEXTS[-1], batch, mode).values(), Q_(0, "GB"))
    ax.set_xlim(0, nice_limit(max(longest.m_as("GB"), acc.memory.m_as("GB"))))
    detail = ", ".join(f"{k} {readable(v)}" for k, v in shown.items())
    return (f"<b>{readable(total, 4)}</b> in total ({detail}).<br>"
            f"One {acc.name} holds {USABLE:.0%} of {readable(acc.memory)} = {readable(usable, 4)} "
            f"(dashed line): <b>{n} GPU{'s' if n > 1 else ''}</b> just to hold it.")


def _inactive(mode, **_):
    if mode != "training":
        return {}
    reason = ("Training: no KV cache (context, batch and cache format do not apply); "
              "activations are left out; the weights format sets the working copy.")
    return dict.fromkeys(["kv_fmt", "context", "batch"], reason)


def memory_explorer() -> Explorer:
    """What must fit in memory to serve (weights + KV cache) or train (mixed-precision
    Adam, working weights in the chosen format, no activations) a model, and how many
    accelerators that takes at 90 % usable memory (:func:`course_lib.devices_to_fit`)."""
    return Explorer(
        {"name": choice("Model", ["Llama-3-8B", "Llama-3-70B", "Llama-3.1-405B", "Llama-2-13B"],
                        "Llama-3-70B"),
         "fmt": choice("Weights format", ["BF16", "FP8", "MXFP4", "NVFP4"], "BF16"),
         "kv_fmt": choice("KV cache format", ["BF16", "FP8", "NVFP4"], "BF16"),
         "context": slider("Context", "token", value=8192, values=CONTEXTS),
         "batch": slider("Batch", None, value=1, values=[2 ** k for k in range(9)]),
         "gpu": choice("Accelerator", ["H100 SXM", "H200 SXM", "B200", "GB200", "B300",
                                       "MI300X", "L20"], "B200"),
         "mode": choice("Use", MODES)},
        _setup, _update, figsize=(6.4, 2.4), title="What must fit in GPU memory",
        inactive=_inactive)


__all__ = ["memory_explorer", "parts"]
