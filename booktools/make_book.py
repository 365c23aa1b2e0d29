"""The README's make targets run as a contributor runs them, on the book or on a copy of it, and what a build's log
says it executed: the benchmark times these builds, and the tests check them.
"""

import re
import shutil
import subprocess

from booktools import ROOT


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
    """What a build reads, in a new folder of its own, for `make book BOOK=folder`. The extension comes from the
    installed booktools, which finds the npm packages in the repository."""
    folder.mkdir()
    for name in ["_config.yml", "_toc.yml", "requirements.in", "requirements.txt"]:
        shutil.copy(ROOT / name, folder)
    shutil.copytree(ROOT / "assets", folder / "assets")
    shutil.copytree(ROOT / "chapters", folder / "chapters", ignore=shutil.ignore_patterns("*.ipynb"))
    return folder
