"""What axe-core and a keyboard found wrong in the stock theme, fixed where the markup is written (checked by
tests/test_accessibility.py).

- Buttons whose aria-label hides the text they show, so that a screen reader or speech control ("click Show
  solution") misses it (axe: label-content-name-mismatch, serious, on every page): our copies of the theme's search
  and colour-mode buttons (assets/templates/), and myst-nb's solution toggle written without its label.
- Header buttons and menu items that show no focus ring: assets/accessibility.css.
- Two search fields on wide screens, the header's and the sidebar's, for one search: the sidebar's stays (the header
  keeps its search button on narrow screens, where the sidebar is folded away).
"""

from pathlib import Path

from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput, visit_HideCellInput

from booktools import ROOT, copy_if_changed

TEMPLATES = ROOT / "assets" / "templates"
STYLES = ROOT / "assets" / "accessibility.css"


def setup(app):
    app.connect("config-inited", templates_and_styles)
    app.add_css_file(STYLES.name)
    app.add_node(HideCodeCellNode, override=True, html=(visit_solution_toggle, depart_HideCellInput))
    app.connect("build-finished", copy_styles)


def templates_and_styles(app, config):
    config.templates_path.insert(0, str(TEMPLATES))  # ahead of the theme's own components
    config.html_static_path.append(str(STYLES))
    # pydata-sphinx-theme puts a search field in the header unless told otherwise; Jupyter Book has no setting for it.
    config.html_theme_options.setdefault("navbar_persistent", [])


def copy_styles(app, exception):
    # Sphinx copies static files only when some page was out of date; an edited stylesheet must not wait for that.
    if exception is None and app.builder.format == "html":
        copy_if_changed(STYLES, Path(app.outdir) / "_static" / STYLES.name)


def visit_solution_toggle(self, node):
    """myst-nb's "Show solution" toggle without its label "Toggle hidden content": named by the text it shows."""
    start = len(self.body)
    visit_HideCellInput(self, node)
    self.body[start:] = [part.replace(' aria-label="Toggle hidden content"', "") for part in self.body[start:]]
