"""Build the student, solutions and autograder editions of the chapters; run otter's autograder.

    python -m tools.editions build [notebooks/00_*.ipynb ...]    # default: every chapter
    python -m tools.editions student                              # student edition (make lab)
    python -m tools.editions refresh [notebooks/00_*.ipynb ...]  # re-run masters, save outputs
    python -m tools.editions grade CHAPTER SUBMISSION.ipynb ...   # the older spelling of
                                                                  # make grade (tools.grading)

The master notebooks in ``notebooks/`` are written in otter-grader's ``otter assign`` format
(questions, folded solutions, public and hidden tests in one notebook). The student edition
comes from :func:`student_edition`, which reads the master with ``course_lib.masters`` and
writes what ``otter assign`` writes, without otter and without running anything: ``student``
(what ``make lab`` runs) needs only the kit's base install. ``build`` also executes each
master in a fresh kernel and runs ``otter assign`` on it (which checks the solutions against
all tests), and writes:

    editions/student/NN_name_student.ipynb      no solutions, no hidden tests, no outputs
    editions/solutions/NN_name_solutions.ipynb  solutions unfolded (otter assign)
    editions/autograder/NN_name-autograder.zip  public and hidden tests and the kit's wheel,
                                                for Gradescope or ``otter run``
    editions/wheel/course_lib-V-py3-none-any.whl the kit, as students install it

A student's copy in ``editions/student/`` that holds answers is never overwritten, by
``student`` or ``build``: the new edition is merged into it by question name
(:func:`merge_student_edition`), the old file kept in ``editions/student/backups/``.

Two graders, two names: ``make grade`` (and this command line's ``grade``, its older
spelling) is :mod:`tools.grading` (each submission run alone, judged by the masters);
:func:`otter_grade` runs the otter autograder zip on submissions, as Gradescope would
(:func:`grade` is its older name).
``refresh`` stores the masters with the lesson's outputs (nbval compares them) and without
the outputs of exercise cells and explorers (no answer, no "Correct", no raw widget text
before the student runs anything).
``build``, ``refresh`` and :func:`otter_grade` need the ``instructor`` extra (otter-grader).
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field

import nbformat

from course_lib import masters
from course_lib.chapters import CHAPTERS
from tools.answer_cells import ANSWER_TAG, RESPONSE

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
    """Run a notebook top to bottom in a fresh kernel; return the executed notebook (a
    master's execution is shared through :mod:`tools.executed`'s cache)."""
    from tools.executed import executed         # nbclient: not needed by `make lab`

    return executed(path, cwd, timeout)


def _clean(nb, unfold: bool):
    """Drop volatile metadata and widget state; unfold solution cells if asked."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if unfold:
            cell.metadata.pop("jupyter", None)        # source_hidden, outputs_hidden
    return nb


def _strip_answers_and_widgets(nb):
    """Clear the outputs of exercise cells, and the widgets of cells that show one (their
    note saying to run the cell again stays: it is what a reopened notebook shows)."""
    inside = {i for q in masters.parse_master(nb).questions for i in range(q.start, q.stop)}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if i in inside:
            cell.outputs, cell.execution_count = [], None
        elif any(WIDGET_VIEW in o.get("data", {}) for o in cell.outputs):
            # the count stays: nbval refuses stored outputs on a cell marked as never run
            cell.outputs = [o for o in cell.outputs if WIDGET_VIEW not in o.get("data", {})]
    return nb


# How otter assign (otter.assign.solutions, Python) turns a solution cell's lines into the
# prompt: `var = expr  # SOLUTION` -> `var = ...`, another line with `# SOLUTION` -> `...`,
# `# BEGIN SOLUTION` ... `# END SOLUTION` -> `...` (nothing with NO PROMPT); lines ending in
# the suffixes below are dropped.
_SOLUTION_ASSIGNMENT = re.compile(
    r"(\s*(?:[\w.]+(?=[^\w.])(?:\[['\"]?.*['\"]?\])*(?:,\s*)?)+\s*=).* ?# ?SOLUTION")
