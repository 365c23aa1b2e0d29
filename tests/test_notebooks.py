"""The Colab and Binder notebooks: in step with their chapters, free of MyST, and runnable by a reader."""

import platform
import re

import jupytext
import nbformat
import numpy
import pytest
import torch

from book import CHAPTERS, HTML, ROOT, code_cells, errors, page, run_in, tags, words
from booktools.exercises import CHECK, CHECK_HELPER
from booktools.notebook_cells import SOLUTION_TITLE, VERSIONS_CELL, chapter_code, notebook_text, reader_code_cell
from booktools.notebooks import reader_notebook, with_notebooks

# What Colab would show raw, or could not run.
MYST = re.compile(r"myst_nb|glue\(|\{glue|```\{|\{\w[\w:-]*\}`")
# The chapters with code for a reader to run: each has a notebook.
NOTEBOOKS = [source.stem for source in with_notebooks()]


def notebook(chapter):
    return ROOT / "chapters" / f"{chapter}.ipynb"


def assert_in_step(source, committed):
    fresh = notebook_text(reader_notebook(source))
    assert fresh == committed.read_text(), f"{committed.name} is stale: run `make notebooks` and commit it"


@pytest.mark.parametrize("chapter", NOTEBOOKS)
def test_notebook_is_what_its_chapter_and_the_build_give_now(book, chapter):
    assert_in_step(ROOT / "chapters" / f"{chapter}.md", notebook(chapter))


def test_an_edited_chapter_makes_its_notebook_stale(book, tmp_path):
    chapter = NOTEBOOKS[-1]
    edited = tmp_path / f"{chapter}.md"
    edited.write_text((ROOT / "chapters" / f"{chapter}.md").read_text() + "\nOne more sentence.\n")
    with pytest.raises(AssertionError, match="run `make notebooks`"):
        assert_in_step(edited, notebook(chapter))


# Chapter text that no notebook can carry as is: the converter must refuse it, not pass it through.
UNCONVERTIBLE = {
    "a role it does not know": "See {ref}`intro`.",
    "a directive": "```{note}\nRead this.\n```",
    "a label target": "(intro)=\n# Intro",
    "a glue cell a reader would run": "```{code-cell} ipython3\nfrom myst_nb import glue\n```",
    "a value the build never glued": "Worth {glue:text}`never_glued:.2f`.",
}


@pytest.mark.parametrize("snippet", UNCONVERTIBLE.values(), ids=UNCONVERTIBLE.keys())
def test_a_chapter_the_converter_cannot_make_clean_fails_loudly(snippet, tmp_path):
    front_matter = (ROOT / "chapters" / f"{CHAPTERS[1]}.md").read_text().split("\n# ", 1)[0]
    chapter = tmp_path / "99-unconvertible.md"
    chapter.write_text(f"{front_matter}\n# A chapter\n\n{snippet}\n")
    with pytest.raises((ValueError, LookupError), match="chapters/99-unconvertible.md"):
        reader_notebook(chapter)


def test_every_chapter_with_code_has_a_notebook_and_every_notebook_a_chapter():
    assert sorted(path.stem for path in (ROOT / "chapters").glob("*.ipynb")) == NOTEBOOKS
    # The opening page has no code for a reader: a notebook of it would only repeat the site's words.
    assert NOTEBOOKS == CHAPTERS[1:] and CHAPTERS[0] == "00-welcome"


def test_a_chapter_without_code_gets_no_notebook(tmp_path):
    front_matter = (ROOT / "chapters" / f"{CHAPTERS[1]}.md").read_text().split("\n# ", 1)[0]
    chapter = tmp_path / "99-words-only.md"
    chapter.write_text(f"{front_matter}\n# Words\n\nOnly words.\n")
    with pytest.raises(ValueError, match="no code for a reader to run"):
        reader_notebook(chapter)


@pytest.mark.parametrize("chapter", NOTEBOOKS)
def test_notebook_speaks_to_readers_and_names_the_versions_behind_the_book(book, chapter):
    header, versions = nbformat.read(notebook(chapter), 4).cells[:2]
    reader, maintainer = header.source.rsplit("\n\n", 1)
    assert reader.startswith(f"**Chapter {int(chapter[:2])} of ")
    # The versions the build ran with: the ones installed here, which made the book's outputs.
    assert f"PyTorch {torch.__version__}, NumPy {numpy.__version__} and Python {platform.python_version()}" in reader
    assert "edit" not in reader and "make notebooks" not in reader
    assert maintainer.startswith("<small>") and "edit that file, not this notebook" in maintainer
    assert versions.cell_type == "code" and "torch.__version__" in versions.source


@pytest.mark.parametrize("chapter", NOTEBOOKS)
def test_solutions_are_folded_in_jupyterlab_and_in_colab(chapter):
    solutions = [
        chapter_code(reader_code_cell(cell).source)
        for cell in jupytext.read(ROOT / "chapters" / f"{chapter}.md").cells
        if "hide-cell" in tags(cell)
    ]
    folded = [
        cell
        for cell in code_cells(nbformat.read(notebook(chapter), 4))
        if cell.metadata.get("jupyter", {}).get("source_hidden")
    ]
    # Folded too: each exercise's checks, and the helper they use.
    assert solutions and all(
        cell.source.startswith(f"{SOLUTION_TITLE}\n") or CHECK in tags(cell) or CHECK_HELPER in tags(cell)
        for cell in folded
    )
    assert [chapter_code(cell.source) for cell in folded if "hide-cell" in tags(cell)] == solutions
    assert all(cell.metadata.get("cellView") == "form" for cell in folded)


