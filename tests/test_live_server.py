"""`make live` (booktools.live_server): it starts and stops cleanly, and its kernel server, which runs code on the
reader's machine, lets no one else in. Each security test tries one way in, as another program or as a page of
another origin in Chromium."""

import asyncio
import concurrent.futures
import contextlib
import io
import json
import os
import socket
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from jupyter_client import BlockingKernelClient
from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

from book import HTML, ROOT, port_open, until
from booktools.kernel_server import PageKernels
from booktools.live_page import start_live_code
from booktools.live_server import free_port, relay
from booktools.make_live import LiveServer
from booktools.static_host import serving

AUTOGRAD = "chapters/01-autograd.html"


@pytest.fixture(scope="module")
def kernel_server(live):
    """The kernel server's address and token, as the book's own pages are told them."""
    return live.kernel_server


def call(url, token=None, method="GET", headers=None):
    """An HTTP status from the kernel server (or the book's site)."""
    request = urllib.request.Request(
        url,
        method=method,
        data=b"{}" if method == "POST" else None,
        headers={**({"Authorization": f"token {token}"} if token else {}), **(headers or {})},
    )
    try:
        return urllib.request.urlopen(request).status
    except urllib.error.HTTPError as refused:
        return refused.code


def kernels(live):
    return {kernel["id"] for kernel in live.api("api/kernels")}


def states(live):
    """Each kernel's execution state, by id, as the server lists them."""
    return {kernel["id"]: kernel["execution_state"] for kernel in live.api("api/kernels")}


@pytest.fixture(scope="module")
def kernel(live):
    """A running kernel, started with the token as a book page starts one; stopped after the module's tests (make
    live holds one kernel without a page at a time: a second is refused, 409)."""
    started = live.api("api/kernels", method="POST")["id"]
    yield started
    live.api(f"api/kernels/{started}", "DELETE")


def listening(process, children=True):
    """The TCP addresses a process (and all its children) listen on."""
    addresses = set()
    for p in [process, *(process.children(recursive=True) if children else [])]:
        # A kernel shut down a moment ago may be gone, or a zombie that listens on nothing.
        with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
            addresses |= {
                (c.laddr.ip, c.laddr.port) for c in p.net_connections("inet") if c.status == psutil.CONN_LISTEN
            }
    return addresses


def ask_kernel(live, kernel, code="", expression="None"):
    """Run code in the kernel, reached as its server reaches it (through its connection file); return the value of
    expression, as text. Only the kernel's reply is read, which a busy machine cannot make us miss."""
    client = BlockingKernelClient(connection_file=str(live.kernel_process(kernel)[1]))
    client.load_connection_file()
    client.start_channels()
    try:
        reply = client.execute(code, user_expressions={"value": expression}, reply=True, timeout=60)
    finally:
        client.stop_channels()
    return reply["content"]["user_expressions"]["value"]["data"]["text/plain"]


def test_kernels_talk_to_their_server_over_unix_sockets_only_this_user_can_open(live, kernel):
    process, connection_file = live.kernel_process(kernel)
    connection = json.loads(connection_file.read_text())
    assert connection["transport"] == "ipc"
    channels = {
        f"{connection['ip']}-{connection[f'{channel}_port']}"
        for channel in ("shell", "iopub", "stdin", "control", "hb")
    }
    assert ask_kernel(live, kernel, expression="6 * 7") == "42"  # reached through those sockets
    assert channels <= {c.laddr for c in process.net_connections("unix")}
    folder = Path(connection["ip"]).parent
    assert folder.stat().st_uid == os.geteuid() and folder.stat().st_mode & 0o077 == 0
    # Its one TCP port is ipykernel's own, hard-wired pipe for the output of processes it forks, on loopback (and
    # deaf to any message without a random key); not one of the channels that carry code.
    pipe = int(ask_kernel(live, kernel, expression="get_ipython().kernel.iopub_thread._pipe_port"))
    assert listening(process, children=False) == {("127.0.0.1", pipe)}


