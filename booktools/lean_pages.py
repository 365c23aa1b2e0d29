"""Pages that paint sooner, written that way by the build (no HTML patched afterwards).

- Scripts in the head of a chapter are deferred: they all wait for the document anyway, so the text shows first.
- Figures load as they scroll into view.
- The site's front door is a small redirect page with the site's icon.
"""

from pathlib import Path

from docutils import nodes

from booktools import write_if_changed


def setup(app):
    app.connect("doctree-resolved", lazy_figures)
    app.connect("html-page-context", deferred_scripts)
    app.connect("build-finished", write_front_door)


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
