"""Grade a class: submissions supply answers, the masters judge them.

    python -m tools.grading CHAPTER SUBMISSION.ipynb ... [--jobs N] [--time-limit S]
                                                          [--hand SCORES.csv] [--no-sandbox]

Each submission is checked (a notebook of this chapter) and run in a sandbox of its own
(:mod:`tools.sandbox`: new mount, pid and network namespaces, an unprivileged user,
resource limits, the checkout and every other submission out of sight), with a time limit
per cell. Its kernel writes the answer variables as plain data after every cell; this
process, which never runs a submission's code, checks that file strictly, rebuilds the
answers and judges each with the exercise's hidden verdict and feedback
(:mod:`course_lib.exercises`, reading the masters). A submission can therefore supply
answers, never judge them. Without a working sandbox the grader refuses to run unless
given ``--no-sandbox``.

Outputs, under ``editions/`` (``$EDITIONS``):

    grades-NN.csv       one row per submission, keyed by its path from the submissions'
                        common folder; written row by row as ``grades-NN.csv.partial``
                        (with ``.partial.jsonl``, from which a killed run resumes) and
                        renamed when the run ends
    grades-NN.jsonl     the last run's rows with their answers and feedback
    written-NN.md       every written answer, one section per question
    feedback-NN/*.md    per student: which exercises failed and the likely slip, never the
                        expected value

Rows that could not be graded (another chapter, not a notebook, unreadable answers) say why;
one file never ends a run. The masters, the kit and the grader are hashed before and after
a run: a change fails it.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import csv
import functools
import hashlib
import json
import os
import pathlib
import re
import sys
import time
from dataclasses import dataclass, field

from tools.answer_cells import ANSWER_TAG, RESPONSE      # how the student edition marks answers

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = pathlib.Path(os.environ.get("EDITIONS", ROOT / "editions")).resolve()
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
    sha256: str = ""
    stopped: str | None = None
    resumed: bool = False


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


def read_submission(data: bytes | pathlib.Path, chapter) -> dict | str:
    """The submission (its bytes, or its path) as a notebook dict, or the reason it cannot
    be graded."""
    try:
        if isinstance(data, pathlib.Path):
            data = data.read_bytes()
        nb = json.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
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


# ---- running one submission (in a sandbox) ------------------------------------------

class SandboxUnavailable(SystemExit):
    """The sandbox cannot be set up here and ``--no-sandbox`` was not given."""


def check_sandbox(sandbox: bool, progress=print) -> None:
    """Refuse to grade without a sandbox unless told to; say loudly what that means."""
    if not sandbox:
        progress("WARNING: grading WITHOUT a sandbox (--no-sandbox): every submission runs "
                 "as this user, can read the masters and the other submissions, and can "
                 "change this checkout. Use it only for submissions you trust.")
        return
    ok, why = sandbox_module().available()
    if not ok:
        raise SandboxUnavailable(
            "REFUSING TO GRADE: the sandbox that keeps submissions away from the answer key, "
            f"the other submissions and this checkout cannot be set up here: {why}. Grade as "
            "root on Linux with util-linux's unshare (see INSTRUCTORS.md), or pass "
            "--no-sandbox (NO_SANDBOX=1 with make) to grade trusted submissions without it.")


def sandbox_module():
    from tools import sandbox
    return sandbox


def run_submission(text: str, variables: list[str], limits: list[float],
                   sandbox: bool = True) -> dict:
    """Run one submission's notebook (its text) in a sandbox of its own; what came out:
    ``answers`` (validated), or ``error`` (why there are none), and what went wrong."""
    sb = sandbox_module()
    cpu = sum(limits) + 60
    wall = sum(limits) + 2 * max(limits, default=60) + 90
    ran = sb.run({"notebook": text, "variables": variables, "limits": limits, "cpu": cpu,
                  "warm": warm_caches()}, sandboxed=sandbox, timeout=wall)
    if "error" in ran:
        return {"error": str(ran["error"])[:300]}
    answers = parse_answers(ran.get("answers_text"), variables)
    out = {"stopped": ran.get("stopped"), "interrupted": int(ran.get("interrupted") or 0),
           "errors": ran.get("errors") or []}
    if isinstance(answers, str):
        out["error"] = f"answers unreadable: {answers}"
    else:
        out["answers"] = answers
    return out


@functools.cache
def warm_caches() -> dict[str, str]:
    """The grader's caches that each sandbox starts with (:data:`tools.sandbox.WARM`: where
    in the sandbox's empty home -> the grader's folder): the kit's unit registry, and
    matplotlib's list of the fonts on this machine, built here once. Without them every
    submission would build both again (the font list alone: 0.7 s of CPU on 2 cores)."""
    warm = {}
    with contextlib.suppress(Exception):
        from course_lib.units import _cache_folder
        warm[".cache/kit"] = str(_cache_folder())
    with contextlib.suppress(Exception):    # no list to share: each kernel builds its own
        import matplotlib
        import matplotlib.font_manager  # noqa: F401 - builds and saves the list if missing
        warm[".config/matplotlib"] = matplotlib.get_cachedir()
    return warm


ANSWERS_CAP = 1_000_000
NUMBERS_CAP = 10_000
KINDS = {"quantity", "number", "string", "bool", "missing", "unreadable"}


def parse_answers(text, variables: list[str]) -> dict | str:
    """The answers file a sandbox returned, strictly checked: a dict of every answer
    variable to one plain value; the reason it is refused otherwise."""
    if text is None:
        return "the notebook left no answers (its kernel never ran the collector)"
    if not isinstance(text, str) or len(text) > ANSWERS_CAP:
        return f"the answers file is larger than {ANSWERS_CAP} bytes"
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        return f"not JSON ({str(exc)[:80]})"
    if not isinstance(data, dict) or set(data) != {"answers"} or not isinstance(data["answers"], dict):
        return "not an answers record"
    answers = data["answers"]
    if set(answers) != set(variables):
        return "the answer names are not the chapter's"
    for name, plain in answers.items():
        why = _plain_problem(plain)
        if why:
            return f"{name}: {why}"
    return answers


def _plain_problem(plain) -> str | None:
    if not isinstance(plain, dict) or len(plain) != 1 or next(iter(plain)) not in KINDS:
        return "not one plain value"
    (kind, value), = plain.items()
    if kind == "missing":
        return None if value is True else "bad 'missing'"
    if kind == "bool":
        return None if isinstance(value, bool) else "a bool that is not one"
    if kind in ("string", "unreadable"):
        return None if isinstance(value, str) and len(value) <= 1000 else "bad text"
    if kind == "number":
        return _numbers_problem(value)
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], str)
            and len(value[1]) <= 200):
        return "a quantity that is not [magnitude, unit]"
    return _numbers_problem(value[0])


def _numbers_problem(value, depth: int = 0) -> str | None:
    count = [0]

    def walk(v, d):
        if d > 4:
            return "numbers nested too deep"
        if isinstance(v, list):
            for x in v:
                why = walk(x, d + 1)
                if why:
                    return why
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return "a number that is not one"
        count[0] += 1
        return "too many numbers" if count[0] > NUMBERS_CAP else None
    return walk(value, depth)


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
        if "unreadable" in plain:
            fb_passed, message = False, f"{ex.variable} holds a {plain['unreadable']}, not an answer."
        else:
            try:
                fb = feedback(ex.id, rebuild(plain), quiet=True)
                fb_passed, message = fb.passed, fb.message
            except Exception as exc:          # a unit the kit does not know, a bad value
                fb_passed = False
                message = (f"{ex.variable} could not be judged: {type(exc).__name__}: "
                           f"{str(exc)[:160]}")
        scores[name] = points.get(name, 1) if fb_passed else 0
        messages[ex.id] = message
    return scores, messages


def written_answers(nb: dict, manual: list[str], known_ids=frozenset()) -> dict[str, str]:
    """The written answers of a student edition: the answer cells inside the marked
    question blocks, and any markdown cell the student added there (an id the master does
    not have), in order, one per written question."""
    found, inside = [], False
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if "<!-- BEGIN QUESTION -->" in source:
            inside, texts = True, []
        tags = (cell.get("metadata") or {}).get("tags") or []
        added = (known_ids and cell.get("cell_type") == "markdown"
                 and cell.get("id") not in known_ids)
        if inside and (ANSWER_TAG in tags or added):
            texts.append(source.strip())
        if inside and "<!-- END QUESTION -->" in source:
            found.append("\n\n".join(texts))
            inside = False
    return dict(zip(manual, found))


# ---- a class --------------------------------------------------------------------------

FACTOR, SLACK = 10.0, 5.0                        # a cell's limit: 10x the master's time + 5 s


def master_times(chapter) -> dict[str, float]:
    """Seconds each code cell of the chapter's master takes, by cell id: nbclient's timing
    of the master's one execution, shared with the editions and the tests
    (:func:`tools.executed.executed`, cached by its code, the kit and the versions)."""
    from tools.executed import executed

    nb = executed(ROOT / "notebooks" / chapter.notebook, timeout=600)
    times = {}
    for cell in nb.cells:
        timing = cell.metadata.get("execution", {}) if cell.cell_type == "code" else {}
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            times[cell.get("id")] = max(0.0, (_when(timing["shell.execute_reply"])
                                              - _when(timing["iopub.execute_input"])))
    return times


def _when(stamp: str) -> float:
    from datetime import datetime
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def cell_limits(times: dict[str, float], nb: dict, ceiling: float) -> list[float]:
    """Seconds for each code cell of a submission: the master's own cell (by id) times
    ``FACTOR`` plus ``SLACK``; a cell the student added gets the slowest master cell's
    limit; none more than ``ceiling`` (``--time-limit``)."""
    limit = {cid: FACTOR * t + SLACK for cid, t in times.items()}
    default = max(limit.values(), default=ceiling)
    return [min(ceiling, limit.get(c.get("id"), default))
            for c in nb.get("cells", []) if isinstance(c, dict) and c.get("cell_type") == "code"]


class IntegrityError(RuntimeError):
    """The masters, the kit or the grader changed while a class was graded."""


def guarded_files() -> list[pathlib.Path]:
    """What a grade depends on: the masters, the kit's package and tables, the grader."""
    files = [*(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "tools").glob("*.py")]
    for folder in ("course_lib", "data"):
        files += [p for p in (ROOT / folder).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts]
    return sorted(files)


