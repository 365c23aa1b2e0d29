// The run queue: which cells run, in what order, and what Stop, Restart, Reconnect and a kernel death do to it.
//
// Pure: each function takes a state and returns the next one (never changing the one it got) with what the page
// should do; the page (runner.js) does it and reports back. So a test can hold any state and try every event on it.
//
// A cell's state: "" (not run on this kernel), "queued", "running", "ran", "failed", or "stopped" (the reader stopped
// it: it runs again only when asked for by name, so that a loop the reader stopped is not started again unasked).
// Two counters tell a late answer from a current one: the generation moves on whenever what was asked no longer holds
// (Stop, Restart, a lost or new connection), the epoch whenever the kernel starts afresh.

// The connection: "starting" (no kernel yet), "ready", "connecting" (Reconnect under way), "restarting", "gone".
export const create = (count) => ({
  connection: "starting",
  kernel: null, // the id of the kernel the cells ran on
  generation: 0,
  epoch: 0,
  started: 0, // how many runs have started: each start's id
  batches: 0,
  cells: Array.from({ length: count }, () => ({ state: "", ran: false })),
  queue: [], // { cell, batch, was: its state before it was queued }, in the order they run
  running: null, // the start that runs now
  // What the batch that runs now has to report at its end: a cell that answered differently from its last run, and
  // the cells that raised the errors the book shows there.
  notes: { batch: null, changed: null, expected: [] },
});

// A copy to change: the queue's entries, batches and starts are never changed once made, so they are shared.
const copy = (state) => ({ ...state, cells: state.cells.map((cell) => ({ ...cell })), queue: [...state.queue] });
const setCell = (state, index, fields) => {
  state.cells[index] = { ...state.cells[index], ...fields };
};

export const waiting = (state, index) => ["queued", "running"].includes(state.cells[index].state);
export const busy = (state) => state.running !== null || state.queue.length > 0;

// What a Run of this cell runs first: the cells above it that have not run on this kernel, leaving out the solutions
// the reader has not opened (hidden[i]) and the cells the reader stopped.
export const above = (state, target, hidden) =>
  state.cells
    .slice(0, target)
    .map((cell, index) => index)
    .filter((index) => {
      const { ran, state: now } = state.cells[index];
      return !ran && now !== "stopped" && !waiting(state, index) && !hidden[index];
    });

// Why a run cannot be asked for now, or null.
function refusal(state, target) {
  if (state.connection !== "ready") return state.connection;
  if (target !== undefined && waiting(state, target)) return state.cells[target].state;
  return null;
}

function enqueue(state, indices, batch) {
  const next = copy(state);
  for (const cell of indices) {
    next.queue.push({ cell, batch, was: next.cells[cell].state });
    setCell(next, cell, { state: "queued" });
  }
  next.batches += 1;
  return { state: next, batch };
}

// Run one cell (its Run button or Shift+Enter). Refused: a connection that is not ready, or "queued", "running".
export function run(state, target, hidden) {
  const refused = refusal(state, target);
  if (refused) return { state, refused };
  const first = above(state, target, hidden);
  return enqueue(state, [...first, target], { id: state.batches, kind: "one", target, before: first.length });
}

// Run every cell in order but the closed solutions, and those already queued or running.
export function runAll(state, hidden) {
  const refused = refusal(state);
  if (refused) return { state, refused };
  const all = state.cells.map((cell, index) => index).filter((index) => !waiting(state, index) && !hidden[index]);
  const closed = hidden.filter(Boolean).length;
  const batch = { id: state.batches, kind: "all", target: all.at(-1), count: all.length, closed };
  return all.length ? enqueue(state, all, batch) : { state, refused: "empty" };
}

// Check an exercise (check: its number): its answer cell runs as a Run runs it (the cells above it first), then its
// checks, a start of their own that reports to the exercise, not to the cell. Refused as a Run is, or "checking".
export function check(state, target, hidden, exercise) {
  if (checking(state, exercise)) return { state, refused: "checking" };
  const refused = refusal(state, target);
  if (refused) return { state, refused };
  const first = above(state, target, hidden);
  const batch = { id: state.batches, kind: "check", target, before: first.length, exercise };
  const { state: after } = enqueue(state, [...first, target], batch);
  after.queue.push({ cell: target, batch, was: "", check: exercise });
  return { state: after, batch };
}

// Whether an exercise's checks wait to run or run.
export const checking = (state, exercise) =>
  state.running?.check === exercise || state.queue.some((entry) => entry.check === exercise);

