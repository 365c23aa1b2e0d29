"""A failed build says why in its last words.

- A cell that fails is named (chapter, line, cell, cause) after the hundred lines of tracebacks, not above them.
- Under -W --keep-going, a build that failed on a warning fails again until the warning is fixed.
"""

import re
import sys
from pathlib import Path


def setup(app):
    app.connect("build-finished", explain_failed_chapter)
    app.connect("build-finished", fail_again_until_fixed)


def explain_failed_chapter(app, exception):
    """Name the chapter, the line and the cause of a failed execution in one message, and end the build with it.

    myst-nb has logged the cell's traceback by now. Left to raise, the error would print it twice more (Sphinx's
    chained traceback, then jupyter-book's) and end with "look above": the build exits here instead, with the summary
    as its last words (SystemExit passes through Sphinx and jupyter-book, which catch only Exception).
    """
    from myst_nb.core.execute.base import ExecutionError

    # Raised before the reading starts (execute_side_by_side), it reaches here wrapped in Sphinx's ExtensionError.
    while exception is not None and not isinstance(exception, ExecutionError):
        exception = exception.__cause__
    if exception is not None and exception.__cause__ is not None:
        chapter = Path(str(exception)).relative_to(app.srcdir)
        message = failed_cell(app.srcdir, chapter, exception.__cause__, app.config.nb_execution_timeout)
        sys.exit(f"\nThe book did not build. {message}")


def fail_again_until_fixed(app, exception):
    """Under -W --keep-going, Sphinx saves what it read even when a warning failed the build, and the next build
    reads nothing, warns of nothing and succeeds. Forget it, as Sphinx does after an exception (cells stay cached)."""
    if exception is None and app.keep_going and app._warncount:  # keep_going: set by -W --keep-going only
        (Path(app.doctreedir) / "environment.pickle").unlink(missing_ok=True)


def failed_cell(book, chapter, error, timeout):
    """Where and why a chapter stopped: "chapters/x.md, line 24 (code cell 2): NameError: ..." and what to do."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    where = str(chapter)
    found = failing_cell((book / chapter).read_text(), str(error))
    if found:
        number, start = found
        # The line that raised, as IPython's traceback names it ("Cell In[3], line 2"); a timeout names none.
        in_cell = re.search(r"Cell In\[\d+\], line (\d+)", re.sub(r"\x1b\[[0-9;]*m", "", str(error)))
        where += f", line {start + (int(in_cell.group(1)) - 1 if in_cell else 0)} (code cell {number})"
    if isinstance(error, CellTimeoutError):
        return f"{where} ran longer than the {timeout} s a cell may take (execute.timeout in _config.yml)."
    if isinstance(error, CellExecutionError):
        hint = "If the error is meant to be shown, tag the cell raises-exception."
        if error.ename == "ModuleNotFoundError":
            hint = "Add the package to requirements.in and binder/requirements.in (then `make lock`), or remove it."
        return f"{where} raised {error.ename}: {error.evalue}\n{hint}"
    return f"{where} did not run: {type(error).__name__}: {error}"


def failing_cell(text, message):
    """(number among code cells, line of its first source line) of the cell nbclient's message quotes, or None."""
    from myst_nb.core.read import read_myst_markdown_notebook  # myst-nb's own reader: the build's lock has no jupytext

    # nbclient's message quotes the cell's source (a timeout quotes its first lines) between lines of dashes.
    quoted = re.search(r"^-{10,}\n(.*?)\n-{10,}$", message, re.MULTILINE | re.DOTALL)
    if not quoted:
        return None
    quoted = quoted.group(1).strip()
    cells = read_myst_markdown_notebook(text).cells
    sources = [cell.source.strip() for cell in cells if cell.cell_type == "code"]
    matches = [i for i, source in enumerate(sources) if source == quoted] or [
        i for i, source in enumerate(sources) if source and source.splitlines()[0] in quoted
    ]
    if not matches:
        return None
    return matches[0] + 1, text[: text.find(sources[matches[0]])].count("\n") + 1
