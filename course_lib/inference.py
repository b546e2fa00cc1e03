"""Serving a model: the roofline, one decoding step, latency budgets and tokens per joule.

Conventions
-----------
* Every time here is a **lower bound**, the roofline's: arithmetic at the dense peak of the
  number format, memory traffic at the datasheet bandwidth, the two perfectly overlapped
  (``max``, not the sum). Real servers reach a fraction of it; compare before concluding.
* One decoding step produces one token for each of ``batch`` sequences. It reads every
  weight once and each sequence's KV cache once, and does ``2 x active params + 2 x layers
  x context x (heads x head_dim)`` FLOPs per token (Kaplan et al., arXiv:2001.08361,
  Table 1: the forward pass, attention over ``context`` cached tokens included). Counting
  the scores (QK) and the weighted sum of values (AV) each as a multiply-add doubles the
  attention term: the times here stay lower bounds, a little looser at long context.
* Mixture-of-experts models: FLOPs from the active parameters; weights read are the
  active parameters only, exact at batch 1 and a lower bound for larger batches, which
  route tokens to more experts.
* Tensor parallelism over ``devices`` splits weights, KV cache and FLOPs evenly; it adds
  two all-reduces per layer (after attention and after the MLP, Megatron-LM) of ``batch x
  hidden`` 16-bit activations, priced two ways with chapter 02's ``collective_time`` over
  the accelerator's scale-up link:

  - the **bound** prices each at the least any published all-reduce costs: the volume of
    an in-network reduction (S per device, the least any algorithm sends) plus the
    fastest published small all-reduce (``data/constants.csv``, "fastest published
    all-reduce": 3.7 us, a one-shot kernel on H100s), and lets it overlap the step
    (``max(math, memory, communication)``): a server that splits its batch can hide one
    half's all-reduces behind the other half's reading;
  - the **estimate** prices each at NCCL's Simple-protocol ring (2(n-1) hops of the
    table's per-hop latency, 3.4 us on NVLink), in series with the layer, as a plain
    implementation runs it. Measured servers sit between the two (gpt-fast runs
    Llama-2-70B on 8 x A100 faster than the estimate: libraries use one-shot kernels or
    NCCL's low-latency protocols for small messages).
* Energy is power x time: the accelerators' board power (or, with ``facility=True``,
  chapter 04's IT power and PUE) for the bound's time, shared by the step's tokens. Board
  power is what a GPU may draw; a memory-bound GPU draws less, but for longer than the bound.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pint

from .compute import peak_rate
from .data import (Accelerator, Model, accelerator as _accelerator, constant, interconnect,
                   model as _model)
from .declare import accepts, count, flag, fraction, one_or_many, quantity
from .memory import devices_to_fit, kv_cache_memory, weights_memory
from .network import collective_time
from .power import facility_power, it_power
from .units import Q_

__all__ = ["critical_intensity", "RooflineTime", "roofline_time", "DecodeStep",
           "decode_step_time", "Throughput", "decode_throughput", "prefill_time",
           "energy_per_token", "tokens_per_joule", "max_batch", "devices_needed", "ServingBound",
           "serving_bound"]

ACTIVATION_BYTES = 2          # 16-bit activations in the tensor-parallel all-reduces
MOST_DEVICES = 72             # tensor parallelism stays inside a scale-up domain (NVL72)


def _d_attn(mdl: Model) -> float:
    """Width of attention (heads x head dimension): the per-token attention FLOPs are
    2 x layers x context x this (Kaplan et al.)."""
    return mdl.attention_heads * (mdl.head_dim or mdl.hidden / mdl.attention_heads)


@accepts(returns="FLOP/B")
def critical_intensity(accelerator, fmt="BF16") -> pint.Quantity:
    """The roofline's ridge point: dense peak in ``fmt`` / memory bandwidth, in FLOP per
    byte. A kernel doing fewer FLOPs per byte it moves is memory-bound on this accelerator.

    >>> critical_intensity("H100").round(0)
    <Quantity(295.0, 'FLOP / byte')>
    """
    acc = _accelerator(accelerator)
    return peak_rate(acc, fmt) / acc.memory_bandwidth


def _bound(math, memory, communication=None):
    m, b = np.asarray(math.m_as("s")), np.asarray(memory.m_as("s"))
    which = np.where(m >= b, "compute", "memory")
    if communication is not None:
        which = np.where(np.asarray(communication.m_as("s")) > np.maximum(m, b),
                         "communication", which)
    return str(which) if np.ndim(which) == 0 else which


@dataclass(frozen=True)
class RooflineTime:
    """``math`` (FLOPs at the peak) and ``memory`` (bytes at the bandwidth) times;
    ``time`` is the larger, and ``bound`` says which one it is."""

    math: pint.Quantity
    memory: pint.Quantity

    @property
    def time(self) -> pint.Quantity:
        return np.maximum(self.math, self.memory)

    @property
    def bound(self):
        """``"compute"`` or ``"memory"`` (an array of them for arrays)."""
        return _bound(self.math, self.memory)


@accepts(flops=quantity("FLOP"), bytes=quantity("B"))
def roofline_time(flops, bytes, accelerator, fmt="BF16") -> RooflineTime:
    """Lower bound on the time of ``flops`` of arithmetic moving ``bytes`` through memory on
    one ``accelerator``: ``max(flops / peak, bytes / bandwidth)`` (Williams, Waterman and
    Patterson, Roofline, CACM 52(4), 2009). Vectorised.

    >>> roofline_time("1e12 FLOP", "1 GB", "H100").time.to("ms").round(2)
    <Quantity(1.01, 'millisecond')>
    """
    acc = _accelerator(accelerator)
    return RooflineTime((flops / peak_rate(acc, fmt)).to("ms"),
                        (bytes / acc.memory_bandwidth).to("ms"))


@dataclass(frozen=True)
class DecodeStep:
    """One decoding step of ``batch`` sequences at ``context`` tokens, per device:
    ``flops``, ``weights`` and ``kv_cache`` bytes read, and the times ``math``,
    ``memory`` and ``communication`` (the tensor-parallel all-reduces at their floor, 0 on
    one device). ``time`` = max(math, memory, communication), the bound;
    ``tokens_per_second`` for the batch and ``per_sequence`` for each sequence, at the
    bound. ``bound`` names the term that sets ``time``.

    ``ring_communication`` is the same all-reduces at NCCL's Simple-protocol ring, and
    ``estimate`` = max(math, memory) + ring_communication the step of a plain
    implementation (an estimate, not a bound: faster libraries beat it).

    ``fits`` says whether weights and KV cache fit in each device's usable memory
    (chapter 01's rule): a bound for a batch that does not fit describes no real server."""

    batch: object
    context: object
    devices: int
    flops: pint.Quantity
    weights: pint.Quantity
    kv_cache: pint.Quantity
    math: pint.Quantity
    memory: pint.Quantity
    communication: pint.Quantity
    fits: object = True
    ring_communication: pint.Quantity = Q_(0, "ms")

    @property
    def time(self) -> pint.Quantity:
        return np.maximum(np.maximum(self.math, self.memory), self.communication).to("ms")

    @property
    def bound(self):
        """``"compute"``, ``"memory"`` or ``"communication"``: which term sets ``time``."""
        return _bound(self.math, self.memory, self.communication)

    @property
    def estimate(self) -> pint.Quantity:
        """The step with the all-reduces at NCCL's Simple ring, in series (an estimate)."""
        return (np.maximum(self.math, self.memory) + self.ring_communication).to("ms")

    @property
    def tokens_per_second(self) -> pint.Quantity:
        return (Q_(self.batch, "token") / self.time).to("token/s")

    @property
    def per_sequence(self) -> pint.Quantity:
        return (Q_(1, "token") / self.time).to("token/s")


def _link_latency(acc: Accelerator) -> pint.Quantity:
    """Per-step latency of the accelerator's scale-up link (chapter 02's table), or 0."""
    name = " ".join(acc.scale_up_link.replace(":", " ").split()[:2])
    try:
        latency = interconnect(name).latency
    except KeyError:
        return Q_(0, "s")
    return latency if latency is not None else Q_(0, "s")


def _tp_communication(mdl: Model, acc: Accelerator, tokens, devices: int, include: bool,
                      estimate: bool = False):
    """Two all-reduces per layer of ``tokens x hidden`` activations among ``devices``: at
    their floor (in-network volume, fastest published latency), or with ``estimate`` at
    NCCL's Simple ring (the table's per-hop latency)."""
    if devices == 1 or not include:
        return Q_(np.zeros_like(np.asarray(tokens, dtype=float)), "s")
    bandwidth = acc.scale_up_per_peer or acc.scale_up_bandwidth
    if bandwidth is None:
        raise ValueError(f"{acc.name} has no scale-up bandwidth in the table: the kit cannot "
                         f"price tensor parallelism on it; use devices=1.")
    size = Q_(np.asarray(tokens, dtype=float) * mdl.hidden * ACTIVATION_BYTES, "B")
    if estimate:
        one = collective_time("all-reduce", size, devices, bandwidth, _link_latency(acc))
    else:
        one = (constant("fastest published all-reduce")
               + collective_time("all-reduce", size, devices, bandwidth, "0 s",
                                 algorithm="in-network"))
    return 2 * mdl.layers * one


def _kv(mdl: Model, context, batch, kv_fmt) -> pint.Quantity:
    if mdl.kv_heads is None or mdl.head_dim is None:
        raise ValueError(f"{mdl.name} does not cache per-head keys and values in the kit's "
                         f"table (multi-head latent attention): its KV cache is not modelled.")
    return kv_cache_memory(mdl.layers, mdl.kv_heads, mdl.head_dim, context, batch, kv_fmt)


# devices: one tensor-parallel layout per call (its all-reduces are priced for that count)
_DEVICES = count(whole=True, minimum=1, scalar=True)
_STEP = dict(batch=count(whole=True, minimum=1), context=count("token"), devices=_DEVICES,
             communication=flag())


@accepts(**_STEP)
def decode_step_time(model, batch, context, accelerator, weights_fmt="BF16", kv_fmt="BF16",
                     devices=1, communication=True) -> DecodeStep:
    """Lower bound on one decoding step (see the module's conventions).

    Per device: weights of the active parameters in ``weights_fmt`` / ``devices``, the KV
    cache of ``batch`` sequences at ``context`` tokens in ``kv_fmt`` / ``devices``, and the
    step's FLOPs / ``devices`` at the dense peak of ``weights_fmt`` (FP8 weights compute in
    FP8). With ``devices`` > 1 the tensor-parallel all-reduces enter the bound at their
    floor, overlapped (``max``); ``estimate`` adds them at NCCL's Simple ring, in series
    (see the module's conventions). ``communication=False`` leaves them out of both, for
    comparison. Vectorised over ``batch`` and ``context``.

    Llama-3-70B in BF16 on 8 x H100 at batch 1: the weights take 141 GB / 8 / 3.35 TB/s =
    5.3 ms, the 160 all-reduces at least 160 x 3.7 us = 0.6 ms (the bound, memory-bound),
    and 160 x 14 x 3.4 us = 7.6 ms at the Simple ring (the estimate, 12.9 ms).

    At batch 1 and a short context the time is the weights' bytes / bandwidth: Llama-3-70B
    in FP8 on one H200, 70.6 GB / 4.8 TB/s = 14.7 ms.

    >>> step = decode_step_time("Llama-3-70B", 1, 1, "H200", "FP8", "FP8")
    >>> step.time.round(1), step.fits
    (<Quantity(14.7, 'millisecond')>, True)
    """
    mdl, acc = _model(model), _accelerator(accelerator)
    b, c = np.asarray(batch, dtype=float), np.asarray(context, dtype=float)
    per_token = 2 * mdl.active_params.m_as("param") + 2 * mdl.layers * c * _d_attn(mdl)
    flops = Q_(per_token * b / devices, "FLOP")
    weights = (weights_memory(mdl.active_params, weights_fmt) / devices).to("GB")
    kv = (_kv(mdl, c, b, kv_fmt) / devices).to("GB")
    roof = roofline_time(flops, weights + kv, acc, weights_fmt)
    comm = _tp_communication(mdl, acc, b, devices, communication).to("ms")
    ring = _tp_communication(mdl, acc, b, devices, communication, estimate=True).to("ms")
    fits = devices_to_fit(weights + kv, acc) == 1        # chapter 01's rule, per device
    return DecodeStep(batch, context, devices, flops, weights, kv, roof.math, roof.memory, comm,
                      one_or_many(fits, bool), ring)


@dataclass(frozen=True)
class Throughput:
    """Decoding speed: ``total`` tokens per second of the batch, ``per_sequence`` of each."""

    total: pint.Quantity
    per_sequence: pint.Quantity


@accepts(**_STEP)
def decode_throughput(model, batch, context, accelerator, weights_fmt="BF16", kv_fmt="BF16",
                      devices=1, communication=True) -> Throughput:
    """Upper bound on decoding speed, from :func:`decode_step_time` (same arguments): the
    batch's tokens per second, and each sequence's.

    >>> decode_throughput("Llama-3-70B", 1, 1, "H200", "FP8", "FP8").per_sequence.round(0)
    <Quantity(68.0, 'token / second')>
    """
    step = decode_step_time(model, batch, context, accelerator, weights_fmt, kv_fmt, devices,
                            communication)
    return Throughput(step.tokens_per_second, step.per_sequence)


@accepts(returns="ms", prompt_tokens=count("token"), devices=_DEVICES, communication=flag())
def prefill_time(model, prompt_tokens, accelerator, fmt="BF16", devices=1,
                 communication=True) -> pint.Quantity:
    """Lower bound on processing a prompt of ``prompt_tokens`` (time to the first token).

    Model: ``2 x active params x T + layers x T^2 x (heads x head_dim)`` FLOPs (causal
    attention: token t attends to t earlier ones, Kaplan et al.'s per-token term summed),
    against reading the weights once, on the roofline; plus the tensor-parallel
    all-reduces of ``T x hidden`` activations at their floor, overlapped (as in
    :func:`decode_step_time`). At any real prompt length it is compute-bound: the weights
    are read once for all T tokens.

    >>> prefill_time("Llama-3-70B", 1000, "H200", "FP8").round(0)
    <Quantity(72.0, 'millisecond')>
    """
    mdl, acc = _model(model), _accelerator(accelerator)
    t = np.asarray(prompt_tokens, dtype=float)
    flops = Q_((2 * mdl.active_params.m_as("param") * t + mdl.layers * t ** 2 * _d_attn(mdl))
               / devices, "FLOP")
    roof = roofline_time(flops, weights_memory(mdl.active_params, fmt) / devices, acc, fmt)
    return np.maximum(roof.time, _tp_communication(mdl, acc, t, devices, communication))


@accepts(returns="J/token", **_STEP, facility=flag())
def energy_per_token(model, batch, context, accelerator, weights_fmt="BF16", kv_fmt="BF16",
                     devices=1, communication=True, facility=False) -> pint.Quantity:
    """Energy per generated token at the bound's speed, in joules.

    Model: ``power x step time / batch``, with power the ``devices``' board power, or with
    ``facility=True`` their IT power (chapter 04's server overhead) times the PUE.

    >>> energy_per_token("Llama-3-70B", 1, 1, "H200", "FP8", "FP8").round(1)
    <Quantity(10.3, 'joule / token')>
    """
    acc = _accelerator(accelerator)
    step = decode_step_time(model, batch, context, acc, weights_fmt, kv_fmt, devices,
                            communication)
    power = (facility_power(it_power(acc, devices)) if facility else acc.power * devices)
    return power * step.time / Q_(np.asarray(batch, dtype=float), "token")


@accepts(returns="token/J", **_STEP, facility=flag())
def tokens_per_joule(model, batch, context, accelerator, weights_fmt="BF16", kv_fmt="BF16",
                     devices=1, communication=True, facility=False) -> pint.Quantity:
    """Tokens per joule: 1 / :func:`energy_per_token` (same arguments and model).

    >>> tokens_per_joule("Llama-3-70B", 64, 1000, "H200", "FP8", "FP8").round(2)
    <Quantity(5.41, 'token / joule')>
    """
    return 1 / energy_per_token(model, batch, context, accelerator, weights_fmt, kv_fmt,
                                devices, communication, facility)


_ONE_ROUND = 2 ** 16             # batches max_batch checks in one vectorised step

# max_batch and devices_needed search for one answer: their arguments are single values
@accepts(context=count("token", scalar=True),
         latency_budget=quantity("ms", positive=True, scalar=True), devices=_DEVICES,
         communication=flag(), usable_fraction=fraction(default="usable memory fraction",
                                                        scalar=True))
def max_batch(model, context, accelerator, latency_budget, weights_fmt="BF16", kv_fmt="BF16",
              devices=1, communication=True, usable_fraction=None) -> int:
    """The largest batch that fits in memory and meets a per-token ``latency_budget``.

    Model: weights plus the KV cache of ``batch`` sequences at ``context`` tokens must fit in
    ``devices x memory x usable_fraction`` (memory binary, as chapter 01 reads it), and
    :func:`decode_step_time` must not exceed ``latency_budget`` (the time between two
    tokens of one sequence). 0 when even one sequence fails either test.

    >>> max_batch("Llama-3-70B", 4096, "H200", "50 ms", weights_fmt="FP8", kv_fmt="FP8")
    97
    """
    mdl, acc = _model(model), _accelerator(accelerator)
    room = devices * acc.memory * usable_fraction - weights_memory(mdl.active_params, weights_fmt)
    per_sequence = _kv(mdl, context, 1, kv_fmt)
    if room.m <= 0:
        fits = 0
    elif per_sequence.m > 0:
        fits = int(min(np.floor((room / per_sequence).m_as("")), 10 ** 9))
    else:                                 # no context, no cache: memory sets no limit
        fits = 10 ** 9

    def meets(batches: np.ndarray) -> np.ndarray:
        step = decode_step_time(mdl, batches, context, acc, weights_fmt, kv_fmt, devices,
                                communication)
        return np.atleast_1d(step.time.m_as("ms") <= latency_budget.m_as("ms"))

    if fits < 1:
        return 0
    # The step time grows with the batch. Up to 65,536 batches: every one in one vectorised
    # step (a millisecond of numpy, less than the unit checks of one call). Beyond (no
    # context, no cache): the bracket [low, high] shrinks 65,535-fold a round, two rounds.
    low, high = 1, fits
    while True:
        candidates = np.unique(np.linspace(low, high, min(high - low + 1, _ONE_ROUND)).round()
                               ).astype(np.int64)
        ok = meets(candidates)
        if not ok[0]:                                           # only when low == 1
            return 0
        last = int(np.flatnonzero(ok)[-1])
        if last == len(candidates) - 1 or candidates[last + 1] == candidates[last] + 1:
            return int(candidates[last])
        low, high = int(candidates[last]), int(candidates[last + 1]) - 1


@accepts(context=count("token", scalar=True),
         latency_budget=quantity("ms", positive=True, scalar=True),
         most=count(whole=True, minimum=1, scalar=True), communication=flag())
def devices_needed(model, context, accelerator, latency_budget, weights_fmt="BF16",
                   kv_fmt="BF16", most=8, communication=True) -> int:
    """The fewest devices (tensor parallel, at most ``most``) that hold the model and at
    least one sequence within ``latency_budget`` per token (:func:`max_batch`); 0 if
    ``most`` do not.

    >>> devices_needed("Llama-3-70B", 4096, "L20", "100 ms", "FP8", "FP8")
    2
    """
    if most > MOST_DEVICES:
        raise ValueError(f"devices_needed(): most must be at most {MOST_DEVICES} (the largest "
                         f"scale-up domain in the kit's tables); got {most:g}.")
    for devices in range(1, int(most) + 1):
        if max_batch(model, context, accelerator, latency_budget, weights_fmt, kv_fmt,
                     devices, communication) >= 1:
            return devices
    return 0


@dataclass(frozen=True)
class ServingBound:
    """A server that prefills and decodes whole requests: ``flops`` per request, the
    ``batch`` decoded together (the most that fit), the per-request times ``math`` (all its
    FLOPs at the peak) and ``memory`` (its decoding steps' bytes at the bandwidth), and
    ``tokens_per_second`` (output tokens of all ``devices``) at the larger of the two;
    ``bound`` names it."""

    flops: pint.Quantity
    batch: int
    output_tokens: int
    devices: int
    math: pint.Quantity
    memory: pint.Quantity

    @property
    def bound(self) -> str:
        return _bound(self.math, self.memory)

    @property
    def tokens_per_second(self) -> pint.Quantity:
        return (Q_(self.output_tokens, "token") / np.maximum(self.math, self.memory)).to("token/s")


@accepts(input_tokens=count("token", scalar=True),
         output_tokens=count("token", whole=True, minimum=1, scalar=True), devices=_DEVICES,
         usable_fraction=fraction(default="usable memory fraction", scalar=True))
def serving_bound(model, input_tokens, output_tokens, accelerator, weights_fmt="BF16",
                  kv_fmt="BF16", devices=1, usable_fraction=None) -> ServingBound:
    """Upper bound on the output tokens per second of ``devices`` independent accelerators
    (one model copy each) serving requests of ``input_tokens`` in and ``output_tokens`` out,
    as an offline benchmark does (MLPerf Inference's Offline scenario).

    Model, per request and per accelerator, on the roofline of the whole request:

    * FLOPs: the prefill's (:func:`prefill_time`'s ``2 N T + layers T^2 d_attn``) plus the
      decode's (``2 N`` per token, attention over ``T + t`` cached tokens for output token t);
    * bytes: each decoding step reads the weights once for the ``batch`` sequences in
      flight, the most whose KV caches fit at the mean context (``input + output / 2``),
      plus each sequence's cache; the prompt's reading is shared by a batch of prompts and
      left out;
    * time = max(FLOPs / peak, bytes / bandwidth): prefill may run inside the memory-bound
      decoding steps (chunked prefill), so the two are overlapped, not summed.

    Leaving prefill out (``input_tokens=0``) gives the decode-only bound.

    >>> serving_bound("Llama-2-70B", 0, 291, "H200", "FP8", "FP8").bound
    'compute'
    """
    mdl, acc = _model(model), _accelerator(accelerator)
    t_in, t_out = float(input_tokens), float(output_tokens)
    d = _d_attn(mdl)
    n = mdl.active_params.m_as("param")
    flops = (2 * n * (t_in + t_out) + mdl.layers * t_in ** 2 * d
             + 2 * mdl.layers * d * t_out * (t_in + (t_out - 1) / 2))
    mean_context = t_in + t_out / 2
    room = acc.memory * usable_fraction - weights_memory(mdl.active_params, weights_fmt)
    cache = _kv(mdl, mean_context, 1, kv_fmt)
    if room.m <= 0:
        raise ValueError(f"serving_bound(): {mdl.name} in {weights_fmt} does not fit on one "
                         f"{acc.name}.")
    batch = max(1, int(np.floor((room / cache).m_as("")))) if cache.m > 0 else 10 ** 9
    per_token = weights_memory(mdl.active_params, weights_fmt) / batch + cache
    math = (Q_(flops, "FLOP") / peak_rate(acc, weights_fmt) / devices).to("ms")
    memory = (t_out * per_token / acc.memory_bandwidth / devices).to("ms")
    return ServingBound(Q_(flops, "FLOP"), batch, int(output_tokens), int(devices), math, memory)
