"""Who may use `make live`'s kernel server (booktools.kernel_server, which loads this as its
--ServerApp.identity_provider_class): the book's own pages, with the token `make live` gives it on stdin."""

import sys

from jupyter_server.auth.identity import IdentityProvider
from traitlets import default


class BookPagesOnly(IdentityProvider):
    """Only the book's own pages, with the token: a browser names a page's origin in each request to another origin
    and each websocket. jupyter server let in a program with the token and no Origin, and any origin with the token."""

    @default("token")
    def _token_default(self):
        # live_server hands it over on stdin: every kernel inherits the server's environment (a cell that printed
        # os.environ showed JUPYTER_TOKEN), and any user of the machine can read a command line.
        token = sys.stdin.readline().strip()
        if len(token) < 32:  # an empty token would let everyone in
            sys.exit("The kernel server was given no token on stdin.")
        return token

    def should_check_origin(self, handler):
        return True

    def get_user(self, handler):
        if handler.request.headers.get("Origin") != handler.settings.get("allow_origin"):
            return None
        return super().get_user(handler)

    # Nor its login cookie, which it set on the token's first use: a browser sends it to every port of 127.0.0.1, and
    # it held for 30 days, signed with a key kept in a file (jupyter_cookie_secret) that outlives `make live`.
    def get_user_cookie(self, handler):
        return None

    def set_login_cookie(self, handler, user):
        pass