_SOLUTION_LINE = re.compile(r"(\s*).* ?# ?SOLUTION")
_BEGIN_SOLUTION = re.compile(r"(\s*)# BEGIN SOLUTION( NO PROMPT)?")
_DROPPED_LINES = ("# SOLUTION NO PROMPT", "# BEGIN PROMPT", "# END PROMPT", "# SEED")
RECORD = "student_edition"       # notebook metadata: what the edition wrote


def _fingerprint(source: str) -> str:
    """A short digest of a cell's text: tells a cell the student changed from the one
    written, without storing the text twice."""
    return hashlib.sha256(source.encode()).hexdigest()[:12]


# otter's solution markers, as the solutions edition drops them: "  # SOLUTION",
# "# SOLUTION NO PROMPT", "# BEGIN SOLUTION" and "# END SOLUTION" (with NO PROMPT)
_SOLUTION_MARK = re.compile(r"[ \t]*#[ \t]*(?:SOLUTION(?: NO PROMPT)?|(?:BEGIN|END) SOLUTION.*)[ \t]*$",
                            re.MULTILINE)


def solution_source(source: str) -> str:
    """A solution cell's code without otter's markers: the worked solution as a reader of
    the solutions (the instructor's site) sees it.

    >>> solution_source("x = f(1)  # SOLUTION\\n# BEGIN SOLUTION\\ny = 2\\n# END SOLUTION")
    'x = f(1)\\n\\ny = 2\\n'
    """
    return _SOLUTION_MARK.sub("", source)


def prompt_source(source: str) -> str:
    """A solution cell's code as the student edition shows it (otter assign's rules)."""
    lines, inside = [], False
    for line in re.split("\r?\n", source):
        end = line.rstrip()
        if end.endswith(_DROPPED_LINES) or (inside and not end.endswith("# END SOLUTION")):
            continue
        if end.endswith("# END SOLUTION"):
            inside = False
            continue
        if begin := _BEGIN_SOLUTION.match(line):
            inside = True
            if begin[2]:
                continue
            line = begin[1] + "..."
        if match := _SOLUTION_ASSIGNMENT.match(line):
            line = match[1] + " ..."
        elif match := _SOLUTION_LINE.match(line):
            line = match[1] + "..."
        lines.append(line)
    return "\n".join(lines)


