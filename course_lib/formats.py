"""Number formats from FP32 to FP4, including the block-scaled MX formats and NVFP4.

Model
-----
A floating-point element has ``s`` sign, ``e`` exponent and ``m`` mantissa bits and an
exponent bias ``b``. A normal value is ``(-1)^sign * 2^(E - b) * (1 + M / 2^m)`` for an
exponent field ``E >= 1``; ``E = 0`` gives subnormals ``2^(1 - b) * M / 2^m``. What the top
exponent field means is the ``special`` rule of each format:

* ``ieee``: reserved for inf and NaN (FP32, BF16, FP16, FP8 E5M2);
* ``fn``: finite, except the single all-ones pattern, which is NaN (FP8 E4M3: max 448);
* ``none``: every pattern is a finite number (FP6, FP4 E2M1: max 6);
* ``e8m0``: unsigned powers of two ``2^(E - 127)``, all-ones is NaN (the MX scale).

A block-scaled format stores ``block_size`` elements plus one shared scale, so its
``effective_bits`` per element are ``element bits + scale bits / block_size``
(MXFP4 4 + 8/32 = 4.25; NVFP4 4 + 8/16 = 4.5). NVFP4's extra FP32 scale per tensor is
negligible per element and is not counted.

Layouts and sources are in ``data/number_formats.csv``; every derived number here (max
finite, smallest normal and subnormal, the value sets) is computed from the layout.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .data import lookup, read_table
from .declare import accepts, count, flag
from .units import describe_value

__all__ = ["NumberFormat", "number_format", "number_formats", "representable_values",
           "quantize", "block_quantize", "clipped_blocks"]


@dataclass(frozen=True)
class NumberFormat:
    """A number format's layout and the figures derived from it (see module docstring)."""

    name: str
    bits: int | None            # bits stored per element (the element's, for block formats)
    effective_bits: float       # per element, block scales included
    sign_bits: int | None
    exponent_bits: int | None
    mantissa_bits: int | None
    bias: int | None
    special: str | None         # ieee / fn / none / e8m0; None for block formats
    element: "NumberFormat | None"   # the element format of a block-scaled format
    block_size: int | None
    scale: "NumberFormat | None"
    tensor_scale: "NumberFormat | None"
    source: str
    status: str
    notes: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def is_block_scaled(self) -> bool:
        return self.block_size is not None

    @property
    def has_inf(self) -> bool:
        return (self.element or self).special == "ieee"

    @property
    def has_nan(self) -> bool:
        return (self.element or self).special in ("ieee", "fn", "e8m0")

    @property
    def max_finite(self) -> float:
        """Largest finite element value (before any block scale)."""
        f = self.element or self
        top = 2 ** f.exponent_bits - 1           # the all-ones exponent field
        frac = 1 - 2.0 ** -f.mantissa_bits       # all-ones mantissa, as a fraction
        if f.special == "ieee":
            top -= 1                             # the all-ones exponent is inf/NaN
        elif f.special == "fn":
            frac -= 2.0 ** -f.mantissa_bits      # the all-ones pattern is NaN
        elif f.special == "e8m0":
            return 2.0 ** (top - 1 - f.bias)
        return 2.0 ** (top - f.bias) * (1 + frac)

    @property
    def min_normal(self) -> float:
        f = self.element or self
        return 2.0 ** (0 - f.bias) if f.special == "e8m0" else 2.0 ** (1 - f.bias)

    @property
    def min_subnormal(self) -> float | None:
        """Smallest positive subnormal; ``None`` for formats without subnormals (E8M0)."""
        f = self.element or self
        if f.special == "e8m0" or f.mantissa_bits == 0:
            return None
        return 2.0 ** (1 - f.bias - f.mantissa_bits)


@functools.lru_cache(maxsize=None)
def number_formats() -> tuple[NumberFormat, ...]:
    """All formats of ``data/number_formats.csv``, in the table's order."""
    rows = {r["name"]: r for r in read_table("number_formats")}
    made: dict[str, NumberFormat] = {}

    def get(name):
        if name is None:
            return None
        if name not in made:
            r = rows[name]
            element, scale = get(r["element"]), get(r["scale"])
            bits = element.bits if element else r["storage_bits"]
            effective = bits + scale.bits / r["block_size"] if element else float(bits)
            made[name] = NumberFormat(
                name=name, bits=bits, effective_bits=effective, sign_bits=r["sign_bits"],
                exponent_bits=r["exponent_bits"], mantissa_bits=r["mantissa_bits"],
                bias=r["bias"], special=r["special"], element=element,
                block_size=r["block_size"], scale=scale, tensor_scale=get(r["tensor_scale"]),
                source=r["source"], status=r["status"], notes=r["notes"] or "",
                aliases=tuple(a.strip() for a in (r["aliases"] or "").split(";") if a.strip()))
        return made[name]

    return tuple(get(name) for name in rows)


