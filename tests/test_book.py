"""The book as a whole: every chapter runs on its own, every page shows its outputs and the numbers of this run."""

import base64
import json
import re

import pytest

from book import (
    CHAPTERS,
    GLUE_STAND_IN,
    HTML,
    ROOT,
    built_glue,
    built_notebook,
    code_cells,
    errors,
    figures,
    glued,
    page,
    tags,
    words,
)
from booktools.compat import comparable
from booktools.notebook_cells import VERSIONS_CELL

GLUE_ROLE = re.compile(r"\{glue:text\}`([^`:]+)")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_top_to_bottom_alone_in_a_fresh_kernel(run, chapter):
    notebook = run(chapter)  # raises on any cell error that is not tagged raises-exception
    for code_cell in code_cells(notebook):
        # A cell tagged as failing must really fail, or the prose around it is wrong.
        assert bool(errors(code_cell)) == ("raises-exception" in tags(code_cell)), code_cell.source


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_page_shows_every_output_and_figure(book, run, chapter):
    notebook, html = run(chapter), page(chapter)
    # The page shows the chapter's cells: not the glue-only ones, nor the notebook's own versions cell.
    visible = [
        c for c in code_cells(notebook) if "remove-cell" not in tags(c) and c.source != VERSIONS_CELL and c.outputs
    ]
    assert len(html.select("div.cell_output")) == len(visible)
    assert len(html.select("div.cell_output img")) == sum(len(figures(c)) for c in visible)
    assert len(html.select("div.cell_output .output.traceback")) == sum(bool(errors(c)) for c in visible)
    # Hidden glue cells leave no trace on the page.
    assert "myst_nb" not in words(html) and "glue(" not in words(html)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_number_in_the_prose_is_glued_from_this_run(book, run, chapter):
    source = (ROOT / "chapters" / f"{chapter}.md").read_text()
    names = GLUE_ROLE.findall(source)
    pasted = page(chapter).select("span.pasted-text")
    assert len(pasted) == len(names)
    assert all(span.get_text().strip() for span in pasted)
    assert set(names) <= set(glued(run(chapter)))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_build_and_an_independent_run_show_the_same_outputs(book, run, chapter):
    # Two runs of each chapter, in separate processes and environments: the build's, which its page shows, and the
    # reader's. Seeded, they show the same: every printed line, value, figure and error (one unseeded draw would not).
    notebook, html = run(chapter), page(chapter)
    built_cells = code_cells(built_notebook(chapter))
    assert any(code_cell.outputs for code_cell in built_cells)  # not two empty notebooks
    built = [comparable(code_cell) for code_cell in built_cells]
    # The run's own cells left out: the glue stand-in and the notebook's versions cell.
    ran = [comparable(c) for c in code_cells(notebook) if c.source not in (GLUE_STAND_IN, VERSIONS_CELL)]
    assert len(built) == len(ran)
    for number, (page_shows, run_shows) in enumerate(zip(built, ran, strict=True), start=1):
        assert page_shows == run_shows, f"{chapter}, code cell {number}: the build and the run differ"
    # And the page shows them: its glued values and its figures' files are the run's.
    assert built_glue(chapter) == glued(notebook)
    shown_figures = [(HTML / img["src"]).read_bytes() for img in html.select("div.cell_output img")]
    run_figures = [base64.b64decode(png) for code_cell in code_cells(notebook) for png in figures(code_cell)]
    assert shown_figures == run_figures


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_output_shows_the_build_machines_paths_or_ipythons_mode_line(book, chapter):
    """A traceback on the published site would show the CI runner's folders; `%xmode` prints a line of its own."""
    shown = "\n".join(output.get_text() for output in page(chapter).select("div.cell_output"))
    # And the notebook the page's download button gives (its outputs are the page's).
    download = HTML.parent / "_sources" / "chapters" / f"{chapter}.ipynb"
    cells = json.loads(download.read_text())["cells"] if download.exists() else []
    outputs = [cell.get("outputs", []) for cell in cells]
    for leak in [str(ROOT), "site-packages", "/.venv", "Exception reporting mode"]:
        assert leak not in shown, f"{chapter}: an output shows {leak!r}"
        assert leak not in json.dumps(outputs), f"{chapter}: an output of the downloaded notebook shows {leak!r}"