def digest(files) -> dict[str, str]:
    """A SHA-256 per file (``"missing"`` for one that is gone)."""
    out = {}
    for path in files:
        try:
            out[str(path)] = hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()
        except OSError:
            out[str(path)] = "missing"
    return out


def grade_class(chapter, submissions, jobs: int | None = None, time_limit: float = 300,
                out: pathlib.Path = OUT, hand: pathlib.Path | None = None,
                progress=print, sandbox: bool = True) -> list[Result]:
    """Grade every submission of ``chapter``; write the table, the written answers and the
    feedback files under ``out``; return the results in the order given.

    Each submission runs in a sandbox (:mod:`tools.sandbox`); without one, this refuses
    unless ``sandbox=False``. A run never stops for one file: whatever goes wrong becomes
    that row's status. Rows are kept as they finish (``grades-NN.csv.partial`` and its
    ``.jsonl``): a run that was killed resumes from them, re-grading only files that
    changed. The masters, the kit and the grader are hashed before and after; a change
    raises :class:`IntegrityError` and leaves no table."""
    from course_lib import masters

    check_sandbox(sandbox, progress)
    guarded = guarded_files()
    before = digest(guarded)
    master = masters.read_master(ROOT / "notebooks" / chapter.notebook)
    points = {q.name: q.config.get("points", 1) for q in master.questions}
    manual = [q.name for q in master.questions if q.manual]
    auto = [q.name for q in master.questions if not q.manual]
    variables = [ex.variable for ex in chapter.exercises]
    keys, duplicates = row_keys(submissions)
    for d in duplicates:
        progress(f"skipped {d}: the same file is already in the batch")
    results = [Result(key, path) for path, key in keys.items()]
    times = master_times(chapter)

    out.mkdir(parents=True, exist_ok=True)
    table = out / f"grades-{chapter.number}.csv"
    partial = table.with_suffix(".csv.partial")
    journal = table.with_suffix(".csv.partial.jsonl")
    columns = (["submission", "status", "score", "possible"] + auto
               + [f"{q} (written)" for q in manual] + ["seconds"])
    hand_scores = read_hand_scores(hand, manual, points, set(keys.values())) if hand else {}
    known_ids = _cell_ids(ROOT / "notebooks" / chapter.notebook)
    kept = _resume(journal, chapter.number)

    def one(result: Result) -> Result:
        start = time.perf_counter()
        try:
            data = result.path.read_bytes()
            result.sha256 = hashlib.sha256(data).hexdigest()
            old = kept.get((result.key, result.sha256))
            if old:
                result.__dict__.update(old, path=result.path, resumed=True)
                return result
            nb = read_submission(data, chapter)
            if isinstance(nb, str):
                result.status = nb
            else:
                result.written = written_answers(nb, manual, known_ids)
                limits = cell_limits(times, nb, time_limit)
                ran = run_submission(data.decode("utf-8"), variables, limits, sandbox)
                result.stopped = ran.get("stopped")
                if "answers" in ran:
                    result.answers = ran["answers"]
                    result.scores, result.messages = judge(chapter, ran["answers"], points)
                    if ran.get("stopped"):            # say why, not "Not answered yet"
                        for ex in chapter.exercises:
                            if ran["answers"].get(ex.variable) == {"missing": True}:
                                result.messages[ex.id] = (
                                    "Not answered when the notebook stopped: "
                                    f"{ran['stopped']}.")
                    result.status = _status(ran)
                else:
                    result.status = ran["error"]
        except Exception as exc:              # one file never ends a run
            result.status = f"grading error: {type(exc).__name__}: {str(exc)[:160]}"
        result.seconds = time.perf_counter() - start
        return result

    def row_of(result: Result) -> dict:
        return _row(result, auto, manual, points, hand_scores.get(result.key, {}).get("scores", {}))

    _grade_all(results, one, row_of, partial, journal, columns, jobs, progress)
    changed = [f for f, h in digest(guarded).items() if before.get(f) != h]
    if changed:
        raise IntegrityError("the masters, the kit or the grader changed during the run: "
                             + ", ".join(changed[:10]) + "; no table was written. Restore "
                             "them (git status) and grade again.")
    _write_table(partial, columns, [row_of(r) for r in sorted(results, key=lambda r: r.key)])
    if table.exists():                             # an earlier table is kept, never lost
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(table.stat().st_mtime))
        table.replace(table.with_name(f"grades-{chapter.number}.before-{stamp}.csv"))
    partial.replace(table)                         # whole, in order, once every row is in
    journal.replace(table.with_suffix(".jsonl"))   # the answers, for a merge without a re-run
    _write_written(out / f"written-{chapter.number}.md", master, results, manual)
    _write_feedback(out / f"feedback-{chapter.number}", results, chapter, points, hand_scores)
    return results


