"""The kit's one unit registry, and the helpers that check arguments at the boundary.

Conventions
-----------
* Information is a dimension of its own (``[information]``): pint ships ``bit = []``,
  which makes ``1 byte + 3`` silently valid. We build the registry from pint's own
  installed definition files with that one line changed (read at import time, never
  copied into the repository), then add the kit's units:

  - ``FLOP`` (dimension ``[computation]``), so ``TFLOP/s`` and ``PFLOP`` work and print;
  - ``token``, ``word`` and ``param`` (parameters of a model), each a dimension of its own;
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
import math
import os
import pathlib
import re
import tempfile
from importlib import resources

import numpy as np
import pint

__all__ = [
    "ureg", "Q_", "UnitArgumentError", "as_quantity", "as_count",
    "require_positive", "require_fraction", "parse_quantity", "describe_dimension",
    "dimensionality_of",
]

_KIT_UNITS = """
#### Units of the teaching kit ####
FLOP = [computation] = _ = flop
token = [token]
word = [word]
param = [parameter] = _ = parameter
USD = [currency] = _ = dollar
cent = 0.01 * USD
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
    # "kt" is the kilotonne in this kit (masses launched), not the knot
    ("knot = nautical_mile / hour = kn = kt =", "knot = nautical_mile / hour = kn ="),
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
        # whole or not at all: kernels starting together read it while one writes it
        part = path.with_name(f"{path.name}.{os.getpid()}.part")
        part.write_text(text, encoding="utf-8")
        os.replace(part, path)
    try:
        registry = pint.UnitRegistry(str(path), cache_folder=cache)
    except Exception:
        if cache is None:
            raise
        # pint writes its cache file in place: a process that reads it while another
        # writes it finds half a pickle (EOFError and kin). The cache only saves time.
        registry = pint.UnitRegistry(str(path), cache_folder=None)
    # pint re-parses a unit string at every q.to("kW") (its own cache covers only deltas):
    # 170 us against 30 us with a parsed unit. Unit strings are few, so remember them; the
    # containers pint returns are never mutated.
    registry.parse_units_as_container = functools.lru_cache(maxsize=4096)(
        registry.parse_units_as_container)
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


def describe_value(value) -> str:
    """A short excerpt of what was given, for messages (never a 1 MB string back): the
    kit's every error message shows a value through it."""
    try:
        text = f"{value:~P}" if isinstance(value, pint.Quantity) else repr(value)
    except Exception:          # a broken array or object must not break the message
        text = f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


# What a dimension is, in words a student uses, keyed by a unit of that dimension.
_DIMENSION_WORDS = {
    "B": "an amount of data (bytes)",
    "B/s": "a data rate (bytes per second)",
    "s": "a time (seconds)",
    "1/s": "a rate per unit of time (per second, per year)",
    "J": "an energy (joules)",
    "W": "a power (watts)",
    "W/year": "a power added per year (watts per year)",
    "W/kg": "a specific power (watts per kilogram)",
    "W/m^2": "a power per area (watts per square metre)",
    "FLOP": "an amount of computation (FLOP)",
    "FLOP/s": "a compute rate (FLOP/s)",
    "FLOP/J": "an energy efficiency (FLOP per joule)",
    "FLOP/B": "an arithmetic intensity (FLOP per byte)",
    "param": "a number of parameters",
    "B/param": "bytes per parameter",
    "token": "a number of tokens",
    "token/s": "a token rate (tokens per second)",
    "token/J": "tokens per joule",
    "J/token": "an energy per token (joules per token)",
    "word": "a number of words",
    "word/s": "a speaking or reading rate (words per minute)",
    "token/word": "tokens per word",
    "USD": "an amount of money (USD)",
    "USD/s": "money per unit of time (USD per hour or per year)",
    "USD/kWh": "a price of energy (USD per kWh)",
    "USD/kg": "a price per mass (USD per kg)",
    "USD/W": "a price per power (USD per watt)",
    "USD/W/s": "a price per power and time (USD per watt-year)",
    "kg": "a mass (kilograms)",
    "kg/s": "a mass flow (kilograms per second)",
    "kg/m^2": "a mass per area (kg per square metre)",
    "kg/W": "a mass per power (kg per watt)",
    "J/kg": "an energy per mass (joules per kilogram)",
    "g/kWh": "a mass per energy (grams per kWh)",
    "m": "a length (metres)",
    "m^2": "an area (square metres)",
    "m^3": "a volume (cubic metres)",
    "m^3/s": "a volume flow (cubic metres per second)",
    "m/s": "a speed (metres per second)",
    "K": "a temperature (kelvin)",
    "": "a plain number (no unit)",
}


