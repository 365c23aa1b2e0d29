"""Lean pages (booktools.lean_pages): written by the build with their scripts deferred, figures lazy and no
fontawesome.js, through edited copies of the theme's templates that stop the build when the theme changes."""

import types

import pytest
from sphinx.errors import ExtensionError

from book import CHAPTERS, page
from booktools import lean_pages


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_only_styles_hold_up_a_chapters_first_paint(book, chapter):
    html = page(chapter)
    # documentation_options.js may block: the inline scripts after it set its values.
    blocking = [script["src"] for script in html.head.select("script[src]")
                if not script.has_attr("defer") and not script.has_attr("async")]
    assert [src for src in blocking if "documentation_options.js" not in src] == []
    assert all(figure.get("loading") == "lazy" for figure in html.select("div.cell_output img"))
    assert html.select('script[src*="fontawesome"]') == []


@pytest.mark.parametrize("template", sorted({name for name, *_ in lean_pages.THEME_EDITS}))
def test_a_theme_template_that_changed_stops_the_build_and_says_which(template, tmp_path, monkeypatch):
    # The theme as an update might ship it: the tag that an edit removes or changes is gone.
    theme = tmp_path / "theme"
    for name, *_ in lean_pages.THEME_EDITS:
        (theme / name).parent.mkdir(parents=True, exist_ok=True)
        (theme / name).write_text((lean_pages.THEME / name).read_text())
    (theme / template).write_text((theme / template).read_text().replace("<script", "<script type=module"))
    monkeypatch.setattr(lean_pages, "THEME", theme)
    app = types.SimpleNamespace(doctreedir=str(tmp_path / "_build" / ".doctrees"))
    config = types.SimpleNamespace(templates_path=[])
    with pytest.raises(ExtensionError, match=f"The theme's {template} changed"):
        lean_pages.edited_theme_templates(app, config)


def test_the_theme_as_installed_takes_every_edit(tmp_path):
    app = types.SimpleNamespace(doctreedir=str(tmp_path / "_build" / ".doctrees"))
    config = types.SimpleNamespace(templates_path=["assets/templates"])
    lean_pages.edited_theme_templates(app, config)
    written = tmp_path / "_build" / "theme-templates"
    assert config.templates_path == [str(written), "assets/templates"]
    assert "fontawesome" not in (written / "static" / "webpack-macros.html").read_text()
    assert (written / "pydata_sphinx_theme" / "layout.html").read_text().count("<script defer src=") == 3
