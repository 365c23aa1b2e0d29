"""Running the chapters: a jupyter-cache per environment, chapters run side by side, and a failed chapter named in
the build's last words.

- jupyter-cache keys a chapter on its code alone, so a new torch would not run it again: the cache lives in a folder
  named after the environment (the Python, the lock and what is installed) instead.
- myst-nb runs each chapter as Sphinx reads it, one after another. The chapters missing from the cache run first, one
  kernel per core, into the same cache; myst-nb then reads every chapter from it, as on any rebuild.
- A cell that fails is named (chapter, line, cell, cause) after the hundred lines of tracebacks, not above them.
- Under -W --keep-going, a build that failed on a warning fails again until the warning is fixed.
"""

import atexit
import concurrent.futures
import contextlib
import hashlib
import importlib.metadata
import os
import re
import shutil
import sys
import tempfile
import unittest.mock
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def setup(app):
    app.connect("config-inited", cache_per_environment)
    app.connect("env-before-read-docs", execute_side_by_side)
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


def execute_side_by_side(app, env, docnames):
    """Run the chapters that Sphinx is about to read and the cache lacks, side by side, into the cache. A chapter that
    fails stops the build as it would in myst-nb (execute.raise_on_error), once the others are done and cached."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from myst_nb.core.execute.base import ExecutionError
    from myst_nb.core.read import is_myst_markdown_notebook
    from sphinx.util import logging

    config = env.mystnb_config
    if config.execution_mode != "cache":
        return
    cache = get_cache(config.execution_cache_path)
    chapters = {}
    for docname in docnames:  # reading order
        path = Path(env.doc2path(docname))
        # As myst-nb reads each (into the cache), and only what it would run: not an excluded chapter, nor one that
        # sets its own execution options.
        if path.suffix == ".ipynb":
            record = cache.add_nb_to_project(str(path))
        elif path.suffix == ".md" and is_myst_markdown_notebook(path.read_text()):
            record = cache.add_nb_to_project(str(path), read_data={"type": "plugin", "name": "myst_nb_md"})
        else:
            continue
        notebook = cache.get_project_notebook(record.pk).nb
        if config.metadata_key in notebook.metadata or any(
            path.match(pattern) for pattern in config.execution_excludepatterns
        ):
            continue
        with contextlib.suppress(KeyError):
            cache.match_cache_notebook(notebook)
            continue  # cached
        chapters[docname] = (path, record, notebook)
    if len(chapters) < 2:
        return  # nothing to run side by side: myst-nb runs a lone chapter itself
    logger = logging.getLogger(__name__)
    workers = min(len(chapters), os.cpu_count() or 1)
    failed = {}
    pool = concurrent.futures.ThreadPoolExecutor(workers)  # threads: each waits on its kernel, a process of its own
    # Kernels side by side share the cores. torch's OpenMP threads spin while they wait for one another, taking the
    # CPU from the other kernel (chapter 4 took 3 times as long beside chapter 5); waiting passively changes no output.
    passive = {"OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    try:
        with unittest.mock.patch.dict(os.environ, passive):  # what the kernels start with
            running = {}
            for docname, (path, _record, notebook) in chapters.items():
                logger.info(f"Executing notebook, {workers} at a time", location=docname)
                running[pool.submit(execute, notebook, path, config)] = docname
            for done in concurrent.futures.as_completed(running):
                docname, result = running[done], done.result()
                path, record, notebook = chapters[docname]
                if result.err is not None:
                    failed[docname] = result.err
                    logger.info(f"Executing notebook failed: {type(result.err).__name__}", location=docname)
                    continue
                logger.info(f"Executed notebook in {result.time:.2f} seconds", location=docname)
                cache.cache_notebook_bundle(
                    CacheBundleIn(notebook, record.uri, data={"execution_seconds": result.time}),
                    check_validity=False,
                    overwrite=True,
                )
    finally:
        pool.shutdown(cancel_futures=True)  # on Ctrl-C, no chapter starts after the ones already running
    if failed and config.execution_raise_on_error:
        docname = next(name for name in chapters if name in failed)
        raise ExecutionError(str(chapters[docname][0])) from failed[docname]
    # Otherwise myst-nb runs a failed chapter again as it reads it, and reports it as it always does.


def execute(notebook, path, config):
    """A chapter run in place by nbclient, as myst-nb runs it (in its folder, or a temporary one if so configured)."""
    from jupyter_cache.executors.utils import single_nb_execution

    with tempfile.TemporaryDirectory() if config.execution_in_temp else contextlib.nullcontext(path.parent) as cwd:
        return single_nb_execution(
            notebook,
            cwd=str(cwd),
            timeout=config.execution_timeout,
            allow_errors=config.execution_allow_errors,
            meta_override=True,
        )


def explain_failed_chapter(app, exception):
    """Name the chapter, the cell and the cause of a failed execution in one message, after everything else.

    myst-nb reports them, but jupyter-book then prints a hundred lines of chained tracebacks and ends with "look
    above"; the message goes at the very end (atexit runs after the final traceback).
    """
    from myst_nb.core.execute.base import ExecutionError

    # Raised before the reading starts (execute_side_by_side), it reaches here wrapped in Sphinx's ExtensionError.
    while exception is not None and not isinstance(exception, ExecutionError):
        exception = exception.__cause__
    if exception is not None and exception.__cause__ is not None:
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
        i for i, source in enumerate(sources) if quoted and source and source.splitlines()[0] in quoted
    ]
    if matches:
        line = text[: text.find(sources[matches[0]])].count("\n") + 1
        where += f", line {line} (code cell {matches[0] + 1})"
    if isinstance(error, CellTimeoutError):
        return f"{where} ran longer than the {timeout} s a cell may take (execute.timeout in _config.yml)."
    if isinstance(error, CellExecutionError):
        hint = "If the error is meant to be shown, tag the cell raises-exception."
        if error.ename == "ModuleNotFoundError":
            hint = "Add the package to requirements.in and binder/requirements.in (then `make lock`), or remove it."
        return f"{where} raised {error.ename}: {error.evalue}\n{hint}"
    return f"{where} did not run: {type(error).__name__}: {error}"
