"""The kernel server's identity provider (`make live`): the only module that imports jupyter_server, loaded by the
kernel server itself (--ServerApp.identity_provider_class), never by the book's build or the site."""

from jupyter_server.auth.identity import IdentityProvider


class BookPagesOnly(IdentityProvider):
    """jupyter server lets any origin in that sends the token. A page of another site should never have it, but if
    it had, it still could not start a kernel or run code: the origin is checked on every request."""

    def should_check_origin(self, handler):
        return True
