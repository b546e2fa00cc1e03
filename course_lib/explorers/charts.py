"""The few chart shapes the explorers use, each built once and updated in place.

* :func:`stacked_bar` / :func:`set_stack`: horizontal segments laid end to end (memory by
  component, a training step's phases);
* :func:`share_bar` / :func:`set_shares`: one bar split into percentages on fixed 0-100 %
  axes (cost and mass breakdowns);
* :func:`curve_and_marker`: a curve over a fixed x grid and a marker for the current
  value, log-log by default (time against size or speed);
* :func:`log_scale`: a log axis labelled in plain text (10⁶, 2×10³);
* :func:`draw_inline_figures_once`: a notebook's figures drawn twice, not three times.

Fixed axes are the point: an update that does not change the limits redraws only the
moving artists over a cached background (see :class:`course_lib.widgets.Explorer`).

Bad input is refused where it enters, with the argument named: a NaN or negative width
would otherwise draw nothing, or a bar running backwards, and the readout would not say why.
"""
from __future__ import annotations

import re

import numpy as np
from matplotlib.ticker import LogFormatterSciNotation, LogLocator

from ..rounding import nice_limit, superscript

__all__ = ["stacked_bar", "set_stack", "share_bar", "set_shares", "curve_and_marker",
           "log_scale", "PlainLogFormatter", "nice_limit", "draw_inline_figures_once"]


def _checked(fn: str, name: str, values, n: int | None = None, minimum: float | None = None,
             strict: bool = False) -> np.ndarray:
    """``values`` as finite floats (``n`` of them, each >= ``minimum``, or > if ``strict``),
    or a ValueError naming ``fn`` and the argument. Rounding below ``minimum`` (a width of
    -1e-16 from a difference of equal sums) is set to ``minimum``."""
    try:
        a = np.array(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"{fn}(): {name} must be numbers, got {values!r}") from None
    if n is not None and a.size != n:
        raise ValueError(f"{fn}(): {name} needs {n} values, one per segment; got {a.size}")
    if not np.isfinite(a).all():
        raise ValueError(f"{fn}(): {name} must be finite numbers, got {_show(a)}")
    if minimum is not None:
        slack = 1e-9 * max(float(np.abs(a).max(initial=0)), 1e-300)
        if (a < minimum - slack).any() or strict and (a <= minimum).any():
            raise ValueError(f"{fn}(): {name} must be {'>' if strict else '>='} {minimum:g}, "
                             f"got {_show(a)}")
        a = np.maximum(a, minimum)
    return a


def _show(a: np.ndarray) -> str:
    return np.array2string(a, threshold=8, precision=4)


def stacked_bar(ax, labels, colors, rows=None, legend_cols: int | None = None):
    """One horizontal segment per label, on row 0 (or on ``rows[i]``), with a legend
    below the axes. Returns the segments, for :func:`set_stack`."""
    labels, colors = list(labels), list(colors)
    if len(colors) != len(labels):
        raise ValueError(f"stacked_bar(): colors needs one colour per label ({len(labels)}), "
                         f"got {len(colors)}")
    rows = [0] * len(labels) if rows is None else _checked("stacked_bar", "rows", rows, len(labels))
    bars = [ax.barh([row], [1.0], left=[0.0], color=color, label=label)[0]
            for label, color, row in zip(labels, colors, rows)]
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35),
              ncol=legend_cols or len(labels), fontsize=8, frameon=False)
    return bars


def set_stack(bars, widths, lefts=None) -> None:
    """Lay the segments end to end with ``widths`` (>= 0, one per segment), or at the
    given ``lefts``."""
    widths = _checked("set_stack", "widths", widths, len(bars), minimum=0.0)
    if lefts is not None:
        lefts = _checked("set_stack", "lefts", lefts, len(bars))
    left = 0.0
    for i, (bar, width) in enumerate(zip(bars, widths)):
        start = left if lefts is None else lefts[i]
        bar.set_x(start)
        bar.set_width(width)
        left = start + width


def share_bar(fig, parts, colors, xlabel: str):
    """One bar split into the shares of ``parts`` on fixed 0-100 % axes, a label on each
    segment. Returns the artists :func:`set_shares` updates."""
    ax = fig.add_subplot()
    bars = stacked_bar(ax, parts, colors)
    labels = [ax.text(0, 0, "", ha="center", va="center", fontsize=9, color="white")
              for _ in parts]
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([])
    ax.set_xlabel(xlabel)
    return bars, labels