@functools.lru_cache(maxsize=None)
def _words_by_dimension() -> dict:
    return {ureg.get_dimensionality(unit): words for unit, words in _DIMENSION_WORDS.items()}


def describe_dimension(q) -> str:
    """A dimension in words: ``"a power (watts)"`` rather than pint's base dimensions.

    ``q`` is a Quantity, a unit string or a dimensionality. A dimension the kit does not
    name is described as the inverse of one it names (``"the inverse of an energy
    (joules)"``), else by the units given (``"a quantity in kg/m/s^2"``).

    >>> describe_dimension(Q_(3, "kWh"))
    'an energy (joules)'
    """
    if isinstance(q, str):
        dims, units = dimensionality_of(q), q
    elif isinstance(q, pint.Quantity):
        dims, units = q.dimensionality, f"{q.units:~P}"
    else:
        dims, units = q, None
    words = _words_by_dimension()
    if dims in words:
        return words[dims]
    if (inverse := 1 / dims if isinstance(dims, pint.util.UnitsContainer) else None) in words:
        return "the inverse of " + words[inverse]
    return f"a quantity in {units}" if units else f"a quantity of {dims}"


@functools.lru_cache(maxsize=512)
def dimensionality_of(unit: str):
    """The dimensionality of a unit string (``"GB/s"``), cached; a ``TypeError`` for
    anything that is not a short, readable unit (the kit's own code passes these).

    >>> dimensionality_of("kWh") == dimensionality_of("J")
    True
    """
    if not isinstance(unit, str):
        raise TypeError(f"a unit must be a string like 'GB/s', got {describe_value(unit)}")
    try:
        refuse_unsafe(unit)
        return ureg.get_dimensionality(unit)
    except Exception as exc:             # pint raises several error types while parsing
        raise TypeError(f"{describe_value(unit)} is not a unit the kit knows ({exc})"[:200]) from None


_MAX_TEXT = 200                      # characters: a quantity is short
_MAX_POWER = 12                      # 10**12 is fine; 9**9**9 would never return
_POWER = re.compile(r"(?:\*\*|\^)\s*\(?\s*[-+]?\s*(\d[\d.]*(?:[eE][-+]?\d+)?)")


def refuse_unsafe(text: str) -> None:
    """A ``ValueError`` for text that pint would take ages to read (too long, powers of
    powers, huge exponents); the safe reader of expected values uses it too."""
    if len(text) > _MAX_TEXT:
        raise ValueError(f"too long to be a quantity ({len(text):,} characters; at most "
                         f"{_MAX_TEXT})")
    powers = _POWER.findall(text)
    if len(powers) > 1 and re.search(r"(\*\*|\^)[^*^a-zA-Z]*(\*\*|\^)", text):
        raise ValueError("powers of powers are not read")
    if any(float(p) > _MAX_POWER for p in powers):
        raise ValueError(f"powers above {_MAX_POWER} are not read")


