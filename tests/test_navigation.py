"""Every page's navigation follows _toc.yml (booktools.navigation): a chapter added to it appears in every older
page's sidebar and next/previous links after an ordinary build, with no clean build."""

from bs4 import BeautifulSoup


def navigation(book, chapter):
    """The pages a built chapter's sidebar links to, and its next page."""
    page = BeautifulSoup((book / "_build" / "html" / "chapters" / f"{chapter}.html").read_text(), "html.parser")
    sidebar = {a["href"] for a in page.select("nav.bd-docs-nav a[href]")}
    following = page.select_one("a.right-next")
    return sidebar, following["href"] if following else None


def test_a_chapter_added_to_the_toc_is_in_every_older_pages_navigation(grown_book):
    book, _logs = grown_book  # two chapters built, then a third added to _toc.yml and built again
    for chapter in ["small", "small-too"]:
        assert "added-later.html" in navigation(book, chapter)[0], chapter
    assert navigation(book, "small-too")[1] == "added-later.html"
