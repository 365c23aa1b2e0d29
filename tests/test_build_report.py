"""The build report page: myst-nb's execution statistics, one row per chapter, written by the build itself."""

from book import CHAPTERS, HTML
from bs4 import BeautifulSoup


def test_the_report_lists_every_chapter_with_its_run_time_and_success(book):
    html = BeautifulSoup((HTML / "build-report.html").read_text(), "html.parser")
    header, *rows = [[cell.get_text(strip=True) for cell in row.select("th, td")] for row in html.select("table tr")]
    assert header == ["Document", "Modified", "Method", "Run Time (s)", "Status"]
    report = {document.removeprefix("chapters/"): (seconds, status) for document, _, _, seconds, status in rows}
    assert sorted(report) == CHAPTERS
    assert all(float(seconds) > 0 and status == "✅" for seconds, status in report.values())
