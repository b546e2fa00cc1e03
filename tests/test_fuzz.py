"""Every public function against careless and hostile input, driven by the declarations.

For each public function there is one valid call (``VALID``; a test keeps that list equal
to ``course_lib.__all__``). Then every argument of that call is replaced, one at a time,
by values of the bad classes that apply to it: the call must raise ``TypeError``,
``ValueError`` or ``KeyError`` (an unknown name) with a short message that names the
argument, within a second. Crashes from inside the library (``AttributeError``,
``ZeroDivisionError``, ``OverflowError``, ``AssertionError``, ``IndexError``, ``KeyError:
''``...), silent acceptance, hangs and long messages fail. Hypothesis then draws valid
values from each declaration (magnitudes from 1e-6 to 1e6 of the declared unit): the
result must be finite and, unless the model says otherwise, not negative.
"""
from __future__ import annotations

import inspect

import numpy as np
import pint
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import course_lib
from course_lib import Q_
from course_lib.data import accelerators

# A valid call of every public function: (args, kwargs).
VALID = {
    "as_quantity": (("80 GB", "memory", "GB"), {}),
    "as_count": (("70 Gparam", "params", "param"), {}),
    "require_positive": ((Q_(1, "W"), "power"), {}),
    "require_fraction": (("90 %", "share"), {}),
    "parse_quantity": (("80 GB",), {}),
    "dimensionality_of": (("GB/s",), {}),
    "describe_dimension": ((Q_(1, "W"),), {}),
    "table_names": ((), {}),
    "read_table": (("accelerators",), {}),
    "accelerators": ((), {}),
    "models": ((), {}),
    "power_scales": ((), {}),
    "interconnects": ((), {}),
    "systems": ((), {}),
    "cities": ((), {}),
    "rivers": ((), {}),
    "build_times": ((), {}),
    "launch_vehicles": ((), {}),
    "launches": ((), {}),
    "number_formats": ((), {}),
    "training_recipes": ((), {}),
    "parse_table": (("name,power [W],source,status\nlamp,60,shop,verified\n", "lamps"), {}),
    "table_units": (("accelerators",), {}),
    "lookup": ((accelerators(), "H100", "accelerator"), {}),
    "records": (("rivers", course_lib.River), {}),
    "normalize": (("H-100 sxm",), {}),
    "accelerator": (("H100",), {}),
    "model": (("Llama-3-70B",), {}),
    "power_scale": ((course_lib.power_scales()[0].name,), {}),
    "interconnect": (("NVLink 4",), {}),
    "system": (("DGX H100",), {}),
    "city": (("London",), {}),
    "constant": (("speed of light",), {}),
    "constant_record": (("speed of light",), {}),
    "river": ((course_lib.rivers()[0].name,), {}),
    "build_time": ((course_lib.build_times()[0].name,), {}),
    "launch_vehicle": (("Falcon 9 (reusable)",), {}),
    "check": (("400 GB/s", Q_(50, "GB/s")), {"quiet": True}),
    "compare_estimate": ((Q_(3, "GB"), Q_(10, "GB")), {"quiet": True}),
    "number_format": (("NVFP4",), {}),
    "representable_values": (("FP4 E2M1",), {}),
    "quantize": ((np.linspace(-1, 1, 8), "FP8 E4M3"), {}),
    "block_quantize": ((np.linspace(-1, 1, 32),), {"block_size": 16}),
    "clipped_blocks": ((np.linspace(-1, 1, 64),), {"block_size": 32}),
    "training_flops": (("70 Gparam", "15 Ttoken"), {}),
    "compute_time": (("1e21 FLOP", 1000, "H100"), {}),
    "peak_rate": (("H100", "FP8"), {}),
    "weights_memory": (("70 Gparam", "FP8"), {}),
    "kv_cache_memory": ((80, 8, 128, 8192), {"batch": 4}),
    "activation_memory": ((80, 8192, 64, 4096), {}),
    "training_memory": (("8 Gparam",), {}),
    "devices_to_fit": (("140 GB", "H100"), {}),
    "transfer_time": (("1 GB", "400 Gb/s", "2 us"), {}),
    "collective_time": (("all-reduce", "1 GB", 8, "450 GB/s", "1 us"), {}),
    "algorithm_bandwidth": (("1 GB", "10 ms"), {}),
    "bus_bandwidth": (("all-reduce", "1 GB", "10 ms", 8), {}),
    "crossover_size": (("450 GB/s", "0.47 us"), {"op": "all-gather", "devices": 8}),
    "hierarchical_all_reduce_time": (("1 GB", 8, 4, "450 GB/s", "50 GB/s"), {}),
    "data_parallel_step": (("8 Gparam", "4 Mtoken", 64, "DGX H100"), {}),
    "sun_synchronous_inclination": (("650 km",), {}),
    "dawn_dusk_beta": (("650 km",), {}),
    "critical_intensity": (("H100",), {"fmt": "FP8"}),
    "roofline_time": (("1e12 FLOP", "1 GB", "H100"), {}),
    "decode_step_time": (("Llama-3-8B", 8, 1000, "H100"), {}),
    "decode_throughput": (("Llama-3-8B", 8, 1000, "H100"), {}),
    "prefill_time": (("Llama-3-8B", 1000, "H100"), {}),
    "energy_per_token": (("Llama-3-8B", 8, 1000, "H100"), {}),
    "tokens_per_joule": (("Llama-3-8B", 8, 1000, "H100"), {}),
    "max_batch": (("Llama-3-8B", 1000, "H100", "50 ms"), {}),
    "devices_needed": (("Llama-3-8B", 1000, "L20", "50 ms"), {}),
    "serving_bound": (("Llama-3-8B", 500, 300, "H100"), {}),
    "training_step": (("70 Gparam", "16 Mtoken", 64, "DGX H100"), {"tensor_parallel": 8}),
    "ring_all_reduce_states": ((4,), {}),
    "propagation_delay": (("1000 km",), {}),
    "great_circle_distance": (("London", "New York"), {}),
    "orbital_path_length": (("London", "New York"), {}),
    "orbital_period": (("550 km",), {}),
    "eclipse_fraction": (("550 km",), {}),
    "solar_array_power": (("1 m^2",), {}),
    "array_area": (("1 MW",), {}),
    "radiator_flux": (("330 K",), {}),
    "radiator_area": (("1 MW", "330 K"), {}),
    "specific_power": ((), {"power": "10 MW"}),
    "launches_per_year": (("1 GW/year", "30 W/kg"), {}),
    "launch_cost_breakeven": (("100 W/kg",), {}),
    "surviving_fraction": (("0.1/year", "5 year"), {}),
    "spares_needed": ((1000, "0.1/year", "5 year"), {}),
    "server_overhead": (("DGX H100",), {}),
    "it_power": (("H100", 8), {}),
    "facility_power": (("100 MW",), {}),
    "energy": (("1 GW",), {}),
    "average_power": (("415 TWh",), {}),
    "energy_cost": (("1 MWh",), {}),
    "emissions": (("1 MWh",), {}),
    "training_energy": (("1e6 hour", "700 W"), {}),
    "annualized_cost": ((100_000,), {}),
    "revenue_to_power": (("1e9 USD", "40000 USD"), {}),
    "solar_area": (("1 GW",), {}),
    "cooling_water": (("1 MW",), {}),
    "grow": ((Q_(1, "GW"), "1 year", "3 year"), {}),
    "growth_factor": (("frontier compute growth", "2 year"), {}),
    "doubling_time": ((4,), {}),
    "supply_gap": (("1 year", "5 year"), {}),
    "landauer_energy": ((), {"bits": 16}),
    "energy_per_flop": (("H100",), {"fmt": "FP8"}),
    "flop_per_joule": (("H100",), {"fmt": "FP8"}),
    "power_for": (("1e30 FLOP/s", "1e12 FLOP/J"), {}),
    "fitted_growth": (([2020, 2021, 2022], Q_([1.0, 2.0, 4.0], "W")), {}),
    "compound": ((1.2e-9, 1e9), {}),
    "periods_to": ((2, 1.2e-9), {}),
    "mm1_wait": ((0.9, "1 s"), {}),
    "mmc_wait": ((8, 0.9, "1 s"), {}),
    "max_utilization": ((8, "1 s", "0.1 s"), {}),
    "green500_leaders": ((), {}),
    "green500_leader": (("2022-06",), {}),
    "scenario": (("baseline-2026",), {}),
    "scenario_names": ((), {}),
    "parse_scenario": (('base = "baseline-2026"\n[power]\nvalue = "2 GW"\nsource = "x"\n',), {}),
    "ground_cost": (("baseline-2026",), {}),
    "orbit_cost": (("baseline-2026",), {}),
    "satellite_specific_power": (("36.5 W/kg",), {}),
    "orbit_overhead": ((), {}),
    "breakeven": (("orbit-optimistic", "launch_price"), {}),
    "breakevens": (("orbit-optimistic", ["launch_price", "specific_power"]), {}),
    "monte_carlo": (("baseline-2026", 1000), {"seed": 1}),
    "sensitivity": (("baseline-2026",), {}),
}

