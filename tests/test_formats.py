import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays

from course_lib.formats import (block_quantize, clipped_blocks, number_format, quantize,
                                representable_values)

ELEMENTS = ["BF16", "FP16", "FP8 E4M3", "FP8 E5M2", "FP6 E2M3", "FP6 E3M2", "FP4 E2M1"]


def test_e2m1_values_match_the_specification():
    assert list(representable_values("FP4 E2M1")) == [
        -6, -4, -3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4, 6]


@pytest.mark.parametrize("name, max_finite, min_normal, min_sub, inf", [
    ("FP16", 65504, 2.0 ** -14, 2.0 ** -24, True),
    ("FP8 E4M3", 448, 2.0 ** -6, 2.0 ** -9, False),
    ("FP8 E5M2", 57344, 2.0 ** -14, 2.0 ** -16, True),
    ("FP6 E2M3", 7.5, 1.0, 0.125, False),
    ("FP6 E3M2", 28, 0.25, 0.0625, False),
    ("FP4 E2M1", 6, 1.0, 0.5, False),
    ("FP32", 3.4028234663852886e38, 2.0 ** -126, 2.0 ** -149, True),
])
def test_ranges_derived_from_the_layout(name, max_finite, min_normal, min_sub, inf):
    f = number_format(name)
    assert f.max_finite == max_finite
    assert f.min_normal == min_normal and f.min_subnormal == min_sub
    assert f.has_inf is inf


def test_value_sets_agree_with_ranges_and_counts():
    assert representable_values("E4M3").max() == 448
    assert representable_values("E5M2").max() == 57344
    assert len(representable_values("FP8 E4M3")) == 253      # 256 - 2 NaN - (-0)
    assert len(representable_values("FP8 E5M2")) == 247      # 256 - 8 inf/NaN - (-0)
    assert representable_values("E8M0").max() == 2.0 ** 127
    with pytest.raises(ValueError, match="too many"):
        representable_values("FP32")


@pytest.mark.parametrize("name, bits", [("FP32", 32), ("BF16", 16), ("FP8", 8), ("MXFP8", 8.25),
                                        ("MXFP6", 6.25), ("MXFP4", 4.25), ("NVFP4", 4.5)])
def test_effective_bits_include_block_scales(name, bits):
    assert number_format(name).effective_bits == bits


def test_names_as_people_write_them():
    assert number_format("fp8 e4m3").name == "FP8 E4M3"
    assert number_format("FP8-E4M3").name == "FP8 E4M3"
    assert number_format("nvfp4").name == "NVFP4"
    with pytest.raises(KeyError, match="MXFP4"):
        number_format("MXFP5")


@pytest.mark.parametrize("name", ELEMENTS)
def test_representable_values_round_trip_exactly(name):
    v = representable_values(name)
    assert np.array_equal(quantize(v, name), v)


def test_rounding_is_to_nearest_even_and_fp4_saturates():
    x = [0.25, 0.75, 2.5, 5.0, 7.0, 1e9, -np.inf, np.inf]
    assert list(quantize(x, "FP4")) == [0, 1, 2, 4, 6, 6, -6, 6]   # E2M1 has no inf/NaN
    assert np.isnan(quantize([np.nan], "FP4")[0])


def test_overflow_is_what_a_plain_cast_does():
    # FP16: max 65504; 65519 rounds down to it, 65520 (the midpoint to 2^16) overflows
    assert quantize([65519, 65520, 1e6, np.inf], "FP16").tolist() == [65504, np.inf, np.inf, np.inf]
    assert quantize([-1e6], "FP16")[0] == -np.inf
    assert np.isinf(quantize([np.inf], "BF16")[0]) and np.isinf(quantize([1e5], "FP8 E5M2")[0])
    # E4M3 ("fn"): no infinity, overflow is NaN; 464 is a tie that rounds to even (448)
    assert quantize([464.0], "FP8 E4M3")[0] == 448 and np.isnan(quantize([470.0], "FP8 E4M3")[0])


def test_saturation_is_an_explicit_mode():
    assert quantize([1e6, np.inf, -np.inf], "FP16", saturate=True).tolist() == [65504, 65504, -65504]
    assert quantize([470.0], "FP8 E4M3", saturate=True)[0] == 448
    assert np.isnan(quantize([np.nan], "FP16", saturate=True)[0])


