import numpy as np
import pytest

from course_lib.checks import check
from course_lib.units import Q_


def run(answer, expected, **kw):
    fb = check(answer, expected, quiet=True, **kw)
    return bool(fb), fb.message


def test_placeholder_is_reported_as_unanswered():
    ok, msg = run(..., Q_(80, "GB"))
    assert not ok and "Not answered" in msg


def test_correct_answers_pass_in_any_unit_of_the_dimension():
    assert run(Q_(80, "GB"), Q_(80, "GB"))[0]
    assert run("640 Gbit", Q_(80, "GB"))[0]
    assert run(Q_(0.0804, "TB"), Q_(80, "GB"))[0]          # within 1 %
    assert not run(Q_(0.0804, "TB"), Q_(80, "GB"), rtol=1e-3)[0]
    assert run(3, 3)[0]


def test_missing_unit_is_named_with_a_fix():
    ok, msg = run(80, Q_(80, "GB"))
    assert not ok and "no unit" in msg and "Q_(80, 'GB')" in msg


def test_wrong_dimension_names_both_quantities_in_words():
    ok, msg = run(Q_(80, "s"), Q_(80, "GB"))
    assert not ok and "a time (seconds)" in msg and "an amount of data (bytes)" in msg
    ok, msg = run(Q_(700, "W"), Q_(6, "MWh"))
    assert "you gave 700 W, a power (watts); the question asks for an energy (joules)" in msg


def test_declared_mistakes_come_before_generic_hints():
    # 2 B/param instead of 16: a factor 8 that is not bits vs bytes
    ok, msg = run(Q_(16, "GB"), Q_(128, "GB"), mistakes=[(1 / 8, "only the weights")])
    assert "only the weights" in msg and "bits" not in msg


def test_answer_in_a_required_unit():
    assert not run(Q_(1, "TB"), Q_(931.3, "GiB"), unit="GiB")[0]
    assert run(Q_(931.32, "GiB"), Q_(1, "TB"), unit="GiB")[0]


def test_inverted_answer_is_spotted():
    ok, msg = run(Q_(1, "s/GB"), Q_(1, "GB/s"))
    assert "upside down" in msg


@pytest.mark.parametrize("answer, fragment", [
    (Q_(640, "GB"), "bits and bytes"),
    (Q_(10, "GB"), "bits and bytes"),
    (Q_(80, "GiB"), "GB vs GiB"),
    (Q_(80, "TB"), "prefix slip"),
    (Q_(80, "MB"), "prefix slip"),
])
def test_off_by_a_factor_names_the_usual_suspect(answer, fragment):
    ok, msg = run(answer, Q_(80, "GB"))
    assert not ok and fragment in msg


def test_arrays_are_compared_elementwise():
    ok, msg = run(Q_(np.array([1.0, 2.0, 5.0]), "GB"), Q_(np.array([1.0, 2.0, 3.0]), "GB"))
    assert not ok and "index 2" in msg
    assert run(Q_(np.array([1.0, 2.0]), "GB"), Q_(np.array([1.0, 2.0]), "GB"))[0]


def test_check_prints_once(capsys):
    fb = check(Q_(80, "GB"), Q_(80, "GB"))
    assert capsys.readouterr().out.strip() == fb.message


@pytest.mark.parametrize("answer, expected", [
    (Q_(14000, "m^2"), Q_(14000 / 1.024, "m^2")), (Q_(500, "USD/kg"), Q_(500 / 1.024, "USD/kg")),
    (Q_(0.8, "s"), Q_(0.1, "s")), (Q_(17, "percent"), Q_(17 / 1.024, "percent"))])
def test_information_hints_fire_only_for_information(answer, expected):
    ok, msg = run(answer, expected)
    assert not ok and "bits" not in msg and "binary" not in msg


def test_percent_hint_fires_for_plain_numbers_only():
    assert "a share is a fraction" in run(30, 0.3)[1]
    assert "a share is a fraction" not in run(Q_(30, "s"), Q_(0.3, "s"))[1]


@pytest.mark.parametrize("answer, expected", [(Q_(2.1, "s"), Q_(2.0, "s")),
                                              (Q_(9.7, "MWh"), Q_(2.3, "MWh")),
                                              (Q_(48.3, "W"), Q_(1.7, "W")),
                                              (Q_(0.00123, "t"), Q_(3.7, "t"))])
def test_no_message_gives_the_ratio_or_the_expected_value(answer, expected):
    msg = run(answer, expected)[1]
    ratio = (answer / expected).m_as("")
    for shown in {f"{ratio:.3g}", f"{1 / ratio:.3g}", f"{expected.m:.2g}", f"{expected.m:g}"}:
        assert shown not in msg.replace(f"{answer.m:g}", ""), (shown, msg)


def test_close_but_outside_the_tolerance_says_so_with_the_tolerance():
    msg = run(Q_(1.02, "s"), Q_(1.0, "s"), rtol=0.01)[1]
    assert "outside the tolerance of 0.01 (1 %)" in msg and "1 times" not in msg


