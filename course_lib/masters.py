"""The master notebooks, read in one place.

Feedback, the editions tool, grading and the tests all ask the masters the same questions
(which exercises there are, their solutions, their public and hidden tests, their answer
key); reading the otter-grader format once, here, keeps their answers from drifting apart.

A master, ``notebooks/NN_slug.ipynb``, is written in the format of ``otter assign``: a raw
``# ASSIGNMENT CONFIG`` cell, then lesson cells and question blocks::

    raw   # BEGIN QUESTION             name: q01_1, points: 1, ... (one per line)
    md    the prompt
    raw   # BEGIN SOLUTION
    code  the worked solution (the lines ending in # SOLUTION)
    raw   # END SOLUTION
    raw   # BEGIN TESTS
    code  feedback("01.1", llama8_fp8, quiet=True).passed               (public test)
    code  # HIDDEN                                                       (hidden test)
          # mistake: <the wrong computation> -> <what the student likely did>
          # rounded: <the computation with numbers rounded as the lesson prints them>
          import course_lib.exercises as _grading
          _grading.verdict("01.1", llama8_fp8, "<the expected value>")
    raw   # END TESTS
    raw   # END QUESTION

The hidden ``verdict`` calls are the answer key, and the ``# mistake:`` lines beside them
the likely slips, each declared as the wrong computation itself (evaluated with the current
data, so a hint follows the tables when they change); ``# rounded:`` lines are answers
computed from numbers as the lesson prints them, which must pass. Nothing else in the kit
holds the answers: a student's edition has none of these cells. The expected value is a
string evaluated in the kit's own namespace, so a student's variable named like a library
function (``energy = ...``) cannot change the grade.

A master on disk is read as JSON into dict nodes with attribute access (the shape of
nbformat's v4 nodes), cached per file on its path and modification time: ``feedback`` runs
in every chapter, and importing nbformat would cost it about 150 ms, ten times the parse.
The parser takes nbformat's own nodes as well (:func:`parse_master`, used by the editions
tool on executed notebooks), and the tests validate every master against nbformat's schema.
"""
from __future__ import annotations

import ast
import functools
import json
import os
import pathlib
import re
from dataclasses import dataclass, field

__all__ = ["Master", "Question", "Verdict", "MasterError", "masters_folder", "master_paths",
           "read_master", "parse_master", "answer_key", "expected_expression",
           "mistake_expressions", "ClaimVerdict", "claim_verdicts"]

MASTER_GLOB = "[0-9][0-9]_*.ipynb"


class MasterError(ValueError):
    """A master notebook the tools cannot use as it is (the message says why and where)."""


@dataclass(frozen=True)
class Verdict:
    """One hidden test's ``verdict(exercise_id, answer_variable, expected)`` call: what the
    grade and the feedback compare the answer with. ``expected`` is the expression's source,
    evaluated with the library by :func:`course_lib.exercises.expected_answer`;
    ``mistakes`` the ``(expression, hint)`` pairs of the cell's ``# mistake:`` lines and
    ``rounded`` the expressions of its ``# rounded:`` lines."""

    exercise_id: str
    answer_variable: str
    expected: str
    mistakes: tuple[tuple[str, str], ...] = ()
    rounded: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """One ``# BEGIN QUESTION`` ... ``# END QUESTION`` block of a master.

    ``config`` holds the lines of the BEGIN QUESTION cell (``name``, ``points``,
    ``manual``...); ``start`` and ``stop`` index the block's cells in the notebook (its BEGIN
    cell, and one past its END cell). ``prompts`` are the cells outside any solution or test
    section, ``solutions`` the cells of the solution sections, ``public_tests`` and
    ``hidden_tests`` the code cells of the test sections (hidden ones start with
    ``# HIDDEN``), and ``verdicts`` the ``verdict(...)`` calls of the hidden tests. The cells
    are the notebook's own (nbformat nodes, shared with the cache): copy before changing one.
    """

    name: str
    config: dict
    start: int
    stop: int
    prompts: tuple = ()
    solutions: tuple = ()
    public_tests: tuple = ()
    hidden_tests: tuple = ()
    verdicts: tuple[Verdict, ...] = ()

    @property
    def exercise_id(self) -> str | None:
        """``"01.3"`` for question ``q01_3`` (``None`` for a name of another form)."""
        match = re.fullmatch(r"q(\d\d)_(\d+)", self.name)
        return f"{match[1]}.{match[2]}" if match else None

    @property
    def manual(self) -> bool:
        """A written question, graded by hand (``manual: true``)."""
        return self.config.get("manual") is True


