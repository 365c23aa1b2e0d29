"""The built site served as a static host (GitHub Pages) serves it: for `make serve`, the tests, Lighthouse and the
benchmark alike, so that what they measure is what a reader gets.

    python -m booktools.static_host [--port 8000] [--site _build/html]

Text is gzip-compressed for a browser that accepts it, over connections that stay open (Python's http.server
default, HTTP/1.0, opens one per file and sends everything as it is).
"""

import argparse
import contextlib
import errno
import functools
import gzip
import http.server
import io
import sys
import threading
from pathlib import Path

from booktools import ROOT

SITE = ROOT / "_build" / "html"
COMPRESSED = (".html", ".css", ".js", ".json", ".svg", ".txt")


class StaticHost(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path /= "index.html"
        if not (path.suffix in COMPRESSED and path.is_file() and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(site=SITE, port=0):
    """site served on 127.0.0.1 (a free port unless one is given) from a background thread; yields its address."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(StaticHost, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--site", type=Path, default=SITE)
    arguments = parser.parse_args()
    if not (arguments.site / "index.html").exists():
        sys.exit(f"No built book in {arguments.site}: run `make book` first.")
    try:
        with serving(arguments.site, arguments.port) as address:
            print(f"Serving the book on {address}/ (Ctrl-C stops it)", flush=True)
            threading.Event().wait()
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        sys.exit(f"Port {arguments.port} is in use: try `make serve PORT={arguments.port + 1}`.")
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
