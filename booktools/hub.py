"""`make hub`: the built book on a real JupyterHub on this computer, for development, the tests and a demonstration.

    HUB_PASSWORD=<8 or more characters> python -m booktools.hub [--port 8000]

JupyterHub (in this process), its proxy (configurable-http-proxy, from node_modules), the book service
(booktools.hub_book), the idle culler and one single-user server per reader that logs in: jupyterhub-singleuser from
this venv (the Hub's own version), its kernels in the reader's venv (.venv-reader: only what Binder installs, as a
class's single-user image built from binder/requirements.txt has). The login is JupyterHub's shared-password
development login: any user name, with the password in HUB_PASSWORD; so it serves 127.0.0.1 only. Its database, the
readers' homes and the kernel spec live in a temporary folder, removed on Ctrl-C, which stops everything it started.

`book_service(c)` is what a class's own Hub adds to its jupyterhub_config.py (the README's deployment section).
"""

import argparse
import contextlib
import ipaddress
import json
import os
import secrets
import sys
import tempfile
from pathlib import Path

import psutil
from traitlets.config import Config

from booktools import NODE_MODULES, ROOT
from booktools.live_server import free_port

READER_PYTHON = ROOT / ".venv-reader" / "bin" / "python"
# A reader's server idle this long is stopped by the culler (its kernels go with it, about 0.5 GB each with torch).
IDLE_SECONDS = 3600


# What a reader's server needs for Live Code, on any Hub: thebe's websocket to a kernel carries the token in its address
# (a browser's websocket can send no header), and JupyterHub 5+ reads it there only from a request that says it is a
# websocket (Sec-Fetch-Mode), which Chromium does not send: every page's kernel connection was refused (403).
SINGLE_USER_ENVIRONMENT = {"JUPYTERHUB_ALLOW_TOKEN_IN_URL": "1"}


def book_service(c, port, python=sys.executable, idle=IDLE_SECONDS):
    """The book service (on 127.0.0.1:port), the idle culler and the roles they need, on the Hub's config `c`."""
    c.JupyterHub.services = [
        {
            "name": "book",
            "url": f"http://127.0.0.1:{port}",
            "command": [python, "-m", "booktools.hub_book"],
            "oauth_no_confirm": True,  # the book is the class's own: no "authorize access?" page before it
            "display": True,
        },
        {"name": "idle-culler", "command": [python, "-m", "jupyterhub_idle_culler", f"--timeout={idle}"]},
    ]
    c.JupyterHub.load_roles = [
        {"name": "user", "scopes": ["self", "access:services!service=book"]},
        # The service sees readers and their servers, starts a reader's server, and asks the Hub for a token for it.
        {"name": "book", "services": ["book"], "scopes": ["read:users:name", "read:servers", "servers", "tokens"]},
        {
            "name": "idle-culler",
            "services": ["idle-culler"],
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        },
    ]
    c.JupyterHub.default_url = "/services/book/"


def development(c, port, password, folder):
    """The rest of `make hub`: loopback only, the development login, readers' servers as processes of this user."""
    c.JupyterHub.ip, c.JupyterHub.port, c.JupyterHub.hub_ip = "127.0.0.1", port, "127.0.0.1"
    # The Hub's API and the proxy's on ports of their own: a second Hub (a test's, a reader's `make hub`) runs beside.
    c.JupyterHub.hub_port = free_port(0)
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{free_port(0)}"
    # Nothing written to the working folder: the database in memory, the cookie key never on disk.
    c.JupyterHub.db_url = "sqlite:///:memory:"
    c.JupyterHub.cookie_secret = secrets.token_bytes(32)
    c.ConfigurableHTTPProxy.command = [str(NODE_MODULES / ".bin" / "configurable-http-proxy")]
    c.ConfigurableHTTPProxy.pid_file = str(folder / "proxy.pid")
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = password
    c.Authenticator.allow_all = True
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(folder / "home" / "{username}")
    c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
    # As `make live`'s kernel server: kernels over unix sockets, and those of closed pages stopped after 30 min idle.
    c.Spawner.args = [
        "--KernelManager.transport=ipc",
        "--MappingKernelManager.cull_idle_timeout=1800",
        "--MappingKernelManager.cull_interval=60",
    ] + (["--allow-root"] if os.geteuid() == 0 else [])
    c.Spawner.environment = {
        "JUPYTER_PATH": str(reader_kernel(folder)),
        # A kernel's unix sockets, named in a folder short enough for them (107 bytes): the home's runtime folder
        # (~/.local/share/jupyter/runtime) under the temporary one was too long ("File name too long").
        "JUPYTER_RUNTIME_DIR": lambda spawner: str(folder / "run" / spawner.user.name),
        **SINGLE_USER_ENVIRONMENT,
    }
    c.Spawner.default_url = "/lab"


def reader_kernel(folder):
    """A Jupyter folder whose python3 kernel (the one the pages ask for) runs in the reader's venv."""
    spec = folder / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [str(READER_PYTHON), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"})
    )
    return folder / "jupyter"


def refusal(ip, password):
    """Why `make hub` may not start, or None."""
    if not ipaddress.ip_address(ip).is_loopback:
        return f"`make hub` logs in with a shared development password: it serves 127.0.0.1 only, not {ip}."
    if len(password) < 8:
        return "Set HUB_PASSWORD (8 characters or more): any user name logs in to `make hub` with it."
    if not (ROOT / "_build" / "html" / "index.html").exists() or not READER_PYTHON.exists():
        return "No built book or no reader's venv: run `make hub`, which makes both first."
    return None


def stop_leftovers():
    """Whatever the Hub started and left running (it stops its servers, services and proxy itself): killed, named.
    The proxy it stopped is a zombie until this process ends: stopped, not left."""
    left = []
    for process in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
            command = " ".join(process.cmdline()[:3])
            process.kill()
            left.append(process)
            print(f"Still running after the Hub stopped, killed: {command}", flush=True)
    psutil.wait_procs(left, timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="the Hub's port (default: %(default)s)")
    parser.add_argument("--ip", default="127.0.0.1", help="the address it serves on: loopback only")
    arguments = parser.parse_args()
    why = refusal(arguments.ip, os.environ.get("HUB_PASSWORD", ""))
    if why:
        sys.exit(why)
    from jupyterhub.app import JupyterHub  # a second of imports, after the checks

    with tempfile.TemporaryDirectory(prefix="book-hub-") as folder:
        config = Config()
        book_service(config, port=free_port(0))
        development(config, arguments.port, os.environ["HUB_PASSWORD"], Path(folder))
        print(
            f"The book on a development JupyterHub: http://127.0.0.1:{arguments.port}/ . Log in with any user name "
            "and the password in HUB_PASSWORD (a shared development login: this Hub serves this computer only). "
            "Ctrl-C stops the Hub, its proxy, the book and every reader's server; their files go with them.",
            flush=True,
        )
        try:
            JupyterHub.instance(config=config)
            JupyterHub.launch_instance(argv=[])
        finally:
            stop_leftovers()
    print("Stopped the Hub, its proxy, the book service and the readers' servers.", flush=True)


if __name__ == "__main__":
    main()
