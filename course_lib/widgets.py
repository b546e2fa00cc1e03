"""Turn a model function into an explorer: labelled controls, one figure, one readout.

Design (why it is fast and testable):

* The matplotlib ``Figure`` is built once, off pyplot (no global state, no duplicate
  inline display). Each update changes artists in place (``set_data``, ``set_width``...)
  and renders the figure to PNG into an ``ipywidgets.Image`` of fixed size: no new figure,
  no flicker, no output growing.
* Blitting: the artists that ``setup`` returns are the moving parts. Everything else
  (axes, ticks, labels, legend) is drawn once into a cached background; an update redraws
  only the moving artists on top of it. Axis limits and legend texts are watched: when an
  update changes them, the background is redrawn, and kept with the last few others, so
  that coming back to a state does not redraw it. The layout is computed once, then frozen.
* The readout is an ``ipywidgets.HTML`` of fixed height. A callback that raises shows the
  error there, in red, instead of losing it in a log.
* Controls know their unit: ``explorer.values()`` hands quantities to the model.
* Everything runs synchronously when a control's ``.value`` is set, so tests drive the
  explorer without a browser. ``last_update_ms`` records the cost of the last update.
"""
from __future__ import annotations

import functools
import html
import io
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import ipywidgets as W
import numpy as np

from .rounding import finite_float, nice_limit, superscript
from .units import Q_, ureg

__all__ = ["Control", "slider", "choice", "Explorer", "nice_limit", "round_values", "readable"]

_STYLE = {"description_width": "17em"}   # the longest label, "Grid carbon intensity [g/kWh]", whole
_LAYOUT = W.Layout(width="44em")


@dataclass
class Control:
    """A widget, the unit its value is in (``None`` for choices and plain numbers) and,
    for a slider of stops, the format of their labels (``None``: :func:`readable`)."""

    widget: W.ValueWidget
    unit: str | None = None
    fmt: str | None = None

    def label(self, v: float) -> str:
        """The label of the stop ``v``."""
        return _label(v, self.fmt)

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
    min, max = (finite_float("round_values()", "min", min),
                finite_float("round_values()", "max", max))
    if not 0 < min <= max:
        raise ValueError(f"round_values(): need 0 < min <= max, got min={min}, max={max}")
    stops = {min, max, *(finite_float("round_values()", "extra", v) for v in extra)}
    for k in range(int(np.floor(np.log10(min))), int(np.ceil(np.log10(max))) + 1):
        stops.update(m * 10.0 ** k for m in (1, 2, 5) if min <= m * 10.0 ** k <= max)
    return sorted(float(f"{v:.12g}") for v in stops)


