"""The book's benchmark: how long it takes to build, what a reader's browser downloads, how fast live code answers.

    make benchmark                                     all of it, on this machine, in one run; the README's table
    .venv/bin/python -m booktools.benchmark --runs 5 --skip-tests

A time is the median of --runs runs. It prints a table and writes _build/benchmark/benchmark.json. The site is served
as a static host serves it (booktools.lighthouse): gzip-compressed where the browser accepts it.
"""

import argparse
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from booktools import ROOT
from booktools.lighthouse import RESULTS, SITE, TARGETS, audit, serve
from booktools.live_server import free_port

# The tests' helpers for building, executing and browsing the book: the benchmark measures what the tests check.
sys.path.insert(0, str(ROOT / "tests"))
from book import (  # noqa: E402
    CHAPTERS, CHROMIUM, CHROMIUM_ARGS, LiveServer, copy_of_book, execute, executed, kernel_output, live_cell, make,
    output, page_weight, start_live_code,
)


def timed(function, *arguments):
    start = time.perf_counter()
    result = function(*arguments)
    return time.perf_counter() - start, result


def built(build):
    assert build.returncode == 0, output(build)[-3000:]
    return build


# --- Building ---------------------------------------------------------------------------------------------------

def builds(folder):
    """A clean build of a copy of the book, then a rebuild with no change, after a prose edit, after a code edit."""
    book = copy_of_book(folder)
    seconds, clean = timed(make, "book", f"BOOK={book}")
    chapters = {name: float(s) for name, s in re.findall(
        r"chapters/([\w-]+)\.md: Executed notebook in ([\d.]+) seconds", output(built(clean)))}
    result = {"clean build": (seconds, executed(clean)), "chapters": chapters}
    result["no-change rebuild"] = rebuild(book)
    prose = book / "chapters" / "01-autograd.md"
    prose.write_text(prose.read_text() + "\nA sentence added by the benchmark.\n")
    result["prose edit rebuild"] = rebuild(book)
    code = book / "chapters" / "02-gradient-descent.md"
    # The first code cell without options: a line inserted before options would break them.
    code.write_text(re.sub(r"(```\{code-cell\} ipython3\n)(?![:-])", r"\1# edited by the benchmark\n",
                           code.read_text(), count=1))
    result["code edit rebuild"] = rebuild(book)
    return result


def rebuild(book):
    seconds, build = timed(make, "book", f"BOOK={book}")
    return seconds, executed(built(build))


def baseline():
    """Each chapter run top to bottom by nbclient alone in a fresh kernel, as the build runs it: no Sphinx, no cache."""
    return {chapter: timed(execute.__wrapped__, chapter)[0] for chapter in CHAPTERS}


# --- Reading --------------------------------------------------------------------------------------------------------

def live_code(browser, server, wait):
    """Seconds from the click on Live Code to the first output of chapter 1's first cell that prints something,
    clicked `wait` seconds after the page opened (a reader reads a little first)."""
    page = browser.new_page()
    page.goto(f"{server.url}/chapters/01-autograd.html")
    page.wait_for_timeout(wait * 1000)
    start = time.perf_counter()
    start_live_code(page)
    for first_line in ["import numpy", "var_1 = torch.tensor(3.0"]:
        live_cell(page, first_line).get_by_role("button", name="run", exact=True).click()
    kernel_output(live_cell(page, "var_1 = torch.tensor(3.0")).filter(has_text="tensor(3.").wait_for()
    seconds = time.perf_counter() - start
    page.close()
    return seconds


def tests():
    """The README's test command, once (the book is built and its chapters cached, as in a contributor's day)."""
    seconds, run = timed(make, "test")
    return seconds, re.findall(r"=+ (.*) in [\d.]+s", output(run))[-1:]


# --- All of it ----------------------------------------------------------------------------------------------------

def say(step):
    print(f"benchmark: {step}…", file=sys.stderr, flush=True)


def median(values):
    return statistics.median(values)


def machine(browser_version):
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()}, Python "
            f"{platform.python_version()}, torch {version('torch')}, jupyter-book {version('jupyter-book')}, "
            f"Chromium {browser_version}")


