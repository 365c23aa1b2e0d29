"""Live Code on the reader's own computer (issue 28), in Chromium: the launch menu's "Your computer" shows one command
that starts a Jupyter server letting in this site's pages only; the page runs its cells there once given the address
the server printed, and says plainly why not when the server refuses it or the address is wrong. Each test starts
`jupyter server` from the tests' venv with the options the page's command gives, and stops it and its kernels."""

import contextlib
import json
import os
import re
import shlex
import subprocess
import sys
import threading
import urllib.request
from urllib.parse import urlsplit

import psutil
import pytest
from playwright.sync_api import expect

from book import assert_nothing_serious, until, watch
from booktools.browser import CHROMIUM_SHELL, FLAGS, require
from booktools.live_page import WAIT, kernel_output, live_cell, run_button, status
from booktools.live_server import free_port
from booktools.static_host import serving

AUTOGRAD = "chapters/01-autograd.html"
TITLE = "Run this page's code on your computer"
# What the build wrote below each cell, read before Live Code replaces it.
BOOK_OUTPUTS = "[...document.querySelectorAll('div.cell')].map(cell => cell.querySelector('.cell_output')?.innerText)"
PRINTED = re.compile(r"http://127\.0\.0\.1:\d+/\S*\?token=\w+")


def open_dialog(page, url=None):
    """The launch menu's "Your computer", as a reader picks it (on the page at url, if given); returns the dialog and
    the command it shows."""
    if url:
        page.goto(url)
    page.get_by_role("button", name="Launch interactive content").click()
    page.get_by_role("button", name="Your computer").click()
    dialog = page.get_by_role("dialog", name=TITLE)
    return dialog, dialog.locator("code").inner_text()


def server_options(command, origin=True):
    """The options the command gives `jupyter server`; without --ServerApp.allow_origin unless origin."""
    options = shlex.split(command.split("bin/jupyter server", 1)[1])
    return [option for option in options if origin or not option.startswith("--ServerApp.allow_origin=")]


