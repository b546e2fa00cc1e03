"""The capstone's model (course_lib.scenarios): each cost part by hand, the break-even
against its closed form, the Monte Carlo against an analytic mean, published comparisons
from their own inputs, and clear refusals of bad scenarios."""
import io

import numpy as np
import pytest
from hypothesis import given, strategies as st

from course_lib import Q_, energy, energy_cost, facility_power, it_power
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
    """1 GW of GB200 servers, without financing: 1 GW / (1.2 kW x 1.39 rack overhead)
    accelerators, 50,000 USD over 5 years; the building 8 USD/W over 14 years; 1.2 GW x 0.8
    x 8766 h x 0.0806 USD/kWh; 0.3 USD/W a year; failures after the 3-year warranty, 6.1 %
    a year for 2 years of 600,000 GPUs (73,200), bought at 50,000 USD over 5 years."""
    g = ground_cost(BASE.replace(cost_of_capital=0))
    gpus = (Q_(1, "GW") / it_power("GB200", 1)).m_as("")
    assert g.gpus == pytest.approx(gpus)
    assert g.accelerators.m_as("USD/year") == pytest.approx(gpus * 50_000 / 5)
    assert g.facility.m_as("USD/year") == pytest.approx(8e9 / 14)
    assert g.energy.m_as("USD/year") == pytest.approx(1.2e6 * 0.8 * 8766 * 0.0806)
    assert g.operations.m_as("USD/year") == pytest.approx(0.3e9)
    assert g.replaced_gpus == pytest.approx(600_000 * 0.061 * 2)
    assert g.spares.m_as("USD/year") == pytest.approx(73_200 * 50_000 / 5)
    assert g.waiting.m_as("USD/year") == 0                 # no interest, nothing to carry
    assert g.per_gpu_hour.m_as("USD/hour") == pytest.approx(
        g.total.m_as("USD/year") / (gpus * 0.8 * 8766))
    # a warranty as long as the life: the ground buys no spares
    assert ground_cost(BASE.replace(warranty="5 year")).spares.m_as("USD/year") == 0


def test_waiting_is_financed_on_both_sides():
    """At 5 %: the ground's 8 billion USD of building waits half of its 5.5 years for power,
    1.05^2.75 - 1 = 14.4 % of it, paid over 14 years (x 0.1010); orbit's capital flies
    evenly over its launch campaign and waits half of it."""
    g, o = ground_cost(BASE), orbit_cost(BASE)
    carry = 1.05 ** 2.75 - 1
    assert g.waiting.m_as("USD/year") == pytest.approx(8e9 * carry * 0.05 / (1 - 1.05 ** -14))
    capital = sum(getattr(o, p) for p in ("accelerators", "spares", "arrays", "radiators",
                                          "batteries", "structure", "launch"))
    carry_o = 1.05 ** (o.years_to_deliver.m_as("year") / 2) - 1
    assert o.waiting.m_as("USD/year") == pytest.approx(capital.m_as("USD/year") * carry_o)
    # the rate drawn from 0 to 10 %: every draw finances both sides
    assert BASE.levers["cost_of_capital"].low.m == 0 and BASE.levers["cost_of_capital"].high.m == 0.1


