"""Live Code under faults (issue 31), in Chromium against a `make live` of this module's own, which stops a kernel
whose page went away after GRACE seconds: the kernel server killed, a browser that crashes. After each fault the page
reaches the book's output again in at most one click, and `make live`'s terminal shows no traceback."""

import contextlib
import json
import secrets
import time
import urllib.error
import urllib.request

import psutil
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from booktools.live_page import kernel_output, live_cell, run_button, start_live_code, status
from booktools.live_server import free_port
from booktools.make_live import LiveServer
from test_live_cells import AUTOGRAD, index, lines, open_live, running, said, settled

GRACE = 2  # seconds: this server's PageKernels.orphan_grace


@pytest.fixture(scope="module")
def faulty(book):
    with LiveServer(free_port(0), grace=GRACE) as server:
        yield server


def until(condition, what, seconds=60):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        time.sleep(0.1)
    return found


def kernels(server):
    return {kernel["id"] for kernel in server.api("api/kernels")}


def served(server):
    """The kernel server's address and token, as the site hands them to the book's pages now."""
    request = urllib.request.Request(f"{server.url}/_static/live-code.json", headers={"Cookie": server.cookie})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)["server"]


def kernel_server_process(server):
    return next(
        process
        for process in psutil.Process(server.process.pid).children(recursive=True)
        if "booktools.kernel_server" in process.cmdline()
    )


def run_product(page, book):
    """Run chapter 1's product cell (the cells above it first); assert it prints what the book shows."""
    product = live_cell(page, "var_mult = var_1 * var_2")
    run_button(product).click()
    settled(page)
    assert lines(kernel_output(product).inner_text()) == lines(book[index(page, "var_mult = var_1 * var_2")])


