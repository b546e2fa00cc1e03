"""The ceilings (course_lib.limits): Landauer by hand, joules per FLOP from the table,
compounding against logarithms, queues against their closed forms and a published Erlang C
example, and clear refusals."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from course_lib import Q_, constant, constant_record, doubling_time, green500_leaders
from course_lib.limits import (compound, energy_per_flop, fitted_growth, flop_per_joule,
                               landauer_energy, max_utilization, mm1_wait, mmc_wait,
                               periods_to, power_for)
from course_lib.units import UnitArgumentError


def test_landauer_by_hand():
    """k T ln 2 = 1.380649e-23 J/K x 300 K x 0.693147 = 2.871e-21 J (k exact in the 2019 SI)."""
    assert landauer_energy().m_as("J") == pytest.approx(1.380649e-23 * 300 * math.log(2))
    assert landauer_energy("2.725 K", 16).m_as("J") == pytest.approx(
        16 * 1.380649e-23 * 2.725 * math.log(2))
    assert landauer_energy(bits=Q_(2, "byte")) == landauer_energy(bits=16)
    assert landauer_energy(Q_(26.85, "degC")).m_as("J") == pytest.approx(2.871e-21, rel=1e-3)


def test_energy_per_flop_from_the_datasheet():
    """NVIDIA's H100 SXM: 700 W over 989.4 dense BF16 TFLOP/s = 0.7075 pJ, 1.41 TFLOP/J."""
    assert energy_per_flop("H100").m_as("pJ/FLOP") == pytest.approx(700 / 989.4)
    assert flop_per_joule("H100", "FP8").m_as("TFLOP/J") == pytest.approx(1978.9 / 700)
    assert (energy_per_flop("B200", "FP4") * flop_per_joule("B200", "FP4")).m_as("") == \
        pytest.approx(1)


def test_power_for_a_rate():
    """1e30 FLOP/s at the H100's 1.41e12 FLOP/J: 7.07e17 W, four times the sunlight Earth
    intercepts (1.735e17 W)."""
    p = power_for("1e30 FLOP/s", flop_per_joule("H100"))
    assert p.m_as("W") == pytest.approx(1e30 * 700 / 989.4e12)
    rates = Q_(np.array([1e20, 1e30]), "FLOP/s")
    assert power_for(rates, "1e12 FLOP/J").m_as("W").tolist() == pytest.approx([1e8, 1e18])
    with pytest.raises(UnitArgumentError, match="efficiency"):
        power_for("1e30 FLOP/s", energy_per_flop("H100"))    # J/FLOP is not FLOP/J


def test_compounding_against_logarithms():
    assert compound(0.01, 70) == pytest.approx(1.01 ** 70)
    assert compound("1 %", 0) == 1
    # 1.2e-9 per cycle doubles after ln 2 / 1.2e-9 cycles, to a part in a billion
    assert periods_to(2, 1.2e-9) == pytest.approx(math.log(2) / math.log1p(1.2e-9), rel=1e-12)
    assert periods_to(2, 1.2e-9) == pytest.approx(5.776e8, rel=1e-3)
    assert compound(1.2e-9, periods_to(2, 1.2e-9)) == pytest.approx(2, rel=1e-12)
    assert periods_to(0.5, -0.1) == pytest.approx(math.log(0.5) / math.log(0.9))
    assert periods_to(1, 0.1) == 0


def test_periods_to_agrees_with_chapter_04s_doubling_time():
    """Growth of 4.5x a year doubles in 12 ln 2 / ln 4.5 = 5.53 months, either way."""
    months = periods_to(2, constant("frontier compute growth").m - 1) * 12
    assert months == pytest.approx(doubling_time(constant("frontier compute growth").m).m_as("month"))


@given(st.floats(-0.5, 2), st.floats(0, 50))
def test_compound_then_periods_to_round_trips(rate, periods):
    if abs(rate * periods) < 1e-6:        # a factor within 1e-6 of 1 keeps few of its digits
        return
    assert periods_to(compound(rate, periods), rate) == pytest.approx(periods, rel=1e-9, abs=1e-9)


def test_m_m_1_against_its_closed_form():
    """rho / (1 - rho) service times: 332.3 at 99.7 %, 999 at 99.9 %."""
    for rho in (0.1, 0.5, 0.9, 0.997, 0.999):
        q = mm1_wait(rho, "2 s")
        assert q.wait.m_as("s") == pytest.approx(2 * rho / (1 - rho))
        assert q.queue_length == pytest.approx(rho ** 2 / (1 - rho))
        assert q.probability_of_waiting == pytest.approx(rho)
        assert q.response.m_as("s") == pytest.approx(2 / (1 - rho))
    assert mmc_wait(1, 0.9, "1 s").wait.m_as("s") == pytest.approx(9)


def test_erlang_c_against_a_published_example():
    """Footbridge, Call Calc application note (al911.org/qos_calc.htm): 2 call takers,
    60-second calls arriving at 30 per hour (0.5 erlang): "fewer than 8 percent of callers
    will wait more than 10 seconds"; with 80-second calls, "14 percent". By hand: Erlang C
    = 0.1 and P(wait > 10 s) = 0.1 x exp(-2 x 0.75 x 10 / 60) = 0.0779."""
    q = mmc_wait(2, 0.25, "60 s")
    assert q.probability_of_waiting == pytest.approx(0.1)
    share_over_10s = 0.1 * math.exp(-2 * (1 - 0.25) * 10 / 60)
    assert share_over_10s < 0.08
    assert q.percentile(1 - share_over_10s).m_as("s") == pytest.approx(10)
    slow = mmc_wait(2, 30 * 80 / 3600 / 2, "80 s")
    assert slow.probability_of_waiting == pytest.approx(1 / 6)
    over = slow.probability_of_waiting * math.exp(-2 * (1 - slow.utilization) * 10 / 80)
    assert round(over, 2) == 0.14


