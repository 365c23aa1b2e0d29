// What the theme's pages use of Bootstrap: its menus (Dropdown) and the tooltips of its buttons (Tooltip). The build
// bundles the theme's own scripts/bootstrap.js with this module in place of the whole of Bootstrap (80 kB, minified),
// so that the rest of its code (tooltips' delays, the back-to-top button) is the theme's (booktools/lean_pages.py).
export { default as Dropdown } from "../../node_modules/bootstrap/js/src/dropdown.js";
export { default as Tooltip } from "../../node_modules/bootstrap/js/src/tooltip.js";
