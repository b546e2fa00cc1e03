"""One submission, run in a sandbox: its answers come out as data, nothing else does.

The grading process (:mod:`tools.grading`) starts, per submission::

    unshare --mount --pid --net --fork --mount-proc --kill-child  python -m tools.sandbox --inside

and sends the notebook on its standard input. Inside, still root but in namespaces of its
own (a process tree, a network with loopback alone, a view of the filesystem), this module:

1. covers with empty, read-only tmpfs every place a key or a classmate could be: the
   checkout's top folder (``/work``, ``/home``...), ``/root``, ``/tmp``, ``/var/tmp``,
   ``/dev/shm``, ``/run``, ``/srv``, ``/opt``, ``/mnt``, ``/media``; then lays back,
   read-only, only what a kernel needs: the Python installation, the virtual environment
   and the kit's own package and tables (``course_lib/``, ``data/``; never ``notebooks/``,
   ``tools/``, ``tests/``, ``editions/``, ``.git`` or ``.cache``). ``/`` itself becomes
   read-only; the one writable place is a size-limited tmpfs, ``/tmp/submission``, that
   exists only in this namespace (no copy of a submission is ever written to disk);
2. drops to an unprivileged user (uid/gid 65534, no groups, ``no_new_privs``, no
   capabilities), with limits on address space (3 GB), processes, CPU time, file size;
3. runs the notebook cell by cell in a fresh kernel (nbclient), each cell with its own time
   limit; a cell still running a few seconds after its interrupt (a loop that catches
   ``KeyboardInterrupt``) has its kernel killed;
4. returns one JSON line on a descriptor the kernel does not hold: the answers file the
   kernel wrote after its last completed cell (raw text, judged and validated outside),
   which cells failed, where the notebook stopped.

The kernel's first cell, run before any of the student's, builds the collector in a module
of its own with the references it needs (builtins, ``json``, ``numpy``, ``pint``) captured
at that moment, and registers it to run after every cell: shadowing ``str`` or ``float``
cannot break it, and an answer given before ``os._exit``, a crash or a kill still counts.

When the namespace's first process (this one) exits, the kernel and everything it started
die with it: no daemon outlives a submission or holds a pipe open.

``--no-sandbox`` runs the same steps without namespaces, user or mounts, as the grader's
user, with a temporary folder that is deleted afterwards (for machines where namespaces
cannot be set up; the grader refuses to run that way unless told to).
"""
from __future__ import annotations

import ctypes
import json
import math
import os
import pathlib
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
UID = GID = 65534                           # nobody / nogroup
MEMORY = 3 * 2**30                          # address space of the kernel, bytes
PROCESSES = 512                             # counted per user, across sandboxes
FILE_SIZE = 256 * 2**20
SCRATCH_SIZE = "512m"
# Caches a kernel starts with, copied from the grader's folders (read before the covers go
# on): the kit's registry (COURSE_LIB_CACHE) and matplotlib's font list (MPLCONFIGDIR)
WARM = (".cache/kit", ".config/matplotlib")
GRACE = 5.0                                 # after an interrupt, before the kernel is killed
ANSWERS_CAP = 1_000_000                     # bytes of the answers file read back
HIDDEN = ("/tmp", "/var/tmp", "/dev/shm", "/run", "/root", "/home", "/srv", "/opt", "/mnt",
          "/media")
SYSTEM = {"/", "/usr", "/etc", "/lib", "/lib64", "/bin", "/sbin", "/var", "/dev", "/proc",
          "/sys"}

