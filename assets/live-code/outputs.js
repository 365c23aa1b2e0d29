// Long outputs cut, as Jupyter's front ends cut them: a cell that prints 200,000 lines shows its first and last lines
// and a button that opens all of them in a new tab, not a page millions of pixels tall. The cut itself is pure (cut).
export const FIRST = 100; // lines kept from the start of a long output
export const LAST = 50; // and from its end
const AT_LEAST = 50; // lines hidden, or it is not worth a cut

const TEXT = ["text/plain", "application/vnd.jupyter.stdout", "application/vnd.jupyter.stderr"];
const plural = (n) => `${n.toLocaleString("en")} line${n === 1 ? "" : "s"}`;

// The offset just past the n-th line break from the start (forward) or before the n-th from the end, or -1.
function nth(text, n, forward) {
  let at = forward ? -1 : text.length;
  for (let i = 0; i < n; i += 1) {
    at = forward ? text.indexOf("\n", at + 1) : text.lastIndexOf("\n", at - 1);
    if (at === -1) break;
  }
  return at;
}

// What a text output shows: null if it is short enough to show whole, else its first and last lines with a line
// between that says how many are hidden, and the count of all its lines.
export function cut(text) {
  const end = text.endsWith("\n") ? text.length - 1 : text.length; // a last line break starts no line
  const head = nth(text, FIRST, true);
  if (head === -1) return null;
  const tail = nth(text.slice(0, end), LAST, false);
  if (tail === -1 || tail <= head) return null;
  let lines = 1;
  for (let at = text.indexOf("\n"); at !== -1 && at < end; at = text.indexOf("\n", at + 1)) lines += 1;
  const hidden = lines - FIRST - LAST;
  if (hidden < AT_LEAST) return null;
  return { text: `${text.slice(0, head + 1)}… ${plural(hidden)} not shown …\n${text.slice(tail + 1)}`, lines };
}

// thebe's text renderer, wrapped so that a long output renders cut, with its button.
export function cutLongOutputs(rendermime) {
  const factory = rendermime.getFactory("text/plain");
  const createRenderer = (options) => cutting(factory.createRenderer(options), options.mimeType);
  rendermime.addFactory({ ...factory, mimeTypes: TEXT, createRenderer }, rendermime.getRank("text/plain"));
}

function cutting(renderer, mimeType) {
  const render = renderer.renderModel.bind(renderer);
  let whole = "";
  renderer.renderModel = async (model) => {
    whole = String(model.data[mimeType] ?? "");
    const shown = cut(whole);
    if (!shown) return render(model);
    const data = { ...model.data, [mimeType]: shown.text };
    await render({ data, metadata: model.metadata, trusted: model.trusted, setData: () => {} });
    const open = document.createElement("button");
    Object.assign(open, { type: "button", className: "live-code-action live-code-all-lines", textContent: `Open all ${plural(shown.lines)} in a new tab` });
    open.onclick = () => window.open(URL.createObjectURL(new Blob([whole], { type: "text/plain;charset=utf-8" })));
    renderer.node.append(open);
  };
  return renderer;
}