def test_opening_a_page_prints_no_warning_about_tcp(live, page):
    before = {session["id"] for session in live.api("api/sessions")}
    page.goto(f"{live.url}/{AUTOGRAD}")  # the page starts its own kernel as it opens
    new = lambda: [s for s in live.api("api/sessions") if s["id"] not in before]  # noqa: E731
    started = until(new, "the page started no kernel")
    kernel = started[0]["kernel"]["id"]
    # A line the kernel writes to the terminal after whatever it wrote when it started: once `make live` has
    # printed it, it has printed everything before it.
    marker = f"kernel {kernel} is up"
    ask_kernel(live, kernel, f"import sys; print({marker!r}, file=sys.__stderr__, flush=True)")
    until(lambda: marker in live.output, "the kernel's line did not reach make live's terminal")
    page.close(run_before_unload=True)
    assert "over TCP without encryption" not in live.output


def test_every_port_it_opens_listens_on_loopback_only(live, kernel):
    # The site, the kernel server, and one port per running kernel: ipykernel's pipe (its channels are unix sockets).
    # Counted again until the two agree: a kernel opens its port a moment after the server answers, and the kernel
    # of an earlier test's page may still be on its way out.
    def agreed():
        expected, ports = 2 + len(kernels(live)), listening(psutil.Process(live.process.pid))
        return ports if len(ports) == expected else None

    listening_on = until(agreed, "the ports never matched the site, the kernel server and one per kernel")
    assert {ip for ip, _ in listening_on} == {"127.0.0.1"}
    # Nothing answers on the machine's other addresses.
    others = [
        a.address
        for addrs in psutil.net_if_addrs().values()
        for a in addrs
        if a.family == socket.AF_INET and not a.address.startswith("127.")
    ]
    for address in others:
        for _, port in listening_on:
            with socket.socket() as probe:
                probe.settimeout(1)
                assert probe.connect_ex((address, port)) != 0, f"{address}:{port} answers"


@pytest.mark.parametrize("token", [None, "wrong-token"], ids=["no token", "a wrong token"])
def test_a_request_without_the_token_is_refused(live, kernel_server, kernel, token):
    base, _ = kernel_server
    before = kernels(live)
    assert call(f"{base}/api/kernels", token, method="POST") == 403
    assert call(f"{base}/api/kernels", token) == 403
    assert call(f"{base}/api/kernels/{kernel}/interrupt", token, method="POST") == 403
    assert call(f"{base}/api/contents", token) == 403  # the reader's files
    assert call(f"{base}/api/kernels/{kernel}/channels", token, headers={"Upgrade": "websocket"}) in (400, 403)
    assert kernels(live) == before


@pytest.fixture(scope="module")
def foreign_page(browser, tmp_path_factory):
    """A page served from another origin (another port on 127.0.0.1), in the same browser as the book."""
    folder = tmp_path_factory.mktemp("foreign")
    (folder / "index.html").write_text("<!doctype html><title>Another site</title><p>Nothing to see.")
    with serving(folder) as address:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{address}/")
        yield page
        context.close()


FETCH = """async ([url, options]) => {
    try { const response = await fetch(url, options); return `${response.status} ${await response.text()}`; }
    catch (error) { return `blocked: ${error.message}`; }
}"""

WEBSOCKET = """url => new Promise(resolve => {
    const socket = new WebSocket(url);
    socket.onopen = () => resolve("open");
    socket.onclose = () => resolve("refused");
    setTimeout(() => resolve("no answer"), 5000);
})"""


def test_a_page_of_another_origin_cannot_learn_the_token(live, foreign_page, kernel_server):
    _, token = kernel_server
    answer = foreign_page.evaluate(FETCH, [f"{live.url}/_static/live-code.json", {}])
    assert answer.startswith("blocked") and token not in answer
    # Even where the browser would let the request out unread (no-cors), with the cookie, the site sends no token.
    headers = {"Sec-Fetch-Site": "same-site", "Cookie": live.cookie}
    assert call(f"{live.url}/_static/live-code.json", headers=headers) == 403