def merge_only(chapter, out: pathlib.Path = OUT, hand: pathlib.Path | None = None,
               progress=print) -> list[Result]:
    """Merge hand scores into the last run's rows (``grades-NN.jsonl``) without running any
    submission again: the table (the earlier one kept beside it), the written answers and
    the feedback files are written anew."""
    from course_lib import masters

    saved = out / f"grades-{chapter.number}.jsonl"
    if not saved.exists():
        raise SystemExit(f"nothing to merge into: no {saved} (grade the class once first)")
    results = []
    for line in saved.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            row = json.loads(line)
            if row.get("chapter") == chapter.number:
                r = Result(row["key"], pathlib.Path(row["key"]))
                r.__dict__.update({k: row[k] for k in _SAVED})
                results.append(r)
    master = masters.read_master(ROOT / "notebooks" / chapter.notebook)
    points = {q.name: q.config.get("points", 1) for q in master.questions}
    manual = [q.name for q in master.questions if q.manual]
    auto = [q.name for q in master.questions if not q.manual]
    hand_scores = read_hand_scores(hand, manual, points, {r.key for r in results}) if hand else {}
    columns = (["submission", "status", "score", "possible"] + auto
               + [f"{q} (written)" for q in manual] + ["seconds"])
    table = out / f"grades-{chapter.number}.csv"
    part = table.with_suffix(".csv.merging")
    _write_table(part, columns, [_row(r, auto, manual, points,
                                      hand_scores.get(r.key, {}).get("scores", {}))
                                 for r in sorted(results, key=lambda r: r.key)])
    if table.exists():
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(table.stat().st_mtime))
        table.replace(table.with_name(f"grades-{chapter.number}.before-{stamp}.csv"))
    part.replace(table)
    _write_written(out / f"written-{chapter.number}.md", master, results, manual)
    _write_feedback(out / f"feedback-{chapter.number}", results, chapter, points, hand_scores)
    progress(f"merged {len(hand_scores)} hand-scored rows into {len(results)} rows, nothing re-run")
    return results


