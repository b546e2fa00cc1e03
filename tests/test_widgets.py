import numpy as np
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

    return Explorer({"size": slider("Size", "GB", 1, 1000, 10),
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


def test_log_slider_spans_its_range():
    c = slider("Params", "Gparam", 1, 2000, 70, log=True)
    c.value = 2000
    assert c.quantity().m == pytest.approx(2000)
    with pytest.raises(ValueError):
        slider("x", None, 0, 1, 0.5, log=True)


def test_output_size_is_fixed():
    ex = make_explorer()
    w = ex.image.width
    ex.controls["size"].value = 100
    assert ex.image.width == w


@pytest.mark.parametrize("kw", [dict(min=1, max=3200, value=400, log=True),
                                dict(min=1, max=2000, value=405, log=True),
                                dict(min=0, max=10, value=3.3)])
def test_start_value_lies_on_the_slider_grid(kw):
    """The browser snaps values to the grid; the start value must survive that."""
    w = slider("x", "GB", **kw).widget
    position = (np.log10(kw["value"]) if kw.get("log") else kw["value"]) - w.min
    assert position / w.step == pytest.approx(round(position / w.step), abs=1e-9)
    assert w.value == pytest.approx(kw["value"])
