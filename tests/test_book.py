"""The book as a whole: every chapter runs on its own, every page shows its outputs, a broken chapter stops the build."""

import re
import shutil
import subprocess

import nbformat
import pytest

from book import BIN, CHAPTERS, ROOT, code_cells, errors, execute, figures, glued, make, page, tags, words

GLUE_ROLE = re.compile(r"\{glue:text\}`([^`:]+)")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_top_to_bottom_alone_in_a_fresh_kernel(chapter):
    notebook = execute(chapter)  # raises on any cell error that is not tagged raises-exception
    for code_cell in code_cells(notebook):
        # A cell tagged as failing must really fail, or the prose around it is wrong.
        assert bool(errors(code_cell)) == ("raises-exception" in tags(code_cell)), code_cell.source


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_page_shows_every_output_and_figure(book, chapter):
    notebook, html = execute(chapter), page(chapter)
    shown = [c for c in code_cells(notebook) if "remove-cell" not in tags(c) and c.outputs]
    assert len(html.select("div.cell_output")) == len(shown)
    assert len(html.select("div.cell_output img")) == sum(len(figures(c)) for c in shown)
    assert len(html.select("div.cell_output .output.traceback")) == sum(bool(errors(c)) for c in shown)
    # Hidden glue cells leave no trace on the page.
    assert "myst_nb" not in words(html) and "glue(" not in words(html)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_number_in_the_prose_is_glued_from_this_run(book, chapter):
    source = (ROOT / "chapters" / f"{chapter}.md").read_text()
    names = GLUE_ROLE.findall(source)
    pasted = page(chapter).select("span.pasted-text")
    assert len(pasted) == len(names)
    assert all(span.get_text().strip() for span in pasted)
    assert set(names) <= set(glued(execute(chapter)))


def results(notebook):
    """Each code cell's displayed values, figures and errors. Printed streams are left out: myst-nb's merge_streams
    rewrites them in the copy the build saves."""
    return [
        [output.get("data") or (output.get("ename"), output.get("evalue"))
         for output in code_cell.outputs if output.output_type != "stream"]
        for code_cell in code_cells(notebook)
    ]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_build_and_an_independent_run_give_identical_outputs(book, chapter):
    built = nbformat.read(book / "jupyter_execute" / "chapters" / f"{chapter}.ipynb", as_version=4)
    assert results(built) == results(execute(chapter))


@pytest.fixture(scope="module")
def broken_book(tmp_path_factory):
    """A fixture book whose one chapter has an unexpected error, built with the real _config.yml."""
    folder = tmp_path_factory.mktemp("broken") / "book"
    shutil.copytree(ROOT / "tests" / "fixtures" / "broken-book", folder)
    shutil.copy(ROOT / "_config.yml", folder)
    shutil.copytree(ROOT / "assets", folder / "assets")
    return folder


def assert_names_chapter_cell_and_cause(result):
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "chapters/01-broken.md" in output
    assert "undefined_name_in_broken_chapter + fine" in output  # the failing cell's source
    assert "NameError" in output


def test_broken_chapter_fails_the_readme_build_and_names_chapter_cell_and_cause(broken_book):
    assert_names_chapter_cell_and_cause(make("book", f"BOOK={broken_book}"))


def test_broken_chapter_fails_even_a_plain_jupyter_book_build(broken_book):
    shutil.rmtree(broken_book / "_build", ignore_errors=True)
    plain = subprocess.run([BIN / "jupyter-book", "build", broken_book], capture_output=True, text=True)
    assert_names_chapter_cell_and_cause(plain)
