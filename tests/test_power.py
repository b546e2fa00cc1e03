"""Chapter 04's models: power, energy, money, land, water, growth."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from course_lib import Q_
from course_lib.data import system
from course_lib.power import (annualized_cost, average_power, cooling_water, doubling_time,
                              emissions, energy, energy_cost, facility_power, grow, it_power,
                              revenue_to_power, server_overhead, solar_area, supply_gap,
                              training_energy)
from course_lib.units import UnitArgumentError


def test_conversions_are_exact():
    # pint's year is the Julian year: 365.25 days = 8766 h
    assert energy("1 GW").m_as("TWh") == pytest.approx(8.766)
    assert average_power("8.766 TWh").m_as("GW") == pytest.approx(1)
    assert energy("1 kW", "1 hour").m_as("kWh") == pytest.approx(1)
    assert energy_cost("1 MWh", "0.1 USD/kWh").m_as("USD") == pytest.approx(100)


def test_published_training_energy_reproduced():
    # GPT-3 (Patterson et al. 2021, arXiv:2104.10350): 10,000 V100 x 14.8 days x 330 W x
    # PUE 1.10 -> 1,287 MWh reported; 0.429 kg/kWh -> 552 t CO2e reported
    e = training_energy(10_000 * Q_(14.8, "day"), "330 W", 1.10)
    assert e.m_as("MWh") == pytest.approx(1287, rel=0.002)
    assert emissions(e, "429 g/kWh").m_as("t") == pytest.approx(552, rel=0.003)
    # BLOOM (Luccioni et al. 2022, arXiv:2211.02001): 1,082,990 A100-hours x 400 W = 433 MWh;
    # 57 g/kWh (French grid) -> 24.7 t
    bloom = training_energy("1082990 hour", "400 W")
    assert bloom.m_as("MWh") == pytest.approx(433.2, rel=1e-3)
    assert emissions(bloom, "57 g/kWh").m_as("t") == pytest.approx(24.69, rel=2e-3)


def test_overhead_and_pue_applied_once_and_published_system_powers():
    assert it_power("H100", 8).m_as("kW") == pytest.approx(10.2)            # DGX H100 rating
    assert it_power("GB200", 72).m_as("kW") == pytest.approx(120)           # NVL72 rack
    assert it_power("B200", 8).m_as("kW") == pytest.approx(14.3)            # DGX B200
    assert server_overhead(system("DGX H100")) == pytest.approx(10.2 / 5.6)
    assert it_power("H100", 8, overhead=1).m_as("kW") == pytest.approx(5.6)
    it = it_power("H100", 1000)
    assert facility_power(it, 1.5) == 1.5 * it
    assert facility_power(facility_power(it, 1), 1.2).m_as("MW") == pytest.approx(it.m_as("MW") * 1.2)


def test_cost_shares_sum_to_one_and_match_the_published_breakdown():
    """Epoch AI's 1 GW GB200 NVL72 campus is 1 GW of IT nameplate: 38 billion USD of capex
    (25 of servers, so 25 / 600,000 GPUs each), servers 5, energy 0.6 and other opex 0.3
    billion USD a year, 8.5 in all with financing. Facility capex and opex are per IT watt."""
    assert sum(annualized_cost(500_000).shares.values()) == pytest.approx(1)
    n = (Q_(1, "GW") / it_power("GB200", 1)).m_as("")
    assert n == pytest.approx(600_000)
    epoch = dict(price_per_accelerator=Q_(25e9 / n, "USD"))
    c = annualized_cost(n, **epoch)
    assert c.it_power.m_as("GW") == pytest.approx(1)
    assert c.accelerators.m_as("GUSD/year") == pytest.approx(5.0)
    assert c.facility.m_as("GUSD/year") == pytest.approx(13 / 14)       # 13 USD/W over 14 years
    assert c.other.m_as("GUSD/year") == pytest.approx(0.3)              # 0.9 - 0.6 of energy
    assert c.energy.m_as("GUSD/year") == pytest.approx(0.6, rel=0.15)
    # with a 7 % cost of capital the total comes to Epoch's 8.5 billion USD/yr
    assert annualized_cost(n, cost_of_capital=0.07, **epoch).total.m_as("GUSD/year") == \
        pytest.approx(8.5, rel=0.02)
    # per facility watt instead would shrink the facility part by the PUE
    assert c.facility / c.facility_power.m_as("GW") < c.facility


@given(p1=st.floats(0.01, 1), p2=st.floats(0.01, 1))
def test_cost_is_monotone_in_price_and_energy_share_too(p1, p2):
    lo, hi = sorted((p1, p2))
    a = annualized_cost(1000, electricity_price=Q_(lo, "USD/kWh"))
    b = annualized_cost(1000, electricity_price=Q_(hi, "USD/kWh"))
    assert a.total <= b.total and a.shares["energy"] <= b.shares["energy"] + 1e-12


@given(power=st.floats(1, 1e10), hours=st.floats(1, 1e5), k=st.floats(0.1, 10))
def test_energy_is_linear_in_power_and_time(power, hours, k):
    e = energy(Q_(power, "W"), Q_(hours, "hour")).m_as("MWh")
    assert energy(Q_(k * power, "W"), Q_(hours, "hour")).m_as("MWh") == pytest.approx(k * e)
    assert energy(Q_(power, "W"), Q_(k * hours, "hour")).m_as("MWh") == pytest.approx(k * e)


def test_revenue_to_power_by_hand():
    r = revenue_to_power("40e9 USD", "40000 USD", "GB200", pue=1.2, accelerator_share=1)
    assert r.accelerators == pytest.approx(1e6)
    assert r.it_power.m_as("GW") == pytest.approx(1e6 * 1.2e3 * 120 / 86.4 / 1e9)
    assert r.facility_power == 1.2 * r.it_power


def test_solar_density_and_capacity_factor_are_both_ac():
    """EIA's capacity factor is on AC nameplate, so the default density must be LBNL's per
    MW(AC): their product is LBNL's measured energy yield of a tracking plant, 394 MWh per
    acre per year (Bolinger and Bolinger 2022). The DC density would overstate it by 1.3x."""
    from course_lib import constant
    ac = constant("solar land tracking AC") * constant("US utility solar capacity factor")
    assert ac.to("MWh/year/acre").m == pytest.approx(constant("solar energy yield tracking").m,
                                                      rel=0.01)
    dc = constant("solar land tracking") * constant("US utility solar capacity factor")
    assert dc.to("MWh/year/acre").m > 1.3 * constant("solar energy yield tracking").m
    assert solar_area.defaults["power_density"] == constant("solar land tracking AC")


def test_solar_area_and_water_by_hand():
    # 1 GW average / 0.25 = 4 GW(AC) nameplate; 0.18 MW(AC) per acre (about 4,047 m^2; pint's
    # acre is the US survey acre, 4 ppm larger than the international one)
    assert solar_area("1 GW").m_as("km^2") == pytest.approx(4e3 / 0.18 * 4046.86 / 1e6, rel=1e-4)
    assert solar_area("1 GW", capacity_factor=1).m_as("km^2") == pytest.approx(solar_area("0.25 GW").m_as("km^2"))
    # 1 MW / 2.442 MJ/kg = 0.4095 kg/s
    assert cooling_water("1 MW").m_as("L/s") == pytest.approx(1 / 2.442, rel=1e-4)
    assert cooling_water(Q_([1, 2], "MW")).shape == (2,)


def test_growth_helpers():
    assert grow(Q_(1, "GW"), "1 year", "3 year").m_as("GW") == pytest.approx(8)
    assert doubling_time(2).m_as("year") == pytest.approx(1)
    assert doubling_time(16).m_as("month") == pytest.approx(3)
    assert supply_gap("3 month", "1 year") == pytest.approx(16)


@pytest.mark.parametrize("call, error, words", [
    (lambda: facility_power("1 MW", 0.9), ValueError, "pue must be at least 1"),
    (lambda: solar_area("1 GW", capacity_factor=1.2), ValueError, "capacity_factor"),
    (lambda: energy_cost("1 MWh", "-0.1 USD/kWh"), ValueError, "price"),
    (lambda: energy("1 MJ"), UnitArgumentError, "power"),
    (lambda: it_power("H100", -5), ValueError, "count"),
    (lambda: annualized_cost(10, pue=0.8), ValueError, "pue"),
    (lambda: doubling_time(1), ValueError, "never doubles"),
    (lambda: revenue_to_power("1e9 USD", "0 USD"), ValueError, "price_per_accelerator"),
])
def test_bad_input_is_refused_with_its_name(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_arrays_work():
    counts = np.array([1000, 2000])
    assert it_power("H100", counts).shape == (2,)
    assert facility_power(Q_([1, 2], "MW"), 1.2).shape == (2,)
    assert energy(Q_([1, 2], "MW")).shape == (2,)
