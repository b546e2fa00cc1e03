"""The course as a website, read without installing anything: ``make book``.

    python -m tools.book                  # the student site: build/book/student/html
    python -m tools.book --instructor     # worked solutions folded under each exercise

Sources are written to ``build/book/<site>/src`` and built with Sphinx and MyST-NB
(nothing executed there), the furo theme and a copy of MathJax from npm, so that the site
fetches nothing when it is read:

* each chapter is its master executed once (:func:`tools.executed.executed`, the test
  suite's cache). The student site shows the student edition
  (:func:`tools.editions.student_edition`: prompts and tolerances, no solution, no test)
  with the lesson's outputs put back cell by cell; the instructor site keeps the worked
  solutions, folded, and drops the tests;
* an explorer needs a kernel: the page shows its figure and readout at the default values,
  its controls, and the notebook to open to move them;
* pages made from the kit itself: every claim's verdict (:func:`course_lib.masters.
  claim_verdicts`), every row of the tables in ``data/``, every public function with its
  signature, units and defaults, and (instructor site only: it quotes a hidden test) the
  instructors' guide.
"""
from __future__ import annotations

import argparse
import base64
import datetime
import html
import importlib
import inspect
import pathlib
import re
import shutil
import subprocess
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "book"
MATHJAX = "mathjax@3"                      # npm package: its es5 build serves the site's math
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_EXPLORER = re.compile(r"from (course_lib\.explorers\.\w+) import (\w+_explorer)")


def chapter_notebook(master: pathlib.Path, instructor: bool = False):
    """The chapter's page as a notebook: the executed master as the site shows it."""
    from tools import editions
    from tools.answer_cells import ANSWER_TAG
    from tools.executed import executed

    run = executed(master)
    if instructor:
        nb = run
        nb.cells = [c for c in nb.cells if c.cell_type != "raw" and c.id not in _tests(master)]
        for cell in nb.cells:
            if cell.metadata.get("jupyter", {}).get("source_hidden"):   # worked solutions,
                cell.metadata.setdefault("tags", []).append("hide-cell")  # folded, without
                cell.source = editions.solution_source(cell.source)       # otter's markers
    else:
        nb = editions.student_edition(master)
        outputs = {c.id: c for c in run.cells if c.cell_type == "code"}
        for cell in nb.cells:
            ran = outputs.get(cell.get("id"))
            if cell.cell_type == "code" and ran is not None and \
                    ANSWER_TAG not in cell.metadata.get("tags", []):
                cell.outputs, cell.execution_count = ran.outputs, ran.execution_count
    nb.metadata.pop("widgets", None)      # widget state would pull its renderer from a CDN
    for cell in nb.cells:
        if cell.cell_type == "code" and any(WIDGET_VIEW in o.get("data", {})
                                            for o in cell.outputs):
            _static_explorer(cell, master.name)
    return nb


def _tests(master: pathlib.Path) -> set[str]:
    """The ids of a master's public and hidden test cells, as the masters' reader finds
    them: the instructor site leaves them out (the answer key belongs to the grader), with
    the raw cells (otter's markers and the assignment's settings)."""
    from course_lib.masters import read_master

    return {cell["id"] for q in read_master(master).questions
            for cell in q.public_tests + q.hidden_tests}


def _static_explorer(cell, notebook: str) -> None:
    """Replace an explorer's widget by its figure and readout at the default values, its
    controls and the notebook to open to move them."""
    found = _EXPLORER.search(cell.source)
    if found is None:
        raise ValueError(f"{notebook}: a widget output whose explorer the site cannot name:"
                         f" {cell.source[:80]!r}")
    module, name = found.groups()
    explorer = getattr(importlib.import_module(module), name)()
    controls = "".join(
        f"<li>{html.escape(c.widget.description)}: <b>{html.escape(_shown(c))}</b></li>"
        for c in explorer.controls.values())
    title = explorer.widget.children[0].value if explorer.widget.children else name
    alt = (f"{re.sub('<[^>]+>', '', title)}: the explorer's figure at its default values "
           f"({'; '.join(f'{c.widget.description} {_shown(c)}' for c in explorer.controls.values())})")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={
            "image/png": base64.b64encode(explorer.image.value).decode(), "text/plain": alt}),
        nbformat.v4.new_output("display_data", data={"text/html": (
            f'<div class="kit-explorer"><p>{explorer.readout.value}</p>'
            f"<p>Controls, at their default values:</p><ul>{controls}</ul>"
            f"<p><i>This page shows the explorer as it starts. To move its controls, run "
            f"the chapter in JupyterLab: in the kit's folder, <code>make lab</code> opens "
            f"<code>{pathlib.Path(notebook).stem}_student.ipynb</code> (see "
            f'<a href="../index.html#get-the-notebooks">Get the notebooks</a>).</i></p></div>'),
            "text/plain": alt})]
    cell.metadata.setdefault("mystnb", {})["image"] = {"alt": alt}


