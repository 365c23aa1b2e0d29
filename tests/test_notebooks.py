"""The Colab and Binder notebooks: in step with their chapters, free of MyST, and runnable by a reader."""

import re

import nbformat
import pytest

from book import CHAPTERS, ROOT, code_cells, errors, page, run_in, tags
from booktools.notebooks import notebook_text, reader_notebook

# What Colab would show raw, or could not run.
MYST = re.compile(r"myst_nb|glue\(|\{glue|```\{|\{\w[\w:-]*\}`")


def notebook(chapter):
    return ROOT / "chapters" / f"{chapter}.ipynb"


def assert_in_step(source, committed):
    fresh = notebook_text(reader_notebook(source))
    assert fresh == committed.read_text(), f"{committed.name} is stale: run `make notebooks` and commit it"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notebook_is_what_its_chapter_and_the_build_give_now(book, chapter):
    assert_in_step(ROOT / "chapters" / f"{chapter}.md", notebook(chapter))


def test_an_edited_chapter_makes_its_notebook_stale(book, tmp_path):
    chapter = CHAPTERS[-1]
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


def test_every_chapter_has_a_notebook_and_every_notebook_a_chapter():
    assert sorted(path.stem for path in (ROOT / "chapters").glob("*.ipynb")) == CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notebook_has_no_myst_and_reads_the_values_the_page_shows(book, chapter):
    text = notebook(chapter).read_text()
    assert not MYST.findall(text)
    markdown = "\n".join(c.source for c in nbformat.reads(text, 4).cells if c.cell_type == "markdown")
    # Each number pasted into the page is written into the notebook's prose, in the same order.
    position = 0
    for pasted in page(chapter).select("span.pasted-text"):
        position = markdown.find(pasted.get_text(), position)
        assert position >= 0, f"{pasted.get_text()!r} is on the page but not in the notebook"


def pins(path):
    lines = path.read_text().splitlines()
    return dict(line.split("==") for line in lines if "==" in line and not line.startswith("#"))


def test_binder_pins_the_versions_the_book_is_built_and_tested_with():
    binder = pins(ROOT / "binder" / "requirements.txt")
    built = pins(ROOT / "requirements.txt") | pins(ROOT / "tests" / "requirements.txt")
    assert binder.keys() == {"torch", "numpy", "matplotlib", "scikit-learn", "jupytext"}
    assert binder["torch"].endswith("+cpu")  # the small CPU-only build of the same release
    assert {name: version.removesuffix("+cpu") for name, version in binder.items()} == {
        name: built[name] for name in binder
    }


def test_the_reader_kernel_has_no_myst_nb(reader, tmp_path):
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import myst_nb")])
    probe.cells[0].metadata.tags = ["raises-exception"]
    assert errors(run_in(reader, probe, tmp_path).cells[0]) == ["ModuleNotFoundError"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notebook_runs_top_to_bottom_with_only_what_binder_installs(run, chapter):
    executed = run(chapter)  # the committed notebook, run in the reader's kernel (book.independent_run)
    ran = [code_cell.source for code_cell in code_cells(executed)]
    committed = [code_cell.source for code_cell in code_cells(nbformat.read(notebook(chapter), 4))]
    assert [source for source in ran if source in committed] == committed
    for code_cell in code_cells(executed):
        assert bool(errors(code_cell)) == ("raises-exception" in tags(code_cell)), code_cell.source
