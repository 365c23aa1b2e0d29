// The run queue (assets/live-code/queue.js), event by event: what runs, in what order, and what Stop, Restart,
// Reconnect and a kernel death do to it. `node --test tests/js/` runs it (and `make test`).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as queue from "../../assets/live-code/queue.js";
import { KERNEL, drain, ready } from "./drain.js";

const OPEN = [false, false, false, false, false];

const states = (state) => state.cells.map((cell) => cell.state);

describe("a Run", () => {
  test("runs the cells above that have not run first, in order, then the cell", () => {
    const { state, batch } = queue.run(ready(), 3, OPEN);
    assert.deepEqual(states(state), ["queued", "queued", "queued", "queued", ""]);
    assert.equal(batch.before, 3);
    const { order, ended, state: after } = drain(state);
    assert.deepEqual(order, [0, 1, 2, 3]);
    assert.equal(ended.target, 3);
    assert.deepEqual(states(after), ["ran", "ran", "ran", "ran", ""]);
  });

  test("leaves out the closed solutions, but runs an opened one", () => {
    const hidden = [false, true, false, true, false];
    assert.deepEqual(drain(queue.run(ready(), 4, hidden).state).order, [0, 2, 4]);
    assert.deepEqual(drain(queue.run(ready(), 3, hidden).state).order, [0, 2, 3]); // 3: the reader opened it to click
  });

  test("runs only the cell itself once the cells above have run", () => {
    const { state } = drain(queue.run(ready(), 2, OPEN).state);
    assert.deepEqual(drain(queue.run(state, 4, OPEN).state).order, [3, 4]);
    assert.deepEqual(drain(queue.run(state, 1, OPEN).state).order, [1]); // run again, by name
  });

  test("does not queue a running or waiting cell twice", () => {
    const { state: queued } = queue.run(ready(), 2, OPEN);
    const { state: sent, start } = queue.next(queued);
    assert.equal(start.cell, 0);
    assert.equal(queue.run(sent, 0, OPEN).refused, "running");
    assert.equal(queue.run(sent, 1, OPEN).refused, "queued");
    // A cell below waits for those already queued instead of queueing them again.
    const { state: both } = queue.run(sent, 4, OPEN);
    assert.deepEqual(both.queue.map(({ cell }) => cell), [1, 2, 3, 4]);
    assert.deepEqual(drain(queue.finished(both, start, "ok").state).order, [1, 2, 3, 4]);
  });

  test("is refused until a kernel is ready, and says why", () => {
    assert.equal(queue.run(queue.create(5), 0, OPEN).refused, "starting");
    assert.equal(queue.runAll(queue.lost(ready()).state, OPEN).refused, "gone");
    assert.equal(queue.run(queue.restarting(ready()).state, 0, OPEN).refused, "restarting");
  });
});

describe("Run all", () => {
  test("runs every cell but the closed solutions, and counts them", () => {
    const { state, batch } = queue.runAll(ready(), [false, true, false, false, true]);
    assert.deepEqual({ count: batch.count, closed: batch.closed, target: batch.target }, { count: 3, closed: 2, target: 3 });
    assert.deepEqual(drain(state).order, [0, 2, 3]);
  });

  test("runs past a cell that raises the error the book says it raises, and that cell counts as run", () => {
    const { state } = queue.runAll(ready(), OPEN);
    const { order, ended, failed, expected, state: after } = drain(state, { 1: "expected-error", 3: "expected-error" });
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    assert.equal(failed, false);
    assert.equal(ended.kind, "all");
    assert.deepEqual(expected, [1, 3]); // the status line names them
    assert.equal(after.cells[1].ran, true);
  });

  test("stops at an unexpected error: what waits behind it does not run, in any batch", () => {
    const { state: first } = queue.run(ready(), 2, OPEN);
    const { state: both } = queue.run(first, 4, OPEN);
    const { order, failed, ended, dropped, state: after } = drain(both, { 1: "error" });
    assert.deepEqual(order, [0, 1]);
    assert.equal(failed, true);
    assert.equal(ended.target, 2);
    assert.deepEqual(dropped, [2, 3, 4]);
    assert.deepEqual(states(after), ["ran", "failed", "", "", ""]);
    assert.equal(queue.busy(after), false);
    // The failed cell has not run: the next Run below tries it first again.
    assert.deepEqual(drain(queue.run(after, 2, OPEN).state).order, [1, 2]);
  });

  test("skips the cells already queued or running, which run once", () => {
    const { state: queued } = queue.run(ready(), 1, OPEN);
    const { state: sent, start } = queue.next(queued);
    const { batch, state } = queue.runAll(sent, OPEN);
    assert.equal(batch.count, 3);
    assert.deepEqual(drain(queue.finished(state, start, "ok").state).order, [1, 2, 3, 4]);
  });
});

describe("a rerun that answers differently", () => {
  test("is reported when its batch ends, and not after a later one", () => {
    const { state } = drain(queue.run(ready(), 1, OPEN).state);
    const { state: asked } = queue.run(state, 1, OPEN);
    const { state: sent, start } = queue.next(asked);
    assert.equal(start.again, true);
    assert.equal(queue.finished(sent, start, "ok", true).changed, 1);
    const { state: later } = queue.finished(sent, start, "ok", true);
    const { state: sentAgain, start: second } = queue.next(queue.run(later, 1, OPEN).state);
    assert.equal(queue.finished(sentAgain, second, "ok", false).changed, null);
  });
});

