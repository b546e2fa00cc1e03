"""Build the student, solutions and autograder editions of the chapters, and grade a class.

    python -m tools.editions build [notebooks/00_*.ipynb ...]    # default: every chapter
    python -m tools.editions student                              # the student edition only
    python -m tools.editions grade CHAPTER SUBMISSION.ipynb ...   # e.g. grade 00 subs/*/*.ipynb
    python -m tools.editions refresh [notebooks/00_*.ipynb ...]  # re-run masters, save outputs

The master notebooks in ``notebooks/`` are written in otter-grader's ``otter assign`` format
(questions, folded solutions, public and hidden tests in one notebook). ``build`` executes each
master in a fresh kernel, runs ``otter assign`` on it (which checks the solutions against all
tests), and writes:

    editions/student/NN_name_student.ipynb      no solutions, no hidden tests, no outputs
    editions/solutions/NN_name_solutions.ipynb  solutions unfolded
    editions/autograder/NN_name-autograder.zip  public and hidden tests, for ``grade``

``grade`` runs the autograder on each submission locally (``otter run``, no containers) in
this environment and prints and saves a score table (editions/grades-NN.csv), one row per
submission named by its folder and file (an LMS download has one folder per student).
``refresh`` stores the masters with the lesson's outputs (nbval compares them) and without
the outputs of exercise cells and explorers (no answer, no "Correct", no raw widget text
before the student runs anything).
Needs the ``instructor`` extra (otter-grader).
"""
from __future__ import annotations

import argparse
import os
import csv
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient

from course_lib import masters
from course_lib.chapters import CHAPTERS

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
OUT = pathlib.Path(os.environ.get("EDITIONS", ROOT / "editions")).resolve()
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def chapters(names=None) -> list[pathlib.Path]:
    """The masters of the declared chapters (or the notebooks named)."""
    if names:
        return [pathlib.Path(n).resolve() for n in names]
    return [NOTEBOOKS / c.notebook for c in CHAPTERS if not c.planned]


def edition_path(master: pathlib.Path, edition: str, out: pathlib.Path = OUT) -> pathlib.Path:
    """Where an edition of a master goes: ``editions/student/00_name_student.ipynb``."""
    return out / edition / f"{master.stem}_{edition}.ipynb"


def execute(path: pathlib.Path, cwd: pathlib.Path = NOTEBOOKS, timeout: int = 300):
    """Run a notebook top to bottom in a fresh kernel; return the executed notebook."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def _clean(nb, unfold: bool):
    """Drop volatile metadata and widget state; unfold solution cells if asked."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if unfold:
            cell.metadata.pop("jupyter", None)        # source_hidden, outputs_hidden
    return nb


def _strip_answers_and_widgets(nb):
    """Clear the outputs of exercise cells and of cells that show a widget."""
    inside = {i for q in masters.parse_master(nb).questions for i in range(q.start, q.stop)}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (i in inside or any(
                WIDGET_VIEW in o.get("data", {}) for o in cell.outputs)):
            cell.outputs, cell.execution_count = [], None
    return nb


def build_one(master: pathlib.Path, out: pathlib.Path = OUT) -> dict[str, pathlib.Path]:
    """Build the three editions of one master under ``out``; returns their paths.

    A master without a ``# ASSIGNMENT CONFIG`` cell stops here, before anything runs
    (:class:`course_lib.masters.MasterError`): otter would give its student edition an
    ``import otter`` cell that students cannot run."""
    masters.read_master(master).assignment_config
    stem = master.stem
    with tempfile.TemporaryDirectory(prefix=f"editions-{stem}-") as tmp:
        work = pathlib.Path(tmp)
        nbformat.write(execute(master), work / master.name)
        _run([sys.executable, "-m", "otter", "assign", "--no-pdfs",
              str(work / master.name), str(work / "dist")], cwd=NOTEBOOKS,
             what=f"otter assign {master.name}")
        made = {}
        for edition, source in (("student", work / "dist" / "student" / master.name),
                                ("solutions", work / "dist" / "autograder" / master.name)):
            nb = _clean(nbformat.read(source, as_version=4), unfold=True)
            target = edition_path(master, edition, out)
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, target)
            made[edition] = target
        (zip_path,) = (work / "dist" / "autograder").glob("*.zip")
        target = out / "autograder" / f"{stem}-autograder.zip"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(zip_path, target)
        made["autograder"] = target
    return made


