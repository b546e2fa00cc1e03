"""The argument declarations: one per argument, parsed once, every bad argument reported."""
import traceback

import numpy as np
import pytest

from course_lib import Q_, UnitArgumentError, constant
from course_lib.declare import accepts, choice, count, flag, fraction, quantity, ratio


@accepts(returns="s", size=quantity("GB"), rate=quantity("GB/s", positive=True),
         n=count(whole=True, minimum=1), share=fraction(), overlap=flag(),
         mode=choice("ring", "tree", aliases={"nvls": "tree"}),
         price=quantity("USD/kWh", default="US industrial electricity price"),
         latency=quantity("s"))
def f(size, rate, n=1, share=1.0, overlap=True, mode="ring", price=None, latency="0 s"):
    """A model for the tests."""
    f.seen = dict(size=size, rate=rate, n=n, share=share, overlap=overlap, mode=mode,
                  price=price, latency=latency)
    return latency + size / rate


def test_values_arrive_converted_and_the_result_in_the_declared_unit():
    t = f("3 GB", "400 Gb/s", 2, "50 %", False, "NVLS")
    assert t.units == Q_(1, "s").units and t.m == pytest.approx(0.06)
    seen = f.seen
    assert seen["n"] == 2 and type(seen["n"]) is float         # a count is a plain number
    assert seen["share"] == 0.5 and seen["overlap"] is False and seen["mode"] == "tree"


def test_defaults_come_from_the_table_parsed_once_and_none_means_default():
    assert f.defaults["price"] == constant("US industrial electricity price")
    assert f.defaults["latency"] == Q_(0, "s")                 # the literal, converted once
    f("1 GB", "1 GB/s", price=None)
    assert f.seen["price"] == constant("US industrial electricity price")
    f("1 GB", "1 GB/s", price="0.2 USD/kWh")
    assert f.seen["price"] == Q_(0.2, "USD/kWh")


def test_the_docstring_names_each_table_default_and_its_source():
    assert "Defaults" in f.__doc__ and "price = 0.0806 USD/kWh" in f.__doc__
    assert "EIA" in f.__doc__


def test_every_bad_argument_is_reported_in_one_error():
    with pytest.raises(UnitArgumentError) as err:
        f(3, "0 GB/s", n=0.5, share=2, overlap="no", mode="star")
    text = str(err.value)
    assert text.startswith("6 arguments are wrong")
    for name in ("size", "rate", "n", "share", "overlap", "mode"):
        assert f"f(): {name}" in text


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(size=3), "size needs an amount of data"),
    (dict(rate="0 GB/s"), "rate must not be zero"),
    (dict(size=Q_(float("nan"), "GB")), "finite"),
    (dict(n=0.5), "n must be a whole number"),
    (dict(n=0), "n must be at least 1"),
    (dict(n="4 GB"), "n must be a count"),
    (dict(n=True), "the boolean True"),
    (dict(size=True), "the boolean True"),
    (dict(overlap="no"), "overlap must be True or False"),
    (dict(overlap=0), "overlap must be True or False"),
    (dict(mode="Star"), "mode must be one of 'ring', 'tree'"),
    (dict(size="9**9**9 GB"), "powers of powers"),
    (dict(size="1" * 100_000 + " GB"), "too long"),
])
def test_each_kind_of_bad_value_gets_a_clear_message(kwargs, fragment):
    args = dict(size="1 GB", rate="1 GB/s") | kwargs
    with pytest.raises((TypeError, ValueError)) as err:
        f(**args)
    assert fragment in str(err.value)
    assert len(str(err.value)) < 400                  # a short excerpt, never the input back


def test_the_traceback_stops_at_the_public_function():
    try:
        f("1 s", "1 GB/s")
    except UnitArgumentError as exc:
        frames = traceback.extract_tb(exc.__traceback__)
    assert [fr.name for fr in frames] == ["test_the_traceback_stops_at_the_public_function",
                                          "wrapper"]


