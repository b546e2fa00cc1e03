"""A class on the hub, driven from outside: what the hub's tests and ``make bench`` run.

* :class:`ClassHub` runs the kit's hub (``hub/jupyterhub_config.py``) in a folder of its
  own, on free loopback ports, with a test password instead of sign-ups, and removes its
  students (Unix users) and folder when it stops.
* :class:`Student` does what a student's browser does, through the hub's proxy and with
  the student's own login cookie: log in (the server starts), open a chapter, run every
  cell in a kernel over its websocket, move a slider of an explorer, answer an exercise,
  save. Each step is timed.
* :func:`load` sends a class of students through those steps at once (a thread each) and
  :func:`summary` gives the figures a sizing decision needs: time to a ready server and
  to run every cell (p50, p95), the latency of feedback and of a slider, errors, and the
  memory of each student's processes.

    python -m tools.hub_class 5 10 20      # as root: classes of 5, 10, 20; stops at the
                                           # first size that misses a target
"""
from __future__ import annotations

import collections
import contextlib
import datetime
import http.cookiejar
import json
import os
import pathlib
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from tools import hub
from tools.lab_driver import free_port, wait_until_up

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTER = "07_capstone_earth_or_orbit.ipynb"
# What a simulated student does in chapter 07: the lever board's launch price moved one
# stop, and an answer to 07.1 (any value: the feedback's latency is measured, not its verdict)
SLIDER = "Launch price"
ANSWER = ("ground_hour_dear_power = ...", 'ground_hour_dear_power = "2 USD/hour"')
# What a class must get, per student (the sizes of `make bench` stop at the first missed)
TARGETS = {"ready_s": 60.0, "run_all_s": 60.0, "feedback_ms": 2000.0, "slider_ms": 1000.0}


class HubClient:
    """The hub's REST API with the admin token (the ``kit-admin`` service), and a student's
    server through the proxy with the same token."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token

    def _call(self, method, url, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            text = reply.read()
        return json.loads(text) if text else None

    def api(self, method, path, body=None):
        return self._call(method, f"{self.url}/hub/api/{path}", body)

    def server(self, user, method, path, body=None):
        return self._call(method, f"{self.url}/user/{user}/api/{path}", body)

    def ready(self, user) -> bool:
        return bool(self.api("GET", f"users/{user}")["servers"].get("", {}).get("ready"))

    def wait_ready(self, user, timeout=120) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready(user):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{user}'s server did not start in {timeout} s")
            time.sleep(0.25)

    def start(self, user, timeout=120):
        self.api("POST", f"users/{user}/server")
        self.wait_ready(user, timeout)

    def stop(self, user, timeout=60):
        self.api("DELETE", f"users/{user}/server")
        deadline = time.monotonic() + timeout
        while self.api("GET", f"users/{user}")["servers"] and time.monotonic() < deadline:
            time.sleep(0.5)


class ClassHub:
    """The kit's hub in ``where`` (a new folder by default), on free loopback ports, its
    students logging in with ``password``; ``masters`` replaces the chapters' folder (tests
    correct a master there). ``with ClassHub() as running:`` starts it; on exit the hub
    stops, every student made through :meth:`student` is removed, and the folder too."""

    def __init__(self, where: pathlib.Path | None = None, masters: pathlib.Path | None = None):
        self.where = where or pathlib.Path(tempfile.mkdtemp(prefix="kit-hub-"))
        self.where.chmod(0o755)                  # students reach the environment, not state/
        self.password = os.urandom(8).hex()
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env = dict(os.environ, KIT_ROOT=str(ROOT), KIT_HUB_DIR=str(self.where),
                        KIT_HUB_PORT=str(port), KIT_HUB_API_PORT=str(free_port()),
                        KIT_HUB_PROXY_PORT=str(free_port()), KIT_HUB_AUTH="dummy",
                        KIT_HUB_PASSWORD=self.password,
                        # JupyterLab's state for the browser tests (tools/lab_driver.py)
                        KIT_HUB_SERVER_ARGS="--LabApp.expose_app_in_browser=True")
        if masters:
            self.env["KIT_HUB_MASTERS"] = str(masters)
        self.students: list[str] = []
        self._procs: list[subprocess.Popen] = []
        self.client: HubClient | None = None

    def __enter__(self) -> "ClassHub":
        try:
            hub.setup(self.where)
            self.client = HubClient(self.url, (self.where / "state" / "admin_token").read_text())
            self.launch()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def log(self, tail: int = 4000) -> str:
        path = self.where / "hub.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def launch(self) -> None:
        """Start the hub (again) on the same state; return when its API answers."""
        with open(self.where / "hub.log", "a") as log:
            self._procs.append(subprocess.Popen(
                [str(self.where / "venv" / "bin" / "jupyterhub"), "-f",
                 str(ROOT / "hub" / "jupyterhub_config.py")], cwd=self.where / "state",
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        wait_until_up(lambda: self.client.api("GET", ""), self._procs[-1], "the hub",
                      lambda: self.log(3000))

    def restart(self, **changes) -> None:
        """Stop the hub as a restart of its service would (SIGTERM) and start it again,
        with ``changes`` to its environment; students' servers keep running."""
        self._procs[-1].terminate()
        self._procs[-1].wait(timeout=30)
        self.env.update(changes)
        self.launch()

    def student(self, suffix: str) -> "Student":
        """A student of this class (a Unix user made at the first login), named after
        this process so that two test runs never share one."""
        name = f"kit{os.getpid() % 100000}{suffix}"
        if name not in self.students:
            self.students.append(name)
        return Student(self, name)

    def close(self) -> None:
        for name in self.students:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        for proc in self._procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        for name in self.students:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        shutil.rmtree(self.where, ignore_errors=True)