def number_format(name: "str | NumberFormat") -> NumberFormat:
    """The format called ``name``: ``"FP32"``, ``"BF16"``, ``"FP8 E4M3"``, ``"fp4"``,
    ``"MXFP4"``, ``"NVFP4"``... (case-, space- and dash-insensitive).

    >>> number_format("nvfp4").effective_bits
    4.5
    """
    if isinstance(name, NumberFormat):
        return name
    return lookup(number_formats(), name, "number format")


def representable_values(name: "str | NumberFormat") -> np.ndarray:
    """The sorted, distinct finite values of an element format (+0 and -0 collapse).

    Computed by decoding every bit pattern of the layout. For a block-scaled format, the
    values of its element format (before scaling). Formats wider than 16 bits raise
    ``ValueError`` (FP32 has about 4 billion values).
    """
    f = number_format(name)
    f = f.element or f
    if f.bits > 16:
        raise ValueError(f"{f.name} has 2^{f.bits} bit patterns; too many to list. "
                         "Use its max_finite, min_normal and min_subnormal instead.")
    exp_field = np.arange(2 ** f.exponent_bits)[:, None]
    mant = np.arange(2 ** f.mantissa_bits)[None, :]
    frac = mant / 2.0 ** f.mantissa_bits
    if f.special == "e8m0":
        values = 2.0 ** (exp_field - f.bias) + 0 * frac
    else:
        values = np.where(exp_field == 0, 2.0 ** (1 - f.bias) * frac,
                          2.0 ** (exp_field - f.bias) * (1 + frac))
    keep = np.ones(values.shape, dtype=bool)
    top = 2 ** f.exponent_bits - 1
    if f.special == "ieee":
        keep[top, :] = False
    elif f.special in ("fn", "e8m0"):
        keep[top, -1] = False
    positive = np.unique(values[keep])
    if f.sign_bits:
        return np.unique(np.concatenate([-positive, positive]))
    return positive


def _round_to_element(a: np.ndarray, f: NumberFormat) -> np.ndarray:
    """Round magnitudes ``a >= 0`` to the grid of element format ``f`` (ties to even),
    without any range limit: results above ``f.max_finite`` are overflows."""
    _, k = np.frexp(a)                       # a = frac * 2^k, frac in [0.5, 1)
    exponent = np.maximum(k - 1, 1 - f.bias)  # subnormals share the smallest exponent
    spacing = np.ldexp(1.0, exponent - f.mantissa_bits)
    return np.round(a / spacing) * spacing   # np.round rounds half to even


def _quantize_element(x: np.ndarray, f: NumberFormat, saturate: bool) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        a = np.abs(x)
        q = _round_to_element(np.where(np.isfinite(a), a, 0.0), f)
        overflow = (q > f.max_finite) | np.isinf(a)
        if saturate or f.special == "none":    # FP6/FP4 have no inf or NaN to overflow to
            q = np.where(overflow, f.max_finite, q)
        elif f.special == "ieee":
            q = np.where(overflow, np.inf, q)
        else:                                  # "fn" (E4M3) and "e8m0": overflow is NaN
            q = np.where(overflow, np.nan, q)
        return np.where(np.isnan(x), np.nan, np.copysign(q, x))


def _exponent(a: np.ndarray) -> np.ndarray:
    """floor(log2(a)) for a > 0, exactly (from the float's own exponent, no log2 rounding)."""
    return np.frexp(a)[1] - 1


def _values(x, where: str) -> np.ndarray:
    """``x`` as a non-empty float array (NaN and infinities are values a format handles);
    a clear error for text, booleans, ``None`` or nothing."""
    if isinstance(x, (str, bytes, bool, np.bool_)) or x is None:
        raise TypeError(f"{where}(): x must be numbers (a float array), got {describe_value(x)}.")
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{where}(): x must be numbers (a float array), got "
                        f"{type(x).__name__}.") from None
    if a.size == 0:
        raise ValueError(f"{where}(): x is empty: give at least one value.")
    return a


def _row_blocks(x, block_size: int):
    """``x`` cut into blocks of ``block_size`` along its last axis (zero-padded, one row of
    blocks per row of ``x``), and each block's largest finite magnitude."""
    x, block_size = np.asarray(x, dtype=float), int(block_size)
    rows = x.reshape(-1, x.shape[-1] if x.ndim else 1)
    blocks = np.pad(rows, ((0, 0), (0, -rows.shape[1] % block_size)))
    blocks = blocks.reshape(rows.shape[0], -1, block_size)
    amax = np.max(np.abs(np.where(np.isfinite(blocks), blocks, 0.0)), axis=-1, keepdims=True)
    return blocks, amax


def _power_of_two_scale(amax, element: NumberFormat):
    """The OCP MX shared scale ``2^(floor(log2 amax) - emax)``, within E8M0's range
    (1 for an all-zero block)."""
    shared = _exponent(np.where(amax > 0, amax, 1.0)) - _exponent(element.max_finite)
    return np.ldexp(1.0, np.clip(shared, -127, 127))


