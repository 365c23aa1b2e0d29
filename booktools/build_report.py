"""The build report page's own sections: how each chapter's outputs were made, which versions built the book, and
the latest compatibility check.

- {chapter-runs}: myst-nb's table of every chapter's execution (its nb-exec-table), saying for each whether this
  build executed it or took it from the cache, and when it was executed. myst-nb's own table reads "cache" for both,
  since this book always reads its chapters from the cache (booktools/execution.py runs them into it first).
- {build-environment}: the Python and each direct dependency (requirements.in) as installed for this build, and the
  lock every other package came from.
- {compatibility-check}: _build/compat/compat.json (`make compat`), with its date, commit and a row per chapter; with
  no such file, a sentence saying that no check ran. Sphinx reads the page again whenever that file changes, appears
  or is missing.
"""

import importlib.metadata
import json
import platform
import time
from pathlib import Path

from docutils import nodes
from myst_nb.ext.execution_tables import METADATA_KEY, make_stat_table
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from booktools.compat import table
from booktools.locks import locked

# When this build started: a chapter executed after it was executed by this build.
STARTED = time.time()
# myst-nb's column headers, and ours: its "Method" is the same for a fresh run and a cache hit.
HEADERS = {"Modified": "Executed", "Method": "Outputs from"}


def setup(app):
    app.add_directive("build-environment", BuildEnvironment)
    app.add_directive("compatibility-check", CompatibilityCheck)
    app.add_node(ChapterRuns)
    app.add_directive("chapter-runs", ChapterRunsTable)
    app.add_post_transform(ChapterRunsPostTransform)


class ChapterRuns(nodes.General, nodes.Element):
    """Where the table of chapter runs goes, filled in once every chapter has been read."""


class ChapterRunsTable(SphinxDirective):
    def run(self):
        # Marked as myst-nb marks its own table, so that a chapter executed again rewrites this page too.
        NbMetadataCollector.set_doc_data(self.env, self.env.docname, METADATA_KEY, True)
        return [ChapterRuns()]


class ChapterRunsPostTransform(SphinxPostTransform):
    default_priority = 8  # as myst-nb's own table: before the chapters' links are resolved

    def run(self, **kwargs):
        for node in self.document.findall(ChapterRuns):
            node.replace_self(chapter_runs_table(self.env.docname, NbMetadataCollector.get_doc_data(self.env)))


def chapter_runs_table(docname, metadata):
    """myst-nb's table, each chapter's method saying whether this build executed it, with our column headers."""
    runs = {}
    for name, data in metadata.items():
        execution = data.get("exec_data")
        if execution:
            fresh = (execution["mtime"] or 0) >= STARTED
            runs[name] = {"exec_data": {**execution, "method": "this build" if fresh else "the cache"}}
    table = make_stat_table(docname, runs)
    for text in table.next_node(nodes.thead).findall(nodes.Text):
        if text.astext() in HEADERS:
            text.parent.replace(text, nodes.Text(HEADERS[text.astext()]))
    return table


class BuildEnvironment(SphinxDirective):
    def run(self):
        return self.parse_text_to_nodes(environment_text(Path(self.env.srcdir)))


class CompatibilityCheck(SphinxDirective):
    def run(self):
        path = Path(self.env.app.outdir).parent / "compat" / "compat.json"
        self.env.note_dependency(str(path))
        try:
            report = json.loads(path.read_text()) if path.exists() else None
            return self.parse_text_to_nodes(compatibility_text(report))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            message = f"{path} is not a report of `make compat` ({error!r}): run it again, or delete the file"
            raise ExtensionError(message) from error


def installed(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def environment_text(book):
    """Markdown: Python, then each direct dependency at its installed version (and the lock's, where they differ)."""
    lock = locked(book / "requirements.txt") if (book / "requirements.txt").exists() else {}
    direct = locked(book / "requirements.in") if (book / "requirements.in").exists() else {}
    rows = []
    for name in direct:
        pinned = lock.get(name, ("",))[0].removeprefix("==")
        version = installed(name)
        rows.append(f"| {name} | {version}{'' if version == pinned else f' (the lock says {pinned or None})'} |")
    return "\n".join(
        [
            f"This edition was built with Python {platform.python_version()} and these packages, the ones the book "
            f"names directly; the other {len(lock) - len(direct)} come from the book's lock, `requirements.txt`, each "
            "at one version with the hashes of its files.",
            "",
            "| package | version |",
            "|---|---|",
            *rows,
        ]
    )


def compatibility_text(report):
    """Markdown: the compatibility check's date, what it ran on and a row per chapter; or that none ran."""
    if report is None:
        return (
            "No compatibility check ran for this build. `make compat` (weekly on GitHub) runs every chapter's notebook "
            "on the newest PyTorch release and on Colab's packages, and says here which chapters still run there and "
            "which outputs differ from this book's."
        )
    others = list(report["environments"])[1:]
    commit = f" (commit `{report['commit']}`)" if report.get("commit") else ""
    return "\n".join(
        [
            f"On {report['date']}{commit}, the compatibility check (`make compat`) ran every "
            f"chapter's notebook top to bottom on the book's lock and on: {', '.join(others) or 'nothing else'}. "
            "*Same outputs* means that every code cell printed what it printed on the book's lock (memory addresses "
            "aside) and drew the same pixels.",
            "",
            table(report),
        ]
    )
