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
    
    for name, moved in chapter.sweeps:
        ex = chapter.explorer(name)
        assert moved in ex.controls
        for control in ex.controls.values():
            w = control.widget
            for value in positions(w)[-1:] + positions(w)[:1]:
                before = ex.readout.value
                w.value = value
                assert ex.error is None, (name, value, ex.error)
            assert ex.readout.value or before


def test_transfer_readout_shows_exact_values_of_round_inputs():
    ex = transfer_explorer()
    ex.controls["params"].value = 1
    ex.controls["fmt"].value = "FP32"
    ex.controls["speed"].value = 1
    text = plain(ex.readout.value)
    assert "1 Gparam in FP32: 4 GB" in text          # not 4.15 GB from a shifted grid
    assert "(0.125 GB/s)" in text                    # 1 Gb/s, not 0.127
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
    assert f"{total:.4g~P}" in text and f"{devices_to_fit(total, 'B200')} GPUs" in text
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
