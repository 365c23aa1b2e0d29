"""The book as a whole: every chapter runs on its own, every page shows its outputs, a broken chapter stops the build."""

import base64
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from book import (
    CHAPTERS, HTML, ROOT, built_glue, code_cells, errors, execute, figures, glued, make, page, tags, words,
)

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


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_build_and_an_independent_run_give_identical_numbers_and_figures(book, chapter):
    notebook, html = execute(chapter), page(chapter)
    assert built_glue(chapter) == glued(notebook)
    shown_figures = [(HTML / img["src"]).read_bytes() for img in html.select("div.cell_output img")]
    run_figures = [base64.b64decode(png) for code_cell in code_cells(notebook) for png in figures(code_cell)]
    assert shown_figures == run_figures


# Each fixture chapter breaks the book in one way; the build log must say where and why.
BROKEN = {
    "cell-error": ["undefined_name_in_broken_chapter + fine", "NameError"],  # the cell's source, the cause
    "missing-glue": ["No key 'question_never_glued' found in glue data"],
    "stray-stderr": ["stderr was found in the cell outputs of cell"],
}


def book_with(chapter, folder):
    """A one-chapter book around a fixture chapter, with the real _config.yml and extension."""
    (folder / "chapters").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "fixtures" / "broken-chapters" / f"{chapter}.md", folder / "chapters")
    shutil.copy(ROOT / "_config.yml", folder)
    shutil.copytree(ROOT / "assets", folder / "assets")
    (folder / "booktools.py").symlink_to(ROOT / "booktools.py")  # it finds the unpacked thebe beside itself
    (folder / "_toc.yml").write_text(f"format: jb-book\nroot: chapters/{chapter}\n")
    return folder


def assert_fails_naming(result, chapter):
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"chapters/{chapter}.md" in output
    for expected in BROKEN[chapter]:
        assert expected in output


@pytest.mark.parametrize("chapter", BROKEN)
def test_a_broken_chapter_fails_the_readme_build_and_the_log_says_where_and_why(chapter, tmp_path):
    assert_fails_naming(make("book", f"BOOK={book_with(chapter, tmp_path)}"), chapter)


def test_a_cell_error_fails_even_a_plain_jupyter_book_build(tmp_path):
    jupyter_book = Path(sys.executable).with_name("jupyter-book")  # the one in the tests' virtual environment
    plain = subprocess.run([jupyter_book, "build", book_with("cell-error", tmp_path)], capture_output=True, text=True)
    assert_fails_naming(plain, "cell-error")
