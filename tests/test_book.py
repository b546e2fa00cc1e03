"""The course as a website (`make book`, tools/book.py): both sites build offline from the
executed masters; the student site shows no solution, no hidden test and no expected
value; every explorer is a figure, never a broken widget; the claims, data and library
pages are complete; and in Chromium every page loads with nothing fetched from outside,
no console error, no broken link or image, math rendered, search working, and no
horizontal scroll at a phone's width."""
import csv
import functools
import html.parser
import http.server
import os
import pathlib
import re
import threading
import urllib.parse

import nbformat
import pytest

from course_lib.chapters import CHAPTERS
from course_lib.masters import claim_verdicts
from tests.leaks import leaks
from tools import book, lab_driver

ROOT = pathlib.Path(__file__).resolve().parent.parent
MASTERS = [ROOT / "notebooks" / c.notebook for c in CHAPTERS if not c.planned]


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    return {"student": book.build(False, out), "instructor": book.build(True, out)}


class _Page(html.parser.HTMLParser):
    """A page's visible text (no scripts or styles) and the links and images it holds."""

    def __init__(self, text: str):
        super().__init__()
        self.parts, self.links, self._skip = [], [], 0
        self.feed(text)
        self.text = " ".join(" ".join(self.parts).split())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _chapter_page(site: pathlib.Path, master: pathlib.Path) -> _Page:
    return _Page((site / "chapters" / f"{master.stem}.html").read_text())


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_the_student_site_shows_no_answer_and_the_instructors_does(sites, master):
    """The student edition's leak check, on the page as a reader gets it; the instructor's
    page shows the worked solutions (so the check would see them)."""
    student = _chapter_page(sites["student"], master).text
    assert leaks(master, student, student) == []
    instructor = _chapter_page(sites["instructor"], master).text
    assert leaks(master, instructor, instructor)
    assert "# SOLUTION" not in instructor and "# HIDDEN" not in instructor   # otter's marks


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_every_explorer_is_its_figure_and_controls_never_a_widget(sites, master):
    explorers = sum("_explorer(" in c.source for c in nbformat.read(master, as_version=4).cells
                    if c.cell_type == "code")
    for site in sites.values():
        page = (site / "chapters" / f"{master.stem}.html").read_text()
        assert page.count('class="kit-explorer"') == explorers
        assert "widget-view" not in page and "jupyter-widgets" not in page
        assert f"{master.stem}_student.ipynb" in page and "get-the-notebooks" in page


def test_every_figure_of_every_chapter_is_on_its_page(sites):
    """The lesson's plots (drawn inline, as in JupyterLab, even where the tests' own
    process draws with Agg) and the explorers' figures: as many images as the run made."""
    from tools.executed import executed

    drawn = 0
    for master in MASTERS:
        run = executed(master)
        plots = sum(any("image/png" in o.get("data", {}) for o in c.outputs)
                    for c in run.cells if c.cell_type == "code" and "_explorer(" not in c.source)
        explorers = sum("_explorer(" in c.source for c in run.cells if c.cell_type == "code")
        drawn += plots
        for site in sites.values():
            page = (site / "chapters" / f"{master.stem}.html").read_text()
            assert len(re.findall(r"<img\b", page)) == plots + explorers, (master.name, plots)
    assert drawn >= 10, "the chapters' plots are missing: were they run without inline figures?"


def test_the_claims_page_gives_every_claims_verdict_and_its_chapter(sites):
    page = (sites["student"] / "claims.html").read_text()
    verdicts = claim_verdicts()
    assert {v.claim for v in verdicts} == {f"C{n}" for n in range(1, 20)}
    rows = re.findall(r"<tr[^>]*>\s*<td[^>]*><p>[^<]*?\b(C\d+)\b[^<]*</p></td>\s*<td[^>]*>"
                      r'<p><a href="(chapters/(\d\d)_[^"#]+)#([^"]+)"', page)
    assert sorted({(c, n) for c, _, n, _ in rows}, key=lambda r: int(r[0][1:])) == sorted(
        {(v.claim, v.chapter) for v in verdicts}, key=lambda r: int(r[0][1:]))
    for claim, target, _, anchor in rows:          # each link lands on its section
        assert f'id="{anchor}"' in (sites["student"] / target).read_text(), (claim, anchor)
    text = _Page(page).text.translate(str.maketrans("“”‘’", "\"\"''"))   # Sphinx's quotes
    missing = [v.heading for v in verdicts if " ".join(v.heading.split()) not in text]
    assert missing == []                                        # the claims' own words
    assert 'id="get-the-notebooks"' in (sites["student"] / "index.html").read_text()


