"""Every page's navigation follows _toc.yml (booktools.navigation): a chapter added to it appears in every older
page's sidebar and next/previous links after an ordinary build, with no clean build."""

from bs4 import BeautifulSoup

from book import ROOT
from booktools.make_book import copy_of_book, make, output, write_toc

FIXTURES = ROOT / "tests" / "fixtures" / "chapters"


def navigation(book, chapter):
    """The pages a built chapter's sidebar links to, and its next page."""
    page = BeautifulSoup((book / "_build" / "html" / "chapters" / f"{chapter}.html").read_text(), "html.parser")
    sidebar = {a["href"] for a in page.select("nav.bd-docs-nav a[href]")}
    following = page.select_one("a.right-next")
    return sidebar, following["href"] if following else None


def test_a_chapter_added_to_the_toc_is_in_every_older_pages_navigation(tmp_path):
    book = copy_of_book(tmp_path / "book", [FIXTURES / "small.md", FIXTURES / "small-too.md"])
    first = make("book", f"BOOK={book}")
    assert first.returncode == 0, output(first)[-3000:]
    assert navigation(book, "small-too") == ({"small.html", "#"}, None)
    (book / "chapters" / "added-later.md").write_text((FIXTURES / "added-later.md").read_text())
    write_toc(book, ["small", "small-too", "added-later"])
    second = make("book", f"BOOK={book}")
    assert second.returncode == 0, output(second)[-3000:]
    for chapter in ["small", "small-too"]:
        assert "added-later.html" in navigation(book, chapter)[0], chapter
    assert navigation(book, "small-too")[1] == "added-later.html"
