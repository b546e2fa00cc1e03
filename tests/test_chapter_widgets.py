"""Drive each chapter's explorer as a student would: move a control, read the result.

The notebook's own cells are executed in-process (up to the explorer), so the test exercises
the exact code a student runs; nbval only ever fires each callback once.
"""
import pathlib
import re
import sys

import pytest

from course_lib import Q_, devices_to_fit, kv_cache_memory, model, weights_memory

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from chapters import MAIN_EXPLORERS, NOTEBOOKS, namespace_until  # noqa: E402


def test_every_chapter_has_a_main_explorer():
    on_disk = {p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    assert on_disk == set(MAIN_EXPLORERS)


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_chapter00_transfer_explorer():
    ex = namespace_until("00_units_and_estimates.ipynb", "transfer")["transfer"]
    ex.controls["params"].value = 70
    ex.controls["fmt"].value = "FP8"
    ex.controls["speed"].value = 800
    t = (weights_memory(70e9, "FP8") / Q_(800, "Gbit/s")).to("s")
    assert ex.error is None
    assert f"{t:.3g~P}" in plain(ex.readout.value)           # 0.7 s
    x, y = ex.artists[1].get_data()
    assert x[0] == pytest.approx(800) and y[0] == pytest.approx(t.m)
    assert ex.last_update_ms < 1000


def test_chapter01_memory_explorer():
    ex = namespace_until("01_fp4_memory_math.ipynb", "memory_explorer")["memory_explorer"]
    for name, value in [("name", "Llama-3-70B"), ("fmt", "NVFP4"), ("kv_fmt", "BF16"),
                        ("context", 128_000), ("batch", 32), ("gpu", "B200"), ("mode", "serving")]:
        ex.controls[name].value = value
    m = model("Llama-3-70B")
    total = weights_memory(m.params, "NVFP4") + kv_cache_memory(
        m.layers, m.kv_heads, m.head_dim, round(ex.controls["context"].value),
        round(ex.controls["batch"].value))
    text = plain(ex.readout.value)
    assert ex.error is None
    assert f"{total:.4g~P}" in text
    assert f"{devices_to_fit(total, 'B200')} GPUs" in text
    widths = [bar.get_width() for bar in ex.artists[1]]
    assert sum(widths) == pytest.approx(total.m_as("GB"))

    ex.controls["mode"].value = "training"                    # 16 B/param, no KV cache
    assert sum(bar.get_width() for bar in ex.artists[1]) == pytest.approx(16 * m.params.m / 1e9)
