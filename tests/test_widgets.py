import pytest

from course_lib.units import Q_
from course_lib.widgets import Explorer, choice, slider


def make_explorer():
    def setup(fig):
        ax = fig.add_subplot()
        (line,) = ax.plot([0, 1], [0, 1])
        return {"line": line}

    def update(artists, size, fmt):
        if size.m > 900:
            raise ValueError("size too large")
        artists["line"].set_ydata([0, size.m_as("GB")])
        return f"{size:.0f~P} in {fmt}"

    return Explorer({"size": slider("Size", "GB", 0, 1000, 10),
                     "fmt": choice("Format", ["BF16", "FP8"])}, setup, update)


def test_setting_a_value_updates_artist_and_readout():
    ex = make_explorer()
    image_before = ex.image.value
    fig_id = id(ex.figure)
    ex.controls["size"].value = 500
    assert ex.artists["line"].get_ydata()[1] == pytest.approx(500)
    assert "500 GB" in ex.readout.value
    assert ex.image.value != image_before
    assert id(ex.figure) == fig_id           # figure built once
    ex.controls["fmt"].value = "FP8"
    assert "FP8" in ex.readout.value
    assert ex.last_update_ms > 0


def test_set_moves_several_controls_with_one_update():
    ex = make_explorer()
    seen = []
    update = ex._update
    ex._update = lambda artists, **values: seen.append(values) or update(artists, **values)
    ex.set(size=300, fmt="FP8")
    assert len(seen) == 1 and seen[0]["fmt"] == "FP8" and "300 GB in FP8" in ex.readout.value
    with pytest.raises(KeyError, match="no control named 'batch'; the controls are size, fmt"):
        ex.set(batch=3)
    ex.controls["size"].value = 400                      # one at a time still updates
    assert len(seen) == 2


def test_callback_errors_are_shown_not_lost():
    ex = make_explorer()
    ex.controls["size"].value = 950
    assert ex.error and "size too large" in ex.readout.value
    ex.controls["size"].value = 20
    assert ex.error is None and "20 GB" in ex.readout.value


def test_controls_give_quantities():
    ex = make_explorer()
    assert ex.values()["size"] == Q_(10, "GB")
    assert ex.values()["fmt"] == "BF16"


def test_log_slider_steps_through_round_values():
    c = slider("Params", "Gparam", 1, 2000, 405, log=True)
    values = [v for _, v in c.widget.options]
    assert values == [1, 2, 5, 10, 20, 50, 100, 200, 405, 500, 1000, 2000]
    assert [label for label, _ in c.widget.options][-3:] == ["500", "1,000", "2,000"]
    c.value = 2000
    assert c.quantity() == Q_(2000, "Gparam")
    with pytest.raises(ValueError):
        slider("x", None, 0, 1, 0.5, log=True)
    # a start value between the stops (a model's default) becomes a stop of its own
    assert [v for _, v in slider("x", None, value=3, values=[1, 2, 4]).widget.options] == [1, 2, 3, 4]
    assert slider("x", "GB", value=Q_(0.5, "TB"), values=[100, 1000]).value == 500


def test_linear_slider_grid_starts_at_min_and_holds_the_value():
    w = slider("x", "GB", 0, 1000, 400).widget
    assert (w.min, w.step, w.value) == (0, 10, 400)
    with pytest.raises(ValueError, match="grid"):
        slider("x", "GB", 0, 1000, 403)


def test_inactive_controls_are_disabled_with_a_reason():
    def setup(fig):
        return fig.add_subplot().plot([0, 1], [0, 1])

    ex = Explorer({"mode": choice("Mode", ["a", "b"]), "size": slider("Size", "GB", 0, 10, 5)},
                  setup, lambda artists, mode, size: mode,
                  inactive=lambda mode, **_: {"size": "size does not apply in b"} if mode == "b" else {})
    assert not ex.controls["size"].widget.disabled
    ex.controls["mode"].value = "b"
    assert ex.controls["size"].widget.disabled and "does not apply" in ex.readout.value


def test_a_slider_whose_stops_follow_another_control_keeps_the_nearest_stop():
    """The ring explorer's steps follow the GPU count: 2(n - 1) + 1 stops."""
    from course_lib.explorers.interconnect import ring_explorer

    e = ring_explorer()
    gpus, step = e.controls["devices"], e.controls["step"]
    step.value = 14
    gpus.value = 4
    assert [v for _, v in step.widget.options] == list(range(7)) and step.value == 6
    gpus.value = 8
    assert len(step.widget.options) == 15 and step.value == 6 and e.error is None