# The kernel's first cell: a collector in a module of its own, with its references taken
# now, registered to write the answers after every cell.
COLLECTOR = r'''
import builtins as _b, json as _json, os as _os
import numpy as _np
try:
    import pint as _pint
    _QUANTITY = _pint.Quantity
except Exception:
    _QUANTITY = ()
_isinstance, _str, _float, _bool, _type, _len = _b.isinstance, _b.str, _b.float, _b.bool, _b.type, _b.len
_Exception, _open, _replace, _dumps = _b.Exception, _b.open, _os.replace, _json.dumps
_asarray, _bool_, _ellipsis = _np.asarray, _np.bool_, _b.Ellipsis
from IPython import get_ipython as _get_ipython
_NS = _get_ipython().user_ns
VARIABLES, PATH, CAP = __VARIABLES__, __PATH__, 10000

def _name(value):
    try:
        return _str(_type(value).__name__)[:80]
    except _Exception:
        return "object"

def _numbers(value):
    array = _asarray(value, dtype=_float)
    if array.size > CAP:
        raise ValueError(f"{array.size} numbers")
    return array.tolist()

def plain(value):
    try:
        if _QUANTITY and _isinstance(value, _QUANTITY):
            return {"quantity": [_numbers(value.magnitude), _str(value.units)[:200]]}
        if value is _ellipsis or value is None:
            return {"missing": True}
        if _isinstance(value, (_bool, _bool_)):
            return {"bool": _bool(value)}
        if _isinstance(value, _str):
            return {"string": _str.__str__(value)[:1000]}
        return {"number": _numbers(value)}
    except _Exception as exc:
        return {"unreadable": f"{_name(value)}: {_str(exc)[:160]}"}

def collect(*_):
    try:
        text = _dumps({"answers": {n: plain(_NS.get(n, _ellipsis)) for n in VARIABLES}})
        with _open(PATH + ".part", "w") as f:
            f.write(text)
        _replace(PATH + ".part", PATH)
    except _Exception:
        pass
'''
INSTALL = '''\
def __kit_install(source):
    import sys, types
    module = types.ModuleType("_kit_collect")
    exec(compile(source, "<kit collector>", "exec"), module.__dict__)
    get_ipython().events.register("post_run_cell", module.collect)
    module.collect()
__kit_install(%r)
del __kit_install
'''


# ---- outside: start one sandbox ----------------------------------------------------------

_probe: tuple[bool, str] | None = None


def command(sandboxed: bool) -> list[str]:
    """The sandbox's command line; ``setpriv --pdeathsig KILL`` ends it (and, through
    ``--kill-child``, everything inside) if the grader is killed."""
    inner = [sys.executable, "-m", "tools.sandbox", "--inside"]
    setpriv = shutil.which("setpriv")
    guard = [setpriv, "--pdeathsig", "KILL"] if setpriv else []
    if not sandboxed:
        return guard + inner + ["--no-sandbox"]
    return guard + [shutil.which("unshare") or "unshare", "--mount", "--pid", "--net",
                    "--fork", "--mount-proc", "--kill-child", "--propagation", "private", *inner]


def available() -> tuple[bool, str]:
    """Whether a sandbox can be set up here, and if not, why (checked once per process by
    starting one and asking it what it can see)."""
    global _probe
    if _probe is None:
        if os.geteuid() != 0:
            _probe = (False, "the sandbox needs root (namespaces, mounts, a switch to uid "
                             f"{UID}); this process runs as uid {os.geteuid()}")
        elif not shutil.which("unshare"):
            _probe = (False, "util-linux's unshare is not installed")
        else:
            out = run({"probe": True}, sandboxed=True, timeout=60)
            seen = out.get("probe")
            if out.get("error") or not seen:
                _probe = (False, out.get("error") or "the sandbox did not answer")
            elif seen != {"uid": UID, "visible": [], "processes": 1, "writable_tmp": False}:
                _probe = (False, f"the sandbox is not tight: {seen}")
            else:
                _probe = (True, "")
    return _probe


def run(spec: dict, sandboxed: bool = True, timeout: float = 600) -> dict:
    """Run ``spec`` (notebook, variables, per-cell limits) in a sandbox; the inside's
    answer, or ``{"error": ...}``. Everything started inside is gone when this returns."""
    proc = subprocess.Popen(command(sandboxed), cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, env=_clean_env())
    try:
        out, err = proc.communicate(json.dumps(spec).encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return {"error": f"time limit: still running after {timeout:.0f} s"}
    finally:
        _kill(proc)
    lines = out.decode("utf-8", "replace").strip().splitlines()
    if not lines:
        return {"error": "the sandbox failed: "
                         + err.decode("utf-8", "replace").strip()[-300:].replace("\n", " ")}
    try:
        answer = json.loads(lines[-1])
    except json.JSONDecodeError:
        return {"error": "the sandbox's reply was unreadable"}
    return answer if isinstance(answer, dict) else {"error": "the sandbox's reply was unreadable"}


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)        # unshare, and with it (--kill-child) pid 1
    except ProcessLookupError:
        pass
    proc.wait()


