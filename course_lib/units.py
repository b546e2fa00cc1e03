"""The kit's one unit registry, and the helpers that check arguments at the boundary.

Conventions
-----------
* Information is a dimension of its own (``[information]``): pint ships ``bit = []``,
  which makes ``1 byte + 3`` silently valid. We build the registry from pint's own
  installed definition files with that one line changed (read at import time, never
  copied into the repository), then add the kit's units:

  - ``FLOP`` (dimension ``[computation]``), so ``TFLOP/s`` and ``PFLOP`` work and print;
  - ``token`` and ``param`` (parameters of a model), each a dimension of its own;
  - ``USD`` (dimension ``[currency]``).

* ``b`` and ``bps`` are bits and bits per second, as datasheets write them (``400 Gb/s``,
  ``1.6 Tbps``, ``8 Mb``). pint reads ``b`` as the barn and ``Gb`` as the gilbert; neither
  belongs in this kit, so both lose those symbols.
* Decimal prefixes are decimal (``1 GB = 1e9 B``), binary prefixes are binary
  (``1 GiB = 2**30 B``), exactly as pint and the SI/IEC define them.
* Years print as ``yr`` (``GUSD/yr``), pint's ``a`` being unknown to most readers.
* ``str(q)`` is short and pretty (``1.8 TB/s``). Always give a precision in f-strings,
  with the short flag: ``f"{q:.1f~P}"``.

The parsed registry is cached on disk (``$COURSE_LIB_CACHE`` or the user cache folder),
so that ``import course_lib`` stays fast after the first time.
"""
from __future__ import annotations

import functools
import inspect
import os
import pathlib
import tempfile
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pint

__all__ = [
    "ureg", "Q_", "UnitArgumentError", "as_quantity", "as_count",
    "require_positive", "require_fraction", "accepts", "quantity", "count", "fraction", "ratio",
]

_KIT_UNITS = """
#### Units of the teaching kit ####
FLOP = [computation] = _ = flop
token = [token]
param = [parameter] = _ = parameter
USD = [currency] = _ = dollar
"""


# What the kit changes in pint's own definitions: information is a dimension; b is the bit
# (pint gives b to the barn and Gb to the gilbert, which would make "400 Gb/s" a magnetic
# quantity). pint already defines bps (as baud = bit / second); "bp" (the printer's point)
# would make "Gbps" ambiguous, so the point loses that alias.
_EDITS = (
    ("\nbit = []\n", "\nbit = [information] = b\n"),
    ("\nbarn = 1e-28 * meter ** 2 = b\n", "\nbarn = 1e-28 * meter ** 2\n"),
    ("* biot_turn = Gb\n", "* biot_turn\n"),
    ("= big_point = bp\n", "= big_point\n"),
    # years print as "yr" (GUSD/yr, 1/yr), not the astronomer's "a"; "a" still parses
    ("year = 365.25 * day = a = yr = julian_year", "year = 365.25 * day = yr = a = julian_year"),
)


def _definitions_text() -> str:
    """pint's default definitions with information as a dimension, plus the kit's units."""
    pint_files = resources.files("pint")
    text = (pint_files / "default_en.txt").read_text(encoding="utf-8")
    constants = (pint_files / "constants_en.txt").read_text(encoding="utf-8")
    if "@import constants_en.txt" not in text:
        raise RuntimeError(f"pint {pint.__version__} changed its definition file; "
                           "course_lib.units needs updating (@import constants_en.txt).")
    text = text.replace("@import constants_en.txt", constants)
    for old, new in _EDITS:
        if old not in text:
            raise RuntimeError(f"pint {pint.__version__} changed its definition file; "
                               f"course_lib.units needs updating (looked for {old.strip()!r}).")
        text = text.replace(old, new)
    return text + _KIT_UNITS


def _cache_folder() -> pathlib.Path:
    folder = os.environ.get("COURSE_LIB_CACHE")
    if folder:
        return pathlib.Path(folder)
    import platformdirs  # a dependency of pint

    return platformdirs.user_cache_path("course_lib", appauthor=False)


def _build_registry() -> pint.UnitRegistry:
    text = _definitions_text()
    try:
        folder = _cache_folder()
        folder.mkdir(parents=True, exist_ok=True)
        cache = folder
    except OSError:  # read-only home: still work, just without the disk cache
        folder, cache = pathlib.Path(tempfile.mkdtemp(prefix="course_lib-")), None
    path = folder / f"units-pint-{pint.__version__}.txt"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    registry = pint.UnitRegistry(str(path), cache_folder=cache)
    registry.formatter.default_format = "~P"
    registry.mpl_formatter = "{:~P}"
    return registry


ureg = _build_registry()
Q_ = ureg.Quantity
pint.set_application_registry(ureg)