def student_edition(master: pathlib.Path):
    """The student edition of a master, as ``otter assign`` writes it (then cleaned as
    :func:`build_one` cleans it), built from :mod:`course_lib.masters` without otter and
    without running anything.

    Dropped: the ASSIGNMENT CONFIG cell, the raw markers, the tests (public and hidden) and
    markdown solutions; solution code cells show their prompt (:func:`prompt_source`) and are
    tagged ``otter_answer_cell``; a question's own text is locked; a written question
    (``manual``) without a prompt gets otter's response cell and ``<!-- BEGIN/END QUESTION
    -->`` comments; the last cell of a tested question names its tests (``otter run`` checks
    them there); every output is cleared. The notebook keeps otter's ``assignment_name``
    (``otter run`` checks it) but not otter's copy of the public tests, which only otter's
    client reads and which would need the master executed. Settings with which otter would
    add cells that call otter (``init_cell``, ``check_cell``...) are refused.

    The notebook's metadata also records, under ``student_edition``, each cell's id with
    its question's name (or none) and a fingerprint of the text written: what lets
    :func:`merge_student_edition` tell a student's answers and own cells from the edition's
    text when a newer master arrives (cell metadata stays otter's, cell for cell).
    """
    parsed = masters.read_master(master)
    config = parsed.assignment_config
    otter_cells = [k for k in ("init_cell", "check_all_cell", "export_cell")
                   if config.get(k) is not False]
    otter_cells += [f"check_cell of {q.name}" for q in parsed.questions
                    if (q.public_tests or q.hidden_tests) and q.config.get("check_cell") is not False]
    if otter_cells:
        raise masters.MasterError(
            f"{master.name}: otter assign would add cells that import otter, which students "
            f"do not install: set {', '.join(otter_cells)} to false")
    question_at = {i: q for q in parsed.questions for i in range(q.start, q.stop)}
    solutions = {id(c) for q in parsed.questions for c in q.solutions}
    tests = {id(c) for q in parsed.questions for c in q.public_tests + q.hidden_tests}
    cells, dropped, begin, end = [], set(), False, False
    owner = {}                                  # id(cell) -> its question's name
    for i, cell in enumerate(parsed.cells):
        q = question_at.get(i)
        if i == parsed.config_cell:
            continue
        if q is not None and cell.cell_type == "raw":         # the block's markers
            marker = cell.source.strip()
            if i == q.start:
                begin = q.manual or q.config.get("export") is True
                has_prompt, in_prompt, md_solution, solution_at = False, False, False, None
            elif marker.startswith("# BEGIN PROMPT"):
                has_prompt = in_prompt = True
            elif marker.startswith("# END PROMPT"):
                in_prompt = False
            elif marker.startswith("# BEGIN SOLUTION") and not has_prompt:
                solution_at = len(cells)
            elif marker.startswith("# END SOLUTION") and not has_prompt and md_solution and q.manual:
                cells.insert(solution_at, response := nbformat.v4.new_markdown_cell(
                    RESPONSE, metadata={"tags": [ANSWER_TAG]}, id=f"{q.name}-response"))
                owner[id(response)] = q.name
                has_prompt = True
            elif i == q.stop - 1:                              # END QUESTION
                end = q.manual or q.config.get("export") is True
                if q.public_tests or q.hidden_tests:
                    cells[-1].metadata.setdefault("otter", {})["tests"] = [q.name]
            continue
        if id(cell) in tests:
            continue
        solution, cell = id(cell) in solutions, nbformat.from_dict(cell)  # a copy: cached
        question_text = False
        if solution:
            cell.metadata["tags"] = cell.metadata.get("tags", []) + [ANSWER_TAG]
            if cell.cell_type == "code":
                cell.source = prompt_source(cell.source)
            elif cell.cell_type == "markdown":
                md_solution = True
                dropped.add(id(cell))
        elif q is not None and in_prompt:
            cell.metadata["tags"] = cell.metadata.get("tags", []) + [ANSWER_TAG]
        elif q is not None:
            question_text = True
        if begin or end:
            tagged = cell if cell.cell_type == "markdown" else nbformat.v4.new_markdown_cell(
                id=f"{cell.get('id', i)}-marker"[-64:])
            for flag, word in ((begin, "BEGIN"), (end, "END")):
                if flag:
                    tagged.source = f"<!-- {word} QUESTION -->\n\n" + tagged.source
            tagged.metadata.update(editable=False, deletable=False)
            if tagged is not cell:
                cells.append(tagged)
                owner[id(tagged)] = q and q.name
            begin = end = False
        if question_text:
            cell.metadata.update(editable=False, deletable=False)
        cells.append(cell)
        owner[id(cell)] = q and q.name
    if end:
        cells.append(nbformat.v4.new_markdown_cell(
            "<!-- END QUESTION -->\n\n", metadata={"editable": False, "deletable": False},
            id="end-question"))
    nb = nbformat.read(master, as_version=4)             # metadata and format version
    nb.cells = [c for c in cells if id(c) not in dropped]
    for cell in nb.cells:
        cell.source = "\n".join(re.split("\r?\n", cell.source))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if "name" in config:
        nb.metadata["otter"] = {"assignment_name": str(config["name"])}
    nb.metadata[RECORD] = {"cells": {c.id: [owner.get(id(c)), _fingerprint(c.source)]
                                     for c in nb.cells if "id" in c}}
    return _clean(nb, unfold=True)


