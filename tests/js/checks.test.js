// What an exercise's Check says (assets/live-code/checks.js): the checks' printout read, why a check did not run, the
// count. The words the helper prints come from booktools/checking.py; the browser tests run the real thing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

import * as checks from "../../assets/live-code/checks.js";
import * as queue from "../../assets/live-code/queue.js";

const PASSED = "Every part holds.";

test("the checks' own lines are read; what the reader's code printed among them is left out", () => {
  const printed = "loud 1\n✓ dy_da: holds.\nloud 2\n✗ dy_db: does not hold. Hint: h\n1 of 2 parts hold.\n";
  assert.deepEqual(checks.read(printed, PASSED),
    { result: "failed", lines: ["✓ dy_da: holds.", "✗ dy_db: does not hold. Hint: h", "1 of 2 parts hold."] });
  assert.equal(checks.read("✓ a: holds.\nEvery part holds.\n", PASSED).result, "passed");
  assert.equal(checks.read("Not answered yet: replace each ...\n", PASSED).result, "unanswered");
  assert.equal(checks.read("Your answer could not be read: it raised TypeError.\n", PASSED).result, "unanswered");
  assert.deepEqual(checks.read("only the reader's words\n", PASSED).lines, ["The checks said nothing: check again."]);
});

test("a flood keeps only the checks' lines and the unfinished last one", () => {
  const flood = `${"flood\n".repeat(10_000)}✓ a: holds.\nflo`;
  assert.equal(checks.trim(flood, PASSED), "✓ a: holds.\nflo");
});

test("how the kernel answered: interrupted, an error in the checks, or no answer, each in words", () => {
  assert.equal(checks.answered("", { status: "error", ename: "KeyboardInterrupt" }, PASSED).result, "stopped");
  assert.deepEqual(checks.answered("", { status: "error", ename: "SyntaxError", evalue: "bad" }, PASSED).lines,
    ["The checks could not run: SyntaxError (bad)."]);
  assert.equal(checks.answered("", null, PASSED).result, "error");
  assert.equal(checks.answered(`${PASSED}\n`, { status: "ok" }, PASSED).result, "passed");
});

test("a check dropped says why: the answer raised, a cell above did, Stop, Restart, a lost kernel", () => {
  const ready = queue.connected(queue.create(3), "k").state;
  const asked = { generation: ready.generation, epoch: ready.epoch, cell: 1 };
  const raised = (index) => ({ ...ready, cells: ready.cells.map((c, i) => (i === index ? { ...c, state: "failed" } : c)) });
  assert.match(checks.dropped(raised(1), asked), /^Your answer cell raised an error/);
  assert.match(checks.dropped(raised(0), asked), /^Cell 1, above your answer, raised an error/);
  assert.match(checks.dropped(queue.stop(ready).state, asked), /^Stopped before the checks ran/);
  assert.match(checks.dropped(queue.restarting(ready).state, asked), /^The kernel started afresh/);
  assert.match(checks.dropped(queue.lost(ready).state, asked), /^The kernel went away/);
});

test("the code sent runs the checks with the helper's check, adding no name to the reader's", () => {
  const helper = 'def check(answer, *parts):\n    print("values:", answer(), "\u2713")';
  const reader = 'a = 42\ncheck = None\n';
  const after = '\nprint(check, sorted(n for n in globals() if not n.startswith("__")))';
  const run = spawnSync("python3", ["-c", reader + checks.code(helper, 'def helps():\n    pass\ncheck(lambda: [a])') + after],
    { encoding: "utf8" });
  assert.equal(run.stderr, "");
  assert.equal(run.stdout, "values: [42] \u2713\nNone ['a', 'check']\n");
  assert.equal(checks.count(1, 3), "1 of 3 exercises checked");
});