def test_mass_for_volume_names_the_density():
    """04.6's slip: a mass flow of water where a volume flow is asked."""
    msg = run(Q_(35_000, "t/day"), Q_(35_000, "m^3/day"))[1]
    assert "divide by the density" in msg and "35,000" not in msg.replace("35000", "")
    assert "multiply by the density" in run(Q_(3, "m^3"), Q_(3, "t"))[1]


@pytest.mark.parametrize("rtol", [float("inf"), float("nan"), -0.01, 1.0, 5, True, "0.01", None])
def test_a_tolerance_is_a_number_in_zero_to_one(rtol):
    """rtol=inf once made any answer "Correct"."""
    with pytest.raises((TypeError, ValueError), match="rtol"):
        check("1 GB", Q_(8, "GB"), rtol=rtol, quiet=True)


@pytest.mark.parametrize("answer", [
    Q_(np.complex128(8.03 + 5j), "GB"), Q_(8.03 + 0j, "GB"), 8.03 + 5j, np.array([8.03 + 1j]),
    "8.03+5j GB"])
def test_complex_answers_are_never_correct(answer):
    ok, msg = run(answer, Q_(8.03, "GB"))
    assert not ok and "Correct" not in msg


@pytest.mark.parametrize("answer", [10**400, Q_(10**400, "GB"), -10**400])
def test_integers_beyond_floats_get_a_message_not_an_overflow(answer):
    ok, msg = run(answer, Q_(8.03, "GB"))
    assert not ok and "too large" in msg


@pytest.mark.parametrize("answer", [0, 1e-12, 5e-11, 2.5e-21 * 1.5])
def test_a_plain_number_gets_the_unit_hint_only_when_it_matches(answer):
    """06.1 with a plain 0 once heard "the number matches if it is in J"."""
    ok, msg = run(answer, Q_(2.87e-21, "J"))
    assert not ok and "no unit" in msg and "matches" not in msg
    assert "matches if it is in J" in run(2.87e-21, Q_(2.87e-21, "J"))[1]


@pytest.mark.parametrize("expected", [Q_(0, "GB"), Q_(1e-308, "GB"), Q_(5e-324, "GB"),
                                      Q_([0.0, 1.0], "GB")])
def test_extreme_expected_values_give_a_verdict(expected):
    ok, msg = run(Q_(np.ones(np.shape(expected.m)), "GB"), expected)
    assert not ok and msg.startswith("Not quite")
    assert run(expected, expected)[0]


def test_unit_strings_are_bounded():
    for unit in ("GB**9**9**9", "GB*" * 5000):
        with pytest.raises(TypeError, match="not read|too long"):
            check("1 GB", Q_(1, "GB"), unit=unit, quiet=True)


def test_dimensions_without_a_name_are_said_from_what_was_given():
    """"2.7 1/J" was "a quantity in s²/kg/m²"."""
    msg = run("2.7 1/J", Q_(1, "J"))[1]
    assert "the inverse of an energy" in msg and "s²" not in msg
    assert "per hour or per year" in run("3 GB", Q_(1, "USD/hour"))[1]


def test_an_answer_rounded_too_early_is_told_so_not_a_prefix_slip():
    """1,100 FLOP/B against 1,125 is 1.024 times off: the student rounded, not KiB."""
    ok, msg = run("1,100 FLOP/B".replace(",", ""), Q_(1125, "FLOP/B"), rtol=0.02)
    assert not ok and "rounded to 2 significant figures" in msg and "KiB" not in msg
    ok, msg = run(200, 205.7, rtol=0.01, mistakes=[(Q_(200), "you left out the spares")])
    assert "rounded to 1 significant figure" in msg and "if you did not round" in msg
    assert "spares" in msg


def test_binary_prefixes_are_suspected_for_amounts_of_data_only():
    assert "KiB" in run(Q_(1024, "kB"), Q_(1000, "kB"))[1]
    assert "KiB" not in run(Q_(1.024 * 1137, "FLOP/B"), Q_(1137, "FLOP/B"))[1]


def test_whole_number_answers_say_round_up_or_down():
    ok, msg = run(97, 98, rtol=0)
    assert "whole number" in msg and "tolerance of 0" not in msg


def test_compare_estimate_shows_once(capsys):
    from course_lib.checks import compare_estimate

    said = compare_estimate(Q_(3, "GB"), Q_(10, "GB"))
    said._ipython_display_()
    assert capsys.readouterr().out.count("Your estimate") == 1
    quiet = compare_estimate(Q_(3, "GB"), Q_(10, "GB"), quiet=True)
    quiet._ipython_display_()
    assert capsys.readouterr().out.count("Your estimate") == 1 and quiet == said


def test_the_percent_hint_is_for_shares_not_counts_or_ratios():
    """feedback("01.5", 100) heard "a share is a fraction" on a count of GPUs."""
    assert "fraction" not in run(300, 3)[1]
    assert "fraction" not in run(3000, 30)[1]
    assert "fraction" in run(30, 0.3)[1]
