"""Declaring a public function's arguments once: dimension, bounds, default, return unit.

Every public model function of the kit says, in one decorator, what each argument is::

    @accepts(returns="USD",
             energy=quantity("J"),
             price=quantity("USD/kWh", default="US industrial electricity price"))
    def energy_cost(energy, price=None): ...

* ``quantity(unit)``: a Quantity (or a string such as ``"80 GB"``) of ``unit``'s dimension,
  finite and not negative (``positive=True``: not zero either).
* ``count(unit)``: a number of things (devices, tokens, parameters). It arrives in the body
  as a plain float or array **in ``unit``** (``"70 Gparam"`` arrives as ``7e10``), so bodies
  never unwrap counts. ``whole=True`` asks for whole numbers, ``minimum`` a lower bound.
* ``fraction()`` (in (0, 1]) and ``ratio(minimum, below)``: plain numbers, percentages
  accepted (``"90 %"``).
* ``flag()``: ``True`` or ``False``, nothing else (``"no"`` is not false).
* ``choice(*options, aliases=...)``: one of a few names, matched ignoring case, spaces,
  dashes and underscores; arrives spelt as in ``options``.

``default="row name"`` takes the default from ``data/constants.csv`` (source and status
there), once, when the module is imported; ``None`` passed by a caller means "the default".
Literal defaults in the signature (``latency="0 s"``) are also parsed once, at import.
The docstring gains a **Defaults** section written from the table, and
``fn.defaults`` maps each argument to its default value (explorers read it rather than
restating a number). ``returns`` converts a Quantity result to that unit.

Every bad argument of a call is reported at once, in one error whose traceback stops at
the public function (not deep inside numpy or pint).
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass

import numpy as np
import pint

from .data import constant, constant_record, normalize
from .units import (UnitArgumentError, _check_sign, _describe, _plain_number, _who, as_count,
                    as_quantity, dimensionality_of, require_fraction, ureg)

__all__ = ["accepts", "quantity", "count", "fraction", "ratio", "flag", "choice", "Declared"]



@dataclass(frozen=True)
class Declared:
    """How one argument is checked and converted (see the module's docstring)."""

    kind: str
    unit: str = ""
    positive: bool = False
    optional: bool = False
    example: str | None = None
    minimum: float | None = None
    below: float | None = None
    whole: bool = False
    signed: bool = False
    default: str | None = None
    options: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()

    @functools.cached_property
    def dimensionality(self):
        return dimensionality_of(self.unit) if self.kind == "quantity" else None

    def convert(self, value, name: str, where: str):
        """The value as the body receives it, or an error naming ``where(): name``."""
        if value is None and self.optional:
            return None
        if isinstance(value, (bool, np.bool_)) and self.kind != "flag":
            raise TypeError(f"{_who(name, where)} must be {self.describe()}, got the "
                            f"boolean {value!r}.")
        return getattr(self, "_" + self.kind)(value, name, where)

    def describe(self) -> str:
        """What the argument must be, in words (for messages and the docstring)."""
        return {"quantity": f"a quantity in {self.unit} (or a unit of the same dimension)",
                "count": f"a count{' of ' + self.unit if self.unit else ''}",
                "fraction": "a fraction in (0, 1]",
                "ratio": "a plain ratio",
                "flag": "True or False",
                "choice": "one of " + ", ".join(repr(o) for o in self.options)}[self.kind]

    # ---- one converter per kind ---------------------------------------------------------

    def _quantity(self, value, name, where):
        if isinstance(value, pint.Quantity) and value.dimensionality == self.dimensionality:
            q = value                                       # the common case, fast
            if not q._is_multiplicative:                    # 20 degC: bodies multiply it
                q = q.to(self.unit)
        else:
            q = as_quantity(value, name, self.unit, self.example, where)
        return _check_sign(q, name, where, self.positive, self.signed)

    def _count(self, value, name, where):
        q = as_count(value, name, self.unit, where)
        m = q.m_as(self.unit) if self.unit else q.magnitude
        if self.whole and np.any(np.asarray(m) != np.round(m)):
            raise ValueError(f"{_who(name, where)} must be a whole number, got {_describe(value)}.")
        low = self.minimum if self.minimum is not None else 0
        if np.any(np.asarray(m) < low) or (self.positive and np.any(np.asarray(m) == 0)):
            bound = f"at least {low:g}" if low else "more than zero"
            raise ValueError(f"{_who(name, where)} must be {bound}, got {_describe(value)}.")
        return m

    def _fraction(self, value, name, where):
        return require_fraction(value, name, where)

    def _ratio(self, value, name, where):
        m = _plain_number(value, name, "a plain ratio (like 1.2)", where)
        low = self.minimum or 0.0
        if np.any(m < low):
            raise ValueError(f"{_who(name, where)} must be at least {low:g}, got {_describe(value)}.")
        if self.below is not None and np.any(m >= self.below):
            raise ValueError(f"{_who(name, where)} must be below {self.below:g}, "
                             f"got {_describe(value)}.")
        return float(m) if np.ndim(m) == 0 else m

    def _flag(self, value, name, where):
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise TypeError(f"{_who(name, where)} must be True or False, got {_describe(value)}.")

    @functools.cached_property
    def _names(self) -> dict[str, str]:
        """Normalised option and alias -> option, built once (choices sit on hot paths)."""
        return {normalize(k): o for k, o in (*((o, o) for o in self.options), *self.aliases)}

    def _choice(self, value, name, where):
        if isinstance(value, str) and (key := normalize(value)) in self._names:
            return self._names[key]
        raise ValueError(f"{_who(name, where)} must be {self.describe()}; got {_describe(value)}.")


def quantity(unit: str, positive: bool = False, optional: bool = False,
             example: str | None = None, default: str | None = None,
             signed: bool = False) -> Declared:
    """A quantity with the dimension of ``unit``, finite and >= 0 (> 0 if ``positive``, any
    sign if ``signed``: an angle, a time before today); ``default`` names its row in
    ``data/constants.csv``."""
    return Declared("quantity", unit, positive, optional, example, default=default,
                    signed=signed)


def count(unit: str = "", positive: bool = False, whole: bool = False,
          minimum: float | None = None, optional: bool = False) -> Declared:
    """A count (a plain number, an array, or a quantity in ``unit``), arriving in the body
    as a plain number in ``unit``; ``whole`` refuses fractions, ``minimum`` smaller ones
    (devices: ``count(whole=True, minimum=1)``)."""
    return Declared("count", unit, positive, optional, minimum=minimum, whole=whole)


def fraction(optional: bool = False, default: str | None = None) -> Declared:
    """A fraction in (0, 1] (a number, or a percentage string)."""
    return Declared("fraction", optional=optional, default=default)


def ratio(minimum: float = 0.0, optional: bool = False, below: float | None = None,
          default: str | None = None) -> Declared:
    """A dimensionless ratio, at least ``minimum`` (PUE: ``ratio(1)``) and, if given,
    strictly ``below`` a bound (a share that cannot be all of it: ``ratio(0, below=1)``)."""
    return Declared("ratio", optional=optional, minimum=minimum, below=below, default=default)


def flag() -> Declared:
    """``True`` or ``False``; strings and numbers are refused."""
    return Declared("flag")


def choice(*options: str, aliases: dict[str, str] | None = None,
           optional: bool = False) -> Declared:
    """One of ``options`` (or an alias of one), matched ignoring case, spaces and dashes."""
    return Declared("choice", optional=optional, options=tuple(options),
                    aliases=tuple((aliases or {}).items()))


def _combine(errors: list[Exception]) -> Exception:
    """One exception for several bad arguments, of the first one's class."""
    if len(errors) == 1:
        return errors[0]
    text = f"{len(errors)} arguments are wrong:\n" + "\n".join(f"- {e}" for e in errors)
    first = errors[0]
    if isinstance(first, UnitArgumentError):
        return UnitArgumentError(first.units1, first.units2, first.dim1, first.dim2,
                                 extra_msg=text)
    return type(first)(text)


def _defaults_section(fn, declared, defaults) -> str:
    """The docstring's "Defaults" lines, written from the constants table."""
    lines = []
    for name, arg in declared.items():
        if arg.default is None:
            continue
        row = constant_record(arg.default)
        value = defaults[name]
        shown = f"{value:.4g~P}" if isinstance(value, pint.Quantity) else f"{value:.4g}"
        lines.append(f"        {name} = {shown}: {row.name} ({row.status}; {row.source})")
    if not lines:
        return ""
    return ("\n\n    Defaults (``data/constants.csv``)\n    ---------------------------------\n"
            + "\n".join(lines) + "\n")


def accepts(returns: str | None = None, **declared: Declared):
    """Check and convert a function's arguments at the boundary, declared once.

    In the spirit of astropy's ``quantity_input`` and MetPy's ``check_units``, with the
    kit's messages (function, parameter, expected dimension, a correct call). See the
    module's docstring for the kinds of argument.
    """
    def decorate(fn):
        signature = inspect.signature(fn)
        params = signature.parameters
        unknown = set(declared) - set(params)
        if unknown:
            raise TypeError(f"@accepts on {fn.__name__}: no parameter {sorted(unknown)}")
        where = fn.__name__
        names = tuple(n for n, p in params.items()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
        if len(names) != len(params):
            raise TypeError(f"@accepts on {where}: *args and keyword-only parameters are "
                            "not supported")
        required = frozenset(n for n, p in params.items() if p.default is p.empty)
        # defaults: a constants row, or the signature's literal, converted once, now
        defaults = {}
        for name, p in params.items():
            arg = declared.get(name)
            if arg is not None and arg.default is not None:
                if p.default is not None:
                    raise TypeError(f"@accepts on {where}: {name} takes its default from "
                                    f"the constants table; its signature default must be None")
                defaults[name] = arg.convert(constant(arg.default), name, where)
            elif p.default is not p.empty:
                defaults[name] = (arg.convert(p.default, name, where)
                                  if arg is not None and p.default is not None else p.default)
        filled = {n for n, a in declared.items() if a.default is not None}
        unit = ureg.Unit(returns) if returns else None     # parsed once, here
        checks = tuple(declared.items())

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            given = dict(zip(names, args))
            if len(args) > len(names) or not given.keys().isdisjoint(kwargs) \
                    or not kwargs.keys() <= params.keys() or not required <= (given.keys() | kwargs.keys()):
                signature.bind(*args, **kwargs)            # raises Python's own TypeError
            given.update(kwargs)
            values = dict(defaults)
            errors = []
            for name, arg in checks:
                if name in given:
                    value = given.pop(name)
                    if value is None and name in filled:
                        continue                             # None: the table's default
                    try:
                        values[name] = arg.convert(value, name, where)
                    except (TypeError, ValueError) as exc:
                        errors.append(exc)
            if errors:
                raise _combine(errors).with_traceback(None) from None
            values.update(given)
            result = fn(**values)
            return result.to(unit) if unit is not None and isinstance(result, pint.Quantity) \
                else result

        wrapper.declared = declared
        wrapper.declared_units = declared           # the older name
        wrapper.defaults = defaults
        wrapper.returns = returns
        wrapper.__doc__ = (fn.__doc__ or "").rstrip() + _defaults_section(fn, declared, defaults)
        return wrapper

    return decorate
