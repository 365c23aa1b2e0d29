// The page's code cells as the reader sees them: an editor, one Run button with a hint beside it, and an output area
// of its own. What state a cell is in comes from the run queue (queue.js); this module only shows it.
import { make } from "./bar.js";
import { keepAlt, rememberAlt } from "./figures.js";

export const elements = () => [...document.querySelectorAll("div.cell")];

// Which cells sit in a hidden solution (a <details> the reader has not opened): a Run leaves them out.
export const closedSolutions = () => elements().map((element) => element.querySelector("details:not([open])") !== null);

// thebe pairs the n-th code cell with the n-th output area, so a cell that printed nothing would take the next cell's
// outputs: give every cell an output area of its own, and a plain <pre> holding its source.
export function prepareCells() {
  for (const element of elements()) {
    rememberAlt(element);
    const input = element.querySelector(".cell_input");
    const source = input.querySelector("pre").textContent.replace(/\n$/, "");
    const pre = Object.assign(document.createElement("pre"), { textContent: source });
    pre.dataset.executable = "true";
    input.replaceChildren(pre);
    if (!element.querySelector(".cell_output")) {
      input.after(Object.assign(document.createElement("div"), { className: "cell_output docutils container" }));
    }
  }
}

// One cell, once thebe made its editor; run(cell) is what its Run button and Shift+Enter do.
export function setUpCell(element, thebeCell, index, run) {
  const cell = { element, thebe: thebeCell, index, number: index + 1, note: "", last: null };
  cell.editor = element.querySelector(".CodeMirror").CodeMirror;
  cell.bookSource = thebeCell.source;
  cell.hint = make("span", { className: "live-code-hint", id: `live-code-hint-${cell.number}` });
  cell.button = make("button", { type: "button", className: "thebe-button live-code-run", textContent: "Run" });
  cell.button.setAttribute("aria-label", `Run cell ${cell.number}`);
  cell.button.setAttribute("aria-describedby", cell.hint.id);
  cell.button.onclick = () => run(cell);
  element.querySelector(".thebe-controls").prepend(cell.button, cell.hint);
  cell.editor.setOption("extraKeys", { ...cell.editor.getOption("extraKeys"), "Shift-Enter": () => run(cell) });
  // A wrapped line continues four columns deeper than it starts, so that it does not read as a line of its own.
  cell.editor.on("renderLine", (editor, { text }, line) => {
    const hang = (/^\s*/.exec(text)[0].length + 4) * editor.defaultCharWidth();
    line.style.textIndent = `-${hang}px`;
    line.style.paddingLeft = `${hang + 4}px`; // CodeMirror's own 4px
  });
  // thebe's own text for a run cut short asks the reader to refresh the page, which is never needed here.
  thebeCell.clearOnError = () => thebeCell.setOutputText(
    "This run did not finish: the kernel restarted or went away before it answered.\n");
  keepAlt(cell);
  return cell;
}

// CodeMirror types into an unnamed hidden textarea; a screen reader would announce just "edit text".
export function nameEditors() {
  const editors = document.querySelectorAll("div.cell .CodeMirror");
  editors.forEach((editor, i) =>
    editor.CodeMirror.getInputField().setAttribute("aria-label", `Code cell ${i + 1} of ${editors.length}`),
  );
}

// Show a cell's state ("queued", "running", ...) on it, and the hint beside its Run button.
export function show(cell, state, hint) {
  cell.element.dataset.live = state;
  cell.button.textContent = state === "running" ? "Running…" : state === "queued" ? "Waiting…" : "Run";
  cell.button.setAttribute("aria-disabled", String(state === "running" || state === "queued"));
  cell.hint.textContent = cell.note || hint;
}

// What a run printed, less what differs between two runs of the same code (counts, timings of the display).
export const outputs = (cell) =>
  JSON.stringify(cell.thebe.outputs.map(({ execution_count, metadata, ...rest }) => rest));

// Whether the book marks the cell as meant to raise (myst-nb writes its tags into the cell's classes).
export const expectsError = (cell) => cell.element.classList.contains("tag_raises-exception");