def _label(v: float, fmt: str | None = None) -> str:
    """A slider stop, exactly (``0.995``, ``16,384``, ``1×10³⁰``): :func:`readable` with
    twelve digits, so that the label is the value the model gets; or ``format(v, fmt)``."""
    return format(v, fmt) if fmt else readable(v, digits=12)


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
    converted to ``unit``; it is always one of the stops. Stops are labelled exactly, by
    :func:`readable` (``16,384``, ``1×10³⁰``), or by the format spec ``fmt`` (``".0f"`` for
    years: ``2035``); a linear slider's ``fmt`` is its readout format. NaN, infinities,
    an empty ``values`` or a ``step`` <= 0 raise an error naming the argument.
    ``continuous=False`` updates only on release, for models slower than about 100 ms.
    """
    where = f"slider {label!r}"
    description = f"{label} [{unit}]" if unit else label
    if hasattr(value, "m_as"):                       # a Quantity: the model's own default
        value = float(f"{value.m_as(unit or ''):.6g}")
    if value is not None:
        value = finite_float(where, "value", value)
    common = dict(description=description, style=_STYLE, layout=_LAYOUT,
                  continuous_update=continuous)
    if values is not None or log:
        if values is None:
            min, max = finite_float(where, "min", min), finite_float(where, "max", max)
            if not 0 < min < max:
                raise ValueError(f"{where}: a log slider needs 0 < min < max, got {min}, {max}")
            values = round_values(min, max, [] if value is None else [value])
        values = sorted({finite_float(where, "values", v) for v in values}
                        | ({value} if value is not None else set()))
        if not values:
            raise ValueError(f"{where}: values is empty; give at least one stop")
        value = values[0] if value is None else value
        widget = W.SelectionSlider(options=[(_label(v, fmt), v) for v in values], value=value,
                                   **common)
        return Control(widget, unit, fmt)
    min, max = finite_float(where, "min", min), finite_float(where, "max", max)
    if value is None or not min < max or not min <= value <= max:
        raise ValueError(f"{where}: need min < max and min <= value <= max, "
                         f"got {min}, {max}, {value}")
    step = nice_limit((max - min) / 100) if step is None else finite_float(where, "step", step)
    if not step > 0:
        raise ValueError(f"{where}: step must be > 0, got {step}")
    if abs((value - min) / step - round((value - min) / step)) > 1e-9:
        raise ValueError(f"{where}: value {value} is not on the grid "
                         f"{min} + k x {step}")
    widget = W.FloatSlider(value=value, min=min, max=max, step=step,
                           readout_format=fmt or (",.0f" if step >= 1 else ".3g"), **common)
    return Control(widget, unit)


def choice(label: str, options, value=None) -> Control:
    """A labelled dropdown (number formats, accelerators, recipes...)."""
    options = list(options)
    if not options:
        raise ValueError(f"choice {label!r}: options is empty")
    if value is not None and value not in options:
        raise ValueError(f"choice {label!r}: value {value!r} is not one of options {options}")
    widget = W.Dropdown(options=options, value=options[0] if value is None else value,
                        description=label, style=_STYLE, layout=_LAYOUT)
    return Control(widget)


class Explorer:
    """Controls -> ``update`` -> figure artists and readout.

    ``setup(fig)`` builds the axes and artists once and returns whatever ``update`` needs
    (for instance a dict of artists); the artists in it are redrawn at each update, over a
    cached picture of the rest. An axis among them (``ax.xaxis``: its ticks, labels and
    grid) may change its limits without a full redraw, provided nothing static on those
    axes is placed in data coordinates along it; it is drawn over every static artist
    (spines, a legend inside the axes) and under the moving ones, so give it
    ``ax.set_axisbelow(True)`` and keep static artists clear of its grid.
    ``update(artists, **values)`` changes those artists in place and returns the readout
    text (HTML allowed). ``values`` are quantities for controls with a unit.
    ``inactive(**values)``, if given, returns ``{control: reason}`` for the controls that
    do not apply to the current setting: they are disabled and the reason is shown under
    the readout. ``stops(**values)``, if given, returns ``{control:
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
        from matplotlib.axis import Axis

        moving = _artists_in(self.artists)
        for artist in moving:
            artist.set_animated(True)         # left out of the cached background
        # an axis is drawn into a background of its own limits; the rest at every update
        self._axes_moving = [a for a in moving if isinstance(a, Axis)]
        self._moving = [a for a in moving if not isinstance(a, Axis)]
        self._update = update
        self._inactive = inactive
        self._stops = stops
        self._busy = False                # moving a slider's stops must not recurse
        self._backgrounds: dict = {}      # state of the static parts -> their pixels
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

    def set(self, **values) -> None:
        """Move several controls at once, with one update at the end (a state to show, or
        to test, without drawing the states in between): ``ex.set(fmt="FP8", batch=64)``."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise KeyError(f"set(): no control named {', '.join(map(repr, unknown))}; the "
                           f"controls are {', '.join(self.controls)}")
        self._busy = True                 # refresh() does nothing until every value is in
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._busy = False
        self.refresh()

    def refresh(self, full: bool = False) -> None:
        """Recompute, update the artists, re-render the figure and the readout; ``full``
        redraws the cached background too (a blitted update must give the same picture)."""
        if self._busy:
            return
        if full:
            self._backgrounds.clear()
        self._busy = True
        start = time.perf_counter()
        try:
            if self._stops is not None:
                for name, stops in self._stops(**self.values()).items():
                    _restop(self.controls[name], stops)
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

    def _state(self, limits: bool) -> tuple:
        """What a background shows (tuples, to be a key): the axes' limits and legend
        texts; without the limits of a moving axis unless ``limits``."""
        return tuple((ax.get_xlim() if limits or not ax.xaxis.get_animated() else None,
                      ax.get_ylim() if limits or not ax.yaxis.get_animated() else None,
                      tuple(t.get_text() for t in ax.get_legend().get_texts())
                      if ax.get_legend() else ()) for ax in self.figure.axes)

    def _background(self, state):
        """The cached pixels for ``state`` (kept as the most recent), or None. The last
        few are kept (0.5 MB each): a slider moved back and forth across a change of
        limits or labels redraws the figure (about 40 ms) once, not at every crossing."""
        background = self._backgrounds.pop(state, None)
        if background is not None:
            self._backgrounds[state] = background
        return background

    def _keep(self, state, background) -> None:
        self._backgrounds[state] = background
        while len(self._backgrounds) > _BACKGROUNDS:
            self._backgrounds.pop(next(iter(self._backgrounds)))

    def _render(self) -> bytes:
        """PNG of the figure: cached background plus the moving artists. A moving axis
        (its ticks, labels and grid) is drawn once per limits over the background of the
        rest (about 6 ms), not with a full redraw."""
        from PIL import Image

        canvas = self._canvas
        state = self._state(limits=True)
        background = self._background(state)
        if background is None:
            base_state = self._state(limits=False)
            base = self._background(base_state) if self._axes_moving else None
            if base is None:
                canvas.draw()                               # static parts, full layout
                self.figure.set_layout_engine("none")       # keep that layout from now on
                if self._axes_moving:
                    self._keep(base_state, canvas.copy_from_bbox(self.figure.bbox))
            else:
                canvas.restore_region(base)
            for axis in self._axes_moving:
                self.figure.draw_artist(axis)
            if base is None:                # each axis has placed its label: keep it there
                _pin_labels(self._axes_moving, canvas.get_renderer())
            background = canvas.copy_from_bbox(self.figure.bbox)
            self._keep(state, background)
        else:
            canvas.restore_region(background)
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


_BACKGROUNDS = 8                          # backgrounds an explorer keeps


def _pin_labels(axes, renderer) -> None:
    """Pin each moving x axis's label where the layout put it: the layout is kept, so
    new limits do not move it, and placing it again is a quarter of the axis's drawing."""
    for axis in axes:
        label = axis.label
        if axis.axis_name == "x" and label.get_text():
            top = label.get_window_extent(renderer).y1          # the label hangs from it
            axis.set_label_coords(label.get_position()[0],
                                  axis.axes.transAxes.inverted().transform((0, top))[1])


REOPEN_NOTE = ("Interactive explorer. After reopening the notebook, run this cell again "
               "(Shift+Enter) to bring it back: widgets are not saved with the file.")


def _restop(control: Control, stops) -> None:
    """Give a selection slider new ``stops``, keeping its value or the nearest stop."""
    widget = control.widget
    stops = [float(v) for v in stops]
    if [v for _, v in widget.options] == stops:
        return
    keep = min(stops, key=lambda v: abs(v - widget.value))
    widget.options = [(control.label(v), v) for v in stops]   # resets the value to a stop...
    widget.value = keep                                    # ...so put it back


_PREFIXES = {-9: "nano", -6: "micro", -3: "milli", 0: "", 3: "kilo", 6: "mega", 9: "giga",
             12: "tera", 15: "peta"}         # the ones every reader knows; beyond: x 10^n
_NO_PREFIX = {"minute", "hour", "day", "week", "month", "year", "percent", "kelvin",
              "degree_Celsius", "degree_Fahrenheit", "dimensionless",
              "USD"}                          # money: 3,990 USD/kg, 0.08 USD/kWh, never kUSD, mUSD
_COUNTS = {"FLOP", "token", "word", "param", "byte", "bit"}   # no milli-token
_SMALL_ONLY = {"second"}                      # ms, µs, ns; but 1,900 s, not 1.9 ks


def _number(x: float, digits: int) -> str:
    """``x`` to ``digits`` significant digits: plain from 0.001 to below a million (in
    groups of three, as the kit prints counts), else ``2.5×10²¹``, the superscripts of
    pint's pretty format."""
    if not np.isfinite(x):
        return "∞" if x > 0 else "-∞"
    x = float(f"{x:.{digits - 1}e}")
    if x == 0:
        return "0"
    power = int(np.floor(np.log10(abs(x))))
    if -3 <= power < 6:
        text = f"{x:,.{max(digits - 1 - power, 0)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa = f"{x / 10.0 ** power:.{digits - 1}f}"
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa}×10{superscript(power)}"


