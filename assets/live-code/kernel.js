// The kernel: thebe's settings, a server and a session to run the cells on, and why a kernel went away.
import { path } from "./page.js";

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

// What the kernel's server says of it: "listed" (it runs), "unlisted" (it was shut down), or "silent".
export async function askServer(kernel) {
  const { baseUrl, token } = kernel.serverSettings;
  try {
    const answer = await fetch(`${baseUrl}api/kernels`, { headers: { Authorization: `token ${token}` } });
    const running = await answer.json();
    return running.some(({ id }) => id === kernel.id) ? "listed" : "unlisted";
  } catch {
    return "silent";
  }
}