@contextlib.contextmanager
def jupyter_server(options, folder):
    """`jupyter server` with the given options, from the tests' venv, in a folder of its own, as a reader's terminal
    starts it; yields the address it prints. Stopped, with every kernel it started, at the end."""
    port = free_port(0)
    folder.mkdir()
    command = [sys.executable, "-m", "jupyter_server", *options, f"--ServerApp.port={port}", "--port-retries=0"]
    command += [f"--ServerApp.root_dir={folder}", *(["--allow-root"] if os.geteuid() == 0 else [])]
    # Its own runtime and config folders: no configuration of this machine's user, and no files left behind.
    environment = {**os.environ, "JUPYTER_RUNTIME_DIR": str(folder / "runtime"), "JUPYTER_CONFIG_DIR": str(folder)}
    server = subprocess.Popen(command, env=environment, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    printed, said = threading.Event(), []

    def read():  # all it says, so that it never blocks on a full pipe
        for line in server.stderr:
            said.append(line)
            if PRINTED.search(line):
                printed.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert printed.wait(60), f"jupyter server printed no address:\n{''.join(said)}"
        yield PRINTED.search("".join(said)).group()
    finally:
        started = psutil.Process(server.pid).children(recursive=True)
        server.terminate()  # Ctrl-C's job; jupyter server shuts its kernels down on either
        server.wait(30)
        reader.join(10)
        for kernel in psutil.wait_procs(started, timeout=10)[1]:
            kernel.kill()
            raise AssertionError(f"jupyter server left a kernel running: {kernel}")


def sessions(address):
    """The sessions (kernels of pages) the server runs, as a program with its token asks."""
    base, query = address.split("?")
    with urllib.request.urlopen(f"{base}api/sessions?{query}", timeout=30) as answer:
        return json.load(answer)


def connect(dialog, address):
    """Give the dialog an address, as the reader pastes it, and press Connect."""
    dialog.get_by_label("The address it prints").fill(address)
    dialog.get_by_role("button", name="Connect").click()


def connected(page, dialog, address):
    """connect(), and wait until Live Code is ready on that server."""
    connect(dialog, address)
    page.wait_for_selector("html[data-live-code=ready]", state="attached", timeout=WAIT)


@pytest.mark.timeout(180)
def test_a_page_runs_its_cells_on_a_server_started_with_the_command_it_shows(new_page, site, tmp_path):
    page = new_page()
    problems = watch(page)
    page.goto(f"{site}/{AUTOGRAD}")
    book = page.evaluate(BOOK_OUTPUTS)
    dialog, command = open_dialog(page)
    expect(dialog).to_contain_text("Ctrl-C")
    assert command.startswith("python3.11 -m venv ") and "/binder/requirements.txt && " in command
    assert f"--ServerApp.allow_origin={site} " in f"{command} "  # this page's own origin, read where it is served
    with jupyter_server(server_options(command), tmp_path / "server") as address:
        connected(page, dialog, address)
        expect(dialog).to_have_count(0)
        for first_line in ["import torch", "var_1 = torch.tensor(3.0", "var_mult = var_1 * var_2"]:
            cell = live_cell(page, first_line)
            run_button(cell).click()
        index = page.locator("div.cell").evaluate_all("(cells, last) => cells.indexOf(last)", cell.element_handle())
        expect(kernel_output(cell)).to_contain_text(book[index].strip())
        assert page.evaluate("thebe.server.settings.baseUrl") == address.split("?")[0]
        token = address.split("token=")[1]
        # In this tab only: not in the page's address, not in storage that outlives the tab.
        assert token in page.evaluate("sessionStorage.getItem('live-code-own-server')")
        assert token not in page.url and token not in page.evaluate("JSON.stringify(localStorage)")
        page.close(run_before_unload=True)  # as a reader closes the tab: its kernel is shut down
        until(lambda: sessions(address) == [], "the closed page's kernel still runs")
    assert problems == []


@pytest.mark.timeout(180)
def test_a_server_that_does_not_name_the_sites_origin_refuses_its_pages(new_page, site, book, tmp_path):
    page = new_page()
    dialog, command = open_dialog(page, f"{site}/{AUTOGRAD}")
    status = dialog.get_by_role("status")
    with jupyter_server(server_options(command, origin=False), tmp_path / "plain") as address:
        connect(dialog, address)
        expect(status).to_contain_text("does not let this site in")
        expect(status).to_contain_text(f"--ServerApp.allow_origin={site}")
    # As another site would try it, with the address and token: the server names this site, not that one.
    with jupyter_server(server_options(command), tmp_path / "named") as address, serving(book / "html") as elsewhere:
        other = new_page()
        other_dialog, _ = open_dialog(other, f"{elsewhere}/{AUTOGRAD}")
        connect(other_dialog, address)
        expect(other_dialog.get_by_role("status")).to_contain_text("does not let this site in")
        assert other.evaluate("sessionStorage.length") == 0
        # The reader tries again, with the server the command starts: the page goes in.
        connected(page, dialog, address)


@pytest.mark.timeout(180)
def test_a_wrong_token_or_address_gets_a_plain_message_and_another_try(new_page, site, tmp_path):
    page = new_page()
    dialog, command = open_dialog(page, f"{site}/{AUTOGRAD}")
    status = dialog.get_by_role("status")
    with jupyter_server(server_options(command), tmp_path / "server") as address:
        base = address.split("?")[0]
        for given, said in [
            ("jupyter", "That is not an address"),
            (base, "That address has no token"),
            (f"{base}?token=0123456789abcdef", "The server refused that token"),
            (f"http://127.0.0.1:{free_port(0)}/?token=0123456789abcdef", "Nothing answers at"),
        ]:
            connect(dialog, given)
            expect(status).to_contain_text(said)
            assert page.evaluate("sessionStorage.length") == 0, given
        connected(page, dialog, address)


@pytest.mark.timeout(180)
def test_a_page_already_on_a_kernel_moves_to_the_server_given_next_and_says_when_it_stops(new_page, site, tmp_path):
    page = new_page()
    dialog, command = open_dialog(page, f"{site}/{AUTOGRAD}")
    with jupyter_server(server_options(command), tmp_path / "first") as first:
        connected(page, dialog, first)
        with jupyter_server(server_options(command), tmp_path / "second") as second:
            dialog, _ = open_dialog(page)
            connect(dialog, second)
            expect(status(page)).to_contain_text("Reconnected, to a new kernel")
            assert page.evaluate("thebe.server.settings.baseUrl") == second.split("?")[0]
            cell = live_cell(page, "import torch")
            run_button(cell).click()
            expect(status(page)).to_contain_text("Cell 1 ran.")
        # Stopped, as with Ctrl-C in its terminal: the page says so, and how to go on.
        expect(status(page)).to_contain_text("The Jupyter server on your computer does not answer")
        expect(page.get_by_role("button", name="Reconnect")).to_be_visible()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_finds_nothing_serious_in_the_dialog_and_its_message_on_phone_and_desktop(new_page, site, mode):
    page = new_page(color_scheme=mode)
    dialog, _ = open_dialog(page, f"{site}/{AUTOGRAD}")
    connect(dialog, "jupyter")
    expect(dialog.get_by_role("status")).to_contain_text("That is not an address")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 844})
        assert_nothing_serious(page)


@pytest.mark.timeout(180)
def test_a_public_site_says_what_to_allow_where_the_browser_keeps_it_from_the_readers_computer(
    playwright, site, tmp_path
):
    """As on the published site: Chromium takes the site for a public one (its address space overridden), so that
    its requests to 127.0.0.1 need the reader's leave (local network access)."""
    public = f"--ip-address-space-overrides=127.0.0.1:{urlsplit(site).port}=public"
    browser = playwright.chromium.launch(executable_path=require(CHROMIUM_SHELL), args=[*FLAGS, public])
    try:
        refused, allowed = browser.new_context(), browser.new_context()
        allowed.grant_permissions(["local-network-access"], origin=site)
        page = refused.new_page()
        page.goto(f"{site}/{AUTOGRAD}")
        devtools = refused.new_cdp_session(page)
        context_id = devtools.send("Target.getTargetInfo")["targetInfo"]["browserContextId"]
        for name in ["local-network-access", "loopback-network"]:  # as a reader who said no
            permission = {"name": name}
            devtools.send(
                "Browser.setPermission",
                {"permission": permission, "setting": "denied", "origin": site, "browserContextId": context_id},
            )
        dialog, command = open_dialog(page)
        with jupyter_server(server_options(command), tmp_path / "server") as address:
            connect(dialog, address)
            expect(dialog.get_by_role("status")).to_contain_text("Allow it local network access")
            page = allowed.new_page()
            dialog, _ = open_dialog(page, f"{site}/{AUTOGRAD}")
            connected(page, dialog, address)
    finally:
        browser.close()