def readable(q, digits: int = 3) -> str:
    """The one formatter of the readouts (and slider labels): a quantity or a plain number
    to ``digits`` significant digits, in one style whatever its size, so that 40 orders of
    magnitude read alike.

    * A quantity takes the prefix its value calls for, from nano to peta (``1.67 GW``
      rather than ``1667 MW``, ``322 t`` rather than ``0.000322 Mt``); beyond, or on units
      that take no prefix (hours, years, percent, kelvin, a squared unit...), it is written
      ``2.5×10²¹ W``. Areas go to km² from 0.1 km² up; counts (tokens, FLOP, bytes) take
      no prefix below one, seconds none above (``1,900 s``, not ``1.9 ks``), money none at
      all (``3,990 USD/kg``, ``0.5 USD/h``); binary prefixes read as decimal (80 GiB:
      ``85.9 GB``).
    * A plain number is written as is from 0.001 to below a million (``190``, ``34,300``),
      else ``8.3×10⁻⁴``.
    * Infinities read ``∞``. ``NaN`` raises ``ValueError`` (a readout must not hide a model
      that failed), anything but one real number or quantity ``TypeError``.

    >>> readable(Q_(1667, "MW")), readable(Q_(0.000322, "Mt")), readable(Q_(2.7e5, "m^2"))
    ('1.67 GW', '322 t', '0.27 km²')
    >>> readable(Q_(1e30, "FLOP/s")), readable(190.4, digits=2), readable(8.3e-4)
    ('1×10³⁰ FLOP/s', '190', '8.3×10⁻⁴')
    >>> readable(Q_(3990, "USD/kg")), readable(Q_(0.005, "USD/hour")), readable(Q_(1900, "s"))
    ('3,990 USD/kg', '0.005 USD/h', '1,900 s')
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"readable(): digits must be a whole number >= 1, got {digits!r}")
    quantity = hasattr(q, "units") and hasattr(q, "magnitude")
    try:
        if np.iscomplexobj(q.magnitude if quantity else q):
            raise TypeError
        value = float(q.magnitude if quantity else q)
    except OverflowError:
        raise ValueError(f"readable(): q is beyond the range of floats: {q!r:.40}") from None
    except (TypeError, ValueError):
        raise TypeError(f"readable(): q must be one number or quantity, got {q!r:.60}") from None
    if np.isnan(value):
        raise ValueError(f"readable(): q is not a number (NaN): {q!r}")
    items = tuple(q.unit_items()) if quantity else ()
    if not items:                                                # a number, or dimensionless
        return _number(value, digits)
    if q.check("[area]"):
        q = q.to("km^2") if abs(q.m_as("m^2")) >= 1e5 else q.to("m^2")
        return f"{_number(float(q.m), digits)} {q.units:~P}"
    unprefixed, names = _unit_family(items)
    value = float(q.m_as(unprefixed))
    rounded = float(f"{value:.{digits - 1}e}")                 # 999.7 W rounds to 1 kW
    exponent = 3 * int(np.floor(np.log10(abs(rounded)) / 3)) if np.isfinite(rounded) and rounded else 0
    if exponent not in names:
        exponent = 0
    return f"{_number(value / 10.0 ** exponent, digits)} {names[exponent]}"


@functools.lru_cache(maxsize=256)
def _unit_family(items):
    """The units ``items`` (name, power) without the prefix of the first (``GB/s`` -> ``B/s``),
    and the short names of the prefixed units a readout may use, by power of ten. Cached:
    parsing units costs more than the rest of a readout."""
    (first, power), *rest = items
    parsed = ureg.parse_unit_name(first)
    base = parsed[0][1] if parsed else first                   # "GB" -> "byte"
    others = ureg.Unit("*".join(f"{name}**{p}" for name, p in rest) or "")
    allowed = ({0: ""} if power != 1 or base in _NO_PREFIX else
               {k: p for k, p in _PREFIXES.items()
                if (k >= 0 or base not in _COUNTS) and (k <= 0 or base not in _SMALL_ONLY)})
    names = {k: f"{ureg.Unit(prefix + base) ** power * others:~P}" for k, prefix in allowed.items()}
    return ureg.Unit(base) ** power * others, names


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
    """The chart helpers moved to :mod:`course_lib.explorers.charts`; old imports work (a
    lazy import: charts imports :mod:`course_lib.rounding`, never this module)."""
    if name in ("share_bar", "set_shares"):
        from .explorers import charts

        return getattr(charts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
