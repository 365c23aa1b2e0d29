"""The Colab and Binder notebooks: in step with their chapters, free of MyST, and runnable by a reader."""

import json
import re

import nbclient
import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

from book import CHAPTERS, CONFIG, ROOT, code_cells, errors, make, page, tags
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


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """A kernelspec for a kernel with only what Binder installs, kept out of the user's Jupyter folders."""
    venv = make(".venv-reader/.installed")
    assert venv.returncode == 0, f"could not make the reader's venv:\n{venv.stdout}\n{venv.stderr[-5000:]}"
    specs = tmp_path_factory.mktemp("kernels")
    (specs / "reader").mkdir()
    argv = [str(ROOT / ".venv-reader" / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (specs / "reader" / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Reader"}))
    return KernelSpecManager(kernel_dirs=[str(specs)])


def run_as_reader(reader, notebook, folder):
    """Run a notebook top to bottom in the reader's kernel; an error fails unless tagged raises-exception."""
    kernel = KernelManager(kernel_name="reader", kernel_spec_manager=reader)
    resources = {"metadata": {"path": str(folder)}}
    nbclient.NotebookClient(notebook, km=kernel, timeout=CONFIG["execute"]["timeout"], resources=resources).execute()
    return notebook


def test_the_reader_kernel_has_no_myst_nb(reader, tmp_path):
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import myst_nb")])
    probe.cells[0].metadata.tags = ["raises-exception"]
    assert errors(run_as_reader(reader, probe, tmp_path).cells[0]) == ["ModuleNotFoundError"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notebook_runs_top_to_bottom_with_only_what_binder_installs(reader, chapter, tmp_path):
    executed = run_as_reader(reader, nbformat.read(notebook(chapter), 4), tmp_path)
    for code_cell in code_cells(executed):
        assert bool(errors(code_cell)) == ("raises-exception" in tags(code_cell)), code_cell.source
