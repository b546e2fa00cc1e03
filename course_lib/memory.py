"""How many bytes a model needs: weights, KV cache, training state, activations.

Conventions: results are in decimal gigabytes (1 GB = 1e9 B); byte counts per parameter
come from the number format's ``effective_bits`` (block scales included) or from a named
training recipe in ``data/training_recipes.csv``. Every function accepts numpy arrays for
its counts, so a sweep over model sizes is one call.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, fields

import numpy as np
import pint

from .data import Accelerator, _aliases, _find, accelerator as _accelerator, read_table
from .formats import number_format
from .units import Q_, as_count, as_quantity, require_fraction, require_positive

__all__ = ["weights_memory", "kv_cache_memory", "activation_memory", "training_memory",
           "training_recipes", "devices_to_fit", "MemoryBreakdown", "TrainingRecipe"]


def _bytes_per(fmt) -> float:
    return number_format(fmt).effective_bits / 8


def _gb(count, bytes_each) -> pint.Quantity:
    """``count * bytes_each`` bytes as GB, in one pass over ``count`` (a number or an array):
    math on magnitudes inside, a quantity at the edge."""
    return Q_(count * (bytes_each * 1e-9), "GB")


def weights_memory(params, fmt="BF16") -> pint.Quantity:
    """Bytes to store ``params`` parameters in number format ``fmt``, in GB.

    Model: ``params * effective_bits / 8``, where ``effective_bits`` includes block scales
    (MXFP4: 4.25 bits, NVFP4: 4.5 bits). Weights only: no KV cache, activations, optimizer
    state or runtime overhead. Check: 70e9 parameters in FP16 are 140 GB (facts B).

    ``params`` is a count: a number, an array, or a quantity in ``param`` (``"70 Gparam"``).
    """
    n = as_count(params, "params", "param").m_as("param")
    return _gb(n, _bytes_per(fmt))


def kv_cache_memory(layers, kv_heads, head_dim, tokens, batch=1, fmt="BF16") -> pint.Quantity:
    """Bytes of the attention key-value cache, in GB.

    Model: ``2 * layers * kv_heads * head_dim * tokens * batch * bytes_per_element``:
    the factor 2 is for keys and values; ``kv_heads`` is the number of key-value heads
    (smaller than the attention heads under grouped-query attention, equal to them under
    multi-head attention). Assumes standard per-head K/V caching (not multi-head latent
    attention) and no cache quantization beyond ``fmt``.
    Checks: Llama-3-70B (80 layers, 8 KV heads, head dim 128) is 320 KiB per token in BF16;
    LLaMA-2-13B (40 layers, 40 heads, head dim 128) at 8192 tokens is 6.7 GB.
    """
    counts = [as_count(v, name).m_as("")
              for v, name in ((layers, "layers"), (kv_heads, "kv_heads"),
                              (head_dim, "head_dim"), (batch, "batch"))]
    n_tokens = as_count(tokens, "tokens", "token").m_as("token")
    per_token = 2 * np.prod(np.broadcast_arrays(*counts), axis=0)
    return _gb(n_tokens, per_token * _bytes_per(fmt))


def activation_memory(layers, hidden, heads, tokens, batch=1, recompute="none") -> pint.Quantity:
    """Activation memory of a transformer's training step, in GB (16-bit activations).

    Model (Korthikanti et al., "Reducing Activation Recomputation in Large Transformer
    Models", arXiv:2205.05198, eqs. 1-2 without parallelism), per layer, with sequence
    length ``s = tokens``, micro-batch ``b``, width ``h``, heads ``a``:

    * ``"none"``: ``s*b*h*(34 + 5*a*s/h)`` bytes (everything kept for the backward pass);
    * ``"selective"``: ``34*s*b*h`` bytes (attention scores recomputed);
    * ``"full"``: ``2*s*b*h`` bytes (only each layer's input kept).

    Excludes the embedding and output layers (a few percent) and any framework buffers.
    """
    per_layer_factor = {"none": None, "selective": 34.0, "full": 2.0}
    if recompute not in per_layer_factor:
        raise ValueError(f"recompute must be one of {list(per_layer_factor)}, got {recompute!r}")
    L, h, a, b = (as_count(v, n).m_as("") for v, n in
                  ((layers, "layers"), (hidden, "hidden"), (heads, "heads"), (batch, "batch")))
    s = as_count(tokens, "tokens", "token").m_as("token")
    factor = per_layer_factor[recompute]
    if factor is None:
        factor = 34 + 5 * a * s / h
    return _gb(s, L * b * h * factor)


@dataclass(frozen=True)
class TrainingRecipe:
    """Bytes per parameter that a training recipe keeps resident (per copy of the model)."""

    name: str
    weights: pint.Quantity
    gradients: pint.Quantity
    master_weights: pint.Quantity
    optimizer: pint.Quantity
    source: str
    status: str
    notes: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def bytes_per_param(self) -> pint.Quantity:
        return self.weights + self.gradients + self.master_weights + self.optimizer


@functools.lru_cache(maxsize=None)
def training_recipes() -> tuple[TrainingRecipe, ...]:
    """The named recipes of ``data/training_recipes.csv``."""
    return tuple(TrainingRecipe(
        name=r["name"], weights=r["weights"], gradients=r["gradients"],
        master_weights=r["master_weights"], optimizer=r["optimizer"], source=r["source"],
        status=r["status"], notes=r["notes"] or "", aliases=_aliases(r))
        for r in read_table("training_recipes"))


@dataclass(frozen=True)
class MemoryBreakdown:
    """Training memory by component (GB); ``total`` is their sum."""

    weights: pint.Quantity
    gradients: pint.Quantity
    master_weights: pint.Quantity
    optimizer: pint.Quantity
    activations: pint.Quantity

    @property
    def total(self) -> pint.Quantity:
        return sum((getattr(self, f.name) for f in fields(self)), Q_(0, "GB"))

    def as_dict(self) -> dict[str, pint.Quantity]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def training_memory(params, recipe="mixed-precision Adam", activations=None) -> MemoryBreakdown:
    """Resident training memory for ``params`` parameters under a named ``recipe``, in GB.

    Model: ``params * bytes_per_param`` for each component of the recipe (weights,
    gradients, fp32 master weights, optimizer moments), e.g. 16 B/param for
    ``"mixed-precision Adam"`` (ZeRO, arXiv:1910.02054). Unsharded: divide by the number of
    data-parallel ranks for ZeRO-3 / FSDP. ``activations`` (a memory, e.g. from
    :func:`activation_memory`) is added as its own component; ``None`` counts 0.
    """
    r = recipe if isinstance(recipe, TrainingRecipe) else _find(training_recipes(), recipe,
                                                                  "training recipe")
    n = as_count(params, "params", "param")
    act = Q_(0, "GB") if activations is None else require_positive(
        as_quantity(activations, "activations", "GB"), "activations", allow_zero=True).to("GB")
    per = {f: (n * getattr(r, f)).to("GB") for f in
           ("weights", "gradients", "master_weights", "optimizer")}
    return MemoryBreakdown(activations=act, **per)


def devices_to_fit(memory, accelerator, usable_fraction=0.9):
    """How many accelerators it takes just to hold ``memory`` (an integer, or an array).

    Model: ``ceil(memory / (device memory * usable_fraction))``. ``usable_fraction``
    (default 0.9, the default share of GPU memory that the vLLM inference server
    reserves for itself) leaves room for the runtime, fragmentation and buffers.
    Capacity only: it says nothing about speed, and assumes the memory can be split
    evenly (tensor/pipeline parallelism).
    """
    mem = require_positive(as_quantity(memory, "memory", "GB", 'memory="140 GB"'),
                           "memory", allow_zero=True)
    acc = accelerator if isinstance(accelerator, Accelerator) else _accelerator(accelerator)
    frac = require_fraction(usable_fraction, "usable_fraction")
    ratio = (mem / (acc.memory * frac)).m_as("")
    n = np.ceil(np.round(ratio, 9)).astype(int)  # round first: 2.0000000001 is 2 devices
    return int(n) if np.ndim(n) == 0 else n
