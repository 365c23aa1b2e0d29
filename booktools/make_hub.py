"""`make hub` started as a reader starts it at a terminal and stopped with Ctrl-C: for the tests of the book on
JupyterHub and for the measurement of readers at once (booktools.benchmark_hub).

`HubServer(port)` is the running Hub: `url` its origin, `output` everything it printed so far, `processes()` every
process it started. `log_in(context, name)` logs a Playwright browser context in as a reader; `live_code(context)`
asks the book service for that reader's server and token, as the book's pages ask. Stop it with `stop()` or a with
block.
"""

import contextlib
import os
import secrets
import time

import psutil

from booktools.at_a_terminal import AtATerminal
from booktools.live_page import WAIT

# What Chromium sends with a page's fetch of live-code.json (Playwright's requests send none of it).
AS_A_PAGE = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}


class HubServer(AtATerminal):
    """`make hub PORT=port` in its own process group with a fresh HUB_PASSWORD, stopped with SIGINT to the group, as
    a terminal's Ctrl-C does. The book is the one already built (`-o book`)."""

    name, stop_within = "make hub", 60

    def __init__(self, port, timeout=120):
        self.password = secrets.token_urlsafe(16)
        self.url = f"http://127.0.0.1:{port}"
        command = ["make", "--no-print-directory", "-o", "book", "hub", f"PORT={port}"]
        super().__init__(command, timeout, env={**os.environ, "HUB_PASSWORD": self.password})

    def started(self, line):
        return "JupyterHub is now running at" in line

    def processes(self):
        """Every process `make hub` started that runs now: the Hub, the proxy, the services, readers' servers and
        their kernels (each started in a session of its own, but all its descendants)."""
        with contextlib.suppress(psutil.NoSuchProcess):
            return psutil.Process(self.process.pid).children(recursive=True)
        return []

    def commands(self):
        """Each process `make hub` started and its command line, but those ending this moment (a kernel a page shut
        down a moment ago may be a zombie its server has not reaped yet)."""
        found = {}
        for process in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
                found[process] = " ".join(process.cmdline())
        return found

    def log_in(self, context, name):
        """Log a browser context in as reader `name`, as a reader does on the Hub's login page; returns the page, on
        the book's first chapter. (A page closed as it landed there, and the next new page of the browser hung.)"""
        page = context.new_page()
        page.goto(f"{self.url}/hub/login")
        page.get_by_label("Username").fill(name)
        page.get_by_label("Password").fill(self.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{self.url}/services/book/chapters/**", timeout=WAIT)  # index.html leads on to the first
        page.wait_for_load_state()
        return page

    def live_code(self, context, timeout=120):
        """The reader's server address and token, as the book service tells a page of the book; asked again while
        the service answers that the server is starting."""
        deadline = time.monotonic() + timeout
        while True:
            answer = context.request.get(
                f"{self.url}/services/book/_static/live-code.json", headers=AS_A_PAGE, max_redirects=0
            )
            if answer.status != 503 or time.monotonic() > deadline:
                assert answer.status == 200, f"{answer.status}: {answer.text()}"
                server = answer.json()["server"]
                return server["baseUrl"].rstrip("/"), server["token"]
            time.sleep(float(answer.headers.get("retry-after", 1)))
