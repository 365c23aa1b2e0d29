"""Accessibility (booktools.accessibility), in Chromium: axe-core finds nothing serious in live cells, light or dark
(every page's own axe check rides on its load in test_site.py); every figure says in words what it shows; a keyboard
alone starts Live Code and runs cells."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from book import CHAPTERS, assert_nothing_serious, keyboard_to, page, press_live_code_by_keyboard, watch
from booktools.live_page import kernel_output, live_cell, run_button, start_live_code

AUTOGRAD = "chapters/01-autograd.html"
SOURCES = "[...document.querySelectorAll('.CodeMirror')].map(editor => editor.CodeMirror.getValue())"


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_finds_nothing_serious_in_live_cells_and_their_outputs(new_page, live, mode):
    page = new_page(color_scheme=mode)
    page.goto(f"{live.url}/{AUTOGRAD}")
    said = page.locator("div.cell_output img").evaluate_all("images => images.map(image => image.alt)")
    start_live_code(page)
    # An output and a traceback from the kernel, in thebe's markup and colours, then the figure, drawn live.
    for first_line in ["import torch", "var_1 = torch.tensor(3.0", "torch.tensor(3, requires_grad=True)"]:
        run_button(live_cell(page, first_line)).click()
    # The first cell imports torch into a fresh kernel: seconds, on a busy machine.
    failing = live_cell(page, "torch.tensor(3, requires_grad=True)")
    expect(kernel_output(failing)).to_contain_text("RuntimeError")
    figure = live_cell(page, "import matplotlib.pyplot")
    run_button(figure).click()  # the cells above it that have not run go first
    drawn = kernel_output(figure).locator("img[src^='data:image/png']")
    expect(drawn).to_have_count(1)
    assert drawn.get_attribute("alt") == said[0]  # the book's words for its figure
    assert_nothing_serious(page)


def test_every_figure_says_what_it_shows(book):
    figures = {
        f"{chapter}: {image['src']}": image.get("alt", "")
        for chapter in CHAPTERS
        for image in page(chapter).select("div.cell_output img")
    }
    assert figures, "no figures found on the chapter pages"
    # myst-nb's default alt text is the image's file name.
    unsaid = {
        figure: alt
        for figure, alt in figures.items()
        if len(alt.split()) < 5 or Path(alt).suffix in (".png", ".jpg", ".jpeg", ".svg")
    }
    assert unsaid == {}, "give each figure's cell front matter `mystnb: image: alt:` words saying what it shows"


def test_a_keyboard_alone_starts_live_code_and_runs_cells(page, live):
    problems = watch(page)
    page.goto(f"{live.url}/{AUTOGRAD}")
    start_live_code(page, press=press_live_code_by_keyboard)
    # One cell run from its editor with Shift+Enter, the next with its run button.
    importing, variables = live_cell(page, "import torch"), live_cell(page, "var_1 = torch.tensor(3.0")
    sources = page.evaluate(SOURCES)
    keyboard_to(page, importing.locator(".CodeMirror"))
    page.keyboard.press("Shift+Enter")
    keyboard_to(page, run_button(variables))
    page.keyboard.press("Enter")
    # The first cell imports torch into a fresh kernel: seconds, on a busy machine.
    expect(kernel_output(variables)).to_contain_text("tensor(3., requires_grad=True)")
    # Tabbing past cells typed nothing into them.
    assert page.evaluate(SOURCES) == sources
    assert problems == []
