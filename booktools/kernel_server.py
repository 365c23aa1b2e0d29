"""What `make live`'s kernel server loads of ours (--ServerApp.identity_provider_class, kernel_manager_class): the
only module that imports jupyter_server, never loaded by the book's build or the site."""

from jupyter_server._tz import utcnow
from jupyter_server.auth.identity import IdentityProvider
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager


class BookPagesOnly(IdentityProvider):
    """jupyter server lets any origin in that sends the token. A page of another site should never have it, but if
    it had, it still could not start a kernel or run code: the origin is checked on every request."""

    def should_check_origin(self, handler):
        return True


class StartingKernelsListed(AsyncMappingKernelManager):
    """jupyter_client adds a new kernel to the list a step before jupyter_server marks it as starting: a GET
    api/kernels in between answered 500, as the kernel had no last activity to show (seen in the tests, which poll it
    while a page starts its kernel). Ctrl-C's wait for busy kernels asks the same, and gave up on that answer."""

    def kernel_model(self, kernel_id):
        kernel = self._kernels.get(kernel_id)
        if kernel is not None and not kernel.trait_has_value("last_activity"):
            kernel.execution_state, kernel.last_activity = "starting", utcnow()  # as jupyter_server's next step does
        return super().kernel_model(kernel_id)