def write_student(master: pathlib.Path, out: pathlib.Path = OUT) -> pathlib.Path:
    """Write the student edition of a master under ``out``, keeping a student's answers
    (:func:`update_student`); returns its path."""
    return update_student(master, out)[0]


@dataclass
class MergeReport:
    """What :func:`merge_student_edition` carried from a student's copy into a new edition:
    ``answers`` names the question of each answer cell carried (one entry per cell),
    ``own`` counts the student's other cells kept (cells added, lesson cells changed), and
    ``removed`` the questions the new edition no longer asks, whose answers are at its end."""

    answers: list[str] = field(default_factory=list)
    own: int = 0
    removed: list[str] = field(default_factory=list)

    @property
    def kept(self) -> int:
        return len(self.answers) + self.own

    def __str__(self) -> str:
        if not self.kept:
            return "no answers to keep"
        text = f"kept your {self.kept} answer{'s' * (self.kept != 1)}"
        if self.removed:
            text += f" (those to {', '.join(self.removed)}, no longer asked, at the end)"
        return text


def merge_student_edition(old, new):
    """A new student edition (``new``, from :func:`student_edition`) with a student's work
    carried over from their copy of an older one (``old``); returns ``(merged,
    MergeReport)``. Neither argument is changed.

    A newer master must reach students without costing them their answers. The lesson text
    is the new edition's. Each answer cell (tagged ``otter_answer_cell``) that the student
    changed replaces the new edition's cell of the same question: the same cell id, else
    the same assigned variable (``send_time = ...``), else the same place among the
    question's answer cells; written answers alike. Cells the student added stay where they
    were: after the same cell, inside the same question. A lesson cell the student changed
    replaces the new one if the master left that cell as it was, and is kept below it if
    not. Answers to a question the new edition no longer asks go to the end, under a note.

    What the student changed is read from the edition's record (see :func:`student_edition`).
    A copy written before that record existed is read from what it shows: otter's test
    names, the cell ids it shares with the new edition, answer tags and locked cells; there
    an answer is any text other than the new edition's placeholder, a lesson cell counts as
    changed only where the new one is a placeholder too (``guess = ...``), and a cell of
    no known kind is the student's. When in doubt a cell is kept, never dropped.
    """
    merged = copy.deepcopy(new)
    known = dict(zip((c.get("id") for c in merged.cells), _owners(merged, {})))
    blocks, by_id = defaultdict(list), {c.get("id"): c for c in merged.cells}
    for cell in merged.cells:
        if known[cell.get("id")][0] is not None:
            blocks[known[cell.get("id")][0]].append(cell)
    record = old.metadata.get(RECORD, {}).get("cells")
    report, after, ended = MergeReport(), defaultdict(list), defaultdict(list)
    slots, taken, anchor = defaultdict(int), set(), ""
    for cell, (q, ours) in zip(old.cells, _owners(old, {k: v[0] for k, v in known.items()})):
        cid = cell.get("id")
        written = (record or {}).get(cid, [None, None])[1]
        target = by_id.get(cid) if ours else None
        if ours and ANSWER_TAG in cell.metadata.get("tags", []):
            target = _answer_slot(cell, blocks.get(q, []), slots[q], taken)
            slots[q] += 1
            if target is not None:
                taken.add(id(target))
            changed = (_fingerprint(cell.source) != written if record is not None else
                       cell.source.strip() not in (RESPONSE, target and target.source.strip()))
            if changed:
                report.answers.append(q)
                if target is not None:
                    target.source, anchor = cell.source, target.get("id")
                    continue
        elif ours:
            changed = (_fingerprint(cell.source) != written if record is not None else
                       target is not None and target.cell_type == "code"
                       and "= ..." in target.source and cell.source != target.source)
            if changed:
                report.own += 1
                if target is not None and written in (None, _fingerprint(target.source)):
                    target.source, anchor = cell.source, cid  # the master left it as it was
                    continue
        else:
            changed, report.own = True, report.own + 1
        if target is not None:
            anchor = target.get("id")
        if not changed:
            continue
        kept = copy.deepcopy(cell)
        if q is not None and q not in blocks:
            ended[q].append(kept)
        elif q is not None and known.get(anchor, (None,))[0] != q:
            after[blocks[q][-1].get("id")].append(kept)    # the question's end
        else:
            after[anchor].append(kept)
    cells = after[""] + [c for cell in merged.cells for c in [cell, *after[cell.get("id")]]]
    for q, kept in ended.items():
        report.removed.append(q)
        cells.append(nbformat.v4.new_markdown_cell(
            f"**Your answer to {q}, a question this chapter no longer asks** (kept from your "
            "earlier copy of this notebook; it is not graded)."))
        for cell in kept:
            cell.metadata.pop("otter", None)
            cell.metadata.pop("editable", None)
            cell.metadata.pop("deletable", None)
            cell.metadata["tags"] = [t for t in cell.metadata.get("tags", [])
                                     if t != ANSWER_TAG]
        cells += kept
    seen = set()
    for cell in cells:                  # a kept copy of a cell the new edition also has
        if cell.get("id") in seen:
            cell.id = uuid.uuid4().hex[:8]
        seen.add(cell.get("id"))
    merged.cells = cells
    return merged, report