@accepts(finite=False, block_size=count(whole=True, minimum=1, scalar=True))
def block_quantize(x, element="FP4 E2M1", block_size: int = 16, scale="E8M0") -> np.ndarray:
    """Quantize ``x`` with one shared scale per block of ``block_size`` values along the
    last axis: the machinery behind MXFP4/MXFP8 and NVFP4, with each choice open.

    Model: the last axis is zero-padded to a multiple of ``block_size`` (a block never
    spans two rows, as in the OCP MX specification and NVIDIA's kernels). Per block, with
    ``amax`` its largest magnitude and ``emax`` the exponent of the element's largest
    normal (2 for E2M1, 8 for E4M3):

    * ``scale="E8M0"`` (OCP MX v1.0, section 6.3): ``2^(floor(log2(amax)) - emax)``. The
      scaled maximum lands in [2^emax, 2^(emax+1)), i.e. [4, 8) for E2M1, so values above
      the element's max (6) are clipped: see :func:`clipped_blocks`.
    * any other scale format (``"FP8 E4M3"`` for NVFP4): a per-tensor FP32 scale
      ``amax_tensor / (scale max * element max)``, then per block ``amax / element max``
      in units of it, rounded to the scale format: the block maximum lands close to 6.

    Elements are rounded to nearest (ties to even) and saturate, as the block rule leaves
    no room for infinities. Returns float64 values of the same shape.

    >>> block_quantize([0.1, 0.2, 0.3, 10.0], "FP4 E2M1", 4, "E8M0")   # scale 2: 10 -> 8
    array([0., 0., 0., 8.])
    """
    e, s = number_format(element), number_format(scale)
    x = _values(x, "block_quantize")
    blocks, amax = _row_blocks(x, block_size)
    if s.special == "e8m0":
        scale_values = _power_of_two_scale(amax, e)
    else:
        tensor_amax = float(np.max(amax)) if amax.size else 0.0
        tensor_scale = tensor_amax / (s.max_finite * e.max_finite) or 1.0
        block_scale = _quantize_element(amax / e.max_finite / tensor_scale, s, saturate=True)
        scale_values = np.where(block_scale > 0, block_scale, 1.0) * tensor_scale
    q = _quantize_element(blocks / scale_values, e, saturate=True) * scale_values
    n = x.shape[-1] if x.ndim else 1
    return q.reshape(blocks.shape[0], -1)[:, :n].reshape(x.shape)


@accepts(finite=False, block_size=count(whole=True, minimum=1, scalar=True))
def clipped_blocks(x, element="FP4 E2M1", block_size: int = 32) -> float:
    """Share of blocks whose largest value the power-of-two (E8M0) scale rule clips.

    With ``scale = 2^(floor(log2 amax) - emax)`` the scaled block maximum lies in
    [4, 8) for E2M1; whenever it exceeds 6 it saturates to 6 (the block's largest value
    loses up to 25 %). For magnitudes spread evenly in log scale that happens in
    log2(8/6) = 41.5 % of blocks.

    >>> round(clipped_blocks(2.0 ** np.linspace(0, 20, 64_000), block_size=1), 2)
    0.42
    """
    e = number_format(element)
    _, amax = _row_blocks(_values(x, "clipped_blocks"), block_size)
    amax = amax[amax > 0]
    scaled = amax / _power_of_two_scale(amax, e)
    return float(np.mean(scaled > e.max_finite)) if amax.size else 0.0


@accepts(finite=False, saturate=flag())
def quantize(x, fmt: "str | NumberFormat", saturate: bool = False) -> np.ndarray:
    """Round ``x`` to format ``fmt`` and return the values it represents, as float64.

    Model: round to nearest, ties to even. Out of range, a plain cast does what the
    hardware does: IEEE-like formats (FP32, BF16, FP16, FP8 E5M2) overflow to +-inf,
    FP8 E4M3 (no infinities) to NaN; FP6 and FP4 have neither and saturate.
    ``saturate=True`` clamps to the largest finite value instead, like the ``.satfinite``
    conversions of NVIDIA's PTX (infinities too; NaN stays NaN).
    Block-scaled formats (MXFP8, MXFP6, MXFP4, NVFP4) go through :func:`block_quantize`
    with their own element, block size and scale format.

    >>> quantize([1e4, 7e4, 1e6], "FP16")
    array([10000.,    inf,    inf])
    >>> quantize([470.0], "FP8 E4M3"), quantize([470.0], "FP8 E4M3", saturate=True)
    (array([nan]), array([448.]))
    """
    f = number_format(fmt)
    x = _values(x, "quantize")
    if f.special == "e8m0":
        raise ValueError("E8M0 is a scale format (powers of two only); quantize to an "
                         "element or block format instead.")
    if f.is_block_scaled:
        return block_quantize(x, f.element, f.block_size, f.scale)
    return _quantize_element(x, f, saturate)
