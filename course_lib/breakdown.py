"""A whole split into named parts: the shared shape of the kit's cost, mass and memory
breakdowns; and the one refusal of arithmetic on a record that is not a number."""
from __future__ import annotations

from typing import ClassVar

import pint

__all__ = ["Breakdown", "NotANumber"]


class NotANumber:
    """Mixin for a record that a student may take for a number (``Q_(1, "W") /
    specific_power()``, ``breakdown * 2``, ``float(record)``, ``f"{record:.1f}"``): each
    such use raises one ``TypeError`` saying which attribute to take, instead of Python's
    or pint's "unsupported operand" from deep inside.

    ``MADE_BY`` names the function(s) that return the record, ``WHAT`` says what it is, and
    ``TAKE`` lists the attributes that are the numbers people mean, the first one first.
    """

    MADE_BY: ClassVar[str] = ""
    WHAT: ClassVar[str] = "a record"
    TAKE: ClassVar[tuple[str, ...]] = ()

    # numpy (and pint's arrays) defer to the reflected operators below rather than
    # building an array of objects
    __array_ufunc__ = None

    def advice(self) -> str:
        """What this record is and which attribute to take, e.g. ``"specific_power() gives
        a breakdown of parts, not a number: take .total (or .specific_power)"``."""
        first, *more = self.TAKE
        also = f" (or {', '.join('.' + a for a in more)})" if more else ""
        who = self.MADE_BY or f"a {type(self).__name__}"
        return f"{who} gives {self.WHAT}, not a number: take .{first}{also}"

    def _not_a_number(self, *_, **__):
        raise TypeError(self.advice() + ".")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _not_a_number
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _not_a_number
    __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _not_a_number
    __neg__ = __pos__ = __abs__ = __round__ = _not_a_number
    __float__ = __int__ = __complex__ = __array__ = _not_a_number
    __lt__ = __le__ = __gt__ = __ge__ = _not_a_number

    def __format__(self, spec: str) -> str:
        """The record as printed, or the refusal for a number's format (``:.1f``)."""
        return str(self) if not spec else self._not_a_number()


class Breakdown(NotANumber):
    """Mixin for a frozen dataclass whose fields named in ``PARTS`` add up to a whole.

    The other fields carry what the parts were computed from (a power, an area...), so an
    explorer or a notebook can show them without computing them a second time. Arrays of
    parts (a sweep) add up element by element. Arithmetic on the breakdown itself is
    refused with the attribute to take (``TAKE``: ``total`` unless a class says more).
    """

    PARTS: ClassVar[tuple[str, ...]] = ()
    WHAT: ClassVar[str] = "a breakdown of parts"
    TAKE: ClassVar[tuple[str, ...]] = ("total",)

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