def everything(runs, skip_tests, readme):
    """Build, rebuild, execute, load, click: every measurement, each the median of `runs` runs."""
    from playwright.sync_api import sync_playwright

    if not (SITE / "index.html").exists():
        sys.exit(f"No built book in {SITE}: run `make benchmark`, which builds it first.")
    say(f"Building a copy of the book, clean then rebuilt three ways, {runs} times")
    with tempfile.TemporaryDirectory() as scratch:
        build_runs = [builds(Path(scratch) / f"run-{i}") for i in range(runs)]
    say(f"Running every chapter with nbclient alone, {runs} times")
    pure = [baseline() for _ in range(runs)]
    say("Loading every chapter page in Chromium; Live Code on a local kernel")
    server = serve(SITE)
    site = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        weights = {chapter: page_weight(browser, f"{site}/chapters/{chapter}.html") for chapter in CHAPTERS}
        with LiveServer(free_port(0)) as live:
            clicks = {wait: [live_code(browser, live, wait) for _ in range(runs)] for wait in (5, 0)}
        browser_version = browser.version
    say(f"Lighthouse on every chapter page, {runs} times")
    scores = {chapter: [audit(f"{site}/chapters/{chapter}.html") for _ in range(runs)] for chapter in CHAPTERS}
    server.shutdown()
    if not skip_tests:
        say("The test suite (make test)")
    suite = tests() if not skip_tests else (None, [])

    clean = median([run["clean build"][0] for run in build_runs])
    pure_total = median([sum(run.values()) for run in pure])
    results = {
        "machine": machine(browser_version),
        "runs": runs,
        "clean build": clean,
        "pure execution": pure_total,
        "build / pure execution": clean / pure_total,
        **{kind: {"seconds": median([run[kind][0] for run in build_runs]),
                  "executed": sorted({chapter for run in build_runs for chapter in run[kind][1]})}
           for kind in ("no-change rebuild", "prose edit rebuild", "code edit rebuild")},
        "live code, click 5 s after the page opens": median(clicks[5]),
        "live code, click as the page opens": median(clicks[0]),
        "test suite": {"seconds": suite[0], "result": suite[1]},
        "chapters": {chapter: {
            "build execution": median([run["chapters"].get(chapter, 0) for run in build_runs]),
            "pure execution": median([run[chapter] for run in pure]),
            "first load": {how: weights[chapter][how] for how in ("served", "gzip")},
            "lighthouse": {name: median([score[name][0] for score in scores[chapter]]) for name in TARGETS},
        } for chapter in CHAPTERS},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "benchmark.json").write_text(json.dumps(results, indent=1) + "\n")
    table = report(results)
    print(table)
    if readme:
        text = (ROOT / "README.md").read_text()
        start, end = "<!-- benchmark: start -->\n", "<!-- benchmark: end -->"
        before, rest = text.split(start)
        (ROOT / "README.md").write_text(before + start + table + "\n" + end + rest.split(end, 1)[1])
    return 0


def report(r):
    """The results as the README shows them: the targets first, then each chapter."""
    def met(ok):
        return "met" if ok else "**not met**"

    rebuilds = {kind: r[kind] for kind in ("no-change rebuild", "prose edit rebuild", "code edit rebuild")}
    ran = {kind: ", ".join(found["executed"]) or "none" for kind, found in rebuilds.items()}
    largest = max(chapter["first load"]["served"]["total"] for chapter in r["chapters"].values())
    slowest = min(chapter["lighthouse"]["performance"] for chapter in r["chapters"].values())
    lines = [
        f"Measured on {r['machine']}; medians of {r['runs']} runs.",
        "",
        "| Measure | Result | Target |",
        "|---|---|---|",
        f"| Clean build (`make book`, empty cache) | {r['clean build']:.1f} s | |",
        f"| Pure execution: every chapter run by nbclient alone | {r['pure execution']:.1f} s | |",
        f"| Build overhead: clean build / pure execution | {r['build / pure execution']:.2f} | at most 1.3: "
        f"{met(r['build / pure execution'] <= 1.3)} |",
        f"| Rebuild, nothing changed | {rebuilds['no-change rebuild']['seconds']:.1f} s "
        f"({rebuilds['no-change rebuild']['seconds'] / r['clean build']:.0%} of clean); executed: "
        f"{ran['no-change rebuild']} | at most 10%: "
        f"{met(rebuilds['no-change rebuild']['seconds'] <= 0.1 * r['clean build'])} |",
        f"| Rebuild after a prose edit (chapter 1) | {rebuilds['prose edit rebuild']['seconds']:.1f} s; executed: "
        f"{ran['prose edit rebuild']} | executes nothing: {met(ran['prose edit rebuild'] == 'none')} |",
        f"| Rebuild after a code edit (chapter 2) | {rebuilds['code edit rebuild']['seconds']:.1f} s; executed: "
        f"{ran['code edit rebuild']} | executes only that chapter: "
        f"{met(ran['code edit rebuild'] == '02-gradient-descent')} |",
        f"| Largest first load of a chapter page, as served | {largest / 1e3:.0f} kB | at most 300 kB: "
        f"{met(largest <= 300e3)} |",
        f"| Lowest Lighthouse performance (mobile) of a chapter page | {slowest:.0f} | at least 95: "
        f"{met(slowest >= 95)} |",
        f"| Live code (local kernel), click 5 s after the page opens, to the first output | "
        f"{r['live code, click 5 s after the page opens']:.2f} s | at most 2 s: "
        f"{met(r['live code, click 5 s after the page opens'] <= 2)} |",
        f"| The same, click as the page opens | {r['live code, click as the page opens']:.2f} s | |",
    ]
    if r["test suite"]["seconds"] is not None:
        lines.append(f"| Test suite (`make test`, one run, book cached) | {r['test suite']['seconds']:.0f} s "
                     f"({' '.join(r['test suite']['result'])}) | |")
    lines += [
        "",
        "| Chapter | Executed in the build | By nbclient alone | First load as served (HTML / CSS / JS / images / "
        "fonts) | gzip | Lighthouse performance / accessibility / best practices |",
        "|---|---|---|---|---|---|",
    ]
    for name, chapter in r["chapters"].items():
        served, zipped = chapter["first load"]["served"], chapter["first load"]["gzip"]
        parts = " / ".join(f"{served[kind] / 1e3:.0f}" for kind in ("html", "css", "js", "images", "fonts"))
        scores = " / ".join(f"{chapter['lighthouse'][name]:.0f}" for name in ("performance", "accessibility",
                                                                             "best-practices"))
        lines.append(f"| {name} | {chapter['build execution']:.1f} s | {chapter['pure execution']:.1f} s | "
                     f"{served['total'] / 1e3:.0f} kB ({parts}) | {zipped['total'] / 1e3:.0f} kB | {scores} |")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=everything.__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (default: %(default)s)")
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    sys.exit(everything(**vars(parser.parse_args())))
