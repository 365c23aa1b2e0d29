"""The browsers the tools drive, and the flags they need on a machine with no network and no screen.

Two builds of Chromium: the full browser measures what depends on a reader's browser (Lighthouse, the benchmark, the
page weights: the headless shell loads lazy images from farther ahead of the view); the tests drive the headless
shell, the build Playwright itself runs headless tests in, which draws the same pages for less CPU.

    python -m booktools.browser install     installs Debian's packages for whichever is missing (needs root)
"""

import os
import subprocess
import sys
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_SHELL = os.environ.get("CHROMIUM_SHELL", "/usr/bin/chromium-headless-shell")
# The last three stop it calling Google's services: offline, those calls fail as console errors no reader would see.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEBIAN_PACKAGES = {CHROMIUM: "chromium", CHROMIUM_SHELL: "chromium-headless-shell"}


def launch(playwright, shell=False):
    """A headless Chromium (the full browser unless shell) through Playwright's sync API."""
    return playwright.chromium.launch(executable_path=require(CHROMIUM_SHELL if shell else CHROMIUM), args=FLAGS)


def require(path):
    if not Path(path).exists():
        raise SystemExit(f"No Chromium at {path}: `make test` installs Debian's, or set CHROMIUM / CHROMIUM_SHELL.")
    return path


def install():
    """Debian's Chromium and its headless shell, where the paths above have none (GitHub's runners point both
    variables at their preinstalled Chrome)."""
    missing = [package for path, package in DEBIAN_PACKAGES.items() if not Path(path).exists()]
    if missing:
        print(f"The browser tests need {' and '.join(missing)}: installing Debian's packages.", file=sys.stderr)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True)


if __name__ == "__main__":
    if sys.argv[1:] != ["install"]:
        raise SystemExit(__doc__)
    install()
