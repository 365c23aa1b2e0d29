"""A failed build says why in its last words.

- A cell that fails is named (chapter, line, cell, cause) after the hundred lines of tracebacks, not above them.
- Under -W --keep-going, a build that failed on a warning fails again until the warning is fixed.
"""

import atexit
import re
import sys
from pathlib import Path


def setup(app):
    app.connect("build-finished", explain_failed_chapter)
    app.connect("build-finished", fail_again_until_fixed)


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
