// Live code: the page's code cells become editable and run on a Jupyter kernel, one kernel per page.
//
// thebe does the work; it is served from this site and loaded on the first click only. Where the kernel lives is
// read from _static/live-code.json: the build writes Binder settings there, and `make live` answers the same
// address with a local kernel server and a fresh token, so no token is ever written into the built site.
//
// Around thebe, what a reader needs to not get lost: a bar under the title (it stays in view) with a status line and
// the page's actions; one Run button per cell, which first runs the cells above that have not run yet; a cell that
// is running says so and is not queued twice; figures keep the book's alt text; and when the kernel goes away, the
// status line says so and offers to reconnect.
(() => {
  const root = document.documentElement.dataset.content_root ?? "";
  const vendor = `${root}_static/vendor/thebe/`;
  // Not crypto.randomUUID: it exists only on https and localhost, and a site served over plain http must work too.
  const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16)).join("");
  // A path of its own gives each page, even two tabs of one chapter, its own kernel.
  const path = `${DOCUMENTATION_OPTIONS.pagename}-${randomId().slice(0, 8)}.ipynb`;
  // `make live` refuses a browser that has not opened the address it printed, and says why in plain text.
  const readSettings = () => fetch(`${root}_static/live-code.json`, { cache: "no-store" })
    .then(async (r) => (r.ok ? r.json() : Promise.reject(Object.assign(new Error(await r.text()), { refused: true }))));
  let started = null;
  let warming = null;
  let local = false;
  let line = null; // the status line
  const actions = {}; // the page's buttons, by name
  const cells = []; // one per code cell, in reading order
  const bookAlt = new Map(); // div.cell -> the alt texts of the figures the build put under it
  let session = null; // thebe's session: the kernel the cells run on
  let kernelId; // the id of its kernel, once one started
  let gone = false; // the kernel or its server went away
  // Bumped whenever what was asked of the kernel no longer holds (stop, restart, reconnect): queued cells drop out.
  let generation = 0;
  // Bumped whenever the kernel starts afresh: a cell that ran on an older one has not run on this one.
  let epoch = 0;
  let ownRestart = false; // a restart the reader asked for is under way
  let queue = Promise.resolve();
  // The local kernel server's session of this page, shut down when the page goes away.
  let owned = null;

  const load = (tag, attributes) =>
    new Promise((resolve, reject) => {
      const element = Object.assign(document.createElement(tag), attributes);
      element.onload = resolve;
      element.onerror = () => reject(new Error(`could not load ${attributes.src ?? attributes.href}`));
      document.head.append(element);
    });

  const make = (tag, properties, ...children) => {
    const element = Object.assign(document.createElement(tag), properties);
    element.append(...children);
    return element;
  };

  // --- The bar: status line and page actions ---------------------------------------------------------------------

  function makeBar() {
    if (line) return;
    line = make("p", { className: "live-code-status" });
    line.setAttribute("role", "status");
    const buttons = make("div", { className: "live-code-actions" });
    for (const [name, label, onclick, title] of [
      ["runAll", "Run all", () => runAll(), "Run every cell of the page in order (closed solutions stay closed)"],
      ["stop", "Stop", () => stop(), "Interrupt the running cell; cells waiting to run do not run"],
      ["restart", "Restart", () => restart(), "Start a fresh kernel: the variables of the cells you ran are lost"],
      ["reconnect", "Reconnect", () => connect(), "Connect the cells to a kernel again"],
    ]) {
      actions[name] = make("button", { type: "button", className: "live-code-action", textContent: label, title, onclick });
      buttons.append(actions[name]);
    }
    // The theme's Live Code button put an empty placeholder under the title; it looks for this class there.
    const bar = make("div", { className: "thebe-launch-button live-code-bar" }, line, buttons);
    bar.setAttribute("role", "region");
    bar.setAttribute("aria-label", "Live code");
    const placeholder = document.querySelector(".thebe-launch-button");
    if (placeholder) placeholder.replaceWith(bar);
    else document.querySelector("section h1")?.after(bar);
    // The bar stays in view below the theme's header; the page scrolls what it focuses clear of both.
    new ResizeObserver(() => document.documentElement.style.setProperty("--live-code-bar", `${bar.offsetHeight}px`))
      .observe(bar);
    document.documentElement.dataset.liveCode = "starting";
    showActions();
  }

  function say(text, state = "busy") {
    line.textContent = text;
    line.dataset.state = state;
  }

  function showActions() {
    const ready = session !== null && !gone;
    const busy = cells.some((cell) => cell.state === "running" || cell.state === "queued");
    actions.runAll.disabled = !ready;
    actions.restart.disabled = !ready;
    actions.stop.hidden = !(ready && busy);
    actions.reconnect.hidden = !gone;
  }

  // A modal question before the reader loses what the kernel holds; resolves to true if they go ahead.
  function confirmLoss(title, text, go) {
    const buttons = make("form", { method: "dialog" },
      make("button", { value: "cancel", textContent: "Cancel", autofocus: true }),
      make("button", { value: "go", textContent: go }));
    const dialog = make("dialog", { className: "live-code-dialog" }, make("h2", { textContent: title }),
      make("p", { textContent: text }), buttons);
    dialog.setAttribute("aria-label", title);
    document.body.append(dialog);
    dialog.showModal();
    return new Promise((resolve) => dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "go");
      dialog.remove();
    }));
  }

  // --- Cells ---------------------------------------------------------------------------------------------------

  // thebe pairs the n-th code cell with the n-th output area, so a cell that printed nothing would take the next
  // cell's outputs: give every cell an output area of its own, and a plain <pre> holding its source. The alt text
  // of the book's figures is kept for the figures the kernel draws.
  function prepareCells() {
    for (const cell of document.querySelectorAll("div.cell")) {
      bookAlt.set(cell, [...cell.querySelectorAll(".cell_output img")].map((image) => image.alt));
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

  function setUpCell(element, thebeCell, index) {
    const cell = { element, thebe: thebeCell, number: index + 1, ran: false, state: "", last: null };
    cell.editor = element.querySelector(".CodeMirror").CodeMirror;
    cell.bookSource = thebeCell.source;
    cell.hint = make("span", { className: "live-code-hint", id: `live-code-hint-${index + 1}` });
    cell.button = make("button", { type: "button", className: "thebe-button live-code-run", textContent: "Run" });
    cell.button.setAttribute("aria-label", `Run cell ${cell.number}`);
    cell.button.setAttribute("aria-describedby", cell.hint.id);
    cell.button.onclick = () => run(cell);
    element.querySelector(".thebe-controls").prepend(cell.button, cell.hint);
    cell.editor.setOption("extraKeys", { ...cell.editor.getOption("extraKeys"), "Shift-Enter": () => run(cell) });
    // A wrapped line continues four columns deeper than it starts, so that it does not read as a line of its own.
    cell.editor.on("renderLine", (editor, { text }, element) => {
      const hang = (/^\s*/.exec(text)[0].length + 4) * editor.defaultCharWidth();
      element.style.textIndent = `-${hang}px`;
      element.style.paddingLeft = `${hang + 4}px`; // CodeMirror's own 4px
    });
    // thebe's own text for a run cut short asks the reader to refresh the page, which is never needed here.
    thebeCell.clearOnError = () => thebeCell.setOutputText(
      "This run did not finish: the kernel restarted or went away before it answered.\n");
    new MutationObserver(() => describeFigures(cell))
      .observe(element.querySelector(".cell_output"), { childList: true, subtree: true });
    return cell;
  }

  // The kernel sends figures as bare images: give each the words the book's figure has.
  function describeFigures(cell) {
    const said = bookAlt.get(cell.element);
    const drawn = cell.element.querySelectorAll(".jp-OutputArea-output img:not([alt])");
    drawn.forEach((image, i) => {
      const book = said[i] ?? said[0];
      const edited = cell.thebe.source !== cell.bookSource;
      image.alt = !book ? `A figure drawn by cell ${cell.number}`
        : edited ? `A figure drawn by your edit of cell ${cell.number}; the book's figure here shows: ${book}` : book;
    });
  }

  // A hidden solution's cell holds its code in a <details> the reader opens.
  const hidden = (cell) => cell.element.querySelector("details:not([open])") !== null;
  const waiting = (cell) => cell.state === "running" || cell.state === "queued";
  // The cells above that a run of this one runs first: those that have not run on this kernel, skipping solutions
  // the reader has not opened.
  const above = (cell) => cells.slice(0, cell.number - 1).filter((c) => !c.ran && !waiting(c) && !hidden(c));

  function mark(cell, state) {
    cell.state = state;
    cell.element.dataset.live = state;
    const busy = waiting(cell);
    cell.button.textContent = state === "running" ? "Running…" : state === "queued" ? "Waiting…" : "Run";
    cell.button.setAttribute("aria-disabled", String(busy));
    showHints();
    showActions();
  }

  function showHints() {
    for (const cell of cells) {
      if (cell.note) {
        cell.hint.textContent = cell.note;
      } else {
        const first = waiting(cell) ? 0 : above(cell).length;
        cell.hint.textContent = first === 0 ? "" : first === 1 ? "runs the cell above first"
          : `runs the ${first} cells above first`;
      }
    }
  }

  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const outputs = (cell) => JSON.stringify(cell.thebe.outputs.map(({ execution_count, metadata, ...rest }) => rest));

  // A run of one cell, from its Run button or Shift+Enter: the cells above it that have not run go first.
  function run(cell) {
    if (!session || gone) {
      return gone ? say(`The kernel is gone, so cell ${cell.number} cannot run: press Reconnect first.`, "error")
        : say("Live code is still starting a kernel; run the cell once it is ready.");
    }
    if (waiting(cell)) {
      return say(`Cell ${cell.number} is ${cell.state === "running" ? "still running" : "already waiting to run"}; ` +
        "it runs once. Stop interrupts it.");
    }
    const first = above(cell);
    const these = first.length === 1 ? "the cell above it" : `the ${first.length} cells above it`;
    return enqueue([...first, cell], {
      running: (c) => (c === cell ? "" : `, one of ${these} that have not run yet (cell ${cell.number} may need ` +
        "what they make)"),
      done: first.length ? `Cell ${cell.number} ran, after ${these} that had not run.` : `Cell ${cell.number} ran.`,
    });
  }

  function runAll() {
    const all = cells.filter((cell) => !waiting(cell) && !hidden(cell));
    const closed = cells.filter(hidden).length;
    return enqueue(all, {
      running: () => ` (Run all: ${plural(all.length, "cell")})`,
      done: `Ran all ${plural(all.length, "cell")}${!closed ? "" : closed === 1 ? "; the closed solution did not run"
        : `; the ${closed} closed solutions did not run`}.`,
    });
  }

  // Cells run one after the other, each once: a cell already running or waiting is not queued again.
  function enqueue(batch, words) {
    batch.forEach((cell) => mark(cell, "queued"));
    const asked = generation;
    queue = queue.then(() => runBatch(batch, words, asked));
    return queue;
  }

  async function runBatch(batch, words, asked) {
    const target = batch.at(-1);
    let changed = null;
    for (const [i, cell] of batch.entries()) {
      if (asked !== generation) {
        mark(cell, "");
        continue;
      }
      const again = cell.ran && cell.last?.source === cell.thebe.source;
      const kernel = epoch;
      cell.note = "";
      mark(cell, "running");
      say(`Running cell ${cell.number}${again ? " again" : ""}${words.running(cell)}…`);
      const result = await cell.thebe.execute(cell.thebe.source);
      const failed = !result || (result.error && !cell.element.classList.contains("tag_raises-exception"));
      // Run again unchanged, a cell that depends on state (a model it trains, gradients that add up) answers
      // differently from its last run; the reader should not take that for the book's result.
      if (again && !failed && outputs(cell) !== cell.last.outputs) {
        changed = cell;
        cell.note = "output differs from its last run: this run started from the state that run left";
      }
      cell.ran = !failed && kernel === epoch;
      cell.last = cell.ran ? { source: cell.thebe.source, outputs: outputs(cell) } : null;
      mark(cell, asked !== generation ? "" : failed ? "failed" : "ran");
      if (failed && asked === generation) {
        batch.slice(i + 1).forEach((rest) => mark(rest, ""));
        const error = result?.error?.[0]?.ename ?? "no answer from the kernel";
        return say(cell === target ? `Cell ${cell.number} stopped with an error (${error}); see below it.`
          : `Cell ${cell.number} stopped with an error (${error}), so cell ${target.number} did not run; see below ` +
            `cell ${cell.number}.`, "error");
      }
    }
    if (asked !== generation) return;
    say(changed ? `Cell ${changed.number} ran again and carried on from the state its last run left (a model ` +
      "trained further, gradients added up): its output differs from that run's and from the book's. For the " +
      "book's output, Restart, then run it." : words.done, "ready");
  }

  function stop() {
    generation += 1;
    cells.filter((cell) => cell.state === "queued").forEach((cell) => mark(cell, ""));
    say("Stopped: the running cell was interrupted, and the cells that were waiting did not run. The kernel keeps " +
      "what ran before.", "ready");
    session?.kernel?.interrupt().catch(() => {});
  }

  // A fresh kernel: nothing has run on it.
  function forget() {
    generation += 1;
    epoch += 1;
    for (const cell of cells) {
      cell.ran = false;
      cell.last = null;
      cell.note = "";
      mark(cell, "");
    }
  }

  async function restart() {
    const lose = cells.some((cell) => cell.ran || waiting(cell));
    if (lose && !(await confirmLoss("Restart the kernel?", "The variables, models and gradients of the cells you " +
      "ran are lost; the outputs on the page stay. A cell you run next runs the cells above it first.", "Restart"))) {
      return;
    }
    forget();
    say("Restarting the kernel…");
    const restarting = session;
    ownRestart = true;
    try {
      await session.restart();
    } finally {
      ownRestart = false;
    }
    if (restarting === session && !gone) say(`Restarted: a fresh kernel, on which nothing has run. ${ready()}`, "ready");
  }

  const ready = () => "Run any cell: the cells above it that have not run go first (solutions only if opened).";

  // --- The kernel ----------------------------------------------------------------------------------------------

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
    owned = { server, id };
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

  // Every page opened would otherwise leave a kernel behind (a few hundred MB each) until it is culled, idle.
  addEventListener("pagehide", () => owned && fetch(`${owned.server.baseUrl}api/sessions/${owned.id}`,
    { method: "DELETE", headers: { Authorization: `token ${owned.server.token}` }, keepalive: true }));

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

  const options = (settings) => ({
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
    // One Run button per cell is added below; thebe's run all and restart buttons sat on every cell.
    mountRunButton: false,
    mountRunAllButton: false,
    mountRestartButton: false,
    mountRestartAllButton: false,
    // Long lines wrap: an editor that scrolls sideways hides the end of its lines.
    codeMirrorConfig: { lineNumbers: false, theme: "default", lineWrapping: true },
  });

  // What Binder is doing, in words for a reader who may wait minutes for it.
  const BINDER = {
    building: "Binder is building the book's image, as it does the first time after the book changes: this can " +
      "take several minutes. The next start skips it.",
    built: "Binder has the book's image; starting a server with a kernel…",
    launching: "Binder is starting a server with a kernel…",
  };

  function onBinderStatus(_, { message }) {
    const phase = /^Binder is: (\w+)/.exec(message ?? "")?.[1];
    if (!session && BINDER[phase]) say(`Live code: ${BINDER[phase]}`);
  }

  const starting = () => (local ? "Live code: starting a kernel on this computer…"
    : "Live code: starting a kernel on Binder, a free public service. The first start after the book changes " +
      "builds Binder's image for it, which can take several minutes; otherwise a start takes about a minute.");

  // Connect the cells to a kernel: the one bootstrap started to reach, or a new server's (Reconnect).
  async function connect(server) {
    if (!server) {
      let settings;
      try {
        settings = await readSettings(); // `make live` started again answers with a new port and token
      } catch (error) {
        return say(error.refused ? `Live code: ${error.message}. Open it, then press Reconnect.`
          : "The book's server is not answering: start `make live` again, then press Reconnect.", "error");
      }
      say(starting());
      const config = window.thebeCore.api.makeConfiguration(options(settings), window.thebe.events);
      server = local ? window.thebeCore.api.connectToJupyter(config) : window.thebeCore.api.connectToBinder(config);
    }
    gone = false;
    showActions();
    const before = kernelId;
    try {
      await server.ready;
      const next = await server.startNewSession(window.thebe.notebook.rendermime);
      if (!next) throw new Error("the kernel did not start");
      window.thebe.notebook.attachSession(next);
      window.thebe.server = server;
      window.thebe.session = session = next;
    } catch (error) {
      gone = true;
      showActions();
      say(`Live code could not reach a kernel: ${String(error.message ?? error).split("\n")[0]}. Reconnect tries ` +
        "again.", "error");
      return;
    }
    kernelId = session.kernel.id;
    if (local) owned = { server: server.settings, id: session.id };
    watchKernel(session);
    document.documentElement.dataset.liveCode = "ready";
    if (before === undefined) {
      say(`Live code is ready, on ${local ? "a kernel on this computer" : "Binder"}. Shift+Enter or Run runs a ` +
        "cell, after the cells above it that have not run (solutions only if opened). In a cell, Esc then Tab moves on.",
      "ready");
    } else if (before === session.kernel.id) {
      say("Reconnected, to the same kernel: what the cells made is still there.", "ready");
    } else {
      forget();
      say(`Reconnected, to a new kernel on which nothing has run. ${ready()}`, "ready");
    }
    showActions();
  }

  // The kernel can go away under the page: its server stopped, or it died or was shut down (idle kernels are culled).
  const STOPPED = "The kernel has stopped: it died, or was shut down after a long idle time. Reconnect starts a new one.";

  function watchKernel(watched) {
    const kernel = watched.kernel;
    const current = () => watched === session;
    kernel.statusChanged.connect((_, status) => {
      if (!current()) return;
      if (status === "autorestarting" && !ownRestart) { // the server restarted a kernel that died
        forget();
        say(`The kernel died (out of memory?) and started again: what the cells made is gone. ${ready()}`, "error");
      } else if (status === "dead") {
        lost(STOPPED);
      }
    });
    kernel.connectionStatusChanged.connect((_, status) => {
      if (!current()) return;
      if (status === "connected") {
        if (!gone) return;
        gone = false;
        say("Reconnected, to the same kernel: what the cells made is still there.", "ready");
        showActions();
      } else if (!ownRestart) {
        // A kernel that restarts reconnects too: give it a moment before asking its server what happened.
        setTimeout(async () => {
          if (current() && !gone && kernel.connectionStatus !== "connected") lost(await diagnose(kernel));
        }, 2000);
      }
    });
  }

  // Why the kernel cannot be reached, from its server's list of running kernels.
  async function diagnose(kernel) {
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

  function lost(why) {
    gone = true;
    generation += 1;
    cells.filter((cell) => cell.state === "queued").forEach((cell) => mark(cell, ""));
    say(why, "error");
    showActions();
  }

  async function start() {
    const styles = load("link", { rel: "stylesheet", href: `${root}_static/live-code.css` });
    makeBar();
    say("Live code: loading…");
    const settings = await readSettings();
    local = settings.server !== undefined;
    say(starting());
    await Promise.all([
      load("script", { src: `${vendor}index.js` }),
      load("link", { rel: "stylesheet", href: `${vendor}thebe.css` }),
      styles,
    ]);
    prepareCells();
    await warming; // thebe then finds the page's warm kernel by its path, instead of starting a second one
    window.thebe.on("status", onBinderStatus);
    const { server, notebook } = await window.thebe.bootstrap(options(settings));
    const connected = connect(server); // at once: a server that fails early must find someone listening
    document.querySelectorAll("div.cell").forEach((element, i) => cells.push(setUpCell(element, notebook.cells[i], i)));
    nameEditors();
    // CodeMirror drew each editor before it was on the page, and would show it empty until its next poll.
    cells.forEach((cell) => cell.editor.refresh());
    // Opening or closing a solution changes which cells a Run runs first.
    document.querySelectorAll("div.cell details").forEach((details) => details.addEventListener("toggle", showHints));
    showHints();
    await connected;
  }

  // The theme's "Live Code" button calls this.
  window.initThebe = () => {
    started ??= start().catch((error) => {
      makeBar();
      say(`Live code could not start: ${error.message}. Reload the page to try again.`, "error");
      console.error(error);
    });
    return started;
  };
})();
