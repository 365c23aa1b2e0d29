"""Live Code driven in a page as a reader drives it: press the button, find a live cell, run it, read its output.

The benchmark times a reader's first click with these, and the browser tests use the same steps.
"""

# How long a browser step may wait (ms): a kernel's first cell imports torch, seconds on a busy machine.
WAIT = 60_000


def press_live_code(page):
    """Press the page's Live Code button the way a reader does: open the launch menu, pick Live Code."""
    page.get_by_role("button", name="Launch interactive content").click()
    page.get_by_role("button", name="Live Code").click()


def start_live_code(page, press=press_live_code):
    """Press Live Code (with the mouse unless told otherwise); return once the kernel is ready."""
    press(page)
    page.wait_for_selector("html[data-live-code=ready]", state="attached", timeout=WAIT)


def live_cell(page, first_line):
    """The one live cell whose source starts with first_line."""
    found = page.evaluate(
        """first => [...document.querySelectorAll("div.cell")].flatMap((cell, index) =>
        cell.querySelector(".CodeMirror")?.CodeMirror.getValue().startsWith(first) ? [index] : [])""",
        first_line,
    )
    assert len(found) == 1, f"{len(found)} live cells start with {first_line!r}"
    return page.locator("div.cell").nth(found[0])


def run_button(cell):
    """A live cell's one Run button (its name says which cell: "Run cell 3")."""
    return cell.get_by_role("button", name="Run cell")


def kernel_output(cell):
    """What the kernel printed below a cell (not the output the build wrote there)."""
    return cell.locator(".jp-OutputArea")


def status(page):
    """What the Live Code bar says (the own-computer dialog has a status line of its own)."""
    return page.locator(".live-code-bar .live-code-status")
