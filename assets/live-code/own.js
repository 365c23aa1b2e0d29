// The reader's own computer: Live Code on a Jupyter server the reader starts with the one command this dialog shows
// (the launch menu's "Your computer"). The address and token it prints are kept in this tab only (sessionStorage):
// never in localStorage, which outlives the tab, nor in the page's address, which history and links keep.
import { loadStyles, make } from "./bar.js";
import { root } from "./page.js";

const KEY = "live-code-own-server";
export const ownServer = () => JSON.parse(sessionStorage.getItem(KEY) ?? "null");

// The packages of binder/requirements.txt (hash-locked for Linux x86-64 and Python 3.11, hence python3.11), Jupyter's
// server at the book's version (the lock's hashes forbid adding it to the same pip), and a server that lets in pages
// of this site: the origin the page is served from, so that one build works wherever it is published.
export const command = ({ requirements, jupyterServer }) => "python3.11 -m venv pytorch-book && cd pytorch-book && " +
  `bin/pip install -r ${requirements} && bin/pip install ${jupyterServer} && ` +
  `bin/jupyter server --ServerApp.ip=127.0.0.1 --ServerApp.allow_origin=${location.origin}`;

// The address the server printed, as {baseUrl, token}, or a plain reason why it is not one.
export function parse(text) {
  let url;
  try {
    url = new URL(text.trim());
  } catch {
    return { error: "That is not an address. Paste the whole line the server printed, starting with http://127.0.0.1" };
  }
  const token = url.searchParams.get("token");
  if (!/^https?:$/.test(url.protocol) || !token) {
    return { error: "That address has no token. Paste the whole line the server printed, with its ?token=…" };
  }
  return { baseUrl: `${url.origin}${url.pathname.replace(/[^/]*$/, "")}`, token };
}

const answers = (request) => request.then(() => true, () => false);

// Whether the browser keeps this page from the reader's computer: Chrome's local network access, which a public site
// needs for 127.0.0.1 and the reader can refuse (Chromium knows the permission by both names below).
async function blocked() {
  for (const name of ["loopback-network", "local-network-access"]) {
    const state = await navigator.permissions?.query({ name }).then((found) => found.state, () => null);
    if (state) return state === "denied";
  }
  return false;
}

// Ask the server, as Live Code will: null if it lets this page in with that token, else what the reader should do.
export async function probe({ baseUrl, token }) {
  // Jupyter answers its version to any page it lets in, and to another site's page with no CORS header to read.
  if (await answers(fetch(`${baseUrl}api`, { cache: "no-store" }).then((r) => r.ok || Promise.reject()))) {
    const status = fetch(`${baseUrl}api/status`, { headers: { Authorization: `token ${token}` }, cache: "no-store" });
    if (await answers(status.then((r) => r.ok || Promise.reject()))) return null;
    return "The server refused that token. Paste the address it printed this time, with its token (a server " +
      "started again prints a new one).";
  }
  if (await answers(fetch(`${baseUrl}api`, { mode: "no-cors", cache: "no-store" }))) {
    return `A server answers at ${baseUrl}, but it does not let this site in: it was started without ` +
      `--ServerApp.allow_origin=${location.origin}. Stop it (Ctrl-C in its terminal), start it with the command ` +
      "above, and paste the address it prints.";
  }
  if (await blocked()) {
    return `Your browser does not let this site reach servers on your computer, so it cannot reach ${baseUrl}. ` +
      "Allow it local network access (in Chrome: the icon left of the address, then the site's settings), then " +
      "press Connect again.";
  }
  return `Nothing answers at ${baseUrl}. Is the server still running, and is that the address it printed? If your ` +
    "browser asks whether this site may reach apps and devices on your computer or network, allow it.";
}

function dialog(commandText) {
  // Not type="url": the browser's own check would stop a bad address before the page can say why in words.
  const field = make("input", { type: "text", inputMode: "url", id: "live-code-own-address", autocomplete: "off",
    spellcheck: false, placeholder: "http://127.0.0.1:8888/?token=…" });
  const line = make("p", { className: "live-code-status" });
  line.setAttribute("role", "status");
  const copy = make("button", { type: "button", textContent: "Copy the command",
    onclick: () => navigator.clipboard?.writeText(commandText).then(() => { copy.textContent = "Copied"; }) });
  const element = make("dialog", { className: "live-code-dialog live-code-own" },
    make("h2", { id: "live-code-own-title", textContent: "Run this page's code on your computer" }),
    make("p", { textContent: `Live Code can run the cells on a Jupyter server on your computer instead of Binder. ` +
      `That server runs the code this site (${location.origin}) sends it, as you, with your files: start it only ` +
      "if you trust this site, and stop it with Ctrl-C in its terminal when you are done." }),
    make("p", { textContent: "1. In a terminal, run:" }),
    make("pre", {}, make("code", { textContent: commandText })), copy,
    make("p", { className: "live-code-hint", textContent: "It makes a folder pytorch-book, where the code's files " +
      "go, with the book's packages in it (about 1.5 GB), as locked for Linux on x86-64 and Python 3.11. Elsewhere, " +
      "install torch, numpy, matplotlib, scikit-learn and jupyter-server yourself and run the part from jupyter " +
      "server on." }),
    // Enter in the field connects: Connect is the form's one submit button.
    make("form", { method: "dialog" },
      make("p", {}, make("label", { htmlFor: field.id, textContent: "2. The address it prints, with its token " +
        "(kept in this tab only; if your browser then asks whether this site may reach your device, allow it):" })),
      field, line,
      make("div", { className: "live-code-own-buttons" },
        make("button", { type: "button", textContent: "Cancel", onclick: () => element.close() }),
        make("button", { value: "connect", textContent: "Connect" }))));
  element.setAttribute("aria-labelledby", "live-code-own-title");
  return { element, field, line };
}

// The dialog, until the reader connects (resolves to true) or cancels (false).
async function ask() {
  const [needs] = await Promise.all([fetch(`${root}_static/own-computer.json`).then((r) => r.json()), loadStyles()]);
  const { element, field, line } = dialog(command(needs));
  document.body.append(element);
  element.showModal();
  return new Promise((resolve) => {
    element.addEventListener("close", () => {
      element.remove();
      resolve(false);
    });
    element.querySelector("form").addEventListener("submit", async (event) => {
      event.preventDefault(); // the dialog stays open until the server lets the page in
      const server = parse(field.value);
      line.textContent = server.error ?? `Asking ${server.baseUrl}…`;
      if (server.error) return field.focus();
      const problem = await probe(server);
      if (problem) {
        line.textContent = problem;
        return field.focus();
      }
      sessionStorage.setItem(KEY, JSON.stringify(server));
      resolve(true);
      element.close();
    });
  });
}

// The launch menu's "Your computer": once the server lets the page in, Live Code starts there, or, already on
// Binder or another server, moves to it.
export async function runOnOwnComputer() {
  if (!(await ask())) return;
  if (document.documentElement.dataset.liveCode) return (await import("./connection.js")).connect();
  return window.initThebe();
}
