"""Grade a class: submissions supply answers, the masters judge them.

    python -m tools.grading CHAPTER SUBMISSION.ipynb ... [--jobs N] [--time-limit S]
                                                          [--hand SCORES.csv]

Each submission is checked (a notebook of this chapter), copied alone into a scratch folder
of its own and run there in a fresh kernel, in a worker process, with a time limit per cell
and per notebook, and without the answer key (the kernel's ``course_lib`` finds no masters,
so ``feedback`` there checks the form only). A last cell appended to it prints the answer
variables as plain data: magnitudes, unit names, strings. This process, which never runs a
submission's code, rebuilds the answers and judges each with the exercise's hidden verdict
and feedback (:mod:`course_lib.exercises`, reading the masters). A submission can therefore
supply answers, never judge them: redefining ``verdict``, ``feedback``, ``Q_`` or a library
name, writing test files, or reading the key through the kit changes nothing.

What a submission can still do is what any code running as the grading user can: search the
whole filesystem. INSTRUCTORS.md says how to close that (a throw-away user or container).

Outputs, under ``editions/`` (``$EDITIONS``):

    grades-NN.csv       one row per submission, keyed by its path from the submissions'
                        common folder; written row by row as ``grades-NN.csv.partial`` and
                        renamed when the run ends, so an old table never passes for current
    written-NN.md       every written answer, one section per question
    feedback-NN/*.md    per student: which exercises failed and the likely slip, never the
                        expected value

Rows that could not be graded (another chapter, not a notebook, a time limit) say why.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import csv
import json
import os
import pathlib
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from tools.answer_cells import ANSWER_TAG, RESPONSE      # how the student edition marks answers

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = pathlib.Path(os.environ.get("EDITIONS", ROOT / "editions")).resolve()
MARK = "<<kit-answers>>"

# Appended to every submission: prints the answer variables as plain data, so that nothing
# the submission defines crosses into the process that judges it.
COLLECT = '''\
def __kit_plain(value):
    import numpy
    try:
        import pint
        if isinstance(value, pint.Quantity):
            return {"quantity": [numpy.asarray(value.magnitude, dtype=float).tolist(),
                                 str(value.units)]}
    except Exception as exc:
        return {"unreadable": f"{type(value).__name__}: {exc}"[:200]}
    if value is ... or value is None:
        return {"missing": True}
    if isinstance(value, (bool, numpy.bool_)):
        return {"bool": bool(value)}
    if isinstance(value, str):
        return {"string": value[:1000]}
    try:
        return {"number": numpy.asarray(value, dtype=float).tolist()}
    except Exception:
        return {"unreadable": type(value).__name__}
import json as __kit_json
print(%r + __kit_json.dumps({__n: __kit_plain(globals().get(__n, ...)) for __n in %r}))
'''


@dataclass
class Result:
    """One submission's row: its ``key`` (path from the common folder), ``status``
    ("graded", or why not), the score per question and the feedback per exercise."""

    key: str
    path: pathlib.Path
    status: str = "graded"
    scores: dict = field(default_factory=dict)
    messages: dict = field(default_factory=dict)
    answers: dict = field(default_factory=dict)
    written: dict = field(default_factory=dict)
    seconds: float = 0.0


# ---- which submissions, under which names ----------------------------------------------

def row_keys(paths) -> tuple[dict[pathlib.Path, str], list[str]]:
    """Each distinct file's row name (its path from the submissions' common folder, so
    ``new/alice`` and ``old/alice`` stay apart), and the duplicates that were dropped."""
    resolved, duplicates = [], []
    for p in paths:
        r = pathlib.Path(p).resolve()
        if r in resolved:
            duplicates.append(str(p))
        else:
            resolved.append(r)
    if not resolved:
        return {}, duplicates
    parents = [str(r.parent) for r in resolved]
    common = pathlib.Path(os.path.commonpath(parents)) if len(resolved) > 1 else resolved[0].parent.parent
    return {r: str(r.relative_to(common)) for r in resolved}, duplicates


def chapter_of(nb: dict) -> str | None:
    """The chapter number a notebook says it belongs to (otter's assignment name)."""
    name = nb.get("metadata", {}).get("otter", {}).get("assignment_name", "")
    match = re.match(r"(\d\d)_", str(name))
    return match[1] if match else None


def read_submission(path: pathlib.Path, chapter) -> dict | str:
    """The submission as a notebook dict, or the reason it cannot be graded."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"not a readable notebook ({type(exc).__name__}: {str(exc)[:80]})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return "not a notebook (no list of cells)"
    said = chapter_of(nb)
    if said is None:
        return ("no assignment name in its metadata: not saved from the student edition "
                f"of chapter {chapter.number}")
    if said != chapter.number:
        return f"chapter {said}'s notebook, not chapter {chapter.number}'s"
    return nb


# ---- running one submission (in a worker process) ---------------------------------------

def run_one(notebook: pathlib.Path, variables: list[str], cell_limit: float) -> dict:
    """Run ``notebook`` in its own folder in a fresh kernel, without the answer key; return
    the answer variables as plain data and what went wrong. Called in a worker process."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type in ("code", "markdown", "raw")]
    nb.cells.append(nbformat.v4.new_code_cell(COLLECT % (MARK, variables)))
    empty = notebook.parent / ".no-masters"
    empty.mkdir(exist_ok=True)
    os.environ.update(COURSE_LIB_MASTERS=str(empty), MPLBACKEND="Agg",
                      IPYTHONDIR=str(notebook.parent / ".ipython"))
    client = NotebookClient(nb, timeout=cell_limit, allow_errors=True,
                            interrupt_on_timeout=True, kernel_name="python3",
                            shutdown_kernel="immediate",
                            resources={"metadata": {"path": str(notebook.parent)}})
    try:
        client.execute()
    except Exception as exc:                  # the kernel died, or would not start
        return {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    interrupted = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if o.get("ename") == "KeyboardInterrupt")
    for output in nb.cells[-1].outputs:
        text = output.get("text", "")
        if MARK in text:
            answers = json.loads(text.split(MARK, 1)[1].strip().splitlines()[0])
            return {"answers": answers, "interrupted": interrupted}
    return {"error": "its answers could not be collected (the notebook broke the kernel's "
                     "output)", "interrupted": interrupted}


def _worker(path: pathlib.Path, variables: list[str], time_limit: float,
            run_dir: pathlib.Path) -> dict:
    """Run one submission in a scratch folder holding only its copy, in a worker process
    killed at the time limit. The folder has a random name inside ``run_dir``, which no one
    may list: a submission cannot find the others' folders through its own."""
    scratch = run_dir / secrets.token_hex(16)
    scratch.mkdir(mode=0o700)
    try:
        copy = scratch / "submission.ipynb"
        copy.write_bytes(path.read_bytes())
        out = scratch / "answers.json"
        command = [sys.executable, "-m", "tools.grading", "--run-one", str(copy), str(out),
                   "--variables", ",".join(variables), "--cell-limit", str(time_limit)]
        try:
            proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True, start_new_session=True)
            _, err = proc.communicate(timeout=2 * time_limit + 60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)              # the worker and its kernel
            proc.wait()
            return {"error": f"time limit: still running after {2 * time_limit + 60:.0f} s"}
        if not out.exists():
            return {"error": "the grading worker failed: " + (err or "").strip()[-300:]}
        return json.loads(out.read_text())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# ---- judging (in this process, which never runs a submission) ---------------------------

