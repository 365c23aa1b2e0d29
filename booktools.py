"""The book's own tooling, kept to one module.

- A Sphinx extension (listed in _config.yml), the sections below:
  - live code served from the site itself (no CDN), the theme's icons without its 1.5 MB script, math typeset at
    build time, and a jupyter-cache kept per environment;
  - a failed chapter named in the build's last words, and a failed build that fails again until fixed;
  - accessibility fixes to the stock theme.
- `python booktools.py notebooks`: writes the Colab/Binder notebook next to each chapter.
- `python booktools.py live`: serves the built book with a private local Jupyter kernel for live code.
"""

import argparse
import atexit
import contextlib
import errno
import functools
import hashlib
import http.server
import importlib.metadata
import json
import os
import re
import secrets
import signal
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from html import escape
from pathlib import Path

import nbformat
import yaml
from docutils import nodes
from jupyter_server.auth.identity import IdentityProvider
from packaging.requirements import Requirement
from myst_nb.core.variables import format_plain_text
from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput, visit_HideCellInput
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number, wrap_displaymath


# --- Colab and Binder notebooks -------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent
# myst-nb writes each chapter's glued outputs here on every build, from its cache or not.
GLUE = ROOT / "_build" / "jupyter_execute" / "chapters"

GLUE_TEXT = re.compile(r"\{glue:text\}`([^`]*)`")
TABLE_OF_CONTENTS = re.compile(r"^```\{tableofcontents\}\s*\n```[ \t]*$", re.MULTILINE)
# What Colab would show raw: any other role, directive (``` or :::), label target or MyST comment.
UNKNOWN_MYST = re.compile(r"\{[\w:.-]+\}`|^(```+|:::+)\s*\{|^\([^)\s]+\)=\s*$|^%", re.MULTILINE)


def reader_notebook(source):
    """The notebook a reader opens in Colab or Binder: the chapter without MyST, glue or myst_nb."""
    import jupytext  # a tools and tests dependency: the Sphinx extension above must import without it

    chapter = jupytext.read(source)
    name = Path(source).stem
    glued = glue_outputs(name)
    cells = []
    for i, cell in enumerate(chapter.cells):
        where = f"chapters/{name}.md, cell {i}"
        if cell.cell_type == "code":
            if "remove-cell" in cell.metadata.get("tags", []):
                continue  # the glue-only cells: they import myst_nb, which Colab does not have
            if "myst_nb" in cell.source or "glue(" in cell.source:
                raise ValueError(f"{where}: a cell that glues must be tagged remove-cell:\n{cell.source}")
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=cell.metadata))
        else:
            cells.append(nbformat.v4.new_markdown_cell(plain_markdown(cell.source, glued, where)))
    cells.insert(0, nbformat.v4.new_markdown_cell(header(name, chapter)))
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i}"  # stable ids, so that regenerating gives the same bytes
    metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    return nbformat.v4.new_notebook(cells=cells, metadata=metadata)


def plain_markdown(text, glued, where):
    """Markdown that Colab renders as the book does: glued values written in, no MyST left."""
    text = GLUE_TEXT.sub(lambda role: glued_text(glued, role.group(1), where), text)
    text = TABLE_OF_CONTENTS.sub(lambda _: chapter_list(), text)
    if unknown := UNKNOWN_MYST.search(text):
        raise ValueError(f"{where}: MyST that a notebook cannot show: {unknown.group()!r}")
    return text


def glue_outputs(name):
    """The outputs the build glued in a chapter, by key (none if it glued nothing or was not built)."""
    path = GLUE / f"{name}.glue.json"
    return json.loads(path.read_text()) if path.exists() else {}


def glued_text(glued, role, where):
    """What {glue:text}`key:fmt` shows on the page, formatted as myst-nb does (its default spec is "s")."""
    key, fmt_spec = role.rsplit(":", 1) if ":" in role else (role, "s")
    if key not in glued:
        raise LookupError(f"{where}: no glued value {key!r} in {GLUE}: run `make book` first")
    return format_plain_text(glued[key]["data"]["text/plain"], fmt_spec)


def title(source):
    return next(line[2:] for line in Path(source).read_text().splitlines() if line.startswith("# "))