class UnitArgumentError(pint.DimensionalityError):
    """A function argument without a unit, or with the wrong dimension.

    A subclass of pint's ``DimensionalityError`` (itself a ``TypeError``), so code that
    catches either keeps working; its message names the parameter and shows a fix.
    """

    def __str__(self) -> str:
        return self.extra_msg


def _describe(value) -> str:
    text = repr(value) if not isinstance(value, pint.Quantity) else f"{value:~P}"
    return text if len(text) <= 60 else text[:57] + "..."


def _who(name: str, where: str | None) -> str:
    return f"{where}(): {name}" if where else name


def _require_finite(q, name: str, where: str | None = None):
    m = np.asarray(q.magnitude if isinstance(q, pint.Quantity) else q, dtype=float)
    if not np.all(np.isfinite(m)):
        raise ValueError(f"{_who(name, where)} must be a finite number, got {_describe(q)}.")
    return q


def as_quantity(value, name: str, unit: str, example: str | None = None,
                where: str | None = None) -> pint.Quantity:
    """Return ``value`` as a Quantity with the dimension of ``unit``.

    Accepts a Quantity or a string such as ``"80 GB"``. A plain number, an unreadable
    string or a wrong dimension raises :class:`UnitArgumentError`, whose message names the
    function (``where``), the parameter, the expected dimension, what was given, and a
    correct example. The result keeps the caller's units (no conversion).

    >>> as_quantity("400 Gb/s", "bandwidth", "GB/s").to("GB/s")
    <Quantity(50.0, 'gigabyte / second')>
    """
    expected = ureg.get_dimensionality(unit)
    example = example or f'{name}="1 {unit}"'
    who = _who(name, where)
    if isinstance(value, str):
        try:
            value = Q_(value)
        except Exception as exc:  # pint raises several error types while parsing
            raise UnitArgumentError(
                value, unit, "", expected,
                extra_msg=f"{who}: could not read {value!r} as a quantity ({exc}). "
                f"Write it like {example}.",
            ) from None
    if not isinstance(value, pint.Quantity):
        raise UnitArgumentError(
            value, unit, "dimensionless", expected,
            extra_msg=f"{who} needs a unit of {expected} (like {unit}), but got the plain "
            f"number {_describe(value)}. Write it like {example}.",
        )
    if value.dimensionality != expected:
        given = value.dimensionality or "dimensionless"
        raise UnitArgumentError(
            value.units, unit, given, expected,
            extra_msg=f"{who} must have the dimension {expected} (like {unit}), but "
            f"{_describe(value)} has the dimension {given}. Write it like {example}.",
        )
    return value


def as_count(value, name: str, unit: str = "", where: str | None = None) -> pint.Quantity:
    """Return a count (parameters, tokens, devices) as a Quantity in ``unit``.

    Counts may be given as plain numbers or arrays (``70e9``), as a Quantity or string in
    ``unit`` (``"70 Gparam"``), or as a dimensionless Quantity. Negative or non-finite
    counts raise ``ValueError``.

    >>> as_count("70 Gparam", "params", "param").m_as("param")
    70000000000.0
    """
    who = _who(name, where)
    example = f'{name}=70e9 or {name}="70 G{unit}"' if unit else f"{name}=8"
    if isinstance(value, (str, pint.Quantity)):
        q = Q_(value) if isinstance(value, str) else value
        if q.dimensionless:
            q = Q_(q.m_as(""), unit)
        else:
            q = as_quantity(q, name, unit or "dimensionless", example, where)
    else:
        try:
            q = Q_(np.asarray(value, dtype=float) if np.ndim(value) else float(value), unit)
        except (TypeError, ValueError):
            raise TypeError(f"{who} must be a number or a count in {unit or 'units'}, "
                            f"got {_describe(value)}. Write it like {example}.") from None
    _require_finite(q, name, where)
    if np.any(np.asarray(q.magnitude) < 0):
        raise ValueError(f"{who} must not be negative, got {_describe(q)}.")
    return q


def require_positive(q: pint.Quantity, name: str, allow_zero: bool = False,
                     where: str | None = None) -> pint.Quantity:
    """Raise ``ValueError`` naming ``name`` unless every element of ``q`` is finite and
    > 0 (>= 0 with ``allow_zero``)."""
    _require_finite(q, name, where)
    m = np.asarray(q.magnitude if isinstance(q, pint.Quantity) else q, dtype=float)
    bad = (m < 0) if allow_zero else (m <= 0)
    if np.any(bad):
        sign = "negative" if allow_zero else "zero or negative"
        raise ValueError(f"{_who(name, where)} must not be {sign} (got {_describe(q)}).")
    return q


