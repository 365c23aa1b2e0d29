// Every sequence of up to DEPTH events on a page of three cells (Run, Run all, Check, the kernel taking or answering a
// cell, Stop, Restart, a kernel death, a lost connection, Reconnect), each checked at every step: what the page shows
// agrees with the queue, and from wherever the sequence ends, one click (Reconnect, Stop, or none) and a Run bring the
// last cell to run. The cases one by one are in queue.test.js.
import assert from "node:assert/strict";
import { test } from "node:test";

import * as queue from "../../assets/live-code/queue.js";

const DEPTH = 7;
const OPEN = [false, false, false];
const LAST = OPEN.length - 1;

// A page's world: the queue's state, the runs the kernel was sent and has not answered (oldest first), its kernel.
const EVENTS = {
  ...Object.fromEntries(OPEN.map((_, cell) => [`run ${cell}`, (w) => ({ ...w, state: ranOnly(w.state, cell) })])),
  "run all": (w) => ({ ...w, state: queue.runAll(w.state, OPEN).state }),
  check: (w) => ({ ...w, state: queue.check(w.state, LAST - 1, OPEN, 1).state }),
  send: (w) => {
    const { state, start } = queue.next(w.state);
    return { ...w, state, sent: start ? [...w.sent, start] : w.sent };
  },
  ...Object.fromEntries(["ok", "error", "interrupted", "expected-error"].map((outcome) => [`answer ${outcome}`,
    (w) => (w.sent.length ? { ...w, state: queue.finished(w.state, w.sent[0], outcome).state, sent: w.sent.slice(1) }
      : w)])),
  stop: (w) => ({ ...w, state: queue.stop(w.state).state }),
  restart: (w) => ({ ...w, state: queue.restarting(w.state).state }),
  restarted: (w) => (w.state.connection === "restarting" ? connect(w, w.kernel) : w),
  "kernel died": (w) => ({ ...w, state: queue.fresh(w.state).state }),
  lost: (w) => ({ ...w, state: queue.lost(w.state).state }),
  reconnect: (w) => ({ ...w, state: queue.connecting(w.state).state }),
  "reconnected, same kernel": (w) => (w.state.connection === "connecting" ? connect(w, w.kernel) : w),
  "reconnected, new kernel": (w) => (w.state.connection === "connecting" ? connect(w, `${w.kernel}+`) : w),
};

function connect(world, kernel) {
  return { ...world, state: queue.connected(world.state, kernel).state, kernel };
}

// A Run never starts again, unasked, a cell that the reader stopped.
function ranOnly(state, cell) {
  const { state: after, refused } = queue.run(state, cell, OPEN);
  if (!refused) {
    const added = after.queue.slice(state.queue.length).map((entry) => entry.cell);
    assert.ok(added.every((other) => other === cell || state.cells[other].state !== "stopped"), "a stopped cell rerun");
  }
  return after;
}

function check({ state }, path) {
  const where = path.join(" > ");
  const queued = state.queue.filter((entry) => !entry.check).map(({ cell }) => cell);
  const checks = state.queue.filter((entry) => entry.check);
  assert.ok(checks.length <= 1 - (state.running?.check ? 1 : 0), `an exercise checked twice at once: ${where}`);
  if (state.running?.check) assert.ok(state.cells[state.running.cell].ran, `checks before their answer ran: ${where}`);
  assert.equal(new Set(queued).size, queued.length, `a cell queued twice: ${where}`);
  state.cells.forEach((cell, index) => {
    assert.equal(cell.state === "queued", queued.includes(index), `queued shown wrongly: ${where}`);
    assert.equal(cell.state === "running", state.running?.cell === index && !state.running.check, `running shown wrongly: ${where}`);
    if (cell.ran) assert.ok(["ran", "queued", "running"].includes(cell.state), `ran but shown ${cell.state}: ${where}`);
    if (cell.state === "ran") assert.ok(cell.ran, `shown as run but not run: ${where}`);
  });
  if (state.connection !== "ready") {
    assert.ok(!queue.busy(state), `cells wait on a connection that is not ready: ${where}`);
  }
}

// One click at most, then a Run of the last cell: it runs, whatever the kernel never answered.
function recovers(world, path) {
  let { state } = world;
  if (state.connection === "restarting") state = queue.connected(state, world.kernel).state;
  if (state.connection !== "ready") state = queue.connected(queue.connecting(state).state, "another kernel").state;
  if (queue.busy(state)) { // Stop; the kernel is there, and the cell it runs answers the interrupt
    const { running } = state;
    state = queue.stop(state).state;
    if (running) state = queue.finished(state, running, "interrupted").state;
  }
  const { state: asked, refused } = queue.run(state, LAST, OPEN);
  assert.equal(refused, undefined, `Run refused (${refused}): ${path.join(" > ")}`);
  let now = asked;
  for (let { start } = queue.next(now); start; { start } = queue.next(now)) {
    now = queue.finished(queue.next(now).state, start, "ok").state;
  }
  assert.equal(now.cells[LAST].state, "ran", `the last cell did not run: ${path.join(" > ")}`);
}

test(`every interleaving of up to ${DEPTH} events keeps the page true and recovers in one click`, () => {
  // Many sequences reach the same world: each is checked once, from the shortest path that reaches it.
  const seen = new Map(); // world -> the most events left after it was reached
  const visit = (world, path) => {
    const key = JSON.stringify(world);
    if (seen.get(key) >= DEPTH - path.length) return;
    seen.set(key, DEPTH - path.length);
    check(world, path);
    recovers(world, path);
    if (path.length === DEPTH) return;
    for (const [name, event] of Object.entries(EVENTS)) visit(event(world), [...path, name]);
  };
  visit({ state: queue.connected(queue.create(OPEN.length), "kernel").state, sent: [], kernel: "kernel" }, []);
  assert.ok(seen.size > 10_000, `only ${seen.size} worlds`);
});