# Arguments that take anything by design: they answer bad input with a message, not an error.
TOLERANT = {("check", "answer"), ("compare_estimate", "guess"), ("compare_estimate", "value"),
            ("normalize", "name"), ("describe_dimension", "q"), ("grow", "value"),
            ("as_quantity", "name"), ("as_quantity", "where"), ("as_quantity", "example"),
            ("as_count", "name"), ("as_count", "where"), ("require_positive", "name"),
            ("require_positive", "where"), ("require_fraction", "name"),
            ("require_fraction", "where"), ("lookup", "what"), ("check", "quiet"),
            ("compare_estimate", "quiet"), ("quantize", "saturate"), ("parse_table", "table"),
            ("fitted_growth", "values")}
# Arrays of raw numbers in which NaN and infinities are values a number format handles.
NAN_OK = {("quantize", "x"), ("block_quantize", "x"), ("clipped_blocks", "x")}
# Results that may be negative: a radiator colder than its surroundings absorbs heat; west
# longitudes; quantized values.
SIGNED_RESULTS = {"radiator_flux", "city", "quantize", "block_quantize", "representable_values"}
CRASHES = (AttributeError, ZeroDivisionError, OverflowError, AssertionError, IndexError,
           RecursionError, StopIteration, UnicodeError, NameError, LookupError)


