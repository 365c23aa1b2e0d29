"""Live Code, and the launch menu around it (Binder, Colab, downloads), on the pages that have code.

sphinx-thebe is not used: it loads an old thebe from a CDN on every page. This part serves thebe 0.9.3 from the site
itself; Live Code's script (the ES modules in assets/live-code/, bundled by esbuild into _static/live-code.js and the
chunks it imports) starts it on the click, on Binder or on the kernel that `make live` names in _static/live-code.json.
"""

import importlib.metadata
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError

from booktools import ROOT, copy_if_changed, vendored, write_if_changed
from booktools.downloads import downloadable

ASSETS = ROOT / "assets" / "live-code"
# The launch menu's entry for Live Code on a Jupyter server on the reader's computer (assets/live-code/own.js).
OWN_COMPUTER = {
    "type": "javascript",
    "text": "Your computer",
    "tooltip": "Run the code on a Jupyter server on your computer",
    "javascript": "initThebe('own')",
    "icon": "fas fa-code",
    "label": "launch-own-computer",
}


def setup(app):
    # sphinx-book-theme's Live Code button calls initThebe(), which live-code.js defines; the theme expects this
    # setting (sphinx-thebe's name) and fills in the repository, which is where Binder starts a kernel.
    app.add_config_value("thebe_config", {}, "html")
    app.connect("builder-inited", add_live_code_files)
    app.connect("doctree-read", launch_the_notebook_once_written)
    app.connect("html-page-context", live_code_on_pages_with_code, priority=600)  # after the theme's buttons
    app.connect("build-finished", copy_live_code_and_downloads)


def add_live_code_files(app):
    vendored("thebe")
    vendored("esbuild")


def has_code(doctree):
    return any("cell" in node["classes"] for node in doctree.findall(nodes.container))


def launch_the_notebook_once_written(app, doctree):
    """The theme's Binder and Colab links open the chapter's notebook if it exists as the page is written, its
    Markdown otherwise: a page with code is written again when `make notebooks` writes or changes its notebook (and,
    until then, on every build)."""
    if has_code(doctree):
        app.env.note_dependency(str(Path(app.env.doc2path(app.env.docname)).with_suffix(".ipynb")))


def live_code_on_pages_with_code(app, pagename, templatename, context, doctree):
    if doctree is None:
        return
    if has_code(doctree):
        app.add_js_file("live-code.js", type="module")  # it loads the rest, live-code.css and thebe on the click
        for group in context.get("header_buttons", []):
            if group.get("label") == "launch-buttons":
                group["buttons"].append(OWN_COMPUTER)
    elif "header_buttons" in context:
        # Nothing to run on this page: no Binder, Colab or Live Code buttons.
        context["header_buttons"] = [b for b in context["header_buttons"] if b.get("label") != "launch-buttons"]


def copy_live_code_and_downloads(app, exception):
    if exception or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    # On every build, not as Sphinx's static files: those are copied only when some page was out of date.
    copy_if_changed(ASSETS / "live-code.css", static / "live-code.css")
    bundle(static)
    shutil.copytree(
        vendored("thebe") / "lib",
        static / "vendor" / "thebe",
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("*.map", "types"),
        copy_function=copy_if_changed,
    )
    repository = app.config.thebe_config["repository_url"].removeprefix("https://github.com/").strip("/")
    binder = {
        "repo": repository,
        "ref": app.config.thebe_config["repository_branch"],
        "binderUrl": app.config.html_theme_options["launch_buttons"]["binderhub_url"],
        "repoProvider": "github",
    }
    write_if_changed(static / "live-code.json", json.dumps({"binder": binder}, indent=1) + "\n")
    # What the reader's own server needs (own.js shows the command): Binder's packages, from the book's repository,
    # and Jupyter's server at the version the book is tested with. Not in live-code.json, which `make live` answers.
    own = {
        "requirements": f"https://raw.githubusercontent.com/{repository}/{binder['ref']}/binder/requirements.txt",
        "jupyterServer": f"jupyter-server=={importlib.metadata.version('jupyter_server')}",
    }
    write_if_changed(static / "own-computer.json", json.dumps(own, indent=1) + "\n")
    # The download button offers the chapter's Colab-ready notebook with the page's outputs, not myst-nb's copy with
    # the glue cells (and, read from the cache, no outputs).
    for docname in app.env.found_docs:
        source = Path(app.env.doc2path(docname))
        if source.with_suffix(".ipynb").exists():
            notebook = downloadable(source, app.config.nb_execution_cache_path)
            write_if_changed(Path(app.outdir) / "_sources" / f"{docname}.ipynb", notebook)


def bundle(static):
    """Live Code's modules for the reader: live-code.js, the little a page runs as it opens, imports the rest on the
    click, from chunks named by their content (lean_assets.py minifies them all)."""
    esbuild = vendored("esbuild") / "bin" / "esbuild"
    with tempfile.TemporaryDirectory() as built:
        command = [esbuild, ASSETS / "main.js", "--bundle", "--splitting", "--format=esm", f"--outdir={built}"]
        command += ["--entry-names=live-code", "--chunk-names=live-code-[name]-[hash]", "--log-level=warning"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode:
            raise ExtensionError(f"esbuild could not bundle Live Code's script (assets/live-code/):\n{result.stderr}")
        files = {path.name: path.read_text() for path in Path(built).iterdir()}
    # The pages being read while a rebuild runs keep finding the chunks they name until the new ones are in place.
    for name, text in sorted(files.items(), key=lambda item: item[0] == "live-code.js"):
        write_if_changed(static / name, text)
    for old in static.glob("live-code-*.js"):
        if old.name not in files:
            old.unlink()
