"""Stylesheets and scripts slimmed at the end of each build (booktools/lean_assets.mjs, run by Node).

The stylesheets keep only the rules that something in the pages or their scripts can match (PurgeCSS), and they and
the scripts are minified (esbuild): the theme's CSS is mostly for what no page of this book has. The theme's Bootstrap
bundle is rebuilt from its own source with only the parts the pages use (assets/lean/bootstrap.js).
`lean_assets: false` (sphinx: config: in _config.yml) leaves them as shipped, for comparing the two.
"""

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

from sphinx.errors import ExtensionError

from booktools import ROOT
from booktools.theme_templates import THEME

PROGRAM = Path(__file__).with_suffix(".mjs")
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
DONE = "/* lean: booktools/lean_assets.py */\n"


def setup(app):
    app.add_config_value("lean_assets", True, "html")
    # Not a setting: what the files are slimmed with. When it changes, Sphinx writes every page again and copies its
    # static files as shipped, and lean_assets slims them anew.
    app.add_config_value(
        "lean_assets_by",
        hashlib.sha256(
            b"".join(path.read_bytes() for path in (Path(__file__), PROGRAM, PARTS, ROOT / "package-lock.json"))
        ).hexdigest(),
        "html",
    )
    # Last: after every extension and the theme (which writes pygments.css then) has written its files.
    app.connect("build-finished", lean_assets, priority=900)


def lean_assets(app, exception):
    """Purge and minify the site's stylesheets and scripts (not vendor/: thebe's, loaded on the click)."""
    if exception or app.builder.format != "html" or not app.config.lean_assets:
        return
    outdir, static = Path(app.outdir), Path(app.outdir) / "_static"
    scripts = [*static.glob("*.js"), *static.glob("scripts/*.js")]
    styles = [path for path in [*static.glob("*.css"), *static.glob("styles/*.css")] if path.name not in WHOLE]
    # Sphinx copies its static files only when it writes a page (then each is as shipped again), and live_code copies
    # writes Live Code's bundle on every build. The stylesheets go together: one may use what another defines.
    to_do = [path for path in scripts if not path.read_text().startswith(DONE)]
    if any(not path.read_text().startswith(DONE) for path in styles):
        to_do += styles
    if not to_do:
        return
    if not (ROOT / "node_modules" / "purgecss").exists():
        raise ExtensionError("PurgeCSS not found in node_modules: build with `make book`, which installs it (npm ci)")
    # Custom properties that the whole stylesheets and the scripts use, which PurgeCSS cannot see used.
    used_elsewhere = [*(static / name for name in WHOLE), *static.glob("vendor/**/*.css"), *scripts]
    used_elsewhere = [path for path in used_elsewhere if path.exists()]
    pages = list(outdir.glob("**/*.html"))
    # The same files from the same pages as last time (a rebuild that wrote the pages anew, or a myst-nb that copies its
    # stylesheet on every build), slimmed the same way (lean_assets_by): the lean files kept from then, instead of a
    # second or two of PurgeCSS.
    inputs = sorted({*to_do, *pages, *scripts, *used_elsewhere})
    digest = hashlib.sha256(app.config.lean_assets_by.encode() + b"".join(path.read_bytes() for path in inputs))
    kept = outdir.parent / "lean-assets" / digest.hexdigest()
    if kept.is_dir():
        shutil.copytree(kept, static, dirs_exist_ok=True)
        return
    task = job(to_do, [*pages, *scripts], used_elsewhere, static)
    subprocess.run(["node", str(PROGRAM), json.dumps(task)], check=True)
    shutil.rmtree(kept.parent, ignore_errors=True)  # only the latest
    for path in to_do:
        (kept / path.relative_to(static)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, kept / path.relative_to(static))


def job(to_do, content, used_elsewhere, static):
    """What lean_assets.mjs is to do with the files to_do, which content (pages and scripts) may use."""
    bootstrap = static / "scripts" / "bootstrap.js"
    variables = {name for path in used_elsewhere for name in re.findall(r"--[A-Za-z][\w-]*", path.read_text())}
    task = {
        "scripts": [str(path) for path in to_do if path.suffix == ".js" and path != bootstrap],
        "styles": [str(path) for path in to_do if path.suffix == ".css"],
        "done": DONE,
        "content": [str(path) for path in content],
        "safelist": SAFELIST,
        "dynamicAttributes": DYNAMIC_ATTRIBUTES,
        "variables": sorted(variables),
    }
    if bootstrap in to_do:
        task["bootstrap"] = {"file": str(bootstrap), "theme": str(bootstrap_source(bootstrap)), "parts": str(PARTS)}
    return task


def bootstrap_source(shipped):
    """The theme's source of its scripts/bootstrap.js, if it bundled the Bootstrap that package.json pins."""
    source = THEME.parent.parent / "assets" / "scripts" / "bootstrap.js"
    version = json.loads((ROOT / "node_modules" / "bootstrap" / "package.json").read_text())["version"]
    if not source.exists() or f'"{version}"' not in shipped.read_text():
        raise ExtensionError(
            f"The theme's scripts/bootstrap.js is not built from {source} with Bootstrap {version} "
            "(package.json): pin the Bootstrap that the theme bundles, or update lean_assets.py."
        )
    return source
