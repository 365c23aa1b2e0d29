"""Every page's navigation follows _toc.yml: a chapter added, removed, moved or retitled rewrites every page.

Sphinx writes again only the pages it read again, and each page's sidebar and next/previous links name the other
chapters (sphinx-doc/sphinx#5506): after a new chapter, the older pages would not link to it until a clean build.
"""

from booktools import toc


def setup(app):
    app.connect("env-updated", every_page_when_the_contents_change)


def every_page_when_the_contents_change(app, env):
    """After reading: every page, to be written again, if the reading order or a page's title changed since the last
    build (the contents as the pages show them); none otherwise."""
    contents = [(page, env.titles[page].astext() if page in env.titles else None) for page in toc.pages(app.srcdir)]
    before = getattr(env, "booktools_contents", None)
    env.booktools_contents = contents  # pickled with the environment, for the next build
    return sorted(env.found_docs) if before is not None and before != contents else []
