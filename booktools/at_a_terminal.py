"""A server of the book started as a reader starts it at a terminal, and stopped as they stop it, with Ctrl-C: what
`make live` (booktools.make_live) and `make hub` (booktools.make_hub) have in common for the tests and the benchmark.
"""

import os
import signal
import subprocess
import threading

from booktools import ROOT


class AtATerminal:
    """command in a process group of its own, all it prints read into `output` as it comes (so that a chatty server
    never blocks on a full pipe), until a line for which `started(line)` holds; stopped with SIGINT to the group, as a
    terminal's Ctrl-C sends it, or with a with block."""

    name = "it"  # what the command is called in a failure's message
    stop_within = 30  # seconds

    def __init__(self, command, timeout, env=None):
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.output, up = "", threading.Event()
        self.reader = threading.Thread(target=self._read, args=(up,))
        self.reader.start()
        if not up.wait(timeout) or self.process.poll() is not None:
            self._fail(ended=self.process.poll() is not None, timeout=timeout)

    def started(self, line):
        raise NotImplementedError

    def _read(self, up):
        for line in self.process.stdout:
            self.output += line
            if not up.is_set() and self.started(line):
                up.set()
        up.set()  # it stopped

    def _fail(self, ended, timeout):
        """Stop what did not start and say why, the why and its last line first: a summary of failures (pytest's,
        the benchmark's) keeps one line."""
        if not ended:  # still running: all it printed is read once it is gone
            os.killpg(self.process.pid, signal.SIGKILL)
        self.reader.join()
        why = f"did not serve in {timeout} s"
        if ended:
            why = f"stopped before it served (exit code {self.process.wait()})"
        said = [line for line in self.output.splitlines() if line.strip() and not line.startswith("make")]
        raise AssertionError(f"{self.name} {why}; it said last: {(said or [''])[-1]}\n{self.output}")

    def stop(self):
        """Ctrl-C: SIGINT to the group, as a terminal sends it; what it printed."""
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=self.stop_within)
        self.reader.join()
        return self.output

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        if self.process.poll() is None:
            self.stop()
