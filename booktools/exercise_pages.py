"""Each chapter's exercise checks, for its page's Check buttons: written next to the site's static files, not into the
page, since Live Code fetches them only on the click (the page's first load stays within its weight budget).

_static/checks/<docname>.json holds the checking helper's source (run on the reader's kernel before each check: a
reader's answer may have rebound `check`), the words its last line says when every part holds, and each exercise's
checks, in the order of the page's answer cells. Never the solution.
"""

import json
from pathlib import Path

from myst_nb.core.read import read_myst_markdown_notebook

from booktools import checking, write_if_changed
from booktools.exercises import ANSWER, exercises


def setup(app):
    app.connect("build-finished", write_checks)


def checks_of(text):
    """The page's data for a chapter's MyST text: {"helper", "passed", "exercises": [{"number", "check"}]}, or None
    when it has no exercise."""
    if f"tags: [{ANSWER}]" not in text:
        return None
    notebook = read_myst_markdown_notebook(text)
    found = [{"number": number, "check": notebook.cells[check].source} for number, _a, check, _s in exercises(notebook)]
    return {"helper": Path(checking.__file__).read_text(), "passed": checking.PASSED, "exercises": found}


def write_checks(app, exception):
    if exception or app.builder.format != "html":
        return
    for docname in sorted(app.env.found_docs):
        source = Path(app.env.doc2path(docname))
        data = checks_of(source.read_text()) if source.suffix == ".md" else None
        if data:
            target = Path(app.outdir) / "_static" / "checks" / f"{docname}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            write_if_changed(target, json.dumps(data) + "\n")
