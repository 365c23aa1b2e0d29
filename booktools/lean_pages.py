"""Pages that paint sooner and weigh less, written that way by the build (no HTML patched afterwards).

- The theme's Font Awesome script (1.5 MB, for a dozen icons) is left out; icons.css draws each icon the site uses
  as a CSS mask of its SVG.
- Scripts in the head of a chapter are deferred: they all wait for the document anyway, so the text shows first.
  The search scripts are left to the search page.
- Figures load as they scroll into view.
- The site's front door is a small redirect page with the site's icon.
- The stylesheets keep only the rules that something in the pages or their scripts can match (PurgeCSS), and they and
  the scripts are minified (esbuild): the theme's CSS alone was 0.4 MB, most of it for what no page of this book has.
  `lean_assets: false` (sphinx: config: in _config.yml) leaves them as shipped, for comparing the two.

The same template edits also mend two bugs of this pair of themes (see THEME_EDITS): dead sidebar buttons, and a first
paint without the theme's colours.
"""

import hashlib
import json
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pydata_sphinx_theme
from docutils import nodes
from sphinx.errors import ExtensionError

from booktools import ROOT, vendored, write_if_changed

THEME = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
# The theme hard-codes these tags in its templates, with no option to change them. The build writes edited copies of
# those templates ahead of the theme's; an edit that does not find what it expects stops the build, so that an
# update of the theme cannot quietly undo it. Each: (template, pattern, replacement, matches expected).
THEME_EDITS = [
    # fontawesome.js "so that users can add custom icons": this book adds none.
    (
        "static/webpack-macros.html",
        r'\n\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>',
        "",
        1,
    ),
    # Sphinx's search scripts (48 kB), which the theme puts in every page's head for its search-as-you-type, off in
    # this book: the search button opens a form that goes to the search page, which loads its own.
    (
        "layout.html",
        r"\n\s*<script src=\"\{\{ pathto\('(_static/searchtools|_static/language_data|searchindex)\.js', "
        r"1\) \| e \}\}\"></script>",
        "",
        3,
    ),
    # Not for weight: a bug of this theme pair (pydata-sphinx-theme#2451, sphinx-book-theme#1000). pydata 0.17 adds
    # sidebar buttons to the top bar, which the book theme hides; both themes' scripts bind the first button of each
    # kind they find, the hidden one, so the visible buttons in the article header did nothing: on a phone, the
    # chapters' navigation could not be opened. Without the hidden pair, the scripts bind the visible buttons.
    (
        "sections/header.html",
        r'\n\s*<button class="pst-navbar-icon sidebar-toggle primary-toggle".*?</button>',
        "",
        1,
    ),
    (
        "sections/header.html",
        r"\n\s*\{% if not remove_sidebar_secondary and secondary_sidebar_items %\}\s*"
        r'<button class="pst-navbar-icon sidebar-toggle secondary-toggle".*?</button>\s*\{% endif %\}',
        "",
        1,
    ),
    # Not for weight either: a bug of the theme (pydata-sphinx-theme#1857). Its head script sets the theme to the
    # default mode, "auto", which no stylesheet rule matches, and only the deferred theme script resolves it to light
    # or dark: the first paint had none of the theme's colours, then flashed to them (a white flash for a dark-mode
    # reader) and every element was styled again. Resolved as the head runs, the same way the theme script does it.
    (
        "layout.html",
        r'(document\.documentElement\.dataset\.mode = localStorage\.getItem\("mode"\) '
        r'\|\| "\{\{ default_mode \}\}";\s*)'
        r'document\.documentElement\.dataset\.theme = localStorage\.getItem\("theme"\) \|\| "\{\{ default_mode \}\}";',
        r"\1{ const mode = document.documentElement.dataset.mode;"  # a block: no global name for other scripts
        r' document.documentElement.dataset.theme = mode == "light" || mode == "dark" ? mode'
        r' : matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"; }',
        1,
    ),
]
ICON_STYLES = {"solid": ".fa-solid,.fas", "regular": ".fa-regular,.far", "brands": ".fa-brands,.fab"}