def set_shares(artists, shares, min_label: float = 7.0) -> None:
    """Set the segments of a :func:`share_bar` to ``shares`` (fractions, in the order of its
    parts); segments narrower than ``min_label`` percent go unlabelled."""
    bars, labels = artists
    widths = 100 * _checked("set_shares", "shares", shares, len(bars), minimum=0.0)
    set_stack(bars, widths)
    for bar, label, width in zip(bars, labels, widths):
        label.set_position((bar.get_x() + width / 2, 0))
        label.set_text(f"{width:.0f} %" if width >= min_label else "")


def curve_and_marker(fig, x, xlabel: str, ylabel: str, ylim=None, log: bool = True,
                     labels: tuple[str, str] | None = None):
    """Axes with a curve over the grid ``x`` (increasing; positive on log axes) and a
    marker; fixed x limits (and y limits if given). ``labels`` names the curve and the
    marker for a legend, which the caller draws once its own artists are added.
    Returns ``(ax, curve, marker)``."""
    floor = 0.0 if log else None
    x = _checked("curve_and_marker", "x", x, minimum=floor, strict=log)
    if x.size < 2 or (np.diff(x) <= 0).any():
        raise ValueError(f"curve_and_marker(): x must be two or more increasing values, "
                         f"got {_show(x)}")
    if ylim is not None:
        ylim = _checked("curve_and_marker", "ylim", ylim, 2, minimum=floor, strict=log)
        if not ylim[0] < ylim[1]:
            raise ValueError(f"curve_and_marker(): ylim must be (low, high) with low < high, "
                             f"got {_show(ylim)}")
    curve_label, marker_label = labels or (None, None)
    ax = fig.add_subplot()
    curve, = ax.plot(x, x, color="tab:blue", label=curve_label)
    marker, = ax.plot([x[0]], [x[0]], "o", color="tab:red", label=marker_label)
    if log:
        log_scale(ax)
    ax.set_xlim(x[0], x[-1])
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    return ax, curve, marker


_MATHTEXT = re.compile(r"^\$\\mathdefault\{(.*)\}\$$")


class PlainLogFormatter(LogFormatterSciNotation):
    """matplotlib's log-axis labels (its choice of ticks to label, 10⁶, 2×10³) in plain
    text rather than mathtext, whose parser takes 0.15 s to build in each kernel and about
    5 ms a label: as long as the rest of an explorer's first picture."""

    def __call__(self, x, pos=None) -> str:
        label = super().__call__(x, pos)
        math = _MATHTEXT.match(label)
        if math is None:
            return label
        text = math.group(1).replace(r"\times", "×")
        return re.sub(r"\^\{([^}]*)\}", lambda m: superscript(m.group(1)), text)


def log_scale(ax, axes: str = "xy") -> None:
    """Log scale on ``ax``'s x and/or y axis (``axes``), labelled by
    :class:`PlainLogFormatter` (major and minor ticks, as matplotlib labels them), minor
    ticks at 2 and 5 of each decade (eight a decade: each tick is an artist to build)."""
    if not isinstance(axes, str) or not axes or set(axes) - {"x", "y"}:
        raise ValueError(f"log_scale(): axes must be 'x', 'y' or 'xy', got {axes!r:.40}")
    for name in axes:
        {"x": ax.set_xscale, "y": ax.set_yscale}[name]("log")
        axis = ax.xaxis if name == "x" else ax.yaxis
        axis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
        axis.set_major_formatter(PlainLogFormatter())
        axis.set_minor_formatter(PlainLogFormatter(labelOnlyBase=False))


def draw_inline_figures_once() -> None:
    """Spare each of a notebook's figures a full redraw that nobody sees.

    Jupyter's inline backend shows a figure as a PNG after its cell, drawing it twice for
    that (its tight bounding box, then its pixels). Before that, pyplot's hook for
    interactive windows (an IPython ``post_execute`` callback) redraws every changed
    figure, for nothing: the inline backend has no window. That third draw is 30-40 % of
    a lesson figure's time (0.1-0.2 s a chapter). This removes the hook while the inline
    backend is the one in use and no figure is open; pyplot installs it again when it
    switches backend (``%matplotlib widget``, ``%matplotlib inline``) and with
    ``plt.ion()`` or at the end of ``with plt.ioff():``.
    ``import course_lib`` calls it in a kernel where pyplot is already imported (as the
    import cells of chapters 01-07 do). It loads the inline backend at once, as pyplot
    does at the first figure: a ``plt.ioff()`` after it then holds figures back until
    ``plt.show()``, as it does after any first figure."""
    import matplotlib
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend()
    if not backend.endswith("inline") or plt.get_fignums():
        return
    plt.switch_backend(backend)        # installs the hook now, not at the first figure
    plt.uninstall_repl_displayhook()
