"""The few chart shapes the explorers use, each built once and updated in place.

* :func:`stacked_bar` / :func:`set_stack`: horizontal segments laid end to end (memory by
  component, a training step's phases);
* :func:`share_bar` / :func:`set_shares`: one bar split into percentages on fixed 0-100 %
  axes (cost and mass breakdowns);
* :func:`curve_and_marker`: a curve over a fixed x grid and a marker for the current
  value, log-log by default (time against size or speed).

Fixed axes are the point: an update that does not change the limits redraws only the
moving artists over a cached background (see :class:`course_lib.widgets.Explorer`).
"""
from __future__ import annotations

import numpy as np

from ..widgets import nice_limit

__all__ = ["stacked_bar", "set_stack", "share_bar", "set_shares", "curve_and_marker",
           "nice_limit"]


def stacked_bar(ax, labels, colors, rows=None, legend_cols: int | None = None):
    """One horizontal segment per label, on row 0 (or on ``rows[i]``), with a legend
    below the axes. Returns the segments, for :func:`set_stack`."""
    rows = rows or [0] * len(labels)
    bars = [ax.barh([row], [1.0], left=[0.0], color=color, label=label)[0]
            for label, color, row in zip(labels, colors, rows)]
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35),
              ncol=legend_cols or len(labels), fontsize=8, frameon=False)
    return bars


def set_stack(bars, widths, lefts=None) -> None:
    """Lay the segments end to end with ``widths`` (or at the given ``lefts``)."""
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
    widths = [100 * float(s) for s in shares]
    set_stack(bars, widths)
    for bar, label, width in zip(bars, labels, widths):
        label.set_position((bar.get_x() + width / 2, 0))
        label.set_text(f"{width:.0f} %" if width >= min_label else "")


def curve_and_marker(fig, x, xlabel: str, ylabel: str, ylim=None, log: bool = True):
    """Axes with a curve over the grid ``x`` and a marker; fixed x limits (and y limits if
    given). Returns ``(ax, curve, marker)``."""
    ax = fig.add_subplot()
    x = np.asarray(x, dtype=float)
    curve, = ax.plot(x, x, color="tab:blue")
    marker, = ax.plot([x[0]], [x[0]], "o", color="tab:red")
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlim(x[0], x[-1])
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    return ax, curve, marker