def test_the_orbit_by_hand():
    """Baseline 2026 by hand, from the tables' numbers, without financing: 1 GW of GB200 at
    1.667 kW each is 600,000 GPUs; 6.1 % fail a year, so 5 years expect 183,000 failures
    and the 95th percentile is 183,000 + 1.645 x sqrt(183,000) = 183,704 spares; they weigh
    11.3 kg/kW x 1.667 kW each (3,460 t); the design at 20.445 W/kg is 48,911 t, of which
    the computers 11,300 t and the rest, 37,611 t, grows by the overhead 1.1915 (44,812 t);
    59,572 t in all is 595.7 launches of 100 t (3.61 years at 165 a year)."""
    o = orbit_cost(BASE.replace(cost_of_capital=0))
    assert o.gpus == pytest.approx(600_000)
    assert o.spare_gpus == pytest.approx(183_000 + 1.645 * 183_000 ** 0.5, abs=2)
    spare_kg = 183_704 * 11.3 * 1000 / 600
    design_kg = 1e9 / 20.445
    bus_kg = (design_kg - 11.3e6) * 1.191458
    assert o.mass.m_as("kg") == pytest.approx(spare_kg + 11.3e6 + bus_kg, rel=1e-4)
    assert o.launches == pytest.approx(595.7, rel=1e-3)
    assert o.years_to_deliver.m_as("year") == pytest.approx(595.7 / 165, rel=1e-3)
    assert o.launch.m_as("MUSD/year") == pytest.approx(o.mass.m_as("kg") * 3985.714 / 5 / 1e6,
                                                       rel=1e-4)
    assert o.accelerators.m_as("USD/year") == pytest.approx(600_000 * 50_000 / 5)
    # an overhead of 1 is the old model: the arrays sized for the IT load alone
    flat = orbit_cost(BASE.replace(cost_of_capital=0, orbit_overhead=1))
    assert flat.mass.m_as("kg") == pytest.approx(spare_kg + design_kg, rel=1e-4)


def test_both_sides_count_the_same_kinds_of_item():
    """Every part of each stack belongs to one kind (scenarios.KINDS), and every kind has
    parts on both sides: the ground buys failed accelerators after its warranty as orbit
    launches spares, and both sides pay interest on capital that waits to deliver."""
    from course_lib.scenarios import KINDS, GroundCost, OrbitCost
    for side, parts in ((0, GroundCost.PARTS), (1, OrbitCost.PARTS)):
        counted = [p for kind in KINDS.values() for p in kind[side]]
        assert sorted(counted) == sorted(parts)
    for kind, (ground, orbit) in KINDS.items():
        assert ground and orbit, kind
    g, o = ground_cost(BASE), orbit_cost(BASE)
    for kind, (ground, orbit) in KINDS.items():      # each kind costs something on each side
        assert sum(getattr(g, p).m for p in ground) > 0 and sum(getattr(o, p).m for p in orbit) > 0


def test_every_off_centre_range_says_why():
    """A lever whose value sits outside the middle of its range (its position below 0.2 or
    above 0.8) moves the Monte Carlo's median away from the ratio at the values: the
    scenario file must say so (off_centre), and a centred one says nothing."""
    for name in scenario_names():
        for lever in scenario(name).levers.values():
            low, high = scenarios.CENTRE
            assert bool(lever.off_centre) == (not low <= lever.position <= high), (name, lever.name)


def test_published_watts_per_kg_are_converted_to_the_levers_basis():
    """Suncatcher's 48.7 W/kg and McCalip's 36.5 W/kg are a bus's power over its mass, no
    computers aboard; carrying GB200 racks (11.3 kg/kW) gives 31.4 and 25.8 W/kg, the basis
    of the lever specific_power; orbit-optimistic stands on the first, its range on the
    second."""
    from course_lib.scenarios import satellite_specific_power
    assert satellite_specific_power("48.7 W/kg").m_as("W/kg") == pytest.approx(
        1 / (1 / 48.7 + 0.0113))
    assert satellite_specific_power("36.5 W/kg").m_as("W/kg") == pytest.approx(25.84, abs=0.01)
    hopeful = scenario("orbit-optimistic").levers["specific_power"]
    assert hopeful.value.m_as("W/kg") == pytest.approx(31.41, abs=0.01)
    assert hopeful.low.m_as("W/kg") == pytest.approx(25.8, abs=0.05)
    assert BASE.levers["specific_power"].high.m_as("W/kg") == pytest.approx(31.4, abs=0.05)


def test_every_watts_per_kg_row_states_its_basis():
    """Published W/kg figures are on different bases (a component, a bus without computers,
    a satellite with them): every row in W/kg says which in its notes."""
    import csv
    from importlib import resources
    table = resources.files("course_lib._tables") / "constants.csv"
    rows = [r for r in csv.DictReader(table.open()) if r["unit"] == "W/kg"]
    assert len(rows) >= 4
    for r in rows:
        assert r["notes"].startswith("Basis: "), r["name"]


