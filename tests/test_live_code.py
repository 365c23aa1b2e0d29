"""Live code on a local kernel, in Chromium: `make live` serves the book and a private Jupyter server, and a page's
Live Code button turns its cells into editable ones that run there."""

import json

from playwright.sync_api import expect

from book import record_status, until, watch
from booktools.live_page import kernel_output, live_cell, press_live_code, run_button, start_live_code

AUTOGRAD = "chapters/01-autograd.html"


def run(cell):
    run_button(cell).click()


def watched_live_page(new_page, url):
    """A new page of url with Live Code started, and the list of what goes wrong on it (book.watch)."""
    page = new_page()
    problems = watch(page)
    page.goto(url)
    start_live_code(page)
    return page, problems


def type_and_run(page, cell, source):
    """A reader's edit: replace the cell's text by typing, then run it with Shift+Enter."""
    cell.locator(".CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)
    page.keyboard.press("Shift+Enter")


def test_autograd_cells_run_and_an_edited_cell_runs_again(new_page, live):
    page, problems = watched_live_page(new_page, f"{live.url}/{AUTOGRAD}")
    run(live_cell(page, "import torch"))
    variables = live_cell(page, "var_1 = torch.tensor(3.0")
    run(variables)
    expect(kernel_output(variables)).to_contain_text("tensor(3., requires_grad=True)")
    product = live_cell(page, "var_mult = var_1 * var_2")
    run(product)
    expect(kernel_output(product)).to_contain_text("tensor(12., grad_fn=<MulBackward0>)")

    type_and_run(
        page,
        variables,
        "var_1 = torch.tensor(5.0, requires_grad=True)\nvar_2 = torch.tensor(4.0, requires_grad=True)\nvar_1, var_2",
    )
    expect(kernel_output(variables)).to_contain_text("tensor(5., requires_grad=True)")
    run(product)
    expect(kernel_output(product)).to_contain_text("tensor(20., grad_fn=<MulBackward0>)")
    assert problems == []


def test_a_failing_cell_shows_its_traceback_and_the_next_cell_still_runs(new_page, live):
    page, problems = watched_live_page(new_page, f"{live.url}/{AUTOGRAD}")
    for first_line in ["import torch", "var_1 = torch.tensor(3.0"]:
        run(live_cell(page, first_line))
    failing = live_cell(page, "torch.tensor(3, requires_grad=True)")
    run(failing)
    expect(kernel_output(failing)).to_contain_text("RuntimeError")
    expect(kernel_output(failing)).to_contain_text("floating point")
    following = live_cell(page, "var_mult = var_1 * var_2")
    run(following)
    expect(kernel_output(following)).to_contain_text("tensor(12., grad_fn=<MulBackward0>)")
    assert problems == []


def test_every_cell_keeps_its_own_output_area(new_page, live):
    # The import cell prints nothing; the cell after it must still show its own output, not lose it to the import.
    page, _ = watched_live_page(new_page, f"{live.url}/{AUTOGRAD}")
    cells = page.locator("div.cell")
    assert cells.count() == page.locator("div.cell .thebe-cell").count()
    assert all(cell.locator(".cell_output").count() == 1 for cell in cells.all())
    importing, variables = live_cell(page, "import torch"), live_cell(page, "var_1 = torch.tensor(3.0")
    run(importing)
    run(variables)
    expect(kernel_output(variables)).to_contain_text("tensor(3., requires_grad=True)")
    assert kernel_output(importing).inner_text().strip() == ""


def test_two_chapter_pages_open_at_once_get_separate_kernels(new_page, live):
    first, first_problems = watched_live_page(new_page, f"{live.url}/{AUTOGRAD}")
    second, second_problems = watched_live_page(new_page, f"{live.url}/chapters/02-gradient-descent.html")
    kernels = [page.evaluate("thebe.session.kernel.id") for page in (first, second)]
    assert kernels[0] != kernels[1]
    # State set on one page does not exist on the other.
    run(live_cell(first, "import torch"))
    run(live_cell(first, "var_1 = torch.tensor(3.0"))
    expect(kernel_output(live_cell(first, "var_1 = torch.tensor(3.0"))).to_contain_text("tensor(3.")
    probe = live_cell(second, "import warnings")  # chapter 2's first cell
    type_and_run(second, probe, "'var_1' in globals()")
    expect(kernel_output(probe)).to_contain_text("False")
    assert first_problems == second_problems == []


def test_a_local_kernel_is_warmed_up_as_the_page_opens_yet_looks_fresh(page, live):
    before = {session["id"] for session in live.api("api/sessions")}
    page.goto(f"{live.url}/{AUTOGRAD}")
    # The page starts its kernel without a click.
    new = lambda: [s for s in live.api("api/sessions") if s["id"] not in before]  # noqa: E731
    started = until(new, "the page started no kernel", wait=lambda s: page.wait_for_timeout(1000 * s))
    assert len(started) == 1 and started[0]["path"].startswith("chapters/01-autograd-")
    start_live_code(page)
    assert page.evaluate("thebe.session.kernel.id") == started[0]["kernel"]["id"]  # the click found it
    # The libraries are loaded, but no name is bound: a cell that forgot its import still fails.
    probe = live_cell(page, "import torch")
    type_and_run(page, probe, "sorted(name for name in ('numpy', 'torch', 'np', 'plt') if name in globals())")
    expect(kernel_output(probe)).to_contain_text("[]")


def test_a_closed_page_shuts_its_kernel_down(new_page, live):
    page, _ = watched_live_page(new_page, f"{live.url}/{AUTOGRAD}")
    kernel = page.evaluate("thebe.session.kernel.id")
    assert kernel in {k["id"] for k in live.api("api/kernels")}
    page.close(run_before_unload=True)
    running = lambda: {k["id"] for k in live.api("api/kernels")}  # noqa: E731
    until(lambda: kernel not in running(), "the closed page's kernel was not shut down")


# What mybinder.org streams while it builds an image (its event stream's own words), here cut short.
BINDER_BUILDING = "".join(
    f"data: {json.dumps(event)}\n\n"
    for event in [
        {"phase": "waiting", "message": "Waiting for build to start...\n"},
        {"phase": "building", "message": "Step 1/50 : FROM docker.io/library/buildpack-deps:jammy\n"},
    ]
)


def test_live_code_on_binder_says_what_to_expect_while_it_builds(page, site):
    record_status(page)
    # No network here: Binder answers as it does while it builds the book's image, then the connection drops.
    page.route(
        "https://mybinder.org/build/**",
        lambda route: route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=BINDER_BUILDING),
    )
    page.goto(f"{site}/{AUTOGRAD}")
    press_live_code(page)
    expect(page.get_by_role("button", name="Reconnect")).to_be_visible(timeout=30_000)
    said = page.evaluate("said")
    # Before anything else, the reader learns that a first start after a change builds an image and takes minutes.
    assert "Binder" in said[1] and "builds Binder's image" in said[1] and "several minutes" in said[1]
    assert any(text.startswith("Live code: Binder is building the book's image") for text in said)
    assert said[-1].startswith("Live code could not reach a kernel") and "Reconnect tries again" in said[-1]