def require_fraction(x, name: str, where: str | None = None) -> float | np.ndarray:
    """Return ``x`` as a plain number in (0, 1]; otherwise raise ``ValueError`` naming it.

    Accepts plain numbers, dimensionless quantities and percentages (``"90 %"``).

    >>> require_fraction("90 %", "usable_fraction")
    0.9
    """
    m = _plain_number(x, name, 'a fraction (like 0.9 or "90 %")', where)
    if np.any(~((m > 0) & (m <= 1))):
        raise ValueError(f"{_who(name, where)} must be a fraction in (0, 1], got {_describe(x)}.")
    return float(m) if np.ndim(m) == 0 else m


def _plain_number(x, name: str, like: str, where: str | None = None) -> np.ndarray:
    """``x`` (a number, an array, a dimensionless quantity or a string such as ``"90 %"``)
    as a finite float array; a unit with a dimension raises ``UnitArgumentError``."""
    who = _who(name, where)
    if isinstance(x, str):
        x = Q_(x)
    if isinstance(x, pint.Quantity):
        if not x.dimensionless:
            raise UnitArgumentError(x.units, "", x.dimensionality, "dimensionless",
                                    extra_msg=f"{who} must be {like}, got {_describe(x)}.")
        x = x.m_as("")
    try:
        m = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{who} must be {like}, got {_describe(x)}.") from None
    return _require_finite(m, name, where)


# ---- Declaring a function's arguments once ---------------------------------------------

@dataclass(frozen=True)
class _Arg:
    """How one argument is checked: a quantity of ``unit``'s dimension, a count, or a
    fraction; ``positive`` refuses zero; ``optional`` lets ``None`` through."""

    kind: str
    unit: str = ""
    positive: bool = False
    optional: bool = False
    example: str | None = None
    minimum: float = 0.0
    below: float | None = None

    def convert(self, value, name: str, where: str):
        if value is None and self.optional:
            return None
        if self.kind == "fraction":
            return require_fraction(value, name, where)
        if self.kind == "ratio":
            return _require_ratio(value, name, self.minimum, self.below, where)
        if self.kind == "count":
            q = as_count(value, name, self.unit, where)
        else:
            q = as_quantity(value, name, self.unit, self.example, where)
        return require_positive(q, name, allow_zero=not self.positive, where=where)


def quantity(unit: str, positive: bool = False, optional: bool = False,
             example: str | None = None) -> _Arg:
    """Declare a quantity argument with the dimension of ``unit``, finite and >= 0
    (> 0 if ``positive``)."""
    return _Arg("quantity", unit, positive, optional, example)


def count(unit: str = "", positive: bool = False) -> _Arg:
    """Declare a count argument (a plain number, an array, or a quantity in ``unit``)."""
    return _Arg("count", unit, positive)


def ratio(minimum: float = 0.0, optional: bool = False, below: float | None = None) -> _Arg:
    """Declare a dimensionless ratio argument, at least ``minimum`` (PUE: ``ratio(1)``) and,
    if given, strictly ``below`` a bound (a share of time that cannot be all of it:
    ``ratio(0, below=1)``)."""
    return _Arg("ratio", optional=optional, minimum=minimum, below=below)


def _require_ratio(x, name: str, minimum: float, below: float | None = None,
                   where: str | None = None):
    m = _plain_number(x, name, "a plain ratio (like 1.2)", where)
    if np.any(m < minimum):
        raise ValueError(f"{_who(name, where)} must be at least {minimum:g}, got {_describe(x)}.")
    if below is not None and np.any(m >= below):
        raise ValueError(f"{_who(name, where)} must be below {below:g}, got {_describe(x)}.")
    return float(m) if np.ndim(m) == 0 else m


def fraction(optional: bool = False) -> _Arg:
    """Declare a fraction argument in (0, 1] (a number, or a percentage string)."""
    return _Arg("fraction", optional=optional)


def accepts(**declared: _Arg):
    """Check and convert a function's arguments at the boundary, declared once.

    In the spirit of astropy's ``quantity_input`` and MetPy's ``check_units``, with the
    kit's messages (function, parameter, expected dimension, a correct call)::

        @accepts(memory=quantity("GB", example='memory="140 GB"'), usable_fraction=fraction())
        def devices_to_fit(memory, accelerator, usable_fraction=0.9): ...

    Inside the function, ``memory`` is a Quantity (in the caller's units), counts are
    Quantities in their unit, fractions are plain numbers. Every value is finite and not
    negative (not zero either for ``positive``), or a ``ValueError`` names it.
    """
    def decorate(fn):
        signature = inspect.signature(fn)
        unknown = set(declared) - set(signature.parameters)
        if unknown:
            raise TypeError(f"@accepts on {fn.__name__}: no parameter {sorted(unknown)}")

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            for name, arg in declared.items():
                bound.arguments[name] = arg.convert(bound.arguments[name], name, fn.__name__)
            return fn(*bound.args, **bound.kwargs)

        wrapper.declared_units = declared
        return wrapper

    return decorate
