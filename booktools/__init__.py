"""The book's own tooling, one module per job. This is the package's map (the README points here).

The Sphinx extension (`booktools.extension`, listed in _config.yml), in parts, each registering its own hooks:
    theme_templates  edited copies of the theme's templates (no fontawesome.js or search scripts on every page)
    navigation       a change to _toc.yml rewrites every page's sidebar and next/previous links
    live_code        Live Code (thebe served from the site, assets/live-code/ bundled), the launch menu, downloads
    lean_pages       scripts deferred, figures lazy, the front door
    icons            icons.css: the Font Awesome icons the site uses, as CSS masks
    math_svg         math typeset to SVG at build time (math_svg.mjs runs MathJax in Node)
    execution_cache  a jupyter-cache per environment (locks: what a requirements file pins)
    execution        the chapters missing from the cache run side by side
    accessibility    what axe-core and a keyboard found wrong in the stock theme
    build_report     the build report's sections: how each chapter ran, the versions, the compatibility check
    build_failures   a failed cell named by chapter, line and cause in the build's last words
    typed_numbers    a number typed into the prose, or a glued value no prose uses, fails the build
    exercises        each exercise's checks must fail on its starting point and pass on its solution
    lean_assets      stylesheets purged and scripts minified at the end of the build (lean_assets.mjs)
Commands (the Makefile calls them):
    python -m booktools.notebooks     the Colab/Binder notebook beside each chapter (make notebooks)
    python -m booktools.live_server   the built book with a private local kernel (make live): live_site serves the
                                      site and hands the token to a browser that opened the printed address;
                                      kernel_server is the jupyter server it starts, kernel_access who may
                                      use it, page_connection how a page's messages reach its kernel
    python -m booktools.hub           the book on a development JupyterHub (make hub): hub_book is the book service
                                      the Hub runs (its login, the reader's server and token); book_service() is
                                      what a class's own jupyterhub_config.py adds
    python -m booktools.benchmark_hub readers at once on `make hub`: time to first output and memory per reader
    python -m booktools.static_host   the built site as a static host serves it (make serve; the tests, Lighthouse)
    python -m booktools.browser       Chromium and its headless shell, where missing (make browsers)
    python -m booktools.benchmark     speed and weight (make benchmark): benchmark_builds, benchmark_reading,
                                      benchmark_suite measure, benchmark_table writes the README's table
    python -m booktools.lighthouse    Lighthouse's scores of every chapter page (make lighthouse)
    python -m booktools.compat        every chapter on the newest torch and on Colab's packages (make compat)
Shared by the tools and the tests:
    checking     an exercise's checks said in words (plain Python: the notebooks carry a copy)
    toc          the chapters, from _toc.yml
    make_book    the make targets run as a contributor runs them; a copy of the book to build
    at_a_terminal  a server started as at a terminal and stopped with Ctrl-C: make_live's and make_hub's base
    make_live    `make live` started and stopped as a reader does; live_page drives Live Code in a page
    make_hub     `make hub` started and stopped as a reader does, readers logged in
    page_weight  what a first visit to a page downloads; baseline and stopwatch time chapters and steps

This file imports nothing heavy, so that each command loads only what it uses: the live server no Sphinx, a build
no jupyter_server.
"""

import filecmp
import shutil
from pathlib import Path

# The repository: the package is installed in editable mode, so fixture books built elsewhere still find the npm
# packages here.
ROOT = Path(__file__).resolve().parent.parent
# thebe, MathJax and Font Awesome, locked with their integrity hashes in package-lock.json.
NODE_MODULES = ROOT / "node_modules"


def vendored(package):
    """Where npm installed a package the site serves or builds from, or the build's error that says how to get it."""
    if not (NODE_MODULES / package / "package.json").exists():
        from sphinx.errors import ExtensionError  # only the build asks; the other commands never load Sphinx

        raise ExtensionError(f"{package} not found in {NODE_MODULES}: build with `make book`, which runs `npm ci`")
    return NODE_MODULES / package


# A rebuild rewrites only what changed: the tests (and a reader of `make live`) read the site while a rebuild runs,
# and a file rewritten in place is empty for a moment.
def write_if_changed(path, text):
    path = Path(path)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def copy_if_changed(source, target):
    """shutil.copy2, skipped where the target already holds the same bytes (a copy_function for shutil.copytree)."""
    if not (Path(target).is_file() and filecmp.cmp(source, target, shallow=False)):
        shutil.copy2(source, target)
    return target
