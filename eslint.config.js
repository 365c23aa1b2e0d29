// ESLint (`make lint`, and the pre-commit hook): Live Code's modules, their tests, and the Node programs of the build.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "_build/", "**/.venv*/", "assets/npm-empty/"] },
  js.configs.recommended,
  {
    files: ["assets/live-code/**/*.js"],
    // Sphinx's documentation_options.js declares DOCUMENTATION_OPTIONS on every page.
    languageOptions: { globals: { ...globals.browser, DOCUMENTATION_OPTIONS: "readonly" } },
  },
  {
    files: ["**/*.mjs", "tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    rules: {
      "no-unused-vars": ["error", { ignoreRestSiblings: true }],
      eqeqeq: "error",
      "prefer-const": "error",
      "no-var": "error",
      // As for the Python (ruff): one job per module, and functions short enough to read at once.
      "max-lines": ["error", { max: 250 }],
      "max-lines-per-function": ["error", { max: 50 }],
    },
  },
];
