"""The published site in Chromium, served as a static host serves it: every page loads from the site alone, shows its
outputs and passes axe-core, and every chapter links to Binder and Colab notebooks that exist in the repository."""

import json
import re
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest

from book import (
    CHAPTERS,
    CONFIG,
    HTML,
    PAGES,
    ROOT,
    SIDEBAR_DIALOG_BELOW,
    VISIBLE,
    assert_nothing_serious,
    page,
    record_status,
    toggle_sidebar,
    until,
    watch,
)
from booktools.browser import launch
from booktools.live_page import WAIT, press_live_code
from booktools.page_weight import page_weight

REPOSITORY = urlsplit(CONFIG["repository"]["url"]).path.strip("/")  # org/name
BRANCH = CONFIG["repository"]["branch"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_page_loads_from_the_site_alone_shows_its_outputs_and_axe_finds_nothing_serious(new_page, site, name, mode):
    page = new_page(color_scheme=mode)
    problems = watch(page)
    page.goto(f"{site}/{name}", wait_until="networkidle")
    assert problems == []
    assert page.evaluate("document.documentElement.dataset.theme") == mode
    # Outputs and figures, except those of the solutions folded away behind "Show solution". Each check is one call
    # for all the page's elements: with a trace kept, every call also copies the page.
    hidden = f"elements => elements.filter(element => !({VISIBLE})(element)).length"
    outputs = page.locator("div.cell:not(.tag_hide-cell) div.cell_output")
    assert outputs.evaluate_all(hidden) == 0
    figures = page.locator("div.cell_output img")
    unseen = """async figures => {
        const unseen = [];
        for (const figure of figures) {
            figure.scrollIntoView();  // figures load as they come into view
            if (!await figure.decode().then(() => figure.naturalWidth > 0, () => false)) unseen.push(figure.src);
        }
        return unseen;
    }"""
    assert figures.evaluate_all(unseen) == []
    # Math is typeset when the book is built: each formula an SVG in the text's colour, with MathML for screen readers.
    math = page.locator("div.math, span.math")
    assert (
        page.locator(".math > mjx-container > svg[aria-hidden=true] + mjx-assistive-mml > math").count() == math.count()
    )
    assert math.locator("svg").evaluate_all(hidden) == 0
    assert_nothing_serious(page)


@pytest.fixture(scope="module")
def readers_browser(playwright):
    """The full Chromium, not the tests' headless shell: how much a first visit downloads depends on how far ahead of
    the view the browser loads lazy images, 1250 px in Chromium (as in Chrome), about twice that in the shell."""
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_first_visit_to_a_chapter_downloads_at_most_300_kb(readers_browser, site, chapter):
    def new_context():  # closed by page_weight
        context = readers_browser.new_context()
        context.set_default_timeout(WAIT)
        return context

    weight = page_weight(new_context, f"{site}/chapters/{chapter}.html")
    assert weight["served"]["total"] <= 300_000, weight["requests"]
    # Neither the theme's icon script nor a math one; live code's thebe comes only when asked for.
    assert [url for url in weight["requests"] if re.search(r"fontawesome|mathjax|thebe", url, re.I)] == []


@pytest.mark.parametrize("width", [390, 1366], ids=["phone", "desktop"])
def test_the_sidebar_buttons_open_the_navigation_on_a_phone_and_hide_it_on_a_desktop(new_page, site, width):
    page = new_page(viewport={"width": width, "height": 844})
    page.goto(f"{site}/chapters/01-autograd.html")
    toggle_sidebar(page)
    if width < SIDEBAR_DIALOG_BELOW:  # the sidebar is a dialog, and so are the contents
        page.locator("#pst-primary-sidebar-modal[open] a", has_text="Gradient descent").first.wait_for()
        page.keyboard.press("Escape")
        page.locator("button.secondary-toggle:visible").click()
        page.locator("#pst-secondary-sidebar-modal[open] a", has_text="What a tensor is").wait_for()
    else:
        page.locator("#pst-primary-sidebar").wait_for(state="hidden")
        page.locator("button.primary-toggle:visible").click()
        page.locator("#pst-primary-sidebar").wait_for(state="visible")


@pytest.mark.parametrize("width", [390, 1366], ids=["phone", "desktop"])
def test_a_page_offers_one_way_to_search(new_page, site, width):
    page = new_page(viewport={"width": width, "height": 844})
    page.goto(f"{site}/chapters/01-autograd.html")
    searches = page.get_by_role("button", name=re.compile("^Search"))
    assert searches.evaluate_all(f"elements => elements.filter({VISIBLE}).length") == 1


COLOURS = "() => [document.documentElement.dataset.theme, getComputedStyle(document.body).backgroundColor]"


@pytest.mark.parametrize(
    "scheme, chosen", [("light", None), ("dark", None), ("dark", "light"), ("light", "dark")], ids=str
)
def test_the_first_paint_has_the_colours_the_theme_ends_with(new_context, site, scheme, chosen):
    """The reader's system colour scheme, and the mode they chose with the theme's switch on an earlier visit, if
    any; a context of its own for each page, as the theme's script saves what it resolved for the next page."""

    def load(hold_back_the_themes_script):
        context = new_context(color_scheme=scheme)
        if chosen:
            context.add_init_script(f"localStorage.setItem('mode', '{chosen}')")
        page = context.new_page()
        if hold_back_the_themes_script:  # as it is until the page has loaded: the head alone has set the colours
            page.route("**/pydata-sphinx-theme.js*", lambda route: route.abort())
        page.goto(f"{site}/chapters/01-autograd.html")
        return page.evaluate(COLOURS)

    first, shown = load(True), load(False)
    assert first == shown
    assert shown[0] == (chosen or scheme)


def menu(html, name):
    """A header menu's links, by their text."""
    return {a.get_text(" ", strip=True): a["href"] for a in html.select(f".dropdown-{name}-buttons a")}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_binder_and_colab_open_the_chapters_notebook_in_the_repository(book, chapter):
    notebook = f"chapters/{chapter}.ipynb"
    html = page(chapter)
    links, downloads = menu(html, "launch"), menu(html, "download")
    if not html.select("div.cell"):
        assert links == {}, "a page without code offers nothing to run"
        assert not (ROOT / notebook).exists(), "a page without code has no notebook"
        return
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", notebook], cwd=ROOT, capture_output=True)
    assert tracked.returncode == 0, f"{notebook} is not in the repository: run `make notebooks` and commit it"
    binder = urlsplit(links["Binder"])
    assert (binder.scheme, binder.netloc, binder.path) == ("https", "mybinder.org", f"/v2/gh/{REPOSITORY}/{BRANCH}")
    assert parse_qs(binder.query) == {"urlpath": [f"lab/tree/{notebook}"]}
    assert links["Colab"] == f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{notebook}"
    # The download menu gives the same notebook (with the page's outputs: test_notebooks), and the chapter's source.
    downloaded, committed = (
        json.loads(path.read_text())["cells"] for path in (HTML / downloads[".ipynb"], ROOT / notebook)
    )
    assert [cell["source"] for cell in downloaded] == [cell["source"] for cell in committed]
    assert (HTML / downloads[".md"]).read_bytes() == (ROOT / "chapters" / f"{chapter}.md").read_bytes()


def test_live_code_on_the_published_site_starts_binder_for_this_repository(page, site):
    asked = []
    # No network here: note what Binder was asked for, and answer as an unreachable Binder would.
    page.route("https://mybinder.org/**", lambda route: (asked.append(route.request.url), route.abort()))
    record_status(page)  # every message of the status line, also one that a refused Binder replaces at once
    page.goto(f"{site}/chapters/01-autograd.html")
    press_live_code(page)
    # Up to a minute: thebe loads first, on a busy machine.
    until(lambda: asked, "Binder was never asked", seconds=60, wait=lambda s: page.wait_for_timeout(1000 * s))
    assert asked[0].startswith(f"https://mybinder.org/build/gh/{REPOSITORY}/{BRANCH}")
    assert any("Binder" in said for said in page.evaluate("window.said"))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_glyph_a_formula_uses_is_defined_on_its_page_inside_an_svg(book, chapter):
    """Math is SVG that refers to its glyphs, written once per page: a glyph missing, or defined outside an <svg>
    (where a browser does not see it as SVG), leaves the formula blank."""
    html = page(chapter)
    for use in html.select("mjx-container use"):
        glyph = html.find(id=use["xlink:href"].removeprefix("#"))
        assert glyph is not None and glyph.find_parent("svg") is not None, use["xlink:href"]
