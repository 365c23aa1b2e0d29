"""The book's benchmark: how long it takes to build, what a reader's browser downloads, how fast live code answers.

    make benchmark                                     all of it, on this machine, in one run; the README's table
    .venv/bin/python -m booktools.benchmark --runs 5 --skip-tests
    .venv/bin/python -m booktools.benchmark --loaded-runs 0  the test suite once, not also five times under load

A time is the median of --runs runs. It prints a table and writes _build/benchmark/benchmark.json. The site is served
as a static host serves it (booktools.lighthouse): gzip-compressed where the browser accepts it.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path

from booktools import ROOT
from booktools.benchmark_table import beside_previous, report
from booktools.lighthouse import RESULTS, SITE, TARGETS, audit, serve
from booktools.live_server import free_port

# The tests' helpers for building, executing and browsing the book: the benchmark measures what the tests check.
sys.path.insert(0, str(ROOT / "tests"))
from book import (  # noqa: E402
    CHAPTERS,
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    copy_of_book,
    execute,
    executed,
    kernel_output,
    live_cell,
    make,
    output,
    page_weight,
    run_button,
    start_live_code,
)


def timed(function, *arguments, **keywords):
    start = time.perf_counter()
    result = function(*arguments, **keywords)
    return time.perf_counter() - start, result


def built(build):
    assert build.returncode == 0, output(build)[-3000:]
    return build


# --- Building ---------------------------------------------------------------------------------------------------


def builds(folder):
    """A clean build of a copy of the book, then a rebuild with no change, after a prose edit, after a code edit."""
    book = copy_of_book(folder)
    seconds, clean = timed(make, "book", f"BOOK={book}")
    chapters = {
        name: float(s)
        for name, s in re.findall(r"chapters/([\w-]+)\.md: Executed notebook in ([\d.]+) seconds", output(built(clean)))
    }
    result = {"clean build": (seconds, executed(clean)), "chapters": chapters}
    result["no-change rebuild"] = rebuild(book)
    prose = book / "chapters" / "01-autograd.md"
    prose.write_text(prose.read_text() + "\nA sentence added by the benchmark.\n")
    result["prose edit rebuild"] = rebuild(book)
    code = book / "chapters" / "02-gradient-descent.md"
    # The first code cell without options: a line inserted before options would break them.
    code.write_text(
        re.sub(r"(```\{code-cell\} ipython3\n)(?![:-])", r"\1# edited by the benchmark\n", code.read_text(), count=1)
    )
    result["code edit rebuild"] = rebuild(book)
    return result


def rebuild(book):
    seconds, build = timed(make, "book", f"BOOK={book}")
    return seconds, executed(built(build))


def baseline():
    """Each chapter run top to bottom by nbclient alone in a fresh kernel, as the build runs it: no Sphinx, no cache."""
    return {chapter: timed(execute, chapter)[0] for chapter in CHAPTERS}


def side_by_side(seconds, cores):
    """How long chapters that take `seconds` (in reading order) take on `cores` kernels, each starting the next chapter
    when it is free, as the build's pool does."""
    free = [0.0] * min(cores, len(seconds)) or [0.0]
    for each in seconds:
        free[free.index(min(free))] += each
    return max(free)


# --- Reading --------------------------------------------------------------------------------------------------------


def live_code(browser, server, wait):
    """Seconds from the click on Live Code to the first output of chapter 1's first cell that prints something,
    clicked `wait` seconds after the page opened (a reader reads a little first)."""
    page = browser.new_page()
    page.goto(f"{server.url}/chapters/01-autograd.html")
    page.wait_for_timeout(wait * 1000)
    start = time.perf_counter()
    start_live_code(page)
    for first_line in ["import torch", "var_1 = torch.tensor(3.0"]:
        run_button(live_cell(page, first_line)).click()
    kernel_output(live_cell(page, "var_1 = torch.tensor(3.0")).filter(has_text="tensor(3.").wait_for()
    seconds = time.perf_counter() - start
    page.close()
    return seconds


def tests(*command):
    """Seconds, and pytest's last words with its short summary of failures: the README's test command (the book is
    built and its chapters cached, as in a contributor's day), or the one given."""
    # pytest fits each failure's summary line to the terminal: a wide one, or a long test name leaves no message.
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
    """`make test` `runs` times in a row while, beside it, a copy of the book is built from clean again and again (a
    busy machine, as CI on a developer's computer may find it): each run's seconds and last words, and the builds."""
    stop, builds = threading.Event(), []
    with tempfile.TemporaryDirectory() as scratch:
        book = copy_of_book(Path(scratch) / "book")

        def load():
            while not stop.is_set():
                shutil.rmtree(book / "_build", ignore_errors=True)
                build = make("book", f"BOOK={book}")
                builds.append(build.returncode)
                if build.returncode:
                    kept("build", build)

        beside = threading.Thread(target=load)
        beside.start()
        try:
            suites = [tests() for _ in range(runs)]
        finally:
            stop.set()
            beside.join()
    return {"runs": [{"seconds": seconds, "result": result} for seconds, result in suites], "builds": builds}


