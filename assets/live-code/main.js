// Live code: the page's code cells become editable and run on a Jupyter kernel, one kernel per page.
//
// thebe does the work; it is served from this site and loaded on the first click only, with the rest of Live Code
// (session.js): a page loads only page.js, which warms up a local kernel. Around thebe, what a reader needs to not get
// lost: a bar under the title with a status line and the page's actions (bar.js); one Run button per cell, which
// first runs the cells above that have not run yet (cells.js, and the run queue in queue.js, which decides what runs
// when); figures that keep the book's alt text (figures.js); when the kernel goes away, a status line that says
// so and offers to reconnect (connection.js); and a Check button under each exercise's answer (exercises.js).
import "./page.js";

let started = null;

// The theme's "Live Code" button calls this; the launch menu's "Your computer" calls it with "own".
window.initThebe = (where) => {
  if (where === "own") return import("./own.js").then(({ runOnOwnComputer }) => runOnOwnComputer()).catch(console.error);
  started ??= import("./session.js").then(({ start }) => start(), (error) => {
    started = null; // the next click tries again
    console.error(error);
  });
  return started;
};
