// Live Code started, on the click: thebe loaded, the cells made live, the page connected to its kernel.
import { load, loadStyles, makeBar, say } from "./bar.js";
import { nameEditors, prepareCells, setUpCell } from "./cells.js";
import { connect, restart, serverSettings, setLocal } from "./connection.js";
import { setUpExercises } from "./exercises.js";
import { binderPhase, options, starting } from "./kernel.js";
import { cutLongOutputs } from "./outputs.js";
import { root, warming } from "./page.js";
import { page, render, run, runAll, stop } from "./runner.js";

const vendor = `${root}_static/vendor/thebe/`;

const actions = { runAll, stop, restart, reconnect: () => connect() };

async function begin() {
  const styles = loadStyles();
  makeBar(actions);
  say("Live code: loading…");
  const settings = await serverSettings();
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
  cutLongOutputs(notebook.rendermime);
  const connected = connect(server); // at once: a server that fails early must find someone listening
  document.querySelectorAll("div.cell").forEach((element, i) => page.cells.push(setUpCell(element, notebook.cells[i], i, run)));
  nameEditors();
  // CodeMirror drew each editor before it was on the page, and would show it empty until its next poll.
  page.cells.forEach((cell) => cell.editor.refresh());
  // Opening or closing a solution changes which cells a Run runs first.
  document.querySelectorAll("div.cell details").forEach((details) => details.addEventListener("toggle", render));
  render();
  await Promise.all([connected, setUpExercises().catch((error) => console.error(error))]);
}

export function start() {
  return begin().catch((error) => {
    makeBar(actions);
    say(error.refused ? `Live code: ${error.message}`
      : `Live code could not start: ${error.message}. Reload the page to try again.`, "error");
    console.error(error);
  });
}
