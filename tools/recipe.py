"""The recipe for adding a chapter (CONTRIBUTING.md), step by step, and what each step
leaves in the repository.

    python -m tools.recipe            # every declared chapter, planned ones included
    python -m tools.recipe 08         # one chapter: which step is done, which is missing

Each :class:`Step` names its files and checks them for a chapter of
``course_lib/chapters.py``; ``tests/test_recipe.py`` runs the checks for every chapter that
is not ``planned`` and fails naming the step and the file, e.g. ``chapter 08: step 5 (the
explorers, course_lib/explorers/foo.py): no function queue_explorer``. The checks read the
files (ast, nbformat, text) and import nothing from the chapter, so a half-written chapter
gets a message rather than an import error. The data step (2) concerns tables, not one
chapter: :func:`table_problems` checks every table under ``data/``.
"""
from __future__ import annotations

import argparse
import ast
import json
import pathlib
import re
import sys
from dataclasses import dataclass
from typing import Callable

ROOT = pathlib.Path(__file__).resolve().parent.parent
SKELETON = "templates/chapter"


@dataclass(frozen=True)
class Step:
    """One step of the recipe: ``number`` and ``what`` as CONTRIBUTING.md names them,
    ``files(chapter)`` the files it writes, ``check(chapter, root, chapters)`` what is
    missing (``None`` when the step is done)."""

    number: int
    what: str
    files: Callable[[object], str]
    check: Callable[[object, pathlib.Path, tuple], str | None]

    def label(self, chapter) -> str:
        return f"step {self.number} ({self.what}, {self.files(chapter)})"


# ---- reading files without importing them -------------------------------------------------