# Text as people type it, pasted from a PDF, a phone or a French notebook: every minus sign
# is a minus, every multiplication sign a product; a space, no-break space or thin space
# between groups of three digits is a thousands separator. Any other character outside
# what pint reads is refused by name: none is ever dropped (pint skips some silently).
_MINUS_SIGNS = "\u2212\u2010\u2011\u2012\u2013\u2014\u2015\ufe63\uff0d\u02d7"
_SPACES = "\u00a0\u202f\u2009\u2007"
_TYPED = str.maketrans({**dict.fromkeys(_MINUS_SIGNS, "-"), **dict.fromkeys(_SPACES, " "),
                        "\u00d7": "*", "\u22c5": "*", "\u00b7": "*", "\u2217": "*"})
_READ = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t.+-*/^()%$_,"
            "\u00b0\u00b5\u03bc\u00b2\u00b3\u00b9\u2070\u2074\u2075\u2076\u2077\u2078\u2079"
            "\u207b")
_GROUPED = re.compile(r"(?<![\d.,])(\d{1,3})((?: \d{3})+)(?!\d| (?!1\s*/)\d)")
_COMMA = re.compile(r"(?<![\d.])(\d+)((?:,\d+)+)(\.\d+)?(?![\d.])")
_COMMA_AFTER_DOT = re.compile(r"\d\.\d+,\d|\d,\d+\.\d+,")


def _typed(text: str) -> str:
    """``text`` with the signs people type made pint's, thousands groups joined, a decimal
    comma made a point where it cannot be a thousands separator; a ``ValueError`` for an
    unread character or a comma that could be either (both readings shown)."""
    text = text.translate(_TYPED)
    for ch in text:
        if ch not in _READ:
            raise ValueError(f"the character {ch!r} (U+{ord(ch):04X}) is not read in a "
                             "quantity")
    text = _GROUPED.sub(lambda m: m[1] + m[2].replace(" ", ""), text)
    if _COMMA_AFTER_DOT.search(text):
        number = re.search(r"\d[\d.,]*\d", text)[0]
        raise ValueError(f"{number!r} mixes points and commas: write "
                         f"{number.replace('.', '').replace(',', '.')!r} if the comma is the "
                         "decimal one (a point for decimals, no thousands separator)")
    text = _COMMA.sub(_comma_number, text)
    if re.search(r"\d\s+(?!1\s*/)[\d.]", text):          # "0.01 1/year" is a unit
        raise ValueError("two numbers side by side are not read: group thousands by three "
                         "(1 000 000) or write one number")
    return text


def _comma_number(m: re.Match) -> str:
    """One number written with commas: thousands groups (``1,500,000``; ``1,500.5``), or a
    decimal comma (``3,5``; ``0,500``; ``1234,5``); ``1,500`` could be either."""
    whole, groups, decimals = m[1], m[2].split(",")[1:], m[3] or ""
    thousands = len(whole) <= 3 and whole[0] != "0" and all(len(g) == 3 for g in groups)
    if thousands and (len(groups) > 1 or decimals):
        return whole + "".join(groups) + decimals
    if len(groups) == 1 and not decimals and not thousands:
        return f"{whole}.{groups[0]}"
    if thousands:
        raise ValueError(f"{m[0]!r} could be {whole}{groups[0]} (a thousands comma) or "
                         f"{whole}.{groups[0]} (a decimal comma): write one of those")
    raise ValueError(f"{m[0]!r} is not a number: write a point for decimals and no "
                     "thousands separator, like 1500.5")


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_ONE = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z%\u00b0\u00b5].*?)?\s*$")
_PAIRS = re.compile(rf"^(?:\s*{_NUMBER}\s*[A-Za-z]+)+\s*$")
_PAIR = re.compile(rf"({_NUMBER})\s*([A-Za-z]+)")


