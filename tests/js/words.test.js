// What the status line says about the run queue (assets/live-code/words.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import * as words from "../../assets/live-code/words.js";

const one = (target, before) => ({ id: 0, kind: "one", target, before });

test("a cell that runs first for another says which, in the singular and the plural", () => {
  assert.equal(words.running({ cell: 3, batch: one(4, 1) }, false),
    "Running cell 4, the cell above it, which has not run yet (cell 5 may need what it makes)…");
  assert.equal(words.running({ cell: 1, batch: one(4, 3) }, false),
    "Running cell 2, one of the 3 cells above it that have not run yet (cell 5 may need what they make)…");
  assert.equal(words.running({ cell: 4, batch: one(4, 3) }, true), "Running cell 5 again…");
});

test("the end of a run names the cells that raised the errors the book shows", () => {
  const all = { id: 0, kind: "all", target: 9, count: 9, closed: 1 };
  assert.equal(words.done(all, { expected: [2, 6] }),
    "Ran all 9 cells; the closed solution did not run. Cells 3 and 7 raised the errors the book shows there, as meant.");
  assert.equal(words.done(one(4, 1), { expected: [2] }),
    "Cell 5 ran, after the cell above it, which had not run. Cell 3 raised the error the book shows there, as meant.");
  assert.equal(words.done(one(4, 0)), "Cell 5 ran.");
  assert.match(words.done(one(4, 0), { changed: 4 }), /^Cell 5 ran again and carried on/);
});

test("a Run refused says why, with the cell's number", () => {
  assert.equal(words.refused("connecting", 2), "Live code is connecting to a kernel; run cell 3 once it is ready.");
  assert.equal(words.refused("running", 0), "Cell 1 is still running; it runs once. Stop interrupts it.");
});

test("a kernel that went away is reported with what is known, never a guess", () => {
  assert.match(words.gone({ status: "autorestarting" }), /^The kernel stopped \(its process ended\) and was started again/);
  assert.match(words.gone({ status: "dead", server: "listed" }), /^The kernel stopped, and its server could not start/);
  assert.match(words.gone({ server: "listed" }), /^Lost the connection to the kernel; trying again/);
  assert.match(words.gone({ status: "dead", server: "unlisted" }), /^The kernel was shut down: its server no longer/);
  assert.match(words.gone({ server: "silent", site: "new" }), /^The kernel server stopped, and `make live` started a new/);
  assert.match(words.gone({ server: "silent", site: "restarting" }), /`make live` is starting a new one/);
  assert.match(words.gone({ server: "silent", site: "same" }), /not answering, though `make live` still runs/);
  assert.match(words.gone({ server: "silent", site: "silent" }), /^Neither the kernel server nor the book's site answers: `make live` has stopped/);
  assert.match(words.gone({ server: "silent", site: "refused" }), /`make live` was started again: open the address/);
  assert.match(words.gone({ server: "silent", site: "binder" }), /^The Binder server has gone away/);
  assert.match(words.gone({ server: "silent", site: "own" }), /^The Jupyter server on your computer does not answer/);
  const said = ["autorestarting", "dead", undefined].flatMap((status) => ["listed", "unlisted", "silent"].flatMap(
    (server) => ["same", "new", "restarting", "refused", "silent", "own", "binder"].map((site) => words.gone({ status, server, site }))));
  assert.ok(said.every((text) => typeof text === "string" && !/\?/.test(text)), "a case with no words, or a guess");
});

test("a kernel that does not answer is said to be not answering, with the cell and the choices", () => {
  assert.equal(words.silent({ cell: 13, batch: one(13, 0) }, 10),
    "The kernel is not answering: it has said nothing for 10 s while cell 14 runs. Wait, Stop the cell, or Restart " +
    "the kernel.");
});
