"""Drive JupyterLab in a real Chromium, as a student would: open a chapter, run all cells,
move a slider, read what the page shows. Used by tests/test_browser.py and benchmarks/.

Nothing is written to the user's home: the server and the browser get a scratch HOME,
Jupyter config, settings and workspace folders, and the server runs on a copy of the
notebooks (JupyterLab autosaves). The server binds 127.0.0.1 with its own token; news and
update pop-ups are switched off in the scratch settings. Debian's Chromium is launched by
Playwright (no browser download).
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHROMIUM = pathlib.Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--disable-dev-shm-usage"]


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright not installed (pip install playwright; never 'playwright install')"
    return None


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a server the kit starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scratch_env(scratch: pathlib.Path) -> dict:
    """Environment for a server whose home, Jupyter and matplotlib folders are in
    ``scratch`` (JupyterLab's news and update checks switched off there)."""
    settings = scratch / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    return dict(os.environ, HOME=str(scratch), JUPYTER_CONFIG_DIR=str(scratch / "config"),
                IPYTHONDIR=str(scratch / "ipython"), MPLCONFIGDIR=str(scratch / "mpl"),
                XDG_CONFIG_HOME=str(scratch / "xdg-config"), XDG_CACHE_HOME=str(scratch / "xdg-cache"),
                XDG_DATA_HOME=str(scratch / "xdg-data"),
                JUPYTERLAB_SETTINGS_DIR=str(scratch / "lab-settings"),
                JUPYTERLAB_WORKSPACES_DIR=str(scratch / "workspaces"),
                EDITIONS=str(scratch / "editions"), PYTHONPATH=str(ROOT),
                COURSE_LIB_CACHE=os.environ.get("COURSE_LIB_CACHE", str(ROOT / ".cache" / "course_lib")))


def wait_until_up(check, proc: subprocess.Popen, what: str, log, timeout: float = 60):
    """Return once ``check()`` does not raise ``OSError`` (the server answers); raise, with
    ``log()`` (its output's tail), if ``proc`` exits first or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start:\n" + log()) from None
            time.sleep(0.3)


def _answers(url: str) -> None:
    """Raise ``OSError`` unless ``url`` answers, with any HTTP status."""
    try:
        urllib.request.urlopen(url, timeout=2)
    except urllib.error.HTTPError:             # it answers: it is up
        pass


@contextlib.contextmanager
def _server(cmd: list[str], scratch: pathlib.Path, env: dict, cwd: pathlib.Path, probe: str,
            what: str):
    """Run ``cmd`` until the ``probe`` URL answers; stop it and remove ``scratch`` after."""
    log = open(scratch / "server.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
    try:
        wait_until_up(lambda: _answers(probe), proc, what,
                      lambda: (scratch / "server.log").read_text()[-2000:])
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def lab_server(notebooks: pathlib.Path = ROOT / "notebooks"):
    """A JupyterLab server on a scratch copy of ``notebooks``; yields (base_url, token, dir)."""
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="kit-lab-"))
    work = scratch / "notebooks"
    shutil.copytree(notebooks, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = _scratch_env(scratch)
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={work}", "--LabApp.news_url=None",
           "--LabApp.expose_app_in_browser=True", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    base = f"http://127.0.0.1:{port}"
    with _server(cmd, scratch, env, work, f"{base}/api/status?token={token}", "JupyterLab"):
        yield base, token, work


@contextlib.contextmanager
def present_server(names: list[str]):
    """Lecture mode (``make present``) for the explorers ``names``; yields the page's URL
    with its token."""
    from tools import present

    scratch = pathlib.Path(tempfile.mkdtemp(prefix="kit-present-"))
    env = _scratch_env(scratch)
    page = present.write_page(names, scratch / "editions" / "present")
    port, token = free_port(), secrets.token_hex(16)
    url = f"http://127.0.0.1:{port}/?token={token}"
    with _server(present.voila_command(page, port, token), scratch, env, scratch,
                 f"http://127.0.0.1:{port}/voila/static/", "Voila"):
        yield url


@contextlib.contextmanager
def browser():
    """A headless Debian Chromium driven by Playwright; yields a fresh page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = b.new_page(viewport={"width": 1280, "height": 900})
            yield page
        finally:
            b.close()


def open_and_run_all(page, base: str, token: str | None, notebook: str, timeout_s: float = 120):
    """Open a notebook, run all cells, wait until the kernel is idle with each of them run.
    ``token``: the server's token, or None where a login cookie serves (a hub). Where the
    page already shows this server's JupyterLab, the notebook opens in it (the notebooks
    open before are closed and their kernels shut down), as a student opens the next
    chapter: loading JupyterLab again costs Chromium about 3.5 s of CPU."""
    if page.url.startswith(f"{base}/lab"):
        page.wait_for_function("() => window.jupyterapp?.commands.hasCommand('docmanager:open')",
                               timeout=60_000, polling=250)
        page.evaluate("""async (path) => {
            const app = window.jupyterapp;
            await app.restored;                   // the layout it restores, then closed
            for (const widget of Array.from(app.shell.widgets('main'))) {
                await widget.sessionContext?.shutdown();
                widget.dispose();
            }
            await app.commands.execute('docmanager:open', {path});
        }""", notebook)
    else:
        page.goto(f"{base}/lab/tree/{notebook}" + (f"?token={token}" if token else ""))
    page.wait_for_selector(f"{CURRENT} .jp-Cell", timeout=60_000)
    page.wait_for_function(
        """(path) => {
            const panel = window.jupyterapp?.shell?.currentWidget;
            return panel?.context?.path === path &&
                   panel.sessionContext?.session?.kernel?.status === 'idle';
        }""", arg=notebook, timeout=60_000, polling=250)
    # saved outputs carry execution counts: clear them so "every cell ran" means this run
    page.evaluate("""async () => {
        await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
        await window.jupyterapp.commands.execute('notebook:run-all-cells');
    }""")
    page.wait_for_function(
        """(path) => {
            const panel = window.jupyterapp.shell.currentWidget;
            if (panel?.context?.path !== path) return false;
            const cells = panel.content.widgets.filter(c => c.model.type === 'code');
            return panel.sessionContext?.session?.kernel?.status === 'idle' &&
                   cells.length > 0 && cells.every(c => c.model.executionCount !== null);
        }""", arg=notebook, timeout=timeout_s * 1000, polling=250)


CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"   # the notebook tab in front


def type_into_cell(page, starts: str, text: str) -> str:
    """Replace the code cell of the notebook in front whose source starts with ``starts``
    by ``text``, typed on the keyboard as a student would, run it (Shift+Enter), wait until
    it has run; returns its output's text."""
    index, ran = page.evaluate(
        """([start]) => {
            const cells = window.jupyterapp.shell.currentWidget.content.widgets;
            const i = cells.findIndex(c => c.model.type === 'code' &&
                                           c.model.sharedModel.getSource().startsWith(start));
            return [i, i < 0 ? null : cells[i].model.executionCount];
        }""", [starts])
    if index < 0:
        raise LookupError(f"no code cell starts with {starts!r}")
    cell = page.locator(f"{CURRENT} .jp-Cell").nth(index)
    cell.scroll_into_view_if_needed()
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Shift+Enter")
    # until this run is done: a new execution count (the cell may have run before, in Run
    # All), the kernel idle again
    page.wait_for_function(
        """([i, want, before]) => {
            const c = window.jupyterapp.shell.currentWidget.content.widgets[i];
            return c.model.sharedModel.getSource() === want && c.model.executionCount !== null &&
                   c.model.executionCount !== before &&
                   window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle';
        }""", arg=[index, text, ran], timeout=30_000, polling=100)
    return cell.locator(".jp-OutputArea").inner_text()


def save(page) -> None:
    """Save the notebook in front (Ctrl+S) and wait until it is saved."""
    page.keyboard.press("Control+S")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty",
                           timeout=30_000, polling=100)


