"""One regression test per class of bad input a careless or hostile user tried (the fuzz test
in test_fuzz.py keeps the whole surface so; these name the cases that once failed)."""

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
def test_answer_strings_that_would_hang_the_parser_are_refused(text):
    fb = check(text, Q_(1, "s"), quiet=True)
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
    n = spares_needed(int(3.4e13), "0.1/year", "1 year")
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


# ---- arrays where one number is meant; angles; flags; records taken for numbers ----------

def _array_cases():
    """(function, argument) for every declared number argument of every public function
    with a valid call in test_fuzz.VALID."""
    import inspect

    import course_lib
    from test_fuzz import VALID

    for fn_name, (args, kwargs) in sorted(VALID.items()):
        fn = getattr(course_lib, fn_name)
        names = list(inspect.signature(fn).parameters)
        given = dict(zip(names, args)) | kwargs
        for param, arg in getattr(fn, "declared", {}).items():
            value = given.get(param, fn.defaults.get(param))
            if arg.kind in ("quantity", "count", "fraction", "ratio") and value is not None \
                    and np.ndim(getattr(one := arg.convert(value, param, fn_name), "m", one)) == 0:
                yield pytest.param(fn_name, param, one, id=f"{fn_name}-{param}")


@pytest.mark.parametrize("fn_name, param, value", list(_array_cases()))
def test_two_values_give_two_results_or_a_one_number_refusal(fn_name, param, value):
    import course_lib
    from test_fuzz import _call

    arg = getattr(course_lib, fn_name).declared[param]
    pair = (Q_(np.array([value.m, value.m]), value.units) if arg.kind == "quantity"
            else np.array([value, value], dtype=float))
    try:
        result = _call(fn_name, param, pair)
    except TypeError as exc:
        assert arg.scalar and f"{fn_name}(): {param} must be one number, got an array of 2" \
            in str(exc), str(exc)
        return
    assert not arg.scalar, "a scalar argument took an array"
    fields = vars(result).values() if hasattr(type(result), "__dataclass_fields__") else [result]
    shapes = {np.shape(getattr(f, "magnitude", f)) for f in fields}
    assert (2,) in shapes, shapes


def test_every_angle_argument_refuses_a_plain_number():
    import course_lib

    angles = [(n, p) for n in course_lib.__all__
              for p, a in getattr(getattr(course_lib, n), "declared", {}).items()
              if getattr(a, "angle", False)]
    assert ("eclipse_fraction", "beta") in angles and ("dawn_dusk_beta", "declination") in angles
    for fn_name, param in angles:
        a = getattr(course_lib, fn_name).declared[param]
        with pytest.raises(UnitArgumentError, match=f'{param}="30 deg"'):
            a.convert(0.5, param, fn_name)


@pytest.mark.parametrize("point", [(51.5, True), (True, 0.0), (float("nan"), 0.0),
                                   (0.0, float("inf")), (Q_(0.9, ""), 0.0), ("51", "0")])
def test_coordinates_refuse_booleans_nan_and_bare_numbers_in_text(point):
    from course_lib import great_circle_distance

    with pytest.raises((TypeError, ValueError), match=r"great_circle_distance\(\): a's l"):
        great_circle_distance(point, "London")


def test_coordinates_as_plain_degrees_or_angles_agree():
    from course_lib import great_circle_distance

    assert great_circle_distance((51.5, -0.1), "London") == \
        great_circle_distance(("51.5 deg", Q_(-0.1, "deg")), "London")


def test_every_boolean_argument_is_a_flag():
    import inspect

    import course_lib

    # checks.py and units.py check their own (quiet, allow_zero)
    exempt = {("check", "quiet"), ("compare_estimate", "quiet"), ("require_positive", "allow_zero")}
    loose = [(n, p.name) for n in course_lib.__all__ if callable(getattr(course_lib, n))
             and not isinstance(getattr(course_lib, n), type)
             for p in inspect.signature(getattr(course_lib, n)).parameters.values()
             if isinstance(p.default, bool) and (n, p.name) not in exempt
             and getattr(getattr(getattr(course_lib, n), "declared", {}).get(p.name),
                         "kind", None) != "flag"]
    assert not loose


def test_a_breakdown_taken_for_a_number_says_which_attribute_to_take():
    from course_lib import annualized_cost, ground_cost, specific_power, training_memory
    from course_lib import launches_per_year

    mass = specific_power()
    message = ("specific_power() gives a breakdown of parts, not a number: take .total "
               "(or .specific_power).")
    for use in (lambda: Q_(1, "W") / mass, lambda: mass * 2, lambda: 2 * mass,
                lambda: mass + mass, lambda: sum([mass]), lambda: mass ** 2,
                lambda: Q_(np.ones(2), "W") / mass, lambda: np.float64(2) * mass,
                lambda: float(mass), lambda: f"{mass:.1f}", lambda: np.asarray(mass),
                lambda: mass < Q_(1, "kg")):
        with pytest.raises(TypeError) as err:
            use()
        assert str(err.value) == message
    assert Q_(1, "W") / mass.total > 0 and mass == mass and f"{mass}" == str(mass)
    with pytest.raises(TypeError, match=r"training_memory\(\) gives .* take \.total\.$"):
        training_memory("8 Gparam") * 2
    with pytest.raises(TypeError, match=r"annualized_cost\(\) gives"):
        annualized_cost(1000) / 2
    with pytest.raises(TypeError, match=r"take \.per_gpu_hour \(or \.total"):
        ground_cost("baseline-2026") * 1
    # passed whole as an argument: the argument is named too
    with pytest.raises(TypeError, match=r"launches_per_year\(\): specific_power must be a "
                                        r"quantity .*; specific_power\(\) gives .* take \.total"):
        launches_per_year("1 GW/year", mass)


def test_a_breakeven_taken_for_a_number_says_take_value():
    from course_lib import breakeven

    b = breakeven("orbit-optimistic", "launch_price")
    for use in (lambda: b * 2, lambda: Q_(1, "USD/kg") * b, lambda: float(b)):
        with pytest.raises(TypeError, match=r"^breakeven\(\) gives .*not a number: take \.value\.$"):
            use()