def test_a_page_of_another_origin_cannot_start_a_kernel_even_with_the_token(live, foreign_page, kernel_server):
    base, token = kernel_server
    before = kernels(live)
    tries = [
        {"method": "POST", "headers": {"Authorization": f"token {token}"}, "body": "{}"},
        {"method": "POST", "mode": "no-cors", "body": "{}"},  # a plain form post: no CORS check by the browser
    ]
    for options in tries:
        answer = foreign_page.evaluate(FETCH, [f"{base}/api/kernels?token={token}", options])
        assert not answer.startswith("201"), answer
    assert kernels(live) == before


def test_a_page_of_another_origin_cannot_run_code_even_with_the_token(foreign_page, kernel_server, kernel):
    base, token = kernel_server
    channels = f"{base.replace('http', 'ws', 1)}/api/kernels/{kernel}/channels?token={token}"
    assert foreign_page.evaluate(WEBSOCKET, channels) == "refused"


def test_the_token_is_in_no_file_of_the_book_and_in_no_log(live, kernel_server, kernel):
    _, token = kernel_server
    call(f"{kernel_server[0]}/api/kernels?token={token}")  # servers like to log the addresses they were asked
    call(f"{kernel_server[0]}/api/kernels?token=wrong-{token}")
    folders = [ROOT / name for name in ("_build", "chapters", "assets", "tests", "binder")]
    files = [path for folder in folders for path in folder.rglob("*") if path.is_file()]
    files += [path for path in ROOT.iterdir() if path.is_file()]
    assert len(files) > 50
    assert [path for path in files if token.encode() in path.read_bytes()] == []
    # What `make live` printed: the terminal, and what a CI job would keep as its log.
    assert "live code on a local kernel" in live.output
    assert token not in live.output


def test_the_token_is_served_to_the_page_never_written_into_the_site(live):
    request = urllib.request.Request(f"{live.url}/_static/live-code.json", headers={"Cookie": live.cookie})
    served = json.load(urllib.request.urlopen(request))
    token = served["server"]["token"]
    assert len(token) >= 32
    assert "server" not in json.loads((HTML.parent / "_static" / "live-code.json").read_text())
    # A page reached under another host name (DNS rebinding, say) is not told the token.
    renamed = urllib.request.Request(
        f"{live.url}/_static/live-code.json", headers={"Host": "attacker.example", "Cookie": live.cookie}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(renamed)
    assert refused.value.code == 403
    assert not [path for path in HTML.parent.rglob("*") if path.is_file() and token.encode() in path.read_bytes()]
    # Without the token, the kernel server refuses to start a kernel.
    kernels = f"{served['server']['baseUrl']}api/kernels"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(kernels, data=b"{}", method="POST"))
    assert refused.value.code == 403


def test_ctrl_c_stops_the_book_and_its_kernel_server(book):
    server = LiveServer(free_port(0))
    kernel_port = int(server.kernel_server[0].rsplit(":", 1)[1])
    site_port = int(server.url.rsplit(":", 1)[1])
    assert port_open(site_port) and port_open(kernel_port)
    output = server.stop()
    assert "Stopped the book and its kernel server" in output
    assert not port_open(site_port) and not port_open(kernel_port)
    assert "Traceback" not in output


# What a reader may do while a page's kernel runs a cell (here, the imports each page starts as it opens), before
# Ctrl-C: the kernel server interrupts the cell before it stops the kernel (kernel_server.PageKernels).
def only_ctrl_c(server, page, kernel):
    pass


def close_the_page(server, page, kernel):
    page.close(run_before_unload=True)
    until(lambda: kernel not in kernels(server), "the closed page's kernel was not shut down")


def restart_the_kernel(server, page, kernel):
    server.api(f"api/kernels/{kernel}/restart", method="POST")  # as the page's Restart does


@pytest.mark.parametrize(
    "action", [only_ctrl_c, close_the_page, restart_the_kernel], ids=lambda action: action.__name__
)
def test_a_kernel_stopped_in_the_middle_of_a_cell_leaves_no_traceback(book, page, action):
    with LiveServer(free_port(0)) as server:
        server.sign_in(page.context)
        page.goto(f"{server.url}/{AUTOGRAD}")  # the page starts its kernel, which imports the book's libraries
        busy = until(
            lambda: [kernel for kernel, state in states(server).items() if state == "busy"],
            "the page's kernel never started its imports",
        )
        action(server, page, busy[0])
        output = server.stop()
    assert "Stopped the book and its kernel server" in output
    assert "Traceback" not in output and "Error" not in output, output[-3000:]