def test_older_scenarios_without_the_added_levers_still_load():
    """A scenario written before warranty and orbit_overhead existed gets the kit's
    defaults for them."""
    text = "\n".join(line for line in
                     (scenarios.SCENARIOS / "baseline-2026.toml").read_text().split("[warranty]")[0]
                     .splitlines())
    old = scenarios.parse_scenario(text, "old.toml")
    assert old["warranty"].m_as("year") == 3
    assert old["orbit_overhead"].m_as("") == pytest.approx(1.1915, abs=1e-4)
    levers = {n: lv for n, lv in BASE.levers.items() if n not in ("warranty", "orbit_overhead")}
    built = scenarios.Scenario("mine", "", "GB200", levers)
    assert set(built.levers) == set(LEVERS)


def test_orbit_is_linear_in_launch_price_so_the_break_even_matches_the_closed_form():
    """orbit(p) = a + b p: the break-even is (ground - a) / b."""
    s = scenario("orbit-optimistic", specific_power="60 W/kg")
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


def test_orbit_launches_are_chapter_05s_launches_per_year():
    """The capstone counts launches with chapter 05's formula (every launch full), written
    on plain numbers: the two must agree, in every scenario."""
    from course_lib.orbit import launches_per_year

    for name in scenario_names():
        s = scenario(name)
        o = orbit_cost(s)
        expected = launches_per_year(s["power"] / Q_(1, "year"), s["power"] / o.mass,
                                     s["payload"]) * Q_(1, "year")
        assert o.launches == pytest.approx(expected.m_as(""), rel=1e-12), name


def test_a_break_even_scan_of_a_lever_given_as_a_whole_number_is_not_floored():
    """accelerator_life given as the integer 5 years: the scan's grid must keep its
    fractions (an integer column would floor 4.5 years to 4)."""
    whole = BASE.replace(accelerator_life=Q_(5, "year"))
    grid = np.array([4.0, 4.5, 5.0])
    gaps = scenarios._gaps(whole, {"accelerator_life": grid})["accelerator_life"]
    assert len(set(np.round(gaps, 6))) == 3


def test_a_levers_draws_are_its_row_of_one_seeded_block_whatever_the_others_do():
    """Lever i draws row i (in the order of LEVERS) of ``default_rng(seed).random((levers,
    samples))``, made alone by jumping the stream ahead: fixing the other levers leaves its
    draws unchanged, and two levers never share uniforms."""
    every = monte_carlo(BASE, 5_000, seed=11)
    alone = BASE
    for name, lever in BASE.levers.items():
        if lever.uncertain and name != "launch_price":
            alone = alone.with_range(name, lever.value, lever.value)
    one = monte_carlo(alone, 5_000, seed=11)
    assert list(one.drawn) == ["launch_price"]
    assert np.array_equal(one.drawn["launch_price"].m, every.drawn["launch_price"].m)
    block = np.random.default_rng(11).random((len(LEVERS), 5_000))
    lever = BASE.levers["launch_price"]
    a, b = lever.low.m, lever.high.m_as(lever.low.units)
    u = block[list(LEVERS).index("launch_price")]
    assert lever.distribution == "loguniform"
    assert np.allclose(every.drawn["launch_price"].m, np.exp(np.log(a) + u * np.log(b / a)),
                       rtol=1e-12, atol=0)


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


# ---- issue 30: one check for every way a lever value enters; immutable scenarios; clear
# refusals; explorers that no reachable control state breaks ------------------------------

import copy
import dataclasses
import pickle
import re

from course_lib.scenarios import Lever, Scenario, parse_scenario

RANGE = r"must lie between {} and {}"


