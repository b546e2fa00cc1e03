"""Chapter 05's models: orbits, sunlight, radiators, mass, launches, reliability."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from course_lib import Q_, constant
from course_lib.orbit import (DAWN_DUSK, array_area, dawn_dusk_beta, eclipse_fraction,
                              launch_cost_breakeven, launches_per_year, orbital_period,
                              radiator_area, radiator_flux, solar_array_power, spares_needed,
                              specific_power, sun_synchronous_inclination, surviving_fraction)
from course_lib.units import UnitArgumentError


def test_iss_period_from_its_altitude():
    # ISS at about 420 km: NASA gives about 93 minutes per orbit (15.5 orbits a day)
    assert orbital_period("420 km").m_as("min") == pytest.approx(93, rel=0.01)
    # by hand: 2 pi sqrt((6798.137 km)^3 / 3.986004418e14 m^3/s^2)
    a = 6798.137e3
    assert orbital_period("420 km").m_as("s") == pytest.approx(2 * np.pi * np.sqrt(a ** 3 / 3.986004418e14))


def test_eclipse_fraction_hand_checked_and_zero_out_of_the_shadow():
    # f = acos(sqrt(h^2 + 2 R h) / (R + h)) / pi at beta = 0; 400 km: about 39 %
    R, h = 6378.137, 400.0
    assert eclipse_fraction("400 km") == pytest.approx(np.arccos(np.sqrt(h * h + 2 * R * h) / (R + h)) / np.pi)
    assert eclipse_fraction("550 km") == pytest.approx(0.372, abs=0.002)
    assert eclipse_fraction("650 km", DAWN_DUSK) == 0
    # the shadow ends at beta* = asin(R / (R + h))
    beta_star = np.degrees(np.arcsin(R / (R + 550)))
    assert eclipse_fraction("550 km", Q_(beta_star + 0.1, "deg")) == 0
    assert eclipse_fraction("550 km", Q_(beta_star - 5, "deg")) > 0
    assert eclipse_fraction(Q_([400, 2000], "km")).shape == (2,)


def test_radiator_flux_against_hand_computation_and_a_published_figure():
    sigma = 5.670374419e-8
    # one face, emissivity 0.9, nothing absorbed, sink ignored: 0.9 sigma T^4
    flux = radiator_flux("300 K", 0.9, sink_temperature="0 K", absorbed_flux="0 W/m^2", sides=1)
    assert flux.m_as("W/m^2") == pytest.approx(0.9 * sigma * 300 ** 4)
    # Starcloud white paper: two-sided at 20 C emits 770 W/m^2, absorbs about 137, nets about 633
    net = radiator_flux(Q_(20, "degC").to("K"), 0.92, absorbed_flux="137 W/m^2")
    assert net.m_as("W/m^2") == pytest.approx(633, rel=0.005)
    assert radiator_area("1 MW", "300 K").m_as("m^2") == pytest.approx(1e6 / radiator_flux("300 K").m_as("W/m^2"))


def test_iss_radiators_and_arrays_from_the_tables():
    # ISS HRS: 70 kW from 6 panels of 23.3 m x 3.4 m at 14.2 kg/m^2 -> 10.4 W/kg (derived)
    mass = 6 * 23.3 * 3.4 * constant("ISS radiator areal density").m_as("kg/m^2")
    assert 70e3 / mass == pytest.approx(10.4, rel=0.01)
    # XTJ cells at AM0: 29.8 % of 1361 W/m^2 = 405.6 W per m^2 of cell
    assert solar_array_power("1 m^2", packing=1).m_as("W") == pytest.approx(405.6, rel=1e-3)


@given(t1=st.floats(250, 600), t2=st.floats(250, 600))
def test_area_decreases_with_temperature(t1, t2):
    lo, hi = sorted((t1, t2))
    if hi - lo < 1e-6:
        return
    assert radiator_area("1 MW", Q_(hi, "K")) < radiator_area("1 MW", Q_(lo, "K"))


@given(p=st.floats(0.01, 100), k=st.floats(1.1, 10), s=st.floats(5, 500))
def test_launches_scale_linearly_with_power(p, k, s):
    a = launches_per_year(Q_(p, "GW/year"), Q_(s, "W/kg")).m_as("1/year")
    assert launches_per_year(Q_(k * p, "GW/year"), Q_(s, "W/kg")).m_as("1/year") == pytest.approx(k * a)


@given(s1=st.floats(1, 1000), s2=st.floats(1, 1000))
def test_breakeven_is_monotone_in_specific_power(s1, s2):
    lo, hi = sorted((s1, s2))
    assert launch_cost_breakeven(Q_(lo, "W/kg")) <= launch_cost_breakeven(Q_(hi, "W/kg"))


def test_breakeven_by_hand():
    # per W of IT over 5 years: 1.2 W x 43830 h x 0.0806 USD/kWh + 13 USD per IT W x 5/14
    # (Epoch's facility capex is per watt of IT equipment, not of facility power)
    ground = 1.2 * 43830 * 0.0806 / 1000 + 13 * 5 / 14
    assert launch_cost_breakeven("100 W/kg").m_as("USD/kg") == pytest.approx(100 * ground)


def test_specific_power_parts_and_eclipses():
    m = specific_power(beta=DAWN_DUSK)
    assert m.total.m_as("kg") == pytest.approx(sum(v.m_as("kg") for v in m.as_dict().values()))
    assert m.batteries.m_as("kg") == 0                            # dawn-dusk: no eclipse
    dark = specific_power(altitude="550 km", beta="0 deg")
    assert dark.batteries.m_as("kg") > 0 and dark.specific_power < m.specific_power
    assert dark.arrays.m_as("kg") == pytest.approx(m.arrays.m_as("kg") / (1 - eclipse_fraction("550 km")))


def test_sun_synchronous_orbit_and_its_eclipse_season():
    """Vallado's sun-synchronous inclination is about 97.9-98.0 deg near 650 km; the
    dawn-dusk orbit's smallest beta is 180 - i - obliquity = 58.6 deg, and there the kit's
    eclipse_fraction gives 0.20: a real eclipse season, which the default design sizes for."""
    i = sun_synchronous_inclination("650 km").m_as("deg")
    assert 97.9 < i < 98.1
    assert dawn_dusk_beta("650 km").m_as("deg") == pytest.approx(180 - i - 23.439)
    assert dawn_dusk_beta("650 km", "-23.439 deg").m_as("deg") == pytest.approx(i - 23.439)
    season = eclipse_fraction("650 km", dawn_dusk_beta("650 km"))
    assert season == pytest.approx(0.20, abs=0.005)
    m = specific_power()
    assert m.eclipse == pytest.approx(season)


def test_batteries_cycle_only_their_depth_of_discharge():
    """1 MW through a 0.2 x 97.7 min eclipse from 150 Wh/kg cells used to 30 %: 7.3 t."""
    m = specific_power()
    stored = 1e6 * m.eclipse * orbital_period("650 km").m_as("h")          # Wh
    assert m.batteries.m_as("kg") == pytest.approx(stored / (150 * 0.3))
    full = specific_power(depth_of_discharge=1.0)
    assert m.batteries.m_as("kg") == pytest.approx(full.batteries.m_as("kg") / 0.3)


def test_iss_as_flown_is_about_6_w_per_kg():
    """ISS wing 31 kW / 1100 kg and radiators 70 kW / 6736 kg, compute and 20 % structure."""
    flown = specific_power(beta=DAWN_DUSK, array_specific_power=constant("ISS array specific power"),
                           radiator_specific_power=constant("ISS radiator specific power"))
    by_hand = 1e6 / (1.2 * (1e6 / 28.2 + 1e6 / 10.4 + 11.3e3))
    assert flown.specific_power.m_as("W/kg") == pytest.approx(by_hand)
    assert 5 < by_hand < 7
    assert flown.specific_power < specific_power(beta=DAWN_DUSK).specific_power / 4


def test_reliability():
    assert surviving_fraction("0.1/year", "5 year") == pytest.approx(np.exp(-0.5))
    assert spares_needed(100, "0.1/year", "1 year", 0.5) == 10        # Poisson median of 10
    assert spares_needed(10, "0/year", "1 year") == 0
    big = spares_needed(2000, "0.1/year", "4 year", 0.99)             # mean 800, sd 28.3
    assert 800 + 2.2 * 28.3 < big < 800 + 2.5 * 28.3


@pytest.mark.parametrize("call, error, words", [
    (lambda: radiator_flux("2 K"), ValueError, "above sink_temperature"),
    (lambda: radiator_flux("300 K", emissivity=1.2), ValueError, "emissivity"),
    (lambda: orbital_period("-100 km"), ValueError, "altitude"),
    (lambda: specific_power(power="1 kg"), UnitArgumentError, "power"),
    (lambda: radiator_area("1 MW", "150 K"), ValueError, "absorbs"),
    (lambda: solar_array_power("1 m^2", eclipse=1.0), ValueError, "eclipse"),
    (lambda: launches_per_year("1 GW/year", "0 W/kg"), ValueError, "specific_power"),
    (lambda: launches_per_year("1 GW/year", "30 W/kg", "100 kW"), UnitArgumentError,
     "payload_per_launch"),
])
def test_bad_input_is_refused_with_its_name(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_arrays_work():
    assert orbital_period(Q_([400, 800], "km")).shape == (2,)
    assert radiator_area("1 MW", Q_([300, 350], "K")).shape == (2,)
    assert array_area(Q_([1, 2], "MW")).shape == (2,)


@pytest.mark.parametrize("p", [0.5, 0.95, 0.999])
def test_the_fast_poisson_quantile_equals_the_exact_sum(p):
    """Cornish-Fisher (used from a mean of 1e4, and for arrays from 100) against the exact
    sum of the Poisson probabilities, in log space."""
    import math

    from course_lib.orbit import _poisson_quantile, _poisson_quantiles

    def exact(mean):
        k = np.arange(max(0, math.floor(mean - 12 * math.sqrt(mean) - 20)),
                      math.ceil(mean + 12 * math.sqrt(mean) + 20) + 1)
        terms = -mean + k * math.log(mean) - np.array([math.lgamma(x + 1) for x in k])
        return int(k[np.searchsorted(np.cumsum(np.exp(terms)), p)])

    means = np.geomspace(100, 1e6, 13)
    assert [_poisson_quantile(m, p) for m in means] == [exact(m) for m in means]
    assert _poisson_quantiles(means, p).tolist() == [exact(m) for m in means]


def test_a_radiator_that_absorbs_more_than_it_emits_cannot_reject_heat():
    words = "cannot reject heat at that temperature with that absorbed flux"
    assert radiator_flux("195 K").m > 0                  # the crossing is near 192 K
    for call, who in ((lambda: radiator_flux("150 K"), "radiator_flux(): temperature"),
                      (lambda: radiator_flux("300 K", absorbed_flux="1000 W/m^2"),
                       "radiator_flux(): temperature"),
                      (lambda: radiator_area("1 MW", Q_([150, 300], "K")), "radiator_area(): temperature"),
                      (lambda: specific_power(radiator_temperature="150 K"),
                       "specific_power(): radiator_temperature")):
        with pytest.raises(ValueError) as err:
            call()
        assert str(err.value).startswith(who) and words in str(err.value)


def test_a_confidence_within_rounding_of_one_gives_a_count_not_an_index_error():
    """Found by drawing from the declarations: 0.9999999999999999 is below 1, so valid."""
    from course_lib import spares_needed

    n = spares_needed(4, "1/year", "1 year", confidence=0.9999999999999999)
    assert spares_needed(4, "1/year", "1 year", confidence=0.999999) <= n <= 4 + 12 * 2 + 21
