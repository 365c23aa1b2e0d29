"""The code cells of a chapter's Colab/Binder notebook: written by `make notebooks` (booktools.notebooks), filled with
the page's outputs for the download button (booktools.downloads), read back by the tests."""

import re
import textwrap
from pathlib import Path

import nbformat

from booktools import checking
from booktools.exercises import CHECK, CHECK_HELPER

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
HELPER_IMPORT = "from booktools.checking import check"  # how a chapter imports the checks' helper
HELPER_TITLE, CHECK_TITLE = "# @title The checks' helper: run it, no need to read it", "# @title Check your answer"


def reader_cells(chapter):
    """The code cells a reader runs: all but the glue-only ones."""
    return [cell for cell in chapter.cells if cell.cell_type == "code" and not glue_only(cell)]


def glue_only(cell):
    """A cell that only glues values for the prose (tagged remove-cell, and not an exercise's checks)."""
    return "remove-cell" in cell.metadata.get("tags", []) and not {CHECK, CHECK_HELPER} & set(cell.metadata.tags)


def reader_code_cell(cell):
    """A chapter's code cell as a notebook cell: one that fails on purpose inside a `try`; a solution (tagged
    hide-cell) and an exercise's checks folded in JupyterLab and in Colab, the checking helper written in."""
    tags = cell.metadata.get("tags", [])
    source = cell.source
    if CHECK_HELPER in tags:
        if source != HELPER_IMPORT:
            raise ValueError(f"a cell tagged {CHECK_HELPER} holds `{HELPER_IMPORT}` alone, not:\n{source}")
        return folded(cell, f"{HELPER_TITLE}\n{Path(checking.__file__).read_text()}")
    if CHECK in tags:
        return folded(cell, f"{CHECK_TITLE}\n{source}")
    if "raises-exception" in tags:
        if re.search(r"^\s*[%!]", source, re.MULTILINE):
            raise ValueError(
                f"a cell that fails on purpose cannot run inside `try` with a magic or a shell line:\n{source}"
            )
        source = FAILS_ON_PURPOSE.format(code=textwrap.indent(source, "    "))
    if "hide-cell" not in tags:
        return nbformat.v4.new_code_cell(source, metadata=cell.metadata)
    return folded(cell, f"{SOLUTION_TITLE}\n{source}")


def folded(cell, source):
    """A cell that opens folded, in JupyterLab and in Colab (source's first line is its # @title)."""
    folding = {"jupyter": {"source_hidden": True}, "cellView": "form"}
    return nbformat.v4.new_code_cell(source, metadata={**cell.metadata, **folding})


def chapter_code(source):
    """The chapter's own code in a notebook cell's source: without a solution's or a check's title, the `try` around
    a cell that fails on purpose, or the helper written in for its import."""
    if source.startswith(f"{HELPER_TITLE}\n"):
        return HELPER_IMPORT
    source = source.removeprefix(f"{SOLUTION_TITLE}\n").removeprefix(f"{CHECK_TITLE}\n")
    before, after = FAILS_ON_PURPOSE.split("{code}")
    if source.startswith(before) and source.endswith(after):
        return textwrap.dedent(source.removeprefix(before).removesuffix(after))
    return source


def notebook_text(notebook):
    """The bytes a notebook is stored as: nbformat's JSON (sorted keys), with a final newline."""
    return nbformat.writes(notebook) + "\n"
