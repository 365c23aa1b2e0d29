"""The build report page, written by the build itself: myst-nb's execution statistics, one row per chapter; the
versions that built the book; and the latest compatibility check (make compat), only where one ran."""

import datetime
import importlib.metadata
import json
import platform
import shutil

import pytest
from bs4 import BeautifulSoup

from book import CHAPTERS, ROOT
from booktools import compat
from booktools.locks import locked
from booktools.make_book import copy_of_book, executed, make, output


def report_page(book=ROOT):
    return BeautifulSoup((book / "_build" / "html" / "chapters" / "build-report.html").read_text(), "html.parser")


def compatibility_section(book):
    return report_page(book).select_one("section#compatibility")


def tables(html):
    """Each table by its header row: {header: rows}, every row a tuple of its cells' text."""
    found = {}
    for table in html.select("table"):
        header, *rows = [
            tuple(cell.get_text(strip=True) for cell in row.select("th, td")) for row in table.select("tr")
        ]
        found[header] = rows
    return found


HEADER = ("Document", "Executed", "Outputs from", "Run Time (s)", "Status")


def runs(book=ROOT):
    """The report's table of chapter runs: {chapter: (executed, outputs from, seconds, status)}."""
    return {document.removeprefix("chapters/"): rest for document, *rest in tables(report_page(book))[HEADER]}


def test_the_report_lists_every_chapter_with_its_run_time_and_success(book):
    report = runs()
    assert sorted(report) == CHAPTERS
    assert all(float(seconds) > 0 and status == "✅" for _, _, seconds, status in report.values())


def test_the_report_says_which_chapters_this_build_executed_and_when(copy):
    # One chapter's code changed in the copy: this build executes it and takes the others from the cache.
    chapter = copy / "chapters" / f"{CHAPTERS[1]}.md"
    chapter.write_text(chapter.read_text() + "\n```{code-cell} ipython3\n1 + 1\n```\n")
    started = datetime.datetime.now().replace(second=0, microsecond=0)
    build = make("book", f"BOOK={copy}")
    assert build.returncode == 0, output(build)[-3000:]
    assert executed(build) == [CHAPTERS[1]]
    report = runs(copy)
    assert {name: source for name, (_, source, _, _) in report.items()} == {
        name: "this build" if name == CHAPTERS[1] else "the cache" for name in CHAPTERS
    }
    # When: the minute of this build for the chapter it executed (the others' minutes are an earlier build's).
    assert datetime.datetime.strptime(report[CHAPTERS[1]][0], "%Y-%m-%d %H:%M") >= started


def test_the_report_names_the_versions_that_built_the_book(book):
    page = report_page()
    direct = locked(ROOT / "requirements.in")
    assert dict(tables(page)[("package", "version")]) == {name: importlib.metadata.version(name) for name in direct}
    text = page.select_one("section#versions").get_text(" ", strip=True)
    assert f"Python {platform.python_version()} " in text
    assert f"the other {len(locked(ROOT / 'requirements.txt')) - len(direct)} come from the book’s lock" in text


@pytest.fixture
def copy(book, tmp_path):
    """A copy of the book that starts from the main build's cache (no chapter runs again): the compatibility report is
    written into its own _build, not under the pages that other tests read at the same time."""
    folder = copy_of_book(tmp_path / "book")
    shutil.copytree(book / ".jupyter_cache", folder / "_build" / ".jupyter_cache")
    return folder


def test_the_report_shows_a_compatibility_check_where_one_ran_and_never_otherwise(copy):
    report_file = copy / "_build" / "compat" / "compat.json"
    report_file.parent.mkdir(parents=True)
    report_file.write_text("{not a report")
    broken = make("book", f"BOOK={copy}")
    assert broken.returncode != 0 and f"{report_file} is not a report of `make compat`" in output(broken)

    # A check as `make compat` makes one, on the book's own environment only (the others are GBs of downloads).
    chapter = ROOT / "chapters" / f"{CHAPTERS[1]}.ipynb"
    report = compat.check([chapter], {})
    report_file.write_text(json.dumps(report))
    build = make("book", f"BOOK={copy}")
    assert build.returncode == 0, output(build)[-3000:]
    assert executed(build) == []
    section = compatibility_section(copy)
    assert f"On {report['date']} (commit {report['commit']})" in section.get_text()
    (header, rows), *others = tables(section).items()
    assert header[0] == "chapter" and rows == [(CHAPTERS[1], "runs")] and not others

    report_file.unlink()
    build = make("book", f"BOOK={copy}")
    assert build.returncode == 0, output(build)[-3000:]
    section = compatibility_section(copy)
    assert "No compatibility check ran for this build." in section.get_text(" ", strip=True)
    assert not section.select("table") and report["date"] not in section.get_text()