@pytest.mark.parametrize("chapter", NOTEBOOKS)
def test_notebook_has_no_myst_and_reads_the_values_the_page_shows(book, chapter):
    text = notebook(chapter).read_text()
    assert not MYST.findall(text)
    markdown = "\n".join(c.source for c in nbformat.reads(text, 4).cells if c.cell_type == "markdown")
    # Each number pasted into the page is written into the notebook's prose, in the same order.
    position = 0
    for pasted in page(chapter).select("span.pasted-text"):
        position = markdown.find(pasted.get_text(), position)
        assert position >= 0, f"{pasted.get_text()!r} is on the page but not in the notebook"


def test_the_reader_kernel_has_no_myst_nb(reader, tmp_path):
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import myst_nb")])
    probe.cells[0].metadata.tags = ["raises-exception"]
    assert errors(run_in(reader, probe, tmp_path).cells[0]) == ["ModuleNotFoundError"]


@pytest.mark.parametrize("chapter", NOTEBOOKS)
def test_notebook_runs_top_to_bottom_with_only_what_binder_installs(run, chapter):
    executed = run(chapter)  # the committed notebook, run in the reader's kernel (book.independent_run)
    ran = [code_cell.source for code_cell in code_cells(executed)]
    committed = [code_cell.source for code_cell in code_cells(nbformat.read(notebook(chapter), 4))]
    assert [source for source in ran if source in committed] == committed
    for code_cell in code_cells(executed):
        assert bool(errors(code_cell)) == ("raises-exception" in tags(code_cell)), code_cell.source
    # The notebook's first code cell says what it runs on (Binder's pins: the book's versions).
    assert committed[0] == VERSIONS_CELL
    versions = next(code_cell for code_cell in code_cells(executed) if code_cell.source == VERSIONS_CELL)
    assert versions.outputs[0].text.startswith(f"PyTorch {torch.__version__}, NumPy {numpy.__version__}, Python ")


@pytest.mark.parametrize("chapter", NOTEBOOKS)
def test_run_all_goes_past_every_deliberate_error_as_in_colab(run, chapter):
    """Colab's and JupyterLab's Run all know no raises-exception tag: the run (book.independent_run, which honours none
    either) reaches the last cell, and each deliberate error is still shown where it happens, in a cell that says so."""
    executed = code_cells(run(chapter))
    assert all(code_cell.execution_count for code_cell in executed)
    failing = [code_cell for code_cell in executed if "raises-exception" in tags(code_cell)]
    chapter_failing = [
        c for c in jupytext.read(ROOT / "chapters" / f"{chapter}.md").cells if "raises-exception" in tags(c)
    ]
    assert len(failing) == len(chapter_failing)
    for code_cell in failing:
        assert errors(code_cell) and "fails on purpose" in code_cell.source


def test_a_cell_that_fails_on_purpose_is_shown_and_run_all_goes_on(reader, tmp_path):
    failing = nbformat.v4.new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]})
    as_in_the_notebook = reader_code_cell(failing)
    del as_in_the_notebook.metadata["tags"]  # no tag honoured: nbclient stops at an error, as Run all does
    probe = nbformat.v4.new_notebook(cells=[as_in_the_notebook, nbformat.v4.new_code_cell("'after'")])
    first, second = run_in(reader, probe, tmp_path).cells
    assert errors(first) == ["ZeroDivisionError"] and second.outputs[0].data["text/plain"] == "'after'"


def shown(output):
    """What the page shows of a notebook output: ("image", None), ("error", its name) or ("text", its text)."""
    if output.output_type == "stream":
        return "text", output.text
    if output.output_type == "error":
        return "error", output.ename
    if "image/png" in output.data:
        return "image", None
    return "text", output.data.get("text/plain", "")


@pytest.mark.parametrize("chapter", NOTEBOOKS)
def test_the_downloaded_notebook_has_every_output_the_page_shows(book, chapter):
    downloaded = nbformat.read(HTML.parent / "_sources" / "chapters" / f"{chapter}.ipynb", 4)
    assert [cell.source for cell in downloaded.cells] == [
        cell.source for cell in nbformat.read(notebook(chapter), 4).cells
    ]
    with_outputs = [cell for cell in code_cells(downloaded) if cell.outputs]
    on_page = page(chapter).select("div.cell_output")
    assert len(with_outputs) == len(on_page)
    for cell, output_area in zip(with_outputs, on_page, strict=True):
        outputs = [shown(output) for output in cell.outputs]
        assert sum(kind == "image" for kind, _ in outputs) == len(output_area.select("img"))
        for kind, value in outputs:
            if kind != "image":
                assert " ".join(value.split()) in words(output_area), f"{chapter}: {value!r} is not on the page"
