"""The built book as a JupyterHub service (`python -m booktools.hub_book`, started by the Hub: booktools.hub).

It serves _build/html to readers logged in to the Hub (JupyterHub's own OAuth: HubOAuthenticated), and answers the
Live Code address (`_static/live-code.json`) with the reader's own single-user server and a token that opens that
server alone (scope access:servers!server=<reader>/), starting the server through the Hub's API when it is not running.
The Hub's proxy serves the book, the Hub and the readers' servers from one origin, so a page needs no CORS. The token
goes to a page of this origin only, in an answer no cache keeps; it is never written to a file or a log.
"""

import asyncio
import contextlib
import json
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import httpclient, ioloop, web
from tornado.httpserver import HTTPServer

from booktools import ROOT

SITE = Path(os.environ.get("BOOK_SITE", ROOT / "_build" / "html"))
# A reader's server token lasts an evening's reading; a page that asks with less than half of it left gets a new one.
TOKEN_SECONDS = 4 * 3600
# The Retry-After of a 503 while the reader's server starts (Live Code asks again every 0.5 s; make_hub after this).
RETRY_SECONDS = 1


class Hub:
    """The Hub's REST API, as this service: with the token the Hub gave it in its environment."""

    url = os.environ.get("JUPYTERHUB_API_URL", "")

    @classmethod
    async def call(cls, method, path, body=None):
        """The status and JSON answer of one call; a Hub that does not answer is a plain 502 for the page."""
        try:
            answer = await httpclient.AsyncHTTPClient().fetch(
                url_path_join(cls.url, path),
                method=method,
                headers={"Authorization": f"token {os.environ['JUPYTERHUB_API_TOKEN']}"},
                body=json.dumps(body) if method == "POST" else None,
                raise_error=False,
                request_timeout=30,
            )
        except OSError as error:
            raise Refusal(
                502, f"the Hub is not answering ({error.strerror or error}): press Reconnect to try again."
            ) from None
        if answer.code == 599:  # tornado's code for no answer at all (a timeout)
            raise Refusal(502, "the Hub did not answer in 30 s: press Reconnect to try again.")
        return answer.code, json.loads(answer.body or "null")


class Refusal(Exception):
    """A plain answer to the page, which shows it on the Live Code status line after "Live code: "."""

    def __init__(self, status, why, retry=None):
        super().__init__(why)
        self.status, self.why, self.retry = status, why, retry


class SameOrigin(HubOAuthenticated):
    """JupyterHub's login, for the book's own pages. JupyterHub asks a request that a script makes (Sec-Fetch-Mode:
    cors) with its login cookie for an XSRF token, which neither a module script nor the page's fetch of
    live-code.json carries: the reader was sent to the login again and again. A browser's Sec-Fetch-Site, which no page
    can forge, tells a request from one of this origin's pages; any other read gets JupyterHub's check."""

    def check_xsrf_cookie(self):
        if self.request.method in ("GET", "HEAD") and self.request.headers.get("Sec-Fetch-Site") == "same-origin":
            return None
        return super().check_xsrf_cookie()


class Book(SameOrigin, web.StaticFileHandler):
    """The built book, to readers logged in to the Hub; others are sent to the Hub's login, then back."""

    def set_default_headers(self):
        # A page of another origin may not frame the book: framed, its pages would start the reader's server.
        self.set_header("Content-Security-Policy", "frame-ancestors 'self'")
        self.set_header("X-Frame-Options", "SAMEORIGIN")

    def set_extra_headers(self, path):
        # Asked again each time (a 304 when unchanged): a browser kept a page for itself, and showed it to a reader
        # who had logged out since.
        self.set_header("Cache-Control", "private, no-cache")

    @web.authenticated
    async def get(self, path, include_body=True):
        await super().get(path, include_body)

    @web.authenticated
    async def head(self, path):
        await super().head(path)


