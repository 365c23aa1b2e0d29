"""Live cells a reader cannot get lost in, in Chromium against `make live`: any cell can be the first one run, one Run
button per cell and the page's actions in a bar that stays in view, a running cell is not queued twice, a re-run
that answers differently says so, the page says when its kernel goes away and reconnects, and editors are drawn
whole. Each test has a page of its own, closed (with its kernel) when it ends."""

import contextlib
import os
import re
import signal

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from book import record_status, watch
from booktools.live_page import kernel_output, live_cell, run_button, start_live_code, status
from booktools.make_live import LiveServer

AUTOGRAD = "chapters/01-autograd.html"
TRAINING = "chapters/04-training-loop.html"

# What the build wrote below each code cell, read before Live Code replaces it.
BOOK_OUTPUTS = (
    "[...document.querySelectorAll('div.cell')].map(cell => cell.querySelector('.cell_output')?.innerText ?? '')"
)
IDLE = "() => !document.querySelector('div.cell[data-live=queued], div.cell[data-live=running]')"


def open_live(page, url):
    """The page with Live Code started; returns what the build wrote below each cell."""
    record_status(page)
    page.goto(url)
    book = page.evaluate(BOOK_OUTPUTS)
    start_live_code(page)
    return book


def said(page):
    return page.evaluate("said")


def settled(page, timeout=120_000):
    """Wait until no cell runs or waits to run."""
    page.wait_for_function(IDLE, timeout=timeout)


def index(page, first_line):
    return page.locator("div.cell").evaluate_all(
        "(cells, first) => cells.findIndex(cell =>"
        " cell.querySelector('.CodeMirror').CodeMirror.getValue().startsWith(first))",
        first_line,
    )


def runs_first(count):
    """What a cell's hint says when count cells above it have not run."""
    return "runs the cell above first" if count == 1 else f"runs the {count} cells above first"


def closed(page):
    """How many cells sit in solutions the reader has not opened."""
    return page.locator("div.cell").evaluate_all(
        "cells => cells.filter(cell => cell.querySelector('details:not([open])')).length"
    )


def lines(text):
    return [line.rstrip() for line in text.strip().splitlines()]


def running(page, cell):
    """Wait until cell runs (its button reads "Running…" and takes no click), checked at every frame: chapter 4's
    training runs for a second or two, and expect's retries, up to a second apart under load, once saw it only as it
    ended (seen in a traced run)."""
    page.wait_for_function(
        "button => button.textContent === 'Running…' && button.ariaDisabled === 'true'",
        arg=run_button(cell).element_handle(),
        polling="raf",
        timeout=120_000,
    )


