"""`make live`'s kernel server: jupyter server (`python -m booktools.kernel_server`) with what it loads of ours
(--ServerApp.kernel_manager_class; kernel_websocket_connection_class is page_connection's, identity_provider_class
kernel_access's). With those two, the only modules that import jupyter_server, never loaded by the book's build or the
site."""

import asyncio
import contextlib
import functools
import time

import tornado.log
from jupyter_server._tz import utcnow
from jupyter_server.serverapp import ServerApp
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.services.sessions.handlers import SessionRootHandler
from tornado import web
from tornado.ioloop import IOLoop
from traitlets import Dict, Float, Integer, List, default


class BookServer(ServerApp):
    """jupyter server, less the two files it writes its token into, in the user's runtime folder: jpserver-<pid>.json
    (which only `jupyter server list` reads) and jpserver-<pid>-open.html (for a browser it never opens here)."""

    def write_server_info_file(self):
        pass

    @default("no_browser_open_file")
    def _no_browser_open_file(self):
        return True  # not a setting: jupyter server 2.21 ignores --ServerApp.no_browser_open_file ("not recognized")

    @default("tornado_settings")
    def _tornado_settings(self):
        # No websocket pings. jupyter server's own, in milliseconds, reach tornado as seconds (jupyter_server#1612),
        # which warned on the first page's connection that their timeout was longer than their interval. On loopback
        # there is no proxy to keep a connection open for, and a browser that dies has its sockets closed by the system.
        return {"ws_ping_interval": 0}

    def _signal_stop(self, sig, frame):
        """SIGTERM is how `make live` stops it (and says so): no "received signal 15, stopping" at CRITICAL level."""
        self.stop(from_signal=True)

    def init_webapp(self):
        super().init_webapp()  # then the sessions API's handler, as PageSessions
        for rule in self.web_app.wildcard_router.rules:
            rule.target = PageSessions if rule.target is SessionRootHandler else rule.target

    def init_logging(self):
        super().init_logging()  # a refusal is one line, the access log's, not three (with "wrote error" and tornado's)
        self.log.addFilter(lambda record: not str(record.msg).startswith("wrote error"))
        tornado.log.gen_log.addFilter(lambda record: record.msg != "%d %s: %s")


class PageSessions(SessionRootHandler):
    """The sessions API (how a page starts its kernel), with PageKernels' refusals as they are (not made 500s), and
    readable by the page: tornado dropped the CORS headers as it wrote an error, and the page said "Failed to fetch"."""

    def write_error(self, status_code, **kwargs):
        self.set_cors_headers()
        super().write_error(status_code, **kwargs)

    async def post(self):
        try:
            return await super().post()
        except web.HTTPError as error:
            if isinstance(error.__cause__, web.HTTPError):
                raise error.__cause__ from None
            raise


