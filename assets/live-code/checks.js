// An exercise's Check, in words: what it sends to the kernel, what the checks' printout says (booktools/checking.py
// prints it), why a check did not run, and the chapter's count of passes. Pure, like the run queue (queue.js).

// The Python a Check runs: the chapter's checks, with the checking helper's `check`, in a copy of the reader's
// namespace, so that neither adds a name to it nor depends on one the reader may have rebound. JSON's string literals
// are Python's too.
export const code = (helper, checks) =>
  `exec(${JSON.stringify(checks)}, {**globals(), "check": (lambda ns: (exec(${JSON.stringify(helper)}, ns), ` +
  "ns['check'])[1])({})})";

// The helper's own lines: a part ("✓ ..."/"✗ ..."), not answered or unreadable, the count, the pass. An answer that
// prints while the checks call it prints lines among them, which are left out.
const OWN = /^(?:[✓✗] |Not answered yet: |Your answer could not be read: |\d+ of \d+ parts hold\.$)/;

export const own = (line, passed) => OWN.test(line) || line === passed;

// printed, cut to the helper's own lines and the unfinished last line: a flood of output costs no memory.
export function trim(printed, passed) {
  const lines = printed.split("\n");
  const last = lines.pop();
  return [...lines.filter((line) => own(line, passed)), last].join("\n");
}

// What the checks printed, read: result "passed", "unanswered" or "failed", and the helper's lines to show.
export function read(printed, passed) {
  const lines = printed.split("\n").map((line) => line.trimEnd()).filter((line) => own(line, passed));
  const last = lines.at(-1) ?? "";
  const result = last === passed ? "passed" : /^(Not answered yet|Your answer could not be read)/.test(last)
    ? "unanswered" : "failed";
  return { result, lines: lines.length ? lines : ["The checks said nothing: check again."] };
}

// How the kernel answered the checks' run (reply: its execute_reply's content, or null when it never came).
export function answered(printed, reply, passed) {
  if (!reply) return { result: "error", lines: ["The kernel did not answer the checks: check again."] };
  if (reply.status === "ok") return read(printed, passed);
  if (reply.ename === "KeyboardInterrupt") {
    return { result: "stopped", lines: ["Stopped: the checks were interrupted while they ran your answer. If it " +
      "loops or takes long, change it, then check again."] };
  }
  return { result: "error", lines: [`The checks could not run: ${reply.ename} (${reply.evalue}).`] };
}

export const CHECKING = "Checking: your answer cell runs first (and the cells above it that have not run)…";

// A Check asked for when the page was in asked (the queue's generation, epoch, the answer cell), which never ran:
// why, from the queue's state now.
export function dropped(state, asked) {
  if (state.epoch !== asked.epoch) {
    return "The kernel started afresh before the checks ran (Restart, or it died): check again.";
  }
  if (state.connection !== "ready") {
    return "The kernel went away before the checks ran: press Reconnect, then check again.";
  }
  if (state.generation !== asked.generation) return "Stopped before the checks ran. Check again when you are ready.";
  const failed = state.cells.slice(0, asked.cell + 1).findLastIndex((cell) => cell.state === "failed");
  if (failed === asked.cell) {
    return "Your answer cell raised an error (see below it), so the checks did not run. Fix it, then check again.";
  }
  if (failed >= 0) {
    return `Cell ${failed + 1}, above your answer, raised an error (see below it), so the checks did not run.`;
  }
  return "The checks did not run: check again.";
}

// Why a Check was not taken (queue.check's refusal).
export function refused(reason) {
  return {
    checking: "This exercise is being checked already.",
    running: "Your answer cell is still running: wait for it, or Stop it, then check.",
    queued: "Your answer cell is waiting to run: wait for it, or Stop it, then check.",
    gone: "The kernel is gone: press Reconnect, then check.",
  }[reason] ?? "Live code is not ready yet: check once it is.";
}

// The chapter's count of exercises passed (in this browser).
export const count = (passed, total) => `${passed} of ${total} exercises checked`;
