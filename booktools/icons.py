"""icons.css: the few Font Awesome icons the site uses, as CSS masks, in place of the theme's 1.5 MB fontawesome.js."""

import json
import re
import urllib.parse
from pathlib import Path

from booktools import vendored, write_if_changed

ICON_STYLES = {"solid": ".fa-solid,.fas", "regular": ".fa-regular,.far", "brands": ".fa-brands,.fab"}


def setup(app):
    app.connect("builder-inited", lambda app: vendored("@fortawesome/fontawesome-free"))
    app.add_css_file("icons.css")
    app.connect("build-finished", write_icons_css)


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
        "written by booktools/icons.py */",
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
