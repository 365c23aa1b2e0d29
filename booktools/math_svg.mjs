// MathJax for booktools/math_svg.py: prints the CSS its SVG needs, then answers each line of JSON ({tex, display})
// on stdin with one line of JSON ({html} or {error}); a line {page: true} is answered with the glyphs the formulas
// since the last such line use ({html}: an SVG of definitions they refer to), and starts afresh for the next page.
// MathJax resolves from the repository's node_modules.
import { createRequire } from "node:module";
import readline from "node:readline";

// MathJax 3's component loader is CommonJS: it is required, not imported.
const require = createRequire(import.meta.url);
const MathJax = await require("mathjax").init({
  loader: { load: ["input/tex", "output/svg", "a11y/assistive-mml"] },
  tex: { packages: { "[-]": ["noundefined"] }, formatError: (jax, error) => { throw error; } },
  // Each glyph once per page, not once per formula (a chapter's formulas share most of theirs).
  svg: { fontCache: "global" },
});
const adaptor = MathJax.startup.adaptor;
const send = (answer) => process.stdout.write(JSON.stringify(answer) + "\n");
send(adaptor.textContent(MathJax.svgStylesheet()));
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const { tex, display, page } = JSON.parse(line);
  if (page) {
    const fonts = MathJax.startup.output.fontCache;
    // The cache is a bare <defs>: in an HTML page it must sit inside an <svg> for the formulas' <use> to find it.
    const defs = adaptor.outerHTML(fonts.getCache());
    send({ html: `<svg xmlns="http://www.w3.org/2000/svg" style="display: none" aria-hidden="true">${defs}</svg>` });
    fonts.clearCache();
    return;
  }
  try {
    send({ html: adaptor.outerHTML(MathJax.tex2svg(tex, { display })) });
  } catch (error) {
    send({ error: error.message });
  }
});
