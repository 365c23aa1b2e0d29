"""The Colab and Binder notebook beside each chapter with code: `python -m booktools.notebooks` (make notebooks).

A reader's notebook is the chapter without MyST, glue or myst_nb, none of which Colab has: glued values written into
the prose as the page shows them, glue-only cells dropped, and any other MyST an error that names the chapter and
cell. A header tells the reader which versions produced the book's outputs, and a first code cell prints the ones
the notebook runs on. Exercise solutions, hidden behind a toggle on the site, open folded: JupyterLab folds a cell
whose metadata sets `jupyter.source_hidden` (nbformat's field), Colab one marked `cellView: form` whose first line
is a `# @title`. A cell that fails on purpose (tagged raises-exception, a tag Colab and JupyterLab do not know: their
Run all stops at the first error) runs inside a `try` that shows the error as IPython would and lets Run all go on.
A page with no code for the reader (the opening page) gets no notebook. An exercise's checks (not on the page) follow
its answer cell, folded, and the checking helper is copied in where the chapter imports it (Colab has no booktools).
"""

import json
import re
from pathlib import Path

import jupytext
import nbformat
import yaml
from myst_nb.core.variables import format_plain_text

from booktools import ROOT, toc
from booktools.exercises import CHECK
from booktools.notebook_cells import VERSIONS_CELL, glue_only, notebook_text, reader_cells, reader_code_cell

# myst-nb writes each chapter's glued outputs here on every build, from its cache or not.
GLUE = ROOT / "_build" / "jupyter_execute" / "chapters"
# The page that glues the versions the build ran with.
FRONT_PAGE = "00-welcome"

GLUE_TEXT = re.compile(r"\{glue:text\}`([^`]*)`")
# A number the prose declares as typed on purpose (booktools.typed_numbers): on the page it is the number alone.
GIVEN = re.compile(r"\{given\}`([^`]*)`")
# What Colab would show raw: any other role, directive (``` or :::), label target or MyST comment.
UNKNOWN_MYST = re.compile(r"\{[\w:.-]+\}`|^(```+|:::+)\s*\{|^\([^)\s]+\)=\s*$|^%", re.MULTILINE)


EXERCISES_NOTE = (
    "Each exercise has a cell for your answer: replace each `...` with yours and run it. The folded cell under it "
    "checks your answer and says, part by part, whether it holds; until you answer, it says *Not answered yet*."
)


def reader_notebook(source):
    """The notebook a reader opens in Colab or Binder: the chapter without MyST, glue or myst_nb."""
    chapter = jupytext.read(source)
    name = Path(source).stem
    glued = glue_outputs(name)
    cells = []
    for i, cell in enumerate(chapter.cells):
        where = f"chapters/{name}.md, cell {i}"
        if cell.cell_type == "code":
            if glue_only(cell):
                continue  # the glue-only cells: they import myst_nb, which Colab does not have
            if "myst_nb" in cell.source or "glue(" in cell.source:
                raise ValueError(f"{where}: a cell that glues must be tagged remove-cell:\n{cell.source}")
            cells.append(reader_code_cell(cell))
        else:
            cells.append(nbformat.v4.new_markdown_cell(plain_markdown(cell.source, glued, where)))
    if not reader_cells(chapter):
        raise ValueError(f"chapters/{name}.md has no code for a reader to run: it gets no notebook")
    cells[:0] = [nbformat.v4.new_markdown_cell(header(name, chapter)), nbformat.v4.new_code_cell(VERSIONS_CELL)]
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i}"  # stable ids, so that regenerating gives the same bytes
    metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    return nbformat.v4.new_notebook(cells=cells, metadata=metadata)


def plain_markdown(text, glued, where):
    """Markdown that Colab renders as the book does: glued values written in, no MyST left."""
    text = GLUE_TEXT.sub(lambda role: glued_text(glued, role.group(1), where), text)
    text = GIVEN.sub(r"\1", text)
    if unknown := UNKNOWN_MYST.search(text):
        raise ValueError(f"{where}: MyST that a notebook cannot show: {unknown.group()!r}")
    return text


def glue_outputs(name):
    """The outputs the build glued in a chapter, by key (none if it glued nothing or was not built)."""
    path = GLUE / f"{name}.glue.json"
    return json.loads(path.read_text()) if path.exists() else {}


def glued_text(glued, role, where):
    """What {glue:text}`key:fmt` shows on the page, formatted as myst-nb does (its default spec is "s")."""
    key, fmt_spec = role.rsplit(":", 1) if ":" in role else (role, "s")
    if key not in glued:
        raise LookupError(f"{where}: no glued value {key!r} in {GLUE}: run `make book` first")
    return format_plain_text(glued[key]["data"]["text/plain"], fmt_spec)


def header(name, chapter):
    """For the reader: which chapter this is, what produced the book's outputs, what to expect on the way down.
    For the maintainer, in small print: where the notebook comes from."""
    book = yaml.safe_load((ROOT / "_config.yml").read_text())["title"]
    # The versions the build ran with, as the opening page glued them.
    built = {
        key: glued_text(glue_outputs(FRONT_PAGE), key, f"chapters/{FRONT_PAGE}.md")
        for key in ("torch_version", "numpy_version", "python_version")
    }
    lines = [
        f"**Chapter {int(name[:2])} of *{book}***, a hands-on introduction to PyTorch that grew from Houjun "
        "Liu's guide *Getting Started with PyTorch*. Run the cells from top to bottom.",
        f"The numbers in the text come from running this chapter with PyTorch {built['torch_version']}, NumPy "
        f"{built['numpy_version']} and Python {built['python_version']}. The first code cell prints the versions "
        "this notebook runs on; where they differ, an output may differ too.",
    ]
    cells = reader_cells(chapter)
    if any("hide-cell" in cell.metadata.get("tags", []) for cell in cells):
        lines.append(
            "The solutions to the exercises are folded: unfold one to read it. Folded or not, it runs "
            "with the other cells."
        )
    if any(CHECK in cell.metadata.get("tags", []) for cell in cells):
        lines.append(EXERCISES_NOTE)
    failing = sum("raises-exception" in cell.metadata.get("tags", []) for cell in cells)
    if failing:
        which = "One cell fails" if failing == 1 else f"{failing} cells fail"
        lines.append(
            f"{which} on purpose, to show a real error. Each runs its code inside a `try` that shows the error "
            "where it happens and lets *Run all* carry on to the end."
        )
    lines.append(
        f"<small>Generated from `chapters/{name}.md` in the book's repository by `make notebooks`: edit "
        "that file, not this notebook.</small>"
    )
    return "\n\n".join(lines)


def with_notebooks():
    """The chapters that get a notebook: those with code for the reader to run."""
    return [source for source in toc.sources() if reader_cells(jupytext.read(source))]


def write_notebooks():
    """Write chapters/NN-name.ipynb next to every chapter with code (needs the glued values of `make book`)."""
    sources = with_notebooks()
    for source in sources:
        source.with_suffix(".ipynb").write_text(notebook_text(reader_notebook(source)))
        print(f"wrote {source.with_suffix('.ipynb').relative_to(ROOT)}")
    for orphan in (ROOT / "chapters").glob("*.ipynb"):
        if orphan.with_suffix(".md") not in sources:
            orphan.unlink()  # its chapter is gone, or has no code left
            print(f"removed {orphan.relative_to(ROOT)}")


if __name__ == "__main__":
    write_notebooks()