def probe(page, cell, source):
    """Replace a cell's code by typing, run it with Shift+Enter, and return what it printed."""
    cell.locator(".CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)
    page.keyboard.press("Shift+Enter")
    settled(page)
    return kernel_output(cell).inner_text().strip()


def test_any_cell_can_be_the_first_one_run_and_closed_solutions_are_skipped(page, live):
    book = open_live(page, f"{live.url}/{AUTOGRAD}")
    # A reader scrolls to the middle and runs one cell: the cells above it run first, and the status line says so.
    product = live_cell(page, "var_mult = var_1 * var_2")
    number = index(page, "var_mult = var_1 * var_2") + 1  # no solution above it
    expect(product.locator(".live-code-hint")).to_have_text(runs_first(number - 1))
    run_button(product).click()
    settled(page)
    assert lines(kernel_output(product).inner_text()) == lines(book[number - 1])
    above = f"the {number - 1} cells above it"
    assert any(f"one of {above} that have not run yet (cell {number} may need" in text for text in said(page))
    # The book's deliberate error above it (chapter 1 has one there) ran as the book means it to, and is named.
    meant = page.locator("div.cell").evaluate_all(
        "(cells, n) => cells.slice(0, n).flatMap((cell, i) => cell.matches('.tag_raises-exception') ? [i + 1] : [])",
        number - 1,
    )
    assert len(meant) == 1
    raised = f"Cell {meant[0]} raised the error the book shows there, as meant."
    expect(status(page)).to_have_text(f"Cell {number} ran, after {above} that had not run. {raised}")
    # The last hidden solution, opened and run: the cells between run first, but not the solutions still closed.
    solutions = page.locator("div.cell.tag_hide-cell")
    assert solutions.count() >= 2
    last = solutions.last
    last.locator("summary").click()
    between = last.evaluate("cell => [...document.querySelectorAll('div.cell')].indexOf(cell)") - number - closed(page)
    run_button(last).click()
    settled(page)
    expect(status(page)).to_contain_text(f"after the {between} cells above it that had not run")
    # The kernel's history of inputs holds the opened solution's code, not the closed ones'.
    sources = solutions.evaluate_all("cells => cells.map(c => c.querySelector('.CodeMirror').CodeMirror.getValue())")
    ran = probe(page, page.locator("div.cell").first, f"[any(s.strip() == i.strip() for i in In) for s in {sources!r}]")
    assert ran == str([False] * (len(sources) - 1) + [True])


def test_one_run_button_per_cell_and_the_pages_actions_stay_in_view(page, live):
    open_live(page, f"{live.url}/{AUTOGRAD}")
    cells = page.locator("div.cell")
    buttons = cells.evaluate_all(  # a closed solution's too
        "cells => cells.map(cell => [...cell.querySelectorAll('.thebe-controls button')]"
        ".map(button => [button.textContent, button.ariaLabel]))"
    )
    assert buttons == [[["Run", f"Run cell {i + 1}"]] for i in range(cells.count())]
    bar = page.get_by_role("region", name="Live code")
    expect(bar.get_by_role("button")).to_have_text(["Run all", "Restart"])  # Stop and Reconnect when they apply
    # A reader at the foot of the page still sees the status line and the page's actions.
    cells.last.scroll_into_view_if_needed()
    page.mouse.wheel(0, 600)
    expect(bar).to_be_in_viewport()
    # Run all: every cell in order, but not the solutions the reader has not opened, and past the book's deliberate
    # errors (cells tagged raises-exception), which show their error as on the built page.
    shut = closed(page)
    meant = cells.evaluate_all(
        "cells => cells.flatMap((cell, i) => cell.matches('.tag_raises-exception')"
        " && !cell.querySelector('details:not([open])') ? [i + 1] : [])"
    )
    assert len(meant) == 2
    bar.get_by_role("button", name="Run all").click()
    settled(page)
    skipped = "the closed solution did not run" if shut == 1 else f"the {shut} closed solutions did not run"
    raised = f"Cells {meant[0]} and {meant[1]} raised the errors the book shows there, as meant."
    expect(status(page)).to_have_text(f"Ran all {cells.count() - shut} cells; {skipped}. {raised}")
    for number in meant:
        expect(kernel_output(cells.nth(number - 1))).to_contain_text("Error")
    expect(page.locator("div.cell:not(:has(details:not([open])))").last).to_have_attribute("data-live", "ran")


def test_run_all_stops_at_an_error_the_book_does_not_expect(page, live):
    open_live(page, f"{live.url}/{AUTOGRAD}")
    variables = live_cell(page, "var_1 = torch.tensor(3.0")
    number = index(page, "var_1 = torch.tensor(3.0") + 1
    variables.locator(".CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text("1 / 0")
    page.get_by_role("region", name="Live code").get_by_role("button", name="Run all").click()
    settled(page)
    expect(kernel_output(variables)).to_contain_text("ZeroDivisionError")
    expect(status(page)).to_contain_text(f"Cell {number} stopped with an error (ZeroDivisionError), so cell ")
    expect(page.locator("div.cell").nth(number)).not_to_have_attribute("data-live", "ran")  # the one below


def test_restart_asks_first_and_then_starts_afresh(page, live):
    open_live(page, f"{live.url}/{AUTOGRAD}")
    first, variables = live_cell(page, "import torch"), live_cell(page, "var_1 = torch.tensor(3.0")
    run_button(variables).click()
    settled(page)
    restart = page.get_by_role("region", name="Live code").get_by_role("button", name="Restart")
    restart.click()
    dialog = page.get_by_role("dialog", name="Restart the kernel?")
    expect(dialog).to_contain_text("lost")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert probe(page, first, "'var_1' in globals()") == "True"  # kept
    restart.click()
    dialog.get_by_role("button", name="Restart").click()
    expect(status(page)).to_contain_text("Restarted: a fresh kernel")
    expect(variables.locator(".live-code-hint")).to_have_text(runs_first(index(page, "var_1 = torch.tensor(3.0")))
    assert probe(page, first, "'var_1' in globals()") == "False"


def test_a_running_cell_is_not_queued_again_and_gives_the_books_output(page, live):
    # The issue's case: Shift+Enter twice on chapter 4's training loop.
    book = open_live(page, f"{live.url}/{TRAINING}")
    training = live_cell(page, "def train_one_epoch")
    training.locator(".CodeMirror").click()
    page.keyboard.press("Shift+Enter")
    running(page, training)
    page.keyboard.press("Shift+Enter")
    settled(page)
    # One run, from the start: the book's log, not a second training's, and no "Canceled future... refresh the page".
    assert lines(kernel_output(training).inner_text()) == lines(book[index(page, "def train_one_epoch")])
    assert "Canceled future" not in page.content() and "refresh the page" not in page.content()
    number = index(page, "def train_one_epoch") + 1
    assert f"Cell {number} is still running; it runs once. Stop interrupts it." in said(page)


def test_stop_interrupts_the_running_cell_drops_those_waiting_and_a_run_below_does_not_start_it_again(page, live):
    open_live(page, f"{live.url}/{TRAINING}")
    training, after = live_cell(page, "def train_one_epoch"), live_cell(page, "fig, (left, right) = plt.subplots")
    # The training, then a wait: a fast machine trains before Stop reaches the kernel.
    training.locator(".CodeMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("\nimport time\n\ntime.sleep(120)")
    run_button(training).click()
    run_button(after).click()  # waits for the training
    running(page, training)
    page.get_by_role("button", name="Stop").click()
    settled(page)
    expect(kernel_output(training)).to_contain_text("KeyboardInterrupt")
    expect(status(page)).to_contain_text("Stopped")
    expect(run_button(after)).to_have_text("Run")
    # The reader stopped the training: a Run below does not start it again unasked (a loop would be a trap).
    expect(training.locator(".live-code-hint")).to_have_text("stopped: it runs again only when you run it")
    expect(after.locator(".live-code-hint")).to_have_text("")
    number = index(page, "def train_one_epoch") + 1
    run_button(after).click()
    settled(page)
    assert len([text for text in said(page) if re.match(rf"Running cell {number}\b", text)]) == 1  # the first run
    expect(kernel_output(training)).to_contain_text("KeyboardInterrupt")


def test_a_rerun_that_answers_differently_says_so_and_one_that_does_not_says_nothing(page, live):
    open_live(page, f"{live.url}/{AUTOGRAD}")
    adding = live_cell(page, "(var_1 * var_2 - 7).backward()")  # each run adds to the gradients
    run_button(adding).click()
    settled(page)
    first = kernel_output(adding).inner_text()
    run_button(adding).click()
    settled(page)
    assert kernel_output(adding).inner_text() != first
    number = index(page, "(var_1 * var_2 - 7).backward()") + 1
    expect(status(page)).to_contain_text(f"Cell {number} ran again and carried on from the state its last run left")
    expect(adding.locator(".live-code-hint")).to_contain_text("differs from its last run")
    zeroing = live_cell(page, "var_1.grad = None")  # zeroes the gradients first: the same answer every time
    for _ in range(2):
        run_button(zeroing).click()
        settled(page)
    expect(status(page)).to_have_text(f"Cell {index(page, 'var_1.grad = None') + 1} ran.")
    expect(zeroing.locator(".live-code-hint")).to_have_text("")


def kernel_gone(page):
    expect(status(page)).to_have_attribute("data-state", "error", timeout=60_000)
    expect(page.get_by_role("button", name="Reconnect")).to_be_visible()


def test_a_kernel_shut_down_under_the_page_is_said_and_reconnect_starts_a_new_one(page, live):
    book = open_live(page, f"{live.url}/{AUTOGRAD}")
    run_button(live_cell(page, "var_1 = torch.tensor(3.0")).click()
    settled(page)
    live.api(f"api/kernels/{page.evaluate('thebe.session.kernel.id')}", method="DELETE")  # as culling does
    kernel_gone(page)
    expect(status(page)).to_contain_text("The kernel was shut down: its server no longer runs it.")
    page.get_by_role("button", name="Reconnect").click()
    expect(status(page)).to_contain_text("Reconnected, to a new kernel on which nothing has run")
    product = live_cell(page, "var_mult = var_1 * var_2")
    run_button(product).click()  # the cells above run again first
    settled(page)
    assert lines(kernel_output(product).inner_text()) == lines(book[index(page, "var_mult = var_1 * var_2")])


def test_a_kernel_that_died_is_said_and_its_cells_run_again(page, live):
    book = open_live(page, f"{live.url}/{AUTOGRAD}")
    variables = live_cell(page, "var_1 = torch.tensor(3.0")
    run_button(variables).click()
    settled(page)
    kernel = page.evaluate("thebe.session.kernel.id")
    process, _ = live.kernel_process(kernel)
    os.kill(process.pid, signal.SIGKILL)  # as the out-of-memory killer does
    # What the page knows: its server saw the process end (no guess at why).
    expect(status(page)).to_contain_text("The kernel stopped (its process ended) and was started again", timeout=60_000)
    product = live_cell(page, "var_mult = var_1 * var_2")
    expect(product.locator(".live-code-hint")).to_have_text(runs_first(index(page, "var_mult = var_1 * var_2")))
    run_button(product).click()
    settled(page)
    assert lines(kernel_output(product).inner_text()) == lines(book[index(page, "var_mult = var_1 * var_2")])


# Reconnect, then a cell's Run in the same task: the Run lands while Reconnect is under way.
RECONNECT_THEN_RUN = """run => {
    [...document.querySelectorAll(".live-code-action")].find(button => button.textContent === "Reconnect").click();
    run.click();
}"""


def test_a_stopped_make_live_is_said_and_reconnect_finds_it_started_again(page, book):
    with LiveServer(0) as first:
        first.sign_in(page.context)
        port = int(first.url.rsplit(":", 1)[1])
        expected = open_live(page, f"{first.url}/{AUTOGRAD}")
        run_button(live_cell(page, "var_1 = torch.tensor(3.0")).click()
        settled(page)
    kernel_gone(page)
    expect(status(page)).to_contain_text("`make live` has stopped")
    with LiveServer(port) as again:
        assert again.url == first.url  # the same address, so that the open page finds it
        again.sign_in(page.context)  # the reader opens the address it printed, with a new key
        product = live_cell(page, "var_mult = var_1 * var_2")
        number = index(page, "var_mult = var_1 * var_2") + 1
        # A Run clicked while Reconnect is under way is refused, and says why: it once locked the queue for good.
        page.evaluate(RECONNECT_THEN_RUN, run_button(product).element_handle())
        assert f"Live code is connecting to a kernel; run cell {number} once it is ready." in said(page)
        expect(status(page)).to_contain_text("Reconnected, to a new kernel")
        run_button(product).click()
        settled(page)
        assert lines(kernel_output(product).inner_text()) == lines(expected[index(page, "var_mult = var_1 * var_2")])


# Each editor as the reader first sees it: in the first frame painted after the editors appear, kept in
# window.firstSeen.
FIRST_SEEN = """() => new MutationObserver((_, observer) => {
    if (!document.querySelector("div.cell .CodeMirror")) return;
    observer.disconnect();
    requestAnimationFrame(() => window.firstSeen = [...document.querySelectorAll("div.cell .CodeMirror")]
        .filter(editor => !editor.closest("details:not([open])"))
        .map(editor => ({ lines: editor.CodeMirror.lineCount(),
                          drawn: editor.querySelectorAll(".CodeMirror-code > *").length,
                          text: editor.querySelector(".CodeMirror-code").innerText.trim().length })));
}).observe(document.body, { childList: true, subtree: true })"""
# How far an editor's box reaches below its text, and how much of its text lies beyond its right edge.
GAPS = """editor => ({ below: Math.round(editor.getBoundingClientRect().bottom
                                 - editor.querySelector(".CodeMirror-sizer").getBoundingClientRect().bottom),
                hidden: editor.querySelector(".CodeMirror-scroll").scrollWidth
                        - editor.querySelector(".CodeMirror-scroll").clientWidth })"""


def test_editors_are_drawn_whole_at_once_and_long_lines_are_not_cut_off(page, live):
    problems = watch(page)
    page.set_viewport_size({"width": 700, "height": 900})  # narrow: the figure cell's longest lines do not fit
    page.goto(f"{live.url}/{AUTOGRAD}")
    page.evaluate(FIRST_SEEN)
    start_live_code(page)
    editors = page.evaluate("firstSeen")
    assert len(editors) == page.locator("div.cell").count() - closed(page)
    assert all(e["drawn"] == e["lines"] and e["text"] > 0 for e in editors), editors
    figure = live_cell(page, "import matplotlib.pyplot").locator(".CodeMirror")
    reference = page.locator("div.cell .CodeMirror").first.evaluate(GAPS)  # the first cell: short lines
    assert reference["hidden"] == 0
    assert figure.evaluate(GAPS) == reference
    # A solution's editor was drawn while closed; opened, it fits its text like any other.
    solution = page.locator("div.cell.tag_hide-cell").first
    solution.locator("summary").click()
    opened = solution.locator(".CodeMirror")
    with contextlib.suppress(PlaywrightTimeout):  # the page measures it again once it has seen the toggle
        page.wait_for_function(
            f"([editor, reference]) => ({GAPS})(editor).below === reference.below",
            arg=[opened.element_handle(), reference],
            timeout=2_000,
        )
    assert opened.evaluate(GAPS) == reference
    assert problems == []