def _shown(control) -> str:
    widget = control.widget
    if hasattr(widget, "options") and hasattr(widget, "index") and widget.index is not None:
        labels = getattr(widget, "_options_labels", None)
        if labels:
            return str(labels[widget.index])
    return str(widget.value)


# ---- pages made from the kit ---------------------------------------------------------------

def claims_page() -> str:
    """Every claim's verdict, as the chapters wrote it, with a link to its chapter."""
    from docutils.nodes import make_id              # the id Sphinx gives a section

    from course_lib.chapters import chapter
    from course_lib.masters import claim_verdicts

    rows = ["# The claims and their verdicts", "",
            "Each claim of the original texts, checked in a chapter: the verdict as the "
            "chapter states it, with the condition that decides it, and a link to the "
            "section that checks it. Generated from the chapters.", "",
            "| Claim | Chapter | Verdict |", "|---|---|---|"]
    for v in claim_verdicts():
        page = f"chapters/{pathlib.Path(chapter(v.chapter).notebook).stem}"
        text = v.text.replace("|", "\\|")
        # a plain link: the id is the one Sphinx gives the section (MyST's own anchors
        # are another slug)
        claim = v.heading.replace("|", "\\|")
        rows.append(f'| {claim} | <a href="{page}.html#{make_id(v.heading)}">{v.chapter}</a> '
                    f"| {text} |")
    return "\n".join(rows) + "\n"


def data_page() -> str:
    """Every row of every table in ``data/``, as the CSV holds it (value, unit, status,
    source)."""
    import csv

    parts = ["# The data", "",
             "Every number the kit uses, from the tables in `data/`: value, unit, status and "
             "source. Generated from the CSV files.", ""]
    for path in sorted((ROOT / "data").glob("*.csv")):
        with open(path, newline="") as f:
            rows = [r for r in csv.reader(f) if r and not r[0].startswith("#")]
        if not rows:
            continue
        header, body = rows[0], rows[1:]
        parts += [f"## `{path.name}`", ""]
        if len(header) <= _TABLE_COLUMNS:               # a table that fits a page's width
            parts += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            for row in body:
                cells = [_cell(v) for v in row + [""] * (len(header) - len(row))]
                parts.append("| " + " | ".join(cells) + " |")
        else:                                           # wide: one entry per row
            for row in body:
                fields = [f"{h} = {_cell(v)}" for h, v in zip(header[1:], row[1:]) if v.strip()]
                parts.append(f"- **{_cell(row[0])}**: " + "; ".join(fields))
        parts.append("")
    return "\n".join(parts)


_TABLE_COLUMNS = 7          # wider tables (accelerators: 19 columns) read better as lists


def _cell(value: str) -> str:
    value = value.replace("|", "\\|").replace("\n", " ")
    return f"<{value}>" if re.fullmatch(r"https?://\S+", value) else value


def library_page() -> str:
    """Every public function of the library: signature, units of its arguments, defaults
    (with their rows) and its docstring's first paragraph."""
    import course_lib

    parts = ["# The library", "",
             "`course_lib`'s public functions, as declared: each argument with the unit or "
             "kind it takes, defaults from `data/constants.csv`. Generated from the code.", ""]
    for name in sorted(course_lib.__all__):
        fn = getattr(course_lib, name)
        if not callable(fn) or isinstance(fn, type) or name in ("ureg",):
            continue
        try:
            signature = str(inspect.signature(fn))
        except (TypeError, ValueError):
            signature = "(...)"
        doc = (inspect.getdoc(fn) or "").split("\n\n")[0].replace("\n", " ")
        parts += [f"## `{name}`", "", f"`{name}{signature}`", "", doc, ""]
        declared = getattr(fn, "declared", None) or {}
        if declared:
            parts += ["| Argument | Takes | Default |", "|---|---|---|"]
            defaults = getattr(fn, "defaults", {}) or {}
            for arg, spec in declared.items():
                default = defaults.get(arg)
                shown = "" if default is None else f"{default:~P}" if hasattr(default, "units") \
                    else str(default)
                source = f" (`{spec.default}`)" if getattr(spec, "default", None) else ""
                parts.append(f"| `{arg}` | {spec.describe()} | {shown}{source} |")
            if getattr(fn, "returns", None):
                parts.append(f"\nReturns a quantity in `{fn.returns}`.")
            parts.append("")
    return "\n".join(parts)


# ---- the build -----------------------------------------------------------------------------

INTRODUCTION = """\
# Compute scaling and energy limits

Claims about AI computing fly every day: "FP4 lets the same memory hold a model twice as
large", "in space you get free solar power and cooling near absolute zero", "AI uses
20 GW", "orbital compute will need thousands of launches a year". This course checks such
claims, step by step, with numbers that carry their units: bytes, FLOP/s, watts, dollars,
kilograms, launches. Each chapter ends with a verdict and the condition that decides it.

Each chapter is a Jupyter notebook: short explanations, code cells that compute with a
small unit-aware library (`course_lib`), exercises that check your answer and its unit,
and **explorers**, figures with sliders and menus that recompute as you move them. This
site shows every chapter as it runs, each explorer at its default values.

## Get the notebooks

To run the chapters, move the explorers and answer the exercises, get the kit's folder
(its repository, or the copy your instructor hands out) and, with Python 3.11 or newer:

```bash
make lab      # installs the kit in .venv (about a minute), opens the chapters in JupyterLab
```

Your instructor may instead give you a link to a course server where everything is
installed.
"""