def rebuild(plain: dict):
    """An answer from its plain data, as the student's variable held it."""
    import numpy as np
    from course_lib.units import parse_quantity

    if "quantity" in plain:
        magnitude, units = plain["quantity"]
        unit = parse_quantity(f"1 {units}")              # the kit's guarded parser
        value = np.asarray(magnitude, dtype=float) if isinstance(magnitude, list) else float(magnitude)
        return value * unit
    if "number" in plain:
        n = plain["number"]
        return np.asarray(n, dtype=float) if isinstance(n, list) else float(n)
    if "string" in plain:
        return plain["string"]
    if "bool" in plain:
        return plain["bool"]
    return ...


def judge(chapter, answers: dict, points: dict) -> tuple[dict, dict]:
    """Score and feedback message per question, from the answers' plain data."""
    from course_lib.exercises import feedback

    scores, messages = {}, {}
    for ex in chapter.exercises:
        name = "q" + ex.id.replace(".", "_")
        plain = answers.get(ex.variable, {"missing": True})
        answer = rebuild(plain)
        if "unreadable" in plain:
            fb_passed, message = False, f"{ex.variable} holds a {plain['unreadable']}, not an answer."
        else:
            fb = feedback(ex.id, answer, quiet=True)
            fb_passed, message = fb.passed, fb.message
        scores[name] = points.get(name, 1) if fb_passed else 0
        messages[ex.id] = message
    return scores, messages


