// Whether the kernel still answers while a cell runs: a frozen kernel (stopped, swapping) looks just like one that
// runs a long cell. It is asked for its kernel_info on the control channel, which ipykernel answers between the
// statements of a running cell; one that leaves a question unanswered for SILENCE_MS is said to be not answering.
export const SILENCE_MS = 10_000;
const EVERY_MS = 1_000;

const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16)).join("");

// Ask the kernel, and call answered() when it answers.
function ask(kernel, answered) {
  const header = { msg_id: randomId(), msg_type: "kernel_info_request", username: "", session: kernel.clientId,
    date: new Date().toISOString(), version: "5.3" };
  const future = kernel.sendControlMessage({ header, parent_header: {}, metadata: {}, content: {}, channel: "control",
    buffers: [] }, true, true);
  future.onReply = answered;
  future.done.catch(() => {}); // a kernel that went away: connection.js says so
}

// Watch the kernel until the returned function is called: silent() once a question waited SILENCE_MS, answered()
// when it answers after that. A question is asked only once the last one is answered, so a tab whose timers the
// browser slows down never takes a late check for silence.
export function watchSilence(kernel, { silent, answered }) {
  let asked = 0; // when the question that waits was asked (0: none waits)
  let quiet = false;
  const tick = () => {
    if (asked === 0) {
      asked = Date.now();
      try {
        ask(kernel, () => {
          asked = 0;
          if (quiet) answered();
          quiet = false;
        });
      } catch {
        asked = 0; // no connection now: nothing to ask
      }
    } else if (!quiet && Date.now() - asked >= SILENCE_MS) {
      quiet = true;
      silent();
    }
  };
  const timer = setInterval(tick, EVERY_MS);
  return () => clearInterval(timer);
}
