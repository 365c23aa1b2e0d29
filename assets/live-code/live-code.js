// Live code: the page's code cells become editable and run on a Jupyter kernel, one kernel per page.
//
// thebe does the work; it is served from this site and loaded on the first click only. Where the kernel lives is
// read from _static/live-code.json: the build writes Binder settings there, and `make live` answers the same
// address with a local kernel server and a fresh token, so no token is ever written into the built site.
(() => {
  const root = document.documentElement.dataset.content_root ?? "";
  const vendor = `${root}_static/vendor/thebe/`;
  // A path of its own gives each page, even two tabs of one chapter, its own kernel.
  const path = `${DOCUMENTATION_OPTIONS.pagename}-${crypto.randomUUID().slice(0, 8)}.ipynb`;
  const readSettings = () => fetch(`${root}_static/live-code.json`, { cache: "no-store" }).then((r) => r.json());
  let started = null;
  let warming = null;

  const load = (tag, attributes) =>
    new Promise((resolve, reject) => {
      const element = Object.assign(document.createElement(tag), attributes);
      element.onload = resolve;
      element.onerror = () => reject(new Error(`could not load ${attributes.src ?? attributes.href}`));
      document.head.append(element);
    });

  // A line under the title that says what the kernel is doing; screen readers hear it too.
  function statusLine() {
    const placeholder = document.querySelector(".thebe-launch-button");
    if (placeholder?.tagName === "BUTTON") {
      const line = Object.assign(document.createElement("p"), { className: "thebe-launch-button live-code-status" });
      line.setAttribute("role", "status");
      placeholder.replaceWith(line);
    }
    return (text, state = "busy") => {
      const line = document.querySelector(".live-code-status");
      if (line) {
        line.textContent = text;
        line.dataset.state = state;
      }
    };
  }

  // thebe pairs the n-th code cell with the n-th output area, so a cell that printed nothing would take the next
  // cell's outputs: give every cell an output area of its own, and a plain <pre> holding its source.
  function prepareCells() {
    for (const cell of document.querySelectorAll("div.cell")) {
      const input = cell.querySelector(".cell_input");
      const source = input.querySelector("pre").textContent.replace(/\n$/, "");
      const pre = Object.assign(document.createElement("pre"), { textContent: source });
      pre.dataset.executable = "true";
      input.replaceChildren(pre);
      if (!cell.querySelector(".cell_output")) {
        input.after(Object.assign(document.createElement("div"), { className: "cell_output docutils container" }));
      }
    }
  }

  // With a kernel server on this computer (`make live`), the page's kernel starts as the page opens, and imports the
  // book's libraries: torch alone takes about two seconds, which the reader would otherwise wait for after the click.
  // __import__ binds no name, so the reader's cells see the kernel as fresh. Binder is never started unasked.
  const WARM_UP = '__import__("numpy"); __import__("torch"); __import__("matplotlib.pyplot")';

  async function warmUp({ server }) {
    const headers = { Authorization: `token ${server.token}` };
    const response = await fetch(`${server.baseUrl}api/sessions`, {
      method: "POST",
      headers,
      body: JSON.stringify({ path, name: path, type: "notebook", kernel: { name: "python3" } }),
    });
    const { id, kernel } = await response.json();
    // Every page opened would otherwise leave a kernel behind (a few hundred MB each) until it is culled, idle.
    addEventListener("pagehide", () =>
      fetch(`${server.baseUrl}api/sessions/${id}`, { method: "DELETE", headers, keepalive: true }));
    const socket = new WebSocket(`${server.baseUrl.replace(/^http/, "ws")}api/kernels/${kernel.id}/channels?token=${server.token}`);
    const header = { msg_id: crypto.randomUUID(), session: crypto.randomUUID(), msg_type: "execute_request" };
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

  if (["127.0.0.1", "localhost"].includes(location.hostname) && document.querySelector("div.cell")) {
    warming = readSettings().then((found) => found.server && warmUp(found)).catch((error) => console.warn(error));
  }

  // CodeMirror types into an unnamed hidden textarea; a screen reader would announce just "edit text".
  function nameEditors() {
    const editors = document.querySelectorAll("div.cell .CodeMirror");
    editors.forEach((editor, i) =>
      editor.CodeMirror.getInputField().setAttribute("aria-label", `Code cell ${i + 1} of ${editors.length}`),
    );
  }

  async function start() {
    const styles = load("link", { rel: "stylesheet", href: `${root}_static/live-code.css` });
    const say = statusLine();
    const settings = await readSettings();
    const local = settings.server !== undefined;
    say(local
      ? "Live code: starting a kernel on this computer…"
      : "Live code: starting a kernel on Binder (this can take a minute or two)…");
    await Promise.all([
      load("script", { src: `${vendor}index.js` }),
      load("link", { rel: "stylesheet", href: `${vendor}thebe.css` }),
      styles,
    ]);
    prepareCells();
    await warming; // thebe then finds the page's warm kernel by its path, instead of starting a second one
    window.thebe.on("status", (_, { status, message }) => {
      if (status === "error" || status.endsWith("-error")) say(`Live code: ${message}`, "error");
    });
    const { session } = await window.thebe.bootstrap({
      requestKernel: true,
      useBinder: !local,
      binderOptions: settings.binder,
      serverSettings: settings.server,
      kernelOptions: { kernelName: "python3", path },
      selector: "div.cell pre[data-executable]",
      outputSelector: "div.cell .cell_output",
      // The site's math is typeset when the book is built; thebe must not fetch a MathJax from a CDN.
      mathjaxUrl: "",
      mountStatusWidget: false,
      mountActivateWidget: false,
      codeMirrorConfig: { lineNumbers: false, theme: "default" },
    });
    if (!session) throw new Error("the kernel did not start");
    nameEditors();
    document.documentElement.dataset.liveCode = "ready";
    say(
      `Live code: ready, on ${local ? "a kernel on this computer" : "Binder"}. Edit any cell and press ` +
        "Shift+Enter or its run button; cells share one kernel, so run them in order. In a cell, Tab indents: " +
        "press Esc first to move on with Tab.",
      "ready",
    );
  }

  // The theme's "Live Code" button calls this.
  window.initThebe = () => {
    started ??= start().catch((error) => {
      statusLine()(`Live code could not start: ${error.message}. Reload the page to try again.`, "error");
      console.error(error);
    });
    return started;
  };
})();
