"""The built book with live code on a private local Jupyter kernel: `python -m booktools.live_server` (make live).

Two servers on 127.0.0.1: the site, and a Jupyter server (booktools.kernel_server) for the book's origin only, with a
fresh token that is never written to a file, a command line or an environment. The site hands the kernel server's
address and token to one browser only: the one that opened the address printed here, which holds a fresh key (as
Jupyter's own address does). Ctrl-C (or SIGTERM) stops both. Imports nothing of Sphinx or myst-nb.
"""

import argparse
import contextlib
import errno
import functools
import http.server
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from booktools import ROOT
from booktools.live_site import SiteHandler

SITE = ROOT / "_build" / "html"


def free_port(preferred):
    """The preferred port if it is free on 127.0.0.1, else one the system picks (0 means: any)."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            # A port that `make live` left a moment ago still has connections winding down (TIME_WAIT); its next
            # start takes it again, so that the reader's open pages find the book where they left it.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    raise
                continue
            return probe.getsockname()[1]


def start_kernel_server(port, origin, token, kernels=None, grace=None):
    """The kernel server on loopback only, for the book's origin only, with at most `kernels` kernels, and a kernel
    whose page went away stopped after `grace` seconds (None: kernel_server.PageKernels' own). Its token goes through
    stdin: any user of the machine can read a command line, and every kernel inherits the server's environment."""
    command = [
        sys.executable,
        "-m",
        "booktools.kernel_server",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False",
        f"--ServerApp.allow_origin={origin}",
        f"--ServerApp.root_dir={ROOT}",
        # Kernels of closed pages go away after half an hour idle.
        "--MappingKernelManager.cull_idle_timeout=1800",
        "--MappingKernelManager.cull_interval=60",
        "--ServerApp.log_level=WARN",
        "--ServerApp.identity_provider_class=booktools.kernel_access.BookPagesOnly",
        "--ServerApp.kernel_manager_class=booktools.kernel_server.PageKernels",
        "--ServerApp.kernel_websocket_connection_class=booktools.page_connection.PageConnection",
        # Kernels talk to the server over unix sockets, which only this user can open, instead of five TCP ports each.
        "--KernelManager.transport=ipc",
    ]
    if kernels is not None:
        command.append(f"--PageKernels.max_kernels={kernels}")
    if grace is not None:
        command.append(f"--PageKernels.orphan_grace={grace}")
    if os.geteuid() == 0:
        command.append("--allow-root")
    # Its own session: a Ctrl-C in the terminal reaches only us (jupyter server would stop to ask "Shutdown?").
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server.relay = threading.Thread(target=relay, args=(server.stdout, token, sys.stdout), daemon=True)
    server.relay.start()
    server.stdin.write(token + "\n")
    server.stdin.close()
    return answering(server, port, token, origin)


def answering(server, port, token, origin):
    """The kernel server once it answers, or the end of `make live` with why it did not."""
    # A deadline, not a count of tries: each try may wait up to 5 s for an answer on a busy machine.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"The Jupyter kernel server stopped (exit code {server.returncode}); see its messages above.")
        with contextlib.suppress(OSError):
            kernel_api(port, token, origin, "api/status")
            return server
        time.sleep(0.1)
    server.terminate()
    sys.exit("The Jupyter kernel server did not answer within 30 s.")


def relay(messages, token, terminal):
    """The kernel server's messages, on to the terminal without the token: tornado logs the address of a request that
    failed, and a kernel's websocket carries the token in its address."""
    for line in messages:
        terminal.write(line.replace(token, "<token>"))
        terminal.flush()


def kernel_api(port, token, origin, path):
    # Like a page of the book: the kernel server answers no one else (kernel_access.BookPagesOnly).
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/{path}", headers={"Authorization": f"token {token}", "Origin": origin}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.loads(answer.read() or "null")


def live(port, kernels=None, grace=None):
    """Serve the built book on 127.0.0.1 with live code on a private local kernel server, until Ctrl-C."""
    if not (SITE / "index.html").exists():
        sys.exit(f"No built book in {SITE}: run `make live`, which builds it first.")
    site_port = free_port(port)
    if site_port != port:
        print(f"Port {port} is in use; serving the book on port {site_port} instead.")
    # Bound before the kernel server's port is chosen: both were free when asked, and could be the same port.
    book = http.server.ThreadingHTTPServer(("127.0.0.1", site_port), functools.partial(SiteHandler, directory=SITE))
    origin = f"http://127.0.0.1:{site_port}"
    kernel_port = free_port(0)
    server = serve_kernels(kernel_port, origin, kernels, grace)
    SiteHandler.new_key(site_port)
    signals = stop_signals()
    threading.Thread(target=book.serve_forever, daemon=True).start()
    print(f"The book, with live code on a local kernel: {origin}/?token={SiteHandler.key}", flush=True)
    print("Only a browser that opened that address (its key) gets live code. Ctrl-C stops both servers.", flush=True)
    try:
        while not signals:
            if server.poll() is not None:  # which reaps it: no zombie
                server = replace(server, kernel_port, origin, kernels, grace)
            time.sleep(0.1)
    finally:
        stop(book, server)


def serve_kernels(port, origin, *options):
    """A kernel server with a fresh token, whose address and token the site then hands to the book's pages."""
    token = secrets.token_urlsafe(32)
    server = start_kernel_server(port, origin, token, *options)
    SiteHandler.live_code = json.dumps({"server": {"baseUrl": f"http://127.0.0.1:{port}/", "token": token}})
    return server


def replace(server, port, origin, *options):
    """A kernel server that ended unasked (killed, crashed), with its kernels: a new one, on the same port if it is
    free, with a fresh token. Meanwhile the site tells pages to wait (SiteHandler.live_code None), and then hands them
    the new token, so that one Reconnect reaches it."""
    SiteHandler.live_code = None
    server.relay.join(timeout=5)  # its last words before ours
    code = server.returncode
    how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
    print(f"The kernel server stopped ({how}), and its kernels with it; starting a new one.", flush=True)
    server = serve_kernels(free_port(port), origin, *options)
    print("Started a new kernel server: open pages reach it with Reconnect.", flush=True)
    return server


def stop_signals():
    """The signals that came since (Ctrl-C, or `kill`, which stops as cleanly), in a list that only grows.

    The site is served from a thread, and a signal only notes that it came: a KeyboardInterrupt raised in the middle of
    socketserver (just after it accepted a connection) closed that connection under its handler thread, which printed
    an "OSError: Bad file descriptor" traceback. A list, as a signal handler may not take a lock: one that set a
    threading.Event while the main thread held the event's lock in wait() would hang for ever."""
    signals = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, frame: signals.append(signum))
    return signals


def stop(book, server):
    """Stop the site, then the kernel server and its kernels."""
    # A second Ctrl-C (or `kill`) cuts the wait for busy kernels short.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    book.shutdown()
    book.server_close()
    # jupyter server shuts its kernels down on SIGTERM, a busy one once it has answered an interrupt (at most
    # kernel_server.PageKernels.SETTLE_SECONDS).
    server.terminate()
    try:
        server.wait(timeout=20)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):  # or a second Ctrl-C: it does not outlive us
        server.kill()
        print("The kernel server did not stop within 20 s: killed it.", flush=True)
    server.relay.join(timeout=5)  # its last messages before ours
    print("Stopped the book and its kernel server.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=live.__doc__)
    parser.add_argument("--port", type=int, default=8000, help="the site's port (default: %(default)s)")
    parser.add_argument("--kernels", type=int, help="the most kernels at once (default: PageKernels.max_kernels)")
    parser.add_argument(
        "--grace",
        type=float,
        help="seconds before a kernel whose page went away is stopped (default: PageKernels.orphan_grace)",
    )
    live(**vars(parser.parse_args()))