def test_blocks_run_along_rows():
    # a 3 x 20 matrix with MX blocks of 32: each row is its own (padded) block, so a large
    # value in one row does not change the scale of another
    x = np.full((3, 20), 0.1)
    x[0, 0] = 100.0
    q = quantize(x, "MXFP4")
    assert np.array_equal(q[1], q[2]) and q[1, 0] == quantize(np.full(20, 0.1), "MXFP4")[0]
    assert q[1, 0] != 0 and q[0, 1] == 0        # the outlier only swamps its own row


def test_shared_exponent_is_exact_at_powers_of_two():
    # log2 of values just below a power of two can round up in floating point; frexp does not
    amax = np.nextafter(8.0, 0)
    q = block_quantize([amax], "FP4 E2M1", 1, "E8M0")     # floor(log2) = 2 -> scale 1
    assert q[0] == 6.0


def test_power_of_two_scales_clip_about_two_blocks_in_five():
    x = np.random.default_rng(0).standard_normal((512, 512))
    assert 0.25 < clipped_blocks(x, block_size=32) < 0.5
    assert clipped_blocks(x, block_size=32) == pytest.approx(
        np.mean([clipped_blocks(row, block_size=32) for row in x]), rel=1e-9)


def _outlier_weights(n=8192, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(n) * 0.02
    w[rng.choice(n, n // 256, replace=False)] *= 40     # rare large outliers
    return w


def _rel_rms(q, x):
    return np.sqrt(np.mean((q - x) ** 2) / np.mean(x ** 2))


def test_block_scales_matter_on_outlier_heavy_weights():
    w = _outlier_weights()
    plain, mx, nv = (_rel_rms(quantize(w, f), w) for f in ("FP4", "MXFP4", "NVFP4"))
    # without a scale, the ordinary weights (std 0.02, below FP4's smallest step) vanish
    assert np.mean(quantize(w, "FP4") == 0) > 0.99 and plain > 0.3
    assert mx < 0.25 and nv < mx  # smaller blocks and a finer scale: NVFP4 wins
    assert _rel_rms(quantize(w, "MXFP8"), w) < 0.1


def test_mx_scale_is_a_power_of_two_per_block():
    # OCP MX: scale = 2^(floor(log2(amax)) - emax_elem), emax_elem = 2 for E2M1
    x = np.linspace(-1, 1, 64) * np.repeat([1.0, 100.0], 32)
    q = quantize(x, "MXFP4")
    for block, amax in ((q[:32], 1.0), (q[32:], 100.0)):
        scale = 2.0 ** (np.floor(np.log2(amax)) - 2)
        assert np.all(np.isin(block / scale, representable_values("FP4")))


def test_shapes_are_kept():
    x = np.ones((3, 5))
    assert quantize(x, "NVFP4").shape == (3, 5)
    assert quantize(2.0, "FP8").shape == ()


finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)


@given(arrays(float, st.integers(1, 80), elements=finite), st.sampled_from(ELEMENTS + ["MXFP4", "NVFP4", "MXFP8"]))
def test_quantize_is_idempotent_and_sign_symmetric(x, name):
    q = quantize(x, name, saturate=True)
    # NVFP4's tensor scale is recomputed from q's maximum, which float rounding can move
    # by an ulp: idempotent to rounding error, not bit for bit
    np.testing.assert_allclose(quantize(q, name, saturate=True), q, rtol=1e-12, atol=0)
    assert np.array_equal(quantize(-x, name, saturate=True), -q)


@given(arrays(float, st.integers(2, 60), elements=finite), st.sampled_from(ELEMENTS))
def test_quantize_is_monotonic(x, name):
    xs = np.sort(x)
    assert np.all(np.diff(quantize(xs, name, saturate=True)) >= 0)


@given(arrays(float, st.integers(1, 40), elements=finite), st.sampled_from(ELEMENTS))
def test_quantize_picks_a_nearest_representable_value(x, name):
    v = representable_values(name)
    q = quantize(x, name, saturate=True)
    clipped = np.clip(x, v.min(), v.max())
    best = np.min(np.abs(v[None, :] - clipped[:, None]), axis=1)
    assert np.allclose(np.abs(q - clipped), best)
