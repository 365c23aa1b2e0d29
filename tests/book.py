"""Running and reading the book: chapters run as a reader runs them, and the pages the build wrote.

The tests assert facts on real executed outputs, so they never re-implement a chapter.
"""

import ast
import contextlib
import functools
import gzip
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import jupytext
import nbclient
import nbformat
import playwright.sync_api
import psutil
import yaml
from bs4 import BeautifulSoup
from filelock import FileLock
from jupyter_client import KernelManager

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the book's tools package sits at the repository root, outside tests/
from booktools.notebooks import SOLUTION_TITLE, reader_code_cell  # noqa: E402

CHAPTERS = sorted(path.stem for path in (ROOT / "chapters").glob("[0-9][0-9]-*.md"))
HTML = ROOT / "_build" / "html" / "chapters"
# Every page of the site, as paths under _build/html.
PAGES = [
    "index.html",
    "search.html",
    "genindex.html",
    *(f"chapters/{chapter}.html" for chapter in CHAPTERS),
    "chapters/build-report.html",
]
BUILT = ROOT / "_build" / "jupyter_execute" / "chapters"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def once(shared, name, make_it):
    """shared/name, made by make_it(path) in the first worker of a test session to ask; the others wait for it."""
    path = shared / name
    with FileLock(f"{path}.lock"):
        if not path.exists():
            make_it(path)
    return path


# pydata-sphinx-theme's breakpoint: narrower, the sidebar button opens the sidebar as a dialog; wider, it folds it away.
SIDEBAR_DIALOG_BELOW = 992


def toggle_sidebar(page):
    """Press the page's visible sidebar button and wait until it took effect: the dialog open, or the sidebar hidden."""
    page.locator("button.primary-toggle:visible").click()
    if page.viewport_size["width"] < SIDEBAR_DIALOG_BELOW:
        page.locator("#pst-primary-sidebar-modal[open]").wait_for()
    else:
        page.locator("#pst-primary-sidebar").wait_for(state="hidden")


