"""`make live` lets in only the person who started it (issue 29). Each test tries one way in, as another program or
another user of this machine would, or as a page of another origin in Chromium, and shows it refused."""

import http.client
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jupyter_core.paths import jupyter_runtime_dir
from playwright.sync_api import expect

from book import answer, until
from booktools.kernel_server import PageKernels
from booktools.live_page import press_live_code, status
from booktools.live_server import free_port
from booktools.make_live import LiveServer
from booktools.static_host import serving

AUTOGRAD = "chapters/01-autograd.html"
# What Chromium sends with a page's fetch of live-code.json: any program can send it too.
BROWSER_LIKE = {
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-Mode": "cors",
    "Sec-Fetch-Dest": "empty",
    "Accept": "*/*",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36",
}
# Another user of the machine: root can become one; a CI runner can through sudo.
AS_NOBODY = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else ["sudo", "-n", "-u", "nobody", "--"]


def kernels(server):
    return {kernel["id"] for kernel in server.api("api/kernels")}


def holds(path, secret):
    """Whether a file holds secret; a file another program removed a moment ago holds nothing."""
    try:
        return secret.encode() in path.read_bytes()
    except FileNotFoundError:
        return False


def new_session(server, path):
    """A kernel for a page, started as a page starts one (the sessions API); returns the session."""
    return server.api("api/sessions", "POST", {"path": path, "type": "notebook", "kernel": {"name": "python3"}})


@pytest.mark.parametrize("headers", [{}, BROWSER_LIKE], ids=["plain", "browser-like"])
def test_another_program_is_not_told_the_token(live, headers):
    _, token = live.kernel_server
    referer = {"Referer": f"{live.url}/{AUTOGRAD}"} if headers else {}
    status, body = answer(f"{live.url}/_static/live-code.json", {**headers, **referer})
    assert (status, token in body) == (403, False), body
    assert "address `make live` printed" in body