def _run(command: list[str], cwd: pathlib.Path, what: str):
    """Run a command; on failure, stop with the command's own error output."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        tail = (done.stderr or done.stdout).strip().splitlines()[-25:]
        raise SystemExit(f"{what} failed:\n" + "\n".join(tail))
    return done


def submission_name(path: pathlib.Path) -> str:
    """A grade row's name: the submission's folder and file (``alice/01_fp4.ipynb``)."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def grade(autograder: pathlib.Path, submissions: list[pathlib.Path]) -> list[dict]:
    """Score each submission with the autograder; returns one row per submission."""
    autograder = pathlib.Path(autograder).resolve()
    rows = []
    for sub in map(lambda p: pathlib.Path(p).resolve(), submissions):
        if not sub.is_file():
            raise SystemExit(f"no submission at {sub}")
        with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
            _run([sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(autograder),
                  "-o", tmp, str(sub)], cwd=sub.parent, what=f"grading {sub}")
            results = json.loads((pathlib.Path(tmp) / "results.json").read_text())
        scores = {t["name"]: t["score"] for t in results["tests"] if "score" in t}
        possible = {t["name"]: t["max_score"] for t in results["tests"] if "max_score" in t}
        rows.append({"submission": submission_name(sub), "score": sum(scores.values()),
                     "possible": sum(possible.values()), **scores})
    return rows


def _shown(path: pathlib.Path) -> str:
    """``path`` relative to the repository when inside it (EDITIONS may point elsewhere)."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the three editions")
    b.add_argument("notebooks", nargs="*")
    g = sub.add_parser("grade", help="grade submissions of one chapter")
    g.add_argument("chapter", help="chapter number, e.g. 00")
    g.add_argument("submissions", nargs="+", type=pathlib.Path)
    r = sub.add_parser("refresh", help="re-execute masters in place (nbval compares outputs)")
    r.add_argument("notebooks", nargs="*")
    sub.add_parser("student", help="build the editions when a master is newer than its "
                                   "student edition (what make lab serves)")
    args = parser.parse_args(argv)
    try:
        return _command(args)
    except masters.MasterError as error:
        raise SystemExit(str(error)) from None


def _command(args) -> int:
    if args.command == "refresh":
        for master in chapters(args.notebooks):
            nb = _strip_answers_and_widgets(_clean(execute(master), unfold=False))
            nbformat.write(nb, master)
            print(f"{master.stem}: executed and saved")
        return 0
    if args.command == "student":
        for master in chapters():
            target = edition_path(master, "student")
            if not target.exists() or target.stat().st_mtime < master.stat().st_mtime:
                build_one(master)
                print(f"{master.stem}: student edition -> {_shown(target)}")
        return 0

    if args.command == "build":
        for master in chapters(args.notebooks):
            start = time.perf_counter()
            made = build_one(master)
            print(f"{master.stem}: {time.perf_counter() - start:.1f} s -> "
                  + ", ".join(_shown(p) for p in made.values()))
        return 0
    (zip_path,) = list(OUT.glob(f"autograder/{args.chapter}_*-autograder.zip")) or [None]
    if zip_path is None:
        raise SystemExit(f"no autograder for chapter {args.chapter}: run 'make editions' first")
    rows = grade(zip_path, args.submissions)
    out = OUT / f"grades-{args.chapter}.csv"
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    for row in rows:
        print(f"{row['submission']:48} {row['score']:g} / {row['possible']:g}")
    print(f"saved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
