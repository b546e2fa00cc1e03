"""Turn a model function into an explorer: labelled controls, one figure, one readout.

Design (why it is fast and testable):

* The matplotlib ``Figure`` is built once, off pyplot (no global state, no duplicate
  inline display). Each update changes artists in place (``set_data``, ``set_width``...)
  and renders the figure to PNG into an ``ipywidgets.Image`` of fixed size: no new figure,
  no flicker, no output growing.
* Blitting: the artists that ``setup`` returns are the moving parts. Everything else
  (axes, ticks, labels, legend) is drawn once into a cached background; an update redraws
  only the moving artists on top of it. Axis limits are watched: when an update changes
  them, the background is redrawn once. The layout is computed once, then frozen.
* The readout is an ``ipywidgets.HTML`` of fixed height. A callback that raises shows the
  error there, in red, instead of losing it in a log.
* Controls know their unit: ``explorer.values()`` hands quantities to the model.
* Everything runs synchronously when a control's ``.value`` is set, so tests drive the
  explorer without a browser. ``last_update_ms`` records the cost of the last update.
"""
from __future__ import annotations

import html
import io
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import ipywidgets as W
import numpy as np

from .units import Q_

__all__ = ["Control", "slider", "choice", "Explorer", "nice_limit"]

_STYLE = {"description_width": "11em"}
_LAYOUT = W.Layout(width="36em")


@dataclass
class Control:
    """A widget and the unit its value is in (``None`` for choices and plain numbers)."""

    widget: W.ValueWidget
    unit: str | None = None

    @property
    def value(self):
        return self.widget.value

    @value.setter
    def value(self, v):
        self.widget.value = v

    def quantity(self):
        """The value as a Quantity (plain value when the control has no unit)."""
        return self.widget.value if self.unit is None else Q_(self.widget.value, self.unit)


def slider(label: str, unit: str | None, min: float, max: float, value: float,
           step: float | None = None, log: bool = False, fmt: str | None = None,
           continuous: bool = True) -> Control:
    """A labelled slider whose description shows its unit, e.g. ``Model size [Gparam]``.

    ``log=True`` makes a logarithmic slider between ``min`` and ``max`` (both > 0).
    The grid of positions is shifted (by less than one step) so that ``value`` lies on it:
    otherwise the browser snaps the start value to the grid and the student sees 392
    where the chapter says 400. ``fmt`` is the readout's d3 format (default: whole numbers
    with thousands separators from 100 up, else 3 significant digits).
    ``continuous=False`` updates only on release, for models slower than about 100 ms.
    """
    if not min < max or not min <= value <= max:
        raise ValueError(f"slider {label!r}: need min < max and min <= value <= max, "
                         f"got {min}, {max}, {value}")
    description = f"{label} [{unit}]" if unit else label
    fmt = fmt or (",.0f" if max >= 100 else ".3g")
    common = dict(description=description, readout_format=fmt, style=_STYLE,
                  layout=_LAYOUT, continuous_update=continuous)
    if log:
        if min <= 0:
            raise ValueError(f"a log slider needs min > 0, got {min}")
        lo, hi, v = np.log10(min), np.log10(max), np.log10(value)
        step = step or (hi - lo) / 200
        lo = v - np.floor((v - lo) / step) * step        # put value on the grid
        widget = W.FloatLogSlider(value=value, base=10, min=lo, max=hi, step=step, **common)
    else:
        step = step or (max - min) / 200
        min = value - np.floor((value - min) / step) * step
        widget = W.FloatSlider(value=value, min=min, max=max, step=step, **common)
    return Control(widget, unit)


def choice(label: str, options, value=None) -> Control:
    """A labelled dropdown (number formats, accelerators, recipes...)."""
    options = list(options)
    widget = W.Dropdown(options=options, value=options[0] if value is None else value,
                        description=label, style=_STYLE, layout=_LAYOUT)
    return Control(widget)


class Explorer:
    """Controls -> ``update`` -> figure artists and readout.

    ``setup(fig)`` builds the axes and artists once and returns whatever ``update`` needs
    (for instance a dict of artists). ``update(artists, **values)`` changes those artists
    in place and returns the readout text (HTML allowed). ``values`` are quantities for
    controls with a unit.
    """

    def __init__(self, controls: Mapping[str, Control], setup: Callable[[Any], Any],
                 update: Callable[..., str], figsize=(6.4, 3.2), dpi: int = 80,
                 title: str = ""):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.controls = dict(controls)
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self._canvas = FigureCanvasAgg(self.figure)
        self.artists = setup(self.figure)
        self._moving = _artists_in(self.artists)
        for artist in self._moving:
            artist.set_animated(True)
        self._update = update
        self._background = None
        self._limits = None
        width, height = int(figsize[0] * dpi), int(figsize[1] * dpi)
        self.image = W.Image(format="png", width=width, height=height)
        self.readout = W.HTML(layout=W.Layout(min_height="4.5em", width=f"{width}px"))
        self.error: str | None = None
        self.last_update_ms = float("nan")
        header = [W.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        self.widget = W.VBox(header + [c.widget for c in self.controls.values()]
                             + [self.readout, self.image])
        for c in self.controls.values():
            c.widget.observe(self._on_change, names="value")
        self.refresh()

    def values(self) -> dict[str, Any]:
        return {name: c.quantity() for name, c in self.controls.items()}

    def _on_change(self, _change) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Recompute, update the artists, re-render the figure and the readout."""
        start = time.perf_counter()
        try:
            text = self._update(self.artists, **self.values())
            self.error = None
        except Exception as exc:  # shown to the student rather than lost in a log
            self.error = f"{type(exc).__name__}: {exc}"
            text = f'<span style="color:#b00">{html.escape(self.error)}</span>'
        self.readout.value = text
        self.image.value = self._render()
        self.last_update_ms = (time.perf_counter() - start) * 1e3

    def _render(self) -> bytes:
        """PNG of the figure: cached background plus the moving artists."""
        from PIL import Image

        canvas, axes = self._canvas, self.figure.axes
        limits = [(ax.get_xlim(), ax.get_ylim()) for ax in axes]
        if self._background is None or limits != self._limits:
            canvas.draw()                                   # static parts, full layout
            self.figure.set_layout_engine("none")           # keep that layout from now on
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self._limits = limits
        else:
            canvas.restore_region(self._background)
        for artist in self._moving:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        buf = io.BytesIO()
        width, height = canvas.get_width_height()
        Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
                         ).save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def nice_limit(x: float) -> float:
    """The smallest of 1, 2, 5 x 10^k that is >= ``x`` (> 0): axis limits that change
    rarely, so that most updates reuse the cached background."""
    if not x > 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(x))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= x * (1 - 1e-12))


def _artists_in(obj) -> list:
    """The matplotlib artists (not axes or figures) inside what ``setup`` returned."""
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import FigureBase

    if isinstance(obj, (Axes, FigureBase)):
        return []
    if isinstance(obj, Artist):
        return [obj]
    if isinstance(obj, Mapping):
        obj = obj.values()
    if hasattr(obj, "__iter__") and not isinstance(obj, str):
        return [a for item in obj for a in _artists_in(item)]
    return []