def parse_quantity(text: str) -> pint.Quantity:
    """Read ``text`` as a quantity, as people write one, and safely.

    * ``"1 h 49 min"`` is a sum (pint alone would multiply), when every part has the same
      dimension;
    * ``$`` is USD (``"490 $/kg"``, ``"$3e9"``); ``kt`` is the kilotonne (not the knot);
    * a temperature in degC or degF becomes kelvin (``"77 degC"`` is 350.15 K);
    * every minus sign people type (U+2212, dashes) is a minus, and ``\u00d7`` or ``\u00b7``
      a product; any other character pint does not read is refused, never dropped;
    * thousands grouped by a space, no-break or thin space are one number
      (``"1 000.5 GB"``); a decimal comma is read where it cannot group thousands
      (``"3,5 GB"``, ``"0,500 s"``, ``"1 000,5 W"``), commas grouping thousands where they
      cannot be decimal (``"1,500,000 W"``, ``"1,500.5 W"``); ``"1,500 GB"`` could be either
      and is refused with both readings, as is ``"1.500,5"`` (with its spelling);
    * text longer than 200 characters, or with powers above 12 or chained (``"9**9**9 s"``
      would never return), is refused; pint's own parse errors become a short ``ValueError``.

    >>> parse_quantity("80 GB")
    <Quantity(80.0, 'gigabyte')>
    >>> parse_quantity("1 h 49 min").to("min")
    <Quantity(109.0, 'minute')>
    """
    if not isinstance(text, str):
        raise TypeError(f"a quantity to read must be text, like '80 GB', got {describe_value(text)}")
    if len(text) > _MAX_TEXT:
        refuse_unsafe(text)
    if not text.strip():
        raise ValueError("the text is empty: write a number and its unit, like '80 GB'")
    text = _typed(text)
    refuse_unsafe(text)
    text = re.sub(r"\$\s*(" + _NUMBER + ")", r"\1 USD", text).replace("$", " USD ")
    try:
        if _PAIRS.match(text) and len(pairs := _PAIR.findall(text)) > 1:
            parts = [Q_(float(n), u) for n, u in pairs]
            if all(p.dimensionality == parts[0].dimensionality for p in parts):
                return sum(parts[1:], parts[0])
        one = _ONE.match(text)
        q = Q_(float(one[1]), one[2] or "") if one else Q_(text)
    except Exception as exc:            # pint raises several error types while parsing
        raise ValueError(describe_value(str(exc))[1:-1]) from None
    if not isinstance(q, pint.Quantity):   # "" or "3" parse to a plain number
        q = Q_(q)
    if on_offset_scale(q):              # degC, degF: bodies multiply what they get
        q = q.to("K")
    return q


def on_offset_scale(q: pint.Quantity) -> bool:
    """Whether ``q`` is in a unit whose zero is not zero, degrees Celsius or Fahrenheit:
    pint refuses to multiply such a quantity, so a model converts it to kelvin first."""
    return _offset(tuple(q.unit_items()))


@functools.lru_cache(maxsize=256)
def _offset(items) -> bool:
    # one unit at power 1 whose zero is not the zero of its base unit (0 degC = 273.15 K);
    # an offset unit inside a compound unit is read by pint as a difference (delta_degC)
    return len(items) == 1 and items[0][1] == 1 and Q_(0, items[0][0]).to_base_units().m != 0


def argument_name(name: str, where: str | None) -> str:
    """How messages name an argument: ``"where(): name"``, or ``name`` alone."""
    return f"{where}(): {name}" if where else name


def real_array(m, who: str, like: str = "a real number") -> np.ndarray:
    """``m`` (a number, a sequence or an array) as a float array, or a clear error: complex
    numbers are refused (numpy would drop the imaginary part with a warning), as are
    integers beyond the range of floats (``10**400``) and things that are not numbers."""
    if isinstance(m, complex) or np.iscomplexobj(m):
        raise TypeError(f"{who} must be {like}, not complex: got {describe_value(m)}.")
    try:
        return np.asarray(m, dtype=float)
    except OverflowError:
        raise ValueError(f"{who} is too large: numbers must stay below about 1.8e308 "
                         "(the largest float).") from None
    except (TypeError, ValueError):
        raise TypeError(f"{who} must be {like}, got {describe_value(m)}.") from None