def test_python_s_own_errors_for_a_wrong_call():
    with pytest.raises(TypeError, match="missing a required argument"):
        f("1 GB")
    with pytest.raises(TypeError, match="unexpected keyword"):
        f("1 GB", "1 GB/s", colour="red")
    with pytest.raises(TypeError, match="multiple values"):
        f("1 GB", "1 GB/s", size="2 GB")


def test_arrays_pass_through_and_are_checked_element_by_element():
    t = f(Q_(np.array([1.0, 2.0]), "GB"), "1 GB/s")
    assert t.m.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="negative"):
        f(Q_(np.array([1.0, -2.0]), "GB"), "1 GB/s")


def test_a_signature_literal_beside_a_table_default_is_refused():
    with pytest.raises(TypeError, match="signature default must be None"):
        @accepts(price=quantity("USD/kWh", default="US industrial electricity price"))
        def g(price="0.1 USD/kWh"):
            return price


def test_ratio_bounds():
    @accepts(pue=ratio(1.0), share=ratio(0, below=1))
    def g(pue=1.2, share=0.0):
        return pue, share

    assert g("1.3", "10 %") == (1.3, 0.1)
    with pytest.raises(ValueError, match="at least 1"):
        g(0.9)
    with pytest.raises(ValueError, match="below 1"):
        g(1.1, 1)


def test_every_public_model_declares_its_arguments():
    import inspect

    import course_lib

    undeclared = []
    for name in course_lib.__all__:
        fn = getattr(course_lib, name)
        if not inspect.isfunction(fn) or fn.__module__.split(".")[-1] in ("units", "data",
                                                                           "checks", "formats"):
            continue
        if not hasattr(fn, "declared"):
            undeclared.append(name)
    # plain helpers whose arguments are names, records or arrays of raw numbers
    # and the capstone's, which take a Scenario (or its name) and check each lever's unit
    # and range when the scenario is read (course_lib.scenarios._quantity)
    assert set(undeclared) <= {"ring_all_reduce_states", "great_circle_distance",
                               "server_overhead", "peak_rate", "scenario", "scenario_names",
                               "parse_scenario", "ground_cost", "orbit_cost", "breakeven",
                               "breakevens", "sensitivity"}, undeclared


# ---- results that overflow, arrays where one number is meant, errors of inner calls ---------

@pytest.mark.filterwarnings("error")      # refused, not shown as numpy's overflow warning
def test_a_result_that_overflows_is_refused_naming_the_function_and_the_argument():
    from course_lib import collective_time, decode_step_time, training_flops

    with pytest.raises(ValueError, match=r"training_flops\(\): the result overflows the range "
                                         r"of floating-point numbers .*params=1e\+308 is too large"):
        training_flops(1e308, 10)
    with pytest.raises(ValueError, match=r"collective_time\(\): the result overflows.*size="):
        collective_time("all-reduce", Q_(1e308, "GB"), 8, "450 GB/s", "1 us")
    # an inner function that receives the overflowed value: still the outer's overflow
    with pytest.raises(ValueError, match=r"^decode_step_time\(\): the result overflows.*context"):
        decode_step_time("Llama-3-8B", 8, 1e306, "H100")


def test_a_non_finite_result_of_a_declared_body_is_caught_cheaply():
    @accepts(x=quantity("m"))
    def cube(x):
        return x ** 3

    assert cube("2 m") == Q_(8, "m^3")
    with pytest.raises(ValueError, match=r"cube\(\): the result overflows .*x=1×10²⁰⁰ m is too large"):
        cube("1e200 m")

    @accepts(finite=False, x=quantity("m"))
    def cube_or_inf(x):
        return x * x * x

    assert np.isinf(cube_or_inf("1e200 m").m)


def test_scalar_arguments_refuse_arrays_naming_the_argument():
    from course_lib import decode_step_time

    @accepts(n=count(whole=True, minimum=1, scalar=True), t=quantity("s", scalar=True))
    def g(n, t="1 s"):
        return n * t

    assert g(2) == Q_(2, "s")
    with pytest.raises(TypeError, match=r"g\(\): n must be one number, got an array of 2"):
        g([1, 2])
    with pytest.raises(TypeError, match=r"g\(\): t must be one number, got an array of 3"):
        g(1, Q_([1, 2, 3], "s"))
    with pytest.raises(TypeError, match=r"decode_step_time\(\): devices must be one number, "
                                        r"got an array of 2"):
        decode_step_time("Llama-3-8B", 8, 1000, "H100", devices=[1, 2])