def written_answers(nb: dict, manual: list[str]) -> dict[str, str]:
    """The written answers of a student edition: the answer cells inside the marked
    question blocks, in order, one per written question."""
    found, inside = [], False
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", ""))
        if "<!-- BEGIN QUESTION -->" in source:
            inside, texts = True, []
        if inside and ANSWER_TAG in cell.get("metadata", {}).get("tags", []):
            texts.append(source.strip())
        if inside and "<!-- END QUESTION -->" in source:
            found.append("\n\n".join(texts))
            inside = False
    return dict(zip(manual, found))


# ---- a class --------------------------------------------------------------------------

def grade_class(chapter, submissions, jobs: int | None = None, time_limit: float = 300,
                out: pathlib.Path = OUT, hand: pathlib.Path | None = None,
                progress=print) -> list[Result]:
    """Grade every submission of ``chapter``; write the table, the written answers and the
    feedback files under ``out``; return the results in the order given."""
    from course_lib import masters

    master = masters.read_master(ROOT / "notebooks" / chapter.notebook)
    points = {q.name: q.config.get("points", 1) for q in master.questions}
    manual = [q.name for q in master.questions if q.manual]
    auto = [q.name for q in master.questions if not q.manual]
    variables = [ex.variable for ex in chapter.exercises]
    keys, duplicates = row_keys(submissions)
    for d in duplicates:
        progress(f"skipped {d}: the same file is already in the batch")
    results = [Result(key, path) for path, key in keys.items()]

    out.mkdir(parents=True, exist_ok=True)
    table = out / f"grades-{chapter.number}.csv"
    partial = table.with_suffix(".csv.partial")
    table.unlink(missing_ok=True)                  # never leave the last run's table behind
    columns = (["submission", "status", "score", "possible"] + auto
               + [f"{q} (written)" for q in manual] + ["seconds"])
    hand_scores = read_hand_scores(hand) if hand else {}

    def one(result: Result) -> Result:
        start = time.perf_counter()
        nb = read_submission(result.path, chapter)
        if isinstance(nb, str):
            result.status = nb
        else:
            result.written = written_answers(nb, manual)
            ran = _worker(result.path, variables, time_limit, run_dir)
            if "answers" in ran:
                result.answers = ran["answers"]
                result.scores, result.messages = judge(chapter, ran["answers"], points)
                if ran.get("interrupted"):
                    result.status = (f"graded; {ran['interrupted']} cell(s) stopped at the "
                                     f"time limit of {time_limit:g} s")
            else:
                result.status = ran["error"]
        result.seconds = time.perf_counter() - start
        return result

    def row_of(result: Result) -> dict:
        return _row(result, auto, manual, points, hand_scores.get(result.key, {}))

    run_dir = pathlib.Path(tempfile.mkdtemp(prefix="kit-grade-"))
    run_dir.chmod(0o300)                           # enter by name, never list
    try:
        _grade_all(results, one, row_of, partial, columns, jobs, progress)
    finally:
        run_dir.chmod(0o700)
        shutil.rmtree(run_dir, ignore_errors=True)
    _write_table(partial, columns, [row_of(r) for r in sorted(results, key=lambda r: r.key)])
    partial.replace(table)                         # whole, in order, once every row is in
    _write_written(out / f"written-{chapter.number}.md", master, results, manual)
    _write_feedback(out / f"feedback-{chapter.number}", results)
    return results


def _grade_all(results, one, row_of, partial, columns, jobs, progress) -> None:
    """Run ``one`` over the results on ``jobs`` workers, writing each row as it finishes."""
    done = 0
    with partial.open("w", newline="") as f, \
            concurrent.futures.ThreadPoolExecutor(max_workers=jobs or os.cpu_count()) as pool:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for result in map(lambda fut: fut.result(),
                          concurrent.futures.as_completed([pool.submit(one, r) for r in results])):
            done += 1
            row = row_of(result)
            writer.writerow(row)
            f.flush()
            progress(f"[{done}/{len(results)}] {result.key}: {row['score']:g} / "
                     f"{row['possible']:g}  ({result.status}; {result.seconds:.1f} s)")


