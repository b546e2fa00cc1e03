"""Drive each chapter's explorers as a student would: move a control, read the result.

The explorers are built by the library functions the notebooks call, so these tests
exercise the exact code a student runs (nbval only ever fires each callback once).
"""
import re

import pytest

from course_lib import Q_, devices_to_fit, kv_cache_memory, model, training_memory, weights_memory
from course_lib.chapters import CHAPTERS
from course_lib.explorers.estimates import transfer_explorer
from course_lib.explorers.memory import memory_explorer
from course_lib.widgets import readable

WRITTEN = [c for c in CHAPTERS if not c.planned]


def positions(widget) -> list:
    """The values a control can take: options (dropdowns, round-value sliders) or its ends."""
    if hasattr(widget, "options"):
        return [o[1] if isinstance(o, tuple) else o for o in widget.options]
    return [widget.min, widget.max]


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda c: c.number)
def test_every_control_of_every_explorer_updates_without_error(chapter):
    """Each control at both ends: no error, a readout; the control each explorer is
    declared to sweep changes the readout between its ends."""
    for name, moved in chapter.sweeps:
        ex = chapter.explorer(name)
        assert moved in ex.controls
        for key, control in ex.controls.items():
            w = control.widget
            shown = []
            for value in positions(w)[-1:] + positions(w)[:1]:
                w.value = value
                assert ex.error is None, (name, value, ex.error)
                assert plain(ex.readout.value).strip(), (name, key, value)
                shown.append(ex.readout.value)
            if key == moved:
                assert shown[0] != shown[1], (name, key, "the readout ignores its control")


def test_transfer_readout_shows_exact_values_of_round_inputs():
    ex = transfer_explorer()
    ex.controls["params"].value = 1
    ex.controls["fmt"].value = "FP32"
    ex.controls["speed"].value = 1
    text = plain(ex.readout.value)
    assert "1 Gparam in FP32: 4 GB" in text          # not 4.15 GB from a shifted grid
    assert "(125 MB/s)" in text                      # 1 Gb/s, not 127 MB/s
    ex.controls["speed"].value = 800
    assert "Over 800 Gb/s" in plain(ex.readout.value)


def test_transfer_marker_stays_inside_the_axes():
    ex = transfer_explorer()
    for params, speed in [(1, 3200), (2000, 1)]:
        ex.controls["params"].value = params
        ex.controls["speed"].value = speed
        ax, _, marker = ex.artists
        y = marker.get_ydata()[0]
        low, high = ax.get_ylim()
        assert low <= y <= high
        t = (weights_memory(params * 1e9, "BF16") / Q_(speed, "Gbit/s")).to("s")
        assert y == pytest.approx(t.m)


def test_memory_explorer_serving():
    ex = memory_explorer()
    for name, value in [("name", "Llama-3-70B"), ("fmt", "NVFP4"), ("kv_fmt", "BF16"),
                        ("context", 131072), ("batch", 32), ("gpu", "B200")]:
        ex.controls[name].value = value
    m = model("Llama-3-70B")
    total = weights_memory(m.params, "NVFP4") + kv_cache_memory(m.layers, m.kv_heads,
                                                                 m.head_dim, 131072, 32)
    text = plain(ex.readout.value)
    assert readable(total, 4) in text and f"{devices_to_fit(total, 'B200')} GPUs" in text
    assert sum(bar.get_width() for bar in ex.artists[1]) == pytest.approx(total.m_as("GB"))


def test_memory_explorer_training_uses_the_weights_format_and_disables_the_cache():
    ex = memory_explorer()
    ex.controls["mode"].value = "training"
    m = model("Llama-3-70B")
    for fmt in ["BF16", "NVFP4"]:
        ex.controls["fmt"].value = fmt
        expected = training_memory(m.params, weights_format=fmt).total
        assert sum(bar.get_width() for bar in ex.artists[1]) == pytest.approx(expected.m_as("GB"))
    assert ex.controls["context"].widget.disabled and ex.controls["kv_fmt"].widget.disabled
    assert "no KV cache" in ex.readout.value
    ex.controls["mode"].value = "serving"
    assert not ex.controls["context"].widget.disabled


# Chapters 03 and 06: every control state, readouts that add up, nothing clipped -------------

import ast
import itertools
import json
import pathlib

import ipywidgets as W
import numpy as np

from course_lib import (accelerator, constant, decode_step_time, doubling_time, flop_per_joule,
                        grow, landauer_energy)
