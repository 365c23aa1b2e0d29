// What the status line and the cells' hints say about the run queue (queue.js), from its decisions. Pure, like it.
import { above } from "./queue.js";

export const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const number = (index) => index + 1;

export const READY = "Run any cell: the cells above it that have not run go first (solutions only if opened).";

// While a cell runs: which, and why it runs (the reader's cell, one that cell needs first, or Run all).
export function running(start, again) {
  const { batch, cell } = start;
  const what = `Running cell ${number(cell)}${again ? " again" : ""}`;
  if (batch.kind === "all") return `${what} (Run all: ${plural(batch.count, "cell")})…`;
  if (cell === batch.target) return `${what}…`;
  const target = number(batch.target);
  return batch.before === 1
    ? `${what}, the cell above it, which has not run yet (cell ${target} may need what it makes)…`
    : `${what}, one of the ${batch.before} cells above it that have not run yet (cell ${target} may need what they ` +
        "make)…";
}

// A kernel that has answered nothing for a while, as a frozen one does; the bar offers Stop and Restart meanwhile.
export const silent = (start, seconds) => `The kernel is not answering: it has said nothing for ${seconds} s while ` +
  `cell ${number(start.cell)} runs. Wait, Stop the cell, or Restart the kernel.`;

// A batch that ran to its end: changed, a cell that answered differently from its last run; expected, the cells that
// raised the error the book shows there.
export function done(batch, { changed = null, expected = [] } = {}) {
  if (changed !== null) {
    return `Cell ${number(changed)} ran again and carried on from the state its last run left (a model trained ` +
      "further, gradients added up): its output differs from that run's and from the book's. For the book's " +
      "output, Restart, then run it.";
  }
  return `${finish(batch)}${raised(expected)}`;
}

function finish(batch) {
  if (batch.kind === "all") {
    const closed = batch.closed === 0 ? "" : batch.closed === 1 ? "; the closed solution did not run"
      : `; the ${batch.closed} closed solutions did not run`;
    return `Ran all ${plural(batch.count, "cell")}${closed}.`;
  }
  const target = number(batch.target);
  if (batch.before === 0) return `Cell ${target} ran.`;
  return batch.before === 1 ? `Cell ${target} ran, after the cell above it, which had not run.`
    : `Cell ${target} ran, after the ${batch.before} cells above it that had not run.`;
}

// The book's deliberate errors, which a run goes past as the book's build does.
function raised(expected) {
  if (!expected.length) return "";
  const cells = expected.map(number);
  const which = cells.length === 1 ? `Cell ${cells[0]} raised the error`
    : `Cells ${cells.slice(0, -1).join(", ")} and ${cells.at(-1)} raised the errors`;
  return ` ${which} the book shows there, as meant.`;
}

// A batch cut short by an error the book does not expect there.
export function failed(start, error) {
  const [cell, target] = [number(start.cell), number(start.batch.target)];
  return cell === target ? `Cell ${cell} stopped with an error (${error}); see below it.`
    : `Cell ${cell} stopped with an error (${error}), so cell ${target} did not run; see below cell ${cell}.`;
}

// Why a Run was not taken.
export function refused(reason, index) {
  const cell = index === undefined ? "the cells" : `cell ${number(index)}`;
  return {
    starting: "Live code is still starting a kernel; run the cell once it is ready.",
    connecting: `Live code is connecting to a kernel; run ${cell} once it is ready.`,
    restarting: `The kernel is restarting; run ${cell} once it is ready.`,
    gone: `The kernel is gone, so ${cell} cannot run: press Reconnect first.`,
    running: `Cell ${number(index)} is still running; it runs once. Stop interrupts it.`,
    queued: `Cell ${number(index)} is already waiting to run; it runs once. Stop interrupts it.`,
    empty: "Every cell is running or waiting to run already.",
  }[reason];
}

export const STOPPED = "Stopped: the running cell was interrupted, and the cells that were waiting did not run. The " +
  "kernel keeps what ran before.";

// Under a cell's Run button: what a Run of it does besides running it.
export function hint(state, index, hidden) {
  if (state.cells[index].state === "stopped") return "stopped: it runs again only when you run it";
  if (["queued", "running"].includes(state.cells[index].state)) return "";
  const first = above(state, index, hidden).length;
  return first === 0 ? "" : first === 1 ? "runs the cell above first" : `runs the ${first} cells above first`;
}

// Why the kernel went away, from what the page was told (its status) or found out (its server's answers): only what
// is known. server: how the kernel server answered ("listed" the kernel, "unlisted", or "silent"); site: how the site
// answered for the kernel server's settings: the "same" server, a "new" one, "restarting" it, "refused" (another
// `make live`), "silent", "own" (a server on the reader's computer, which no site of ours knows of) or "binder" (no
// site of ours to ask).
export function gone({ status, server, site }) {
  if (status === "autorestarting") {
    return `The kernel stopped (its process ended) and was started again: what the cells made is gone. ${READY}`;
  }
  if (server === "listed") {
    return status === "dead" ? `The kernel stopped, and its server could not start it again. ${AGAIN}`
      : "Lost the connection to the kernel; trying again. Reconnect tries now.";
  }
  if (server === "unlisted") return `The kernel was shut down: its server no longer runs it. ${AGAIN}`;
  return SERVER[site];
}

const AGAIN = "Reconnect starts a new one.";
const SERVER = {
  same: "The kernel server is not answering, though `make live` still runs. Reconnect tries again.",
  new: "The kernel server stopped, and `make live` started a new one: the kernel and what the cells made are gone. " +
    "Reconnect starts a new kernel.",
  restarting: "The kernel server stopped, and `make live` is starting a new one: the kernel and what the cells made " +
    "are gone. Reconnect then starts a new kernel.",
  refused: "`make live` was started again: open the address it printed, then press Reconnect.",
  silent: "Neither the kernel server nor the book's site answers: `make live` has stopped. Start it again, then " +
    "press Reconnect.",
  own: "The Jupyter server on your computer does not answer. Reconnect tries it again; a server you started again " +
    "has a new token: give its address in the launch menu's Your computer.",
  binder: "The Binder server has gone away (Binder stops a server that sits idle for about ten minutes). Reconnect " +
    "starts a new one.",
};
