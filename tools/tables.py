"""Write the chapter tables of README.md and INSTRUCTORS.md from ``course_lib.chapters``.

    python -m tools.tables           # rewrite both tables in place (make refresh runs it)
    python -m tools.tables --check   # exit 1 if a table differs from the declarations

Each table starts at its header row and ends at the first blank line; nothing else in
the two files is touched.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

from course_lib.chapters import CHAPTERS

ROOT = pathlib.Path(__file__).resolve().parent.parent


def readme_row(c) -> str:
    """A chapter's row in README.md's table."""
    return f"| `{c.notebook[:-6]}` | {c.topic}{' (planned)' if c.planned else ''} |"


def instructors_row(c) -> str:
    """A chapter's row in INSTRUCTORS.md's table (none for a planned chapter)."""
    if c.planned:
        return ""
    return (f"| {c.number} {c.title} | {c.goals} | about {c.minutes} min | "
            f"{len(c.exercises)} + 1 written |")


def readme_table() -> str:
    return "\n".join(["| Notebook | Topic |", "|---|---|", *map(readme_row, CHAPTERS)])


def instructors_table() -> str:
    rows = [instructors_row(c) for c in CHAPTERS if not c.planned]
    return "\n".join(["| chapter | learning goals (short) | time | exercises |",
                      "|---|---|---|---|", *rows])


TABLES = {"README.md": readme_table, "INSTRUCTORS.md": instructors_table}


def rewritten(text: str, table: str) -> str:
    """``text`` with the table that starts with ``table``'s header row replaced."""
    header = table.splitlines()[0]
    start = text.index(header)
    end = text.find("\n\n", start)
    return text[:start] + table + (text[end:] if end != -1 else "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report differences, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for name, make in TABLES.items():
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        new = rewritten(text, make())
        if new != text:
            stale.append(name)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)} (run `python -m tools.tables`)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
