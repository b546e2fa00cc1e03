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

An angle (``quantity("deg")``) must carry an angle unit (``"30 deg"``, ``"0.5 rad"``): a
plain number is refused, since pint would read it as radians. ``scalar=True`` (on
``quantity``, ``count``, ``fraction`` and ``ratio``) declares an argument that takes one
number, not an array: a layout, a search's bound, a size of blocks (``devices must be one
number, got an array of 2``). Every other argument accepts numpy arrays and the body is
vectorised over it.

``default="row name"`` takes the default from ``data/constants.csv`` (source and status
there), converted once, at the function's first use; ``None`` passed by a caller means "the
default". Literal defaults in the signature (``latency="0 s"``) are also converted once,
at first use (a test converts every declared function's defaults).
The docstring gains a **Defaults** section written from the table, and
``fn.defaults`` maps each argument to its default value (explorers read it rather than
restating a number). ``returns`` converts a Quantity result to that unit.

Every bad argument of a call is reported at once, in one error whose traceback stops at
the public function (not deep inside numpy or pint). An error from a declared function
that the body calls names the caller's argument: ``specific_power(radiator_temperature=
...)`` says ``specific_power(): radiator_temperature ...``, not ``radiator_flux():
temperature ...`` (an argument passed on unchanged is recognised by identity). A result
(a quantity, a number, an array, or the fields of a returned record) that is infinite or
NaN although every argument was finite means the arithmetic overflowed: a ``ValueError``
names the function and the extreme arguments, as it does for an overflow on the way that
numpy would only have warned about (``finite=False`` lets a function such as
``block_quantize`` return the infinities it models).
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pint

from .breakdown import NotANumber
from .data import constant, constant_record, normalize
from .units import (UnitArgumentError, argument_name, as_count, as_quantity, check_sign,
                    describe_value, dimensionality_of, on_offset_scale, plain_count,
                    plain_number, require_fraction, ureg)

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
    scalar: bool = False

    @functools.cached_property
    def dimensionality(self):
        return dimensionality_of(self.unit) if self.kind == "quantity" else None

    @functools.cached_property
    def angle(self) -> bool:
        """An angle: a plain number would pass pint's dimension check as radians."""
        return self.kind == "quantity" and _is_angle(ureg.Quantity(1, self.unit))

    def convert(self, value, name: str, where: str):
        """The value as the body receives it, or an error naming ``where(): name``."""
        if value is None and self.optional:
            return None
        if isinstance(value, (bool, np.bool_)) and self.kind != "flag":
            raise TypeError(f"{argument_name(name, where)} must be {self.describe()}, got the "
                            f"boolean {value!r}.")
        if isinstance(value, NotANumber):                   # a breakdown passed on whole
            raise TypeError(f"{argument_name(name, where)} must be {self.describe()}; "
                            f"{value.advice()}.")
        out = getattr(self, "_" + self.kind)(value, name, where)
        if self.scalar and np.ndim(out.magnitude if isinstance(out, pint.Quantity) else out):
            raise TypeError(f"{argument_name(name, where)} must be one number, got an array of "
                            f"{np.size(out.magnitude if isinstance(out, pint.Quantity) else out)}.")
        return out

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
            if on_offset_scale(q):                          # 20 degC: bodies multiply it
                q = q.to(self.unit)
        elif self.angle:                                    # a number, "30", "30 km"
            try:
                q = as_quantity(value, name, self.unit, self.example, where) \
                    if isinstance(value, (str, pint.Quantity)) else None
            except UnitArgumentError:
                q = None
        else:
            q = as_quantity(value, name, self.unit, self.example, where)
        if self.angle and (q is None or not _is_angle(q)):
            raise self._not_an_angle(value, name, where)
        return check_sign(q, name, where, self.positive, self.signed)

    def _not_an_angle(self, value, name, where):
        plain = not isinstance(value, (str, pint.Quantity)) or \
            isinstance(value, pint.Quantity) and value.unitless
        got = (f"the plain number {describe_value(value)}, which pint would read as radians"
               if plain else describe_value(value))
        return UnitArgumentError(describe_value(value), self.unit, "", self.dimensionality,
                                 extra_msg=f'{argument_name(name, where)} must be an angle with its '
                                 f'unit, like {name + "=" if name.isidentifier() else ""}"30 deg"; got {got}.')

    def _count(self, value, name, where):
        if value is None or isinstance(value, (str, pint.Quantity, bool, np.bool_)):
            q = as_count(value, name, self.unit, where)     # read, or refused with its words
            m = q.m_as(self.unit) if self.unit else q.magnitude
        else:                                   # a number or an array: no Quantity to build
            m = plain_count(value, name, self.unit, where)
        if self.whole and np.any(np.asarray(m) != np.round(m)):
            raise ValueError(f"{argument_name(name, where)} must be a whole number, "
                             f"got {describe_value(value)}.")
        low = self.minimum if self.minimum is not None else 0
        if np.any(np.asarray(m) < low) or (self.positive and np.any(np.asarray(m) == 0)):
            bound = f"at least {low:g}" if low else "more than zero"
            raise ValueError(f"{argument_name(name, where)} must be {bound}, "
                             f"got {describe_value(value)}.")
        return m

    def _fraction(self, value, name, where):
        return require_fraction(value, name, where)

    def _ratio(self, value, name, where):
        m = plain_number(value, name, "a plain ratio (like 1.2)", where)
        low = self.minimum or 0.0
        if np.any(m < low):
            raise ValueError(f"{argument_name(name, where)} must be at least {low:g}, "
                             f"got {describe_value(value)}.")
        if self.below is not None and np.any(m >= self.below):
            raise ValueError(f"{argument_name(name, where)} must be below {self.below:g}, "
                             f"got {describe_value(value)}.")
        return float(m) if np.ndim(m) == 0 else m

    def _flag(self, value, name, where):
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise TypeError(f"{argument_name(name, where)} must be True or False, got {describe_value(value)}.")

    @functools.cached_property
    def _names(self) -> dict[str, str]:
        """Normalised option and alias -> option, built once (choices sit on hot paths)."""
        return {normalize(k): o for k, o in (*((o, o) for o in self.options), *self.aliases)}

    def _choice(self, value, name, where):
        if isinstance(value, str) and (key := normalize(value)) in self._names:
            return self._names[key]
        raise ValueError(f"{argument_name(name, where)} must be {self.describe()}; got {describe_value(value)}.")