def _owners(nb, known: dict) -> list[tuple[str | None, bool]]:
    """For each cell of a student edition: its question's name (or None), and whether the
    edition wrote it (else the student added it, in the section of the cell above it).
    Read from the edition's record; for a copy written before the record existed, from its
    otter test names, the ids it shares with ``known`` (cell id -> question of a newer
    edition), answer tags and locked cells."""
    record = nb.metadata.get(RECORD, {}).get("cells")
    found, current = [], None
    for cell in nb.cells:
        cid, meta = cell.get("id"), cell.metadata
        if record is not None:
            ours = cid in record
            q = record[cid][0] if ours else current
        else:
            tests = meta.get("otter", {}).get("tests")
            tagged = ANSWER_TAG in meta.get("tags", [])
            ours = bool(tests) or tagged or cid in known or meta.get("editable") is False
            q = (tests[0] if tests else known[cid] if cid in known
                 else current if tagged or not ours else None)
        current = q if ours else current
        found.append((q, ours))
    return found


def _answer_slot(cell, candidates: list, slot: int, taken: set):
    """The new edition's answer cell for an old one of the same question: the same id, else
    the same first assigned variable, else the same place among the answer cells."""
    answers = [c for c in candidates if ANSWER_TAG in c.metadata.get("tags", [])
               and c.cell_type == cell.cell_type and id(c) not in taken]
    variable = _first_assigned(cell.source)
    for test in (lambda c: c.get("id") == cell.get("id"),
                 lambda c: variable is not None and _first_assigned(c.source) == variable):
        for c in answers:
            if test(c):
                return c
    every = [c for c in candidates if ANSWER_TAG in c.metadata.get("tags", [])]
    return every[slot] if slot < len(every) and id(every[slot]) not in taken \
        and every[slot].cell_type == cell.cell_type else None


def _first_assigned(source: str) -> str | None:
    match = re.search(r"^([\w.]+)\s*=(?!=)", source, re.M)
    return match and match[1]


def update_student(master: pathlib.Path, out: pathlib.Path = OUT,
                   edition=None) -> tuple[pathlib.Path, str]:
    """Write the student edition of ``master`` (``edition``, built if not given) under
    ``out`` without losing a student's work; returns its path and what was done, as
    ``make lab`` prints it: "new", "unchanged", or what :func:`merge_student_edition` kept.

    A copy the edition's record says is current is left alone (as is one without a record
    saved after the master changed, as before the record existed). Otherwise the new edition
    is merged into it, and the old file is first copied to ``backups/`` beside it, under a
    new name each time. Only a copy known to hold nothing of the student's goes without a
    backup. A copy that cannot be read is left as it is."""
    new = student_edition(master) if edition is None else edition
    target = edition_path(master, "student", out)
    return target, merge_into(target, new, master.stat().st_mtime)


