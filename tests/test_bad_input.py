"""One regression test per class of bad input a careless or hostile user tried (the fuzz test
in test_fuzz.py keeps the whole surface so; these name the cases that once failed)."""
import time

import numpy as np
import pytest

from course_lib import (Q_, UnitArgumentError, array_area, check, compare_estimate,
                        compute_time, data_parallel_step, devices_to_fit,
                        hierarchical_all_reduce_time, it_power, kv_cache_memory,
                        server_overhead, spares_needed, training_flops, weights_memory)
from course_lib.chapters import CHAPTERS
from course_lib.exercises import feedback, verdict

EXERCISES = [e for c in CHAPTERS for e in c.exercises]


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_an_empty_or_several_valued_answer_passes_no_exercise(ex):
    for answer in (Q_(np.array([]), ex.unit), np.array([]), Q_(np.array([1.0, 2.0]), ex.unit)):
        fb = feedback(ex.id, answer, quiet=True)
        assert not fb.passed and "Correct" not in fb.message
        assert not verdict(ex.id, answer, Q_(1.0, ex.unit))


@pytest.mark.parametrize("text", ["9**9**9 s", "9**9**6 s", "2^1000 s", "1" * 100_000 + " s"])
def test_answer_strings_that_would_hang_the_parser_are_refused_fast(text):
    start = time.perf_counter()
    fb = check(text, Q_(1, "s"), quiet=True)
    assert time.perf_counter() - start < 0.5
    assert not fb.passed and fb.message.startswith("Could not read") and len(fb.message) < 200


def test_a_one_element_list_is_read_as_its_number():
    assert "no unit" in check([2.684], Q_(2.684, "s"), quiet=True).message


def test_a_count_given_a_unit_says_so():
    with pytest.raises(UnitArgumentError, match="count must be a count .* a power"):
        it_power("H100", "8 kW")
    with pytest.raises(UnitArgumentError, match="batch must be a count"):
        kv_cache_memory(80, 8, 128, 8192, batch="4 GB")


def test_fractional_devices_and_domains_are_refused_not_negative():
    with pytest.raises(ValueError, match="domains must be a whole number"):
        hierarchical_all_reduce_time("1 GB", 8, 0.5, "450 GB/s", "50 GB/s")
    with pytest.raises(ValueError, match="devices must be a whole number"):
        data_parallel_step(8e9, 4e6, 0.5, "DGX H100")


def test_no_is_not_yes_and_true_is_not_a_number():
    with pytest.raises(TypeError, match="overlap must be True or False"):
        data_parallel_step(8e9, 4e6, 64, "DGX H100", overlap="no")
    with pytest.raises(TypeError, match="recompute must be True or False"):
        training_flops(8e9, 1e12, recompute="no")
    with pytest.raises(TypeError, match="boolean True"):
        weights_memory(True)


def test_impossible_requests_are_refused_or_answered_fast():
    with pytest.raises(ValueError, match="10\\^15 devices"):
        devices_to_fit("1e30 GB", "H100")
    with pytest.raises(ValueError, match="confidence must be below 1"):
        spares_needed(100, "0.1/year", "1 year", confidence=1.0)
    start = time.perf_counter()
    n = spares_needed(int(3.4e13), "0.1/year", "1 year")
    assert time.perf_counter() - start < 0.1
    assert 3.4e12 < n < 3.4e12 + 5 * 3.4e12 ** 0.5


def test_helpers_that_crashed():
    assert "zero" in compare_estimate(Q_(0, "GB"), Q_(10, "GB"), quiet=True)
    assert round(server_overhead("DGX H100"), 2) == 1.82
    with pytest.raises(ValueError, match="no area is enough"):
        array_area("1 MW", irradiance="0 W/m^2")
    with pytest.raises(TypeError, match="could not read"):
        kv_cache_memory(80, 8, 128, "   ")
    assert compute_time("1e21 FLOP", 8, "H100", fmt="fp8") == \
        compute_time("1e21 FLOP", 8, "H100", fmt="FP8 E4M3")
