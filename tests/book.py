"""Running and reading the book: chapters run as a reader runs them, and the pages the build wrote.

The tests assert facts on real executed outputs, so they never re-implement a chapter.
"""

import ast
import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import jupytext
import nbclient
import nbformat
import yaml
from bs4 import BeautifulSoup
from filelock import FileLock
from jupyter_client import KernelManager

from booktools import ROOT, toc
from booktools.execution import KERNELS
from booktools.exercises import SAID_AFTER_SOLUTIONS, add_checks_after_solutions, take_checks_after_solutions
from booktools.notebook_cells import chapter_code, glue_only, reader_code_cell

CHAPTERS = toc.chapters()
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


def until(condition, what, seconds=30, wait=time.sleep):
    """condition()'s first true value, asked every 0.1 s for up to `seconds` (a busy machine is slow, not broken), or a
    failure that says what did not happen. A test with a browser page waits with the page's wait_for_timeout (in
    milliseconds: `wait=lambda s: page.wait_for_timeout(1000 * s)`), so that the page's handlers run meanwhile."""
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {seconds} s")
        wait(0.1)
    return found


def answer(url, headers=None, method="GET", body=None):
    """The status and body of a request, as any program on this machine can make it."""
    data = json.dumps(body or {}).encode() if method == "POST" else None
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


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
    both the notebook's tests and the chapter's facts. As in Colab and JupyterLab, whose Run all knows no
    raises-exception tag, any cell error stops the run: the tags are set aside while it runs, then put back for the
    tests that read them."""
    committed = ROOT / "chapters" / f"{chapter}.ipynb"
    # A page with no code for the reader has no notebook: its run is its glue cells alone.
    reader = nbformat.read(committed, as_version=4) if committed.exists() else nbformat.v4.new_notebook()
    cells, position = [nbformat.v4.new_code_cell(GLUE_STAND_IN, metadata={"tags": ["remove-cell"]})], 0
    for source_cell in jupytext.read(ROOT / "chapters" / f"{chapter}.md").cells:
        if glue_only(source_cell):
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
    add_checks_after_solutions(reader)
    tags = [cell.metadata.pop("tags", None) for cell in reader.cells]
    run_in(kernel_specs, reader, folder)
    for cell, cell_tags in zip(reader.cells, tags, strict=True):
        if cell_tags is not None:
            cell.metadata["tags"] = cell_tags
    reader.metadata[SAID_AFTER_SOLUTIONS] = take_checks_after_solutions(reader)
    return reader


def run_in(kernel_specs, notebook, folder):
    """Run a notebook top to bottom in the "reader" kernel of kernel_specs, from folder, with the book's timeout."""
    kernel = KernelManager(kernel_name="reader", kernel_spec_manager=kernel_specs, **KERNELS["KernelManager"])
    resources = {"metadata": {"path": str(folder)}}
    nbclient.NotebookClient(notebook, km=kernel, timeout=CONFIG["execute"]["timeout"], resources=resources).execute()
    return notebook


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def cells(notebook, first_line):
    """The code cells whose chapter code starts with first_line (a folded solution's after its title line, a failing
    cell's inside its `try`), in order."""
    return [c for c in code_cells(notebook) if chapter_code(c.source).startswith(first_line)]


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


def assigned(code_cell, name, **names):
    """The value a cell assigns to name, its expression evaluated with the given names bound: what does a solution
    that binds an exercise's answer give for given inputs?"""
    value = next(
        node.value
        for node in ast.walk(ast.parse(code_cell.source))
        if isinstance(node, ast.Assign) and [ast.unparse(target) for target in node.targets] == [name]
    )
    return eval(compile(ast.Expression(value), name, "eval"), {}, names)


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

    from booktools.execution_cache import environment

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


def record_status(page):
    """From the next page load on, keep everything the Live Code status line says, in order, in window.said."""
    page.add_init_script("""window.said = [];
        new MutationObserver(() => {
            const line = document.querySelector(".live-code-status");
            if (line && line.textContent !== said.at(-1)) said.push(line.textContent);
        }).observe(document, { childList: true, characterData: true, subtree: true });""")