@dataclass(frozen=True)
class Master:
    """A master notebook: its cells, its question blocks, its ``# ASSIGNMENT CONFIG``."""

    path: pathlib.Path | None
    cells: tuple = field(repr=False)
    questions: tuple[Question, ...] = ()
    config_cell: int | None = None

    @property
    def assignment_config(self) -> dict:
        """The ``# ASSIGNMENT CONFIG`` cell's settings. A master must have one: without it,
        ``otter assign`` adds an ``import otter`` cell to the student edition, which fails
        where students run it (they do not install otter-grader)."""
        if self.config_cell is None:
            raise MasterError(
                f"{_name(self.path)} has no raw '# ASSIGNMENT CONFIG' cell: without it, otter "
                "assign adds an 'import otter' cell to the student edition, which students "
                "cannot run. Copy the one at the top of another master (name, init_cell: "
                "false, check_all_cell: false, export_cell: false, run_tests: true).")
        return _config(self.cells[self.config_cell].source, self.path, "# ASSIGNMENT CONFIG")

    @property
    def graded(self) -> tuple[Question, ...]:
        """The questions the autograder scores: those with hidden tests (written ones are
        graded by hand)."""
        return tuple(q for q in self.questions if q.hidden_tests)

    def question(self, exercise_id: str) -> Question:
        """The question block of exercise ``"NN.k"`` (its name is ``qNN_k``)."""
        for q in self.questions:
            if q.exercise_id == exercise_id:
                return q
        raise LookupError(f"{_name(self.path)} has no question for exercise {exercise_id!r} "
                          f"(a raw '# BEGIN QUESTION' cell with 'name: q"
                          f"{exercise_id.replace('.', '_')}')")

    def cells_before(self, exercise_id: str) -> tuple:
        """The cells above exercise ``"NN.k"``: the lesson a student has read (and the
        numbers it printed) when answering it."""
        return self.cells[:self.question(exercise_id).start]


@dataclass(frozen=True)
class ClaimVerdict:
    """A chapter's verdict on a claim of the seeds: the ``claim`` ("C8"), the ``chapter``
    ("04"), the verdict's bold lead (``verdict``), its whole paragraph (``text``) and the
    heading of its section (``heading``, without the ``#``)."""

    claim: str
    chapter: str
    verdict: str
    text: str
    heading: str = ""


_CLAIM = re.compile(r"\bC(\d+)\b")


def claim_verdicts(folder: pathlib.Path | str | None = None) -> list[ClaimVerdict]:
    """Every claim check's verdict in the chapters of ``folder`` (default: the masters; a
    student edition works too), as the chapters wrote them: each paragraph that starts
    with "**Verdict", for the claims named by the latest heading that names any ("### C8:
    ...", "## 3. 10^30 FLOP/s (claim C17)"), sorted by claim.

    >>> [v.claim for v in claim_verdicts()][:3]
    ['C1', 'C2', 'C3']
    """
    found = []
    for path in master_paths(folder):
        claims: list[str] = []
        heading = ""
        for cell in read_master(path).cells:
            if cell.cell_type != "markdown":
                continue
            for paragraph in re.split(r"\n\s*\n", cell.source):
                for line in paragraph.splitlines():
                    if line.startswith("#") and _CLAIM.search(line):
                        claims = [f"C{n}" for n in _CLAIM.findall(line)]
                        heading = line.lstrip("#").strip()
                if paragraph.startswith("**Verdict"):
                    lead = " ".join(paragraph.split("**")[1].removeprefix("Verdict")
                                    .lstrip(":. ").split())
                    found += [ClaimVerdict(c, path.name[:2], lead, " ".join(paragraph.split()),
                                           heading) for c in claims]
    return sorted(found, key=lambda v: int(v.claim[1:]))


def masters_folder() -> pathlib.Path | None:
    """Where the master notebooks are: ``$COURSE_LIB_MASTERS``, or ``notebooks/`` beside
    the package in a repository checkout (an editable install); ``None`` otherwise."""
    folder = os.environ.get("COURSE_LIB_MASTERS")
    path = pathlib.Path(folder) if folder else pathlib.Path(__file__).resolve().parents[1] / "notebooks"
    return path if any(path.glob(MASTER_GLOB)) else None


