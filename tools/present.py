"""Lecture mode: explorers as a page without code, for projecting, served by Voila on this
machine only (127.0.0.1) with a token, like ``make lab``.

    make present                                        # the capstone's two explorers
    make present EXPLORERS="queue_explorer ring_explorer"  # any chapter's, by name
    python -m tools.present --print queue_explorer         # write the page's notebook only

The page is a notebook written into ``$EDITIONS/present/`` with one cell per explorer
(each shows the explorer's widget alone); Voila runs it and strips the code.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import secrets
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = pathlib.Path(__file__).resolve().parent.parent


def explorer_modules() -> dict[str, tuple[str, str]]:
    """Every declared explorer: name -> (its module, its chapter's title)."""
    from course_lib.chapters import CHAPTERS

    return {name: (c.explorer_module, f"{c.number} · {c.title}")
            for c in CHAPTERS if not c.planned for name in c.explorer_names}


def page(names: list[str]) -> nbformat.NotebookNode:
    """The lecture page: a title, then each explorer's widget (no code is shown)."""
    known = explorer_modules()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"no explorer {', '.join(unknown)}; known: {', '.join(known)}")
    cells = [new_markdown_cell("# Explorers\n\nMove a control; the figure and the readout "
                               "follow.")]
    for name in names:
        module, chapter = known[name]
        cells.append(new_markdown_cell(f"### {chapter}"))
        cells.append(new_code_cell(f"from course_lib.explorers.{module} import {name}\n"
                                   f"{name}().widget"))
    nb = new_notebook(cells=cells, metadata={"kernelspec": {
        "display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"present-{i}"
    return nb


def write_page(names: list[str], folder: pathlib.Path) -> pathlib.Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "lecture.ipynb"
    nbformat.write(page(names), path)
    return path


def voila_command(path: pathlib.Path, port: int, token: str) -> list[str]:
    """Voila on loopback only, with a token, no browser opened by the server."""
    return [sys.executable, "-m", "voila", str(path), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", f"--token={token}", "--Voila.port_retries=0"]


def default_names() -> list[str]:
    from course_lib.chapters import CHAPTERS

    return list([c for c in CHAPTERS if not c.planned][-1].explorer_names)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="explorers by name (default: the capstone's)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8866)))
    parser.add_argument("--print", action="store_true", help="write the page and stop")
    args = parser.parse_args(argv)
    names = args.names or default_names()
    folder = pathlib.Path(os.environ.get("EDITIONS", ROOT / "editions")) / "present"
    path = write_page(names, folder)
    if args.print:
        print(path)
        return 0
    token = os.environ.get("TOKEN") or secrets.token_hex(16)
    print(f"Lecture page: http://127.0.0.1:{args.port}/?token={token}", flush=True)
    os.execv(sys.executable, voila_command(path, args.port, token))


if __name__ == "__main__":
    sys.exit(main())