def make(*arguments, timeout=1200):
    """Run one of the README's make targets; return the finished process with its output as text."""
    return subprocess.run(["make", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def output(process):
    """All a finished process printed."""
    return process.stdout + (process.stderr or "")


def executed(build):
    """The chapters a build ran (not taken from the cache), from myst-nb's log."""
    return sorted(re.findall(r"chapters/([\w-]+)\.md: Executing notebook", output(build)))


def copy_of_book(folder):
    """What a build reads, in a folder of its own (and the extension, which finds the unpacked thebe beside it)."""
    folder.mkdir()
    for name in ["_config.yml", "_toc.yml", "requirements.in", "requirements.txt"]:
        shutil.copy(ROOT / name, folder)
    shutil.copytree(ROOT / "assets", folder / "assets")
    shutil.copytree(ROOT / "chapters", folder / "chapters", ignore=shutil.ignore_patterns("*.ipynb"))
    (folder / "booktools").symlink_to(ROOT / "booktools")
    return folder


def execute(chapter):
    """Run a chapter top to bottom in a fresh kernel of the book's environment, with the book's cell timeout: what
    the build does, without Sphinx or the cache (the benchmark's baseline)."""
    notebook = jupytext.read(ROOT / "chapters" / f"{chapter}.md")
    nbclient.NotebookClient(
        notebook,
        kernel_name=notebook.metadata.kernelspec.name,
        timeout=CONFIG["execute"]["timeout"],
        resources={"metadata": {"path": str(ROOT / "chapters")}},
    ).execute()
    return notebook


# The reader's kernel has only Binder's packages, so no myst_nb. In the independent run, this stands in for
# myst_nb.glue: it shows a value as glue does (its IPython text, named in the output's scrapbook metadata), so the
# run's glued values are read as the build's are.
GLUE_STAND_IN = """
import sys, types
from IPython.core.formatters import format_display_data
from IPython.display import display as _display

def _glue(name, value, display=True):
    _display({"text/plain": format_display_data(value)[0]["text/plain"]}, raw=True,
             metadata={"scrapbook": {"name": name, "mime_prefix": ""}})

sys.modules["myst_nb"] = types.SimpleNamespace(glue=_glue)
"""


def independent_run(chapter, kernel_specs, folder):
    """The chapter run top to bottom as a reader runs it: its Colab/Binder notebook, as committed, in a fresh kernel
    with only what Binder installs ("reader" in kernel_specs), from folder. The chapter's glue cells, which the
    notebook leaves out, run where they stand in the chapter (through GLUE_STAND_IN), so that this one run serves
    both the notebook's tests and the chapter's facts. A cell error fails the run unless tagged raises-exception."""
    committed = ROOT / "chapters" / f"{chapter}.ipynb"
    # A page with no code for the reader has no notebook: its run is its glue cells alone.
    reader = nbformat.read(committed, as_version=4) if committed.exists() else nbformat.v4.new_notebook()
    cells, position = [nbformat.v4.new_code_cell(GLUE_STAND_IN, metadata={"tags": ["remove-cell"]})], 0
    for source_cell in jupytext.read(ROOT / "chapters" / f"{chapter}.md").cells:
        if "remove-cell" in source_cell.metadata.get("tags", []):
            cells.append(nbformat.v4.new_code_cell(source_cell.source, metadata=source_cell.metadata))
        elif source_cell.cell_type == "code":
            found = next(
                (
                    i
                    for i in range(position, len(reader.cells))
                    if reader.cells[i].source == reader_code_cell(source_cell).source
                ),
                None,
            )
            assert found is not None, f"chapters/{chapter}.ipynb is stale: run `make notebooks`"
            cells += reader.cells[position : found + 1]
            position = found + 1
    reader.cells = cells + reader.cells[position:]
    return run_in(kernel_specs, reader, folder)


def run_in(kernel_specs, notebook, folder):
    """Run a notebook top to bottom in the "reader" kernel of kernel_specs, from folder, with the book's timeout."""
    kernel = KernelManager(kernel_name="reader", kernel_spec_manager=kernel_specs)
    resources = {"metadata": {"path": str(folder)}}
    nbclient.NotebookClient(notebook, km=kernel, timeout=CONFIG["execute"]["timeout"], resources=resources).execute()
    return notebook


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def cells(notebook, first_line):
    """The code cells whose source starts with first_line (a folded solution's after its title line), in order."""
    return [c for c in code_cells(notebook) if c.source.removeprefix(f"{SOLUTION_TITLE}\n").startswith(first_line)]


def cell(notebook, first_line):
    """The one code cell whose source starts with first_line."""
    found = cells(notebook, first_line)
    assert len(found) == 1, f"{len(found)} code cells start with {first_line!r}"
    return found[0]


def tags(code_cell):
    return code_cell.metadata.get("tags", [])


def text(code_cell):
    """Everything a reader sees as text below a cell: printed streams, then displayed values."""
    streams = "".join(o.text for o in code_cell.outputs if o.output_type == "stream")
    values = [o.data["text/plain"] for o in code_cell.outputs if "text/plain" in o.get("data", {})]
    return "\n".join(part for part in [streams.rstrip("\n"), *values] if part)


def errors(code_cell):
    return [o.ename for o in code_cell.outputs if o.output_type == "error"]


def error_messages(code_cell):
    return [o.evalue for o in code_cell.outputs if o.output_type == "error"]


def unused_imports(notebook):
    """The names a chapter's code cells import but never use (a chapter imports what it uses, where it uses it)."""
    # IPython magics (%xmode) are not Python: leave those lines out.
    trees = [
        ast.parse("\n".join(line for line in c.source.splitlines() if not line.startswith("%")))
        for c in code_cells(notebook)
    ]
    imported = {
        alias.asname or alias.name.split(".")[0]
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    used = {node.id for tree in trees for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return imported - used


def check(code_cell, **names):
    """The value of the condition that a cell's assert statement tests, evaluated with the given names bound: does a
    solution's check accept a given answer?"""
    condition = next(node.test for node in ast.walk(ast.parse(code_cell.source)) if isinstance(node, ast.Assert))
    return eval(compile(ast.Expression(condition), "assert", "eval"), {"abs": abs}, names)


def figures(code_cell):
    return [o.data["image/png"] for o in code_cell.outputs if "image/png" in o.get("data", {})]


def glued(notebook):
    """The values a chapter handed to its prose with myst_nb.glue, as Python values."""
    return glue_values(output for code_cell in code_cells(notebook) for output in code_cell.outputs)


def built_glue(chapter):
    """The values that the build glued into a chapter's page (myst-nb saves them even when it used its cache)."""
    return glue_values(json.loads((BUILT / f"{chapter}.glue.json").read_text()).values())


def glue_values(outputs):
    return {
        output["metadata"]["scrapbook"]["name"]: ast.literal_eval(output["data"]["text/plain"])
        for output in outputs
        if "scrapbook" in output.get("metadata", {})
    }


def built_notebook(chapter):
    """The chapter as the build ran it, with the outputs its page shows: from the build's jupyter-cache (myst-nb's own
    saved copy in _build/jupyter_execute has none when the chapter came from the cache)."""
    # Here, not at the top: only this test needs jupyter-cache (and its SQLAlchemy), not every worker and the benchmark.
    from jupyter_cache import get_cache

    from booktools.execution import environment

    cache = get_cache(str(ROOT / "_build" / ".jupyter_cache" / environment(ROOT)))
    record = cache.match_cache_notebook(jupytext.read(ROOT / "chapters" / f"{chapter}.md"))
    return cache.get_cache_bundle(record.pk).nb


def page(chapter):
    """The built HTML page of a chapter, parsed."""
    return BeautifulSoup((HTML / f"{chapter}.html").read_text(), "html.parser")


def words(soup):
    """The visible text of a page or element, with white space folded."""
    return " ".join(soup.get_text(" ").split())


# --- The site in a real browser --------------------------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # the Makefile says which does what
CHROMIUM_SHELL = os.environ.get("CHROMIUM_SHELL", "/usr/bin/chromium-headless-shell")
# How long a browser step may wait (ms): a kernel's first cell imports torch, seconds on a busy machine.
WAIT = 60_000
# The flags our machines need for headless Chromium; the last three stop it calling Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def static_host(folder):
    """folder served on 127.0.0.1 as a static host serves a site (a port of its own); yields its address."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def port_open(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def watch(page):
    """Everything that goes wrong on a page from now on: console errors, uncaught exceptions, failed or refused
    responses, and any request to a host other than 127.0.0.1 (an offline reader could not load it)."""
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"exception: {error}"))
    page.on(
        "response", lambda response: response.status >= 400 and problems.append(f"{response.status}: {response.url}")
    )
    page.on(
        "request",
        lambda request: (
            urlsplit(request.url).hostname not in ("127.0.0.1", None)
            and problems.append(f"off-site request: {request.url}")
        ),
    )
    return problems


# Whether an element is visible, as Playwright's is_visible() decides (its injected isElementVisible), for checking
# many elements in one call.
VISIBLE = """element => element.checkVisibility() && getComputedStyle(element).visibility === "visible"
    && element.getBoundingClientRect().width > 0 && element.getBoundingClientRect().height > 0"""

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def assert_nothing_serious(page):
    """axe-core's default rules (WCAG A and AA, and best practices) find nothing serious or critical."""
    page.add_script_tag(path=AXE)
    # Violations only: axe skips writing up the passes and the unsure results (a chapter: 1.4 -> 1.2 CPU-s).
    violations = page.evaluate("axe.run({resultTypes: ['violations']}).then(results => results.violations)")
    serious = [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']]}"
        for violation in violations
        if violation["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)


# Playwright's resource types, as the kinds page_weight counts; anything else (fetch, manifest...) is "other".
KINDS = {"document": "html", "stylesheet": "css", "script": "js", "image": "images", "font": "fonts"}


def page_weight(new_context, url):
    """What a reader's first, cold-cache load of url transfers, in a context of its own from new_context (an empty
    cache): {"served": bytes by kind, "gzip": the same with
    each response gzipped at level 6 as a static host (GitHub Pages) sends it, "requests": bytes by URL}. Kinds:
    html, css, js, images, fonts, other, and their total."""
    context = new_context()
    page = context.new_page()
    bodies = {}

    def read(request):
        # Each as it arrives; a page that redirects (index.html) is weighed as the page it lands on, since the
        # browser drops the bodies of the page it leaves.
        with contextlib.suppress(playwright.sync_api.Error):
            bodies[request] = request.response().body()

    page.on("requestfinished", read)
    page.goto(url, wait_until="networkidle")
    weight = {"served": dict.fromkeys([*KINDS.values(), "other", "total"], 0), "requests": {}}
    weight["gzip"] = dict(weight["served"])
    for request, body in bodies.items():
        kind = KINDS.get(request.resource_type, "other")
        weight["requests"][request.url] = len(body)
        for how, size in ("served", len(body)), ("gzip", len(gzip.compress(body, compresslevel=6))):
            weight[how][kind] += size
            weight[how]["total"] += size
    context.close()
    return weight


def press_live_code(page):
    """Press the page's Live Code button the way a reader does: open the launch menu, pick Live Code."""
    page.get_by_role("button", name="Launch interactive content").click()
    page.get_by_role("button", name="Live Code").click()


def start_live_code(page, press=press_live_code):
    """Press Live Code (with the mouse unless told otherwise); return once the kernel is ready."""
    press(page)
    page.wait_for_selector("html[data-live-code=ready]", state="attached", timeout=WAIT)


def press_live_code_by_keyboard(page):
    """Live Code the way a keyboard user presses it: Tab to the launch menu, open it, arrow down to Live Code."""
    keyboard_to(page, page.get_by_role("button", name="Launch interactive content"))
    page.keyboard.press("Enter")
    keyboard_to(page, page.get_by_role("button", name="Live Code"), key="ArrowDown")
    page.keyboard.press("Enter")


# Keyboard focus (:focus-visible) drawn as an outline or a shadow; a live cell draws it around its whole editor.
FOCUS_SHOWN = """() => {
    const focused = document.activeElement;
    const style = getComputedStyle(focused.closest(".CodeMirror") ?? focused);
    return focused.matches(":focus-visible")
        && (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0 || style.boxShadow !== "none");
}"""


def keyboard_to(page, target, key="Tab", limit=200):
    """Press key until target (or an element in it, such as a live cell's editor) has the focus, and check that the
    reader can see where the focus is. In a live cell Tab indents, so leave one as its status line says: Esc, Tab."""
    for _ in range(limit):
        if page.evaluate("document.activeElement.closest('.CodeMirror') !== null"):
            page.keyboard.press("Escape")
        page.keyboard.press(key)
        if target.evaluate("element => element.contains(document.activeElement)"):
            assert page.evaluate(FOCUS_SHOWN), f"no focus ring on {target}"
            return
    raise AssertionError(f"{limit} presses of {key} never reached {target}")


def live_cell(page, first_line):
    """The one live cell whose source starts with first_line."""
    found = page.evaluate(
        """first => [...document.querySelectorAll("div.cell")].flatMap((cell, index) =>
        cell.querySelector(".CodeMirror")?.CodeMirror.getValue().startsWith(first) ? [index] : [])""",
        first_line,
    )
    assert len(found) == 1, f"{len(found)} live cells start with {first_line!r}"
    return page.locator("div.cell").nth(found[0])


def record_status(page):
    """From the next page load on, keep everything the Live Code status line says, in order, in window.said."""
    page.add_init_script("""window.said = [];
        new MutationObserver(() => {
            const line = document.querySelector(".live-code-status");
            if (line && line.textContent !== said.at(-1)) said.push(line.textContent);
        }).observe(document, { childList: true, characterData: true, subtree: true });""")


def run_button(cell):
    """A live cell's one Run button (its name says which cell: "Run cell 3")."""
    return cell.get_by_role("button", name="Run cell")


def kernel_output(cell):
    """What the kernel printed below a cell (not the output the build wrote there)."""
    return cell.locator(".jp-OutputArea")


class LiveServer:
    """`make live PORT=port` in its own process group, stopped with Ctrl-C (SIGINT to the group, as a terminal
    does). `address` is the address it printed (with its key), `url` its origin, `output` everything it printed. The
    book is the one the tests built (`-o book`: not built again, under the feet of the tests that read it at the same
    time). With `kernels`, the same server, with at most that many kernels (`make live` takes no such setting).

    A browser context gets live code once it has opened the printed address (sign_in); the tests' own contexts
    (conftest.py) open the address of each LiveServer running as they are made."""

    serving = []  # the LiveServers of this worker that are running

    def __init__(self, port, timeout=300, kernels=None):
        command = ["make", "--no-print-directory", "-o", "book", "live", f"PORT={port}"]
        if kernels is not None:
            command = [sys.executable, "-m", "booktools.live_server", f"--port={port}", f"--kernels={kernels}"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.output, self.url, serving = "", None, threading.Event()
        # Read all it prints, so that a chatty server never blocks on a full pipe.
        self.reader = threading.Thread(target=self._read, args=(serving,))
        self.reader.start()
        if not serving.wait(timeout) or self.url is None:
            ended = serving.is_set()  # all it printed was read: it stopped by itself
            if not ended:
                os.killpg(self.process.pid, signal.SIGKILL)
            self.reader.join()
            # The why and the last line first: a summary of failures (pytest's, the benchmark's) keeps one line.
            why = (
                f"stopped before it served (exit code {self.process.wait()})"
                if ended
                else f"did not serve in {timeout} s"
            )
            last = (
                [line for line in self.output.splitlines() if line.strip() and not line.startswith("make")] or [""]
            )[-1]
            raise AssertionError(f"make live {why}; it said last: {last}\n{self.output}")
        LiveServer.serving.append(self)

    def _read(self, serving):
        for line in self.process.stdout:
            self.output += line
            if self.url is None and "http://127.0.0.1:" in line:
                self.address = "http://" + line.split("http://")[1].split()[0]
                self.url = self.address.split("?")[0].rstrip("/")
                serving.set()
        serving.set()  # it stopped

    def sign_in(self, context):
        """Open the printed address in a browser context (Playwright's), which keeps the cookie it is given."""
        context.request.get(self.address, max_redirects=0)

    @functools.cached_property
    def cookie(self):
        """The cookie the printed address gives (its Cookie header), as a browser gets it."""
        connection = http.client.HTTPConnection(urlsplit(self.address).netloc, timeout=30)
        try:
            connection.request("GET", self.address.removeprefix(self.url))
            return (connection.getresponse().getheader("Set-Cookie") or "").split(";")[0]
        finally:
            connection.close()

    @functools.cached_property
    def kernel_server(self):
        """The kernel server's address and token, as the book's own pages are told them."""
        request = urllib.request.Request(f"{self.url}/_static/live-code.json", headers={"Cookie": self.cookie})
        server = json.load(urllib.request.urlopen(request))["server"]
        return server["baseUrl"].rstrip("/"), server["token"]

    def api(self, path, method="GET", body=None):
        """The kernel server's JSON answer to a call of its REST API (api/kernels, say), made as a page of the book
        makes it (with the token, from the book's origin); None for an answer with no body (a DELETE's)."""
        base, token = self.kernel_server
        request = urllib.request.Request(
            f"{base}/{path}",
            method=method,
            data=json.dumps(body or {}).encode() if method == "POST" else None,
            headers={"Authorization": f"token {token}", "Origin": self.url},
        )
        with urllib.request.urlopen(request) as answer:
            return json.load(answer) if answer.status != 204 else None

    def kernel_process(self, kernel):
        """The process of one of its kernels (by id), and the kernel's connection file (how the server reaches it)."""
        for process in psutil.Process(self.process.pid).children(recursive=True):
            # A kernel shut down a moment ago may be gone, or a zombie its server has not reaped yet.
            with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
                command = process.cmdline()
                if any(kernel in part for part in command):
                    return process, next(Path(part) for part in command if part.endswith(".json"))
        raise AssertionError(f"no process of kernel {kernel} under make live")

    def stop(self):
        with contextlib.suppress(ValueError):  # stopped once already
            LiveServer.serving.remove(self)
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=30)
        self.reader.join()
        return self.output

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        if self.process.poll() is None:
            self.stop()
