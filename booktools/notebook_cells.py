"""The code cells of a chapter's Colab/Binder notebook: written by `make notebooks` (booktools.notebooks), filled with
the page's outputs for the download button (booktools.downloads), read back by the tests."""

import re
import textwrap

import nbformat

# The notebook's first code cell: what it runs on, to compare with what the book's outputs came from.
VERSIONS_CELL = """\
# The versions this notebook runs on.
import platform

import numpy
import torch

print(f"PyTorch {torch.__version__}, NumPy {numpy.__version__}, Python {platform.python_version()}")"""
# The first line of a folded solution: Colab shows it as the folded cell's title, JupyterLab as its placeholder.
SOLUTION_TITLE = "# @title Solution"
# A cell that fails on purpose, as a notebook holds it: the error is shown where it happens, as an error, and the cell
# itself succeeds, so that Run all goes on to the next one.
FAILS_ON_PURPOSE = """\
# This cell fails on purpose: `try` shows the error below and lets Run all carry on.
try:
{code}
except Exception:
    get_ipython().showtraceback()"""


def reader_cells(chapter):
    """The code cells a reader sees: all but the glue-only ones (tagged remove-cell)."""
    return [
        cell
        for cell in chapter.cells
        if cell.cell_type == "code" and "remove-cell" not in cell.metadata.get("tags", [])
    ]


def reader_code_cell(cell):
    """A chapter's code cell as a notebook cell: one that fails on purpose inside a `try`; a solution (tagged
    hide-cell) folded in JupyterLab and in Colab."""
    tags = cell.metadata.get("tags", [])
    source = cell.source
    if "raises-exception" in tags:
        if re.search(r"^\s*[%!]", source, re.MULTILINE):
            raise ValueError(
                f"a cell that fails on purpose cannot run inside `try` with a magic or a shell line:\n{source}"
            )
        source = FAILS_ON_PURPOSE.format(code=textwrap.indent(source, "    "))
    if "hide-cell" not in tags:
        return nbformat.v4.new_code_cell(source, metadata=cell.metadata)
    folded = {**cell.metadata, "jupyter": {"source_hidden": True}, "cellView": "form"}
    return nbformat.v4.new_code_cell(f"{SOLUTION_TITLE}\n{source}", metadata=folded)


def chapter_code(source):
    """The chapter's own code in a notebook cell's source: without a solution's title or the `try` around a cell
    that fails on purpose."""
    source = source.removeprefix(f"{SOLUTION_TITLE}\n")
    before, after = FAILS_ON_PURPOSE.split("{code}")
    if source.startswith(before) and source.endswith(after):
        return textwrap.dedent(source.removeprefix(before).removesuffix(after))
    return source


def notebook_text(notebook):
    """The bytes a notebook is stored as: nbformat's JSON (sorted keys), with a final newline."""
    return nbformat.writes(notebook) + "\n"