def _write_table(path: pathlib.Path, columns, rows) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def _row(result: Result, auto, manual, points, hand: dict) -> dict:
    row = {"submission": result.key, "status": result.status, "seconds": round(result.seconds, 1)}
    row.update({q: result.scores.get(q, 0) for q in auto})
    row.update({f"{q} (written)": hand.get(q, "") for q in manual})
    row["score"] = sum(result.scores.values()) + sum(float(v) for v in hand.values() if v != "")
    row["possible"] = sum(points[q] for q in auto + manual)
    return row


def read_hand_scores(path: pathlib.Path) -> dict[str, dict[str, str]]:
    """Hand-given scores of written questions: a CSV with a ``submission`` column (the row
    names of the grades table) and one column per written question (``q02_8``)."""
    with pathlib.Path(path).open(newline="") as f:
        return {row.pop("submission"): row for row in csv.DictReader(f)}


def _write_written(path: pathlib.Path, master, results, manual) -> None:
    prompts = {q.name: "\n\n".join(c.source for c in q.prompts if c.cell_type == "markdown")
               for q in master.questions if q.manual}
    lines = [f"# Written answers, chapter {path.stem.split('-')[1]}", ""]
    for q in manual:
        lines += [f"## {q}", "", prompts.get(q, ""), ""]
        for r in sorted(results, key=lambda r: r.key):
            text = r.written.get(q, "").strip()
            blank = not text or text == RESPONSE
            lines += [f"### {r.key}", "", "_(no answer)_" if blank else text, ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _write_feedback(folder: pathlib.Path, results) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for r in results:
        name = re.sub(r"[^\w.-]+", "__", r.key) + ".md"
        lines = [f"# Feedback: {r.key}", ""]
        if not r.status.startswith("graded"):
            lines += [f"Not graded: {r.status}.", ""]
        for exercise_id, message in r.messages.items():
            lines.append(f"- **{exercise_id}**: {message}")
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---- command line ---------------------------------------------------------------------

def chapter_argument(text: str):
    """``"00"``, ``"4"`` or ``"04"`` -> the declared chapter; a clear error otherwise."""
    from course_lib.chapters import CHAPTERS

    if not text or not text.strip().isdigit():
        raise SystemExit(f"give the chapter as a number, e.g. CHAPTER=04 (got {text!r})")
    number = f"{int(text):02d}"
    for c in CHAPTERS:
        if c.number == number and not c.planned:
            return c
    raise SystemExit(f"no chapter {number} to grade; chapters: "
                     + ", ".join(c.number for c in CHAPTERS if not c.planned))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-one", nargs=2, metavar=("NOTEBOOK", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--variables", default="", help=argparse.SUPPRESS)
    parser.add_argument("--cell-limit", type=float, default=300, help=argparse.SUPPRESS)
    parser.add_argument("chapter", nargs="?", help="chapter number, e.g. 04")
    parser.add_argument("submissions", nargs="*", type=pathlib.Path)
    parser.add_argument("--jobs", type=int, default=None, help="workers (default: one per core)")
    parser.add_argument("--time-limit", type=float, default=300,
                        help="seconds per cell (a notebook is stopped at twice this plus a minute)")
    parser.add_argument("--hand", type=pathlib.Path, help="CSV of hand-given written scores")
    args = parser.parse_args(argv)
    if args.run_one:
        notebook, out = map(pathlib.Path, args.run_one)
        result = run_one(notebook, [v for v in args.variables.split(",") if v], args.cell_limit)
        out.write_text(json.dumps(result))
        return 0
    chapter = chapter_argument(args.chapter or "")
    if not args.submissions:
        raise SystemExit("no submissions given: SUBMISSIONS=\"submissions/*/*.ipynb\"")
    missing = [str(p) for p in args.submissions if not p.is_file()]
    if missing:
        raise SystemExit(f"no submission at {', '.join(missing)}")
    start = time.perf_counter()
    results = grade_class(chapter, args.submissions, args.jobs, args.time_limit, hand=args.hand)
    print(f"{len(results)} submissions in {time.perf_counter() - start:.0f} s -> "
          f"{OUT / f'grades-{chapter.number}.csv'}, written-{chapter.number}.md, "
          f"feedback-{chapter.number}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
