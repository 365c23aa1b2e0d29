"""The book as a whole: every chapter runs on its own, every page shows its outputs and the numbers of this run."""

import base64
import re

import pytest

from book import CHAPTERS, HTML, ROOT, built_glue, code_cells, errors, figures, glued, page, tags, words
from booktools.notebooks import VERSIONS_CELL

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
    shown = [
        c for c in code_cells(notebook) if "remove-cell" not in tags(c) and c.source != VERSIONS_CELL and c.outputs
    ]
    assert len(html.select("div.cell_output")) == len(shown)
    assert len(html.select("div.cell_output img")) == sum(len(figures(c)) for c in shown)
    assert len(html.select("div.cell_output .output.traceback")) == sum(bool(errors(c)) for c in shown)
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
def test_the_build_and_an_independent_run_give_identical_numbers_and_figures(book, run, chapter):
    notebook, html = run(chapter), page(chapter)
    assert built_glue(chapter) == glued(notebook)
    shown_figures = [(HTML / img["src"]).read_bytes() for img in html.select("div.cell_output img")]
    run_figures = [base64.b64decode(png) for code_cell in code_cells(notebook) for png in figures(code_cell)]
    assert shown_figures == run_figures