class KernelDied(RuntimeError):
    """The kernel stopped answering (killed, or out of memory) during a request."""


class Student:
    """One student's browser session: the hub's login cookie, then the student's server
    through the proxy (its ``_xsrf`` cookie on every request, as JupyterLab sends it)."""

    def __init__(self, classroom: ClassHub, name: str):
        self.classroom, self.name = classroom, name
        self.url = classroom.url
        self.jar = http.cookiejar.CookieJar()
        self.browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.kernel: str | None = None
        self.socket = None
        self.session = uuid.uuid4().hex
        self.widgets: dict[str, dict] = {}          # comm id -> the widget's state when opened

    # ---- HTTP ----------------------------------------------------------------------------

    def _cookie(self, name: str, path_start: str) -> str | None:
        found = [c for c in self.jar if c.name == name and c.path.startswith(path_start)]
        return found[-1].value if found else None

    def _request(self, method: str, path: str, body=None, form: dict | None = None):
        headers = {}
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
        elif body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        else:
            data = None
        xsrf = self._cookie("_xsrf", f"/user/{self.name}") or self._cookie("_xsrf", "/hub")
        if xsrf and form is None:
            headers["X-XSRFToken"] = xsrf
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                         headers=headers)
        with self.browser.open(request, timeout=120) as reply:
            return reply.geturl(), reply.read()

    def api(self, method: str, path: str, body=None):
        """The student's own server's REST API (``/user/<name>/api/<path>``)."""
        text = self._request(method, f"/user/{self.name}/api/{path}", body)[1]
        return json.loads(text) if text else None

    def form(self, path: str, **fields) -> tuple[str, str]:
        """Fill in and send one of the hub's forms (``/hub/login``, ``/hub/signup``) as the
        browser does, with the ``_xsrf`` the form's page set; returns the page reached
        (after redirects) and its text."""
        self._request("GET", path.split("?")[0])                 # sets the form's _xsrf
        url, page = self._request("POST", path, form={
            **fields, "_xsrf": self._cookie("_xsrf", "/hub") or ""})
        return url, page.decode()

    def login(self, timeout: float = 120) -> float:
        """Log in with the class password; the hub starts the server. Returns the seconds
        until the server is ready and its JupyterLab page loads."""
        start = time.perf_counter()
        self.form("/hub/login?next=", username=self.name, password=self.classroom.password)
        self.classroom.client.wait_ready(self.name, timeout)
        self._request("GET", f"/user/{self.name}/lab")          # the server's own cookie
        return time.perf_counter() - start

    def open(self, chapter: str = CHAPTER) -> dict:
        return self.api("GET", f"contents/{hub.COURSE}/{chapter}")["content"]

    def save(self, nb: dict, chapter: str = CHAPTER) -> None:
        self.api("PUT", f"contents/{hub.COURSE}/{chapter}",
                 {"type": "notebook", "format": "json", "content": nb})

    # ---- the kernel ----------------------------------------------------------------------

    def start_kernel(self, chapter: str = CHAPTER) -> None:
        """A session for the chapter (what opening it in JupyterLab does), and its websocket."""
        import websocket                                     # websocket-client, with Jupyter

        made = self.api("POST", "sessions", {"path": f"{hub.COURSE}/{chapter}",
                                             "type": "notebook", "name": chapter,
                                             "kernel": {"name": "python3"}})
        self.kernel = made["kernel"]["id"]
        self._connect(websocket)

    def _connect(self, websocket) -> None:
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.jar    # what the browser
                            if c.path == "/" or c.path.startswith(f"/user/{self.name}/"))  # sends
        ws_url = self.url.replace("http", "ws", 1)
        self.socket = websocket.create_connection(
            f"{ws_url}/user/{self.name}/api/kernels/{self.kernel}/channels"
            f"?session_id={self.session}", cookie=cookies, timeout=120,
            origin=self.url)

    def recover(self, timeout: float = 60) -> None:
        """After the kernel died: what JupyterLab shows as "the kernel will restart
        automatically". Wait until the server has restarted it (restart it if it gave up),
        then open a new socket; the kernel's variables are gone, the files are not."""
        import websocket

        with contextlib.suppress(Exception):
            self.socket.close()
        deadline = time.monotonic() + timeout
        while (state := self.api("GET", f"kernels/{self.kernel}")["execution_state"]) in (
                "dead", "restarting", "autorestarting"):
            if time.monotonic() > deadline:
                raise KernelDied(f"the kernel did not come back ({state})")
            if state == "dead":
                self.api("POST", f"kernels/{self.kernel}/restart")
            time.sleep(0.25)
        self.widgets.clear()
        self._connect(websocket)
        # as JupyterLab does on connecting: ask for the kernel's info, which it answers
        # once it is up
        asked = self._send("kernel_info_request", {})
        while self._receive(deadline).get("parent_header", {}).get("msg_id") != asked:
            pass

    def _send(self, msg_type: str, content: dict, channel: str = "shell") -> str:
        msg_id = uuid.uuid4().hex
        self.socket.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.name, "session": self.session,
                       "msg_type": msg_type, "version": "5.3",
                       "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel,
            "buffers": []}))
        return msg_id

    def _receive(self, deadline: float) -> dict:
        import websocket

        self.socket.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            frame = self.socket.recv()
        except (websocket.WebSocketTimeoutException, TimeoutError):
            raise KernelDied("no message from the kernel before the deadline") from None
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError) as error:
            raise KernelDied(f"the kernel's connection closed ({error})") from None
        msg = _decode(frame)
        kind, content = msg.get("header", {}).get("msg_type"), msg.get("content", {})
        if kind == "comm_open":                        # a widget: its state, by comm id
            self.widgets[content["comm_id"]] = content.get("data", {}).get("state", {})
        if kind == "status" and content.get("execution_state") in ("dead", "restarting"):
            raise KernelDied(f"the kernel is {content['execution_state']}")
        return msg

    def execute(self, code: str, timeout: float = 120) -> list[dict]:
        """Run ``code``; returns the outputs (iopub messages) of that request."""
        msg_id = self._send("execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True})
        deadline, outputs = time.monotonic() + timeout, []
        while True:
            msg = self._receive(deadline)
            if msg.get("parent_header", {}).get("msg_id") != msg_id or msg.get("channel") != "iopub":
                continue
            kind = msg["header"]["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                return outputs
            if kind in ("stream", "display_data", "execute_result", "error"):
                outputs.append(msg)

    def run_all(self, nb: dict, timeout: float = 120) -> list[str]:
        """Every code cell in order (Run All); returns the errors, as ``ename: evalue``."""
        errors = []
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                errors += _errors(self.execute(_source(cell), timeout))
        return errors

    def move_slider(self, label: str = SLIDER, timeout: float = 60) -> float:
        """Move the first selection slider whose label starts with ``label`` one stop, as a
        key press in the browser does (an ``update`` of its index); returns the seconds until
        the explorer's readout (an HTML widget) changes."""
        slider = next(cid for cid, state in self.widgets.items()
                      if state.get("_model_name") == "SelectionSliderModel"
                      and state.get("description", "").startswith(label))
        state = self.widgets[slider]
        index = state.get("index", 0)
        stops = len(state.get("_options_labels", [])) or 2
        index = index + 1 if index + 1 < stops else index - 1
        readouts = {cid for cid, s in self.widgets.items() if s.get("_model_name") == "HTMLModel"}
        start = time.perf_counter()
        self._send("comm_msg", {"comm_id": slider, "data": {
            "method": "update", "state": {"index": index}, "buffer_paths": []}})
        state["index"] = index
        deadline = time.monotonic() + timeout
        while True:
            msg = self._receive(deadline)
            content = msg.get("content", {})
            if msg.get("header", {}).get("msg_type") == "comm_msg" and \
                    content.get("comm_id") in readouts and \
                    content.get("data", {}).get("method") == "update" and \
                    "value" in content.get("data", {}).get("state", {}):
                return time.perf_counter() - start

    def answer(self, nb: dict, answer=ANSWER, timeout: float = 60) -> tuple[float, str]:
        """Write ``answer`` (old line, new line) into its cell of ``nb`` and run it: the
        seconds until its feedback is shown, and the feedback's text (or the error)."""
        cell = next(c for c in nb["cells"] if c["cell_type"] == "code"
                    and _source(c).startswith(answer[0]))
        cell["source"] = _source(cell).replace(*answer, 1)
        start = time.perf_counter()
        outputs = self.execute(cell["source"], timeout)
        took = time.perf_counter() - start
        errors = _errors(outputs)
        if errors:
            raise RuntimeError(f"the answer's cell failed: {errors[0]}")
        text = " ".join(m["content"].get("text") or m["content"].get("data", {}).get("text/plain", "")
                        for m in outputs)
        return took, text

    def memory_mib(self) -> float:
        """Resident memory of every process the student runs (server and kernels), MiB."""
        import pwd

        uid, total = pwd.getpwnam(self.name).pw_uid, 0
        for status in pathlib.Path("/proc").glob("[0-9]*/status"):
            with contextlib.suppress(OSError):
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines()
                              if ":" in line)
                if int(fields["Uid"].split()[0]) == uid:
                    total += int(fields.get("VmRSS", "0 kB").split()[0])
        return total / 1024

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.socket.close()


def _errors(outputs: list[dict]) -> list[str]:
    """The errors among a request's outputs, as ``ename: evalue``."""
    return [f"{m['content']['ename']}: {m['content']['evalue']}" for m in outputs
            if m["header"]["msg_type"] == "error"]


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _decode(frame) -> dict:
    """A kernel message from the websocket: JSON text, or Jupyter's binary frame (a count
    of parts, their offsets, then the message as JSON and its buffers)."""
    if isinstance(frame, str):
        return json.loads(frame)
    (count,) = struct.unpack("!I", frame[:4])
    offsets = list(struct.unpack(f"!{count}I", frame[4:4 + 4 * count])) + [len(frame)]
    return json.loads(frame[offsets[0]:offsets[1]].decode())


def visit(student: Student, chapter: str = CHAPTER) -> dict:
    """One student's visit, as :func:`load` times it: log in, open the chapter, run every
    cell, move the slider, answer, save. Returns the figures and the errors met."""
    figures = {"name": student.name, "errors": []}
    try:
        figures["ready_s"] = student.login()
        nb = student.open(chapter)
        student.start_kernel(chapter)
        start = time.perf_counter()
        figures["errors"] += student.run_all(nb)
        figures["run_all_s"] = time.perf_counter() - start
        figures["slider_ms"] = 1e3 * student.move_slider()
        took, text = student.answer(nb)
        figures["feedback_ms"] = 1e3 * took
        if not text.strip():
            figures["errors"].append("the answer got no feedback")
        student.save(nb)
        figures["memory_mib"] = student.memory_mib()
    except Exception as error:                  # a figure of the class: counted, not raised
        figures["errors"].append(f"{type(error).__name__}: {error}")
    finally:
        student.close()
    return figures


def load(students: list[Student], chapter: str = CHAPTER) -> list[dict]:
    """Every student's :func:`visit` at once, a thread each; their figures."""
    results: list[dict] = [{} for _ in students]
    gate = threading.Barrier(len(students))

    def one(i: int) -> None:
        gate.wait()
        results[i] = visit(students[i], chapter)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(len(students))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    return results


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (a class of 5 has a p95: its slowest)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 100)) - 1))]