def _cell_ids(path: pathlib.Path) -> frozenset:
    with contextlib.suppress(OSError, ValueError):
        return frozenset(c.get("id") for c in json.loads(path.read_text())["cells"] if c.get("id"))
    return frozenset()


def default_jobs() -> int:
    """One worker per core and one more: a kernel spends part of its life waiting on its
    start-up handshake and its messages (3 workers grade 2-core batches about 20 % faster
    than 2)."""
    return (os.cpu_count() or 1) + 1


def _status(ran: dict) -> str:
    notes = []
    if ran.get("interrupted"):
        notes.append(f"{ran['interrupted']} cell(s) stopped at their time limit")
    if ran.get("stopped"):
        notes.append(ran["stopped"] + "; the answers given before it count")
    return "graded" + "".join(f"; {n}" for n in notes)


_SAVED = ("key", "sha256", "status", "scores", "messages", "answers", "written", "seconds",
          "stopped")


def _resume(journal: pathlib.Path, number: str) -> dict:
    """Rows a killed run finished: (key, sha256) -> the result's fields."""
    kept = {}
    if not journal.exists():
        return kept
    for line in journal.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            saved = json.loads(line)
            if saved.get("chapter") != number or saved["status"].startswith("grading error"):
                continue
            kept[(saved["key"], saved["sha256"])] = {k: saved[k] for k in _SAVED}
        except (ValueError, KeyError, TypeError, AttributeError):
            continue                              # a line cut short by the kill
    return kept