def test_a_page_closed_as_make_live_stops_leaves_no_traceback(book, page):
    """The page's DELETE and the server's own shutdown both stop its kernel. When the page's came first, jupyter_client
    failed the whole shutdown ("Kernel does not exist"), and make live hung 20 s before it killed its kernel server."""
    with LiveServer(free_port(0)) as server:
        server.sign_in(page.context)
        page.goto(f"{server.url}/{AUTOGRAD}")
        until(lambda: "idle" in states(server).values(), "the page's kernel never finished its imports")
        page.close(run_before_unload=True)
        output = server.stop()
    assert "Stopped the book and its kernel server" in output
    assert "Traceback" not in output and "Error" not in output, output[-3000:]


def test_a_kernel_counts_as_busy_from_the_moment_a_cell_is_sent_to_it(live, page):
    """Not a moment later, when the kernel says so: in between, a page closed or make live stopped did not wait for
    the cell (PageKernels.between_cells), and stopped the kernel under it, with a ZMQError traceback (seen beside a
    book build: a page closed as its warm-up imports went out)."""

    def state():
        return states(live).get(kernel)

    page.goto(f"{live.url}/{AUTOGRAD}")
    start_live_code(page)
    kernel = page.evaluate("thebe.session.kernel.id")
    until(lambda: state() == "idle", "the page's kernel never finished its imports")
    process, _ = live.kernel_process(kernel)
    process.suspend()  # a busy machine: the kernel's own "busy" comes late
    try:
        page.evaluate("() => { thebe.session.kernel.requestExecute({ code: 'pass' }); }")
        until(lambda: state() == "busy", "the kernel looked idle with a cell on its way")
    finally:
        process.resume()
    until(lambda: state() == "idle", "the kernel did not look idle once it had run the cell")


def test_a_kernel_still_starting_is_listed_as_starting_not_as_a_server_error():
    kernels = PageKernels()
    # As jupyter_client leaves it for a moment: in the list, not yet marked by jupyter_server (it answered 500).
    kernels._kernels["new"] = ServerKernelManager(kernel_name="python3")
    assert [(kernel["id"], kernel["execution_state"]) for kernel in kernels.list_kernels()] == [("new", "starting")]


@pytest.mark.parametrize("started", [True, False], ids=["died", "never_started"])
def test_a_busy_kernel_with_no_process_is_stopped_without_an_interrupt(started, monkeypatch):
    """As a kernel is that the out-of-memory killer stopped, while its server starts it again: listed as busy, with no
    process. A stopping `make live` failed on one (RuntimeError: Cannot interrupt kernel), and hung 20 s."""
    monkeypatch.setattr(PageKernels, "SETTLE_SECONDS", 0.5)
    kernels = PageKernels()
    kernels._kernels["busy"] = kernel = ServerKernelManager(kernel_name="python3")
    kernel.execution_state = "busy"
    if started:
        kernel.ready.set_result(None)
    # In a thread of its own: Playwright's sync API holds this thread's event loop once a browser test has run.
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        thread.submit(lambda: asyncio.run(asyncio.wait_for(kernels.between_cells("busy"), timeout=10))).result()


def test_the_kernel_servers_messages_reach_the_terminal_without_the_token():
    token = "a-token-of-thirty-two-characters"
    terminal = io.StringIO()
    relay(io.StringIO(f"GET /api/kernels/1/channels?token={token}\nstarted\n"), token, terminal)
    assert terminal.getvalue() == "GET /api/kernels/1/channels?token=<token>\nstarted\n"


def test_a_busy_port_gets_another_free_port_and_says_so(book):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with LiveServer(port) as server:
            assert f"Port {port} is in use" in server.output
            assert not server.url.endswith(f":{port}")
            assert urllib.request.urlopen(f"{server.url}/{AUTOGRAD}").status == 200
