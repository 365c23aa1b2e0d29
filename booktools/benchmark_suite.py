"""The benchmark's test-suite measurements: `make test` once, then several times in a row while a copy of the book is
built from clean again and again beside it (a busy machine, as CI on a developer's computer may find it, where a flaky
test shows up).
"""

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from booktools import ROOT
from booktools.lighthouse import RESULTS
from booktools.make_book import copy_of_book, make, output
from booktools.stopwatch import timed


def tests(*command):
    """Seconds, and pytest's last words with its short summary of failures: the README's test command (the book is
    built and its chapters cached, as in a contributor's day), or the one given."""
    # pytest fits each failure's summary line to the terminal: a narrow one, or a long test name, leaves no message.
    wide = {**os.environ, "COLUMNS": "1000"}
    seconds, run = timed(
        subprocess.run, command or ["make", "test"], cwd=ROOT, capture_output=True, text=True, env=wide
    )
    last_words = re.findall(r"^=*\s*(\d+ \w+.*) in [\d.]+s", output(run), re.MULTILINE)[-1:]
    result = {
        "last words": " ".join(last_words),
        # Each test that failed, by name and the start of its message, so that a flaky one can be found and told why.
        "failures": re.findall(r"^(?:FAILED|ERROR) .*", output(run), re.MULTILINE),
    }
    if run.returncode:
        result["log"] = str(kept("run", run))
    return seconds, result


def kept(kind, failed):
    """All that a failed run or build printed, kept in RESULTS (the summary keeps a line): a flaky failure may not come
    again. Returns the file."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = RESULTS / f"failed-{kind}-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log.write_text(output(failed))
    return log


def tests_beside_a_build(runs):
    """`make test` `runs` times in a row while, beside it, a copy of the book is built from clean again and again:
    {"runs": each run's seconds and result, "builds": each build's exit code}."""
    stop, builds = threading.Event(), []
    with tempfile.TemporaryDirectory() as scratch:
        book = copy_of_book(Path(scratch) / "book")
        beside = threading.Thread(target=build_until, args=(book, stop, builds))
        beside.start()
        try:
            suites = [tests() for _ in range(runs)]
        finally:
            stop.set()
            beside.join()
    return {"runs": [{"seconds": seconds, "result": result} for seconds, result in suites], "builds": builds}


def build_until(book, stop, builds):
    """Build book from clean until stop is set, each exit code appended to builds."""
    while not stop.is_set():
        shutil.rmtree(book / "_build", ignore_errors=True)
        build = make("book", f"BOOK={book}")
        builds.append(build.returncode)
        if build.returncode:
            kept("build", build)
