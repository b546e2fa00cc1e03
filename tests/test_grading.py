"""Grading a class: bad files become rows with reasons, submissions supply answers and never
judge them, rows do not collide, written answers and hand scores travel, and the command
line says what it needs. Submissions are chapter 00's student edition with answers typed in;
most keep only the cells of their answers (``submit``), as a student may, and the honest ones
run the whole chapter.
"""
import csv
import os
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest

from course_lib import masters
from course_lib.chapters import chapter
from tools import grading
from tools.editions import student_edition

ROOT = pathlib.Path(__file__).resolve().parent.parent
MASTER = ROOT / "notebooks" / "00_units_and_estimates.ipynb"
N_AUTO = sum(1 for q in masters.read_master(MASTER).questions if not q.manual)


def solutions() -> dict[str, str]:
    """``var = ...`` -> ``var = <the worked solution>`` for every exercise of chapter 00."""
    out = {}
    for q in masters.read_master(MASTER).questions:
        for cell in q.solutions:
            for line in cell.source.splitlines():
                m = re.match(r"(\w+) = (.*?)\s*# SOLUTION$", line)
                if m:
                    out[f"{m[1]} = ..."] = f"{m[1]} = {m[2]}"
    return out


def submit(path: pathlib.Path, answers: dict, before: str = "", written: str = "",
           after: str = "", lesson: bool = False) -> pathlib.Path:
    """The student edition with ``answers`` typed in, ``before`` and ``after`` as cells at
    the top and at the end (what a student might add), and a written answer. With
    ``lesson``, every code cell stays (the whole chapter runs); without, only the import
    cell and the cells of the answers given: a student may delete cells and the grader runs
    what it is handed, in about a third of the time (the lesson matters to none of the
    attacks, limits or runs below that leave it out)."""
    nb = student_edition(MASTER)
    if not lesson:
        imports = next(c for c in nb.cells if c.cell_type == "code")
        nb.cells = [c for c in nb.cells if c.cell_type != "code" or c is imports
                    or any(blank in c.source for blank in answers)]
    for cell in nb.cells:
        for blank, answer in answers.items():
            if cell.cell_type == "code" and blank in cell.source:
                cell.source = cell.source.replace(blank, answer, 1)
        if written and cell.cell_type == "markdown" and cell.source == grading.RESPONSE:
            cell.source = written
    if before:
        nb.cells.insert(1, nbformat.v4.new_code_cell(before))
    if after:
        nb.cells.append(nbformat.v4.new_code_cell(after))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(autouse=True, scope="module")
