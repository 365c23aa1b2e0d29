// The bar under the chapter's title: a status line saying what the kernel is doing, and the page's actions. It stays
// in view, so that a reader at the foot of the page still sees them.
import { root } from "./page.js";

export const make = (tag, properties, ...children) => {
  const element = Object.assign(document.createElement(tag), properties);
  element.append(...children);
  return element;
};

// A script or stylesheet added to the page: resolves once it loaded.
export const load = (tag, attributes) =>
  new Promise((resolve, reject) => {
    const element = Object.assign(document.createElement(tag), attributes);
    element.onload = resolve;
    element.onerror = () => reject(new Error(`could not load ${attributes.src ?? attributes.href}`));
    document.head.append(element);
  });

// Live Code's stylesheet, once for the bar and the dialogs alike.
let styles = null;
export const loadStyles = () => {
  styles ??= load("link", { rel: "stylesheet", href: `${root}_static/live-code.css` });
  return styles;
};

let line = null;
const actions = {};

// handlers: { runAll, stop, restart, reconnect }, called on a click.
export function makeBar(handlers) {
  if (line) return;
  line = make("p", { className: "live-code-status" });
  line.setAttribute("role", "status");
  const buttons = make("div", { className: "live-code-actions" });
  for (const [name, label, title] of [
    ["runAll", "Run all", "Run every cell of the page in order (closed solutions stay closed)"],
    ["stop", "Stop", "Interrupt the running cell; cells waiting to run do not run"],
    ["restart", "Restart", "Start a fresh kernel: the variables of the cells you ran are lost"],
    ["reconnect", "Reconnect", "Connect the cells to a kernel again"],
  ]) {
    const onclick = () => handlers[name]();
    actions[name] = make("button", { type: "button", className: "live-code-action", textContent: label, title, onclick });
    buttons.append(actions[name]);
  }
  // The theme's Live Code button put an empty placeholder under the title; it looks for this class there.
  const bar = make("div", { className: "thebe-launch-button live-code-bar" }, line, buttons);
  bar.setAttribute("role", "region");
  bar.setAttribute("aria-label", "Live code");
  const placeholder = document.querySelector(".thebe-launch-button");
  if (placeholder) placeholder.replaceWith(bar);
  else document.querySelector("section h1")?.after(bar);
  // The bar stays in view below the theme's header; the page scrolls what it focuses clear of both.
  new ResizeObserver(() => document.documentElement.style.setProperty("--live-code-bar", `${bar.offsetHeight}px`))
    .observe(bar);
  document.documentElement.dataset.liveCode = "starting";
  showActions({ connection: "starting", busy: false });
}

// state: "busy" (something is under way), "ready" or "error".
export function say(text, state = "busy") {
  line.textContent = text;
  line.dataset.state = state;
}

export function showActions({ connection, busy }) {
  const ready = connection === "ready";
  actions.runAll.disabled = !ready;
  actions.restart.disabled = !ready;
  actions.stop.hidden = !(ready && busy);
  actions.reconnect.hidden = connection !== "gone";
}

// A modal question before the reader loses what the kernel holds; resolves to true if they go ahead.
export function confirmLoss(title, text, go) {
  const buttons = make("form", { method: "dialog" },
    make("button", { value: "cancel", textContent: "Cancel", autofocus: true }),
    make("button", { value: "go", textContent: go }));
  const dialog = make("dialog", { className: "live-code-dialog" }, make("h2", { textContent: title }),
    make("p", { textContent: text }), buttons);
  dialog.setAttribute("aria-label", title);
  document.body.append(dialog);
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => {
    resolve(dialog.returnValue === "go");
    dialog.remove();
  }));
}
