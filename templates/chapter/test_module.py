"""Chapter NN's models (course_lib.mytopic): a hand-checked published number, properties,
and clear refusals.

Copy to ``tests/test_<module>.py`` (step 4 of CONTRIBUTING.md); add one valid call of each
new public function to ``VALID`` in ``tests/test_fuzz.py``, which then throws every class of
bad input at each argument.
"""
import pytest
from hypothesis import given, strategies as st

from course_lib import Q_
from course_lib.mytopic import energy_drawn


def test_a_hand_checked_number():
    """Name the source and do the arithmetic by hand in the docstring: 1 GW for a year
    (8,766 h) at full load is 8.766 TWh."""
    assert energy_drawn("1 GW", "1 year", 1.0).m_as("TWh") == pytest.approx(8.766)


@given(st.floats(0.01, 1.0))
def test_energy_grows_with_the_load_factor(load):
    """A property every input obeys (monotonicity, a limit, conservation...)."""
    assert energy_drawn("1 MW", "1 h", load) <= energy_drawn("1 MW", "1 h", 1.0)


def test_a_bad_argument_is_refused_by_name():
    with pytest.raises(ValueError, match="duration"):
        energy_drawn("1 MW", Q_(-1, "h"))