def _clean_env() -> dict:
    keep = {"PATH", "LANG", "LC_ALL", "TZ"}
    return {k: v for k, v in os.environ.items() if k in keep} | {"PYTHONDONTWRITEBYTECODE": "1"}


# ---- inside ------------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_char_p]
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC = 1, 2, 4, 32, 4096, 16384


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = lambda s: None if s is None else str(s).encode()
    if _libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} on {target}: {os.strerror(err)}")


def _keep() -> list[pathlib.Path]:
    """What a kernel needs to see: Python, the environment, the kit's package and tables."""
    paths = {pathlib.Path(sys.base_prefix).resolve(), pathlib.Path(sys.prefix).resolve(),
             ROOT / "course_lib", ROOT / "data"}
    return sorted(p for p in paths if p.exists())


def _hide_and_confine(scratch: pathlib.Path) -> None:
    """Cover the filesystem's private places, lay back what the kernel needs, read-only."""
    keep = _keep()
    fds = [os.open(p, os.O_PATH | os.O_DIRECTORY) for p in keep]
    top = "/" + ROOT.parts[1]
    # every top-level folder that is not the system's (another checkout in /work or /srv,
    # a mounted share...), not only the usual private places
    others = sorted(f"/{d}" for d in os.listdir("/"))
    hidden = [h for h in (*HIDDEN, top, *others)
              if h not in SYSTEM and os.path.isdir(h) and not os.path.islink(h)]
    for h in dict.fromkeys(hidden):
        _mount("tmpfs", h, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
    for p, fd in zip(keep, fds):
        p.mkdir(parents=True, exist_ok=True)       # in a fresh tmpfs when under a hidden place
        _mount(f"/proc/self/fd/{fd}", p, None, MS_BIND | MS_REC)
        _mount(None, p, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.close(fd)
    scratch.mkdir(parents=True)
    _mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV,
           f"mode=700,uid={UID},gid={GID},size={SCRATCH_SIZE}")
    for h in dict.fromkeys(hidden):                # the covers themselves: read-only
        _mount(None, h, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "mode=755")
    _mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY)
    _loopback_up()


def _loopback_up() -> None:
    import fcntl
    import socket
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s, 0x8914, struct.pack("16sH14x", b"lo", 0x1 | 0x8 | 0x40))   # UP|LOOPBACK|RUNNING


def _drop_privileges(cpu_seconds: float) -> None:
    os.setgroups([])
    os.setresgid(GID, GID, GID)
    os.setresuid(UID, UID, UID)                    # from root: every capability goes too
    _libc.prctl(38, 1, 0, 0, 0)                    # PR_SET_NO_NEW_PRIVS
    _libc.prctl(4, 0, 0, 0, 0)                     # PR_SET_DUMPABLE 0: no /proc/1/fd, no ptrace
    _limits(cpu_seconds)


