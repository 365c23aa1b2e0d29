// Long outputs cut (assets/live-code/outputs.js): the first and last lines kept, the rest counted.
import assert from "node:assert/strict";
import { test } from "node:test";

import { FIRST, LAST, cut } from "../../assets/live-code/outputs.js";

const numbered = (count, end = "\n") => Array.from({ length: count }, (_, i) => `line ${i + 1}`).join("\n") + end;

test("a short output, or one only a little past the limit, is shown whole", () => {
  assert.equal(cut(""), null);
  assert.equal(cut(numbered(15)), null); // the book's longest output
  assert.equal(cut(numbered(FIRST + LAST + 49)), null);
});

test("200,000 lines show the first and the last, and say how many are hidden", () => {
  for (const end of ["\n", ""]) {
    const { text, lines } = cut(numbered(200_000, end));
    assert.equal(lines, 200_000);
    const shown = text.split("\n").filter(Boolean);
    assert.equal(shown.length, FIRST + LAST + 1);
    assert.deepEqual(shown.slice(0, FIRST), numbered(FIRST).trim().split("\n"));
    assert.equal(shown[FIRST], `… ${(200_000 - FIRST - LAST).toLocaleString("en")} lines not shown …`);
    assert.equal(shown.at(-1), "line 200000");
    assert.equal(shown[FIRST + 1], `line ${200_000 - LAST + 1}`);
  }
});
