"""A whole split into named parts: the shared shape of the kit's cost, mass and memory
breakdowns."""
from __future__ import annotations

from typing import ClassVar

import pint

__all__ = ["Breakdown"]


class Breakdown:
    """Mixin for a frozen dataclass whose fields named in ``PARTS`` add up to a whole.

    The other fields carry what the parts were computed from (a power, an area...), so an
    explorer or a notebook can show them without computing them a second time. Arrays of
    parts (a sweep) add up element by element.
    """

    PARTS: ClassVar[tuple[str, ...]] = ()

    def as_dict(self) -> dict[str, pint.Quantity]:
        """Each part, in the order of ``PARTS``."""
        return {name: getattr(self, name) for name in self.PARTS}

    @property
    def total(self) -> pint.Quantity:
        """The sum of the parts."""
        first, *rest = self.as_dict().values()
        return sum(rest, first)

    @property
    def shares(self) -> dict[str, float]:
        """Each part's share of the total (plain numbers that add up to 1)."""
        total = self.total
        return {k: float((v / total).m_as("")) for k, v in self.as_dict().items()}