from course_lib.explorers.inference import latency_explorer, roofline_explorer
from course_lib.explorers.limits import ACCELERATORS, BITS, FORMATS, RATES, YEARS, power_explorer

OWN = [c for c in WRITTEN if c.number in ("03", "06")]
OWN_EXPLORERS = [(c, name) for c in OWN for name, _ in c.explorers]
ROOT = pathlib.Path(__file__).resolve().parents[1]


def states(ex):
    """(control, value) pairs a student can reach one at a time: every option of a dropdown,
    both ends of a slider."""
    for name, control in ex.controls.items():
        w = control.widget
        values = positions(w) if isinstance(w, W.Dropdown) else positions(w)[:1] + positions(w)[-1:]
        for value in values:
            yield name, value


def clipped_markers(ex, sides=("top", "left", "right")) -> list:
    """Marker points that the axes cut (a whole marker must show), by artist label."""
    out = []
    for ax in ex.figure.axes:
        box = ax.get_window_extent()
        for line in ax.lines:
            if line.get_marker() in ("None", None, "", " ") or not line.get_visible():
                continue
            radius = line.get_markersize() / 2 * ex.figure.dpi / 72
            for x, y in ax.transData.transform(line.get_xydata()):
                if not (np.isfinite(x) and np.isfinite(y)):
                    out.append((line.get_label(), "not drawable"))
                    continue
                cut = {"top": y + radius > box.y1 + 0.5, "bottom": y - radius < box.y0 - 0.5,
                       "left": x - radius < box.x0 - 0.5, "right": x + radius > box.x1 + 0.5}
                out += [(line.get_label(), side) for side in sides if cut[side]]
    return out


NUMBER_STYLE = [(r"\de[+-]?\d", "Python's e notation"), (r"&times;|<sup>", "HTML powers of ten"),
                (r"\d{1,3}(,\d{3}){4,}", "a number written out beyond a trillion")]


@pytest.mark.parametrize("chapter, name", OWN_EXPLORERS, ids=[n for _, n in OWN_EXPLORERS])
def test_every_state_of_chapters_03_and_06_gives_a_fresh_readout_without_error(chapter, name):
    """Each dropdown option and each slider end, one control at a time: no error, a readout
    equal to that of a second explorer set to the same values at once, with one update (a
    stale readout or cache would differ), a picture equal to a full redraw (a stale
    background would differ), no marker cut at the top or the sides, one number style in
    the readout and the slider labels."""
    ex, twin = chapter.explorer(name), chapter.explorer(name)
    for control in ex.controls.values():
        if isinstance(control.widget, W.SelectionSlider):
            for label, _ in control.widget.options:
                assert len(label) <= 12, (name, label)
    for control, value in states(ex):
        ex.controls[control].value = value
        text = plain(ex.readout.value)
        assert ex.error is None and not re.search(r"\w+Error\b|Exception|Traceback", text), \
            (name, control, value, ex.error)
        for pattern, what in NUMBER_STYLE:
            assert not re.search(pattern, text), (name, control, value, what, text)
        twin.set(**{other: control.value for other, control in ex.controls.items()})
        assert twin.readout.value == ex.readout.value, (name, control, value)
        picture = ex.image.value
        ex.refresh(full=True)                          # a stale background would differ
        assert ex.image.value == picture, (name, control, value)
        assert not clipped_markers(ex), (name, control, value, clipped_markers(ex))


def test_power_explorer_draws_every_point_whole():
    """The extremes of every chip and format: a point is never cut by the axes, not even
    the top one (1e42 FLOP/s on the least efficient chip)."""
    ex = power_explorer()
    c = ex.controls
    for acc in ACCELERATORS:
        c["acc_name"].value = acc
        for fmt in FORMATS:
            c["fmt"].value = fmt
            for rate in (RATES[0], RATES[-1]):
                c["rate"].value = rate
                for year in (YEARS[0], YEARS[-1]):
                    c["year"].value = year
                    for bits in (BITS[0], BITS[-1]):
                        c["bits"].value = bits
                        where = (acc, fmt, rate, year, bits)
                        assert ex.error is None, where
                        assert not clipped_markers(ex, ("top", "bottom", "left", "right")), where