def setup(app):
    app.add_config_value("lean_assets", True, "html")
    # Not a setting: what the files are slimmed with. When it changes, Sphinx writes every page again and copies its
    # static files as shipped, and lean_assets slims them anew.
    app.add_config_value(
        "lean_assets_by",
        hashlib.sha256(
            b"".join(path.read_bytes() for path in (Path(__file__), PARTS, ROOT / "package-lock.json"))
        ).hexdigest(),
        "html",
    )
    app.connect("config-inited", edited_theme_templates)
    app.connect("builder-inited", lambda app: vendored("@fortawesome/fontawesome-free"))
    app.add_css_file("icons.css")  # written by write_icons_css
    app.connect("doctree-resolved", lazy_figures)
    app.connect("html-page-context", deferred_scripts)
    app.connect("build-finished", write_icons_css)
    app.connect("build-finished", write_front_door)
    # Last: after every extension and the theme (which writes pygments.css then) has written its files.
    app.connect("build-finished", lean_assets, priority=900)


def edit_template(text, pattern, replacement, expected, name):
    """text with the edit made, or the build's error if the theme's template no longer reads as expected."""
    edited, found = re.subn(pattern, replacement, text, flags=re.DOTALL)
    if found != expected:
        raise ExtensionError(
            f"The theme's {name} changed: booktools/lean_pages.py expected {expected} match(es) of "
            f"{pattern!r} and found {found}. Update THEME_EDITS for this version of the theme."
        )
    return edited


def edited_theme_templates(app, config):
    folder = Path(app.doctreedir).parent / "theme-templates"
    edited = {}
    for name, pattern, replacement, expected in THEME_EDITS:
        text = edited.get(name) or (THEME / name).read_text()
        edited[name] = edit_template(text, pattern, replacement, expected, name)
    written = set()
    for name, text in edited.items():
        # The layout under the theme's own name, so that the book theme's `extends` finds our copy first.
        path = folder / ("pydata_sphinx_theme/" + name if name == "layout.html" else name)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_if_changed(path, text)  # a newer template would make Sphinx rewrite every page
        written.add(path)
    for stale in {path for path in folder.rglob("*") if path.is_file()} - written:
        stale.unlink()  # an edit no longer made: the theme's own template applies again
    config.templates_path.insert(0, str(folder))


def lazy_figures(app, doctree, docname):
    for image in doctree.findall(nodes.image):
        image.setdefault("loading", "lazy")  # docutils writes it as <img loading="lazy">


def deferred_scripts(app, pagename, templatename, context, doctree):
    """Defer every script file of a chapter but documentation_options.js, whose values inline scripts set."""
    if doctree is None:  # the search page and the index run their scripts as they load
        return
    # In place: it is the builder's list, to which extensions add a page's own scripts (live-code.js) after this.
    context["script_files"][:] = [
        type(js)(js.filename, priority=js.priority, **{**js.attributes, "defer": "defer"})
        if js.filename
        and not {"defer", "async"} & js.attributes.keys()
        and not str(js.filename).endswith("documentation_options.js")
        else js
        for js in context["script_files"]
    ]


def write_icons_css(app, exception):
    """Each icon named in the pages or in the scripts that add icons at run time (the theme's), as a CSS mask of its
    Font Awesome SVG in the text's colour."""
    if exception or app.builder.format != "html":
        return
    outdir, static = Path(app.outdir), Path(app.outdir) / "_static"
    for unused in static.glob("scripts/fontawesome.js*"):
        unused.unlink()  # so that a page still asking for it fails the tests instead of loading it
    names = set()
    for path in [*outdir.glob("**/*.html"), *static.glob("*.js"), *static.glob("scripts/*.js")]:
        names.update(re.findall(r"(?<![\w-])fa-([a-z0-9-]+)", path.read_text()))
    font_awesome = vendored("@fortawesome/fontawesome-free")
    icons = json.loads((font_awesome / "metadata" / "icon-families.json").read_text())
    version = json.loads((font_awesome / "package.json").read_text())["version"]
    rules = [
        f"/* Font Awesome Free {version} icons (CC BY 4.0, https://fontawesome.com/license/free), as masks: "
        "written by booktools/lean_pages.py */",
        # Sized as fontawesome.js sized its SVGs; and no glyph of the theme's icon font, so no 150 kB font.
        ",".join(ICON_STYLES.values()) + "{height:1em;font-size:inherit;vertical-align:-.125em;"
        "background-color:currentColor;mask:var(--icon) center/contain no-repeat}",
        ".fa-lg{font-size:1.25em;vertical-align:-.2em}",
        ",".join(f"{style}::before" for style in ",".join(ICON_STYLES.values()).split(",")) + "{content:none}",
    ]
    for name, icon in sorted(icons.items()):
        for style, svg in icon["svgs"].get("classic", {}).items():
            used = sorted(names & {name, *icon.get("aliases", {}).get("names", [])})
            if used and style in ICON_STYLES:
                image = urllib.parse.quote(
                    f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {svg['width']} "
                    f"{svg['height']}'><path d='{svg['path']}'/></svg>",
                    safe=" '=/:,",
                )
                selectors = [f"{each}.fa-{alias}" for alias in used for each in ICON_STYLES[style].split(",")]
                # The glyph's width, as the web font gives it.
                width = int(svg["width"]) / int(svg["height"])
                rules.append(f'{",".join(selectors)}{{--icon:url("data:image/svg+xml,{image}");width:{width:.4g}em}}')
    write_if_changed(static / "icons.css", "\n".join(rules) + "\n")


