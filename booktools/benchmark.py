"""The book's benchmark: how long it takes to build, what a reader's browser downloads, how fast live code answers.

    make benchmark                                     all of it, on this machine, in one run; the README's table
    .venv/bin/python -m booktools.benchmark --runs 5 --skip-tests
    .venv/bin/python -m booktools.benchmark --loaded-runs 0  the test suite once, not also five times under load

A time is the median of --runs runs. It prints a table and writes _build/benchmark/benchmark.json. Its parts:
benchmark_builds (builds against the nbclient baseline), benchmark_reading (page weight, Live Code, Lighthouse, on the
site as booktools.static_host serves it), benchmark_suite (the test suite), benchmark_table (the README's table).
"""

import argparse
import json
import os
import platform
import sys
from importlib.metadata import version
from pathlib import Path
from statistics import median

from booktools import ROOT, toc
from booktools.benchmark_builds import build_results, building
from booktools.benchmark_reading import click_results, in_the_browser, lighthouse_scores, page_results
from booktools.benchmark_suite import tests, tests_beside_a_build
from booktools.benchmark_table import beside_previous, report
from booktools.lighthouse import RESULTS
from booktools.static_host import SITE, serving

README_TABLE = ("<!-- benchmark: start -->\n", "<!-- benchmark: end -->")


def say(step):
    print(f"benchmark: {step}…", file=sys.stderr, flush=True)


def everything(runs, skip_tests, loaded_runs, readme):
    """Build, rebuild, execute, load, click: every measurement, each the median of `runs` runs."""
    if not (SITE / "index.html").exists():
        sys.exit(f"No built book in {SITE}: run `make benchmark`, which builds it first.")
    say(
        f"Running every chapter with nbclient alone, then building a copy of the book, clean then rebuilt three ways; "
        f"{runs} times"
    )
    pure, build_runs = building(runs)
    with serving(SITE) as site:
        say("Loading every chapter page in Chromium; Live Code on a local kernel")
        browsed = in_the_browser(site, runs)
        say(f"Lighthouse on every chapter page, {runs} times")
        scores = lighthouse_scores(site, runs)
    say("Every page and state, lean and as shipped, in screenshots")
    screenshots = tests(sys.executable, "-m", "pytest", "-q", "tests/test_lean_pages.py", "-k", "looks_as")[1]
    suite, loaded = testing(skip_tests, loaded_runs)
    results = {
        "machine": machine(browsed["browser"]),
        "runs": runs,
        **build_results(pure, build_runs),
        "screenshots": screenshots,
        **click_results(browsed["clicks"]),
        "test suite": {"seconds": suite[0], "result": suite[1]},
        "test suite beside a build": loaded,
        "chapters": {
            chapter: chapter_results(chapter, pure, build_runs, browsed, scores) for chapter in toc.chapters()
        },
    }
    save(results, readme)
    return 0


def chapter_results(chapter, pure, build_runs, browsed, scores):
    """One chapter's row of the table: its execution in the build and alone, its page's first load and scores."""
    return {
        "build execution": median([run["chapters"].get(chapter, 0) for run in build_runs]),
        "pure execution": median([run[chapter] for run in pure]),
        **page_results(browsed["weights"][chapter], scores[chapter]),
    }


def testing(skip_tests, loaded_runs):
    """The test suite's one run ((seconds, result), or (None, None) when skipped), and its runs beside a build."""
    if skip_tests:
        return (None, None), None
    say("The test suite (make test)")
    suite = tests()
    if not loaded_runs:
        return suite, None
    say(f"The test suite {loaded_runs} times in a row, beside a second book build")
    return suite, tests_beside_a_build(loaded_runs)


def machine(browser_version):
    """The machine and the versions the figures were measured with, as the table's first line names them."""
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


def save(results, readme):
    """Write benchmark.json, print the table beside the README's last one, and with readme, put it in its place."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "benchmark.json").write_text(json.dumps(results, indent=1) + "\n")
    text = (ROOT / "README.md").read_text()
    start, end = README_TABLE
    before, rest = text.split(start)
    previous, after = rest.split(end, 1)
    table = beside_previous(report(results), previous)
    print(table)
    if readme:
        (ROOT / "README.md").write_text(before + start + table + "\n" + end + after)


def main():
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


if __name__ == "__main__":
    main()