@pytest.mark.parametrize("explorer, extremes", [
    (latency_explorer, {"context": (512, 16384)}),
    (roofline_explorer, {"context": (128, 32768), "batch": (1, 1024)}),
])
def test_chapter_03_draws_every_point_whole(explorer, extremes):
    """Every model, format and accelerator at the ends of the sliders: no point cut by the
    axes (batch 1 of Llama-3-8B in FP8 on a B200 reaches about 1,000 token/s per user)."""
    from course_lib.explorers.inference import ACCELERATORS as ACCS, MODELS

    ex = explorer()
    accs = ("first", "second") if "first" in ex.controls else ("acc_name",)
    for name, fmt, acc, *ends in itertools.product(MODELS, ["FP8", "BF16"], ACCS,
                                                   *extremes.values()):
        state = dict(name=name, fmt=fmt, **dict.fromkeys(accs, acc), **dict(zip(extremes, ends)))
        ex.set(**state)
        assert ex.error is None, state
        assert not clipped_markers(ex, ("top", "bottom", "left", "right")), state


def test_power_readout_names_the_format_the_chip_runs():
    ex = power_explorer()
    ex.controls["fmt"].value = "FP4"
    for acc, used in [("H100 SXM", "FP8"), ("A100 SXM", "BF16")]:
        ex.controls["acc_name"].value = acc
        assert f"in {used} (FP4 not supported on the {acc})" in plain(ex.readout.value)
    ex.controls["acc_name"].value = "B200"
    assert "in FP4;" in plain(ex.readout.value) and "not supported" not in ex.readout.value
    ex.controls["fmt"].value = "FP8"
    ex.controls["acc_name"].value = "A100 SXM"
    assert "in BF16 (FP8 not supported on the A100 SXM)" in plain(ex.readout.value)


def test_power_readout_flags_landauer_apart_from_the_cmos_estimate():
    """A trend past Landauer's floor (at the model's temperature, with the bits erased per
    FLOP set) is impossible for irreversible logic; past the CMOS limit it is only beyond an
    estimate. Both happen on the year slider, each flagged as itself."""
    ex = power_explorer()
    ex.controls["acc_name"].value = "H100 SXM"
    ex.controls["fmt"].value = "FP8"
    cmos = constant("CMOS efficiency limit")
    seen = set()
    for bits in (BITS[0], BITS[-1]):
        ex.controls["bits"].value = bits
        floor = Q_(1, "FLOP") / landauer_energy(bits=bits)
        for year in YEARS:
            ex.controls["year"].value = year
            acc = accelerator("H100 SXM")
            trend = grow(flop_per_joule(acc, "FP8"),
                         doubling_time(constant("ML hardware efficiency growth").m),
                         Q_(year - acc.year, "year"))
            row = re.search(r"<li>chip on the trend \([^)]*\)(.*?)<b>", ex.readout.value).group(1)
            row = plain(row).rstrip(": ")
            expected = ("below Landauer's floor: impossible for irreversible logic" if trend > floor
                        else "beyond the CMOS estimate" if trend > cmos else "")
            assert expected in row and (expected or not row.strip()), (bits, year, row)
            assert "CMOS limit)" not in row
            seen.add(expected)
    assert seen == {"", "beyond the CMOS estimate",
                    "below Landauer's floor: impossible for irreversible logic"}


def test_latency_readout_adds_up_and_the_points_reach_its_batch():
    """Users x each user's rate = the total; that rate is the one at that batch (not the
    budget, which is named apart), and the plotted points reach that batch."""
    ex = latency_explorer()
    for first in ["H200 SXM", "B200"]:
        ex.controls["first"].value = first
        text = plain(ex.readout.value)
        assert re.search(r"budget: 9.97 token/s per user", text)
        rows = re.findall(r"(\d+) x ([^:]+): up to ([\d,]+) users \([^)]*\) at ([^=]+) each = "
                          r"(.+?) in all", text)
        assert len(rows) == 2, text
        for curve, (devices, acc, users, each, total) in zip(ex.artists[0], rows):
            users, each, total = int(users.replace(",", "")), Q_(each), Q_(total)
            assert (users * each).m_as("token/s") == pytest.approx(total.m_as("token/s"), rel=0.01)
            step = decode_step_time("Llama-3-70B", users, 4096, acc, "FP8", "FP8", int(devices))
            assert each.m_as("token/s") == pytest.approx(step.per_sequence.m_as("token/s"), rel=0.005)
            batches = np.round(curve.get_ydata() / curve.get_xdata())
            assert users in batches and batches.max() >= users


def test_roofline_legend_names_the_point_and_the_ridge():
    ex = roofline_explorer()
    ax, roof, point, ridge = ex.artists
    legend = ax.get_legend()
    assert legend is not None
    shown = [t.get_text() for t in legend.get_texts()]
    for artist in (roof, point, ridge):
        assert artist.get_label() in shown and not artist.get_label().startswith("_")