# pint's own registry object: the kit reads strings with parse_quantity, which guards it.
NOT_FUNCTIONS = {"ureg"}


def public_functions():
    return sorted(n for n in course_lib.__all__ if n not in NOT_FUNCTIONS
                  and callable(obj := getattr(course_lib, n)) and not isinstance(obj, type))


def test_every_public_function_is_fuzzed():
    missing = set(public_functions()) - set(VALID)
    assert not missing, f"add a valid call of {sorted(missing)} to VALID in tests/test_fuzz.py"
    assert set(VALID) <= set(public_functions()), sorted(set(VALID) - set(public_functions()))


def _wrong_unit(unit: str):
    """A quantity of another dimension than ``unit``'s."""
    return Q_(3, "kg") if Q_(1, unit or "").dimensionality != Q_(1, "kg").dimensionality \
        else Q_(3, "s")


def bad_values(fn_name: str, param: str):
    """(label, value) pairs that no valid call takes for this argument."""
    fn = getattr(course_lib, fn_name)
    arg = getattr(fn, "declared", {}).get(param)
    common = [("None", None), ("True", True), ("object", object()), ("nan", float("nan")),
              ("empty array", np.array([])), ("nonsense", "nonsense"),
              ("huge string", "1" * 100_000 + " GB"), ("tower of powers", "9**9**9 s"),
              ("whitespace", "   ")]
    if arg is None:                       # names, records, formats, arrays of numbers
        return [c for c in common if not (c[0] == "None" and _default_is_none(fn, param))
                and not (c[0] == "nan" and (fn_name, param) in NAN_OK)]
    if arg.optional:
        common = [c for c in common if c[0] != "None"]
    common += [("complex", 1 + 2j), ("numpy complex", np.complex128(3 + 1j)),
               ("huge int", 10**400), ("record", _RECORD), ("dict", {"value": 1}),
               ("snowman", "3 \u2603")]
    if arg.kind in ("quantity", "count"):
        unit = arg.unit or ""
        if not arg.signed:
            common += [("typed minus", f"\u22121 {unit}"), ("typed dash", f"\u20131 {unit}")]
        common += [("ambiguous comma", f"1,500 {unit}"), ("mixed marks", f"1.500,5 {unit}"),
                   ("unread character", f"1'000 {unit}"),
                   ("complex quantity", Q_(1 + 2j, unit)), ("huge quantity", Q_(10**400, unit))]
    if arg.kind == "quantity":
        extra = [("plain number", 3.0), ("wrong dimension", _wrong_unit(arg.unit)),
                 ("inf", Q_(float("inf"), arg.unit)), ("list", [1, 2])]
        if not arg.signed:
            extra.append(("negative", Q_(-1.0, arg.unit)))
        if arg.positive:
            extra.append(("zero", Q_(0.0, arg.unit)))
    elif arg.kind == "count":
        extra = [("wrong dimension", _wrong_unit(arg.unit or "")), ("negative", -1),
                 ("inf", float("inf"))]
        if arg.whole:
            extra.append(("fraction", 1.5))
        if arg.minimum:
            extra.append(("below minimum", arg.minimum - 1))
    elif arg.kind == "fraction":
        extra = [("above one", 1.5), ("zero", 0), ("negative", -0.1), ("no", "no"),
                 ("with unit", "3 W")]
    elif arg.kind == "ratio":
        extra = [("below minimum", (arg.minimum or 0) - 0.5), ("with unit", "3 W")]
        if arg.below is not None:
            extra.append(("at bound", arg.below))
    elif arg.kind == "flag":
        extra = [("no", "no"), ("zero", 0), ("one", 1)]
        common = [c for c in common if c[0] not in ("True",)]
    else:                                             # choice
        extra = [("number", 3)]
    return common + extra