def test_another_user_of_the_machine_is_not_told_the_token(live):
    _, token = live.kernel_server
    headers = [option for name, value in BROWSER_LIKE.items() for option in ("-H", f"{name}: {value}")]
    probe = ["curl", "-s", "-w", "\n%{http_code}", *headers, f"{live.url}/_static/live-code.json"]
    done = subprocess.run([*AS_NOBODY, *probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "403" and token not in done.stdout, done.stdout


def test_a_program_with_the_token_but_no_page_of_the_book_is_refused(live):
    base, token = live.kernel_server
    before, auth = kernels(live), {"Authorization": f"token {token}"}
    assert answer(f"{base}/api/kernels", auth)[0] == 403  # no Origin: a program, not a browser
    assert answer(f"{base}/api/kernels", auth, "POST")[0] == 403
    assert answer(f"{base}/api/kernels", {**auth, "Origin": "http://127.0.0.1:1"})[0] in (403, 404)
    assert kernels(live) <= before  # none started (an earlier test's may be going)
    assert answer(f"{base}/api/kernels", {**auth, "Origin": live.url})[0] == 200  # as a page of the book asks


def test_the_printed_address_gives_a_cookie_no_script_and_no_other_site_can_use(live):
    def visit(path):
        connection = http.client.HTTPConnection(urlsplit(live.url).netloc, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, dict(response.getheaders())
        finally:
            connection.close()

    key = live.address.split("token=")[1]
    status, headers = visit(f"/{AUTOGRAD}?token={key}")
    assert (status, headers["Location"]) == (303, f"/{AUTOGRAD}")  # the key leaves the address bar
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= {part.strip() for part in headers["Set-Cookie"].split(";")}
    assert visit(f"//attacker.example/?token={key}")[1]["Location"] == "/attacker.example/"  # stays on the book
    assert visit(f"/?token=not-{key}")[0] == 403


def test_a_browser_that_did_not_open_the_printed_address_gets_no_kernel_and_is_told_why(browser, live):
    before = kernels(live)
    context = browser.new_context()  # not one of the tests' own: those open the printed address
    try:
        page = context.new_page()
        page.goto(f"{live.url}/{AUTOGRAD}")
        press_live_code(page)
        expect(status(page)).to_contain_text("has not opened the address `make live` printed")
        assert kernels(live) <= before  # none started (an earlier test's may be going)
    finally:
        context.close()


def test_a_page_of_another_origin_cannot_frame_the_book(live, page, tmp_path):
    """In the reader's own browser, which opened the printed address: the frames would be of the book's origin, and
    start kernels."""
    frames = "".join(f'<iframe src="{live.url}/chapters/{name}.html"></iframe>' for name in ("01-autograd", "index"))
    (tmp_path / "index.html").write_text(f"<!doctype html><title>Another site</title>{frames}")
    before = kernels(live)
    with serving(tmp_path) as address:
        page.goto(f"{address}/")  # returns once the frames have loaded, or failed to
        framed = [frame for frame in page.frames if frame != page.main_frame]
        assert len(framed) == 2
        assert [frame.url for frame in framed if frame.url.startswith(live.url)] == []
        assert kernels(live) <= before  # none started (an earlier test's may be going)
    headers = urllib.request.urlopen(f"{live.url}/{AUTOGRAD}", timeout=30).headers
    assert (headers["Content-Security-Policy"], headers["X-Frame-Options"]) == ("frame-ancestors 'self'", "SAMEORIGIN")


def test_kernels_are_capped_per_page_and_in_all_and_the_page_says_so(book, page):
    with LiveServer(free_port(0), kernels=2) as server:
        server.sign_in(page.context)
        server.api("api/kernels", "POST")  # a kernel for no page counts as one page
        with pytest.raises(urllib.error.HTTPError) as refused:
            server.api("api/kernels", "POST")
        assert refused.value.code == 409
        new_session(server, "first.ipynb")
        with pytest.raises(urllib.error.HTTPError) as refused:
            new_session(server, "second.ipynb")
        assert refused.value.code == 429
        assert "at most 2 kernels at once" in json.load(refused.value)["message"]
        page.goto(f"{server.url}/{AUTOGRAD}")
        press_live_code(page)
        expect(status(page)).to_contain_text("`make live` runs at most 2 kernels at once")
        assert len(kernels(server)) == 2
        output = server.stop()
    assert "Traceback" not in output and "Stopped the book and its kernel server" in output


def test_a_kernel_no_page_reached_is_stopped_without_waiting_for_it_to_settle(live):
    """No page connected: its state says "starting" for good, and a DELETE waited out PageKernels.SETTLE_SECONDS
    (5.2 s each; 478 s for 91 kernels). Not a measure of speed: the wait is there, or it is not. The kernel's start
    is not counted: it has opened its sockets (as it does once its imports are done) before the DELETE. Nothing asks
    it anything meanwhile, which would tell its server it had started."""
    session = new_session(live, "never-reached.ipynb")
    connection = json.loads(live.kernel_process(session["kernel"]["id"])[1].read_text())
    channels = [Path(f"{connection['ip']}-{connection[f'{name}_port']}") for name in ("shell", "iopub", "control")]
    until(lambda: all(channel.is_socket() for channel in channels), "the kernel never opened its sockets", seconds=60)
    start = time.monotonic()
    live.api(f"api/sessions/{session['id']}", "DELETE")
    took = time.monotonic() - start
    assert session["kernel"]["id"] not in kernels(live)
    assert took < PageKernels.SETTLE_SECONDS, f"the DELETE took {took:.1f} s"


def test_the_token_is_in_no_file_of_the_runtime_folder_and_in_no_kernels_environment(live):
    _, token = live.kernel_server
    session = new_session(live, "environment.ipynb")
    try:
        kernel, _ = live.kernel_process(session["kernel"]["id"])
        server = kernel.parent()
        files = [path for path in Path(jupyter_runtime_dir()).iterdir() if path.is_file()]  # not the kernels' sockets
        assert [path.name for path in files if holds(path, token)] == []
        assert not [path.name for path in files if path.name.startswith(f"jpserver-{server.pid}")]
        for process in (server, kernel):
            assert [name for name, value in process.environ().items() if token in value] == []
            assert token not in " ".join(process.cmdline())
    finally:
        live.api(f"api/sessions/{session['id']}", "DELETE")


def test_bad_paths_and_kernel_names_get_a_plain_refusal_and_one_line_in_the_terminal(live):
    base, token = live.kernel_server
    as_the_page = {"Authorization": f"token {token}", "Origin": live.url}
    seen = len(live.output)
    status, body = answer(f"{live.url}/index.html%00.json")
    assert (status, body) == (400, "a path with a null byte")
    assert [answer(f"{live.url}/{folder}/")[0] for folder in ("_static", "_sources")] == [404, 404]  # no listings
    for name in ("../../etc/passwd", "no-such-kernel"):
        status, body = answer(f"{base}/api/kernels", as_the_page, "POST", {"name": name})
        assert (status, json.loads(body)["message"]) == (404, f"there is no kernel named {name!r}")
        session = {"path": "odd.ipynb", "type": "notebook", "kernel": {"name": name}}
        assert answer(f"{base}/api/sessions", as_the_page, "POST", session)[0] == 404
    # The kernel server's lines reach the terminal a moment later.
    until(lambda: live.output[seen:].count("404 POST /api/sessions") == 2, "the refusals did not reach the terminal")
    printed = live.output[seen:]
    assert "Traceback" not in printed, printed
    assert printed.count("index.html%00.json") == 1
    assert printed.count("404 POST /api/kernels") == 2 and printed.count("404 POST /api/sessions") == 2, printed
