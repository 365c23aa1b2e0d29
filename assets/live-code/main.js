// Live code: the page's code cells become editable and run on a Jupyter kernel, one kernel per page.
//
// thebe does the work; it is served from this site and loaded on the first click only (kernel.js says where the
// kernel lives). Around thebe, what a reader needs to not get lost: a bar under the title with a status line and the
// page's actions (bar.js); one Run button per cell, which first runs the cells above that have not run yet (cells.js,
// and the run queue in queue.js, which decides what runs when); figures that keep the book's alt text (figures.js);
// and, when the kernel goes away, a status line that says so and offers to reconnect (connection.js).
import { makeBar, say } from "./bar.js";
import { nameEditors, prepareCells, setUpCell } from "./cells.js";
import { connect, restart, setLocal } from "./connection.js";
import { binderPhase, options, readSettings, root, starting, warming } from "./kernel.js";
import { page, render, run, runAll, stop } from "./runner.js";

const vendor = `${root}_static/vendor/thebe/`;

const load = (tag, attributes) =>
  new Promise((resolve, reject) => {
    const element = Object.assign(document.createElement(tag), attributes);
    element.onload = resolve;
    element.onerror = () => reject(new Error(`could not load ${attributes.src ?? attributes.href}`));
    document.head.append(element);
  });

const actions = { runAll, stop, restart, reconnect: () => connect() };

async function start() {
  const styles = load("link", { rel: "stylesheet", href: `${root}_static/live-code.css` });
  makeBar(actions);
  say("Live code: loading…");
  const settings = await readSettings();
  say(starting(setLocal(settings)));
  await Promise.all([
    load("script", { src: `${vendor}index.js` }),
    load("link", { rel: "stylesheet", href: `${vendor}thebe.css` }),
    styles,
  ]);
  prepareCells();
  await warming; // thebe then finds the page's warm kernel by its path, instead of starting a second one
  window.thebe.on("status", (_, { message }) => {
    if (page.session === null && binderPhase(message)) say(`Live code: ${binderPhase(message)}`);
  });
  const { server, notebook } = await window.thebe.bootstrap(options(settings));
  const connected = connect(server); // at once: a server that fails early must find someone listening
  document.querySelectorAll("div.cell").forEach((element, i) => page.cells.push(setUpCell(element, notebook.cells[i], i, run)));
  nameEditors();
  // CodeMirror drew each editor before it was on the page, and would show it empty until its next poll.
  page.cells.forEach((cell) => cell.editor.refresh());
  // Opening or closing a solution changes which cells a Run runs first.
  document.querySelectorAll("div.cell details").forEach((details) => details.addEventListener("toggle", render));
  render();
  await connected;
}

let started = null;

// The theme's "Live Code" button calls this.
window.initThebe = () => {
  started ??= start().catch((error) => {
    makeBar(actions);
    say(`Live code could not start: ${error.message}. Reload the page to try again.`, "error");
    console.error(error);
  });
  return started;
};
