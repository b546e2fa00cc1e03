"""The capstone's model (course_lib.scenarios): each cost part by hand, the break-even
against its closed form, the Monte Carlo against an analytic mean, published comparisons
from their own inputs, and clear refusals of bad scenarios."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from course_lib import (Q_, constant, energy, energy_cost, facility_power, it_power,
                        spares_needed, specific_power)
from course_lib.scenarios import (LEVERS, breakeven, breakevens, ground_cost, monte_carlo,
                                  orbit_cost, scenario, scenario_names, sensitivity)
import course_lib.scenarios as scenarios
from course_lib.units import UnitArgumentError

BASE = scenario("baseline-2026")


def test_every_scenario_loads_and_every_lever_has_a_source():
    assert scenario_names() == ["baseline-2026", "grid-constrained", "orbit-optimistic"]
    for name in scenario_names():
        s = scenario(name)
        assert set(s.levers) == set(LEVERS)
        for lever in s.levers.values():
            assert lever.source and (not lever.uncertain or lever.range_source), (name, lever.name)
            assert lever.low <= lever.value <= lever.high


def test_the_ground_by_hand():
    """1 GW of GB200 servers: 1 GW / (1.2 kW x 1.39 rack overhead) accelerators, 50,000 USD
    over 5 years; the building 13 USD/W over 14 years; 1.2 GW x 0.8 x 8766 h x 0.0806
    USD/kWh; 0.3 USD/W a year."""
    g = ground_cost(BASE)
    gpus = (Q_(1, "GW") / it_power("GB200", 1)).m_as("")
    assert g.gpus == pytest.approx(gpus)
    assert g.accelerators.m_as("USD/year") == pytest.approx(gpus * 50_000 / 5)
    assert g.facility.m_as("USD/year") == pytest.approx(13e9 / 14)
    assert g.energy.m_as("USD/year") == pytest.approx(1.2e6 * 0.8 * 8766 * 0.0806)
    assert g.operations.m_as("USD/year") == pytest.approx(0.3e9)
    assert g.per_gpu_hour.m_as("USD/hour") == pytest.approx(
        g.total.m_as("USD/year") / (gpus * 0.8 * 8766))


def test_the_orbit_by_hand():
    o = orbit_cost(BASE)
    gpus, life = o.gpus, 5
    spares = spares_needed(int(round(gpus)), constant("GPU annual faulty-GPU rate"), "5 year")
    assert o.spare_gpus == spares
    design = (Q_(1, "GW") / specific_power().specific_power).m_as("kg")
    spare_kg = (it_power("GB200", spares) * constant("rack mass per power")).m_as("kg")
    assert o.mass.m_as("kg") == pytest.approx(design + spare_kg)
    price = BASE["launch_price"].m_as("USD/kg")
    assert o.launch.m_as("USD/year") == pytest.approx((design + spare_kg) * price / life)
    shares = specific_power().shares
    assert o.radiators.m_as("USD/year") == pytest.approx(design * shares["radiators"] * 800 / life)
    assert o.accelerators.m_as("USD/year") == pytest.approx(gpus * 50_000 / life)
    assert o.launches == pytest.approx((design + spare_kg) / 100_000)
    assert o.years_to_deliver.m_as("year") == pytest.approx(o.launches / 165)


def test_orbit_is_linear_in_launch_price_so_the_break_even_matches_the_closed_form():
    """orbit(p) = a + b p: the break-even is (ground - a) / b."""
    s = scenario("orbit-optimistic")
    a = orbit_cost(s.replace(launch_price="1 USD/kg")).total.m_as("USD/year")
    b = orbit_cost(s.replace(launch_price="2 USD/kg")).total.m_as("USD/year") - a
    closed = 1 + (ground_cost(s).total.m_as("USD/year") - a) / b
    found = breakeven(s, "launch_price")
    assert found.value.m_as("USD/kg") == pytest.approx(closed, rel=1e-6)
    assert found.orbit_cheaper == "below"
    fast = breakevens(s, ["launch_price"], refine=False, points=120)["launch_price"]
    assert fast.value.m_as("USD/kg") == pytest.approx(closed, rel=0.01)


def test_no_break_even_is_said_plainly():
    b = breakeven(BASE, "launch_price")
    assert b.value is None and b.orbit_cheaper == "nowhere" and "dearer" in b.note


@settings(max_examples=30, deadline=None)
@given(st.floats(1, 5000), st.floats(1, 5000))
def test_cheaper_launches_never_make_orbit_dearer(p1, p2):
    low, high = sorted((p1, p2))
    assert orbit_cost(BASE.replace(launch_price=Q_(low, "USD/kg"))).total <= \
        orbit_cost(BASE.replace(launch_price=Q_(high, "USD/kg"))).total


def test_monte_carlo_mean_converges_to_the_analytic_mean_of_a_linear_output():
    """Only the launch price uncertain, log-uniform on [500, 1500] USD/kg: the orbit's cost
    is linear in it, so its sample mean is the cost at the price's mean, (b - a) / ln(b / a)."""
    s = BASE
    for name, lever in BASE.levers.items():
        if lever.uncertain and name != "launch_price":
            s = s.with_range(name, lever.value, lever.value)
    s = s.with_range("launch_price", "500 USD/kg", "1500 USD/kg")
    assert s.levers["launch_price"].distribution == "loguniform"
    mean_price = 1000 / np.log(3)
    expected = orbit_cost(s.replace(launch_price=Q_(mean_price, "USD/kg"))).per_gpu_hour
    mc = monte_carlo(s, 200_000, seed=3)
    assert list(mc.drawn) == ["launch_price"]
    assert np.mean(mc.orbit.m_as("USD/hour")) == pytest.approx(expected.m_as("USD/hour"), rel=1e-3)


