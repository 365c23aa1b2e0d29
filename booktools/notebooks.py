"""The Colab and Binder notebook beside each chapter: `python -m booktools.notebooks` (make notebooks).

A reader's notebook is the chapter without MyST, glue or myst_nb, none of which Colab has: glued values written into
the prose as the page shows them, glue-only cells dropped, the opening page's chapter list written out, and any
other MyST an error that names the chapter and cell.
"""

import json
import re
from pathlib import Path

import jupytext
import nbformat
import yaml
from myst_nb.core.variables import format_plain_text

from booktools import ROOT

# myst-nb writes each chapter's glued outputs here on every build, from its cache or not.
GLUE = ROOT / "_build" / "jupyter_execute" / "chapters"

GLUE_TEXT = re.compile(r"\{glue:text\}`([^`]*)`")
TABLE_OF_CONTENTS = re.compile(r"^```\{tableofcontents\}\s*\n```[ \t]*$", re.MULTILINE)
# What Colab would show raw: any other role, directive (``` or :::), label target or MyST comment.
UNKNOWN_MYST = re.compile(r"\{[\w:.-]+\}`|^(```+|:::+)\s*\{|^\([^)\s]+\)=\s*$|^%", re.MULTILINE)


def reader_notebook(source):
    """The notebook a reader opens in Colab or Binder: the chapter without MyST, glue or myst_nb."""
    chapter = jupytext.read(source)
    name = Path(source).stem
    glued = glue_outputs(name)
    cells = []
    for i, cell in enumerate(chapter.cells):
        where = f"chapters/{name}.md, cell {i}"
        if cell.cell_type == "code":
            if "remove-cell" in cell.metadata.get("tags", []):
                continue  # the glue-only cells: they import myst_nb, which Colab does not have
            if "myst_nb" in cell.source or "glue(" in cell.source:
                raise ValueError(f"{where}: a cell that glues must be tagged remove-cell:\n{cell.source}")
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=cell.metadata))
        else:
            cells.append(nbformat.v4.new_markdown_cell(plain_markdown(cell.source, glued, where)))
    cells.insert(0, nbformat.v4.new_markdown_cell(header(name, chapter)))
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
    text = TABLE_OF_CONTENTS.sub(lambda _: chapter_list(), text)
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


def title(source):
    return next(line[2:] for line in Path(source).read_text().splitlines() if line.startswith("# "))


def chapter_list():
    """The {tableofcontents} of the book's opening page, as the chapter titles in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return "\n".join(f"1. {title((ROOT / entry['file']).with_suffix('.md'))}" for entry in toc["chapters"])


def header(name, chapter):
    """Which chapter this is, where it comes from, and why Run all may stop."""
    book = yaml.safe_load((ROOT / "_config.yml").read_text())["title"]
    which = f"Chapter {int(name[:2])} of" if int(name[:2]) else "The opening page of"
    lines = [
        f"{which} *{book}*, generated from `chapters/{name}.md` in the book's repository: edit that file, "
        "not this notebook. The book follows and completes Houjun Liu's guide *Getting Started with PyTorch*."
    ]
    failing = sum("raises-exception" in cell.metadata.get("tags", []) for cell in chapter.cells)
    if failing:
        lines.append(
            f"Some cells fail on purpose, to show a real error ({failing} in this chapter). *Run all* "
            "stops at each: carry on from the next cell (Colab: Runtime → Run after; Jupyter: Run → "
            "Run Selected Cell and All Below)."
        )
    return "\n\n".join(lines)


def notebook_text(notebook):
    """The bytes a notebook is stored as: nbformat's JSON (sorted keys), with a final newline."""
    return nbformat.writes(notebook) + "\n"


def write_notebooks():
    """Write chapters/NN-name.ipynb next to every chapter (needs the glued values of `make book`)."""
    for source in sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md")):
        source.with_suffix(".ipynb").write_text(notebook_text(reader_notebook(source)))
        print(f"wrote {source.with_suffix('.ipynb').relative_to(ROOT)}")
    for orphan in (ROOT / "chapters").glob("[0-9][0-9]-*.ipynb"):
        if not orphan.with_suffix(".md").exists():
            orphan.unlink()  # its chapter is gone


if __name__ == "__main__":
    write_notebooks()
