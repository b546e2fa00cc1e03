"""A class on one server: JupyterHub for the kit, the students' homes, and their work
collected for grading.

    python -m tools.hub setup            build the hub's environment in $KIT_HUB_DIR
    python -m tools.hub start            run JupyterHub (hub/jupyterhub_config.py)
    python -m tools.hub collect NN       copy each student's chapter NN to submissions/<user>/

Conventions. The hub runs as root and each student is a Unix user of the same name, with a
home only they can read (created at their first login). ``$KIT_HUB_DIR`` (default
``/srv/kit-hub``) holds what students may read: the hub's Python environment with the kit's
wheel (no masters, no answers), the proxy, a copy of the kit's ``tools`` (code only), and
the student editions staged for the next merge (the environment is built on
``$KIT_HUB_PYTHON``, default ``/usr/bin/python3``, which every user may run); its
``state/`` folder (the hub's database,
cookie secret and admin token) is root's only. The checkout, with the masters, stays
private to root.

Each time a student's server starts, the hub stages the student edition of every master
and merges it into ``~/course/`` *as the student* (the merge that keeps answers, of
``tools.editions``): a corrected chapter arrives at the next login, answers stay, and a
symbolic link in a home can only ever point the merge at what the student could write
anyway. Collection reads each file as its student too, and writes read-only copies.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import pwd
import re
import shutil
import subprocess
import sys
import threading

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Unix and JupyterHub names alike: a letter, then letters, digits, "_" or "-" (32 at most)
NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
COURSE = "course"                         # the folder of the chapters in each home
MAX_NOTEBOOK = 50 * 2 ** 20               # a submission larger than this is not collected
# What a student's server runs beside the kit's wheel (which brings its own needs), here
# and in the Kubernetes image (hub/Dockerfile); the hub's environment adds its own parts.
# (NativeAuthenticator 1.3.0's login handler times itself with JupyterHub's statsd, which
# JupyterHub 6 removed: every login failed with a 500 until the hub was held below 6. The
# server's JupyterHub must be the hub's major version: Zero to JupyterHub 4.4 runs 5.5.)
SERVER_PACKAGES = ("jupyterlab", "jupyterhub>=5,<6")
HUB_PACKAGES = SERVER_PACKAGES + ("jupyterhub-nativeauthenticator", "jupyterhub-idle-culler")
IMAGE_KIT = "/opt/kit"                    # where the image keeps the wheel, editions, tools
PROXY = "configurable-http-proxy@4"       # JupyterHub's own proxy (Node), from npm
_STAGING, _USERS = threading.Lock(), threading.Lock()    # logins run in threads


def hub_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("KIT_HUB_DIR", "/srv/kit-hub")).resolve()


def _run(command: list) -> None:
    from tools.editions import run_checked

    # an error, not an exit: the hub calls this while a student logs in
    run_checked(command, error=RuntimeError)


def setup(where: pathlib.Path | None = None) -> pathlib.Path:
    """Build (or bring up to date) the hub's folder: a Python environment with JupyterLab,
    JupyterHub, its native authenticator and idle culler, and the kit's wheel; the proxy
    from npm; the kit's ``tools``; a private ``state/`` with an admin token."""
    from tools.editions import UNNEEDED, kit_wheel, uv

    where = (where or hub_dir()).resolve()
    # students run the hub's Python: every folder above must let them through (checked
    # before anything is made; a folder still to be made is made open, 0o755)
    closed = [p for p in where.parents if p.exists() and not p.stat().st_mode & 0o001]
    if closed:
        raise SystemExit(f"students could not reach the hub's environment in {where}: "
                         f"{closed[0]} is closed to other users. Choose a HUB_DIR under an "
                         f"open folder (the default is /srv/kit-hub), or chmod o+x {closed[0]}.")
    where.mkdir(parents=True, exist_ok=True)
    where.chmod(0o755)
    python = where / "venv" / "bin" / "python"
    wheel = kit_wheel(where / "wheel")
    fast = uv()
    if not python.exists():
        # on an interpreter every student may run (the kit's own may sit in root's home)
        base = os.environ.get("KIT_HUB_PYTHON", "/usr/bin/python3")
        _run([fast, "venv", "--quiet", "--python", base, where / "venv"] if fast else
             [base, "-m", "venv", where / "venv"])
    install = ([fast, "pip", "install", "--quiet", "--compile-bytecode", "--python", python]
               if fast else [python, "-m", "pip", "install", "--quiet"])
    _run([*install, wheel, *HUB_PACKAGES])
    # jsonschema's optional rfc3987-syntax builds a grammar at import: 1.3 s of CPU in every
    # server start and every merge at login (as the Makefile does for the kit's own venv)
    _run([fast, "pip", "uninstall", "--quiet", "--python", python, UNNEEDED] if fast else
         [python, "-m", "pip", "uninstall", "--quiet", "--yes", UNNEEDED])
    # the same version number may hold a newer kit: its wheel is always put in again
    _run([*install, "--reinstall" if fast else "--force-reinstall", "--no-deps", wheel])
    if not (where / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy").exists():
        _run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix",
              where / "proxy", PROXY])
    copy_tools(where)
    state = where / "state"
    state.mkdir(exist_ok=True)
    state.chmod(0o700)
    token = state / "admin_token"
    if not token.exists():
        token.write_text(os.urandom(32).hex())
        token.chmod(0o600)
    return where


