// What every page with code does before any click: find where the kernel lives, and with a kernel server on this
// computer (`make live`), start the page's kernel at once (local.js, loaded only then). The rest of Live Code loads on
// the click (session.js).
//
// Where the kernel lives is read from _static/live-code.json: the build writes Binder settings there, and `make live`
// answers the same address with a local kernel server and a fresh token, so no token is ever written into the site.
export const root = document.documentElement.dataset.content_root ?? "";
// Not crypto.randomUUID: it exists only on https and localhost, and a site served over plain http must work too.
export const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16)).join("");
// A path of its own gives each page, even two tabs of one chapter, its own kernel.
export const path = `${DOCUMENTATION_OPTIONS.pagename}-${randomId().slice(0, 8)}.ipynb`;
// `make live` refuses a browser that has not opened the address it printed, and says why in plain text.
// While it starts a new kernel server (the last one stopped), it answers 503.
export const readSettings = () => fetch(`${root}_static/live-code.json`, { cache: "no-store" })
  .then(async (r) => (r.ok ? r.json() : Promise.reject(Object.assign(new Error(await r.text()),
    r.status === 503 ? { restarting: true } : { refused: true }))));

// Resolves once a local kernel is warming up (or at once, where there is none to warm).
export const warming = ["127.0.0.1", "localhost"].includes(location.hostname) && document.querySelector("div.cell")
  ? readSettings().then((found) => found.server && import("./local.js").then(({ warmUp }) => warmUp(found)))
    .catch((error) => console.warn(error))
  : Promise.resolve();
