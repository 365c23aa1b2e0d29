"""The page's download button: the chapter's Colab/Binder notebook with the outputs the page shows.

myst-nb's own copy has none when it read the chapter from the jupyter-cache, and this book reads every chapter from
it. The build's lock has no jupytext: the chapter is read with myst-nb's own reader, as the build cached it.
"""

from pathlib import Path

import nbformat

from booktools.exercises import CHECK
from booktools.notebook_cells import VERSIONS_CELL, chapter_code, notebook_text, reader_cells


def downloadable(source, cache_path):
    """The notebook the page's download button gives: the chapter's committed notebook with the outputs the page
    shows, those of the chapter as the build ran it. myst-nb's own copy has none when it read the chapter from the
    jupyter-cache (at cache_path), and this book reads every chapter from it."""
    from jupyter_cache import get_cache
    from myst_nb.core.read import read_myst_markdown_notebook

    cache = get_cache(cache_path)
    try:
        record = cache.match_cache_notebook(read_myst_markdown_notebook(Path(source).read_text()))
    except KeyError as error:
        raise LookupError(f"{source}: not in the build's cache {cache_path}: no outputs to download") from error
    notebook = nbformat.read(Path(source).with_suffix(".ipynb"), as_version=4)
    shown = reader_cells(cache.get_cache_bundle(record.pk).nb)
    mine = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source != VERSIONS_CELL]
    if [chapter_code(cell.source) for cell in mine] != [cell.source for cell in shown]:
        raise ValueError(f"{Path(source).with_suffix('.ipynb')} is stale: run `make notebooks`")
    for cell, ran in zip(mine, shown, strict=True):
        if CHECK not in cell.metadata.get("tags", []):  # the page shows no checks: the reader runs them
            cell.outputs, cell.execution_count = ran.outputs, ran.execution_count
    return notebook_text(notebook)
