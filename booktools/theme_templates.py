"""Edited copies of the theme's templates, written ahead of the theme's own (Sphinx has no hook for these tags).

The theme hard-codes some tags in its templates, with no option to change them. The build writes edited copies of
those templates ahead of the theme's; an edit that does not find what it expects stops the build, so that an update of
the theme cannot quietly undo it. The edits make pages lighter (no fontawesome.js, no search scripts on every page)
and mend two bugs of this pair of themes: dead sidebar buttons, and a first paint without the theme's colours.
"""

import re
from pathlib import Path

import pydata_sphinx_theme
import sphinx_book_theme
from sphinx.errors import ExtensionError

from booktools import write_if_changed

THEME = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
# The book theme's own templates, where the pydata theme has none of that name.
BOOK_THEME = Path(sphinx_book_theme.__file__).parent / "theme" / "sphinx_book_theme"
# Each: (template, pattern, replacement, matches expected).
THEME_EDITS = [
    # The launch menu's Binder and Colab logos (9 kB) loaded with every page, though the menu is closed: lazy, a
    # browser fetches them when the menu opens. The header imports the macros by a relative path, which would miss
    # our copy: it imports them by name.
    ("article-header-buttons.html", r'\{% from "\.\./macros/buttons\.html"', r'{% from "macros/buttons.html"', 1),
    (
        "macros/buttons.html",
        r'<img alt="\{\{ translate\(text\) \}\} \{\{ translate\("logo"\) \}\}" src=',
        r'<img loading="lazy" alt="{{ translate(text) }} {{ translate("logo") }}" src=',
        1,
    ),
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


def setup(app):
    app.connect("config-inited", edited_theme_templates)


def edit_template(text, pattern, replacement, expected, name):
    """text with the edit made, or the build's error if the theme's template no longer reads as expected."""
    edited, found = re.subn(pattern, replacement, text, flags=re.DOTALL)
    if found != expected:
        raise ExtensionError(
            f"The theme's {name} changed: booktools/theme_templates.py expected {expected} match(es) of "
            f"{pattern!r} and found {found}. Update THEME_EDITS for this version of the theme."
        )
    return edited


def template(name):
    """The theme's template of that name: the pydata theme's, or the book theme's own (or one of its components)."""
    return next(path for path in (THEME / name, BOOK_THEME / name, BOOK_THEME / "components" / name) if path.exists())


def edited_theme_templates(app, config):
    folder = Path(app.doctreedir).parent / "theme-templates"
    edited = {}
    for name, pattern, replacement, expected in THEME_EDITS:
        text = edited.get(name) or template(name).read_text()
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
