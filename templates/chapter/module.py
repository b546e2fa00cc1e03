"""<What the chapter's models compute, in one line> (chapter NN, notebooks/NN_slug.ipynb).

Copy to ``course_lib/<module>.py`` (step 3 of CONTRIBUTING.md) and replace ``mytopic``,
``NN`` and ``slug`` everywhere in the skeleton.

Conventions
-----------
* Every model states what it counts, what it leaves out, and where its numbers come from
  (title and URL), here or in its docstring.
* Quantities in, quantities out; arrays welcome (no Python loop per element).

The skeleton's one model, :func:`energy_drawn`, shows the pattern: arguments declared once
with ``@accepts`` (a default named by its row of ``data/constants.csv``, signature default
``None``), a declared return unit, a docstring with the model, its assumptions, a source
and one ``>>>`` example. Replace it with the chapter's own models.
"""
from __future__ import annotations

import pint

from .declare import accepts, fraction, quantity

__all__ = ["energy_drawn"]


@accepts(returns="MWh", power=quantity("W"), duration=quantity("h", positive=True),
         load_factor=fraction(default="load factor"))
def energy_drawn(power, duration, load_factor=None) -> pint.Quantity:
    """Energy drawn by a load of ``power`` over ``duration``, busy ``load_factor`` of the
    time: power x duration x load factor. Vectorised.

    Assumptions: the power is constant while busy and nothing is drawn while idle. Source:
    the definition of energy (BIPM, The International System of Units, 9th edition,
    https://www.bipm.org/en/publications/si-brochure).

    >>> energy_drawn("1 MW", "1 day", 0.5)
    <Quantity(12.0, 'megawatt_hour')>
    """
    return power * duration * load_factor