def quantity(unit: str, positive: bool = False, optional: bool = False,
             example: str | None = None, default: str | None = None,
             signed: bool = False, scalar: bool = False) -> Declared:
    """A quantity with the dimension of ``unit``, finite and >= 0 (> 0 if ``positive``, any
    sign if ``signed``: an angle, a time before today); ``default`` names its row in
    ``data/constants.csv``; ``scalar``: one value, not an array."""
    return Declared("quantity", unit, positive, optional, example, default=default,
                    signed=signed, scalar=scalar)


def count(unit: str = "", positive: bool = False, whole: bool = False,
          minimum: float | None = None, optional: bool = False,
          scalar: bool = False) -> Declared:
    """A count (a plain number, an array, or a quantity in ``unit``), arriving in the body
    as a plain number in ``unit``; ``whole`` refuses fractions, ``minimum`` smaller ones
    (devices: ``count(whole=True, minimum=1)``); ``scalar``: one number, not an array."""
    return Declared("count", unit, positive, optional, minimum=minimum, whole=whole,
                    scalar=scalar)


def fraction(optional: bool = False, default: str | None = None,
             scalar: bool = False) -> Declared:
    """A fraction in (0, 1] (a number, or a percentage string)."""
    return Declared("fraction", optional=optional, default=default, scalar=scalar)


def ratio(minimum: float = 0.0, optional: bool = False, below: float | None = None,
          default: str | None = None, scalar: bool = False) -> Declared:
    """A dimensionless ratio, at least ``minimum`` (PUE: ``ratio(1)``) and, if given,
    strictly ``below`` a bound (a share that cannot be all of it: ``ratio(0, below=1)``)."""
    return Declared("ratio", optional=optional, minimum=minimum, below=below, default=default,
                    scalar=scalar)


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


