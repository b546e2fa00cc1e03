"""Build the student, solutions and autograder editions of the chapters, and grade a class.

    python tools/editions.py build [notebooks/00_*.ipynb ...]   # default: every chapter
    python tools/editions.py grade CHAPTER SUBMISSION.ipynb ...  # e.g. grade 00 subs/*.ipynb
    python tools/editions.py refresh [notebooks/00_*.ipynb ...] # re-run masters, save outputs

The master notebooks in ``notebooks/`` are written in otter-grader's ``otter assign`` format
(questions, folded solutions, public and hidden tests in one notebook). ``build`` executes each
master in a fresh kernel, runs ``otter assign`` on it (which checks the solutions against all
tests), and writes:

    editions/student/NN_name.ipynb              no solutions, no hidden tests, no outputs
    editions/solutions/NN_name.ipynb            solutions unfolded
    editions/autograder/NN_name-autograder.zip  public and hidden tests, for ``grade``

``grade`` runs the autograder on each submission locally (``otter run``, no containers) in
this environment and prints and saves a score table (editions/grades-NN.csv).
Needs the ``instructor`` extra (otter-grader).
"""
from __future__ import annotations

import argparse
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

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "editions"
MASTER_ONLY_TAG = "master-only"   # cells for self-study in the repository copy only


def chapters(names=None) -> list[pathlib.Path]:
    paths = [pathlib.Path(n).resolve() for n in names] if names else sorted(
        NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise SystemExit("no chapter notebooks found")
    return paths


def execute(path: pathlib.Path, cwd: pathlib.Path = NOTEBOOKS, timeout: int = 300):
    """Run a notebook top to bottom in a fresh kernel; return the executed notebook."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def _clean(nb, unfold: bool):
    """Drop self-study cells and volatile metadata; unfold solution cells if asked."""
    nb.cells = [c for c in nb.cells if MASTER_ONLY_TAG not in c.metadata.get("tags", [])]
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if unfold:
            cell.metadata.pop("jupyter", None)        # source_hidden, outputs_hidden
    return nb


def build_one(master: pathlib.Path, out: pathlib.Path = OUT) -> dict[str, pathlib.Path]:
    stem = master.stem
    with tempfile.TemporaryDirectory(prefix=f"editions-{stem}-") as tmp:
        work = pathlib.Path(tmp)
        nbformat.write(execute(master), work / master.name)
        subprocess.run([sys.executable, "-m", "otter", "assign", "--no-pdfs",
                        str(work / master.name), str(work / "dist")], check=True,
                       cwd=NOTEBOOKS, capture_output=True, text=True)
        made = {}
        for edition, source in (("student", work / "dist" / "student" / master.name),
                                ("solutions", work / "dist" / "autograder" / master.name)):
            nb = _clean(nbformat.read(source, as_version=4), unfold=True)
            target = out / edition / master.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, target)
            made[edition] = target
        (zip_path,) = (work / "dist" / "autograder").glob("*.zip")
        target = out / "autograder" / f"{stem}-autograder.zip"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(zip_path, target)
        made["autograder"] = target
    return made


def grade(autograder: pathlib.Path, submissions: list[pathlib.Path]) -> list[dict]:
    """Score each submission with the autograder; returns one row per submission."""
    rows = []
    for sub in submissions:
        with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
            subprocess.run([sys.executable, "-m", "otter", "run", "--no-logo", "-a",
                            str(autograder), "-o", tmp, str(sub)], check=True, cwd=sub.parent,
                           capture_output=True, text=True)
            results = json.loads((pathlib.Path(tmp) / "results.json").read_text())
        scores = {t["name"]: t["score"] for t in results["tests"] if "score" in t}
        possible = {t["name"]: t["max_score"] for t in results["tests"] if "max_score" in t}
        rows.append({"submission": sub.name, "score": sum(scores.values()),
                     "possible": sum(possible.values()), **scores})
    return rows


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
    args = parser.parse_args(argv)

    if args.command == "refresh":
        for master in chapters(args.notebooks):
            nbformat.write(_clean(execute(master), unfold=False), master)
            print(f"{master.stem}: executed and saved")
        return 0

    if args.command == "build":
        for master in chapters(args.notebooks):
            start = time.perf_counter()
            made = build_one(master)
            print(f"{master.stem}: {time.perf_counter() - start:.1f} s -> "
                  + ", ".join(str(p.relative_to(ROOT)) for p in made.values()))
        return 0
    (zip_path,) = OUT.glob(f"autograder/{args.chapter}_*-autograder.zip") or [None]
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
        print(f"{row['submission']:40} {row['score']:g} / {row['possible']:g}")
    print(f"saved {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
