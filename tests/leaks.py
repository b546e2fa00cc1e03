"""What a student must not be able to read, checked wherever the kit shows a chapter to
students (the student edition, the student site): one check for both."""
import json
import re

from course_lib.chapters import chapter
from course_lib.exercises import expected_answer
from course_lib.masters import read_master


def solution_expressions(question) -> list[str]:
    """What a question's solution lines compute (``var = <this>  # SOLUTION``): the text
    the student edition replaces with ``...``."""
    return [line.split("=", 1)[1].split("# SOLUTION")[0].strip()
            for cell in question.solutions if cell.cell_type == "code"
            for line in cell.source.splitlines() if line.rstrip().endswith("# SOLUTION")]


def leaks(master, text: str, readable: str, package: str = "") -> list[str]:
    """What of ``master``'s answers a student could read: in ``text`` (everything shown,
    sources and metadata), a solution's expression, a hidden test's body or a written
    question's model answer; in ``readable`` (what a reader sees, without images) or in
    ``package`` (the library's own files), the expected value of a graded exercise to 4 or
    5 significant digits."""
    found = []
    for q in read_master(master).questions:
        for solution in solution_expressions(q):
            if json.dumps(solution)[1:-1] in text or solution in text:
                found.append(f"{q.name}: the solution {solution!r}")
        for hidden in q.hidden_tests:
            body = hidden.source.split("\n", 1)[1]
            if json.dumps(body)[1:-1] in text or body in text:
                found.append(f"{q.name}: its hidden test")
        for cell in q.solutions:
            if cell.cell_type == "markdown" and (json.dumps(cell.source)[1:-1] in text
                                                 or cell.source in text):
                found.append(f"{q.name}: its model answer")
    for ex in chapter(master.name).exercises:
        value = expected_answer(ex.id)
        number = float(value.m_as(ex.unit) if hasattr(value, "m_as") else value)
        if number == int(number) and abs(number) < 100:
            continue          # small counts (3 GPUs) appear everywhere as other numbers
        for digits in {f"{number:.4g}", f"{number:.5g}"}:   # 3 digits collide (head dim 128)
            # a number on its own, not inside another one or an exercise id ("08.1")
            pattern = re.compile(rf"(?<![\d.]){re.escape(digits)}(?![\d])")
            for where, body in (("what the student reads", readable), ("the package", package)):
                hit = pattern.search(body)
                if hit:
                    found.append(f"{ex.id}'s answer {digits} in {where}: "
                                 f"...{body[max(0, hit.start() - 60):hit.end() + 20]}...")
    return found