class PageKernels(AsyncMappingKernelManager):
    """The pages' kernels, listed while they start and stopped between cells, not in the middle of one."""

    # How long a kernel is waited for, to finish starting and to answer an interrupt, before it is stopped all the same.
    SETTLE_SECONDS = 5
    max_kernels = Integer(12, config=True, help="How many kernels may run at once, all pages together.")
    starting = List()  # the pages whose kernels are on their way, not yet in the list
    orphan_grace = Float(
        60,
        config=True,
        help="How long a kernel that lost its last page's connection waits for one before it is stopped: a browser "
        "that crashed closes its pages without a word, and their kernels would wait for the idle cull.",
    )
    orphans = Dict()  # kernel id -> the timer that stops it, while no page is connected to it

    async def _async_start_kernel(self, *, kernel_id=None, path=None, **kwargs):
        """One kernel per page (which the sessions API names; none counts as one), max_kernels in all. Uncapped, a page
        framing 20 of the book's pages warmed 20 kernels (5.4 GB), a script with the token started 91 in 15 s."""
        if kernel_id is not None and kernel_id in self:
            return await super()._async_start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        page = kwargs.get("env", {}).get("JPY_SESSION_NAME", "")
        self.admit(page, kwargs.get("kernel_name"))
        self.starting.append(page)
        try:
            kernel_id = await super()._async_start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        finally:
            self.starting.remove(page)
        self._kernels[kernel_id].page = page
        return kernel_id

    def admit(self, page, kernel_name):  # a plain refusal, which the page shows, not a 500 and a traceback
        if kernel_name is not None and kernel_name not in self.kernel_spec_manager.find_kernel_specs():
            raise web.HTTPError(404, f"there is no kernel named {kernel_name!r}")
        pages = [kernel.page for kernel in self._kernels.values() if hasattr(kernel, "page")] + self.starting
        if len(pages) >= self.max_kernels:
            most = f"{self.max_kernels} kernels" if self.max_kernels > 1 else "one kernel"
            raise web.HTTPError(429, f"`make live` runs at most {most} at once: close a page of the book that has one")
        if page in pages:
            raise web.HTTPError(409, "this page has a kernel already")

    def notify_connect(self, kernel_id):
        super().notify_connect(kernel_id)
        self._kernels[kernel_id].reached = True  # by a page (PageConnection)
        if timer := self.orphans.pop(kernel_id, None):
            IOLoop.current().remove_timeout(timer)

    def notify_disconnect(self, kernel_id):
        super().notify_disconnect(kernel_id)
        if self._kernel_connections.get(kernel_id) == 0 and kernel_id not in self.orphans:
            stop = functools.partial(self.stop_orphan, kernel_id)
            self.orphans[kernel_id] = IOLoop.current().call_later(self.orphan_grace, stop)

    async def stop_orphan(self, kernel_id):
        self.orphans.pop(kernel_id, None)
        if kernel_id in self and self._kernel_connections.get(kernel_id) == 0:
            self.log.warning(
                "Stopped a kernel whose page went away without closing (no page for %g s).", self.orphan_grace
            )
            with contextlib.suppress(web.HTTPError):  # its page's DELETE came first after all
                await self.shutdown_kernel(kernel_id)

    def kernel_model(self, kernel_id):
        """jupyter_client adds a new kernel to the list a step before jupyter_server marks it as starting: a GET
        api/kernels in between answered 500, as the kernel had no last activity to show (seen in the tests, which
        poll it while a page starts its kernel)."""
        kernel = self._kernels.get(kernel_id)
        if kernel is not None and not kernel.trait_has_value("last_activity"):
            kernel.execution_state, kernel.last_activity = "starting", utcnow()  # as jupyter_server's next step does
        return super().kernel_model(kernel_id)

    async def between_cells(self, kernel_id):
        """A kernel stopped while it ran a cell (the imports a page starts as it opens, when the reader closes the page
        or presses Restart a moment later, or Ctrl-C on `make live`) closed its sockets under that cell, which then
        failed to send its reply: a ZMQError traceback. jupyter_client interrupts a kernel as it stops it, but does not
        wait for the cell to end; and a kernel still starting, not yet able to take an interrupt, died of it with a
        KeyboardInterrupt traceback. So a starting kernel is first let start, and a busy one is interrupted and let
        finish: SETTLE_SECONDS at most for both, then it is stopped all the same."""
        kernel = self._kernels.get(kernel_id)
        if kernel is None:
            return
        deadline = time.monotonic() + self.SETTLE_SECONDS

        async def until(done):
            while not done() and time.monotonic() < deadline:
                await asyncio.sleep(0.1)

        await until(kernel.ready.done)
        if getattr(kernel, "reached", False):
            await until(lambda: kernel.execution_state != "starting")
        else:  # no page reached it, so it says "starting" for good (5.2 s each to wait out): until it answers instead
            client = kernel.client()
            client.start_channels()
            try:
                with contextlib.suppress(RuntimeError):  # no answer in time: it is stopped all the same
                    await client.wait_for_ready(timeout=max(deadline - time.monotonic(), 0))
            finally:
                client.stop_channels()
        # One with no process (it died, and the server is starting it again) is listed as busy, with nothing to
        # interrupt: jupyter_client raised RuntimeError, which failed the stopping server's shutdown_all (killed 20 s
        # later by live_server), or waited for ever on a kernel that never started.
        if kernel.execution_state == "busy" and kernel.ready.done() and kernel.has_kernel:
            with contextlib.suppress(RuntimeError):  # its process ended a moment ago
                await kernel.interrupt_kernel()
            await until(lambda: kernel.execution_state != "busy")
        kernel.stopping = True  # from here on, PageConnection passes it nothing more to run

    # Every way a kernel is stopped comes through these: a page's DELETE or Restart, shutdown_all, culling. Named twice,
    # as jupyter_server's aliases point at its own methods (and jupyter_client's at its own shutdown_all).
    async def _async_shutdown_kernel(self, kernel_id, now=False, restart=False):
        if not now:
            await self.between_cells(kernel_id)
        return await super()._async_shutdown_kernel(kernel_id, now=now, restart=restart)

    async def _async_restart_kernel(self, kernel_id, now=False):
        if not now:
            await self.between_cells(kernel_id)
        try:
            restarted = await super()._async_restart_kernel(kernel_id, now=now)
        finally:  # the new kernel takes what the page sends, or the old one again if it could not be started
            self._kernels[kernel_id].stopping = False
        # jupyter_server hands back a future of the new kernel's first answer, which its handler drops: the page's
        # Restart came back (and a Ctrl-C could follow) before the new kernel could take an interrupt.
        await restarted
        return restarted

    async def _async_shutdown_all(self, now=False):
        """Every kernel, as the server stops. A page closed at that moment stops its own kernel too (DELETE), and when
        that came first, jupyter_client's shutdown_all failed whole on it ("Kernel does not exist"): the server never
        stopped, and live_server killed it 20 s later. So a kernel gone by its turn counts as stopped."""

        async def stop(kernel_id):
            try:
                await self._async_shutdown_kernel(kernel_id, now=now)
            except web.HTTPError as error:
                if error.status_code != 404:
                    raise

        await asyncio.gather(*map(stop, self.list_kernel_ids()))

    start_kernel, shutdown_kernel, restart_kernel = _async_start_kernel, _async_shutdown_kernel, _async_restart_kernel
    shutdown_all = _async_shutdown_all


if __name__ == "__main__":
    BookServer.launch_instance()