def _grade_all(results, one, row_of, partial, journal, columns, jobs, progress) -> None:
    """Run ``one`` over the results on ``jobs`` workers, writing each row as it finishes
    (the table's row, and the whole result in the journal a later run resumes from)."""
    done = 0
    old = journal.read_text(encoding="utf-8", errors="replace") if journal.exists() else ""
    with partial.open("w", newline="") as f, journal.open("w", encoding="utf-8") as j, \
            concurrent.futures.ThreadPoolExecutor(max_workers=jobs or default_jobs()) as pool:
        j.write("".join(line + "\n" for line in old.splitlines() if line.endswith("}")))
        j.flush()
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for future in concurrent.futures.as_completed([pool.submit(one, r) for r in results]):
            result = future.result()
            done += 1
            row = row_of(result)
            writer.writerow(row)
            f.flush()
            if not getattr(result, "resumed", False):
                saved = {k: getattr(result, k, None) for k in _SAVED}
                j.write(json.dumps({**saved, "chapter": partial.name.split("-")[1][:2]}) + "\n")
                j.flush()
            progress(f"[{done}/{len(results)}] {result.key}: {row['score']:g} / "
                     f"{row['possible']:g}  ({result.status}; {result.seconds:.1f} s)"
                     + ("  [kept from the interrupted run]" if getattr(result, "resumed", False) else ""))


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