@pytest.mark.parametrize("chapter", OWN, ids=lambda c: c.number)
def test_a_call_that_prints_and_returns_is_shown_once(chapter):
    """compare_estimate prints its text and returns it: a cell ending in the bare call would
    show it twice, so the masters end such a cell with ';'."""
    nb = json.loads((ROOT / "notebooks" / chapter.notebook).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or "compare_estimate(" not in source:
            continue
        last = ast.parse(source).body[-1]
        if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) \
                and getattr(last.value.func, "id", "") == "compare_estimate":
            assert source.rstrip().endswith(";"), source


EXPLORERS = [(c, name) for c in WRITTEN for name, _ in c.explorers]


@pytest.mark.parametrize("chapter, name", EXPLORERS, ids=[n for _, n in EXPLORERS])
def test_a_random_walk_through_the_controls_never_breaks_an_explorer(chapter, name, monkeypatch):
    """States reached by moving controls one after another (the Monte Carlo view's cheapest
    launch at its top once ran a range backwards): 40 seeded moves, each to a control's
    end, its middle stop or a dropdown option, never give an error or a stale readout.
    The picture is drawn at the end of the walk only (every state's picture is the tests'
    above)."""
    import random

    ex = chapter.explorer(name)
    monkeypatch.setattr(ex, "_render", lambda: ex.image.value)
    rng = random.Random(name)
    controls = list(ex.controls)
    for _ in range(40):
        control = rng.choice(controls)
        options = positions(ex.controls[control].widget)
        if not hasattr(ex.controls[control].widget, "options"):
            w = ex.controls[control].widget
            options = [w.min, w.max, w.min + (w.max - w.min) / 2]
        ex.controls[control].value = rng.choice(options)
        assert ex.error is None, (name, control, ex.controls[control].value, ex.error)
        assert not re.search(r"\w+Error\b|Traceback", plain(ex.readout.value)), name
    monkeypatch.undo()
    ex.refresh()
    assert ex.error is None and bytes(ex.image.value).startswith(b"\x89PNG"), name


def slider_labels(ex) -> list[str]:
    """What the sliders show: every stop's label, or a linear slider's ends and value in its
    readout format."""
    out = []
    for control in ex.controls.values():
        w = control.widget
        if isinstance(w, W.SelectionSlider):
            out += [label for label, _ in w.options]
        elif isinstance(w, W.FloatSlider):
            out += [format(v, w.readout_format) for v in (w.min, w.value, w.max)]
    return out


@pytest.mark.parametrize("chapter, name", EXPLORERS, ids=[n for _, n in EXPLORERS])
def test_every_state_of_every_explorer_reads_in_one_number_style(chapter, name, monkeypatch):
    """Every explorer of every written chapter, at its defaults and then each dropdown option
    and each slider end, one control at a time: the readout and the slider labels (stops
    that follow another control included) have no e notation, no HTML powers of ten and no
    number written out beyond a trillion, the style of :func:`course_lib.widgets.readable`.
    Only the readout is read, so the picture is not rendered."""
    ex = chapter.explorer(name)
    monkeypatch.setattr(ex, "_render", lambda: ex.image.value)
    for control, value in itertools.chain([(None, None)], states(ex)):   # stops as they are then
        if control is not None:
            ex.controls[control].value = value
        assert ex.error is None, (name, control, value, ex.error)
        for text in [plain(ex.readout.value), *slider_labels(ex)]:
            for pattern, what in NUMBER_STYLE:
                assert not re.search(pattern, text), (name, control, value, what, text)


@pytest.mark.parametrize("limits, expected", [((1e-3, 1e6), ["10⁻³", "10⁰", "10³", "10⁶"]),
                                              ((2, 30), ["10¹"]),
                                              ((1000, 5000), ["10³", "2×10³"])])
def test_explorer_log_axes_read_as_matplotlib_labels_them_in_plain_text(limits, expected):
    """charts.log_scale: the ticks matplotlib labels on a log axis, with the same text, in
    plain characters (a $ would send the label through mathtext, 0.15 s the first time)."""
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from course_lib.explorers.charts import log_scale

    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    log_scale(ax, "x")
    ax.set_xlim(*limits)
    fig.canvas.draw()
    shown = [t.get_text() for t in ax.get_xticklabels() + ax.get_xticklabels(minor=True)
             if t.get_text()]
    assert all("$" not in t for t in shown), shown
    assert [t for t in expected if t in shown] == expected, shown