def chapter_list():
    """The {tableofcontents} of the book's opening page, as the chapter titles in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return "\n".join(f"1. {title((ROOT / entry['file']).with_suffix('.md'))}" for entry in toc["chapters"])


def header(name, chapter):
    """Which chapter this is, where it comes from, and why Run all may stop."""
    book = yaml.safe_load((ROOT / "_config.yml").read_text())["title"]
    which = f"Chapter {int(name[:2])} of" if int(name[:2]) else "The opening page of"
    lines = [
        f"{which} *{book}*, generated from `chapters/{name}.md` in the book's repository: edit that file, "
        "not this notebook. The book follows and completes Houjun Liu's guide *Getting Started with PyTorch*."
    ]
    failing = sum("raises-exception" in cell.metadata.get("tags", []) for cell in chapter.cells)
    if failing:
        lines.append(
            f"Some cells fail on purpose, to show a real error ({failing} in this chapter). *Run all* "
            "stops at each: carry on from the next cell (Colab: Runtime → Run after; Jupyter: Run → "
            "Run Selected Cell and All Below)."
        )
    return "\n\n".join(lines)


def notebook_text(notebook):
    """The bytes a notebook is stored as: nbformat's JSON (sorted keys), with a final newline."""
    return nbformat.writes(notebook) + "\n"


def write_notebooks():
    """Write chapters/NN-name.ipynb next to every chapter (needs the glued values of `make book`)."""
    for source in sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md")):
        source.with_suffix(".ipynb").write_text(notebook_text(reader_notebook(source)))
        print(f"wrote {source.with_suffix('.ipynb').relative_to(ROOT)}")
    for orphan in (ROOT / "chapters").glob("[0-9][0-9]-*.ipynb"):
        if not orphan.with_suffix(".md").exists():
            orphan.unlink()  # its chapter is gone


# --- Live code, math and icons (Sphinx extension) ------------------------------------------------

# thebe, MathJax and Font Awesome, unpacked from their npm tarballs by `make book` (only their built files).
VENDOR = ROOT / "_build" / "vendor"
FONT_AWESOME = VENDOR / "@fortawesome" / "fontawesome-free"
logger = logging.getLogger(__name__)