class HandScoreError(ValueError):
    """A hand-score CSV that cannot be merged; the message names the line."""


def read_hand_scores(path: pathlib.Path, manual=None, points=None, keys=None) -> dict:
    """Hand-given scores of written questions, checked before anything is graded: a CSV
    with a ``submission`` column (the row names of the grades table), a column per written
    question (``q02_8``) and optionally ``q02_8 comment``. Unknown columns, names with
    stray spaces or not in the batch, a name twice, and scores that are not numbers between
    0 and the question's points raise :class:`HandScoreError` naming the line.
    Returns ``{row name: {"scores": {q: text}, "comments": {q: text}}}``."""
    manual = list(manual or [])
    allowed = set(manual) | {f"{q} comment" for q in manual}
    out = {}
    try:
        with pathlib.Path(path).open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if not header or header[0].strip() != "submission":
                raise HandScoreError(f"{path}, line 1: the first column must be 'submission'")
            for column in header[1:]:
                if manual and column not in allowed:
                    raise HandScoreError(
                        f"{path}, line 1: unknown column {column!r}; the written questions' "
                        f"columns are {', '.join(sorted(allowed))}")
            for number, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    raise HandScoreError(f"{path}, line {number}: {len(cells)} fields, the "
                                         f"header has {len(header)}")
                key, values = cells[0], dict(zip(header[1:], cells[1:]))
                if key != key.strip():
                    raise HandScoreError(f"{path}, line {number}: the name {key!r} has stray "
                                         "spaces")
                if keys is not None and key not in keys:
                    raise HandScoreError(f"{path}, line {number}: no submission {key!r} in "
                                         "this batch (names are the table's first column)")
                if key in out:
                    raise HandScoreError(f"{path}, line {number}: {key!r} a second time")
                scores = {q: v.strip() for q, v in values.items() if not q.endswith(" comment")}
                for q, v in scores.items():
                    if v == "":
                        continue
                    try:
                        value = float(v)
                    except ValueError:
                        value = float("nan")
                    most = (points or {}).get(q, float("inf"))
                    if not 0 <= value <= most:
                        raise HandScoreError(f"{path}, line {number}: {q} is {v!r}; a score "
                                             f"from 0 to {most:g} is expected")
                out[key] = {"scores": scores,
                            "comments": {q[:-len(" comment")]: v for q, v in values.items()
                                         if q.endswith(" comment")}}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise HandScoreError(f"{path}: cannot be read ({exc})") from None
    return out


