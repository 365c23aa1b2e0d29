// The stylesheets and scripts of a built site, slimmed: run by booktools/lean_assets.py with a job (JSON) naming the
// files. Packages resolve from the repository's node_modules, beside this file's folder.
import fs from "node:fs";
import * as esbuild from "esbuild";
import { PurgeCSS } from "purgecss";

const job = JSON.parse(process.argv[2]);

const write = (file, text, loader) =>
  fs.writeFileSync(file, job.done + esbuild.transformSync(text, { loader, minify: true, legalComments: "inline" }).code);

for (const file of job.scripts) write(file, fs.readFileSync(file, "utf8"), "js");

if (job.bootstrap) {
  const bundle = await esbuild.build({
    entryPoints: [job.bootstrap.theme], alias: { bootstrap: job.bootstrap.parts },
    bundle: true, minify: true, format: "iife", legalComments: "inline", write: false, logLevel: "error",
  });
  fs.writeFileSync(job.bootstrap.file, job.done + bundle.outputFiles[0].text);
}

if (job.styles.length) {
  const results = await new PurgeCSS().purge({
    content: job.content, css: job.styles, variables: true, dynamicAttributes: job.dynamicAttributes,
    safelist: { standard: job.safelist.map((pattern) => new RegExp(pattern)), variables: job.variables },
  });
  results.forEach(({ file, css }) => write(file, css, "css"));
  // A stylesheet that @imports another (the theme's theme.css: Sphinx's basic.css) holds up the first paint for one
  // more request: the two become one, with the few small images the imported one names written in.
  const images = Object.fromEntries([".png", ".gif", ".svg"].map((type) => [type, "dataurl"]));
  for (const { file } of results.filter(({ css }) => css.includes("@import"))) {
    const built = await esbuild.build({
      entryPoints: [file], bundle: true, minify: true, loader: images, write: false, logLevel: "error",
    });
    fs.writeFileSync(file, job.done + built.outputFiles[0].text);
  }
}