def summary(results: list[dict]) -> dict:
    """p50 and p95 of each timed step, errors, memory per student (mean and max)."""
    out = {"students": len(results), "errors": sum(len(r.get("errors", [])) for r in results)}
    for key in TARGETS:
        values = [r[key] for r in results if key in r]
        if values:
            out[f"{key} p50"], out[f"{key} p95"] = percentile(values, 50), percentile(values, 95)
    memory = [r["memory_mib"] for r in results if "memory_mib" in r]
    if memory:
        out["memory_mib mean"], out["memory_mib max"] = statistics.mean(memory), max(memory)
    return out


def missed(figures: dict) -> list[str]:
    """The targets a class's :func:`summary` misses (errors count as a miss)."""
    said = [f"{figures['errors']} error(s)"] if figures["errors"] else []
    return said + [f"{key} p95 {figures[f'{key} p95']:.1f} > {goal:g}"
                   for key, goal in TARGETS.items()
                   if figures.get(f"{key} p95", float("inf")) > goal]


def main(argv=None) -> int:
    sizes = [int(n) for n in (argv if argv is not None else sys.argv[1:])] or [5, 10, 20]
    if os.geteuid() != 0:
        raise SystemExit("the class's students are Unix users: run as root")
    print(f"{'students':>8} {'ready p50/p95 s':>16} {'run all p50/p95 s':>18} "
          f"{'slider p95 ms':>13} {'feedback p95 ms':>15} {'MiB each':>9} errors")
    with ClassHub() as classroom:
        for size in sizes:
            students = [classroom.student(f"n{size}x{k}") for k in range(size)]
            results = load(students)
            figures = summary(results)
            print(f"{size:8d} {figures.get('ready_s p50', 0):7.1f}/{figures.get('ready_s p95', 0):<8.1f}"
                  f" {figures.get('run_all_s p50', 0):8.1f}/{figures.get('run_all_s p95', 0):<9.1f}"
                  f" {figures.get('slider_ms p95', 0):13.0f} {figures.get('feedback_ms p95', 0):15.0f}"
                  f" {figures.get('memory_mib mean', 0):9.0f} {figures['errors']}", flush=True)
            errors = collections.Counter(e[:160] for r in results for e in r["errors"])
            for error, count in errors.most_common(5):
                print(f"  {count} x {error}")
            for name in [s.name for s in students]:
                with contextlib.suppress(Exception):
                    classroom.client.stop(name)
            if missed(figures):
                print(f"  {size} students miss: {'; '.join(missed(figures))}")
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
