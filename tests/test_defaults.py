"""Every physical or economic default is a sourced row, not a literal in a signature.

Defaults come from ``data/constants.csv`` through the declarations (``default="row
name"``), so a signature holds ``None`` for them. What may stay literal is neutral (0, 1,
a quantity of magnitude 0 or 1 such as ``"1 year"``), a flag, a name (a format, an
algorithm), or one of the structural values listed here with the reason it is not data.
"""
import inspect
import re

import course_lib
from course_lib import Q_

STRUCTURAL = {
    ("check", "rtol"): "a grading tolerance, not a physical quantity",
    ("block_quantize", "block_size"): "the block of the MX/NV formats' definitions",
    ("clipped_blocks", "block_size"): "the block of the MX formats' definition",
    ("crossover_size", "devices"): "the smallest collective, two peers",
    ("radiator_flux", "sides"): "a flat panel has two faces",
    ("radiator_area", "sides"): "a flat panel has two faces",
    ("spares_needed", "confidence"): "a statistical choice of the mission, not data",
    ("devices_needed", "most"): "where the search stops: the GPUs of one server",
    ("breakevens", "points"): "the resolution of a scan, not a physical quantity",
    ("monte_carlo", "samples"): "the size of a statistical sample, not a physical quantity",
}


def _literal_defaults():
    for name in course_lib.__all__:
        fn = getattr(course_lib, name)
        if not callable(fn) or inspect.isclass(fn):
            continue
        for p in inspect.signature(fn).parameters.values():
            d = p.default
            if d is inspect.Parameter.empty or d is None or isinstance(d, bool):
                continue
            if isinstance(d, (int, float)):
                value = d
            elif isinstance(d, str) and re.match(r"^\s*[-+]?[\d.]", d):
                value = Q_(d).m
            else:                                   # a name: a format, an algorithm...
                continue
            if value not in (0, 1):
                yield name, p.name, d


def test_no_public_function_has_a_literal_physical_default():
    found = {(fn, param): d for fn, param, d in _literal_defaults()}
    unexplained = {k: v for k, v in found.items() if k not in STRUCTURAL}
    assert not unexplained, (
        "literal defaults: give each a row in data/constants.csv and declare it with "
        f"default='row name', or list it in STRUCTURAL with a reason: {unexplained}")
    assert set(STRUCTURAL) <= set(found), "STRUCTURAL lists a default that no longer exists"


def test_declared_defaults_are_the_rows_they_name():
    """A default declared from a row equals that row's value (what explorers read)."""
    from course_lib import constant, launches_per_year, specific_power, solar_area
    assert specific_power.defaults["radiator_temperature"] == constant("orbital radiator temperature")
    assert specific_power.defaults["structure"] == constant("spacecraft structure share").m
    assert launches_per_year.defaults["payload_per_launch"] == constant("Starship payload target")
    assert solar_area.defaults["power_density"] == constant("solar land tracking AC")
