"""Running and reading the book: chapters executed in a fresh kernel, and the pages the build wrote.

The tests assert facts on real executed outputs, so they never re-implement a chapter.
"""

import ast
import functools
import json
import subprocess
from pathlib import Path

import jupytext
import nbclient
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(path.stem for path in (ROOT / "chapters").glob("[0-9][0-9]-*.md"))
HTML = ROOT / "_build" / "html" / "chapters"
BUILT = ROOT / "_build" / "jupyter_execute" / "chapters"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def make(*arguments):
    """Run one of the README's make targets; return the finished process with its output as text."""
    return subprocess.run(["make", *arguments], cwd=ROOT, capture_output=True, text=True)


@functools.cache
def execute(chapter):
    """Run a chapter top to bottom in a fresh kernel, as a reader's notebook would, with the book's cell timeout.

    A cell error fails the run unless the cell is tagged raises-exception (nbclient honours the tag).
    """
    notebook = jupytext.read(ROOT / "chapters" / f"{chapter}.md")
    nbclient.NotebookClient(
        notebook,
        kernel_name=notebook.metadata.kernelspec.name,
        timeout=CONFIG["execute"]["timeout"],
        resources={"metadata": {"path": str(ROOT / "chapters")}},
    ).execute()
    return notebook


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def cells(notebook, first_line):
    """The code cells whose source starts with first_line, in reading order."""
    return [c for c in code_cells(notebook) if c.source.startswith(first_line)]


def cell(notebook, first_line):
    """The one code cell whose source starts with first_line."""
    found = cells(notebook, first_line)
    assert len(found) == 1, f"{len(found)} code cells start with {first_line!r}"
    return found[0]


def tags(code_cell):
    return code_cell.metadata.get("tags", [])


def text(code_cell):
    """Everything a reader sees as text below a cell: printed streams, then displayed values."""
    streams = "".join(o.text for o in code_cell.outputs if o.output_type == "stream")
    values = [o.data["text/plain"] for o in code_cell.outputs if "text/plain" in o.get("data", {})]
    return "\n".join(part for part in [streams.rstrip("\n"), *values] if part)


def errors(code_cell):
    return [o.ename for o in code_cell.outputs if o.output_type == "error"]


def figures(code_cell):
    return [o.data["image/png"] for o in code_cell.outputs if "image/png" in o.get("data", {})]


def glued(notebook):
    """The values a chapter handed to its prose with myst_nb.glue, as Python values."""
    return glue_values(output for code_cell in code_cells(notebook) for output in code_cell.outputs)


def built_glue(chapter):
    """The values that the build glued into a chapter's page (myst-nb saves them even when it used its cache)."""
    return glue_values(json.loads((BUILT / f"{chapter}.glue.json").read_text()).values())


def glue_values(outputs):
    return {
        output["metadata"]["scrapbook"]["name"]: ast.literal_eval(output["data"]["text/plain"])
        for output in outputs
        if "scrapbook" in output.get("metadata", {})
    }


def page(chapter):
    """The built HTML page of a chapter, parsed."""
    return BeautifulSoup((HTML / f"{chapter}.html").read_text(), "html.parser")


def words(soup):
    """The visible text of a page or element, with white space folded."""
    return " ".join(soup.get_text(" ").split())