# --- All of it ----------------------------------------------------------------------------------------------------


def say(step):
    print(f"benchmark: {step}…", file=sys.stderr, flush=True)


def median(values):
    return statistics.median(values)


def machine(browser_version):
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()}, Python "
        f"{platform.python_version()}, torch {version('torch')}, jupyter-book {version('jupyter-book')}, "
        f"Chromium {browser_version}"
    )


def everything(runs, skip_tests, loaded_runs, readme):
    """Build, rebuild, execute, load, click: every measurement, each the median of `runs` runs."""
    from playwright.sync_api import sync_playwright

    if not (SITE / "index.html").exists():
        sys.exit(f"No built book in {SITE}: run `make benchmark`, which builds it first.")
    # Each clean build right after the chapters' run one by one: the machine may be busy with other work, and their
    # ratio is fairer measured side by side.
    say(
        f"Running every chapter with nbclient alone, then building a copy of the book, clean then rebuilt three ways; "
        f"{runs} times"
    )
    pure, build_runs = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for i in range(runs):
            pure.append(baseline())
            build_runs.append(builds(Path(scratch) / f"run-{i}"))
    say("Loading every chapter page in Chromium; Live Code on a local kernel")
    server = serve(SITE)
    site = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        weights = {chapter: page_weight(browser.new_context, f"{site}/chapters/{chapter}.html") for chapter in CHAPTERS}
        with LiveServer(free_port(0)) as live:
            clicks = {wait: [live_code(browser, live, wait) for _ in range(runs)] for wait in (5, 0)}
        browser_version = browser.version
    say(f"Lighthouse on every chapter page, {runs} times")
    scores = {chapter: [audit(f"{site}/chapters/{chapter}.html") for _ in range(runs)] for chapter in CHAPTERS}
    server.shutdown()
    say("Every page and state, lean and as shipped, in screenshots")
    compared = tests(sys.executable, "-m", "pytest", "-q", "tests/test_lean_pages.py", "-k", "looks_as")[1]
    if not skip_tests:
        say("The test suite (make test)")
    suite = tests() if not skip_tests else (None, None)
    loaded = None
    if not skip_tests and loaded_runs:
        say(f"The test suite {loaded_runs} times in a row, beside a second book build")
        loaded = tests_beside_a_build(loaded_runs)

    clean = median([run["clean build"][0] for run in build_runs])
    pure_total = median([sum(run.values()) for run in pure])
    chapter_seconds = [median([run[chapter] for run in pure]) for chapter in CHAPTERS]
    # On 4 cores: the same build less the chapters' run side by side here, plus their run side by side on 4 kernels.
    four_cores = clean - side_by_side(chapter_seconds, os.cpu_count()) + side_by_side(chapter_seconds, 4)
    results = {
        "machine": machine(browser_version),
        "runs": runs,
        "clean build": clean,
        "pure execution": pure_total,
        "build / pure execution": median(
            [build["clean build"][0] / sum(run.values()) for build, run in zip(build_runs, pure, strict=True)]
        ),
        "clean build on 4 cores, estimated": four_cores,
        "screenshots": compared,
        **{
            kind: {
                "seconds": median([run[kind][0] for run in build_runs]),
                "executed": sorted({chapter for run in build_runs for chapter in run[kind][1]}),
            }
            for kind in ("no-change rebuild", "prose edit rebuild", "code edit rebuild")
        },
        "live code, click 5 s after the page opens": median(clicks[5]),
        "live code, click as the page opens": median(clicks[0]),
        "test suite": {"seconds": suite[0], "result": suite[1]},
        "test suite beside a build": loaded,
        "chapters": {
            chapter: {
                "build execution": median([run["chapters"].get(chapter, 0) for run in build_runs]),
                "pure execution": median([run[chapter] for run in pure]),
                "first load": {how: weights[chapter][how] for how in ("served", "gzip")},
                "lighthouse": {name: median([score[name][0] for score in scores[chapter]]) for name in TARGETS},
            }
            for chapter in CHAPTERS
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "benchmark.json").write_text(json.dumps(results, indent=1) + "\n")
    text = (ROOT / "README.md").read_text()
    start, end = "<!-- benchmark: start -->\n", "<!-- benchmark: end -->"
    before, rest = text.split(start)
    table = beside_previous(report(results), rest.split(end, 1)[0])
    print(table)
    if readme:
        (ROOT / "README.md").write_text(before + start + table + "\n" + end + rest.split(end, 1)[1])
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=everything.__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (default: %(default)s)")
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    parser.add_argument(
        "--loaded-runs",
        type=int,
        default=5,
        help="runs of the test suite in a row beside a second book build (default: %(default)s)",
    )
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    sys.exit(everything(**vars(parser.parse_args())))
