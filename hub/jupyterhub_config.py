# JupyterHub for the kit (python -m tools.hub start, or make hub). Everything on loopback
# unless KIT_HUB_IP says otherwise; state in $KIT_HUB_DIR/state (root's only).
#
#   KIT_HUB_IP, KIT_HUB_PORT   where students connect (default 127.0.0.1:8000)
#   KIT_HUB_API_PORT, KIT_HUB_PROXY_PORT   the hub's and the proxy's APIs on loopback
#                              (default 8081 and 8001)
#   KIT_HUB_ADMIN              the instructor's user name (default "instructor"): approves
#                              sign-ups at /hub/authorize and sees every server at /hub/admin
#   KIT_HUB_IDLE               seconds before an idle server is stopped (default 3600)
#   KIT_HUB_MEMORY             address space of each process of a student (default 4G)
#   KIT_HUB_PROCESSES          processes per student (default 256)
#   KIT_HUB_SERVER_ARGS        more arguments for each student's server (tests)
#   KIT_HUB_AUTH               "native" (default: students sign up, the instructor approves)
#                              or "dummy" (any password given in KIT_HUB_PASSWORD; tests only)
import os
import pathlib
import sys

ROOT = pathlib.Path(os.environ["KIT_ROOT"])
sys.path.append(str(ROOT))          # tools from the checkout; course_lib from the wheel
from tools import hub  # noqa: E402

c = get_config()  # noqa: F821 (JupyterHub provides it)
where = hub.hub_dir()
state = where / "state"
python = where / "venv" / "bin" / "python"

c.JupyterHub.ip = os.environ.get("KIT_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("KIT_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"                  # the hub's API and the proxy's: loopback
c.JupyterHub.hub_port = int(os.environ.get("KIT_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('KIT_HUB_PROXY_PORT', '8001')}"
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [str(where / "proxy" / "node_modules" / ".bin" /
                                       "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
# A server that outlives the hub (a restart) is found again rather than orphaned.
c.JupyterHub.cleanup_servers = False

# Students: Unix users, one process tree each, in their own home.
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
# Limits per process of a student's server and kernels: address space (a kernel that asks
# for more gets a MemoryError, not the machine's out-of-memory killer) and the student's
# process count (a fork bomb stops at it).
c.Spawner.cmd = ["prlimit", f"--as={hub.size_in_bytes(os.environ.get('KIT_HUB_MEMORY', '4G'))}",
                 f"--nproc={int(os.environ.get('KIT_HUB_PROCESSES', '256'))}", "--",
                 str(where / "venv" / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = f"/lab/tree/{hub.COURSE}"
# More arguments for each student's server, e.g. "--LabApp.expose_app_in_browser=True",
# which the browser tests use to read JupyterLab's state
c.Spawner.args = os.environ.get("KIT_HUB_SERVER_ARGS", "").split()
c.Spawner.start_timeout = 120
# A server that died (killed, out of memory) is noticed within 10 s, and the student's next
# Start begins a new one (polling a local process is one signal; 200 servers cost nothing)
c.Spawner.poll_interval = 10
c.Spawner.http_timeout = 120


async def _prepare(spawner):
    """The student's user and chapters, off the hub's event loop (logins come together)."""
    import asyncio
    await asyncio.to_thread(hub.prepare_home, spawner.user.name, where)


c.Spawner.pre_spawn_hook = _prepare

admin = os.environ.get("KIT_HUB_ADMIN", "instructor")
if os.environ.get("KIT_HUB_AUTH", "native") == "dummy":
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = os.environ["KIT_HUB_PASSWORD"]
else:
    c.JupyterHub.authenticator_class = "native"
    c.NativeAuthenticator.open_signup = False      # the instructor approves each sign-up
    c.NativeAuthenticator.minimum_password_length = 10
    c.NativeAuthenticator.check_common_password = True
c.Authenticator.allow_all = True                   # who may log in: the authenticator says
c.Authenticator.admin_users = {admin}
c.Authenticator.username_pattern = hub.NAME.pattern

# Idle servers stop (the student's files stay); a token for the kit's own tools.
c.JupyterHub.services = [
    {"name": "idle-culler",
     "command": [str(python), "-m", "jupyterhub_idle_culler",
                 f"--timeout={int(os.environ.get('KIT_HUB_IDLE', '3600'))}"]},
    {"name": "kit-admin", "api_token": (state / "admin_token").read_text().strip()},
]
c.JupyterHub.load_roles = [
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
    {"name": "kit-admin", "services": ["kit-admin"], "scopes": ["admin:users", "admin:servers",
                                                               "access:servers", "list:users"]},
]