def _finite(m, who: str, shown=None) -> np.ndarray:
    """``m`` as a float array, or an error naming ``who`` (and showing ``shown``, the
    quantity ``m`` is the magnitude of): complex, empty or not finite."""
    a = real_array(m, who)
    if a.size == 0:
        raise ValueError(f"{who} is empty: give at least one value.")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{who} must be a finite number, got "
                         f"{describe_value(m if shown is None else shown)}.")
    return a


def _require_finite(q, name: str, where: str | None = None):
    """``q`` (a Quantity or numbers) unless it is empty, complex or not finite: an error
    naming ``where(): name``."""
    _finite(q.magnitude if isinstance(q, pint.Quantity) else q, argument_name(name, where), q)
    return q


def check_sign(q, name: str, where: str | None, positive: bool, signed: bool = False):
    """``q`` (a Quantity) finite and >= 0 (> 0 if ``positive``; any sign if ``signed``), or a
    ``ValueError`` naming it; a fast path for plain float magnitudes (the common call)."""
    m = q.magnitude
    if type(m) is float or (type(m) is int and -2**1023 < m < 2**1023):
        if not math.isfinite(m):
            raise ValueError(f"{argument_name(name, where)} must be a finite number, "
                             f"got {describe_value(q)}.")
        bad = not signed and (m <= 0 if positive else m < 0)
    else:
        a = _finite(m, argument_name(name, where), q)
        bad = not signed and (np.any(a <= 0) if positive else np.any(a < 0))
    if bad:
        sign = "zero or negative" if positive else "negative"
        raise ValueError(f"{argument_name(name, where)} must not be {sign} (got {describe_value(q)}).")
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
    expected = dimensionality_of(unit)
    example = example or (f'{name}="1 {unit}"' if unit else f"{name}=1")
    who = argument_name(name, where)
    wanted = describe_dimension(expected) + (f", like {unit}" if unit else "")
    if isinstance(value, str):
        try:
            value = parse_quantity(value)
        except ValueError as exc:
            raise UnitArgumentError(
                describe_value(value), unit, "", expected,
                extra_msg=f"{who}: could not read {describe_value(value)} as a quantity ({exc}). "
                f"Write it like {example}.",
            ) from None
    if not isinstance(value, pint.Quantity):
        number = isinstance(value, (int, float, np.number, np.ndarray))
        what = "the plain number " if number else f"a {type(value).__name__}, "
        advice = getattr(value, "advice", None)          # a kit record says what to take
        fix = f"{advice()}." if callable(advice) and not number else f"Write it like {example}."
        raise UnitArgumentError(
            describe_value(value), unit, "dimensionless", expected,
            extra_msg=f"{who} needs {wanted}, but got {what}{describe_value(value)}. "
            + fix,
        )
    if value.dimensionality != expected:
        raise UnitArgumentError(
            value.units, unit, value.dimensionality, expected,
            extra_msg=f"{who} must be {wanted}, but {describe_value(value)} is "
            f"{describe_dimension(value)}. Write it like {example}.",
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
    if not isinstance(unit, str):
        raise TypeError(f"as_count(): unit must be a unit's name, like 'param', got "
                        f"{describe_value(unit)}")
    who = argument_name(name, where)
    example = _count_example(name, unit)
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise TypeError(f"{who} must be a count, got {value!r}. Write it like {example}.")
    if isinstance(value, (str, pint.Quantity)):
        q = value if isinstance(value, pint.Quantity) else _read_count(value, who, example)
        if q.dimensionless:
            q = Q_(q.m_as(""), unit)
        elif q.dimensionality != dimensionality_of(unit):
            raise UnitArgumentError(
                q.units, unit, q.dimensionality, "",
                extra_msg=f"{who} must be a count{' of ' + unit if unit else ' (a plain number)'},"
                f" but {describe_value(q)} is {describe_dimension(q)}. Write it like {example}.")
    else:
        return Q_(plain_count(value, name, unit, where), unit)
    if np.any(_finite(q.magnitude, who, q) < 0):
        raise ValueError(f"{who} must not be negative, got {describe_value(q)}.")
    return q


def plain_count(value, name: str, unit: str = "", where: str | None = None):
    """A count given as a plain number or array (not a string or a Quantity), checked as
    :func:`as_count` checks it, as its magnitude in ``unit`` (a float or a float array):
    a model's inner loop passes its counts this way, and a Quantity built only to be taken
    apart again would cost more than the model."""
    who = argument_name(name, where)
    m = real_array(value, who, f"a number or a count in {unit or 'units'} (write it like "
                   f"{_count_example(name, unit)})")
    a = m if m.ndim else float(m)
    if not np.all(np.isfinite(m)) or m.size == 0 or np.any(m < 0):
        q = Q_(a, unit)
        _finite(m, who, q)
        raise ValueError(f"{who} must not be negative, got {describe_value(q)}.")
    return a


def _count_example(name: str, unit: str) -> str:
    return f'{name}=70e9 or {name}="70 G{unit}"' if unit else f"{name}=8"


def _read_count(text: str, who: str, example: str) -> pint.Quantity:
    try:
        return parse_quantity(text)
    except ValueError as exc:
        raise TypeError(f"{who}: could not read {describe_value(text)} as a count ({exc}). "
                        f"Write it like {example}.") from None


def require_positive(q: pint.Quantity, name: str, allow_zero: bool = False,
                     where: str | None = None) -> pint.Quantity:
    """Raise ``ValueError`` naming ``name`` unless every element of ``q`` is finite and
    > 0 (>= 0 with ``allow_zero``); ``TypeError`` unless ``q`` is a Quantity."""
    if not isinstance(q, pint.Quantity):
        raise TypeError(f"{argument_name(name, where)} must be a quantity, got {describe_value(q)}.")
    return check_sign(q, name, where, positive=not allow_zero)


def require_fraction(x, name: str, where: str | None = None) -> float | np.ndarray:
    """Return ``x`` as a plain number in (0, 1]; otherwise raise ``ValueError`` naming it.

    Accepts plain numbers, dimensionless quantities and percentages (``"90 %"``).

    >>> require_fraction("90 %", "usable_fraction")
    0.9
    """
    m = plain_number(x, name, 'a fraction (like 0.9 or "90 %")', where)
    if np.any(~((m > 0) & (m <= 1))):
        raise ValueError(f"{argument_name(name, where)} must be a fraction in (0, 1], "
                         f"got {describe_value(x)}.")
    return float(m) if np.ndim(m) == 0 else m


def plain_number(x, name: str, like: str, where: str | None = None) -> np.ndarray:
    """``x`` (a number, an array, a dimensionless quantity or a string such as ``"90 %"``)
    as a finite float array; a unit with a dimension raises ``UnitArgumentError``."""
    who = argument_name(name, where)
    if isinstance(x, (bool, np.bool_)) or x is None:
        raise TypeError(f"{who} must be {like}, got {x!r}.")
    if isinstance(x, str):
        try:
            x = parse_quantity(x)
        except ValueError as exc:
            raise TypeError(f"{who} must be {like}; could not read {describe_value(x)} ({exc}).") from None
    if isinstance(x, pint.Quantity):
        if not x.dimensionless:
            raise UnitArgumentError(x.units, "", x.dimensionality, "dimensionless",
                                    extra_msg=f"{who} must be {like}, got {describe_value(x)}, "
                                    f"{describe_dimension(x)}.")
        x = x.m_as("")
    return _require_finite(real_array(x, who, like), name, where)