# A record where a number is expected: a break-even, a cost breakdown.
_RECORD = course_lib.specific_power()


def _default_is_none(fn, param) -> bool:
    p = inspect.signature(fn).parameters[param]
    return p.default is None


def _converter(arg) -> tuple:
    """What decides how a declared argument is checked: its kind and options."""
    return (arg.kind, arg.positive, arg.signed, arg.whole, arg.minimum is not None,
            arg.below is not None, arg.optional, arg.unit == "")


def _cases():
    """Every bad value of every undeclared argument (each has its own code); for declared
    ones, every bad value once per converter (the code they share) and then one per
    argument, taken in turn, so that each argument is still tried and each value often."""
    seen, turn = set(), 0
    for fn_name in sorted(set(public_functions()) & set(VALID)):    # the rest fail above
        fn = getattr(course_lib, fn_name)
        args, kwargs = VALID[fn_name]
        names = list(inspect.signature(fn).parameters)
        params = names[:len(args)] + list(kwargs)
        for param in params:
            if (fn_name, param) in TOLERANT:
                continue
            values = bad_values(fn_name, param)
            arg = getattr(fn, "declared", {}).get(param)
            if arg is not None and _converter(arg) in seen:
                values, turn = [values[turn % len(values)]], turn + 1
            elif arg is not None:
                seen.add(_converter(arg))
            for label, value in values:
                yield pytest.param(fn_name, param, value, id=f"{fn_name}-{param}-{label}")


def _call(fn_name, param, value):
    args, kwargs = VALID[fn_name]
    names = list(inspect.signature(getattr(course_lib, fn_name)).parameters)
    args = list(args)
    kwargs = dict(kwargs)
    if param in names[:len(args)]:
        args[names.index(param)] = value
    else:
        kwargs[param] = value
    return getattr(course_lib, fn_name)(*args, **kwargs)


