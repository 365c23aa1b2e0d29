"""The chapters missing from the cache run side by side, one kernel per core, before Sphinx reads them.

myst-nb runs each chapter as Sphinx reads it, one after another. Run first, into the same cache, they are read from it
as on any rebuild. A lone chapter runs here too: every kernel of the build starts as KERNELS says, and every run
checks the chapter's exercises on their solutions (booktools.exercises).
"""

import concurrent.futures
import contextlib
import os
import tempfile
import traceback
import unittest.mock
from pathlib import Path

from booktools.exercises import (
    SAID_AFTER_SOLUTIONS,
    add_checks_after_solutions,
    exercises,
    take_checks_after_solutions,
)

# The kernels' channels encrypted (CurveZMQ) with keys that jupyter_client makes for each kernel and passes in its
# connection file, which only this user can read. Over plain TCP, even on loopback, any user of the machine could
# subscribe to a kernel's output channel and read the chapter's outputs: ipykernel says so with a warning on every
# start. "auto": a kernel whose kernelspec cannot (not ipykernel >= 7.4) still runs, with that warning.
KERNELS = {"KernelManager": {"transport_encryption": "auto"}}


def setup(app):
    app.connect("env-before-read-docs", execute_side_by_side)


def execute_side_by_side(app, env, docnames):
    """Run the chapters that Sphinx is about to read and the cache lacks, side by side, into the cache. A chapter that
    fails stops the build as it would in myst-nb (execute.raise_on_error), once the others are done and cached."""
    from jupyter_cache import get_cache
    from myst_nb.core.execute.base import ExecutionError

    config = env.mystnb_config
    if config.execution_mode != "cache":
        return
    cache = get_cache(config.execution_cache_path)
    chapters = missing_from_cache(cache, config, {docname: Path(env.doc2path(docname)) for docname in docnames})
    if not chapters:
        return
    failed = run_into_cache(cache, config, chapters)
    if failed and config.execution_raise_on_error:
        docname = next(name for name in chapters if name in failed)
        raise ExecutionError(str(chapters[docname][0])) from failed[docname]
    # Otherwise myst-nb runs a failed chapter again as it reads it, and reports it as it always does.


def missing_from_cache(cache, config, paths):
    """{docname: (path, cache record, notebook)} of the chapters myst-nb would run, in reading order."""
    from myst_nb.core.read import is_myst_markdown_notebook

    chapters = {}
    for docname, path in paths.items():
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
            cached = cache.match_cache_notebook(notebook)
            # Cached by a build whose run did not check the exercises after their solutions: run again.
            if SAID_AFTER_SOLUTIONS in cached.data or not exercises(notebook):
                continue
        chapters[docname] = (path, record, notebook)
    return chapters


def run_into_cache(cache, config, chapters):
    """Run chapters, one kernel per core, caching each that succeeds; {docname: error} of those that failed."""
    from jupyter_cache.base import CacheBundleIn
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    workers = min(len(chapters), os.cpu_count() or 1)
    failed = {}
    pool = concurrent.futures.ThreadPoolExecutor(workers)  # threads: each waits on its kernel, a process of its own
    # Kernels side by side share the cores. torch's OpenMP threads spin while they wait for one another, taking the
    # CPU from the other kernel; waiting passively changes no output.
    passive = {"OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    try:
        with unittest.mock.patch.dict(os.environ, passive):  # what the kernels start with
            running = {}
            for docname, (path, _record, notebook) in chapters.items():
                logger.info(f"Executing notebook, {workers} at a time", location=docname)
                running[pool.submit(execute, add_checks_after_solutions(notebook), path, config)] = docname
            for done in concurrent.futures.as_completed(running):
                docname, result = running[done], done.result()
                path, record, notebook = chapters[docname]
                said_after_solutions = take_checks_after_solutions(notebook)
                if result.err is not None:
                    failed[docname] = result.err
                    # The cell's traceback once, as myst-nb shows it (build_failures ends the build with a summary).
                    shown = "".join(traceback.format_exception(result.err)) if config.execution_show_tb else ""
                    logger.info(f"Executing notebook failed: {type(result.err).__name__}\n{shown}", location=docname)
                    continue
                logger.info(f"Executed notebook in {result.time:.2f} seconds", location=docname)
                data = {"execution_seconds": result.time, SAID_AFTER_SOLUTIONS: said_after_solutions}
                bundle = CacheBundleIn(notebook, record.uri, data=data)
                cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
    finally:
        pool.shutdown(cancel_futures=True)  # on Ctrl-C, no chapter starts after the ones already running
    return failed


def execute(notebook, path, config):
    """A chapter run in place by nbclient, as myst-nb runs it (in its folder, or a temporary one if so configured)."""
    from jupyter_cache.executors.utils import single_nb_execution
    from traitlets.config import Config

    with tempfile.TemporaryDirectory() if config.execution_in_temp else contextlib.nullcontext(path.parent) as cwd:
        return single_nb_execution(
            notebook,
            cwd=str(cwd),
            timeout=config.execution_timeout,
            allow_errors=config.execution_allow_errors,
            meta_override=True,
            config=Config(KERNELS),
        )
