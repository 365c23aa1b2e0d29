"""The book on a real JupyterHub (`make hub`, issue 28), in Chromium: each reader logs in and runs chapter 1 on a
server of their own, with a token that opens that server alone; a logged-out reader gets the Hub's login, not a
kernel; a stopped server is started again from the page; Ctrl-C leaves no process. One Hub for the module's tests
(each worker that runs some starts its own); each test closes the pages and contexts it opens."""

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import expect

from book import answer, record_status
from booktools.live_page import kernel_output, live_cell, run_button, start_live_code, status
from booktools.live_server import free_port
from booktools.make_hub import HubServer
from test_live_cells import lines

AUTOGRAD = "services/book/chapters/01-autograd.html"
# What the build wrote below each cell, read before Live Code replaces it.
BOOK_OUTPUTS = (
    "[...document.querySelectorAll('div.cell')].map(cell => cell.querySelector('.cell_output')?.innerText ?? '')"
)
LAST_OF_THE_FIRST_CELLS = "var_mult = var_1 * var_2"


@pytest.fixture(scope="module")
def hub(book, reader):
    """`make hub` on a port of its own, with the book built and the reader's venv made."""
    with HubServer(free_port(0)) as server:
        yield server


@pytest.fixture(scope="module")
def readers(hub, browser):
    """Two readers, each in a browser context of their own (cookies and all), logged in to the Hub."""
    contexts = {name: browser.new_context() for name in ("alice", "bob")}
    try:
        for name, context in contexts.items():
            hub.log_in(context, name)
        yield contexts
    finally:
        for context in contexts.values():
            context.close()


def by(token):
    """The header that carries a token, as JupyterHub's API and a reader's server read it."""
    return {"Authorization": f"token {token}"}


def run_first_cells(page, url):
    """Chapter 1 with Live Code started, its first cells run (Run on the last runs those above first); returns the
    kernel's outputs and the book's, cell by cell, and the id of the page's kernel."""
    page.goto(url)
    book = page.evaluate(BOOK_OUTPUTS)
    start_live_code(page)
    last = live_cell(page, LAST_OF_THE_FIRST_CELLS)
    run_button(last).click()
    expect(kernel_output(last)).not_to_be_empty()
    count = page.locator("div.cell").evaluate_all(
        "(cells, first) => cells.findIndex(cell => cell.querySelector('.CodeMirror').CodeMirror.getValue()"
        ".startsWith(first)) + 1",
        LAST_OF_THE_FIRST_CELLS,
    )
    cells = page.locator("div.cell")
    ran = [lines(kernel_output(cells.nth(i)).inner_text()) for i in range(count) if book[i]]
    return ran, [lines(text) for text in book[:count] if text], page.evaluate("thebe.session.kernel.id")


def test_two_readers_each_run_chapter_1_on_their_own_server(hub, readers):
    kernels = {}
    for name, context in readers.items():
        page = context.new_page()
        try:
            ran, book, kernels[name] = run_first_cells(page, f"{hub.url}/{AUTOGRAD}")
            assert ran == book and len(book) >= 3
            assert page.evaluate("thebe.server.settings.baseUrl") == f"{hub.url}/user/{name}/"
        finally:
            page.close(run_before_unload=True)
    assert kernels["alice"] != kernels["bob"]


def test_a_readers_token_opens_their_server_only_not_anothers_nor_the_hubs_api(hub, readers):
    alice, token = hub.live_code(readers["alice"])
    bob, _ = hub.live_code(readers["bob"])
    assert answer(f"{alice}/api/status", by(token))[0] == 200
    assert answer(f"{bob}/api/status", by(token))[0] == 403
    assert answer(f"{bob}/api/kernels", by(token), "POST")[0] == 403
    refused = [
        ("users", "GET"),
        ("users/bob", "GET"),
        ("users/alice/tokens", "GET"),
        ("users/bob/tokens", "POST"),
        ("users/alice/server", "POST"),
        ("users/bob/server", "DELETE"),
    ]
    for path, method in refused:
        status, body = answer(f"{hub.url}/hub/api/{path}", by(token), method)
        assert status in (403, 404) and '"token"' not in body, (path, method, status)
    # All it tells of its own reader is who they are (JupyterHub's identify scopes): not their servers, nor tokens.
    status, body = answer(f"{hub.url}/hub/api/users/alice", by(token))
    assert status == 200 and set(json.loads(body)) <= {"kind", "admin", "groups", "name", "user_info"}