@pytest.mark.parametrize("fn_name, param, value", list(_cases()))
def test_bad_input_gets_a_clear_error(fn_name, param, value):
    try:
        result = _call(fn_name, param, value)
    except CRASHES as exc:
        if type(exc) is KeyError and "No " in str(exc):   # an unknown name, with suggestions
            return
        pytest.fail(f"crash from inside the library: {type(exc).__name__}: {exc}"[:300])
    except (TypeError, ValueError) as exc:
        text = str(exc)
        assert len(text) < 600, text[:200]
        declared = param in getattr(getattr(course_lib, fn_name), "declared", {})
        if declared:
            assert param in text, text
        return
    pytest.fail(f"silently accepted: returned {result!r}"[:300])


def _magnitudes(result):
    if isinstance(result, pint.Quantity):
        return [np.asarray(result.magnitude, dtype=float)]
    if isinstance(result, (int, float, np.ndarray, np.number)):
        return [np.asarray(result, dtype=float)]
    if hasattr(result, "__dataclass_fields__"):
        return [m for f in result.__dataclass_fields__
                for m in _magnitudes(getattr(result, f))]
    return []


@pytest.mark.parametrize("fn_name", sorted(set(public_functions()) & set(VALID)))
def test_the_valid_call_is_finite_and_not_negative(fn_name):
    args, kwargs = VALID[fn_name]
    result = getattr(course_lib, fn_name)(*args, **kwargs)
    for m in _magnitudes(result):
        assert np.all(np.isfinite(m)), fn_name
        assert fn_name in SIGNED_RESULTS or np.all(m >= 0), fn_name


def _strategy(arg):
    """Valid values drawn from a declaration."""
    if arg.kind == "quantity":
        mags = st.floats(min_value=-6, max_value=6).map(lambda e: 10.0 ** e)
        if arg.signed:
            mags = st.tuples(mags, st.sampled_from([-1, 1])).map(lambda t: t[0] * t[1])
        return mags.map(lambda m: Q_(m, arg.unit))
    if arg.kind == "count":
        low = int(arg.minimum or (1 if arg.positive else 0))
        ints = st.integers(min_value=max(low, 0), max_value=100_000)
        return ints if arg.whole else st.one_of(ints, st.floats(min_value=max(low, 0) or 0.5,
                                                                max_value=1e6))
    if arg.kind == "fraction":
        return st.floats(min_value=0.01, max_value=1.0)
    if arg.kind == "ratio":
        low = arg.minimum or 0.0
        high = arg.below if arg.below is not None else low + 10
        return st.floats(min_value=low, max_value=high, exclude_max=arg.below is not None)
    if arg.kind == "flag":
        return st.booleans()
    return st.sampled_from(arg.options)


# The refusals a draw within the declarations may meet, each a limit the model states
# (a phrase of its message): anything else refusing a valid draw fails the test.
_OVERFLOW = ("overflows the range",)
_RADIATOR = ("too cold", "must be above sink_temperature")
_LAYOUT = ("must be a multiple of", "cannot be split", "must divide")
REFUSALS: dict[str, tuple[str, ...]] = {
    "collective_time": ("algorithm is modelled for",),
    "crossover_size": ("algorithm is modelled for",),
    "compound": _OVERFLOW, "grow": _OVERFLOW, "growth_factor": _OVERFLOW,
    "supply_gap": _OVERFLOW,
    "data_parallel_step": _LAYOUT, "training_step": _LAYOUT,
    "dawn_dusk_beta": ("stays within plus or minus the obliquity", "no sun-synchronous orbit"),
    "devices_needed": ("must be at most",),
    "serving_bound": ("does not fit on one",),
    "doubling_time": ("never doubles",),
    "fitted_growth": ("give values at two different years",),
    "mm1_wait": ("must be below 1",), "mmc_wait": ("must be below 1",),
    "periods_to": ("is never reached",),
    "radiator_area": _RADIATOR, "radiator_flux": _RADIATOR, "specific_power": _RADIATOR,
    "sun_synchronous_inclination": ("no sun-synchronous orbit",),
}

DECLARED = [n for n in public_functions() if hasattr(getattr(course_lib, n), "declared")
            and n in VALID]