def test_an_inner_declared_function_s_error_names_the_caller_s_argument():
    @accepts(length=quantity("m", positive=True))
    def inner(length):
        if length > Q_(1, "km"):
            raise ValueError("inner(): length must be at most 1 km.")
        return length

    @accepts(size=quantity("m"), other=quantity("m"))
    def outer(size, other="1 m"):
        return inner(size) + inner(other * 2)

    with pytest.raises(ValueError, match=r"^outer\(\): size must not be zero"):
        outer("0 m")                                  # checked by inner, passed on unchanged
    with pytest.raises(ValueError, match=r"^outer\(\): size must be at most 1 km"):
        outer("2 km")                                 # inner's own body, same argument
    with pytest.raises(ValueError, match=r"^inner\(\): length must not be zero"):
        outer("1 m", "0 m")                           # a computed value: where it failed


def test_the_kit_s_nested_calls_name_the_caller_s_arguments():
    from course_lib import specific_power
    from course_lib.explorers.memory import parts

    with pytest.raises(ValueError, match=r"^parts\(\): context must not be negative"):
        parts("Llama-3-8B", "BF16", "BF16", -1, 1, "serving")
    with pytest.raises(ValueError, match=r"^specific_power\(\): radiator_temperature 150.0 K is "
                                         r"too cold: the radiator cannot reject heat"):
        specific_power(radiator_temperature="150 K")


@pytest.mark.parametrize("value", [0.5, "30", Q_(0.5, ""), Q_(50, "%"), "30 km", True,
                                   float("nan")])
def test_an_angle_needs_an_angle_unit(value):
    from course_lib import eclipse_fraction

    with pytest.raises((TypeError, ValueError), match="beta"):
        eclipse_fraction("550 km", value)
    if not isinstance(value, bool):
        with pytest.raises(TypeError, match='"30 deg"'):
            eclipse_fraction("550 km", value)


def test_angles_with_units_are_read_in_their_unit():
    from course_lib import eclipse_fraction

    assert eclipse_fraction("550 km", "0.5 rad") == eclipse_fraction("550 km", Q_(0.5, "rad"))
    assert eclipse_fraction("550 km", "90 deg") == eclipse_fraction("550 km", Q_(0.25, "turn"))


def test_flags_take_true_or_false_only():
    from course_lib import quantize

    for bad in ("no", 0, 1, None):
        with pytest.raises(TypeError, match="quantize\\(\\): saturate must be True or False"):
            quantize([1e6], "FP16", saturate=bad)
    assert quantize([1e6], "FP16", saturate=True)[0] == 65504      # and infinities still pass
    assert np.isinf(quantize([1e6], "FP16")[0])


def test_every_declared_functions_defaults_convert():
    """Defaults are converted at a function's first use, not at import: convert them all
    here, so that a wrong row or literal fails the suite, not a student's first call."""
    import importlib
    import pkgutil

    import course_lib

    declared = {f"{m.name}.{n}": fn for m in pkgutil.iter_modules(course_lib.__path__)
                for n, fn in vars(importlib.import_module(f"course_lib.{m.name}")).items()
                if callable(fn) and hasattr(fn, "declared") and hasattr(fn, "defaults")}
    assert len(declared) > 60
    for name, fn in declared.items():
        converted = dict(fn.defaults)                   # raises if one does not convert
        assert {n for n, a in fn.declared.items() if a.default} <= converted.keys(), name


def test_a_default_that_does_not_convert_is_the_kits_error_not_the_callers():
    @accepts(t=quantity("s"))
    def g(t="5 kg"):
        return t

    with pytest.raises(TypeError, match=r"@accepts on g: the default of t does not convert"):
        g("2 s")