class Defaults(Mapping):
    """A declared function's defaults (``fn.defaults["price"]``), converted at their first
    use: converting every function's rows when the kit is imported would cost 20 ms, a
    tenth of the import."""

    def __init__(self, convert: Callable[[], dict]):
        self._convert, self._values = convert, None

    def converted(self) -> dict:
        if self._values is None:
            self._values = self._convert()
        return self._values

    def __getitem__(self, name):
        return self.converted()[name]

    def __iter__(self):
        return iter(self.converted())

    def __len__(self) -> int:
        return len(self.converted())

    def __repr__(self) -> str:
        return repr(self.converted())


def _defaults_section(declared) -> str:
    """The docstring's "Defaults" lines, written from the constants table (each row as the
    table gives it)."""
    lines = []
    for name, arg in declared.items():
        if arg.default is None:
            continue
        row = constant_record(arg.default)
        value = constant(arg.default)
        shown = f"{value:.4g~P}" if arg.kind == "quantity" else f"{value.m_as(arg.unit):.4g}"
        lines.append(f"        {name} = {shown}: {row.name} ({row.status}; {row.source})")
    if not lines:
        return ""
    return ("\n\n    Defaults (``data/constants.csv``)\n    ---------------------------------\n"
            + "\n".join(lines) + "\n")


def one_or_many(x, kind=float):
    """A result of a vectorised body: a Python ``kind`` (float, bool) for one value, the
    array itself for several."""
    return kind(x) if np.ndim(x) == 0 else x


def _is_angle(q) -> bool:
    """``q`` carries an angle unit (degrees, radians, turns...), not a bare number."""
    return not q.unitless and ureg.get_root_units(q.units)[1] == ureg.radian


def _finite(x) -> bool:
    """``x`` (a quantity, a number or an array; anything else counts as finite) has no
    infinity or NaN. Cheap: results of the slider-driven models pass here on every call."""
    m = x.magnitude if isinstance(x, pint.Quantity) else x
    if type(m) is float:
        return math.isfinite(m)
    if isinstance(m, np.ndarray):
        return m.dtype.kind not in "fc" or bool(np.isfinite(m).all())
    return not isinstance(m, np.floating) or bool(np.isfinite(m))


def _finite_result(result) -> bool:
    """The result, or each field of a returned record (a dataclass), is finite."""
    if not isinstance(result, pint.Quantity) and hasattr(type(result), "__dataclass_fields__"):
        return all(_finite(v) for v in vars(result).values())
    return _finite(result)


@dataclass(frozen=True)
class _Call:
    """What a declared function adds to an error it lets through, for the declared
    function that called it: its name, its arguments as given, the values it refused,
    and whether its arithmetic overflowed."""

    where: str
    given: dict
    refused: tuple = ()
    overflow: bool = False


def _traceable(value) -> bool:
    """Values whose identity says where they came from (never None, a bool, a small int or
    an interned string, which many arguments share)."""
    return isinstance(value, (pint.Quantity, float, np.ndarray))


def _extreme(value, arg: Declared) -> str:
    """``"too large"`` or ``"too small"`` for a magnitude beyond 1e100 or below 1e-100 (in
    the declared unit), else ``""``."""
    m = value.m_as(arg.unit) if isinstance(value, pint.Quantity) and arg.unit else value
    try:
        m = np.abs(np.asarray(m, dtype=float))
    except (TypeError, ValueError):
        return ""
    return ("too large" if np.any(m > 1e100) else
            "too small" if np.any((m > 0) & (m < 1e-100)) else "")


def _overflow(where: str, values: dict, declared: dict) -> ValueError:
    """The error for a non-finite result from finite arguments, naming the extreme ones."""
    named = [f"{n}={describe_value(values[n])} is {word}" for n, a in declared.items()
             if values.get(n) is not None and (word := _extreme(values[n], a))]
    which = ", ".join(named) or "the arguments are too large or too small together"
    exc = ValueError(f"{where}(): the result overflows the range of floating-point numbers "
                     f"(about 1e308): {which}.")
    exc.kit_call = _Call(where, {}, overflow=True)
    return exc


