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

* Decimal prefixes are decimal (``1 GB = 1e9 B``), binary prefixes are binary
  (``1 GiB = 2**30 B``), exactly as pint and the SI/IEC define them.
* ``str(q)`` is short and pretty (``1.8 TB/s``). Always give a precision in f-strings,
  with the short flag: ``f"{q:.1f~P}"``.

The parsed registry is cached on disk (``$COURSE_LIB_CACHE`` or the user cache folder),
so that ``import course_lib`` stays fast after the first time.
"""
from __future__ import annotations

import os
import pathlib
import tempfile
from importlib import resources

import numpy as np
import pint

__all__ = [
    "ureg", "Q_", "UnitArgumentError", "as_quantity", "as_count",
    "require_positive", "require_fraction",
]

_KIT_UNITS = """
#### Units of the teaching kit ####
FLOP = [computation] = _ = flop
token = [token]
param = [parameter] = _ = parameter
USD = [currency] = _ = dollar
"""


def _definitions_text() -> str:
    """pint's default definitions with information as a dimension, plus the kit's units."""
    pint_files = resources.files("pint")
    text = (pint_files / "default_en.txt").read_text(encoding="utf-8")
    constants = (pint_files / "constants_en.txt").read_text(encoding="utf-8")
    if "\nbit = []\n" not in text or "@import constants_en.txt" not in text:
        raise RuntimeError(
            f"pint {pint.__version__} changed its definition file; "
            "course_lib.units needs updating (look for 'bit = []')."
        )
    text = text.replace("@import constants_en.txt", constants)
    text = text.replace("\nbit = []\n", "\nbit = [information]\n")
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


def as_quantity(value, name: str, unit: str, example: str | None = None) -> pint.Quantity:
    """Return ``value`` as a Quantity with the dimension of ``unit``.

    Accepts a Quantity or a string such as ``"80 GB"``. A plain number, an unreadable
    string or a wrong dimension raises :class:`UnitArgumentError`, whose message names the
    parameter, the expected dimension, what was given, and a correct example.
    The result keeps the caller's units (no conversion), so printing stays natural.
    """
    expected = ureg.get_dimensionality(unit)
    example = example or f'{name}="1 {unit}"'
    if isinstance(value, str):
        try:
            value = Q_(value)
        except Exception as exc:  # pint raises several error types while parsing
            raise UnitArgumentError(
                value, unit, "", expected,
                extra_msg=f"{name}: could not read {value!r} as a quantity ({exc}). "
                f"Write it like {example}.",
            ) from None
    if not isinstance(value, pint.Quantity):
        raise UnitArgumentError(
            value, unit, "dimensionless", expected,
            extra_msg=f"{name} needs a unit of {expected} (like {unit}), but got the plain "
            f"number {_describe(value)}. Write it like {example}.",
        )
    if value.dimensionality != expected:
        given = value.dimensionality or "dimensionless"
        raise UnitArgumentError(
            value.units, unit, given, expected,
            extra_msg=f"{name} must have the dimension {expected} (like {unit}), but "
            f"{_describe(value)} has the dimension {given}. Write it like {example}.",
        )
    return value


def as_count(value, name: str, unit: str = "") -> pint.Quantity:
    """Return a count (parameters, tokens, devices) as a Quantity in ``unit``.

    Counts may be given as plain numbers or arrays (``70e9``), as a Quantity or string in
    ``unit`` (``"70 Gparam"``), or as a dimensionless Quantity. Negative counts raise
    ``ValueError``.
    """
    if isinstance(value, str) or isinstance(value, pint.Quantity):
        q = Q_(value) if isinstance(value, str) else value
        if q.dimensionless:
            q = Q_(q.m_as(""), unit)
        else:
            q = as_quantity(q, name, unit or "dimensionless", f'{name}="70e9 {unit}"')
    else:
        try:
            q = Q_(np.asarray(value, dtype=float) if np.ndim(value) else float(value), unit)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a number or a count in {unit or 'units'}, "
                            f"got {_describe(value)}.") from None
    if np.any(np.asarray(q.magnitude) < 0):
        raise ValueError(f"{name} must not be negative, got {_describe(q)}.")
    return q


def require_positive(q: pint.Quantity, name: str, allow_zero: bool = False) -> pint.Quantity:
    """Raise ``ValueError`` naming ``name`` unless every element of ``q`` is > 0 (>= 0)."""
    m = np.asarray(q.magnitude if isinstance(q, pint.Quantity) else q, dtype=float)
    bad = (m < 0) if allow_zero else (m <= 0)
    if np.any(bad) or np.any(np.isnan(m)):
        sign = "negative" if allow_zero else "zero or negative"
        raise ValueError(f"{name} must not be {sign} (got {_describe(q)}).")
    return q


def require_fraction(x, name: str) -> float | np.ndarray:
    """Return ``x`` as a plain number in (0, 1]; otherwise raise ``ValueError`` naming it.

    Accepts plain numbers, dimensionless quantities and percentages (``"90 %"``).
    """
    if isinstance(x, str):
        x = Q_(x)
    if isinstance(x, pint.Quantity):
        if not x.dimensionless:
            raise UnitArgumentError(x.units, "", x.dimensionality, "dimensionless",
                                    extra_msg=f"{name} must be a fraction (like 0.9 or "
                                    f'"90 %"), got {_describe(x)}.')
        x = x.m_as("")
    m = np.asarray(x, dtype=float)
    if np.any(~((m > 0) & (m <= 1))):
        raise ValueError(f"{name} must be a fraction in (0, 1], got {_describe(x)}.")
    return x if np.ndim(x) == 0 else m
