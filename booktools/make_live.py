"""`make live` started as a reader starts it at a terminal and stopped with Ctrl-C: for the benchmark's
click-to-first-output and for the tests of the live server.

`LiveServer(port)` is the running server: `url` is the address it printed, `output` everything it printed so far,
`kernel_server` and `api()` reach the kernel server as the book's pages do. Stop it with `stop()` or a with block.
"""

import contextlib
import functools
import json
import os
import signal
import subprocess
import threading
import urllib.request
from pathlib import Path

import psutil

from booktools import ROOT


class LiveServer:
    """`make live PORT=port` in its own process group, stopped with SIGINT to the group, as a terminal's Ctrl-C does.
    The book is the one already built (`-o book`: not built again, under the feet of whoever reads it meanwhile)."""

    def __init__(self, port, timeout=300):
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "-o", "book", "live", f"PORT={port}"],
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

    def _read(self, serving):
        for line in self.process.stdout:
            self.output += line
            if self.url is None and "http://127.0.0.1:" in line:
                self.url = "http://" + line.split("http://")[1].split()[0].rstrip("/")
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

    @functools.cached_property
    def kernel_server(self):
        """The kernel server's address and token, as the book's own pages are told them."""
        server = json.load(urllib.request.urlopen(f"{self.url}/_static/live-code.json"))["server"]
        return server["baseUrl"].rstrip("/"), server["token"]

    def api(self, path, method="GET"):
        """The kernel server's JSON answer to a call of its REST API (api/kernels, say), made with the token; None for
        an answer with no body (a DELETE's)."""
        base, token = self.kernel_server
        request = urllib.request.Request(
            f"{base}/{path}",
            method=method,
            data=b"{}" if method == "POST" else None,
            headers={"Authorization": f"token {token}"},
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
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=30)
        self.reader.join()
        return self.output

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        if self.process.poll() is None:
            self.stop()
