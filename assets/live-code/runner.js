// Runs what the run queue (queue.js) decides: sends its cells to the kernel one at a time, tells it how each answered,
// and shows its state on the cells, the bar and the status line.
import { say, showActions } from "./bar.js";
import { closedSolutions, elements, expectsError, outputs, show } from "./cells.js";
import { SILENCE_MS, watchSilence } from "./heartbeat.js";
import * as queue from "./queue.js";
import * as words from "./words.js";

// What the page holds: the queue's state, the cells (cells.js), thebe's session, once it has one, and what runs and
// watches the exercises' checks (exercises.js), on a page that has some.
export const page = { state: queue.create(elements().length), cells: [], session: null, checks: null };

// Take a decision's new state, show it, and return the rest of the decision.
export function apply({ state, ...decision }) {
  if (state.epoch !== page.state.epoch) {
    // A fresh kernel: what each cell printed on the last one no longer tells how it answers.
    for (const cell of page.cells) Object.assign(cell, { last: null, note: "" });
  }
  page.state = state;
  render();
  return decision;
}

export function render() {
  const hidden = closedSolutions();
  for (const cell of page.cells) {
    show(cell, page.state.cells[cell.index].state, words.hint(page.state, cell.index, hidden));
  }
  showActions({ connection: page.state.connection, busy: queue.busy(page.state) });
  page.checks?.watch(page.state);
}

// A cell's Run button or Shift+Enter: the cells above it that have not run go first.
export function run(cell) {
  const { refused } = apply(queue.run(page.state, cell.index, closedSolutions()));
  if (refused) return say(words.refused(refused, cell.index), ["running", "queued"].includes(refused) ? "busy" : "error");
  return pump();
}

export function runAll() {
  const { refused } = apply(queue.runAll(page.state, closedSolutions()));
  if (refused) return say(words.refused(refused), "error");
  return pump();
}

export function stop() {
  const { interrupt } = apply(queue.stop(page.state));
  say(words.STOPPED, "ready");
  if (interrupt) page.session?.kernel?.interrupt().catch(() => {});
}

// Send the next cell, if the queue has one for the kernel now.
export function pump() {
  const { start } = apply(queue.next(page.state));
  if (start) execute(start);
}

// How the kernel answered a run, in the queue's words.
function outcome(cell, result) {
  if (!result) return "no-answer";
  if (!result.error) return "ok";
  if (expectsError(cell)) return "expected-error";
  return result.error[0]?.ename === "KeyboardInterrupt" ? "interrupted" : "error";
}

// An exercise's checks: exercises.js runs them and shows what they said; the queue hears how the kernel answered.
async function checked(start) {
  apply(queue.finished(page.state, start, await page.checks.run(start)));
  pump();
}

async function execute(start) {
  if (start.check) return checked(start);
  const cell = page.cells[start.cell];
  const source = cell.thebe.source;
  // Run again unchanged, a cell that depends on state (a model it trains, gradients that add up) answers differently
  // from its last run; the reader should not take that for the book's result.
  const again = start.again && cell.last?.source === source;
  cell.note = "";
  render();
  say(words.running(start, again));
  // Said only while this run is what the page waits for (not after a Stop, say).
  const current = () => page.state.running?.id === start.id && page.state.generation === start.generation;
  const unwatch = watchSilence(page.session.kernel, {
    silent: () => current() && say(words.silent(start, SILENCE_MS / 1000), "error"),
    answered: () => current() && say(words.running(start, again)),
  });
  const result = await cell.thebe.execute(source).catch(() => null).finally(unwatch);
  const answer = outcome(cell, result);
  const changed = again && answer === "ok" && outputs(cell) !== cell.last.outputs;
  if (changed) cell.note = "output differs from its last run: this run started from the state that run left";
  const decision = apply(queue.finished(page.state, start, answer, changed));
  const ran = page.state.cells[start.cell].ran && start.epoch === page.state.epoch;
  cell.last = ran ? { source, outputs: outputs(cell) } : null;
  render();
  if (decision.failed) {
    say(words.failed(start, result?.error?.[0]?.ename ?? "no answer from the kernel"), "error");
  } else if (decision.ended) {
    say(words.done(decision.ended, decision), "ready");
  }
  pump();
}