def image_context(out: pathlib.Path) -> pathlib.Path:
    """The folder ``docker build`` needs for the students' image (``hub/Dockerfile``): the
    kit's wheel, ``requirements.txt`` (that wheel and :data:`SERVER_PACKAGES`), the staged
    student editions, the kit's tools and the entry point. Nothing of the masters'
    solutions is in it."""
    from tools.editions import kit_wheel

    out.mkdir(parents=True, exist_ok=True)
    wheel = kit_wheel(out / "wheel")
    for old in (out / "wheel").glob("*.whl"):
        if old != wheel:
            old.unlink()
    (out / "requirements.txt").write_text(
        "\n".join([f"{IMAGE_KIT}/wheel/{wheel.name}", *SERVER_PACKAGES]) + "\n")
    stage_editions(out)
    copy_tools(out)
    for name in ("Dockerfile", "start.sh"):
        shutil.copy2(ROOT / "hub" / name, out / name)
    return out


def copy_tools(where: pathlib.Path) -> None:
    """The kit's ``tools`` package where students' merges can import it (code only)."""
    target = where / "kit" / "tools"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(ROOT / "tools", target, ignore=shutil.ignore_patterns("__pycache__"))
    for path in [where / "kit", *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def size_in_bytes(text: str) -> int:
    """``"4G"`` -> 4 GiB in bytes (K, M, G, T are powers of 1024, as ``prlimit`` and the
    kernel count memory); a positive whole number of bytes otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*([KMGT]?)i?B?\s*", str(text), re.IGNORECASE)
    if not match or int(match[1]) == 0:
        raise ValueError(f"a memory size like 4G or 512M, got {text!r}")
    return int(match[1]) * 1024 ** " KMGT".index(match[2].upper() or " ")


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValueError(f"{name!r} cannot be a student's name here: a lowercase letter, then "
                         "lowercase letters, digits, '_' or '-', 32 characters at most")
    return name


def ensure_user(name: str) -> pwd.struct_passwd:
    """The student's Unix user, created with a home only they can read if missing."""
    check_name(name)
    with _USERS:                         # useradd locks /etc/passwd: one at a time
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            _run(["useradd", "--create-home", "--user-group", "--shell", "/bin/bash", name])
            user = pwd.getpwnam(name)
    os.chmod(user.pw_dir, 0o700)
    return user


def stage_editions(where: pathlib.Path | None = None) -> pathlib.Path:
    """Write the student edition of every master to ``editions/`` in the hub's folder
    (readable by students: no solutions), with the masters' times, for the merges."""
    from tools import editions

    folder = (where or hub_dir()) / "editions"
    masters = os.environ.get("KIT_HUB_MASTERS")       # another folder of masters (tests)
    masters = (sorted(pathlib.Path(masters).glob("[0-9][0-9]_*.ipynb")) if masters
               else editions.chapters())
    times = {f"{m.stem}.ipynb": m.stat().st_mtime for m in masters}
    with _STAGING:                       # logins run side by side; the masters rarely change
        if (folder / "times.json").exists() and \
                json.loads((folder / "times.json").read_text()) == times:
            return folder
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
        for master in masters:
            target = folder / f"{master.stem}.ipynb"
            editions.write_whole(editions.student_edition(master), target)
            target.chmod(0o644)
        part = folder / "times.json.part"                  # written last: the stamp
        part.write_text(json.dumps(times))
        part.chmod(0o644)
        os.replace(part, folder / "times.json")
    return folder


def _as_student(user: pwd.struct_passwd, args: list, where: pathlib.Path, **kwargs):
    """Run ``python -m tools.hub ARGS`` as the student, in their home, with the hub's
    environment and the staged tools (their rights, not root's)."""
    env = {"HOME": user.pw_dir, "USER": user.pw_name, "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(where / "kit"), "KIT_HUB_DIR": str(where)}
    # -P and a working folder outside the home: the kit's tools run, not a file of the home
    return subprocess.run([str(where / "venv" / "bin" / "python"), "-P", "-m", "tools.hub",
                           *args], user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                          env=env, cwd=where / "kit", capture_output=True, timeout=120, **kwargs)


def prepare_home(name: str, where: pathlib.Path | None = None) -> str:
    """What the hub does before a student's server starts: the user, then the newest
    student editions merged into ``~/course`` as the student. Returns the merge's report."""
    where = where or hub_dir()
    user = ensure_user(name)
    staged = stage_editions(where)
    done = _as_student(user, ["merge", str(staged)], where, text=True)
    if done.returncode:
        raise RuntimeError(f"merging the chapters into {name}'s home failed:\n"
                           f"{done.stderr[-2000:]}")
    return done.stdout


def merge(staged: pathlib.Path, home: pathlib.Path | None = None) -> list[str]:
    """As the student: merge each staged edition into ``~/course`` (answers kept, the old
    file backed up first: :func:`tools.editions.merge_into`)."""
    import nbformat
    from tools.editions import merge_into

    course = (home or pathlib.Path.home()) / COURSE
    course.mkdir(mode=0o700, exist_ok=True)
    times = json.loads((staged / "times.json").read_text())
    said = []
    for name, mtime in sorted(times.items()):
        new = nbformat.read(staged / name, as_version=4)
        said.append(f"{name}: {merge_into(course / name, new, mtime)}")
    return said


def _read_own(limit: int = MAX_NOTEBOOK) -> None:
    """As the student: the bytes of the file named on stdin, to stdout (a regular file of
    at most ``limit`` bytes, not a link)."""
    path = pathlib.Path(sys.stdin.read())
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        if not os.path.isfile(f"/proc/self/fd/{fd}") or os.fstat(fd).st_size > limit:
            raise SystemExit(f"{path.name}: not a regular file of at most {limit} bytes")
        sys.stdout.buffer.write(f.read(limit + 1))


def _write_own(path: pathlib.Path) -> None:
    """As the student: stdin to ``path`` in their home (its folder made if missing),
    replacing the file whole; a link is replaced, never followed."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(sys.stdin.buffer.read(MAX_NOTEBOOK))
    os.replace(part, path)


def return_feedback(chapter_number: str, feedback: pathlib.Path,
                    students: list[str] | None = None,
                    where: pathlib.Path | None = None) -> dict[str, str]:
    """Put each student's feedback file of chapter ``NN`` (``make grade``'s
    ``feedback-NN/``, graded from :func:`collect`'s folder) in their
    ``~/course/feedback/``, written with the student's rights. Returns user -> what
    happened."""
    from course_lib.chapters import chapter
    from tools.grading import feedback_name

    where = where or hub_dir()
    name = chapter(chapter_number).notebook
    said = {}
    for user in _students(students):
        source = feedback / feedback_name(f"{user.pw_name}/{name}")
        if not source.is_file():
            said[user.pw_name] = "no feedback file (not collected or not graded)"
            continue
        target = pathlib.Path(user.pw_dir) / COURSE / "feedback" / f"{pathlib.Path(name).stem}.md"
        done = _as_student(user, ["write-own", str(target)], where, input=source.read_bytes())
        said[user.pw_name] = (f"returned to ~/{COURSE}/feedback/{target.name}" if not done.returncode
                              else "not returned: " + done.stderr.decode()[-300:].strip())
    return said


def collect(chapter_number: str, out: pathlib.Path, students: list[str] | None = None,
            where: pathlib.Path | None = None) -> dict[str, str]:
    """Copy chapter ``NN`` from each student's ``~/course`` to ``out/<user>/`` (read-only
    copies, read with the student's rights; their files untouched). Students: the names
    given, else every user with a ``~/course`` folder. Returns user -> what happened."""
    from course_lib.chapters import chapter

    where = where or hub_dir()
    name = chapter(chapter_number).notebook
    found = {}
    for user in _students(students):
        source = pathlib.Path(user.pw_dir) / COURSE / name
        done = _as_student(user, ["read-own"], where, input=str(source).encode())
        if done.returncode:
            found[user.pw_name] = "not collected: " + done.stderr.decode()[-300:].strip()
            continue
        target = out / user.pw_name / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.chmod(0o644)
        target.write_bytes(done.stdout)
        target.chmod(0o444)
        found[user.pw_name] = f"collected ({len(done.stdout):,} bytes)"
    return found


def _students(names: list[str] | None) -> list[pwd.struct_passwd]:
    if names:
        return [pwd.getpwnam(check_name(n)) for n in names]
    return sorted((u for u in pwd.getpwall() if u.pw_uid >= 1000 and NAME.fullmatch(u.pw_name)
                   and (pathlib.Path(u.pw_dir) / COURSE).is_dir()), key=lambda u: u.pw_name)


def start(where: pathlib.Path | None = None) -> None:
    """Run JupyterHub in the foreground with the kit's configuration."""
    where = where or hub_dir()
    copy_tools(where)
    os.chdir(where / "state")                      # where JupyterHub writes its files
    os.execve(str(where / "venv" / "bin" / "jupyterhub"),
              ["jupyterhub", "-f", str(ROOT / "hub" / "jupyterhub_config.py")],
              dict(os.environ, KIT_ROOT=str(ROOT), KIT_HUB_DIR=str(where)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.hub", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="build the hub's environment in $KIT_HUB_DIR")
    sub.add_parser("start", help="run JupyterHub (hub/jupyterhub_config.py)")
    i = sub.add_parser("image", help="write the build folder of the students' image")
    i.add_argument("--out", type=pathlib.Path, default=ROOT / "build" / "hub-image")
    c = sub.add_parser("collect", help="copy each student's chapter to submissions/<user>/")
    c.add_argument("chapter")
    c.add_argument("--out", type=pathlib.Path, default=ROOT / "submissions")
    c.add_argument("--students", nargs="*")
    m = sub.add_parser("merge", help=argparse.SUPPRESS)      # run as a student by the hub
    m.add_argument("staged", type=pathlib.Path)
    sub.add_parser("read-own", help=argparse.SUPPRESS)       # run as a student by collect
    w = sub.add_parser("write-own", help=argparse.SUPPRESS)  # as a student: feedback
    w.add_argument("path", type=pathlib.Path)
    r = sub.add_parser("return", help="put each student's feedback in ~/course/feedback/")
    r.add_argument("chapter")
    r.add_argument("--feedback", type=pathlib.Path, required=True,
                   help="make grade's feedback-NN folder")
    r.add_argument("--students", nargs="*")
    args = parser.parse_args(argv)
    if args.command == "setup":
        print(f"hub environment ready in {setup()}")
    elif args.command == "start":
        start()
    elif args.command == "image":
        print(f"build folder of the students' image: {image_context(args.out.resolve())}")
    elif args.command == "collect":
        for user, said in collect(args.chapter, args.out.resolve(), args.students).items():
            print(f"{user}: {said}")
    elif args.command == "merge":
        print("\n".join(merge(args.staged)))
    elif args.command == "read-own":
        _read_own()
    elif args.command == "write-own":
        _write_own(args.path)
    elif args.command == "return":
        for user, said in return_feedback(args.chapter, args.feedback.resolve(),
                                          args.students).items():
            print(f"{user}: {said}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