def master_paths(folder: pathlib.Path | str | None = None) -> list[pathlib.Path]:
    """The masters ``NN_*.ipynb`` in ``folder`` (default: :func:`masters_folder`), sorted."""
    folder = masters_folder() if folder is None else pathlib.Path(folder)
    return sorted(folder.glob(MASTER_GLOB)) if folder is not None else []


def read_master(path: pathlib.Path | str) -> Master:
    """Read and parse the master at ``path``; cached until the file changes.

    >>> q = read_master(masters_folder() / "01_fp4_memory_math.ipynb").question("01.1")
    >>> q.name, q.config["points"], q.verdicts[0].answer_variable
    ('q01_1', 1, 'llama8_fp8')
    """
    path = pathlib.Path(path).resolve()
    stat = path.stat()
    return _read(path, stat.st_mtime_ns, stat.st_size)


class _Node(dict):
    """A notebook node read from JSON: a dict whose keys read as attributes (``cell.source``),
    like nbformat's ``NotebookNode``."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def _node(value):
    """JSON as nodes, with multi-line strings joined as nbformat joins them: sources, stream
    texts and text-like outputs (``text/plain``...) may be stored as lists of lines."""
    if isinstance(value, dict):
        return _Node((k, "".join(v) if _is_lines(k, v) else _node(v)) for k, v in value.items())
    return [_node(v) for v in value] if isinstance(value, list) else value


def _is_lines(key: str, value) -> bool:
    return (isinstance(value, list) and (key in ("source", "text") or "/" in key)
            and all(isinstance(v, str) for v in value))


@functools.lru_cache(maxsize=64)
def _read(path: pathlib.Path, mtime_ns: int, size: int) -> Master:
    try:
        nb = _node(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, UnicodeDecodeError) as exc:
        raise MasterError(f"{_name(path)}: not a readable notebook ({exc})"[:300]) from None
    if nb.get("nbformat") != 4 or "cells" not in nb:
        raise MasterError(f"{_name(path)}: not a version 4 notebook")
    return parse_master(nb, path)


def parse_master(nb, path: pathlib.Path | None = None) -> Master:
    """Parse a master already in memory (an nbformat v4 notebook, e.g. just executed).

    Raises :class:`MasterError` for blocks otter assign cannot use either (a question inside
    a question, an END without a BEGIN, a question without a name) and for a ``# HIDDEN``
    cell outside a question's tests, which the student edition would show.
    """
    cells = tuple(nb.cells)
    questions, config_cell = [], None
    block = section = None
    for i, cell in enumerate(cells):
        marker = cell.source.strip() if cell.cell_type == "raw" else ""
        if marker.startswith("# ASSIGNMENT CONFIG"):
            config_cell = i if config_cell is None else config_cell
        elif marker.startswith("# BEGIN QUESTION"):
            if block is not None:
                raise MasterError(f"{_where(path, i)}: '# BEGIN QUESTION' inside question "
                                  f"{block['name']} (its '# END QUESTION' is missing)")
            config = _config(marker, path, "# BEGIN QUESTION", i)
            if "name" not in config:
                raise MasterError(f"{_where(path, i)}: a '# BEGIN QUESTION' cell without "
                                  "'name: qNN_k'")
            block = {"name": str(config["name"]), "config": config, "start": i,
                     "prompts": [], "solutions": [], "public_tests": [], "hidden_tests": [],
                     "verdicts": []}
            section = None
        elif marker.startswith("# END QUESTION"):
            if block is None:
                raise MasterError(f"{_where(path, i)}: '# END QUESTION' without a "
                                  "'# BEGIN QUESTION' above it")
            questions.append(Question(stop=i + 1, **{k: tuple(v) if isinstance(v, list) else v
                                                     for k, v in block.items()}))
            block = section = None
        elif block is not None and marker.startswith("# BEGIN "):
            section = marker.split()[2]                  # SOLUTION, TESTS, PROMPT
        elif block is not None and marker.startswith("# END "):
            section = None
        elif cell.cell_type == "code" and cell.source.lstrip().startswith("# HIDDEN"):
            if block is None or section != "TESTS":
                raise MasterError(f"{_where(path, i)}: a '# HIDDEN' cell outside a question's "
                                  "'# BEGIN TESTS' ... '# END TESTS': the student edition "
                                  "would show it")
            block["hidden_tests"].append(cell)
            block["verdicts"] += _verdicts(cell.source, path, i)
        elif block is not None and section == "TESTS":
            if cell.cell_type == "code":
                block["public_tests"].append(cell)
        elif block is not None and section == "SOLUTION":
            block["solutions"].append(cell)
        elif block is not None and cell.cell_type != "raw":
            block["prompts"].append(cell)
    if block is not None:
        raise MasterError(f"{_name(path)}: question {block['name']} has no '# END QUESTION'")
    return Master(path, cells, tuple(questions), config_cell)


def _verdicts(source: str, path, index: int) -> list[Verdict]:
    """The ``verdict("NN.k", answer, expected)`` calls of a hidden test cell (as a name or
    an attribute, ``_grading.verdict``), with the cell's ``# mistake:`` and ``# rounded:``
    lines."""
    mistakes, rounded = [], []
    for line in source.splitlines():
        kind, _, rest = line.strip().partition(":")
        if kind == "# mistake":
            expression, arrow, hint = rest.partition(" -> ")
            if not arrow or not hint.strip():
                raise MasterError(f"{_where(path, index)}: write a mistake as '# mistake: "
                                  f"<expression> -> <hint>', got {line.strip()!r}")
            mistakes.append((_expression(expression.strip(), path, index), hint.strip()))
        elif kind == "# rounded":
            rounded.append(_expression(rest.strip(), path, index))
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and "verdict" in (getattr(node.func, "id", ""),
                                                        getattr(node.func, "attr", "")):
            exercise_id = node.args[0] if node.args else None
            if (len(node.args) != 3 or not isinstance(exercise_id, ast.Constant)
                    or not isinstance(exercise_id.value, str)):
                raise MasterError(f"{_where(path, index)}: a hidden test calls verdict() "
                                  "other than as verdict(\"NN.k\", answer, expected)")
            answer, expected = node.args[1], node.args[2]
            found.append(Verdict(
                exercise_id.value,
                answer.id if isinstance(answer, ast.Name)
                else ast.get_source_segment(source, answer),
                expected.value if isinstance(expected, ast.Constant) and isinstance(
                    expected.value, str) else ast.get_source_segment(source, expected),
                tuple(mistakes), tuple(rounded)))
    return found


def _expression(text: str, path, index: int) -> str:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        raise MasterError(f"{_where(path, index)}: {text!r} is not a Python expression") from None
    return text


def _config(source: str, path, what: str, index: int | None = None) -> dict:
    """The ``key: value`` lines under a marker line, with true/false and numbers read as
    such (the flat subset of YAML that otter's question and assignment configs use)."""
    config = {}
    for line in source.strip().splitlines()[1:]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        if not colon or line[0].isspace() or not key.strip():
            raise MasterError(f"{_where(path, index) if index is not None else _name(path)}: "
                              f"cannot read {line!r} in the {what} cell (one 'key: value' "
                              "per line)")
        config[key.strip()] = _value(value.strip())
    return config


def _value(text: str):
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip("'\"")


def _name(path) -> str:
    return path.name if path is not None else "the notebook"


def _where(path, index: int) -> str:
    return f"{_name(path)}, cell {index}"


def answer_key() -> dict[str, str]:
    """Exercise id -> the source of its expected answer, from the masters' hidden tests
    (empty when the masters are not at hand, as in a kit installed from a wheel)."""
    return {v.exercise_id: v.expected for path in master_paths()
            for q in read_master(path).questions for v in q.verdicts}


def expected_expression(exercise_id: str) -> str | None:
    """The source of exercise ``"NN.k"``'s expected answer, read from its chapter's master
    ``NN_*.ipynb`` only (feedback's first call reads one notebook, not all); ``None`` when
    the masters are not at hand or that master has no hidden verdict for it."""
    found = _verdict_of(exercise_id)
    return None if found is None else found.expected


def mistake_expressions(exercise_id: str) -> tuple[tuple[str, str], ...]:
    """The ``(wrong computation, hint)`` pairs declared beside exercise ``"NN.k"``'s hidden
    verdict (empty when the masters are not at hand)."""
    found = _verdict_of(exercise_id)
    return () if found is None else found.mistakes


def _verdict_of(exercise_id: str) -> Verdict | None:
    folder = masters_folder()
    if folder is None:
        return None
    for path in sorted(folder.glob(f"{exercise_id.split('.')[0]}_*.ipynb")):
        for q in read_master(path).questions:
            for v in q.verdicts:
                if v.exercise_id == exercise_id:
                    return v
    return None
