"""Lighthouse's scores for every chapter page (make lighthouse), on the site served as GitHub Pages serves it.

    python -m booktools.lighthouse [--site _build/html]

It prints a table and the failed audits of any page below target, and saves _build/benchmark/lighthouse.json.
Lighthouse itself is fetched by npx on first use.
"""

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from booktools import ROOT

SITE = ROOT / "_build" / "html"
RESULTS = ROOT / "_build" / "benchmark"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LIGHTHOUSE = "lighthouse@12.2.3"  # fetched by npx on first use, not a dependency of the tests
# As the tests run Chromium (tests/book.py); the last three stop it calling Google's services, which offline
# would show up as console errors and cost best-practices points that no reader of the site would see.
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync"
)
TARGETS = {"accessibility": 100, "best-practices": 100, "performance": 100}


COMPRESSED = (".html", ".css", ".js", ".json", ".svg", ".txt")


class StaticHost(http.server.SimpleHTTPRequestHandler):
    """As GitHub Pages serves a site: text gzip-compressed for a browser that accepts it, the rest as it is, over
    connections that stay open (Python's default, HTTP/1.0, opens one per file)."""

    protocol_version = "HTTP/1.1"

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path /= "index.html"
        if not (path.suffix in COMPRESSED and path.is_file() and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, *args):
        pass


def serve(site):
    """The built site on a free port of 127.0.0.1, as a static host serves it, in a background thread."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(StaticHost, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def audit(url):
    """One Lighthouse run (mobile, its default); returns {category: (score, [failed audits that weigh in it])}."""
    run = subprocess.run(
        [
            "npx",
            "--yes",
            LIGHTHOUSE,
            url,
            f"--chrome-path={CHROMIUM}",
            f"--chrome-flags={CHROME_FLAGS}",
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
        scored = [(ref["id"], report["audits"][ref["id"]]) for ref in category["auditRefs"] if ref["weight"]]
        # A score of None: the audit does not apply to this page.
        failed = [
            f"{name}: {found['title']}" for name, found in scored if found["score"] is not None and found["score"] < 1
        ]
        results[name] = (round(category["score"] * 100), failed)
    return results


def lighthouse(site):
    """Score every chapter page with Lighthouse; print a table and what missed a target; save the lot as JSON."""
    if not (site / "index.html").exists():
        sys.exit(f"No built book in {site}: run `make lighthouse`, which builds it first.")
    pages = [f"chapters/{path.stem}.html" for path in sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))]
    server = serve(site)
    try:
        results = {page: audit(f"http://127.0.0.1:{server.server_port}/{page}") for page in pages}
    finally:
        server.shutdown()
    print(f"{'page':<40}" + "".join(f"{name:>16}" for name in TARGETS))
    for page, result in results.items():
        print(f"{page:<40}" + "".join(f"{result[name][0]:>16}" for name in TARGETS))
    missed = [
        (page, name, score, failed)
        for page, result in results.items()
        for name, (score, failed) in result.items()
        if TARGETS[name] is not None and score < TARGETS[name]
    ]
    for page, name, score, failed in missed:
        print(f"\n{page}: {name} {score} < {TARGETS[name]}; failed audits:\n  " + "\n  ".join(failed))
    RESULTS.mkdir(parents=True, exist_ok=True)
    saved = {
        page: {name: {"score": score, "failed": failed} for name, (score, failed) in result.items()}
        for page, result in results.items()
    }
    (RESULTS / "lighthouse.json").write_text(json.dumps({"lighthouse": LIGHTHOUSE, "pages": saved}, indent=1) + "\n")
    print(f"\nSaved in {(RESULTS / 'lighthouse.json').relative_to(ROOT)}.")
    return 1 if missed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=lighthouse.__doc__)
    parser.add_argument("--site", type=Path, default=SITE, help="the built site (default: %(default)s)")
    sys.exit(lighthouse(**vars(parser.parse_args())))
