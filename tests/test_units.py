import functools

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


MINUS_SIGNS = ["-", "\u2212", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015",
               "\ufe63", "\uff0d", "\u02d7"]
GROUP_SEPARATORS = [" ", "\u00a0", "\u202f", "\u2009"]


@pytest.mark.parametrize("minus", MINUS_SIGNS)
def test_every_minus_sign_people_type_is_a_minus(minus):
    """U+2212 from a PDF, dashes from a phone: a minus, never dropped ("5 - 3 GB" was 15 GB)."""
    from course_lib.units import parse_quantity

    assert parse_quantity(f"{minus}3 GB") == Q_(-3, "GB")
    assert parse_quantity(f"2e{minus}3 s") == Q_(2e-3, "s")
    with pytest.raises(ValueError):
        parse_quantity(f"5 {minus} 3 GB")          # a number minus data: refused, not 15 GB


@pytest.mark.parametrize("text, value, unit", [
    ("1 000 Gparam", 1000, "Gparam"), ("1 000.5 GB", 1000.5, "GB"),
    ("1\u00a0000 W", 1000, "W"), ("12\u202f345\u202f678 token", 12345678, "token"),
    ("1\u2009000,5 W", 1000.5, "W"), ("3,5 GB", 3.5, "GB"), ("0,500 s", 0.5, "s"),
    ("1234,5 W", 1234.5, "W"), ("1,500,000 W", 1.5e6, "W"), ("1,500.5 W", 1500.5, "W"),
    ("0,82 s", 0.82, "s"), ("2 kW\u00b7h", 2, "kWh"), ("4\u00d710^3 W", 4000, "W"),
    ("3 cent/hour", 0.03, "USD/hour"), ("5\u00a0GB", 5, "GB"), ("0.01 1/year", 0.01, "1/year")])
def test_numbers_are_read_as_their_writer_meant_them(text, value, unit):
    """Thousands grouped by spaces are one number; a decimal comma where it cannot group
    thousands; commas grouping thousands where they cannot be decimal."""
    from course_lib.units import parse_quantity

    assert parse_quantity(text).m_as(unit) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text, shown", [
    ("1,500 GB", ["1500", "1.500"]), ("$1,000", ["1000", "1.000"]),
    ("1.500,5 W", ["1500.5"]), ("1,5,3 W", ["not a number"]),
    ("1234 567 W", ["side by side"]), ("5 \u2603 GB", ["U+2603"]), ("3'000 W", ["U+0027"]),
    ("3 \u20ac", ["U+20AC"])])
def test_ambiguous_or_unread_text_is_refused_with_what_to_write(text, shown):
    """Never read differently from what the student meant: both readings, or the character."""
    from course_lib import check
    from course_lib.units import parse_quantity

    with pytest.raises(ValueError) as err:
        parse_quantity(text)
    assert all(s in str(err.value) for s in shown), str(err.value)
    msg = check(text, Q_(1500, "GB"), quiet=True).message
    assert "Correct" not in msg and all(s in msg for s in shown), msg


def _typed(number: str, minus: str, separator: str, comma: bool) -> str:
    """``number`` (like "-1234567.25") as a person might type it."""
    sign, digits = (minus, number[1:]) if number.startswith("-") else ("", number)
    whole, _, decimals = digits.partition(".")
    groups = [whole[max(i - 3, 0):i] for i in range(len(whole), 0, -3)][::-1]
    text = sign + separator.join(groups)
    if decimals:
        text += ("," if comma and separator != "," else ".") + decimals
    return text


@given(st.integers(-10**12, 10**12), st.integers(0, 99), st.sampled_from(MINUS_SIGNS),
       st.sampled_from(GROUP_SEPARATORS), st.booleans(), st.data())
def test_typed_numbers_round_trip_in_every_unit_of_the_tables(whole, cents, minus, separator,
                                                              comma, data):
    """parse(format(q)) == q for every unit the tables use, with each minus sign, thousands
    separator and decimal mark a reader may type."""
    from course_lib.units import parse_quantity

    unit = data.draw(st.sampled_from(sorted(_table_units())))
    number = f"{whole}.{cents:02d}" if cents else str(whole)
    text = f"{_typed(number, minus, separator, comma)} {unit}"
    assert parse_quantity(text) == Q_(float(number), unit), text


@functools.lru_cache(maxsize=1)
def _table_units() -> set[str]:
    """Every unit spelt in a table's header or in a constant's row."""
    from course_lib.data import _constants, table_names, table_units

    units = {u for t in table_names() for u in table_units(t).values()}
    return units | {c.unit for c in _constants() if c.unit}




def test_a_half_written_unit_cache_costs_time_not_the_import(tmp_path):
    """Kernels that start together share pint's disk cache, which pint writes in place: one
    may read another's half-written file. The import then builds the registry without it."""
    import subprocess
    import sys

    code = "from course_lib import Q_; print(Q_(1, 'GiB').to('B').m)"
    env = {**__import__("os").environ, "COURSE_LIB_CACHE": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert first.returncode == 0 and first.stdout.strip() == "1073741824", first.stderr[-1000:]
    cached = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".txt")]
    assert cached, "pint wrote no cache"
    for p in cached:
        p.write_bytes(p.read_bytes()[:10])                 # cut short, as mid-write
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert again.returncode == 0 and again.stdout.strip() == "1073741824", again.stderr[-1000:]
