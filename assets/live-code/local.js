// A page's kernel on a server it was given (`make live`, a JupyterHub, the reader's own): warmed up as the page opens
// where `make live` serves it, and shut down when the page goes away. Loaded only where there is such a server, so
// that a page of the published site (Binder) does not carry it.
import { path, randomId } from "./page.js";

// The local kernel server's session of this page, shut down when the page goes away.
let owned = null;
export const own = (server, id) => {
  owned = { server, id };
};

// Every page opened would otherwise leave a kernel behind (a few hundred MB each) until it is culled, idle.
addEventListener("pagehide", () => owned && fetch(`${owned.server.baseUrl}api/sessions/${owned.id}`,
  { method: "DELETE", headers: { Authorization: `token ${owned.server.token}` }, keepalive: true }));

// With a kernel server on this computer (`make live`), the page's kernel starts as the page opens, and imports the
// book's libraries, which the reader would otherwise wait for after the click. __import__ binds no name, so the
// reader's cells see the kernel as fresh. Binder is never started unasked.
const WARM_UP = '__import__("numpy"); __import__("torch"); __import__("matplotlib.pyplot")';

export async function warmUp({ server }) {
  const headers = { Authorization: `token ${server.token}` };
  const response = await fetch(`${server.baseUrl}api/sessions`, {
    method: "POST",
    headers,
    body: JSON.stringify({ path, name: path, type: "notebook", kernel: { name: "python3" } }),
  });
  const { id, kernel } = await response.json();
  own(server, id);
  // Its session named in the address, as thebe does: jupyter server warns of a connection without one.
  const header = { msg_id: randomId(), session: randomId(), msg_type: "execute_request" };
  const socket = new WebSocket(`${server.baseUrl.replace(/^http/, "ws")}api/kernels/${kernel.id}/channels`
    + `?session_id=${header.session}&token=${server.token}`);
  socket.onopen = () => socket.send(JSON.stringify({
    header: { ...header, username: "", version: "5.3", date: new Date().toISOString() },
    parent_header: {},
    metadata: {},
    content: { code: WARM_UP, silent: true, store_history: false, user_expressions: {}, allow_stdin: false },
    channel: "shell",
    buffers: [],
  }));
  // Open until Live Code connects (letGo): `make live` stops a kernel that has lost its last page's connection, as
  // a crashed browser's, and this page may wait long for the click.
  warm = socket;
}

let warm = null;
// A socket still connecting is closed once open: closed while the server prepares its kernel's connection,
// jupyter_server's handler raises (it reads the connection its own close handler has just dropped).
export const letGo = () => (warm?.readyState === WebSocket.CONNECTING
  ? warm.addEventListener("open", () => warm.close())
  : warm?.close());