def test_an_explorer_leaves_a_note_that_survives_reopening(tmp_path):
    """Saved and reopened, a widget is gone ('model not found'); the note beside it says
    to run the cell again, and the masters keep it when their widgets are stripped."""
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell

    from course_lib.widgets import REOPEN_NOTE
    from tools.editions import WIDGET_VIEW, _strip_answers_and_widgets

    shell = InteractiveShell.instance()
    shown = []
    shell.display_pub.publish = lambda data, **kw: shown.append(data)
    make_explorer()._ipython_display_()
    assert REOPEN_NOTE in shown[0]["text/html"] and WIDGET_VIEW in shown[1]
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("explorer()")
    cell.outputs = [nbformat.v4.new_output("display_data", data=d) for d in shown]
    nb.cells = [cell]
    kept = _strip_answers_and_widgets(nb).cells[0].outputs
    assert len(kept) == 1 and REOPEN_NOTE in kept[0]["data"]["text/html"]


# One formatter for every readout; helpers that refuse what they cannot draw -------------

import math

import numpy as np
from matplotlib.figure import Figure

from course_lib.explorers.charts import (curve_and_marker, log_scale, set_shares, set_stack,
                                         share_bar, stacked_bar)
from course_lib.widgets import nice_limit, readable, round_values


@pytest.mark.parametrize("q, text", [
    (Q_(1667, "MW"), "1.67 GW"), (Q_(0.000322, "Mt"), "322 t"), (Q_(2.7e5, "m^2"), "0.27 km²"),
    (Q_(999.7, "W"), "1 kW"),                       # rounds up into the next prefix
    (Q_(3430, "token/s"), "3.43 ktoken/s"), (Q_(0.5, "token/s"), "0.5 token/s"),   # no mtoken
    (Q_(0.5, "W"), "500 mW"), (Q_(7.1e17, "W"), "710 PW"), (Q_(7.1e18, "W"), "7.1×10¹⁸ W"), (Q_(1e30, "FLOP/s"), "1×10³⁰ FLOP/s"),
    (Q_(2.9e-21, "J"), "2.9×10⁻²¹ J"), (Q_(1.5, "hour"), "1.5 h"), (Q_(3000, "K"), "3,000 K"),
    (Q_(50, "percent"), "50 %"), (Q_(-3, "W"), "-3 W"), (Q_(0, "W"), "0 W"),
    (Q_(math.inf, "s"), "∞ s"), (Q_(3, ""), "3"), (Q_(80, "GiB"), "85.9 GB"),
    (Q_(1.88, "USD/hour"), "1.88 USD/h"), (Q_(0.005, "USD/hour"), "0.005 USD/h"),   # no mUSD
    (Q_(13_300, "USD"), "13,300 USD"), (Q_(3.99, "kUSD/kg"), "3,990 USD/kg"),         # no kUSD
    (Q_(2.5e9, "USD"), "2.5×10⁹ USD"), (Q_(1900, "s"), "1,900 s"), (Q_(4.4e-4, "s"), "440 µs"),
    (190.4, "190"), (34_300, "34,300"), (8.3e-4, "8.3×10⁻⁴"), (2.5e6, "2.5×10⁶"), (0, "0"),
    (np.float64(1.5), "1.5"),
])
def test_readable_writes_every_size_in_one_style(q, text):
    assert readable(q) == text


def test_readable_refuses_what_is_not_one_number():
    with pytest.raises(ValueError, match="q is not a number"):
        readable(math.nan)
    with pytest.raises(ValueError, match="q is not a number"):
        readable(Q_(math.nan, "W"))
    for bad in ["80 GB", None, [1, 2]]:
        with pytest.raises(TypeError, match="q must be one number"):
            readable(bad)
    for digits in [0, 2.5, True]:
        with pytest.raises(ValueError, match="digits"):
            readable(1.0, digits=digits)


def test_slider_stops_are_labelled_exactly_and_briefly():
    rates = [v for v in [1e18, 1e30, 1e42]]
    assert [label for label, _ in slider("x", "FLOP/s", value=1e30, values=rates).widget.options] \
        == ["1×10¹⁸", "1×10³⁰", "1×10⁴²"]
    assert [label for label, _ in slider("x", None, value=0.995, values=[0.99, 0.995]).widget.options] \
        == ["0.99", "0.995"]
    years = slider("Year", None, value=2035, values=[2025, 2035, 16384], fmt=".0f")
    assert [label for label, _ in years.widget.options] == ["2025", "2035", "16384"]


