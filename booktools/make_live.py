"""`make live` started as a reader starts it at a terminal and stopped with Ctrl-C: for the benchmark's
click-to-first-output and for the tests of the live server.

`LiveServer(port)` is the running server: `address` is the address it printed (with its key), `url` its origin,
`output` everything it printed so far; `kernel_server` and `api()` reach the kernel server as the book's pages do. A
browser context gets live code once it has opened the printed address (`sign_in`). Stop it with `stop()` or a with
block.
"""

import contextlib
import functools
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from booktools import ROOT


class LiveServer:
    """`make live PORT=port` in its own process group, stopped with SIGINT to the group, as a terminal's Ctrl-C does.
    The book is the one already built (`-o book`: not built again, under the feet of whoever reads it meanwhile).
    With `kernels` or `grace`, the same server with at most that many kernels, or a kernel whose page went away
    stopped after that many seconds (`make live` takes no such settings)."""

    serving = []  # the LiveServers of this process that are running, for whoever opens pages to sign in to each

    def __init__(self, port, timeout=300, kernels=None, grace=None):
        command = ["make", "--no-print-directory", "-o", "book", "live", f"PORT={port}"]
        options = [f"--{name}={value}" for name, value in (("kernels", kernels), ("grace", grace)) if value is not None]
        if options:
            command = [sys.executable, "-m", "booktools.live_server", f"--port={port}", *options]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.output, self.url, serving = "", None, threading.Event()
        # Read all it prints, so that a chatty server never blocks on a full pipe.
        self.reader = threading.Thread(target=self._read, args=(serving,))
        self.reader.start()
        if not serving.wait(timeout) or self.url is None:
            self._fail(ended=serving.is_set(), timeout=timeout)
        LiveServer.serving.append(self)

    def _read(self, serving):
        for line in self.process.stdout:
            self.output += line
            if self.url is None and "http://127.0.0.1:" in line:
                self.address = "http://" + line.split("http://")[1].split()[0]
                self.url = self.address.split("?")[0].rstrip("/")
                serving.set()
        serving.set()  # it stopped

    def _fail(self, ended, timeout):
        """Stop what did not serve and say why, the why and its last line first: a summary of failures (pytest's,
        the benchmark's) keeps one line."""
        if not ended:  # still running: all it printed is read once it is gone
            os.killpg(self.process.pid, signal.SIGKILL)
        self.reader.join()
        why = (
            f"stopped before it served (exit code {self.process.wait()})" if ended else f"did not serve in {timeout} s"
        )
        said = [line for line in self.output.splitlines() if line.strip() and not line.startswith("make")]
        raise AssertionError(f"make live {why}; it said last: {(said or [''])[-1]}\n{self.output}")

    def sign_in(self, context):
        """Open the printed address in a browser context (Playwright's), which keeps the cookie it is given."""
        context.request.get(self.address, max_redirects=0)

    @functools.cached_property
    def cookie(self):
        """The cookie the printed address gives (its Cookie header), as a browser gets it."""
        connection = http.client.HTTPConnection(urlsplit(self.address).netloc, timeout=30)
        try:
            connection.request("GET", self.address.removeprefix(self.url))
            return (connection.getresponse().getheader("Set-Cookie") or "").split(";")[0]
        finally:
            connection.close()

    @functools.cached_property
    def kernel_server(self):
        """The kernel server's address and token, as the book's own pages are told them."""
        request = urllib.request.Request(f"{self.url}/_static/live-code.json", headers={"Cookie": self.cookie})
        server = json.load(urllib.request.urlopen(request))["server"]
        return server["baseUrl"].rstrip("/"), server["token"]

    def api(self, path, method="GET", body=None):
        """The kernel server's JSON answer to a call of its REST API (api/kernels, say), made as a page of the book
        makes it (with the token, from the book's origin); None for an answer with no body (a DELETE's)."""
        base, token = self.kernel_server
        request = urllib.request.Request(
            f"{base}/{path}",
            method=method,
            data=json.dumps(body or {}).encode() if method == "POST" else None,
            headers={"Authorization": f"token {token}", "Origin": self.url},
        )
        with urllib.request.urlopen(request) as answer:
            return json.load(answer) if answer.status != 204 else None

    def kernel_process(self, kernel):
        """The process of one of its kernels (by id), and the kernel's connection file (how the server reaches it)."""
        for process in psutil.Process(self.process.pid).children(recursive=True):
            # A kernel shut down a moment ago may be gone, or a zombie its server has not reaped yet.
            with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
                command = process.cmdline()
                if any(kernel in part for part in command):
                    return process, next(Path(part) for part in command if part.endswith(".json"))
        raise AssertionError(f"no process of kernel {kernel} under make live")

    def stop(self):
        with contextlib.suppress(ValueError):  # stopped once already
            LiveServer.serving.remove(self)
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=30)
        self.reader.join()
        return self.output

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        if self.process.poll() is None:
            self.stop()
