"""What the tests share: the book built once, each chapter run once, a reader's kernel, the browser, the servers.

`make test` runs the tests in parallel (pytest-xdist). What a session makes once (the build, the reader's environment,
the chapters' runs, the stock build the screenshots compare with) is made by the first worker that needs it, under a
file lock, in a folder all workers share (pytest-xdist's own recipe); the others wait for it. What a worker starts
(its `make live`, its static host, its Chromium) is its own: a test sees only the kernels and pages of its own worker.
"""

import functools
import json
import os
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from book import ROOT, glued, independent_run, once
from booktools import browser
from booktools.live_page import WAIT
from booktools.live_server import free_port
from booktools.make_book import copy_of_book, make, output, write_toc
from booktools.make_live import LiveServer
from booktools.notebook_cells import notebook_text
from booktools.notebooks import reader_notebook
from booktools.static_host import serving

# A kernel's first cell imports torch: seconds on a busy machine. Every wait is bounded all the same: pytest-timeout
# stops a test that hangs (pyproject.toml).
expect.set_options(timeout=WAIT)
# Every kernel the tests start (the reader's runs, `make live`'s, the Hub's) shares the cores with the other workers'.
# torch's OpenMP threads spin while they wait for one another, taking the CPU from the rest; waiting passively, as the
# build's kernels do (booktools.execution), changes no output. Set here, before any worker starts a process.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


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
def grown_book(shared):
    """A book of two fixture chapters built with the README's command, then built again with a third chapter added to
    its _toc.yml (run alone; every page written again), then once more after its notebook was written, as `make
    notebooks` writes it: the book's folder, and each build's exit code and output."""

    def build(path):
        fixtures = ROOT / "tests" / "fixtures" / "chapters"
        book = copy_of_book(path.with_name("grown-book"), [fixtures / "small.md", fixtures / "small-too.md"])
        first = make("book", f"BOOK={book}")
        added = book / "chapters" / "03-added-later.md"  # numbered, as a notebook's header says which chapter it is
        added.write_text((fixtures / "added-later.md").read_text())
        write_toc(book, ["small", "small-too", "03-added-later"])
        second = make("book", f"BOOK={book}")
        added.with_suffix(".ipynb").write_text(notebook_text(reader_notebook(added)))
        third = make("book", f"BOOK={book}")
        path.write_text(json.dumps([[done.returncode, output(done)] for done in (first, second, third)]))

    builds = json.loads(once(shared, "grown-book.json", build).read_text())
    for returncode, log in builds:
        assert returncode == 0, log[-3000:]
    return shared / "grown-book", [log for _returncode, log in builds]


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
    # The reader's ipykernel (7.4) takes the encryption keys the build's kernels use (booktools.execution.KERNELS).
    spec = {"argv": argv, "display_name": "Reader", "metadata": {"supported_encryption": ["curve"]}}
    (specs / "reader" / "kernel.json").write_text(json.dumps(spec))
    return KernelSpecManager(kernel_dirs=[str(specs)])


@pytest.fixture(scope="session")
def run(shared, reader):
    """run(chapter): the chapter's one independent run in this session (book.independent_run), for every test."""

    @functools.cache
    def chapter_run(chapter):
        def execute(path):
            folder = shared / f"run-{chapter}"
            folder.mkdir(exist_ok=True)  # left by a worker whose run failed (a stale notebook, say)
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
    """pytest-playwright's browser (for each test a page of its own, a trace kept on failure), as Debian's Chromium
    headless shell (never `playwright install`: it downloads)."""
    return {
        **browser_type_launch_args,
        "executable_path": browser.require(browser.CHROMIUM_SHELL),
        "args": browser.FLAGS,
    }


@pytest.fixture
def new_context(new_context, request):
    """pytest-playwright's fresh contexts (each closed after its test), for a test that needs an empty cache or storage;
    others take a page of their own from new_page. Each waits up to a minute for a busy machine.

    Their trace keeps the DOM at each step, not a film strip of screenshots: pytest-playwright always asks for both,
    and the film strip, which records every frame of every test to keep the ones that fail, was much of what tracing
    cost. The trace it saves on failure is the one started here. If pytest-playwright stops tracing its contexts,
    stop() below raises and every test that uses them says so."""

    def create(**options):
        context = new_context(**options)
        context.set_default_timeout(WAIT)
        for server in LiveServer.serving:  # as the reader opens the address `make live` printed
            server.sign_in(context)
        if request.config.getoption("--tracing") != "off":
            context.tracing.stop()
            context.tracing.start(title=request.node.nodeid, **TRACE)
        return context

    return create


# What a trace keeps: the DOM at each step and the test's source.
TRACE = {"snapshots": True, "sources": True}
# Whether a test's body failed, for new_page's teardown to keep its trace. pytest-playwright notes the same on the item
# (rep_call), but as its own detail: this is pytest's documented way.
FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


@pytest.fixture(scope="session")
def browser_contexts(browser, browser_context_args, pytestconfig):
    """browser_contexts(**options): this worker's one context for each set of options, kept for the session. A new
    context per test costs more than the page it opens, as it starts with no cache and compiles every script again.
    Traced in chunks, one per test (new_page)."""
    opened = {}

    def context(**options):
        key = repr(sorted(options.items()))
        if key not in opened:
            opened[key] = browser.new_context(**{**browser_context_args, **options})
            opened[key].set_default_timeout(WAIT)
            if pytestconfig.getoption("--tracing") != "off":
                opened[key].tracing.start(**TRACE)
                opened[key].tracing.stop_chunk()  # each test records a chunk of its own (new_page)
        for server in LiveServer.serving:  # as the reader opens the address `make live` printed (again after a restart)
            server.sign_in(opened[key])
        return opened[key]

    yield context
    for each in opened.values():
        each.close()


@pytest.fixture
def new_page(browser_contexts, request, output_path):
    """new_page(**context options): a page of the test's own in this worker's context for those options, closed as a
    reader closes a tab (live code shuts its kernel down) when the test ends; a trace of it kept if the test failed
    (--tracing retain-on-failure). What the test's pages share with other tests' is the cache, cookies and storage."""
    pages, traced = [], []
    tracing = request.config.getoption("--tracing")

    def create(**options):
        context = browser_contexts(**options)
        if tracing != "off" and context not in traced:
            context.tracing.start_chunk(title=request.node.nodeid)
            traced.append(context)
        pages.append(context.new_page())
        return pages[-1]

    yield create
    for page in pages:
        try:
            page.close(run_before_unload=True)
        except PlaywrightError:
            if not page.is_closed():  # closed already (by the test itself) is fine; anything else is not
                raise
    keep = tracing == "on" or (tracing == "retain-on-failure" and request.node.stash.get(FAILED, True))
    for number, context in enumerate(traced, start=1):
        name = "trace.zip" if len(traced) == 1 else f"trace-{number}.zip"  # as pytest-playwright names them
        context.tracing.stop_chunk(path=Path(output_path) / name if keep else None)


@pytest.fixture
def page(new_page):
    """The test's own page (new_page), in place of pytest-playwright's page in a context of its own."""
    return new_page()


@pytest.fixture(scope="session")
def site(book):
    """The built book served as a static host serves it (the published site); yields its address."""
    with serving(book / "html") as address:
        yield address


@pytest.fixture(scope="session")
def live(book):
    """The README's `make live`: the book with a local kernel server. Yields the running server."""
    with LiveServer(free_port(0)) as server:
        yield server