def _tree(path: pathlib.Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None


def _all_names(tree: ast.Module) -> list[str] | None:
    """The module's ``__all__``, if it is a literal list or tuple of strings."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return None
            return [v for v in value if isinstance(v, str)]
    return None


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _dict_keys(tree: ast.Module, name: str) -> set[str]:
    """The string keys of the module-level dict ``name = {...}``."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets) \
                and isinstance(node.value, ast.Dict):
            return {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
    return set()


def _notebook(path: pathlib.Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _missing(path: pathlib.Path, root: pathlib.Path) -> str | None:
    return None if path.is_file() else f"{path.relative_to(root)} does not exist"


# ---- the steps -------------------------------------------------------------------------------

def _declaration(c, root, chapters) -> str | None:
    numbers = [ch.number for ch in chapters]
    if not re.fullmatch(r"\d\d", c.number) or numbers.count(c.number) != 1:
        return f"the number {c.number!r} must be two digits, declared once"
    if numbers != sorted(numbers):
        return "the chapters are not declared in number order"
    if not re.fullmatch(r"[a-z0-9_]+", c.slug):
        return f"the slug {c.slug!r} must be lowercase words joined by _"
    for field in ("title", "topic", "library", "explorer_module", "goals"):
        if not getattr(c, field):
            return f"{field}= is empty"
    if not c.minutes > 0:
        return "minutes= is not set"
    if not c.explorers:
        return "explorers= names no (explorer, control) pair"
    for k, ex in enumerate(c.exercises, 1):
        if ex.id != f"{c.number}.{k}":
            return f"exercise {ex.id!r} should be {c.number}.{k} (numbered in order)"
        if not ex.variable.isidentifier():
            return f"exercise {ex.id}: the variable {ex.variable!r} is not a Python name"
    if not c.exercises:
        return "exercises= declares none"
    return None


def _library(c, root, chapters) -> str | None:
    path = root / "course_lib" / f"{c.library}.py"
    if (gap := _missing(path, root)) or (tree := _tree(path)) is None:
        return gap or f"{path.relative_to(root)} does not parse"
    names = _all_names(tree)
    if not names:
        return "no __all__ listing the public names"
    functions = _functions(tree)
    for name in names:
        fn = functions.get(name)
        if fn is not None and not ast.get_docstring(fn):
            return f"{name} has no docstring (the model, its assumptions, a source)"
    if ">>>" not in path.read_text(encoding="utf-8"):
        return "no >>> example in a docstring"
    return None


def _tests(c, root, chapters) -> str | None:
    if gap := _missing(root / "tests" / f"test_{c.library}.py", root):
        return gap
    tree = _tree(root / "course_lib" / f"{c.library}.py")
    fuzz = _tree(root / "tests" / "test_fuzz.py")
    if tree is None or fuzz is None:
        return None if tree is None else "tests/test_fuzz.py does not parse"
    valid = _dict_keys(fuzz, "VALID")
    functions = _functions(tree)
    missing = [n for n in _all_names(tree) or () if n in functions and n not in valid]
    if missing:
        return f"no valid call of {', '.join(missing)} in VALID of tests/test_fuzz.py"
    return None


def _explorers(c, root, chapters) -> str | None:
    path = root / "course_lib" / "explorers" / f"{c.explorer_module}.py"
    if (gap := _missing(path, root)) or (tree := _tree(path)) is None:
        return gap or f"{path.relative_to(root)} does not parse"
    functions = _functions(tree)
    for name, _ in c.explorers:
        if name not in functions:
            return f"no function {name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            private = [a.name for a in node.names if a.name.startswith("_")]
            if private:
                return f"imports the private name {private[0]} (explorers call public names only)"
    return None


def _master(c, root, chapters) -> str | None:
    path = root / "notebooks" / c.notebook
    if (gap := _missing(path, root)) or (nb := _notebook(path)) is None:
        return gap or f"{path.relative_to(root)} is not a notebook"
    cells = nb.get("cells", [])
    if not all("id" in cell for cell in cells):
        return "cells without an id: save it in JupyterLab (nbformat 4.5)"
    markdown = [_source(x) for x in cells if x.get("cell_type") == "markdown"]
    if not markdown or not re.match(rf"# {c.number} · \S", markdown[0]):
        return f"the first cell is not the title '# {c.number} · {c.title}'"
    header = markdown[1] if len(markdown) > 1 else ""
    for field in ("**Learning goals**", "**Prerequisites**", "**Time**"):
        if field not in header:
            return f"the header (second text cell) lacks {field}"
    config = [_source(x) for x in cells if x.get("cell_type") == "raw"
              and _source(x).lstrip().startswith("# ASSIGNMENT CONFIG")]
    if not config or not re.search(rf"^name: {re.escape(c.notebook[:-6])}\s*$", config[0], re.M):
        return f"no raw cell '# ASSIGNMENT CONFIG' with 'name: {c.notebook[:-6]}'"
    raws = "\n".join(_source(x) for x in cells if x.get("cell_type") == "raw")
    code = [_source(x) for x in cells if x.get("cell_type") == "code"]
    for ex in c.exercises:
        name = "q" + ex.id.replace(".", "_")
        if not re.search(rf"^name: {name}\s*$", raws, re.M):
            return f"no question '# BEGIN QUESTION' named {name} (exercise {ex.id})"
        if not any(re.search(rf"^\s*{ex.variable}\s*=.*# SOLUTION", s, re.M) for s in code):
            return f"exercise {ex.id}: no solution line '{ex.variable} = ...  # SOLUTION'"
        if not any(s.startswith("# HIDDEN") and f'"{ex.id}"' in s for s in code):
            return f"exercise {ex.id}: no hidden test calling verdict(\"{ex.id}\", ...)"
    called = dict.fromkeys(m for s in code for m in re.findall(r"\b(\w+)\(\)", s))
    if [n for n in called if n in c.explorer_names] != list(c.explorer_names):
        return f"the explorers {', '.join(c.explorer_names)} are not each called, in order"
    if not re.search(r"^manual: true\s*$", raws, re.M):
        return "no written question (a '# BEGIN QUESTION' with 'manual: true')"
    if not any("compare_estimate(" in s for s in code):
        return "no estimate-then-check (a guess cell, then compare_estimate(guess, answer))"
    tagged = sum("nbval-check-output" in x.get("metadata", {}).get("tags", [])
                 for x in cells if x.get("cell_type") == "code")
    if tagged < 3:
        return (f"{tagged} cell(s) tagged nbval-check-output: tag at least three whose "
                "printed output is the lesson")
    text = "\n".join(markdown)
    for section in ("## Exercises", "## Summary"):
        if section not in text:
            return f"no '{section}' section"
    if c.claims != "-" and not re.search(r"\*\*Verdict", text):
        return "no **Verdict** on the claims"
    return None


def _claims(c, root, chapters) -> str | None:
    if c.claims == "-":
        return None
    path = root / "tests" / "test_claims.py"
    if gap := _missing(path, root):
        return gap
    if f"# ---- chapter {c.number} " not in path.read_text(encoding="utf-8"):
        return (f"no section '# ---- chapter {c.number} ---' guarding the numbers of the "
                f"verdicts ({c.claims})")
    return None


def _where(c, root, chapters) -> str | None:
    path = root / "README.md"
    if gap := _missing(path, root):
        return gap
    if f"  {c.library}.py " not in path.read_text(encoding="utf-8"):
        return f"'Where things are' does not name {c.library}.py"
    return None


def _refresh(c, root, chapters) -> str | None:
    from tools import tables

    nb = _notebook(root / "notebooks" / c.notebook) or {}
    checked = [x for x in nb.get("cells", []) if x.get("cell_type") == "code"
               and "nbval-check-output" in x.get("metadata", {}).get("tags", [])]
    if not checked or not all(x.get("outputs") for x in checked):
        return (f"notebooks/{c.notebook}: its cells tagged nbval-check-output have no stored "
                "output")
    for name, row in (("README.md", tables.readme_row(c)),
                      ("INSTRUCTORS.md", tables.instructors_row(c))):
        path = root / name
        if row and (not path.is_file() or row not in path.read_text(encoding="utf-8")):
            return f"{name}: the chapter's table row is not the declaration's"
    return None


STEPS = (
    Step(1, "the declaration", lambda c: "course_lib/chapters.py", _declaration),
    Step(2, "the data", lambda c: "data/<table>.csv, data/README.md, course_lib/data.py, "
                                  "data/constants.csv", lambda c, root, chapters: None),
    Step(3, "the library module", lambda c: f"course_lib/{c.library}.py", _library),
    Step(4, "the module's tests", lambda c: f"tests/test_{c.library}.py, tests/test_fuzz.py",
         _tests),
    Step(5, "the explorers", lambda c: f"course_lib/explorers/{c.explorer_module}.py",
         _explorers),
    Step(6, "the master", lambda c: f"notebooks/{c.notebook}", _master),
    Step(7, "the claims' guards", lambda c: "tests/test_claims.py", _claims),
    Step(8, "the module in 'Where things are'", lambda c: "README.md", _where),
    Step(9, "make refresh", lambda c: f"notebooks/{c.notebook}, README.md, INSTRUCTORS.md",
         _refresh),
)


def problems(chapter, root: pathlib.Path = ROOT, chapters=None) -> list[str]:
    """What the recipe still misses for ``chapter``: one message per unfinished step,
    ``chapter NN: step k (what, files): the gap``."""
    if chapters is None:
        from course_lib.chapters import CHAPTERS as chapters
    found = []
    for step in STEPS:
        gap = step.check(chapter, root, tuple(chapters))
        if gap:
            found.append(f"chapter {chapter.number}: {step.label(chapter)}: {gap}")
    return found


def table_problems(root: pathlib.Path = ROOT) -> list[str]:
    """Step 2 for every table: each ``data/*.csv`` has its section in ``data/README.md``
    (``## name.csv``) and is read by the library (its name in a ``course_lib`` module)."""
    readme = (root / "data" / "README.md").read_text(encoding="utf-8")
    library = "\n".join(p.read_text(encoding="utf-8")
                        for p in sorted((root / "course_lib").glob("*.py")))
    found = []
    for table in sorted((root / "data").glob("*.csv")):
        where = f"step 2 (the data, data/{table.name})"
        if f"## {table.name}" not in readme:
            found.append(f"{where}: no section '## {table.name}' in data/README.md")
        elif table.stem != "constants" and f'"{table.stem}"' not in library:
            found.append(f"{where}: no course_lib module reads it (an accessor in "
                         f"course_lib/data.py: _accessors(\"{table.stem}\", ...))")
    return found


def main(argv=None) -> int:
    from course_lib.chapters import CHAPTERS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter numbers (default: all)")
    args = parser.parse_args(argv)
    chosen = [c for c in CHAPTERS if not args.chapters or c.number in args.chapters]
    if not chosen:
        raise SystemExit(f"no chapter {', '.join(args.chapters)} in course_lib/chapters.py")
    tables = table_problems()
    gaps = list(tables)
    for c in chosen:
        found = problems(c)
        print(f"chapter {c.number} {c.title}{' (planned)' * c.planned}: "
              + ("every step done" if not found else f"{len(found)} step(s) to do"))
        for line in found:
            print(f"  {line.split(': ', 1)[1]}")
        gaps += found if not c.planned else []
    for line in tables:
        print(line)
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
