"""Lighthouse's scores for every chapter page (make lighthouse), on the site as booktools.static_host serves it.

    python -m booktools.lighthouse [--site _build/html]

It prints a table and the failed audits of any page below target, and saves _build/benchmark/lighthouse.json.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

from booktools import ROOT, browser, toc
from booktools.static_host import SITE, serving

RESULTS = ROOT / "_build" / "benchmark"
LIGHTHOUSE = "lighthouse@12.2.3"  # fetched by npx on first use, not a dependency of the tests
TARGETS = {"accessibility": 100, "best-practices": 100, "performance": 100}


def audit(url):
    """One Lighthouse run (mobile, its default); returns {category: (score, [failed audits that weigh in it])}."""
    run = subprocess.run(
        [
            "npx",
            "--yes",
            LIGHTHOUSE,
            url,
            f"--chrome-path={browser.require(browser.CHROMIUM)}",
            f"--chrome-flags={' '.join(['--headless=new', *browser.FLAGS])}",
            f"--only-categories={','.join(TARGETS)}",
            "--output=json",
            "--output-path=stdout",
            "--quiet",
        ],
        capture_output=True,
        text=True,
    )
    if run.returncode:
        sys.exit(f"Lighthouse failed on {url}:\n{run.stderr[-3000:]}")
    report = json.loads(run.stdout)
    results = {}
    for name, category in report["categories"].items():
        scored = [report["audits"][ref["id"]] for ref in category["auditRefs"] if ref["weight"]]
        # A score of None: the audit does not apply to this page.
        failed = [f"{found['id']}: {found['title']}" for found in scored if found["score"] not in (None, 1)]
        results[name] = (round(category["score"] * 100), failed)
    return results


def lighthouse(site):
    """Score every chapter page with Lighthouse; print a table and what missed a target; save the lot as JSON."""
    if not (site / "index.html").exists():
        sys.exit(f"No built book in {site}: run `make lighthouse`, which builds it first.")
    pages = [f"chapters/{chapter}.html" for chapter in toc.chapters()]
    with serving(site) as address:
        results = {page: audit(f"{address}/{page}") for page in pages}
    print(f"{'page':<40}" + "".join(f"{name:>16}" for name in TARGETS))
    for page, result in results.items():
        print(f"{page:<40}" + "".join(f"{result[name][0]:>16}" for name in TARGETS))
    missed = [
        (page, name, score, failed)
        for page, result in results.items()
        for name, (score, failed) in result.items()
        if score < TARGETS[name]
    ]
    for page, name, score, failed in missed:
        print(f"\n{page}: {name} {score} < {TARGETS[name]}; failed audits:\n  " + "\n  ".join(failed))
    save(results)
    return 1 if missed else 0


def save(results):
    """The scores and failed audits of every page, with the Lighthouse that gave them, in RESULTS/lighthouse.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    saved = {
        page: {name: {"score": score, "failed": failed} for name, (score, failed) in result.items()}
        for page, result in results.items()
    }
    (RESULTS / "lighthouse.json").write_text(json.dumps({"lighthouse": LIGHTHOUSE, "pages": saved}, indent=1) + "\n")
    print(f"\nSaved in {(RESULTS / 'lighthouse.json').relative_to(ROOT)}.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=lighthouse.__doc__)
    parser.add_argument("--site", type=Path, default=SITE, help="the built site (default: %(default)s)")
    sys.exit(lighthouse(**vars(parser.parse_args())))
