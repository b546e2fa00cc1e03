"""The outcome of the kit's fuzz cases, counted: what a careless or hostile caller gets.

    python -m benchmarks.outcomes                  # this checkout's course_lib
    python -m benchmarks.outcomes --kit OLD/tree   # another checkout's, same cases

The cases are those of ``tests/test_fuzz.py`` (every bad value of every public function's
arguments, as the test collects them), text as people type it (each declared quantity or
count given "1 000", "2,5", a Unicode minus...: the result must equal the plain number's),
and feedback on wrong answers typed as students type them (a Unicode minus, a complex
part, a no-break space...). Each case runs in a forked child with a 5 s limit and lands in
one column:

* right: the typed text gave the plain number's result, or feedback said "Not quite";
* clear error: ``TypeError``/``ValueError`` naming the argument, under 600 characters;
* unhelpful: an error of that kind that does not name the argument, or is too long;
* crash: any other exception, from inside the library;
* silent: a result for a value no valid call takes, or a typed text read as another number;
* hang: no answer within 5 s;
* wrong "Correct": feedback that passes a wrong answer.
"""
from __future__ import annotations

import argparse
import collections
import os
import pickle
import sys
import time

COLUMNS = ("right", "clear error", "unhelpful", "crash", "silent", "hang", 'wrong "Correct"')
LIMIT = 5.0


def _in_child(fn, limit: float = LIMIT) -> str:
    """``fn()`` (returning a column name) in a forked child; "hang" past ``limit``."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                       # the child: answer and leave
        os.close(read)
        try:
            column = fn()
        except BaseException as exc:                   # noqa: BLE001 - counted, not raised
            column = f"crash ({type(exc).__name__})"
        os.write(write, pickle.dumps(column))
        os._exit(0)
    os.close(write)
    start, data = time.monotonic(), b""
    os.set_blocking(read, False)
    while time.monotonic() - start < limit:
        try:
            chunk = os.read(read, 65536)
        except BlockingIOError:
            time.sleep(0.002)
            continue
        if not chunk:
            break
        data += chunk
    os.close(read)
    if not data:
        os.kill(pid, 9)
    os.waitpid(pid, 0)
    return pickle.loads(data) if data else "hang"


def _fuzz_cases(fuzz):
    """(label, callable giving a column) for each bad value the fuzz test collects."""
    for case in fuzz._cases():
        fn_name, param, value = case.values

        def run(fn_name=fn_name, param=param, value=value):
            try:
                fuzz._call(fn_name, param, value)
            except (TypeError, ValueError) as exc:    # named where declared, as the test asks
                named = param in str(exc) or param not in getattr(
                    getattr(fuzz.course_lib, fn_name), "declared", {})
                return "clear error" if named and len(str(exc)) < 600 else "unhelpful"
            except Exception as exc:                       # noqa: BLE001
                if type(exc) is KeyError and "No " in str(exc):
                    return "clear error"
                return "crash"
            return "silent"
        yield case.id, run


def _typed_cases(fuzz, course_lib):
    for case in fuzz._typed_cases():
        fn_name, param, unit = case.values
        for text, value in fuzz.TYPED + [("\u22121", -1.0), ("\u20131", -1.0)]:
            def run(fn_name=fn_name, param=param, unit=unit, text=text, value=value):
                typed = fuzz._outcome(fn_name, param, f"{text} {unit}".strip())
                plain = fuzz._outcome(fn_name, param,
                                      course_lib.Q_(value, unit) if unit else value)
                if fuzz._same(typed, plain):
                    return "right" if typed[0] == "result" else "clear error"
                return "silent" if typed[0] == "result" else "unhelpful"
            yield f"{case.id}-{text}", run


def _feedback_cases(course_lib):
    import numpy as np
    from course_lib.exercises import answer_key, expected_answer, feedback

    Q_ = course_lib.Q_
    for exercise_id in sorted(answer_key()):
        expected = Q_(expected_answer(exercise_id))
        if np.ndim(expected.m):
            continue
        unit = f" {expected.units:~}" if not expected.dimensionless else ""
        wrong = {"unicode minus": f"\u2212{expected.m!r}{unit}",
                 "en dash": f"\u2013{expected.m!r}{unit}",
                 "complex part": Q_(np.complex128(expected.m + 5j), expected.units),
                 "python complex": complex(expected.m, 1) if not unit else
                 Q_(complex(expected.m, 1), expected.units),
                 "no-break spaces, 3x": f"{expected.m * 3:,.2f}".replace(",", "\u00a0") + unit,
                 "huge int": 10**400}
        for label, answer in wrong.items():
            def run(exercise_id=exercise_id, answer=answer):
                try:
                    fb = feedback(exercise_id, answer, quiet=True)
                except (TypeError, ValueError):
                    return "unhelpful"
                except Exception:                          # noqa: BLE001
                    return "crash"
                return 'wrong "Correct"' if fb.passed else "right"
            yield f"{exercise_id}-{label}", run


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kit", help="a checkout whose course_lib to measure")
    args = parser.parse_args(argv)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path[:0] = [args.kit or here, os.path.join(here, "tests")]
    os.environ.setdefault("COURSE_LIB_CACHE", os.path.join(here, ".cache", "course_lib"))
    os.environ.setdefault("MPLBACKEND", "Agg")
    import course_lib
    import test_fuzz as fuzz

    families = {"bad values": _fuzz_cases(fuzz), "typed text": _typed_cases(fuzz, course_lib),
                "typed answers": _feedback_cases(course_lib)}
    table = {}
    for family, cases in families.items():
        counts = collections.Counter()
        for _label, run in cases:
            column = _in_child(run)
            counts["crash" if column.startswith("crash") else column] += 1
        table[family] = counts
    print(f"course_lib from {os.path.dirname(course_lib.__file__)}")
    print(f"{'':16}" + "".join(f"{c:>17}" for c in COLUMNS))
    for family, counts in table.items():
        print(f"{family:16}" + "".join(f"{counts[c]:>17}" for c in COLUMNS))
    total = sum(table.values(), collections.Counter())
    print(f"{'all':16}" + "".join(f"{total[c]:>17}" for c in COLUMNS))


if __name__ == "__main__":
    main()
