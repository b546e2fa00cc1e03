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
