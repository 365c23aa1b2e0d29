"""The build report page, written by the build itself: myst-nb's execution statistics, one row per chapter; the
versions that built the book; and the latest compatibility check (make compat), only where one ran."""

import importlib.metadata
import json
import platform

import pytest
from bs4 import BeautifulSoup

from book import CHAPTERS, HTML, ROOT, make, output
from booktools import compat
from booktools.execution import locked

COMPAT = ROOT / "_build" / "compat" / "compat.json"


def report_page():
    return BeautifulSoup((HTML / "build-report.html").read_text(), "html.parser")


def tables(html):
    """Each table by its header row: {header: rows}, every row a tuple of its cells' text."""
    found = {}
    for table in html.select("table"):
        header, *rows = [
            tuple(cell.get_text(strip=True) for cell in row.select("th, td")) for row in table.select("tr")
        ]
        found[header] = rows
    return found


def test_the_report_lists_every_chapter_with_its_run_time_and_success(book):
    rows = tables(report_page())[("Document", "Modified", "Method", "Run Time (s)", "Status")]
    report = {document.removeprefix("chapters/"): (seconds, status) for document, _, _, seconds, status in rows}
    assert sorted(report) == CHAPTERS
    assert all(float(seconds) > 0 and status == "✅" for seconds, status in report.values())


def test_the_report_names_the_versions_that_built_the_book(book):
    page = report_page()
    direct = locked(ROOT / "requirements.in")
    assert dict(tables(page)[("package", "version")]) == {name: importlib.metadata.version(name) for name in direct}
    text = page.select_one("section#versions").get_text(" ", strip=True)
    assert f"Python {platform.python_version()} " in text
    assert f"the other {len(locked(ROOT / 'requirements.txt')) - len(direct)} come from the book’s lock" in text


@pytest.fixture
def compat_report_kept(book):
    """The compatibility report this folder had, or its absence, put back afterwards (the page built again)."""
    kept = COMPAT.read_bytes() if COMPAT.exists() else None
    yield
    if (COMPAT.read_bytes() if COMPAT.exists() else None) != kept:
        COMPAT.unlink(missing_ok=True) if kept is None else COMPAT.write_bytes(kept)
        assert make("book").returncode == 0


def compatibility_section():
    return report_page().select_one("section#compatibility")


def test_the_report_shows_a_compatibility_check_where_one_ran_and_never_otherwise(compat_report_kept):
    COMPAT.parent.mkdir(parents=True, exist_ok=True)
    COMPAT.write_text("{not a report")
    broken = make("book")
    assert broken.returncode != 0 and f"{COMPAT} is not a report of `make compat`" in output(broken)

    # A check as `make compat` makes one, on the book's own environment only (the others are GBs of downloads).
    chapter = ROOT / "chapters" / f"{CHAPTERS[1]}.ipynb"
    report = compat.check([chapter], {})
    COMPAT.write_text(json.dumps(report))
    build = make("book")
    assert build.returncode == 0, output(build)[-3000:]
    section = compatibility_section()
    assert f"On {report['date']} (commit {report['commit']})" in section.get_text()
    (header, rows), *others = tables(section).items()
    assert header[0] == "chapter" and rows == [(CHAPTERS[1], "runs")] and not others

    COMPAT.unlink()
    build = make("book")
    assert build.returncode == 0, output(build)[-3000:]
    section = compatibility_section()
    assert "No compatibility check ran for this build." in section.get_text(" ", strip=True)
    assert not section.select("table") and report["date"] not in section.get_text()
