"""Running the chapters: a jupyter-cache per environment, and a failed chapter named in the build's last words.

- jupyter-cache keys a chapter on its code alone, so a new torch would not run it again: the cache lives in a folder
  named after the environment (the Python, the lock and what is installed) instead.
- A cell that fails is named (chapter, line, cell, cause) after the hundred lines of tracebacks, not above them.
- Under -W --keep-going, a build that failed on a warning fails again until the warning is fixed.
"""

import atexit
import contextlib
import hashlib
import importlib.metadata
import re
import shutil
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def setup(app):
    app.connect("config-inited", cache_per_environment)
    app.connect("build-finished", explain_failed_chapter)
    app.connect("build-finished", fail_again_until_fixed)


def cache_per_environment(app, config):
    """A new environment starts with an empty cache, and Sphinx, seeing this setting change, reads every chapter
    again. Only the current environment's cache is kept."""
    if config.nb_execution_cache_path:
        return  # chosen in _config.yml
    caches = Path(app.outdir).parent / ".jupyter_cache"
    current = caches / environment(Path(app.srcdir))
    for other in caches.glob("*"):
        if other != current:
            shutil.rmtree(other) if other.is_dir() else other.unlink()
    config.nb_execution_cache_path = str(current)


def environment(book):
    """A short name for what the chapters run on: the Python, the lock (requirements.txt: every package's version and
    hashes) and the installed version of each package it names (a hand-installed torch counts too)."""
    lock = book / "requirements.txt"
    packages = locked(lock) if lock.exists() else {}
    installed = []
    for name in packages:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            installed.append(f"{name}=={importlib.metadata.version(name)}")
    return hashlib.sha256(repr([sys.version, packages, installed]).encode()).hexdigest()[:16]


def locked(path):
    """The packages a requirements file pins, {name: (version specifier, hashes)}: pip-compile's hashed lock (one
    requirement continued over lines with its --hash options and "# via" comments) or a plain list. Comments and
    options (-r, -c, --extra-index-url) are not packages."""
    packages = {}
    for line in path.read_text().replace("\\\n", " ").splitlines():
        line = re.sub(r"(^|\s)#.*", "", line)
        hashes = sorted(re.findall(r"--hash[=\s]+(\S+)", line))
        line = re.sub(r"--hash[=\s]+\S+", "", line).strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            packages[canonicalize_name(requirement.name)] = (str(requirement.specifier), hashes)
    return dict(sorted(packages.items()))


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
        return f"{where} ran longer than the {timeout} s a cell may take (execute.timeout in _config.yml)."
    if isinstance(error, CellExecutionError):
        hint = "If the error is meant to be shown, tag the cell raises-exception."
        if error.ename == "ModuleNotFoundError":
            hint = "Add the package to requirements.in and binder/requirements.in (then `make lock`), or remove it."
        return f"{where} raised {error.ename}: {error.evalue}\n{hint}"
    return f"{where} did not run: {type(error).__name__}: {error}"