def _figure():
    return Figure()


@pytest.mark.parametrize("call, error, name", [
    (lambda: slider("x", "GB", math.nan, 10, 5), ValueError, "min"),
    (lambda: slider("x", "GB", 0, math.inf, 5), ValueError, "max"),
    (lambda: slider("x", "GB", 0, 10, math.nan), ValueError, "value"),
    (lambda: slider("x", "GB", 0, 10, None), ValueError, "value"),
    (lambda: slider("x", "GB", 0, 10, 5, step=-1), ValueError, "step"),
    (lambda: slider("x", "GB", 0, 10, 5, step=math.nan), ValueError, "step"),
    (lambda: slider("x", "GB", "0", 10, 5), TypeError, "min"),
    (lambda: slider("x", "GB", math.nan, 10, 5, log=True), ValueError, "min"),
    (lambda: slider("x", None, values=[1, math.nan]), ValueError, "values"),
    (lambda: slider("x", None, values=[1, "2"]), TypeError, "values"),
    (lambda: slider("x", None, values=[]), ValueError, "values"),
    (lambda: choice("x", []), ValueError, "options"),
    (lambda: choice("x", ["a"], "b"), ValueError, "value"),
    (lambda: round_values(math.nan, 10), ValueError, "min"),
    (lambda: round_values(10, 1), ValueError, "min"),
    (lambda: nice_limit(math.nan), ValueError, "x"),
    (lambda: set_stack(stacked_bar(_figure().add_subplot(), "ab", "rg"), [1, -1]), ValueError, "widths"),
    (lambda: set_stack(stacked_bar(_figure().add_subplot(), "ab", "rg"), [1, math.nan]), ValueError, "widths"),
    (lambda: set_stack(stacked_bar(_figure().add_subplot(), "ab", "rg"), [1]), ValueError, "widths"),
    (lambda: set_stack(stacked_bar(_figure().add_subplot(), "ab", "rg"), [1, 1], [0, math.nan]),
     ValueError, "lefts"),
    (lambda: stacked_bar(_figure().add_subplot(), "ab", "r"), ValueError, "colors"),
    (lambda: set_shares(share_bar(_figure(), "ab", "rg", "%"), [0.5, math.nan]), ValueError, "shares"),
    (lambda: set_shares(share_bar(_figure(), "ab", "rg", "%"), [1.2, -0.2]), ValueError, "shares"),
    (lambda: curve_and_marker(_figure(), [0, 1, 2], "x", "y"), ValueError, "x"),
    (lambda: curve_and_marker(_figure(), [1, math.nan], "x", "y"), ValueError, "x"),
    (lambda: curve_and_marker(_figure(), [2, 1], "x", "y"), ValueError, "x"),
    (lambda: curve_and_marker(_figure(), [1, 2], "x", "y", ylim=(math.nan, 1)), ValueError, "ylim"),
    (lambda: curve_and_marker(_figure(), [1, 2], "x", "y", ylim=(10, 1)), ValueError, "ylim"),
    (lambda: log_scale(_figure().add_subplot(), "z"), ValueError, "axes"),
    (lambda: log_scale(_figure().add_subplot(), ""), ValueError, "axes"),
    (lambda: log_scale(_figure().add_subplot(), ["x"]), ValueError, "axes"),
])
def test_helpers_refuse_nan_and_negative_widths_naming_the_argument(call, error, name):
    with pytest.raises(error, match=rf"\b{name}\b"):
        call()


def test_helpers_keep_what_they_document():
    bars = stacked_bar(_figure().add_subplot(), "ab", "rg")
    set_stack(bars, [2.0, -1e-16])                 # a difference of equal sums, rounded
    assert [b.get_width() for b in bars] == [2.0, 0.0]
    assert nice_limit(0) == 1.0 and nice_limit(-5) == 1.0 and nice_limit(3) == 5.0
    ax, curve, marker = curve_and_marker(_figure(), [-1, 1], "x", "y", log=False,
                                         labels=("curve", "marker"))
    assert (curve.get_label(), marker.get_label()) == ("curve", "marker")
