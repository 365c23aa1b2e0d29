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
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from booktools.at_a_terminal import AtATerminal


class LiveServer(AtATerminal):
    """`make live PORT=port` in its own process group, stopped with SIGINT to the group, as a terminal's Ctrl-C does.
    The book is the one already built (`-o book`: not built again, under the feet of whoever reads it meanwhile).
    With `kernels` or `grace`, the same server with at most that many kernels, or a kernel whose page went away
    stopped after that many seconds (`make live` takes no such settings)."""

    name, url, address = "make live", None, None  # url and address: as it printed them
    serving = []  # the LiveServers of this process that are running, for whoever opens pages to sign in to each

    def __init__(self, port, timeout=300, kernels=None, grace=None):
        command = ["make", "--no-print-directory", "-o", "book", "live", f"PORT={port}"]
        options = [f"--{name}={value}" for name, value in (("kernels", kernels), ("grace", grace)) if value is not None]
        if options:
            command = [sys.executable, "-m", "booktools.live_server", f"--port={port}", *options]
        super().__init__(command, timeout)
        LiveServer.serving.append(self)

    def started(self, line):
        if "http://127.0.0.1:" in line:
            self.address = "http://" + line.split("http://")[1].split()[0]
            self.url = self.address.split("?")[0].rstrip("/")
            return True
        return False

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
        return super().stop()