@pytest.mark.parametrize("call, error, match", [
    # values= (a negative orbit cost past the computers' own 88 W/kg)
    (lambda: orbit_cost(BASE, {"specific_power": Q_(1e4, "W/kg")}), ValueError,
     r"orbit_cost\(\).*'specific_power'.*between 1 and 87.61 W/kg, got 10000 W/kg"),
    (lambda: ground_cost(BASE, {"pue": 50}), ValueError, r"'pue' \(PUE\) must lie between 1 and 3, got 50"),
    (lambda: orbit_cost(BASE, {"specific_power": Q_([20, 1e4], "W/kg")}), ValueError, "array from 20 to 10000"),
    (lambda: ground_cost(BASE, {"electricity_price": Q_(np.nan, "USD/kWh")}), ValueError, "electricity_price"),
    (lambda: ground_cost(BASE, {"pue": Q_(1.2, "W")}), UnitArgumentError,
     r"values\['pue'\]: pue must be a plain number \(no unit\), but 1.2 W is a power "
     r"\(watts\)\. Write it like pue=1\.$"),
    (lambda: ground_cost(BASE, {"launch_price": "5 kg"}), UnitArgumentError,
     r"^ground_cost\(\): values\['launch_price'\]: launch_price must be a price per mass"),
    (lambda: BASE.replace(launch_price=3), UnitArgumentError,
     r"^baseline-2026 \(launch_price=\): launch_price needs a price per mass"),
    (lambda: ground_cost(BASE, {"puee": 1.2}), KeyError, "No lever 'puee'. Did you mean 'pue'"),
    (lambda: ground_cost(BASE, [("pue", 1.2)]), TypeError, "values must map"),
    # overrides and ranges
    (lambda: scenario(pue=50), ValueError, "between 1 and 3"),
    (lambda: scenario(launch_pirce="100 USD/kg"), KeyError, "Did you mean 'launch_price'"),
    (lambda: BASE.with_range("pue", high=5), ValueError, "between 1 and 3"),
    # a Lever or a Scenario built by the caller
    (lambda: Lever("pue", 50, "mine", 50, 50), ValueError, "'pue' \\(PUE\\) must lie between 1 and 3"),
    (lambda: Lever("pue", 1.2, "mine", 1.3, 1.4), ValueError, "low <= value <= high"),
    (lambda: Lever("pue", 1.2, "mine", 1.2, 1.2, "gaussian"), ValueError, "distribution"),
    (lambda: Lever("pue", Q_([1.2, 1.3], ""), "mine", 1.2, 1.3), ValueError, "one value"),
    (lambda: Lever("puee", 1.2, "mine", 1.2, 1.2), KeyError, "Did you mean 'pue'"),
    (lambda: Scenario("mine", "", "GB200", {**BASE.levers, "pue": BASE.levers["power"]}),
     TypeError, r"levers\['pue'\] must be a Lever named 'pue'"),
    (lambda: Scenario("mine", "", "GB200", {"power": BASE.levers["power"]}), ValueError, "pue.*missing"),
    (lambda: dataclasses.replace(BASE, accelerator="GB2000"), KeyError, "GB200"),
    # scenario files: a lever's value, and keys outside the tables
    (lambda: parse_scenario('base = "baseline-2026"\n[pue]\nvalue = "50"\nsource = "x"\n', "bad.toml"),
     ValueError, r"bad.toml \[pue\].*between 1 and 3"),
    (lambda: parse_scenario('base = "baseline-2026"\ncolour = "red"\n', "bad.toml"), ValueError,
     "bad.toml: unknown key 'colour'"),
    (lambda: parse_scenario('base = "baseline-2026"\ndescriptoin = "x"\n', "bad.toml"), ValueError,
     "Did you mean 'description'"),
    (lambda: parse_scenario('base = "baseline-2026"\npower = "2 GW"\n', "bad.toml"), ValueError,
     r"bad.toml: lever power must be a table"),
])
def test_every_way_a_lever_value_enters_gets_the_one_check(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_a_lever_built_by_the_caller_is_converted_and_can_make_a_scenario():
    lever = Lever("pue", 1.25, "mine", "1.1", Q_(1.3, ""), "triangular", "a guess")
    assert lever.low == Q_(1.1, "") and lever.high == Q_(1.3, "") and lever.uncertain
    mine = Scenario("mine", "PUE as I see it", "GB200", {**BASE.levers, "pue": lever})
    assert mine["pue"] == Q_(1.25, "")
    assert ground_cost(mine).energy > ground_cost(BASE).energy


def test_a_scenario_cannot_be_changed_by_a_caller():
    s = scenario()
    with pytest.raises(TypeError):
        s.levers["power"] = s.levers["power"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.levers["power"].value = Q_(5, "GW")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.name = "mine"
    with pytest.raises(TypeError):
        LEVERS["pue"] = LEVERS["power"]
    s.values()["power"] = Q_(5, "GW")                      # a copy: changes nothing
    with pytest.raises(ValueError):
        monte_carlo(s, 100).drawn["launch_price"].m[0] = 0.0   # cached draws are read-only
    assert scenario() is s and scenario()["power"] == Q_(1, "GW")
    assert copy.deepcopy(s) == s and pickle.loads(pickle.dumps(s)) == s


def test_levers_that_change_no_cost_have_no_break_even_and_say_so():
    free = BASE.replace(cost_of_capital=0)         # waiting costs nothing without interest
    for lever in ("payload", "launch_cadence", "ground_build_time"):
        b = breakeven(free, lever)
        assert b.value is None and "changes no cost difference (only the time to deliver)" \
            in b.note, lever
        assert ground_cost(BASE.replace(**{lever: BASE.levers[lever].value * 2})).total \
            != ground_cost(BASE).total or lever != "ground_build_time"
    # paid per IT watt on both sides: the difference does not move, for that reason
    assert "(it costs orbit and the ground the same per watt)" in breakeven(BASE, "other_opex").note
    power = breakeven(BASE, "power")               # the spares pool: not quite proportional
    assert power.value is None and power.orbit_cheaper == "nowhere"
    wide = BASE.with_range("power", "1 GW", "2 GW").with_range("payload", "50 t", "150 t")
    rows = {r.lever: r for r in sensitivity(wide.replace(cost_of_capital=0))}
    assert rows["payload"].swing == 0 and rows["power"].swing < 0.01
    assert monte_carlo(wide, 1000).ratio.shape == (1000,)


@pytest.mark.filterwarnings("error")
def test_a_scan_that_reaches_an_infinite_cost_reads_it_as_orbit_dearer():
    """1 launch a year for 50 GW: the interest of the wait passes every float on the scan's
    low end; the scan goes on (it failed as an overflow), and the note does not call the
    lever cost-free (inf - inf spread)."""
    big = breakevens(scenario(power="50 GW"))
    assert big["launch_cadence"].orbit_cheaper == "nowhere"
    assert "changes no cost" not in big["launch_cadence"].note
    assert "changes no cost" not in breakeven(scenario(payload="2 t"), "launch_cadence").note


@pytest.mark.parametrize("call, error, match", [
    (lambda: scenario(["baseline-2026"]), TypeError, "scenario\\(\\): name"),
    (lambda: scenario("baseline-2025"), KeyError, "Did you mean 'baseline-2026'"),
    (lambda: breakeven(["baseline-2026"], "pue"), TypeError, "scn"),
    (lambda: breakevens(BASE, 5), TypeError, "levers"),
    (lambda: breakevens(BASE, ["pue"], points=10 ** 9), ValueError, "points must be at most 100,000"),
    (lambda: parse_scenario("x = " + "[" * 3000 + "]" * 3000, "deep.toml"), ValueError,
     "deep.toml: values nested too deeply"),
    (lambda: parse_scenario('base = ["baseline-2026"]\n', "bad.toml"), TypeError, "bad.toml: base"),
    (lambda: parse_scenario("", ["bad.toml"]), TypeError, "file"),
    (lambda: monte_carlo(BASE, 10 ** 7), ValueError, "samples must be at most 1,000,000"),
    (lambda: monte_carlo(BASE, 1_000_001), ValueError, "at most 1,000,000"),
])
def test_unreadable_names_nesting_and_sizes_get_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---- the chapter's explorers ----------------------------------------------------------------

from course_lib.explorers.scenarios import lever_board_explorer, monte_carlo_explorer


def _plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def _move(ex, control, value):
    """Set one control as a student would; the readout must be fresh, error-free and in
    one number style (never 1.9e+02 beside 3.99×10³)."""
    before, inputs = ex.readout.value, ex.values()
    ex.controls[control].value = value
    text = _plain(ex.readout.value)
    assert ex.error is None and "Error" not in text, (control, value, ex.error)
    assert not re.search(r"\de[+-]?\d", text), (control, value, text)
    if ex.values() != inputs:
        assert ex.readout.value != before, (control, value)      # not a stale readout


def _ends(widget):
    values = [v for _, v in widget.options]
    return [values[0], values[-1]]


@pytest.mark.parametrize("name", scenario_names())
def test_every_control_of_the_lever_board_updates_its_readout(name):
    """Each lever to both ends: a fresh readout, and the picture of the figure drawn in one
    pass (the cost axis moves with the bars over a cached background: a stale axis or
    background would differ), with every bar inside the axis."""
    ex = lever_board_explorer(name)
    ax = ex.figure.axes[0]
    for control in ex.controls:
        for value in _ends(ex.controls[control].widget):
            _move(ex, control, value)
            differ = _pixels(ex.image.value) != _drawn_whole(ex.figure)
            assert not (differ.any(axis=2) & ~_spines(ax)).any(), (name, control, value)
            assert max(p.get_x() + p.get_width() for p in ax.patches) <= ax.get_xlim()[1]


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _spines(ax) -> np.ndarray:
    """The pixels of ``ax``'s frame, give or take one: a whole draw puts the spines over
    the grid and the bars' ends, an update draws them over the spines."""
    width, height = ax.figure.canvas.get_width_height()
    rows, cols = np.mgrid[0:height, 0:width]
    x0, y0, x1, y1 = ax.bbox.extents
    y0, y1 = height - y1, height - y0                       # image rows run downwards
    near = lambda a, edge: np.abs(a - edge) <= 1.5
    inside_x, inside_y = (cols >= x0 - 2) & (cols <= x1 + 2), (rows >= y0 - 2) & (rows <= y1 + 2)
    return (((near(cols, x0) | near(cols, x1)) & inside_y)
            | ((near(rows, y0) | near(rows, y1)) & inside_x))


def _drawn_whole(fig) -> np.ndarray:
    """``fig`` drawn in one pass, every artist included (saving draws the animated ones):
    what the cached background plus the moving artists must show."""
    buf = io.BytesIO()
    fig.savefig(buf, format="rgba", dpi=fig.dpi)
    width, height = fig.canvas.get_width_height()
    return np.frombuffer(buf.getvalue(), np.uint8).reshape(height, width, 4)[..., :3]


def test_every_control_of_the_monte_carlo_view_updates_its_readout_in_every_scenario():
    """orbit-optimistic's dearest launch is 500 USD/kg: the cheapest-launch slider must not
    offer 1,000 there (low above high), nor the lightest design less than its 36.5 W/kg."""
    ex = monte_carlo_explorer()
    for name in scenario_names() + scenario_names()[::-1]:
        _move(ex, "name", name)
        for control in ("launch_low", "watts_high", "build_low"):
            for value in _ends(ex.controls[control].widget):
                _move(ex, control, value)
            lever = scenario(name).levers
            assert max(_ends(ex.controls["launch_low"].widget)) <= lever["launch_price"].high.m
            assert min(_ends(ex.controls["watts_high"].widget)) >= lever["specific_power"].low.m


def test_capstone_readouts_show_labels_rounded_values_and_a_legend():
    board = lever_board_explorer()
    text = _plain(board.readout.value)
    for lever in board.controls:
        assert lever not in text and LEVERS[lever].label in text
    labels = [label for c in board.controls.values() for label, _ in c.widget.options]
    assert "20.4" in labels and "20.4455" not in labels                # 3 significant figures
    assert all(len(re.sub(r"\D", "", label).strip("0")) <= 3 for label in labels), labels
    assert board.controls["specific_power"].value == pytest.approx(
        BASE["specific_power"].m_as("W/kg"), rel=1e-5)              # labels round, values do not
    mc = monte_carlo_explorer()
    legend = mc.figure.axes[0].get_legend()
    assert legend is not None and "median" in [t.get_text() for t in legend.get_texts()]