def write_front_door(app, exception):
    """sphinx-external-toc writes the site's index.html as a bare <meta> redirect with no icon, so a browser asks for
    /favicon.ico and logs a 404: the same redirect, with the icon."""
    if exception or app.builder.format != "html":
        return
    write_if_changed(
        Path(app.outdir) / "index.html",
        f'<!doctype html>\n<html lang="en">\n<meta charset="utf-8">\n<title>{app.config.html_title}</title>\n'
        f'<link rel="icon" href="_static/{Path(app.config.html_favicon).name}">\n'
        f'<meta http-equiv="Refresh" content="0; url={app.config.root_doc}.html">\n</html>\n',
    )


# Left whole: what the build writes with nothing unused (icons.css, math.css, accessibility.css) and what styles only
# thebe's cells, after the click on Live Code (live-code.css, thebe's own CSS under vendor/).
WHOLE = {"icons.css", "math.css", "accessibility.css", "live-code.css"}
# Classes that no page or script of the site names: thebe's (live cells and their outputs), which the theme also styles.
SAFELIST = [r"^thebe", r"^jp-", r"^lm-", r"^CodeMirror", r"^cm-"]
# Attributes whose values the scripts set as the reader goes (colour mode, menus placed by Popper).
DYNAMIC_ATTRIBUTES = ["data-theme", "data-mode", "data-popper-placement", "data-bs-popper", "aria-expanded"]
# Bootstrap as the theme bundles it, less what its pages never use.
PARTS = ROOT / "assets" / "lean" / "bootstrap.js"
# Written at the top of each file done, so that a rebuild that copied nothing anew does nothing again.
DONE = "/* lean: booktools/lean_pages.py */\n"
LEAN = r"""
const [root, job] = [process.argv[1], JSON.parse(process.argv[2])];
const fs = require("fs");
const esbuild = require(`${root}/node_modules/esbuild`);
const write = (file, text, loader) =>
  fs.writeFileSync(file, job.done + esbuild.transformSync(text, {loader, minify: true, legalComments: "inline"}).code);
for (const file of job.scripts) write(file, fs.readFileSync(file, "utf8"), "js");
if (job.bootstrap) {
  const bundle = esbuild.buildSync({
    entryPoints: [job.bootstrap.theme], alias: {bootstrap: job.bootstrap.parts}, nodePaths: [`${root}/node_modules`],
    bundle: true, minify: true, format: "iife", legalComments: "inline", write: false, logLevel: "error",
  });
  fs.writeFileSync(job.bootstrap.file, job.done + bundle.outputFiles[0].text);
}
if (job.styles.length) {
  const { PurgeCSS } = require(`${root}/node_modules/purgecss`);
  new PurgeCSS().purge({
    content: job.content, css: job.styles, variables: true, dynamicAttributes: job.dynamicAttributes,
    safelist: {standard: job.safelist.map(pattern => new RegExp(pattern)), variables: job.variables},
  }).then(results => {
    results.forEach(({file, css}) => write(file, css, "css"));
    // A stylesheet that @imports another (the theme's theme.css: Sphinx's basic.css) holds up the first paint for one
    // more request: the two become one (with the few small images the imported one names written in).
    for (const {file} of results.filter(({css}) => css.includes("@import"))) {
      const images = Object.fromEntries([".png", ".gif", ".svg"].map(type => [type, "dataurl"]));
      const built = esbuild.buildSync({entryPoints: [file], bundle: true, minify: true, loader: images, write: false,
                                       logLevel: "error"});
      fs.writeFileSync(file, job.done + built.outputFiles[0].text);
    }
  });
}
"""


