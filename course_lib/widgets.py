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

__all__ = ["Control", "slider", "choice", "Explorer", "nice_limit", "round_values", "readable"]

_STYLE = {"description_width": "17em"}   # the longest label, "Grid carbon intensity [g/kWh]", whole
_LAYOUT = W.Layout(width="44em")


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


def round_values(min: float, max: float, extra=()) -> list[float]:
    """The 1, 2, 5 x 10^k values from ``min`` to ``max`` (both included), plus ``extra``
    (e.g. a table's own value such as 405): the stops of a logarithmic slider.

    >>> round_values(1, 2000, extra=[405])
    [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 405.0, 500.0, 1000.0, 2000.0]
    """
    stops = {float(min), float(max), *map(float, extra)}
    for k in range(int(np.floor(np.log10(min))), int(np.ceil(np.log10(max))) + 1):
        stops.update(m * 10.0 ** k for m in (1, 2, 5) if min <= m * 10.0 ** k <= max)
    return sorted(float(f"{v:.12g}") for v in stops)


def _label(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"


def slider(label: str, unit: str | None, min: float | None = None, max: float | None = None,
           value: float | None = None, step: float | None = None, log: bool = False,
           fmt: str | None = None, continuous: bool = True, values=None) -> Control:
    """A labelled slider whose description shows its unit, e.g. ``Model size [Gparam]``.

    Every position is a round value, and the readout shows exactly the value the model
    gets (the browser never snaps 400 to 392):

    * ``values=[...]``: exactly these stops (a table's own values, powers of two...);
    * ``log=True``: the 1, 2, 5 x 10^k stops between ``min`` and ``max``, plus ``value``;
    * otherwise a linear slider whose ``step`` (default: a 1-2-5 step near a hundredth of
      the range) puts ``min`` and ``value`` on the grid.

    ``value`` may be a Quantity (a model's default, ``energy_cost.defaults["price"]``),
    converted to ``unit``; it is always one of the stops.
    ``continuous=False`` updates only on release, for models slower than about 100 ms.
    """
    description = f"{label} [{unit}]" if unit else label
    if hasattr(value, "m_as"):                       # a Quantity: the model's own default
        value = float(f"{value.m_as(unit or ''):.6g}")
    if values is not None and value is not None:     # the start value is always a stop
        values = sorted({float(v) for v in values} | {float(value)})
    common = dict(description=description, style=_STYLE, layout=_LAYOUT,
                  continuous_update=continuous)
    if values is not None or log:
        if values is None:
            if not 0 < min < max:
                raise ValueError(f"slider {label!r}: a log slider needs 0 < min < max, "
                                 f"got {min}, {max}")
            values = round_values(min, max, [] if value is None else [value])
        values = sorted(float(v) for v in values)
        value = values[0] if value is None else float(value)
        widget = W.SelectionSlider(options=[(_label(v), v) for v in values], value=value,
                                   **common)
        return Control(widget, unit)
    if not min < max or not min <= value <= max:
        raise ValueError(f"slider {label!r}: need min < max and min <= value <= max, "
                         f"got {min}, {max}, {value}")
    step = step or nice_limit((max - min) / 100)
    if abs((value - min) / step - round((value - min) / step)) > 1e-9:
        raise ValueError(f"slider {label!r}: value {value} is not on the grid "
                         f"{min} + k x {step}")
    widget = W.FloatSlider(value=value, min=min, max=max, step=step,
                           readout_format=fmt or (",.0f" if step >= 1 else ".3g"), **common)
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
    controls with a unit. ``inactive(**values)``, if given, returns ``{control: reason}``
    for the controls that do not apply to the current setting: they are disabled and the
    reason is shown under the readout. ``stops(**values)``, if given, returns ``{control:
    [values]}`` for sliders whose stops follow another control (a ring of n GPUs has
    2(n - 1) steps); the value moves to the nearest stop left.
    """

    def __init__(self, controls: Mapping[str, Control], setup: Callable[[Any], Any],
                 update: Callable[..., str], figsize=(6.4, 3.2), dpi: int = 80,
                 title: str = "", inactive: Callable[..., Mapping[str, str]] | None = None,
                 stops: Callable[..., Mapping[str, list]] | None = None):
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
        self._inactive = inactive
        self._stops = stops
        self._busy = False                # moving a slider's stops must not recurse
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
        if self._busy:
            return
        self._busy = True
        start = time.perf_counter()
        try:
            if self._stops is not None:
                for name, stops in self._stops(**self.values()).items():
                    _restop(self.controls[name].widget, stops)
            values = self.values()
            text = self._update(self.artists, **values)
            if self._inactive is not None:
                off = self._inactive(**values)
                for name, control in self.controls.items():
                    control.widget.disabled = name in off
                text += "".join(f'<br><span style="color:#666">{html.escape(reason)}</span>'
                                for reason in dict.fromkeys(off.values()))
            self.error = None
        except Exception as exc:  # shown to the student rather than lost in a log
            self.error = f"{type(exc).__name__}: {exc}"
            text = f'<span style="color:#b00">{html.escape(self.error)}</span>'
        finally:
            self._busy = False
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
        # RGB, not RGBA: the figure is opaque, and PNG encodes three channels in about
        # 60 % of the time of four (the largest part of an update)
        Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
                         ).convert("RGB").save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        # An output of its own, saved with the notebook: reopened, the widget is gone
        # ("model not found") but this line still says what to do.
        display(HTML(f'<span style="color:#666;font-size:90%">{REOPEN_NOTE}</span>'))
        display(self.widget)


REOPEN_NOTE = ("Interactive explorer. After reopening the notebook, run this cell again "
               "(Shift+Enter) to bring it back: widgets are not saved with the file.")


def _restop(widget, stops) -> None:
    """Give a selection slider new ``stops``, keeping its value or the nearest stop."""
    stops = [float(v) for v in stops]
    if [v for _, v in widget.options] == stops:
        return
    keep = min(stops, key=lambda v: abs(v - widget.value))
    widget.options = [(_label(v), v) for v in stops]      # resets the value to a stop...
    widget.value = keep                                    # ...so put it back


def readable(q, digits: int = 3) -> str:
    """A quantity for a readout, its prefix chosen from its value: ``1.67 GW`` rather than
    ``1667 MW``, ``322 t`` rather than ``0.000322 Mt``.

    Areas go to km^2 from 0.1 km^2 up (a prefix on a squared unit reads badly).

    >>> readable(Q_(1667, "MW")), readable(Q_(0.000322, "Mt")), readable(Q_(2.7e5, "m^2"))
    ('1.67 GW', '322 t', '0.27 km²')
    """
    if q.check("[area]"):
        q = q.to("km^2") if q.m_as("m^2") >= 1e5 else q.to("m^2")
        return f"{q:.{digits}g~P}"
    return f"{q.to_compact():.{digits}g~P}"


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


def __getattr__(name: str):
    """The chart helpers moved to :mod:`course_lib.explorers.charts`; old imports work."""
    if name in ("share_bar", "set_shares"):
        from .explorers import charts

        return getattr(charts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
