"""What the tests share: the book built once, each chapter run once, a reader's kernel, the browser, the servers.

`make test` runs the tests in parallel (pytest-xdist). What a session makes once (the build, the reader's environment,
the chapters' runs, the stock build the screenshots compare with) is made by the first worker that needs it, under a
file lock, in a folder all workers share (pytest-xdist's own recipe); the others wait for it. What a worker starts
(its `make live`, its static host, its Chromium) is its own: a test sees only the kernels and pages of its own worker.
"""

import functools
import http.server
import json
import threading
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from playwright.sync_api import expect

from book import CHROMIUM, CHROMIUM_ARGS, ROOT, WAIT, LiveServer, glued, independent_run, make, once, output
from booktools.live_server import free_port

# A kernel's first cell imports torch: seconds on a busy machine. Every wait is bounded all the same: pytest-timeout
# stops a test that hangs (pyproject.toml).
expect.set_options(timeout=WAIT)


@pytest.fixture(scope="session")
def shared(tmp_path_factory, worker_id):
    """A folder every worker of this test session shares."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if worker_id != "master" else base


@pytest.fixture(scope="session")
def book(shared):
    """The book, built with the README's command. Chapters whose code is unchanged come from the cache."""

    def build(path):
        done = make("book")
        path.write_text(json.dumps({"returncode": done.returncode, "log": output(done)[-10000:]}))

    result = json.loads(once(shared, "book.json", build).read_text())
    assert result["returncode"] == 0, f"make book failed:\n{result['log']}"
    return ROOT / "_build"


@pytest.fixture(scope="session")
def reader(shared, tmp_path_factory):
    """A kernel with only what Binder installs (plus ipykernel), its spec kept out of the user's Jupyter folders."""

    def install(path):
        venv = make(".venv-reader/.installed")
        path.write_text(json.dumps({"returncode": venv.returncode, "log": output(venv)[-5000:]}))

    result = json.loads(once(shared, "reader.json", install).read_text())
    assert result["returncode"] == 0, f"could not make the reader's venv:\n{result['log']}"
    specs = tmp_path_factory.mktemp("kernels")
    (specs / "reader").mkdir()
    argv = [str(ROOT / ".venv-reader" / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (specs / "reader" / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Reader"}))
    return KernelSpecManager(kernel_dirs=[str(specs)])


@pytest.fixture(scope="session")
def run(shared, reader):
    """run(chapter): the chapter's one independent run in this session (book.independent_run), for every test."""

    @functools.cache
    def chapter_run(chapter):
        def execute(path):
            folder = shared / f"run-{chapter}"
            folder.mkdir()
            nbformat.write(independent_run(chapter, reader, folder), path)

        return nbformat.read(once(shared, f"run-{chapter}.ipynb", execute), as_version=4)

    return chapter_run


@pytest.fixture(scope="module")
def nb(request, run):
    """The chapter a test module is named after (test_01_autograd -> 01-autograd), from its independent run."""
    return run(request.module.__name__.removeprefix("test_").replace("_", "-"))


@pytest.fixture(scope="module")
def values(nb):
    """The chapter's glued values, by name."""
    return glued(nb)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's browser (a fresh context and page per test, a trace kept on failure), as Debian's Chromium
    (never `playwright install`: it downloads)."""
    assert Path(CHROMIUM).exists(), f"No Chromium at {CHROMIUM}: `make test` installs it, or set CHROMIUM=..."
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def new_context(new_context):
    """pytest-playwright's contexts (each closed after its test), waiting up to a minute for a busy machine."""

    def create(**options):
        context = new_context(**options)
        context.set_default_timeout(WAIT)
        return context

    return create


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
    server.server_close()


@pytest.fixture(scope="session")
def live(book):
    """The README's `make live`: the book with a local kernel server. Yields the running server."""
    with LiveServer(free_port(0)) as server:
        yield server
