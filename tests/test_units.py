import numpy as np
import pint
import pytest
from hypothesis import given, strategies as st

from course_lib.units import (Q_, UnitArgumentError, as_count, as_quantity, require_fraction,
                              require_positive, ureg)


def test_one_registry_is_the_application_registry():
    assert pint.get_application_registry().get() is ureg
    assert Q_(1, "GB")._REGISTRY is ureg


def test_information_is_a_dimension():
    with pytest.raises(pint.DimensionalityError):
        Q_("1 byte") + 3
    assert Q_("400 Gbit/s").to("GB/s").m == pytest.approx(50)
    assert Q_("1 GiB").to("B").m == 2 ** 30
    assert Q_("1 GB").to("B").m == 1e9


def test_kit_units_print_short():
    assert f"{Q_(1.8, 'TB/s'):.1f~P}" == "1.8 TB/s"
    assert str(Q_(989.4, "TFLOP/s")) == "989.4 TFLOP/s"
    assert str(Q_(3, "PFLOP")) == "3 PFLOP"
    assert Q_("1 PFLOP").to("FLOP").m == 1e15
    assert Q_("5 token/s").dimensionality == ureg.get_dimensionality("token/s")
    assert Q_("70 Gparam").to("param").m == 70e9
    assert str(Q_(2, "USD/kWh")) == "2 USD/kWh"
    with pytest.raises(pint.DimensionalityError):
        Q_("1 FLOP") + Q_("1 byte")


def test_as_quantity_accepts_quantities_and_strings():
    assert as_quantity("80 GB", "memory", "GB") == Q_(80, "GB")
    q = Q_(3, "TB")
    assert as_quantity(q, "memory", "GB") is q


@pytest.mark.parametrize("value, fragment", [
    (80, "plain number 80"),
    ("3 s", "a time (seconds)"),
    ("eighty gigs", "could not read"),
])
def test_as_quantity_errors_name_parameter_dimension_and_example(value, fragment):
    with pytest.raises(UnitArgumentError) as err:
        as_quantity(value, "memory", "GB", 'memory="80 GB"')
    text = str(err.value)
    assert "memory" in text and fragment in text and 'memory="80 GB"' in text
    assert isinstance(err.value, TypeError)  # pint's DimensionalityError is a TypeError


def test_counts_may_be_plain_numbers_or_in_their_unit():
    assert as_count(70e9, "params", "param") == Q_(70e9, "param")
    assert as_count("70 Gparam", "params", "param").m_as("param") == 70e9
    assert list(as_count([1, 2], "n").m) == [1, 2]
    with pytest.raises(ValueError, match="params"):
        as_count(-1, "params", "param")
    with pytest.raises(UnitArgumentError, match="params"):
        as_count("3 GB", "params", "param")


def test_physical_checks_name_the_parameter():
    with pytest.raises(ValueError, match="bandwidth"):
        require_positive(Q_(0, "GB/s"), "bandwidth")
    require_positive(Q_(0, "W"), "power", allow_zero=True)
    with pytest.raises(ValueError, match="efficiency"):
        require_fraction(1.2, "efficiency")
    assert require_fraction("90 %", "usable_fraction") == pytest.approx(0.9)


@given(st.floats(min_value=1e-6, max_value=1e6), st.sampled_from(["GB", "GiB", "MB", "TB", "bit"]))
def test_information_round_trips_through_bits(x, unit):
    q = Q_(x, unit)
    assert q.to("bit").to(unit).m == pytest.approx(x, rel=1e-12)
    assert q.to("bit").m == pytest.approx(8 * q.to("byte").m, rel=1e-12)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_plain_numbers_never_pass_as_a_dimension(x):
    with pytest.raises(UnitArgumentError):
        as_quantity(x, "power", "W")


@given(st.lists(st.floats(min_value=0, max_value=1e12), min_size=1, max_size=20))
def test_arrays_keep_their_units(values):
    q = as_quantity(Q_(np.array(values), "GB"), "memory", "GB")
    assert np.allclose(q.to("MB").m, np.array(values) * 1e3)


def test_the_registry_is_cached_where_asked_and_in_the_user_cache_otherwise(tmp_path):
    import os
    import subprocess
    import sys

    code = "import course_lib.units as u; print(u._cache_folder())"
    env = {k: v for k, v in os.environ.items() if k != "COURSE_LIB_CACHE"}
    asked = tmp_path / "asked"
    out = subprocess.run([sys.executable, "-c", code], env=env | {"COURSE_LIB_CACHE": str(asked)},
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(asked) and any(asked.glob("units-pint-*.txt"))
    home = tmp_path / "home"
    out = subprocess.run([sys.executable, "-c", code],
                         env=env | {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")},
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out.startswith(str(home)) and any(home.rglob("units-pint-*.txt"))


@pytest.mark.parametrize("text, value, unit", [
    ("1 h 49 min", 109, "min"), ("2 GB 500 MB", 2.5, "GB"), ("490 $/kg", 490, "USD/kg"),
    ("$3e9", 3e9, "USD"), ("2.54 kt", 2540, "t"), ("77 degC", 350.15, "K"),
    ("0.1/year", 0.1, "1/year"), ("400 Gb/s", 50, "GB/s")])
def test_strings_are_read_as_people_mean_them(text, value, unit):
    from course_lib.units import parse_quantity

    assert parse_quantity(text).m_as(unit) == pytest.approx(value)


@pytest.mark.parametrize("text, spelling", [("0,82 s", "'0.82 s'"), ("1,000 s", "'1000 s'")])
def test_a_decimal_comma_is_refused_with_the_spelling_to_use(text, spelling):
    from course_lib import check

    msg = check(text, Q_(0.82, "s"), quiet=True).message
    assert spelling in msg and "Correct" not in msg