def _limits(cpu_seconds: float) -> None:
    cpu = int(cpu_seconds) + 1
    for what, value in ((resource.RLIMIT_AS, MEMORY), (resource.RLIMIT_NPROC, PROCESSES),
                        (resource.RLIMIT_CPU, cpu), (resource.RLIMIT_FSIZE, FILE_SIZE),
                        (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(what, (value, value))


def _environment(scratch: pathlib.Path) -> None:
    os.environ.clear()
    os.environ.update(
        PATH="/usr/local/bin:/usr/bin:/bin", HOME=str(scratch), USER="nobody", LOGNAME="nobody",
        LANG="C.UTF-8", MPLBACKEND="Agg", MPLCONFIGDIR=str(scratch / ".config/matplotlib"),
        IPYTHONDIR=str(scratch / ".ipython"), JUPYTER_RUNTIME_DIR=str(scratch / ".runtime"),
        JUPYTER_CONFIG_DIR=str(scratch / ".jupyter"), JUPYTER_DATA_DIR=str(scratch / ".local"),
        JUPYTER_PLATFORM_DIRS="1", XDG_CACHE_HOME=str(scratch / ".cache"),
        XDG_CONFIG_HOME=str(scratch / ".config"), COURSE_LIB_CACHE=str(scratch / ".cache/kit"),
        COURSE_LIB_MASTERS=str(scratch / ".no-masters"), PYTHONDONTWRITEBYTECODE="1",
        OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")


def _probe_inside() -> dict:
    try:
        open("/tmp/probe", "w").close()
        writable = True
    except OSError:
        writable = False
    private = [ROOT / "notebooks", ROOT / "tools", ROOT / ".git", ROOT / "editions",
               pathlib.Path("/root/.cache"), pathlib.Path(tempfile.gettempdir()) / "kit-grade"]
    return {"uid": os.getuid(), "visible": [str(p) for p in private if os.path.exists(p)],
            "processes": sum(1 for p in os.listdir("/proc") if p.isdigit()),
            "writable_tmp": writable}


def inside(sandboxed: bool) -> dict:
    spec = json.loads(sys.stdin.buffer.read())
    import nbformat                                # everything read before the covers go on
    from nbclient import NotebookClient            # noqa: F401
    from nbclient.exceptions import DeadKernelError  # noqa: F401

    warm = {target: {p.name: p.read_bytes() for p in pathlib.Path(source).glob("*")
                     if p.is_file()}
            for target, source in (spec.get("warm") or {}).items() if target in WARM}
    if sandboxed:
        scratch = pathlib.Path("/tmp/submission")
        _hide_and_confine(scratch)
        os.chdir(scratch)
        _drop_privileges(spec.get("cpu", 600))
    else:
        scratch = pathlib.Path(tempfile.mkdtemp(prefix="kit-submission-"))
        os.chdir(scratch)
    try:
        if spec.get("probe"):
            return {"probe": _probe_inside()}
        _environment(scratch)
        (scratch / ".no-masters").mkdir()
        for target in WARM:
            (scratch / target).mkdir(parents=True)
            for name, data in warm.get(target, {}).items():
                (scratch / target / name).write_bytes(data)
        nb = nbformat.from_dict(json.loads(spec["notebook"]))   # checked outside; code only
        if not isinstance(nb.get("cells"), list):
            return {"error": "not a notebook (no list of cells)"}
        nb.cells = [c for c in nb.cells if isinstance(c, dict) and c.get("cell_type") == "code"
                    and isinstance(c.get("source"), (str, list))]
        for c in nb.cells:
            c.source = "".join(c.source) if isinstance(c.source, list) else c.source
            c.setdefault("metadata", {})
            c.setdefault("outputs", [])
        return execute(nb, spec["variables"], spec["limits"], scratch, sandboxed)
    finally:
        if not sandboxed:
            shutil.rmtree(scratch, ignore_errors=True)


def execute(nb, variables: list[str], limits: list[float], scratch: pathlib.Path,
            sandboxed: bool) -> dict:
    """Run the notebook's code cells in order, ``limits[i]`` seconds for code cell ``i``;
    the answers file the kernel wrote last, and what went wrong where."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    path = scratch / ".answers.json"
    source = COLLECTOR.replace("__VARIABLES__", repr(list(variables))).replace("__PATH__", repr(str(path)))
    cells = [nbformat.v4.new_code_cell(INSTALL % source)]
    cells += [c for c in nb.cells if c.cell_type == "code"]
    nb.cells = cells
    default = float(limits[-1]) if limits else 60.0
    limits = [60.0] + [float(x) for x in limits][:len(cells) - 1]
    limits += [default] * (len(cells) - len(limits))
    client = NotebookClient(nb, allow_errors=True, interrupt_on_timeout=True,
                            kernel_name="python3", shutdown_kernel="immediate",
                            extra_arguments=["--HistoryManager.enabled=False"],
                            error_on_timeout={"ename": "TimeLimit", "evalue": "", "traceback": []},
                            resources={"metadata": {"path": str(scratch)}})
    errors, stopped, interrupted = [], None, 0
    watch = _Watchdog(lambda: _kill_kernel(client, sandboxed))
    try:
        with client.setup_kernel():
            for index, cell in enumerate(cells):
                # a cell's limit; after an interrupt, the late cell's own deadline still
                # holds until a cell completes (the interrupt worked) or the kernel is killed
                client.timeout = max(1, math.ceil(limits[index]))
                watch.arm(index, limits[index])
                began = time.monotonic()
                try:
                    client.execute_cell(cell, index)
                except DeadKernelError:
                    stopped = (f"code cell {watch.culprit[0]} ran past its time limit of "
                               f"{watch.culprit[1]:g} s and was stopped" if watch.fired else
                               f"the kernel died in code cell {index} (a crash or an exit)")
                    break
                late = time.monotonic() - began >= limits[index]
                for o in cell.get("outputs", []):
                    if o.get("output_type") == "error":
                        late = late or o.get("ename") in ("KeyboardInterrupt", "TimeLimit")
                        if index and o.get("ename") not in ("KeyboardInterrupt", "TimeLimit"):
                            errors.append([index, str(o.get("ename"))[:80]])
                interrupted += late
                watch.done(index, limits[index], late, began)
                if index == 0 and not path.exists():
                    return {"error": "the answer collector could not be installed"}
    except Exception as exc:                        # the kernel would not start, or broke
        stopped = stopped or f"the kernel failed: {type(exc).__name__}: {str(exc)[:160]}"
    finally:
        watch.stop()
    text = None
    try:
        with open(path, "rb") as f:
            text = f.read(ANSWERS_CAP + 1).decode("utf-8", "replace")
    except OSError:
        pass
    return {"answers_text": text, "errors": errors, "stopped": stopped,
            "interrupted": interrupted, "cells": len(cells) - 1}


class _Watchdog:
    """Kills the kernel when the running cell outlives its limit by ``GRACE``, or when a
    cell that was interrupted at its limit has not let the kernel go by then."""

    def __init__(self, kill):
        self.kill, self.fired = kill, False
        self.late = self.running = self.culprit = (0, 0.0)
        self.deadline = self.late_deadline = float("inf")
        self.lock, self.stopped = threading.Lock(), threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def arm(self, index: int, limit: float) -> None:
        with self.lock:
            self.running = (index, limit)
            self.deadline = min(time.monotonic() + limit + GRACE, self.late_deadline)

    def done(self, index: int, limit: float, late: bool, began: float) -> None:
        with self.lock:
            if late and self.late_deadline == float("inf"):   # interrupted: free again?
                self.late = (index, limit)
                self.late_deadline = began + limit + GRACE
            else:                              # a cell completed: the kernel is responsive
                self.late_deadline = float("inf")
            self.deadline = self.late_deadline

    def _run(self) -> None:
        while not self.stopped.wait(0.2):
            with self.lock:
                now = time.monotonic()
                due = now >= self.deadline
                if due and not self.fired:
                    self.culprit = self.late if now >= self.late_deadline else self.running
            if due and not self.fired:
                self.fired = True
                self.kill()

    def stop(self) -> None:
        self.stopped.set()


def _kill_kernel(client, sandboxed: bool) -> None:
    try:
        if sandboxed:
            os.kill(-1, signal.SIGKILL)           # every process of this sandbox but its first
        else:
            pid = client.km.provisioner.process.pid
            os.killpg(os.getpgid(pid), signal.SIGKILL)
    except (ProcessLookupError, AttributeError, OSError):
        pass


def main(argv: list[str]) -> int:
    if argv[:1] != ["--inside"]:
        raise SystemExit("tools.sandbox is started by tools.grading")
    sandboxed = "--no-sandbox" not in argv
    reply = os.fdopen(os.dup(1), "w")              # not inherited: the kernel cannot write it
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)                               # what the kernel inherits
    try:
        result = inside(sandboxed)
    except BaseException as exc:                   # noqa: BLE001 - the reply says what broke
        result = {"error": f"the sandbox failed: {type(exc).__name__}: {str(exc)[:200]}"}
    reply.write(json.dumps(result) + "\n")
    reply.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