def _in_callers_terms(exc, where: str, values: dict, declared: dict):
    """``exc``, raised by a declared function that this one (``where``) called, said with
    this function's argument names; or this function's overflow error where the inner one
    refused a non-finite value that none of this function's arguments was."""
    inner: _Call = exc.kit_call
    if inner.overflow:
        return _overflow(where, values, declared)
    text, refused = str(exc), []
    for p, obj in inner.given.items():
        q = next((q for q, v in values.items() if v is obj), None) if _traceable(obj) else None
        if q is not None:
            text = re.sub(rf"\b{re.escape(inner.where)}\(\): {re.escape(p)}\b",
                          f"{where}(): {q}", text)
            refused += [obj] if any(obj is r for r in inner.refused) else []
    if f"{inner.where}(): " in text and not all(map(_finite, inner.refused)):
        return _overflow(where, values, declared)
    if text == str(exc):
        new = exc
    elif isinstance(exc, UnitArgumentError):
        new = UnitArgumentError(exc.units1, exc.units2, exc.dim1, exc.dim2, extra_msg=text)
    else:
        new = type(exc)(text)
    new.kit_call = _Call(where, values, tuple(refused))
    return new


def accepts(returns: str | None = None, finite: bool = True, **declared: Declared):
    """Check and convert a function's arguments at the boundary, declared once.

    In the spirit of astropy's ``quantity_input`` and MetPy's ``check_units``, with the
    kit's messages (function, parameter, expected dimension, a correct call). See the
    module's docstring for the kinds of argument. ``finite=False``: the function may
    return infinities or NaN by design (number formats).
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
        for name, arg in declared.items():
            if arg.default is not None and params[name].default is not None:
                raise TypeError(f"@accepts on {where}: {name} takes its default from "
                                f"the constants table; its signature default must be None")

        def convert_defaults() -> dict:
            """A constants row, or the signature's literal, converted as an argument; a
            default that does not convert is the kit's error, not the caller's."""
            out = {}
            for name, p in params.items():
                arg = declared.get(name)
                try:
                    if arg is not None and arg.default is not None:
                        out[name] = arg.convert(constant(arg.default), name, where)
                    elif p.default is not p.empty:
                        out[name] = (arg.convert(p.default, name, where)
                                     if arg is not None and p.default is not None else p.default)
                except (TypeError, ValueError, KeyError) as exc:
                    raise TypeError(f"@accepts on {where}: the default of {name} does not "
                                    f"convert ({exc})") from None
            return out

        defaults = Defaults(convert_defaults)
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
            values = dict(defaults.converted())
            values.update(given)
            errors, refused = [], []
            for name, arg in checks:
                if name in given:
                    value = given[name]
                    if value is None and name in filled:
                        values[name] = defaults.converted()[name]   # None: the table's default
                        continue
                    try:
                        values[name] = arg.convert(value, name, where)
                    except (TypeError, ValueError) as exc:
                        errors.append(exc)
                        refused.append(value)
            if errors:
                exc = _combine(errors)
                exc.kit_call = _Call(where, given, tuple(refused))
                raise exc.with_traceback(None) from None
            try:
                # an overflow inside the body is refused below, naming the argument, rather
                # than shown as numpy's warning about a line of the library
                with np.errstate(over="raise") if finite else contextlib.nullcontext():
                    result = fn(**values)
            except (TypeError, ValueError) as exc:
                if getattr(exc, "kit_call", None) is None:    # this body's own error
                    exc.kit_call = _Call(where, given)
                    raise
                if exc.kit_call.where == where:
                    raise
                raise _in_callers_terms(exc, where, values, declared).with_traceback(None) \
                    from None
            except (OverflowError, FloatingPointError):
                raise _overflow(where, values, declared) from None
            if unit is not None and isinstance(result, pint.Quantity):
                result = result.to(unit)
            if finite and not _finite_result(result):
                raise _overflow(where, values, declared)
            return result

        wrapper.declared = declared
        wrapper.defaults = defaults
        wrapper.returns = returns
        wrapper.__doc__ = (fn.__doc__ or "").rstrip() + _defaults_section(declared)
        return wrapper

    return decorate