# The outputs of the notebook in front, read from JupyterLab's model of it: the page draws
# only the cells near the viewport, so a long notebook's other outputs are not in the DOM.
_OUTPUTS = """() => window.jupyterapp.shell.currentWidget.content.widgets
    .filter(c => c.model.type === 'code')
    .flatMap(c => c.model.outputs.toJSON())"""


def outputs(page) -> list[dict]:
    """Every output of the notebook in front, as nbformat dicts."""
    return page.evaluate(_OUTPUTS)


def error_outputs(page) -> list[str]:
    """Texts of the error outputs (tracebacks, errors on stderr) of the notebook in front."""
    found = []
    for out in outputs(page):
        if out.get("output_type") == "error":
            found.append(f"{out.get('ename')}: {out.get('evalue')}")
        elif out.get("name") == "stderr" and any(w in _text(out) for w in ("Error", "Traceback")):
            found.append(_text(out))
    return found


def output_text(page) -> str:
    """The text of every output of the notebook in front (streams and text/plain)."""
    return "\n".join(_text(out) for out in outputs(page))


def _text(out: dict) -> str:
    text = out.get("text", out.get("data", {}).get("text/plain", ""))
    return "".join(text) if isinstance(text, list) else str(text)


EXPLORER = f"{CURRENT} .jp-OutputArea-output .widget-vbox:has(.widget-image)"


