"""How a page's messages reach its kernel in `make live`'s kernel server (booktools.kernel_server loads it as
--ServerApp.kernel_websocket_connection_class)."""

import contextlib
import json

from jupyter_server.services.kernels.connection.base import deserialize_binary_message, deserialize_msg_from_ws_v1
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from tornado.websocket import WebSocketClosedError


class PageConnection(ZMQChannelsWebsocketConnection):
    """A page's websocket to its kernel. A kernel being stopped (PageKernels.between_cells) is sent nothing more, and
    one sent a request to run code is marked busy at once, not a moment later when it says so. Either way, a kernel
    that looked idle was stopped under a cell that reached it: a page closed as its warm-up imports went out left a
    ZMQError traceback (seen in a test run beside a book build)."""

    def handle_incoming_message(self, incoming_msg):
        if getattr(self.kernel_manager, "stopping", False):
            return
        super().handle_incoming_message(incoming_msg)
        if not self.channels or self.kernel_manager.execution_state != "idle":  # closed, or busy already
            return
        # The message as the base class reads it (it keeps nothing of it): the v1 protocol's frames, or JSON.
        if self.subprotocol == "v1.kernel.websocket.jupyter.org":
            channel, parts = deserialize_msg_from_ws_v1(incoming_msg)
            header = self.session.unpack(parts[0])
        else:
            message = (deserialize_binary_message if isinstance(incoming_msg, bytes) else json.loads)(incoming_msg)
            channel, header = message.get("channel") or "shell", message["header"]
        if channel == "shell" and self.multi_kernel_manager.track_message_type(header["msg_type"]):
            self.kernel_manager.execution_state = "busy"  # as the kernel's own status, on its way, will say

    @property
    def write_message(self):
        """The page's websocket's write_message, as jupyter_server calls it, but with its failure read: a page closed
        while a message was on its way failed the future it returns, which jupyter_server leaves unread, and asyncio
        printed "Task exception was never retrieved" with two tracebacks."""

        def write(message, binary=False):
            with contextlib.suppress(WebSocketClosedError):
                sent = self.websocket_handler.write_message(message, binary=binary)
                sent.add_done_callback(lambda done: done.cancelled() or done.exception())
                return sent

        return write