def merge_into(target: pathlib.Path, new, master_mtime: float) -> str:
    """:func:`update_student`'s work on one file, given the new edition and the time its
    master was saved (what a process that cannot read the masters needs: a hub merges as
    the student); returns what was done."""
    if not target.exists():
        write_whole(new, target)
        return "new"
    try:
        old = nbformat.read(target, as_version=4)
    except Exception as error:          # a broken file is still the student's
        return (f"left as it is: it cannot be read ({type(error).__name__}); rename it to get "
                "the new edition")
    record = old.metadata.get(RECORD)
    if record == new.metadata[RECORD] or (
            record is None and target.stat().st_mtime >= master_mtime):
        return "unchanged"
    merged, report = merge_student_edition(old, new)
    said = f"{report}, new lesson text merged"
    if report.kept or record is None:
        said += f", backup at {_shown(backup(target))}"
    write_whole(merged, target)
    return said


def backup(path: pathlib.Path) -> pathlib.Path:
    """Copy a student's notebook to ``backups/NAME.<date-time>.ipynb`` beside it, never over
    an earlier backup; returns the copy's path."""
    folder = path.parent / "backups"
    folder.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        copy_path = folder / f"{path.stem}.{stamp}{f'-{n}' * (n > 1)}.ipynb"
        try:
            with copy_path.open("xb") as f:          # fails rather than overwrite
                f.write(path.read_bytes())
            return copy_path
        except FileExistsError:
            continue
    raise SystemExit(f"too many backups of {path.name} in {folder}")


def write_whole(nb, target: pathlib.Path) -> None:
    """Write a notebook whole or not at all (a crash midway leaves the old file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    nbformat.write(nb, part)
    os.replace(part, target)


def build_one(master: pathlib.Path, out: pathlib.Path = OUT,
              work: pathlib.Path | None = None) -> dict[str, pathlib.Path]:
    """Build the three editions of one master under ``out``; returns their paths
    (:func:`build` for one)."""
    return build([master], out, work and {master: work})[master]


# otter assign for several masters in one process: importing otter is most of its time
# (1.7 of 2.3 s of CPU a chapter)
_ASSIGN = """import json, sys
from otter.assign import main
for master, result in json.loads(sys.argv[1]):
    main(master, result, no_pdfs=True, no_run_tests=True)
