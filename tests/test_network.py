"""Chapter 02's models: compute time, links, collectives, hierarchies, light."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from course_lib import Q_, model
from course_lib.compute import compute_time, training_flops
from course_lib.network import (algorithm_bandwidth, bus_bandwidth, collective_time,
                                     crossover_size, data_parallel_step, great_circle_distance, training_step,
                                     hierarchical_all_reduce_time, orbital_path_length,
                                     propagation_delay, ring_all_reduce_states, transfer_time)
from course_lib.units import UnitArgumentError

OPS = ["all-reduce", "all-gather", "reduce-scatter", "all-to-all", "broadcast"]


# ---- compute ---------------------------------------------------------------------------

def test_training_flops_published_runs():
    # GPT-3 (Brown et al. 2020, Table D.1): 175e9 params x 300e9 tokens = 3.14e23 FLOP
    assert training_flops(175e9, 300e9).m_as("FLOP") == pytest.approx(3.14e23, rel=0.01)
    # Llama 3 405B (arXiv:2407.21783, section 3.2.1): 15.6T tokens, 3.8e25 FLOP
    assert training_flops("405 Gparam", "15.6 Ttoken").m_as("FLOP") == pytest.approx(3.8e25,
                                                                                     rel=0.01)
    assert training_flops(1, 1, recompute=True).m_as("FLOP") == 8


def test_compute_time_against_llama3_gpu_hours():
    # Llama 3.1 405B model card: 30.84M H100 GPU-hours. At 38-43 % MFU (paper, Table 4)
    # the ideal time is below that: restarts, evaluation and stalls fill the rest.
    t = compute_time(training_flops("405 Gparam", "15.6 Ttoken"), 16384, "H100")
    gpu_hours = (t * 16384).m_as("hour")
    assert 0.75 * 30.84e6 < gpu_hours < 30.84e6


def test_compute_time_refuses_bad_input():
    with pytest.raises(ValueError, match="mfu"):
        compute_time("1e20 FLOP", 8, "H100", mfu=1.5)
    with pytest.raises(ValueError, match="FP4"):
        compute_time("1e20 FLOP", 8, "H100", fmt="FP4")
    with pytest.raises(UnitArgumentError, match="flops"):
        compute_time("1e20 J", 8, "H100")


# ---- alpha-beta and collectives --------------------------------------------------------

def test_transfer_time_is_alpha_plus_size_over_bandwidth_and_vectorised():
    t = transfer_time(Q_([0, 1e9], "B"), "400 Gb/s", "2 us")
    assert t.m_as("us") == pytest.approx([2, 20002])
    assert crossover_size("50 GB/s", "2 us").m_as("kB") == pytest.approx(100)


def test_ring_costs_match_nccl_tests_formulas():
    # nccl-tests doc/PERFORMANCE.md: t = S/B x 2(n-1)/n (all-reduce), x (n-1)/n
    # (all-gather, reduce-scatter, all-to-all), x 1 (broadcast)
    S, B, n = Q_(1, "GB"), Q_(100, "GB/s"), 8
    factors = {"all-reduce": 2 * 7 / 8, "all-gather": 7 / 8, "reduce-scatter": 7 / 8,
               "all-to-all": 7 / 8, "broadcast": 1}
    for op, f in factors.items():
        assert collective_time(op, S, n, B).m_as("ms") == pytest.approx(10 * f)
    # latency: 2(n-1) steps for the ring all-reduce, n-1 for the others
    assert collective_time("all-reduce", "0 B", 8, B, "1 us").m_as("us") == pytest.approx(14)
    assert collective_time("all-gather", "0 B", 8, B, "1 us").m_as("us") == pytest.approx(7)
    assert collective_time("all-reduce", "0 B", 8, B, "1 us", "tree").m_as("us") == 6
    assert collective_time("all-reduce", S, 8, B, "0 s", "nvls").m_as("ms") == pytest.approx(10)


def test_busbw_factors_and_ideal_ring_reports_the_link():
    assert bus_bandwidth("all-reduce", "1 GB", "10 ms", 8).m_as("GB/s") == pytest.approx(175)
    for op, f in [("all-gather", 7 / 8), ("reduce-scatter", 7 / 8), ("AlltoAll", 7 / 8),
                  ("broadcast", 1)]:
        assert bus_bandwidth(op, "1 GB", "10 ms", 8).m_as("GB/s") == pytest.approx(100 * f)
    assert algorithm_bandwidth("1 GB", "10 ms").m_as("GB/s") == pytest.approx(100)
    # in-network reduction: the ring's factor reports more than the wire
    t = collective_time("all-reduce", "1 GB", 8, "450 GB/s", algorithm="in-network")
    assert bus_bandwidth("all-reduce", "1 GB", t, 8).m_as("GB/s") == pytest.approx(787.5)


@given(op=st.sampled_from(OPS), n=st.integers(2, 4096),
       size=st.floats(1, 1e11), bw=st.floats(1, 2000))
def test_ideal_ring_busbw_equals_the_link_bandwidth(op, n, size, bw):
    t = collective_time(op, Q_(size, "B"), n, Q_(bw, "GB/s"))
    assert bus_bandwidth(op, Q_(size, "B"), t, n).m_as("GB/s") == pytest.approx(bw)


@given(op=st.sampled_from(OPS), n=st.integers(2, 4096), size=st.floats(1, 1e10),
       factor=st.floats(1.01, 100), bw=st.floats(1, 2000), lat=st.floats(0, 1e-4))
def test_time_grows_with_size_and_falls_with_bandwidth(op, n, size, factor, bw, lat):
    t = collective_time(op, Q_(size, "B"), n, Q_(bw, "GB/s"), Q_(lat, "s"))
    assert collective_time(op, Q_(size * factor, "B"), n, Q_(bw, "GB/s"), Q_(lat, "s")) > t
    assert collective_time(op, Q_(size, "B"), n, Q_(bw * factor, "GB/s"), Q_(lat, "s")) < t


@given(n=st.integers(2, 1024), size=st.floats(1, 1e10), lat=st.floats(0, 1e-4))
def test_ring_all_reduce_is_reduce_scatter_plus_all_gather(n, size, lat):
    args = (Q_(size, "B"), n, Q_(100, "GB/s"), Q_(lat, "s"))
    parts = collective_time("reduce-scatter", *args) + collective_time("all-gather", *args)
    assert collective_time("all-reduce", *args).m_as("s") == pytest.approx(parts.m_as("s"))


def test_collectives_are_vectorised():
    t = collective_time("all-reduce", Q_([1e6, 1e9], "B"), np.array([8, 72]), "450 GB/s")
    assert t.shape == (2,)
    assert t[1].m_as("ms") == pytest.approx(2 * 71 / 72 * 1e9 / 450e9 * 1e3)


@pytest.mark.parametrize("call, error, words", [
    (lambda: collective_time("all-sum", "1 GB", 8, "1 GB/s"), ValueError, "op must be one of"),
    (lambda: collective_time("all-reduce", "1 GB", 8, "0 GB/s"), ValueError, "bandwidth"),
    (lambda: collective_time("all-reduce", "1 GB", 1, "1 GB/s"), ValueError, "at least 2"),
    (lambda: collective_time("all-reduce", "-1 GB", 8, "1 GB/s"), ValueError, "size"),
    (lambda: collective_time("all-reduce", "1 GB", 8, "1 GB"), UnitArgumentError, "bandwidth"),
    (lambda: collective_time("all-gather", "1 GB", 8, "1 GB/s", algorithm="tree"), ValueError,
     "tree"),
    (lambda: collective_time("all-reduce", "1 GB", 8, "1 GB/s", algorithm="magic"), ValueError,
     "algorithm"),
    (lambda: propagation_delay("1 km", "copper wire"), ValueError, "medium"),
    (lambda: propagation_delay("1 s"), UnitArgumentError, "distance"),
    (lambda: great_circle_distance("Atlantis", "London"), KeyError, "Atlantis"),
    (lambda: great_circle_distance((95, 0), "London"), ValueError, "latitude"),
])
def test_bad_input_names_the_parameter(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_ring_simulation_ends_with_every_sum_everywhere():
    for n in range(2, 9):
        states = ring_all_reduce_states(n)
        assert states.shape == (2 * (n - 1) + 1, n, n)
        assert (states[0] == 1).all() and (states[-1] == n).all()
        # after the reduce-scatter, GPU i holds the full sum of chunk (i + 1) mod n
        done = states[n - 1]
        assert all(done[i, (i + 1) % n] == n for i in range(n))


# ---- hierarchies and training steps ----------------------------------------------------

def test_hierarchical_all_reduce_reduces_to_plain_rings():
    S = Q_(10, "GB")
    one_domain = hierarchical_all_reduce_time(S, 8, 1, "450 GB/s", "50 GB/s", "1 us")
    assert one_domain.m_as("s") == pytest.approx(
        collective_time("all-reduce", S, 8, "450 GB/s", "1 us").m_as("s"))
    flat = hierarchical_all_reduce_time(S, 1, 64, "450 GB/s", "50 GB/s", "1 us")
    assert flat.m_as("s") == pytest.approx(
        collective_time("all-reduce", S, 64, "50 GB/s", "1 us").m_as("s"))
    # by hand: 2 x 7/8 x 10/450 + 2 x 63/64 x (10/8)/50 seconds
    t = hierarchical_all_reduce_time(S, 8, 64, "450 GB/s", "50 GB/s")
    assert t.m_as("s") == pytest.approx(2 * 7 / 8 * 10 / 450 + 2 * 63 / 64 * 10 / 8 / 50)


@given(k=st.sampled_from([8, 72]), domains=st.integers(2, 4096))
def test_a_bigger_domain_sends_less_over_the_network(k, domains):
    S = Q_(100, "GB")
    small = hierarchical_all_reduce_time(S, 8, domains * k / 8, "900 GB/s", "50 GB/s")
    big = hierarchical_all_reduce_time(S, k, domains, "900 GB/s", "50 GB/s")
    assert big <= small * (1 + 1e-12)


@given(k=st.sampled_from([1, 8, 72]), domains=st.integers(1, 4096),
       gb=st.floats(1e-3, 1e3), latency=st.sampled_from(["0 s", "3.4 us"]))
def test_pipelined_bound_is_below_the_summed_one(k, domains, gb, latency):
    args = (Q_(gb, "GB"), k, domains, "450 GB/s", "50 GB/s", latency)
    low = hierarchical_all_reduce_time(*args, pipelined=True)
    high = hierarchical_all_reduce_time(*args)
    assert low <= high * (1 + 1e-12)
    assert high <= 2 * low * (1 + 1e-12)        # a sum of two terms is at most twice their max


def test_pipelined_bound_is_nccls_bottleneck_and_brackets_published_busbw():
    """NCCL 2.7.5 tuning.cc prices a ring across DGX H100 nodes at nChannels x inter-node
    speed = 8 x 50 = 400 GB/s of bus bandwidth; nccl-tests issue #309 reports 365.84 GB/s
    on 4 HGX H100 nodes (32 GPUs), between the two bounds."""
    n = 8 * 4096
    t = hierarchical_all_reduce_time("8 GB", 8, 4096, "450 GB/s", "50 GB/s", pipelined=True)
    assert bus_bandwidth("all-reduce", "8 GB", t, n).m_as("GB/s") == pytest.approx(400, rel=1e-3)
    bounds = [bus_bandwidth("all-reduce", "8 GB", hierarchical_all_reduce_time(
        "8 GB", 8, 4, "450 GB/s", "50 GB/s", pipelined=p), 32).m_as("GB/s")
        for p in (False, True)]
    assert bounds[0] < 365.84 < bounds[1]


def test_training_step_layout_memory_and_peers():
    p = model("Llama-3-70B").params
    s = training_step(p, "16 Mtoken", 16416, "GB200 NVL72", tensor_parallel=8)
    assert s.layout == (8, 1, 2052)
    # by hand: 70.6e9 / 8 x (2 + 2) B + 70.6e9 / 8 x 12 B / 2052 (ZeRO-1)
    n = p.m_as("param") / 8
    assert s.memory.m_as("GB") == pytest.approx(n * (4 + 12 / 2052) / 1e9)
    assert s.gradients.m_as("GB") == pytest.approx(2 * n / 1e9)
    # 9 TP groups per rack reduce over NVLink, then 228 racks over the network
    t = hierarchical_all_reduce_time(s.gradients, 9, 228, "900 GB/s", "50 GB/s", "3.4 us", "9.6 us")
    assert s.communication.m_as("s") == pytest.approx(t.m_as("s"))
    unsharded = training_step(p, "16 Mtoken", 16416, "GB200 NVL72", tensor_parallel=8,
                              shard_optimizer=False)
    assert unsharded.memory.m_as("GB") == pytest.approx(n * 16 / 1e9)
    staged = training_step(p, "16 Mtoken", 16384, "DGX H100", tensor_parallel=8,
                           pipeline_parallel=4)
    assert staged.layout == (8, 4, 512) and staged.communication < s.communication * 10
    for bad in [dict(tensor_parallel=3), dict(tensor_parallel=16), dict(pipeline_parallel=3)]:
        with pytest.raises(ValueError, match="training_step"):
            training_step(p, "16 Mtoken", 16384, "DGX H100", **bad)


def test_data_parallel_step_parts_add_up_and_overlap_hides_communication():
    p = model("Llama-3-70B").params
    no = data_parallel_step(p, "16 Mtoken", 16384, "DGX H100", overlap=False)
    yes = data_parallel_step(p, "16 Mtoken", 16384, "DGX H100", overlap=True)
    assert no.exposed == no.communication and no.step == no.compute + no.communication
    hidden = 2 / 3 * yes.compute
    assert yes.exposed.m_as("s") == pytest.approx(max(0, (yes.communication - hidden).m_as("s")))
    assert 0 < yes.communication_share < no.communication_share < 1
    assert no.gradients.m_as("GB") == pytest.approx(2 * p.m_as("param") / 1e9)
    with pytest.raises(ValueError, match="multiple of the 72"):
        data_parallel_step(p, "16 Mtoken", 100, "GB200 NVL72")


# ---- light ----------------------------------------------------------------------------

def test_distances_and_delays_hand_checked():
    # New York - London great circle: 5,570 km (haversine on the 6,371 km mean radius;
    # published great-circle calculators give 5,570 km for these coordinates)
    d = great_circle_distance("New York", "London")
    assert d.m_as("km") == pytest.approx(5570, abs=2)
    assert great_circle_distance((0, 0), (0, 90)).m_as("km") == pytest.approx(np.pi / 2 * 6371.0088)
    # 1,000 km of vacuum: 3.336 ms; fibre (group index 1.4682): 4.897 ms
    assert propagation_delay("1000 km", "vacuum").m_as("ms") == pytest.approx(3.33564)
    assert propagation_delay("1000 km", "fibre").m_as("ms") == pytest.approx(4.8974, rel=1e-4)
    # up and down 550 km plus the arc at 6,921 km radius
    path = orbital_path_length((0, 0), (0, 90), "550 km")
    assert path.m_as("km") == pytest.approx(1100 + np.pi / 2 * (6371.0088 + 550))
    assert propagation_delay(Q_([1, 2], "km")).shape == (2,)
