"""Lean pages (booktools.lean_pages): written by the build with their scripts deferred, figures lazy and no
fontawesome.js, through edited copies of the theme's templates that stop the build when the theme changes."""

import io
import json
import shutil
import types
from urllib.parse import urlsplit

import numpy
import pytest
import yaml
from PIL import Image, ImageDraw
from sphinx.errors import ExtensionError

from book import CHAPTERS, PAGES, once, page, toggle_sidebar
from booktools import theme_templates
from booktools.live_page import WAIT, kernel_output, live_cell, run_button, start_live_code
from booktools.make_book import copy_of_book, executed, make, output
from booktools.static_host import serving


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_only_styles_hold_up_a_chapters_first_paint(book, chapter):
    html = page(chapter)
    # documentation_options.js may block: the inline scripts after it set its values. A module script (Live Code's)
    # is deferred without the attribute.
    blocking = [
        script["src"]
        for script in html.head.select("script[src]")
        if not script.has_attr("defer") and not script.has_attr("async") and script.get("type") != "module"
    ]
    assert [src for src in blocking if "documentation_options.js" not in src] == []
    assert all(figure.get("loading") == "lazy" for figure in html.select("div.cell_output img"))


@pytest.mark.parametrize("template", sorted({name for name, *_ in theme_templates.THEME_EDITS}))
def test_a_theme_template_that_changed_stops_the_build_and_says_which(template, tmp_path, monkeypatch):
    # The theme as an update might ship it: the tag that an edit removes or changes is gone.
    theme = tmp_path / "theme"
    for name, *_ in theme_templates.THEME_EDITS:
        (theme / name).parent.mkdir(parents=True, exist_ok=True)
        (theme / name).write_text(theme_templates.template(name).read_text())
    changed = (theme / template).read_text().replace("<script", "<script type=module").replace("<button", "<a")
    changed = changed.replace("<img", "<img decoding=async").replace("{% from", "{%- from")
    (theme / template).write_text(changed)
    monkeypatch.setattr(theme_templates, "THEME", theme)
    app = types.SimpleNamespace(doctreedir=str(tmp_path / "_build" / ".doctrees"))
    config = types.SimpleNamespace(templates_path=[])
    with pytest.raises(ExtensionError, match=f"The theme's {template} changed"):
        theme_templates.edited_theme_templates(app, config)


def test_the_theme_as_installed_takes_every_edit(tmp_path):
    app = types.SimpleNamespace(doctreedir=str(tmp_path / "_build" / ".doctrees"))
    config = types.SimpleNamespace(templates_path=["assets/templates"])
    theme_templates.edited_theme_templates(app, config)
    written = tmp_path / "_build" / "theme-templates"
    assert config.templates_path == [str(written), "assets/templates"]
    # What each edit takes out is gone from the copy the build uses. (Whether a reader downloads fontawesome.js at all:
    # test_site's page weights.)
    assert "fontawesome" not in (written / "static" / "webpack-macros.html").read_text()
    assert "searchindex.js" not in (written / "pydata_sphinx_theme" / "layout.html").read_text()
    assert "sidebar-toggle" not in (written / "sections" / "header.html").read_text()
    assert '"../macros/' not in (written / "article-header-buttons.html").read_text()
    assert '<img loading="lazy"' in (written / "macros" / "buttons.html").read_text()


# --- Nothing visible changed: the lean site and the same book with its stylesheets and scripts as shipped ------------

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}
# A pixel differs when a colour channel moved by more than this (of 255); a screenshot may have this share of them.
PIXEL, SHARE = 16, 0.0005
# CodeMirror's cursor blinks on a timer of its own.
# The build report's "Outputs from" column says which build ran each chapter: the stock build takes them all from the
# cache, a first build runs them itself. The rest of the page is compared as it is.
STILL = """.CodeMirror-cursors { visibility: hidden !important; }
#build-report .table td:nth-child(3) { visibility: hidden !important; }"""