describe("Stop", () => {
  test("drops the waiting cells and asks to interrupt the running one", () => {
    const { state: sent, start } = queue.next(queue.run(ready(), 3, OPEN).state);
    const { state, interrupt, dropped } = queue.stop(sent);
    assert.equal(interrupt, true);
    assert.deepEqual(dropped, [1, 2, 3]);
    assert.deepEqual(states(state), ["running", "", "", "", ""]);
    const { state: after, failed } = queue.finished(state, start, "interrupted");
    assert.equal(failed, false); // the reader asked for it: no error to report
    assert.deepEqual(states(after), ["stopped", "", "", "", ""]);
    assert.equal(queue.busy(after), false);
  });

  test("with nothing running, interrupts nothing", () => {
    assert.equal(queue.stop(ready()).interrupt, false);
  });

  test("a stopped cell does not run again unasked, even after a restart, but runs when run by name", () => {
    const { state: sent, start } = queue.next(queue.run(ready(), 1, OPEN).state);
    const { state: stopped } = queue.finished(queue.stop(sent).state, start, "interrupted");
    assert.deepEqual(queue.above(stopped, 4, OPEN), [1, 2, 3]);
    const restarted = queue.connected(queue.restarting(stopped).state, KERNEL).state;
    assert.deepEqual(drain(queue.run(restarted, 4, OPEN).state).order, [1, 2, 3, 4]);
    const { state: byName } = drain(queue.run(restarted, 0, OPEN).state);
    assert.equal(byName.cells[0].state, "ran");
    assert.deepEqual(drain(queue.runAll(restarted, OPEN).state).order, [0, 1, 2, 3, 4]); // Run all asks for all
  });

  test("a Run clicked before the interrupted cell answers waits for it, then runs", () => {
    const { state: sent, start } = queue.next(queue.run(ready(), 0, OPEN).state);
    const { state: stopped } = queue.stop(sent);
    const { state: asked } = queue.run(stopped, 2, OPEN);
    assert.equal(queue.next(asked).start, null); // one cell at a time on the kernel
    const { state: answered } = queue.finished(asked, start, "interrupted");
    assert.deepEqual(drain(answered).order, [1, 2]);
  });
});

describe("Restart", () => {
  test("takes no cell until the kernel is back, then nothing has run, and a late answer is ignored", () => {
    const { state: sent, start } = queue.next(queue.run(ready(), 2, OPEN).state);
    const { state: restarting } = queue.restarting(sent);
    assert.deepEqual(states(restarting), ["", "", "", "", ""]);
    assert.equal(queue.busy(restarting), false);
    const { state: back, same } = queue.connected(restarting, KERNEL);
    assert.equal(same, true);
    const { state: late } = queue.finished(back, start, "ok");
    assert.equal(late.cells[0].ran, false);
    assert.deepEqual(drain(queue.run(late, 1, OPEN).state).order, [0, 1]);
  });
});

describe("a kernel that died and was started again", () => {
  test("forgets what ran; the cell it was running no longer holds the queue", () => {
    const { state: done } = drain(queue.run(ready(), 1, OPEN).state);
    const { state: sent, start } = queue.next(queue.run(done, 3, OPEN).state);
    const { state: died } = queue.fresh(sent);
    assert.equal(queue.busy(died), false);
    assert.deepEqual(drain(queue.run(died, 3, OPEN).state).order, [0, 1, 2, 3]);
    assert.equal(queue.finished(died, start, "no-answer").state.cells[2].state, ""); // its answer comes too late
  });
});

describe("a lost kernel and Reconnect", () => {
  test("a Run clicked while Reconnect is under way is refused and does not lock the queue", () => {
    const { state: sent, start } = queue.next(queue.run(ready(), 2, OPEN).state); // cell 0 never answers
    const { state: gone, dropped } = queue.lost(sent);
    assert.deepEqual(dropped, [0, 1, 2]);
    const { state: reconnecting } = queue.connecting(gone);
    assert.equal(queue.run(reconnecting, 2, OPEN).refused, "connecting");
    assert.equal(queue.busy(reconnecting), false);
    const { state: again, same } = queue.connected(reconnecting, "kernel-2");
    assert.equal(same, false);
    assert.deepEqual(drain(queue.run(again, 2, OPEN).state).order, [0, 1, 2]);
    assert.equal(queue.finished(again, start, "no-answer").state.running, null);
  });

  test("back on the same kernel, what ran still holds, and a late answer counts", () => {
    const { state: done } = drain(queue.run(ready(), 1, OPEN).state);
    const { state: sent, start } = queue.next(queue.run(done, 2, OPEN).state);
    const { state: back } = queue.connected(queue.lost(sent).state, KERNEL);
    assert.deepEqual(states(back), ["ran", "ran", "", "", ""]);
    const { state: answered, ended } = queue.finished(back, start, "ok");
    assert.equal(ended, null); // the reader was told the run was lost; no second report
    assert.deepEqual(queue.above(answered, 4, OPEN), [3]);
  });
});

test("no function changes the state it was given", () => {
  const freeze = (value) => {
    if (value && typeof value === "object") Object.values(Object.freeze(value)).forEach(freeze);
    return value;
  };
  const { state: sent, start } = queue.next(queue.run(ready(), 2, OPEN).state);
  freeze(sent);
  for (const event of [
    (s) => queue.run(s, 4, OPEN), (s) => queue.runAll(s, OPEN), (s) => queue.check(s, 4, OPEN, 1), queue.next, (s) => queue.finished(s, start, "error"),
    queue.stop, queue.fresh, queue.restarting, queue.lost, queue.connecting, (s) => queue.connected(s, "kernel-2"),
  ]) {
    event(sent);
  }
});
