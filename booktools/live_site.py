"""The site `make live` serves (booktools.live_server): the built book, plus the kernel server's address and token
for the one browser that opened the address `make live` printed. Nothing here starts or imports a server."""

import hmac
import http.cookies
import http.server
import secrets
import urllib.parse


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """The built book, plus the kernel's address and token at the one URL live-code.js asks, for the browser that
    opened the address `make live` printed."""

    live_code = key = ""  # set by live_server.live(); live_code is None while it starts a new kernel server
    cookie = ("", "")  # the name and value of the cookie the key is exchanged for

    @classmethod
    def new_key(cls, port):
        """The key, printed in the address, and the cookie, never shown. The cookie's name carries the port: a browser
        sends every cookie of 127.0.0.1 to each of its ports, and a second `make live` would replace the first's."""
        cls.key, cls.cookie = secrets.token_urlsafe(32), (f"live-code-{port}", secrets.token_urlsafe(32))

    def end_headers(self):
        # A page of another origin may not frame the book: a framed page is of the book's own origin, and a page on
        # another port framed 20 of them, each of which started a kernel.
        self.send_header("Content-Security-Policy", "frame-ancestors 'self'")
        self.send_header("X-Frame-Options", "SAMEORIGIN")
        super().end_headers()

    def do_GET(self):
        address = urllib.parse.urlsplit(self.path)
        if "token" in urllib.parse.parse_qs(address.query):
            return self.sign_in(address)
        if address.path.endswith("/_static/live-code.json"):
            return self.send_live_code()
        super().do_GET()

    def sign_in(self, address):
        """The printed address: its key becomes a cookie that no script can read (HttpOnly) and that a browser sends
        only from pages of this site (SameSite=Strict: not when another site links or frames it), and leaves the
        address bar. Like Jupyter's, it works for as long as `make live` runs: the reader may open a second browser."""
        given = urllib.parse.parse_qs(address.query)["token"][0]
        if not hmac.compare_digest(given.encode(), self.key.encode()):
            return self.refuse(403, "This is not the address the running `make live` printed: open that one.")
        self.send_response(303)
        self.send_header("Location", "/" + address.path.lstrip("/"))  # never another host's address ("//host")
        self.send_header("Set-Cookie", "{}={}; HttpOnly; SameSite=Strict; Path=/".format(*self.cookie))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_live_code(self):
        # Request headers are what a page sends, and any program can send them too: the cookie is what counts. The
        # others refuse a page of a host name that resolves to 127.0.0.1 (DNS rebinding) and of another origin.
        name, value = self.cookie
        held = http.cookies.SimpleCookie(self.headers.get("Cookie", "")).get(name)
        if not (held and hmac.compare_digest(held.value.encode(), value.encode())):
            why = "this browser has not opened the address `make live` printed (with its key): open it, then reload"
            return self.refuse(403, why + " this page.")
        if self.headers.get("Host") != f"127.0.0.1:{self.server.server_port}":
            return self.refuse(403, "Live code is served to http://127.0.0.1 only")
        if self.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return self.refuse(403, "Live code is served to this book's own pages only")
        if self.live_code is None:  # live_server is starting a new kernel server
            return self.send_text(503, "`make live` is starting a new kernel server", "text/plain; charset=utf-8")
        self.send_text(200, self.live_code, "application/json")

    def refuse(self, status, why):
        """A plain answer, and one line in the terminal."""
        print(f"Refused {self.command} {urllib.parse.urlsplit(self.path).path!r}: {why}", flush=True)
        self.send_text(status, why, "text/plain; charset=utf-8")

    def send_text(self, status, text, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(text.encode())))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(text.encode())

    def send_head(self):
        # A path with a null byte (/index.html%00.json) failed open() with a ValueError traceback in the terminal.
        if "\0" in self.translate_path(self.path):
            return self.refuse(400, "a path with a null byte")
        return super().send_head()

    def list_directory(self, path):
        self.send_error(404)  # the site's own folders (_static, _sources) are no one's business to browse

    def log_message(self, format, *args):
        pass  # one line per request drowns the kernel server's messages
