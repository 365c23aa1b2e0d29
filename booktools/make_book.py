"""The README's make targets run as a contributor runs them, on the book or on a copy of it, and what a build's log
says it executed: the benchmark times these builds, and the tests check them.
"""

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from booktools import ROOT


def make(*arguments, timeout=1200):
    """Run one of the README's make targets; return the finished process with its output as text."""
    return subprocess.run(["make", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def output(process):
    """All a finished process printed."""
    return process.stdout + (process.stderr or "")


def executed(build):
    """The chapters a build ran (not taken from the cache), from its log: once each, not again where one failed."""
    return sorted(re.findall(r"chapters/([\w-]+)\.md: Executing notebook(?! failed)", output(build)))


def copy_of_book(folder, chapters=None):
    """What a build reads, in a folder of its own, for `make book BOOK=folder`: the book's configuration, lock and
    assets, and its chapters or the given MyST files (in that order in its _toc.yml). The extension comes from the
    installed booktools, which finds the npm packages in the repository."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ["_config.yml", "_toc.yml", "requirements.in", "requirements.txt"]:
        shutil.copy(ROOT / name, folder)
    shutil.copytree(ROOT / "assets", folder / "assets")
    if chapters is None:
        shutil.copytree(ROOT / "chapters", folder / "chapters", ignore=shutil.ignore_patterns("*.ipynb"))
    else:
        (folder / "chapters").mkdir()
        for chapter in chapters:
            shutil.copy(chapter, folder / "chapters")
        write_toc(folder, [Path(chapter).stem for chapter in chapters])
    return folder


def write_toc(folder, chapters):
    """folder/_toc.yml, listing chapters/NAME for each name, the first as the root."""
    contents = {"format": "jb-book", "root": f"chapters/{chapters[0]}"}
    if chapters[1:]:
        contents["chapters"] = [{"file": f"chapters/{chapter}"} for chapter in chapters[1:]]
    (Path(folder) / "_toc.yml").write_text(yaml.safe_dump(contents, sort_keys=False))