"""


def build(masters: list[pathlib.Path], out: pathlib.Path = OUT,
          works: dict | None = None) -> dict[pathlib.Path, dict[str, pathlib.Path]]:
    """Build the three editions of each master under ``out``; returns their paths by master.

    The student edition is :func:`student_edition`'s, as ``make lab`` serves it (merged
    into a copy there that holds a student's answers: :func:`update_student`); ``otter
    assign`` makes the solutions and the autograder in a work folder (temporary unless
    ``works`` names one for the master; its own student edition,
    ``work/dist/student/NN_name.ipynb``, is what the tests compare :func:`student_edition`
    with), once for all the masters. A master that :func:`student_edition` refuses (no
    ``# ASSIGNMENT CONFIG`` cell: otter would give its student edition an ``import otter``
    cell that students cannot run) stops here, before anything runs; so does a master with
    a cell that fails (it is run top to bottom first)."""
    students = {master: student_edition(master) for master in masters}
    with tempfile.TemporaryDirectory(prefix="editions-") as tmp:
        works = works or {}
        work = {m: pathlib.Path(works.get(m) or pathlib.Path(tmp) / m.stem) for m in masters}
        for master in masters:
            work[master].mkdir(parents=True, exist_ok=True)
            nbformat.write(execute(master), work[master] / master.name)
        # --no-run-tests: otter would execute each master again to check that its solutions
        # pass; the tests grade the solutions edition with the autograder instead
        run_checked([sys.executable, "-c", _ASSIGN, json.dumps(
            [[str(work[m] / m.name), str(work[m] / "dist")] for m in masters])], cwd=NOTEBOOKS,
            what="otter assign " + " ".join(m.name for m in masters))
        return {master: _editions(master, students[master], work[master], out)
                for master in masters}


def _editions(master: pathlib.Path, student, work: pathlib.Path,
              out: pathlib.Path) -> dict[str, pathlib.Path]:
    """The three editions of a master, from otter assign's output in ``work/dist``."""
    made = {"student": update_student(master, out, student)[0]}   # keeps answers
    _warn_if_answered(made["student"], student)
    target = made["solutions"] = edition_path(master, "solutions", out)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(_clean(nbformat.read(work / "dist" / "autograder" / master.name,
                                        as_version=4), unfold=True), target)
    (zip_path,) = (work / "dist" / "autograder").glob("*.zip")
    target = out / "autograder" / f"{master.stem}-autograder.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    with_wheel(zip_path, kit_wheel(out / "wheel"), target)
    made["autograder"] = target
    return made


def _warn_if_answered(path: pathlib.Path, blank) -> None:
    """Say so when the student edition ``build`` leaves holds someone's answers (kept, not
    overwritten): copies handed out from that folder would carry them."""
    try:
        held = merge_student_edition(nbformat.read(path, as_version=4), blank)[1].kept
    except Exception:                   # unreadable: update_student left it, and said so
        held = 1
    if held:
        print(f"warning: {_shown(path)} holds work of its own (kept): to hand out blank "
              "copies, build with EDITIONS=<another folder>", file=sys.stderr)


def uv() -> str | None:
    """The uv installed beside this Python (the kit's test extra has it), or None: where it
    is, installs and builds use it (the same requirements, seconds instead of a minute)."""
    return shutil.which("uv", path=str(pathlib.Path(sys.executable).parent))


def kit_wheel(folder: pathlib.Path) -> pathlib.Path:
    """The kit's wheel (built once per version into ``folder``): what students install, and
    what the autograder installs beside otter-grader."""
    from importlib.metadata import version

    name = f"course_lib-{version('course-lib')}-py3-none-any.whl"
    if not (folder / name).is_file():
        folder.mkdir(parents=True, exist_ok=True)
        # uv builds the same wheel with the same backend in half the time; pip otherwise
        command = ([uv(), "build", "--quiet", "--wheel", "--out-dir", str(folder), str(ROOT)]
                   if uv() else [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                               "-w", str(folder), str(ROOT)])
        run_checked(command, cwd=ROOT, what="building the kit's wheel")
    return folder / name


