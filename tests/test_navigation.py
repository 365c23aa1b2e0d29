"""Every page's navigation follows _toc.yml (booktools.navigation): a chapter added to it appears in every older
page's sidebar and next/previous links after an ordinary build, with no clean build; and its launch links open its
notebook as soon as `make notebooks` wrote it (booktools.live_code)."""

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
        assert "03-added-later.html" in navigation(book, chapter)[0], chapter
    assert navigation(book, "small-too")[1] == "03-added-later.html"


def test_a_chapters_launch_links_open_its_notebook_once_make_notebooks_wrote_it(grown_book):
    book, _logs = grown_book  # the third build: only the added chapter's notebook is new
    page = BeautifulSoup((book / "_build" / "html" / "chapters" / "03-added-later.html").read_text(), "html.parser")
    launch = {a.get_text(strip=True): a["href"] for a in page.select(".dropdown-launch-buttons a[href]")}
    assert all(launch[name].endswith("chapters/03-added-later.ipynb") for name in ("Binder", "Colab")), launch