def lean_assets(app, exception):
    """Purge and minify the site's stylesheets and scripts (not vendor/: thebe's, loaded on the click)."""
    if exception or app.builder.format != "html" or not app.config.lean_assets:
        return
    outdir, static = Path(app.outdir), Path(app.outdir) / "_static"
    scripts = [*static.glob("*.js"), *static.glob("scripts/*.js")]
    styles = [path for path in [*static.glob("*.css"), *static.glob("styles/*.css")] if path.name not in WHOLE]
    # Sphinx copies its static files only when it writes a page (then each is as shipped again), and live_code copies
    # live-code.js on every build. The stylesheets go together: one may use what another defines.
    to_do = {
        "scripts": [path for path in scripts if not path.read_text().startswith(DONE)],
        "styles": styles if any(not path.read_text().startswith(DONE) for path in styles) else [],
    }
    if not any(to_do.values()):
        return
    if not (ROOT / "node_modules" / "purgecss").exists():
        raise ExtensionError("PurgeCSS not found in node_modules: build with `make book`, which installs it (npm ci)")
    # Custom properties that the whole stylesheets and the scripts use, which PurgeCSS cannot see used.
    used_elsewhere = [*(static / name for name in WHOLE), *static.glob("vendor/**/*.css"), *scripts]
    variables = sorted(
        {name for path in used_elsewhere if path.exists() for name in re.findall(r"--[A-Za-z][\w-]*", path.read_text())}
    )
    bootstrap = static / "scripts" / "bootstrap.js"
    job = {
        "scripts": [str(path) for path in to_do["scripts"] if path != bootstrap],
        "styles": [str(path) for path in to_do["styles"]],
        "done": DONE,
        "content": [str(path) for path in [*outdir.glob("**/*.html"), *scripts]],
        "safelist": SAFELIST,
        "dynamicAttributes": DYNAMIC_ATTRIBUTES,
        "variables": variables,
    }
    if bootstrap in to_do["scripts"]:
        job["bootstrap"] = {"file": str(bootstrap), "theme": str(bootstrap_source(bootstrap)), "parts": str(PARTS)}
    # The same files from the same pages as last time (a rebuild that wrote the pages anew, or a myst-nb that copies its
    # stylesheet on every build): the lean files kept from then, instead of a second or two of PurgeCSS.
    written = [*to_do["scripts"], *to_do["styles"]]
    inputs = sorted(
        {*written, *outdir.glob("**/*.html"), *scripts, *(path for path in used_elsewhere if path.exists())}
    )
    # ...and slimmed the same way (lean_assets_by: this module, the Bootstrap parts, the npm lock).
    digest = hashlib.sha256(app.config.lean_assets_by.encode() + b"".join(path.read_bytes() for path in inputs))
    kept = outdir.parent / "lean-assets" / digest.hexdigest()
    if not kept.is_dir():
        subprocess.run([shutil.which("node") or "node", "-e", LEAN, str(ROOT), json.dumps(job)], check=True)
        shutil.rmtree(kept.parent, ignore_errors=True)  # only the latest
        for path in written:
            (kept / path.relative_to(static)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, kept / path.relative_to(static))
    else:
        shutil.copytree(kept, static, dirs_exist_ok=True)


def bootstrap_source(shipped):
    """The theme's source of its scripts/bootstrap.js, if it bundled the Bootstrap that package.json pins."""
    source = THEME.parent.parent / "assets" / "scripts" / "bootstrap.js"
    version = json.loads((ROOT / "node_modules" / "bootstrap" / "package.json").read_text())["version"]
    if not source.exists() or f'"{version}"' not in shipped.read_text():
        raise ExtensionError(
            f"The theme's scripts/bootstrap.js is not built from {source} with Bootstrap {version} "
            "(package.json): pin the Bootstrap that the theme bundles, or update lean_pages.py."
        )
    return source
