// A Check button under each exercise's answer cell: it runs the reader's answer, then the chapter's checks, through
// the run queue (queue.check), and says what they found beside it, in the checks' own words (checks.js reads them).
// Passes are remembered in this browser only (localStorage), and the bar counts them. The checks come from
// _static/checks/<page>.json (booktools/exercise_pages.py), fetched here, after the click on Live Code.
import { make, say } from "./bar.js";
import { closedSolutions } from "./cells.js";
import * as checks from "./checks.js";
import { root } from "./page.js";
import * as queue from "./queue.js";
import { apply, page, pump } from "./runner.js";

const chapter = DOCUMENTATION_OPTIONS.pagename;
const exercises = new Map(); // number -> { number, cell, check, button, verdict }
const asked = new Map(); // number -> the queue as it was when its Check was taken (checks.dropped reads it)
let data = null;
let tally = null;

const key = (number) => `pytorch-book:checked:${chapter}:${number}`;
// Storage can be refused (a private window, a policy): the page works on without remembering.
const remembered = (number) => {
  try {
    return localStorage.getItem(key(number)) === "passed";
  } catch {
    return false;
  }
};
function remember(number) {
  try {
    localStorage.setItem(key(number), "passed");
  } catch {
    // not remembered; the verdict is shown all the same
  }
}

function show(exercise, result, lines) {
  exercise.verdict.dataset.result = result;
  exercise.verdict.replaceChildren(...lines.map((line) => make("p", { textContent: line })));
  exercise.button.setAttribute("aria-disabled", String(result === "busy"));
  const passed = [...exercises.keys()].filter(remembered).length;
  tally.textContent = checks.count(passed, exercises.size);
}

function ask(exercise) {
  const { refused } = apply(queue.check(page.state, exercise.cell.index, closedSolutions(), exercise.number));
  if (refused) return show(exercise, refused === "checking" ? "busy" : "error", [checks.refused(refused)]);
  const { generation, epoch } = page.state;
  asked.set(exercise.number, { generation, epoch, cell: exercise.cell.index });
  show(exercise, "busy", [checks.CHECKING]);
  return pump();
}

// The checks' start, from the runner: sends them, shows their words; resolves to the queue's outcome.
async function run(start) {
  const exercise = exercises.get(start.check);
  say(`Checking exercise ${exercise.number}…`);
  let printed = "";
  let reply = null;
  try {
    const future = page.session.kernel.requestExecute({ code: checks.code(data.helper, exercise.check),
      silent: false, store_history: false, allow_stdin: false });
    future.onIOPub = ({ header, content }) => {
      if (header.msg_type === "stream" && content.name === "stdout") printed = checks.trim(printed + content.text, data.passed);
    };
    reply = (await future.done).content;
  } catch {
    // cut short (a restart, a lost kernel): the queue has moved on, and watch() said why
  }
  if (asked.delete(exercise.number)) { // else the queue gave up on it, and watch() said so already
    const { result, lines } = checks.answered(printed, reply, data.passed);
    if (result === "passed") remember(exercise.number);
    show(exercise, result, lines);
    say(`Exercise ${exercise.number} checked: ${lines.at(-1)}`, result === "passed" ? "ready" : "error");
  }
  return !reply ? "no-answer" : reply.status === "ok" ? "ok" : reply.ename === "KeyboardInterrupt" ? "interrupted"
    : "error";
}

// After each change of the queue: a Check it no longer holds (its answer raised, Stop, Restart, a lost kernel).
function watch(state) {
  for (const [number, when] of asked) {
    if (!queue.checking(state, number)) {
      asked.delete(number);
      show(exercises.get(number), "error", [checks.dropped(state, when)]);
    }
  }
}

function setUp(exercise) {
  const { element, number } = exercise.cell;
  exercise.verdict = make("div", { className: "live-code-verdict", id: `live-code-verdict-${exercise.number}` });
  exercise.verdict.setAttribute("role", "status");
  exercise.button = make("button", { type: "button", className: "live-code-action live-code-check",
    textContent: "Check", onclick: () => ask(exercise) });
  exercise.button.setAttribute("aria-label", `Check exercise ${exercise.number}`);
  exercise.button.title = `Run cell ${number}, your answer (and the cells above it that have not run), then the checks`;
  exercise.button.setAttribute("aria-describedby", exercise.verdict.id);
  element.after(make("div", { className: "live-code-exercise" }, exercise.button, exercise.verdict));
  if (remembered(exercise.number)) {
    show(exercise, "remembered", ["You passed this exercise's checks before, in this browser."]);
  }
}

// Once the page's cells are live (session.js): a page with exercises fetches its checks, then shows its buttons.
export async function setUpExercises() {
  const answers = page.cells.filter((cell) => cell.element.matches(".tag_answer"));
  if (!answers.length) return;
  const response = await fetch(`${root}_static/checks/${chapter}.json`);
  if (!response.ok) throw new Error(`the exercises' checks are missing (${response.status})`);
  data = await response.json();
  tally = make("p", { className: "live-code-tally" });
  document.querySelector(".live-code-bar").append(tally);
  data.exercises.forEach(({ number, check }, i) => exercises.set(number, { number, check, cell: answers[i] }));
  page.checks = { run, watch };
  exercises.forEach(setUp);
  tally.textContent = checks.count([...exercises.keys()].filter(remembered).length, exercises.size);
}
