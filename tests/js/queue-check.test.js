// A Check (queue.check): an exercise's answer cell runs as a Run runs it, then its checks, through the same queue,
// so that Stop, Restart and a lost kernel treat them as they treat any cell. `node --test tests/js/` runs it.
import assert from "node:assert/strict";
import { test } from "node:test";

import * as queue from "../../assets/live-code/queue.js";
import { drain, ready } from "./drain.js";

const OPEN = [false, false, false, false, false];

const states = (state) => state.cells.map((cell) => cell.state);

test("runs the cells above, the answer cell, then its checks, which end the batch and change no cell", () => {
  const { state, batch } = queue.check(ready(), 2, OPEN, 1);
  assert.equal(batch.kind, "check");
  assert.deepEqual(states(state), ["queued", "queued", "queued", "", ""]);
  const first = queue.next(state);
  let decision = queue.finished(first.state, first.start, "ok");
  assert.equal(decision.ended, null);
  decision = drain(decision.state);
  assert.deepEqual(decision.order, [1, 2, 2]);
  assert.equal(decision.ended.exercise, 1);
  assert.deepEqual(states(decision.state), ["ran", "ran", "ran", "", ""]);
});

test("with its checks running or waiting, is refused; another exercise's is not", () => {
  const { state } = queue.check(ready(), 2, OPEN, 1);
  assert.equal(queue.check(state, 2, OPEN, 1).refused, "checking");
  const answered = drain(state, {}).state;
  const again = queue.check(answered, 2, OPEN, 1).state;
  const { state: answering, start } = queue.next(again);
  const { state: checking, start: checks } = queue.next(queue.finished(answering, start, "ok").state);
  assert.equal(checks.check, 1);
  assert.equal(queue.check(checking, 2, OPEN, 1).refused, "checking");
  assert.equal(queue.check(checking, 4, OPEN, 2).refused, undefined);
  assert.equal(queue.check(queue.lost(checking).state, 2, OPEN, 1).refused, "gone");
});

test("an answer that raises or is stopped drops its checks, and the cell shows why", () => {
  const raised = drain(queue.check(ready(), 0, OPEN, 1).state, { 0: "error" });
  assert.deepEqual(raised.order, [0]);
  assert.equal(raised.failed, true);
  assert.deepEqual(raised.dropped, []); // the checks were no cell's run
  assert.equal(queue.checking(raised.state, 1), false);
  assert.equal(states(raised.state)[0], "failed");
  const { state: running } = queue.next(queue.check(ready(), 0, OPEN, 1).state);
  const stopped = queue.stop(running);
  assert.equal(stopped.interrupt, true);
  assert.equal(queue.checking(stopped.state, 1), false);
});

test("checks stopped, or cut short by a restart, leave the answer cell as it ran", () => {
  const { state: answering, start: answer } = queue.next(queue.check(ready(), 0, OPEN, 1).state);
  const { state: checking, start } = queue.next(queue.finished(answering, answer, "ok").state);
  assert.equal(start.check, 1);
  const interrupted = queue.finished(queue.stop(checking).state, start, "interrupted");
  assert.equal(interrupted.ended, null);
  assert.equal(states(interrupted.state)[0], "ran");
  assert.equal(queue.busy(interrupted.state), false);
  const restarted = queue.restarting(checking);
  assert.deepEqual(restarted.dropped ?? [], []);
  assert.equal(queue.busy(restarted.state), false);
});