def _guard_what_no_one_else_edits():
    """A class run fails when the kit changes under it; while these tests run, others may
    be editing the library, so the guard here covers the masters and the grader (its own
    test, below, shows that a change fails the run)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(grading, "guarded_files", lambda: sorted(
            [*(ROOT / "notebooks").glob("*.ipynb"), ROOT / "tools" / "grading.py",
             ROOT / "tools" / "sandbox.py"]))
        if not SANDBOX:                 # the attack tests skip; the rest grade without it
            plain = grading.grade_class
            mp.setattr(grading, "grade_class",
                       lambda *a, **k: plain(*a, **{"sandbox": False, **k}))
        yield


SANDBOX = grading.sandbox_module().available()[0]     # CI runs as root: there, it is


def table(out: pathlib.Path) -> dict[str, dict]:
    with (out / "grades-00.csv").open() as f:
        return {row["submission"]: row for row in csv.DictReader(f)}


ATTACKS = {
    # a judge of its own, defined before the first answer
    "fake-judge": "def verdict(*a, **k): return True\ndef feedback(*a, **k): return True",
    # tests rewritten wherever the grader might keep them
    "rewrite-tests": "import pathlib\nfor p in pathlib.Path('.').rglob('*.py'): p.write_text('True')\n"
                     "pathlib.Path('tests').mkdir(exist_ok=True)\n"
                     "pathlib.Path('tests/q00_1.py').write_text('test = {\"points\": 1}')",
    # the answer key, read through the kit
    "read-key": "from course_lib.exercises import expected_answer\n"
                "try:\n    send_time = expected_answer('00.1')\nexcept Exception as e:\n"
                "    print(e)",
    # library names shadowed (the answer below is right: it must still count)
    "shadow": "energy = model = verdict = feedback = weights_memory = 'mine'",
}
RIGHT = {"ssd_gib = ...": 'ssd_gib = "931.3 GiB"'}          # one right answer, in a string


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One batch: a full solution, a blank, the attacks (with no real answer), empty
    arrays, a probe of the folder, another chapter's notebook, a truncated file, a notebook
    without metadata, an endless loop, and two students with the same file name in two
    folders, graded with two workers and a short time limit."""
    root = tmp_path_factory.mktemp("class")
    subs, out = root / "submissions", root / "editions"
    full = solutions()
    name = MASTER.name
    made = [submit(subs / "new" / "alice" / name, full, written="Bytes per parameter.",
                   lesson=True),
            submit(subs / "old" / "alice" / name, {}, lesson=True),
            submit(subs / "new" / "empty" / name,
                   {k: f"{k[:-3]}np.array([])" for k in full}, before="import numpy as np"),
            submit(subs / "new" / "probe" / name, {}, after=(
                "import os\nmine = sorted(os.listdir('.'))\n"
                "try:\n    others = os.listdir('..')\nexcept PermissionError:\n"
                "    others = 'denied'\nsend_time = f'{mine} {others}'"))]
    made += [submit(subs / "new" / who / name, RIGHT, **{"after" if who == "read-key" else "before": code})
             for who, code in ATTACKS.items()]        # the key is read last, over the blank
    other = student_edition(ROOT / "notebooks" / "01_fp4_memory_math.ipynb")
    (subs / "new" / "wrongchapter").mkdir(parents=True)
    nbformat.write(other, subs / "new" / "wrongchapter" / name)
    (subs / "new" / "truncated").mkdir(parents=True)
    (subs / "new" / "truncated" / name).write_text(MASTER.read_text()[:5000])
    bare = student_edition(MASTER)
    bare.metadata.pop("otter")
    (subs / "new" / "nometa").mkdir(parents=True)
    nbformat.write(bare, subs / "new" / "nometa" / name)
    submit(subs / "new" / "loop" / name, {"ssd_gib = ...": 'ssd_gib = Q_(1, "TB").to("GiB")'},
           before="import time\nwhile True:\n    time.sleep(0.05)")   # asleep: see KI_PROOF_ASLEEP
    paths = sorted(subs.rglob("*.ipynb")) + [made[0]]                # one file twice
    lines = []
    results = grading.grade_class(chapter("00"), paths, jobs=2, time_limit=8, out=out,
                                  progress=lines.append)
    return {"rows": table(out), "out": out, "lines": lines, "results": results, "root": root}


def test_every_file_is_a_row_and_bad_ones_say_why(graded):
    rows = graded["rows"]
    assert rows["new/alice/00_units_and_estimates.ipynb"]["score"] == str(N_AUTO)
    assert rows["old/alice/00_units_and_estimates.ipynb"]["score"] == "0"     # no collision
    assert "chapter 01's notebook" in rows["new/wrongchapter/00_units_and_estimates.ipynb"]["status"]
    assert "not a readable notebook" in rows["new/truncated/00_units_and_estimates.ipynb"]["status"]
    assert "no assignment name" in rows["new/nometa/00_units_and_estimates.ipynb"]["status"]
    loop = rows["new/loop/00_units_and_estimates.ipynb"]
    assert "time limit" in loop["status"] and loop["q00_2"] == "1"   # the rest still graded
    assert any("the same file is already in the batch" in line for line in graded["lines"])
    assert len(rows) == len({r.key for r in graded["results"]}) == 12
    assert not (graded["out"] / "grades-00.csv.partial").exists()


@pytest.mark.parametrize("attack", [*ATTACKS, "empty"])
def test_a_submission_supplies_answers_and_never_judges_them(graded, attack):
    """Each attack carries one right answer (00.2) and nothing else: it scores exactly 1;
    empty arrays everywhere score 0."""
    row = graded["rows"][f"new/{attack}/00_units_and_estimates.ipynb"]
    deserved = 0 if attack == "empty" else 1
    assert row["status"] == "graded" and row["score"] == str(deserved), row
    if deserved:
        assert row["q00_2"] == "1"