class LiveCode(SameOrigin, web.RequestHandler):
    """`_static/live-code.json`: the reader's server and its token, once the server is ready; a plain refusal that
    says why otherwise (a 503 with Retry-After while the server starts)."""

    starts = {}  # reader -> the Hub's answer to the start this service asked for, or the task asking it
    tokens = {}  # reader -> (token, when it expires): in this process's memory only

    async def get(self):
        self.set_header("Cache-Control", "no-store")
        try:
            # Request headers are what a page sends: a page of another site is refused before it starts anything.
            if self.request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
                raise Refusal(403, "live code is served to this book's own pages only.")
            name = await self.reader()
            url = await self.ready_server(name)
            self.set_header("Content-Type", "application/json")
            origin = f"{self.request.protocol}://{self.request.host}"
            self.finish(json.dumps({"server": {"baseUrl": origin + url, "token": await self.token(name)}}))
        except Refusal as refusal:
            self.set_status(refusal.status)
            if refusal.retry:
                self.set_header("Retry-After", str(refusal.retry))
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(refusal.why)

    async def reader(self):
        """The reader's name, asked of the Hub afresh: logging out revokes this service's token for the reader, but
        the answer for the book's other files is kept for five minutes (HubAuth.cache_max_age). A reader logged out
        loses the service's cookie here."""
        token = self.current_user and self.hub_auth.get_token(self)
        session = self.hub_auth.get_session_id(self)
        user = token and await self.hub_auth.user_for_token(token, use_cache=False, session_id=session, sync=False)
        if not user or user.get("kind", "user") != "user":
            self.hub_auth.clear_cookie(self)  # the page, reloaded, is sent to the Hub's login
            raise Refusal(403, "you are logged out of the Hub: reload this page to log in again.")
        return user["name"]

    async def ready_server(self, name):
        """The path of the reader's default server once it is ready; until then, a refusal that says it is starting.
        A start is asked of the Hub once, in the background, so that each ask of the page is answered at once."""
        code, user = await Hub.call("GET", f"users/{name}")
        if code != 200:
            raise Refusal(502, f"the Hub did not tell this book about you ({code}): press Reconnect to try again.")
        server = user.get("servers", {}).get("")
        start = self.starts.get(name)
        if server and server["ready"]:
            self.starts.pop(name, None)
            return urlsplit(server["url"]).path
        if start is None and not (server and server["pending"]):
            self.starts[name] = asyncio.ensure_future(Hub.call("POST", f"users/{name}/server"))
        elif start is not None and start.done() and not (server and server["pending"]):
            del self.starts[name]  # a Reconnect asks again
            code, answer = start.result() if start.exception() is None else (502, {"message": str(start.exception())})
            why = (answer or {}).get("message") or "it stopped as it started"
            raise Refusal(502, f"your Jupyter server on the Hub did not start ({why}): press Reconnect to try again.")
        raise Refusal(503, "Live code: starting your Jupyter server on the Hub", retry=RETRY_SECONDS)

    async def token(self, name):
        """A token for the reader's own server alone, made by the Hub for the reader, kept in memory while it has
        more than half its time left: every page of the reader's gets the same one."""
        token, expires = self.tokens.get(name, ("", 0))
        if expires - time.monotonic() > TOKEN_SECONDS / 2:
            return token
        request = {"scopes": [f"access:servers!server={name}/"], "expires_in": TOKEN_SECONDS, "note": "Live Code"}
        code, answer = await Hub.call("POST", f"users/{name}/tokens", request)
        if code != 201:
            raise Refusal(502, f"the Hub made no token for your server ({code}): press Reconnect to try again.")
        self.tokens[name] = answer["token"], time.monotonic() + TOKEN_SECONDS
        return answer["token"]


def application(prefix):
    """The service's routes under its prefix on the Hub (/services/book/)."""
    static = url_path_join(prefix, "_static/live-code.json")
    return web.Application(
        [
            (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
            (static, LiveCode),
            (url_path_join(prefix, "(.*)"), Book, {"path": str(SITE), "default_filename": "index.html"}),
        ],
        cookie_secret=os.urandom(32),  # the reader's login to this service lasts as long as the service
    )


def main():
    if not (SITE / "index.html").exists():
        raise SystemExit(f"No built book in {SITE}: run `make book` first.")
    bind = urlsplit(os.environ["JUPYTERHUB_SERVICE_URL"])
    server = HTTPServer(application(os.environ["JUPYTERHUB_SERVICE_PREFIX"]), xheaders=True)
    server.listen(bind.port, bind.hostname)
    with contextlib.suppress(KeyboardInterrupt):  # how the Hub stops its services: SIGINT, then SIGTERM
        ioloop.IOLoop.current().start()


if __name__ == "__main__":
    main()
