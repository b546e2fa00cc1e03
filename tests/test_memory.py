import numpy as np
import pytest
from hypothesis import given, strategies as st

from course_lib.memory import (activation_memory, devices_to_fit, kv_cache_memory,
                               training_memory, training_recipes, weights_memory)
from course_lib.data import model
from course_lib.units import Q_, UnitArgumentError


def test_weights_memory_hand_checked():
    # 2 bytes (FP16), 1 byte (FP8), 4.25/8 (MXFP4, OCP MX v1.0) and 4.5/8 (NVFP4, NVIDIA's
    # 0.5625 bytes per parameter) for 70e9 parameters: 140, 70, 37.2, 39.4 GB
    for fmt, gb in [("FP16", 140), ("FP8", 70), ("MXFP4", 37.19), ("NVFP4", 39.38)]:
        assert weights_memory(70e9, fmt).m_as("GB") == pytest.approx(gb, rel=1e-3)
    assert weights_memory("70 Gparam", "BF16") == weights_memory(70e9, "BF16")


def test_kv_cache_llama3_70b_is_320_kib_per_token():
    m = model("Llama-3-70B")
    assert kv_cache_memory(m.layers, m.kv_heads, m.head_dim, 1).m_as("KiB") == pytest.approx(320)


def test_kv_cache_llama2_13b_8k_context():
    assert kv_cache_memory(40, 40, 128, 8192).m_as("GB") == pytest.approx(6.71, rel=1e-3)


def test_kv_cache_scales_with_batch_and_format_and_takes_tokens_in_units():
    base = kv_cache_memory(80, 8, 128, "1000 token")
    assert kv_cache_memory(80, 8, 128, 1000, batch=4) == 4 * base
    assert kv_cache_memory(80, 8, 128, 1000, fmt="FP8") == base / 2


def test_training_recipes_hand_checked():
    assert training_memory(1e9, "mixed-precision Adam").total.m_as("GB") == pytest.approx(16)
    assert training_memory(1e9, "bf16 + fp32 Adam").total.m_as("GB") == pytest.approx(10)
    assert training_memory(1e9, "fp32 gradient accumulation").total.m_as("GB") == pytest.approx(20)
    b = training_memory(7e9, "mixed-precision Adam")
    assert b.weights.m_as("GB") == pytest.approx(14) and b.optimizer.m_as("GB") == pytest.approx(56)
    assert set(b.as_dict()) == {"weights", "gradients", "master_weights", "optimizer", "activations"}
    for r in training_recipes():
        assert r.source and r.bytes_per_param.m > 0


def test_activations_hand_checked_against_korthikanti():
    # per layer s*b*h*(34 + 5 a s / h) bytes; GPT-3 175B-like layer, s=2048, b=1
    s, h, a = 2048, 12288, 96
    per_layer = s * h * (34 + 5 * a * s / h)
    assert activation_memory(1, h, a, s).m_as("B") == pytest.approx(per_layer)
    assert activation_memory(1, h, a, s, recompute="full").m_as("B") == pytest.approx(2 * s * h)
    assert (training_memory(1e9, activations=Q_(3, "GB")).total.m_as("GB")
            == pytest.approx(19))
    with pytest.raises(ValueError, match="recompute"):
        activation_memory(1, h, a, s, recompute="some")


def test_devices_to_fit():
    # 1T parameters in FP8 = 1000 GB; B200 180 GiB * 0.9 usable = 173.9 GB -> 6 GPUs
    assert devices_to_fit(weights_memory(1e12, "FP8"), "B200") == 6
    # 405B in BF16 on H100: 810 GB / (0.9 x 80 GiB = 77.3 GB) = 10.5 -> 11 (12 if GB were decimal)
    assert devices_to_fit(weights_memory(405e9, "BF16"), "H100") == 11
    assert devices_to_fit("160 GiB", "H100", usable_fraction=1.0) == 2
    assert list(devices_to_fit(Q_([80, 81], "GiB"), "H100", 1.0)) == [1, 2]
    assert devices_to_fit(Q_(85, "GB"), "H100", 1.0) == 1         # 85 GB < 80 GiB = 85.9 GB
    with pytest.raises(ValueError, match="usable_fraction"):
        devices_to_fit("1 GB", "H100", usable_fraction=1.5)
    with pytest.raises(UnitArgumentError, match="memory"):
        devices_to_fit(80, "H100")
    with pytest.raises(KeyError):
        devices_to_fit("1 GB", "H1000")


def test_bad_counts_are_rejected_with_the_parameter_name():
    with pytest.raises(ValueError, match="params"):
        weights_memory(-5, "BF16")
    with pytest.raises(ValueError, match="layers"):
        kv_cache_memory(-1, 8, 128, 10)
    with pytest.raises(UnitArgumentError, match="tokens"):
        kv_cache_memory(80, 8, 128, "3 GB")


def test_sweeps_are_one_call():
    sizes = np.logspace(9, 12, 50)
    mem = weights_memory(sizes, "NVFP4")
    assert mem.shape == (50,) and np.all(np.diff(mem.m) > 0)
    assert kv_cache_memory(80, 8, 128, np.array([1, 2, 4])).shape == (3,)


@given(st.floats(min_value=1, max_value=1e13), st.sampled_from(["FP32", "BF16", "FP8", "MXFP4", "NVFP4"]))
def test_weights_memory_is_linear_and_ordered_by_bits(params, fmt):
    m = weights_memory(params, fmt)
    assert weights_memory(2 * params, fmt).m == pytest.approx(2 * m.m)
    assert weights_memory(params, "FP4").m <= m.m <= weights_memory(params, "FP32").m


@given(st.integers(1, 200), st.integers(1, 128), st.integers(1, 10**6))
def test_kv_cache_is_proportional_to_every_factor(layers, kv_heads, tokens):
    one = kv_cache_memory(1, 1, 128, 1).m_as("B")
    assert kv_cache_memory(layers, kv_heads, 128, tokens).m_as("B") == pytest.approx(
        one * layers * kv_heads * tokens)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0])
def test_non_finite_and_negative_inputs_are_refused_by_name(bad):
    with pytest.raises(ValueError, match=r"weights_memory\(\): params"):
        weights_memory(bad, "BF16")
    with pytest.raises(ValueError, match=r"devices_to_fit\(\): memory"):
        devices_to_fit(Q_(bad, "GB"), "H100")
    with pytest.raises(ValueError, match="tokens"):
        kv_cache_memory(80, 8, 128, bad)


def test_training_with_low_precision_working_weights():
    # mixed-precision Adam 16 B/param; NVFP4 working weights: 16 - 2 + 0.5625 = 14.5625
    per_param = training_memory(1, weights_format="NVFP4").total.m_as("B")
    assert per_param == pytest.approx(14.5625)
    # Megatron distributed optimizer table: bf16 params with fp32 grads = 18 B/param
    assert training_memory(1, "bf16 params with fp32 gradients (Megatron)").total.m_as("B") == pytest.approx(18)
