"""The book's pages in reading order, read from _toc.yml: the one list of chapters every tool and test uses."""

from pathlib import Path

import yaml

from booktools import ROOT


def pages(book=ROOT):
    """Every page's document name ("chapters/01-autograd"), root first, in the order _toc.yml gives."""
    toc = yaml.safe_load((Path(book) / "_toc.yml").read_text())
    return [toc["root"], *(entry["file"] for entry in toc.get("chapters", []))]


def is_notebook(source):
    """Whether a page's MyST source is an executable notebook: its front matter names a kernel."""
    text = Path(source).read_text()
    return text.startswith("---\n") and "\nkernelspec:" in text.split("\n---", 1)[0]


def sources(book=ROOT):
    """The MyST files of the pages that are executed notebooks, in reading order."""
    return [Path(book) / f"{page}.md" for page in pages(book) if is_notebook(Path(book) / f"{page}.md")]


def chapters(book=ROOT):
    """The same pages by file name without suffix ("01-autograd"), as the tests and reports name them."""
    return [source.stem for source in sources(book)]