@pytest.mark.skipif(not SANDBOX, reason="no sandbox on this machine")
def test_a_submission_sees_only_its_own_folder(graded):
    """The probe stored what it saw in an answer: its own folder (the sandbox's tmpfs, with
    no copy of any notebook in it) and, around it, nothing but that folder."""
    (probe,) = [r for r in graded["results"] if r.key.startswith("new/probe/")]
    seen = probe.answers["send_time"]["string"]
    # around it: its own folder, and the folders leading to the kit's package when the
    # checkout itself lives in the temporary folder
    around = {"submission", *(ROOT.parts[2:3] if ROOT.parts[1] == "tmp" else ())}
    import ast

    assert "submission.ipynb" not in seen, seen
    assert set(ast.literal_eval(seen[seen.rindex("["):])) == around, seen


def test_written_answers_are_gathered_and_feedback_never_shows_the_answer(graded):
    text = (graded["out"] / "written-00.md").read_text()
    assert "## q00_7" in text and "Bytes per parameter." in text and "_(no answer)_" in text
    feedback = (graded["out"] / "feedback-00" / "old__alice__00_units_and_estimates.ipynb.md").read_text()
    assert "**00.1** (0 / 1): Not answered yet" in feedback
    from course_lib.exercises import expected_answer
    for path in (graded["out"] / "feedback-00").iterdir():
        if path.name.startswith("new__alice"):          # right answers are echoed back
            continue
        for exercise in ("00.1", "00.3", "00.5"):
            assert f"{expected_answer(exercise).m:.3g}" not in path.read_text(), path.name


def test_hand_scores_are_merged(tmp_path):
    sub = submit(tmp_path / "subs" / "ann" / MASTER.name, {"ssd_gib = ...": 'ssd_gib = "931.3 GiB"'})
    hand = tmp_path / "hand.csv"
    hand.write_text("submission,q00_7\nann/00_units_and_estimates.ipynb,1\n")
    grading.grade_class(chapter("00"), [sub], jobs=1, out=tmp_path / "out", hand=hand,
                        progress=lambda line: None)
    row = table(tmp_path / "out")["ann/00_units_and_estimates.ipynb"]
    assert row["q00_2"] == "1" and row["q00_7 (written)"] == "1" and row["score"] == "2.0"


def test_the_command_line_says_what_it_needs(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "tools.grading", *args], cwd=ROOT,
                              capture_output=True, text=True, env={**os.environ, "EDITIONS": str(tmp_path)})
    assert "give the chapter as a number" in run().stderr
    assert "no chapter 08 to grade" in run("8", "x.ipynb").stderr
    assert "no submissions given" in run("4").stderr
    assert "no submission at nowhere.ipynb" in run("04", "nowhere.ipynb").stderr
    assert grading.chapter_argument("4").number == "04"