CONF = '''\
project = "Compute scaling and energy limits"
author = "the kit's authors"
release = version = {version!r}
today = {today!r}
extensions = ["myst_nb"]
nb_execution_mode = "off"                # executed once, by the kit: nothing runs here
myst_enable_extensions = ["dollarmath", "amsmath"]
html_theme = "furo"
html_title = f"Compute scaling and energy limits {{release}}"
html_static_path = ["_static"]
html_css_files = ["kit.css"]
html_last_updated_fmt = {today!r}
html_use_index = False                   # no index entries: an empty page otherwise
html_copy_source = False
html_show_sourcelink = False
mathjax_path = "mathjax/tex-chtml.js"    # a copy in the site: nothing fetched when read
exclude_patterns = ["_build"]
suppress_warnings = ["mystnb.unknown_mime_type"]
'''

CSS = """\
/* explorers shown as they start; a page prints without the navigation */
.kit-explorer { border-left: 3px solid #888; padding-left: 0.8em; }
.cell_output img { max-width: 100%; height: auto; }
table { display: block; overflow-x: auto; }
@media print {
  .sidebar-drawer, .toc-drawer, .mobile-header, .theme-toggle-container,
  .related-pages, .back-to-top { display: none !important; }
  .main { display: block; }
  details { display: block; }
}
"""


def mathjax(cache: pathlib.Path = OUT / "npm") -> pathlib.Path:
    """MathJax's es5 build from npm (installed once into ``cache``)."""
    es5 = cache / "node_modules" / "mathjax" / "es5"
    if not (es5 / "tex-chtml.js").is_file():
        cache.mkdir(parents=True, exist_ok=True)
        from tools.editions import run_checked

        run_checked(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix",
                     str(cache), MATHJAX], cwd=cache, what="installing MathJax from npm")
    return es5


def sources(site: pathlib.Path, instructor: bool) -> pathlib.Path:
    """Write the site's sources to ``site/src``."""
    import course_lib
    from course_lib.chapters import CHAPTERS

    src = site / "src"
    shutil.rmtree(src, ignore_errors=True)
    (src / "chapters").mkdir(parents=True)
    static = src / "_static"
    static.mkdir()
    (static / "kit.css").write_text(CSS)
    es5 = mathjax()                     # the script and the fonts it loads beside it
    shutil.copytree(es5 / "output" / "chtml" / "fonts",
                    static / "mathjax" / "output" / "chtml" / "fonts")
    shutil.copy2(es5 / "tex-chtml.js", static / "mathjax")
    today = datetime.date.today().isoformat()
    (src / "conf.py").write_text(CONF.format(version=course_lib.__version__, today=today))
    chapters = []
    for c in CHAPTERS:
        if c.planned:
            continue
        master = ROOT / "notebooks" / c.notebook
        nbformat.write(chapter_notebook(master, instructor), src / "chapters" / c.notebook)
        chapters.append(f"chapters/{master.stem}")
    (src / "claims.md").write_text(claims_page())
    (src / "data.md").write_text(data_page())
    (src / "library.md").write_text(library_page())
    extra = []
    if instructor:
        shutil.copy2(ROOT / "INSTRUCTORS.md", src / "instructors.md")
        extra = ["instructors"]
    edition = "instructor edition (worked solutions folded under each exercise)" \
        if instructor else "student edition"
    index = [INTRODUCTION, "",
             f"*Version {course_lib.__version__}, built {today}; {edition}.*", "",
             "```{toctree}", ":maxdepth: 1", ":caption: Chapters", "", *chapters, "```", "",
             "```{toctree}", ":maxdepth: 1", ":caption: Reference", "",
             "claims", "data", "library", *extra, "```", ""]
    (src / "index.md").write_text("\n".join(index))
    return src


def build(instructor: bool = False, out: pathlib.Path = OUT) -> pathlib.Path:
    """Build one site; returns its ``html`` folder."""
    site = out / ("instructor" if instructor else "student")
    src = sources(site, instructor)
    html_dir = site / "html"
    shutil.rmtree(html_dir, ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W",
                           "--keep-going", "-d", str(site / "doctrees"), str(src), str(html_dir)],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"building the site failed:\n{done.stderr[-4000:]}")
    return html_dir


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.book", description=__doc__.split("\n")[0])
    parser.add_argument("--instructor", action="store_true",
                        help="the instructor site: worked solutions folded under each exercise")
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args(argv)
    built = build(args.instructor, args.out.resolve())
    pages = len(list(built.rglob("*.html")))
    size = sum(p.stat().st_size for p in built.rglob("*") if p.is_file())
    print(f"site written to {built}: {pages} pages, {size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