def test_erlang_c_by_the_textbook_formula():
    """C(c, A) = (A^c / c! x c / (c - A)) / (sum_{k<c} A^k / k! + A^c / c! x c / (c - A))."""
    for c, rho in [(3, 2 / 3), (8, 0.9), (64, 0.95)]:
        a = c * rho
        top = a ** c / math.factorial(c) * c / (c - a)
        expected = top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)
        assert mmc_wait(c, rho, "1 s").probability_of_waiting == pytest.approx(expected)
    assert mmc_wait(3, 2 / 3, "1 s").probability_of_waiting == pytest.approx(4 / 9)


def test_queues_are_vectorised_over_utilization():
    rho = np.array([0.5, 0.9, 0.99])
    q = mmc_wait(8, rho, "1 s")
    assert q.wait.shape == (3,) and q.queue_length.shape == (3,)
    assert q.wait.m_as("s")[1] == pytest.approx(mmc_wait(8, 0.9, "1 s").wait.m_as("s"))
    assert q.percentile(0.99).shape == (3,)


@given(st.floats(0, 0.999), st.floats(0, 0.999), st.integers(1, 200))
def test_the_wait_grows_with_utilization(a, b, servers):
    low, high = sorted((a, b))
    assert mmc_wait(servers, low, "1 s").wait <= mmc_wait(servers, high, "1 s").wait * (1 + 1e-12)


@given(st.floats(0.01, 0.999), st.integers(1, 200), st.integers(1, 200))
def test_more_servers_wait_less_at_equal_utilization(rho, c1, c2):
    few, many = sorted((c1, c2))
    assert mmc_wait(many, rho, "1 s").wait <= mmc_wait(few, rho, "1 s").wait * (1 + 1e-9)


def test_max_utilization_meets_its_target():
    """M/M/1 with the wait at most one service time: rho / (1 - rho) = 1, rho = 1/2."""
    assert max_utilization(1, "1 s", "1 s") == pytest.approx(0.5, abs=1e-8)
    for servers in (8, 64, 1000):
        rho = max_utilization(servers, "1 s", "0.1 s")
        assert mmc_wait(servers, rho, "1 s").wait.m_as("s") <= 0.1
        assert mmc_wait(servers, min(rho + 1e-6, 0.999999), "1 s").wait.m_as("s") > 0.1
    assert max_utilization(1000, "1 s", "0.1 s") > max_utilization(8, "1 s", "0.1 s")


def test_fitted_growth():
    assert fitted_growth([2020, 2021, 2022], Q_([1, 2, 4], "W")) == pytest.approx(2)
    leaders = green500_leaders()
    growth = fitted_growth([r.year for r in leaders], Q_([r.efficiency.m for r in leaders], "GFLOP/s/W"))
    assert 1.2 < growth < 1.4          # Green500 leaders: about 30 % a year since 2013


@pytest.mark.parametrize("call, match", [
    (lambda: mm1_wait(1, "1 s"), "utilization must be below 1"),
    (lambda: mm1_wait(1.2, "1 s"), "grows without limit"),
    (lambda: mmc_wait(8, -0.1, "1 s"), "utilization"),
    (lambda: mmc_wait(8, np.array([0.5, 1.0]), "1 s"), "utilization must be below 1"),
    (lambda: mmc_wait(0, 0.5, "1 s"), "servers"),
    (lambda: mmc_wait(2.5, 0.5, "1 s"), "servers"),
    (lambda: mmc_wait(10 ** 7, 0.5, "1 s"), "servers must be at most"),
    (lambda: mm1_wait(0.5, "0 s"), "service_time"),
    (lambda: landauer_energy("0 K"), "temperature"),
    (lambda: landauer_energy("-5 K"), "temperature"),
    (lambda: landauer_energy("-300 degC"), "temperature"),
    (lambda: landauer_energy(bits=0), "bits"),
    (lambda: periods_to(2, 0), "never reached"),
    (lambda: periods_to(2, -0.1), "never reached"),
    (lambda: compound(-1, 3), "above -1"),
    (lambda: compound(True, 3), "rate"),
    (lambda: fitted_growth([2020], [1]), "two different years"),
    (lambda: fitted_growth([2020, 2021], [1, -1]), "positive"),
])
def test_bad_input_gets_a_clear_error(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_growth_factor_turns_a_growth_row_into_a_factor_over_any_duration():
    from course_lib import growth_factor

    assert growth_factor("frontier compute growth") == pytest.approx(4.5)
    assert growth_factor("frontier compute growth", "6 month") == pytest.approx(4.5 ** 0.5)
    assert growth_factor(constant("frontier power growth"), "2 year") == pytest.approx(2.2 ** 2)
    assert growth_factor(1.5, Q_([1, 2], "year")).tolist() == pytest.approx([1.5, 2.25])
    assert growth_factor(4.5, "-1 year") == pytest.approx(1 / 4.5)
    assert "growth_factor" in constant_record("frontier compute growth").notes
    with pytest.raises(ValueError, match="growth must be a factor above zero"):
        growth_factor(0)
    with pytest.raises(UnitArgumentError, match="growth_factor\\(\\): growth"):
        growth_factor(Q_(3, "W"))
    with pytest.raises(ValueError, match="growth_factor\\(\\): the result overflows"):
        growth_factor("frontier compute growth", "1e6 year")