def test_the_data_page_holds_every_row_of_every_table(sites):
    text = _Page((sites["student"] / "data.html").read_text()).text
    for path in sorted((ROOT / "data").glob("*.csv")):
        with open(path, newline="") as f:
            rows = [r for r in csv.reader(f) if r and not r[0].startswith("#")][1:]
        for row in rows:
            assert " ".join(row[0].split()) in text, (path.name, row[0])


def test_the_library_page_lists_every_public_function_with_its_units(sites):
    import course_lib

    text = _Page((sites["student"] / "library.html").read_text()).text
    for name in course_lib.__all__:
        fn = getattr(course_lib, name)
        if callable(fn) and not isinstance(fn, type) and name != "ureg":
            assert f"{name}(" in text, name
    assert "a quantity in GB" in text or "a quantity in B" in text


def test_the_instructors_guide_is_on_the_instructor_site_only(sites):
    assert (sites["instructor"] / "instructors.html").is_file()
    assert not (sites["student"] / "instructors.html").exists()


def test_every_page_says_the_version_and_date_and_every_figure_has_alt_text(sites):
    import course_lib

    for site in sites.values():
        for page in site.rglob("*.html"):
            text = page.read_text()
            assert course_lib.__version__ in text and "Last updated on" in text, page.name
            for img in re.findall(r"<img\b[^>]*>", text):
                alt = re.search(r'alt="([^"]*)"', img)
                assert alt and len(alt.group(1)) > 20, (page.name, img[:120])


def test_every_internal_link_and_image_resolves(sites):
    for site in sites.values():
        for page in site.rglob("*.html"):
            for link in _Page(page.read_text()).links:
                target = urllib.parse.urlsplit(link)
                if target.scheme or target.netloc or not target.path:
                    assert target.scheme in ("", "http", "https", "mailto", "data"), link
                    continue
                assert (page.parent / urllib.parse.unquote(target.path)).exists(), (page.name, link)


@pytest.fixture(scope="module")
def served(sites):
    """The student site on 127.0.0.1, as `make book-serve` serves it."""
    why = lab_driver.missing()
    if why:
        if os.environ.get("CI"):
            raise RuntimeError(f"the site's browser test cannot run in CI: {why}")
        pytest.skip(why)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(sites["student"])))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", sites["student"]
    finally:
        server.shutdown()


@pytest.mark.browser
def test_every_page_loads_in_chromium_offline_and_fits_a_phone(served):
    """Every page at a phone's width (390 px): nothing requested outside the site, no
    console error, every image drawn, no horizontal scroll; math rendered where there is."""
    url, site = served
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    with lab_driver.browser() as page:
        page.set_viewport_size({"width": 390, "height": 844})
        outside, errors = [], []
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith((url, "data:")) else None)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.route("**/favicon.ico", lambda route: route.fulfill(status=204))  # the browser's
        for name in pages:
            page.goto(f"{url}/{name}", wait_until="load")
            broken = page.evaluate("""() => Array.from(document.images)
                .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)""")
            assert broken == [], (name, broken)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (name, width)
        assert outside == [] and errors == [], (outside, errors)
        page.goto(f"{url}/chapters/02_interconnect_bandwidth.html", wait_until="load")
        page.wait_for_selector("mjx-container", timeout=20_000)


@pytest.mark.browser
def test_a_chapter_prints_as_a_handout_without_the_navigation(served):
    url, _ = served
    with lab_driver.browser() as page:
        page.goto(f"{url}/chapters/04_datacenter_power.html", wait_until="load")
        assert page.locator(".sidebar-drawer").is_visible()
        page.emulate_media(media="print")
        assert not page.locator(".sidebar-drawer").is_visible()
        assert page.locator(".kit-explorer").first.is_visible()
        handout = page.pdf(format="A4")
        assert handout.startswith(b"%PDF") and len(handout) > 50_000


@pytest.mark.browser
@pytest.mark.parametrize("word", ["Landauer", "all-reduce"])
def test_search_finds_the_chapters_words(served, word):
    url, _ = served
    with lab_driver.browser() as page:
        page.goto(f"{url}/search.html?q={urllib.parse.quote(word)}")
        page.wait_for_selector("#search-results ul.search li", timeout=20_000)
        found = page.locator("#search-results ul.search li").all_inner_texts()
        assert any("·" in text for text in found), found        # a chapter among them