// The next cell to send to the kernel, if one waits and none runs: start = what finished() takes back.
export function next(state) {
  if (state.connection !== "ready" || state.running || !state.queue.length) return { state, start: null };
  const after = copy(state);
  const entry = after.queue.shift();
  const { cell, batch } = entry;
  const { generation, epoch, started: id } = after;
  const start = { ...entry, id, generation, epoch, again: after.cells[cell].ran };
  after.started += 1;
  after.running = start;
  if (after.notes.batch !== batch.id) after.notes = { batch: batch.id, changed: null, expected: [] };
  if (!start.check) setCell(after, cell, { state: "running" });
  return { state: after, start };
}

// A cell no longer waited for shows what it was before it was queued, unless a late answer said otherwise since.
function putBack(state, cell, was) {
  const { ran } = state.cells[cell];
  setCell(state, cell, { state: ran ? "ran" : was === "ran" ? "" : was });
}

// Drop every waiting cell.
function dropQueue(state) {
  const cells = state.queue.filter((entry) => !entry.check); // a check changed no cell's state
  for (const { cell, was } of cells) putBack(state, cell, was);
  const dropped = cells.map(({ cell }) => cell);
  state.queue = [];
  return dropped;
}

// The kernel answered a start. outcome: "ok", "expected-error" (a cell tagged raises-exception raised, as the book
// says it does), "error", "interrupted" (by Stop) or "no-answer" (the run was cut short); changed: it ran again and
// answered differently from its last run.
export function finished(state, start, outcome, changed = false) {
  const after = copy(state);
  if (after.running?.id === start.id) after.running = null;
  if (start.epoch !== after.epoch) return { state: after, ended: null, failed: false, dropped: [] }; // an old kernel's
  const ran = outcome === "ok" || outcome === "expected-error";
  const shown = { ok: "ran", "expected-error": "ran", error: "failed", interrupted: "stopped", "no-answer": "" };
  // A late answer (its run was given up on) does not hide that the cell was asked for again since.
  const asked = [after.running, ...after.queue].some((entry) => entry?.cell === start.cell && !entry.check);
  if (!start.check) setCell(after, start.cell, asked ? { ran } : { state: shown[outcome], ran });
  if (after.notes.batch === start.batch.id) {
    const { changed: was, expected } = after.notes;
    after.notes = {
      ...after.notes,
      changed: changed ? start.cell : was,
      expected: outcome === "expected-error" ? [...expected, start.cell] : expected,
    };
  }
  if (start.generation !== after.generation) return { state: after, ended: null, failed: false, dropped: [] };
  if (!ran) {
    // As a Jupyter kernel does after an error: what was queued behind it does not run.
    return { state: after, ended: start.batch, failed: true, dropped: dropQueue(after) };
  }
  const last = start.batch.kind === "check" ? start.check !== undefined : start.cell === start.batch.target;
  const ended = last ? start.batch : null;
  const notes = ended && after.notes.batch === ended.id ? after.notes : { changed: null, expected: [] };
  return { state: after, ended, failed: false, dropped: [], changed: notes.changed, expected: notes.expected };
}

// Stop: the cells waiting do not run; the running one is interrupted (it answers "interrupted" to finished()).
export function stop(state) {
  const after = copy(state);
  after.generation += 1;
  const dropped = dropQueue(after);
  return { state: after, interrupt: after.running !== null, dropped };
}

// Nothing that was asked holds any more: the queue is dropped, and the running cell is no longer waited for (a kernel
// that went away may never answer it).
function abandon(state) {
  state.generation += 1;
  const dropped = dropQueue(state);
  if (state.running && !state.running.check) {
    putBack(state, state.running.cell, state.running.was);
    dropped.unshift(state.running.cell);
  }
  state.running = null;
  return dropped;
}

// A fresh kernel (a kernel that died and was started again, or one that replaces it): nothing has run on it. A cell
// the reader stopped stays stopped.
export function fresh(state) {
  const after = copy(state);
  abandon(after);
  after.epoch += 1;
  after.notes = { batch: null, changed: null, expected: [] };
  after.cells = after.cells.map(({ state: now }) => ({ state: now === "stopped" ? "stopped" : "", ran: false }));
  return { state: after };
}

// Restart asked for: the kernel is fresh from now on, and takes no cell until it is back (connected()).
export function restarting(state) {
  const after = fresh(state).state;
  after.connection = "restarting";
  return { state: after };
}

// The kernel or its server went away.
export function lost(state) {
  const after = copy(state);
  const dropped = abandon(after);
  after.connection = "gone";
  return { state: after, dropped };
}

// Reconnect pressed: no cell is sent until it is connected.
export function connecting(state) {
  const after = copy(state);
  const dropped = abandon(after);
  after.connection = "connecting";
  return { state: after, dropped };
}

// Connected to a kernel: the same one as before (what ran on it holds), or another, on which nothing has run.
export function connected(state, kernel) {
  const after = kernel === state.kernel ? copy(state) : fresh(state).state;
  after.kernel = kernel;
  after.connection = "ready";
  return { state: after, same: kernel === state.kernel };
}