def test_a_killed_kernel_server_is_said_started_again_and_one_reconnect_reaches_it(faulty, page):
    book = open_live(page, f"{faulty.url}/{AUTOGRAD}")
    run_button(live_cell(page, "var_1 = torch.tensor(3.0")).click()
    settled(page)
    before, killed = served(faulty), kernel_server_process(faulty)
    killed.kill()
    # `make live` still runs: the page says the kernel server stopped and a new one is (or was) started.
    expect(status(page)).to_contain_text("The kernel server stopped, and `make live`", timeout=60_000)
    until(lambda: "Started a new kernel server" in faulty.output, "make live did not start a new kernel server")
    assert "The kernel server stopped (killed by signal 9)" in faulty.output
    assert not psutil.pid_exists(killed.pid)  # reaped: a zombie would still have its pid
    after = served(faulty)
    assert after["baseUrl"] == before["baseUrl"] and after["token"] != before["token"]
    # The new server lets in only the book's pages, as the first did: the token without the book's origin is refused.
    no_origin = urllib.request.Request(
        f"{after['baseUrl']}api/kernels", headers={"Authorization": f"token {after['token']}"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(no_origin, timeout=30)
    assert refused.value.code == 403
    page.get_by_role("button", name="Reconnect").click()  # the one click
    expect(status(page)).to_contain_text("Reconnected, to a new kernel on which nothing has run")
    run_product(page, book)
    assert "Traceback" not in faulty.output, faulty.output[-3000:]


def chromium_processes(marker):
    """The processes of the Chromium started with marker among its arguments: the browser and all its helpers (its
    network service, which holds the page's sockets, does not carry the marker)."""
    found = set()
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            if marker in process.cmdline():
                found |= {process, *process.children(recursive=True)}
    return found


def test_a_crashed_browsers_kernel_is_stopped_after_a_grace_period(faulty, browser_type, browser_type_launch_args):
    marker = f"--book-test-crash={secrets.token_hex(8)}"  # Chromium ignores a switch it does not know
    args = {**browser_type_launch_args, "args": [*browser_type_launch_args["args"], marker]}
    crashing = browser_type.launch(**args)
    try:
        context = crashing.new_context()
        faulty.sign_in(context)
        page = context.new_page()
        before = kernels(faulty)
        book = open_live(page, f"{faulty.url}/{AUTOGRAD}")
        kernel = page.evaluate("thebe.session.kernel.id")
        assert kernel not in before
        run_product(page, book)
        # As a crash does: the page says no goodbye (no pagehide, no DELETE), and every process of the browser ends
        # at once. Killed alone, the browser process leaves its network service holding the page's sockets until the
        # service notices, which a busy machine can put off past any wait.
        browser = chromium_processes(marker)
        assert browser
        for process in browser:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        until(lambda: kernel not in kernels(faulty), f"the crashed page's kernel was not stopped after {GRACE} s")
    finally:
        with contextlib.suppress(PlaywrightError):
            crashing.close()
        for process in chromium_processes(marker):
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
    assert "Stopped a kernel whose page went away without closing" in faulty.output
    assert "Traceback" not in faulty.output, faulty.output[-3000:]


def test_a_page_not_yet_live_keeps_its_warm_kernel_past_the_grace_period(faulty, page):
    """The page's warm-up holds its kernel until Live Code connects: the grace period is for pages that went away."""
    before = kernels(faulty)
    page.goto(f"{faulty.url}/{AUTOGRAD}")
    warm = until(lambda: kernels(faulty) - before, "the page started no kernel")
    time.sleep(2 * GRACE)  # a reader who reads before the click
    start_live_code(page)
    assert {page.evaluate("thebe.session.kernel.id")} == warm


def type_into(page, cell, source):
    """Replace a cell's code, as a reader types it."""
    cell.locator(".CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)


def test_a_flood_of_output_is_cut_and_all_of_it_opens_in_a_new_tab(faulty, page):
    book = open_live(page, f"{faulty.url}/{AUTOGRAD}")
    last = page.locator("div.cell:not(.tag_hide-cell)").last  # below the cells run_product runs
    type_into(page, last, "for i in range(200_000):\n    print(i)")
    page.keyboard.press("Shift+Enter")
    settled(page)
    output = kernel_output(last)
    shown = lines(output.locator("pre").inner_text())
    assert shown[:2] == ["0", "1"] and shown[-1] == "199999"
    assert "… 199,850 lines not shown …" in shown
    assert output.evaluate("o => o.getBoundingClientRect().height") < 5_000  # pixels: not millions
    with page.context.expect_page() as opened:
        output.get_by_role("button", name="Open all 200,000 lines in a new tab").click()
    whole = opened.value
    try:
        whole.wait_for_load_state()
        assert whole.locator("body").inner_text().split() == [str(i) for i in range(200_000)]
    finally:
        whole.close()
    run_product(page, book)


def test_a_frozen_kernel_is_said_to_be_not_answering_until_it_answers_again(faulty, page):
    open_live(page, f"{faulty.url}/{AUTOGRAD}")
    first = page.locator("div.cell").first  # no cell above it runs first
    type_into(page, first, "import time\nfor _ in range(60):\n    time.sleep(0.1)\nprint('woke')")
    page.keyboard.press("Shift+Enter")
    running(page, first)
    process, _ = faulty.kernel_process(page.evaluate("thebe.session.kernel.id"))
    process.suspend()  # frozen mid-cell, as SIGSTOP leaves it
    try:
        expect(status(page)).to_contain_text("The kernel is not answering", timeout=60_000)
        expect(page.get_by_role("button", name="Stop")).to_be_visible()
        expect(page.get_by_role("button", name="Restart")).to_be_enabled()
    finally:
        process.resume()
    settled(page)
    expect(kernel_output(first)).to_have_text("woke")
    texts = said(page)
    silent = next(i for i, text in enumerate(texts) if text.startswith("The kernel is not answering"))
    assert texts[silent + 1 :] == ["Running cell 1…", "Cell 1 ran."]  # back to running once it answered