@pytest.mark.parametrize("fn_name", DECLARED)
def test_valid_values_drawn_from_the_declarations_give_finite_results(fn_name):
    fn = getattr(course_lib, fn_name)
    args, kwargs = VALID[fn_name]
    names = list(inspect.signature(fn).parameters)
    base = dict(zip(names, args)) | kwargs

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(st.fixed_dictionaries({k: _strategy(v) for k, v in fn.declared.items()}))
    def run(drawn):
        call = base | drawn
        try:
            result = fn(**call)
        except ValueError as exc:             # only the physical refusals the model states
            reasons = REFUSALS.get(fn_name, ())
            assert any(r in str(exc) for r in reasons), f"refused a valid draw: {exc}"[:400]
            return
        for m in _magnitudes(result):
            assert not np.any(np.isnan(m)), (fn_name, drawn)
            assert fn_name in SIGNED_RESULTS or np.all(m >= 0), (fn_name, drawn)

    run()


def _typed_cases():
    """Each declared quantity or count of each valid call, and text as people type it."""
    for fn_name in DECLARED:
        args, kwargs = VALID[fn_name]
        fn = getattr(course_lib, fn_name)
        names = list(inspect.signature(fn).parameters)
        for param in names[:len(args)] + list(kwargs):
            arg = fn.declared.get(param)
            if arg is not None and arg.kind in ("quantity", "count"):
                yield pytest.param(fn_name, param, arg.unit or "", id=f"{fn_name}-{param}")


TYPED = [("1\u00a0000", 1000.0), ("1 000", 1000.0), ("1\u202f000,5", 1000.5), ("2,5", 2.5),
         ("1,500,000", 1.5e6), ("0,500", 0.5)]


def _outcome(fn_name, param, value):
    try:
        return ("result", _call(fn_name, param, value))
    except (TypeError, ValueError) as exc:
        return ("refused", type(exc).__name__)


def _same(a, b) -> bool:
    if isinstance(a, tuple) and a[0] == "result":
        ma, mb = _magnitudes(a[1]), _magnitudes(b[1])
        return len(ma) == len(mb) and all(np.allclose(x, y, rtol=1e-12, equal_nan=True)
                                          for x, y in zip(ma, mb))
    return a == b


@pytest.mark.parametrize("fn_name, param, unit", list(_typed_cases()))
def test_text_as_people_type_it_is_read_as_they_meant_it(fn_name, param, unit):
    """"1 000 Gparam" was 0 GB of weights, "1 000.5 GB" 0.5 GB: with a no-break, thin or
    plain space grouping thousands and a decimal comma, every declared argument gets the
    result of the number written plainly (or the same refusal)."""
    for text, value in TYPED:
        typed = _outcome(fn_name, param, f"{text} {unit}".strip())
        plain = _outcome(fn_name, param, Q_(value, unit) if unit else value)
        assert _same(typed, plain), (text, typed, plain)


@pytest.mark.parametrize("fn_name, param, unit", list(_typed_cases()))
def test_two_values_give_two_results_or_a_clear_refusal(fn_name, param, unit):
    """An array where a body works on one number (decode_step_time(devices=[1, 2])) once
    crashed inside numpy: two values give two answers, or an error naming the argument."""
    args, kwargs = VALID[fn_name]
    names = list(inspect.signature(getattr(course_lib, fn_name)).parameters)
    base = dict(zip(names, args)) | kwargs
    one = _outcome(fn_name, param, base[param])
    if one[0] != "result":
        return
    given_value = base[param]
    if np.ndim(given_value):
        return                                   # already several values
    q = (course_lib.parse_quantity(given_value) if isinstance(given_value, str)
         else Q_(given_value))
    pair = Q_(np.array([1.0, 2.0]) * q.m, q.units) if unit else np.array([1.0, 2.0]) * q.m
    try:
        result = _call(fn_name, param, pair)
    except (TypeError, ValueError) as exc:
        assert param in str(exc) and len(str(exc)) < 600, str(exc)[:200]
        return
    except CRASHES as exc:
        pytest.fail(f"crash from inside the library: {type(exc).__name__}: {exc}"[:300])
    mags = _magnitudes(result)
    assert mags and any(np.size(m) == 2 for m in mags), (fn_name, param, result)
