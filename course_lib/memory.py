"""How many bytes a model needs: weights, KV cache, training state, activations.

Conventions: results are in decimal gigabytes (1 GB = 1e9 B); accelerator capacities are
binary (an H100 holds 80 GiB = 85.9 GB), and the conversion happens in pint, never by
hand. Bytes per parameter come from the number format's ``effective_bits`` (block scales
included) or from a named training recipe in ``data/training_recipes.csv``. Every
function accepts numpy arrays for its counts, so a sweep over model sizes is one call.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pint

from .data import accelerator as _accelerator, lookup, records
from .formats import number_format
from .breakdown import Breakdown
from .declare import accepts, choice, count, fraction, quantity
from .units import Q_, describe_value

__all__ = ["weights_memory", "kv_cache_memory", "activation_memory", "training_memory",
           "training_recipes", "devices_to_fit", "MemoryBreakdown", "TrainingRecipe"]


def _bytes_per(fmt) -> float:
    return number_format(fmt).effective_bits / 8


def _gb(count_, bytes_each) -> pint.Quantity:
    """``count_ * bytes_each`` bytes as GB, in one pass over ``count_`` (a number or an
    array): math on magnitudes inside, a quantity at the edge."""
    return Q_(count_ * (bytes_each * 1e-9), "GB")


@accepts(params=count("param"))
def weights_memory(params, fmt="BF16") -> pint.Quantity:
    """Bytes to store ``params`` parameters in number format ``fmt``, in GB.

    Model: ``params * effective_bits / 8``, where ``effective_bits`` includes block scales
    (MXFP4: 4.25 bits, NVFP4: 4.5 bits). A lower bound for a real checkpoint: weights
    only (no KV cache, activations, optimizer state or runtime), and every tensor in
    ``fmt``, whereas real FP8/NVFP4 checkpoints keep embeddings, the output head and norms
    in BF16 (about 3 GB more for Llama-3-70B in NVFP4).
    Check: 70e9 parameters in FP16 are 140 GB (2 bytes each).

    Parameters
    ----------
    params : count of parameters (a number, an array, or a quantity such as ``"70 Gparam"``)
    fmt : number format name (``"BF16"``, ``"FP8"``, ``"NVFP4"``, ...)

    >>> weights_memory("70 Gparam", "FP16")
    <Quantity(140.0, 'gigabyte')>
    """
    return _gb(params, _bytes_per(fmt))


@accepts(layers=count(whole=True), kv_heads=count(whole=True), head_dim=count(whole=True),
         tokens=count("token"), batch=count(whole=True))
def kv_cache_memory(layers, kv_heads, head_dim, tokens, batch=1, fmt="BF16") -> pint.Quantity:
    """Bytes of the attention key-value cache, in GB.

    Model: ``2 * layers * kv_heads * head_dim * tokens * batch * bytes_per_element``:
    the factor 2 is for keys and values; ``kv_heads`` is the number of key-value heads
    (fewer than the query heads under grouped-query attention). Assumes per-head K/V
    caching (not multi-head latent attention) and the whole cache stored in ``fmt``.
    Checks: Llama-3-70B (80 layers, 8 KV heads, head dim 128) is 320 KiB per token in BF16;
    LLaMA-2-13B (40 layers, 40 heads, head dim 128) at 8192 tokens is 6.7 GB.

    Parameters
    ----------
    layers, kv_heads, head_dim, batch : counts (numbers or arrays)
    tokens : tokens per sequence (a number, an array, or ``"128000 token"``)
    fmt : number format of the cached keys and values

    >>> kv_cache_memory(80, 8, 128, 1).to("KiB")
    <Quantity(320.0, 'kibibyte')>
    """
    return _gb(tokens, 2 * layers * kv_heads * head_dim * batch * _bytes_per(fmt))


@accepts(layers=count(whole=True), hidden=count(whole=True, minimum=1),
         heads=count(whole=True), tokens=count("token"), batch=count(whole=True),
         recompute=choice("none", "selective", "full"))
def activation_memory(layers, hidden, heads, tokens, batch=1, recompute="none") -> pint.Quantity:
    """Activation memory of a transformer's training step, in GB (16-bit activations).

    Model (Korthikanti et al., "Reducing Activation Recomputation in Large Transformer
    Models", arXiv:2205.05198, eqs. 1-2 without parallelism), per layer, with sequence
    length ``s = tokens``, micro-batch ``b``, width ``h``, heads ``a``:

    * ``"none"``: ``s*b*h*(34 + 5*a*s/h)`` bytes (everything kept for the backward pass);
    * ``"selective"``: ``34*s*b*h`` bytes (attention scores recomputed);
    * ``"full"``: ``2*s*b*h`` bytes (only each layer's input kept).

    Excludes the embedding and output layers (a few percent) and framework buffers.

    Parameters
    ----------
    layers, hidden, heads, batch : counts
    tokens : sequence length
    recompute : ``"none"``, ``"selective"`` or ``"full"``

    >>> activation_memory(1, 12288, 96, 2048, recompute="full").to("MB")
    <Quantity(50.331648, 'megabyte')>
    """
    s, h = tokens, hidden
    factor = {"none": 34 + 5 * heads * s / h, "selective": 34.0, "full": 2.0}[recompute]
    return _gb(s, layers * batch * h * factor)


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
    return records("training_recipes", TrainingRecipe)


@dataclass(frozen=True)
class MemoryBreakdown(Breakdown):
    """Training memory by component (GB); ``total`` is their sum."""

    weights: pint.Quantity
    gradients: pint.Quantity
    master_weights: pint.Quantity
    optimizer: pint.Quantity
    activations: pint.Quantity

    PARTS = ("weights", "gradients", "master_weights", "optimizer", "activations")
    MADE_BY = "training_memory()"


@accepts(params=count("param"), activations=quantity("GB", optional=True))
def training_memory(params, recipe="mixed-precision Adam", activations=None,
                    weights_format=None) -> MemoryBreakdown:
    """Resident training memory for ``params`` parameters under a named ``recipe``, in GB.

    Model: ``params * bytes_per_param`` for each component of the recipe (working weights,
    gradients, fp32 master weights, optimizer moments), e.g. 16 B/param for
    ``"mixed-precision Adam"`` (ZeRO, arXiv:1910.02054, section 3.1). ``weights_format``
    (e.g. ``"NVFP4"``) stores the working copy of the weights in that format instead of
    the recipe's 16 bits; everything else is unchanged. Unsharded: divide by the number of
    data-parallel ranks for ZeRO-3 / FSDP. ``activations`` (a memory, e.g. from
    :func:`activation_memory`) is added as its own component; ``None`` counts 0.

    Parameters
    ----------
    params : count of parameters
    recipe : recipe name (see :func:`training_recipes`) or a TrainingRecipe
    activations : memory, optional
    weights_format : number format of the working weights, optional

    >>> training_memory("70 Gparam").total
    <Quantity(1120.0, 'gigabyte')>
    """
    r = recipe if isinstance(recipe, TrainingRecipe) else lookup(training_recipes(), recipe,
                                                                 "training recipe")
    n = params
    per = {f: _gb(n, getattr(r, f).m_as("B/param")) for f in
           ("gradients", "master_weights", "optimizer")}
    per["weights"] = (_gb(n, r.weights.m_as("B/param")) if weights_format is None
                      else _gb(n, _bytes_per(weights_format)))
    act = Q_(0, "GB") if activations is None else activations.to("GB")
    return MemoryBreakdown(activations=act, **per)


@accepts(memory=quantity("GB", example='memory="140 GB"'),
         usable_fraction=fraction(default="usable memory fraction"))
def devices_to_fit(memory, accelerator, usable_fraction=None):
    """How many accelerators it takes just to hold ``memory`` (an integer, or an array).

    Model: ``ceil(memory / (device memory * usable_fraction))``, with the device memory
    binary as the hardware has it (80 GiB for an H100). ``usable_fraction`` (by default
    the share of GPU memory that the vLLM inference server takes) leaves room for the
    runtime, fragmentation and buffers. Capacity only: it says nothing about
    speed, and assumes the memory can be split evenly (tensor/pipeline parallelism).

    Parameters
    ----------
    memory : memory to hold (a quantity of information, or an array)
    accelerator : accelerator name or record
    usable_fraction : share of each device's memory available, in (0, 1]

    >>> devices_to_fit(weights_memory("405 Gparam", "BF16"), "H100")
    11
    """
    acc = _accelerator(accelerator)                  # a record passes through
    ratio = (memory / (acc.memory * usable_fraction)).m_as("")
    if np.any(ratio > 1e15):           # beyond any machine, and beyond an exact integer
        raise ValueError(f"devices_to_fit(): {describe_value(memory)} needs more than 10^15 "
                         f"devices of {acc.name}; check the memory's prefix.")
    n = np.ceil(np.round(ratio, 9)).astype(int)  # round first: 2.0000000001 is 2 devices
    return int(n) if np.ndim(n) == 0 else n