def test_the_token_is_told_to_the_books_own_pages_only_and_written_nowhere(hub, readers):
    _, token = hub.live_code(readers["alice"])
    address = f"{hub.url}/services/book/_static/live-code.json"
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in readers["alice"].cookies(address))
    for site in ("cross-site", "same-site"):
        status, body = answer(address, headers={"Cookie": cookies, "Sec-Fetch-Site": site})
        assert (status, token in body) == (403, False), body
    assert token not in hub.output  # the Hub's, the proxy's, the service's and the servers' logs
    commands = hub.commands()
    servers = [process for process, command in commands.items() if "jupyterhub.singleuser" in command]
    assert servers and all(token not in command for command in commands.values())
    folder = Path(servers[0].cwd()).parent.parent  # make hub's temporary folder: homes, kernel spec, proxy.pid
    files = [path for path in folder.rglob("*") if path.is_file() and not path.is_socket()]
    assert files and [path for path in files if token.encode() in path.read_bytes()] == []


def test_a_logged_out_reader_is_sent_to_the_login_and_gets_no_server(hub, browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{hub.url}/{AUTOGRAD}")
        expect(page).to_have_url(re.compile(re.escape(f"{hub.url}/hub/login?next=")), timeout=30_000)
        page = hub.log_in(context, "carol")
        page.goto(f"{hub.url}/{AUTOGRAD}")  # logged in: the chapter itself
        expect(page).to_have_url(f"{hub.url}/{AUTOGRAD}")
        page.goto(f"{hub.url}/hub/logout")
        answer = context.request.get(f"{hub.url}/services/book/_static/live-code.json")
        assert answer.status == 403 and "logged out of the Hub" in answer.text()
        record_status(page)
        page.goto(f"{hub.url}/{AUTOGRAD}")  # the page a reader kept open, reloaded: the login again
        expect(page).to_have_url(re.compile(re.escape(f"{hub.url}/hub/login?next=")), timeout=30_000)
    finally:
        context.close()


def test_a_stopped_server_is_started_again_from_the_page_which_says_so(hub, readers):
    page = readers["alice"].new_page()
    try:
        record_status(page)
        run_first_cells(page, f"{hub.url}/{AUTOGRAD}")
        home = readers["alice"].new_page()
        home.goto(f"{hub.url}/hub/home")
        home.get_by_role("button", name="Stop My Server").click()  # as the reader stops it on the Hub's page
        expect(home.get_by_role("button", name="Start My Server")).to_be_visible(timeout=60_000)
        home.close()
        expect(status(page)).to_have_attribute("data-state", "error", timeout=60_000)
        page.get_by_role("button", name="Reconnect").click()
        expect(status(page)).to_contain_text("Reconnected, to a new kernel", timeout=120_000)
        assert "Live code: starting your Jupyter server on the Hub…" in page.evaluate("said")
        last = live_cell(page, LAST_OF_THE_FIRST_CELLS)
        run_button(last).click()
        expect(kernel_output(last)).not_to_be_empty()
    finally:
        page.close(run_before_unload=True)


def test_make_hub_refuses_other_addresses_and_a_missing_password(tmp_path):
    hub = [sys.executable, "-m", "booktools.hub", f"--port={free_port(0)}"]
    password = {**os.environ, "HUB_PASSWORD": "a-password-long-enough"}
    done = subprocess.run([*hub, "--ip=0.0.0.0"], env=password, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "serves 127.0.0.1 only, not 0.0.0.0" in done.stderr
    no_password = {name: value for name, value in os.environ.items() if name != "HUB_PASSWORD"}
    done = subprocess.run(hub, env=no_password, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Set HUB_PASSWORD" in done.stderr


def test_ctrl_c_on_make_hub_stops_every_process_it_started(book, reader, browser):
    context = browser.new_context()
    try:
        with HubServer(free_port(0)) as hub:
            hub.log_in(context, "dave")
            base, token = hub.live_code(context)
            request = urllib.request.Request(
                f"{base}/api/kernels", method="POST", data=b"{}", headers={"Authorization": f"token {token}"}
            )
            urllib.request.urlopen(request, timeout=60).close()  # a kernel too
            started = hub.commands()
            commands = " ".join(started.values())
            for part in ("configurable-http-proxy", "booktools.hub_book", "jupyterhub_idle_culler", "singleuser"):
                assert part in commands
            assert "ipykernel_launcher" in commands
            output = hub.stop()
    finally:
        context.close()
    time.sleep(1)  # a process's last exit status on its way to its parent
    alive = []
    for process in started:
        with contextlib.suppress(psutil.NoSuchProcess):  # gone: as it should be
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
    assert alive == [] and "Traceback" not in output, output[-3000:]
    assert "Stopped the Hub, its proxy, the book service and the readers' servers." in output
    assert "Still running after the Hub stopped" not in output  # the Hub stopped them all, not make hub's last resort
