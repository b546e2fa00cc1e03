"""Moving bytes between accelerators: links, collectives, scale-up domains, light.

Conventions
-----------
* Bandwidths are **per device, per direction** (NVLink 4's "900 GB/s" is 450 GB/s each
  way); a link sold in bits (``400 Gb/s``) is 50 GB/s.
* ``size`` is the whole buffer S as nccl-tests defines it (doc/PERFORMANCE.md): for
  all-reduce and broadcast the array on each rank; for all-gather and reduce-scatter the
  *total* array (``count_per_rank * n``); for all-to-all each rank's send buffer.
* The alpha-beta model (Hockney 1994; the form of NCCL's own tuning model,
  ``src/graph/tuning.cc``): every step costs a latency alpha, every byte ``1/bandwidth``.
  Ideal links: no congestion, no protocol overhead, compute of the reduction free.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pint

from .compute import compute_time, training_flops
from .data import City, city, constant, interconnect, system as _system
from .declare import accepts, choice, count, flag, fraction, one_or_many, quantity
from .memory import devices_to_fit, training_memory, weights_memory
from .units import Q_, describe_value

__all__ = ["transfer_time", "collective_time", "algorithm_bandwidth", "bus_bandwidth",
           "crossover_size", "hierarchical_all_reduce_time", "training_step", "data_parallel_step",
           "StepTime",
           "ring_all_reduce_states", "propagation_delay", "great_circle_distance",
           "orbital_path_length", "BACKWARD_SHARE", "OPERATIONS", "ALGORITHMS", "MODELLED", "MEDIA"]

OPERATIONS = ("all-reduce", "all-gather", "reduce-scatter", "all-to-all", "broadcast")
ALGORITHMS = ("ring", "tree", "in-network")
# Which operations the kit models for each algorithm (the others raise ValueError).
MODELLED = {"ring": OPERATIONS, "tree": ("all-reduce", "broadcast"),
            "in-network": ("all-reduce",)}
MEDIA = ("vacuum", "fiber")

_OP = choice(*OPERATIONS)
_ALGORITHM = choice(*ALGORITHMS, aliases={"nvls": "in-network", "sharp": "in-network"})
_PEERS = count(whole=True, minimum=2)          # a collective among one device moves nothing


def _cost(op: str, algorithm: str, n, where: str):
    """(bytes sent per device as a multiple of S, latency steps) of ``op`` among ``n``."""
    if op not in MODELLED[algorithm]:
        raise ValueError(f"{where}(): the {algorithm!r} algorithm is modelled for "
                         f"{' and '.join(MODELLED[algorithm])} only, not {op!r}.")
    if algorithm == "ring":
        if op == "all-reduce":
            return 2 * (n - 1) / n, 2 * (n - 1)
        if op == "broadcast":         # a pipelined chain: S leaves the root once
            return np.ones_like(n), n - 1
        return (n - 1) / n, n - 1     # all-gather, reduce-scatter, all-to-all (pairwise)
    if algorithm == "tree":
        depth = np.ceil(np.log2(n))
        # double binary tree: reduce up, broadcast down, pipelined; every node sends about
        # 2 S in all (Sanders, Speck, Traeff 2009; NCCL 2.4)
        return (2.0 if op == "all-reduce" else 1.0) * np.ones_like(n), \
            (2 if op == "all-reduce" else 1) * depth
    # in-network: each device sends S to the switch and receives the reduced S (NVLS, SHARP)
    return np.ones_like(n), 2 * np.ones_like(n)


def _time(volume, steps, size, bandwidth, latency):
    """The alpha-beta cost: ``steps x latency + volume x size / bandwidth``."""
    return latency * steps + size * volume / bandwidth


@accepts(returns="s", size=quantity("B"), bandwidth=quantity("GB/s", positive=True,
                                                example='bandwidth="50 GB/s"'),
         latency=quantity("s"))
def transfer_time(size, bandwidth, latency="0 s") -> pint.Quantity:
    """Time to send ``size`` bytes over one link: ``latency + size / bandwidth``.

    The alpha-beta model (Hockney, Parallel Computing 20, 1994): below the crossover size
    ``latency * bandwidth`` the latency dominates, above it the bandwidth. Vectorised over
    ``size``. Assumes the link is idle and the whole message pays one latency.

    Parameters
    ----------
    size : bytes to send (``"1 GB"``, or an array quantity)
    bandwidth : link bandwidth, per direction (``"400 Gb/s"`` = 50 GB/s)
    latency : time before the first byte arrives (alpha)

    >>> transfer_time("1 GB", "400 Gb/s", "2 us").to("ms")
    <Quantity(20.002, 'millisecond')>
    """
    return latency + size / bandwidth


@accepts(returns="s", op=_OP, size=quantity("B"), devices=_PEERS,
         bandwidth=quantity("GB/s", positive=True, example='bandwidth="450 GB/s"'),
         latency=quantity("s"), algorithm=_ALGORITHM)
def collective_time(op, size, devices, bandwidth, latency="0 s",
                    algorithm="ring") -> pint.Quantity:
    """Time of the collective ``op`` on a buffer of ``size`` among ``devices`` peers.

    Model, with ``n = devices``, S = ``size`` (nccl-tests convention), B = ``bandwidth``
    per device per direction and alpha = ``latency`` per step:

    * ``"ring"``: all-reduce sends ``2(n-1)/n S`` per device in ``2(n-1)`` steps
      (reduce-scatter then all-gather); all-gather and reduce-scatter ``(n-1)/n S`` in
      ``n-1`` steps; all-to-all ``(n-1)/n S`` (pairwise exchange) in ``n-1`` steps;
      broadcast S in ``n-1`` steps (pipelined chain). These are the optimal data volumes
      derived in nccl-tests ``doc/PERFORMANCE.md``.
    * ``"tree"`` (all-reduce, broadcast): NCCL's double binary tree (Sanders, Speck and
      Traeff, Parallel Computing 35, 2009; NCCL 2.4, 2019): ``ceil(log2 n)`` latency steps
      up and down, about ``2 S`` sent per device for all-reduce: worse than the ring for
      large buffers, much better for small ones at large n.
    * ``"in-network"`` (all-reduce; aliases ``"nvls"``, ``"sharp"``): the switch adds the
      buffers (NVLink SHARP, InfiniBand SHARP); each device sends S and receives S at the
      same time, in 2 steps. Ideal: switch arithmetic and multicast are free.

    ``time = steps * latency + volume / bandwidth``. Vectorised over ``size`` and
    ``devices``.

    Parameters
    ----------
    op : one of ``"all-reduce"``, ``"all-gather"``, ``"reduce-scatter"``,
        ``"all-to-all"``, ``"broadcast"`` (spelling as in NCCL also works: ``"AllReduce"``)
    size : the buffer S, bytes
    devices : peers taking part (at least 2)
    bandwidth : per device, per direction
    latency : per step (alpha); NCCL's NVLink per-hop figure is 3.4 us (Simple protocol)
    algorithm : ``"ring"``, ``"tree"`` or ``"in-network"``

    >>> collective_time("all-reduce", "1 GB", 8, "450 GB/s").to("ms")
    <Quantity(3.88888889, 'millisecond')>
    """
    volume, steps = _cost(op, algorithm, np.asarray(devices, dtype=float), "collective_time")
    return _time(volume, steps, size, bandwidth, latency)


@accepts(returns="GB/s", size=quantity("B"), time=quantity("s", positive=True))
def algorithm_bandwidth(size, time) -> pint.Quantity:
    """nccl-tests' algorithm bandwidth: ``algbw = S / t``, in GB/s.

    >>> algorithm_bandwidth("1 GB", "10 ms")
    <Quantity(100.0, 'gigabyte / second')>
    """
    return size / time


@accepts(returns="GB/s", op=_OP, size=quantity("B"), time=quantity("s", positive=True),
         devices=_PEERS)
def bus_bandwidth(op, size, time, devices) -> pint.Quantity:
    """nccl-tests' bus bandwidth: ``busbw = algbw * factor``, in GB/s.

    The factor is the data each rank must send per byte of S in the best point-to-point
    algorithm: ``2(n-1)/n`` for all-reduce, ``(n-1)/n`` for all-gather, reduce-scatter
    and all-to-all, 1 for broadcast (nccl-tests ``doc/PERFORMANCE.md``). busbw exists so
    that one number compares with the link's peak whatever ``n``: an ideal ring at
    bandwidth B reports busbw = B. An in-network reduction sends only S per rank, so the
    same factor makes it report up to ``2(n-1)/n`` times the line rate: nccl-tests applies
    its ring factor whatever the algorithm (``doc/PERFORMANCE.md`` defines no other).

    >>> bus_bandwidth("all-reduce", "1 GB", "10 ms", 8)
    <Quantity(175.0, 'gigabyte / second')>
    """
    factor, _ = _cost(op, "ring", np.asarray(devices, dtype=float), "bus_bandwidth")
    return size / time * factor


@accepts(returns="B", bandwidth=quantity("GB/s", positive=True), latency=quantity("s"),
         op=choice(*OPERATIONS, optional=True), devices=_PEERS, algorithm=_ALGORITHM)
def crossover_size(bandwidth, latency, op=None, devices=2, algorithm="ring") -> pint.Quantity:
    """The buffer size at which latency and bandwidth cost the same time.

    For one link (``op=None``): ``latency * bandwidth``. For a collective: the size where
    ``steps * latency = volume * S / bandwidth`` (see :func:`collective_time`). Smaller
    buffers are latency-bound, larger ones bandwidth-bound.

    >>> crossover_size("450 GB/s", "3.4 us").to("MB")
    <Quantity(1.53, 'megabyte')>
    """
    if op is None:
        return latency * bandwidth
    volume, steps = _cost(op, algorithm, np.asarray(devices, dtype=float), "crossover_size")
    return latency * bandwidth * steps / volume


def ring_all_reduce_states(devices: int) -> np.ndarray:
    """Simulate a ring all-reduce among ``devices`` GPUs, chunk by chunk.

    The buffer is cut into ``n`` chunks. Reduce-scatter: at step ``s`` GPU ``i`` sends its
    partial sum of chunk ``(i - s) mod n`` to GPU ``i + 1``, which adds its own; after
    ``n - 1`` steps GPU ``i`` holds the complete sum of chunk ``(i + 1) mod n``. All-gather:
    ``n - 1`` more steps pass the complete chunks round the ring. Each step every GPU
    sends one chunk, S/n bytes: ``2(n-1)/n S`` in all, as :func:`collective_time` charges.

    Returns an array ``[step, gpu, chunk]`` (``2(n-1) + 1`` steps, step 0 the start) of
    how many GPUs' data each copy of each chunk contains: 1 at the start, ``n`` everywhere
    at the end.

    >>> int(ring_all_reduce_states(4)[-1].min())
    4
    """
    n = int(devices)
    if n < 2 or n != devices:
        raise ValueError(f"ring_all_reduce_states(): devices must be a whole number of at "
                         f"least 2; got {devices!r}.")
    states = [np.ones((n, n), dtype=int)]
    for s in range(2 * (n - 1)):
        old, new = states[-1], states[-1].copy()
        for i in range(n):
            if s < n - 1:                                 # reduce-scatter: add
                chunk = (i - s) % n
                new[(i + 1) % n, chunk] = old[(i + 1) % n, chunk] + old[i, chunk]
            else:                                         # all-gather: copy
                chunk = (i + 1 - (s - (n - 1))) % n
                new[(i + 1) % n, chunk] = old[i, chunk]
        states.append(new)
    return np.array(states)


@accepts(returns="s", size=quantity("B"), domain_size=count(whole=True, minimum=1),
         domains=count(whole=True, minimum=1),
         scale_up_bandwidth=quantity("GB/s", positive=True),
         scale_out_bandwidth=quantity("GB/s", positive=True), latency=quantity("s"),
         scale_out_latency=quantity("s", optional=True), pipelined=flag())
def hierarchical_all_reduce_time(size, domain_size, domains, scale_up_bandwidth,
                                 scale_out_bandwidth, latency="0 s",
                                 scale_out_latency=None, pipelined=False) -> pint.Quantity:
    """All-reduce of ``size`` over ``domains`` scale-up domains of ``domain_size`` devices.

    Model (hierarchical all-reduce): (1) reduce-scatter inside each domain over the
    scale-up fabric, leaving each device 1/k of the sums; (2) an all-reduce of that 1/k
    across domains over the network, k rings in parallel, one per device, each at the
    device's own NIC bandwidth; (3) all-gather inside the domain. With k =
    ``domain_size``, D = ``domains``, ring costs throughout::

        inside = 2 [(k-1)/k S / B_up + (k-1) a_up]
        across = 2(D-1)/D (S/k) / B_out + 2(D-1) a_out

    The field has two models for how the phases combine, and they bound the real time:

    * ``pipelined=False`` (default, the upper bound): ``inside + across``, the phases one
      after the other (Jia et al., arXiv:1807.11205, 2018, no overlap);
    * ``pipelined=True`` (the lower bound): ``max(inside, across)``, chunks streaming
      through all phases at once, so the slowest link sets the pace. This is NCCL's own
      tuning model for a ring spanning nodes (``src/graph/tuning.cc``, NCCL 2.7.5): bus
      bandwidth = channels x inter-node speed, e.g. 8 x 50 = 400 GB/s for a DGX H100,
      which is ``across`` for large D.

    One domain is a plain ring all-reduce inside it; domains of one device are a plain
    ring across the network (both models agree then). Assumes a non-blocking network
    (full bisection bandwidth).

    Parameters
    ----------
    size : the buffer S on each device
    domain_size, domains : devices per scale-up domain, and how many domains
    scale_up_bandwidth, scale_out_bandwidth : per device, per direction
    latency : per step inside the domain; ``scale_out_latency`` per step across (default:
        the same)
    pipelined : combine the phases as a pipeline (lower bound) instead of in sequence

    >>> hierarchical_all_reduce_time("1 GB", 8, 1, "450 GB/s", "50 GB/s").to("ms")
    <Quantity(3.88888889, 'millisecond')>
    """
    k = np.asarray(domain_size, dtype=float)
    d = np.asarray(domains, dtype=float)
    if scale_out_latency is None:
        scale_out_latency = latency
    # ring all-reduce costs; a "ring" of one device costs nothing, so k = 1 or D = 1 works
    inside = _time(*_cost("all-reduce", "ring", k, ""), size, scale_up_bandwidth, latency)
    across = _time(*_cost("all-reduce", "ring", d, ""), size / k, scale_out_bandwidth,
                   scale_out_latency)
    return np.maximum(inside, across) if pipelined else inside + across


@dataclass(frozen=True)
class StepTime:
    """One training step: ``compute`` time (of which ``backward``, the part the gradient
    all-reduce can hide behind), gradient ``communication`` time, the part of it
    ``exposed``, and ``step`` = compute + exposed. ``gradients`` is the buffer each device
    reduces; ``layout`` the (tensor, pipeline, data) parallel sizes; ``memory`` the
    training state each device holds, and ``fits`` whether it fits in the device's
    usable memory."""

    compute: pint.Quantity
    communication: pint.Quantity
    exposed: pint.Quantity
    gradients: pint.Quantity
    backward: pint.Quantity
    layout: tuple = (1, 1, 1)
    memory: pint.Quantity | None = None
    fits: object = True        # a bool, or an array of them over params

    @property
    def step(self) -> pint.Quantity:
        return self.compute + self.exposed

    @property
    def communication_share(self) -> float:
        """Share of the step spent waiting on communication (exposed / step)."""
        return float((self.exposed / self.step).m_as(""))


# The backward pass does 4 of the 6 N D FLOPs (Kaplan et al., arXiv:2001.08361).
BACKWARD_SHARE = 2 / 3

_LAYOUT = count(whole=True, minimum=1, scalar=True)     # one layout per call


@accepts(params=count("param"), tokens_per_step=count("token"),
         devices=_LAYOUT, tensor_parallel=_LAYOUT,
         pipeline_parallel=_LAYOUT, mfu=fraction(default="model FLOP utilisation"),
         overlap=flag(), pipelined=flag(), shard_optimizer=flag())
def training_step(params, tokens_per_step, devices, system, tensor_parallel=1,
                  pipeline_parallel=1, fmt="BF16", grad_format="BF16",
                  recipe="mixed-precision Adam", mfu=None, overlap=True, pipelined=False,
                  shard_optimizer=True) -> StepTime:
    """Time of one training step on ``devices`` GPUs of ``system``, and whether it fits.

    Layout (Megatron-LM's, the one Llama 3 used: arXiv:2407.21783, Table 4): each layer
    is split over ``tensor_parallel`` = t GPUs inside one scale-up domain, the layers over
    ``pipeline_parallel`` = p stages placed in different domains, and the d = n / (t p)
    copies of the model train on different data (data parallelism).

    * Compute: :func:`compute_time` of ``6 N D`` at ``mfu``. A measured MFU (Llama 3's
      38-43 %) already includes the tensor-parallel all-reduces and the pipeline bubble,
      so they are not added again.
    * Communication: each device all-reduces the gradients of its 1/(t p) of the model
      (``params / (t p)`` in ``grad_format``) with the d - 1 devices holding the same
      part: the k / t of them in its own domain over NVLink, the rest across the network,
      with :func:`hierarchical_all_reduce_time` (``pipelined`` chooses its bound) and
      NCCL's per-hop latencies for the Simple protocol (``data/interconnects.csv``).
    * Overlap: buckets of gradients are reduced while the backward pass (2/3 of compute)
      still runs, so only ``max(0, communication - backward)`` is exposed (the last
      bucket, which cannot overlap, is neglected).
    * Memory per device (chapter 01's :func:`training_memory` for ``recipe``): weights and
      gradients of ``params / (t p)``, plus its master weights and optimizer moments,
      divided over the d data-parallel copies when ``shard_optimizer`` (ZeRO stage 1,
      Megatron's distributed optimizer: same communication volume). Activations are not
      counted. ``fits`` is :func:`devices_to_fit` of that memory being 1.

    Parameters
    ----------
    params : parameters (all are trained)
    tokens_per_step : global batch in tokens
    devices : GPUs (a multiple of the system's GPU count, or fewer than it)
    system : name or record of ``data/systems.csv`` (``"DGX H100"``, ``"GB200 NVL72"``)
    tensor_parallel : t, a divisor of the GPUs in one domain (tensor parallelism stays on
        NVLink); pipeline_parallel : p stages, in different domains
    fmt : number format of the compute peak; grad_format : format of the gradients
    recipe : training recipe of chapter 01 (bytes per parameter)
    mfu : model-FLOP utilisation; overlap : hide communication behind the backward pass
    pipelined : the lower bound of the hierarchical all-reduce instead of the upper one
    shard_optimizer : shard master weights and optimizer state over data parallelism

    >>> s = training_step("70 Gparam", "16 Mtoken", 16384, "DGX H100", tensor_parallel=8)
    >>> s.layout, s.fits
    ((8, 1, 2048), True)
    """
    sys_ = _system(system)
    n, t, p, k = int(devices), int(tensor_parallel), int(pipeline_parallel), sys_.gpus
    where = "training_step()"
    if n > k and n % k:
        raise ValueError(f"{where}: devices must be a multiple of the {k} GPUs of one "
                         f"{sys_.name}; got {n}.")
    if k % t or t > min(n, k):
        raise ValueError(f"{where}: tensor_parallel must divide the GPUs of one domain "
                         f"({min(n, k)} here): tensor parallelism stays on NVLink; got {t}.")
    if n % (t * p) or (n > k and (n // k) % p):
        raise ValueError(f"{where}: {n} GPUs cannot be split into {p} pipeline stages of "
                         f"whole domains with tensor_parallel={t}.")
    d = n // (t * p)
    # data-parallel peers of one device: inside its domain, and across domains
    inside, across = (d, 1) if n <= k else (k // t, n // k // p)
    compute = compute_time(training_flops(params, tokens_per_step), n, sys_.accelerator,
                           fmt, mfu)
    gradients = weights_memory(params / (t * p), grad_format)
    comm = hierarchical_all_reduce_time(
        gradients, inside, across, sys_.scale_up_bandwidth, sys_.scale_out_bandwidth,
        interconnect("NVLink 4").latency, interconnect("InfiniBand NDR").latency,
        pipelined=pipelined)
    state = training_memory(params / (t * p), recipe)
    optimizer = state.master_weights + state.optimizer
    memory = state.total - optimizer + (optimizer / d if shard_optimizer else optimizer)
    backward = compute * BACKWARD_SHARE
    exposed = np.maximum(comm - (backward if overlap else Q_(0, "s")), Q_(0, "s"))
    return StepTime(compute.to("s"), comm.to("s"), exposed.to("s"), gradients,
                    backward.to("s"), layout=(t, p, d), memory=memory.to("GB"),
                    fits=one_or_many(devices_to_fit(memory, sys_.accelerator) == 1, bool))


@accepts(params=count("param"), tokens_per_step=count("token"), devices=_LAYOUT,
         mfu=fraction(default="model FLOP utilisation"), overlap=flag(), pipelined=flag())
def data_parallel_step(params, tokens_per_step, devices, system, fmt="BF16",
                       grad_format="BF16", mfu=None, overlap=True,
                       pipelined=False) -> StepTime:
    """One step of pure data-parallel training: :func:`training_step` with no tensor or
    pipeline parallelism (every GPU holds the whole model; optimizer state sharded).

    The simplest case that shows the bandwidth cliff, but a large model does not fit:
    Llama-3-70B needs 4 bytes per parameter for its BF16 weights and gradients alone
    (282 GB), more than any GPU holds; check ``fits``.

    >>> data_parallel_step("8 Gparam", "4 Mtoken", 64, "DGX H100").fits
    True
    """
    return training_step(params, tokens_per_step, devices, system, fmt=fmt,
                         grad_format=grad_format, mfu=mfu, overlap=overlap,
                         pipelined=pipelined)


# ---- light ---------------------------------------------------------------------------

@accepts(returns="ms", distance=quantity("km"),
         medium=choice(*MEDIA, aliases={"fibre": "fiber", "laser": "vacuum"}))
def propagation_delay(distance, medium="fiber") -> pint.Quantity:
    """One-way time for light to cover ``distance`` in ``medium``, in ms.

    Model: ``distance * n / c``, with c exact (SI) and n the group index: 1 in
    ``"vacuum"`` (a laser between satellites), 1.4682 in ``"fiber"`` (standard single-mode
    fibre at 1550 nm, Corning SMF-28 Ultra), so light in glass is 32 % slower. Propagation
    only: no switching, queuing or serialisation delay.

    >>> propagation_delay("1000 km", "vacuum")
    <Quantity(3.33564095, 'millisecond')>
    """
    index = {"vacuum": Q_(1.0, ""), "fiber": constant("fiber group index")}
    return distance * index[medium] / constant("speed of light")


_COORDINATE = quantity("deg", signed=True)


def _point(p, name: str, where: str):
    """(latitude, longitude) in radians from a city name or record, or a pair: angles
    (``"51.5 deg"``) or plain numbers, which are degrees here (as documented), never
    booleans, NaN or infinities."""
    if isinstance(p, (str, City)):
        c = city(p)
        return np.radians(c.latitude.m_as("degree")), np.radians(c.longitude.m_as("degree"))
    try:
        lat, lon = p
    except (TypeError, ValueError):
        raise TypeError(f"{where}(): {name} must be a city name or a (latitude, longitude) "
                        f"pair in degrees, got {describe_value(p)}.") from None
    lat, lon = (_COORDINATE.convert(Q_(v, "deg") if isinstance(v, (int, float, np.number))
                                    and not isinstance(v, (bool, np.bool_)) else v,
                                    f"{name}'s {part}", where).m_as("degree")
                for v, part in ((lat, "latitude"), (lon, "longitude")))
    if not -90 <= lat <= 90:
        raise ValueError(f"{where}(): {name}'s latitude must be within [-90, 90] degrees, "
                         f"got {lat:g}.")
    return np.radians(lat), np.radians(lon)


def _central_angle(a, b, where: str) -> float:
    (la1, lo1), (la2, lo2) = _point(a, "a", where), _point(b, "b", where)
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * np.arcsin(np.sqrt(h))


def great_circle_distance(a, b) -> pint.Quantity:
    """Shortest distance along the surface between two points of a spherical Earth, in km.

    Haversine formula with the IUGG mean radius 6371.0088 km (error up to about 0.5 %
    against the ellipsoid). ``a`` and ``b`` are city names of ``data/cities.csv``
    (``"London"``) or ``(latitude, longitude)`` pairs in degrees, north and east positive.

    >>> print(f'{great_circle_distance("New York", "London"):.0f~P}')
    5570 km
    """
    return (_central_angle(a, b, "great_circle_distance") * constant("Earth mean radius")).to("km")


@accepts(returns="km", altitude=quantity("km", default="Starlink shell altitude"))
def orbital_path_length(a, b, altitude=None) -> pint.Quantity:
    """Length of an idealised low-orbit laser path between two points, in km.

    Model: straight up to the shell at ``altitude``, along the great circle at that
    altitude, straight down: ``2 h + (R + h) theta``, with theta the central angle. A lower
    bound for a real route: the satellite in view is rarely overhead (slant range), laser
    links zig-zag through the constellation's grid, and each hop adds switching time.
    The default altitude is Starlink's first shell.

    >>> print(f'{orbital_path_length("New York", "London"):.0f~P}')
    7151 km
    """
    radius = constant("Earth mean radius")
    return 2 * altitude + (radius + altitude) * _central_angle(a, b, "orbital_path_length")
