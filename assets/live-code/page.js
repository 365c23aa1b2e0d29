// What every page with code does before any click: find where the kernel lives, and with a kernel server on this
// computer (`make live`), start the page's kernel at once and shut it down when the page goes away. The rest of Live
// Code loads on the click (session.js).
//
// Where the kernel lives is read from _static/live-code.json: the build writes Binder settings there, and `make live`
// answers the same address with a local kernel server and a fresh token, so no token is ever written into the site.
export const root = document.documentElement.dataset.content_root ?? "";
// Not crypto.randomUUID: it exists only on https and localhost, and a site served over plain http must work too.
const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16)).join("");
// A path of its own gives each page, even two tabs of one chapter, its own kernel.
export const path = `${DOCUMENTATION_OPTIONS.pagename}-${randomId().slice(0, 8)}.ipynb`;
// `make live` refuses a browser that has not opened the address it printed, and says why in plain text.
// While it starts a new kernel server (the last one stopped), it answers 503.
export const readSettings = () => fetch(`${root}_static/live-code.json`, { cache: "no-store" })
  .then(async (r) => (r.ok ? r.json() : Promise.reject(Object.assign(new Error(await r.text()),
    r.status === 503 ? { restarting: true } : { refused: true }))));

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

async function warmUp({ server }) {
  const headers = { Authorization: `token ${server.token}` };
  const response = await fetch(`${server.baseUrl}api/sessions`, {
    method: "POST",
    headers,
    body: JSON.stringify({ path, name: path, type: "notebook", kernel: { name: "python3" } }),
  });
  const { id, kernel } = await response.json();
  own(server, id);
  const socket = new WebSocket(`${server.baseUrl.replace(/^http/, "ws")}api/kernels/${kernel.id}/channels?token=${server.token}`);
  const header = { msg_id: randomId(), session: randomId(), msg_type: "execute_request" };
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
export const letGo = () => warm?.close();

// Resolves once a local kernel is warming up (or at once, where there is none to warm).
export const warming = ["127.0.0.1", "localhost"].includes(location.hostname) && document.querySelector("div.cell")
  ? readSettings().then((found) => found.server && warmUp(found)).catch((error) => console.warn(error))
  : Promise.resolve();