def explorers(page, expected: int | None = None, timeout_s: float = 60):
    """The explorers of the notebook in front (a VBox each: controls, readout, image).
    Widget views render after the kernel is idle: with ``expected``, wait until that many
    have rendered (a loaded machine can take seconds)."""
    if expected:
        page.wait_for_function(
            "([sel, n]) => document.querySelectorAll(sel).length >= n",
            arg=[EXPLORER, expected], timeout=timeout_s * 1000, polling=250)
    return page.locator(EXPLORER)


def slider_index(chapter) -> int:
    """Position of a chapter's main control among its explorer's sliders (dropdowns are
    not sliders), as the page shows them."""
    explorer = chapter.explorer()
    sliders = [name for name, c in explorer.controls.items() if "Slider" in type(c.widget).__name__]
    return sliders.index(chapter.main_control)


def _focus_slider(explorer, index: int):
    """Scroll to the index-th slider of an explorer and focus its handle; returns
    (slider, handle, the explorer's readout)."""
    slider = explorer.locator(".widget-slider").nth(index)
    slider.scroll_into_view_if_needed()
    handle = slider.locator(".noUi-handle")
    handle.focus()
    return slider, handle, explorer.locator(".widget-html-content").last


def move_slider(page, explorer, expect, index: int = 0, presses: int = 10,
                key: str = "ArrowRight"):
    """Move the index-th slider of an explorer with the keyboard, like a student would, and
    wait until the explorer's readout shows ``expect(slider value)`` (whitespace folded):
    the kernel lags behind fast moves, so only the expected text says it has caught up.
    Returns (the slider's readout, the explorer's readout, seconds until it showed)."""
    slider, handle, readout = _focus_slider(explorer, index)
    start = time.perf_counter()
    for _ in range(presses):
        handle.press(key)
    after_value = slider.locator(".widget-readout").inner_text()
    wanted = expect(after_value)
    page.wait_for_function(
        "([el, want]) => el.innerText.replace(/\\s+/g, ' ').trim() === want",
        arg=[readout.element_handle(), wanted], timeout=20_000)
    return after_value, readout.inner_text(), time.perf_counter() - start


def slider_latency(page, explorer, index: int = 0, samples: int = 10) -> list[float]:
    """Seconds from one key press on a slider to the explorer's readout changing."""
    _, handle, readout = _focus_slider(explorer, index)
    readout = readout.element_handle()
    times = []
    for i in range(samples):
        key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
        elapsed = page.evaluate(
            """([el, handle, key]) => new Promise(resolve => {
                const t0 = performance.now();
                const obs = new MutationObserver(() => { obs.disconnect(); resolve(performance.now() - t0); });
                obs.observe(el, {childList: true, subtree: true, characterData: true});
                handle.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true}));
            })""", [readout, handle.element_handle(), key])
        times.append(elapsed / 1000)
        time.sleep(0.2)
    return times