@pytest.fixture(scope="session")
def stock(book, shared):
    """The book built again with `lean_assets: false`, from the same cache (so with the same outputs), once for all
    workers."""

    def build(done):
        folder = copy_of_book(done.with_name("stock"))
        config = yaml.safe_load((folder / "_config.yml").read_text())
        config["sphinx"]["config"]["lean_assets"] = False
        (folder / "_config.yml").write_text(yaml.safe_dump(config))
        shutil.copytree(book / ".jupyter_cache", folder / "_build" / ".jupyter_cache")
        run = make("book", f"BOOK={folder}")
        done.write_text(json.dumps({"returncode": run.returncode, "log": output(run)[-3000:], "ran": executed(run)}))

    result = json.loads(once(shared, "stock.json", build).read_text())
    assert result["returncode"] == 0, result["log"]
    assert result["ran"] == []
    site = shared / "stock" / "_build" / "html"
    assert (site / "_static" / "styles" / "pydata-sphinx-theme.css").stat().st_size > 300_000  # as shipped
    return site


@pytest.fixture(scope="session")
def stock_site(stock):
    """The stock build served as the book is (conftest's site), on a port of its own."""
    with serving(stock) as address:
        yield address


@pytest.fixture(scope="session")
def tabs(browser):
    """tabs(origin, mode, viewport): this worker's one page for each served site, colour scheme and width, which every
    screenshot without live code takes to its page. A new page costs more than loading a chapter into an open one,
    and some 110 screenshots load one each. Each has a context of its own, closed when the session ends: with the
    two sites' pages in one context, this file took 107 s instead of 95. No kernel starts on these pages: a static
    host's live-code.json names no kernel server (only `make live` serves one)."""
    opened = {}

    def tab(origin, mode, viewport):
        key = (origin, mode, viewport["width"])
        if key not in opened:
            context = browser.new_context(color_scheme=mode, viewport=viewport, reduced_motion="reduce")
            context.set_default_timeout(WAIT)  # as the tests' own contexts wait (conftest.py)
            opened[key] = context.new_page()
        return opened[key]

    yield tab
    for each in opened.values():
        each.context.close()


@pytest.fixture(scope="session")
def ran_live_cells(browser, live):
    """ran_live_cells(folder, mode, viewport): this worker's one page of `make live` for each build (live_tab) and
    width, in which the chapter's live cells ran, shown in the colour scheme asked for. Each page runs them once for
    both schemes: a run costs a kernel, whose import of torch alone takes one or two seconds of CPU, and a page switched
    to dark looks as one loaded dark does (checked, both builds and widths: the same PNG, or within the comparison's
    tolerance). A page switched to another width did not: its editors measure their lines again a moment later, and
    the page moves under them. Its kernel stops with the page, when the session ends."""
    opened = {}

    def show(folder, mode, viewport):
        key = (folder, viewport["width"])
        if key not in opened:
            context = browser.new_context(viewport=viewport, reduced_motion="reduce")
            context.set_default_timeout(WAIT)  # as the tests' own contexts wait (conftest.py)
            live.sign_in(context)
            opened[key] = run_live_cells(load(live_tab(context.new_page(), folder, live), CHAPTER, live.url))
        opened[key].emulate_media(color_scheme=mode)
        return opened[key]

    yield show
    for each in opened.values():
        each.close(run_before_unload=True)  # live-code.js shuts the page's kernel down as it goes
        each.context.close()


def live_tab(page, folder, live):
    """page, as a page of `make live` that loads the stylesheets, scripts and images of the built site in folder: the
    pages themselves and the kernel's address come from `make live` (Chromium lets a page reach the kernel server on
    127.0.0.1 only if the page came from there too); the pages of the two builds differ only in what no reader sees
    (?v= checksums, the Colab links of a copy without notebooks)."""

    def answer(route):
        path = urlsplit(route.request.url).path.lstrip("/")
        if route.request.is_navigation_request() or path.endswith("_static/live-code.json"):
            return route.continue_()
        route.fulfill(path=folder / path) if (folder / path).is_file() else route.fulfill(status=404)

    page.route(f"{live.url}/**", answer)
    return page


