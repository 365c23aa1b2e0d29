// What the run-queue tests share: a page on a ready kernel, and a kernel that answers every cell sent to it.
import * as queue from "../../assets/live-code/queue.js";

export const KERNEL = "kernel-1";

// A page of `count` cells on a ready kernel.
export const ready = (count = 5) => queue.connected(queue.create(count), KERNEL).state;

// Send every cell that can go, answering each with the outcome given for its index ("ok" by default); returns the
// cells in the order they ran and the last decision.
export function drain(state, outcomes = {}) {
  const order = [];
  let decision = { state };
  for (;;) {
    const { state: after, start } = queue.next(decision.state);
    if (!start) return { ...decision, state: after, order };
    order.push(start.cell);
    decision = queue.finished(after, start, outcomes[start.cell] ?? "ok");
  }
}
