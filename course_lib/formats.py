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

from .data import _find, _aliases, read_table

__all__ = ["NumberFormat", "number_format", "number_formats", "representable_values",
           "quantize"]


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
    """All formats of ``data/number_formats.csv``, element formats first."""
    rows = read_table("number_formats")
    made: dict[str, NumberFormat] = {}
    for r in sorted(rows, key=lambda r: r["element"] is not None):
        element = made[r["element"]] if r["element"] else None
        scale = made[r["scale"]] if r["scale"] else None
        tensor_scale = made[r["tensor_scale"]] if r["tensor_scale"] else None
        if element is None:
            bits = r["storage_bits"]
            effective = float(bits)
        else:
            bits = element.bits
            effective = bits + scale.bits / r["block_size"]
        made[r["name"]] = NumberFormat(
            name=r["name"], bits=bits, effective_bits=effective, sign_bits=r["sign_bits"],
            exponent_bits=r["exponent_bits"], mantissa_bits=r["mantissa_bits"],
            bias=r["bias"], special=r["special"], element=element,
            block_size=r["block_size"], scale=scale, tensor_scale=tensor_scale,
            source=r["source"], status=r["status"], notes=r["notes"] or "",
            aliases=_aliases(r))
    order = [r["name"] for r in rows]
    return tuple(made[n] for n in order)


def number_format(name: "str | NumberFormat") -> NumberFormat:
    """The format called ``name``: ``"FP32"``, ``"BF16"``, ``"FP8 E4M3"``, ``"fp4"``,
    ``"MXFP4"``, ``"NVFP4"``... (case-, space- and dash-insensitive)."""
    if isinstance(name, NumberFormat):
        return name
    return _find(number_formats(), name, "number format")


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
    """Round magnitudes ``a >= 0`` to the nearest value of element format ``f``
    (ties to even), saturating at its max finite value."""
    _, k = np.frexp(a)                       # a = frac * 2^k, frac in [0.5, 1)
    exponent = np.maximum(k - 1, 1 - f.bias)  # subnormals share the smallest exponent
    spacing = np.ldexp(1.0, exponent - f.mantissa_bits)
    rounded = np.round(a / spacing) * spacing  # np.round rounds half to even
    return np.minimum(rounded, f.max_finite)


def _quantize_element(x: np.ndarray, f: NumberFormat) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        a = np.abs(x)
        a = np.where(np.isinf(a), f.max_finite, a)
        q = _round_to_element(np.nan_to_num(a, nan=0.0), f)
        return np.where(np.isnan(x), np.nan, np.copysign(q, x))


def quantize(x, fmt: "str | NumberFormat") -> np.ndarray:
    """Round ``x`` to format ``fmt`` and return the values it represents, as float64.

    Model: round-to-nearest, ties to even; out-of-range values (and infinities) saturate
    to the largest finite value, so nothing silently becomes NaN (a NaN input stays NaN).
    Block-scaled formats split the flattened array into blocks of ``block_size``
    consecutive values (one row per block when the last axis is a multiple of it; the
    tail is zero-padded) and scale each block from its largest magnitude:

    * MX (OCP MX v1.0, section 6.3): shared scale ``2^(floor(log2(amax)) - emax_elem)``
      as E8M0, where ``emax_elem`` is the exponent of the element's largest normal
      (2 for E2M1); values that still exceed the element's range saturate.
    * NVFP4: an FP32 tensor scale ``amax_tensor / (448 * 6)``, then per 16-value block an
      FP8 E4M3 scale ``amax_block / 6`` (in units of the tensor scale), rounded to E4M3.

    Works on any shape; returns an array of the same shape.
    """
    f = number_format(fmt)
    try:
        x = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"quantize needs numbers (a float array), got {type(x).__name__}."
                        ) from None
    if f.special == "e8m0":
        raise ValueError("E8M0 is a scale format (powers of two only); quantize to an "
                         "element or block format instead.")
    if not f.is_block_scaled:
        return _quantize_element(x, f)
    flat = x.ravel()
    n, size = flat.size, f.block_size
    blocks = np.pad(flat, (0, -n % size)).reshape(-1, size)
    amax = np.max(np.abs(np.nan_to_num(blocks, nan=0.0, posinf=0.0, neginf=0.0)), axis=1,
                  keepdims=True)
    e = f.element
    with np.errstate(divide="ignore", invalid="ignore"):
        if f.scale.special == "e8m0":
            emax_elem = np.floor(np.log2(e.max_finite))
            shared = np.floor(np.log2(np.where(amax > 0, amax, 1.0))) - emax_elem
            scale = 2.0 ** np.clip(shared, -127, 127)
        else:  # NVFP4-style: FP32 tensor scale, then a block scale rounded to the scale format
            tensor_amax = float(np.max(amax)) if amax.size else 0.0
            global_scale = tensor_amax / (f.scale.max_finite * e.max_finite) or 1.0
            block_scale = _quantize_element(amax / e.max_finite / global_scale, f.scale)
            scale = np.where(block_scale > 0, block_scale, 1.0) * global_scale
        q = _quantize_element(blocks / scale, e) * scale
    return q.ravel()[:n].reshape(x.shape)
