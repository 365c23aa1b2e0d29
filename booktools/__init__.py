"""The book's own tooling, one module per job.

The Sphinx extension (`booktools.extension`, listed in _config.yml), in parts:
    live_code       Live Code (thebe served from the site), the launch menu, the notebook downloads
    lean_pages      the theme's pages without fontawesome.js, scripts deferred, figures lazy, the front door
    math_svg        math typeset to SVG at build time
    execution       a jupyter-cache per environment; a failed chapter named; a failed build fails again
    accessibility   what axe-core and a keyboard found wrong in the stock theme
    build_report    the build report's versions and compatibility sections
Commands (the Makefile calls them):
    python -m booktools.notebooks     the Colab/Binder notebook beside each chapter (make notebooks)
    python -m booktools.live_server   the built book with a private local kernel (make live)
    python -m booktools.benchmark     speed and weight (make benchmark); booktools.lighthouse: make lighthouse
    python -m booktools.compat        every chapter on the newest torch and on Colab's packages (make compat)

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