def load(page, name, origin):
    """Load a page of the site into page, with every figure decoded, as a fresh page shows it: scrolled to the top,
    the mouse over nothing."""
    page.mouse.move(-1, -1)
    errors = []

    def failed(error):
        errors.append(error)

    page.on("pageerror", failed)
    # Loaded, not idle: what a page fetches after its load event is live code's (not shown here but in run_live_cells,
    # which waits for it), and waiting out half a second of quiet for each of some 130 pages is a minute of the suite.
    page.goto("about:blank")  # a new document: the same address again would be a reload, which keeps the scroll
    page.goto(f"{origin}/{name}", wait_until="load")
    page.remove_listener("pageerror", failed)
    assert errors == []
    page.evaluate("""() => Promise.all([document.fonts.ready, ...[...document.images].map(image => {
        image.loading = "eager";
        return image.decode().catch(() => null);
    })])""")
    return page


def open_sidebar_or_close_it(page):
    toggle_sidebar(page)
    # Away from the button, whose tooltip would otherwise show or not depending on when the screenshot is taken.
    page.mouse.move(0, page.viewport_size["height"] - 1)
    page.locator(".tooltip").wait_for(state="detached")


def open_search(page):
    page.keyboard.press("Control+k")
    page.locator("#pst-search-dialog[open]").wait_for()


def open_launch_menu(page):
    page.get_by_role("button", name="Launch interactive content").click()
    menu = page.locator(".dropdown-launch-buttons .dropdown-menu.show")
    menu.wait_for()
    menu.locator("img").evaluate_all("images => Promise.all(images.map(image => image.decode()))")


def show_a_tooltip(page):
    page.locator("button.theme-switch-button:visible").first.hover()
    page.locator(".tooltip.show").wait_for()


def open_a_solution(page):
    solution = page.locator("details.hide").first
    solution.locator("summary").click()
    solution.scroll_into_view_if_needed()


def run_live_cells(page):
    """Run the cells up to the chapter's variables, and show the last one."""
    start_live_code(page)
    cell = live_cell(page, "var_1 = torch.tensor(3.0")
    run_button(cell).click()  # the cells above it run first
    kernel_output(cell).filter(has_text="tensor(3.").wait_for()
    # Done, not just answered: every Run button reads "Run" again (not "Running…" or "Waiting…").
    page.wait_for_function("""() => [...document.querySelectorAll('button[aria-label^="Run cell"]')]
        .every(button => button.textContent === "Run")""")
    # thebe hides a cell's busy spinner 200 ms after its run.
    page.wait_for_function("[...document.querySelectorAll('.thebe-busy')].every(busy => busy.style.display == 'none')")
    cell.scroll_into_view_if_needed()
    return page


CHAPTER = "chapters/01-autograd.html"
STATES = [open_sidebar_or_close_it, open_search, open_launch_menu, show_a_tooltip, open_a_solution, run_live_cells]


def smoothed(image, other):
    """Where a pixel of image lies, in every colour channel, between the darkest and the brightest of the pixel and its
    8 neighbours in other: text and curves antialiased a little differently, as Chromium sometimes rasterizes them
    (seen once under load: 169 pixels of one word, 5 over the share). A line or a ring drawn in one image and not in
    the other has no such neighbours in the other, and still counts: a pixel is excused only both ways round."""
    padded = numpy.pad(other, ((1, 1), (1, 1), (0, 0)), mode="edge")
    around = numpy.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(0, 1))
    return ((around.min(axis=(3, 4)) - PIXEL <= image) & (image <= around.max(axis=(3, 4)) + PIXEL)).all(axis=2)


def assert_looks_the_same(before, after, folder):
    """At most SHARE of the pixels of two PNG screenshots differ; where more do, both and their difference are saved
    in folder (only then: encoding a long page's PNG takes longer than comparing it)."""
    if before == after:  # the same PNG bytes, the same pixels: most pairs, and decoding them is most of the work
        return
    images = [numpy.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=numpy.int16) for png in (before, after)]
    total = images[0].shape[0] * images[0].shape[1]
    if images[0].shape == images[1].shape:
        moved = (numpy.abs(images[0] - images[1]) > PIXEL).any(axis=2)
        moved &= ~(smoothed(*images) & smoothed(*reversed(images)))  # each within the other's neighbourhood
        differing = int(moved.sum())
    else:
        moved, differing = None, total
    if differing > SHARE * total:
        for name, png in (("before", before), ("after", after)):
            (folder / f"{name}.png").write_bytes(png)
        if moved is not None:
            Image.fromarray(moved).save(folder / "difference.png")
    assert differing <= SHARE * total, f"{differing} of {total} pixels differ: see {folder}"


