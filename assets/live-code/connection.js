// The page's connection to its kernel: the first one, Reconnect, Restart, and noticing when the kernel goes away.
import { confirmLoss, say } from "./bar.js";
import { askServer, newServer, startSession, starting } from "./kernel.js";
import { letGo, own } from "./local.js";
import { ownServer } from "./own.js";
import { readSettings } from "./page.js";
import * as queue from "./queue.js";
import { apply, page, pump } from "./runner.js";
import { READY, gone } from "./words.js";

let local = false;
let ownRestart = false; // a restart the reader asked for is under way
export const setLocal = (settings) => {
  local = settings.server !== undefined;
  return local;
};

// Connect the cells to a kernel: the server bootstrap started to reach, or a new one (Reconnect).
export async function connect(server) {
  const first = page.state.kernel === null;
  if (!server) {
    apply(queue.connecting(page.state));
    let settings;
    try {
      settings = await serverSettings(); // `make live` started again answers with a new port and token
    } catch (error) {
      apply(queue.lost(page.state));
      return say(error.refused ? `Live code: ${error.message}`
        : "The book's server is not answering: start `make live` again, then press Reconnect.", "error");
    }
    say(starting(setLocal(settings)));
    server = newServer(settings);
  }
  try {
    page.session = await startSession(server);
  } catch (error) {
    apply(queue.lost(page.state));
    return say(`Live code could not reach a kernel: ${String(error.message ?? error).split("\n")[0]}. Reconnect ` +
      "tries again.", "error");
  }
  if (local) own(server.settings, page.session.id);
  letGo(); // the page's own connection holds its kernel from now on
  watchKernel(page.session);
  const { same } = apply(queue.connected(page.state, page.session.kernel.id));
  document.documentElement.dataset.liveCode = "ready";
  if (first) {
    say(`Live code is ready, on ${local ? "a kernel on this computer" : "Binder"}. Shift+Enter or Run runs a ` +
      "cell, after the cells above it that have not run (solutions only if opened). In a cell, Esc then Tab moves on.",
    "ready");
  } else {
    say(same ? "Reconnected, to the same kernel: what the cells made is still there."
      : `Reconnected, to a new kernel on which nothing has run. ${READY}`, "ready");
  }
  pump();
}

export async function restart() {
  const lose = page.state.cells.some((cell) => cell.ran) || queue.busy(page.state);
  if (lose && !(await confirmLoss("Restart the kernel?", "The variables, models and gradients of the cells you " +
    "ran are lost; the outputs on the page stay. A cell you run next runs the cells above it first.", "Restart"))) {
    return;
  }
  apply(queue.restarting(page.state));
  say("Restarting the kernel…");
  const restarting = page.session;
  ownRestart = true;
  try {
    await restarting.restart();
  } catch (error) {
    if (restarting === page.session) lost(`The kernel did not restart (${error.message ?? error}). Reconnect starts a new one.`);
    return;
  } finally {
    ownRestart = false;
  }
  if (restarting !== page.session || page.state.connection !== "restarting") return;
  apply(queue.connected(page.state, restarting.kernel.id));
  say(`Restarted: a fresh kernel, on which nothing has run. ${READY}`, "ready");
  pump();
}

function lost(why) {
  apply(queue.lost(page.state));
  say(why, "error");
}

// While `make live` starts a new kernel server (its last one stopped), the site answers 503: wait for the new one,
// so that one Reconnect is enough.
// A 503 says what the server is starting (`make live` a new kernel server; a JupyterHub the reader's server).
// A server on the reader's own computer, which they gave in this tab (own.js), comes first.
export async function serverSettings() {
  const mine = ownServer();
  if (mine) return { server: mine };
  for (const deadline = Date.now() + SERVER_START_MS; ;) {
    try {
      return await readSettings();
    } catch (error) {
      if (!error.restarting || Date.now() > deadline) throw error;
      say(`${error.message}…`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
const SERVER_START_MS = 60_000;

// How the site answers for the kernel server's settings, against the token of the server the page was on.
async function askSite(token) {
  if (!local) return "binder";
  if (ownServer()) return "own";
  try {
    return (await readSettings()).server.token === token ? "same" : "new";
  } catch (error) {
    return error.restarting ? "restarting" : error.refused ? "refused" : "silent";
  }
}

// Why the kernel went away: what its server, and the site, say now.
async function diagnose(kernel, status) {
  const server = await askServer(kernel);
  return gone({ status, server, site: server === "silent" ? await askSite(kernel.serverSettings.token) : null });
}

// The kernel can go away under the page: its server stopped, or it died or was shut down (idle kernels are culled).
function watchKernel(watched) {
  const kernel = watched.kernel;
  const current = () => watched === page.session;
  kernel.statusChanged.connect(async (_, status) => {
    if (!current()) return;
    if (status === "autorestarting" && !ownRestart) { // the server saw its process end, and started it again
      apply(queue.fresh(page.state));
      say(gone({ status }), "error");
    } else if (status === "dead") {
      apply(queue.lost(page.state));
      const why = await diagnose(kernel, status);
      if (current() && page.state.connection === "gone") say(why, "error");
    }
  });
  kernel.connectionStatusChanged.connect((_, status) => {
    if (!current()) return;
    if (status === "connected") {
      if (page.state.connection !== "gone") return;
      apply(queue.connected(page.state, kernel.id));
      say("Reconnected, to the same kernel: what the cells made is still there.", "ready");
    } else if (!ownRestart) {
      // A kernel that restarts reconnects too: give it a moment before asking its server what happened.
      setTimeout(async () => {
        if (!current() || page.state.connection !== "ready" || kernel.connectionStatus === "connected") return;
        const why = await diagnose(kernel);
        if (current() && page.state.connection === "ready") lost(why);
      }, 2000);
    }
  });
}
