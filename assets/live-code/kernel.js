// The kernel: where it lives, thebe's settings, a local kernel warmed up as the page opens, and why one went away.
//
// Where the kernel lives is read from _static/live-code.json: the build writes Binder settings there, and `make live`
// answers the same address with a local kernel server and a fresh token, so no token is ever written into the site.
export const root = document.documentElement.dataset.content_root ?? "";
// Not crypto.randomUUID: it exists only on https and localhost, and a site served over plain http must work too.
const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16)).join("");
// A path of its own gives each page, even two tabs of one chapter, its own kernel.
const path = `${DOCUMENTATION_OPTIONS.pagename}-${randomId().slice(0, 8)}.ipynb`;
export const readSettings = () => fetch(`${root}_static/live-code.json`, { cache: "no-store" }).then((r) => r.json());

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
  socket.onmessage = ({ data }) => JSON.parse(data).msg_type === "execute_reply" && socket.close();
}

// Resolves once a local kernel is warming up (or at once, where there is none to warm).
export const warming = ["127.0.0.1", "localhost"].includes(location.hostname) && document.querySelector("div.cell")
  ? readSettings().then((found) => found.server && warmUp(found)).catch((error) => console.warn(error))
  : Promise.resolve();

export const options = (settings) => ({
  requestKernel: false,
  useBinder: settings.server === undefined,
  binderOptions: settings.binder,
  serverSettings: settings.server,
  kernelOptions: { kernelName: "python3", path },
  selector: "div.cell pre[data-executable]",
  outputSelector: "div.cell .cell_output",
  // The site's math is typeset when the book is built; thebe must not fetch a MathJax from a CDN.
  mathjaxUrl: "",
  mountStatusWidget: false,
  mountActivateWidget: false,
  // One Run button per cell is added by cells.js; thebe's run all and restart buttons sat on every cell.
  mountRunButton: false,
  mountRunAllButton: false,
  mountRestartButton: false,
  mountRestartAllButton: false,
  // Long lines wrap: an editor that scrolls sideways hides the end of its lines.
  codeMirrorConfig: { lineNumbers: false, theme: "default", lineWrapping: true },
});

// A server to start a kernel on: a local one, or a new one on Binder (Reconnect after Binder stopped the last one).
export function newServer(settings) {
  const { api } = window.thebeCore;
  const config = api.makeConfiguration(options(settings), window.thebe.events);
  return settings.server ? api.connectToJupyter(config) : api.connectToBinder(config);
}

// The page's cells on a new session of the server's: resolves to the session, or throws why not.
export async function startSession(server) {
  await server.ready;
  const session = await server.startNewSession(window.thebe.notebook.rendermime);
  if (!session) throw new Error("the kernel did not start");
  window.thebe.notebook.attachSession(session);
  window.thebe.server = server;
  window.thebe.session = session;
  return session;
}

// What Binder is doing, in words for a reader who may wait minutes for it.
const BINDER = {
  building: "Binder is building the book's image, as it does the first time after the book changes: this can take " +
    "several minutes. The next start skips it.",
  built: "Binder has the book's image; starting a server with a kernel…",
  launching: "Binder is starting a server with a kernel…",
};

export const binderPhase = (message) => BINDER[/^Binder is: (\w+)/.exec(message ?? "")?.[1]];

export const starting = (local) => (local ? "Live code: starting a kernel on this computer…"
  : "Live code: starting a kernel on Binder, a free public service. The first start after the book changes " +
    "builds Binder's image for it, which can take several minutes; otherwise a start takes about a minute.");

export const STOPPED = "The kernel has stopped: it died, or was shut down after a long idle time. Reconnect starts a " +
  "new one.";

// Why the kernel cannot be reached, from its server's list of running kernels.
export async function diagnose(kernel, local) {
  const { baseUrl, token } = kernel.serverSettings;
  try {
    const answer = await fetch(`${baseUrl}api/kernels`, { headers: { Authorization: `token ${token}` } });
    const running = await answer.json();
    return running.some(({ id }) => id === kernel.id) ? "Lost the connection to the kernel; trying again. " +
      "Reconnect tries now." : STOPPED;
  } catch {
    return local ? "The kernel server is not answering: `make live` has stopped. Start it again, then press " +
      "Reconnect." : "The Binder server has gone away (Binder stops a server that sits idle for about ten " +
      "minutes). Reconnect starts a new one.";
  }
}