def test_monte_carlo_is_reproducible_and_fast_enough_to_vectorise():
    a, b = monte_carlo(BASE, 20_000, seed=7), monte_carlo(BASE, 20_000, seed=7)
    assert a.percentiles == b.percentiles and a.probability_orbit_cheaper == b.probability_orbit_cheaper
    assert monte_carlo(BASE, 20_000, seed=8).percentiles != a.percentiles
    assert a.ratio.shape == (20_000,) and set(a.drawn) == {
        n for n, lever in BASE.levers.items() if lever.uncertain}


def test_sensitivity_is_sorted_by_swing_and_brackets_the_central_ratio():
    rows = sensitivity(BASE)
    swings = [r.swing for r in rows]
    assert swings == sorted(swings, reverse=True)
    central = (orbit_cost(BASE).total / ground_cost(BASE).total).m_as("")
    for r in rows:
        assert min(r.ratio_at_low, r.ratio_at_high) <= central * (1 + 1e-9)
        assert max(r.ratio_at_low, r.ratio_at_high) >= central * (1 - 1e-9)
    assert rows[0].lever in ("specific_power", "launch_price")


def test_suncatcher_table_1_from_its_own_inputs():
    """Aguera y Arcas et al., arXiv:2511.19468, Table 1: a Starlink V2 mini (575 kg, about
    28 kW, 5 years) costs 14,700 USD per kW-year to launch at 3,600 USD/kg and 810 at 200
    USD/kg; the ground's energy is 570-3,000 USD per kW-year (0.06-0.25 USD/kWh, PUE
    1.09-1.4). The paper rounds its inputs: 2 %."""
    per_kw = Q_(575, "kg") / Q_(28, "kW") / Q_(5, "year")
    assert (Q_(3600, "USD/kg") * per_kw).m_as("USD/kW/year") == pytest.approx(14_700, rel=0.02)
    assert (Q_(200, "USD/kg") * per_kw).m_as("USD/kW/year") == pytest.approx(810, rel=0.02)
    bills = [energy_cost(energy(facility_power(Q_(1, "kW"), pue), Q_(1, "year")), Q_(r, "USD/kWh"))
             for r, pue in [(0.06, 1.09), (0.25, 1.4)]]
    assert bills[0].m_as("USD") == pytest.approx(570, rel=0.02)
    assert bills[1].m_as("USD") == pytest.approx(3000, rel=0.03)


def test_starcloud_energy_line_from_its_own_inputs():
    """Starcloud white paper (2024): 40 MW for 10 years at 0.04 USD/kWh is 140 M USD."""
    assert energy_cost(energy(Q_(40, "MW"), Q_(10, "year")), Q_(0.04, "USD/kWh")).m_as("MUSD") == \
        pytest.approx(140, rel=0.01)


@pytest.mark.parametrize("call, error, match", [
    (lambda: scenario("nowhere"), KeyError, "No scenario"),
    (lambda: scenario(launch_price="-5 USD/kg"), ValueError, "launch_price"),
    (lambda: scenario(launch_price="5 kg"), UnitArgumentError, "launch_price"),
    (lambda: scenario(warp_drive="1"), KeyError, "No lever 'warp_drive'"),
    (lambda: breakeven(BASE, "warp_drive"), KeyError, "No lever"),
    (lambda: BASE.with_range("launch_price", "900 USD/kg", "100 USD/kg"), ValueError, "above high"),
    (lambda: ground_cost(None), TypeError, "scn"),
    (lambda: monte_carlo(BASE, 0), ValueError, "samples"),
    (lambda: monte_carlo(BASE, 10 ** 9), ValueError, "samples"),
])
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("text, match", [
    ('[power]\nvalue = "1 kg"\nsource = "x"\n', "power"),
    ('[power]\nvalue = "1 GW"\n', "needs its source"),
    ('[warp]\nvalue = "1"\nsource = "x"\n', "unknown lever \\[warp\\]"),
    ('[power]\nvalue = "1 GW"\nsource = "x"\nlow = "2 GW"\nhigh = "3 GW"\nrange_source = "y"\n', "low <= value <= high"),
    ('[power]\nrow = "accelerator price"\n', "power"),
    ('[power]\nvalue = "1 GW"\nsource = "x"\ncolour = "red"\n', "unknown key"),
    ('[launch_price]\nvalue = "300 USD/kg"\nsource = "x"\nlow = "100 USD/kg"\nhigh = "900 USD/kg"\n', "range_source"),
    ('[power\n', "bad.toml"),
])
def test_a_bad_scenario_file_names_the_file_and_the_key(text, match):
    with pytest.raises((ValueError, TypeError, KeyError), match=match):
        scenarios.parse_scenario('base = "baseline-2026"\n' + text, "bad.toml")
