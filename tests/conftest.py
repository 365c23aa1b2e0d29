import functools
import http.server
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from book import CHROMIUM, CHROMIUM_ARGS, ROOT, LiveServer, execute, glued, make
from booktools.live_server import free_port


@pytest.fixture(scope="session")
def book():
    """The book, built with the README's command. Chapters whose code is unchanged come from the cache."""
    build = make("book")
    assert build.returncode == 0, f"make book failed:\n{build.stdout[-5000:]}\n{build.stderr[-5000:]}"
    return ROOT / "_build"


@pytest.fixture(scope="module")
def nb(request):
    """The chapter a test module is named after (test_01_autograd -> 01-autograd), executed in a fresh kernel."""
    return execute(request.module.__name__.removeprefix("test_").replace("_", "-"))


@pytest.fixture(scope="module")
def values(nb):
    """The chapter's glued values, by name."""
    return glued(nb)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never `playwright install`: it downloads)."""
    assert Path(CHROMIUM).exists(), f"No Chromium at {CHROMIUM}: `make test` installs it, or set CHROMIUM=..."
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def site(book):
    """The built book served as a static host serves it (the published site); yields its address."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=book / "html"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def live(book):
    """The README's `make live`: the book with a local kernel server. Yields the running server."""
    with LiveServer(free_port(0)) as server:
        yield server
