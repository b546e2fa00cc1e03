"""The kit in a real browser: JupyterLab in Debian's Chromium, driven by Playwright.

For every chapter: open it, run all cells, check that no cell shows an error and that each
explorer renders; then move the chapter's main slider with the keyboard and check that the
readout shows what the library computes for the new setting. Screenshots go to
screenshots/ (git-ignored). Skips, saying why, where Chromium or Playwright is missing.
"""
import os
import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import lab_driver  # noqa: E402
from chapters import MAIN_EXPLORERS  # noqa: E402

from course_lib import Q_, kv_cache_memory, model, weights_memory  # noqa: E402

pytestmark = pytest.mark.browser
if lab_driver.missing():
    if os.environ.get("CI"):   # CI installs both (.ci/run): a skip there would hide a failure
        raise RuntimeError(f"browser tests cannot run in CI: {lab_driver.missing()}")
    pytest.skip(lab_driver.missing(), allow_module_level=True)

SHOTS = ROOT / "screenshots"


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _quantity(pattern: str, text: str):
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not in {text!r}"
    return Q_(float(m[1]), m[2])


def expect_00(slider_value: str, readout: str):
    """Main slider: model size [Gparam]; format BF16 by default."""
    size = weights_memory(_number(slider_value) * 1e9, "BF16")
    shown = _quantity(r"in BF16: ([\d.]+) ([kMGTP]?B)", readout)
    assert shown.m_as("GB") == pytest.approx(size.m_as("GB"), rel=0.01)


def expect_01(slider_value: str, readout: str):
    """Main slider: context [token]; Llama-3-70B, BF16 weights and cache, batch 1."""
    m = model("Llama-3-70B")
    total = weights_memory(m.params, "BF16") + kv_cache_memory(
        m.layers, m.kv_heads, m.head_dim, _number(slider_value))
    shown = _quantity(r"([\d.]+) ([kMGTP]?B) in total", readout)
    assert shown.m_as("GB") == pytest.approx(total.m_as("GB"), rel=0.005)


CHAPTERS = {"00_units_and_estimates.ipynb": (0, expect_00),
            "01_fp4_memory_math.ipynb": (0, expect_01)}


def test_every_chapter_is_covered():
    assert set(CHAPTERS) == set(MAIN_EXPLORERS)


@pytest.fixture(scope="module")
def lab():
    with lab_driver.lab_server() as server:
        yield server


@pytest.fixture(scope="module")
def page():
    with lab_driver.browser() as p:
        yield p


@pytest.mark.parametrize("notebook", sorted(CHAPTERS))
def test_chapter_in_the_browser(lab, page, notebook):
    base, token, _ = lab
    lab_driver.open_and_run_all(page, base, token, notebook)
    assert lab_driver.error_outputs(page) == []
    explorers = lab_driver.explorers(page)
    assert explorers.count() >= 1
    for i in range(explorers.count()):
        image = explorers.nth(i).locator("img.widget-image")
        image.scroll_into_view_if_needed()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    index, expect = CHAPTERS[notebook]
    main = explorers.first
    before = main.locator(".widget-html-content").last.inner_text()
    value, readout, _ = lab_driver.move_slider(page, main, index)
    assert readout != before
    expect(value, readout)
    SHOTS.mkdir(exist_ok=True)
    main.screenshot(path=str(SHOTS / f"{pathlib.Path(notebook).stem}-explorer.png"))
    page.screenshot(path=str(SHOTS / f"{pathlib.Path(notebook).stem}.png"))
