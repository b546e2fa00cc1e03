"""Round numbers for axes and sliders, shared by :mod:`course_lib.widgets` (slider steps)
and :mod:`course_lib.explorers.charts` (axis limits), which both import it and neither the
other. Plain floats in and out; no unit, no notebook stack."""
from __future__ import annotations

import numpy as np

__all__ = ["nice_limit", "finite_float", "superscript"]


def finite_float(where: str, name: str, v) -> float:
    """``v`` as a finite float, or an error naming ``where`` and the argument (NaN compares
    false with everything, so it would pass range checks unseen)."""
    try:
        if isinstance(v, (bool, str, bytes)) or np.iscomplexobj(v):
            raise TypeError
        x = float(v)
    except OverflowError:
        raise ValueError(f"{where}: {name} is beyond the range of floats, got {v!r:.40}") from None
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {name} must be a number, got {v!r:.60}") from None
    if not np.isfinite(x):
        raise ValueError(f"{where}: {name} must be finite, got {v!r}")
    return x


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def superscript(text: str) -> str:
    """An exponent in superscript digits, as readouts and axes print powers of ten
    (``10`` + ``superscript("-3")`` is 10⁻³): plain text, which any font and any output shows.

    >>> superscript("-12")
    '⁻¹²'
    """
    return str(text).translate(_SUPERSCRIPT)


def nice_limit(x: float) -> float:
    """The smallest of 1, 2, 5 x 10^k that is >= ``x``: axis limits that change rarely, so
    that most updates reuse the cached background. ``x <= 0`` (an empty chart) gives 1;
    NaN or an infinity raises ``ValueError``, as no axis can hold it.

    >>> nice_limit(3), nice_limit(0.013), nice_limit(0)
    (5.0, 0.02, 1.0)
    """
    x = finite_float("nice_limit()", "x", x)
    if not x > 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(x))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= x * (1 - 1e-12)))