# PurgeCSS keeps a rule by its selectors, at any width: each page is seen in both colour schemes and at both widths,
# not in every pairing of them. A state that draws something of its own at one width (the sidebar, a drawer on a phone)
# is seen in all four; the live cells, whose run is most of this file's time, at the desktop width in both schemes.
VIEWS = {"light-desktop": ("light", DESKTOP), "dark-phone": ("dark", PHONE)}
ALL_VIEWS = {
    f"{mode}-{name}": (mode, size)
    for mode in ("light", "dark")
    for name, size in (("phone", PHONE), ("desktop", DESKTOP))
}
STATE_VIEWS = {
    "open_sidebar_or_close_it": ALL_VIEWS,
    "run_live_cells": {"light-desktop": ("light", DESKTOP), "dark-desktop": ("dark", DESKTOP)},
}


def views(state=None):
    """The (mode, viewport) pairs a page, or a state of a chapter, is compared in, as pytest parameters."""
    chosen = STATE_VIEWS.get(state.__name__, VIEWS) if state else VIEWS
    return [pytest.param(*view, id=name) for name, view in chosen.items()]


@pytest.mark.parametrize(("mode", "viewport"), views())
@pytest.mark.parametrize("name", [name for name in PAGES if name != "index.html"])  # index.html only redirects
def test_every_page_looks_as_it_did_with_the_stylesheets_as_shipped(
    tabs, site, stock_site, name, mode, viewport, tmp_path
):
    shots = []
    for origin in (stock_site, site):
        page = load(tabs(origin, mode, viewport), name, origin)
        shots.append(page.screenshot(full_page=True, animations="disabled", style=STILL))
    assert_looks_the_same(*shots, tmp_path)


@pytest.mark.parametrize(
    ("state", "mode", "viewport"),
    [pytest.param(state, *view.values, id=f"{state.__name__}-{view.id}") for state in STATES for view in views(state)],
)
def test_every_state_of_a_chapter_looks_as_it_did_with_the_stylesheets_as_shipped(
    tabs, book, stock, site, stock_site, state, mode, viewport, request, tmp_path
):
    shots = []
    for folder, origin in ((stock, stock_site), (book / "html", site)):
        if state is run_live_cells:  # on `make live`, run once in each build's page
            page = request.getfixturevalue("ran_live_cells")(folder, mode, viewport)
        else:
            page = load(tabs(origin, mode, viewport), CHAPTER, origin)
            state(page)
        shots.append(page.screenshot(animations="disabled", style=STILL))
    assert_looks_the_same(*shots, tmp_path)


def test_the_comparison_sees_through_antialiasing_but_not_a_thin_line_or_a_focus_ring(tmp_path):
    def png(draw=None, resample=Image.Resampling.BOX):
        big = Image.new("RGB", (780, 200), "white")
        ImageDraw.Draw(big).text((20, 40), "x.grad is 4.0, var_1 / var_2 " * 2, fill="black", font_size=40)
        image = big.resize((390, 100), resample)  # the same text, antialiased another way
        if draw:
            draw(ImageDraw.Draw(image))
        written = io.BytesIO()
        image.save(written, format="png")
        return written.getvalue()

    text, retext = png(), png(resample=Image.Resampling.BICUBIC)
    pixels = [numpy.asarray(Image.open(io.BytesIO(shot)), dtype=numpy.int16) for shot in (text, retext)]
    assert (numpy.abs(pixels[0] - pixels[1]) > PIXEL).any(axis=2).sum() > SHARE * 390 * 100  # over, pixel by pixel
    assert_looks_the_same(text, retext, tmp_path)
    for change in (
        lambda draw: draw.line([(0, 95), (389, 95)], fill=(200, 200, 200)),  # a border, one pixel thin
        lambda draw: draw.rectangle([(300, 60), (340, 80)], outline=(0, 90, 200), width=2),  # a focus ring
    ):
        with pytest.raises(AssertionError, match="pixels differ"):
            assert_looks_the_same(text, png(change), tmp_path)