def test_make_grade_as_instructors_md_says(tmp_path):
    """Relative paths from the repository root, one folder per student with the same file
    name: distinct rows, sorted; everything written stays under tmp_path."""
    subs, out = tmp_path / "submissions", tmp_path / "editions"
    submit(subs / "alice" / MASTER.name, {"ssd_gib = ...": 'ssd_gib = Q_(1, "TB").to("GiB")'})
    submit(subs / "bob" / MASTER.name, {})
    relative = os.path.relpath(subs, ROOT)
    run = subprocess.run(["make", "-s", "grade", "CHAPTER=0", f"SUBMISSIONS={relative}/*/*.ipynb",
                          *([] if SANDBOX else ["NO_SANDBOX=1"]),
                          f"EDITIONS={out}", "JOBS=2"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "[2/2]" in run.stdout and "1 / 7" in run.stdout and "0 / 7" in run.stdout
    assert list(table(out)) == ["alice/00_units_and_estimates.ipynb",
                                "bob/00_units_and_estimates.ipynb"]
    missing = subprocess.run(["make", "-s", "grade", "CHAPTER=00", "SUBMISSIONS=nowhere.ipynb",
                              f"EDITIONS={out}"], cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode != 0 and "no submission at nowhere.ipynb" in missing.stderr
    none = subprocess.run(["make", "-s", "grade", f"EDITIONS={out}"], cwd=ROOT,
                          capture_output=True, text=True)
    assert none.returncode != 0 and "give the chapter as a number" in none.stderr


# ---- a hostile class: each attack of issue 32, run in the sandbox --------------------------

NOTEBOOKS = ROOT / "notebooks"
HOSTILE = {
    # the key through the kit, with COURSE_LIB_MASTERS pointing at the checkout's masters
    "masters-env": f"""
import os, glob
os.environ["COURSE_LIB_MASTERS"] = {str(NOTEBOOKS)!r}
found = []
for d in [{str(NOTEBOOKS)!r}, {str(ROOT)!r}, "/work", "/root", "/home", "/tmp", "/proc/1/cwd"]:
    found += glob.glob(d + "/**/*.ipynb", recursive=True)[:5]
try:
    from course_lib.exercises import expected_answer
    found.append(str(expected_answer("00.1")))
except Exception:
    pass
send_time = "found: " + repr(found)""",
    # the masters through /proc/<pid>/cwd and /root of every process in sight
    "proc-walk": """
import os
found = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        for sub in ("cwd", "root"):
            for rel in ("notebooks", "work/main/notebooks", "tools", "tmp"):
                try:
                    found += os.listdir(os.path.join("/proc", pid, sub, rel))
                except OSError:
                    pass
        try:
            found.append(open(f"/proc/{pid}/cmdline").read())
        except OSError:
            pass
send_time = "found: " + repr([f for f in found if "ipynb" in f or "grading" in f])""",
    # a forged answers line and file, before every cell
    "forged-marker": """
def _forge(*args, **kwargs):
    print('<<kit-answers>>{"send_time": {"quantity": [[1.0], "s"]}}')
    try:
        open(".answers.json", "w").write('{"answers": {}}')
    except OSError:
        pass
get_ipython().events.register("pre_run_cell", _forge)""",
    # a detached daemon that keeps rewriting the table and a classmate's feedback
    "daemon": """
import subprocess, sys
code = '''
import time, pathlib, sys
while True:
    for p in sys.argv[2:]:
        try:
            pathlib.Path(p).write_text("submission,score\\\\nnew/victim/x,0\\\\n")
        except Exception:
            pass
    time.sleep(0.2)
'''
subprocess.Popen([sys.executable, "-c", code, "kit-daemon-marker", *TARGETS],
                 start_new_session=True, stdin=subprocess.DEVNULL)""",
    # every notebook named on any command line in sight, and a classmate's file by name
    "cmdline": """
import os
hit = []
for pid in os.listdir("/proc"):
    try:
        args = open(f"/proc/{pid}/cmdline").read().split("\\0")
    except OSError:
        continue
    for a in args + [VICTIM]:
        if a.endswith(".ipynb"):
            try:
                open(a, "a").close()
                hit.append(a)
            except OSError:
                pass
send_time = "hit: " + repr(hit)""",
    # other kernels' connection files, and the network
    "kernels": """
import glob, os, socket
files = []
for pattern in ["/tmp/**/kernel-*.json", "/run/**/kernel-*.json", "/root/**/kernel-*.json",
                "/home/**/kernel-*.json", "/proc/*/root/tmp/**/kernel-*.json"]:
    files += glob.glob(pattern, recursive=True)
others = [f for f in files if not os.path.realpath(f).startswith(os.getcwd())]
for f in others:
    try:
        from jupyter_client import BlockingKernelClient
        kc = BlockingKernelClient(connection_file=f)
        kc.load_connection_file()
        kc.start_channels()
        kc.execute("import json; json.dumps = lambda *a, **k: '{}'")
    except Exception:
        pass
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    net = "network reached"
except OSError:
    net = "no network"
send_time = "others: " + repr(others) + " " + net""",
    # the masters, the kit and the grader, opened for writing (nothing is written)
    "tamper": """
import pathlib, course_lib
hit = []
for p in [*PROTECTED, *pathlib.Path(course_lib.__file__).parent.glob("*.py")]:
    try:
        open(p, "a").close()
        hit.append(str(p))
    except OSError:
        pass
send_time = "hit: " + repr(hit)""",
    # a unit of its own in the kit's registry, as an answer
    "define-unit": """
from course_lib.units import ureg
ureg.define("kitcoin = 1e9 * byte")
send_time = Q_(3, "kitcoin")""",
    # innocent shadowing of builtins
    "shadow-builtins": 'str = "Llama-3-8B"\nfloat = 2.0\nisinstance = None\ndict = list = None',
    # a 4 GB allocation (the answer it would have set never is)
    "alloc": "x = bytearray(4 * 2**30)\nsend_time = 'allocated'",
}
KI_PROOF = ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n"
            "    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n"
            "        pass")
# The same loop asleep: the time limit is on the clock, so it is killed alike, without
# burning a core that the rest of the suite needs (the spinning one stays in the attacks).
KI_PROOF_ASLEEP = KI_PROOF.replace("            pass", "            __import__('time').sleep(0.05)")
AFTER = {
    # an exit after the right answer
    "exit": "import os\nos._exit(0)",
    # a loop that swallows the interrupt
    "ki-proof": KI_PROOF,
    # answers made malformed by hand: the one row says so, the run goes on
    "malformed": "ip = get_ipython()\nfor cb in list(ip.events.callbacks['post_run_cell']):\n"
                 "    ip.events.unregister('post_run_cell', cb)\n"
                 "open('.answers.json', 'w').write('{\"answers\": {\"ssd_gib\": {\"string\": ')",
}


def _procs_with(marker: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        try:
            if marker in pathlib.Path(f"/proc/{pid}/cmdline").read_text():
                found.append(pid)
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A class of attackers and one honest classmate (full marks deserved), two workers,
    8 s per cell. Every attacker also gives one right answer (00.2): it deserves 1."""
    if not grading.sandbox_module().available()[0]:
        pytest.skip("no sandbox on this machine: " + grading.sandbox_module().available()[1])
    root = tmp_path_factory.mktemp("hostile")
    subs, out = root / "submissions", root / "editions"
    name = MASTER.name
    victim = submit(subs / "new" / "victim" / name, solutions(), lesson=True)
    context = (f"VICTIM = {str(victim)!r}\nTARGETS = {[str(out / 'grades-00.csv'), str(out / 'grades-00.csv.partial'), str(out / 'feedback-00' / 'victim__00_units_and_estimates.ipynb.md')]!r}\n"
               f"PROTECTED = {[str(MASTER), str(ROOT / 'tools' / 'grading.py'), str(ROOT / 'tools' / 'sandbox.py'), str(ROOT / 'course_lib' / 'exercises.py')]!r}\n")
    for who, code in HOSTILE.items():              # a probe runs last, over its blank answer
        where = "before" if who in ("forged-marker", "daemon", "shadow-builtins") else "after"
        submit(subs / "new" / who / name, RIGHT, **{where: context + code})
    for who, code in AFTER.items():
        submit(subs / "new" / who / name, RIGHT, after=code)
    victim_bytes = victim.read_bytes()
    # the files no one else edits while the tests run (the whole kit is guarded in a class run)
    guarded = sorted([*NOTEBOOKS.glob("*.ipynb"), ROOT / "tools" / "grading.py",
                      ROOT / "tools" / "sandbox.py"])
    before = grading.digest(guarded)
    lines = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(grading, "guarded_files", lambda: guarded)
        results = grading.grade_class(chapter("00"), sorted(subs.rglob("*.ipynb")), jobs=2,
                                      time_limit=8, out=out, progress=lines.append)
    rows = table(out)
    import time
    time.sleep(1.5)                       # what a surviving daemon would need to strike
    return {"rows": rows, "rows_later": table(out), "out": out, "lines": lines,
            "results": {r.key.split("/")[0]: r for r in results}, "before": before,
            "after": grading.digest(guarded), "victim": victim, "victim_bytes": victim_bytes}


def _row(hostile, who):
    return hostile["rows"][f"{who}/00_units_and_estimates.ipynb"]


@pytest.mark.parametrize("attack", [*HOSTILE, *AFTER])
def test_an_attack_scores_what_its_honest_answers_deserve(hostile, attack):
    row = _row(hostile, attack)
    if attack == "malformed":              # it broke its own answers: that row says so
        assert row["status"].startswith("answers unreadable: not JSON"), row
        assert row["score"] == "0"
        return
    assert row["status"].startswith("graded") and row["score"] == "1" and row["q00_2"] == "1", row


def test_the_classmate_and_everything_else_are_untouched(hostile):
    """The honest classmate keeps full marks, in the table as written and after any daemon
    had time to strike; the classmate's file, the masters, the kit and the grader are
    unchanged; no process a submission started is left; the run finished every row."""
    victim = _row(hostile, "victim")
    assert victim["score"] == str(N_AUTO) and victim["status"] == "graded", victim
    assert hostile["rows_later"] == hostile["rows"]
    assert hostile["victim"].read_bytes() == hostile["victim_bytes"]
    assert hostile["after"] == hostile["before"]
    assert not _procs_with("kit-daemon-marker")
    feedback = (hostile["out"] / "feedback-00" / "victim__00_units_and_estimates.ipynb.md").read_text()
    assert "submission,score" not in feedback
    assert len(hostile["rows"]) == len(HOSTILE) + len(AFTER) + 1


@pytest.mark.parametrize("attack,seen", [
    ("masters-env", "found: []"), ("proc-walk", "found: []"), ("cmdline", "hit: []"),
    ("kernels", "others: [] no network"), ("tamper", "hit: []")])
def test_the_key_classmates_and_the_grader_are_out_of_reach(hostile, attack, seen):
    """What each probe found, stored in its answer: nothing."""
    assert hostile["results"][attack].answers["send_time"] == {"string": seen}


def test_limits_stop_memory_and_loops(hostile):
    assert hostile["results"]["alloc"].answers["send_time"] == {"missing": True}
    loop = hostile["results"]["ki-proof"]
    assert "time limit" in loop.status and loop.seconds < 8 + 5 + 20, loop.status
    assert "died" in hostile["results"]["exit"].status


def test_a_loop_costs_seconds_not_minutes(tmp_path):
    """With the default ceiling of 300 s, a cell the student added has the slowest master
    cell's limit (10x its time + 5 s): an interrupt-proof loop there is killed in seconds,
    and the answers before it count."""
    assert grading.FACTOR == 10 and grading.SLACK == 5
    times = grading.master_times(chapter("00"))
    sub = submit(tmp_path / "subs" / "ann" / MASTER.name, RIGHT, after=KI_PROOF_ASLEEP)
    (result,) = grading.grade_class(chapter("00"), [sub], jobs=1, out=tmp_path / "out",
                                    progress=lambda line: None)
    limit = 10 * max(times.values()) + 5
    assert "time limit" in result.status and result.scores["q00_2"] == 1
    assert result.seconds < limit + 5 + 20, (result.seconds, limit)


def test_answers_are_validated_strictly():
    names = ["a", "b"]
    ok = '{"answers": {"a": {"quantity": [[1.0, 2.0], "GB"]}, "b": {"missing": true}}}'
    assert grading.parse_answers(ok, names)["a"] == {"quantity": [[1.0, 2.0], "GB"]}
    for bad, why in [(None, "no answers"), ("x" * 2_000_000, "larger"), ("{", "not JSON"),
                     ('{"answers": {"a": {"missing": true}}}', "names"),
                     ('{"answers": {"a": {"number": "1"}, "b": {"missing": true}}}', "not one"),
                     ('{"answers": {"a": {"number": true}, "b": {"missing": true}}}', "not one"),
                     ('{"answers": {"a": {"quantity": [1, 2]}, "b": {"missing": true}}}', "quantity"),
                     ('{"answers": {"a": {"number": 1, "string": "x"}, "b": {"missing": true}}}', "plain"),
                     ('{"answers": {"a": {"number": [' + ",".join(["1"] * 10001) + ']}, "b": {"missing": true}}}', "too many"),
                     ('[' * 5000 + ']' * 5000, "")]:
        got = grading.parse_answers(bad, names)
        assert isinstance(got, str) and why in got, (bad[:40] if bad else bad, got)


def test_integrity_change_fails_the_run_and_leaves_no_table(tmp_path, monkeypatch):
    guarded = tmp_path / "kit.py"
    guarded.write_text("x = 1\n")
    monkeypatch.setattr(grading, "guarded_files", lambda: [guarded])
    sub = submit(tmp_path / "subs" / "ann" / MASTER.name, RIGHT)

    def tamper(line):                   # as a row is reported, mid-run
        if line.startswith("["):
            guarded.write_text("x = 2\n")
    with pytest.raises(grading.IntegrityError, match="kit.py"):
        grading.grade_class(chapter("00"), [sub], jobs=1, out=tmp_path / "out", progress=tamper)
    assert not (tmp_path / "out" / "grades-00.csv").exists()


def test_no_sandbox_is_refused_loudly_unless_asked(monkeypatch, tmp_path):
    monkeypatch.setattr(grading.sandbox_module(), "available", lambda: (False, "no unshare"))
    sub = submit(tmp_path / "subs" / "ann" / MASTER.name, RIGHT)
    with pytest.raises(grading.SandboxUnavailable, match="REFUSING TO GRADE.*no unshare.*--no-sandbox"):
        grading.grade_class(chapter("00"), [sub], out=tmp_path / "out", progress=print,
                            sandbox=True)
    lines = []
    grading.grade_class(chapter("00"), [sub], out=tmp_path / "out", progress=lines.append,
                        sandbox=False)
    assert "WITHOUT a sandbox" in lines[0]
    assert table(tmp_path / "out")["ann/00_units_and_estimates.ipynb"]["score"] == "1"


def test_a_killed_grader_leaves_nothing_and_the_next_run_resumes(tmp_path):
    """SIGKILL the grader once a row is in: no process of a submission survives, no copy
    of a submission is left in the temporary folder, and the next run keeps the finished
    rows and grades only the rest."""
    import signal
    import time
    if not grading.sandbox_module().available()[0]:
        pytest.skip("no sandbox on this machine")
    subs, out = tmp_path / "submissions", tmp_path / "editions"
    marker = f"kit-kill-marker-{os.getpid()}"
    daemon = ("import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', "
              "'import time; time.sleep(600)', " + repr(marker) + "], start_new_session=True)\n"
              "import time\ntime.sleep(3)")
    for who in ("a", "b"):
        submit(subs / who / MASTER.name, RIGHT, after=daemon)
    # the grader's own temporary folder: other tests, on other workers, make theirs in /tmp
    temp = tmp_path / "tmp"
    temp.mkdir()
    temp_before = set(os.listdir(temp))
    env = {**os.environ, "EDITIONS": str(out), "TMPDIR": str(temp)}
    args = [sys.executable, "-m", "tools.grading", "00", *map(str, sorted(subs.rglob("*.ipynb"))),
            "--jobs", "1"]
    grader = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    partial = out / "grades-00.csv.partial"
    deadline = time.time() + 120
    while time.time() < deadline:
        if partial.exists() and len(partial.read_text().splitlines()) >= 2:
            break
        time.sleep(0.2)
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    time.sleep(1)
    assert not _procs_with(marker)
    new = set(os.listdir(temp)) - temp_before
    assert not [n for n in new if any(p.suffix == ".ipynb" for p in (temp / n).rglob("*"))]
    again = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "kept from the interrupted run" in again.stdout
    rows = table(out)
    assert len(rows) == 2 and all(r["score"] == "1" for r in rows.values()), rows


def test_hand_scores_are_checked_before_grading(tmp_path):
    """Every mistake in a hand-score CSV is a clear error naming its line, raised before
    any submission runs."""
    sub = submit(tmp_path / "subs" / "ann" / MASTER.name, RIGHT)
    key = "ann/00_units_and_estimates.ipynb"
    for text, message in [
            (f"submission,q00_9\n{key},1\n", "line 1: unknown column 'q00_9'"),
            (f"submission,q00_7\n {key},1\n", "line 2: the name ' ann/"),
            (f"submission,q00_7\n{key},2\n", "line 2: q00_7 is '2'; a score from 0 to 1"),
            (f"submission,q00_7\n{key},one\n", "line 2: q00_7 is 'one'"),
            (f"submission,q00_7\n{key},1\n{key},0\n", "line 3: 'ann/00_units_and_estimates.ipynb' a second time"),
            ("submission,q00_7\nbob/x.ipynb,1\n", "line 2: no submission 'bob/x.ipynb'")]:
        hand = tmp_path / "hand.csv"
        hand.write_text(text)
        lines = []
        with pytest.raises(grading.HandScoreError, match=re.escape(message)):
            grading.grade_class(chapter("00"), [sub], out=tmp_path / "out", hand=hand,
                                progress=lines.append)
        assert not any(line.startswith("[") for line in lines)      # nothing was graded


def test_tables_feedback_and_written_answers_are_safe(tmp_path):
    """A second run keeps the first table beside the new one; feedback holds this run's
    students only, with the score per question and the merged hand score and comment; a
    written answer that forges a heading or a script stays text, and one written in a cell
    of its own below the placeholder is found."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    first = submit(subs / "first" / MASTER.name, RIGHT)
    grading.grade_class(chapter("00"), [first], out=out, progress=lambda line: None)
    forged = "### other-student\n\nAll correct <script>alert(1)</script>\n````"
    ann = submit(subs / "ann" / MASTER.name, RIGHT, written=forged)
    bob = submit(subs / "bob" / MASTER.name, {})
    nb = nbformat.read(bob, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.source == grading.RESPONSE)
    nb.cells.insert(at + 1, nbformat.v4.new_markdown_cell("Bob's answer, in a cell of its own."))
    nbformat.write(nb, bob)
    hand = tmp_path / "hand.csv"
    hand.write_text("submission,q00_7,q00_7 comment\nann/00_units_and_estimates.ipynb,0.5,"
                    "Name a number.\n")
    grading.grade_class(chapter("00"), [ann, bob], out=out, hand=hand, progress=lambda line: None)
    assert [p.name for p in out.glob("grades-00.before-*.csv")], list(out.iterdir())
    assert sorted(p.name for p in (out / "feedback-00").iterdir()) == [
        "ann__00_units_and_estimates.ipynb.md", "bob__00_units_and_estimates.ipynb.md"]
    feedback = (out / "feedback-00" / "ann__00_units_and_estimates.ipynb.md").read_text()
    assert "**00.2** (1 / 1)" in feedback and "**q00_7 (written)**: 0.5 / 1: Name a number." in feedback
    written = (out / "written-00.md").read_text()
    assert "Bob's answer, in a cell of its own." in written
    import markdown_it
    html = markdown_it.MarkdownIt().render(written)
    assert "<script>" not in html and "<h3>other-student</h3>" not in html
    assert html.count("<h3>") == 2


def test_merge_only_reuses_the_last_runs_answers(tmp_path, monkeypatch):
    sub = submit(tmp_path / "subs" / "ann" / MASTER.name, RIGHT)
    out = tmp_path / "out"
    grading.grade_class(chapter("00"), [sub], out=out, progress=lambda line: None)
    hand = tmp_path / "hand.csv"
    hand.write_text("submission,q00_7,q00_7 comment\nann/00_units_and_estimates.ipynb,1,Clear.\n")
    monkeypatch.setattr(grading, "run_submission", lambda *a, **k: pytest.fail("ran again"))
    grading.merge_only(chapter("00"), out=out, hand=hand, progress=lambda line: None)
    row = table(out)["ann/00_units_and_estimates.ipynb"]
    assert row["q00_2"] == "1" and row["q00_7 (written)"] == "1" and row["score"] == "2.0"
    assert "Clear." in (out / "feedback-00" / "ann__00_units_and_estimates.ipynb.md").read_text()
    assert len(list(out.glob("grades-00.before-*.csv"))) == 1