def _fenced(text: str) -> str:
    """Text shown as it was typed: inside a fence longer than any run of backticks in it,
    so no heading, link or HTML in it is read as the document's own."""
    longest = max((len(m) for m in re.findall(r"`+|~+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _plain_name(key: str) -> str:
    """A row name as one line of text a viewer shows, never runs."""
    import html
    return html.escape(re.sub(r"[\x00-\x1f\x7f]", "?", key)).replace("`", "&#96;")


def _write_written(path: pathlib.Path, master, results, manual) -> None:
    prompts = {q.name: "\n\n".join(c.source for c in q.prompts if c.cell_type == "markdown")
               for q in master.questions if q.manual}
    lines = [f"# Written answers, chapter {path.stem.split('-')[1]}", ""]
    for q in manual:
        lines += [f"## {q}", "", prompts.get(q, ""), ""]
        for r in sorted(results, key=lambda r: r.key):
            text = r.written.get(q, "").strip()
            blank = not text or text == RESPONSE
            lines += [f"### {_plain_name(r.key)}", "", "_(no answer)_" if blank else _fenced(text), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def feedback_name(key: str) -> str:
    """The file of a submission's feedback in ``feedback-NN/``, from its row's key (its
    path below the submissions' common folder): ``ann/00_x.ipynb`` -> ``ann__00_x.ipynb.md``."""
    return re.sub(r"[^\w.-]+", "__", key) + ".md"


def _write_feedback(folder: pathlib.Path, results, chapter=None, points=None,
                    hand=None) -> None:
    """One file per student of this run (files of earlier runs are removed): the status,
    each exercise's score and feedback, the written questions' hand scores and comments."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.md"):
        old.unlink()
    points, hand = points or {}, hand or {}
    for r in results:
        name = feedback_name(r.key)
        lines = [f"# Feedback: {_plain_name(r.key)}", ""]
        if not r.status.startswith("graded"):
            lines += [f"Not graded: {r.status}.", ""]
        elif r.status != "graded":
            lines += [f"Note: {r.status[len('graded; '):]}.", ""]
        for exercise_id, message in r.messages.items():
            q = "q" + exercise_id.replace(".", "_")
            score = f" ({r.scores.get(q, 0):g} / {points.get(q, 1):g})" if q in r.scores else ""
            lines.append(f"- **{exercise_id}**{score}: {message}")
        merged = hand.get(r.key, {})
        for q, value in merged.get("scores", {}).items():
            comment = merged.get("comments", {}).get(q, "").strip()
            lines.append(f"- **{q} (written)**: {value or 'not scored yet'}"
                         f" / {points.get(q, 1):g}" + (f": {comment}" if comment else ""))
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
    parser.add_argument("chapter", nargs="?", help="chapter number, e.g. 04")
    parser.add_argument("submissions", nargs="*", type=pathlib.Path)
    parser.add_argument("--jobs", type=int, default=None, help="workers (default: one per core, plus one)")
    parser.add_argument("--time-limit", type=float, default=300,
                        help="most seconds for any cell (each cell's own limit is 10x the "
                             "master's time for it plus 5 s)")
    parser.add_argument("--hand", type=pathlib.Path, help="CSV of hand-given written scores")
    parser.add_argument("--merge-only", action="store_true",
                        help="merge --hand into the last run's rows without grading again")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade without the sandbox (trusted submissions only; loud)")
    args = parser.parse_args(argv)
    chapter = chapter_argument(args.chapter or "")
    if args.merge_only:
        try:
            merge_only(chapter, hand=args.hand)
        except HandScoreError as exc:
            raise SystemExit(f"nothing merged: {exc}") from None
        return 0
    if not args.submissions:
        raise SystemExit("no submissions given: SUBMISSIONS=\"submissions/*/*.ipynb\"")
    missing = [str(p) for p in args.submissions if not p.is_file()]
    if missing:
        raise SystemExit(f"no submission at {', '.join(missing)}")
    start = time.perf_counter()
    try:
        results = grade_class(chapter, args.submissions, args.jobs, args.time_limit,
                              hand=args.hand, sandbox=not args.no_sandbox)
    except IntegrityError as exc:
        raise SystemExit(f"GRADING FAILED: {exc}") from None
    except HandScoreError as exc:
        raise SystemExit(f"nothing graded: the hand scores cannot be merged: {exc}") from None
    print(f"{len(results)} submissions in {time.perf_counter() - start:.0f} s -> "
          f"{OUT / f'grades-{chapter.number}.csv'}, written-{chapter.number}.md, "
          f"feedback-{chapter.number}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
