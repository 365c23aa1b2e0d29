"""The benchmark's baseline: each chapter run top to bottom by nbclient alone in a fresh kernel of the book's
environment, with the book's cell timeout. That is the build's own work without Sphinx or the cache, so the build's
time over this one is what the build itself costs.
"""

import jupytext
import nbclient
import yaml
from traitlets.config import Config

from booktools import ROOT, toc
from booktools.execution import KERNELS
from booktools.stopwatch import timed


def execute(chapter):
    """Run a chapter as the build runs it, without Sphinx or the cache; return the executed notebook."""
    notebook = jupytext.read(ROOT / "chapters" / f"{chapter}.md")
    timeout = yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]["timeout"]
    nbclient.NotebookClient(
        notebook,
        kernel_name=notebook.metadata.kernelspec.name,
        timeout=timeout,
        resources={"metadata": {"path": str(ROOT / "chapters")}},
        config=Config(KERNELS),
    ).execute()
    return notebook


def baseline():
    """{chapter: seconds} for every chapter run this way, one after another, in reading order."""
    return {chapter: timed(execute, chapter)[0] for chapter in toc.chapters()}