def with_wheel(autograder: pathlib.Path, wheel: pathlib.Path, target: pathlib.Path) -> None:
    """Copy otter's autograder zip to ``target`` with the kit's wheel in its ``files/`` and
    in its environment's pip requirements: where instructors grade (Gradescope, otter's
    containers), the hidden tests' ``course_lib`` then exists. Gradescope unpacks the zip
    into ``/autograder/source``, where the requirement points. Its ``setup.sh`` ends by
    removing :data:`UNNEEDED` from that environment."""
    import yaml                                   # comes with otter-grader

    with zipfile.ZipFile(autograder) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        env = yaml.safe_load(src.read("environment.yml"))
        pip = next(d for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
        pip["pip"].append(f"{ZIP_SOURCE}/files/{wheel.name}")
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "environment.yml":
                data = yaml.safe_dump(env, sort_keys=False).encode()
            elif item.filename == "setup.sh":
                data += f"\nmamba run -n {env['name']} pip uninstall --yes {UNNEEDED}\n".encode()
            dst.writestr(item, data)
        dst.write(wheel, f"files/{wheel.name}")


ZIP_SOURCE = "/autograder/source"        # where Gradescope unpacks an autograder zip
# jsonschema's optional rfc3987-syntax (Jupyter's event schemas ask for it) builds a grammar
# at every import: about 10 s of each submission otter grades, 1-3 s of every Jupyter start.
# Nothing the kit runs validates IRIs: removed from the kit's .venv (Makefile), the hub's
# environment and image, and the autograder zip's environment (its setup.sh).
UNNEEDED = "rfc3987-syntax"


def run_checked(command: list, cwd: pathlib.Path | None = None, what: str | None = None,
                error: type[BaseException] = SystemExit):
    """Run a command (paths allowed); on failure, raise ``error`` (stop, for a command
    line; a ``RuntimeError`` where a server calls it) with the command's own error output."""
    command = [str(c) for c in command]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        tail = (done.stderr or done.stdout).strip().splitlines()[-25:]
        raise error(f"{what or ' '.join(command[:3])} failed:\n" + "\n".join(tail))
    return done


def submission_name(path: pathlib.Path) -> str:
    """A grade row's name: the submission's folder and file (``alice/01_fp4.ipynb``)."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def otter_grade(autograder: pathlib.Path, submissions: list[pathlib.Path],
                python: str = sys.executable) -> list[dict]:
    """Score each submission with otter's autograder zip (``otter run``, with ``python``:
    this environment's, or one built from the zip's own requirements), as Gradescope would;
    returns one row per submission. A class is graded with :mod:`tools.grading`."""
    autograder = pathlib.Path(autograder).resolve()
    rows = []
    for sub in map(lambda p: pathlib.Path(p).resolve(), submissions):
        if not sub.is_file():
            raise SystemExit(f"no submission at {sub}")
        with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
            run_checked([python, "-m", "otter", "run", "--no-logo", "-a", autograder,
                         "-o", tmp, sub], cwd=sub.parent, what=f"grading {sub}")
            results = json.loads((pathlib.Path(tmp) / "results.json").read_text())
        scores = {t["name"]: t["score"] for t in results["tests"] if "score" in t}
        possible = {t["name"]: t["max_score"] for t in results["tests"] if "max_score" in t}
        rows.append({"submission": submission_name(sub), "score": sum(scores.values()),
                     "possible": sum(possible.values()), **scores})
    return rows


def grade(autograder: pathlib.Path, submissions: list[pathlib.Path],
          python: str = sys.executable) -> list[dict]:
    """The older name of :func:`otter_grade` (``make grade`` is :mod:`tools.grading`)."""
    return otter_grade(autograder, submissions, python)


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
    g = sub.add_parser("grade", help="grade submissions of one chapter (the older spelling "
                                     "of make grade: python -m tools.grading)")
    g.add_argument("chapter", help="chapter number, e.g. 00")
    g.add_argument("submissions", nargs="+", type=pathlib.Path)
    r = sub.add_parser("refresh", help="re-execute masters in place (nbval compares outputs)")
    r.add_argument("notebooks", nargs="*")
    sub.add_parser("student", help="write or update the student edition of each master, "
                                   "keeping a student's answers (what make lab serves; no "
                                   "otter, nothing executed)")
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
            target, said = update_student(master)
            print(f"{master.stem}: {said}" + (f" -> {_shown(target)}" * (said == "new")))
        return 0

    if args.command == "build":
        start = time.perf_counter()
        for master, made in build(chapters(args.notebooks)).items():
            print(f"{master.stem} -> " + ", ".join(_shown(p) for p in made.values()))
        print(f"built in {time.perf_counter() - start:.1f} s")
        return 0
    from tools import grading            # `grade` is the older spelling of `make grade`
    return grading.main([args.chapter, *map(str, args.submissions)])


if __name__ == "__main__":
    sys.exit(main())