def setup(app):
    # sphinx-book-theme's Live Code button calls initThebe(), which live-code.js defines; the theme expects this
    # setting (sphinx-thebe's name) and fills in the repository, which is where Binder starts a kernel.
    app.add_config_value("thebe_config", {}, "html")
    # Math typeset at build time (html_math_renderer: svg in _config.yml): no MathJax for the reader to download.
    app.add_html_math_renderer("svg", (visit_math, None), (visit_math_block, None))
    app.connect("config-inited", cache_per_environment)
    app.connect("builder-inited", add_live_code_files)
    app.connect("html-page-context", live_code_on_pages_with_code, priority=600)  # after the theme's buttons
    app.connect("html-page-context", math_css_on_pages_with_math)
    app.connect("build-finished", copy_site_files)
    app.connect("build-finished", icons_without_font_awesome_js)
    app.connect("build-finished", write_math_css)
    app.connect("build-finished", explain_failed_chapter)
    app.connect("build-finished", fail_again_until_fixed)
    accessible_pages(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def cache_per_environment(app, config):
    """jupyter-cache keys a chapter on its code alone, so a new torch would not run it again. The cache lives in a
    folder named after the environment instead: a new one starts empty, and Sphinx, seeing this setting change,
    reads every chapter again. Only the current environment's cache is kept."""
    if config.nb_execution_cache_path:
        return  # chosen in _config.yml
    caches = Path(app.outdir).parent / ".jupyter_cache"
    current = caches / environment(Path(app.srcdir))
    for other in caches.glob("*"):
        if other != current:
            shutil.rmtree(other) if other.is_dir() else other.unlink()
    config.nb_execution_cache_path = str(current)


def environment(book):
    """A short name for what the chapters run on: the Python, requirements.txt, and the installed version of each
    package it names (a hand-installed torch counts too)."""
    requirements = (book / "requirements.txt").read_text() if (book / "requirements.txt").exists() else ""
    names = [Requirement(line.split("#")[0]).name for line in requirements.splitlines()
             if line.split("#")[0].strip() and not line.startswith("-")]
    installed = []
    for name in names:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            installed.append(f"{name}=={importlib.metadata.version(name)}")
    return hashlib.sha256("\n".join([sys.version, requirements, *installed]).encode()).hexdigest()[:16]


def add_live_code_files(app):
    missing = [name for name in ("thebe", "mathjax", FONT_AWESOME.relative_to(VENDOR).as_posix())
               if not (VENDOR / name / "package.json").exists()]
    if missing:
        raise ExtensionError(f"{' and '.join(missing)} not found in {VENDOR}: build with `make book`, which unpacks "
                             "them from npm")
    app.config.html_static_path.append(str(ROOT / "assets" / "live-code"))
    app.add_css_file("icons.css")  # written by icons_without_font_awesome_js


def live_code_on_pages_with_code(app, pagename, templatename, context, doctree):
    if doctree is None:
        return
    if any("cell" in node["classes"] for node in doctree.findall(nodes.container)):
        app.add_js_file("live-code.js", loading_method="defer")  # it loads live-code.css and thebe on the click
    elif "header_buttons" in context:
        # Nothing to run on this page: no Binder, Colab or Live Code buttons.
        context["header_buttons"] = [b for b in context["header_buttons"] if b.get("label") != "launch-buttons"]


def copy_site_files(app, exception):
    if exception or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    # Sphinx copies static files only when some page was out of date; an edited script must not wait for that.
    shutil.copytree(ROOT / "assets" / "live-code", static, dirs_exist_ok=True)
    shutil.copy2(ACCESSIBILITY_CSS, static)
    shutil.copytree(VENDOR / "thebe" / "lib", static / "vendor" / "thebe", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.map", "types"))
    repository = app.config.thebe_config["repository_url"].removeprefix("https://github.com/").strip("/")
    binder = {
        "repo": repository,
        "ref": app.config.thebe_config["repository_branch"],
        "binderUrl": app.config.html_theme_options["launch_buttons"]["binderhub_url"],
        "repoProvider": "github",
    }
    (static / "live-code.json").write_text(json.dumps({"binder": binder}, indent=1) + "\n")
    # The site's front door redirects to the first page. sphinx-external-toc writes it as a bare <meta> line, with no
    # icon, so a browser asks for /favicon.ico and logs a 404.
    (Path(app.outdir) / "index.html").write_text(
        f'<!doctype html>\n<html lang="en">\n<meta charset="utf-8">\n<title>{app.config.html_title}</title>\n'
        f'<link rel="icon" href="_static/{Path(app.config.html_favicon).name}">\n'
        f'<meta http-equiv="Refresh" content="0; url={app.config.root_doc}.html">\n</html>\n')
    # The download button offers the chapter's Colab-ready notebook, not myst-nb's copy with the glue cells.
    for docname in app.env.found_docs:
        notebook = Path(app.env.doc2path(docname)).with_suffix(".ipynb")
        if notebook.exists():
            shutil.copy2(notebook, Path(app.outdir) / "_sources" / f"{docname}.ipynb")


# The theme puts Font Awesome's SVG+JS build (fontawesome.js, 1.5 MB) on every page, for a dozen icons that its own
# CSS already styles as <i class="fa-solid fa-NAME">. The tag is hard-coded in its webpack-macros.html template with
# no option to leave it out, so it is taken out of the written pages; icons.css draws the icons the site uses.
FONT_AWESOME_JS = re.compile(r'\s*<script [^>]*src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')
ICON_STYLES = {"solid": ".fa-solid,.fas", "regular": ".fa-regular,.far", "brands": ".fa-brands,.fab"}
# A chapter's first paint waited for ten scripts in its head (Sphinx's, the extensions', the theme's search): all of
# them wait for the document anyway, so `defer` keeps their order and lets the text show first. Not
# documentation_options.js: inline scripts after it set its values. Figures load as they scroll into view.
FIRST_PAINT = [
    (re.compile(r'<script src="(?![^"]*documentation_options\.js)'), '<script defer src="'),
    (re.compile(r'<img (?![^>]*loading=)(?=[^>]*src="[^"]*_images/)'), '<img loading="lazy" '),
]


def icons_without_font_awesome_js(app, exception):
    """Drop fontawesome.js from every page and make the book's pages paint sooner (FIRST_PAINT); write icons.css:
    each icon named in the pages or in the scripts that add icons at run time (the theme's), as a CSS mask of its
    Font Awesome SVG in the text's colour."""
    if exception or app.builder.format != "html":
        return
    outdir, static = Path(app.outdir), Path(app.outdir) / "_static"
    for unused in static.glob("scripts/fontawesome.js*"):
        unused.unlink()  # so that a page still asking for it fails the tests instead of loading it
    names = set()
    for path in [*outdir.glob("**/*.html"), *static.glob("*.js"), *static.glob("scripts/*.js")]:
        text = path.read_text()
        names.update(re.findall(r"(?<![\w-])fa-([a-z0-9-]+)", text))
        if path.suffix == ".html":
            lighter = FONT_AWESOME_JS.sub("", text)
            if path.relative_to(outdir).with_suffix("").as_posix() in app.env.found_docs:  # not search.html
                for pattern, replacement in FIRST_PAINT:
                    lighter = pattern.sub(replacement, lighter)
            if lighter != text:
                path.write_text(lighter)
    icons = json.loads((FONT_AWESOME / "metadata" / "icon-families.json").read_text())
    version = json.loads((FONT_AWESOME / "package.json").read_text())["version"]
    rules = [f"/* Font Awesome Free {version} icons (CC BY 4.0, https://fontawesome.com/license/free), as masks: "
             "written by booktools.py */",
             # Sized as fontawesome.js sized its SVGs; and no glyph of the theme's icon font, so no 150 kB font.
             ",".join(ICON_STYLES.values()) + "{height:1em;font-size:inherit;vertical-align:-.125em;"
             "background-color:currentColor;mask:var(--icon) center/contain no-repeat}",
             ".fa-lg{font-size:1.25em;vertical-align:-.2em}",
             ",".join(f"{style}::before" for style in ",".join(ICON_STYLES.values()).split(",")) + "{content:none}"]
    for name, icon in sorted(icons.items()):
        for style, svg in icon["svgs"].get("classic", {}).items():
            used = sorted(names & {name, *icon.get("aliases", {}).get("names", [])})
            if used and style in ICON_STYLES:
                image = urllib.parse.quote(f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {svg['width']} "
                                           f"{svg['height']}'><path d='{svg['path']}'/></svg>", safe=" '=/:,")
                selectors = [f"{each}.fa-{alias}" for alias in used for each in ICON_STYLES[style].split(",")]
                # The glyph's width, as the web font gives it.
                width = int(svg["width"]) / int(svg["height"])
                rules.append(f'{",".join(selectors)}{{--icon:url("data:image/svg+xml,{image}");width:{width:.4g}em}}')
    (static / "icons.css").write_text("\n".join(rules) + "\n")


# MathJax in Node, one process per build: TeX in, SVG out, with MathML for screen readers (the SVG is aria-hidden).
# Undefined macros fail like other TeX errors instead of showing in red; each formula carries its own glyphs.
MATHJAX = r"""
require(process.argv[1]).init({
  loader: {load: ["input/tex", "output/svg", "a11y/assistive-mml"]},
  tex: {packages: {"[-]": ["noundefined"]}, formatError: (jax, error) => { throw error; }},
  svg: {fontCache: "local"},
}).then(MathJax => {
  const adaptor = MathJax.startup.adaptor;
  const send = answer => process.stdout.write(JSON.stringify(answer) + "\n");
  send(adaptor.textContent(MathJax.svgStylesheet()));
  require("readline").createInterface({input: process.stdin}).on("line", line => {
    const {tex, display} = JSON.parse(line);
    try {
      send({html: adaptor.outerHTML(MathJax.tex2svg(tex, {display}))});
    } catch (error) {
      send({error: error.message});
    }
  });
});
"""


@functools.cache
def mathjax():
    """The build's MathJax process, and the CSS that its SVG needs (it sends that first)."""
    node = shutil.which("node") or "node"
    process = subprocess.Popen([node, "-e", MATHJAX, str(VENDOR / "mathjax")], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    css = process.stdout.readline()
    if not css:
        raise ExtensionError("MathJax did not start in Node (its messages are above)")
    return process, json.loads(css)


def typeset(node, tex, display):
    process, _css = mathjax()
    process.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
    process.stdin.flush()
    answer = json.loads(process.stdout.readline())
    if "error" in answer:
        logger.warning(f"TeX error: {answer['error']} in {tex!r}", location=node)
        return f"<code>{escape(tex)}</code>"
    return answer["html"]


def visit_math(self, node):
    self.body.append(f'<span class="math">{typeset(node, node.astext(), display=False)}</span>')
    raise nodes.SkipNode


def visit_math_block(self, node):
    # As Sphinx's own MathJax renderer does, less what MathJax would do in the browser.
    self.body.append(self.starttag(node, "div", CLASS="math"))
    if node["number"]:
        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    tex = node.astext() if node["nowrap"] else wrap_displaymath(node.astext(), None, False)
    self.body.append(typeset(node, tex, display=True) + "</div>\n")
    raise nodes.SkipNode


def math_css_on_pages_with_math(app, pagename, templatename, context, doctree):
    if app.env.get_domain("math").has_equations(pagename):
        app.add_css_file("math.css")


def write_math_css(app, exception):
    """The CSS of MathJax's SVG and hidden MathML, if this build typeset math; and the end of its MathJax process."""
    if not mathjax.cache_info().currsize:
        return  # no page with math was written (a rebuild with no change starts no Node)
    process, css = mathjax()
    if exception is None:
        (Path(app.outdir) / "_static" / "math.css").write_text(css + "\n")
    process.stdin.close()
    process.wait()
    mathjax.cache_clear()


# --- A chapter that fails to run -----------------------------------------------------------------

def explain_failed_chapter(app, exception):
    """Name the chapter, the cell and the cause of a failed execution in one message, after everything else.

    myst-nb reports them, but jupyter-book then prints a hundred lines of chained tracebacks and ends with "look
    above"; the message goes at the very end (atexit runs after the final traceback).
    """
    from myst_nb.core.execute.base import ExecutionError

    if isinstance(exception, ExecutionError) and exception.__cause__ is not None:
        chapter = Path(str(exception)).relative_to(app.srcdir)
        message = failed_cell(app.srcdir, chapter, exception.__cause__, app.config.nb_execution_timeout)
        atexit.register(print, f"\nThe book did not build. {message}", file=sys.stderr)


def fail_again_until_fixed(app, exception):
    """Under -W --keep-going, Sphinx saves what it read even when a warning failed the build, and the next build
    reads nothing, warns of nothing and succeeds. Forget it, as Sphinx does after an exception (cells stay cached)."""
    if exception is None and app.keep_going and app._warncount:  # keep_going: set by -W --keep-going only
        (Path(app.doctreedir) / "environment.pickle").unlink(missing_ok=True)


def failed_cell(book, chapter, error, timeout):
    """Where and why a chapter stopped: "chapters/x.md, line 24 (code cell 2): NameError: ..." and what to do."""
    import jupytext
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    text = (book / chapter).read_text()
    where = str(chapter)
    # nbclient's message quotes the cell's source (a timeout quotes its first lines) between lines of dashes.
    quoted = re.search(r"^-{10,}\n(.*?)\n-{10,}$", str(error), re.MULTILINE | re.DOTALL)
    quoted = quoted.group(1).strip() if quoted else None
    sources = [cell.source.strip() for cell in jupytext.reads(text, "md:myst").cells if cell.cell_type == "code"]
    matches = [i for i, source in enumerate(sources) if source == quoted] or [
        i for i, source in enumerate(sources) if quoted and source and source.splitlines()[0] in quoted]
    if matches:
        line = text[:text.find(sources[matches[0]])].count("\n") + 1
        where += f", line {line} (code cell {matches[0] + 1})"
    if isinstance(error, CellTimeoutError):
        return (f"{where} ran longer than the {timeout} s a cell may take (execute.timeout in _config.yml).")
    if isinstance(error, CellExecutionError):
        hint = "If the error is meant to be shown, tag the cell raises-exception."
        if error.ename == "ModuleNotFoundError":
            hint = "Add the package to requirements.txt and binder/requirements.txt, or remove the import."
        return f"{where} raised {error.ename}: {error.evalue}\n{hint}"
    return f"{where} did not run: {type(error).__name__}: {error}"
# --- Accessibility (Sphinx extension) ------------------------------------------------------------
# What axe-core and a keyboard found wrong in the stock pages, fixed where the markup is written (checked by
# tests/test_accessibility.py): buttons whose aria-label hides the text they show, so that a screen reader or speech
# control ("click Show solution") misses it (axe: label-content-name-mismatch, serious, on every page), and header
# buttons and menu items that show no focus ring.

ACCESSIBILITY_CSS = ROOT / "assets" / "accessibility.css"


def accessible_pages(app):
    app.connect("config-inited", accessible_templates_and_styles)
    app.add_css_file(ACCESSIBILITY_CSS.name)
    app.add_node(HideCodeCellNode, override=True, html=(visit_solution_toggle, depart_HideCellInput))


def accessible_templates_and_styles(app, config):
    # Ahead of the theme's own components: our copies of its search and colour-mode buttons.
    config.templates_path.insert(0, str(ROOT / "assets" / "templates"))
    config.html_static_path.append(str(ACCESSIBILITY_CSS))


def visit_solution_toggle(self, node):
    """myst-nb's "Show solution" toggle without its label "Toggle hidden content": named by the text it shows."""
    start = len(self.body)
    visit_HideCellInput(self, node)
    self.body[start:] = [part.replace(' aria-label="Toggle hidden content"', "") for part in self.body[start:]]


# --- Local live-code server -----------------------------------------------------------------------

SITE = ROOT / "_build" / "html"


def free_port(preferred):
    """The preferred port if it is free on 127.0.0.1, else one the system picks (0 means: any)."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    raise
                continue
            return probe.getsockname()[1]


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """The built book, plus the kernel's address and token at the one URL live-code.js asks."""

    live_code = ""  # set by live()

    def do_GET(self):
        if self.path.split("?")[0].endswith("/_static/live-code.json"):
            # Only for pages of this site. A foreign host name that resolves to 127.0.0.1 (DNS rebinding) is refused,
            # and so is a browser's request from another origin (another port, say), which it marks Sec-Fetch-Site.
            if self.headers.get("Host") != f"127.0.0.1:{self.server.server_port}":
                return self.send_error(403, "Live code is served to http://127.0.0.1 only")
            if self.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
                return self.send_error(403, "Live code is served to this book's own pages only")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(self.live_code.encode())
            return
        super().do_GET()

    def log_message(self, format, *args):
        pass  # one line per request drowns the kernel server's messages


class BookPagesOnly(IdentityProvider):
    """jupyter server lets any origin in that sends the token. A page of another site should never have it, but if
    it had, it still could not start a kernel or run code: the origin is checked on every request."""

    def should_check_origin(self, handler):
        return True


def start_kernel_server(port, origin, token):
    """`jupyter server` on loopback only, for the book's origin only; the token goes through the environment,
    never the command line, which other users of the machine can read."""
    command = [
        sys.executable, "-m", "jupyter_server",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False", f"--ServerApp.allow_origin={origin}",
        f"--ServerApp.root_dir={ROOT}",
        # Kernels of closed pages go away after half an hour idle.
        "--MappingKernelManager.cull_idle_timeout=1800", "--MappingKernelManager.cull_interval=60",
        "--ServerApp.log_level=WARN", "--ServerApp.identity_provider_class=booktools.BookPagesOnly",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    # Its own session: a Ctrl-C in the terminal reaches only us (jupyter server would stop to ask "Shutdown?").
    server = subprocess.Popen(command, env={**os.environ, "JUPYTER_TOKEN": token}, cwd=ROOT, start_new_session=True)
    status = urllib.request.Request(f"http://127.0.0.1:{port}/api/status",
                                    headers={"Authorization": f"token {token}"})
    for _ in range(300):
        if server.poll() is not None:
            sys.exit(f"The Jupyter kernel server stopped (exit code {server.returncode}); see its messages above.")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(status, timeout=1)
            return server
        time.sleep(0.1)
    server.terminate()
    sys.exit("The Jupyter kernel server did not answer within 30 s.")


def live(port):
    """Serve the built book on 127.0.0.1 with live code on a private local kernel server, until Ctrl-C."""
    if not (SITE / "index.html").exists():
        sys.exit(f"No built book in {SITE}: run `make live`, which builds it first.")
    site_port, kernel_port = free_port(port), free_port(0)
    if site_port != port:
        print(f"Port {port} is in use; serving the book on port {site_port} instead.")
    origin, token = f"http://127.0.0.1:{site_port}", secrets.token_urlsafe(32)
    kernels = start_kernel_server(kernel_port, origin, token)
    SiteHandler.live_code = json.dumps({"server": {"baseUrl": f"http://127.0.0.1:{kernel_port}/", "token": token}})
    book = http.server.ThreadingHTTPServer(("127.0.0.1", site_port), functools.partial(SiteHandler, directory=SITE))
    print(f"The book, with live code on a local kernel: {origin}/  (Ctrl-C stops both servers)", flush=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops as cleanly as Ctrl-C
    try:
        book.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        book.server_close()
        kernels.terminate()  # jupyter server shuts its kernels down on SIGTERM
        try:
            kernels.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kernels.kill()
        print("Stopped the book and its kernel server.")


# --- Command line ---------------------------------------------------------------------------------

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="The book's tools.")
    commands = parser.add_subparsers(required=True, metavar="command")
    # One line per command: its function, called with the command's options as keyword arguments.
    commands.add_parser("notebooks", help=write_notebooks.__doc__).set_defaults(run=write_notebooks)
    live_command = commands.add_parser("live", help=live.__doc__)
    live_command.set_defaults(run=live)
    live_command.add_argument("--port", type=int, default=8000)
    options = vars(parser.parse_args())
    options.pop("run")(**options)
